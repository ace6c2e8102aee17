/**
 * `responder-error-status`: the responder answered with an error (HTTP error status, or an OCSP status
 * such as unauthorized / tryLater). Sources: Apache AH01980 "bad response from OCSP server: (HTTP status)"
 * (modules/ssl/ssl_util_ocsp.c), AH01944 "responder error" (modules/ssl/ssl_util_stapling.c); nginx
 * "OCSP response not successful (…)" and "ssl ocsp status …" (src/event/ngx_event_openssl_stapling.c).
 */
import { apacheNoErrorStaples, type CauseModule, checkResponder } from './kit.js';

export const responderErrorStatus: CauseModule = {
  id: 'responder-error-status',
  title: 'Responder refused',
  meaning:
    'The responder answered with an error: an HTTP error status, or an OCSP status such as unauthorized (it does not serve this certificate) or tryLater (CA outage).',
  brief: {
    apache: 'Check the responder URL and issuer; `SSLStaplingReturnResponderErrors off`.',
    nginx: 'Check the responder URL and issuer; `ssl_stapling off;` if the CA stopped OCSP.',
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real); mod_md 2.6.10',
  inspections: ['ocsp-url'],
  messages: {
    default: (c) =>
      `${c.resp} refused the OCSP request${c.d.responseStatus ? ` with status ${c.d.responseStatus}` : c.d.httpStatus ? ` with HTTP ${c.d.httpStatus}` : ''}${c.cert !== 'the server certificate' ? ` for ${c.cert}` : ''}, so nothing valid is stapled.`,
  },
  fix(c) {
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
