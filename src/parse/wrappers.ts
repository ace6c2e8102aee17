/**
 * Wrappers that log collectors and terminals put in front of the server's own line, removed before
 * the server's prefix is parsed. The wrapper's time and pid are kept only where the server's own line
 * has none (its own always win).
 *
 * - syslog / journald (`journalctl -o`): `short` (`Nov 21 10:00:00 host nginx[123]: `, also without
 *   the host name), `short-precise` (`.123456` after the seconds), `short-iso` and `short-iso-precise`
 *   (`2024-11-21T10:00:00+0100 host nginx[123]: `), `short-full` and `with-unit`
 *   (`Thu 2024-11-21 10:00:00 CET host nginx.service[123]: `), `short-unix`
 *   (`1732179600.123456 host nginx[123]: `), `short-monotonic` (`[  123.456789] host nginx[123]: `),
 *   RFC 5424 (`<27>1 2024-11-21T10:00:00Z host nginx 123 - - `), and a bare `tag[pid]: ` left when a
 *   paste cut the date off. Source: systemd `man journalctl` (OUTPUT FORMATS), RFC 3164/5424.
 *   fluentd's outputs: stdout (`2024-11-21 10:00:00.123456789 +0100 nginx.error: `) and file in its default
 *   format (`2024-11-21T10:00:00+01:00<TAB>nginx.error<TAB>`), the tag in the place of syslog's.
 *   Also fail2ban's journal lines (`host nginx[123]: `, no date; 0.9's with a leading blank or with the
 *   year after the time, `Nov 21 10:00:00 2024 host nginx[123]: `), RFC 3164 with an unpadded day, and a
 *   tag without a colon before a server line or when the tag names the server (Vector: `<131>Jun 8
 *   11:54:08 master apache_error [Tue …`). The host is taken from every form that has one.
 * - containers and process managers: docker container id or name with `|`, `docker logs -t` /
 *   CRI timestamps with `stdout`/`stderr` and `F`/`P`, `docker compose` service names
 *   (`proxy     | `, `web_1  | `, `web-1  | `), supervisor/forego process names (`nginx.1    | `),
 *   `kubectl logs --prefix` (`[pod/<pod>/<container>] `); up to three layers.
 * - rsyslog's repeated-message reduction after the syslog header (`message repeated 3 times: [ … ]`,
 *   {@link repeatedLayer}): the message inside, and how many times it stands for.
 *
 * - a JSON member whose string value is the line (`"message": "…",` of a record shown pretty-printed, a
 *   piece of a record without its braces), or a logfmt line's `msg="…"`: the value, decoded
 *   ({@link jsonMemberValue}).
 *
 * Anything else in front of a server line (stern's `<pod> <container> `, a decorated container logger's
 * tag, glyph and level, a word of prose) is found by `findServerStart()` (`formats.ts`) when the server
 * line does not parse.
 */
import type { LineWrapper, Server } from '../types.js';
import { epochToIso, normaliseIso, syslogTimeToIso } from './time.js';
import { NGX_PROGRAM, toInt } from './formats.js';
import { unescaped } from './normalize.js';
import { fastPathsOn } from './fast-path.js';

/** What was removed in front of the server's line. */
export interface Unwrapped {
  rest: string;
  wrapper: LineWrapper | null;
  time: string | null;
  pid: number | null;
  server: Server | null;
  /** HOSTNAME of the syslog/journald header (RFC 3164/5424, journalctl's short formats; `-` is none). */
  host: string | null;
  /** How many times the server wrote the message this line stands for, when rsyslog reduced repeats
   * ({@link repeatedLayer}); null for a line that stands for itself. */
  repeated: number | null;
}

