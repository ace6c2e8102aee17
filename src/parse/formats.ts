/**
 * The servers' own line prefixes (after any wrapper is removed), sources in the reference catalogue §1, §6:
 *
 * - Apache 2.4 (`do_errorlog_default()`, httpd `server/log.c`):
 *   `[time] [module:level] [pid P(:tid T)?] (file.c(123): )?((errno)text: )?([client ip:port] )?(AHnnnnn: )?message(, referer: …)?`.
 *   `ErrorLogFormat` variants: the time as `%{cu}t` (`2019-06-01 18:02:11.467856`), with an offset
 *   (`2025-07-22 15:45:51.323610 +0200`) or absent (syslog output); `%m` empty (`[:error]`) or `%-m`
 *   (`[-:error]`); no pid block.
 *   Log-ID blocks `[R:%L]`, `[C:%{c}L]`, `[C:%{C}L]` (httpd's own advanced example, `log_log_id()`) before or after
 *   the pid block are taken out as `requestLogId` / `connectionLogId` (`%-L`'s `-` is none). netnea's and OWASP CRS's
 *   `[%{cu}t] [%-m:%-l] %-a %-L %M`: the client `ip:port` and the request log ID bare after the level block.
 *   A status may lack its colon before the client block (`(13)Permission denied [client …]`, ops-agent's sample).
 * - Apache 2.2 (`log_error_core()` @ 2.2.34): `[Www Mmm DD HH:MM:SS YYYY] [level] (file(n): )?([client ip] )?((errno)text: )?message`.
 *   Pastes may lose the opening bracket or collapse the blanks of a space-padded day (`Sun Aug 5 16:23:04 2001] …`).
 * - Apache start-up lines (`APLOG_STARTUP`, `server/config.c`): `AHnnnnn: message`.
 * - nginx (`ngx_log_error_core()`, `src/core/ngx_log.c`): `YYYY/MM/DD HH:MM:SS [level] pid#tid: (*cid )?message`;
 *   pastes also show it with the date cut (`[error] 35#35: …`) or the year's first digits lost (`021/09/23 …`):
 *   then the time is null and the rest of the prefix is kept.
 * - nginx's stderr copy at start-up and `nginx -t`: `nginx: [level] message`.
 */
import type { ParsedLine } from '../types.js';
import { apacheTimeToIso } from './time.js';
import { nginxContext, splitAhCode, splitClient } from './fields.js';
import { fastPathsOn } from './fast-path.js';

export const LEVEL = '(?:emerg|alert|crit|error|warn|notice|info|debug|trace[1-8])';
/** nginx's level names in its prefix (src/core/ngx_log.c err_levels). */
export const NGX_LEVEL = '(?:emerg|alert|crit|error|warn|notice|info|debug)';
/**
 * The program name nginx writes before what it prints on stderr (`nginx -t`, start-up): `nginx: `
 * (`ngx_log_stderr()` and the console copy of `ngx_log_error_core()`, src/core/ngx_log.c), and Angie's,
 * an nginx fork with nginx's directives and log lines, `angie: ` (the same functions in Angie's
 * src/core/ngx_log.c). Its error log file's lines are nginx's to the byte.
 */
export const NGX_PROGRAM = '(?:nginx|angie)';

// The time shapes apacheTimeToIso() reads (no capturing groups: the prefixes' groups are numbered). The ctime
// form's day may come unpadded (`Sun Aug 5 16:26:02 2001`: a paste that collapsed the blanks of `Aug  5`).
const APACHE_TIME =
  '[A-Z][a-z]{2} [A-Z][a-z]{2} [ \\d]?\\d \\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})? \\d{4}(?: [+-]\\d{4})?' +
  '|\\d{4}(?:-\\d{2}-|/\\d{2}/)\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?(?: ?[+-]\\d{2}:?\\d{2}|Z)?' +
  '|\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2}(?: [+-]\\d{4})?';

/**
 * The regex with its named groups made plain, numbered in the same order (no back references by name in
 * it): V8 builds a `groups` object for every match of a regex with names, and the prefixes below are
 * matched on every line a rule may match (issue 15: densely failing logs). Their names stay in the
 * source for the reader; the code reads the numbers, each with its name beside it.
 */
