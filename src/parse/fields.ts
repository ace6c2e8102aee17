/**
 * Fields inside a line that peers (Filebeat/Elastic, Logstash, lnav, fail2ban) extract and that the
 * servers write in a fixed form:
 *
 * - the client address and port: Apache 2.4 `[client 203.0.113.5:51234]` / `[client [2001:db8::1]:443]`
 *   / `[client ::1:58619]` (httpd `server/log.c`, `log_ctime`… `"[client %s:%d] "`: always with the
 *   port), Apache 2.2 `[client 127.0.0.1]` (no port), nginx `, client: 203.0.113.5` (address only);
 * - nginx's trailing context (`ngx_http_log_error()` in `src/http/ngx_http_request.c`:
 *   `, client: %V, server: %V, request: "%V", subrequest: "%V", upstream: "%V", host: "%V",
 *   referrer: "%V"`; the stream module `, (udp )?client: %V, server: %V, upstream: "%V", bytes from/to
 *   client:%O/%O, bytes from/to upstream:%O/%O`, the mail module `, client: %V( using starttls)?, server: %V,
 *   login: "%V", upstream: %V`, the resolver `, resolver: %V`; lua-nginx-module puts
 *   `, context: ssl_certificate_by_lua*` before `client`), and the stapling context
 *   (`ngx_ssl_ocsp_log_error()`: ` while requesting certificate status, responder: H, peer: P,
 *   certificate: "C"`).
 */

/**
 * An Apache message's leading AH tag (`AH01630: client denied …` → `AH01630` and the rest), as `APLOGNO()`
 * writes it (httpd `include/http_log.h`); `code` is null when the message has none.
 */
export function splitAhCode(message: string): { code: string | null; message: string } {
  const m = /^AH\d{5}(?=: )/.exec(message);
  return m ? { code: m[0], message: message.slice(m[0].length + 2) } : { code: null, message };
}

/** A client text split into address and port (ECS `client.ip`/`client.port`). */
export interface ClientAddress {
  address: string;
  port: number | null;
}

/**
 * Split a client text into address and port.
 * @param text as written: `1.2.3.4:5678`, `[2001:db8::1]:443`, `::1:58619`, `1.2.3.4`
 * @param withPort whether the format always writes a port (Apache 2.4), so that a trailing `:digits`
 *   of an unbracketed IPv6 address is the port
 */
export function splitClient(text: string, withPort: boolean): ClientAddress {
  const bracket = /^\[([^\]]*)\](?::(\d{1,5}))?$/.exec(text);
  if (bracket) return { address: bracket[1]!, port: bracket[2] ? Number(bracket[2]) : null };
  if (withPort) {
    const m = /^(.*?):(\d{1,5})$/s.exec(text);
    // The address part must be non-empty; for IPv4 and names a single colon separates the port.
    if (m && m[1] !== '' && (m[1]!.includes(':') || !text.slice(0, -m[2]!.length - 1).includes(':'))) {
      return { address: m[1]!, port: Number(m[2]) };
    }
  } else {
    // No port in this format, except an IPv4 address or name with one colon (a proxied or stream client).
    const m = /^([^:]+):(\d{1,5})$/.exec(text);
    if (m) return { address: m[1]!, port: Number(m[2]) };
  }
  return { address: text, port: null };
}

/** Keys nginx writes in a message's trailing context, in nginx's own names. */
export const NGINX_CONTEXT_KEYS = [
  'context',
  'client',
  'server',
  'request',
  'subrequest',
  'upstream',
  'host',
  'referrer',
  'login',
  'resolver',
  'responder',
  'peer',
  'certificate',
  'bytes from/to client',
  'bytes from/to upstream',
] as const;
export type NginxContextKey = (typeof NGINX_CONTEXT_KEYS)[number];

// One `, key: value` pair; quoted values may lack their closing quote (a message cut by a paste). The stream
// module writes its client as `udp client` for UDP (`ngx_stream_log_error()`, kept as `client`) and its byte
// counts as `, bytes from/to client:N/N, bytes from/to upstream:N/N` (`ngx_stream_proxy_log_error()`).
const KEYS = NGINX_CONTEXT_KEYS.filter((k) => !k.startsWith('bytes '));
const PAIR = new RegExp(`, (?:(udp client|${KEYS.join('|')}): ("[^"]*"?|[^,]*)|(bytes from/to (?:client|upstream)):(\\d+/\\d+))`, 'y');
const STARTS = [', context: ', ', client: ', ', udp client: ', ', responder: ', ', server: ', ', resolver: '];
const START_KEYS = new Set(['context', 'client', 'responder', 'server', 'resolver']);
// The mail module's `, client: C using starttls, server: S` (`ngx_mail_log_error()`): the suffix is not the address.
const STARTTLS = ' using starttls';

