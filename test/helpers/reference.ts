/**
 * The simple line-by-line path: split2 splits the (decoded) stream into lines and every line goes to
 * the analyzer, with no byte-level prefilter. It is the reference the fast path ({@link analyzeStream},
 * the CLI) must agree with: same findings, same line numbers. The benchmark and a unit test compare
 * them. Slower (every line is decoded and checked for triggers) and it holds a whole line in memory
 * however long it is, so it is not used by the CLI.
 */
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import split2 from 'split2';
import { createAnalyzer, type AnalyzerOptions, type InputHandle, type Report } from '../../src/findings/analyzer.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../../src/lines/scan.js';
import type { FindingData, Rule } from '../../src/types.js';

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
): Promise<Report<FindingData>> {
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
): Promise<Report<FindingData>> {
  const analyzer = createAnalyzer(rules, options);
  const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  for (const { name, input, gzip } of inputs) await feedByLine(analyzer.input(name), input, gzip ?? false, max);
  return analyzer.end();
}

async function feedByLine(handle: InputHandle, input: Readable, gzip: boolean, max: number): Promise<void> {
  let n = 0;
  const emit = (line: string): void => {
    n++;
    if (Buffer.byteLength(line, 'utf8') > max) handle.skip(n);
    else handle.line(line, n);
  };
  // LF and CRLF split here (split2 keeps a CR at a chunk end in its remainder, so a CRLF split across
  // chunks stays one line end); a CR left inside a piece is a lone CR, which ends a line too, so a
  // piece `a\r` from `a\r\r\n` is the line `a` and an empty line. Only the input's unterminated last
  // piece is different: a CR that ends the input ends its line and starts no other. split2 drops an
  // empty last piece, so whether the input ended with LF is read from its last byte.
  let lastByte = -1;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1]!;
      done(null, chunk);
    },
  });
  let held: string | null = null;
  const physical = (piece: string, unterminated: boolean): void => {
    const parts = piece.includes('\r') ? piece.split('\r') : [piece];
    if (unterminated && parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    for (const line of parts) emit(line);
  };
  const source = gzip ? input.pipe(zlib.createGunzip()) : input;
  await pipeline(source, tap, split2(/\r?\n/), async function (pieces: AsyncIterable<string>) {
    for await (const piece of pieces) {
      if (held !== null) physical(held, false);
      held = piece;
    }
    if (held !== null) physical(held, lastByte !== 0x0a);
  });
  handle.setLineCount(n);
  handle.end();
}
