/**
 * Error-log line parser: splits one Apache httpd or nginx error-log line into its fields.
 *
 * Formats (reference catalogue §1, §6):
 * - Apache 2.4 default (`do_errorlog_default()`, httpd `server/log.c`):
 *   `[Www Mmm DD HH:MM:SS.uuuuuu YYYY] [module:level] [pid P(:tid T)?] (file.c(123): )?((errno)text: )?([client ip:port] )?(AHnnnnn: )?message(, referer: …)?`
 *   Also without the time (Apache writing to syslog) and with `%{cu}t` ISO-like times.
 * - Apache 2.2 (`log_error_core()` @ 2.2.34): `[Www Mmm DD HH:MM:SS YYYY] [level] (file(n): )?([client ip] )?((errno)text: )?message`
 * - Apache start-up lines without prefix (`APLOG_STARTUP`, `server/config.c`): `AH00526: Syntax error on line 12 of …:`
 * - nginx (`ngx_log_error_core()`, `src/core/ngx_log.c`): `YYYY/MM/DD HH:MM:SS [level] pid#tid: (*cid )?message`
 * - nginx stderr copy at start-up/`nginx -t`: `nginx: [level] message`
 * - Wrappers removed first: syslog/journald (`Nov 21 10:00:00 host nginx[123]: …`, RFC 5424, short-iso),
 *   container logs (docker container id or name with `|`, ISO-8601 timestamp, `stdout`/`stderr`, CRI `F`/`P`).
 *
 * A line that fits no prefix gets `format: null` and its whole text as `message`; it is still matched.
 */
import type { LineFormat, LineWrapper, ParsedLine, Server } from '../types.js';

const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};

const LEVEL = '(?:emerg|alert|crit|error|warn|notice|info|debug|trace[1-8])';

// Apache 2.4: time is optional (syslog output has none); time may be ctime-like or %{cu}t.
const APACHE24 = new RegExp(
  '^(?:\\[(?<time>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \\d]\\d \\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})? \\d{4}|\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?)\\] )?' +
    `\\[(?:(?<module>[^:\\]\\s]+):)?(?<level>${LEVEL})\\] ` +
    '\\[pid (?<pid>\\d+)(?::tid (?<tid>\\d+))?\\] ?' +
    '(?<rest>.*)$',
  's',
);
// What follows the pid block in 2.4: debug source, status, client, AH code.
const STATUS = '\\((?:EAI -?\\d+|OS \\d+|os 0x[0-9a-fA-F]{8}|-?\\d+)\\)[^:\\[\\]]*';
const APACHE24_REST = new RegExp(
  `^(?:(?<src>[\\w.-]+\\(\\d+\\)): )?(?:(?<status>${STATUS}): )?(?:\\[(?:client|remote) (?<client>[^\\]]+)\\] )?(?<msg>.*)$`,
  's',
);
// In a line that fits no prefix (custom ErrorLogFormat, elided quotes): status and client right before the AH tag.
// Unanchored, so every repetition is bounded: with `*`/`+` each white space restarted a scan to the end of
// the line, O(n²) (2 s on 100 KB of " (1)"). Real status texts and client addresses are far shorter.
const STATUS_BOUNDED = '\\((?:EAI -?\\d{1,10}|OS \\d{1,10}|os 0x[0-9a-fA-F]{8}|-?\\d{1,10})\\)[^:\\[\\]]{0,128}';
const LOOSE_AH = new RegExp(
  `(?:^|\\s)(?:(?<status>${STATUS_BOUNDED}): )?(?:\\[(?:client|remote) (?<client>[^\\]]{1,128})\\] )?(?<code>AH\\d{5}): `,
);

const APACHE22 = new RegExp(
  '^\\[(?<time>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4})\\] ' +
    '\\[(?<level>emerg|alert|crit|error|warn|notice|info|debug)\\] ' +
    '(?:(?<src>[\\w./-]+\\(\\d+\\)): )?(?:\\[client (?<client>[^\\]]+)\\] )?' +
    '(?:(?<status>\\(-?\\d+\\)[^:\\[\\]]*): )?(?<msg>.*)$',
  's',
);

const APACHE_STARTUP = /^(?<code>AH\d{5}): (?<msg>.*)$/s;

const NGINX = new RegExp(
  '^(?<y>\\d{4})/(?<mo>\\d{2})/(?<d>\\d{2}) (?<t>\\d{2}:\\d{2}:\\d{2}) ' +
    '\\[(?<level>emerg|alert|crit|error|warn|notice|info|debug)\\] ' +
    '(?<pid>\\d+)#(?<tid>\\d+): (?:\\*(?<cid>\\d+) )?(?<msg>.*)$',
  's',
);
const NGINX_STDERR = /^nginx: \[(?<level>emerg|alert|crit|error|warn|notice|info|debug)\] (?<msg>.*)$/s;

const AH_CODE = /^(?<code>AH\d{5}): /;
const REFERER = /, referer: [^\n]*$/;

