/**
 * Progress on stderr while a scan runs on a terminal: inputs done, bytes read (of the files' total),
 * the rate, and for files the time left. Drawn with cli-progress (throttled redraws, one line, cleared
 * at the end); the line's text is {@link progressText}. Shown only when stderr is a terminal and not
 * silenced (`--no-progress`), and first drawn after {@link PROGRESS_DELAY_MS}, so a quick scan shows none.
 */
import type { SingleBar } from 'cli-progress';
import { terminalSafe } from '../format/sanitize.js';
import type { OutStream } from './output.js';

/** A scan shorter than this (ms) draws no progress line at all. */
export const PROGRESS_DELAY_MS = 300;

/** What the progress line says. Sizes are bytes as read from the inputs (compressed files: compressed bytes). */
export interface ProgressState {
  /** The input being read (1-based) and how many there are. */
  input: number;
  inputs: number;
  /** Its name (`-` for stdin). */
  name: string;
  /** Bytes read so far, over all inputs. */
  bytes: number;
  /** Sum of the file inputs' sizes; null when an input has no known size (stdin). */
  totalBytes: number | null;
  /** Time since the scan started, ms. */
  elapsedMs: number;
}

function size(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

function duration(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * The progress line: `scanning 3/41 error.log.2.gz · 1.2 GB of 3.0 GB (40 %) · 210 MB/s · 9 s left`;
 * stdin (no total) shows bytes and rate only. Pure.
 */
export function progressText(p: ProgressState): string {
  const rate = p.elapsedMs > 0 ? (p.bytes * 1000) / p.elapsedMs : 0;
  const parts = [`scanning ${p.input}/${p.inputs} ${p.name}`];
  if (p.totalBytes !== null && p.totalBytes > 0) {
    const pct = Math.min(100, Math.floor((p.bytes / p.totalBytes) * 100));
    parts.push(`${size(p.bytes)} of ${size(p.totalBytes)} (${pct} %)`);
  } else {
    parts.push(`${size(p.bytes)} read`);
  }
  if (p.elapsedMs >= 1000 || rate > 0) parts.push(`${size(rate)}/s`);
  if (p.totalBytes !== null && rate > 0 && p.bytes < p.totalBytes) parts.push(`${duration((p.totalBytes - p.bytes) / rate)} left`);
  return parts.join(' · ');
}

/** The scan's progress, fed by the reader. */
export interface Progress {
  /** Input `index` (0-based) starts. */
  startInput(index: number, name: string): void;
  /** `n` more bytes were read. */
  read(n: number): void;
  /** Take the line away while `write` prints something else on the terminal, then go on. */
  interrupt(write: () => void): void;
  /** Clear the line for good. */
  stop(): void;
}

/** Progress that shows nothing (stderr is not a terminal, `--no-progress`, live output). */
export const NO_PROGRESS: Progress = { startInput: () => undefined, read: () => undefined, interrupt: (w) => w(), stop: () => undefined };

/**
 * Progress for a scan of `names` on `stream` (stderr, a terminal).
 * @param Bar cli-progress's `SingleBar` (imported by the caller only when progress is shown)
 * @param sizes each input's size in bytes, null when unknown (stdin)
 * @param now the clock (ms), for tests
 */
export function createProgress(
  Bar: typeof SingleBar,
  stream: OutStream,
  names: readonly string[],
  sizes: readonly (number | null)[],
  now = Date.now,
): Progress {
  const start = now();
  const total = sizes.every((s) => s !== null) ? sizes.reduce<number>((a, s) => a + (s ?? 0), 0) : null;
  const state: ProgressState = { input: 0, inputs: names.length, name: '', bytes: 0, totalBytes: total, elapsedMs: 0 };
  let bar: SingleBar | null = null;
  let stopped = false;
  const text = (): string => progressText({ ...state, elapsedMs: now() - start });
  const show = (): void => {
    if (stopped) return;
    if (!bar) {
      if (now() - start < PROGRESS_DELAY_MS) return;
      bar = new Bar({
        stream: stream as NodeJS.WritableStream,
        format: (_o: unknown, params: { maxWidth: number }) => text().slice(0, Math.max(10, params.maxWidth - 1)),
        clearOnComplete: true,
        hideCursor: false,
        gracefulExit: false,
        linewrap: false,
        fps: 5,
      });
      bar.start(1, 0);
    }
    bar.update(0);
  };
  const clear = (): void => {
    bar?.stop();
    bar = null;
  };
  // A stalled input (a slow pipe) delivers nothing to redraw on: draw once the delay is over anyway.
  const first = setTimeout(show, PROGRESS_DELAY_MS + 10);
  first.unref();
  return {
    startInput(index, name) {
      state.input = index + 1;
      state.name = terminalSafe(name);
      show();
    },
    read(n) {
      state.bytes += n;
      show();
    },
    interrupt(write) {
      clear();
      write();
    },
    stop() {
      clearTimeout(first);
      clear();
      stopped = true;
    },
  };
}
