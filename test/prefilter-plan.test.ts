/**
 * The static prefilter plan the build writes (dist/builtin-plan.json, embedded in the bundle) must be
 * what the planner computes for the matcher's scan keys of the built-in rules, and is used only for
 * exactly that list: a stale or foreign plan could leave a trigger without an anchor, and its lines
 * unread; a plan of another list (the triggers, before the matcher planned over scan keys) is never
 * found, and every start plans again (measured: 25 ms of the bundle's start on a small file).
 */
import fs from 'node:fs';
import { AnchorPlanner, computePlan, usePrecomputedPlan, type PrecomputedPlan } from '../src/rules/prefilter.js';
import { loadRules } from '../src/rules/load.js';
import { computeScanKeys, createMatcher, keySignature, prefilterKeys } from '../src/rules/match.js';

const rules = await loadRules();
const triggers = prefilterKeys(rules);

test('the build wrote the plan the planner computes for the built-in scan keys', () => {
  const built = JSON.parse(fs.readFileSync(new URL('../dist/builtin-plan.json', import.meta.url), 'utf8')) as PrecomputedPlan;
  const { scanKeys: _keys, ...plan } = built;
  expect(plan).toEqual(computePlan(triggers));
  // every trigger contains a fingerprint and an anchor
  const bytes = triggers.map((t) => Buffer.from(t, 'utf8').toString('latin1'));
  expect(bytes.every((t) => built.fingerprints.some((f) => t.includes(f)))).toBe(true);
  expect(triggers.every((t) => built.anchors.some((a) => t.includes(a)))).toBe(true);
});

test("the plan's list is the one the matcher's prefilter plans over", () => {
  const built = JSON.parse(fs.readFileSync(new URL('../dist/builtin-plan.json', import.meta.url), 'utf8')) as PrecomputedPlan;
  const bytes = built.triggers.map((t) => Buffer.from(t, 'utf8').toString('latin1'));
  expect(createMatcher(rules).prefilter.triggerBytes).toEqual(bytes);
});

test("the build stored the matcher's scan keys of the built-in rules, under their signature", () => {
  const built = JSON.parse(fs.readFileSync(new URL('../dist/builtin-plan.json', import.meta.url), 'utf8')) as PrecomputedPlan;
  expect(built.scanKeys).toEqual(computeScanKeys(rules));
  expect(built.scanKeys!.keys).toEqual(built.triggers);
  // Other rules (one pattern changed) have another signature: their keys are computed, never taken from the build.
  const edited = rules.map((r, i) => (i === 0 ? { ...r, patterns: [{ ...r.patterns[0]!, regex: `${r.patterns[0]!.regex}x` }] } : r));
  expect(keySignature(edited)).not.toBe(built.scanKeys!.signature);
});

test('a precomputed plan is used only for its own trigger list', () => {
  const list = ['could not be resolved', 'OCSP responder timed out', 'stapling_renew_response'];
  const fake: PrecomputedPlan = {
    triggers: list,
    fingerprints: ['zzzz'],
    anchors: ['zzzz'],
    containers: [[], [], []],
    containerOffsets: [[], [], []],
  };
  usePrecomputedPlan(fake);
  expect(new AnchorPlanner(list).fingerprints()).toEqual(['zzzz']);
  const other = [...list, 'AH01941'];
  expect(new AnchorPlanner(other).fingerprints()).toEqual(computePlan(other).fingerprints);
  expect(new AnchorPlanner(other).fingerprints()).not.toContain('zzzz');
});

// Rules written for a more specific form of a message (the trigger with more text after it, before it, or
// both) are found by the keys of the trigger they hold: the scan looks for no string more (issue 15: ten
// times the rules cost 90 fingerprints instead of 67), and each sample line, rewritten to the longer
// trigger, is still a candidate of its rule.
test.each([
  ['text after it', (t: string, i: number) => `${t}#${i}`],
  ['a word after it', (t: string, i: number) => `${t} variant${i}`],
  ['text before it', (t: string, i: number) => `x${i}_${t}`],
  ['text before and after it', (t: string, i: number) => `x${i}_${t}#${i}`],
])('a trigger holding another trigger adds no scan key (%s)', (_name, longer) => {
  const more = rules.flatMap((r) => [1, 2, 3].map((i) => ({ ...r, id: `${r.id}-more-${i}`, trigger: longer(r.trigger, i) })));
  const keys = computeScanKeys([...rules, ...more]).keys;
  expect(new Set(keys)).toEqual(new Set(computeScanKeys(rules).keys));
  const matcher = createMatcher([...rules, ...more]);
  let checked = 0;
  for (const r of more) {
    const real = rules.find((o) => r.id.startsWith(`${o.id}-more-`))!;
    const line = real.samples.match[0]!.line.replace(real.trigger, r.trigger);
    if (!line.includes(r.trigger)) continue; // a sample that holds the trigger only once normalised
    expect(matcher.candidates(line).map((c) => c.id)).toContain(r.id);
    checked++;
  }
  expect(checked).toBeGreaterThan(more.length / 2);
});