const ISO_TS = '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?(?:Z| ?[+-]\\d{2}:?\\d{2})?';
const CONTAINER = new RegExp(
  '^(?:(?<id>[0-9a-f]{12}|[0-9a-f]{64})(?: \\| | +|: ))?' + // docker container id
    '(?:(?<name>[A-Za-z0-9][\\w.-]*) +\\| )?' + // docker compose service, supervisor/forego process
    `(?:(?<ts>${ISO_TS}) )?` +
    '(?:(?<stream>stdout|stderr) (?:[FP] )?)?' +
    '(?<rest>.*)$',
  's',
);
const REPEATED_START = 'message repeated ';
const REPEATED = /^ ?message repeated (?<n>\d{1,9}) times: \[ ?(?<msg>.*)$/s;
const KUBECTL = /^\[pod\/[\w.-]+\/[\w.-]+\] (?<rest>.*)$/s;

// Where a server line starts (Apache `[`, nginx `YYYY/MM/`, `nginx: [`, `AHnnnnn: `): only there may a tag
// have no colon (RFC 3164 §4.1.3 ends the TAG at any non-alphanumeric character; Vector's `parse_syslog`
// golden line `<131>Jun 8 11:54:08 master apache_error [Tue Jun 08 …`).
const SERVER_AHEAD = `(?=\\[|\\d{4}/\\d{2}/|${NGX_PROGRAM}: \\[|AH\\d{5}: )`;
// A tag that names the server (`nginx`, `openresty`, `httpd`, `apache2`, `apache_error`, a unit or a path to
// one): what follows is the server's message even when it has no prefix of its own (start-up errors on stderr).
const SERVER_TAG_BEHIND = '(?<=(?:^|[\\s/])(?:nginx|openresty|httpd|apache)[\\w.@-]*(?:\\[\\d+\\])?:? )';
// A tag is a program's name: it has a letter or digit (not a poster's cut mark `...` before a redacted
// prefix), and is never an Apache directive that starts a configuration error's message
// (`SSLStaplingResponderTimeout: invalid argument` behind a bare time: kubectl logs --timestamps, moreutils' ts).
const PROGRAM_NAME_AHEAD = '(?=[\\w.@\\/-]*[A-Za-z0-9])(?!(?:SSL|MD|GnuTLS)[A-Z][A-Za-z]*: )';
const TAG = `${PROGRAM_NAME_AHEAD}(?<tag>[A-Za-z0-9_.@\\/-]+)(?:\\[(?<spid>\\d+)\\])?(?:: | ${SERVER_AHEAD}| ${SERVER_TAG_BEHIND})`;
const HOST = '(?:(?<host>[^\\s\\[\\]]+(?<!:)) )?'; // journalctl --no-hostname leaves it out; never has brackets
const SYSLOG_3164 = new RegExp(
  '^(?:<\\d{1,3}>)?(?<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?<day>[ \\d]?\\d) (?<hms>\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?)(?: (?<year>\\d{4}))? ' +
    `${HOST}${TAG}(?<rest>.*)$`,
  's',
);
const SYSLOG_ISO = new RegExp(`^(?:<\\d{1,3}>1 )?(?<ts>${ISO_TS}) ${HOST}${TAG}(?<rest>.*)$`, 's');
const SYSLOG_FULL = new RegExp(
  `^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?<ts>\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?) [A-Za-z][\\w+-]* ${HOST}${TAG}(?<rest>.*)$`,
  's',
);
// fluentd's file output in its default format (`out_file`, formatter `out_file`: time, tag and record, each
// ended by a tab; docs.fluentd.org/output/file, /formatter/out_file) and its stdout output (`out_stdout`:
// `2024-11-21 10:00:00.123456789 +0100 nginx.error: {…}`, the syslog ISO form with a blank before the zone).
const FLUENTD_FILE = new RegExp(`^(?<ts>${ISO_TS})\t(?<tag>[A-Za-z0-9_.@\\/-]+)\t(?<rest>.*)$`, 's');
// Loki's `logcli query` in its default output (grafana/loki `pkg/logcli/output/default.go`: the time in RFC 3339,
// the stream's label set as `loghttp.LabelSet.String()` writes it, `{k="v", k2="v2"}` sorted, values Go-quoted,
// padded with blanks to the widest label set of the query, then the line with its blanks trimmed).
const LOGCLI_DEFAULT = new RegExp(
  `^(?<ts>${ISO_TS}) \\{(?<labels>(?:[A-Za-z_]\\w*="(?:[^"\\\\]|\\\\.)*"(?:, (?=[A-Za-z_]))?)*)\\} +(?<rest>.*)$`,
  's',
);
const SYSLOG_UNIX = new RegExp(`^(?<epoch>\\d{9,11}(?:\\.\\d{1,9})?) ${HOST}${TAG}(?<rest>.*)$`, 's');
const SYSLOG_MONO = new RegExp(`^\\[ *\\d+\\.\\d+\\] ${HOST}${TAG}(?<rest>.*)$`, 's');
const SYSLOG_5424 = new RegExp(
  `^<\\d{1,3}>1 (?<ts>${ISO_TS}|-) (?<host>\\S+) (?<tag>\\S+) (?<spid>\\S+) \\S+ (?:-|(?:\\[[^\\]]*\\])+) ?(?<rest>.*)$`,
  's',
);
// A journald/syslog header without its date, only before a server line: `tag[pid]: ` left when a paste cut
// the date and host off, and fail2ban's journal lines `host tag[pid]: ` (fail2ban `server/filtersystemd.py`
// `formatJournalEntry()`: `_HOSTNAME`, `SYSLOG_IDENTIFIER` or `_COMM`, `[SYSLOG_PID or _PID]:`, the MESSAGE;
// fail2ban 0.9 joined them after an empty first element, so a blank leads). The pid is required (without it
// `word word: ` is prose as often as it is a header), and a server line must follow unless the tag names the server.
const NO_DATE = new RegExp(
  `^ ?${HOST}(?<tag>[A-Za-z][\\w.@/-]*)\\[(?<spid>\\d+)\\]: (?<rest>(?:\\[|\\d|${NGX_PROGRAM}: \\[|AH\\d{5}: |${SERVER_TAG_BEHIND}).*)$`,
  's',
);

function serverFromTag(tag: string | undefined): Server | null {
  if (!tag) return null;
  const t = tag.toLowerCase().replace(/^.*\//, '');
  if (t.startsWith('nginx') || t.startsWith('openresty')) return 'nginx';
  if (t.startsWith('httpd') || t.startsWith('apache')) return 'apache';
  return null;
}

/** nginx's (or Angie's) stderr line: `nginx: [warn] …`. */
const STDERR_START = new RegExp(`^${NGX_PROGRAM}: \\[`);

/** True when the line starts like a server line itself (Apache `[…`, nginx `YYYY/`, `nginx: [`, `AHnnnnn:`), so no wrapper can be in front. */
function bare(line: string): boolean {
  const c0 = line.charCodeAt(0);
  if (c0 === 0x5b /* [ */) return !line.startsWith('[pod/') && !/^\[ *\d+\.\d+\] /.test(line);
  if (c0 >= 0x30 && c0 <= 0x39) return line.charCodeAt(4) === 0x2f /* YYYY/ */ || line.charCodeAt(3) === 0x2f;
  return STDERR_START.test(line) || /^AH\d{5}: /.test(line);
}

type Groups = Record<string, string | undefined>;

/** The syslog/journald layer, if any: its groups and the time it gives. */
function syslogLayer(rest: string, now: () => Date): { g: Groups; time: string | null } | null {
  let g: Groups | undefined = SYSLOG_3164.exec(rest)?.groups;
  if (g) return { g, time: syslogTimeToIso(g.mon!, g.day!, g.hms!, now(), g.year) };
  g = SYSLOG_5424.exec(rest)?.groups ?? logcliDefault(rest) ?? SYSLOG_ISO.exec(rest)?.groups ?? FLUENTD_FILE.exec(rest)?.groups;
  if (g) return { g, time: g.ts && g.ts !== '-' ? normaliseIso(g.ts) : null };
  g = SYSLOG_FULL.exec(rest)?.groups;
  if (g) return { g, time: normaliseIso(g.ts!) };
  g = SYSLOG_UNIX.exec(rest)?.groups;
  if (g) return { g, time: epochToIso(g.epoch!) };
  g = SYSLOG_MONO.exec(rest)?.groups ?? NO_DATE.exec(rest)?.groups;
  if (g) return { g, time: null };
  g = BARE_3164_TIME.exec(rest)?.groups;
  return g ? { g, time: syslogTimeToIso(g.mon!, g.day!, g.hms!, now(), undefined) } : null;
}

/** Loki labels that name the program: promtail's `job`, Loki 3's `service_name`, Kubernetes' and the journal's. */
export const LABEL_PROGRAMS = ['job', 'service_name', 'container', 'app', 'unit', 'syslog_identifier'];

/**
 * A `logcli query` line in the default output, `2026-12-07T17:20:00Z {host="web01", job="nginx"} <line>`
 * ({@link LOGCLI_DEFAULT}), as syslog groups: the time, the rest, the host from the labels `host` or
 * `hostname`, the tag from the first label that names a program ({@link LABEL_PROGRAMS}). Null otherwise.
 */
function logcliDefault(rest: string): Groups | null {
  const g = LOGCLI_DEFAULT.exec(rest)?.groups;
  if (!g) return null;
  const labels = new Map<string, string>();
  for (const m of g.labels!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels.set(m[1]!, goUnquoted(m[2]!));
  const tag = LABEL_PROGRAMS.map((k) => labels.get(k)).find((v) => v !== undefined && serverFromTag(v) !== null);
  return { ts: g.ts, rest: g.rest, host: labels.get('host') ?? labels.get('hostname'), tag };
}

/** A Go `strconv.Quote` body decoded as far as JSON reads it (a `\x..` escape is kept as written). */
function goUnquoted(body: string): string {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return body;
  }
}

/**
 * A syslog time alone before a line, without host or tag: moreutils' `ts` (`Sep 21 23:16:06 …`, its default
 * format), a shipper's prefix.
 */
const BARE_3164_TIME =
  /^(?<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?<day>[ \d]?\d) (?<hms>\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) (?<rest>\S.*)$/s;

/** Container and process-manager layers (up to three): what is left and the first timestamp seen. */
function containerLayers(line: string): { rest: string; time: string | null; found: boolean } {
  let rest = line;
  let time: string | null = null;
  let found = false;
  for (let layer = 0; layer < 3 && !bare(rest); layer++) {
    const k = KUBECTL.exec(rest)?.groups;
    if (k) {
      rest = k.rest!;
      found = true;
      continue;
    }
    const c = CONTAINER.exec(rest)?.groups;
    if (!c || !(c.id || c.name || c.ts || c.stream) || c.rest === rest) break;
    // A bare ISO timestamp without id/name/stream is also how short-iso syslog and logcli start; let them win.
    if (c.ts !== undefined && !c.id && !c.name && !c.stream && (SYSLOG_ISO.test(rest) || LOGCLI_DEFAULT.test(rest))) break;
    time = time ?? (c.ts ? normaliseIso(c.ts) : null);
    rest = c.rest!;
    found = true;
  }
  return { rest, time, found };
}

/** A JSON member with a string value at a line's start: `"message": "`, `  "log":"` (a key of at most 64 characters). */
const JSON_MEMBER = /^\s*"[\w.@-]{1,64}"\s*:\s*(?=")/;
/** logfmt pairs before the message's: `ts=… level=error msg="` (Loki's and Vector's logfmt output, Go services). */
const LOGFMT_MESSAGE = /^(?:[\w.]{1,64}=(?:"(?:[^"\\]|\\.)*"|[^\s"=]*) ){0,8}(?:msg|message|log|line)=(?=")/;

/**
 * The host a logfmt line names before its message (`host=web1`, `hostname=web1`: Vector's and Loki's logfmt
 * output, Go services), or null (a JSON member line names none: its record's other members are not there).
 */
function logfmtHost(line: string): string | null {
  const m = LOGFMT_MESSAGE.exec(line);
  if (!m) return null;
  const h = /(?:^|\s)(?:host|hostname)=(?:"((?:[^"\\]|\\.)*)"|([^\s"=]+))/.exec(m[0]);
  const host = h ? (h[1] ?? h[2])! : '';
  return host !== '' && host !== '-' ? host : null;
}

