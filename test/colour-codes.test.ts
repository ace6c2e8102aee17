/**
 * Colour codes a terminal tool or a copy of its output leaves in a line (`uncoloured()`,
 * `src/parse/normalize.ts`) are taken out before the line is parsed; the mutation test generates them
 * around every rule sample (`coloured()` in helpers/variants.ts). Here the other side: nothing a server
 * writes is taken for one — every real line of `samples/real/`, every rule sample (those that must match
 * and those that must not) and every peer's golden line comes back unchanged, including Apache's
 * `[mpm_event:notice]`, `[pid 1]`, IPv6 `[2001:db8::1]:443` and nginx's `[emerg]`. And the values: the
 * prefix is read without the codes and the message as written but for the codes at its ends, so a code
 * inside a value (a client's bytes, test/terminal-safety.e2e.test.ts) stays the value's own.
 */
import { uncoloured } from '../src/parse/normalize.js';
import { loadRules } from '../src/rules/load.js';
import { analyze } from '../src/findings/analyzer.js';
import { GOLDEN_LINES } from './fixtures/parser-golden-lines.js';
import { allRealLines } from './fleet/real-lines.js';

const rules = await loadRules();
const realLines = [...allRealLines()];
const sampleLines = rules.flatMap((r) => [...r.samples.match.map((s) => s.line), ...r.samples.nomatch.map((s) => s.line)]);

test.each([
  ['samples/real', realLines],
  ['rule samples', sampleLines],
  ['golden lines', GOLDEN_LINES.map((g) => g.line)],
])('no line of %s is changed', (_what, lines) => {
  expect(lines.length).toBeGreaterThan(20);
  expect(lines.filter((l) => uncoloured(l) !== l)).toEqual([]);
});

const E = '\u001b';
test.each([
  ['SGR around the line', `${E}[1;31mline${E}[0m`, 'line'],
  ['grep --color (SGR, erase line)', `a ${E}[01;31m${E}[Kocsp${E}[m${E}[K b`, 'a ocsp b'],
  ['caret notation', '^[[36mproxy_1 |^[[0m x', 'proxy_1 | x'],
  ['ESC lost', '[1;31m[Fri May 09 23:36:44 2014] [ssl:[31merror[0m] x[0m', '[Fri May 09 23:36:44 2014] [ssl:error] x'],
  ['ESC lost, grep --color', 'a [01;31m[Kocsp[m[K b', 'a ocsp b'],
])('%s', (_what, line, want) => {
  expect(uncoloured(line)).toBe(want);
});

describe('values: a colourizer’s codes around the line or in its prefix go, codes inside a value are the value’s own', () => {
  const line = (cert: string): string =>
    `2018/09/27 10:38:51 [error] 1043#0: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.int-x3.letsencrypt.org, peer: 2.21.67.65:80, certificate: "${cert}"`;
  const certOf = (text: string): unknown => analyze([text], rules).findings.map((f) => f.subject.certificate);
  const plain = '/etc/letsencrypt/live/a.example/fullchain.pem';

  test.each([
    ['the whole line coloured', `${E}[1;31m${line(plain)}${E}[0m`],
    ['the whole line coloured, ESC lost', `[1;31m${line(plain)}[0m`],
    ['the level coloured', line(plain).replace('[error]', `[${E}[31merror${E}[0m]`)],
    ['behind a coloured docker compose name', `${E}[36mproxy_1  |${E}[0m ${line(plain)}`],
  ])('%s: the certificate as the server wrote it', (_what, text) => {
    expect(certOf(text)).toEqual([plain]);
  });

  test('a code inside the certificate path is kept (shown escaped, never dropped)', () => {
    const hostile = `/etc/ssl/a${E}[31mred${E}[0m/fullchain.pem`;
    expect(certOf(line(hostile))).toEqual([hostile]);
  });
});
