/**
 * `ocsp-url-missing`: the certificate has no AIA OCSP URL and none is configured.
 * Sources: Apache AH02218 "no OCSP responder URL in certificate" (modules/ssl/ssl_util_stapling.c);
 * nginx "\"ssl_stapling\" ignored, no OCSP responder URL in the certificate" (ngx_event_openssl_stapling.c).
 * Let's Encrypt dropped OCSP URLs in May 2025 (catalogue §3.2, user-asks theme 6).
 */
import type { FixStep } from '../../types.js';
import {
  apisixStaplingOff,
  type CauseContext,
  gnutlsResponseFile,
  luaStaplingOff,
  refutedBy,
  reloadSteps,
  setting,
  staplingOff,
  step,
  type CauseModule,
} from './kit.js';

/**
 * A Lua script's fix (research: ingress-nginx certificate.lua:128-131 logs a missing URL at debug only and the
 * handshake is unaffected; lua-resty-auto-ssl ssl_certificate.lua:161-164,260 at 71259605 logs it and serves the
 * certificate; the lua-resty-core lib/ngx/ocsp.md example (a103a6fc) ends the handshake, since
 * `get_ocsp_responder_from_der_chain()` returns nil and no error for a certificate without an OCSP URL,
 * lib/ngx/ocsp.lua:58-60; APISIX logs it and goes on, apisix/plugins/ocsp-stapling.lua:53-58,172-175 at f519a0f0).
 */
function luaFix(c: CauseContext): { summary: string; steps: FixStep[] } {
  if (c.lua === 'ingress-nginx')
    return {
      summary: 'Nothing to fix for clients: ingress-nginx serves the certificate without a staple.',
      steps: luaStaplingOff(c, 'To stop fetching OCSP responses altogether'),
    };
  if (c.lua === 'auto-ssl')
    return {
      summary: 'Nothing to fix for clients: lua-resty-auto-ssl serves the certificate without a staple.',
      steps: luaStaplingOff(c, 'To quiet the message'),
    };
  return {
    summary: 'Let the script serve the certificate without a staple.',
    steps: [
      step({
        action: 'check',
        text: `ngx.ocsp's \`get_ocsp_responder_from_der_chain()\` returns nil and no error for a certificate without an OCSP URL (the log then says "nil"): in a script built on the ngx.ocsp example, treat that as "no stapling for this certificate" and \`return\` instead of calling \`ngx.exit(ngx.ERROR)\`, which ends the TLS handshake.`,
      }),
      apisixStaplingOff(),
    ],
  };
}

export const ocspUrlMissing: CauseModule = {
  id: 'ocsp-url-missing',
  title: 'No OCSP URL in the certificate',
  meaning:
    "The certificate has no OCSP responder URL (AIA extension) and none is configured. Let's Encrypt certificates issued since May 2025 have none: it ended its OCSP service in 2025.",
  brief: {
    apache: '`SSLUseStapling off`; only for a CA that runs a responder: `SSLStaplingForceURL http://…`.',
    nginx: '`ssl_stapling off;`; only for a CA that runs a responder: `ssl_stapling_responder http://…;`.',
    gnutls: '`GnuTLSOCSPStapling off`; only for a CA that runs a responder: fetch its responses yourself into `GnuTLSOCSPResponseFile`.',
    lua: 'ingress-nginx: nothing needed, or `enable-ocsp: "false"` in its ConfigMap; lua-resty-auto-ssl has no off switch (`ocsp_stapling_error_level` quiets it); an ngx.ocsp script: `return` instead of `ngx.exit(ngx.ERROR)`; APISIX: `"ocsp_stapling": {"enabled": false}`.',
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real); mod_md 2.6.10',
  inspections: ['ocsp-url'],
  variant: (c) => (refutedBy(c, 'hasOcspUrl') ? 'refuted' : c.le ? 'lets-encrypt' : 'default'),
  messages: {
    refuted: (c) =>
      `${c.srv} reported that ${c.cert}${c.vhost} has no OCSP responder URL, but the file as it is now carries one: the running server read an older certificate, or it reads another file.`,
    'lets-encrypt': (c) =>
      `${c.cert}${c.vhost} has no OCSP responder URL: Let's Encrypt stopped putting OCSP URLs in certificates in May 2025 and shut its responders down in August 2025, so there is nothing to staple.`,
    default: (c) =>
      `${c.cert}${c.vhost} has no OCSP responder URL (no AIA OCSP entry) and none is configured, so there is nothing to staple.`,
  },
  fix(c) {
    if (c.lua) return luaFix(c);
    if (refutedBy(c, 'hasOcspUrl'))
      return {
        summary: 'Reload the server: the certificate file carries an OCSP URL now.',
        steps: reloadSteps(c, 'the certificate with its OCSP URL'),
      };
    if (c.le) return { summary: "Turn stapling off: Let's Encrypt no longer runs OCSP responders.", steps: [staplingOff(c)] };
    const responder = c.dir.responder;
    const force = responder
      ? step({
          action: 'set',
          directive: responder,
          valueKind: 'url:http-responder',
          context: c.dir.site,
          alternative: true,
          text: `Only if the CA really runs an OCSP responder: name it with ${setting(c.server, responder, 'http://…')}.`,
        })
      : gnutlsResponseFile(c, 'Only if the CA really runs an OCSP responder');
    return { summary: 'Turn stapling off for this certificate (nothing to staple).', steps: [staplingOff(c), force] };
  },
};
