/**
 * Issue 16.1: every command the tool prints (fix steps' `command`, the `Confirm:` commands) is safe to
 * paste, whatever a log line or a certificate put into it. Generated: every cause module × server ×
 * every value a finding carries (subject, data, and what `--inspect` read: CA Issuers URLs, file names,
 * trusted bundles) × hostile values (`;`, `$()`, backquotes, quotes, spaces, newlines, pipes, a leading
 * `-`), in plain form and inside a plausible path, URL or `host:port`. Each distinct command is run by a
 * real bash on a PATH of stub tools (curl, openssl, cat, getent … which only log their arguments; `touch`
 * and `curl -o` really create files) in an empty directory: no hostile value may create a file there or
 * start a program. Directive values (`fix.steps[].value`) never carry one either.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { analyze } from '../src/findings/analyzer.js';
import { CAUSES } from '../src/findings/causes/index.js';
import { renderFinding } from '../src/findings/render.js';
import { createTimeline } from '../src/findings/timeline.js';
import { loadRules } from '../src/rules/load.js';
import { SERVERS, VALUE_NAMES, type FindingData, type InspectionData, type Server } from '../src/types.js';
import { tempDir } from './helpers/cli.js';

const tmp = tempDir('sd-fix-safe-');
afterAll(() => tmp.cleanup());

/** Hostile values; each names the file it would create if a shell ran it (`PWNED<n>`). */
const PAYLOADS = [
  ';echo>PWNED1',
  '$(echo>PWNED2)',
  '`echo>PWNED3`',
  "x' ; echo>PWNED4 ; '",
  'x" ; echo>PWNED5 ; "',
  'a b>PWNED6',
  'a\necho>PWNED7',
  '|touch PWNED8',
  '&touch PWNED9&',
  "\\';touch PWNED10;'",
  '-oPWNED11',
  '$(touch${IFS}PWNED12)',
  'a\r\n>PWNED13',
  "'$(echo>PWNED14)'",
];

/** A payload alone and inside a path, a URL and a `host:port`, so that every parser of a field is reached. */
const EMBEDDINGS = [
  (p: string) => p,
  (p: string) => `/etc/letsencrypt/live/${p}/cert.pem`,
  (p: string) => `http://ca.example/${p}`,
  (p: string) => `${p}:443`,
  (p: string) => `/etc/ssl/${p}.pem`,
];

const SUBJECT_FIELDS = ['certificate', 'certSubject', 'certIssuer', 'serial', 'notBefore', 'notAfter', 'vhost', 'responder', 'url', 'host'];

/** Baseline inspections: none; the issuer missing from the certificate file and the chain from the trusted bundle. */
function inspection(file: string, url: string, bundle: string, subject: string): InspectionData {
  return {
    result: 'confirmed',
    checks: [],
    missing: [
      { subject, role: 'issuer', caIssuersUrl: url, neededIn: 'certificate-file' },
      { subject, role: 'issuer', caIssuersUrl: url, neededIn: 'trusted-bundle' },
      { subject, role: 'root', caIssuersUrl: url, neededIn: 'trusted-bundle' },
    ],
    certificate: {
      file,
      subject: 'CN=www.example.org',
      issuer: subject,
      serial: '01',
      notBefore: 'Jan  1 00:00:00 2024 GMT',
      notAfter: 'Jan  1 00:00:00 2030 GMT',
      selfSigned: false,
      ocspUrls: [url],
      caIssuersUrls: [url],
    },
    trustedFiles: [bundle],
    haveConfig: true,
  };
}

/** The hostile values tried in one field: every payload, each inside an embedding that rotates with the field. */
function valuesFor(field: number): string[] {
  return PAYLOADS.map((p, i) => EMBEDDINGS[(i + field) % EMBEDDINGS.length]!(p));
}

