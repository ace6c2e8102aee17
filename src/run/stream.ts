/**
 * Streaming driver: one input's bytes → {@link LineScanner} → the analyzer. Used by the CLI (files,
 * stdin, live) and by the {@link analyzeStream} API alike.
 */
import { createAnalyzer, type Analyzer, type AnalyzerOptions, type Report } from '../findings/analyzer.js';
import { DEFAULT_MAX_LINE_LENGTH, LineScanner } from '../lines/scan.js';
import { RecordFramer } from '../lines/record-frames.js';
import { describeReadError, readErrorCode, readInput } from '../input/read.js';
import type { FindingData, Rule } from '../types.js';

/** Options for scanning one input. */
export interface ScanOptions {
  /** Longest line examined, bytes (default 64 KiB); longer lines are counted as skipped. */
  maxLineLength?: number;
  /** Called after each chunk has been processed (the live CLI flushes its output here). */
  onChunk?: () => void;
  /** Stop reading once aborted (Ctrl-C); what was read so far is kept and accounted for. */
  signal?: AbortSignal;
  /** Awaited before each chunk is read: the caller's backpressure (the CLI waits for its output to drain). */
  ready?: () => Promise<void> | void;
  /** Told the size of every chunk as read, before decompression (the CLI's progress line). */
  onRead?: (bytes: number) => void;
  /** The machine whose log this input is, for lines that do not name one (see `--host-from-path`). */
  host?: string | null;
}

/**
 * Scan one input into the analyzer. Never throws for input problems: a read error ends the input
 * (what was read before it counts) and is returned.
 * @param name name used in evidence and stats (file path, `-` for stdin)
 * @param source a file path or a byte/string stream
 * A read error's code goes to the input's stats (`code`: `EACCES`, `EDECOMPRESS` …, see `readErrorCode`).
 * @returns why the input ended early, in one line, if it did: `permission denied`, or
 *   `gzip data is truncated or corrupt (unexpected end of file) after line 1234` (`in line N` when the
 *   damage cut line N short: that fragment was still scanned)
 */
export async function scanInput(
  analyzer: Analyzer,
  name: string,
  source: string | AsyncIterable<Buffer | string>,
  options: ScanOptions = {},
): Promise<string | undefined> {
  return (await scanInputEnd(analyzer, name, source, options)).error;
}

/** How {@link scanInputEnd} ended an input: why it ended early, and whether the signal stopped it. */
export interface ScanEnd {
  /** As {@link scanInput} returns it. */
  error?: string;
  /** The signal stopped the reading before the end of the input (never with `error`). */
  stopped: boolean;
}

/**
 * {@link scanInput}, telling also whether the signal stopped the reading: `--jobs` workers mark such an
 * input `interrupted` from this, never from how many bytes were read (a compressed file read whole may
 * not be decoded whole, and an input stopped before its first chunk was never read at all).
 */
export async function scanInputEnd(
  analyzer: Analyzer,
  name: string,
  source: string | AsyncIterable<Buffer | string>,
  options: ScanOptions = {},
): Promise<ScanEnd> {
  // The scanner delivers the lines asked for, and a live run settles after each chunk.
  const handle = analyzer.input(name, { host: options.host ?? null, deferUntilNextLine: true });
  const scanner = new LineScanner(analyzer.matcher.prefilter, handle, options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  // journalctl's multi-line formats (-o export, -o json-pretty) become one record a line; else a pass-through.
  const framer = new RecordFramer((bytes) => scanner.push(bytes));
  let failure: unknown;
  let failed = false;
  let cut = false;
  try {
    cut =
      (await readInput(
        source,
        (chunk) => {
          framer.push(chunk);
          options.onChunk?.();
        },
        {
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onRead ? { onRead: options.onRead } : {}),
          ...(options.ready ? { ready: options.ready } : {}),
        },
      )) === 'aborted';
  } catch (err) {
    failure = err;
    failed = true;
  }
  framer.end(cut);
  const complete = scanner.lines;
  scanner.end(cut); // stopped between chunks: a last line without its end may be cut short, and is dropped
  let error: string | undefined;
  if (failed) {
    const where = scanner.lines > complete ? ` in line ${scanner.lines}` : complete > 0 ? ` after line ${complete}` : '';
    error = `${describeReadError(failure)}${where}`;
  }
  handle.end(error);
  // The same code an argument's error has (`inputs[].code`), whichever path met it: at the open (EACCES
  // on a file in a readable directory) or while reading.
  const code = failed ? readErrorCode(failure) : undefined;
  if (code) handle.stats.code = code;
  options.onChunk?.();
  return { ...(error ? { error } : {}), stopped: cut };
}

/**
 * Analyse a stream of log bytes (a file stream, stdin, an HTTP body …) without holding it in memory.
 * Gzip data is decompressed transparently.
 * @param input a Readable or any async iterable of Buffers/strings
 * @param rules compiled rules from `loadRules`
 * @returns the report, findings as data (`renderReport` words them); `report.inputs[0].error` says why
 *   the stream ended early, if it did
 */
export async function analyzeStream(
  input: AsyncIterable<Buffer | string>,
  rules: readonly Rule[],
  options: AnalyzerOptions & ScanOptions & { name?: string } = {},
): Promise<Report<FindingData>> {
  const analyzer = createAnalyzer(rules, options);
  await scanInput(analyzer, options.name ?? '-', input, options);
  return analyzer.end();
}
