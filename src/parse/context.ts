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
import type { ValueName, Values, ValuesCut } from '../types.js';
import { requoted, withoutInvisible } from './normalize.js';

/** nginx's stapling context at the end of a message (exported for the rule export's pipelines). */
export const NGINX_OCSP_CONTEXT =
  / while requesting certificate status, responder: (?<responder>[^,\s]+)(?:, peer: (?<peer>\[[0-9A-Fa-f:.]+\]:\d+|[^,\s]+))?(?:, certificate: "(?<certificate>[^"]*)")?\s*$/;

/** Values from nginx's stapling context suffix, or null when the message has none. */
export function nginxOcspContext(message: string): Values | null {
  const i = message.lastIndexOf(' while requesting certificate status, responder: ');
  if (i === -1) return null;
  const context = message.slice(i);
  // (Or with its path in single quotes or code marks, as a retyped line writes it: `requoted()`.)
  const m = NGINX_OCSP_CONTEXT.exec(context) ?? NGINX_OCSP_CONTEXT.exec(requoted(context) ?? '');
  if (!m?.groups) return null;
  const v: Values = { responder: m.groups.responder! };
  if (m.groups.peer) v.peer = m.groups.peer;
  if (m.groups.certificate !== undefined) v.certificate = m.groups.certificate;
  return v;
}

/** What introduces nginx's stapling context (`ngx_ssl_ocsp_log_error()`: the action, then the keys). */
const OCSP_ACTION = ' while requesting certificate status';
/** The keys of nginx's stapling context, in the order nginx writes them (`peer` and `certificate` may be absent). */
const OCSP_KEYS = ['responder', 'peer', 'certificate'] as const;

/**
 * nginx's stapling context read from a message a poster cut short (see {@link nginxOcspContextCut}): the
 * values written whole before the cut; `lost`, those nginx always writes (responder, certificate) not
 * read and a path cut inside its quotes; `partial`, a value that ran into the marker.
 */
export interface CutContext extends ValuesCut {
  /** The values written whole before the cut (and a partial one as written). */
  values: Values;
}

/**
 * nginx's stapling context in a message a poster cut short (`…, responder: ocsp.digic…`, `…, pe…`,
 * `…, certificate: "/etc/ssl/ser…`), which {@link nginxOcspContext} does not read (it wants the context
 * whole): the values written whole before the cut, and what the cut took. A path cut inside its quotes is
 * lost (nginx closes them). An unquoted value that the marker touches may have been cut (`ocsp.digic…`)
 * or be whole with a marker after the line (`ocsp.startssl.com…`, older nginx ends with the responder):
 * it is kept as written and said to be `partial`; one that a blank, or the comma of the next key, parts
 * from the marker is whole.
 * A key followed by nothing but the marker (`responder: ...`) has the marker for its value, as written:
 * it stands for the whole value, a redaction.
 * @param message the message with the poster's cut marker taken off its end (`withoutCutMarker()`)
 * @param marker the marker as written (`...`, `…`, `[...]`)
 * @param touching whether the marker followed the text without a blank
 * @returns null when the message holds no such context
 */
export function nginxOcspContextCut(message: string, marker: string, touching: boolean): CutContext | null {
  const text = message.trimEnd();
  const at = text.lastIndexOf(OCSP_ACTION);
  if (at === -1) return null;
  let rest = text.slice(at + OCSP_ACTION.length);
  const values: Values = {};
  const lost: ValueName[] = [];
  const partial: ValueName[] = [];
  for (let k = 0; k < OCSP_KEYS.length && rest !== ''; k++) {
    const key = OCSP_KEYS[k]!;
    const head = `, ${key}: `;
    if (!rest.startsWith(head)) {
      // A key and its colon, then the marker (`responder: ...`): the marker stands for the value, a
      // redaction read as written; what followed it is not known.
      const redacted = OCSP_KEYS.slice(k).find((later) => rest === `, ${later}:`);
      if (redacted !== undefined) {
        values[redacted] = marker;
        rest = '';
        break;
      }
      // The cut fell inside a key (`, pe`): nothing more was written whole.
      if (OCSP_KEYS.slice(k).some((later) => `, ${later}: `.startsWith(rest))) rest = '';
      // nginx leaves `peer` out before it connects; the responder is always there.
      else if (k === 0) return null;
      continue;
    }
    const value = rest.slice(head.length);
    if (value === '') return null;
    // (A comma after it began the next separator: `responder: ocsp.example.com,...` is whole.)
    const end = key === 'certificate' ? quotedEnd(value) : unquotedEnd(value);
    if (end === -1) {
      // The value runs to the cut: a path without its closing quote is lost; another is kept, partial when the marker touched it.
      if (key === 'certificate') lost.push(key);
      else {
        values[key] = value;
        if (touching) partial.push(key);
      }
      rest = '';
    } else {
      values[key] = key === 'certificate' ? value.slice(1, end - 1) : value.slice(0, end);
      rest = value.slice(end);
    }
  }
  if (rest.trim() !== '') return null;
  // The values nginx always writes and the cut took whole, and those it cut in their middle, in nginx's order.
  return { values, lost: OCSP_KEYS.filter((k) => lost.includes(k) || (k !== 'peer' && values[k] === undefined)), partial };
}

/** Where an unquoted value ends: at the `, ` before the next key, or at a comma that ends the text; -1 when it runs to the end. */
function unquotedEnd(value: string): number {
  const i = value.indexOf(', ');
  return i !== -1 ? i : value.endsWith(',') ? value.length - 1 : -1;
}

/** Where a quoted value (`"/etc/ssl/a.pem"…`) ends, after its closing quote; -1 when it is not closed. */
function quotedEnd(value: string): number {
  if (!value.startsWith('"')) return -1;
  const close = value.indexOf('"', 1);
  return close === -1 ? -1 : close + 1;
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
  // Read without a copy's invisible characters (OpenSSL writes none in its codes and texts); the block as written.
  const entries = parseOpensslErrors(withoutInvisible(block));
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
