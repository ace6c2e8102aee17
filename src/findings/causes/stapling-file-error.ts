/**
 * `stapling-file-error`: the `ssl_stapling_file` cannot be read or is not a DER OCSP response.
 * Sources: nginx `ngx_ssl_stapling_file()` "BIO_new_file(…) failed", "d2i_OCSP_RESPONSE_bio(…) failed",
 * "i2d_OCSP_RESPONSE() failed" (src/event/ngx_event_openssl_stapling.c, emerg, 1.3.7+).
 */
import { shq, step, type CauseModule } from './kit.js';

export const staplingFileError: CauseModule = {
  id: 'stapling-file-error',
  title: 'Stapling file unusable',
  meaning: 'The file named by `ssl_stapling_file` cannot be read or is not a DER OCSP response.',
  brief: { apache: null, nginx: 'Fix the path or regenerate the file with `openssl ocsp … -respout FILE`.' },
  captured: 'nginx 1.22.1 (samples/real)',
  inspections: [],
  variant: (c) => (c.check ? 'check' : 'default'),
  messages: {
    check: (c) =>
      `nginx cannot use the ssl_stapling_file${c.d.file ? ` "${c.d.file}"` : ''}${c.d.errorText ? ` (${c.d.errorText})` : c.d.responseStatus ? ` (its response status is ${c.d.responseStatus})` : ''}: ${c.d.responseStatus ? 'it staples an unsuccessful response, which clients ignore' : 'it will refuse to start'}.`,
    default: (c) =>
      `nginx cannot use the ssl_stapling_file${c.d.file ? ` "${c.d.file}"` : ''}: it is missing, unreadable or not a DER OCSP response.`,
  },
  fix: (c) => ({
    summary: 'Fix or regenerate the ssl_stapling_file.',
    steps: [
      step({
        action: 'run',
        command: `openssl ocsp -issuer ISSUER.pem -cert CERT.pem -url http://RESPONDER/ -respout ${shq(c.d.file ?? 'stapling.der')}`,
        text: `Regenerate${c.d.file ? ` ${c.d.file}` : ' the file'} as a DER OCSP response, readable by nginx, and refresh it by cron before nextUpdate (nginx never refreshes it).`,
      }),
    ],
  }),
};
