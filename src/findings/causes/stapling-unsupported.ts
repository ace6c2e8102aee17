/**
 * `stapling-unsupported`: the server or its TLS library has no OCSP stapling.
 * Sources: nginx "\"ssl_stapling\" ignored, not supported" (ngx_event_openssl_stapling.c, builds without
 * OCSP); Apache core "Invalid command 'SSLUseStapling'" (server/config.c) for a mod_ssl built without stapling.
 */
import { step, type CauseModule } from './kit.js';

export const staplingUnsupported: CauseModule = {
  id: 'stapling-unsupported',
  title: 'Stapling not supported by this build',
  meaning: 'The server or its TLS library was built without OCSP stapling support, so the stapling directives are ignored or rejected.',
  brief: {
    apache: 'Load mod_ssl from httpd 2.4 built with OCSP support, or remove `SSLUseStapling`.',
    nginx: 'Use an nginx built against OpenSSL with OCSP, or remove `ssl_stapling`.',
  },
  captured: "Apache 2.4.68 configtest (rule samples); not producible with Debian's nginx",
  inspections: [],
  messages: { default: (c) => `${c.srv} ignores OCSP stapling: this build (or its TLS library) has no stapling support.` },
  fix: (c) => ({
    summary: c.nginx
      ? 'Use an nginx built with OCSP support, or remove ssl_stapling.'
      : 'Load mod_ssl of httpd 2.4 built with OCSP support, or remove SSLUseStapling.',
    steps: [
      step({
        action: 'remove',
        directive: c.dir.stapling,
        context: c.dir.site,
        text: c.nginx
          ? 'Remove `ssl_stapling on;` (this build cannot staple), or install an nginx built against OpenSSL with OCSP.'
          : 'Remove `SSLUseStapling` (or load mod_ssl from httpd 2.4 built with OCSP stapling).',
      }),
    ],
  }),
};
