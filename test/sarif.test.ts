/**
 * `--format sarif` (src/format/sarif.ts): the log report and `check` as SARIF 2.1.0, each result the
 * finding the JSON report gives (same cause, severity, id and first evidence line), checked field by
 * field against the specification (test/helpers/sarif.ts); `check`'s locations point at the files on
 * disk under `--map-path`, and its configuration problems are results of their own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { run } from '../src/run/run.js';
import { SARIF_FINGERPRINT } from '../src/format/sarif.js';
import type { Finding } from '../src/types.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { createConfigPki, stageFixture } from './helpers/config-lab.js';
import { fileOf, sarifOf } from './helpers/sarif.js';

const tmp = tempDir('sd-sarif-');

async function cli(argv: string[], stdin?: string): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const input = Object.assign(Readable.from(stdin === undefined ? [] : [Buffer.from(stdin)]), { isTTY: false });
  const code = await run({
    argv,
    stdin: input,
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: () => true },
    env: { NO_COLOR: '1' },
    cwd: ROOT,
  });
  return { code, stdout };
}

const LEVEL = { error: 'error', warning: 'warning', notice: 'note', info: 'note' } as const;

describe('the log report as SARIF', () => {
  const inputs = ['samples/real', 'samples/seed'];

  test('one result per finding of the JSON report: cause, level, id, message, first evidence line; the same exit code', async () => {
    const json = await cli(['--format', 'json', ...inputs]);
    const sarif = await cli(['--format', 'sarif', ...inputs]);
    expect(sarif.code).toBe(json.code);
    const findings = (JSON.parse(json.stdout) as { findings: Finding[] }).findings;
    expect(findings.length).toBeGreaterThan(10); // not a vacuous comparison
    const results = sarifOf(sarif.stdout).runs[0]!.results!;
    expect(results.map((r) => [r.ruleId, r.level, r.partialFingerprints?.[SARIF_FINGERPRINT]])).toEqual(
      findings.map((f) => [f.cause, LEVEL[f.severity], f.id]),
    );
    results.forEach((r, i) => {
      const f = findings[i]!;
      expect(r.message.text?.startsWith(f.message)).toBe(true);
      expect(r.message.text).toContain(`Fix: ${f.fix.summary}`);
      expect(fileOf(r.locations![0]!)).toEqual({ file: path.resolve(ROOT, f.evidence[0]!.file), line: f.evidence[0]!.line });
      const related = (r.relatedLocations ?? []).map(fileOf);
      expect(related).toEqual(f.evidence.slice(1, 11).map((e) => ({ file: path.resolve(ROOT, e.file), line: e.line })));
    });
  });

  test('the ids are stable: two runs give the same fingerprints; a line from stdin has no location', async () => {
    const a = sarifOf((await cli(['--format', 'sarif', 'samples/seed'])).stdout);
    const b = sarifOf((await cli(['--format', 'sarif', 'samples/seed'])).stdout);
    expect(b.runs[0]!.results!.map((r) => r.partialFingerprints)).toEqual(a.runs[0]!.results!.map((r) => r.partialFingerprints));
    const line = fs.readFileSync(path.join(ROOT, 'samples/seed/nginx-no-resolver.log'), 'utf8');
    const piped = sarifOf((await cli(['--format', 'sarif', '-'], line)).stdout).runs[0]!.results!;
    expect(piped.length).toBeGreaterThan(0);
    expect(piped.every((r) => r.locations === undefined)).toBe(true);
  });

  test('no input at all: still a SARIF log (no results), exit 2', async () => {
    const r = await cli(['--format', 'sarif', 'no/such/file.log']);
    expect(r.code).toBe(2);
    expect(sarifOf(r.stdout).runs[0]!.results).toEqual([]);
  });
});

describe('check as SARIF', () => {
  test('a predicted failure points at the directive in the file on disk (--map-path), its other lines related', async () => {
    const pki = await createConfigPki(path.join(tmp.dir, 'cpki'));
    const stage = stageFixture('debian-nginx-shared-certificate', path.join(tmp.dir, 'ngx'), pki);
    const args = ['check', '--config', '/etc/nginx/nginx.conf', '--map-path', stage.mapArg];
    const json = JSON.parse((await cli([...args, '--format', 'json'])).stdout) as { findings: Finding[] };
    const sarif = await cli([...args, '--format', 'sarif']);
    expect(json.findings.length).toBeGreaterThan(0);
    const results = sarifOf(sarif.stdout).runs[0]!.results!.filter((r) => !r.ruleId!.startsWith('config-'));
    expect(results.map((r) => [r.ruleId, r.partialFingerprints?.[SARIF_FINGERPRINT]])).toEqual(json.findings.map((f) => [f.cause, f.id]));
    const onDisk = (named: string): string => path.join(stage.root, named);
    results.forEach((r, i) => {
      const ev = json.findings[i]!.evidence;
      expect([r.locations![0]!, ...(r.relatedLocations ?? [])].map(fileOf)).toEqual(
        ev.slice(0, 11).map((e) => ({ file: onDisk(e.file), line: e.line })),
      );
    });
    expect(sarif.code).toBe(1);
  });

  test('a configuration with a syntax error: the problem is a result of its own, at its file and line', async () => {
    const conf = path.join(tmp.dir, 'broken', 'nginx.conf');
    fs.mkdirSync(path.dirname(conf), { recursive: true });
    fs.writeFileSync(conf, 'events {}\nhttp {\n  server {\n    listen 443 ssl;\n');
    const r = await cli(['check', '--config', conf, '--format', 'sarif']);
    const json = JSON.parse((await cli(['check', '--config', conf, '--format', 'json'])).stdout) as {
      problems: { kind: string; severity: string; line: number | null; message: string }[];
    };
    expect(json.problems.length).toBeGreaterThan(0);
    const results = sarifOf(r.stdout).runs[0]!.results!;
    expect(results.map((x) => [x.ruleId, x.level, x.message.text, fileOf(x.locations![0]!)])).toEqual(
      json.problems.map((p) => [`config-${p.kind}`, p.severity, p.message, { file: conf, line: p.line }]),
    );
    expect(r.code).toBe(1);
  });
});