/** Every way a hostile value can reach a finding: one finding per (baseline, field, value). */
function* hostileFindings(baselines: FindingData[]): Generator<FindingData> {
  const ok = { file: '/etc/ssl/site.pem', url: 'http://ca.example/int.der', bundle: '/etc/ssl/chain.pem', subject: 'CN=Int CA' };
  for (const base of baselines) {
    for (const withInspection of [false, true]) {
      const b: FindingData = withInspection ? { ...base, inspection: inspection(ok.file, ok.url, ok.bundle, ok.subject) } : base;
      let field = 0;
      for (const k of SUBJECT_FIELDS) for (const v of valuesFor(field++)) yield { ...b, subject: { ...b.subject, [k]: v } };
      for (const v of valuesFor(field++)) yield { ...b, subject: { ...b.subject, peers: [v] } };
      for (const k of VALUE_NAMES) for (const v of valuesFor(field++)) yield { ...b, data: { ...b.data, [k]: v } };
      if (!withInspection) continue;
      for (const v of valuesFor(field++)) yield { ...b, inspection: inspection(v, ok.url, ok.bundle, ok.subject) };
      for (const v of valuesFor(field++)) yield { ...b, inspection: inspection(ok.file, v, ok.bundle, ok.subject) };
      for (const v of valuesFor(field++)) yield { ...b, inspection: inspection(ok.file, ok.url, v, ok.subject) };
      for (const v of valuesFor(field)) yield { ...b, inspection: inspection(ok.file, ok.url, ok.bundle, v) };
    }
  }
}

/** Findings from every sample line of every rule (real values, every branch the rules reach), plus every cause × server bare. */
async function baselines(): Promise<FindingData[]> {
  const rules = await loadRules();
  const out: FindingData[] = [];
  const seen = new Set<string>();
  for (const r of rules) {
    for (const s of r.samples.match) {
      for (const f of analyze([s.line], rules).findings) {
        // One baseline per shape: cause, server, message, which values are present, and the `detail` fixes branch on.
        const shape = JSON.stringify([
          f.cause,
          f.server,
          f.messageId,
          Object.keys(f.data).sort(),
          Object.keys(f.subject).sort(),
          f.data.detail,
        ]);
        if (!seen.has(shape)) out.push(f);
        seen.add(shape);
      }
    }
  }
  for (const cause of Object.keys(CAUSES) as (keyof typeof CAUSES)[]) {
    for (const server of [...SERVERS, null] as (Server | null)[]) {
      out.push({
        id: `${cause}:${server ?? 'unknown'}:0000000000`,
        cause,
        severity: 'warning',
        server,
        host: null,
        ruleIds: ['x'],
        count: 1,
        first: null,
        last: null,
        messageId: `${cause}.default`,
        data: { detail: 'host not found' },
        subject: {},
        evidence: [],
        evidenceOmitted: 0,
        timeline: createTimeline().snapshot(),
      });
    }
  }
  return out;
}

const STUBS: Record<string, string> = {
  // Only log the call; read nothing (stdin may be a pipe from another stub).
  default: '#!/bin/bash\nprintf "%s\\n" "${0##*/}" >> "$STUB_LOG"\nexit 0\n',
  // `touch` and `curl -o FILE` create files, as the real ones would.
  touch: '#!/bin/bash\nprintf "%s\\n" touch >> "$STUB_LOG"\nfor f in "$@"; do : > "./${f##*/}"; done\n',
  curl: '#!/bin/bash\nprintf "%s\\n" curl >> "$STUB_LOG"\nwhile [ $# -gt 0 ]; do case "$1" in -o) shift; : > "./${1##*/}";; -o*) f="${1#-o}"; : > "./${f##*/}";; esac; shift; done\n',
};
const TOOLS = [
  'curl',
  'openssl',
  'cat',
  'getent',
  'grep',
  'timedatectl',
  'nginx',
  'apachectl',
  'apache2ctl',
  'a2enmod',
  'touch',
  'head',
  'sed',
];