function positional(re: RegExp): RegExp {
  return new RegExp(re.source.replace(/\(\?<([A-Za-z]\w*)>/g, '('), re.flags);
}

/**
 * A field of a custom `ErrorLogFormat` in brackets of its own, before the level block: the virtual host `[%v]`
 * (`[www.example.com]`, `[www.example.com:443]` with `%v:%p`), an environment or note value (`[%{UNIQUE_ID}e]`).
 * One token, no blank or bracket in it: the level block must follow.
 */
const CUSTOM_FIELD_BEFORE_LEVEL = '(?:\\[[^\\]\\[\\s]{1,255}\\] )?';
// Apache 2.4: time optional (syslog output has none); module optional, empty or `-`; pid block optional
// only when the module/level block has the 2.4 colon form (2.2 lines have neither).
// Groups: 1 time, 2 module, 3 level, 4 pid, 5 tid, 6 rest.
const APACHE24 = positional(
  new RegExp(
    `^(?:\\[(?<time>${APACHE_TIME})\\] )?${CUSTOM_FIELD_BEFORE_LEVEL}` +
      `\\[(?:(?<module>[^:\\]\\s]*):)(?<level>${LEVEL})\\] ` +
      '(?:\\[pid (?<pid>\\d+)(?::tid (?<tid>\\d+))?\\] ?)?' +
      '(?<rest>.*)$',
    's',
  ),
);
// What follows the pid block in 2.4: debug source, status, client, AH code.
const STATUS = '\\((?:EAI -?\\d+|OS \\d+|os 0x[0-9a-fA-F]{8}|-?\\d+)\\)[^:\\[\\]]*';
// The status's end: `%E: ` as httpd's formats write it, or no colon right before the client block (the sample line
// `(13)Permission denied [client 72.15.99.187]` of Google's ops-agent tests and docs); the status is trimmed.
const STATUS_END = '(?:: |(?=\\[(?:client|remote) ))';
/**
 * A field of a custom `ErrorLogFormat` in brackets of its own after the pid block (`[vhost %v]`, `[%v:%p]`,
 * `[%-L:%-{c}L]` as `[-:-]`, `[%{X}e]`): taken out only where what httpd writes next follows (a debug source,
 * a status, the client block, an AH tag), so a message that starts with a bracket keeps it.
 */
const CUSTOM_FIELD_AFTER_PID =
  '(?:\\[(?!(?:client|remote) )[^\\]\\[]{1,255}\\] (?=[\\w.-]+\\(\\d+\\): |\\((?:EAI |OS |os )?-?\\w+\\)|\\[(?:client|remote) |AH\\d{5}: ))?';
// Groups: 1 src, 2 status, 3 client, 4 msg.
const APACHE24_REST = positional(
  new RegExp(
    `^${CUSTOM_FIELD_AFTER_PID}(?:(?<src>[\\w.-]+\\(\\d+\\)): )?(?:(?<status>${STATUS})${STATUS_END})?(?:\\[(?:client|remote) (?<client>[^\\]]+(?:\\][^\\]\\s]*)?)\\] )?(?<msg>.*)$`,
    's',
  ),
);
// Apache's log-ID blocks (`ErrorLogFormat` `[R:%L] [C:%{C}L]`, httpd `server/log.c` `log_log_id()`): request and
// connection ids, base64 (`core_generate_log_id()`) or mod_unique_id's; `-` from `%-L` when there is none.
const LOG_IDS = '(?:\\[[RC]:[^\\]\\s]+\\] )*';
const LOG_ID_OR_PID = /^(?:\[([RC]):([^\]\s]+)\]|\[pid (\d+)(?::tid (\d+))?\]) ?/;
// `ErrorLogFormat "[%{cu}t] [%-m:%-l] %-a %-L %M"` (netnea's Apache tutorials, OWASP CRS's test servers): the client's
// `%a` bare (`ip:port`, IPv6 unbracketed; `-` before a connection) and the request log ID `%L` (`-` when none) come
// right after the level block. Groups: 1 address:port, 2 log ID.
const BARE_CLIENT_LOG_ID = /^(?:([0-9A-Fa-f.:]+:\d{1,5})|-) ([A-Za-z0-9@+/_=-]{11,40}|-) /;
const APACHE22 = new RegExp(
  // Also 2.4 with an ErrorLogFormat that has `[%l]` without `%m` (httpd docs' own examples `[%t] [%l] [pid %P]
  // %F: %E: [client %a] %M` and `[%t] [%l] %7F: %E: [client\\ %a] %M`): pid block, status before the client.
  `^(?:\\[(?<time>${APACHE_TIME})\\] )?\\[(?<level>${LEVEL})\\] (?<ids1>${LOG_IDS})(?:\\[pid (?<pid>\\d+)(?::tid (?<tid>\\d+))?\\] )?(?<ids2>${LOG_IDS})` +
    `(?:(?<src>[\\w./-]+\\(\\d+\\)): )?(?:(?<status24>${STATUS})${STATUS_END})?` +
    '(?:\\[(?:client|remote) (?<client>[^\\]]+(?:\\][^\\]\\s]*)?)\\] )?' +
    `(?:(?<status>${STATUS}): )?(?<msg>.*)$`,
  's',
);
const APACHE_STARTUP = /^(?<code>AH\d{5}): (?<msg>.*)$/s;
// Groups: 1 y, 2 mo, 3 d, 4 t, 5 level, 6 pid, 7 tid, 8 cid, 9 msg.
const NGINX = positional(
  new RegExp(
    `^(?:(?<y>\\d{1,4})/(?<mo>\\d{2})/(?<d>\\d{2}) (?<t>\\d{2}:\\d{2}:\\d{2}) )?\\[(?<level>${NGX_LEVEL})\\] ` +
      // (A line may end right after the ids: a copy word-wrapped there, its message on the next lines.)
      '(?<pid>\\d+)#(?<tid>\\d+):(?: |$)(?:\\*(?<cid>\\d+)(?: |$))?(?<msg>.*)$',
    's',
  ),
);
/**
 * nginx's whole prefix with a connection id (`2026/11/21 00:00:02 [error] 1234#1234: *5678 `), strictly: 4-digit
 * year, a connection id that is a safe integer. {@link parseServerLine} reads such a line (unwrapped as it is:
 * `YYYY/` starts no wrapper) as `server: 'nginx'`, `format: 'nginx'`, a non-null `connectionId`, and the rest
 * of the line as its message.
 */
