/**
 * The static prefilter plan the build writes (dist/builtin-plan.json, embedded in the bundle) must be
 * what the planner computes for the built-in triggers, and is used only for exactly that trigger list:
 * a stale or foreign plan could leave a trigger without an anchor, and its lines unread.
 */
import fs from 'node:fs';
import { AnchorPlanner, computePlan, usePrecomputedPlan, type PrecomputedPlan } from '../src/rules/prefilter.js';
import { loadRules } from '../src/rules/load.js';

const rules = await loadRules();
const triggers = [...new Set(rules.map((r) => r.trigger))];

test('the build wrote the plan the planner computes for the built-in triggers', () => {
  const built = JSON.parse(fs.readFileSync(new URL('../dist/builtin-plan.json', import.meta.url), 'utf8')) as PrecomputedPlan;
  expect(built).toEqual(computePlan(triggers));
  // every trigger contains a fingerprint and an anchor
  const bytes = triggers.map((t) => Buffer.from(t, 'utf8').toString('latin1'));
  expect(bytes.every((t) => built.fingerprints.some((f) => t.includes(f)))).toBe(true);
  expect(triggers.every((t) => built.anchors.some((a) => t.includes(a)))).toBe(true);
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
