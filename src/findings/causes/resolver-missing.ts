/**
 * `resolver-missing`: nginx has no `resolver` to look up the responder at run time.
 * Source: nginx "no resolver defined to resolve %V while requesting certificate status" / "… in the
 * certificate" (src/event/ngx_event_openssl_stapling.c, warn), rule nginx-no-resolver. Catalogue §3.5.
 */
import { LUA_NAMES, luaResolverSteps, step, type CauseModule } from './kit.js';

export const resolverMissing: CauseModule = {
  id: 'resolver-missing',
  title: 'No resolver for the responder',
  meaning:
    'nginx has no `resolver`, so it cannot look up the responder host at run time and keeps using the addresses it resolved at start-up.',
  brief: {
    apache: null,
    nginx: '`resolver <DNS server>;` (and `resolver_timeout 5s;`) in `http` or `server`.',
    lua: "`resolver <DNS server>;` in `http` (lua-resty-auto-ssl, ngx.ocsp scripts); APISIX: `apisix.dns_resolver`; ingress-nginx: the controller pod's DNS.",
  },
  captured: 'nginx 1.22.1 (samples/real)',
  inspections: ['ocsp-url'],
  messages: {
    // A cosocket without a resolver fails outright: lua-nginx-module src/ngx_http_lua_socket_tcp.c:819 "no resolver defined to resolve".
    default: (c) =>
      c.lua
        ? `${LUA_NAMES[c.lua].replace(/^t/, 'T')} could not look up ${c.s.host ?? c.s.responder ?? 'the OCSP responder'}: nginx has no \`resolver\` for its cosocket, so it cannot fetch an OCSP response to staple.`
        : `nginx has no resolver to look up ${c.s.host ?? c.s.responder ?? 'the OCSP responder'} at run time; it keeps using the addresses resolved at start-up, which breaks stapling when the CA's addresses change.`,
  },
  fix: (c) =>
    c.lua
      ? {
          summary: "Give nginx's cosocket a DNS resolver for the responder.",
          steps: luaResolverSteps(c, c.s.host ?? c.s.responder ?? 'the responder'),
        }
      : {
          summary: 'Give nginx a DNS resolver for the responder.',
          steps: [
            step({
              action: 'set',
              directive: 'resolver',
              valueKind: 'dns-server',
              context: 'http',
              text: `Add \`resolver <DNS server IP> valid=300s;\` (a recursive DNS server this host can reach, e.g. the one in /etc/resolv.conf) in the http block so nginx can look up ${c.s.host ?? c.s.responder ?? 'the responder'} at run time.`,
            }),
            step({
              action: 'set',
              directive: 'resolver_timeout',
              value: '5s',
              context: 'http',
              text: 'Add `resolver_timeout 5s;` next to it.',
            }),
          ],
        },
};
