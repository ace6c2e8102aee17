/**
 * Pipes and signals (issue 6): a reader that quits early (`| head -1`, real shell pipes), SIGINT and
 * SIGTERM in live mode and in the middle of a big file, SIGPIPE, and an output that cannot be written
 * (`> /dev/full`). None of them may print a stack trace; exit codes follow the contract, the same however
 * much of the output a reader took (issue 12: `| head -1` of a report with findings is 1, as with the
 * whole output).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, PLAIN_ENV, startCli, tempDir, waitForOutput, waitForSignalHandler } from './helpers/cli.js';
import { expectAccounting, expectCleanStderr, STACK_TRACE } from './helpers/robust.js';

const timeoutLine = (i: number): string =>
  `2018/09/27 10:38:51 [error] 1043#0: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp${i}.example.org, peer: 2.21.67.65:80, certificate: "/etc/ssl/site-${i}/fullchain.pem"`;
const NOISE =
  '2018/09/14 19:03:05 [error] 2035#2035: *9134 access forbidden by rule, client: 12.34.56.78, server: example.com, request: "GET / HTTP/1.1"';

let dir: string;
let cleanup: () => void;
let big: string;
let noisy: string;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('sd-pipes-'));
  // 3000 distinct findings: far more output than a pipe buffer (64 KiB) holds, so the writer meets EPIPE.
  big = path.join(dir, 'many-findings.log');
  fs.writeFileSync(big, Array.from({ length: 3000 }, (_, i) => `${timeoutLine(i)}\n${NOISE}\n`).join(''));
  // One finding, then about 300 MB of lines without findings: long enough to be interrupted.
  noisy = path.join(dir, 'finding-then-long-noise.log');
  const block = Buffer.from(`${NOISE}\n`.repeat(8000));
  const fd = fs.openSync(noisy, 'w');
  fs.writeSync(fd, `${timeoutLine(0)}\n`);
  for (let i = 0; i < 260; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
});
afterAll(() => cleanup());

/** Run a bash pipeline; returns each command's exit status (PIPESTATUS) and the shell's stderr. */
function pipeline(script: string): { statuses: number[]; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', `set -o pipefail; ${script}; echo "STATUS \${PIPESTATUS[*]}" >&3`], {
    env: { ...PLAIN_ENV, SD: `${process.execPath} ${CLI}` },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  const fd3 = (r.output[3] ?? '').toString();
  const m = /STATUS ([\d ]+)/.exec(fd3);
  if (!m) throw new Error(`no status from the pipeline: ${fd3}\n${r.stderr}`);
  return { statuses: m[1]!.trim().split(' ').map(Number), stdout: r.stdout, stderr: r.stderr };
}

