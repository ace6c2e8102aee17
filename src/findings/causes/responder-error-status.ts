/**
 * `responder-error-status`: the responder answered with an error (HTTP error status, or an OCSP status
 * such as unauthorized / tryLater). Sources: Apache AH01980 "bad response from OCSP server: (HTTP status)"
 * (modules/ssl/ssl_util_ocsp.c), AH01944 "responder error" (modules/ssl/ssl_util_stapling.c); nginx
 * "OCSP response not successful (…)" and "ssl ocsp status …" (src/event/ngx_event_openssl_stapling.c).
 */
import { httpStatusCode, notAnOcspResponder } from '../../rules/facts.js';
import {
  apacheNoErrorStaples,
  autoSslNewCertificate,
  type CauseContext,
  type CauseModule,
  checkResponder,
  gnutlsResponseFile,
  luaStaplingOff,
  shellWord,
  step,
} from './kit.js';
import type { FixStep } from '../../types.js';

/**
 * The fix when the status says the URL is no OCSP responder (404/405/501 to the POST, see
 * `rules/facts.ts`): correct the URL the server asks, never wait; compare with the certificate's own
 * OCSP URL (its AIA), which `openssl x509 -ocsp_uri` prints.
 */
function wrongUrlFix(c: CauseContext): { summary: string; steps: FixStep[] } {
  const code = httpStatusCode(c.d);
  const url = c.s.url ?? (c.s.responder ? `the URL at ${c.s.responder}` : 'the URL it asked');
  const steps: FixStep[] = [
    step({
      action: 'run',
      command: `openssl x509 -noout -ocsp_uri -in ${shellWord(c.s.certificate ?? c.file, 'CERT.pem')}`,
      text: `HTTP ${code} to an OCSP POST means ${url} is not an OCSP responder: print the OCSP URL of ${c.cert} (its AIA) to compare.`,
    }),
    c.dir.responder
      ? checkResponder(
          c,
          `If ${c.dir.responder} is set, correct it to that URL or remove it; if the request goes through a proxy${c.nginx ? '' : ' (`SSLOCSPProxyURL`)'}, make sure it passes POST requests to the responder.`,
        )
      : gnutlsResponseFile(c, 'Unless the CA reissues the certificate with the right OCSP URL', false),
  ];
  return { summary: 'Correct the responder URL: the server asked a URL that is not an OCSP responder.', steps };
}

/**
 * A Lua script's fix: lua-resty-auto-ssl, ingress-nginx, APISIX and the ngx.ocsp example ask the URL written in
 * the certificate (ngx.ocsp `get_ocsp_responder_from_der_chain()`) and have no setting for another one, so a
 * wrong URL is the CA's to fix; `unauthorized` for a certificate auto-ssl has just issued passes
 * ({@link autoSslNewCertificate}); a proxy set with auto-ssl's `http_proxy_options` must pass the POST.
 */
function luaFix(c: CauseContext): { summary: string; steps: FixStep[] } {
  const code = httpStatusCode(c.d);
  const status = c.d.responseStatus ?? '';
  const lead = notAnOcspResponder(c.d)
    ? `HTTP ${code} to an OCSP POST means the URL is not an OCSP responder`
    : /unauthorized/i.test(status)
      ? 'unauthorized: the responder does not serve this certificate'
      : /trylater|internalerror/i.test(status)
        ? "tryLater/internalError: the CA's responder has trouble, wait"
        : 'The responder refused the request';
  return {
    summary: notAnOcspResponder(c.d)
      ? 'Check the OCSP URL in the certificate: the script asked a URL that is not an OCSP responder.'
      : "Check the OCSP URL in the certificate, or wait out the CA's outage.",
    steps: [
      ...(/unauthorized/i.test(status) ? autoSslNewCertificate(c) : []),
      step({
        action: 'run',
        command: `openssl x509 -noout -ocsp_uri -in ${shellWord(c.s.certificate ?? c.file, 'CERT.pem')}`,
        text: `${lead}. The script asks the OCSP URL written in ${c.cert} and has no setting for another one: print it and check that it belongs to the CA that issued the certificate${c.lua === 'auto-ssl' ? '; if requests go through a proxy (`http_proxy_options`), make sure it passes POST requests to the responder' : ''}.`,
      }),
      ...luaStaplingOff(c, 'Meanwhile', true),
    ],
  };
}

export const responderErrorStatus: CauseModule = {
  id: 'responder-error-status',
  title: 'Responder refused',
  meaning:
    'The responder answered with an error: an HTTP error status, or an OCSP status such as unauthorized (it does not serve this certificate) or tryLater (CA outage).',
  brief: {
    apache: 'Check the responder URL and issuer; `SSLStaplingReturnResponderErrors off`.',
    nginx: 'Check the responder URL and issuer; `ssl_stapling off;` if the CA stopped OCSP.',
    gnutls:
      "Check the certificate's OCSP URL and issuer (mod_gnutls staples no error response and retries after `GnuTLSOCSPFailureTimeout`); `GnuTLSOCSPStapling off` if the CA stopped OCSP.",
    lua: 'Check the certificate\'s own OCSP URL and issuer (the scripts always ask it); a certificate lua-resty-auto-ssl has just issued may need minutes; ingress-nginx: `enable-ocsp: "false"` if the CA stopped OCSP.',
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real); mod_md 2.6.10',
  inspections: ['ocsp-url'],
  variant: (c) => (notAnOcspResponder(c.d) ? 'not-a-responder' : 'default'),
  messages: {
    'not-a-responder': (c) =>
      `${c.resp} answered the OCSP request with HTTP ${c.d.httpStatus}${c.cert !== 'the server certificate' ? ` for ${c.cert}` : ''}: that URL is not an OCSP responder (a responder takes the request as a POST at its URL), so nothing is stapled until the URL is corrected.`,
    default: (c) =>
      `${c.resp} refused the OCSP request${c.d.responseStatus ? ` with status ${c.d.responseStatus}` : c.d.httpStatus ? ` with HTTP ${c.d.httpStatus}` : ''}${c.cert !== 'the server certificate' ? ` for ${c.cert}` : ''}, so nothing valid is stapled.`,
  },
  fix(c) {
    if (c.lua) return luaFix(c);
    if (notAnOcspResponder(c.d)) return wrongUrlFix(c);
    const status = c.d.responseStatus ?? '';
    const why = /unauthorized/i.test(status)
      ? 'unauthorized: the responder does not serve this certificate; '
      : /trylater|internalerror/i.test(status)
        ? "tryLater/internalError: the CA's responder has trouble, wait; "
        : '';
    const steps = [checkResponder(c, `${why}check that the responder URL belongs to the CA that issued ${c.cert}.`)];
    steps.push(
      ...apacheNoErrorStaples(
        c,
        'Meanwhile, do not staple error responses to clients: `SSLStaplingReturnResponderErrors off` (limits the harm; stapling stays off until the responder answers).',
      ),
    );
    return { summary: "Ask the right responder, or wait out the CA's outage.", steps };
  },
};
