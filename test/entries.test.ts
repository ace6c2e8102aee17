/**
 * Several log entries on one physical line (a paste that lost its line breaks): `entriesIn()` splits
 * them where the server's own prefix starts again, and leaves a line of one entry alone. The mutation
 * test puts every positive sample among other entries on one line (`onOneLine()` in helpers/variants.ts).
 */
import { entriesIn } from '../src/parse/entries.js';

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
