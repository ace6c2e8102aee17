/**
 * `src/rules/containment.ts`: which trigger texts hold which, shared by the matcher's key sharing and the
 * prefilter's absence propagation. Checked against the pairwise definition on generated trigger sets that
 * hold each other often (a small alphabet, texts cut from one another), and on the built-in scan keys.
 */
import fc from 'fast-check';
import { holdersOf, longestHeld } from '../src/rules/containment.js';
import { loadRules } from '../src/rules/load.js';
import { prefilterKeys } from '../src/rules/match.js';

/** The definition: every strictly longer text that includes it, ascending. */
function pairwise(texts: readonly string[]): number[][] {
  return texts.map((a, i) => texts.flatMap((b, j) => (j !== i && b.length > a.length && b.includes(a) ? [j] : [])));
}

/** The definition: the longest held text, the higher index of two as long. */
function longestPairwise(texts: readonly string[]): number[] {
  return texts.map((t) => {
    let best = -1;
    texts.forEach((a, i) => {
      if (a.length < t.length && t.includes(a) && (best < 0 || a.length >= texts[best]!.length)) best = i;
    });
    return best;
  });
}

/** Trigger-like sets: words over a tiny alphabet, plus substrings cut from them (so containment is common). */
const triggerSets = fc
  .array(fc.stringMatching(/^[ab ]{0,12}$/), { minLength: 1, maxLength: 12 })
  .chain((base) =>
    fc
      .array(fc.tuple(fc.nat(base.length - 1), fc.nat(12), fc.nat(12)), { maxLength: 8 })
      .map((cuts) => [...base, ...cuts.map(([k, s, n]) => base[k]!.slice(s, s + n))]),
  );

test('holdersOf gives every strictly longer text that contains each text, ascending', () => {
  fc.assert(
    fc.property(triggerSets, (texts) => expect(holdersOf(texts)).toEqual(pairwise(texts))),
    { numRuns: 500 },
  );
});

test('longestHeld gives the longest text each one holds (the later of two as long), or -1', () => {
  fc.assert(
    fc.property(triggerSets, (texts) => expect([...longestHeld(texts)]).toEqual(longestPairwise(texts))),
    { numRuns: 500 },
  );
});

test('on the built-in scan keys, as text and as UTF-8 bytes, both agree with the definition', async () => {
  const keys = prefilterKeys(await loadRules());
  const bytes = keys.map((t) => Buffer.from(t, 'utf8').toString('latin1'));
  expect(holdersOf(keys)).toEqual(pairwise(keys));
  expect(holdersOf(bytes)).toEqual(pairwise(bytes));
  expect(holdersOf(bytes).some((h) => h.length > 0)).toBe(true); // the set does hold nested keys
});
