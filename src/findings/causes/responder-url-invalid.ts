/**
 * `responder-url-invalid`: the responder URL is not a plain http:// URL the server can use.
 * Sources: Apache `stapling_renew_response` AH01939 "Error parsing uri", AH01940 "Unsupported uri" and the
 * AH01955 that follows (modules/ssl/ssl_util_stapling.c, 2.4); nginx "\"ssl_stapling\" ignored, invalid URL
 * prefix in OCSP responder" and "… in OCSP responder \"…\"" (src/event/ngx_event_openssl_stapling.c).
 */
import { staplingOff, step, type CauseModule } from './kit.js';

export const responderUrlInvalid: CauseModule = {
  id: 'responder-url-invalid',
  title: 'Responder URL unusable',
  meaning: 'The OCSP responder URL (from the certificate or the configuration) is not a plain http:// URL the server can use.',
  brief: {
    apache: '`SSLStaplingForceURL http://…` with an http URL, or `SSLUseStapling off`.',
    nginx: '`ssl_stapling_responder http://…;` with an http URL, or `ssl_stapling off;`.',
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real)',
  inspections: ['ocsp-url'],
  messages: {
    default: (c) =>
      `${c.srv} cannot use the OCSP responder URL${c.s.url ? ` ${c.s.url}` : ''} for ${c.cert}${c.d.detail ? ` (${c.d.detail}): it must be a well-formed plain http:// URL` : ': only plain http:// responder URLs work'}.`,
  },
  fix: (c) => ({
    summary: 'Use a plain http:// responder URL, or turn stapling off.',
    steps: [
      step({
        action: 'set',
        directive: c.dir.responder,
        valueKind: 'url:http-responder',
        context: c.dir.site,
        text: c.nginx
          ? `Name an http:// responder in \`ssl_stapling_responder\`${c.s.url ? ` (not ${c.s.url})` : ''}.`
          : `Set \`SSLStaplingForceURL\` to an http:// responder URL${c.s.url ? ` instead of ${c.s.url}` : ''} (mod_ssl speaks only plain HTTP to responders).`,
      }),
      { ...staplingOff(c), alternative: true },
    ],
  }),
};
