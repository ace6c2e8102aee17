/**
 * Times as the servers and the wrappers in front of them write them, turned into ISO-8601.
 *
 * Result shape (see `ParsedLine.time`): `YYYY-MM-DDTHH:MM:SS(.fraction)?` as local time, with `Z` or
 * `±HH:MM` only when the text itself carries the offset. Every function returns null for text that
 * is not its shape; none throws.
 */
import { ownText } from '../lines/retain.js';
import { fastPathsOn } from './fast-path.js';

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

/** `+0200` / `+02:00` / `Z` → `+02:00` / `Z`; anything else → ''. */
function offset(z: string | undefined): string {
  if (!z) return '';
  if (z === 'Z') return 'Z';
  const m = /^ ?([+-])(\d{2}):?(\d{2})$/.exec(z);
  return m ? `${m[1]}${m[2]}:${m[3]}` : '';
}

/**
 * Apache's times: the default `%{u}t` ctime form `Fri May 09 23:36:44.055900 2014` (microseconds
 * optional: 2.2 and `%t`; the day zero-padded as APR writes it, space-padded as httpd 1.3's ctime() did, or
 * unpadded after a paste collapsed the blanks, `Sun Aug 5 16:26:02 2001` in OSSEC's Apache log entries), with
 * `%{uz}t`'s offset after the year (`Tue Jul 22 15:45:51.323610 2025 +0200`),
 * and the `ErrorLogFormat` ISO forms `%{cu}t` `2019-06-01 18:02:11.467856` and `%{cuz}t`-style
 * `2025-07-22 15:45:51.323610 +0200` (httpd `server/util_time.c`, `ap_recent_ctime_ex()` with
 * `AP_CTIME_OPTION_COMPACT`/`_USEC`/`_GMTOFF`); and the two strftime forms (`%{%-format}t`) seen in
 * peers' golden lines (Vector `parse_apache_log` tests): the access-log form `01/Mar/2021:12:00:19 +0000`
 * and `2021/06/03 09:30:50`.
 * @returns e.g. `2014-05-09T23:36:44.055900`, `2025-07-22T15:45:51.323610+02:00`; null when not one of these shapes
 */
export function apacheTimeToIso(t: string): string | null {
  // A failing server writes the lines of one event at one time to the microsecond (AH01974, AH01941, the
  // handshake's error: 57 % of the lines of bench (c)'s Apache class); pure, so the last answer is reused.
  if (fastPathsOn() && t === lastApache.t) return lastApache.iso;
  const iso = apacheIso(t);
  // (A copy: the time is cut from its line, and kept, a slice would keep the line alive: +5 MB peak RSS
  // on test/bench/memory.mjs `waiting`, 60 KiB lines.)
  lastApache = { t: ownText(t, t.length), iso };
  return iso;
}
let lastApache: { t: string; iso: string | null } = { t: '', iso: null };

/** {@link apacheTimeToIso} without the reuse. */
function apacheIso(t: string): string | null {
  const m = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([ \d]?\d) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) (\d{4})(?: ([+-]\d{2}:?\d{2}))?$/.exec(t);
  if (m) {
    const mon = MONTHS[m[1]!];
    if (!mon) return null;
    return `${m[4]}-${mon}-${m[2]!.trim().padStart(2, '0')}T${m[3]}${offset(m[5])}`;
  }
  const clf = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?: ([+-]\d{2}:?\d{2}))?$/.exec(t);
  if (clf) {
    const mon = MONTHS[clf[2]!];
    return mon ? `${clf[3]}-${mon}-${clf[1]}T${clf[4]}${offset(clf[5])}` : null;
  }
  const iso = /^(\d{4})(?:-(\d{2})-|\/(\d{2})\/)(\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?: ?([+-]\d{2}:?\d{2}|Z))?$/.exec(t);
  return iso ? `${iso[1]}-${iso[2] ?? iso[3]}-${iso[4]}T${iso[5]}${offset(iso[6])}` : null;
}

/**
 * A syslog/journald `Mmm DD HH:MM:SS(.fraction)?` time, which has no year: the year of `now`, or the
 * year before when that would put the time more than a day after `now` (a log written last December).
 * `written` is the year when the header carries one after the time (fail2ban 0.9's journal lines,
 * `%b %d %H:%M:%S %Y`); the day may be unpadded (`Jun 8`, Vector's syslog).
 */
export function syslogTimeToIso(mon: string, day: string, hms: string, now: Date, written?: string): string | null {
  const mm = MONTHS[mon];
  if (!mm) return null;
  const dd = day.trim().padStart(2, '0');
  if (written) return `${written}-${mm}-${dd}T${hms}`;
  let year = now.getFullYear();
  const candidate = new Date(`${year}-${mm}-${dd}T${hms.slice(0, 8)}`);
  if (candidate.getTime() - now.getTime() > 86_400_000) year -= 1;
  return `${year}-${mm}-${dd}T${hms}`;
}

/** An ISO-8601 timestamp as wrappers write it (`2024-11-21 10:00:00,123+0100`; fluentd's stdout puts a blank before the zone: `2024-11-21 10:00:00.123456789 +0100`) → `2024-11-21T10:00:00.123+01:00`. */
export function normaliseIso(ts: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?(Z| ?[+-]\d{2}:?\d{2})?$/.exec(ts);
  if (!m) return ts.replace(' ', 'T').replace(',', '.');
  return `${m[1]}T${m[2]}${m[3] ? `.${m[3]}` : ''}${offset(m[4])}`;
}

/** Seconds since the epoch (`journalctl -o short-unix`: `1695330966.123456`) → UTC ISO-8601; null when out of range. */
export function epochToIso(s: string): string | null {
  const m = /^(\d{9,11})(?:\.(\d{1,9}))?$/.exec(s);
  if (!m) return null;
  const d = new Date(Number(m[1]) * 1000);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.toISOString().slice(0, 19)}${m[2] ? `.${m[2]}` : ''}Z`;
}
