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
import { lessChopped } from '../src/parse/normalize.js';
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
    // The line as nginx wrote it, and with the path in typographic quotes (a copy through a word processor).
    const copies = [
      c.line,
      c.whole.certificate ? c.line.replace(`"${c.whole.certificate}"`, `\u201c${c.whole.certificate}\u201d`) : c.line,
    ];
    for (let p = c.from; p < c.line.length; p++) {
      for (const [marker, copy] of (boundaries.has(p) ? ['...', '\u2026', ' ...', ' [...]'] : ['...', '\u2026']).flatMap((x) =>
        copies.map((y) => [x, y] as const),
      )) {
        const line = copy.slice(0, p) + marker;
        const m = matcher.match(line, at).match;
        expect([line, m?.rule.id]).toEqual([line, c.rule.id]);
        const apart = marker.startsWith(' ');
        const tail = m!.cut?.tail;
        for (const k of KEYS) {
          const got = m!.values[k];
          const e = end[k];
          // A marker where the value begins stands for all of it: a redaction, read as written (what
          // follows it is not known to be cut).
          if (got !== undefined && got === marker.trim()) {
            expect([line, k, m!.cut?.redacted?.includes(k)]).toEqual([line, k, true]);
            break;
          }
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

/**
 * Apache's certificate suffix (`ssl_log_cxerror()`) in a line a paste cut inside it, with or without a marker,
 * and with or without a poster's words in another script after the cut: they are never part of a value
 * (`[subject: 警告` read no subject; `serial: 04AB 报错` the serial `04AB`).
 */
const SUFFIX_AT = ' [subject: ';
const FIELDS: [string, ValueName][] = [
  [' [subject: ', 'certSubject'],
  [' / issuer: ', 'certIssuer'],
  [' / serial: ', 'serial'],
  [' / notbefore: ', 'notBefore'],
  [' / notafter: ', 'notAfter'],
];

interface SuffixCase {
  rule: Rule;
  line: string;
  whole: Partial<Record<ValueName, string>>;
  /** Where each field's value begins and ends in the line. */
  spans: [ValueName, number, number][];
}

const suffixCases: SuffixCase[] = rules.flatMap((rule) =>
  rule.samples.match.flatMap((s) => {
    const line = s.line.trimEnd();
    const from = line.lastIndexOf(SUFFIX_AT);
    if (from === -1 || !line.endsWith(']')) return [];
    const m = matcher.match(line, at).match;
    if (m?.rule.id !== rule.id || m.cut) return [];
    const spans: [ValueName, number, number][] = [];
    let p = from;
    for (let k = 0; k < FIELDS.length; k++) {
      const start = line.indexOf(FIELDS[k]![0], p) + FIELDS[k]![0].length;
      const end = k + 1 < FIELDS.length ? line.indexOf(FIELDS[k + 1]![0], start) : line.length - 1;
      if (start < p || end === -1) return [];
      spans.push([FIELDS[k]![1], start, end]);
      p = end;
    }
    const whole = Object.fromEntries(FIELDS.map(([, n]) => [n, m.values[n]]));
    // (A serial Apache could not print, or a poster's, is no case of this: a hex serial, and plain DNs.)
    const plain = spans.every(([n, a, b]) => whole[n] === (n === 'serial' ? line.slice(a, b).toUpperCase() : line.slice(a, b)));
    return plain ? [{ rule, line, whole, spans }] : [];
  }),
);

/** A poster's markers where the paste ends, and words in another script after them (none, touching, after a blank or a dash). */
const MARKED: readonly [string, string][] = ['', '...', '\u2026'].flatMap((m) =>
  ['', ' 警告', '的警告', ' — ошибка', ' 오류'].map((w): [string, string] => [m, w]),
);

test('the rules give cases with a whole certificate suffix', () => {
  expect(suffixCases.length).toBeGreaterThanOrEqual(5);
});

describe.each(suffixCases.map((c) => [`${c.rule.id}: ${c.line.slice(c.spans[0]![1] - 10, c.spans[0]![1] + 30)}…`, c] as const))(
  '%s',
  (_name, c) => {
    test('cut anywhere in the suffix: the fields before the cut kept, the one it runs into partial, the rest said to be lost', () => {
      for (let p = c.spans[0]![1]; p < c.line.length - 1; p++) {
        // The marker, and a poster's words in another script after the cut (Apache writes none raw there).
        for (const [marker, words] of MARKED) {
          const line = c.line.slice(0, p) + marker + words;
          const m = matcher.match(line, at).match;
          expect([line, m?.rule.id]).toEqual([line, c.rule.id]);
          const tail = m!.cut?.tail;
          for (const [name, start, end] of c.spans) {
            const got = m!.values[name];
            if (p >= end + 3) expect([line, name, got, tail?.partial?.includes(name) ?? false]).toEqual([line, name, c.whole[name], false]);
            else if (got === undefined) expect([line, name, tail?.missing.includes(name)]).toEqual([line, name, true]);
            // A marker where the value begins stands for all of it: a redaction, read as written.
            else if (marker !== '' && got === marker)
              expect([line, name, m!.cut?.redacted?.includes(name), tail?.partial?.includes(name) ?? false]).toEqual([
                line,
                name,
                true,
                false,
              ]);
            else {
              // The field the cut runs into: a beginning of its own value, said to be partial.
              expect([line, name, p >= start, c.whole[name]!.toUpperCase().startsWith(got.toUpperCase())]).toEqual([
                line,
                name,
                true,
                true,
              ]);
              // (Unless the separator after it had begun, `CN=x /`: then it is whole, and not said to be partial.)
              const closed = p >= end + 2 && got === c.whole[name];
              expect([line, name, tail?.partial?.includes(name) ?? false]).toEqual([line, name, !closed]);
            }
          }
        }
      }
    });
  },
);

/**
 * `less -S` (journalctl's pager) chops a line at the screen's edge and puts `>` in its last column
 * (`lessChopped()` in `parse/normalize.ts`): read as a cut there (the mutation test chops every positive
 * sample at every character after its deciding part). A `>` that closes a `<`, or ends a poster's arrow, is
 * the text's own.
 */
describe('lessChopped', () => {
  test.each([
    ['a word chopped', '"ssl_stapling" ignored, no OCSP responder URL in the certif>', true],
    ['a blank under the mark', 'OCSP responder timed out while requesting certificate status, >', true],
    ['a tag closed', 'OCSP responder timed out while requesting certificate status</code>', false],
    ['a section named', 'SSLStaplingCache cannot occur within <VirtualHost> section <VirtualHost *:443>', false],
    ['an arrow', 'the log says OCSP responder timed out, then ->', false],
    ['a short text', 'DNS error (>', false],
  ])('%s', (_, text, want) => {
    expect(lessChopped(text)).toBe(want);
  });
  test('after a server prefix a short message is chopped too (the line is the screen’s row)', () => {
    expect(lessChopped('DNS error (>', 1)).toBe(true);
  });
});