/**
 * The string value of a JSON member that starts a line, decoded (issue 10, class 1): a record shown
 * pretty-printed (Kibana's or `jq`'s JSON view puts `"message": "…",` on a line of its own) or a piece
 * of a record without its braces (`"log":"…\n","stream":"stderr",…`); or the message of a logfmt line
 * (`ts=… level=error msg="…"`), quoted with the same escapes. Whole JSON records are decoded before
 * parsing (`record.ts`); this takes the members of the ones a paste did not keep whole. Null when the
 * line does not start so.
 */
export function jsonMemberValue(line: string): string | null {
  const m = JSON_MEMBER.exec(line) ?? (line.includes('=') ? LOGFMT_MESSAGE.exec(line) : null);
  return m ? quotedValue(line, m[0].length) : null;
}

/** The string literal that opens at `open` (a `"`), decoded; one cut before its closing quote, or not valid JSON, as far as it goes ({@link unescaped}). */
function quotedValue(line: string, open: number): string {
  let at = open + 1;
  while (at < line.length && line.charCodeAt(at) !== 0x22 /* " */) at += line.charCodeAt(at) === 0x5c /* \ */ ? 2 : 1;
  if (at < line.length) {
    try {
      return JSON.parse(line.slice(open, at + 1)) as string;
    } catch {
      // Not valid JSON (a stray backslash, Go's `\x1b`): decoded leniently below.
    }
  }
  return unescaped(line.slice(open + 1, Math.min(at, line.length)));
}