// Wrappers.
const ISO_TS = '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})?';
const CONTAINER = new RegExp(
  '^(?:(?<id>[0-9a-f]{12}|[0-9a-f]{64})(?: \\| | +|: ))?' + // docker container id
    '(?:(?<name>[A-Za-z0-9][\\w.-]*) +\\| )?' + // docker compose service name
    `(?:(?<ts>${ISO_TS}) )?` +
    '(?:(?<stream>stdout|stderr) (?:[FP] )?)?' +
    '(?<rest>.*)$',
  's',
);
const SYSLOG_TAG = '(?<tag>[A-Za-z0-9_.\\/-]+)(?:\\[(?<spid>\\d+)\\])?: ';
const SYSLOG_3164 = new RegExp(
  '^(?:<\\d{1,3}>)?(?<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?<day>[ \\d]\\d) (?<hms>\\d{2}:\\d{2}:\\d{2}) ' +
    `(?<host>\\S+) ${SYSLOG_TAG}(?<rest>.*)$`,
  's',
);
const SYSLOG_ISO = new RegExp(`^(?:<\\d{1,3}>1 )?(?<ts>${ISO_TS}) (?<host>\\S+) ${SYSLOG_TAG}(?<rest>.*)$`, 's');
// RFC 5424: <PRI>1 TS HOST APP PROCID MSGID [SD|-] MSG
const SYSLOG_5424 = new RegExp(
  `^<\\d{1,3}>1 (?<ts>${ISO_TS}|-) (?<host>\\S+) (?<tag>\\S+) (?<spid>\\S+) \\S+ (?:-|(?:\\[[^\\]]*\\])+) ?(?<rest>.*)$`,
  's',
);

/** Options for {@link parseLine}. */
export interface ParseOptions {
  /** Reference time used to give a year to syslog timestamps that have none (default: now). A
   * timestamp that would lie more than a day after it is put in the year before. */
  now?: Date;
}

function serverFromTag(tag: string | undefined): Server | null {
  if (!tag) return null;
  const t = tag.toLowerCase();
  if (t.startsWith('nginx') || t === 'openresty') return 'nginx';
  if (t.startsWith('httpd') || t.startsWith('apache')) return 'apache';
  return null;
}

/** `Fri May 09 23:36:44.055900 2014` → `2014-05-09T23:36:44.055900`; `null` when it is not that shape. */
export function apacheTimeToIso(t: string): string | null {
  const m = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) (\d{4})$/.exec(t);
  if (m) {
    const mon = MONTHS[m[1]!];
    if (!mon) return null;
    return `${m[4]}-${mon}-${m[2]!.trim().padStart(2, '0')}T${m[3]}`;
  }
  const iso = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(t);
  return iso ? `${iso[1]}T${iso[2]}` : null;
}

function syslogTimeToIso(mon: string, day: string, hms: string, now: Date): string | null {
  const mm = MONTHS[mon];
  if (!mm) return null;
  const dd = day.trim().padStart(2, '0');
  let year = now.getFullYear();
  // A timestamp more than a day in the future belongs to the year before (log written last December).
  const candidate = new Date(`${year}-${mm}-${dd}T${hms}`);
  if (candidate.getTime() - now.getTime() > 86_400_000) year -= 1;
  return `${year}-${mm}-${dd}T${hms}`;
}

function normaliseIso(ts: string): string {
  return ts.replace(' ', 'T').replace(',', '.');
}

function empty(message: string): ParsedLine {
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
    status: null,
    code: null,
    message,
  };
}

