/**
 * `response-signature-invalid`: the OCSP response is signed by a key the CA did not authorise for the
 * certificate. Source: nginx "OCSP_basic_verify() failed" (src/event/ngx_event_openssl_stapling.c) with
 * OpenSSL's `signature failure`, `missing ocspsigning usage`, `root ca not trusted` … (crypto/ocsp/ocsp_vfy.c),
 * rule nginx-ocsp-verify-failed; or `--inspect` finding the trusted chain complete. Catalogue §3.2, §4.
 */
import type { FixStep } from '../../types.js';
import {
  askedResponder,
  autoSslNewCertificate,
  checkResponder,
  luaStaplingOff,
  ocspQuery,
  staplingOff,
  step,
  type CauseContext,
  type CauseModule,
} from './kit.js';

/**
 * A Lua script's fix: ngx.ocsp's `OCSP_basic_verify() failed` (lua-nginx-module src/ngx_http_lua_ssl_ocsp.c at
 * bbed32a6) for a response from the certificate's own OCSP URL, which these scripts always ask. Never APISIX's
 * `skip_verify` (its tests 25-27 staple a revoked response with it; apisix t/plugin/ocsp-stapling.t at f519a0f0).
 */
function luaFix(c: CauseContext): { summary: string; steps: FixStep[] } {
  return {
    summary: "Check who signs the responses of the certificate's responder; otherwise a CA problem.",
    steps: [
      ...autoSslNewCertificate(c),
      step({
        action: 'run',
        command: ocspQuery(c.s, ' -CAfile CHAIN.pem'),
        text: "Ask the certificate's own OCSP responder yourself and read who signed the answer; if the CA's responder signs wrongly, report it to the CA.",
      }),
      ...luaStaplingOff(c, 'Meanwhile', true),
    ],
  };
}

/**
 * mod_gnutls verifies a response with the issuer certificate it took from the chain in `GnuTLSCertificateFile`
 * (src/gnutls_ocsp.c check_ocsp_response(): `gnutls_ocsp_resp_verify_direct(resp, req_data->issuer, …)`; 0.8–0.11
 * with a trust list built from it), never with a separate CA file.
 */
function gnutlsChain(c: CauseContext): ReturnType<typeof step> {
  return step({
    action: 'set',
    directive: 'GnuTLSCertificateFile',
    valueKind: 'file:leaf-and-chain',
    context: 'server config, virtual host',
    text: `Make sure \`GnuTLSCertificateFile\` holds ${c.cert} followed by the CA that really issued it (and up to the root): mod_gnutls verifies the response's signer against those CAs only.`,
  });
}

export const responseSignatureInvalid: CauseModule = {
  id: 'response-signature-invalid',
  title: 'Response signature or signer invalid',
  meaning:
    'The OCSP response is signed by a key or certificate the CA did not authorise for this certificate (bad signature, missing OCSP-signing usage, untrusted root, foreign responder).',
  brief: {
    apache: "Check `SSLStaplingForceURL` points at the issuing CA's responder; otherwise a CA problem.",
    nginx: "Check `ssl_stapling_responder` points at the issuing CA's responder; otherwise a CA problem.",
    gnutls:
      'Put the issuing CA (and the root) after the certificate in `GnuTLSCertificateFile`: mod_gnutls verifies responses with them; otherwise a CA problem.',
    lua: "Ask the certificate's own OCSP URL with `openssl ocsp` and read who signs; a CA problem to report.",
  },
  captured: 'nginx 1.22.1 (samples/real)',
  inspections: ['trusted-chain'],
  messages: {
    default: (c) =>
      `The OCSP response for ${c.cert} from ${c.resp} is not validly signed for it${c.d.opensslReason ? ` (${c.d.opensslReason}${c.d.verifyError ? `: ${c.d.verifyError}` : ''})` : ''}, so ${c.srv === 'The server' ? 'the server' : c.srv} does not staple it.`,
  },
  fix: (c) =>
    c.lua
      ? luaFix(c)
      : {
          summary: "Make sure the responses come from the issuing CA's own responder.",
          steps: [
            c.gnutls
              ? gnutlsChain(c)
              : checkResponder(
                  c,
                  `If \`${c.dir.responder}\` is set, point it at the responder of the CA that issued ${c.cert} (or remove it to use the certificate's own OCSP URL).`,
                ),
            step({
              action: 'run',
              command: ocspQuery(c.s, ' -CAfile CHAIN.pem'),
              text: `Ask the responder (${askedResponder(c)}) yourself and read who signed the answer; if the CA's own responder signs wrongly, report it to the CA.`,
            }),
            { ...staplingOff(c), alternative: true },
          ],
        },
};
