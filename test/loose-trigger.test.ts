/**
 * `holdsLooseTrigger` answers exactly what `looseTriggerPattern(trigger).test(text)` answers; it only
 * skips compiling the pattern when the text cannot hold the trigger. Checked for every built-in trigger
 * on texts made from the trigger itself (case changed, blanks and quotes dropped or doubled, cut short,
 * inside other text) and on arbitrary text.
 */
import fc from 'fast-check';
import { loadRules } from '../src/rules/load.js';
import { holdsLooseTrigger, looseTriggerPattern, normalizeText } from '../src/parse/normalize.js';

const triggers = [...new Set((await loadRules()).map((r) => r.trigger))];

/** A variant of a trigger as pasted text shows it. */
const variant = (t: string): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.array(fc.constantFrom('keep', 'upper', 'lower', 'drop-blank', 'drop-quote', 'swap-quote', 'cut'), { maxLength: 4 }),
      fc.string({ maxLength: 8 }),
      fc.string({ maxLength: 8 }),
      fc.nat(),
    )
    .map(([edits, before, after, n]) => {
      let s = t;
      for (const e of edits) {
        if (e === 'upper') s = s.toUpperCase();
        else if (e === 'lower') s = s.toLowerCase();
        else if (e === 'drop-blank') s = s.replace(/ /, '');
        else if (e === 'drop-quote') s = s.replace(/["']/, '');
        else if (e === 'swap-quote') s = s.replace(/"/, "'");
        else if (e === 'cut') s = s.slice(0, n % (s.length + 1));
      }
      return `${before}${s}${after}`;
    });

test('the same answer as the pattern, for every built-in trigger', () => {
  expect(triggers.length).toBeGreaterThan(50);
  fc.assert(
    fc.property(
      fc.constantFrom(...triggers).chain((t) => fc.tuple(fc.constant(t), fc.oneof(variant(t), fc.string({ maxLength: 40 })))),
      ([t, raw]) => {
        const text = normalizeText(raw).text;
        expect(holdsLooseTrigger(text, t)).toBe(looseTriggerPattern(t).test(text));
      },
    ),
    { numRuns: 20000 },
  );
});

test('texts that hold the trigger in another case or without its quotes are found', () => {
  const quoted = triggers.find((t) => /"/.test(t) && !/["']$/.test(t.trim())); // a quote that ends the trigger stays
  expect(quoted).toBeDefined();
  const text = normalizeText(`x ${quoted!.replace(/"/g, '').toUpperCase()} y`).text;
  expect(holdsLooseTrigger(text, quoted!)).toBe(true);
});
