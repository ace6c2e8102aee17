/**
 * Rule loading: read `rules/<id>.yaml` (or `.yml`/`.json`) files, validate them against
 * {@link RULE_SCHEMA} and the invariants below, and compile their regular expressions.
 *
 * Invariants checked here (each failure is a {@link RuleLoadError} naming the file and the field):
 * the file name is the rule id; ids are unique; every regex compiles; every regex is free of
 * super-linear backtracking as far as the `scslre` checker can tell ({@link backtrackingProblem});
 * every named group is one of {@link VALUE_NAMES}; every positive sample contains the trigger (else the
 * prefilter would hide it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { analyse, type Report as BacktrackReport } from 'scslre';
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

/** `line L, column C` of a 0-based character offset in a text. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  return `line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
}

/** Why a parser rejected the text, in one line, with the position when the parser gives one. */
function syntaxError(err: unknown, text: string): { field: string; detail: string } {
  const e = err as Error & { linePos?: { line: number; col: number }[] };
  const first = (e instanceof Error ? e.message : String(err)).split('\n')[0]!.replace(/:$/, '');
  if (e.linePos?.[0]) {
    const { line, col } = e.linePos[0];
    return { field: `line ${line}, column ${col}`, detail: first.replace(/ at line \d+, column \d+$/, '') };
  }
  const pos = /at position (\d+)/.exec(first);
  return { field: pos ? lineColumn(text, Number(pos[1])) : '', detail: first.replace(/ in JSON at position \d+.*$/, '') };
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/**
 * Whether a rule regex can take super-linear time on a line, as the `scslre` checker finds it
 * (eslint-plugin-regexp's `no-super-linear-backtracking`/`-move` are built on it). Every report type is
 * refused: `Self` (a quantifier nested in a repeated group: exponential), `Trade` (two quantifiers that
 * can hand characters to each other: O(n²) per attempt, O(n³) over a line) and `Move` (an unanchored
 * pattern that fails slowly at every start: O(n²); 30–60 ms on one 8 KiB message, measured).
 * Limits of the checker: it builds attacks from one repeated character, so it misses ambiguity between
 * alternatives (`(\w|\d)+`) and repeated multi-character sequences; the CLI also turns on V8's
 * linear-time fallback for regexes that backtrack excessively, and rule messages are capped at
 * `MAX_MATCH_CHARS`.
 * @returns a one-line description of the first problem, or null when none was found
 */
export function backtrackingProblem(source: string, flags = ''): string | null {
  let reports: BacktrackReport[];
  try {
    reports = analyse({ source, flags }, { maxReports: 1 }).reports;
  } catch (err) {
    return `cannot be checked for catastrophic backtracking (${(err as Error).message.split('\n')[0]})`;
  }
  const r = reports[0];
  if (!r) return null;
  const run = `a long run of ${quote(r.character.pick)}`;
  let what: string;
  switch (r.type) {
    case 'Self':
      what = `${r.quant.raw} inside the repeated ${r.parentQuant.raw} can match the same text in many ways: backtracks ${r.exponential ? 'exponentially' : 'polynomially'} on ${run}`;
      break;
    case 'Trade':
      what = `${r.startQuant.raw} and ${r.endQuant.raw} can hand the same characters to each other: backtracks ${r.exponential ? 'exponentially' : 'polynomially'} on ${run}`;
      break;
    case 'Move':
      what = `${r.quant.raw} is tried again at every position of ${run} (quadratic time): start the pattern with literal text or anchor it with ^`;
      break;
  }
  let fixed: string | undefined;
  try {
    fixed = r.fix()?.source;
  } catch {
    fixed = undefined;
  }
  return `catastrophic backtracking (ReDoS): ${what}${fixed && fixed !== source ? `; an equivalent safe form: ${fixed}` : ''}`;
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
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark, as some editors write
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    const { field, detail } = syntaxError(err, text);
    throw new RuleLoadError(file, field, `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${detail}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new RuleLoadError(file, '/', `must be a mapping of rule fields (id, summary, servers, …), not ${doc === null ? 'empty' : Array.isArray(doc) ? 'a list' : typeof doc}`);
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
    const problem = backtrackingProblem(p.regex);
    if (problem) throw new RuleLoadError(file, `/patterns/${i}/regex`, problem);
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
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOTDIR' ? (fs.existsSync(dir) ? 'is a file; --rules takes a directory of rule files (*.yaml, *.yml, *.json)' : 'not a directory (a part of the path is a file)')
      : e.code === 'ENOENT' ? 'no such directory'
      : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied'
      : e.message.split('\n')[0]!;
    throw new RuleLoadError(dir, '', `cannot read rule directory: ${why}`);
  }
  return names
    .filter((n) => RULE_FILE.test(n))
    .sort()
    .map((n) => {
      const file = path.join(dir, n);
      try {
        return { file, text: fs.readFileSync(file, 'utf8') };
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const why = e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.message.split('\n')[0]!;
        throw new RuleLoadError(file, '', `cannot read: ${why}`);
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