/**
 * Tags of the markup a line is pasted in: HTML (a page's source, a forum's editor: its code, paragraphs,
 * tables and lists) and BBCode.
 */
const TAG_NAMES = 'code|pre|p|tt|kbd|samp|span|div|li|ul|ol|dl|dt|dd|td|th|tr|table|thead|tbody|tfoot|blockquote|font|b|i|strong|em';
/**
 * BBCode tags, with the inline and plain-text ones of XenForo, vBulletin and phpBB extensions (`[ICODE]`,
 * `[PLAIN]`, `[SPOILER=…]`, `[ISPOILER]`: XenForo's BB code help page lists them); names in any case.
 */
const BB_NAMES = 'code|icode|quote|pre|php|html|noparse|plain|spoiler|ispoiler|b|i|tt|font|color|size';
/**
 * Jira's and Confluence's wiki markup (Atlassian's text formatting notation): a block or inline `{code}`,
 * `{code:java}` / `{code:title=error.log|borderStyle=solid}`, `{noformat}`, `{quote}`, each closed by its bare
 * name. (`{{monospace}}` is read as a pair: `}}` alone also ends a JSON object.)
 */
const JIRA_OPEN = '\\{(?:code|noformat|quote)(?::[^{}]{0,80})?\\}';
const JIRA_CLOSE = '\\{(?:code|noformat|quote)\\}';
/**
 * A table row's column rule: Markdown's `|`, and the box characters terminal programs draw tables and
 * panels with (`│` `┃` `║` `¦`: Python's rich and tabulate, psql's unicode border style).
 */