const NGINX_CONNECTION_PREFIX = new RegExp(`^\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} \\[${NGX_LEVEL}\\] \\d+#\\d+: \\*\\d{1,15} `);

/**
 * The length of nginx's whole prefix with a connection id at the start of a line (see `parseLine()`:
 * such a line parses as an nginx line with that connection id and `line.slice(length)` as its message), or -1.
 */
export function nginxConnectionPrefix(line: string): number {
  const m = NGINX_CONNECTION_PREFIX.exec(line);
  return m ? m[0].length : -1;
}
const NGINX_STDERR = new RegExp(`^${NGX_PROGRAM}: \\[(?<level>${NGX_LEVEL})\\] (?<msg>.*)$`, 's');
const AH_CODE = /^AH\d{5}(?=: )/;
const REFERER = /, referer: [^\n]*$/;

/** An Apache message without the `, referer: …` httpd adds at its end (the regex only when the text holds one). */
function withoutReferer(msg: string): string {
  return msg.includes(', referer: ') || !fastPathsOn() ? msg.replace(REFERER, '') : msg;
}

/** A ParsedLine with every field null and the given message. */
export function emptyLine(message: string): ParsedLine {
  return {
    server: null,
    format: null,
    wrapper: null,
    time: null,
    level: null,
    module: null,
    pid: null,
    tid: null,
    connectionId: null,
    client: null,
    clientPort: null,
    status: null,
    code: null,
    context: null,
    message,
  };
}

