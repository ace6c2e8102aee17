/**
 * `--jobs N`: several files scanned at once by worker threads (`job-worker.ts`), one input per worker at
 * a time, handed out in input order as workers free up. Each worker sends back its input's occurrence
 * operations (`findings/replay.ts`); they are applied to the one analyzer strictly in input order — a
 * later input's batches wait until every earlier input is done — so findings, evidence, their order
 * and the per-input accounting are those of `--jobs 1`. stdin and a single input never use workers.
 */
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Analyzer } from '../findings/analyzer.js';
import type { OccurrenceOp } from '../findings/replay.js';
import type { FileStats, Rule } from '../types.js';
import type { JobWorkerData } from './job-worker.js';

/** The default of `--jobs`: the cores Node may use. */
export function defaultJobs(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** What {@link scanWithWorkers} needs of the command. */
export interface JobsParams {
  analyzer: Analyzer;
  rules: readonly Rule[];
  /** File paths, in the order their findings and accounting must come. */
  files: readonly string[];
  /** Per file: the machine whose log it is (`--host-from-path`), or null. */
  hosts: readonly (string | null)[];
  jobs: number;
  worker: Omit<JobWorkerData, 'staplingDoctorJob' | 'hold'>;
  /** Stop handing out inputs and cut the current ones (Ctrl-C, a reader gone). */
  signal: AbortSignal;
  /** Called when a worker sends something (the live gate's activity). */
  onActivity: () => void;
  /** Called, in input order, when an input's operations start to be applied. */
  inputStarted: (index: number, file: string) => void;
  /** Called, in input order, when an input is done: `error` says why it ended early; `bytes` read. */
  inputDone: (file: string, error: string | undefined, bytes: number) => Promise<void>;
}

type FromWorker =
  | { type: 'ready'; rules: string[] }
  | { type: 'ops'; index: number; ops: OccurrenceOp[] }
  | { type: 'done'; index: number; bytes: number; stats: FileStats; error?: string }
  | { type: 'failed'; message: string };

/** Operations held for an input that is not yet the one being applied, beyond which its worker waits. */
const HOLD_OPS = 65536;

interface Pending {
  batches: OccurrenceOp[][];
  /** Operations held in `batches`. */
  held: number;
  /** The hold flag of the worker scanning this input. */
  hold: Int32Array | null;
  done: { stats: FileStats; bytes: number; error?: string } | null;
}

/**
 * Whether worker threads can run here: there is a worker script to start (running from the
 * TypeScript sources, as under ts-jest, there is none), and the address space is not limited
 * (`ulimit -v`: each worker's V8 isolate reserves its own code range, and a failed reservation is a
 * fatal OOM of the whole process). Otherwise the files are read one after the other.
 */
export function workersAvailable(): boolean {
  return fs.existsSync(workerScript()) && !addressSpaceLimited();
}

/** Linux: a soft limit on the address space in /proc/self/limits (elsewhere: assumed unlimited). */
function addressSpaceLimited(): boolean {
  try {
    const line = /^Max address space\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return line !== null && line[1] !== 'unlimited';
  } catch {
    return false;
  }
}

/** The worker's script: this build's `job-worker.js`, or the bundle itself (one file: it runs as the worker too). */
function workerScript(): string {
  const here = import.meta.url as string | undefined;
  if (here) return fileURLToPath(new URL('./job-worker.js', here));
  return __filename; // the CommonJS bundle
}

/**
 * Scan files with worker threads into `analyzer`.
 * @returns when every file was applied (or reading stopped)
 * @throws when a worker fails (its rules differ, it crashes)
 */
export async function scanWithWorkers(p: JobsParams): Promise<void> {
  const pending: Pending[] = p.files.map(() => ({ batches: [], held: 0, hold: null, done: null }));
  const release = (slot: Pending): void => {
    if (!slot.hold || Atomics.load(slot.hold, 0) === 0) return;
    Atomics.store(slot.hold, 0, 0);
    Atomics.notify(slot.hold, 0);
  };
  const ids = p.rules.map((r) => r.id).join('\n');
  let handed = 0;
  let cursor = 0;
  let replay: ReturnType<Analyzer['replay']> | null = null;
  let applying = Promise.resolve();
  const workers: Worker[] = [];

  /** Apply what is ready, in input order. */
  const pump = async (): Promise<void> => {
    while (cursor < p.files.length) {
      const slot = pending[cursor]!;
      if (!replay) {
        p.inputStarted(cursor, p.files[cursor]!);
        replay = p.analyzer.replay(p.files[cursor]!);
      }
      for (const ops of slot.batches.splice(0)) replay.apply(ops);
      slot.held = 0;
      release(slot);
      if (!slot.done) return;
      replay.end(slot.done.stats);
      replay = null;
      cursor++;
      await p.inputDone(p.files[cursor - 1]!, slot.done.error, slot.done.bytes);
      if (p.signal.aborted && handed <= cursor) return;
    }
  };

  await new Promise<void>((resolve, reject) => {
    const finishIfDone = (): void => {
      if (cursor >= p.files.length || (p.signal.aborted && cursor >= handed)) resolve();
    };
    const holds = new Map<Worker, Int32Array>();
    const next = (w: Worker): void => {
      if (handed < p.files.length && !p.signal.aborted) {
        pending[handed]!.hold = holds.get(w)!;
        w.postMessage({ type: 'input', index: handed, path: p.files[handed], host: p.hosts[handed] ?? null });
        handed++;
      }
    };
    const onMessage = (w: Worker, msg: FromWorker): void => {
      if (msg.type === 'failed') return reject(new Error(`a --jobs worker could not load the rules: ${msg.message}`));
      if (msg.type === 'ready') {
        if (msg.rules.join('\n') !== ids) return reject(new Error('a --jobs worker loaded other rules than the main thread'));
        return next(w);
      }
      p.onActivity();
      if (msg.type === 'ops') {
        const slot = pending[msg.index]!;
        slot.batches.push(msg.ops);
        slot.held += msg.ops.length;
        // Bound what waits in memory: a later input's worker pauses until its input's turn comes.
        if (msg.index !== cursor && slot.held >= HOLD_OPS) Atomics.store(slot.hold!, 0, 1);
      } else {
        pending[msg.index]!.done = { stats: msg.stats, bytes: msg.bytes, ...(msg.error ? { error: msg.error } : {}) };
        next(w);
      }
      applying = applying.then(pump).then(finishIfDone, reject);
    };
    const n = Math.min(p.jobs, p.files.length);
    for (let i = 0; i < n; i++) {
      const hold = new SharedArrayBuffer(4);
      const w = new Worker(workerScript(), { workerData: { staplingDoctorJob: true, hold, ...p.worker } satisfies JobWorkerData });
      holds.set(w, new Int32Array(hold));
      w.on('message', (msg: FromWorker) => onMessage(w, msg));
      w.on('error', reject);
      // A worker never ends by itself before the work is done (it is terminated after): an exit is a failure.
      w.on('exit', (code) => reject(new Error(`a --jobs worker stopped (exit code ${code})`)));
      workers.push(w);
    }
    p.signal.addEventListener('abort', () => {
      for (const slot of pending) release(slot);
      for (const w of workers) w.postMessage({ type: 'abort' });
      applying = applying.then(finishIfDone);
    });
  }).finally(() => Promise.all(workers.map((w) => w.terminate())));
}
