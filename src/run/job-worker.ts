/**
 * A `--jobs` worker thread: loads the same rules as the main thread, then scans the inputs it is handed
 * one at a time with a {@link createJobScanner} and posts its messages to the main thread, which applies
 * them in input order (`jobs.ts`).
 *
 * Messages in: `{ type: 'input', index, path, host }`, `{ type: 'abort' }` (stop the current input as Ctrl-C
 * would), `{ type: 'close' }`. Out: `{ type: 'ready', rules }` (the rule ids, to check both sides agree),
 * `{ type: 'ops', index, ops }`, `{ type: 'done', index, bytes, stats, error? }`, `{ type: 'failed', message }`.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadRules } from '../rules/load.js';
import type { ConfigTie } from '../rules/tie.js';
import { createJobScanner, type JobMessage, type JobScanSettings } from './job-scan.js';

/** What the main thread gives a worker at start (`workerData`). */
export interface JobWorkerData extends JobScanSettings {
  /** Marks a stapling-doctor job worker (the bundle runs its one file as the worker too). */
  staplingDoctorJob: true;
  /** `--rules` directories. */
  rules: string[];
  /** The files `--config` ties rules to (`src/rules/tie.ts`), so that workers load the main thread's rules. */
  tie?: ConfigTie;
  /**
   * One Int32 the main thread sets to 1 while this worker's input must wait (its operations are held
   * until the inputs before it are done, and enough are held already); the worker blocks between chunks.
   */
  hold: SharedArrayBuffer;
}

async function serve(data: JobWorkerData): Promise<void> {
  const port = parentPort!;
  const post = (msg: JobMessage): void => port.postMessage(msg);
  let rules;
  try {
    rules = await loadRules({ dirs: data.rules, ...(data.tie ? { tie: data.tie } : {}) });
  } catch (err) {
    post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    return;
  }
  const hold = new Int32Array(data.hold);
  const abort = new AbortController();
  const scan = createJobScanner(rules, data, post, abort.signal);
  const waits = {
    onChunk: (): void => {
      while (Atomics.load(hold, 0) === 1) Atomics.wait(hold, 0, 1);
    },
  };
  port.on('message', (msg: { type: 'input'; index: number; path: string; host: string | null } | { type: 'abort' } | { type: 'close' }) => {
    if (msg.type === 'abort') abort.abort();
    else if (msg.type === 'close') port.close();
    else void scan(msg.index, msg.path, msg.host, waits);
  });
  post({ type: 'ready', rules: rules.map((r) => r.id) });
}

if (!isMainThread && (workerData as Partial<JobWorkerData> | null)?.staplingDoctorJob === true) {
  void serve(workerData as JobWorkerData);
}
