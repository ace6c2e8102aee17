/**
 * A rule's own samples, run when the rule loads (lnav checks its format samples the same way): at build
 * time for the built-in rules, and whenever `--rules` reads a user's directory. A rule whose samples do
 * not hold is refused, with the file and the sample named.
 *
 * What the samples must show, for the rule alone (the cross-rule checks — which rule wins a line, ties
 * of priority — need the whole set and run in `test/rules.test.ts`):
 * - every positive sample matches, with the cause it states (default: the rule's), the severity it
 *   states (default: the rule's) and the values it states;
 * - no negative sample matches;
 * - every pattern is exercised by a positive sample;
 * - every named capture of every pattern is pinned: some positive sample that the pattern matched
 *   states its value;
 * - every `causeFrom` branch (each key of its map) is taken by some positive sample.
 */
import { tiedBySamples } from './tie.js';
import { parseLine } from '../parse/line.js';
import { causeFromBranch } from './cause.js';
import { matchRule, type RuleHit } from './match.js';
import type { Rule } from '../types.js';

/** A sample that does not hold: the JSON pointer to it in the rule file, and what is wrong. */
export interface SampleProblem {
  field: string;
  detail: string;
}

const GROUP_NAME = /\(\?<([A-Za-z_$][\w$]*)>/g;

function show(line: string): string {
  return JSON.stringify(line.length > 120 ? `${line.slice(0, 117)}...` : line);
}

function positive(rule: Rule, i: number, hit: RuleHit | null): SampleProblem | null {
  const s = rule.samples.match[i]!;
  const field = `/samples/match/${i}`;
  if (!hit) return { field, detail: `positive sample does not match: ${show(s.line)}` };
  const cause = s.cause ?? rule.cause;
  if (hit.cause !== cause) return { field: `${field}/cause`, detail: `the sample gives cause ${hit.cause}, not ${cause}: ${show(s.line)}` };
  const severity = s.severity ?? rule.severity;
  if (hit.severity !== severity) {
    return { field: `${field}/severity`, detail: `the sample gives severity ${hit.severity}, not ${severity}: ${show(s.line)}` };
  }
  for (const [k, v] of Object.entries(s.values ?? {})) {
    const got = (hit.values as Record<string, string | undefined>)[k];
    if (got !== v) return { field: `${field}/values/${k}`, detail: `the sample extracts ${k} = ${JSON.stringify(got ?? null)}, not ${JSON.stringify(v)}` };
  }
  return null;
}

/** Named captures of a pattern that no sample matched by it pins. */
function unpinned(rule: Rule, hits: readonly (RuleHit | null)[]): SampleProblem | null {
  for (const [p, pattern] of rule.compiled.entries()) {
    const pinned = new Set<string>();
    let used = false;
    hits.forEach((h, i) => {
      if (h?.pattern !== pattern) return;
      used = true;
      for (const k of Object.keys(rule.samples.match[i]!.values ?? {})) pinned.add(k);
    });
    if (!used) return { field: `/patterns/${p}`, detail: `no positive sample exercises this pattern (${pattern.name ?? pattern.regex})` };
    const groups = [...new Set([...pattern.regex.matchAll(GROUP_NAME)].map((m) => m[1]!))];
    const loose = groups.filter((g) => !pinned.has(g));
    if (loose.length > 0) {
      return { field: `/patterns/${p}`, detail: `no positive sample pins the capture ${loose.map((g) => `"${g}"`).join(', ')} (state it in a sample's values)` };
    }
  }
  return null;
}

/** `causeFrom` keys that no sample's values lead to. */
function untakenBranches(rule: Rule, hits: readonly (RuleHit | null)[]): SampleProblem | null {
  const cf = rule.causeFrom;
  if (!cf) return null;
  const taken = new Set<string>();
  for (const h of hits) {
    if (!h || h.pattern.cause) continue;
    const key = causeFromBranch(cf, h.values);
    if (key !== undefined) taken.add(key);
  }
  const missing = Object.keys(cf.map).filter((k) => !taken.has(k));
  if (missing.length === 0) return null;
  return { field: '/causeFrom/map', detail: `no positive sample takes the branch ${missing.map((k) => JSON.stringify(k)).join(', ')}` };
}

/**
 * Run a rule's samples against the rule alone.
 * @returns the first problem, or null when every sample holds
 */
export function checkSamples(rule: Rule): SampleProblem | null {
  if (rule.tiedTo) {
    // A tied rule is checked as its samples tie it: the positive samples' files are the configured ones.
    const tiedValue = rule.tiedTo.value;
    if (!rule.samples.match.every((s) => s.values?.[tiedValue])) {
      return { field: '/samples/match', detail: `a rule tied to ${rule.tiedTo.directive} names the file (values.${tiedValue}) in every positive sample` };
    }
    rule = tiedBySamples(rule);
  }
  const hits = rule.samples.match.map((s) => matchRule(rule, parseLine(s.line)));
  for (let i = 0; i < hits.length; i++) {
    const p = positive(rule, i, hits[i]!);
    if (p) return p;
  }
  for (const [i, s] of rule.samples.nomatch.entries()) {
    if (matchRule(rule, parseLine(s.line))) return { field: `/samples/nomatch/${i}`, detail: `negative sample matches: ${show(s.line)}` };
  }
  return unpinned(rule, hits) ?? untakenBranches(rule, hits);
}
