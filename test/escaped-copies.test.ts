/**
 * Lines copied in an escaped form (issue 10, class 1): HTML character references (a page's source, a
 * scraper, a forum that escapes twice) and JSON string escapes (a record shown pretty-printed, a piece
 * of one without its braces, rsyslog's `\/`, a logfmt value). The mutation test checks that every
 * sample keeps its cause in these forms; this one checks the decoding itself and that the values
 * (certificate, responder, subject …) come out as the plain line's, for every positive sample; and the
 * same for a line a paste enclosed whole (inline code, quotes, brackets: `parse/line.ts` enclosedEnd),
 * put in markup (HTML, BBCode, a table row: `parse/wrappers.ts` unmarked), or copied with odd blanks
 * for its spaces (a web page's no-break spaces: `parse/line.ts` parseLine, the matcher's scan keys), or
 * held in a row or a list (a CSV export's field, a JSON array, a Python list: `parse/line.ts` enclosedLine).
 */
import { Readable } from 'node:stream';
import { loadRules } from '../src/rules/load.js';
import { analyzeStream } from '../src/run/stream.js';
import type { Report } from '../src/findings/analyzer.js';
import type { FindingData } from '../src/types.js';
import { createMatcher } from '../src/rules/match.js';
import { unescaped } from '../src/parse/normalize.js';
import { jsonMemberValue } from '../src/parse/wrappers.js';
import { parseLine } from '../src/parse/line.js';
import { joinLines } from './helpers/join-lines.js';
import {
  ellipsisAfter,
  enclosed,
  escapedCopies,
  inContainers,
  invisibleMarks,
  markedUp,
  oddBlanks,
  requoted,
  type Variant,
} from './helpers/variants.js';

describe('unescaped(): HTML references and JSON escapes decoded, nothing else', () => {
  test.each([
    ['named references', '&quot;ssl_stapling&quot; ignored, can&#39;t &lt;x&gt; &amp; y', `"ssl_stapling" ignored, can't <x> & y`],
    ['numeric, decimal and hex', '&#34;/etc/a.pem&#x22; &#X27;b&#39;', `"/etc/a.pem" 'b'`],
    ['escaped twice (a forum)', '&amp;quot;/etc/a.pem&amp;quot;', '"/etc/a.pem"'],
    ['a reference to a control character stays as written', 'a &#27;[31m b &#x7f; c', 'a &#27;[31m b &#x7f; c'],
    ['an unknown name stays', '&copy; &foo; & x', '&copy; &foo; & x'],
    ['JSON escapes with an escaped quote', 'certificate: \\"C:\\\\nginx\\\\a.pem\\"\\n', 'certificate: "C:\\nginx\\a.pem" '],
    ['rsyslog escapes every slash', 'certificate: \\/etc\\/ssl\\/a.pem', 'certificate: /etc/ssl/a.pem'],
    ['a \\u escape; a control character becomes a blank', 'a \\u0022b\\u0022 \\u001b[31m', 'a "b"  [31m'],
    [
      'a Windows path without any JSON escape is not touched',
      'certificate: "C:\\nginx\\conf\\a.pem"',
      'certificate: "C:\\nginx\\conf\\a.pem"',
    ],
  ])('%s', (_what, text, want) => {
    expect(unescaped(text)).toBe(want);
  });
});

describe('jsonMemberValue(): the string value of a JSON member that starts a line, or of a logfmt message', () => {
  test.each([
    ['a pretty-printed member', '  "message": "2026/01/01 a \\"b\\"",', '2026/01/01 a "b"'],
    ['a piece of a record without braces', '"log":"x y\\n","stream":"stderr","time":"2026-01-01T00:00:00Z"', 'x y\n'],
    ['a value cut before its closing quote', '"message": "a \\"b', 'a "b'],
    ['an invalid escape: decoded as far as it goes', '"msg": "a \\q \\"b\\""', 'a \\q "b"'],
    ['a logfmt line’s message', 'ts=2026-01-01T00:00:00Z level=error caller="a b" msg="x \\"y\\"" extra=1', 'x "y"'],
  ])('%s', (_what, line, want) => {
    expect(jsonMemberValue(line)).toBe(want);
  });
  test.each([
    ['not a member', '"ssl_stapling" ignored, issuer certificate not found'],
    ['a member whose value is not a string', '"count": 3,'],
    ['a server line', '2026/01/01 00:00:00 [warn] 1#1: "ssl_stapling" ignored'],
    ['a server line with a key=value in it', '2026/01/01 00:00:00 [error] 1#1: *1 x, client: 1.2.3.4, request: "GET /?msg=\\"a\\""'],
    ['logfmt without a message pair', 'ts=2026-01-01T00:00:00Z level=error caller="a b"'],
  ])('%s: null', (_what, line) => {
    expect(jsonMemberValue(line)).toBeNull();
  });
  test('the inner line is parsed with its own time, pid and level', () => {
    const p = parseLine(
      `  "message": ${JSON.stringify('2020/01/01 10:00:00 [warn] 7#7: "ssl_stapling" ignored, issuer certificate not found')},`,
    );
    expect(p).toMatchObject({ server: 'nginx', time: '2020-01-01T10:00:00', pid: 7, level: 'warn', wrapper: 'text' });
    expect(p.message).toBe('"ssl_stapling" ignored, issuer certificate not found');
  });
});

const rules = await loadRules({ tie: 'samples' });
const matcher = createMatcher(rules, { now: new Date('2026-06-01T00:00:00') });

