/**
 * OpenResty's stapling scripts log the same errors in their own words: ngx.ocsp's (lua-nginx-module
 * src/ngx_http_lua_ssl_ocsp.c) and the cosocket's. lua-resty-auto-ssl embeds the ngx.ocsp example's
 * messages in its own line (lib/resty/auto-ssl/ssl_certificate.lua: `"failed to get ocsp response: " .. err`,
 * where err is `"failed to get OCSP responder: " .. e`, `"failed to validate OCSP response (" .. url .. "):
 * " .. e`, …), and its rule wins on that line; ingress-nginx says the same after its own words
 * (rootfs/etc/nginx/lua/certificate.lua: `could not extract OCSP responder URL: `, `OCSP response
 * validation failed: `, …). Each must give the cause and severity the ngx.ocsp example's line gives for
 * the same error: a revoked certificate is not "a bad response", a chain without the issuer is not "no
 * OCSP URL". Generated from every positive sample of every rule of the ngx.ocsp
 * example's lines (source lua-resty-core lib/ngx/ocsp.md): no line here is written by hand.
 */
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import type { Rule } from '../src/types.js';

const rules = await loadRules();
const matcher = createMatcher(rules);
const at = { file: '-', line: 1 };
const URL = 'http://r3.o.lencr.org';

/** The ngx.ocsp example's message split into its head (the rule's trigger) and the embedded error. */
interface Message {
  head: string;
  err: string;
}

/** A script that logs the same errors: its line for an example's message, or null when it has none. */
interface Wrapper {
  name: string;
  /** The rule that must win, when one rule reads all of the script's lines. */
  rule?: string;
  line(m: Message): string | null;
  values?: Record<string, string>;
}

const WRAPPERS: Wrapper[] = [
  {
    name: 'lua-resty-auto-ssl (ssl_certificate.lua 0.10+)',
    rule: 'lua-auto-ssl-ocsp-stapling-failed',
    // auto-ssl writes the responder's URL after three of the messages, and `(err or "")`: never "nil".
    line: ({ head, err }) =>
      err === 'nil'
        ? null
        : `2021/09/23 13:40:02 [error] 32#0: *2901 [lua] ssl_certificate.lua:260: set_response_cert(): auto-ssl: failed to set ocsp stapling for example.com - continuing anyway - failed to get ocsp response: ${head}${/^(failed to validate OCSP response|OCSP responder query failed|OCSP responder returns bad HTTP status code)$/.test(head) ? ` (${URL})` : ''}: ${err}, context: ssl_certificate_by_lua*, client: 192.0.2.33, server: 0.0.0.0:443`,
    values: { vhost: 'example.com' },
  },
  {
    name: 'ingress-nginx (certificate.lua, enable-ocsp)',
    line: ({ head, err }) => {
      const own: Record<string, string> = {
        'failed to get OCSP responder': 'could not extract OCSP responder URL: ',
        'failed to create OCSP request': 'could not create OCSP request: ',
        'OCSP responder query failed': 'could not get OCSP response: ',
        'OCSP responder returns bad HTTP status code': 'could not get OCSP response: unexpected OCSP responder status code: ',
        'failed to validate OCSP response': 'OCSP response validation failed: ',
      };
      // (No error from the URL lookup is logged at debug: "no OCSP responder URL returned".)
      if (own[head] === undefined || err === 'nil') return null;
      const level = head === 'failed to validate OCSP response' ? 'notice' : 'error';
      return `2022/07/28 10:00:00 [${level}] 1234#1234: *55 [lua] certificate.lua:143: fetch_and_cache_ocsp_response(): ${own[head]}${err}, context: ngx.timer, client: 10.244.0.1, server: 0.0.0.0:443`;
    },
  },
];

/** The rules of the ngx.ocsp example's lines (lua-resty-core lib/ngx/ocsp.md), which log ngx.ocsp's errors. */
const inner: Rule[] = rules.filter((r) => r.id !== WRAPPERS[0]!.rule && r.source.some((s) => s.file === 'lib/ngx/ocsp.md'));

interface Case {
  rule: Rule;
  message: Message;
  cause: string;
  severity: string;
}

const cases: Case[] = inner.flatMap((rule) =>
  rule.samples.match.flatMap((s) => {
    // (As ngx.ocsp's example writes it: not Apache APISIX's lower-cased copies.)
    const m = new RegExp(`${rule.trigger}(?: \\([^()\\s]*\\))?: (.*?)(?:, context: .*)?$`).exec(s.line);
    if (!m) return [];
    return [{ rule, message: { head: rule.trigger, err: m[1]! }, cause: s.cause ?? rule.cause, severity: s.severity ?? rule.severity }];
  }),
);

test('the rules of ngx.ocsp errors are found and give cases of many causes', () => {
  expect(inner.map((r) => r.id).sort()).toEqual([
    'lua-ocsp-request-create-failed',
    'lua-ocsp-responder-http-status',
    'lua-ocsp-responder-lookup-failed',
    'lua-ocsp-responder-query-failed',
    'lua-ocsp-response-validation-failed',
  ]);
  expect(new Set(cases.map((c) => c.cause)).size).toBeGreaterThanOrEqual(9);
});

// (A script that never logs an error so has no case for it.)
const table = WRAPPERS.flatMap((w) =>
  cases.flatMap((c) => {
    const line = w.line(c.message);
    return line === null ? [] : [[`${w.name}: ${c.rule.id}: ${c.message.err}`, w, c, line] as const];
  }),
);

describe.each(table)('%s', (_name, w, c, line) => {
  test("the wrapper's line gives the embedded error's cause and severity", () => {
    const hit = matcher.match(line, at).match;
    if (w.rule) expect(hit?.rule.id).toBe(w.rule);
    const values = Object.fromEntries(Object.keys(w.values ?? {}).map((k) => [k, hit?.values[k as keyof typeof hit.values]]));
    expect({ cause: hit?.cause, severity: hit?.severity, values }).toEqual({
      cause: c.cause,
      severity: c.severity,
      values: w.values ?? {},
    });
  });
});
