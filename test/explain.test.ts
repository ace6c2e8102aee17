/**
 * `stapling-doctor explain`: the answer to "why did it (not) flag my line?" for a line that matches, a
 * look-alike, and a line a rule's `when` condition keeps out — as data (explainLine), through run()
 * in-process, and through the built binary. Lines are real: rule samples and captures.
 */
import { explainLine } from '../src/rules/explain.js';
import { createMatcher } from '../src/rules/match.js';
import { loadRules } from '../src/rules/load.js';
import { run } from '../src/run/run.js';
import { runCli } from './helpers/cli.js';
import { variantsOf } from './helpers/variants.js';

const matcher = createMatcher(await loadRules());

/** A stapling failure nginx logs (mail-in-a-box/mailinabox#705, catalogue §1.5). */
const MATCHING =
  '2016/02/09 22:20:21 [error] 2417#0: OCSP_basic_verify() failed (SSL: error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error:Verify error:unable to get local issuer certificate) while requesting certificate status, responder: gv.symcd.com';
/** Client-certificate OCSP with a connection number: the same words, not stapling (captured, nginx 1.22.1). */
const WHEN_MISS =
  '2026/11/23 01:59:33 [error] 13823#13823: *2 OCSP_basic_verify() failed (SSL: error:13800076:OCSP routines::signer certificate not found) while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:27880';
/** Apache client-certificate OCSP (SSLOCSPEnable), a look-alike rule's own line (captured, Apache 2.4.68). */
const LOOKALIKE = '[Mon Nov 23 01:58:03.523471 2026] [ssl:error] [pid 12293:tid 12298] AH01924: Bad OCSP responder answer (bad nonce)';
/** An ordinary log line with no rule trigger. */
const NOTHING = '2026/11/23 01:59:33 [error] 13823#13823: *2 open() "/var/www/favicon.ico" failed (2: No such file or directory)';

test('a matching line: the winning rule, its captures and the cause', () => {
  const e = explainLine(matcher, MATCHING);
  expect(e.parsed).toMatchObject({ server: 'nginx', pid: 2417, level: 'error' });
  expect(e.triggers).toContain('OCSP_basic_verify() failed');
  const win = e.rules[0]!;
  expect(win).toMatchObject({ ruleId: 'nginx-ocsp-verify-failed', outcome: 'matched', winner: true, cause: 'trusted-chain-incomplete' });
  expect(win.outcome === 'matched' && win.values).toMatchObject({
    responder: 'gv.symcd.com',
    verifyError: 'unable to get local issuer certificate',
  });
  expect(e.nearMisses).toEqual([]);
});

test('a line kept out by a when condition: the rule, the field, what it wants and what the line has', () => {
  const e = explainLine(matcher, WHEN_MISS);
  expect(e.rules).toContainEqual({
    ruleId: 'nginx-ocsp-verify-failed',
    outcome: 'when',
    failed: { field: 'connectionId', wanted: 'absent', actual: 2 },
  });
  expect(e.rules.some((v) => v.outcome === 'matched')).toBe(false);
});

test('source code that writes the message: the rule, and that its trigger is in a literal of code', () => {
  // The ngx.ocsp example's own line (lua-resty-core lib/ngx/ocsp.md).
  const e = explainLine(matcher, '            ngx.log(ngx.ERR, "OCSP responder query failed: ", err)');
  expect(e.rules).toEqual([{ ruleId: 'lua-ocsp-responder-query-failed', outcome: 'code' }]);
});

test('a look-alike: matched by a look-alike rule, so no cause is reported', () => {
  const e = explainLine(matcher, LOOKALIKE);
  expect(e.rules[0]).toMatchObject({ outcome: 'matched', role: 'lookalike', winner: true });
});

