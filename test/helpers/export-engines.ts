/**
 * The engines of `rules export`, as far as the tests need them, run here without the engines:
 * - grok: `%{NAME:field}` expanded with the definitions as grok does, run by Oniguruma (`vscode-oniguruma`,
 *   whose syntax is grok's); call {@link loadOniguruma} first;
 * - an Elasticsearch pipeline of `rules export` run over a document: its steps in order, each
 *   condition evaluated from the data it is written from (`EsCondition`; Java regexes by Oniguruma);
 * - a Loki expression's line filters (`|=`, `!=`, `|~`, `!~`) run over a raw line by RE2 (`re2js`);
 * - a Sigma string read as Sigma reads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RE2JS } from 're2js';
import { loadWASM, OnigScanner, OnigString } from 'vscode-oniguruma';
import type { EsCondition, Step } from '../../src/export/elasticsearch.js';
import { apachePipelineFields, nest, nginxPipelineFields } from '../fleet/records.js';
import { parseServerLine } from '../fleet/server-lines.js';
import { ROOT } from './cli.js';

let loaded: Promise<void> | null = null;
/** Load Oniguruma's WebAssembly (once). */
export function loadOniguruma(): Promise<void> {
  loaded ??= loadWASM(fs.readFileSync(path.join(ROOT, 'node_modules/vscode-oniguruma/release/onig.wasm')).buffer);
  return loaded;
}

