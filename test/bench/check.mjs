#!/usr/bin/env node
/**
 * Findings of the fast path (the CLI's `--format json` report) against the simple line-by-line path
 * (test/helpers/reference.ts: split2, every line decoded and given to the analyzer, no byte prefilter)
 * on the same inputs in the same order.
 *
 * The reference is TypeScript; {@link buildReference} compiles it with esbuild into a module whose
 * imports of src/ point at the built dist/ (the very modules the CLI runs) and whose split2 comes from
 * node_modules. Run as its own process (so that its memory and time do not disturb the measurements):
 *
 *   node test/bench/check.mjs REFERENCE.mjs REPORT.json INPUT…
 *
 * prints one JSON line: { equal, fast: {findings, matched, lines}, reference: {…}, difference? }.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Compile test/helpers/reference.ts to `ROOT/node_modules/.cache/stapling-bench/reference.mjs`.
 * @returns the module's path
 */
export async function buildReference() {
  const { build } = await import('esbuild');
  const outfile = path.join(ROOT, 'node_modules/.cache/stapling-bench/reference.mjs');
  await build({
    entryPoints: [path.join(ROOT, 'test/helpers/reference.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
    plugins: [
      {
        name: 'src-to-dist',
        setup(b) {
          // ../../src/x/y.js → ROOT/dist/x/y.js, left as an import of the built module
          b.onResolve({ filter: /\/src\// }, (a) => ({
            path: path.resolve(a.resolveDir, a.path).replace(`${path.sep}src${path.sep}`, `${path.sep}dist${path.sep}`),
            external: true,
          }));
          b.onResolve({ filter: /^[^./]/ }, () => ({ external: true })); // packages and node: builtins
        },
      },
    ],
  });
  return outfile;
}

/** JSON with the keys of every object sorted (the CLI and the API may order a finding's fields differently). */
function canonical(v) {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );
}

/** The parts of a report that must agree, in a canonical form. */
function digest(report) {
  return {
    findings: report.findings.map((f) => canonical(f)),
    stats: canonical(report.stats),
    // `status` is the CLI's word on each input (read, partial, …: src/run/report-output.ts), not the analyzer's.
    inputs: canonical(report.inputs.map(({ status: _status, ...rest }) => rest)),
  };
}

function summary(report) {
  return { findings: report.findings.length, matched: report.stats.matched, lines: report.stats.lines };
}

/** First difference between two reports, in one line. */
function difference(a, b) {
  const x = digest(a);
  const y = digest(b);
  if (x.stats !== y.stats) return `stats: fast ${x.stats} vs reference ${y.stats}`;
  if (x.inputs !== y.inputs) return `inputs: fast ${x.inputs.slice(0, 300)} vs reference ${y.inputs.slice(0, 300)}`;
  if (x.findings.length !== y.findings.length) return `${x.findings.length} findings vs ${y.findings.length}`;
  const i = x.findings.findIndex((f, k) => f !== y.findings[k]);
  if (i === -1) return null;
  return `finding ${i}: fast ${x.findings[i].slice(0, 400)} … vs reference ${y.findings[i].slice(0, 400)} …`;
}

async function main() {
  const [refModule, reportFile, ...inputs] = process.argv.slice(2);
  const { loadRules, renderReport } = await import(pathToFileURL(path.join(ROOT, 'dist/index.js')).href);
  const { analyzeStreamsByLine } = await import(pathToFileURL(refModule).href);
  const rules = await loadRules();
  const fast = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  const ref = await analyzeStreamsByLine(
    inputs.map((f) => ({ name: f, input: fs.createReadStream(f), gzip: f.endsWith('.gz') })),
    rules,
  );
  // Worded as the CLI words its findings, and through JSON, as the CLI's report went.
  const reference = JSON.parse(JSON.stringify(renderReport(ref)));
  const diff = difference(fast, reference);
  console.log(
    JSON.stringify({ equal: diff === null, fast: summary(fast), reference: summary(reference), ...(diff ? { difference: diff } : {}) }),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
