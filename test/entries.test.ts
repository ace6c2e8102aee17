/**
 * Several log entries on one physical line (a paste that lost its line breaks): `entriesIn()` splits
 * them where the server's own prefix starts again, and leaves a line of one entry alone. The mutation
 * test puts every positive sample among other entries on one line (`onOneLine()` in helpers/variants.ts).
 */
import fc from 'fast-check';
import { entriesIn, linesIn } from '../src/parse/entries.js';

const NGINX =
  '2016/02/09 22:20:21 [error] 2417#0: OCSP_basic_verify() failed (SSL: …) while requesting certificate status, responder: gv.symcd.com';
const NGINX_2 = '2016/02/09 22:20:25 [warn] 2417#0: "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ssl/a.pem"';
const APACHE = '[Tue Mar 08 04:05:06.070809 2016] [ssl:error] [pid 8810:tid 140200] AH01941: stapling_renew_response: responder error';

test.each([
  ['joined by a blank', `${NGINX} ${NGINX_2}`, [NGINX, NGINX_2]],
  ['joined by " | "', `${NGINX} | ${APACHE}`, [NGINX, APACHE]],
  ['joined by literal \\n and \\r\\n', `${APACHE}\\r\\n${NGINX}\\n${NGINX_2}\\n`, [APACHE, NGINX, NGINX_2]],
  [
    'a wrapper before the first entry stays with it',
    `Jan 01 10:00:00 web1 nginx[1]: ${NGINX} ${NGINX_2}`,
    [`Jan 01 10:00:00 web1 nginx[1]: ${NGINX}`, NGINX_2],
  ],
])('%s', (_what, line, want) => {
  expect(entriesIn(line)).toEqual(want);
});

test.each([
  ['one entry', NGINX],
  ['one entry behind a wrapper that has a date of its own', `2016/02/09 22:20:21 ${NGINX}`],
  ['a date inside a message without the level and pid that follow a prefix', `${NGINX}, request: "GET /2016/02/09 22:20:21 HTTP/1.1"`],
  ['a short line', 'x'],
])('%s: null', (_what, line) => {
  expect(entriesIn(line)).toBeNull();
});

test('linear on hostile lines (long runs of blanks between entries, many would-be starts)', () => {
  const prefix = '2016/02/09 22:20:21 [error] 1#1: ';
  expect(entriesIn(`${prefix}${' '.repeat(100_000)}x ${prefix}y`)).toEqual([`${prefix}${' '.repeat(100_000)}x`, `${prefix}y`]);
  expect(entriesIn('2016/02/09 '.repeat(10_000))).toBeNull();
});

/**
 * The native pre-test (`prefixBrackets`: two ` [` that could be a prefix's, else null without the regex)
 * answers as the regex's walk alone would: random lines made of prefixes, cut prefixes, brackets,
 * digits and separators split exactly as a reference that runs the regex on every line.
 */
test('the pre-test never changes the split (property, against the regex walk alone)', () => {
  const START = new RegExp(
    '(?:\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} \\[(?:emerg|alert|crit|error|warn|notice|info|debug)\\] \\d+#\\d+: |' +
      '\\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \\d]\\d \\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})? \\d{4}\\] \\[)',
    'g',
  );
  // entriesIn() as it was before the pre-test: the regex walks every line of 80 characters or more.
  const reference = (text: string): string[] | null => {
    if (text.length < 80) return null;
    const starts: number[] = [];
    START.lastIndex = 0;
    for (let m = START.exec(text); m !== null; m = START.exec(text)) {
      const c = m.index === 0 ? ' ' : text[m.index - 1]!;
      if (' \t|>'.includes(c) || (c === 'n' && text[m.index - 2] === '\\')) starts.push(m.index);
    }
    if (starts.length < 2) return null;
    const out = starts.map((at, i) => {
      const to = i + 1 < starts.length ? starts[i + 1]! : text.length;
      return text.slice(i === 0 ? 0 : at, to).replace(/(?:[ \t|]|\\[nr])+$/, '');
    });
    const kept = out.filter((p) => p.length > 0);
    return kept.length > 1 ? kept : null;
  };
  const piece = fc.constantFrom(
    '2016/02/09 22:20:21 [error] 2417#0: ',
    '[Tue Mar 08 04:05:06.070809 2016] [',
    '[Tue Mar 08 04:05:06 2016] [ssl:error] ',
    '22:20:21 [',
    '2016] [',
    ' [',
    '] [',
    '[pid 8810:tid 140200] ',
    '[pid 8810:tid 1402] ',
    ' 2016:',
    '[client 192.0.2.1:443] ',
    'AH01941: stapling_renew_response: responder error',
    ' ',
    ' | ',
    '\\n',
    '7',
    ']',
    'x',
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
      const line = pieces.join('');
      expect(entriesIn(line)).toEqual(reference(line));
    }),
    { numRuns: 3000 },
  );
});

describe('linesIn: line breaks kept as text', () => {
  const NGX_T = 'nginx: [warn] "ssl_stapling" ignored, issuer certificate not found';
  test.each([
    ['HTML <br> in a table cell', `| *$ nginx -t*<br>*${NGX_T}*<br>*done* |`, ['| *$ nginx -t*', `*${NGX_T}*`, '*done* |']],
    ['<br />, <BR> and escaped &lt;br&gt;', `a<br />${NGX_T}<BR>b&lt;br&gt;c`, ['a', NGX_T, 'b', 'c']],
    [
      'literal \\n and \\r\\n',
      `$ nginx -t\\r\\n${NGX_T}\\nnginx: configuration file test failed`,
      ['$ nginx -t', NGX_T, 'nginx: configuration file test failed'],
    ],
    ['a blank line between', `a\\n\\n${NGX_T}`, ['a', '', NGX_T]],
    ['a Windows path before a break', `${NGX_T} for "C:\\nginx\\conf\\a.pem"\\nnext`, [`${NGX_T} for "C:\\nginx\\conf\\a.pem"`, 'next']],
  ])('%s', (_what, line, want) => {
    expect(linesIn(line)).toEqual(want);
  });

  test.each([
    ['no break', NGX_T],
    ['a break only at the end (the markup after one pasted line)', `${NGX_T}<br>`],
    ['an escape only at the end', `${NGX_T}\\n`],
    ['a Windows path (drive)', 'certificate "C:\\nginx\\nginx.crt"'],
    ['a Windows path (relative, another separator in it)', 'ssl_certificate ..\\conf\\nginx.crt'],
    ['an escaped backslash before n', 'path "C:\\\\nginx"'],
    ["a JSON record (its escapes are the decoder's)", `{"log":"${NGX_T}\\n"}`],
  ])('%s: null', (_what, line) => {
    expect(linesIn(line)).toBeNull();
  });

  test('linear on hostile lines (a 300 000-character token of literal \\n, a run of backslashes, 100 000 breaks before the first piece)', () => {
    expect(linesIn('a\\n'.repeat(100_000))!.length).toBe(100_000);
    expect(linesIn('\\'.repeat(200_000) + 'n')).toBeNull();
    expect(linesIn('<br>'.repeat(100_000) + 'x<br>y')).toEqual(['x', 'y']);
  });
});