/** A decimal string as a safe integer, else null. */
export function toInt(s: string | undefined): number | null {
  if (s === undefined) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** Log-ID and pid blocks in any order at the start of `rest` (see {@link LOG_ID_OR_PID}). */
interface LogIds {
  rest: string;
  pid?: string;
  tid?: string;
  request?: string;
  connection?: string;
}

/** Take the log-ID blocks (and a pid block among them) off the start of the text after Apache's level block. */
function takeLogIds(text: string): LogIds {
  const out: LogIds = { rest: text };
  for (let m = LOG_ID_OR_PID.exec(text); m; m = LOG_ID_OR_PID.exec(out.rest)) {
    out.rest = out.rest.slice(m[0].length);
    if (m[3] !== undefined) {
      out.pid = m[3];
      out.tid = m[4];
    } else if (m[2] !== '-') out[m[1] === 'R' ? 'request' : 'connection'] = m[2];
  }
  return out;
}

/** Set the log ids found on a parsed line (only when there are some: most lines have none). */
function withLogIds(p: ParsedLine, ids: { request?: string; connection?: string }): ParsedLine {
  if (ids.request !== undefined) p.requestLogId = ids.request;
  if (ids.connection !== undefined) p.connectionLogId = ids.connection;
  return p;
}

/** `[R:` or `[C:` at the start of the text (a character test: this is on every Apache line's path). */
function startsWithLogId(s: string): boolean {
  const c1 = s.charCodeAt(1);
  return s.charCodeAt(0) === 0x5b && (c1 === 0x52 || c1 === 0x43) && s.charCodeAt(2) === 0x3a;
}

function apache24(line: string): ParsedLine | null {
  const g = APACHE24.exec(line);
  if (!g) return null;
  if (g[4] === undefined) {
    const bare = bareClientLine(g);
    if (bare) return bare;
  }
  const ids = startsWithLogId(g[6]!) ? takeLogIds(g[6]!) : null;
  const r = APACHE24_REST.exec(ids ? ids.rest : g[6]!)!;
  let msg = r[4]!;
  let code: string | null = null;
  const cm = AH_CODE.exec(msg);
  if (cm) {
    code = cm[0];
    msg = msg.slice(code.length + 2);
  }
  const time = g[1];
  const module = g[2];
  const rawClient = r[3];
  const client = rawClient !== undefined ? splitClient(rawClient, true) : null;
  // Written out in {@link emptyLine}'s order (a spread of it built each line twice, issue 15).
  const p: ParsedLine = {
    server: 'apache',
    format: 'apache24',
    wrapper: null,
    time: time ? apacheTimeToIso(time) : null,
    level: g[3]!,
    module: module && module !== '-' ? module : null,
    pid: toInt(g[4] ?? ids?.pid),
    tid: g[5] ?? ids?.tid ?? null,
    connectionId: null,
    client: client?.address ?? null,
    clientPort: client?.port ?? null,
    status: r[2]?.trimEnd() ?? null,
    code,
    context: null,
    message: withoutReferer(msg),
  };
  return ids ? withLogIds(p, ids) : p;
}

/**
 * An Apache line of the `%-a %-L %M` format (see {@link BARE_CLIENT_LOG_ID}), from APACHE24's groups; null when the
 * text after the level block does not start with the bare client and log ID. A `[client …]` in the message is then
 * the message's own (mod_security writes one), so it stays there.
 */
function bareClientLine(g: RegExpExecArray): ParsedLine | null {
  const rest = g[6]!;
  const c0 = rest.charCodeAt(0);
  // A hex digit, `:` or `-` first: the test of most lines ends here.
  if (!((c0 >= 0x30 && c0 <= 0x3a) || (c0 >= 0x61 && c0 <= 0x66) || (c0 >= 0x41 && c0 <= 0x46) || c0 === 0x2d)) return null;
  const b = BARE_CLIENT_LOG_ID.exec(rest);
  if (!b) return null;
  const client = b[1] !== undefined ? splitClient(b[1], true) : null;
  const ah = splitAhCode(rest.slice(b[0].length));
  const p: ParsedLine = {
    ...emptyLine(ah.message.replace(REFERER, '')),
    server: 'apache',
    format: 'apache24',
    time: g[1] ? apacheTimeToIso(g[1]) : null,
    level: g[3]!,
    module: g[2] && g[2] !== '-' ? g[2] : null,
    client: client?.address ?? null,
    clientPort: client?.port ?? null,
    code: ah.code,
  };
  if (b[2] !== '-') p.requestLogId = b[2];
  return p;
}

/**
 * A line in Apache 2.2's format: `[time] [level] [client …] message` (or 2.4 with such an ErrorLogFormat).
 * Its server is Apache unless nothing but `[level] ` (one of nginx's levels) comes before the message:
 * that much is also what a paste leaves of an nginx line whose time and pid it dropped (`[warn]
 * "ssl_stapling" ignored, no OCSP responder URL`), so the server is then unknown (null) and the rules of
 * both servers apply; with nginx's connection number after it (`[alert] *8812 …`) it is nginx's
 * ({@link levelOnlyNginx}).
 */
function apache22(line: string): ParsedLine | null {
  const g = APACHE22.exec(line)?.groups;
  if (!g) return null;
  // 2.2 writes `[client ip]`, a status after it and a ctime without microseconds; anything 2.2 never writes
  // (a pid block, a log-ID block, a status before the client, another time, an AH tag: APLOGNO() is 2.4's,
  // httpd 2.2.34 has none) makes it 2.4 with a custom ErrorLogFormat, whose `%a` always carries the port
  // (`log_remote_address()`: `%s:%d`, unbracketed, so `[client 2001:db8::1:5555]` is `2001:db8::1` port 5555;
  // in a 2.2 line it is the address `2001:db8::1:5555`).
  const ah = splitAhCode(g.msg!);
  const is24 =
    g.pid !== undefined ||
    !!g.ids1 ||
    !!g.ids2 ||
    ah.code !== null ||
    (g.status24 !== undefined && g.client !== undefined) ||
    (g.time !== undefined && !CTIME_SECONDS.test(g.time));
  const client = g.client !== undefined ? splitClient(g.client, is24) : null;
  const p: ParsedLine = {
    ...emptyLine(ah.message.replace(REFERER, '')),
    server:
      is24 ||
      g.time !== undefined ||
      g.client !== undefined ||
      g.status !== undefined ||
      g.status24 !== undefined ||
      g.src !== undefined ||
      g.level!.startsWith('trace')
        ? 'apache'
        : null,
    format: is24 ? 'apache24' : 'apache22',
    time: g.time ? apacheTimeToIso(g.time) : null,
    level: g.level!,
    pid: toInt(g.pid),
    tid: g.tid ?? null,
    client: client?.address ?? null,
    clientPort: client?.port ?? null,
    status: g.status24?.trimEnd() ?? g.status ?? null,
    code: ah.code,
  };
  if (p.server === null) return levelOnlyNginx(p);
  return g.ids1 || g.ids2 ? withLogIds(p, takeLogIds(g.ids1! + g.ids2!)) : p;
}
const CTIME_SECONDS = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * A line of nothing but `[level] ` before its message (see {@link apache22}): nginx's when the message starts
 * with its connection number (`*8812 OPENSSL_malloc() failed …`, ngx_log_error_core(): `*%uA `), which is
 * then read as nginx's ({@link withNginxFields}); else as it is, its server unknown.
 */
function levelOnlyNginx(p: ParsedLine): ParsedLine {
  const c = /^\*(\d+) /.exec(p.message);
  if (!c) return p;
  return withNginxFields({ ...p, server: 'nginx', format: 'nginx', connectionId: toInt(c[1]), message: p.message.slice(c[0].length) });
}

/**
 * Apache's bracketed prefix with a tab or blanks doubled between its fields (a shipper's or an editor's
 * reformatting: `[Mon Nov 23 …]\t[ssl:error]\t[pid 1:tid 2]\tAH01941: …`), read with one blank there; the
 * fields' own text and the message as written.
 * @returns the parse, or null when the line has no such prefix or it parses as written
 */
export function parseSpacedPrefix(line: string): ParsedLine | null {
  const m = BRACKET_FIELDS.exec(line);
  if (!m || !/\t| {2}/.test(m[0])) return null;
  return parseServerLine(m[0].replace(/\][ \t]+/g, '] ') + line.slice(m[0].length));
}
// Apache 2.4's time, module:level and pid fields: at most three (what follows is the message's own).
const BRACKET_FIELDS = /^(?:\[[^\]\n]{1,80}\][ \t]+){1,3}/;

