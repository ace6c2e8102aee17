/**
 * One `--jobs` scanner: scans the inputs it is handed, one at a time (read, scan, parse, match,
 * correlate), into an analyzer that records its occurrence operations (`findings/replay.ts`) instead of
 * aggregating them, and posts them in batches, then the input's accounting. Each worker thread runs
 * one (`job-worker.ts`); the plumbing of threads and messages stays there and in `jobs.ts`.
 *
 * Measured and left: the main thread as one of the scanners (beside `jobs - 1` workers) cost more CPU
 * than a second worker (1 GiB of rotated .gz, 2 cores: user 11.5 s against 9.0-9.35 s; the main
 * thread's heap, older and shared with the finding store, made 13 mark-compacts on half the input).
 */
import { createAnalyzer } from '../findings/analyzer.js';
import { createRecorder, type OccurrenceOp } from '../findings/replay.js';
import type { TimeWindow } from '../findings/window.js';
import type { FileStats, Rule } from '../types.js';
import { scanInputEnd } from './stream.js';

/** What a scanner tells the main thread (a worker's `postMessage`). */
export type JobMessage =
  | { type: 'ready'; rules: string[] }
  | { type: 'ops'; index: number; ops: OccurrenceOp[] }
  | { type: 'done'; index: number; bytes: number; stats: FileStats; error?: string }
  | { type: 'failed'; message: string };

/** The settings every scanner shares with the main thread's analyzer. */
export interface JobScanSettings {
  /** `--max-line-length`, bytes. */
  maxLineLength: number;
  /** `--since`/`--until`. */
  window?: TimeWindow;
}

/** How a scanner pauses while its input must wait (see `jobs.ts`): between chunks. */
export interface JobScanWaits {
  /** Called after each chunk (a worker blocks here with `Atomics.wait`). */
  onChunk?: () => void;
  /** Awaited before each chunk is read. */
  ready?: () => Promise<void> | void;
}

/** Operations posted per batch: enough to amortise a message, few enough to bound the scanner's memory. */
const BATCH = 8192;

/**
 * A scanner of inputs for `--jobs`.
 * @param rules the rule list the main thread loaded (or the same, loaded again by a worker): operations
 *   name rules by their index in it
 * @param post receives the scanner's `ops` and `done` messages, in order
 * @param signal stops the current input (Ctrl-C, a reader gone); an input stopped early is `interrupted`
 * @returns scan(index, path, host): resolves after the input's `done` was posted; never rejects for input problems
 */
export function createJobScanner(
  rules: readonly Rule[],
  settings: JobScanSettings,
  post: (msg: JobMessage) => void,
  signal: AbortSignal,
): (index: number, file: string, host: string | null, waits?: JobScanWaits) => Promise<void> {
  const recorder = createRecorder(rules);
  const analyzer = createAnalyzer(rules, settings.window ? { window: settings.window } : {}, recorder.sink);
  const flush = (index: number): void => {
    if (recorder.pending > 0) post({ type: 'ops', index, ops: recorder.take() });
  };
  return async (index, file, host, waits = {}) => {
    let bytes = 0;
    const { error, stopped } = await scanInputEnd(analyzer, file, file, {
      maxLineLength: settings.maxLineLength,
      signal,
      host,
      onChunk: () => {
        if (recorder.pending >= BATCH) flush(index);
        waits.onChunk?.();
      },
      onRead: (n) => {
        bytes += n;
      },
      ...(waits.ready ? { ready: waits.ready } : {}),
    });
    flush(index);
    const inputs = analyzer.end().inputs;
    const stats = inputs[inputs.length - 1]!;
    // Stopped before the end of the input (Ctrl-C, SIGTERM): the report lists it as interrupted (not-read
    // when no line came), as `--jobs 1` lists the input it was in. Whether the reader stopped says so, not
    // the bytes read: a compressed file read whole may be stopped while decoded, and an input handed out
    // as the signal came is stopped before its first line.
    if (!error && stopped) stats.error = 'interrupted';
    post({ type: 'done', index, bytes, stats, ...(error ? { error } : {}) });
  };
}
