/**
 * Writing the CLI's output: a writer with backpressure that turns a closed reader (EPIPE) into a quiet
 * stop and any other write error into one reportable failure, never an uncaught exception.
 */
import { terminalSafe } from '../format/sanitize.js';

/** A writable the CLI prints to (process.stdout, or a test's collector). */
export interface OutStream {
  /** `done` (when the stream takes it) is called once the chunk was written, with the error if it was not. */
  write(chunk: string, done?: (err?: Error | null) => void): boolean;
  once?(event: 'drain', cb: () => void): unknown;
  on?(event: 'error', cb: (err: NodeJS.ErrnoException) => void): unknown;
  isTTY?: boolean;
  getColorDepth?: () => number;
  columns?: number;
}

/**
 * Write with backpressure. EPIPE (the reader went away, e.g. `| head -1`) stops all output quietly;
 * any other write error (ENOSPC on `> /dev/full`, EIO) stops output too and is kept in {@link failure}
 * for a one-line report — never an uncaught exception.
 */
export class Output {
  closed = false;
  /** The write error that is not a closed reader, if one happened. */
  failure: NodeJS.ErrnoException | null = null;
  private waiting: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  constructor(
    private readonly s: OutStream,
    onClosed: () => void,
  ) {
    s.on?.('error', (err) => {
      if (this.closed) return;
      this.closed = true;
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') this.failure = err;
      this.wake?.();
      onClosed();
    });
  }
  write(text: string): void {
    if (this.closed || text === '') return;
    let ok: boolean;
    try {
      ok = this.s.write(text);
    } catch (err) {
      // A synchronous stream (stdout redirected to a file) throws instead of emitting 'error'.
      this.closed = true;
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'EPIPE') this.failure = e;
      this.wake?.();
      return;
    }
    if (!ok && this.s.once && !this.waiting) {
      this.waiting = new Promise((resolve) => {
        this.wake = () => {
          this.waiting = null;
          this.wake = null;
          resolve();
        };
        this.s.once!('drain', this.wake);
      });
    }
  }
  /** Resolves when written data has drained, or at once when output has ended (EPIPE, error). */
  async drained(): Promise<void> {
    if (this.waiting && !this.closed) await this.waiting;
  }
}

/**
 * Write a document produced in pieces (`--format html`), waiting for the reader after each piece so a
 * large report never piles up in memory; stops at once when the output has ended (EPIPE, an error).
 */
export async function writeChunks(out: Output, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (out.closed) return;
    out.write(chunk);
    await out.drained();
  }
}

/** A closed reader (`| head -1`): output stops quietly, never a failure. */
const quietEnd = (err: NodeJS.ErrnoException): boolean => err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED';

/**
 * Standard output as every command gets it: the stream itself (same TTY-ness, columns, colour depth,
 * events), but each write's outcome is watched, so a write error that comes after the command returned
 * (ENOSPC on `> /dev/full` arrives after the write, not as a throw) is still seen by {@link run}.
 */
export class CheckedOut implements OutStream {
  /** The first write error that is not a closed reader (EPIPE), if one happened. */
  failure: NodeJS.ErrnoException | null = null;
  private pending = 0;
  private settle: (() => void) | null = null;
  readonly on?: OutStream['on'];
  readonly once?: OutStream['once'];
  readonly getColorDepth?: () => number;
  /** Only a stream that emits events (a real Writable) calls a write's `done`; a test's collector does not. */
  private readonly reports: boolean;
  constructor(private readonly s: OutStream) {
    this.reports = typeof s.on === 'function';
    if (s.on) this.on = (event, cb) => s.on!(event, cb);
    if (s.once) this.once = (event, cb) => s.once!(event, cb);
    if (s.getColorDepth) this.getColorDepth = () => s.getColorDepth!();
  }
  get isTTY(): boolean | undefined {
    return this.s.isTTY;
  }
  get columns(): number | undefined {
    return this.s.columns;
  }
  write(chunk: string): boolean {
    if (!this.reports) return this.s.write(chunk);
    this.pending++;
    let called = false;
    const done = (err?: Error | null): void => {
      if (called) return;
      called = true;
      this.done(err);
    };
    try {
      return this.s.write(chunk, done);
    } catch (err) {
      // A stream that throws (a closed descriptor) may never call `done`: the write is settled here.
      done(err as Error);
      throw err;
    }
  }
  private done(err: Error | null | undefined): void {
    if (err && !this.failure && !quietEnd(err)) this.failure = err;
    if (--this.pending === 0) this.settle?.();
  }
  /** Resolves once every write so far has been written (or failed). */
  async settled(): Promise<void> {
    if (this.pending > 0) await new Promise<void>((resolve) => (this.settle = resolve));
    this.settle = null;
  }
}

/** {@link terminalSafe} line by line, keeping the line ends. */
export function safeLines(text: string): string {
  return text.split('\n').map(terminalSafe).join('\n');
}

/** The one-line error report: `stapling-doctor: <message>`, terminal-safe. */
export function errorLine(message: string): string {
  return `stapling-doctor: ${terminalSafe(message)}\n`;
}
