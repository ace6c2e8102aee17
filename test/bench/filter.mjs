#!/usr/bin/env node
/**
 * The tool's byte filter alone: what `stapling-doctor` costs before any line is parsed, matched or
 * correlated. It reads the files as the CLI does (`readInput`, 1 MiB chunks into the SIMD module's
 * memory), runs the same `LineScanner` with the built-in rules' prefilter (the WebAssembly SIMD
 * filter, then each anchor's triggers verified on the line's bytes), decodes every candidate line
 * (UTF-8, as the scanner does before handing it on), and counts them; the sink asks for no following
 * line and does nothing else. Run as its own process, like the tool and the newline floor.
 *
 * Its time is the part of the tool's time that no work on parsing, matching or correlating can
 * remove: the benchmark prints it beside the floor to show what the filter alone leaves of a goal.
 * With `--parse`, each candidate line is also read by the library's `parseLine` (wrappers, the
 * server's prefix, nginx's trailing context), the least every candidate line costs before any rule
 * is tried on it. With `--match`, each candidate line is parsed and matched by the matcher as a line
 * by itself (`Matcher.match`, with the scanner's keys): what the rules cost, without joining the lines
 * of one message, correlating or keeping findings.
 *
 *   npm run build && node test/bench/filter.mjs [--parse | --match] FILE…
 *
 * Prints `<lines> <candidate lines>` and, with `--parse`, how many of them have a server prefix, with
 * `--match`, how many a rule matches.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist');
const { loadRules, parseLine } = await import(path.join(DIST, 'index.js'));
const { createAnalyzer } = await import(path.join(DIST, 'findings/analyzer.js'));
const { LineScanner } = await import(path.join(DIST, 'lines/scan.js'));
const { readInput } = await import(path.join(DIST, 'input/read.js'));

const args = process.argv.slice(2);
const mode = args[0] === '--parse' || args[0] === '--match' ? args[0] : '';
const files = mode ? args.slice(1) : args;
const rules = await loadRules();
const { matcher } = createAnalyzer(rules);
const { prefilter } = matcher;
let lines = 0;
let candidates = 0;
let found = 0;
for (const file of files) {
  let count = 0;
  const sink = {
    line: (text, line, keys) => {
      candidates++;
      if (mode === '--parse' && parseLine(text).server !== null) found++;
      if (mode === '--match' && matcher.match(text, { file, line }, keys).match !== null) found++;
      return 0;
    },
    skip: () => undefined,
    setLineCount: (n) => {
      count = n;
    },
  };
  const scanner = new LineScanner(prefilter, sink);
  await readInput(file, (chunk) => scanner.push(chunk));
  scanner.end(false);
  lines += Math.max(count, scanner.lines);
}
console.log(`${lines} ${candidates}${mode ? ` ${found}` : ''}`);