const COLUMN_RULES = '|\u2502\u2503\u2551\u00a6';
/** Markup after a pasted line: closing or empty tags, `<br>`, a table row's column rule, a shell continuation's `\`. */
const MARKUP_AFTER = new RegExp(
  `(?:\\s*(?:</?(?:${TAG_NAMES}|br)\\b[^<>]{0,60}>|\\[/(?:${BB_NAMES})\\]|\\[br\\]|${JIRA_CLOSE})|\\s[${COLUMN_RULES}]|\\s\\\\)+\\s*$`,
  'i',
);
/** Markup before a pasted line: opening tags, BBCode, a table row's column rule. */
const MARKUP_BEFORE = new RegExp(
  `^\\s*(?:(?:<(?:${TAG_NAMES})\\b[^<>]{0,60}>|\\[(?:${BB_NAMES})(?:=[^\\]]{0,30})?\\]|${JIRA_OPEN}|[${COLUMN_RULES}] )\\s*)+`,
  'i',
);
/** Is this character code one of {@link COLUMN_RULES}? */
const COLUMN_RULE_CODES = new Set([...COLUMN_RULES].map((c) => c.charCodeAt(0)));
const isColumnRule = (c: number): boolean => COLUMN_RULE_CODES.has(c);
const BB_BREAK = /\[br\]/i;
/** Characters of a line's end searched for markup (a bound: the search is not run over a long line). */
const MARKUP_TAIL = 160;

/**
 * A line without the markup it was pasted in (issue 10, class 4): HTML tags and `<br>` (a page's source,
 * a forum editor's code view: `<code>…</code>`, `…<br />`), BBCode (`[code]…[/code]`), a Markdown table
 * row's pipes (`| … |`) and a shell continuation's ` \`. No server message ends in these, nor starts with
 * a tag. Bounded: only the line's last {@link MARKUP_TAIL} characters are searched for the markup after it.
 */
