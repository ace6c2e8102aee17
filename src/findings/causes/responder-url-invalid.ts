/**
 * `responder-url-invalid`: the responder URL is not a plain http:// URL the server can use.
 * Sources: Apache `stapling_renew_response` AH01939 "Error parsing uri", AH01940 "Unsupported uri" and the
 * AH01955 that follows (modules/ssl/ssl_util_stapling.c, 2.4); nginx "\"ssl_stapling\" ignored, invalid URL
 * prefix in OCSP responder" and "… in OCSP responder \"…\"" (src/event/ngx_event_openssl_stapling.c).
 */
import { gnutlsResponseFile, staplingOff, step, type CauseContext, type CauseModule } from './kit.js';
import type { FixStep } from '../../types.js';

export const responderUrlInvalid: CauseModule = {
  id: 'responder-url-invalid',
  title: 'Responder URL unusable',
  meaning: 'The OCSP responder URL (from the certificate or the configuration) is not a plain http:// URL the server can use.',
  brief: {
    apache: '`SSLStaplingForceURL http://…` with an http URL, or `SSLUseStapling off`.',
    nginx: '`ssl_stapling_responder http://…;` with an http URL, or `ssl_stapling off;`.',
    gnutls:
      "mod_gnutls asks only the certificate's own http:// OCSP URL: staple from `GnuTLSOCSPResponseFile`, or `GnuTLSOCSPStapling off`.",
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real)',
  inspections: ['ocsp-url'],
  messages: {
    default: (c) =>
      `${c.srv} cannot use the OCSP responder URL${c.s.url ? ` ${c.s.url}` : ''} for ${c.cert}${c.d.detail ? ` (${c.d.detail}): it must be a well-formed plain http:// URL` : ': only plain http:// responder URLs work'}.`,
  },
  fix: (c) => ({
    summary: 'Use a plain http:// responder URL, or turn stapling off.',
    steps: [useHttpResponder(c), { ...staplingOff(c), alternative: true }],
  }),
};

/** Make the server ask an http:// responder: a forced URL (mod_ssl, nginx), or a response file for mod_gnutls, which has none. */
function useHttpResponder(c: CauseContext): FixStep {
  if (!c.dir.responder)
    return gnutlsResponseFile(c, `As mod_gnutls speaks only plain HTTP to responders${c.s.url ? ` (not ${c.s.url})` : ''}`, false);
  return step({
    action: 'set',
    directive: c.dir.responder,
    valueKind: 'url:http-responder',
    context: c.dir.site,
    text: c.nginx
      ? `Name an http:// responder in \`ssl_stapling_responder\`${c.s.url ? ` (not ${c.s.url})` : ''}.`
      : `Set \`SSLStaplingForceURL\` to an http:// responder URL${c.s.url ? ` instead of ${c.s.url}` : ''} (mod_ssl speaks only plain HTTP to responders).`,
  });
}
