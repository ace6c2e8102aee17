/**
 * `stapling-doctor explain` as data: how the matcher reads one line. The parsed fields, the message the
 * rule regexes see (with the structured values extracted from it), every rule whose trigger the line
 * holds and what happened to it (matched with its captures and cause, or why not: another server, a
 * `when` condition, no pattern, source code that writes the message), and, when no trigger is there at
 * all, the rules whose triggers come closest. `format/explain.ts` words it. Pure.
 */
import type { CauseId, ParsedLine, Rule, RuleRole, Severity, Values } from '../types.js';
import { matchRule, prepare, whenFailure, writtenAsCode, type Matcher, type RuleHit, type WhenFailure } from './match.js';

/** Longest line explained, in characters (a longer one is cut; servers write at most 8 KiB per entry). */
const MAX_EXPLAINED = 16 * 1024;

/** What happened to one rule whose trigger the line holds. */
export type RuleVerdict =
  | {
      ruleId: string;
      outcome: 'matched';
      /** How the line takes part in correlation (a `lookalike` is never reported). */
      role: RuleRole;
      pattern: string;
      values: Values;
      cause: CauseId;
      severity: Severity;
      winner: boolean;
      /**
       * How the message was read: `whole` by the rule's own pattern, `fragment` only as a message cut short,
       * retyped without its quotes or followed by a poster's text (the readings the analyzer also tries).
       */
      reading: 'whole' | 'fragment';
    }
  | { ruleId: string; outcome: 'server'; servers: readonly string[]; lineServer: string }
  | { ruleId: string; outcome: 'when'; failed: WhenFailure }
  | { ruleId: string; outcome: 'pattern'; patterns: readonly string[] }
  /** Its trigger lies in a string literal of source code or a comment after code (`parse/code-literal.ts`): code that writes or annotates the message. */
  | { ruleId: string; outcome: 'code' };

/** A rule whose trigger is not in the line but comes close: its longest part that is. */
export interface NearMiss {
  ruleId: string;
  trigger: string;
  /** The longest piece of the trigger found in the line (case-insensitively). */
  found: string;
}

/** How the matcher reads one line. */
export interface Explanation {
  line: string;
  parsed: ParsedLine;
  /** The message the rule regexes see (certificate suffix split off, capped), and the values extracted from it. */
  message: string;
  shared: Values;
  /** The triggers the line contains. */
  triggers: string[];
  /** Every rule with one of those triggers, the winner first. */
  rules: RuleVerdict[];
  /** When no rule matched: rules whose trigger comes closest (at most three). */
  nearMisses: NearMiss[];
}

function verdict(rule: Rule, line: string, parsed: ParsedLine, message: ReturnType<typeof prepare>, all: readonly RuleHit[]): RuleVerdict {
  if (parsed.server !== null && !rule.servers.includes(parsed.server)) {
    return { ruleId: rule.id, outcome: 'server', servers: rule.servers, lineServer: parsed.server };
  }
  const failed = whenFailure(rule, parsed);
  if (failed) return { ruleId: rule.id, outcome: 'when', failed };
  if (writtenAsCode(line, rule)) return { ruleId: rule.id, outcome: 'code' };
  const whole = matchRule(rule, parsed, message);
  const hit = whole ?? all.find((h) => h.rule === rule);
  if (!hit) return { ruleId: rule.id, outcome: 'pattern', patterns: rule.compiled.map((p) => p.name ?? p.regex) };
  const pattern = hit.pattern.name ?? hit.pattern.regex;
  return { ruleId: rule.id, outcome: 'matched', role: rule.role, pattern, values: hit.values, cause: hit.cause, severity: hit.severity, winner: false, reading: whole ? 'whole' : 'fragment' };
}

/** The longest piece (at least 6 characters) of the trigger the line holds, case-insensitively. */
function longestPiece(trigger: string, line: string): string {
  const t = trigger.toLowerCase();
  const l = line.toLowerCase();
  for (let len = t.length; len >= 6; len--) {
    for (let i = 0; i + len <= t.length; i++) if (l.includes(t.slice(i, i + len))) return trigger.slice(i, i + len);
  }
  return '';
}

function nearMisses(rules: readonly Rule[], line: string): NearMiss[] {
  return rules
    .filter((r) => !line.includes(r.trigger))
    .map((r) => ({ ruleId: r.id, trigger: r.trigger, found: longestPiece(r.trigger, line) }))
    .filter((n) => n.found.length > 0)
    .sort((a, b) => b.found.length / b.trigger.length - a.found.length / a.trigger.length || a.ruleId.localeCompare(b.ruleId))
    .slice(0, 3);
}

/** Explain how the matcher reads a line. */
export function explainLine(matcher: Matcher, line: string): Explanation {
  line = line.length > MAX_EXPLAINED ? line.slice(0, MAX_EXPLAINED) : line;
  const parsed = matcher.parse(line);
  const prepared = prepare(parsed);
  const candidates = matcher.candidates(line);
  // Every reading the analyzer tries (whole, cut short, unquoted, with a poster's text cut off), best first.
  const all = matcher.matchAll(line);
  const best = all[0];
  const rules = candidates
    .map((r) => verdict(r, line, parsed, prepared, all))
    .map((v) => (v.outcome === 'matched' && v.ruleId === best?.rule.id ? { ...v, winner: true } : v))
    .sort((a, b) => Number(b.outcome === 'matched' && b.winner) - Number(a.outcome === 'matched' && a.winner));
  return {
    line,
    parsed,
    message: prepared.message,
    shared: prepared.shared,
    triggers: [...new Set(candidates.map((r) => r.trigger))],
    rules,
    nearMisses: best ? [] : nearMisses(matcher.rules, line),
  };
}
