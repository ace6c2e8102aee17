/**
 * The simple line-by-line path: split2 splits the (decoded) stream into lines and every line goes to
 * the analyzer, with no byte-level prefilter. It is the reference the fast path ({@link analyzeStream},
 * the CLI) must agree with: same findings, same line numbers. The benchmark and a unit test compare
 * them. Slower (every line is decoded and checked for triggers) and it holds a whole line in memory
 * however long it is, so it is not used by the CLI.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import split2 from 'split2';
import { createAnalyzer, type AnalyzerOptions, type InputHandle, type Report } from '../../src/findings/analyzer.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../../src/lines/scan.js';
import type { Rule } from '../../src/types.js';

/**
 * Analyse a byte stream line by line.
 * @param input bytes (a file stream); gzip when `gzip` is true
 * @param rules compiled rules from `loadRules`
 * @returns the report, as {@link analyzeStream} would give it for the same bytes
 * @throws on a stream error
 */
export async function analyzeStreamByLine(
  input: Readable,
  rules: readonly Rule[],
  options: AnalyzerOptions & { name?: string; gzip?: boolean; maxLineLength?: number } = {},
): Promise<Report> {
  return analyzeStreamsByLine([{ name: options.name ?? '-', input, gzip: options.gzip ?? false }], rules, options);
}

/** One input of {@link analyzeStreamsByLine}: its name (as in evidence and stats), bytes, and whether they are gzip. */
export interface ByLineInput {
  name: string;
  input: Readable;
  gzip?: boolean;
}

/**
 * Analyse several inputs line by line into one report, in the given order, as the CLI does for several
 * files (the benchmark's rotated `.gz` case compares the two).
 * @param inputs the inputs, read one after the other
 * @param rules compiled rules from `loadRules`
 * @returns the report, as the CLI's `--format json` gives it for the same files in the same order
 * @throws on a stream error
 */
export async function analyzeStreamsByLine(
  inputs: readonly ByLineInput[],
  rules: readonly Rule[],
  options: AnalyzerOptions & { maxLineLength?: number } = {},
): Promise<Report> {
  const analyzer = createAnalyzer(rules, options);
  const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  for (const { name, input, gzip } of inputs) await feedByLine(analyzer.input(name), input, gzip ?? false, max);
  return analyzer.end();
}

async function feedByLine(handle: InputHandle, input: Readable, gzip: boolean, max: number): Promise<void> {
  let n = 0;
  // LF and CRLF split here (split2 keeps a CR at a chunk end in its remainder, so a CRLF split across
  // chunks stays one line end); a CR left inside a line is a lone CR, which ends a line too. A line can
  // only end in CR at the end of the input, where the CR ends it without starting another.
  const lines = split2(/\r?\n/);
  await pipeline(gzip ? input.pipe(zlib.createGunzip()) : input, lines, async function (source: AsyncIterable<string>) {
    for await (const physical of source) {
      const parts = physical.includes('\r') ? physical.split('\r') : [physical];
      if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
      for (const line of parts) {
        n++;
        if (Buffer.byteLength(line, 'utf8') > max) handle.skip(n);
        else handle.line(line, n);
      }
    }
  });
  handle.setLineCount(n);
  handle.end();
}
