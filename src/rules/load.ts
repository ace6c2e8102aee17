/**
 * Rule loading: read `rules/<id>.yaml` (or `.yml`/`.json`) files, validate them against
 * {@link RULE_SCHEMA} and the invariants below, and compile their regular expressions.
 *
 * Invariants checked here (each failure is a {@link RuleLoadError} naming the file and the field):
 * the file name is the rule id; ids are unique; every regex compiles; every named group is one of
 * {@link VALUE_NAMES}; every positive sample contains the trigger (else the prefilter would hide it);
 * every regex is free of super-linear backtracking as far as the `scslre` checker can tell
 * ({@link backtrackingProblem}). The last check is made wherever a rule file is read and checked: at
 * build time for the built-in rules (`dist/builtin-rules.json` holds only linted rules) and at load time
 * for `--rules` directories, so the checker is loaded only when a user rule needs it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Report as BacktrackReport } from 'scslre';
import { RULE_SCHEMA, ruleSchema } from './schema.js';
import { checkSamples } from './samples.js';
import { tieRules, type ConfigTie } from './tie.js';
import { computePlan, usePrecomputedPlan, type PrecomputedPlan } from './prefilter.js';
import { computeScanKeys } from './match.js';
import { describeReadError } from '../input/read.js';
import { looseTriggerPattern, normalizeText, plainText } from '../parse/normalize.js';
import { readSmallFileSync } from '../input/files.js';
import { compareIds, VALUE_NAMES, type CompiledPattern, type Rule, type RuleSpec } from '../types.js';

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
declare const __STAPLING_DOCTOR_PLAN__: PrecomputedPlan | undefined;

const RULE_FILE = /\.(ya?ml|json)$/;

/**
 * Largest rule file read, bytes (1 MiB; the largest built-in rule, with its samples, is 24 KB). A larger
 * file, a FIFO or a device in a `--rules` directory is refused with a {@link RuleLoadError}, never read
 * whole or waited on.
 */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;