/**
 * nginx's trailing context as `key → value` (quotes removed), or null when the message has none.
 * The context is the longest run of `, key: value` pairs that reaches the end of the message.
 * @param message the message after the nginx prefix
 */
export function nginxContext(message: string): Partial<Record<NginxContextKey, string>> | null {
  let best = -1;
  const memo: ChainMemo = {};
  for (const s of STARTS) {
    const i = message.indexOf(s);
    if (i !== -1 && (best === -1 || i < best) && chainReachesEnd(message, i, memo)) best = i;
  }
  if (best === -1) {
    // The start marker may also occur inside the message; try its later occurrences.
    for (const s of STARTS) {
      for (let i = message.lastIndexOf(s); i > 0; i = message.lastIndexOf(s, i - 1)) {
        if (chainReachesEnd(message, i, memo)) {
          if (best === -1 || i < best) best = i;
          break;
        }
      }
    }
  }
  if (best === -1) return null;
  const pairs: [NginxContextKey, string][] = [];
  PAIR.lastIndex = best;
  for (let m = PAIR.exec(message); m; m = PAIR.exec(message)) {
    const key = (m[1] === 'udp client' ? 'client' : (m[1] ?? m[3])) as NginxContextKey;
    let v = (m[2] ?? m[4]!).trimEnd();
    if (v.startsWith('"')) v = v.endsWith('"') && v.length > 1 ? v.slice(1, -1) : v.slice(1);
    else if (key === 'client' && v.endsWith(STARTTLS)) v = v.slice(0, -STARTTLS.length);
    pairs.push([key, v]);
    if (PAIR.lastIndex >= message.length) break;
  }
  // nginx writes each key once, at the end: the context is the longest run of distinct keys that ends the
  // message and begins where nginx begins one. Pairs before it are message text that looked like context
  // (a user name `"a, client: b"` in `user "…": password mismatch, client: …`).
  let from = 0;
  const seen = new Set<string>();
  for (let j = pairs.length - 1; j >= 0 && !seen.has(pairs[j]![0]); j--) {
    seen.add(pairs[j]![0]);
    if (START_KEYS.has(pairs[j]![0])) from = j;
  }
  const out: Partial<Record<NginxContextKey, string>> = {};
  for (const [key, v] of pairs.slice(from)) if (out[key] === undefined) out[key] = v;
  return out;
}

/**
 * Does the message end with nginx's trailing context: `nginxContext(message) !== null`, without taking
 * its values (some occurrence of a start marker begins a run of pairs that reaches the end)?
 */
export function hasNginxContext(message: string): boolean {
  const memo: ChainMemo = {};
  for (const s of STARTS)
    for (let i = message.indexOf(s); i !== -1; i = message.indexOf(s, i + 1)) if (chainReachesEnd(message, i, memo)) return true;
  return false;
}

/** Answers of {@link chainReachesEnd} by pair start, for one message: 1 reaches the end, 2 does not. */
interface ChainMemo {
  known?: Uint8Array;
}

/**
 * Whether `, key: value` pairs starting at `i` run to the end of the message (trailing blanks allowed).
 * @param memo answers already known by pair start, shared by the calls on one message: a chain that steps on
 *   a start walked before has that start's answer (the rest of the walk is the same), so each start is
 *   walked once and trying every occurrence of a marker stays linear (it was quadratic on a long run of
 *   `, client: 1` that does not reach the end).
 */
function chainReachesEnd(message: string, i: number, memo?: ChainMemo): boolean {
  const known = memo?.known;
  if (known?.[i]) return known[i] === 1;
  let result: boolean | undefined;
  let end = i;
  PAIR.lastIndex = i;
  while (result === undefined) {
    if (!PAIR.exec(message)) result = end > i && message.slice(end).trim() === '';
    else if ((end = PAIR.lastIndex) >= message.length) result = true;
    else if (known?.[end]) result = known[end] === 1;
  }
  if (memo) {
    // Walk the same pairs again to write the answer at each start (cheaper than keeping them in an array).
    const k = (memo.known ??= new Uint8Array(message.length + 1));
    const mark = result ? 1 : 2;
    PAIR.lastIndex = i;
    for (let p = i; p < end && !k[p]; p = PAIR.lastIndex) {
      k[p] = mark;
      if (!PAIR.exec(message)) break;
    }
  }
  return result;
}
