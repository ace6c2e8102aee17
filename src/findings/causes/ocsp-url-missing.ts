/**
 * `ocsp-url-missing`: the certificate has no AIA OCSP URL and none is configured.
 * Sources: Apache AH02218 "no OCSP responder URL in certificate" (modules/ssl/ssl_util_stapling.c);
 * nginx "\"ssl_stapling\" ignored, no OCSP responder URL in the certificate" (ngx_event_openssl_stapling.c).
 * Let's Encrypt dropped OCSP URLs in May 2025 (catalogue §3.2, user-asks theme 6).
 */
import { gnutlsResponseFile, refutedBy, reloadSteps, setting, staplingOff, step, type CauseModule } from './kit.js';

export const ocspUrlMissing: CauseModule = {
  id: 'ocsp-url-missing',
  title: 'No OCSP URL in the certificate',
  meaning:
    "The certificate has no OCSP responder URL (AIA extension) and none is configured. Let's Encrypt certificates issued since May 2025 have none: it ended its OCSP service in 2025.",
  brief: {
    apache: '`SSLUseStapling off`; only for a CA that runs a responder: `SSLStaplingForceURL http://…`.',
    nginx: '`ssl_stapling off;`; only for a CA that runs a responder: `ssl_stapling_responder http://…;`.',
    gnutls: '`GnuTLSOCSPStapling off`; only for a CA that runs a responder: fetch its responses yourself into `GnuTLSOCSPResponseFile`.',
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
