/**
 * Structured parts shared by many stapling messages, extracted once in code (like the line prefixes)
 * so that rule regexes only need to recognise the message:
 *
 * - nginx's stapling context suffix (`ngx_ssl_ocsp_log_error()`, `src/event/ngx_event_openssl_stapling.c`):
 *   ` while requesting certificate status, responder: HOST[, peer: IP:PORT][, certificate: "PATH"]`
 *   (`peer`/`certificate` since 1.11.7) — catalogue §1.5.
 * - OpenSSL error blocks: nginx ` (SSL: error:XXXXXXXX:lib:func:reason[:data] …)` (`ngx_ssl_error()`),
 *   Apache `SSL Library Error: error:XXXXXXXX:lib:func:reason (data)` (`ssl_log_ssl_error()`), in the
 *   1.0.x/1.1.x (`lib:FUNC:reason`), 3.x (`lib::reason`) and LibreSSL (`CRYPTO_internal`) renderings —
 *   catalogue §1.6, §4.
 * - Apache's status prefix (`log_apr_status()`, httpd `server/log.c`): `(111)Connection refused`,
 *   `(EAI 2)Name or service not known`, `(70007)The timeout specified has expired`.
 */
import type { Values } from '../types.js';

/** nginx's stapling context at the end of a message (exported for the rule export's pipelines). */
export const NGINX_OCSP_CONTEXT =
  / while requesting certificate status, responder: (?<responder>[^,\s]+)(?:, peer: (?<peer>\[[0-9A-Fa-f:.]+\]:\d+|[^,\s]+))?(?:, certificate: "(?<certificate>[^"]*)")?\s*$/;

/** Values from nginx's stapling context suffix, or null when the message has none. */
export function nginxOcspContext(message: string): Values | null {
  const i = message.lastIndexOf(' while requesting certificate status, responder: ');
  if (i === -1) return null;
  const m = NGINX_OCSP_CONTEXT.exec(message.slice(i));
  if (!m?.groups) return null;
  const v: Values = { responder: m.groups.responder! };
  if (m.groups.peer) v.peer = m.groups.peer;
  if (m.groups.certificate !== undefined) v.certificate = m.groups.certificate;
  return v;
}

/** One entry of an OpenSSL error queue as printed by `ERR_error_string_n()`. */
export interface OpensslError {
  code: string;
  lib: string;
  /** Function name; empty for OpenSSL 3.x, `CRYPTO_internal` for LibreSSL. */
  func: string;
  reason: string;
  data: string | null;
}

// error:HEX8:lib:func:reason[:data]; reason and data end at the next entry or the block's end.
const ENTRY = /error:([0-9A-Fa-f]{8}):([^:]*):([^:]*):/g;

/**
 * Split an OpenSSL error text into entries. Accepts nginx's `:`-joined data and Apache's `(data)`.
 * Entries are separated by ` error:XXXXXXXX:` (nginx puts several on one line).
 */
export function parseOpensslErrors(text: string): OpensslError[] {
  const starts: { index: number; end: number; code: string; lib: string; func: string }[] = [];
  for (const m of text.matchAll(ENTRY)) starts.push({ index: m.index, end: m.index + m[0].length, code: m[1]!, lib: m[2]!, func: m[3]! });
  const out: OpensslError[] = [];
  starts.forEach((s, i) => {
    const stop = i + 1 < starts.length ? starts[i + 1]!.index : text.length;
    let body = text.slice(s.end, stop).trim();
    let data: string | null = null;
    // Apache: `reason (data)`, the data may itself contain colons (`(Verify error:unable to …)`);
    // nginx: `reason:data`. A reason never contains a colon, so a colon before ` (` means nginx's form.
    const paren = /^([^:]*?) \((.*)\)$/.exec(body);
    if (paren) {
      body = paren[1]!;
      data = paren[2]!;
    } else {
      const c = body.indexOf(':');
      if (c !== -1) {
        data = body.slice(c + 1);
        body = body.slice(0, c);
      }
    }
    out.push({ code: s.code.toUpperCase(), lib: s.lib, func: s.func, reason: body, data });
  });
  return out;
}

/** The `(SSL: …)` block of an nginx message, or Apache's `SSL Library Error: …` text; null when none. */
export function opensslBlock(message: string): string | null {
  const ssl = message.indexOf('(SSL:');
  if (ssl !== -1) {
    const tail = message.slice(ssl + 5);
    const close = tail.lastIndexOf(') while ');
    const end = close !== -1 ? close : tail.lastIndexOf(')');
    return (end === -1 ? tail : tail.slice(0, end)).trim();
  }
  const lib = message.indexOf('SSL Library Error: ');
  // mod_ssl may append ` -- annotation` (ssl_log_ssl_error()); it is not part of the OpenSSL text.
  if (lib !== -1)
    return message
      .slice(lib + 19)
      .replace(/ -- [^()]*$/, '')
      .trim();
  return null;
}

/**
 * Values from an OpenSSL error text: `opensslError` (the whole text), `opensslReason` and `verifyError`.
 *
 * `opensslReason` is the reason of the first entry of the OCSP library (`OCSP routines`), else of the
 * first entry: OpenSSL queues lower-level errors before the OCSP one (`asn1 …::EVP lib` before
 * `OCSP routines::signature failure`) and follow-up errors after it (`missing ocspsigning usage` before
 * `root ca not trusted`), and the first OCSP reason is the one that names the cause (catalogue §4.1).
 * `verifyError` is the X.509 string after `Verify error:` (1.x) or `Verify error: ` (3.x).
 */
export function opensslValues(block: string): Values {
  const entries = parseOpensslErrors(block);
  const v: Values = { opensslError: block };
  const first = entries.find((e) => e.lib === 'OCSP routines') ?? entries[0];
  if (first) v.opensslReason = first.reason;
  for (const e of entries) {
    const m = e.data ? /(?:^|:)Verify error: ?(.+)$/.exec(e.data) : null;
    if (m) {
      v.verifyError = m[1]!.trim();
      break;
    }
  }
  return v;
}

/** Values from Apache's status prefix: `errno` (`111`, `EAI 2`, `70007`) and `errorText`. */
export function apacheStatusValues(status: string): Values {
  const m = /^\(([^)]*)\)(.*)$/.exec(status);
  if (!m) return {};
  return { errno: m[1]!, errorText: m[2]!.trim() };
}
