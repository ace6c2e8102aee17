/**
 * Streaming driver: one input's bytes → {@link LineScanner} → the analyzer. Used by the CLI (files,
 * stdin, live) and by the {@link analyzeStream} API alike.
 */
import { createAnalyzer, type Analyzer, type AnalyzerOptions, type Report } from './engine/analyzer.js';
import { DEFAULT_MAX_LINE_LENGTH, LineScanner } from './engine/scan.js';
import { readChunks } from './input/read.js';
import type { Rule } from './types.js';

/** Options for scanning one input. */
export interface ScanOptions {
  /** Longest line examined, bytes (default 64 KiB); longer lines are counted as skipped. */
  maxLineLength?: number;
  /** Called after each chunk has been processed (the live CLI flushes its output here). */
  onChunk?: () => void;
}

/** Why an input ended early, in one line: `gzip data is truncated or corrupt (unexpected end of file) after line 1234`. */
function describeReadError(err: unknown, lines: number): string {
  const e = err as NodeJS.ErrnoException;
  const where = lines > 0 ? ` after line ${lines}` : '';
  if (e?.code === 'Z_BUF_ERROR' || e?.code === 'Z_DATA_ERROR' || e?.errno === -5 || /unexpected end of file|incorrect header|invalid/i.test(e?.message ?? '')) {
    if (typeof e?.code === 'string' && e.code.startsWith('Z_')) return `gzip data is truncated or corrupt (${e.message})${where}`;
  }
  switch (e?.code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    default: return `${e?.message ?? String(err)}${where}`;
  }
}

/**
 * Scan one input into the analyzer. Never throws for input problems: a read error ends the input
 * (what was read before it counts) and is returned.
 * @param name name used in evidence and stats (file path, `-` for stdin)
 * @param source a file path or a byte/string stream
 * @returns the error that ended the input early, if any
 */
export async function scanInput(analyzer: Analyzer, name: string, source: string | AsyncIterable<Buffer | string>, options: ScanOptions = {}): Promise<string | undefined> {
  const handle = analyzer.input(name);
  const scanner = new LineScanner(analyzer.matcher.planner, handle, options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  let error: string | undefined;
  try {
    for await (const chunk of readChunks(source)) {
      scanner.push(chunk);
      options.onChunk?.();
    }
  } catch (err) {
    error = describeReadError(err, scanner.lines);
  }
  scanner.end();
  handle.end(error);
  options.onChunk?.();
  return error;
}

/**
 * Analyse a stream of log bytes (a file stream, stdin, an HTTP body …) without holding it in memory.
 * Gzip data is decompressed transparently.
 * @param input a Readable or any async iterable of Buffers/strings
 * @param rules compiled rules from `loadRules`
 * @returns the report; `report.inputs[0].error` says why the stream ended early, if it did
 */
export async function analyzeStream(
  input: AsyncIterable<Buffer | string>,
  rules: readonly Rule[],
  options: AnalyzerOptions & ScanOptions & { name?: string } = {},
): Promise<Report> {
  const analyzer = createAnalyzer(rules, options);
  await scanInput(analyzer, options.name ?? '-', input, options);
  return analyzer.end();
}
