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
import { fastPathsOn } from './fast-path.js';

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
  if (text.charCodeAt(0) !== 0x5b /* [ */ && fastPathsOn()) return splitUnbracketed(text, withPort);
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

/**
 * {@link splitClient} on a text that does not start with `[`, by character tests instead of its regexes (a
 * client is split on every Apache 2.4 line with a client block and every nginx line with a context). With a
 * port, the address ends at the last colon (the lazy regex's first colon that only digits follow); without,
 * at the only colon.
 */
function splitUnbracketed(text: string, withPort: boolean): ClientAddress {
  const at = withPort ? text.lastIndexOf(':') : text.indexOf(':');
  if (at > 0 && (withPort || text.indexOf(':', at + 1) === -1) && isPort(text, at + 1)) {
    return { address: text.slice(0, at), port: Number(text.slice(at + 1)) };
  }
  return { address: text, port: null };
}

/** Is the text from `from` to its end one to five ASCII digits (`\d{1,5}$`)? */
function isPort(text: string, from: number): boolean {
  const n = text.length - from;
  if (n < 1 || n > 5) return false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
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
 * The context is the longest run of `, key: value` pairs that reaches the end of the message; of it, the
 * last run of distinct keys that begins where nginx begins one (nginx writes each key once, at the end).
 * @param message the message after the nginx prefix
 */
export function nginxContext(message: string): Partial<Record<NginxContextKey, string>> | null {
  // The earliest start found is walked first, without a memo: the answer is the earliest start whose chain
  // reaches the end, and nginx's own context does from there. The memo's array of the message's length was
  // a typed array allocated per nginx line (issue 15), as in hasNginxContext().
  const first = earliestStart(message);
  if (first === -1) return null;
  let pairs: string[] = [];
  let best = first;
  if (!chainReachesEnd(message, first, undefined, pairs)) ({ best, pairs } = earliestChain(message));
  if (best === -1) return null;
  if (pairs.length >= MAX_KEPT) chainReachesEnd(message, best, undefined, (pairs = []), Infinity);
  return contextOf(pairs);
}

/**
 * Where the first of nginx's context start markers ({@link STARTS}) occurs in the message, or -1. Each starts
 * with `, `: the first `, ` a marker follows is the earliest (one scan, where a search per marker read the whole
 * message for each marker it lacks, 4 % of parsing an nginx line).
 */
function earliestStart(message: string): number {
  if (!fastPathsOn()) return earliestStartEach(message);
  for (let i = message.indexOf(', '); i !== -1; i = message.indexOf(', ', i + 1)) {
    for (const s of STARTS) if (message.startsWith(s, i)) return i;
  }
  return -1;
}

/** {@link earliestStart} by a search for each marker (the shortcuts off). */
function earliestStartEach(message: string): number {
  let first = -1;
  for (const s of STARTS) {
    const i = message.indexOf(s);
    if (i !== -1 && (first === -1 || i < first)) first = i;
  }
  return first;
}

/**
 * When the earliest start's chain does not reach the end: the earliest of the starts whose chain does, each
 * marker's first occurrence tried before its later ones, and the pairs its chain read (`best` -1: none).
 */
function earliestChain(message: string): { best: number; pairs: string[] } {
  let best = -1;
  const memo: ChainMemo = {};
  let pairs: string[] = [];
  let scratch: string[] = [];
  for (const s of STARTS) {
    const i = message.indexOf(s);
    if (i !== -1 && (best === -1 || i < best) && chainReachesEnd(message, i, memo, scratch)) {
      best = i;
      [pairs, scratch] = [scratch, pairs];
    }
  }
  if (best !== -1) return { best, pairs };
  // The start marker may also occur inside the message; try its later occurrences.
  for (const s of STARTS) {
    for (let i = message.lastIndexOf(s); i > 0; i = message.lastIndexOf(s, i - 1)) {
      if (chainReachesEnd(message, i, memo, scratch)) {
        if (best === -1 || i < best) {
          best = i;
          [pairs, scratch] = [scratch, pairs];
        }
        break;
      }
    }
  }
  return { best, pairs };
}
// Pair texts a chain keeps on its way (keys and values): a real context has about a dozen; a long run of
// look-alike pairs is read again, once, for the chain that wins (keeping it all costs more than that).
const MAX_KEPT = 64;

/**
 * The context from a chain's raw pairs (key, value, key, value …): quotes removed, `udp client` and
 * `client: C using starttls` read as the client, and only the last run of distinct keys that begins where
 * nginx begins one: pairs before it are message text that looked like context (a user name `"a, client: b"`
 * in `user "…": password mismatch, client: …`).
 */
function contextOf(pairs: readonly string[]): Partial<Record<NginxContextKey, string>> {
  const n = pairs.length / 2;
  // From the end back, the run of distinct keys: it ends at the first key seen again, so at most one more step than
  // there are keys (NGINX_CONTEXT_KEYS) is taken, each a test of the keys after it (no Set per line).
  let from = 0;
  for (let j = n - 1; j >= 0; j--) {
    const key = keyAt(pairs, j);
    let again = false;
    for (let k = j + 1; k < n && !again; k++) again = keyAt(pairs, k) === key;
    if (again) break;
    if (START_KEYS.has(key)) from = j;
  }
  const out: Partial<Record<NginxContextKey, string>> = {};
  for (let j = from; j < n; j++) {
    const key = keyAt(pairs, j);
    let v = pairs[2 * j + 1]!.trimEnd();
    if (v.startsWith('"')) v = v.endsWith('"') && v.length > 1 ? v.slice(1, -1) : v.slice(1);
    else if (key === 'client' && v.endsWith(STARTTLS)) v = v.slice(0, -STARTTLS.length);
    if (out[key] === undefined) out[key] = v;
  }
  return out;
}

/** The key of a chain's `j`th raw pair ({@link contextOf}), `udp client` read as `client`. */
function keyAt(pairs: readonly string[], j: number): NginxContextKey {
  const key = pairs[2 * j]!;
  return (key === 'udp client' ? 'client' : key) as NginxContextKey;
}

/**
 * Does the message end with nginx's trailing context: `nginxContext(message) !== null`, without taking
 * its values (some occurrence of a start marker begins a run of pairs that reaches the end)?
 */
export function hasNginxContext(message: string): boolean {
  // The first start found is walked without a memo: nginx's own context reaches the end from it, and the
  // memo's array of the message's length was a typed array allocated per line (issue 15: per look-alike
  // line). Only when it does not are all the starts walked again with the memo (at most twice linear).
  const first = earliestStart(message);
  if (first === -1) return false;
  if (chainReachesEnd(message, first)) return true;
  const memo: ChainMemo = {};
  for (const s of STARTS)
    for (let i = message.indexOf(s); i !== -1; i = message.indexOf(s, i + 1)) if (chainReachesEnd(message, i, memo)) return true;
  return false;
}

/**
 * The key and raw value of the {@link PAIR} at `[from, to)` of the message, pushed: `, key: value` or
 * `, bytes from/to client:N/N`. No key holds `:`, so the key ends at the first one; `: ` follows every key
 * but the byte counts', whose value is digits.
 */
function pushPair(message: string, from: number, to: number, pairs: string[]): void {
  const sep = message.indexOf(':', from + 2);
  pairs.push(pairKey(message, from + 2, sep), message.slice(message.charCodeAt(sep + 1) === 0x20 ? sep + 2 : sep + 1, to));
}

/** The keys a {@link PAIR} may have, by their first character's code. */
const KEYS_BY_FIRST: string[][] = [];
for (const k of [...NGINX_CONTEXT_KEYS, 'udp client']) (KEYS_BY_FIRST[k.charCodeAt(0)] ??= []).push(k);

/**
 * The key at `[from, to)` of the message as the constant it equals, not a slice: {@link contextOf} compares keys
 * and names properties with them, which a slice made V8 hash and look up each time (issue 15: per nginx line).
 */
function pairKey(message: string, from: number, to: number): string {
  for (const k of KEYS_BY_FIRST[message.charCodeAt(from)] ?? []) {
    if (k.length === to - from && message.startsWith(k, from)) return k;
  }
  return message.slice(from, to);
}

/** What {@link chainReachesEnd} learnt on one message: the chain that walked each pair start, and its answer. */
interface ChainMemo {
  walkedBy?: Int32Array;
  answers?: boolean[];
}

/**
 * Whether `, key: value` pairs starting at `i` run to the end of the message (trailing blanks allowed).
 * @param memo shared by the calls on one message: a chain that steps on a start an earlier chain walked has
 *   that chain's answer (the rest of the walk is the same), so each start is walked once and trying every
 *   occurrence of a marker stays linear (it was quadratic on a long run of `, client: 1` that does not
 *   reach the end)
 * @param pairs when given, emptied and filled with the keys and raw values read, in turn
 * @param keep how many pair texts to keep in `pairs` at most
 */
function chainReachesEnd(message: string, i: number, memo?: ChainMemo, pairs?: string[], keep = MAX_KEPT): boolean {
  let walkedBy: Int32Array | undefined;
  let id = 0;
  if (memo) {
    walkedBy = memo.walkedBy ??= new Int32Array(message.length + 1);
    const answers = (memo.answers ??= []);
    // A known answer ends the walk, unless it is yes and the pairs are wanted.
    if (walkedBy[i] && !(answers[walkedBy[i]! - 1] && pairs)) return answers[walkedBy[i]! - 1]!;
    id = answers.push(false);
  }
  if (pairs) pairs.length = 0;
  let result: boolean | undefined;
  let end = i;
  PAIR.lastIndex = i;
  while (result === undefined) {
    if (walkedBy) walkedBy[end] = id;
    // Only where each pair ends: a kept pair's key and value are sliced from it (no match array per pair).
    const from = PAIR.lastIndex;
    if (!PAIR.test(message)) result = end > i && message.slice(end).trim() === '';
    else {
      if (pairs && pairs.length < keep) pushPair(message, from, PAIR.lastIndex, pairs);
      end = PAIR.lastIndex;
      if (end >= message.length) result = true;
      else if (walkedBy?.[end] && !(memo!.answers![walkedBy[end]! - 1] && pairs)) result = memo!.answers![walkedBy[end]! - 1]!;
    }
  }
  if (memo) memo.answers![id - 1] = result;
  return result;
}
