/**
 * `--jobs N` (issue 15 (d)): several files scanned by worker threads must give exactly what one worker
 * gives — the same findings, evidence, order and per-input accounting, byte for byte — because the
 * workers' occurrence operations are applied in input order (src/findings/replay.ts, src/run/jobs.ts).
 * Checked on generated rotated logs: the real captured lines of samples/real/ in a seeded random order,
 * with pids, certificate paths and noise varied, some files gzipped, a failure cut at a file boundary
 * (a transport line at the end of one file, its confirmation at the start of the next: correlation must
 * not cross inputs), an empty and a truncated input. No speed is tested here (`npm run bench`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createAnalyzer } from '../src/findings/analyzer.js';
import { createRecorder } from '../src/findings/replay.js';
import { loadRules } from '../src/rules/load.js';
import { createJobScanner, type JobMessage } from '../src/run/job-scan.js';
import { WORKERS_MIN_BYTES, worthWorkers } from '../src/run/jobs.js';
import { inputList } from '../src/run/report-output.js';
import { scanInput } from '../src/run/stream.js';
import { runCliAsync } from './helpers/robust.js';
import { tempDir } from './helpers/cli.js';

const rules = await loadRules();
const REAL = new URL('../samples/real/', import.meta.url);
const realLines = fs
  .readdirSync(REAL)
  .filter((f) => f.endsWith('.log'))
  .sort()
  .flatMap((f) => fs.readFileSync(new URL(f, REAL), 'utf8').split('\n').filter(Boolean));
const NOISE = [
  '2026/11/23 01:56:40 [error] 811#811: *1 open() "/var/www/html/favicon.ico" failed (2: No such file or directory), client: 192.0.2.7, server: _, request: "GET /favicon.ico HTTP/1.1"',
  '[Mon Nov 23 01:56:40.064773 2026] [core:error] [pid 10918:tid 10991] [client 192.0.2.7:51234] AH00126: Invalid URI in request GET /%%% HTTP/1.1',
  '2026/11/23 01:56:41 [error] 811#811: *3 upstream timed out (110: Connection timed out) while reading response header from upstream',
];

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ (t + t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One rotated log: runs of real lines (kept in order, so a failure's lines stay together) among noise. */
function rotatedLog(rand: () => number, lines: number): string {
  const out: string[] = [];
  while (out.length < lines) {
    if (rand() < 0.3) {
      const at = Math.floor(rand() * realLines.length);
      const pid = 1000 + Math.floor(rand() * 4);
      for (const l of realLines.slice(at, at + 1 + Math.floor(rand() * 6))) {
        out.push(
          l
            .replace(/\d+#\d+:/, `${pid}#${pid}:`)
            .replace(/pid \d+/, `pid ${pid}`)
            .replace(/site(\d*)\./, `site${Math.floor(rand() * 5)}.`),
        );
      }
    } else out.push(NOISE[Math.floor(rand() * NOISE.length)]!);
  }
  return `${out.join('\n')}\n`;
}

/** Write `n` rotated logs (every third gzipped) into `dir`; @returns their paths, newest last. */
function writeRotated(dir: string, seed: number, n: number): string[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const text = rotatedLog(rand, 200 + Math.floor(rand() * 400));
    const gz = i % 3 === 1;
    const file = path.join(dir, `error.log.${n - i}${gz ? '.gz' : ''}`);
    fs.writeFileSync(file, gz ? zlib.gzipSync(text) : text);
    return file;
  });
}

test('occurrences recorded by one analyzer and replayed into another give the findings of a direct scan', async () => {
  const { dir, cleanup } = tempDir('sd-jobs-');
  try {
    const files = writeRotated(dir, 7, 5);
    const direct = createAnalyzer(rules);
    for (const f of files) await scanInput(direct, f, f);
    const recorder = createRecorder(rules);
    const worker = createAnalyzer(rules, {}, recorder.sink);
    const main = createAnalyzer(rules);
    for (const f of files) {
      await scanInput(worker, f, f);
      const inputs = worker.end().inputs;
      const replay = main.replay(f);
      replay.apply(recorder.take());
      replay.end(inputs[inputs.length - 1]!);
    }
    const want = direct.end();
    expect(want.findings.length).toBeGreaterThan(5);
    expect(JSON.stringify(main.end())).toBe(JSON.stringify(want));
  } finally {
    cleanup();
  }
});

test.each([11, 23, 42])('--jobs 3 gives byte for byte the report of --jobs 1 on generated rotated logs (seed %i)', async (seed) => {
  const { dir, cleanup } = tempDir('sd-jobs-');
  try {
    const files = writeRotated(dir, seed, 7);
    // A failure cut at a file boundary: Apache's transport line ends one file, its AH01941 starts the next.
    const transport = realLines.find((l) => l.includes('AH01977'));
    const confirm = realLines.find((l) => l.includes('AH01941'));
    expect(transport && confirm).toBeTruthy();
    fs.appendFileSync(files[2]!, `${transport}\n`); // files 2 and 3 are plain text (every third from 1 is gzip)
    fs.writeFileSync(files[3]!, `${confirm}\n${fs.readFileSync(files[3]!, 'utf8')}`);
    const truncated = path.join(dir, 'error.log.9.gz');
    const gz = zlib.gzipSync(rotatedLog(rng(seed + 1), 300));
    fs.writeFileSync(truncated, gz.subarray(0, gz.length - 40));
    const empty = path.join(dir, 'error.log.8');
    fs.writeFileSync(empty, '');
    const all = [truncated, empty, ...files];
    const variants = [
      ['--format', 'json'],
      ['--format', 'ndjson'],
      // the workers take the time window and each file's host from its path
      ['--format', 'json', '--since', '2020-01-01T00:00:00', '--host-from-path', path.join(path.dirname(dir), '{host}', '*')],
    ];
    for (const args of variants) {
      const format = args[1];
      const one = await runCliAsync([...args, '--fail-on', 'never', '--jobs', '1', ...all]);
      const three = await runCliAsync([...args, '--fail-on', 'never', '--jobs', '3', ...all]);
      expect(three.code).toBe(one.code);
      expect(three.stderr).toBe(one.stderr);
      expect(three.stdout).toBe(one.stdout);
      if (args.length === 2 && format === 'json') {
        const report = JSON.parse(one.stdout) as { findings: unknown[]; inputs: { error?: string }[] };
        expect(report.findings.length).toBeGreaterThan(3);
        expect(report.inputs).toHaveLength(all.length);
        expect(report.inputs[0]!.error).toMatch(/gzip/);
      }
    }
  } finally {
    cleanup();
  }
});

