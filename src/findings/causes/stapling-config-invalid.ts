/**
 * `stapling-config-invalid`: a stapling directive has a value or combination the server refuses.
 * Sources: Apache mod_ssl "…: invalid argument" for the SSLStapling* timeouts (modules/ssl/ssl_engine_config.c);
 * mod_md "MDStapling … mod_watchdog" (modules/md/mod_md_ocsp.c); nginx "\"ssl_stapling\" is incompatible with
 * \"ssl_certificate_compression\"" (src/http/modules/ngx_http_ssl_module.c); mod_gnutls "Must-Staple is set in
 * the host certificate of '%s:%d', but stapling is disabled!" (src/gnutls_hooks.c, error; its post-config hook
 * fails, so Apache does not start), worded as `must-staple-off`. From `check` only (no server logs it):
 * `variable-certificate`, nginx `ssl_stapling on` with a certificate loaded per handshake (a variable in
 * `ssl_certificate`, nginx 1.15.9+: `ngx_ssl_stapling()` sets stapling up only for the certificates loaded
 * with the configuration, src/event/ngx_event_openssl_stapling.c).
 */
import { setting, step, type CauseContext, type CauseModule } from './kit.js';

function fixApache(c: CauseContext) {
  const directive = c.d.directive;
  if (directive) {
    const set = step({
      action: 'set',
      directive,
      valueKind: 'seconds',
      context: 'server config',
      text: `Set \`${directive}\` to a non-negative number of seconds (or remove it to use the default).`,
    });
    return { summary: `Give ${directive} a valid value.`, steps: [set] };
  }
  const load = step({
    action: 'run',
    command: 'a2enmod watchdog   # or: LoadModule watchdog_module modules/mod_watchdog.so',
    text: "Load mod_watchdog (mod_md's stapling runs in a watchdog), or set `MDStapling off`.",
  });
  return { summary: 'Load mod_watchdog for MDStapling, or turn MDStapling off.', steps: [load] };
}

/** What turning stapling on needs besides the directive (mod_gnutls: its manual's "OCSP Stapling Configuration" requirements). */
const STAPLING_NEEDS = {
  nginx: '',
  apache: ' (with an `SSLStaplingCache` in the server config)',
  gnutls:
    " (mod_gnutls needs the issuer CA after the certificate in `GnuTLSCertificateFile`, an OCSP cache, by default mod_socache_shmcb's, and an OCSP URL in the certificate or a `GnuTLSOCSPResponseFile`)",
};

/** Which Must-Staple message applies: the log's `detail`, or `must-staple-off` for mod_gnutls's only such line. */
function mustStaple(c: CauseContext): string | null {
  if (c.d.detail === 'must-staple-off' || c.d.detail === 'must-staple-first-handshake') return c.d.detail;
  return c.gnutls ? 'must-staple-off' : null;
}

/** A Must-Staple certificate on a block that does not (or not from the first handshake) staple. */
function mustStapleFix(c: CauseContext) {
  if (mustStaple(c) === 'must-staple-off') {
    const on = step({
      action: 'set',
      directive: c.dir.stapling,
      value: 'on',
      context: c.dir.site,
      text: `Turn stapling on for it: ${setting(c.server, c.dir.stapling, 'on')}${STAPLING_NEEDS[c.nginx ? 'nginx' : c.gnutls ? 'gnutls' : 'apache']}; or use a certificate without Must-Staple.`,
    });
    return { summary: 'Staple for the Must-Staple certificate, or replace it.', steps: [on] };
  }
  const file = step({
    action: 'set',
    directive: 'ssl_stapling_file',
    valueKind: null,
    context: 'server',
    text: 'Give nginx the response before the first handshake: fetch it with `openssl ocsp … -respout FILE` (by cron, before nextUpdate) and name FILE in `ssl_stapling_file`; or use a certificate without Must-Staple.',
  });
  return { summary: 'Staple from the first handshake: a refreshed ssl_stapling_file.', steps: [file] };
}

/** nginx with a certificate path that holds a variable: name each certificate, or stop asking for stapling there. */
function variableCertificateFix() {
  const name = step({
    action: 'set',
    directive: 'ssl_certificate',
    valueKind: 'file:leaf-and-chain',
    context: 'server',
    text: 'Name each certificate with its own `ssl_certificate` (a `server {}` per name, or several `ssl_certificate` lines without variables): nginx staples those; or set `ssl_stapling off;` here.',
  });
  return { summary: 'Load the certificates with the configuration (no variable in ssl_certificate) to have them stapled.', steps: [name] };
}

export const staplingConfigInvalid: CauseModule = {
  id: 'stapling-config-invalid',
  title: 'Stapling configuration rejected',
  meaning:
    'A stapling directive has a value or a combination the server refuses (a negative timeout, ssl_stapling with ssl_certificate_compression, MDStapling without mod_watchdog), so it does not start or does not staple. Added because none of the other causes names a rejected directive, and its fix is to correct that directive.',
  brief: {
    apache:
      'Correct the directive named in the message (non-negative seconds for the SSLStapling* timeouts; load mod_watchdog for MDStapling).',
    nginx: 'Turn off one of `ssl_stapling` and `ssl_certificate_compression`.',
    gnutls:
      '`GnuTLSOCSPStapling on` for a Must-Staple certificate (its issuer in `GnuTLSCertificateFile`, mod_socache_shmcb loaded), or a certificate without Must-Staple.',
  },
  captured: 'Apache 2.4.68 configtest (rule samples)',
  inspections: [],
  variant: (c) => mustStaple(c) ?? (c.d.detail === 'variable-certificate' ? 'variable-certificate' : 'default'),
  messages: {
    'must-staple-off': (c) =>
      `${c.cert}${c.vhost} asks for OCSP Must-Staple, but stapling is off for it: clients that honour Must-Staple (Firefox) refuse every connection.`,
    'must-staple-first-handshake': (c) =>
      `${c.cert} asks for OCSP Must-Staple, but nginx staples only from the second handshake after each start or reload (it fetches the response on the first one), so the first clients that honour Must-Staple are refused.`,
    'variable-certificate': (c) =>
      `${c.cert} is loaded per handshake (a variable in its path), and nginx staples only the certificates it loads with the configuration: with \`ssl_stapling on\` this server never staples, and nginx logs nothing about it.`,
    default: (c) =>
      `${c.srv} rejects the stapling configuration${c.d.directive ? ` (${c.d.directive})` : ''}, so it does not start or does not staple.`,
  },
  fix(c) {
    if (mustStaple(c)) return mustStapleFix(c);
    if (c.d.detail === 'variable-certificate') return variableCertificateFix();
    if (!c.nginx) return fixApache(c);
    const remove = step({
      action: 'remove',
      directive: 'ssl_certificate_compression',
      context: 'server',
      text: 'Remove `ssl_certificate_compression on;` where `ssl_stapling on;` is set (or turn stapling off there).',
    });
    return { summary: 'Do not combine ssl_stapling with ssl_certificate_compression.', steps: [remove] };
  },
};
