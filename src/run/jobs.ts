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
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Analyzer } from '../findings/analyzer.js';
import type { OccurrenceOp } from '../findings/replay.js';
import type { JobMessage } from './job-scan.js';
import type { FileStats, Rule } from '../types.js';
import type { JobWorkerData } from './job-worker.js';

/** The default of `--jobs`: the cores Node may use. */
export function defaultJobs(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Input bytes (as stored: compressed files count their compressed size) below which the default `--jobs`
 * scans in this thread: 64 MiB. A worker costs ~40 MB and a start-up (its own V8 isolate, the rules
 * loaded again), which a small scan never wins back: 20 000 two-line files took 19.2 s, 22.1 s of CPU and
 * 203 MB with two workers, 17.2 s, 8.6 s and 92 MB in one thread.
 */
export const WORKERS_MIN_BYTES = 64 * 1024 * 1024;

/**
 * Are these files together large enough for the default `--jobs` to use workers ({@link WORKERS_MIN_BYTES})?
 * Stops reading sizes once they are; a file that cannot be stat'ed counts as empty (its error is reported when read).
 */
export function worthWorkers(files: readonly string[], min = WORKERS_MIN_BYTES): boolean {
  let total = 0;
  for (const f of files) {
    try {
      total += fs.statSync(f).size;
    } catch {
      continue;
    }
    if (total >= min) return true;
  }
  return false;
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

/** Operations held for an input that is not yet the one being applied, beyond which its scanner waits. */
const HOLD_OPS = 65536;

/** A scanner's pause: set while its input's operations wait (not its turn yet, and enough held already). */
interface Hold {
  set(): void;
  release(): void;
}

/** A worker's hold: one shared Int32 it blocks on between chunks (`Atomics.wait`). */
function workerHold(flag: Int32Array): Hold {
  return {
    set: () => void Atomics.store(flag, 0, 1),
    release: () => {
      if (Atomics.load(flag, 0) === 0) return;
      Atomics.store(flag, 0, 0);
      Atomics.notify(flag, 0);
    },
  };
}

interface Pending {
  batches: OccurrenceOp[][];
  /** Operations held in `batches`. */
  held: number;
  /** The hold of the scanner of this input. */
  hold: Hold | null;
  done: { stats: FileStats; bytes: number; error?: string } | null;
}

/** An input handed to a scanner. */
interface Job {
  index: number;
  path: string;
  host: string | null;
}

/** The inputs, who scans which, and the operations waiting for their turn. */
interface Schedule {
  /** The next input for a scanner (null: none left, or reading stopped). */
  take(hold: Hold): Job | null;
  /** A scanner's `ops` or `done`: kept, and applied as soon as every input before it is. */
  receive(msg: Extract<JobMessage, { type: 'ops' | 'done' }>): void;
  /** Reading stopped: release every scanner so that it sees the signal. */
  abort(): void;
}

/**
 * The schedule of {@link scanWithWorkers}: operations applied strictly in input order.
 * @param settled called once every input was applied (or reading stopped), or with the first failure
 */
function createSchedule(p: JobsParams, settled: (err?: unknown) => void): Schedule {
  const pending: Pending[] = p.files.map(() => ({ batches: [], held: 0, hold: null, done: null }));
  let handed = 0;
  let cursor = 0;
  let replay: ReturnType<Analyzer['replay']> | null = null;
  let applying = Promise.resolve();
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
      slot.hold?.release();
      if (!slot.done) return;
      replay.end(slot.done.stats);
      replay = null;
      cursor++;
      await p.inputDone(p.files[cursor - 1]!, slot.done.error, slot.done.bytes);
      if (p.signal.aborted && handed <= cursor) return;
    }
  };
  const finishIfDone = (): void => {
    if (cursor >= p.files.length || (p.signal.aborted && cursor >= handed)) settled();
  };
  const schedule = (): void => {
    applying = applying.then(pump).then(finishIfDone, settled);
  };
  return {
    take(hold) {
      if (handed >= p.files.length || p.signal.aborted) return null;
      pending[handed]!.hold = hold;
      const job = { index: handed, path: p.files[handed]!, host: p.hosts[handed] ?? null };
      handed++;
      return job;
    },
    receive(msg) {
      const slot = pending[msg.index]!;
      if (msg.type === 'ops') {
        slot.batches.push(msg.ops);
        slot.held += msg.ops.length;
        // Bound what waits in memory: a later input's scanner pauses until its input's turn comes.
        if (msg.index !== cursor && slot.held >= HOLD_OPS) slot.hold!.set();
      } else slot.done = { stats: msg.stats, bytes: msg.bytes, ...(msg.error ? { error: msg.error } : {}) };
      schedule();
    },
    abort() {
      for (const slot of pending) slot.hold?.release();
      applying = applying.then(finishIfDone);
    },
  };
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
 * Scan files into `analyzer` with `jobs` worker threads; the main thread applies their operations.
 * @returns when every file was applied (or reading stopped)
 * @throws when a worker fails (its rules differ, it crashes)
 */
export async function scanWithWorkers(p: JobsParams): Promise<void> {
  const workers: Worker[] = [];
  if (p.jobs > 1 && p.files.length > 1) startWorkersWithRoomyHeap();
  await new Promise<void>((resolve, reject) => {
    const s = createSchedule(p, (err) => (err === undefined ? resolve() : reject(err)));
    const ids = p.rules.map((r) => r.id).join('\n');
    for (let i = 0; i < Math.min(p.jobs, p.files.length); i++) {
      const flag = new SharedArrayBuffer(4);
      const hold = workerHold(new Int32Array(flag));
      const w = new Worker(workerScript(), { workerData: { staplingDoctorJob: true, hold: flag, ...p.worker } satisfies JobWorkerData });
      const next = (): void => {
        const job = s.take(hold);
        if (job) w.postMessage({ type: 'input', ...job });
      };
      w.on('message', (msg: JobMessage) => {
        if (msg.type === 'failed') return reject(new Error(`a --jobs worker could not load the rules: ${msg.message}`));
        if (msg.type === 'ready') {
          if (msg.rules.join('\n') !== ids) return reject(new Error('a --jobs worker loaded other rules than the main thread'));
          return next();
        }
        p.onActivity();
        s.receive(msg);
        if (msg.type === 'done') next();
      });
      w.on('error', reject);
      // A worker never ends by itself before the work is done (it is terminated after): an exit is a failure.
      w.on('exit', (code) => reject(new Error(`a --jobs worker stopped (exit code ${code})`)));
      workers.push(w);
    }
    p.signal.addEventListener('abort', () => {
      s.abort();
      for (const w of workers) w.postMessage({ type: 'abort' });
    });
  }).finally(() => Promise.all(workers.map((w) => w.terminate())));
}

/**
 * Old generation a worker's heap starts with, MiB. A fresh isolate starts with a small old-generation
 * limit and grows it one full (mark-compact) GC at a time: measured on 8 rotated .gz files, a worker made
 * 10-15 mark-compacts per 64 MiB scanned where the main thread made 5-10 for all of them, and with two
 * isolates the concurrent marking and sweeping was 5x that of two separate processes (perf, 2 cores).
 * Starting the old generation at this size, the scan runs without mark-compacts. A start size, not a
 * limit: memory is taken only as the scan allocates it, and the heap may still grow past it.
 */
const WORKER_INITIAL_OLD_SPACE_MB = 64;

/**
 * V8 reads `--initial-old-space-size` when it creates an isolate, so setting it now applies to the
 * workers started next (the main thread's heap exists already and keeps its own). Only raises it.
 */
function startWorkersWithRoomyHeap(): void {
  if (!process.execArgv.some((a) => a.startsWith('--initial-old-space-size'))) {
    v8.setFlagsFromString(`--initial-old-space-size=${WORKER_INITIAL_OLD_SPACE_MB}`);
  }
}