/** A poster's mark for a cut at the start of a copy (`...`, `…`, `[...]`, `[…]`), blanks after it. */
export const CUT_MARK_AT_START = '(?:\\.{3,5}|\\u2026|\\[\\s?(?:\\.{3}|\\u2026)\\s?\\])\\s*';
/** Blanks and a poster's cut mark at the start of a text, when it has one (`[...] `, `… `). */
export const LEADING_CUT_MARK = new RegExp(`^\\s*${CUT_MARK_AT_START}`);
/**
 * Apache's mark of the source that logged a message (`ssl_util_ocsp.c(97): `), which its default format
 * writes only at level debug and the trace levels (httpd 2.4 `server/log.c`, `do_errorlog_default()`:
 * `if (info->level >= APLOG_DEBUG)`): at the start of a fragment, it says the line was Apache's and
 * logged at debug level or finer.
 */
export const SOURCE_MARK = /^[\w./-]{1,60}\.c\(\d{1,6}\): /;
/**
 * {@link SOURCE_MARK} after blanks or a poster's cut mark (a copy begun right before it), or what is left of it
 * when the copy began inside it (`.c(254): `, `(254): `, `54): `: a digit of the line number at least, or Apache's
 * status right after it: `): (70007)The timeout …`).
 */
export const SOURCE_MARK_AFTER_CUT = new RegExp(`^\\s*(?:${CUT_MARK_AT_START})?(?:[\\w./-]{0,60}\\.)?c?\\(?(?:\\d{1,6}|(?=\\): \\())\\): `);

/**
 * nginx's line in a line that fits no prefix: its `pid#tid: ` and `*connection ` (ngx_log_error_core():
 * `%P#%TID: `, then `*%uA ` on a connection's log), with its time and level before them when there. The
 * damage read through: a tab or two blanks where nginx writes one (a shipper's or an editor's
 * reformatting), a label in front of the pid, the time cut off (`5354#5354: *12 OCSP responder timed out
 * …`), the pid taken out (`2026/11/23 02:16:56 [error] OCSP responder timed out …`), or only the connection
 * number left (`*12 OCSP responder timed out …`). Looked for in the line's first {@link LOOSE_HEAD}
 * characters only; nginx's time and level only at the start.
 * @returns the line read as nginx's message (server, time, level, pid, tid, connection id; `format` stays
 *   null: no prefix was read whole), or null when it holds none of it
 */
