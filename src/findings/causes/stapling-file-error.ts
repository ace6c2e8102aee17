/**
 * `stapling-file-error`: the `ssl_stapling_file` cannot be read or is not a DER OCSP response.
 * Sources: nginx `ngx_ssl_stapling_file()` "BIO_new_file(…) failed", "d2i_OCSP_RESPONSE_bio(…) failed",
 * "i2d_OCSP_RESPONSE() failed" (src/event/ngx_event_openssl_stapling.c, emerg, 1.3.7+); mod_gnutls "Loading OCSP
 * response from %s failed!" for a `GnuTLSOCSPResponseFile` (src/gnutls_ocsp.c; the manual's `ocsptool` command
 * writes such a file).
 */
import type { FixStep } from '../../types.js';
import { shellWord, step, type CauseContext, type CauseModule } from './kit.js';

/** Regenerate a `GnuTLSOCSPResponseFile` (DER) with GnuTLS's `ocsptool`, as mod_gnutls's manual shows; mod_gnutls never refreshes it. */
function gnutlsFileSteps(c: CauseContext): FixStep[] {
  return [
    step({
      action: 'run',
      command: `ocsptool --ask --load-issuer ISSUER.pem --load-cert ${shellWord(c.file, 'CERT.pem')} --outfile ${shellWord(c.d.file, 'response.der')}`,
      text: `Regenerate${c.d.file ? ` ${c.d.file}` : ' the file'} as a DER OCSP response readable by Apache, and refresh it by cron before nextUpdate (mod_gnutls never refreshes it); or correct the path in \`GnuTLSOCSPResponseFile\`.`,
    }),
  ];
}

export const staplingFileError: CauseModule = {
  id: 'stapling-file-error',
  title: 'Stapling file unusable',
  meaning:
    "The file named by nginx's `ssl_stapling_file` (or mod_gnutls's `GnuTLSOCSPResponseFile`) cannot be read or is not a DER OCSP response.",
  brief: {
    apache: null,
    nginx: 'Fix the path or regenerate the file with `openssl ocsp … -respout FILE`.',
    gnutls: 'Fix the path in `GnuTLSOCSPResponseFile` or regenerate the file with `ocsptool --ask … --outfile FILE`, by cron.',
  },
  captured: 'nginx 1.22.1 (samples/real)',
  inspections: [],
  variant: (c) => (c.gnutls ? 'gnutls' : c.check ? 'check' : 'default'),
  messages: {
    gnutls: (c) =>
      `Apache (mod_gnutls) cannot load the OCSP response file${c.d.file ? ` "${c.d.file}"` : ''} that GnuTLSOCSPResponseFile names${c.d.errorText ? ` (${c.d.errorText})` : ''}: it is missing, unreadable or not a DER OCSP response, so nothing is stapled.`,
    check: (c) =>
      `nginx cannot use the ssl_stapling_file${c.d.file ? ` "${c.d.file}"` : ''}${c.d.errorText ? ` (${c.d.errorText})` : c.d.responseStatus ? ` (its response status is ${c.d.responseStatus})` : ''}: ${c.d.responseStatus ? 'it staples an unsuccessful response, which clients ignore' : 'it will refuse to start'}.`,
    default: (c) =>
      `nginx cannot use the ssl_stapling_file${c.d.file ? ` "${c.d.file}"` : ''}: it is missing, unreadable or not a DER OCSP response.`,
  },
  fix: (c) =>
    c.gnutls
      ? { summary: 'Fix or regenerate the GnuTLSOCSPResponseFile.', steps: gnutlsFileSteps(c) }
      : {
          summary: 'Fix or regenerate the ssl_stapling_file.',
          steps: [
            step({
              action: 'run',
              command: `openssl ocsp -issuer ISSUER.pem -cert CERT.pem -url http://RESPONDER/ -respout ${shellWord(c.d.file, 'stapling.der')}`,
              text: `Regenerate${c.d.file ? ` ${c.d.file}` : ' the file'} as a DER OCSP response, readable by nginx, and refresh it by cron before nextUpdate (nginx never refreshes it).`,
            }),
          ],
        },
};
