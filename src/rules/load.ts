/**
 * Rule loading: read `rules/<id>.yaml` (or `.yml`/`.json`) files, validate them against
 * {@link RULE_SCHEMA} and the invariants below, and compile their regular expressions.
 *
 * Invariants checked here (each failure is a {@link RuleLoadError} naming the file and the field):
 * the file name is the rule id; ids are unique; every regex compiles; every named group is one of
 * {@link VALUE_NAMES}; every positive sample contains the trigger (else the prefilter would hide it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { RULE_SCHEMA } from './schema.js';
import { VALUE_NAMES, type CompiledPattern, type Rule, type RuleSpec } from '../types.js';

/** A rule file that cannot be used. `file` is its path, `field` a JSON pointer into it (`/patterns/0/regex`). */
export class RuleLoadError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}${field ? ` ${field}` : ''}: ${detail}`);
    this.name = 'RuleLoadError';
  }
}

/** A validated rule spec and the file it came from, as stored in `dist/builtin-rules.json`. */
export interface BuiltinRule {
  file: string;
  spec: RuleSpec;
}

/** Built-in rules embedded by the single-file bundle (`npm run bundle`); undefined when running from dist/. */
declare const __STAPLING_DOCTOR_RULES__: BuiltinRule[] | undefined;

const RULE_FILE = /\.(ya?ml|json)$/;
const GROUP_NAME = /\(\?<([A-Za-z_$][\w$]*)>/g;

// Ajv and the YAML parser cost ~50 ms to import and Ajv ~140 ms to compile the schema, so they are
// loaded only when a rule file has to be read and checked (user rules, or rules/ without a build).
let validator: ValidateFunction | undefined;
let yaml: typeof import('yaml') | undefined;
async function parsers(): Promise<void> {
  if (!validator) {
    const { Ajv } = await import('ajv');
    validator = new Ajv({ allErrors: false, strict: true }).compile(RULE_SCHEMA);
  }
  yaml ??= (await import('yaml')).default as unknown as typeof import('yaml');
}
function validate(doc: unknown): ErrorObject[] {
  return validator!(doc) ? [] : (validator!.errors ?? []);
}

function describeAjvError(e: ErrorObject): { field: string; detail: string } {
  if (e.keyword === 'required') {
    const p = (e.params as { missingProperty: string }).missingProperty;
    return { field: `${e.instancePath}/${p}`, detail: `missing required field "${p}"` };
  }
  if (e.keyword === 'additionalProperties') {
    const p = (e.params as { additionalProperty: string }).additionalProperty;
    return { field: `${e.instancePath}/${p}`, detail: `unknown field "${p}"` };
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
    return { field: e.instancePath, detail: `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}` };
  }
  return { field: e.instancePath, detail: e.message ?? 'invalid' };
}

/** Directory of the rules shipped with the package (`<package>/rules`). */
export function builtinRulesDir(): string {
  return fileURLToPath(new URL('../../rules/', import.meta.url));
}

/** Where the build writes the validated built-in rules (`dist/builtin-rules.json`, next to `dist/rules/`). */
export function builtinRulesJson(): string {
  return fileURLToPath(new URL('../builtin-rules.json', import.meta.url));
}

/**
 * Parse and validate one rule file's text (YAML, or JSON for `.json`) against the rule schema.
 * @throws RuleLoadError naming the file and the field
 */
export async function parseRule(file: string, text: string): Promise<RuleSpec> {
  await parsers();
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : yaml!.parse(text, { prettyErrors: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    throw new RuleLoadError(file, '', `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${msg}`);
  }
  const errors = validate(doc);
  if (errors.length > 0) {
    const { field, detail } = describeAjvError(errors[0]!);
    throw new RuleLoadError(file, field || '/', detail);
  }
  return doc as RuleSpec;
}

/**
 * Parse, validate and compile one rule from its file text.
 * @param file path used in error messages and to check that the file is named after the id
 * @throws RuleLoadError when the text is not valid YAML/JSON, fails the schema, or breaks an invariant
 */
export async function compileRule(file: string, text: string): Promise<Rule> {
  return compileRuleSpec(file, await parseRule(file, text));
}

/**
 * Compile a schema-valid rule spec: check the invariants and compile its regular expressions.
 * @throws RuleLoadError on a broken invariant (id ≠ file name, bad regex, unknown group name, a
 *   positive sample without the trigger)
 */
export function compileRuleSpec(file: string, spec: RuleSpec): Rule {
  const base = path.basename(file).replace(RULE_FILE, '');
  if (base !== spec.id) {
    throw new RuleLoadError(file, '/id', `id "${spec.id}" does not match the file name "${base}"`);
  }
  const compiled: CompiledPattern[] = spec.patterns.map((p, i) => {
    let re: RegExp;
    try {
      re = new RegExp(p.regex);
    } catch (err) {
      throw new RuleLoadError(file, `/patterns/${i}/regex`, (err as Error).message);
    }
    for (const m of p.regex.matchAll(GROUP_NAME)) {
      if (!(VALUE_NAMES as readonly string[]).includes(m[1]!)) {
        throw new RuleLoadError(file, `/patterns/${i}/regex`, `named group "${m[1]}" is not a known value name (${VALUE_NAMES.join(', ')})`);
      }
    }
    return { ...p, re };
  });
  spec.samples.match.forEach((s, i) => {
    if (!s.line.includes(spec.trigger)) {
      throw new RuleLoadError(file, `/samples/match/${i}/line`, `positive sample does not contain the trigger "${spec.trigger}"`);
    }
  });
  return { ...spec, file, compiled };
}

/** Options of {@link loadRules}. */
export interface LoadRulesOptions {
  /** Extra rule directories (the CLI's `--rules DIR`). Their rules are added to the built-in ones. */
  dirs?: string[];
  /** Load the built-in rules (default true). */
  builtin?: boolean;
}

/**
 * The built-in rules, validated: from the bundle, else from `dist/builtin-rules.json` when it is at
 * least as new as every file in rules/, else parsed from rules/ (slower: YAML + schema).
 */
async function builtinSpecs(): Promise<BuiltinRule[]> {
  if (typeof __STAPLING_DOCTOR_RULES__ !== 'undefined') return __STAPLING_DOCTOR_RULES__;
  const dir = builtinRulesDir();
  const files = readDir(dir, false);
  try {
    const json = builtinRulesJson();
    const built = fs.statSync(json).mtimeMs;
    const dirTime = fs.statSync(dir).mtimeMs; // a removed or added file changes the directory
    if (dirTime <= built && files.every((f) => fs.statSync(f.file).mtimeMs <= built)) {
      return JSON.parse(fs.readFileSync(json, 'utf8')) as BuiltinRule[];
    }
  } catch {
    // no build output (running from src/): parse the files
  }
  const out: BuiltinRule[] = [];
  const root = path.resolve(dir, '..');
  for (const f of files) out.push({ file: path.relative(root, f.file), spec: await parseRule(f.file, fs.readFileSync(f.file, 'utf8')) });
  return out;
}

/**
 * Validate every built-in rule file and write them as JSON (the build's last step, so that start-up
 * needs neither the YAML parser nor the schema compiler).
 * @returns the number of rules written
 */
export async function writeBuiltinRulesJson(target: string = builtinRulesJson()): Promise<number> {
  const out: BuiltinRule[] = [];
  const dir = builtinRulesDir();
  for (const f of readDir(dir, false)) {
    const spec = await parseRule(f.file, fs.readFileSync(f.file, 'utf8'));
    compileRuleSpec(f.file, spec); // check invariants now, not at the user's start-up
    out.push({ file: path.relative(path.resolve(dir, '..'), f.file), spec });
  }
  fs.writeFileSync(target, JSON.stringify(out));
  return out.length;
}

function readDir(dir: string, withText = true): { file: string; text: string }[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    throw new RuleLoadError(dir, '', `cannot read rule directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return names
    .filter((n) => RULE_FILE.test(n))
    .sort()
    .map((n) => {
      const file = path.join(dir, n);
      if (!withText) return { file, text: '' };
      try {
        return { file, text: fs.readFileSync(file, 'utf8') };
      } catch (err) {
        throw new RuleLoadError(file, '', `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    });
}

/**
 * Load, validate and compile rules: the built-in set (pre-validated by the build, or embedded in the
 * bundle, or read from the package's `rules/`) plus any extra directories.
 *
 * @returns rules sorted by id
 * @throws RuleLoadError on the first unusable file or a duplicate id (naming both files)
 */
export async function loadRules(options: LoadRulesOptions = {}): Promise<Rule[]> {
  const specs: BuiltinRule[] = options.builtin === false ? [] : [...(await builtinSpecs())];
  for (const dir of options.dirs ?? []) {
    const found = readDir(dir);
    if (found.length === 0) throw new RuleLoadError(dir, '', 'no rule files (*.yaml, *.yml, *.json) in this directory');
    for (const f of found) specs.push({ file: f.file, spec: await parseRule(f.file, f.text) });
  }
  const byId = new Map<string, Rule>();
  for (const { file, spec } of specs) {
    const rule = compileRuleSpec(file, spec);
    const prev = byId.get(rule.id);
    if (prev) throw new RuleLoadError(file, '/id', `duplicate rule id "${rule.id}" (also in ${prev.file})`);
    byId.set(rule.id, rule);
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}
