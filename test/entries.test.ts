/**
 * Several log entries on one physical line (a paste that lost its line breaks): `entriesIn()` splits
 * them where the server's own prefix starts again, and leaves a line of one entry alone. The mutation
 * test puts every positive sample among other entries on one line (`onOneLine()` in helpers/variants.ts).
 */
import fc from 'fast-check';
import { entriesByWalk, entriesIn, linesIn } from '../src/parse/entries.js';

const NGINX =
  '2016/02/09 22:20:21 [error] 2417#0: OCSP_basic_verify() failed (SSL: …) while requesting certificate status, responder: gv.symcd.com';
const NGINX_2 = '2016/02/09 22:20:25 [warn] 2417#0: "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ssl/a.pem"';
const APACHE = '[Tue Mar 08 04:05:06.070809 2016] [ssl:error] [pid 8810:tid 140200] AH01941: stapling_renew_response: responder error';

test.each([
  ['joined by a blank', `${NGINX} ${NGINX_2}`, [NGINX, NGINX_2]],
  ['joined by " | "', `${NGINX} | ${APACHE}`, [NGINX, APACHE]],
  ['joined by literal \\n and \\r\\n', `${APACHE}\\r\\n${NGINX}\\n${NGINX_2}\\n`, [APACHE, NGINX, NGINX_2]],
  ['without their time: nginx, each from its level on', `${NGINX.slice(20)} ${NGINX_2.slice(20)}`, [NGINX.slice(20), NGINX_2.slice(20)]],
  [
    'without their time: Apache, each from its module and level on',
    `${APACHE.slice(34)} ${APACHE.slice(34)}`,
    [APACHE.slice(34), APACHE.slice(34)],
  ],
  [
    "nginx -t's output, each from its program name",
    'nginx: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ssl/a.pem" nginx: [emerg] x',
    ['nginx: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ssl/a.pem"', 'nginx: [emerg] x'],
  ],
  [
    'messages only, each with its code',
    "AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate! AH01941: stapling_renew_response: responder error",
    ["AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate!", 'AH01941: stapling_renew_response: responder error'],
  ],
  [
    'a message code, then an entry from its level on',
    'AH01941: stapling_renew_response: responder error [ssl:error] [pid 1:tid 2] AH02217: x',
    ['AH01941: stapling_renew_response: responder error', '[ssl:error] [pid 1:tid 2] AH02217: x'],
  ],
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
  ['one entry without its time', APACHE.slice(34)],
  [
    "a line with a time is split at prefixes with their time only (a message code again is a message's)",
    `${APACHE} [pid 8810:tid 140201] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate!`,
  ],
  ['one nginx entry without its time, behind journald', `Sep 21 23:16:06 web1 nginx[781]: ${NGINX.slice(20)}`],
  [
    "a message code inside a bracket (rsyslog's repeated message)",
    `${APACHE} message repeated 2 times: [AH01941: stapling_renew_response: responder error]`,
  ],
  ['a level in quotes inside a message', `${NGINX}, request: "GET /?q=[error] 1#1: x HTTP/1.1"`],
])('%s: null', (_what, line) => {
  expect(entriesIn(line)).toBeNull();
});

test('linear on hostile lines (long runs of blanks between entries, many would-be starts)', () => {
  const prefix = '2016/02/09 22:20:21 [error] 1#1: ';
  expect(entriesIn(`${prefix}${' '.repeat(100_000)}x ${prefix}y`)).toEqual([`${prefix}${' '.repeat(100_000)}x`, `${prefix}y`]);
  expect(entriesIn('2016/02/09 '.repeat(10_000))).toBeNull();
  // Without a time: many would-be level brackets with no `[` before them, many message codes after `]`.
  expect(entriesIn('e] '.repeat(100_000))).toBeNull();
  expect(entriesIn(`x${'] AH00001: '.repeat(20_000)}`)?.length).toBe(20_000);
});

/**
 * The native pre-tests (`prefixBrackets`: two ` [` that could be a prefix's; `twoLevels`, `twoCodes`: a
 * level bracket or an Apache message code twice) answer as the regex's walk alone would: random lines made
 * of prefixes with and without their time, cut prefixes, level brackets, message codes, brackets, digits
 * and separators split exactly as `entriesByWalk()`, which runs the walk on every line.
 */
test('the pre-tests never change the split (property, against the walk alone)', () => {
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
    'AH02217: ',
    'AH0221',
    '[error] ',
    '[warn] 2417#0: ',
    '[ssl:error] ',
    '[core:trace8] ',
    '[ssl:err',
    'or] ',
    'ssl:error] ',
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
      expect(entriesIn(line)).toEqual(entriesByWalk(line));
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