function toInt(s: string | undefined): number | null {
  if (s === undefined) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** Parse the server's own line (after wrappers). Returns null when no server format fits. */
function parseServerLine(line: string): ParsedLine | null {
  const c0 = line.charCodeAt(0);
  if (c0 === 0x5b /* [ */) {
    let m = APACHE24.exec(line);
    if (m?.groups) {
      const g = m.groups;
      const r = APACHE24_REST.exec(g.rest!)!.groups!;
      let msg = r.msg!;
      let code: string | null = null;
      const cm = AH_CODE.exec(msg);
      if (cm) {
        code = cm.groups!.code!;
        msg = msg.slice(cm[0].length);
      }
      msg = msg.replace(REFERER, '');
      return {
        server: 'apache',
        format: 'apache24',
        wrapper: null,
        time: g.time ? apacheTimeToIso(g.time) : null,
        level: g.level!,
        module: g.module ?? null,
        pid: toInt(g.pid),
        tid: g.tid ?? null,
        connectionId: null,
        client: r.client ?? null,
        status: r.status ?? null,
        code,
        message: msg,
      };
    }
    m = APACHE22.exec(line);
    if (m?.groups) {
      const g = m.groups;
      return {
        server: 'apache',
        format: 'apache22',
        wrapper: null,
        time: apacheTimeToIso(g.time!),
        level: g.level!,
        module: null,
        pid: null,
        tid: null,
        connectionId: null,
        client: g.client ?? null,
        status: g.status ?? null,
        code: null,
        message: g.msg!.replace(REFERER, ''),
      };
    }
    return null;
  }
  if (c0 >= 0x30 && c0 <= 0x39) {
    const m = NGINX.exec(line);
    if (m?.groups) {
      const g = m.groups;
      return {
        server: 'nginx',
        format: 'nginx',
        wrapper: null,
        time: `${g.y}-${g.mo}-${g.d}T${g.t}`,
        level: g.level!,
        module: null,
        pid: toInt(g.pid),
        tid: g.tid!,
        connectionId: toInt(g.cid),
        client: null,
        status: null,
        code: null,
        message: g.msg!,
      };
    }
    return null;
  }
  if (c0 === 0x41 /* A */) {
    const m = APACHE_STARTUP.exec(line);
    if (m?.groups) {
      const p = empty(m.groups.msg!);
      return { ...p, server: 'apache', format: 'apache-startup', code: m.groups.code! };
    }
    return null;
  }
  if (c0 === 0x6e /* n */) {
    const m = NGINX_STDERR.exec(line);
    if (m?.groups) {
      const p = empty(m.groups.msg!);
      return { ...p, server: 'nginx', format: 'nginx-stderr', level: m.groups.level! };
    }
  }
  return null;
}

interface Unwrapped {
  rest: string;
  wrapper: LineWrapper | null;
  time: string | null;
  pid: number | null;
  server: Server | null;
  /** HOSTNAME of the syslog header (RFC 3164/5424; `-` is none). */
  host: string | null;
}

/** True when the line starts like a server line itself (Apache `[…`, nginx `YYYY/`, `nginx: [`, `AHnnnnn:`), so no wrapper can be in front. */
function bare(line: string): boolean {
  const c0 = line.charCodeAt(0);
  if (c0 === 0x5b /* [ */) return true;
  if (c0 >= 0x30 && c0 <= 0x39) return line.charCodeAt(4) === 0x2f; /* YYYY/ */
  return line.startsWith('nginx: [') || /^AH\d{5}: /.test(line);
}

function unwrap(line: string, now: () => Date): Unwrapped {
  if (bare(line)) return { rest: line, wrapper: null, time: null, pid: null, server: null, host: null };
  let rest = line;
  let wrapper: LineWrapper | null = null;
  let time: string | null = null;
  let pid: number | null = null;
  let server: Server | null = null;

  // Container prefix (at most one layer: id/name, timestamp, stream).
  const c = CONTAINER.exec(rest)?.groups;
  if (c && (c.id || c.name || c.ts || c.stream) && c.rest !== rest) {
    // A bare ISO timestamp without id/name/stream is also how short-iso syslog starts; let syslog win.
    const iso = c.ts !== undefined && !c.id && !c.name && !c.stream;
    if (!iso || !SYSLOG_ISO.test(rest)) {
      wrapper = 'container';
      time = c.ts ? normaliseIso(c.ts) : null;
      rest = c.rest!;
    }
  }

  let s = SYSLOG_3164.exec(rest)?.groups;
  if (s) {
    wrapper = wrapper ?? 'syslog';
    time = syslogTimeToIso(s.mon!, s.day!, s.hms!, now());
  } else {
    s = SYSLOG_5424.exec(rest)?.groups ?? SYSLOG_ISO.exec(rest)?.groups;
    if (s) {
      wrapper = wrapper ?? 'syslog';
      time = s.ts && s.ts !== '-' ? normaliseIso(s.ts) : time;
    }
  }
  if (s) {
    rest = s.rest!;
    pid = toInt(s.spid);
    server = serverFromTag(s.tag);
  }
  return { rest, wrapper, time, pid, server, host: s?.host && s.host !== '-' ? s.host : null };
}

/**
 * Split one error-log line into its fields. Never throws; any string is accepted.
 *
 * @param line one line without its line end (a trailing CR is ignored)
 * @returns the fields; `format: null` and `message` = the unwrapped line when no prefix fits
 */
export function parseLine(line: string, options: ParseOptions = {}): ParsedLine {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const u = unwrap(text, () => options.now ?? new Date());
  const p = parseServerLine(u.rest);
  if (p) {
    p.wrapper = u.wrapper;
    p.time = p.time ?? u.time;
    p.pid = p.pid ?? u.pid;
    if (u.host) p.host = u.host;
    return p;
  }
  const e = empty(u.rest);
  e.wrapper = u.wrapper;
  e.time = u.time;
  e.pid = u.pid;
  e.server = u.server;
  if (u.host) e.host = u.host;
  // Apache writing through syslog without our exact prefix, or a custom ErrorLogFormat: keep the tag.
  const loose = LOOSE_AH.exec(u.rest)?.groups;
  if (loose) {
    e.code = loose.code!;
    e.status = loose.status ?? null;
    e.client = loose.client ?? null;
    e.server = e.server ?? 'apache';
  }
  return e;
}

/** Formats {@link parseLine} recognises, for documentation and tests. */
export const LINE_FORMATS: readonly LineFormat[] = ['apache24', 'apache22', 'apache-startup', 'nginx', 'nginx-stderr'];
