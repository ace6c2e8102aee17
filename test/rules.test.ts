/**
 * The one generic rule test: every rule file in rules/ is loaded and each of its samples is run.
 * It fails on: a rule without positive samples; a positive sample that this rule does not match, or
 * matches with another cause or other values than stated, or that another rule wins; a negative
 * sample this rule matches; a pattern no positive sample exercises; two rules claiming one line with
 * the same priority; a duplicate sample. (Regexes are linted for catastrophic backtracking by the one
 * ReDoS linter, scslre, when rules load: `npm run build` for built-in rules, `--rules` for a user's.)
 */
import { createMatcher } from '../src/rules/match.js';
import { loadRules } from '../src/rules/load.js';
import type { Rule, RuleSample } from '../src/types.js';

const rules = await loadRules();
const matcher = createMatcher(rules);
const sampleCount = rules.reduce((n, r) => n + r.samples.match.length + r.samples.nomatch.length, 0);

// Shown in `npm test` output.
process.stdout.write(
  `rules: ${rules.length} rules, ${sampleCount} samples (${rules.reduce((n, r) => n + r.samples.match.length, 0)} positive)\n`,
);

test('the rule set is discovered (a broken glob cannot pass silently)', () => {
  expect(rules.length).toBeGreaterThanOrEqual(10);
});

const cases = rules.map((r) => [r.id, r] as const);

describe.each(cases)('rule %s', (_id, rule: Rule) => {
  test('has positive samples and no duplicate sample', () => {
    expect(rule.samples.match.length).toBeGreaterThan(0);
    const lines = [...rule.samples.match, ...rule.samples.nomatch].map((s) => s.line);
    expect(new Set(lines).size).toBe(lines.length);
  });

  test.each(rule.samples.match.map((s, i) => [i, s] as const))('positive sample %i matches as stated', (_i, sample: RuleSample) => {
    const hits = matcher.matchAll(sample.line);
    const own = hits.find((h) => h.rule.id === rule.id);
    if (!own)
      throw new Error(`not matched by ${rule.id}: ${sample.line}\n(matched by: ${hits.map((h) => h.rule.id).join(', ') || 'none'})`);
    // This rule must win, and no other rule may claim the line with the same priority.
    expect(hits[0]!.rule.id).toBe(rule.id);
    const ties = hits.filter((h) => h.rule.id !== rule.id && (h.rule.priority ?? 0) === (rule.priority ?? 0));
    expect(ties.map((h) => h.rule.id)).toEqual([]);
    expect(own.cause).toBe(sample.cause ?? rule.cause);
    if (sample.values) expect(own.values).toMatchObject(sample.values);
  });

  if (rule.samples.nomatch.length > 0) {
    test.each(rule.samples.nomatch.map((s, i) => [i, s] as const))('negative sample %i does not match', (_i, sample: RuleSample) => {
      expect(matcher.matchAll(sample.line).map((h) => h.rule.id)).not.toContain(rule.id);
    });
  }

  test('every pattern is exercised by a positive sample', () => {
    const used = new Set<number>();
    for (const s of rule.samples.match) {
      const hit = matcher.matchAll(s.line).find((h) => h.rule.id === rule.id);
      if (hit) used.add(rule.compiled.indexOf(hit.pattern));
    }
    const unused = rule.compiled.map((p, i) => (used.has(i) ? null : (p.name ?? p.regex))).filter((x) => x !== null);
    expect(unused).toEqual([]);
  });

  test('trigger is a single-line literal', () => {
    expect(rule.trigger).not.toMatch(/[\r\n]/);
  });
});

test('the prefilter anchors cover every trigger', () => {
  for (const r of rules) expect(matcher.anchors.some((a) => r.trigger.includes(a))).toBe(true);
});
