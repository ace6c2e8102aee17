/**
 * `--live` with files: the current logs among the inputs are followed as `tail -F` follows them
 * (`src/input/follow.ts`), all at once, after the other inputs — rotated and compressed copies — were
 * read to their end, oldest first. Each followed file goes through the same streaming path a pipe takes
 * (`scanInputEnd`: the same engine, the same live printing), under its own name.
 */
import type { Analyzer } from '../findings/analyzer.js';
import { followable, followFile, type FollowedFile } from '../input/follow.js';
import type { InputSource } from '../input/sources.js';
import { scanInputEnd, type ScanOptions } from './stream.js';

/**
 * Which inputs `--live` follows, and the order to read them in: every input first that is read to its
 * end, then those read at the same time until the run is stopped — the files {@link followable} names,
 * and stdin when it is among the inputs (it too is read until it ends).
 * @param live `--live` (true), `--no-live` (false), or neither (undefined: nothing is followed)
 * @returns the inputs reordered, and how many at the end of them are followed (0: none; the order kept)
 */
export function followPlan<S extends { kind: string; path: string }>(
  live: boolean | undefined,
  sources: readonly S[],
): { sources: S[]; follow: number } {
  const followed = live === true ? sources.filter((s) => s.kind === 'file' && followable(s.path)) : [];
  if (followed.length === 0) return { sources: [...sources], follow: 0 };
  const together = sources.filter((s) => s.kind === 'stdin' || followed.includes(s));
  return { sources: [...sources.filter((s) => !together.includes(s)), ...together], follow: together.length };
}

/** What {@link readFollowed} needs. */
export interface FollowReading {
  analyzer: Analyzer;
  /** The inputs read together: followed files, and stdin. */
  inputs: readonly InputSource[];
  stdin: AsyncIterable<Buffer | string>;
  /** Relative file paths are taken from here. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted to stop (SIGINT, SIGTERM, SIGHUP, a reader gone): every tail is stopped then. */
  signal: AbortSignal;
  /** The scan options of an input (as a file read to its end would get them). */
  options: (src: InputSource) => ScanOptions;
  /** Told each input that ended with an error, with the reason, once it ended. */
  failed: (src: InputSource, error: string) => void;
}

/** tail's output, then — when tail ended by itself, not stopped — why it ended, as a read error of the input. */
async function* tailBytes(t: FollowedFile): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of t.stream as AsyncIterable<Buffer>) yield chunk;
    const why = await t.ended;
    if (why) throw new Error(why);
  } finally {
    t.stop();
  }
}

/** A stream that fails at once with `err`: a file that cannot be opened is accounted for as reading it would. */
// eslint-disable-next-line require-yield
async function* failing(err: unknown): AsyncGenerator<Buffer> {
  throw err;
}

/** Read one input of the group: a file through its own tail, or stdin. */
async function readOne(f: FollowReading, src: InputSource): Promise<{ error?: string; stopped: boolean }> {
  if (src.kind === 'stdin') return scanInputEnd(f.analyzer, src.path, f.stdin, f.options(src));
  let tail: FollowedFile;
  try {
    tail = followFile(src.path, { cwd: f.cwd, env: f.env });
  } catch (err) {
    return scanInputEnd(f.analyzer, src.path, failing(err), f.options(src));
  }
  const stop = (): void => tail.stop();
  f.signal.addEventListener('abort', stop, { once: true });
  if (f.signal.aborted) stop();
  try {
    return await scanInputEnd(f.analyzer, src.path, tailBytes(tail), f.options(src));
  } finally {
    f.signal.removeEventListener('abort', stop);
    tail.stop();
    await tail.ended; // never leaves a child behind: tail is gone when this input is done
  }
}

/**
 * Follow the inputs together until the signal stops them (or each ends: stdin at EOF, a tail that
 * failed). Never throws for input problems: an input that cannot be opened or whose tail failed ends
 * with its reason, told to `failed`, and counted.
 * @returns how many inputs failed, and the names of those the stop cut (still being read when it came)
 */
export async function readFollowed(f: FollowReading): Promise<{ readErrors: number; stopped: string[] }> {
  let readErrors = 0;
  const stopped: string[] = [];
  await Promise.all(
    f.inputs.map(async (src) => {
      const end = await readOne(f, src);
      if (end.error) {
        readErrors++;
        f.failed(src, end.error); // when it happens: the other inputs are still followed
      } else if (end.stopped || f.signal.aborted) stopped.push(src.path);
    }),
  );
  return { readErrors, stopped: f.inputs.map((src) => src.path).filter((p) => stopped.includes(p)) };
}
