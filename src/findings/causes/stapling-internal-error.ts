/**
 * `stapling-internal-error`: OpenSSL or the stapling module failed internally.
 * Sources: Apache mod_ssl AH02216 "error allocating memory", AH02215 certificate already initialised, AH01927
 * response encode failure (modules/ssl/ssl_util_stapling.c), AH01989 request serialise failure
 * (modules/ssl/ssl_util_ocsp.c); mod_md encode/save errors (modules/md/md_ocsp.c); ingress-nginx's Lua OCSP
 * helpers (rootfs/etc/nginx/lua/certificate.lua).
 */
import type { FixStep } from '../../types.js';
import { LUA_NAMES, luaStaplingOff, step, type CauseContext, type CauseModule } from './kit.js';

/**
 * A Lua script's internal failures are ngx.ocsp's (lua-nginx-module src/ngx_http_lua_ssl_ocsp.c at bbed32a6:
 * `OCSP_cert_to_id() failed`, `d2i_X509_bio() failed` …) or a crash in it, which the rule lua-crash-in-ocsp
 * attributes to a bug or to lua-nginx-module and lua-resty-core of mismatched versions (lua-nginx-module issue
 * 2339, ingress-nginx issue 11588).
 */
function luaFix(c: CauseContext): { summary: string; steps: FixStep[] } {
  return {
    summary: 'Check memory and the ngx.ocsp error; run matching lua-nginx-module and lua-resty-core.',
    steps: [
      step({
        action: 'check',
        text: `Check free memory and the ngx.ocsp error in the line${c.d.detail ? ` (${c.d.detail})` : ''}; a \`d2i_…() failed\` error means ngx.ocsp could not decode the certificate chain the script handed it.`,
      }),
      step({
        action: 'check',
        command: 'nginx -V',
        text: 'Make sure lua-nginx-module and lua-resty-core come from matching releases (an OpenResty release, or the ingress-nginx image as built), and update them.',
      }),
      ...luaStaplingOff(c, 'Until then', true),
    ],
  };
}

export const staplingInternalError: CauseModule = {
  id: 'stapling-internal-error',
  title: 'TLS library failed inside stapling',
  meaning:
    'OpenSSL (or the stapling module) failed internally: out of memory, an unavailable digest/provider, a broken or mismatched build, or a server bug. Not a configuration mistake the log can pin down. Added so that these messages are reported without a misleading configuration fix.',
  brief: {
    apache: 'Check memory and the OpenSSL error in the line; check OpenSSL provider/FIPS configuration; update httpd and OpenSSL.',
    nginx: 'Check memory and the OpenSSL error in the line; make sure nginx runs with the OpenSSL it was built for; update.',
    gnutls: 'Check memory and the GnuTLS error in the line; make sure mod_gnutls runs with the GnuTLS it was built for; update both.',
    lua: 'Check memory and the ngx.ocsp error in the line; run lua-nginx-module and lua-resty-core of matching releases; update.',
  },
  captured: "none (rendered from the servers' format strings)",
  inspections: [],
  messages: {
    default: (c) =>
      c.lua
        ? `ngx.ocsp (lua-nginx-module) failed internally while ${LUA_NAMES[c.lua]} stapled ${c.cert}${c.d.detail ? ` (${c.d.detail})` : ''}: out of memory, a chain it cannot decode, mismatched OpenResty modules, or a bug.`
        : `${c.srv} failed internally while stapling ${c.cert}${c.d.opensslReason ? ` (${c.d.opensslReason})` : c.d.detail ? ` (${c.d.detail})` : ''}: out of memory, a broken or mismatched TLS library, or a server bug.`,
  },
  fix: (c) =>
    c.lua
      ? luaFix(c)
      : c.gnutls
        ? gnutlsFix(c)
        : {
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
          },
};

/** mod_gnutls's internal failures are GnuTLS's (its error text and negative code in the line), not OpenSSL's. */
function gnutlsFix(c: CauseContext): { summary: string; steps: FixStep[] } {
  return {
    summary: 'Check memory and GnuTLS; update mod_gnutls.',
    steps: [
      step({
        action: 'check',
        text: `Check free memory and the GnuTLS error in the line${c.d.detail ? ` (${c.d.detail})` : ''}${/random/i.test(c.d.detail ?? '') ? "; a random-generator error points at the system's entropy source" : ''}.`,
      }),
      step({
        action: 'check',
        command: "ldd /usr/lib/apache2/modules/mod_gnutls.so | grep -i libgnutls   # the module's path on Debian/Ubuntu",
        text: "Make sure mod_gnutls runs with the GnuTLS library it was built for, and update both (mod_gnutls 0.12.0+ fixes stapling with the Let's Encrypt responder and with virtual hosts).",
      }),
    ],
  };
}
