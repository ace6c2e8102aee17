/**
 * `stapling-cache-problem`: Apache has no usable `SSLStaplingCache`.
 * Sources: Apache AH01958 "SSLStapling: no stapling cache available" and the cache store/read errors
 * (modules/ssl/ssl_util_stapling.c), AH02037/socache errors (modules/ssl/ssl_scache.c), "SSLStaplingCache
 * cannot occur within <VirtualHost> section" (server/core.c); mod_gnutls's OCSP cache errors (src/gnutls_ocsp.c,
 * src/gnutls_cache.c: `GnuTLSOCSPCache`, by default `shmcb:gnutls_ocsp_cache` since 0.9.0, the session cache
 * `GnuTLSCache` in 0.8.x).
 */
import type { FixStep } from '../../types.js';
import { step, type CauseContext, type CauseModule } from './kit.js';

const SHMCB_STEP = step({
  action: 'run',
  command: 'a2enmod socache_shmcb   # or: LoadModule socache_shmcb_module modules/mod_socache_shmcb.so',
  text: 'Make sure mod_socache_shmcb is loaded.',
});

/**
 * mod_gnutls's OCSP cache (manual, `GnuTLSOCSPCache`): its default `shmcb:gnutls_ocsp_cache` needs
 * mod_socache_shmcb; a size in parentheses enlarges it for many virtual hosts; dbm's entries are too small.
 */
function gnutlsCacheSteps(): FixStep[] {
  return [
    {
      ...SHMCB_STEP,
      text: 'Load mod_socache_shmcb: mod_gnutls 0.9.0+ then sets up its default OCSP cache (`shmcb:gnutls_ocsp_cache`) by itself.',
    },
    step({
      action: 'set',
      directive: 'GnuTLSOCSPCache',
      value: 'shmcb:gnutls_ocsp_cache(1048576)',
      context: 'server config',
      text: "If the cache fills or another provider fails, set `GnuTLSOCSPCache shmcb:gnutls_ocsp_cache(1048576)` in the global server config (a size in bytes, above shmcb's default of 512000; not `dbm`, whose entries are too small for OCSP responses). mod_gnutls 0.8.x keeps OCSP responses in the session cache, `GnuTLSCache`, instead.",
    }),
  ];
}

/** True when the finding is about Apache's missing SSLStaplingCache (AH01958). */
const cacheMissing = (c: CauseContext): boolean => c.d.detail === 'missing' || c.d.detail === 'no stapling cache';

export const staplingCacheProblem: CauseModule = {
  id: 'stapling-cache-problem',
  title: 'Stapling cache missing or failing',
  meaning:
    "Apache has no usable OCSP stapling cache (mod_ssl's `SSLStaplingCache`: httpd does not start without one when `SSLUseStapling on`; mod_gnutls's `GnuTLSOCSPCache`), or the cache is full or broken.",
  brief: {
    apache: '`SSLStaplingCache shmcb:…(32768)` in the server config (not in a VirtualHost); load mod_socache_shmcb.',
    nginx: null,
    gnutls:
      'Load mod_socache_shmcb (the default `GnuTLSOCSPCache shmcb:gnutls_ocsp_cache` needs it), or set a working, larger `GnuTLSOCSPCache` in the server config.',
  },
  captured: 'Apache 2.4.68 (samples/real)',
  inspections: [],
  variant: (c) => (cacheMissing(c) ? 'missing' : 'default'),
  messages: {
    missing: () => 'Apache has SSLUseStapling on but no SSLStaplingCache, so mod_ssl refuses to start.',
    default: (c) =>
      `Apache's OCSP stapling cache is missing or failing${c.d.detail ? ` (${c.d.detail})` : ''}, so responses cannot be stored and stapled.`,
  },
  fix: (c) =>
    c.gnutls
      ? { summary: 'Give mod_gnutls a working, large enough OCSP cache.', steps: gnutlsCacheSteps() }
      : {
          summary: cacheMissing(c)
            ? 'Add an SSLStaplingCache in the global server config.'
            : 'Give Apache a working, large enough stapling cache.',
          steps: [
            step({
              action: 'set',
              directive: 'SSLStaplingCache',
              value: 'shmcb:/var/run/ssl_stapling(32768)',
              context: 'server config',
              text: 'Set `SSLStaplingCache "shmcb:/var/run/ssl_stapling(32768)"` in the global server config, outside any <VirtualHost> (any directory the server can write, e.g. next to `SSLSessionCache`; raise the size if the cache fills).',
            }),
            SHMCB_STEP,
          ],
        },
};
