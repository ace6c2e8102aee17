/**
 * `certificate-revoked`: the CA's responder says the server certificate is revoked.
 * Sources: Apache AH02969 "response has certificate status revoked" (modules/ssl/ssl_util_stapling.c,
 * 2.4.18+); nginx "certificate status \"revoked\" in the OCSP response" (src/event/ngx_event_openssl_stapling.c);
 * mod_md's OCSP status (modules/md/md_ocsp.c).
 */
import { luaReplaceCertificate, ngxOcspNoAbort, replaceCertificate, type CauseModule } from './kit.js';

export const certificateRevoked: CauseModule = {
  id: 'certificate-revoked',
  title: 'Certificate revoked',
  meaning: "The CA's responder says the server certificate is revoked. Clients that check will refuse it.",
  brief: {
    apache: 'Replace the certificate now.',
    nginx: 'Replace the certificate now.',
    gnutls: 'Replace the certificate now.',
    lua: "Replace the certificate: delete lua-resty-auto-ssl's `<domain>:latest` to reissue; a new `tls.crt`/`tls.key` in the ingress-nginx Secret; APISIX `PUT /apisix/admin/ssls/{id}`.",
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real); mod_md 2.6.10',
  inspections: ['ocsp-url'],
  messages: {
    default: (c) =>
      `The CA's responder says ${c.cert}${c.s.serial && !c.s.certSubject ? ` (serial ${c.s.serial})` : ''} is REVOKED${c.d.revocationReason && c.d.revocationReason !== 'n/a' ? ` (reason: ${c.d.revocationReason})` : ''}: clients that check revocation will refuse it.`,
  },
  fix: (c) => ({
    summary: 'Replace the revoked certificate now.',
    steps: c.lua
      ? [
          ...luaReplaceCertificate(c, `Replace ${c.cert} now`),
          ...(c.lua === 'ngx.ocsp' ? [ngxOcspNoAbort('So that one failed OCSP check does not end every handshake')] : []),
        ]
      : [
          replaceCertificate(
            c,
            `Get a new certificate (and key) to replace ${c.cert}${c.s.serial ? ` (serial ${c.s.serial})` : ''} and install it.`,
          ),
        ],
  }),
};
