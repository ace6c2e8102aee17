/**
 * nginx's stapling context in a line a poster cut short with a marker (`…, responder: ocsp.digic...`):
 * the values written whole before the cut are read; a path cut inside its quotes is lost and said to be;
 * an unquoted value the marker touches may be whole (`responder: ocsp.startssl.com…`, older nginx ends
 * there) or cut, so it is kept as written and said to be partial, never passed off as whole
 * (`nginxOcspContextCut()` in `src/parse/context.ts`). Generated from every rule sample with the
 * context, cut at every character of it, with each marker, touching the text or apart from it. No line
 * here is written by hand.
 */
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import type { Rule, ValueName } from '../src/types.js';

const rules = await loadRules();
const matcher = createMatcher(rules);
const at = { file: '-', line: 1 };
const ACTION = ' while requesting certificate status, responder: ';
const KEYS: ValueName[] = ['responder', 'peer', 'certificate'];

interface Case {
  rule: Rule;
  line: string;
  /** The context's values read from the whole line. */
  whole: Partial<Record<ValueName, string>>;
  /** Where the context begins (after the action and `, responder: `). */
  from: number;
}

const cases: Case[] = rules.flatMap((rule) =>
  rule.samples.match.flatMap((s) => {
    const from = s.line.indexOf(ACTION);
    if (from === -1 || s.line.lastIndexOf(ACTION) !== from) return [];
    const m = matcher.match(s.line, at).match;
    if (m?.rule.id !== rule.id || m.cut) return [];
    const whole = Object.fromEntries(KEYS.filter((k) => m.values[k] !== undefined).map((k) => [k, m.values[k]]));
    // (Lines whose context holds more than nginx writes, a client's, are not this case.)
    return whole.responder && s.line.trimEnd().endsWith(whole.certificate ? `"${whole.certificate}"` : (whole.peer ?? whole.responder))
      ? [{ rule, line: s.line.trimEnd(), whole, from: from + ACTION.length }]
      : [];
  }),
);

/** Where each value of the whole line ends in it (the end of its text, the closing quote included), in nginx's order. */
function ends(c: Case): Partial<Record<ValueName, number>> {
  const out: Partial<Record<ValueName, number>> = {};
  let from = c.from;
  for (const k of KEYS) {
    const v = c.whole[k];
    if (v === undefined) continue;
    const text = k === 'certificate' ? `"${v}"` : v;
    out[k] = c.line.indexOf(text, from) + text.length;
    from = out[k]!;
  }
  return out;
}

test('the rules give cases with a peer and a certificate', () => {
  expect(cases.length).toBeGreaterThanOrEqual(10);
  expect(cases.filter((c) => c.whole.peer && c.whole.certificate).length).toBeGreaterThanOrEqual(5);
});

describe.each(cases.map((c) => [`${c.rule.id}: ${c.line.slice(c.from - 12)}`, c] as const))('%s', (_name, c) => {
  test('cut anywhere in the context: a piece of a value only said to be partial; the whole ones kept; the lost ones said', () => {
    const end = ends(c);
    // A marker touching the text may fall anywhere (a cut in a word); one apart from it, where a poster
    // stops at a boundary: right after a value, or after the `, ` before a key.
    const boundaries = new Set([...Object.values(end), ...[...c.line.matchAll(/, /g)].map((x) => x.index + 2)]);
    for (let p = c.from; p < c.line.length; p++) {
      for (const marker of boundaries.has(p) ? ['...', '\u2026', ' ...', ' [...]'] : ['...', '\u2026']) {
        const line = c.line.slice(0, p) + marker;
        const m = matcher.match(line, at).match;
        expect([line, m?.rule.id]).toEqual([line, c.rule.id]);
        const apart = marker.startsWith(' ');
        const tail = m!.cut?.tail;
        for (const k of KEYS) {
          const got = m!.values[k];
          const e = end[k];
          // Its own whole value, or a piece of it said to be partial (kept as written), or none.
          if (got !== undefined && got !== c.whole[k]) expect([line, k, got, tail?.partial?.includes(k)]).toEqual([line, k, got, true]);
          if (got !== undefined) expect([line, k, c.whole[k]!.startsWith(got)]).toEqual([line, k, true]);
          if (e === undefined) continue;
          // Written whole before the cut, and closed (by `, `, its quote, or a blank before the marker): read, not partial.
          const whole = p >= e + 1 || (p === e && (apart || k === 'certificate'));
          if (whole) expect([line, k, got, tail?.partial?.includes(k) ?? false]).toEqual([line, k, c.whole[k], false]);
          // Not read: said to be lost (nginx always writes the responder and the certificate; a peer cut in its path).
          else if (got === undefined && k !== 'peer') expect([line, k, tail?.missing.includes(k)]).toEqual([line, k, true]);
        }
      }
    }
  });
});
