/**
 * `npm run bundle`: one self-contained CommonJS file, `stapling-doctor.cjs`, with every dependency and
 * the built-in rules inside, for support scripts: `node stapling-doctor.cjs …` needs no node_modules.
 * The validated rules (dist/builtin-rules.json, written by `npm run build`) are embedded through the
 * `__STAPLING_DOCTOR_RULES__` constant that `src/rules/load.ts` reads instead of the rules/ directory,
 * and their static prefilter plan (dist/builtin-plan.json) through `__STAPLING_DOCTOR_PLAN__`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

// Validated by the build (`npm run build` writes dist/builtin-rules.json from rules/).
const rules = JSON.parse(fs.readFileSync(new URL('./dist/builtin-rules.json', import.meta.url), 'utf8'));

// The static prefilter plan of those rules (written by the same build step).
const plan = fs.readFileSync(new URL('./dist/builtin-plan.json', import.meta.url), 'utf8');

const outfile = process.argv[2] ?? 'stapling-doctor.cjs';
await build({
  entryPoints: ['src/cli.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile,
  define: { __STAPLING_DOCTOR_RULES__: JSON.stringify(rules), __STAPLING_DOCTOR_PLAN__: plan },
  // Whitespace and syntax only (names stay): a smaller file to read and compile at every start.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // builtinRulesDir() uses import.meta.url, which a CJS bundle lacks; it is never called there.
  logOverride: { 'empty-import-meta': 'silent' },
});
fs.chmodSync(outfile, 0o755);
console.log(
  `${path.relative(process.cwd(), path.resolve(outfile))}: ${rules.length} rules embedded, ${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB`,
);
