/**
 * `response-not-current`: thisUpdate/nextUpdate of the OCSP response do not cover the current time.
 * Sources: Apache AH01936 "stapling_check_response: response times invalid" (modules/ssl/ssl_util_stapling.c);
 * nginx "OCSP_check_validity() failed" (src/event/ngx_event_openssl_stapling.c), OpenSSL `status expired`,
 * `status not yet valid` (crypto/ocsp/ocsp_cl.c).
 */
import { autoSslNewCertificate, luaStaplingOff, staplingFileSteps, step, type CauseModule } from './kit.js';

export const responseNotCurrent: CauseModule = {
  id: 'response-not-current',
  title: 'Response not current',
  meaning: "The OCSP response's thisUpdate/nextUpdate do not cover the current time: a stale responder or a wrong server clock.",
  brief: {
    apache: 'Check the clock (NTP); `SSLStaplingResponseTimeSkew`/`SSLStaplingResponseMaxAge`.',
    nginx: 'Check the clock (NTP); otherwise the CA serves stale responses.',
    gnutls:
      'Check the clock (NTP); refresh a `GnuTLSOCSPResponseFile` before nextUpdate; otherwise the CA serves stale responses (mod_gnutls has no skew setting).',
    lua: 'Check the clock (NTP; ngx.ocsp allows 5 minutes of skew); otherwise the CA serves stale responses.',
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real)',
  inspections: ['ocsp-url'],
  variant: (c) => (c.d.file && c.nginx ? 'stapling-file' : 'default'),
  messages: {
    'stapling-file': (c) =>
      `The ssl_stapling_file "${c.d.file}" holds a response for ${c.cert} that is no longer current${c.d.detail ? ` (nextUpdate ${c.d.detail})` : ''}: nginx staples it as it is — it never refreshes the file — and clients reject it.`,
    default: (c) =>
      `The OCSP response for ${c.cert} from ${c.resp} is not valid now${c.d.opensslReason ? ` (${c.d.opensslReason})` : ''}: the responder serves stale data or this server's clock is wrong.`,
  },
  fix(c) {
    if (c.d.file && c.nginx && !c.lua) return { summary: `Regenerate ${c.d.file} and keep it fresh.`, steps: staplingFileSteps(c) };
    const steps = [step({ action: 'run', command: 'timedatectl status', text: 'Make sure the clock is right (NTP synchronised).' })];
    // ngx.ocsp checks the times with 300 s of leeway (lua-nginx-module src/ngx_http_lua_ssl_ocsp.c, OCSP_check_validity);
    // a Lua script has no setting for it, so beyond the clock it is the CA's (or, just issued, a matter of time).
    if (c.lua)
      return {
        summary: "Check the server clock; otherwise the CA's responder serves stale responses.",
        steps: [
          { ...steps[0]!, text: "Make sure this host's clock is right (NTP synchronised): ngx.ocsp allows only 5 minutes of skew." },
          ...autoSslNewCertificate(c),
          ...luaStaplingOff(c, 'While the CA serves stale responses', true),
        ],
      };
    if (c.gnutls) {
      steps.push(
        step({
          action: 'check',
          directive: 'GnuTLSOCSPResponseFile',
          text: 'If `GnuTLSOCSPResponseFile` names a response file, fetch a fresh response into it well before its nextUpdate (mod_gnutls never refreshes the file); a stale responder needs the CA to fix it (mod_gnutls has no setting for clock skew).',
        }),
      );
    } else if (!c.nginx) {
      steps.push(
        step({
          action: 'set',
          directive: 'SSLStaplingResponseTimeSkew',
          value: '600',
          context: 'server config',
          optional: true,
          text: "Only if the responder's clock is a few minutes off: allow more skew than the default 300 s, `SSLStaplingResponseTimeSkew 600` (seconds). A stale responder needs the CA to fix it.",
        }),
      );
    }
    return { summary: 'Check the server clock; otherwise the CA serves stale responses.', steps };
  },
};
