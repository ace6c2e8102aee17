/**
 * `compareIds` orders rule ids exactly as `localeCompare` (ICU's root collation) does, while it skips the
 * collator for plain ids (lower-case ASCII letters, digits, `-`): rules are sorted by id at load and rule
 * hits on one line by id, and that order decides rule indexes and ties, so it must not move.
 */
import fc from 'fast-check';
import { loadRules } from '../src/rules/load.js';
import { compareIds } from '../src/types.js';

const sign = (n: number): number => Math.sign(n);
const plainId = fc.stringMatching(/^[a-z0-9-]{0,12}$/);

test('plain ids: code-point order is ICU order', () => {
  fc.assert(
    fc.property(plainId, plainId, (a, b) => {
      expect(sign(compareIds(a, b))).toBe(sign(a.localeCompare(b)));
    }),
    { numRuns: 20000 },
  );
});

test('any ids (upper case, underscores, dots, non-ASCII): the order is localeCompare’s', () => {
  const anyId = fc.oneof(plainId, fc.string({ maxLength: 12 }), fc.stringMatching(/^[A-Za-z0-9_.\-é]{0,10}$/));
  fc.assert(
    fc.property(anyId, anyId, (a, b) => {
      expect(sign(compareIds(a, b))).toBe(sign(a.localeCompare(b)));
    }),
    { numRuns: 20000 },
  );
});

test('the built-in rules come in localeCompare order of their ids', async () => {
  const ids = (await loadRules()).map((r) => r.id);
  expect(ids).toEqual([...ids].sort((a, b) => a.localeCompare(b)));
  expect(ids.some((id) => id.includes('-'))).toBe(true);
});
