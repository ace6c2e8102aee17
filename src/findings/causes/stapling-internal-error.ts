/**
 * `stapling-internal-error`: OpenSSL or the stapling module failed internally.
 * Sources: Apache mod_ssl AH02216 "error allocating memory", AH02215 certificate already initialised, AH01927
 * response encode failure (modules/ssl/ssl_util_stapling.c), AH01989 request serialise failure
 * (modules/ssl/ssl_util_ocsp.c); mod_md encode/save errors (modules/md/md_ocsp.c); ingress-nginx's Lua OCSP
 * helpers (rootfs/etc/nginx/lua/certificate.lua).
 */
import { step, type CauseModule } from './kit.js';

export const staplingInternalError: CauseModule = {
  id: 'stapling-internal-error',
  title: 'TLS library failed inside stapling',
  meaning:
    'OpenSSL (or the stapling module) failed internally: out of memory, an unavailable digest/provider, a broken or mismatched build, or a server bug. Not a configuration mistake the log can pin down. Added so that these messages are reported without a misleading configuration fix.',
  brief: {
    apache: 'Check memory and the OpenSSL error in the line; check OpenSSL provider/FIPS configuration; update httpd and OpenSSL.',
    nginx: 'Check memory and the OpenSSL error in the line; make sure nginx runs with the OpenSSL it was built for; update.',
  },
  captured: "none (rendered from the servers' format strings)",
  inspections: [],
  messages: {
    default: (c) =>
      `${c.srv} failed internally while stapling ${c.cert}${c.d.opensslReason ? ` (${c.d.opensslReason})` : c.d.detail ? ` (${c.d.detail})` : ''}: out of memory, a broken or mismatched TLS library, or a server bug.`,
  },
  fix: (c) => ({
    summary: 'Check memory and the TLS library; update the server.',
    steps: [
      step({
        action: 'check',
        text: `Check free memory and the OpenSSL error in the line${c.d.opensslReason ? ` (${c.d.opensslReason})` : ''}; check the OpenSSL provider/FIPS configuration.`,
      }),
      step({
        action: 'check',
        command: c.nginx ? 'nginx -V' : 'apachectl -V',
        text: 'Make sure the server runs with the OpenSSL it was built for, and update it (httpd before 2.4.12 could not share one certificate between virtual hosts for stapling).',
      }),
    ],
  }),
};