test('the default --jobs uses workers only for files that hold 64 MiB or more together (stored size); missing files count as empty', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sd-worth-'));
  try {
    const small = Array.from({ length: 50 }, (_, i) => path.join(dir, `error.log.${i}`));
    for (const f of small) fs.writeFileSync(f, 'x\n');
    expect(worthWorkers(small)).toBe(false);
    const big = path.join(dir, 'error.log.big');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, WORKERS_MIN_BYTES - 50); // sparse: only the size matters
    expect(worthWorkers([big, path.join(dir, 'missing.log')])).toBe(false);
    expect(worthWorkers([big, ...small])).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Sweep 60, M5: with `--jobs > 1`, Ctrl-C could list a truncated compressed input as `read` (its error
 * dropped, exit 1) and an input handed out as the signal came as `read` with 0 lines: a worker judged
 * "interrupted" by bytes read against the file's size, and the reader dropped a file's error met once
 * the signal had come. The signal is sent here at a controlled point (before the input, or from the
 * scanner's per-chunk hook, where a worker blocks between chunks), through the worker's scanner and
 * through the one-thread reading, and both must list the input the same way.
 */
describe('Ctrl-C at a controlled point: a --jobs worker lists the input as --jobs 1 does', () => {
  type Listed = [string | undefined, number, string | undefined];
  /** The input after the one tested (the one-thread reading never starts it). */
  const NEXT = { file: 'error.log', files: 1, lines: 0, parsed: 0, unparsed: 0, skipped: 0, undecoded: 0, matched: 0 };
  /** The input as the report lists it, scanned by a worker's scanner; `stopAt`: the chunk whose hook sends the signal (0: before reading). */
  async function viaWorker(file: string, stopAt: number): Promise<Listed> {
    const stop = new AbortController();
    if (stopAt === 0) stop.abort();
    let done: Extract<JobMessage, { type: 'done' }> | undefined;
    const scan = createJobScanner(rules, { maxLineLength: 65536 }, (m) => m.type === 'done' && (done = m), stop.signal);
    let chunks = 0;
    await scan(0, file, null, { onChunk: () => void (++chunks === stopAt && stop.abort()) });
    const stats = { ...done!.stats, ...(done!.error ? { error: done!.error } : {}) };
    // As in the sweep: another worker was in the next input, a large log, when the signal came.
    const [listed] = inputList([stats, { ...NEXT, lines: 14379, parsed: 14379, error: 'interrupted' }], [], [], true);
    return [listed!.status, listed!.lines, listed!.error];
  }
  /** The same, read in this thread as `--jobs 1` reads it (an input the signal came before is not started). */
  async function inOneThread(file: string, stopAt: number): Promise<Listed> {
    const stop = new AbortController();
    if (stopAt === 0) {
      const [listed] = inputList([], [], [{ path: file }, { path: NEXT.file }], true);
      return [listed!.status, listed!.lines, listed!.error];
    }
    const analyzer = createAnalyzer(rules);
    let chunks = 0;
    await scanInput(analyzer, file, file, { signal: stop.signal, onChunk: () => void (++chunks === stopAt && stop.abort()) });
    const [listed] = inputList(analyzer.end().inputs, [], [{ path: NEXT.file }], true);
    return [listed!.status, listed!.lines, listed!.error];
  }

  const text = rotatedLog(rng(5), 3000);
  const gz = zlib.gzipSync(text);
  const cases: [string, Buffer][] = [
    ['truncated.log.gz', gz.subarray(0, Math.floor(gz.length * 0.6))],
    ['corrupt.log.gz', Buffer.concat([gz.subarray(0, gz.length >> 1), Buffer.alloc(64, 0x55), gz.subarray((gz.length >> 1) + 64)])],
    ['truncated.log.xz', execFileSync('xz', ['-c'], { input: text }).subarray(0, 6000)],
  ];
  test.each(cases.flatMap(([name, bytes]) => [0, 1, 2].map((stopAt) => [name, stopAt, bytes] as const)))(
    '%s, the signal at chunk %i (0: before the input is read)',
    async (name, stopAt, bytes) => {
      const { dir, cleanup } = tempDir('sd-jobs-stop-');
      try {
        const file = path.join(dir, name);
        fs.writeFileSync(file, bytes);
        const worker = await viaWorker(file, stopAt);
        expect(worker).toEqual(await inOneThread(file, stopAt));
        if (stopAt === 0)
          expect(worker).toEqual(['not-read', 0, 'interrupted']); // never read: never `read`
        else expect(worker[0]).toBe('partial'); // cut, by the signal or the damage: never `read`
      } finally {
        cleanup();
      }
    },
  );
});
