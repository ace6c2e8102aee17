/**
 * Lines whose prefix a log or a paste damaged: tabs or doubled blanks, the time cut off, a label in front,
 * the pid taken out, nginx's connection number alone (`nginxPrefixDamaged()`), Apache's message alone with
 * its source mark (`apachePrefixDamaged()`). Every rule sample of the server, positive and negative, must
 * give the plain line's causes. The negatives that matter most: nginx's client-connection OCSP checks
 * (`ssl_ocsp`, `*N` before the message), which read without their connection number became stapling
 * failures (`parse/formats.ts` looseNginx), and Apache's debug lines, whose level (`[ssl:debug]`, or the
 * source mark only debug lines carry) keeps them off the failure rules (`parseSpacedPrefix`, `SOURCE_MARK`).
 */
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import { APACHE_LEAD, parseLine } from '../src/parse/line.js';
import { joinLines } from './helpers/join-lines.js';
import { apachePrefixDamaged, headCuts, nginxPrefixDamaged, type Variant } from './helpers/variants.js';

const rules = await loadRules({ tie: 'samples' });
const matcher = createMatcher(rules, { now: new Date('2026-06-01T00:00:00') });
const causes = (lines: readonly string[]): string[] =>
  joinLines(matcher, lines, 'pasted')
    .flatMap((r) => (r.match ? [r.match.cause as string] : []))
    .sort();

const lines = [...new Set(rules.flatMap((rule) => [...rule.samples.match, ...rule.samples.nomatch].map((s) => s.line)))].filter(
  (l) => !/[\r\n]/.test(l),
);

