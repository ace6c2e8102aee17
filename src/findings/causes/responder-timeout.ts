/**
 * `responder-timeout`: the responder did not answer in time.
 * Sources: Apache's OCSP transport errors with a timeout status (AH01974 connect, AH01977/AH01978 read,
 * modules/ssl/ssl_util_ocsp.c) confirmed by AH01941; nginx "OCSP responder timed out"
 * (src/event/ngx_event_openssl_stapling.c). Catalogue §3.6.
 */
import type { FixStep } from '../../types.js';
import {
  type CauseContext,
  luaProxySteps,
  luaStaplingOff,
  responderEndpoint,
  responderPortWords,
  responderUrl,
  step,
  type CauseModule,
} from './kit.js';

/**
 * What a Lua script's timeout is and where it can be changed: lua-resty-auto-ssl's `httpc:set_timeout(10000)`
 * (ssl_certificate.lua:174 at 71259605) is fixed and the fetch runs in the handshake; ingress-nginx's
 * `set_timeout(1000, 1000, 2000)` (certificate.lua:89 at dbb11b92) is fixed, its fetch runs in a background
 * timer (line 205); the lib/ngx/ocsp.md example passes `timeout = 10000` to `http.request` (lua-resty-core
 * a103a6fc); APISIX sets none, so the cosocket defaults apply (apisix/plugins/ocsp-stapling.lua:66-73 at f519a0f0).
 */
const LUA_TIMEOUT = {
  'auto-ssl':
    'The timeout of lua-resty-auto-ssl (10 s) is fixed and it fetches during the TLS handshake, so handshakes of certificates without a cached response wait for it',
  'ingress-nginx':
    'The ingress-nginx controller fetches in the background with a fixed short timeout (no ConfigMap key), so handshakes are not delayed, only left without a staple',
  'ngx.ocsp':
    "The ngx.ocsp example sets `timeout = 10000` (ms) in its `http.request()` options, which you can change in the script; APISIX sets none (nginx's cosocket defaults apply)",
} as const;

/** A Lua script's fix: egress first, then the script's own proxy, or stopping its stapling. */
function luaFix(c: CauseContext, check: FixStep): { summary: string; steps: FixStep[] } {
  const lua = c.lua ?? 'ngx.ocsp';
  return {
    summary: 'Let the responder answer in time.',
    steps: [
      {
        ...check,
        text: `Check that ${responderEndpoint(c.s).host ?? 'the responder'} answers over ${responderPortWords(c.s)} from ${lua === 'ingress-nginx' ? 'the ingress-nginx controller pods (NetworkPolicy, firewall)' : 'this server'}: a firewall that drops packets causes timeouts. ${LUA_TIMEOUT[lua]}.`,
      },
      ...luaProxySteps(c),
      ...luaStaplingOff(c, 'While the responder cannot be reached in time', true),
    ],
  };
}

export const responderTimeout: CauseModule = {
  id: 'responder-timeout',
  title: 'Responder timed out',
  meaning: 'The OCSP responder did not answer in time (packets dropped by a firewall, or a slow responder).',
  brief: {
    apache: "Allow outbound TCP to the responder's port (usually 80); raise `SSLStaplingResponderTimeout`.",
    nginx: "Allow outbound TCP to the responder's port (usually 80); nginx's 60 s responder timeout is fixed.",
    gnutls: "Allow outbound TCP to the responder's port (usually 80); raise `GnuTLSOCSPSocketTimeout` (default 6 s).",
    lua: "Allow outbound TCP to the responder's port; the scripts' timeouts are fixed (the ngx.ocsp example's `timeout` is in the script); lua-resty-auto-ssl: or `http_proxy_options`.",
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real); mod_md 2.6.10',
  inspections: ['ocsp-url'],
  messages: {
    default: (c) =>
      `${c.resp} did not answer ${c.srv === 'The server' ? 'the server' : c.srv} in time, so it has no fresh OCSP response to staple.`,
  },
  fix(c) {
    const steps = [
      step({
        action: 'check',
        command: `curl -sv -o /dev/null --max-time 10 ${responderUrl(c.s)}`,
        text: `Check that ${responderEndpoint(c.s).host ?? 'the responder'} answers over ${responderPortWords(c.s)} from this server (a firewall that drops packets causes timeouts).`,
      }),
    ];
    if (c.lua) return luaFix(c, steps[0]!);
    if (c.gnutls) {
      steps.push(
        step({
          action: 'set',
          directive: 'GnuTLSOCSPSocketTimeout',
          value: '15',
          context: 'server config, virtual host',
          text: 'For a slow responder, raise `GnuTLSOCSPSocketTimeout 15` (seconds without any socket activity; default 6).',
        }),
      );
    } else if (!c.nginx) {
      steps.push(
        step({
          action: 'set',
          directive: 'SSLStaplingResponderTimeout',
          value: '15',
          valueKind: null,
          context: 'server config',
          text: 'For a slow responder, raise `SSLStaplingResponderTimeout 15` (seconds; default 10).',
        }),
      );
    }
    return { summary: 'Let the responder answer in time.', steps };
  },
};
