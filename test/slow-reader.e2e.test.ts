/**
 * Issue 16.2: output is streamed, never queued whole. A real shell pipeline: a generator writes a log
 * whose NDJSON report is about 1 GB (1 000 certificates failing once a second each, long paths) into the
 * built CLI's stdin, and the CLI's stdout goes through a real pipe to a slow reader (64 KiB every 2 ms,
 * blocking reads: test/helpers/slow-reader.mjs). The tool's peak RSS (VmHWM, read by the tool itself at
 * exit: test/bench/rss-hook.mjs) must stay within 150 MB, and every byte must arrive. Nothing is timed:
 * the reader is slower than the tool, so the tool must wait for it.
 *
 * Before the change, the report's events were queued in the process while the scan ran on (a 100 000-line
 * log: 659 MB of NDJSON and a peak RSS of 2.3 GB). `SD_SLOW_READER_BYTES` sets another output size.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, PLAIN_ENV, ROOT, tempDir } from './helpers/cli.js';

const BYTES = Number(process.env.SD_SLOW_READER_BYTES ?? 1e9);
/** NDJSON bytes per line of the generated log (an update event carrying its evidence line), measured: ~1 930. */
const PER_LINE = 1900;

test(`about ${BYTES / 1e6} MB of NDJSON to a slow reader: every byte arrives, peak RSS <= 150 MB`, () => {
  const { dir, cleanup } = tempDir('sd-slow-reader-');
  try {
    const lines = Math.ceil(BYTES / PER_LINE);
    const rss = path.join(dir, 'rss.json');
    const count = path.join(dir, 'count');
    const tail = path.join(dir, 'tail');
    const node = process.execPath;
    const q = (s: string): string => `'${s}'`;
    const script = [
      'set -o pipefail;',
      `${q(node)} ${q(path.join(ROOT, 'test/helpers/failing-certificates.mjs'))} ${lines}`,
      `| STAPLING_RSS_FILE=${q(rss)} ${q(node)} --import ${q(path.join(ROOT, 'test/bench/rss-hook.mjs'))} ${q(CLI)} --no-live --format ndjson --fail-on never -`,
      `| ${q(node)} ${q(path.join(ROOT, 'test/helpers/slow-reader.mjs'))} - 65536 2 ${q(tail)} > ${q(count)}`,
    ].join(' ');
    const r = spawnSync('bash', ['-c', script], { env: PLAIN_ENV, encoding: 'utf8', timeout: 1_800_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const bytes = Number(fs.readFileSync(count, 'utf8'));
    expect(bytes).toBeGreaterThanOrEqual(BYTES * 0.95);
    // The stream ends with the end event, which counts every line read.
    const end = JSON.parse(fs.readFileSync(tail, 'utf8').trimEnd().split('\n').pop()!) as { event: string; stats: { lines: number } };
    expect(end).toMatchObject({ event: 'end', stats: { lines } });
    const peakMB = (JSON.parse(fs.readFileSync(rss, 'utf8')) as { vmHWMkB: number }).vmHWMkB / 1024;
    console.log(`slow reader: ${(bytes / 1e6).toFixed(0)} MB of NDJSON from ${lines} lines; the tool's peak RSS ${peakMB.toFixed(1)} MB`);
    expect(peakMB).toBeLessThanOrEqual(150);
  } finally {
    cleanup();
  }
}, 1_800_000);
