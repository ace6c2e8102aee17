/**
 * Readings of a message cut inside its trigger (issue 10, fragments): a terminal cuts a line at its width
 * and shows the cut with `…` (systemd's `journalctl` and `systemctl status`, src/shared/logs-show.c,
 * print_multiline(): `ellipsize_mem(pos, len, n_columns - prefix, 100)` puts the ellipsis at the end of a
 * one-line message); a poster shortens an issue title with `...`. With the journal's prefix and nginx's
 * own (`Dec 06 12:00:01 web1 nginx[812]: nginx: [warn] `), an 80-column `systemctl status nginx` keeps 33
 * characters of the message: `"ssl_stapling" ignored, issuer c…`. Such a line held no trigger, and the
 * cut-tolerant twins (`cut.ts`) begin only after a whole one.
 *
 * For every cause or transport rule whose trigger begins with a shorter head that is the rule's alone, the matcher
 * derives a reading, as a rule file could have said it: the trigger is that head (its first whole words,
 * {@link MIN_HEAD} characters at least, that no other rule's trigger or sample line holds, nor a
 * must-not-match sample of its own that lacks the whole trigger); the patterns are the rule's own, used
 * only through their cut-tolerant twins (the text must end after the head, anywhere inside the rest of the
 * trigger or after it), and only on a message without the whole trigger (a whole one is the rule's own).
 * The rule's conditions (`when`, `fragmentNeeds`) and its cause stay; a reading's finding is a fragment
 * whose values were all cut.
 */
import type { CompiledPattern, Rule } from '../types.js';
import { scanKeys } from '../parse/normalize.js';
import { MIN_HEAD, withCodeReadings } from './code-reading.js';
import { literalRuns } from './cut.js';
import { longestHeld } from './containment.js';
import { RuleTexts } from './rule-texts.js';
import { findTails, tailReading, type Tail } from './tail-reading.js';

/** A pattern that never matches: a head reading's own patterns (only their twins read, see the module comment). */
const NEVER = /(?!)/;

/**
 * The rule set with its code readings (`code-reading.ts`), head readings and tail readings (`tail-reading.ts`)
 * after it: what a matcher and its scan keys are made of.
 * @param heads the rule set's {@link findHeads}, when the build computed them for exactly these rules
 *   (finding them costs a small file's start ~20 ms, the ICU collator of `scanKeys()` included)
 * @param tails the rule set's `findTails`, likewise
 */
export function withReadings(
  rules: readonly Rule[],
  heads: readonly (readonly [number, string])[] = findHeads(rules),
  tails: readonly Tail[] = findTails(rules),
): readonly Rule[] {
  const all = withCodeReadings(rules);
  if (heads.length === 0 && tails.length === 0) return all;
  return [...all, ...heads.map(([i, head]) => headReading(rules[i]!, head)), ...tails.map(([i, tail]) => tailReading(rules[i]!, tail))];
}

/**
 * The head reading of `rule` whose trigger is `head`: its patterns' own expressions never match (only their
 * twins read), and only the patterns that read the bare trigger ({@link readingPatterns}).
 */
function headReading(rule: Rule, head: string): Rule {
  return { ...rule, trigger: head, headOf: rule.trigger, compiled: readingPatterns(rule).map((p) => ({ ...p, re: NEVER })) };
}

/**
 * The patterns a message cut inside the trigger is read with: those that match the bare trigger (a pattern for
 * one value, `failed to create OCSP request: (?<detail>no issuer certificate in chain)`, would otherwise read its
 * cause into a message that never showed the value), else all of them.
 */
function readingPatterns(rule: Rule): CompiledPattern[] {
  const bare = rule.trigger.trim();
  const general = rule.compiled.filter((p) => p.re.test(bare));
  return general.length > 0 ? general : rule.compiled;
}

/**
 * The heads of a rule set's readings, in rule order: one per cause or transport rule (a transport failure on
 * its own is a fragment too) whose trigger has a shorter head of its own ({@link headOf}); none for other
 * rules (a detail, a follower or a look-alike on its own is evidence of nothing),
 * nor for a rule whose trigger holds another rule's (its lines are found by the keys of the one it holds, and
 * its head would bring keys of its own to the scan: issue 15's tenfold rule sets are such copies).
 * @returns (index of the rule in `rules`, head) pairs
 */
export function findHeads(rules: readonly Rule[]): [number, string][] {
  const texts = new RuleTexts(rules);
  const held = longestHeld(rules.map((r) => r.trigger));
  const out: [number, string][] = [];
  rules.forEach((rule, i) => {
    if ((rule.role !== 'cause' && rule.role !== 'transport') || held[i]! >= 0) return;
    const trigger = rule.trigger.trim();
    // Only where a pattern writes the whole trigger as plain text: a cut-tolerant twin begins anywhere in it,
    // not only at the end of a group the trigger ends in (`SSLStapling: (?<detail>no stapling cache) available`).
    if (!readingPatterns(rule).some((p) => literalRuns(p.regex, 1).some((run) => run.includes(trigger)))) return;
    const whole = lower(trigger);
    const keys = scanKeys(rule.trigger);
    // A head the scan finds (it holds one of the trigger's keys) and that no other text holds: other rules'
    // texts and the rule's own must-not-match lines, but for those that hold the whole trigger (what keeps
    // them from the rule, its conditions or the line's other words, is the reading's too, or cut away).
    const counts = (t: number): boolean => !texts.isOwn(t, i) && !texts.text(t).includes(whole);
    const head = headOf(rule.trigger, (h) => keys.some((k) => h.includes(k)) && !texts.someHolds(lower(h), counts));
    if (head !== null) out.push([i, head]);
  });
  return out;
}

const lower = (s: string): string => s.toLowerCase();

/** What may end a message's trigger after its last word: a sentence's end marks, nothing else. */
const END_MARKS = /^[!?.]+$/;

/**
 * The shortest beginning of `trigger` that ends a word, has {@link MIN_HEAD} characters or more, leaves a
 * word of the trigger after it (or only the trigger's end mark, {@link END_MARKS}) and for which `fits`
 * holds; null when none.
 */
export function headOf(trigger: string, fits: (head: string) => boolean): string | null {
  const t = trigger.trim();
  const lead = trigger.length - trigger.trimStart().length;
  for (const m of t.matchAll(/[\p{L}\p{N}_](?=[^\p{L}\p{N}_])/gu)) {
    const head = t.slice(0, m.index + 1);
    if (head.length < MIN_HEAD) continue;
    // What the head leaves of the trigger holds a word, or is the sentence's end mark: a message that ends
    // with one (`can't retrieve issuer certificate!`, `response parse error??`) is quoted or retyped
    // without it. (A reading for ` (` alone would add a rule for a bare clause that other messages share.)
    const rest = t.slice(head.length);
    if (!/[\p{L}\p{N}]/u.test(rest) && !END_MARKS.test(rest)) return null;
    if (fits(trigger.slice(0, lead) + head)) return trigger.slice(0, lead) + head;
  }
  return null;
}

