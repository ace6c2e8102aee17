/**
 * `responder-bad-response`: what came back was not an OCSP response.
 * Sources: Apache AH01980 "bad response from OCSP server", AH01981 response too large
 * (modules/ssl/ssl_util_ocsp.c, 2.4); nginx "OCSP response: invalid content type" and d2i failures
 * (src/event/ngx_event_openssl_stapling.c); OpenSSL `unknown message digest` (crypto/ocsp/ocsp_vfy.c).
 */
import { askedResponder, checkResponder, luaStaplingOff, ocspQuery, step, type CauseContext, type CauseModule } from './kit.js';

/**
 * Rules of a server's reading of the responder's answer that got none. mod_ssl (modules/ssl/ssl_util_ocsp.c,
 * 2.4): `get_line()` failed (AH01977/AH01978, `failed reading line`) or read nothing (AH02321, `empty
 * response`), then `read_response()` wrote AH01980 with `(none)`, and AH01941 closed it. nginx
 * (src/event/ngx_event_openssl_stapling.c, `ngx_ssl_ocsp_read_handler()`, 1.3.7+): `OCSP responder
 * prematurely closed connection` (recv() returned 0). A finding made only of these lines got no answer at
 * all, which the other lines of this cause (AH01988, an HTML page, a wrong Content-Type …) did.
 */
const READ_RULES = new Set([
  'nginx-responder-closed-connection',
  'apache-responder-read-failed',
  'apache-responder-empty-response',
  'apache-responder-bad-response',
  'apache-responder-error',
]);
/** What `get_line()`'s rules capture as `detail`, and AH01980's text when get_line() returned nothing. */
const NO_ANSWER = new Set(['failed reading line', 'empty response', '(none)', 'prematurely closed connection']);

/**
 * The responder sent no answer the server could read: its read failed without a status that names the
 * reason (an `ErrorLogFormat` without `%E`, a paste cut before it, or a status such as 70014 "End of
 * file found" that no other cause takes), or it sent nothing.
 */
function noAnswer(c: CauseContext): boolean {
  if (c.d.httpStatus || c.d.contentType || c.d.bytes || !NO_ANSWER.has(c.d.detail ?? '')) return false;
  return c.rules.size > 0 && [...c.rules].every((r) => READ_RULES.has(r));
}

/** Why nothing could be read, as far as the lines say: one sentence. */
function noAnswerReason(c: CauseContext): string {
  if (c.d.detail === 'empty response') return 'it closed the connection without sending anything.';
  if (c.d.errno === '70014' || c.d.detail === 'prematurely closed connection') return 'it closed the connection before a complete answer.';
  if (c.d.errorText) return `reading its answer failed (${c.d.errorText}).`;
  return 'reading its answer failed, and the log does not say why (a timeout, or a connection closed or reset; Apache writes the reason with `%E` in `ErrorLogFormat`).';
}

export const responderBadResponse: CauseModule = {
  id: 'responder-bad-response',
  title: 'Responder sent no OCSP response',
  meaning:
    'What came back was not an OCSP response (empty, not HTTP, an HTML page, wrong Content-Type): a wrong URL or an intercepting proxy.',
  brief: {
    apache: 'Check the URL with `openssl ocsp`; fix `SSLStaplingForceURL` or the proxy.',
    nginx: 'Check the URL with `openssl ocsp`; fix `ssl_stapling_responder` or the proxy.',
    gnutls:
      "Check the certificate's OCSP URL with `openssl ocsp` (mod_gnutls always asks it) and any intercepting proxy; or staple from `GnuTLSOCSPResponseFile`.",
    lua: "Check the certificate's own OCSP URL with `openssl ocsp` (the scripts always ask it) and any proxy between.",
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real); mod_md 2.6.10',
  inspections: ['ocsp-url'],
  variant: (c) => (c.d.bytes && !c.d.httpStatus ? 'too-large' : noAnswer(c) ? 'no-answer' : 'default'),
  messages: {
    'no-answer': (c) => `${c.resp} sent no answer the server could read, so it has no OCSP response to staple: ${noAnswerReason(c)}`,
    'too-large': (c) =>
      `${c.resp} sent an OCSP response of ${c.d.bytes} bytes, more than the server accepts, so it is not stapled (the CA embeds too many certificates).`,
    default: (c) =>
      `${c.resp} sent something that is not an OCSP response${c.d.httpStatus ? ` (${c.d.httpStatus})` : c.d.contentType ? ` (Content-Type ${c.d.contentType})` : ''}: the URL is wrong or a proxy intercepts the request.`,
  },
  fix: (c) =>
    // A Lua script asks the certificate's own OCSP URL and has no setting for another one (ngx.ocsp,
    // lua-nginx-module src/ngx_http_lua_ssl_ocsp.c); lua-resty-auto-ssl may go through `http_proxy_options`.
    c.lua
      ? {
          summary: "Find out what the certificate's OCSP URL returns.",
          steps: [
            step({
              action: 'run',
              command: ocspQuery(c.s, ''),
              text: `Ask the OCSP URL of the certificate${c.s.url ? ` (${c.s.url})` : ''} yourself to see what it returns; the script has no setting for another URL, so a wrong one is the CA's to fix${c.lua === 'auto-ssl' ? ', and a proxy set with `http_proxy_options` must pass the request unchanged' : ''}; an intercepting proxy can also cause this.`,
            }),
            ...luaStaplingOff(c, 'Meanwhile', true),
          ],
        }
      : {
          summary: 'Send OCSP requests to a real OCSP responder.',
          steps: [
            checkResponder(
              c,
              `Check the responder URL${c.s.url ? ` ${c.s.url}` : ''}: ${askedResponder(c)}; an intercepting proxy can also cause this.`,
            ),
            step({ action: 'run', command: ocspQuery(c.s, ''), text: 'Ask the responder yourself to see what it returns.' }),
          ],
        },
};
