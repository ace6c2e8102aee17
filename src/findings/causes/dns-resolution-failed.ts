/**
 * `dns-resolution-failed`: the responder (or the OCSP proxy) name did not resolve.
 * Sources: Apache AH01972 "could not resolve address of OCSP responder / proxy" (modules/ssl/ssl_util_ocsp.c,
 * 2.4); nginx "… could not be resolved (…) while requesting certificate status" and the other resolver
 * errors (src/core/ngx_resolver.c), "host not found in OCSP responder" at start-up
 * (src/event/ngx_event_openssl_stapling.c). Catalogue §3.5.
 */
import type { FixStep } from '../../types.js';
import { apacheOcspProxy, hostOfHostPort, luaResolverSteps, paren, shellWord, step, type CauseModule } from './kit.js';

/**
 * The host name that did not resolve, without the port Apache's AH01972 and nginx's "host not found in
 * OCSP responder" log with it (`retired-ocsp.example:8080`); undefined when the log names none.
 */
const hostName = (s: { host?: string; responder?: string }): string | undefined => {
  const v = s.host ?? s.responder;
  return v === undefined ? undefined : hostOfHostPort(v);
};

/** The name to check, one shell word ({@link shellWord}). */
const name = (s: { host?: string; responder?: string }): string => shellWord(hostName(s), 'RESPONDER');

/**
 * Apache AH01972 "could not resolve address of proxy HOST:PORT" (2.4.19+): the name that failed is the
 * proxy's from `SSLOCSPProxyURL`, not the responder's, so the check looks it up and the fix corrects it
 * (sending requests through a proxy is what failed).
 */
function proxyFix(proxy: string): { summary: string; steps: FixStep[] } {
  const host = hostOfHostPort(proxy);
  return {
    summary: 'Make the OCSP proxy name resolvable on the server, or correct `SSLOCSPProxyURL`.',
    steps: [
      step({
        action: 'check',
        command: `getent hosts ${shellWord(host, 'PROXY')}`,
        text: `Check that the proxy's name ${host} resolves on the server (fix /etc/resolv.conf, allow DNS egress; at boot, start the server after network-online.target).`,
      }),
      step({
        action: 'set',
        directive: 'SSLOCSPProxyURL',
        valueKind: 'url:http-proxy',
        context: 'VirtualHost',
        alternative: true,
        text: `Correct the proxy's host in \`SSLOCSPProxyURL\` (now ${proxy}), or remove the directive to ask the responder directly.`,
      }),
    ],
  };
}

export const dnsResolutionFailed: CauseModule = {
  id: 'dns-resolution-failed',
  title: 'Responder name did not resolve',
  meaning: "The responder host name could not be resolved by the server's DNS resolver.",
  brief: {
    apache: 'Fix the system resolver (`/etc/resolv.conf`), allow DNS egress, or `SSLOCSPProxyURL`.',
    nginx: 'Point `resolver` at a working recursive DNS server; make DNS available before nginx starts.',
    gnutls:
      'Fix the system resolver (`/etc/resolv.conf`) and allow DNS egress: mod_gnutls resolves the responder itself and has no proxy setting.',
    lua: "Point `resolver` at a working DNS server (lua-resty-auto-ssl, ngx.ocsp scripts); APISIX: `apisix.dns_resolver`; ingress-nginx: the controller pod's DNS.",
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real)',
  inspections: ['ocsp-url'],
  variant: (c) =>
    !c.s.host && !c.s.responder && c.d.proxy ? 'proxy' : !c.s.host && !c.s.responder && c.d.resolver ? 'resolver' : 'default',
  messages: {
    proxy: (c) =>
      `${c.srv} could not resolve the name of its OCSP proxy (SSLOCSPProxyURL) ${c.d.proxy}${paren(c.d.errorText)}, so it cannot fetch a response to staple.`,
    resolver: (c) =>
      `${c.srv} could not reach its DNS resolver ${c.d.resolver}${paren(c.d.errorText)}, so it cannot resolve the OCSP responder.`,
    default: (c) =>
      `${c.srv} could not resolve the OCSP responder name ${c.s.host ?? c.s.responder ?? ''}${paren(c.d.errorText)}, so it cannot fetch a response to staple.`.replace(
        'name  ',
        'name ',
      ),
  },
  fix(c) {
    if (c.lua) {
      // A Lua script's cosocket resolves with nginx's `resolver`, which ingress-nginx and APISIX write themselves (kit.ts luaResolverSteps).
      const host = hostName(c.s) ?? 'the responder name';
      return {
        summary: 'Give the script a DNS server that resolves the responder name.',
        steps: [
          ...luaResolverSteps(c, host),
          step({
            action: 'check',
            command: `getent hosts ${name(c.s)}`,
            text: `Check that ${host} resolves ${c.lua === 'ingress-nginx' ? 'inside the controller pod' : 'on the server'} (allow DNS egress).`,
          }),
        ],
      };
    }
    if (!c.nginx && !c.s.host && !c.s.responder && c.d.proxy) return proxyFix(c.d.proxy);
    if (c.nginx && c.d.detail === 'host not found') {
      // Config-time "host not found in OCSP responder": nginx resolved the name with the system
      // resolver (getaddrinfo) at start-up; its `resolver` directive plays no part there.
      const check = step({
        action: 'check',
        command: `getent hosts ${name(c.s)}`,
        text: `nginx resolves ${hostName(c.s) ?? 'the responder'} with the system resolver when it starts: fix /etc/resolv.conf or /etc/hosts, allow DNS egress, and start nginx after network-online.target; then reload.`,
      });
      return { summary: 'Make the responder name resolvable by the system when nginx starts.', steps: [check] };
    }
    const steps: FixStep[] = [];
    if (c.nginx) {
      steps.push(
        step({
          action: 'set',
          directive: 'resolver',
          valueKind: 'dns-server',
          context: 'http',
          text: `Point \`resolver\` at a recursive DNS server that resolves ${c.s.host ?? c.s.responder ?? 'the responder'} (allow UDP/TCP 53 to it); raise \`resolver_timeout\` if it is slow.`,
        }),
      );
    }
    steps.push(
      step({
        action: 'check',
        command: `getent hosts ${name(c.s)}`,
        text: `Check that ${hostName(c.s) ?? 'the responder name'} resolves on the server (fix /etc/resolv.conf, allow DNS egress; at boot, start the server after network-online.target).`,
      }),
    );
    steps.push(
      ...apacheOcspProxy(
        c,
        'Send responder requests through an HTTP proxy that can resolve it: `SSLOCSPProxyURL http://proxy:3128/` (httpd 2.4.19+).',
      ),
    );
    const summary = c.nginx
      ? "Make the responder name resolvable through nginx's resolver."
      : 'Make the responder name resolvable on the server.';
    return { summary, steps };
  },
};
