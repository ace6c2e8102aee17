/**
 * A message quoted or retyped without the mark that ends it. mod_ssl and mod_gnutls end some messages
 * with `!` or `??` (`AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate!`, `response parse
 * error??`), and the rule's trigger ends with that mark; a poster who types the message into a sentence
 * or a title, or a terminal that cuts the line right before it, leaves it out. Such a line held no
 * trigger when the trigger's last word was also the first one a head reading could stop at
 * (`head-reading.ts`: a head leaves a word of the trigger after it): it read nothing. Now a head may
 * leave only the end mark.
 *
 * Generated from every rule whose trigger ends with such a mark after a word: each of its positive
 * samples, cut right after the trigger's last word (the mark and all after it gone), is read by that rule
 * as a fragment, with the cause of the sample or the rule's own (what decided the sample's cause, a
 * certificate suffix, may be cut away). No line here is written by hand.
 */
import { analyze } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';

const rules = await loadRules();
const matcher = createMatcher(rules);
const at = { file: '-', line: 1 };

/** A trigger's end mark after its last word (`!`, `??`), or null. */
function endMark(trigger: string): string | null {
  return /[\p{L}\p{N}_]([!?.]+)\s*$/u.exec(trigger)?.[1] ?? null;
}

/** Rules whose trigger ends with an end mark, and their samples cut before it. */
const cases = rules.flatMap((rule) => {
  const mark = endMark(rule.trigger);
  if (mark === null || (rule.role !== 'cause' && rule.role !== 'transport')) return [];
  const words = rule.trigger.trimEnd().slice(0, -mark.length);
  return rule.samples.match.flatMap((s, i) => {
    const whole = matcher.match(s.line, at).match;
    const k = s.line.indexOf(words);
    if (whole?.rule.id !== rule.id || k < 0) return [];
    return [{ rule, sample: i, line: s.line.slice(0, k + words.length), causes: new Set([whole.cause, rule.cause]) }];
  });
});

/** The ids of the rules the cases come from. */
const ruleIds = new Set(cases.map((c) => c.rule.id));

test('the rules with such a trigger give cases (mod_ssl AH02217 and its cache messages among them)', () => {
  expect(ruleIds.size).toBeGreaterThanOrEqual(3);
  expect([...ruleIds]).toContain('apache-issuer-not-found');
});

test.each(cases.map((c) => [`${c.rule.id}#${c.sample}`, c] as const))(
  '%s without its end mark is read by its rule, as a fragment',
  (_, c) => {
    const m = matcher.match(c.line, at).match;
    expect({ line: c.line, rule: m?.rule.id }).toEqual({ line: c.line, rule: c.rule.id });
    expect(c.causes).toContain(m!.cause);
    expect(m!.cut).toBeDefined();
  },
);

test.each(cases.map((c) => [`${c.rule.id}#${c.sample}`, c] as const))('%s without its end mark is a finding of the analyzer', (_, c) => {
  const report = analyze([c.line], rules, { now: new Date('2026-12-01T00:00:00Z') });
  expect(report.findings.map((f) => f.ruleIds)).toEqual([[c.rule.id]]);
});
