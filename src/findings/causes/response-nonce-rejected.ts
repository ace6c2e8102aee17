/**
 * `response-nonce-rejected`: the server demanded an OCSP nonce the responder does not send.
 * Sources: mod_gnutls src/gnutls_ocsp.c check_ocsp_response(): "Could not get OCSP response nonce: %s (%d)"
 * (no nonce extension in the response, usually GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE, -56) and
 * "OCSP response invalid: nonce mismatch", both at error, both only while `GnuTLSOCSPCheckNonce` is on:
 * the default in mod_gnutls 0.8.0–0.10.x, off by default since 0.11.0 (commit e932ba5, "Do not enforce
 * OCSP nonces by default"). Most public CAs (Let's Encrypt among them) answer without a nonce, as RFC 5019
 * and RFC 6960 allow: github.com/airtower-luna/mod_gnutls/pull/4.
 */
import { step, type CauseModule } from './kit.js';

export const responseNonceRejected: CauseModule = {
  id: 'response-nonce-rejected',
  title: 'Response nonce demanded',
  meaning:
    "The server asked the responder for a nonce and rejects the answer because it carries none (or another one); most public CAs never send nonces (RFC 5019), so nothing is stapled. Added because the response is a valid OCSP response and the fix is the server's nonce setting (mod_gnutls's `GnuTLSOCSPCheckNonce`), not the responder.",
  brief: {
    apache: '`GnuTLSOCSPCheckNonce Off` (the default since mod_gnutls 0.11.0), or upgrade mod_gnutls to 0.11+.',
    nginx: null,
    gnutls: '`GnuTLSOCSPCheckNonce Off` (the default since mod_gnutls 0.11.0), or upgrade mod_gnutls to 0.11+.',
  },
  captured: "none (rendered from mod_gnutls's format strings)",
  inspections: [],
  variant: (c) => (c.d.detail === 'nonce mismatch' ? 'mismatch' : 'default'),
  messages: {
    mismatch: (c) =>
      `Apache (mod_gnutls) rejected the OCSP response from ${c.resp}${c.where} because its nonce does not match the request's, so nothing is stapled (a caching responder or proxy answers with an older response).`,
    default: (c) =>
      `Apache (mod_gnutls) rejected the OCSP response from ${c.resp}${c.where} because it carries no nonce${c.d.detail ? ` (GnuTLS: ${c.d.detail})` : ''}: it checks nonces (\`GnuTLSOCSPCheckNonce\` on, the default before mod_gnutls 0.11.0) and the CA's responder sends none, so nothing is stapled.`,
  },
  fix: () => ({
    summary: 'Stop demanding nonces the responder does not send.',
    steps: [
      step({
        action: 'set',
        directive: 'GnuTLSOCSPCheckNonce',
        value: 'Off',
        context: 'server config, virtual host',
        text: 'Set `GnuTLSOCSPCheckNonce Off` in the virtual host (or server config) and restart Apache: most public CAs answer without a nonce, as RFC 5019 allows.',
      }),
      step({
        action: 'check',
        alternative: true,
        text: 'Upgrade mod_gnutls to 0.11.0 or later instead, which no longer checks nonces unless `GnuTLSOCSPCheckNonce On` is set; remove that line if present.',
      }),
    ],
  }),
};
