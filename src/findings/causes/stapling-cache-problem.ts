/**
 * `stapling-cache-problem`: Apache has no usable `SSLStaplingCache`.
 * Sources: Apache AH01958 "SSLStapling: no stapling cache available" and the cache store/read errors
 * (modules/ssl/ssl_util_stapling.c), AH02037/socache errors (modules/ssl/ssl_scache.c), "SSLStaplingCache
 * cannot occur within <VirtualHost> section" (server/core.c); mod_gnutls's OCSP cache errors (src/gnutls_ocsp.c,
 * src/gnutls_cache.c: `GnuTLSOCSPCache`, by default `shmcb:gnutls_ocsp_cache` since 0.9.0, the session cache
 * `GnuTLSCache` in 0.8.x).
 */
import type { FixStep } from '../../types.js';
import { LUA_NAMES, step, type CauseContext, type CauseModule } from './kit.js';

/**
 * The shared dictionary a Lua script keeps OCSP responses in, and how it is enlarged: ingress-nginx's
 * `ocsp_response_cache` through the ConfigMap key `lua-shared-dicts` (MB unless `k`/`m` is given; default 5120 KB,
 * "keep this same as certificate_servers"; at most 204800 KB: docs/user-guide/nginx-configuration/configmap.md,
 * internal/ingress/controller/template/configmap.go:77-90 at dbb11b92); lua-resty-auto-ssl's `lua_shared_dict
 * auto_ssl` in nginx's http block (README.md:51-54 at 71259605: "1MB of storage holds certificates for approximately
 * 100 separate domains"; `auto_ssl_settings` must stay); APISIX's `nginx_config.http.lua_shared_dict.ocsp-stapling`
 * in conf/config.yaml (default 10m; config.yaml.example:357 at f519a0f0).
 */
function luaCacheSteps(c: CauseContext): FixStep[] {
  if (c.lua === 'ingress-nginx')
    return [
      step({
        action: 'set',
        directive: 'lua-shared-dicts',
        value: '"ocsp_response_cache: 10, certificate_servers: 10"',
        context: 'ingress-nginx ConfigMap',
        text: 'Enlarge the dictionary in the ConfigMap of the ingress-nginx controller: `lua-shared-dicts: "ocsp_response_cache: 10, certificate_servers: 10"` (sizes in MB; the default is 5 MB, and ingress-nginx keeps `ocsp_response_cache` the same size as `certificate_servers`; at most 200 MB).',
      }),
    ];
  if (c.lua === 'auto-ssl')
    return [
      step({
        action: 'set',
        directive: 'lua_shared_dict',
        value: 'auto_ssl 10m',
        context: 'http',
        text: 'Enlarge `lua_shared_dict auto_ssl` in the http block, e.g. `lua_shared_dict auto_ssl 10m;` (lua-resty-auto-ssl README: 1 MB holds the certificates of about 100 domains); leave `lua_shared_dict auto_ssl_settings 64k;` as it is.',
      }),
    ];
  return [
    step({
      action: 'set',
      directive: 'nginx_config.http.lua_shared_dict.ocsp-stapling',
      context: 'APISIX conf/config.yaml',
      text: "Enlarge the script's `lua_shared_dict` for OCSP responses; with Apache APISIX, `nginx_config.http.lua_shared_dict.ocsp-stapling` in conf/config.yaml (default 10m).",
    }),
  ];
}

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

/**
 * The socache provider `SSLStaplingCache` names that no loaded module provides (rule
 * `apache-stapling-cache-provider-unknown`: httpd's "SSLStaplingCache: 'X' stapling cache not supported … Maybe
 * you need to load the appropriate socache module (mod_socache_X?)", ssl_cmd_SSLStaplingCache() in
 * modules/ssl/ssl_engine_config.c, 2.4.x), as a word fit for a command; null for any other finding.
 */
function unloadedProvider(c: CauseContext): string | null {
  if (c.gnutls || c.lua || !c.rules.has('apache-stapling-cache-provider-unknown')) return null;
  return /^[A-Za-z0-9_]+$/.test(c.d.detail ?? '') ? c.d.detail! : 'PROVIDER';
}

/**
 * The fix for a provider no module provides: load its module (`default` is registered by mod_socache_shmcb, and by
 * mod_socache_dbm as a fallback: modules/cache/mod_socache_shmcb.c), or name a provider that is loaded.
 */
function providerFix(p: string): ReturnType<CauseModule['fix']> {
  const m = p === 'default' ? 'shmcb' : p;
  return {
    summary: `Load mod_socache_${m}, which \`SSLStaplingCache ${p}\` needs, or name a provider that is loaded.`,
    steps: [
      step({
        action: 'run',
        command: `a2enmod socache_${m}   # or: LoadModule socache_${m}_module modules/mod_socache_${m}.so`,
        text: `Load mod_socache_${m} (Debian and Ubuntu: \`a2enmod\`; elsewhere a \`LoadModule\` line in the server config, which httpd reads before it looks the provider up), then restart httpd.`,
      }),
      {
        ...step({
          action: 'set',
          directive: 'SSLStaplingCache',
          value: 'shmcb:/var/run/ssl_stapling(32768)',
          context: 'server config',
          text: 'Name a provider that is loaded instead: `SSLStaplingCache "shmcb:/var/run/ssl_stapling(32768)"` with mod_socache_shmcb loaded.',
        }),
        alternative: true,
      },
    ],
  };
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
    lua: 'ingress-nginx: `lua-shared-dicts: "ocsp_response_cache: N"` in its ConfigMap; lua-resty-auto-ssl: a larger `lua_shared_dict auto_ssl`; APISIX: `nginx_config.http.lua_shared_dict.ocsp-stapling`.',
  },
  captured: 'Apache 2.4.68 (samples/real)',
  inspections: [],
  variant: (c) => (unloadedProvider(c) !== null ? 'provider-unloaded' : cacheMissing(c) && !c.lua ? 'missing' : 'default'),
  messages: {
    missing: () => 'Apache has SSLUseStapling on but no SSLStaplingCache, so mod_ssl refuses to start.',
    'provider-unloaded': (c) =>
      `SSLStaplingCache names the socache provider "${c.d.detail ?? ''}", which no loaded module provides, so httpd refuses to start ("stapling cache not supported … Maybe you need to load the appropriate socache module").`,
    default: (c) =>
      c.lua
        ? `The shared dictionary ${LUA_NAMES[c.lua]} keeps OCSP responses in is full or failing${c.d.detail ? ` (${c.d.detail})` : ''}, so responses are evicted or not stored and must be fetched again.`
        : `Apache's OCSP stapling cache is missing or failing${c.d.detail ? ` (${c.d.detail})` : ''}, so responses cannot be stored and stapled.`,
  },
  fix: (c) =>
    unloadedProvider(c) !== null
      ? providerFix(unloadedProvider(c)!)
      : c.lua
        ? { summary: 'Give the script a larger shared dictionary for OCSP responses.', steps: luaCacheSteps(c) }
        : c.gnutls
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
