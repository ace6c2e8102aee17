/**
 * ESLint (flat config): typescript-eslint's recommended rules, no import cycles, the data-flow layering of
 * src/ (each folder imports only the folders before it), and short functions. Formatting is Prettier's
 * (`.prettierrc.json`); eslint-config-prettier turns off the rules that would disagree with it.
 * Both run in `npm test` (`npm run lint`).
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';

/**
 * The data flow, in order: a folder may import the folders before it, never those after it.
 * `x509/`, `inspect/` and `probe/` stand beside the flow (the I/O edges of --inspect and probe);
 * `export/` beside it after `rules/` (the rule set in other engines' languages: it words with the
 * cause modules of `findings/`);
 * `run/` is on top; `src/*.ts` (types, version) is the base everyone may import.
 */
const FLOW = ['input', 'lines', 'parse', 'rules', 'correlate', 'findings', 'format', 'run'];
const BESIDE = {
  x509: ['input', 'lines', 'parse'],
  probe: ['input', 'lines', 'parse', 'x509'],
  inspect: ['input', 'lines', 'parse', 'rules', 'correlate', 'findings', 'x509'],
  export: ['input', 'lines', 'parse', 'rules', 'correlate', 'findings'],
};
const ALL = [...FLOW, ...Object.keys(BESIDE)];

function layerZones() {
  const allowed = {};
  FLOW.forEach((f, i) => (allowed[f] = FLOW.slice(0, i)));
  Object.assign(allowed, BESIDE);
  allowed.format = [...allowed.format, 'inspect', 'probe', 'x509']; // formatters lay out their results
  allowed.run = ALL;
  return Object.entries(allowed)
    .filter(([target, ok]) => ALL.some((f) => f !== target && !ok.includes(f)))
    .map(([target, ok]) => ({
      target: `./src/${target}`,
      from: ALL.filter((f) => f !== target && !ok.includes(f)).map((f) => `./src/${f}`),
      message: `src/${target}/ may import only ${ok.map((f) => `${f}/`).join(', ') || 'the base modules'} (the data flow of eslint.config.js)`,
    }));
}

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'stapling-doctor.cjs', 'test/servers/tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `typeof import('…')` types the modules loaded lazily (start-up time), so they stay allowed.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-control-regex': 'off', // the terminal-safety code matches control characters on purpose
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones() }],
    },
  },
  prettier,
);
