/**
 * `npm run bundle`: one self-contained file, `stapling-doctor.cjs`, with every dependency and the built-in
 * rules inside, for support scripts: `node stapling-doctor.cjs …` needs no node_modules.
 * The validated rules (dist/builtin-rules.json, written by `npm run build`) are embedded through the
 * `__STAPLING_DOCTOR_RULES__` constant that `src/rules/load.ts` reads instead of the rules/ directory,
 * and their static prefilter plan (dist/builtin-plan.json) through `__STAPLING_DOCTOR_PLAN__`.
 * The program (the CommonJS bundle of src/cli.ts) is embedded after a small loader (src/bundle/loader.ts)
 * that compiles it with a V8 code cache kept between runs: see src/bundle/code-cache.ts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { embed } from './dist/bundle/code-cache.js';

// Validated by the build (`npm run build` writes dist/builtin-rules.json from rules/).
const rules = JSON.parse(fs.readFileSync(new URL('./dist/builtin-rules.json', import.meta.url), 'utf8'));

// The static prefilter plan of those rules (written by the same build step).
const plan = fs.readFileSync(new URL('./dist/builtin-plan.json', import.meta.url), 'utf8');

/** Options of both parts: Node 20, CommonJS, minified in whitespace and syntax only (names stay, for stack traces). */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  write: false,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
};

/**
 * Node built-ins that a plain scan of a file does not use, loaded only when first used: each `require` of them
 * gets an object with a getter per export that loads the real module then. child_process (with net and dgram)
 * is required at start by commander (sub-commands) and src/input/journal.ts, zlib by src/input/gzip.ts;
 * callgrind: 16 M and 9 M instructions to load them.
 */
const LAZY_BUILTINS = ['child_process', 'zlib'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (a) =>
      a.namespace === 'lazy-builtin'
        ? { path: `node:${a.path.replace(/^node:/, '')}`, external: true }
        : { path: a.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (a) => {
      const keys = Object.keys(await import(`node:${a.path}`)).filter((k) => k !== 'default');
      return {
        loader: 'js',
        contents: `let m;for(const k of ${JSON.stringify(keys)})Object.defineProperty(exports,k,{enumerable:true,get(){return(m??=require(${JSON.stringify(`node:${a.path}`)}))[k]}});`,
      };
    });
  },
};

const outfile = process.argv[2] ?? 'stapling-doctor.cjs';
const program = await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: 'program.cjs',
  plugins: [lazyBuiltins],
  define: { __STAPLING_DOCTOR_RULES__: JSON.stringify(rules), __STAPLING_DOCTOR_PLAN__: plan },
  // builtinRulesDir() uses import.meta.url, which a CJS bundle lacks; it is never called there.
  logOverride: { 'empty-import-meta': 'silent' },
});
const text = program.outputFiles[0].text.replace(/^#!.*\n/, '');
const main = {
  id: crypto.createHash('sha256').update(text).digest('hex').slice(0, 16),
  ascii: /^[\x00-\x7f]*$/.test(text),
  ...embed('', text), // where the program's `*/` are and its length: the loader's own length does not change them
  text: undefined,
};
const loader = await build({
  ...common,
  entryPoints: ['src/bundle/loader.ts'],
  outfile: 'loader.cjs',
  define: { __STAPLING_DOCTOR_MAIN__: JSON.stringify(main) },
});
const bundle = embed(loader.outputFiles[0].text, text);
fs.writeFileSync(outfile, bundle.text, { mode: 0o755 });
fs.chmodSync(outfile, 0o755);
console.log(
  `${path.relative(process.cwd(), path.resolve(outfile))}: ${rules.length} rules embedded, ${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB`,
);