export function looseNginx(rest: string): ParsedLine | null {
  const head = rest.length > LOOSE_HEAD ? rest.slice(0, LOOSE_HEAD) : rest;
  const lead = LOOSE_LEAD.exec(head)!;
  const dated = lead[1] !== undefined && lead[5] !== undefined;
  // After nginx's time and level, the ids follow at once (or are gone); without them, they may come after a label.
  const ids = dated ? LOOSE_IDS_AT.exec(head.slice(lead[0].length)) : (LOOSE_IDS.exec(head) ?? LOOSE_CONNECTION.exec(head));
  // (The patterns' empty groups keep the numbering the same: an empty capture is none.)
  const g = (i: number): string | undefined => ids?.[i] || undefined;
  if (!ids || (!dated && g(2) === undefined && g(4) === undefined)) return null;
  const p = emptyLine(rest.slice((dated ? lead[0].length : 0) + ids.index + ids[0].length));
  p.server = 'nginx';
  if (dated) p.time = `${lead[1]}-${lead[2]}-${lead[3]}T${lead[4]}`;
  p.level = lead[5] ?? g(1) ?? null;
  p.pid = toInt(g(2));
  p.tid = g(3) ?? null;
  p.connectionId = toInt(g(4));
  return withNginxFields(p);
}
const LOOSE_HEAD = 200;
/** The tail of `pid N:tid M` (Apache's pid field) down to nothing: `id 18008:tid 1399`, `8:tid 1399`, `tid 1399`, `399`. */
const PID_FIELD_TAIL = '(?:(?:(?:p?i)?d)? ?\\d*(?::(?:(?:t?i)?d)? ?\\d*)?|(?:(?:t?i)?d)? ?\\d*)';
/**
 * What is left of a server's prefix when a copy began inside it ({@link prefixRemnant}), after blanks and a
 * poster's cut mark: nginx's `pid#tid` or its `#tid`, digits of the ids (which of them is unknown), nginx's
 * level after the tail of `nginx: `, the tail of Apache's ctime with a whole `[module:level] ` (and `[pid …] `)
 * after it, the tail of Apache's `[module:level` (its level when whole) with a whole `[pid N:tid M] ` after
 * it, the tail of Apache's pid field, or a whole `[level] ` or `[pid N:tid M] ` after blanks or a mark.
 */
const PREFIX_REMNANT = new RegExp(
  `^\\s*(?:${CUT_MARK_AT_START})?(?:` +
    `(?:g?inx|nx|x)?: \\[(?<ngxLevel>${NGX_LEVEL})\\] ` +
    `|(?:(?<pid>\\d{1,10})#(?<tid>\\d{1,10})|#(?<tidOnly>\\d{1,10})|\\d{0,10}): ` +
    `|[^\\[\\]]{0,32}\\] \\[(?:[\\w-]*:)?(?<ctimeLevel>${LEVEL})\\] (?:\\[pid (?<ctPid>\\d{1,10})(?::tid (?<ctTid>\\d{1,20}))?\\] )?` +
    `|(?<module>[\\w-]*:)?(?<level>[a-z]{0,8}\\d?)\\] (?:\\[pid (?<apPid>\\d{1,10})(?::tid (?<apTid>\\d{1,20}))?\\] )?` +
    `|${PID_FIELD_TAIL}\\] ` +
    `|\\[(?<wholeLevel>${LEVEL})\\] ` +
    `|\\[pid (?<wholePid>\\d{1,10})(?::tid (?<wholeTid>\\d{1,20}))?\\] ` +
    `)(?=\\S)`,
);

/** What {@link prefixRemnant} reads: how much of the text is the remnant, and the fields it still shows. */
export interface PrefixRemnant {
  /** Characters of the text that are the remnant (with the blanks and a poster's cut mark before it). */
  length: number;
  /** The server whose prefix it is, when the remnant shows it (nginx's `#`, Apache's module or pid field). */
  server: 'nginx' | 'apache' | null;
  level: string | null;
  pid: number | null;
  tid: string | null;
}

/**
 * What is left of a server's prefix at the start of a text that holds no whole one: the copy began inside
 * it (a terminal selection or a quote begun mid-prefix), often after a poster's cut mark. nginx's ids
 * (`...34#1234: `, `#1234: `, `[...] 1234: `), the tail of `nginx: ` before its level (`ginx: [emerg] `), the
 * tail of Apache's time before its level (`ri Nov 13 10:00:03 2009] [error] `), the tail of Apache's
 * `[module:level]` with its `[pid …] ` (`nutls:error] [pid 1:tid 2] `, `rror] `, `] `) or the tail of the pid
 * field itself (`8:tid 1399] `); a whole `[level] ` or `[pid …] ` after blanks or a mark.
 * A mark alone is no remnant (a bare `... could not be resolved` stands for a redacted value). The message
 * follows it (not a blank); Apache's source mark, status, client and tag after it are read as in a fragment.
 * @returns the remnant, or null when the text does not start with one
 */