export function unmarked(line: string): string {
  const c0 = line.charCodeAt(0);
  if (c0 === 0x7b /* { */ && line.startsWith('{{')) {
    const mono = monospaced(line);
    if (mono !== null) return unmarked(mono);
  }
  const before =
    c0 === 0x3c /* < */ || c0 === 0x5b /* [ */ || c0 === 0x7b /* { */ || isColumnRule(c0) || c0 === 0x20
      ? MARKUP_BEFORE.exec(line.slice(0, 200))
      : null;
  const from = before ? before[0].length : 0;
  const last = line.charCodeAt(line.length - 1);
  if (
    last !== 0x3e /* > */ &&
    last !== 0x5d /* ] */ &&
    last !== 0x7d /* } */ &&
    !isColumnRule(last) &&
    last !== 0x5c /* \ */ &&
    last !== 0x20
  )
    return from > 0 ? line.slice(from) : line;
  const tailAt = Math.max(from, line.length - MARKUP_TAIL);
  // Ending with `}`, the markup can only be Jira's closing `{code}`, `{noformat}` or `{quote}` (a JSON object ends so too).
  if (last === 0x7d && !line.includes('{', tailAt)) return from > 0 ? line.slice(from) : line;
  // Ending with `]`, the markup can only be BBCode's closing tag or `[br]` (an Apache line ends so: its
  // certificate block; the regex was tried at every offset of the tail, 0.3 us per such line, issue 15).
  if (last === 0x5d && fastPathsOn() && !line.includes('[/', tailAt) && !BB_BREAK.test(line.slice(tailAt)))
    return from > 0 ? line.slice(from) : line;
  const after = MARKUP_AFTER.exec(line.slice(tailAt));
  const to = after ? tailAt + after.index : line.length;
  return from > 0 || to < line.length ? line.slice(from, Math.max(from, to)) : line;
}

/**
 * A line in Jira's or Confluence's `{{monospace}}` (Atlassian's text formatting notation), blanks around it
 * allowed: the text inside; null when the line is not so enclosed (`}}` alone ends a nested JSON object too).
 */
function monospaced(line: string): string | null {
  const t = line.trim();
  return t.length > 4 && t.startsWith('{{') && t.endsWith('}}') ? t.slice(2, -2) : null;
}

/**
 * rsyslog's repeated-message reduction (`$RepeatedMsgReduction on`, Ubuntu's default rsyslog.conf): a run of
 * identical messages from one input is written once, then as ` message repeated N times: [MSG]` where N is
 * how many were suppressed and MSG (its first 800 bytes) the message as it came, usually with its leading blank.
 * Source: rsyslog runtime/ratelimit.c `ratelimitGenRepMsg()` (`" message repeated %d times: [%.800s]"`,
 * v8.2302 to today), checked on rsyslogd 8.2302 (Debian 12). A message longer than 800 bytes is cut there:
 * the bracket then closes the cut (a fragment, read as the line cut at that point).
 * @returns the message inside and N, or null when the text is not such a line
 */
function repeatedLayer(rest: string): { rest: string; count: number } | null {
  const at = rest.charCodeAt(0) === 0x20 ? 1 : 0;
  if (!rest.startsWith(REPEATED_START, at)) return null;
  const m = REPEATED.exec(rest);
  if (!m) return null;
  // The closing bracket is the wrapper's. (A paste that cut it off leaves a message ending in its own `]`, an
  // Apache certificate block, without that one: the block then reads as cut, which it may well be.)
  const inner = m.groups!.msg!;
  return { rest: inner.endsWith(']') ? inner.slice(0, -1) : inner, count: Number(m.groups!.n) };
}

/**
 * Remove the wrappers in front of a server line.
 * @param line the line without its line end
 * @param now reference time for syslog timestamps without a year
 */
export function unwrap(line: string, now: () => Date): Unwrapped {
  if (bare(line)) return { rest: line, wrapper: null, time: null, pid: null, server: null, host: null, repeated: null };
  const member = jsonMemberValue(line);
  const inner = member ?? line;
  const c = containerLayers(inner);
  let { rest, time } = c;
  let wrapper: LineWrapper | null = c.found ? 'container' : member !== null ? 'text' : null;
  let pid: number | null = null;
  let server: Server | null = null;
  const s = bare(rest) ? null : syslogLayer(rest, now);
  if (s) {
    wrapper = wrapper ?? 'syslog';
    time = s.time ?? time;
    rest = s.g.rest!;
    pid = toInt(s.g.spid);
    server = serverFromTag(s.g.tag);
  }
  const host = s?.g.host && s.g.host !== '-' ? s.g.host : member !== null && line.includes('=') ? logfmtHost(line) : null;
  const r = repeatedLayer(rest);
  if (r) {
    rest = r.rest;
    wrapper = wrapper ?? 'syslog';
  }
  return { rest, wrapper, time, pid, server, host, repeated: r?.count ?? null };
}
