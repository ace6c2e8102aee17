/**
 * `stapling-doctor explain [LINE...]`: show how the tool reads each line (see `rules/explain.ts`). Lines
 * come from the arguments, from `--file FILE`, or from stdin (`--file -`, or no lines while stdin is a
 * pipe). Exit 0 when every line was explained (whether or not it matched), 2 on a usage or read error.
 */
import path from 'node:path';
import { explainLine } from '../rules/explain.js';
import { createMatcher } from '../rules/match.js';
import { loadRules, RuleLoadError } from '../rules/load.js';
import { formatExplanation } from '../format/explain.js';
import { colorLevel } from '../format/human.js';
import { safeJson } from '../format/sanitize.js';
import { describeReadError, readInput } from '../input/read.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../lines/scan.js';
import type { Rule } from '../types.js';
import { errorLine } from './output.js';
import type { ExplainOptions } from './program.js';
import type { RunParams } from './params.js';

/** Most lines explained in one run (explain is for a handful of lines, not a whole log). */
const MAX_LINES = 1000;
/** Most bytes read from `--file` or stdin, 16 MiB: reading stops there (`/dev/zero` on stdin ends). */
const MAX_BYTES = MAX_LINES * 16 * 1024;

/** Lines read from a file or stdin, and the numbers of those longer than the line-length limit (not kept). */
interface ReadLines {
  lines: string[];
  tooLong: number[];
}

/**
 * Collect the lines of the bytes handed to the returned sink, bounded as the main command reads: a line
 * longer than {@link DEFAULT_MAX_LINE_LENGTH} bytes is not kept (its number is), and `stop` is called
 * once {@link MAX_LINES} lines or {@link MAX_BYTES} bytes were handed over.
 */
function lineCollector(stop: () => void): { sink: (chunk: Buffer) => void; end: () => ReadLines } {
  const out: ReadLines = { lines: [], tooLong: [] };
  let parts: Buffer[] = [];
  let length = 0;
  let total = 0;
  let lineNo = 0;
  const finish = (): void => {
    lineNo++;
    if (length > DEFAULT_MAX_LINE_LENGTH) out.tooLong.push(lineNo);
    else out.lines.push(...Buffer.concat(parts).toString('utf8').replace(/\r$/, '').split('\r')); // CRLF, and lone-CR line ends
    parts = [];
    length = 0;
  };
  const sink = (chunk: Buffer): void => {
    if (lineNo >= MAX_LINES || total >= MAX_BYTES) return;
    total += chunk.length;
    for (let at = 0; at < chunk.length && lineNo < MAX_LINES;) {
      const lf = chunk.indexOf(0x0a, at);
      const end = lf === -1 ? chunk.length : lf;
      if (length + end - at <= DEFAULT_MAX_LINE_LENGTH) parts.push(Buffer.from(chunk.subarray(at, end)));
      length += end - at;
      if (lf === -1) break;
      finish();
      at = lf + 1;
    }
    if (lineNo >= MAX_LINES || total >= MAX_BYTES) stop();
  };
  const end = (): ReadLines => {
    if (length > 0 && lineNo < MAX_LINES) finish(); // a last line without its LF
    return out;
  };
  return { sink, end };
}

/**
 * The lines of `--file FILE` or of stdin, read as the main command reads an input: a FIFO, device or
 * socket named by `--file` is refused at once, compressed data is decompressed, UTF-16 transcoded; at
 * most {@link MAX_LINES} lines and {@link MAX_BYTES} bytes are read, and a stop signal (Ctrl-C) ends
 * the reading with the lines read so far.
 * @throws the read error (ENOENT, NOTFILE …: `describeReadError` words it)
 */
async function readLines(source: string | RunParams['stdin'], params: RunParams): Promise<ReadLines> {
  const enough = new AbortController();
  const onStop = (): void => {
    enough.abort();
    if (typeof source !== 'string') source.destroy?.(); // a pending read of stdin ends only so
  };
  params.signal?.addEventListener('abort', onStop, { once: true });
  if (params.signal?.aborted) onStop();
  const collect = lineCollector(() => enough.abort());
  try {
    await readInput(source, collect.sink, { signal: enough.signal });
  } finally {
    params.signal?.removeEventListener('abort', onStop);
  }
  return collect.end();
}

/** Lines to explain: the arguments, else `--file`, else stdin (a lone `-` argument means stdin, as in the main command). */
async function linesOf(lines: string[], opts: ExplainOptions, params: RunParams): Promise<ReadLines> {
  const stdinDash = lines.length === 1 && lines[0] === '-';
  if (lines.length > 0 && !opts.file && !stdinDash) return { lines, tooLong: [] };
  if (opts.file && opts.file !== '-') return readLines(path.resolve(params.cwd, opts.file), params);
  if (params.stdin.isTTY) throw new Error('no lines: give them as arguments, with --file, or on stdin');
  return readLines(params.stdin, params);
}

/** Run `explain`. @returns the exit code */
export async function runExplain(lines: string[], opts: ExplainOptions, params: RunParams, fail: (msg: string) => number): Promise<number> {
  let rules: Rule[];
  let input: string[];
  try {
    rules = await loadRules({ dirs: opts.rules });
    const read = await linesOf(lines, opts, params);
    input = read.lines.slice(0, MAX_LINES);
    for (const n of read.tooLong)
      params.stderr.write(
        errorLine(
          `${opts.file ?? '-'}: line ${n} is longer than ${DEFAULT_MAX_LINE_LENGTH} bytes: not explained (the main command skips it too)`,
        ),
      );
  } catch (e) {
    if (e instanceof RuleLoadError) return fail(`invalid rule file: ${e.message}`);
    const err = e as NodeJS.ErrnoException;
    return fail(err.code ? `${opts.file ?? '-'}: ${describeReadError(err)}` : err.message);
  }
  const matcher = createMatcher(rules);
  const explained = input.map((l) => explainLine(matcher, l));
  if (opts.format === 'json') {
    params.stdout.write(`${safeJson({ version: 1, lines: explained }, 2)}\n`);
  } else {
    const color = colorLevel(params.env, params.stdout);
    params.stdout.write(explained.map((e, i) => formatExplanation(e, i + 1, { color })).join('\n'));
  }
  return 0;
}
