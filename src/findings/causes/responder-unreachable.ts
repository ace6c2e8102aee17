/**
 * `responder-unreachable`: no connection to the responder (refused, no route, unreachable).
 * Sources: Apache AH01974 "could not connect to OCSP responder / proxy", AH01977/AH01978 read failures, and
 * the AH01941 that confirms a stapling fetch (modules/ssl/ssl_util_ocsp.c, ssl_util_stapling.c, 2.4);
 * nginx "connect() to … failed … while requesting certificate status" (src/event/ngx_event_connect.c).
 */
import {
  apacheOcspProxy,
  luaProxySteps,
  luaStaplingOff,
  type CauseModule,
  gnutlsResponseFile,
  paren,
  responderEndpoint,
  responderPortWords,
  responderUrl,
  step,
} from './kit.js';

export const responderUnreachable: CauseModule = {
  id: 'responder-unreachable',
  title: 'Responder unreachable',
  meaning:
    'The server could not connect to the OCSP responder (refused, no route, network unreachable), usually an egress firewall or broken IPv6.',
  brief: {
    apache: "Allow outbound TCP to the responder's port (usually 80), fix IPv6, or set `SSLOCSPProxyURL`.",
    nginx: "Allow outbound TCP to the responder's port (usually 80); `resolver … ipv6=off;` when IPv6 is broken.",
    gnutls:
      "Allow outbound TCP to the responder's port (usually 80) and fix IPv6 (mod_gnutls has no proxy setting); or staple from `GnuTLSOCSPResponseFile`.",
    lua: "Allow outbound TCP to the responder's port (from the ingress-nginx pods); lua-resty-auto-ssl: or `http_proxy_options`; broken IPv6: `resolver \u2026 ipv6=off;` or ingress-nginx's `disable-ipv6-dns`.",
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real); mod_md 2.6.10',
  inspections: ['ocsp-url'],
  variant: (c) => (!c.s.responder && !c.s.host && c.d.proxy ? 'proxy' : 'default'),
  messages: {
    proxy: (c) =>
      `${c.srv} could not connect to its OCSP proxy (SSLOCSPProxyURL) ${c.d.proxy}${paren(c.d.errorText)}, so it has no fresh OCSP response to staple.`,
    default: (c) => `${c.srv} could not connect to ${c.resp}${paren(c.d.errorText)}, so it has no fresh OCSP response to staple.`,
  },
  fix(c) {
    // ingress-nginx writes nginx's resolver itself; its ConfigMap key `disable-ipv6-dns` drops the AAAA answers
    // (docs/user-guide/nginx-configuration/configmap.md at dbb11b92).
    const noV6 =
      c.lua === 'ingress-nginx' ? ' or set `disable-ipv6-dns: "true"` in the ConfigMap' : c.nginx ? ' or add `ipv6=off` to `resolver`' : '';
    const ipv6 = c.s.peers?.some((p) => p.startsWith('[')) ? `; the failing addresses are IPv6: fix IPv6 routing${noV6}` : '';
    const from = c.lua === 'ingress-nginx' ? 'the ingress-nginx controller pods (NetworkPolicy, firewall)' : 'this server';
    const steps = [
      step({
        action: 'check',
        command: `curl -sv -o /dev/null ${responderUrl(c.s)}`,
        text: `Allow outbound ${responderPortWords(c.s)} from ${from} to ${responderEndpoint(c.s).host ?? 'the responder'}${ipv6}.`,
      }),
    ];
    if (c.lua)
      return {
        summary: 'Let the server reach the OCSP responder over HTTP.',
        steps: [...steps, ...luaProxySteps(c), ...luaStaplingOff(c, 'While the responder cannot be reached', true)],
      };
    steps.push(...apacheOcspProxy(c, 'Where only a proxy may reach the internet: `SSLOCSPProxyURL http://proxy:3128/` (httpd 2.4.19+).'));
    if (c.gnutls) steps.push(gnutlsResponseFile(c, 'Where the server may not reach the internet (mod_gnutls has no proxy setting)'));
    return { summary: 'Let the server reach the OCSP responder over HTTP.', steps };
  },
};
