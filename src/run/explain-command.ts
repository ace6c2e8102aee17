/**
 * `stapling-doctor explain [LINE...]`: show how the tool reads each line (see `rules/explain.ts`). Lines
 * come from the arguments, from `--file FILE`, or from stdin (`--file -`, or no lines while stdin is a
 * pipe). Exit 0 when every line was explained (whether or not it matched), 2 on a usage or read error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { explainLine } from '../rules/explain.js';
import { createMatcher } from '../rules/match.js';
import { loadRules, RuleLoadError } from '../rules/load.js';
import { formatExplanation } from '../format/explain.js';
import { colorLevel } from '../format/human.js';
import { safeJson } from '../format/sanitize.js';
import { describeReadError } from '../input/read.js';
import { splitLines } from '../lines/split.js';
import type { Rule } from '../types.js';
import type { ExplainOptions } from './program.js';
import type { RunParams } from './params.js';

/** Most lines explained in one run (explain is for a handful of lines, not a whole log). */
const MAX_LINES = 1000;

async function readText(source: AsyncIterable<Buffer | string>): Promise<string> {
  const parts: string[] = [];
  let size = 0;
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    parts.push(text);
    size += text.length;
    if (size > MAX_LINES * 16 * 1024) break;
  }
  return parts.join('');
}

/** Lines to explain: the arguments, else `--file`, else stdin (a lone `-` argument means stdin, as in the main command). */
async function linesOf(lines: string[], opts: ExplainOptions, params: RunParams): Promise<string[]> {
  const stdinDash = lines.length === 1 && lines[0] === '-';
  if (lines.length > 0 && !opts.file && !stdinDash) return lines;
  if (opts.file && opts.file !== '-') return splitLines(fs.readFileSync(path.resolve(params.cwd, opts.file), 'utf8'));
  if (params.stdin.isTTY) throw new Error('no lines: give them as arguments, with --file, or on stdin');
  return splitLines(await readText(params.stdin));
}

/** Run `explain`. @returns the exit code */
export async function runExplain(lines: string[], opts: ExplainOptions, params: RunParams, fail: (msg: string) => number): Promise<number> {
  let rules: Rule[];
  let input: string[];
  try {
    rules = await loadRules({ dirs: opts.rules });
    input = (await linesOf(lines, opts, params)).slice(0, MAX_LINES);
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