const GROUP_NAME = /\(\?<([A-Za-z_$][\w$]*)>/g;

// Ajv and the YAML parser cost ~50 ms to import and Ajv ~140 ms to compile the schema, so they are
// loaded only when a rule file has to be read and checked (user rules, or rules/ without a build).
// One validator per cause vocabulary (the built-in one, or with an API user's extra cause ids).
const validators = new Map<string, ValidateFunction>();
let yaml: typeof import('yaml') | undefined;
async function parsers(extraCauses: readonly string[]): Promise<ValidateFunction> {
  const key = extraCauses.join('\u0000');
  let v = validators.get(key);
  if (!v) {
    const { Ajv } = await import('ajv');
    v = new Ajv({ allErrors: false, strict: true }).compile(extraCauses.length > 0 ? ruleSchema(extraCauses) : RULE_SCHEMA);
    validators.set(key, v);
  }
  yaml ??= (await import('yaml')).default as unknown as typeof import('yaml');
  return v;
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

let scslre: typeof import('scslre') | undefined;

/**
 * Whether a rule regex can take super-linear time on a line, as the `scslre` checker finds it
 * (eslint-plugin-regexp's `no-super-linear-backtracking`/`-move` are built on it). Every report type is
 * refused: `Self` (a quantifier nested in a repeated group: exponential), `Trade` (two quantifiers that
 * can hand characters to each other: O(n²) per attempt, O(n³) over a line) and `Move` (an unanchored
 * pattern that fails slowly at every start: O(n²); 30–65 ms on one 8 KiB message, measured).
 * Limits of the checker: it builds attacks from one repeated character, so it misses ambiguity between
 * alternatives (`(\w|\d)+`), which `ambiguity.ts` checks; the CLI also turns on V8's linear-time
 * fallback for regexes that backtrack excessively, and rule messages are capped at `MAX_MATCH_CHARS`.
 * The checker (~50 ms to import) is loaded on first use.
 * @param source a regex source that compiles
 * @returns a one-line description of the first problem, or null when none was found
 */
export async function backtrackingProblem(source: string, flags = ''): Promise<string | null> {
  scslre ??= await import('scslre');
  let reports: BacktrackReport[];
  try {
    reports = scslre.analyse({ source, flags }, { maxReports: 1 }).reports;
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

/**
 * Refuse a rule whose regexes can backtrack super-linearly (see {@link backtrackingProblem}), hold a
 * backreference, or repeat a group whose alternatives can match the same text (`ambiguity.ts`).
 * @throws RuleLoadError naming the file and `/patterns/N/regex`
 */
/**
 * The checks made wherever a rule file is read (build time for built-in rules, load time for `--rules`):
 * no super-linear backtracking, and the rule's own samples hold (see `samples.ts`).
 * @throws RuleLoadError naming the file and the regex or sample
 */
export async function checkRule(rule: Rule): Promise<void> {
  await checkBacktracking(rule.file, rule);
  const problem = checkSamples(rule);
  if (problem) throw new RuleLoadError(rule.file, problem.field, problem.detail);
}

export async function checkBacktracking(file: string, spec: RuleSpec): Promise<void> {
  for (const [i, p] of spec.patterns.entries()) {
    const problem = (await backtrackingProblem(p.regex)) ?? (await unboundedProblem(p.regex));
    if (problem) throw new RuleLoadError(file, `/patterns/${i}/regex`, problem);
  }
}

let ambiguity: typeof import('./ambiguity.js') | undefined;
/** Backreferences and ambiguous alternatives (see `ambiguity.ts`); the checker is loaded on first use. */
async function unboundedProblem(source: string): Promise<string | null> {
  ambiguity ??= await import('./ambiguity.js');
  return ambiguity.unboundedRegexProblem(source);
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
 * @param extraCauses cause ids beyond the built-in vocabulary that the rule may name
 * @throws RuleLoadError naming the file and the field
 */
export async function parseRule(file: string, text: string, extraCauses: readonly string[] = []): Promise<RuleSpec> {
  const validator = await parsers(extraCauses);
  let doc: unknown;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark, as some editors write
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : yaml!.parse(text, { prettyErrors: true });
  } catch (err) {
    const { field, detail } = syntaxError(err, text);
    throw new RuleLoadError(file, field, `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${detail}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new RuleLoadError(file, '/', `must be a mapping of rule fields (id, summary, servers, …), not ${doc === null ? 'empty' : Array.isArray(doc) ? 'a list' : typeof doc}`);
  }
  const errors: ErrorObject[] = validator(doc) ? [] : (validator.errors ?? []);
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
  const spec = await parseRule(file, text);
  const rule = compileRuleSpec(file, spec);
  await checkBacktracking(file, spec);
  return rule;
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
    // As the matcher reads it: quotes, letter case and runs of blanks normalised (APISIX writes `ocsp responder …`).
    if (!s.line.includes(spec.trigger) && !looseTriggerPattern(spec.trigger).test(normalizeText(plainText(s.line)).text)) {
      throw new RuleLoadError(file, `/samples/match/${i}/line`, `positive sample does not contain the trigger "${spec.trigger}"`);
    }
  });
  let fragmentNeedsRe: RegExp | undefined;
  try {
    if (spec.fragmentNeeds !== undefined) fragmentNeedsRe = new RegExp(spec.fragmentNeeds, 'i');
  } catch (err) {
    throw new RuleLoadError(file, '/fragmentNeeds', (err as Error).message);
  }
  return { ...spec, file, compiled, ...(fragmentNeedsRe ? { fragmentNeedsRe } : {}) };
}

/** Options of {@link loadRules}. */
export interface LoadRulesOptions {
  /** Extra rule directories (the CLI's `--rules DIR`). Their rules are added to the built-in ones. */
  dirs?: string[];
  /** Load the built-in rules (default true). */
  builtin?: boolean;
  /** Cause ids beyond the built-in vocabulary that rules may name (an API user's own cause modules). */
  causes?: readonly string[];
  /**
   * The files a server configuration names (`--config`), for the rules tied to it (`tiedTo`, see
   * `tie.ts`); without it, tied rules are left out. `'samples'`: each tied rule tied to its own samples'
   * files (for tests over every rule's samples).
   */
  tie?: ConfigTie | 'samples';
}

/**
 * The built-in rules, validated: from the bundle, else from `dist/builtin-rules.json` when it is at
 * least as new as every file in rules/, else parsed from rules/ (slower: YAML + schema).
 */
async function builtinSpecs(): Promise<{ specs: BuiltinRule[]; checked: boolean }> {
  if (typeof __STAPLING_DOCTOR_RULES__ !== 'undefined') {
    if (typeof __STAPLING_DOCTOR_PLAN__ !== 'undefined') usePrecomputedPlan(__STAPLING_DOCTOR_PLAN__);
    return { specs: __STAPLING_DOCTOR_RULES__, checked: true };
  }
  const dir = builtinRulesDir();
  const files = readDir(dir, false);
  try {
    const json = builtinRulesJson();
    const built = fs.statSync(json).mtimeMs;
    const dirTime = fs.statSync(dir).mtimeMs; // a removed or added file changes the directory
    if (dirTime <= built && files.every((f) => fs.statSync(f.file).mtimeMs <= built)) {
      usePlanFile(path.join(path.dirname(json), PLAN_FILE), built);
      return { specs: JSON.parse(fs.readFileSync(json, 'utf8')) as BuiltinRule[], checked: true };
    }
  } catch {
    // no build output (running from src/): parse the files
  }
  const out: BuiltinRule[] = [];
  const root = path.resolve(dir, '..');
  for (const f of files) out.push({ file: path.relative(root, f.file), spec: await parseRule(f.file, fs.readFileSync(f.file, 'utf8')) });
  return { specs: out, checked: false };
}

/** The build's static prefilter plan of the built-in rules, beside `builtin-rules.json`. */
const PLAN_FILE = 'builtin-plan.json';

/** Use the build's plan when it is not older than the rules it was made from (else the planner plans). */
function usePlanFile(file: string, rulesBuilt: number): void {
  try {
    if (fs.statSync(file).mtimeMs >= rulesBuilt) usePrecomputedPlan(JSON.parse(fs.readFileSync(file, 'utf8')) as PrecomputedPlan);
  } catch {
    // no plan file: plan at run time (same result, slower start)
  }
}

/**
 * Write the static prefilter plan of the built-in rules (the build's last step, after
 * {@link writeBuiltinRulesJson}): the matcher's scan keys ({@link computeScanKeys}), in its order,
 * and the planner's choices for them.
 * @returns the number of keys
 */
export async function writeBuiltinPlan(target: string = path.join(path.dirname(builtinRulesJson()), PLAN_FILE)): Promise<number> {
  const rules = await loadRules();
  const scanKeys = computeScanKeys(rules);
  const plan = { ...computePlan(scanKeys.keys), scanKeys };
  fs.writeFileSync(target, JSON.stringify(plan));
  return plan.triggers.length;
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
    await checkRule(compileRuleSpec(f.file, spec)); // check invariants and samples now, not at the user's start-up
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
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOTDIR' ? (fs.existsSync(dir) ? 'is a file; --rules takes a directory of rule files (*.yaml, *.yml, *.json)' : 'not a directory (a part of the path is a file)')
      : e.code === 'ENOENT' ? 'no such directory'
      : describeReadError(e);
    throw new RuleLoadError(dir, '', `cannot read rule directory: ${why}`);
  }
  return names
    .filter((n) => RULE_FILE.test(n))
    .sort()
    .map((n) => {
      const file = path.join(dir, n);
      if (!withText) return { file, text: '' };
      try {
        return { file, text: readSmallFileSync(file, MAX_RULE_FILE_BYTES).toString('utf8') };
      } catch (err) {
        throw new RuleLoadError(file, '', `cannot read: ${describeReadError(err)}`);
      }
    });
}

/**
 * Load, validate and compile rules: the built-in set (pre-validated by the build, or embedded in the
 * bundle, or read from the package's `rules/`) plus any extra directories, made concrete for
 * `options.tie` (see {@link loadRuleSet} and `tie.ts`).
 *
 * @returns rules sorted by id
 * @throws RuleLoadError on the first unusable file or a duplicate id (naming both files)
 */
export async function loadRules(options: LoadRulesOptions = {}): Promise<Rule[]> {
  return tieRules(await loadRuleSet(options), options.tie);
}

/**
 * {@link loadRules} before any configuration: every rule, those tied to a configuration (`tiedTo`) as
 * written. Their tied group is not narrowed yet, so they match any file: give the set to `tieRules()`
 * before a matcher sees it (the CLI loads once and ties after reading `--config`).
 *
 * @returns rules sorted by id
 * @throws RuleLoadError on the first unusable file or a duplicate id (naming both files)
 */
export async function loadRuleSet(options: Omit<LoadRulesOptions, 'tie'> = {}): Promise<Rule[]> {
  // `checked`: already linted for backtracking (by the build); rules read from files here are linted now.
  const specs: (BuiltinRule & { checked: boolean })[] = [];
  if (options.builtin !== false) {
    const b = await builtinSpecs();
    for (const r of b.specs) specs.push({ ...r, checked: b.checked });
  }
  for (const dir of options.dirs ?? []) {
    const found = readDir(dir);
    if (found.length === 0) throw new RuleLoadError(dir, '', 'no rule files (*.yaml, *.yml, *.json) in this directory');
    for (const f of found) specs.push({ file: f.file, spec: await parseRule(f.file, f.text, options.causes), checked: false });
  }
  const byId = new Map<string, Rule>();
  for (const { file, spec, checked } of specs) {
    const rule = compileRuleSpec(file, spec);
    if (!checked) await checkRule(rule);
    const prev = byId.get(rule.id);
    if (prev) throw new RuleLoadError(file, '/id', `duplicate rule id "${rule.id}" (also in ${prev.file})`);
    byId.set(rule.id, rule);
  }
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
}