function stubDir(): string {
  const dir = path.join(tmp.dir, 'bin');
  fs.mkdirSync(dir, { recursive: true });
  for (const t of TOOLS) {
    const f = path.join(dir, t);
    fs.writeFileSync(f, STUBS[t] ?? STUBS.default!);
    fs.chmodSync(f, 0o755);
  }
  return dir;
}

/** The programs a command may start: the first word of each pipeline stage of the command as the tool writes it. */
const EXPECTED_PROGRAMS = new Set(TOOLS.filter((t) => t !== 'touch'));

test('no printed command runs or writes anything a log line or certificate carried', async () => {
  const commands = new Map<string, string>(); // command -> what produced it
  const values: string[] = [];
  let findings = 0;
  for (const f of hostileFindings(await baselines())) {
    findings++;
    const r = renderFinding(f);
    const where = `${f.cause}/${f.server ?? 'unknown'}`;
    for (const st of r.fix.steps) {
      if (st.command !== undefined && !commands.has(st.command)) commands.set(st.command, where);
      if (st.value !== null) values.push(st.value);
    }
    for (const v of r.fix.verify) if (!commands.has(v)) commands.set(v, where);
  }
  // The generator reached every cause and both kinds of command.
  expect(findings).toBeGreaterThan(100_000);
  expect(commands.size).toBeGreaterThan(200);

  // Directive values are written into nginx/Apache configuration as they are: one plain token, or refused.
  expect(values.filter((v) => /PWNED/.test(v) && !/^[\w./@%+=,:~-]+$/.test(v))).toEqual([]);

  // Human output prints commands through terminalSafe: with no control or invisible character in them, what
  // the terminal shows is the command itself.
  expect([...commands.keys()].filter((c) => /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u.test(c))).toEqual([]);

  const bin = stubDir();
  const log = path.join(tmp.dir, 'stub.log');
  const bad: string[] = [];
  for (const [cmd, where] of commands) {
    const cwd = fs.mkdtempSync(path.join(tmp.dir, 'run-'));
    fs.writeFileSync(log, '');
    spawnSync('/bin/bash', ['--noprofile', '--norc', '-c', cmd], {
      cwd,
      env: { PATH: bin, HOME: cwd, STUB_LOG: log },
      input: '',
      timeout: 10_000,
    });
    const created = fs.readdirSync(cwd).filter((n) => /PWNED/.test(n));
    const started = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter((n) => n !== '' && !EXPECTED_PROGRAMS.has(n));
    if (created.length > 0 || started.length > 0)
      bad.push(`${where}: ${JSON.stringify(cmd)} created ${created.join(',')} started ${started.join(',')}`);
    fs.rmSync(cwd, { recursive: true, force: true });
  }
  expect(bad.slice(0, 20)).toEqual([]);
}, 600_000);

test('the stub harness detects an unquoted value (the test can fail)', () => {
  const bin = stubDir();
  const cwd = fs.mkdtempSync(path.join(tmp.dir, 'probe-'));
  const log = path.join(tmp.dir, 'stub-probe.log');
  fs.writeFileSync(log, '');
  spawnSync('/bin/bash', ['--noprofile', '--norc', '-c', `curl -fsS ${PAYLOADS[1]} | openssl x509 -inform DER -out issuer.pem`], {
    cwd,
    env: { PATH: bin, HOME: cwd, STUB_LOG: log },
    input: '',
  });
  expect(fs.readdirSync(cwd)).toContain('PWNED2');
});

test('no fix step says “Or” itself: an alternative is marked so and printed after “or:”, a numbered step is not one', async () => {
  const said: string[] = [];
  for (const f of await baselines()) {
    const r = renderFinding(f);
    for (const st of r.fix.steps) if (/^or\b/i.test(st.text)) said.push(`${f.cause}/${f.server ?? 'unknown'}: ${st.text.slice(0, 60)}`);
  }
  expect([...new Set(said)]).toEqual([]);
});