describe.each([
  ['nginx', nginxPrefixDamaged, '2026/01/01 00:00:00 [error] 1#1: *2 x'],
  ['Apache', apachePrefixDamaged, '[Mon Jan 01 00:00:00.000000 2026] [ssl:debug] [pid 1:tid 2] a.c(1): x'],
] as const)('%s', (_server, damaged: (line: string) => Variant[], model) => {
  const samples = lines.filter((l) => damaged(l).length > 0);
  test('the samples hold many lines, negatives among them', () => {
    expect(samples.length).toBeGreaterThan(150);
    expect(samples.filter((l) => causes([l]).length === 0).length).toBeGreaterThan(15);
  });
  test.each(damaged(model).map((v) => v.kind))('%s: the causes of the plain line, for every sample', (kind) => {
    const failures: string[] = [];
    let compared = 0;
    for (const line of samples) {
      const v = damaged(line).find((x) => x.kind === kind);
      if (!v) continue;
      compared++;
      const want = causes([line]);
      const got = causes(v.lines);
      if (JSON.stringify(got) !== JSON.stringify(want))
        failures.push(`${JSON.stringify(v.lines[0])}: ${got.join(',') || '-'} instead of ${want.join(',') || '-'}`);
    }
    expect(compared).toBeGreaterThan(10);
    expect(failures.slice(0, 10)).toEqual([]);
  });
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

test.each([
  [
    'tabs between the fields',
    '[Mon Nov 23 01:56:36.779093 2026]\t[ssl:debug]\t[pid 10918:tid 10988]\tAH01973: x',
    { format: 'apache24', level: 'debug', pid: 10918 },
  ],
  [
    'blanks doubled',
    '[Mon Nov 23 01:56:36.779093 2026]  [ssl:error]  [pid 10918:tid 10988]  AH01941: x',
    { format: 'apache24', level: 'error', code: 'AH01941' },
  ],
  [
    'the source mark of a debug line',
    'ssl_util_ocsp.c(97): [client 127.0.0.1:46538] AH01973: x',
    { server: 'apache', level: 'debug', code: 'AH01973' },
  ],
])('Apache, %s: read with its level', (_, line, want) => {
  expect(parseLine(line)).toMatchObject(want);
});

describe('Angie, an nginx fork: its stderr lines say `angie: ` where nginx says `nginx: ` (Angie src/core/ngx_log.c)', () => {
  const stderr = lines.filter((l) => l.startsWith('nginx: ['));
  test('every nginx stderr sample gives the same causes, read with its level', () => {
    expect(stderr.length).toBeGreaterThan(20);
    const failures = stderr.flatMap((l) => {
      const a = `angie: ${l.slice('nginx: '.length)}`;
      const same = JSON.stringify(causes([a])) === JSON.stringify(causes([l]));
      const p = parseLine(a);
      return same && p.format === 'nginx-stderr' && p.level === parseLine(l).level ? [] : [a];
    });
    expect(failures.slice(0, 10)).toEqual([]);
  });
  test('after a stapling warning, `angie -t`’s own lines are lines of their own', () => {
    const t = [
      'angie: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/angie/ssl/a.pem"',
      'angie: the configuration file /etc/angie/angie.conf syntax is ok',
      'angie: configuration file /etc/angie/angie.conf test is successful',
    ];
    expect(causes(t)).toEqual(['issuer-certificate-missing']);
    expect(joinLines(matcher, t, 'pasted').find((r) => r.match)?.match?.values.certificate).toBe('/etc/angie/ssl/a.pem');
  });
});

/**
 * A copy begun inside the server's prefix (`prefixRemnant()` in `parse/formats.ts`), bare and after a poster's
 * cut mark: for every sample with a prefix, cut at every character of it before the message (nginx's
 * connection number kept whole), the parse's message is the plain line's, and what the parse says of the
 * server, level, pid and connection number is either unknown or the plain line's (a remnant never reads a
 * field wrong).
 */
describe('a copy begun inside the prefix', () => {
  const withPrefix = lines.filter((l) => headCuts(l).length > 0);
  test('every cut reads the plain line’s message and no field wrong', () => {
    const failures: string[] = [];
    let compared = 0;
    for (const line of withPrefix) {
      const plain = parseLine(line);
      for (const v of headCuts(line)) {
        const p = parseLine(v.lines[0]!);
        compared++;
        // (Apache's source mark, or what the cut left of it (`3): `), says debug or finer, as httpd's default
        // ErrorLogFormat writes it (`%7F`): `debug` for a trace level's line is no wrong read, nor for a sample
        // rendered with the mark at another level.)
        const finer = p.level === 'debug' && /(?:\d\)|^\W*\)): /.test(v.lines[0]!);
        const wrong = (['server', 'level', 'pid', 'connectionId'] as const).filter(
          // (A pid the cut fell in reads as its last digits: nothing tells them from a whole one.)
          (f) =>
            p[f] !== null && p[f] !== plain[f] && !(f === 'level' && finer) && !(f === 'pid' && String(plain.pid).endsWith(String(p.pid))),
        );
        // (A fragment keeps Apache's status, client and tag in its message, as read fields too: compared without them.
        // A cut that leaves no letter or digit of the prefix may leave its punctuation there: `): `.)
        const own = p.message.slice(APACHE_LEAD.exec(p.message)![0].length);
        const message = v.kind.includes('prefix stripped') ? own.endsWith(plain.message) : own === plain.message;
        if (!message || wrong.length > 0)
          failures.push(
            `${JSON.stringify(v.lines[0])}: message ${JSON.stringify(p.message.slice(0, 40))}${wrong.map((f) => `, ${f} ${p[f]}`).join('')}`,
          );
      }
    }
    expect(compared).toBeGreaterThan(10000);
    expect(failures.slice(0, 10)).toEqual([]);
  });

  test.each([
    [
      'nginx’s ids after a cut mark',
      '...34#1234: ocsp.example.com could not be resolved (110: Operation timed out)',
      { server: 'nginx', pid: 34, tid: '1234' },
    ],
    ['nginx’s tid alone', '#1234: OCSP responder timed out', { server: 'nginx', pid: null, tid: '1234' }],
    ['digits of nginx’s ids after a cut mark', '[...] 234: OCSP responder timed out', { server: null, pid: null }],
    ['the tail of nginx: before its level', '…ginx: [emerg] X509_STORE_CTX_new() failed (SSL:)', { server: 'nginx', level: 'emerg' }],
    [
      'the tail of Apache’s module:level and its pid field',
      'nutls:error] [pid 18008:tid 1399] (110)Connection timed out: x',
      { server: 'apache', level: 'error', pid: 18008, status: '(110)Connection timed out' },
    ],
    [
      'the tail of Apache’s pid field',
      '8:tid 1399] (70007)The timeout specified has expired: x',
      { server: 'apache', pid: null, status: '(70007)The timeout specified has expired' },
    ],
    ['a level’s tail, either server’s', 'rror] OCSP responder timed out', { server: null, level: null }],
    ['the tail of Apache’s source mark', '… .c(254): (70007)The timeout specified has expired: x', { server: 'apache', level: 'debug' }],
  ])('%s', (_, line, want) => {
    expect(parseLine(line)).toMatchObject(want);
  });

  test.each([
    ['a redacted value (a cut mark alone)', '... could not be resolved (110: Operation timed out)'],
    ['a message with its own brackets', 'md[md-timeout.stapling-lab.test] while[status of certid dc11]'],
    ['Apache’s own client field', '[client 192.0.2.1:5] AH01977: failed reading line from OCSP server'],
  ])('%s: no remnant', (_, line) => {
    const p = parseLine(line);
    expect(p.message.length).toBeGreaterThanOrEqual(line.length - 30);
    expect(p.pid).toBeNull();
  });
});