test('a line holding a trigger that no reading of the rule matches: the rule, and that its patterns failed', async () => {
  // The trigger of nginx-ocsp-verify-failed in a handshake's context: not the stapling request nginx writes it in.
  const OTHER =
    '2026/11/23 01:59:33 [error] 13823#13823: OCSP_basic_verify() failed (SSL: error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error) while SSL handshaking, client: 127.0.0.1';
  const e = explainLine(matcher, OTHER);
  expect(e.triggers).toContain('OCSP_basic_verify() failed');
  expect(e.rules).toEqual([{ ruleId: 'nginx-ocsp-verify-failed', outcome: 'pattern', patterns: expect.any(Array) }]);
  const r = await inProcess(['explain', OTHER]);
  expect(r.out).toMatch(/✘ nginx-ocsp-verify-failed {2}its trigger is there, but no pattern matched the message \(\d+ tried\)/);
  expect(r.out).toMatch(/cause: {5}none: no rule matched/);
});

test('a message cut short after its trigger: read as a fragment, as the analyzer reads it', async () => {
  const CUT = '2026/11/23 01:59:33 [error] 13823#13823: OCSP_basic_verify() failed';
  const e = explainLine(matcher, CUT);
  expect(e.rules[0]).toMatchObject({ ruleId: 'nginx-ocsp-verify-failed', outcome: 'matched', reading: 'fragment', winner: true });
  const r = await inProcess(['explain', CUT]);
  expect(r.out).toMatch(/✔ nginx-ocsp-verify-failed {2}matched \(pattern .*, read as a fragment\) → /);
});

test('explain names the cause the analyzer gives, for every one-line variant of every positive sample (fragments included)', () => {
  let compared = 0;
  const wrong: string[] = [];
  for (const rule of matcher.rules) {
    for (const s of rule.samples.match) {
      const lines = [s.line, ...variantsOf(s.line, s.values ?? {}, rule.servers[0]!).flatMap((v) => (v.lines.length === 1 ? v.lines : []))];
      for (const line of lines) {
        const m = matcher.match(line, { file: '-', line: 1 }).match;
        if (!m) continue;
        compared++;
        const win = explainLine(matcher, line).rules.find((v) => v.outcome === 'matched' && v.winner);
        if (win?.outcome !== 'matched' || win.ruleId !== m.rule.id || win.cause !== m.cause) wrong.push(`${rule.id}: ${line}`);
      }
    }
  }
  expect(compared).toBeGreaterThan(10_000);
  expect(wrong.slice(0, 5)).toEqual([]);
});

test('a line without a trigger: no rule looks at it', () => {
  const e = explainLine(matcher, NOTHING);
  expect(e.triggers).toEqual([]);
  expect(e.rules).toEqual([]);
});

/** Run the CLI in-process and collect its output. */
async function inProcess(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run({
    argv,
    stdin: (async function* () {})(),
    stdout: { write: (s: string) => ((out += s), true) },
    stderr: { write: (s: string) => ((err += s), true) },
    env: { NO_COLOR: '1' },
    cwd: process.cwd(),
  });
  return { code, out, err };
}

test('explain through run(): the human answer for each kind of line, exit 0', async () => {
  const r = await inProcess(['explain', MATCHING, WHEN_MISS, LOOKALIKE]);
  expect(r.code).toBe(0);
  expect(r.err).toBe('');
  expect(r.out).toMatch(/line 1:.*\n(?:.*\n)*? {2}✔ nginx-ocsp-verify-failed {2}matched .*→ trusted-chain-incomplete \(warning\)/);
  expect(r.out).toMatch(/cause: {5}trusted-chain-incomplete \(rule nginx-ocsp-verify-failed, warning\)/);
  expect(r.out).toMatch(/✘ nginx-ocsp-verify-failed {2}its condition failed: connectionId must be absent, the line has 2/);
  expect(r.out).toMatch(/cause: {5}none: a look-alike, not stapling \(rule apache-client-ocsp-bad-nonce\)/);
});

test('explain through the built binary: JSON from stdin', () => {
  const r = runCli(['explain', '--format', 'json', '--file', '-'], { input: `${MATCHING}\n${NOTHING}\n` });
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as { lines: { rules: { ruleId: string }[]; triggers: string[] }[] };
  expect(doc.lines).toHaveLength(2);
  expect(doc.lines[0]!.rules[0]!.ruleId).toBe('nginx-ocsp-verify-failed');
  expect(doc.lines[1]!.triggers).toEqual([]);
});