/** Expand grok `%{NAME:field}` with the definitions into Oniguruma named groups; the fields in group order. */
export function expandGrok(pattern: string, defs: Record<string, string>): { regex: string; fields: string[] } {
  const fields: string[] = [];
  const expand = (p: string, depth: number): string =>
    p.replace(/%\{(\w+)(?::([\w.@]+))?\}/g, (_m, name: string, field?: string) => {
      if (depth > 10 || defs[name] === undefined) throw new Error(`grok: unknown pattern ${name}`);
      const inner = expand(defs[name]!, depth + 1);
      return field ? `(?<f${fields.push(field) - 1}>${inner})` : `(?:${inner})`;
    });
  const regex = expand(pattern, 0);
  // Oniguruma numbers the named groups in the order their "(" appears.
  const order = [...regex.matchAll(/\(\?<f(\d+)>/g)].map((m) => fields[Number(m[1])]!);
  return { regex, fields: order };
}

/** Whether an Oniguruma regex finds a match in a text. */
export function onigFind(regex: string, text: string): boolean {
  const scanner = new OnigScanner([regex]);
  const s = new OnigString(text);
  try {
    return scanner.findNextMatchSync(s, 0) !== null;
  } finally {
    s.dispose();
  }
}

/** Run grok patterns (first match wins) over a message: the captured fields, or null. */
export function grok(patterns: string[], defs: Record<string, string>, message: string): Record<string, string> | null {
  for (const p of patterns) {
    const { regex, fields } = expandGrok(p, defs);
    const scanner = new OnigScanner([regex]);
    const s = new OnigString(message);
    const m = scanner.findNextMatchSync(s, 0);
    s.dispose();
    if (!m) continue;
    const out: Record<string, string> = {};
    fields.forEach((f, i) => {
      const c = m.captureIndices[i + 1];
      if (c && c.start >= 0 && c.length > 0) out[f] = message.slice(c.start, c.end);
    });
    return out;
  }
  return null;
}

/** The fields Elastic's nginx / Apache integration gives a line (its pipeline's grok), or only the line as `message`. */
export function elasticFields(line: string): Record<string, unknown> {
  try {
    const server = parseServerLine(line).server;
    const fields = server === 'nginx' ? nginxPipelineFields(line) : apachePipelineFields(line);
    return fields?.message === undefined ? { message: line } : fields;
  } catch {
    return { message: line }; // no nginx / Apache prefix: the line is the message
  }
}

/** The `message` Elastic's integration leaves for a line. */
export const elasticMessage = (line: string): string => elasticFields(line).message as string;

/** A document's field at a dotted path. */
export function fieldOf(doc: Record<string, unknown>, field: string): unknown {
  let at: unknown = doc;
  for (const k of field.split('.')) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[k] : undefined;
  return at;
}

function setField(doc: Record<string, unknown>, field: string, value: unknown): void {
  const keys = field.split('.');
  let at = doc;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  if (value === undefined) delete at[keys[keys.length - 1]!];
  else at[keys[keys.length - 1]!] = value;
}

/** Whether a condition holds for a document (the regexes, Java syntax, run by Oniguruma). */
export function holds(c: EsCondition, doc: Record<string, unknown>): boolean {
  const v = fieldOf(doc, c.field);
  if ('isNull' in c) return (v === undefined || v === null) === c.isNull;
  if ('equals' in c) return v === c.equals;
  if ('contains' in c) return typeof v === 'string' && v.includes(c.contains);
  if ('oneOf' in c) return (c.orNull === true && (v === undefined || v === null)) || c.oneOf.includes(v as string) !== (c.not ?? false);
  return (typeof v === 'string' && onigFind(c.find, v)) !== (c.not ?? false);
}

/**
 * Run a pipeline's steps over the document Elastic's integration makes of a line, as Elasticsearch runs
 * them: a step whose conditions hold runs (`set`, `grok` with its `on_failure`, `append`).
 * @returns the document, and how many times each field was set
 */
export function runPipeline(steps: readonly Step[], line: string): { doc: Record<string, unknown>; sets: Map<string, number> } {
  const doc = nest(elasticFields(line));
  const sets = new Map<string, number>();
  for (const st of steps) {
    if (!st.when.every((c) => holds(c, doc))) continue;
    const [kind, p] = Object.entries(st.processor)[0]! as [string, Record<string, unknown>];
    if (kind === 'set') {
      setField(doc, p.field as string, p.value);
      sets.set(p.field as string, (sets.get(p.field as string) ?? 0) + 1);
    } else if (kind === 'grok') {
      const got = grok(p.patterns as string[], (p.pattern_definitions as Record<string, string>) ?? {}, doc.message as string);
      if (got) for (const [f, v] of Object.entries(got)) setField(doc, f, v);
      else if (!p.ignore_failure) setField(doc, 'stapling_doctor.rule_id', undefined); // on_failure: remove the rule id
    }
  }
  return { doc, sets };
}

/** A Loki line filter: `|=` / `!=` a substring, `|~` / `!~` an RE2 regex. */
export interface LineFilter {
  op: '|=' | '!=' | '|~' | '!~';
  text: string;
  re: RE2JS | null;
}

/**
 * The line filters of a LogQL expression, in order, as the expression holds them: raw `…` strings,
 * or "…" strings (Go escapes) when the text has a backtick.
 */
export function lineFilters(expr: string): LineFilter[] {
  return [...expr.matchAll(/(\|=|!=|\|~|!~) (?:`([^`]*)`|("(?:\\.|[^"\\])*"))/g)].map((m) => {
    const op = m[1] as LineFilter['op'];
    const text = m[2] ?? (JSON.parse(m[3]!) as string);
    return { op, text, re: op === '|=' || op === '!=' ? null : RE2JS.compile(text) };
  });
}

/** Whether a line passes every filter. */
export function passes(filters: readonly LineFilter[], line: string): boolean {
  return filters.every((f) => {
    if (f.op === '|=') return line.includes(f.text);
    if (f.op === '!=') return !line.includes(f.text);
    const found = f.re!.matcher(line).find();
    return f.op === '|~' ? found : !found;
  });
}

/**
 * A Sigma string read as the specification (and pySigma's `SigmaString`) reads it: `\` escapes `*`, `?`
 * and `\`, and stays a backslash before anything else; null when it holds a wildcard (unescaped `*` / `?`).
 */
export function sigmaLiteral(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && '*?\\'.includes(s[i + 1] ?? '')) out += s[++i];
    else if (c === '*' || c === '?') return null;
    else out += c;
  }
  return out;
}
