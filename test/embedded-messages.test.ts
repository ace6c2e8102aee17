/**
 * lua-resty-auto-ssl embeds ngx.ocsp's errors in its own line (lib/resty/auto-ssl/ssl_certificate.lua,
 * `"failed to get ocsp response: " .. err`, where err is `"failed to get OCSP responder: " .. e`,
 * `"failed to create OCSP request: " .. e` or `"failed to validate OCSP response (" .. url .. "): " .. e`),
 * and its rule wins on that line. So the wrapper must give the cause and severity that the embedded message
 * gives by itself (the ngx.ocsp example's line): a revoked certificate is not "a bad response", a chain
 * without the issuer is not "no OCSP URL". Generated from every positive sample of every rule of the ngx.ocsp
 * example's lines (source lua-resty-core lib/ngx/ocsp.md): no line here is written by hand.
 */
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import type { Rule } from '../src/types.js';

const rules = await loadRules();
const matcher = createMatcher(rules);
const at = { file: '-', line: 1 };
const WRAPPER = 'lua-auto-ssl-ocsp-stapling-failed';

/** lua-resty-auto-ssl's line around an embedded error (the wording of ssl_certificate.lua 0.10+). */
const wrapped = (err: string): string =>
  `2021/09/23 13:40:02 [error] 32#0: *2901 [lua] ssl_certificate.lua:260: set_response_cert(): auto-ssl: failed to set ocsp stapling for example.com - continuing anyway - failed to get ocsp response: ${err}, context: ssl_certificate_by_lua*, client: 192.0.2.33, server: 0.0.0.0:443`;

/** The rules of the ngx.ocsp example's lines (lua-resty-core lib/ngx/ocsp.md), which log ngx.ocsp's errors. */
const inner: Rule[] = rules.filter((r) => r.id !== WRAPPER && r.source.some((s) => s.file === 'lib/ngx/ocsp.md'));

interface Case {
  rule: Rule;
  /** The embedded error as lua-resty-auto-ssl writes it (validation errors with the responder URL). */
  err: string;
  cause: string;
  severity: string;
}

const cases: Case[] = inner.flatMap((rule) =>
  rule.samples.match.flatMap((s) => {
    // (As ngx.ocsp's example and auto-ssl write it: not Apache APISIX's lower-cased copies.)
    const at = s.line.indexOf(rule.trigger);
    if (at < 0) return [];
    let err = s.line.slice(at).replace(/, context: .*$/, '');
    // auto-ssl writes the responder's URL after these three messages; the example does not.
    err = err.replace(
      /^(failed to validate OCSP response|OCSP responder query failed|OCSP responder returns bad HTTP status code): /,
      '$1 (http://r3.o.lencr.org): ',
    );
    // auto-ssl writes `(err or "")`: it never writes ngx.log's "nil".
    if (/: nil$/.test(err)) return [];
    return [{ rule, err, cause: s.cause ?? rule.cause, severity: s.severity ?? rule.severity }];
  }),
);

test('the rules of ngx.ocsp errors are found and each gives cases of more than one cause', () => {
  expect(inner.map((r) => r.id).sort()).toEqual([
    'lua-ocsp-request-create-failed',
    'lua-ocsp-responder-http-status',
    'lua-ocsp-responder-lookup-failed',
    'lua-ocsp-responder-query-failed',
    'lua-ocsp-response-validation-failed',
  ]);
  expect(new Set(cases.map((c) => c.cause)).size).toBeGreaterThanOrEqual(7);
});

describe.each(cases.map((c) => [`${c.rule.id}: ${c.err}`, c] as const))('%s', (_name, c) => {
  test("inside lua-resty-auto-ssl's line: the wrapper's rule, the embedded message's cause and severity", () => {
    const hit = matcher.match(wrapped(c.err), at).match;
    expect(hit?.rule.id).toBe(WRAPPER);
    expect({ cause: hit?.cause, severity: hit?.severity, vhost: hit?.values.vhost }).toEqual({
      cause: c.cause,
      severity: c.severity,
      vhost: 'example.com',
    });
  });
});
