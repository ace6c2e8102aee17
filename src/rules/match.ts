/**
 * Rule matching for one line, and the prefilter that keeps most lines from ever being decoded.
 *
 * Every rule has a literal `trigger`; a line can only match a rule whose trigger it contains. For the
 * byte-level scanner ({@link LineScanner}) the triggers are reduced to a few short *anchors*: substrings
 * chosen so that every trigger contains one, each starting with a byte that is rare in error logs (so
 * that `Buffer.indexOf` can skip through the data with a fast first-byte search). Lines without an
 * anchor are never decoded; lines with one are decoded, checked for a whole trigger, parsed and matched.
 */
import { parseLine, type ParseOptions } from '../parse/line.js';
import { decodeRecord, isRecordLine, jsonEscapedForms, parseRecord } from '../parse/record.js';
import { splitApacheCertSuffix } from '../parse/apache-cert.js';
import { apacheStatusValues, nginxOcspContext, opensslBlock, opensslValues } from '../parse/context.js';
import type { CauseId, CompiledPattern, LineLocation, LineMatch, ParsedLine, RecordKind, Rule, Severity, Values } from '../types.js';
import { causeOfMatch } from './cause.js';
import { AnchorPlanner } from './prefilter.js';
import type { Prefilter } from '../lines/scan.js';

/**
 * Longest message (in UTF-16 code units) given to a rule regex. Apache formats a whole error-log
 * entry into a buffer of `MAX_STRING_LEN` (8192) bytes and nginx into `NGX_MAX_ERROR_STR` (2048), so no
 * real message is longer; the bound keeps every regex's worst case small on hostile input.
 */
export const MAX_MATCH_CHARS = 8192;

/** A rule's `when` condition a parsed line does not meet: the field, what the rule wants, what the line has. */
export interface WhenFailure {
  field: string;
  wanted: 'absent' | 'present' | readonly string[];
  actual: string | number | null;
}

/** The first `when` condition of the rule the line does not meet, or null when all are met. */
export function whenFailure(rule: Rule, p: ParsedLine): WhenFailure | null {
  const w = rule.when;
  if (!w) return null;
  for (const [field, cond] of Object.entries(w)) {
    const v = p[field as keyof ParsedLine] as string | number | null;
    const ok = cond === 'absent' ? v === null : cond === 'present' ? v !== null : v !== null && cond.includes(String(v));
    if (!ok) return { field, wanted: cond, actual: v };
  }
  return null;
}

/**
 * A line's message prepared for the rule regexes: Apache's certificate suffix split off, length
 * bounded, and the shared structured values extracted (see `src/parse/context.ts`).
 */
export interface Prepared {
  message: string;
  /** Values every rule gets before its own captures (which win). */
  shared: Values;
}

/** Prepare a parsed line's message for the rule regexes (see {@link Prepared}). */
export function prepare(p: ParsedLine): Prepared {
  let message = p.message;
  let shared: Values = {};
  if (p.server !== 'nginx' && message.endsWith(']')) {
    const s = splitApacheCertSuffix(message);
    message = s.message;
    shared = s.values;
    // The line's own time, so that a notAfter before it can be reported as an expired certificate.
    if (shared.notAfter !== undefined && p.time !== null) shared = { ...shared, loggedAt: p.time };
  }
  if (message.length > MAX_MATCH_CHARS) message = message.slice(0, MAX_MATCH_CHARS);
  if (p.status) shared = { ...shared, ...apacheStatusValues(p.status) };
  const ctx = nginxOcspContext(message);
  if (ctx) shared = { ...shared, ...ctx };
  const block = opensslBlock(message);
  if (block) shared = { ...shared, ...opensslValues(block) };
  return { message, shared };
}

/** A rule's successful match of a message, before correlation. */
export interface RuleHit {
  rule: Rule;
  pattern: CompiledPattern;
  values: Values;
  cause: CauseId;
  severity: Severity;
}

function groupsToValues(groups: Record<string, string | undefined> | undefined): Values {
  const v: Values = {};
  if (!groups) return v;
  for (const [k, val] of Object.entries(groups)) if (val !== undefined && val !== '') (v as Record<string, string>)[k] = val;
  return v;
}

/**
 * Try one rule on a parsed line.
 * @returns the hit, or null when the rule's server, conditions or patterns do not fit
 */
export function matchRule(rule: Rule, parsed: ParsedLine, prepared: Prepared | (() => Prepared) = () => prepare(parsed)): RuleHit | null {
  if (parsed.server !== null && !rule.servers.includes(parsed.server)) return null;
  if (whenFailure(rule, parsed) !== null) return null;
  if (typeof prepared === 'function') prepared = prepared();
  for (const pattern of rule.compiled) {
    const m = pattern.re.exec(prepared.message);
    if (!m) continue;
    const values: Values = { ...prepared.shared, ...groupsToValues(m.groups) };
    const cause = causeOfMatch(rule, pattern, values);
    const severity: Severity =
      pattern.severity ?? (parsed.level !== null ? rule.severityByLevel?.[parsed.level] : undefined) ?? rule.severity;
    return { rule, pattern, values, cause, severity };
  }
  return null;
}

/** Options of {@link createMatcher}: how lines are parsed. */
export type MatcherOptions = ParseOptions;