/**
 * How a row of the values test compares: `marked`, the copy's invisible marks are taken out of its values
 * first; `requotes`, quotes inside a free text may differ; `min`, the fewest cases (and twice as many values).
 */
type RowOptions = { marked?: boolean; requotes?: boolean; min?: number };
const ROWS: [what: string, variants: (line: string) => Variant[], row?: RowOptions][] = [
  ['copied escaped', escapedCopies],
  ['enclosed whole in a paste (inline code, quotes, brackets)', enclosed],
  ['in the markup of a page or forum (HTML, BBCode, a table row)', markedUp],
  ["followed by a poster's cut marker", ellipsisAfter],
  ['copied with odd blanks for its spaces (no-break, narrow, ideographic)', oddBlanks],
  ['in a row, a list or an object (a CSV field, a JSON array, a Python list, an object’s value)', inContainers],
  ['copied with invisible characters (zero-width spaces, bidirectional marks)', invisibleMarks, { marked: true }],
  // (Four forms, of the samples with quotes only: fewer cases.)
  ['with its quotes written another way (mojibake, single quotes, code marks)', requoted, { requotes: true, min: 500 }],
];

describe.each(ROWS)('every positive sample, %s, gives the values of the plain line', (_what, variants, row = {}) => {
  const { marked = false, requotes = false, min = 1000 } = row;
  const matchOf = (lines: readonly string[], cause: string) =>
    joinLines(matcher, lines, 'pasted').find((r) => r.match?.cause === cause)?.match ?? null;
  const cases = rules.flatMap((rule) =>
    rule.samples.match
      .filter((s) => !s.line.includes('\n'))
      .flatMap((s) => variants(s.line).map((v) => ({ rule: rule.id, line: s.line, cause: s.cause ?? rule.cause, v }))),
  );
  test('values equal, and the comparison covers many values', () => {
    let values = 0;
    const failures: string[] = [];
    for (const c of cases) {
      const plain = matchOf([c.v.of ?? c.line], c.cause);
      if (!plain) continue; // a sample whose cause needs its neighbours: the mutation test covers it
      const got = matchOf(c.v.lines, c.cause);
      values += Object.keys(plain.values).length;
      // A line read as the server's (a clean prefix, no mark in a trigger's words) keeps its marks in its values.
      const text = JSON.stringify(got?.values ?? null);
      // A retyped line's quotes stay as written inside a free text (`errorText`: `… resolve 'r3.o.lencr.org'`).
      const alike = (t: string): string => (requotes ? t.replace(/\\"|['`]/g, "'") : t);
      if (alike(marked ? unmarked(text) : text) !== alike(JSON.stringify(plain.values)))
        failures.push(`${c.rule} ${c.v.kind}: ${JSON.stringify(got?.values)} instead of ${JSON.stringify(plain.values)}`);
    }
    expect(cases.length).toBeGreaterThan(min);
    expect(values).toBeGreaterThan(2 * min);
    expect(failures.slice(0, 20)).toEqual([]);
  });
});

/** Text without the invisible characters {@link invisibleMarks} puts in. */
const unmarked = (text: string): string => text.replace(/[\u200b\u200e\u2066\u2069\u202a\u202c]/g, '');

describe('through the byte scanner: every positive sample copied with invisible characters gives the findings of the plain lines', () => {
  const lines = rules.flatMap((r) => r.samples.match.map((s) => s.line)).filter((l) => !/[\n\r]/.test(l));
  const scan = (text: string) => analyzeStream(Readable.from([Buffer.from(text)]), rules, { name: 'pasted' });
  // Everything but the evidence's file and the marks: a line read as the server's keeps them (and its id with them).
  const view = (r: Report<FindingData>): unknown =>
    JSON.parse(
      unmarked(JSON.stringify(r.findings.map(({ id: _id, ...f }) => ({ ...f, evidence: f.evidence.map((e) => ({ ...e, file: null })) })))),
    );
  test.each(invisibleMarks('x').map((v, i) => [v.kind, i] as const))('%s', async (_kind, i) => {
    const plain = await scan(lines.join('\n'));
    const copied = await scan(lines.map((l) => invisibleMarks(l)[i]!.lines[0]).join('\n'));
    expect(plain.findings.length).toBeGreaterThan(100);
    expect(view(copied)).toEqual(view(plain));
  });
});

describe('through the byte scanner: every positive sample in a Markdown copy gives the findings of the plain lines', () => {
  // The scan keys hold underscores (`SSL_CTX_get`), which a Markdown editor escapes: the scanner looks for the escaped forms too.
  const lines = rules.flatMap((r) => r.samples.match.map((s) => s.line)).filter((l) => !/[\n\r]/.test(l));
  const scan = (text: string) => analyzeStream(Readable.from([Buffer.from(text)]), rules, { name: 'pasted' });
  // Everything but the evidence's file and text (the copy's own line, escapes and all).
  const view = (r: Report<FindingData>): unknown =>
    r.findings.map(({ id: _id, ...f }) => ({ ...f, evidence: f.evidence.map((e) => ({ ...e, file: null, text: null })) }));
  // A blank line between the lines: the joiner wants no line after a blank one, so each copy is delivered for its own keys.
  test.each(['Markdown-escaped by an editor', 'underscores Markdown-escaped by the poster'])('%s', async (kind) => {
    const copy = (l: string): string => escapedCopies(l).find((v) => v.kind === kind)?.lines[0] ?? l;
    const plain = await scan(lines.join('\n\n'));
    const copied = await scan(lines.map(copy).join('\n\n'));
    expect(plain.findings.length).toBeGreaterThan(100);
    expect(view(copied)).toEqual(view(plain));
  });
});