describe('a reader that stops early', () => {
  test.each([
    ['human', ''],
    ['ndjson', '--format ndjson'],
    ['json', '--format json'],
  ])('%s | head -1: the tool exits quietly with the code of the whole report, with no stack trace', (_name, flags) => {
    const whole = pipeline(`$SD ${flags} '${big}' >/dev/null`);
    expect(whole.statuses).toEqual([1]);
    const r = pipeline(`$SD ${flags} '${big}' 2>"${dir}/stderr.txt" | head -1`);
    expect(r.statuses).toEqual([1, 0]);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    const stderr = fs.readFileSync(path.join(dir, 'stderr.txt'), 'utf8');
    expect(stderr).toBe('');
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  test('live mode on stdin | head -c 1: stops reading and exits by what it saw (a finding: 1)', () => {
    const r = pipeline(`cat '${big}' | $SD --format ndjson 2>"${dir}/stderr-live.txt" | head -c 1 >/dev/null`);
    // cat may itself die of SIGPIPE (141) once the tool stops reading: that is cat's business.
    expect(r.statuses.slice(1)).toEqual([1, 0]);
    expect(fs.readFileSync(path.join(dir, 'stderr-live.txt'), 'utf8')).toBe('');
  });

  test('SIGPIPE itself never prints a stack trace (Node ignores it; the write then fails with EPIPE)', async () => {
    const child = startCli(['--format', 'ndjson']);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const first = waitForOutput(child, (out) => out.includes('"event":"new"'));
      child.stdin.write(`${timeoutLine(1)}\n`);
      await first;
      child.kill('SIGPIPE');
      // Still alive and working after the signal.
      const second = waitForOutput(child, (out) => out.includes('ocsp2.example.org'));
      child.stdin.write(`${timeoutLine(2)}\n`);
      await second;
      child.stdin.end();
      expect(await exited).toBe(1);
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('signals in live mode', () => {
  test.each([
    ['SIGTERM', 'no finding', 0, [NOISE]],
    ['SIGTERM', 'a finding', 1, [timeoutLine(1)]],
    ['SIGINT', 'no finding', 0, [NOISE, NOISE]],
  ] as const)('%s with %s: prints the summary of what was seen, exits %i', async (sig, _what, code, lines) => {
    const child = startCli([]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      child.stdin.write(lines.map((l) => `${l}\n`).join(''));
      // The line was read (a finding is printed at once; for noise, give the reader a moment).
      if (code === 1) await waitForOutput(child, (out) => out.includes('responder-timeout'));
      else {
        // Ready for the signal, then a moment for the reader (rule loading is slow on a loaded machine).
        await waitForSignalHandler(child, sig);
        await new Promise((r) => setTimeout(r, 1500));
      }
      const summary = waitForOutput(child, (out) => /stapling-doctor: .* in \d+ lines? of 1 input/.test(out));
      child.kill(sig);
      const out = await summary;
      expect(await exited).toBe(code);
      expect(out).toContain(`in ${lines.length} line${lines.length === 1 ? '' : 's'} of 1 input`);
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('SIGTERM in ndjson live mode: the end line carries the statistics of what was read', async () => {
    const child = startCli(['--format', 'ndjson']);
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      const seen = waitForOutput(child, (out) => out.includes('"event":"new"'));
      child.stdin.write(`${NOISE}\n${timeoutLine(7)}\n${NOISE}\n`);
      await seen;
      await new Promise((r) => setTimeout(r, 200));
      const end = waitForOutput(child, (out) => out.includes('"event":"end"'));
      child.kill('SIGTERM');
      const last = JSON.parse((await end).trim().split('\n').pop()!) as { stats: { lines: number; matched: number }; inputs: [] };
      expect(last.stats).toMatchObject({ lines: 3, matched: 1 });
      expectAccounting(last.stats as never, last.inputs);
      expect(await exited).toBe(1);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('signals while reading a big file', () => {
  test.each(['SIGINT', 'SIGTERM'] as const)('%s stops in the middle of the file and prints the report of what was read', async (sig) => {
    const child = startCli(['--format', 'ndjson', noisy]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      await waitForOutput(child, (out) => out.includes('"event":"new"')); // reading has begun
      const end = waitForOutput(child, (out) => out.includes('"event":"end"'));
      child.kill(sig);
      const last = JSON.parse((await end).trim().split('\n').pop()!) as { stats: { lines: number; matched: number }; inputs: never[] };
      expect(await exited).toBe(1); // the finding is a warning: exit by the contract
      const total = 1 + (fs.statSync(noisy).size - timeoutLine(0).length - 1) / (NOISE.length + 1);
      expect(last.stats.matched).toBe(1);
      expect(last.stats.lines).toBeLessThan(total); // it did stop early
      expectAccounting(last.stats as never, last.inputs);
      expectCleanStderr(stderr);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('an output that cannot be written', () => {
  test('> /dev/full: one line on stderr, exit 2, no stack trace', () => {
    if (!fs.existsSync('/dev/full')) throw new Error('/dev/full is missing: this test needs Linux');
    const r = pipeline(`$SD '${big}' >/dev/full`);
    expect(r.statuses).toEqual([2]);
    expect(r.stderr).toBe('stapling-doctor: cannot write the output: ENOSPC: no space left on device, write\n');
  });

  test.each([
    '--schema',
    '--schema ndjson',
    '--list-rules',
    '--list-causes --format json',
    '--version',
    '--help',
    'check --help',
    "explain --format json 'AH01941: stapling_renew_response: responder error'",
    'explain --file BIG',
    'rules export --to sigma',
  ])('%s > /dev/full: like a scan, exit 2 and the same one line (never exit 0 with an empty file)', (args) => {
    if (!fs.existsSync('/dev/full')) throw new Error('/dev/full is missing: this test needs Linux');
    const r = pipeline(`$SD ${args.replace('BIG', `'${big}'`)} >/dev/full`);
    expect(r.statuses).toEqual([2]);
    // `rules export` also notes on stderr what the target cannot express: the error is the last line.
    expect(r.stderr.split('\n').slice(-2)).toEqual([
      'stapling-doctor: cannot write the output: ENOSPC: no space left on device, write',
      '',
    ]);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  test('a closed stderr does not crash a run that has something to report', () => {
    const r = pipeline(`$SD '${dir}/missing.log' '${big}' --format json 2>&- | tail -c 1 >/dev/null`);
    expect(r.statuses).toEqual([2, 0]);
  });
});