/** Compiled rule set: prefilter data plus the per-line match. */
export interface Matcher {
  readonly rules: readonly Rule[];
  /** The distinct rule triggers. */
  readonly triggers: readonly string[];
  /** The byte-level prefilter the scanner uses: anchors per input (see `prefilter.ts`). */
  readonly prefilter: Prefilter;
  /** Anchors under the static model, used for in-memory lines; every trigger contains at least one. */
  readonly anchors: readonly string[];
  /** True when the text contains at least one rule trigger. */
  hasTrigger(text: string): boolean;
  /**
   * Parse and match one line that contains a trigger.
   * @param triggers indexes into {@link triggers} of every trigger the text contains, when known
   *   (saves looking them up); when given, it must be the complete set
   * @returns the parsed line (null when the text contains no trigger: it is not parsed at all) and the
   *   winning match (null when no rule matches). Of several matching
   *   rules the one with the highest `priority` wins; equal priorities fall back to the rule id order
   *   (the rule-sample test forbids such ties). A JSON log record (`src/parse/record.ts`) is decoded
   *   first and its line matched (`triggers` are then looked up again); `record` says which kind it
   *   was, or `undecoded` when it looked like one but could not be decoded (it is not matched).
   */
  match(
    text: string,
    location: LineLocation,
    triggers?: readonly number[],
  ): { parsed: ParsedLine | null; match: LineMatch | null; record?: RecordKind | 'undecoded' };
  /** Every rule that matches the line, highest priority first (for tests and `explain`). */
  matchAll(text: string): RuleHit[];
  /** The rules whose trigger the text contains (the only ones that can match it). */
  candidates(text: string): Rule[];
  /** The line parsed as the matcher parses it (a JSON log record decoded first). */
  parse(text: string): ParsedLine;
}

/** A line parsed as the matcher does, and the server line in it: a JSON log record decoded first (null: undecodable). */
function parseAny(text: string, options: ParseOptions): { parsed: ParsedLine; line: string } | null {
  if (!isRecordLine(text)) return { parsed: parseLine(text, options), line: text };
  const r = decodeRecord(text);
  return r.ok ? { parsed: parseRecord(r.record, options), line: r.record.line } : null;
}

/** Build the matcher for a rule set. */
export function createMatcher(rules: readonly Rule[], options: MatcherOptions = {}): Matcher {
  const triggers = [...new Set(rules.map((r) => r.trigger))];
  // The byte scanner also looks for the triggers as JSON encoders escape them (indexes after the
  // triggers'): a record line is decoded and its triggers looked up again on the line inside.
  const scanned = [...triggers, ...jsonEscapedForms(triggers)];
  const planner = new AnchorPlanner(scanned);
  // The in-memory path's anchors are chosen on first use (the byte scanner tells which triggers a line has).
  let byAnchorList: { anchor: string; triggers: string[] }[] | null = null;
  // anchor → triggers containing it → rules having that trigger
  const byTrigger = new Map<string, Rule[]>();
  for (const r of rules) byTrigger.set(r.trigger, [...(byTrigger.get(r.trigger) ?? []), r]);
  const byAnchor = (): { anchor: string; triggers: string[] }[] =>
    (byAnchorList ??= planner.choose().map((a) => ({ anchor: a, triggers: triggers.filter((t) => t.includes(a)) })));

  const candidates = (text: string): Rule[] => {
    const out: Rule[] = [];
    const seen = new Set<string>();
    for (const { anchor, triggers: ts } of byAnchor()) {
      if (!text.includes(anchor)) continue;
      for (const t of ts) {
        if (seen.has(t)) continue;
        seen.add(t);
        if (text.includes(t)) out.push(...byTrigger.get(t)!);
      }
    }
    return out;
  };

  const hitsFor = (parsed: ParsedLine, rs: Rule[]): RuleHit[] => {
    let prepared: Prepared | undefined;
    const lazy = (): Prepared => (prepared ??= prepare(parsed)); // only once a rule's server and conditions fit
    const hits: RuleHit[] = [];
    for (const r of rs) {
      const h = matchRule(r, parsed, lazy);
      if (h) hits.push(h);
    }
    return hits.sort((a, b) => (b.rule.priority ?? 0) - (a.rule.priority ?? 0) || a.rule.id.localeCompare(b.rule.id));
  };

  const parseOptions: ParseOptions = options.now ? { now: options.now } : {};
  const matchRecord = (text: string, location: LineLocation, present: readonly number[] | undefined) => {
    // Only what the byte scanner would hand over is examined (a trigger, plain or escaped, is in it).
    if (!present && !scanned.some((t) => text.includes(t))) return { parsed: null, match: null };
    const r = decodeRecord(text);
    if (!r.ok) return { parsed: null, match: null, record: 'undecoded' as const };
    const rs = candidates(r.record.line);
    if (rs.length === 0) return { parsed: null, match: null, record: r.record.kind };
    const parsed = parseRecord(r.record, parseOptions);
    const best = hitsFor(parsed, rs)[0];
    return { parsed, match: best ? { ...best, parsed, location, text: r.record.line } : null, record: r.record.kind };
  };
  return {
    rules,
    triggers,
    prefilter: planner,
    get anchors() {
      return byAnchor().map((a) => a.anchor);
    },
    hasTrigger: (text) => candidates(text).length > 0,
    match(text, location, present) {
      if (isRecordLine(text)) return matchRecord(text, location, present);
      const rs = present ? present.flatMap((i) => byTrigger.get(triggers[i]!) ?? []) : candidates(text);
      if (rs.length === 0) return { parsed: null, match: null };
      const parsed = parseLine(text, parseOptions);
      const best = hitsFor(parsed, rs)[0];
      if (!best) return { parsed, match: null };
      return {
        parsed,
        match: { ...best, parsed, location, text: text.endsWith('\r') ? text.slice(0, -1) : text },
      };
    },
    matchAll(text) {
      const p = parseAny(text, parseOptions);
      return p ? hitsFor(p.parsed, candidates(p.line)) : [];
    },
    candidates,
    parse: (text) => parseAny(text, parseOptions)?.parsed ?? parseLine(text, parseOptions),
  };
}