export function prefixRemnant(text: string): PrefixRemnant | null {
  const m = PREFIX_REMNANT.exec(text.length > LOOSE_HEAD ? text.slice(0, LOOSE_HEAD) : text);
  if (!m) return null;
  const g = m.groups!;
  const length = m[0].length;
  if (m[0].endsWith(': ')) {
    const nginx = g.tid !== undefined || g.tidOnly !== undefined;
    return { length, server: nginx ? 'nginx' : null, level: null, pid: toInt(g.pid), tid: g.tid ?? g.tidOnly ?? null };
  }
  if (g.ngxLevel !== undefined) return { length, server: 'nginx', level: g.ngxLevel, pid: null, tid: null };
  if (g.wholeLevel !== undefined) return { length, server: null, level: g.wholeLevel, pid: null, tid: null };
  // The tail of Apache's ctime (`ri Nov 13 10:00:03 2009] [error] `, `9] [error] `): nginx writes no `] ` before its level.
  if (g.ctimeLevel !== undefined) return { length, server: 'apache', level: g.ctimeLevel, pid: toInt(g.ctPid), tid: g.ctTid ?? null };
  const level = g.level !== undefined && APACHE_LEVEL.test(g.level) ? g.level : null;
  const pid = g.apPid ?? g.wholePid;
  // `rror] ` or `warn] ` alone may be nginx's `[level] ` as well as Apache's; a module or a pid field is Apache's.
  const apache = g.module !== undefined || pid !== undefined || g.level === undefined;
  return { length, server: apache ? 'apache' : null, level, pid: toInt(pid), tid: g.apTid ?? g.wholeTid ?? null };
}
const APACHE_LEVEL = new RegExp(`^${LEVEL}$`);
/** nginx's time and level at the start, any blanks between (each part may be missing: it always matches). */
const LOOSE_LEAD = new RegExp(`^(?:(\\d{4})/(\\d{2})/(\\d{2})\\s+(\\d{2}:\\d{2}:\\d{2})\\s+)?(?:\\[(${NGX_LEVEL})\\]\\s+)?`);
/** Right after the time and level: the ids, each part may be missing. Groups as {@link LOOSE_IDS}'. */
const LOOSE_IDS_AT = /^()(?:(\d{1,10})#(\d{1,10}):\s+)?(?:\*(\d{1,20})\s+)?(?=\S)/;
/** Anywhere in the head: `[level] pid#tid: *connection ` (level and connection optional). Groups: level, pid, tid, connection. */
const LOOSE_IDS = new RegExp(`(?:^|\\s)(?:\\[(${NGX_LEVEL})\\]\\s+)?(\\d{1,10})#(\\d{1,10}):\\s+(?:\\*(\\d{1,20})\\s+)?(?=\\S)`);
/** A fragment that starts with the connection number (after blanks or a poster's cut mark). Groups as {@link LOOSE_IDS}'. */
const LOOSE_CONNECTION = new RegExp(`^\\s*(?:${CUT_MARK_AT_START})?()()()\\*(\\d{1,20}) (?=\\S)`);

function nginx(line: string): ParsedLine | null {
  const g = NGINX.exec(line);
  if (!g) return null;
  const y = g[1];
  // In {@link emptyLine}'s order, as in apache24().
  const p: ParsedLine = {
    server: 'nginx',
    format: 'nginx',
    wrapper: null,
    // A year with digits lost to a paste (`021/09/23`) gives no trustworthy time.
    time: y?.length === 4 ? `${y}-${g[2]}-${g[3]}T${g[4]}` : null,
    level: g[5]!,
    module: null,
    pid: toInt(g[6]),
    tid: g[7]!,
    connectionId: toInt(g[8]),
    client: null,
    clientPort: null,
    status: null,
    code: null,
    context: null,
    message: g[9]!,
  };
  return withNginxFields(p);
}

/**
 * What an nginx message says beyond its prefix, whatever prefix it had: its trailing context
 * ({@link withNginxContext}), or the client a message without one names itself ({@link withClientInMessage}).
 */
function withNginxFields(p: ParsedLine): ParsedLine {
  withNginxContext(p);
  // `c`lient, `k`event() or `u`dp client first (a character test: String#startsWith here cost 3 % of a parse).
  const c0 = p.message.charCodeAt(0);
  if (p.client === null && (c0 === 0x63 || c0 === 0x6b || c0 === 0x75)) withClientInMessage(p);
  return p;
}

// Messages in which nginx names the client itself and writes no context: `client %V closed keepalive connection`
// and `kevent() reported that client %V closed keepalive connection` (`ngx_http_set_keepalive()`), HTTP/2's
// `kevent() reported that client %V closed idle connection` (`ngx_http_v2_idle_handler()`), the address alone;
// the stream and mail modules' `%sclient %*s connected to %V` (`ngx_stream_init_connection()`,
// `ngx_mail_init_connection()`: `ngx_sock_ntop(…, 1)`, with the port, IPv6 bracketed). Groups: 1 client as
// written, 2 set for the keepalive form.
const CLIENT_IN_MESSAGE = /^(?:kevent\(\) reported that )?(?:udp )?client (\S+) (?:(closed (?:keepalive|idle) connection)$|connected to )/;

/** Take the client from a message that names it (see {@link CLIENT_IN_MESSAGE}). */
function withClientInMessage(p: ParsedLine): void {
  const c = CLIENT_IN_MESSAGE.exec(p.message);
  if (!c) return;
  const client = c[2] !== undefined ? { address: c[1]!, port: null } : splitClient(c[1]!, false);
  p.client = client.address;
  p.clientPort = client.port;
}

/** Fill `context`, `client` and `clientPort` from nginx's trailing context. */
export function withNginxContext(p: ParsedLine): ParsedLine {
  const ctx = nginxContext(p.message);
  if (!ctx) return p;
  p.context = ctx;
  if (ctx.client !== undefined) {
    const c = splitClient(ctx.client, false);
    p.client = c.address;
    p.clientPort = c.port;
  }
  return p;
}

/**
 * Parse the server's own line (after wrappers).
 * @returns the fields, or null when no server format fits
 */
export function parseServerLine(line: string): ParsedLine | null {
  const c0 = line.charCodeAt(0);
  if (c0 === 0x5b /* [ */) return apache24(line) ?? nginx(line) ?? apache22(line);
  if (c0 >= 0x30 && c0 <= 0x39) return nginx(line);
  if (c0 === 0x41 /* A */) {
    const m = APACHE_STARTUP.exec(line);
    return m?.groups ? { ...emptyLine(m.groups.msg!), server: 'apache', format: 'apache-startup', code: m.groups.code! } : null;
  }
  if (c0 === 0x6e /* n */ || c0 === 0x61 /* a */) {
    const m = NGINX_STDERR.exec(line);
    if (m?.groups)
      return withNginxContext({ ...emptyLine(m.groups.msg!), server: 'nginx', format: 'nginx-stderr', level: m.groups.level! });
  }
  return c0 >= 0x46 /* F */ && c0 <= 0x57 /* W */ ? bracketLost(line) : null;
}

/** Apache's ctime with its opening bracket lost to a paste (`Sun Aug 5 16:23:04 2001] [error] …`), or null. */
function bracketLost(line: string): ParsedLine | null {
  if (!CTIME_BRACKET_LOST.test(line)) return null;
  const whole = `[${line}`;
  return apache24(whole) ?? apache22(whole);
}
// The weekday's initial is F, M, S, T or W; the rest as {@link APACHE_TIME}'s ctime form, then `] [`.
const CTIME_BRACKET_LOST = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2}(?:\.\d{1,6})? \d{4}(?: [+-]\d{4})?\] \[/;

/**
 * Where a server line starts inside text that has something else in front of it (a label, a
 * decorated logger, prose, `kubectl --prefix`, stern's pod and container names): the first offset
 * (after 0, within the first `limit` characters) at which a server prefix that cannot be a message's
 * own text begins, or -1. AH codes are not searched for: what precedes them in a line is the
 * status and client of Apache's own prefix.
 */
export function findServerStart(text: string, limit = 200): number {
  const head = text.slice(0, limit);
  const m = SERVER_START.exec(head);
  return m ? m.index + m[1]!.length : -1;
}
const SERVER_START = new RegExp(
  // Not inside a word or path; a run of `_` (Markdown's emphasis) may come right before.
  '(^|[^\\w/]|(?<!\\w)_+)(?:' +
    `${NGX_PROGRAM}: \\[${NGX_LEVEL}\\] ` +
    `|\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} \\[${NGX_LEVEL}\\] \\d+#\\d+: ` +
    `|\\[${NGX_LEVEL}\\] \\d+#\\d+: ` +
    `|\\[(?:${APACHE_TIME})\\] \\[(?:[^:\\]\\s]*:)?${LEVEL}\\] ` +
    `|\\[[^:\\]\\s]*:${LEVEL}\\] \\[(?:pid \\d+|[RC]:)` +
    ')',
);
