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
import { Ajv, type ErrorObject } from 'ajv';
import YAML from 'yaml';
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

/** Rule files embedded by the single-file bundle (`npm run bundle`); undefined when running from dist/. */
declare const __STAPLING_DOCTOR_RULES__: { file: string; text: string }[] | undefined;

const RULE_FILE = /\.(ya?ml|json)$/;
const GROUP_NAME = /\(\?<([A-Za-z_$][\w$]*)>/g;

let validator: ReturnType<Ajv['compile']> | undefined;
function validate(doc: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: false, strict: true }).compile(RULE_SCHEMA);
  return validator(doc) ? [] : (validator.errors ?? []);
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

/**
 * Parse, validate and compile one rule from its file text.
 * @param file path used in error messages and to check that the file is named after the id
 * @throws RuleLoadError when the text is not valid YAML/JSON, fails the schema, or breaks an invariant
 */
export function compileRule(file: string, text: string): Rule {
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    throw new RuleLoadError(file, '', `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${msg}`);
  }
  const errors = validate(doc);
  if (errors.length > 0) {
    const { field, detail } = describeAjvError(errors[0]!);
    throw new RuleLoadError(file, field || '/', detail);
  }
  const spec = doc as RuleSpec;
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

function readDir(dir: string): { file: string; text: string }[] {
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
      try {
        return { file, text: fs.readFileSync(file, 'utf8') };
      } catch (err) {
        throw new RuleLoadError(file, '', `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    });
}

/**
 * Load, validate and compile rules: the built-in set (from the package's `rules/`, or embedded in the
 * bundle) plus any extra directories.
 *
 * @returns rules sorted by id
 * @throws RuleLoadError on the first unusable file or a duplicate id (naming both files)
 */
export function loadRules(options: LoadRulesOptions = {}): Rule[] {
  const files: { file: string; text: string }[] = [];
  if (options.builtin !== false) {
    if (typeof __STAPLING_DOCTOR_RULES__ !== 'undefined') files.push(...__STAPLING_DOCTOR_RULES__);
    else files.push(...readDir(builtinRulesDir()));
  }
  for (const dir of options.dirs ?? []) {
    const found = readDir(dir);
    if (found.length === 0) throw new RuleLoadError(dir, '', 'no rule files (*.yaml, *.yml, *.json) in this directory');
    files.push(...found);
  }
  const byId = new Map<string, Rule>();
  for (const { file, text } of files) {
    const rule = compileRule(file, text);
    const prev = byId.get(rule.id);
    if (prev) throw new RuleLoadError(file, '/id', `duplicate rule id "${rule.id}" (also in ${prev.file})`);
    byId.set(rule.id, rule);
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}
