/**
 * A `--jobs` worker thread: loads the same rules as the main thread, then scans the inputs it is handed
 * one at a time (read, scan, parse, match, correlate) and sends back, for each, the occurrence
 * operations its correlator produced (`findings/replay.ts`), in batches, and the input's accounting.
 * The main thread applies them in input order (`jobs.ts`).
 *
 * Messages in: `{ type: 'input', index, path, host }`, `{ type: 'abort' }` (stop the current input as Ctrl-C
 * would), `{ type: 'close' }`. Out: `{ type: 'ready', rules }` (the rule ids, to check both sides agree),
 * `{ type: 'ops', index, ops }`, `{ type: 'done', index, bytes, stats, error? }`, `{ type: 'failed', message }`.
 */
import fs from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createAnalyzer } from '../findings/analyzer.js';
import type { TimeWindow } from '../findings/window.js';
import { createRecorder } from '../findings/replay.js';
import { loadRules } from '../rules/load.js';
import type { ConfigTie } from '../rules/tie.js';
import { scanInput } from './stream.js';

/** What the main thread gives a worker at start (`workerData`). */
export interface JobWorkerData {
  /** Marks a stapling-doctor job worker (the bundle runs its one file as the worker too). */
  staplingDoctorJob: true;
  /** `--rules` directories. */
  rules: string[];
  /** `--max-line-length`. */
  maxLineLength: number;
  /** `--since`/`--until`. */
  window?: TimeWindow;
  /** The files `--config` ties rules to (`src/rules/tie.ts`), so that workers load the main thread's rules. */
  tie?: ConfigTie;
  /**
   * One Int32 the main thread sets to 1 while this worker's input must wait (its operations are held
   * until the inputs before it are done, and enough are held already); the worker blocks between chunks.
   */
  hold: SharedArrayBuffer;
}

/** Operations sent per message: enough to amortise the message, few enough to bound the worker's memory. */
const BATCH = 8192;

async function serve(data: JobWorkerData): Promise<void> {
  const port = parentPort!;
  let rules;
  try {
    rules = await loadRules({ dirs: data.rules, ...(data.tie ? { tie: data.tie } : {}) });
  } catch (err) {
    port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    return;
  }
  const recorder = createRecorder(rules);
  const hold = new Int32Array(data.hold);
  const analyzer = createAnalyzer(rules, data.window ? { window: data.window } : {}, recorder.sink);
  const abort = new AbortController();
  const flush = (index: number): void => {
    if (recorder.pending > 0) port.postMessage({ type: 'ops', index, ops: recorder.take() });
  };
  port.on('message', (msg: { type: 'input'; index: number; path: string; host: string | null } | { type: 'abort' } | { type: 'close' }) => {
    if (msg.type === 'abort') abort.abort();
    else if (msg.type === 'close') port.close();
    else void scanOne(msg.index, msg.path, msg.host);
  });
  const scanOne = async (index: number, file: string, host: string | null): Promise<void> => {
    let bytes = 0;
    const onChunk = (): void => {
      if (recorder.pending >= BATCH) flush(index);
      while (Atomics.load(hold, 0) === 1) Atomics.wait(hold, 0, 1);
    };
    const onRead = (n: number): void => {
      bytes += n;
    };
    const opts = { maxLineLength: data.maxLineLength, signal: abort.signal, host, onChunk, onRead };
    const error = await scanInput(analyzer, file, file, opts);
    flush(index);
    const inputs = analyzer.end().inputs;
    const stats = inputs[inputs.length - 1]!;
    // Stopped before the end of the file (Ctrl-C, SIGTERM): the report lists it as interrupted, not read.
    if (!error && abort.signal.aborted && bytes < sizeOf(file)) stats.error = 'interrupted';
    port.postMessage({ type: 'done', index, bytes, stats, ...(error ? { error } : {}) });
  };
  port.postMessage({ type: 'ready', rules: rules.map((r) => r.id) });
}

/** The size of a file in bytes (what the reader counts before decompression), or Infinity when unknown. */
function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return Infinity;
  }
}

if (!isMainThread && (workerData as Partial<JobWorkerData> | null)?.staplingDoctorJob === true) {
  void serve(workerData as JobWorkerData);
}
