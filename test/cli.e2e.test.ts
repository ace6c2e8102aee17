/**
 * End-to-end: the built CLI on globs over a gzipped rotation and on a live pipe kept open. Files,
 * directories, formats and exit codes are in the CLI case table (test/cli-cases.ts), run in-process and
 * through the binary.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { OUTPUT_SCHEMA } from '../src/format/output-schema.js';
import type { Report } from '../src/findings/analyzer.js';
import { ROOT, runCli, startCli, tempDir, waitForOutput } from './helpers/cli.js';

const SEED = path.join(ROOT, 'samples/seed');
const APACHE = fs.readFileSync(path.join(SEED, 'apache-issuer-missing-httpd-2.4.7.log'), 'utf8');
const NGINX_VERIFY = fs.readFileSync(path.join(SEED, 'nginx-ocsp-verify-issuer-not-trusted.log'), 'utf8');
const NGINX_RESOLVER = fs.readFileSync(path.join(SEED, 'nginx-no-resolver.log'), 'utf8');
const NOISE =
  '[Tue Apr 04 06:28:08.605341 2017] [core:error] [pid 17962] [client 127.0.0.1:60444] AH00135: Invalid method in request FOO /\n' +
  '2018/09/14 19:03:05 [error] 2035#2035: *9134 access forbidden by rule, client: 12.34.56.78, server: example.com, request: "GET / HTTP/1.1"\n';

const validate = new Ajv2020({ strict: false }).compile(OUTPUT_SCHEMA);

function json(args: string[], input?: string): { code: number | null; report: Report; stderr: string } {
  const r = runCli(['--format', 'json', ...args], input === undefined ? {} : { input });
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  if (!validate(report)) throw new Error(`output does not match the schema: ${JSON.stringify(validate.errors, null, 2)}`);
  return { code: r.code, report, stderr: r.stderr };
}

/** The seed failures fed to the live pipe, with the cause and fix directive each must show. */
const EXPECTED = [
  { file: 'apache-issuer-missing-httpd-2.4.7.log', cause: 'issuer-certificate-missing', directive: 'SSLCertificateFile' },
  { file: 'nginx-ocsp-verify-issuer-not-trusted.log', cause: 'trusted-chain-incomplete', directive: 'ssl_trusted_certificate' },
  { file: 'nginx-no-resolver.log', cause: 'resolver-missing', directive: 'resolver' },
];

describe('by glob over a gzipped rotation', () => {
  test('oldest first, .gz read transparently, the same failure aggregated across files', () => {
    const { dir, cleanup } = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'error.log.2.gz'), zlib.gzipSync(NOISE + APACHE + NGINX_VERIFY));
      fs.writeFileSync(path.join(dir, 'error.log.1'), NOISE + NGINX_RESOLVER);
      fs.writeFileSync(path.join(dir, 'error.log'), NGINX_VERIFY + NOISE);
      fs.writeFileSync(path.join(dir, 'access.log'), 'not matched by the glob\n');
      const { code, report } = json([`${dir}/error.log*`]);
      expect(code).toBe(1);
      expect(report.inputs.map((i) => path.basename(i.file))).toEqual(['error.log.2.gz', 'error.log.1', 'error.log']);
      expect(report.stats).toMatchObject({ files: 3, lines: 6 + 3 + 4 });
      const byCause = (c: string) => report.findings.filter((f) => f.cause === c);
      expect(byCause('issuer-certificate-missing')).toHaveLength(1);
      expect(byCause('resolver-missing')).toHaveLength(1);
      const verify = byCause('trusted-chain-incomplete');
      expect(verify).toHaveLength(2); // two responders
      expect(verify.map((f) => f.count)).toEqual([2, 2]);
      expect(verify[0]!.evidence.map((e) => `${path.basename(e.file)}:${e.line}`)).toEqual(['error.log.2.gz:5', 'error.log:1']);
    } finally {
      cleanup();
    }
  });

  test('a glob that matches nothing is a clear error with exit 2', () => {
    const r = runCli(['/nonexistent-dir-for-test/error.log*']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent-dir-for-test/error.log*: the pattern matches no file');
  });
});

describe('by live pipe', () => {
  test('each finding appears while the pipe is still open; Ctrl-C prints the summary and exits by the contract', async () => {
    const child = startCli([]);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      for (const e of EXPECTED) {
        const seen = waitForOutput(child, (out) => out.includes(e.cause) && out.includes(e.directive));
        child.stdin.write(NOISE + fs.readFileSync(path.join(SEED, e.file), 'utf8'));
        await seen; // the pipe is still open: no EOF has happened
      }
      const summary = waitForOutput(child, (out) => /stapling-doctor: \d+ findings/.test(out));
      child.kill('SIGINT');
      await summary;
      expect(await exited).toBe(1);
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('ndjson: one finding object per line as soon as it is known, then an end line', async () => {
    const child = startCli(['--format', 'ndjson']);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const first = waitForOutput(child, (out) => out.includes('\n'));
      child.stdin.write(NGINX_VERIFY.split('\n')[0] + '\n');
      const line = JSON.parse((await first).split('\n')[0]!) as { event: string; cause: string; evidence: { line: number }[] };
      expect(line).toMatchObject({ event: 'new', cause: 'trusted-chain-incomplete' });
      expect(line.evidence[0]!.line).toBe(1);
      const end = waitForOutput(child, (out) => out.includes('"event":"end"'));
      child.stdin.end();
      const lines = (await end)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string });
      expect(lines[lines.length - 1]!.event).toBe('end');
      expect(await exited).toBe(1);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
