/**
 * `certid-mismatch`: the response does not contain the certificate asked about (wrong issuer in the
 * request, or another CA's responder). Sources: Apache AH01935 "certificate ID not present in response!"
 * (modules/ssl/ssl_util_stapling.c); nginx "certificate status not found in the OCSP response"
 * (src/event/ngx_event_openssl_stapling.c); OpenSSL `response contains no revocation data` (ocsp_vfy.c).
 */
import {
  autoSslNewCertificate,
  checkResponder,
  luaChainSteps,
  luaStaplingOff,
  MISSING,
  step,
  staplingFileSteps,
  type CauseModule,
} from './kit.js';

export const certidMismatch: CauseModule = {
  id: 'certid-mismatch',
  title: 'CertID mismatch',
  meaning:
    "The response does not contain the certificate asked about: the request was built with the wrong issuer (wrong intermediate in the chain) or sent to another CA's responder.",
  brief: {
    apache: 'Put the real issuing intermediate first in the chain; fix `SSLStaplingForceURL`.',
    nginx: 'Put the real issuing intermediate in `ssl_certificate`; fix `ssl_stapling_responder`.',
    gnutls: 'Put the real issuing intermediate directly after the certificate in `GnuTLSCertificateFile`.',
    lua: "The real issuing intermediate right after the certificate in the chain the script uses (lua-resty-auto-ssl's `<domain>:latest`, the Secret's `tls.crt`, APISIX's SSL `cert`).",
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real)',
  inspections: ['issuer-present'],
  variant: (c) => (c.d.file && c.nginx ? 'stapling-file' : 'default'),
  messages: {
    'stapling-file': (c) =>
      `The ssl_stapling_file "${c.d.file}" does not answer for ${c.cert} (no status for its CertID): nginx staples it anyway and clients ignore or reject it.`,
    default: (c) =>
      `The OCSP response from ${c.resp} does not contain ${c.cert}: the request was built with the wrong issuer certificate or sent to another CA's responder.`,
  },
  fix(c) {
    // ngx.ocsp builds the CertID from the certificate next to the leaf in the script's chain and asks the
    // certificate's own OCSP URL (lua-nginx-module src/ngx_http_lua_ssl_ocsp.c): the chain is the lever.
    if (c.lua)
      return {
        summary: 'Build the request with the real issuing intermediate: fix the chain the script uses.',
        steps: [
          ...autoSslNewCertificate(c),
          ...luaChainSteps(c, `the intermediate that really issued ${c.cert} (not a cross-signed or older one) directly after it`),
          ...luaStaplingOff(c, 'Meanwhile', true),
        ],
      };
    if (c.d.file && c.nginx) return { summary: `Regenerate ${c.d.file} for this certificate.`, steps: staplingFileSteps(c) };
    const m = c.missingIssuer;
    const chain = step({
      action: 'set',
      directive: c.dir.certificate,
      valueKind: 'file:leaf-and-chain',
      context: c.dir.site,
      alternative: !c.gnutls,
      text: `${c.gnutls ? 'mod_gnutls builds the request with the certificate that follows it in `GnuTLSCertificateFile` and asks its own OCSP URL' : 'If no responder is forced'}: put the intermediate that really issued ${c.cert}${m ? ` (${m.subject}${MISSING.where(m.caIssuersUrl)})` : ''} directly after it in the certificate file (not a cross-signed or older intermediate).`,
    });
    if (c.gnutls) return { summary: 'Build the request with the real issuing intermediate.', steps: [chain] };
    return {
      summary: "Ask the issuing CA's own responder, with the real issuing intermediate.",
      steps: [
        checkResponder(
          c,
          `If \`${c.dir.responder}\` is set, make it the responder of the CA that issued ${c.cert} (or remove it to use the certificate's own OCSP URL): another CA's responder answers about other certificates.`,
        ),
        chain,
      ],
    };
  },
};
