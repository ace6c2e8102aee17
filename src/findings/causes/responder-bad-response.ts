/**
 * `responder-bad-response`: what came back was not an OCSP response.
 * Sources: Apache AH01980 "bad response from OCSP server", AH01981 response too large
 * (modules/ssl/ssl_util_ocsp.c, 2.4); nginx "OCSP response: invalid content type" and d2i failures
 * (src/event/ngx_event_openssl_stapling.c); OpenSSL `unknown message digest` (crypto/ocsp/ocsp_vfy.c).
 */
import { askedResponder, checkResponder, luaStaplingOff, ocspQuery, step, type CauseModule } from './kit.js';

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
  variant: (c) => (c.d.bytes && !c.d.httpStatus ? 'too-large' : 'default'),
  messages: {
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
