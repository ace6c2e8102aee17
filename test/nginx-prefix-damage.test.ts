/**
 * nginx lines whose prefix a log or a paste damaged (`nginxPrefixDamaged()`: tabs or doubled blanks, the
 * time cut off, a label in front of the pid, the pid taken out, the connection number alone): every rule
 * sample of nginx, positive and negative, must give the plain line's causes. The negatives that matter
 * most are the client connection's OCSP checks (`ssl_ocsp`, `*N` before the message): read without their
 * connection number, they became stapling failures (`parse/formats.ts` looseNginx).
 */
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import { parseLine } from '../src/parse/line.js';
import { joinLines } from './helpers/join-lines.js';
import { nginxPrefixDamaged } from './helpers/variants.js';

const rules = await loadRules({ tie: 'samples' });
const matcher = createMatcher(rules, { now: new Date('2026-06-01T00:00:00') });
const causes = (lines: readonly string[]): string[] =>
  joinLines(matcher, lines, 'pasted')
    .flatMap((r) => (r.match ? [r.match.cause as string] : []))
    .sort();

const samples = rules.flatMap((rule) =>
  [...rule.samples.match, ...rule.samples.nomatch].map((s) => s.line).filter((l) => !/[\r\n]/.test(l) && nginxPrefixDamaged(l).length > 0),
);
const kinds = nginxPrefixDamaged('2026/01/01 00:00:00 [error] 1#1: *2 x').map((v) => v.kind);

test('the samples hold nginx lines of client connections (with *N) and without', () => {
  expect(samples.filter((l) => /#\d+: \*\d+ /.test(l)).length).toBeGreaterThan(20);
  expect(samples.length).toBeGreaterThan(200);
});

test.each(kinds)('%s: the causes of the plain line, for every nginx sample', (kind) => {
  const failures: string[] = [];
  let compared = 0;
  for (const line of new Set(samples)) {
    const v = nginxPrefixDamaged(line).find((x) => x.kind === kind);
    if (!v) continue;
    compared++;
    const want = causes([line]);
    const got = causes(v.lines);
    if (JSON.stringify(got) !== JSON.stringify(want))
      failures.push(`${JSON.stringify(v.lines[0])}: ${got.join(',') || '-'} instead of ${want.join(',') || '-'}`);
  }
  expect(compared).toBeGreaterThan(20);
  expect(failures.slice(0, 10)).toEqual([]);
});

test.each([
  [
    'a tab after the level',
    '2026/11/23 02:16:56 [error]\t5354#5354: *12 OCSP responder timed out',
    { pid: 5354, connectionId: 12, level: 'error' },
  ],
  ['the time cut off', '5354#5354: *12 OCSP responder timed out', { pid: 5354, connectionId: 12 }],
  ['the connection number alone', '*12 OCSP responder timed out', { pid: null, connectionId: 12 }],
  ['the pid taken out', '2026/11/23 02:16:56 [error] *12 OCSP responder timed out', { connectionId: 12, level: 'error' }],
  ['a stapling line without a connection', 'web-7f9c 5354#5354: OCSP responder timed out', { pid: 5354, connectionId: null }],
])('%s: read as nginx’s, with its pid and connection number', (_, line, want) => {
  expect(parseLine(line)).toMatchObject({ server: 'nginx', message: 'OCSP responder timed out', ...want });
});

test.each([
  ['a number and # in prose', 'I counted 5 #5 times: OCSP responder timed out'],
  ['a footnote star in prose', 'see *1 below: OCSP responder timed out'],
  ['an Apache line’s own text', '(70007)The timeout specified has expired: AH01977: failed reading line from OCSP server'],
])('%s: not read as nginx’s', (_, line) => {
  expect(parseLine(line).connectionId).toBeNull();
});
