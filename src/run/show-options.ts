/**
 * The options that choose what a report covers: `--since`/`--until` bound the scan by line time;
 * `--server`, `--cause`, `--host`, `--min-severity` choose which findings are shown (everything is still
 * analysed; the exit code and the summary follow what is shown).
 */
import { timeMs } from '../correlate/time.js';
import type { TimeWindow } from '../findings/window.js';
import { CAUSE_IDS, SERVERS, severityRank, type FindingData, type Severity } from '../types.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A bound relative to now: `90s`, `1.5h`. */
const RELATIVE = /^(\d+(?:\.\d+)?)\s*([smhdw])$/;

/**
 * True when a bound names a time on the calendar without a fraction of a second (`2026-11-21`,
 * `2026-11-21T12:00`, `2026-11-21 12:00:00+01:00`): it stands for that whole second, as a log's
 * `12:00:00.004484` lies inside it. A fraction (`12:00:00.5`) and a duration ago are exact.
 */
export function wholeSecond(text: string): boolean {
  const t = text.trim();
  return !RELATIVE.test(t) && !/:\d{2}\.\d/.test(t);
}

/**
 * One bound of `--since`/`--until`: ISO-8601 (`2026-11-21`, `2026-11-21T12:00`, `2026-11-21 12:00:00`,
 * with `Z` or an offset when wanted) on the log's clock, or relative to now: `90s`, `30m`, `2h`, `3d`, `1w`
 * (now as this machine's local time, the clock logs without an offset are written in).
 * @param nowMs the current time (ms since the epoch), for tests
 * @returns ms on the {@link timeMs} scale, or an error sentence
 */
export function parseTimeBound(text: string, nowMs: number = Date.now()): number | { error: string } {
  const rel = RELATIVE.exec(text.trim());
  if (rel) {
    const localNow = nowMs - new Date(nowMs).getTimezoneOffset() * 60_000;
    return localNow - Number(rel[1]) * UNIT_MS[rel[2]!]!;
  }
  const iso = text.trim().replace(' ', 'T');
  const full = /^\d{4}-\d{2}-\d{2}$/.test(iso)
    ? `${iso}T00:00:00`
    : /T\d{2}:\d{2}$/.test(iso)
      ? `${iso}:00`
      : iso.replace(/T(\d{2}:\d{2})([Z+-])/, 'T$1:00$2');
  const t = calendarFields(full) ? timeMs(full) : null;
  if (t === null)
    return { error: `"${text}" is not a time: give ISO-8601 (2026-11-21, 2026-11-21T12:00:00) or a duration ago (30m, 2h, 3d)` };
  return t;
}

/**
 * True when the date and time of an ISO-8601 text name a real moment: month 1–12, a day the month has,
 * hour 0–23, minute and second 0–59. `timeMs` runs an impossible date on (`2026-02-30` is March 2,
 * month 13 January of the next year), which would silently move a bound.
 */
function calendarFields(iso: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(iso);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h <= 23 && mi <= 59 && sec <= 59;
}

/** What to show. Empty sets and an absent severity show everything. */
export interface ShowFilters {
  servers: string[];
  causes: string[];
  /** In lower case. */
  hosts: string[];
  minSeverity?: Severity;
}

const split = (values: readonly string[]): string[] =>
  values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

/**
 * Read the filter options (each repeatable, or comma-separated).
 * @returns the filters, or an error sentence for an unknown server or cause id
 */
export function parseFilters(o: {
  server?: string[];
  cause?: string[];
  host?: string[];
  minSeverity?: Severity;
}): ShowFilters | { error: string } {
  const servers = split(o.server ?? []);
  const causes = split(o.cause ?? []);
  const badServer = servers.find((s) => !(SERVERS as readonly string[]).includes(s));
  if (badServer) return { error: `--server: unknown server "${badServer}" (one of ${SERVERS.join(', ')})` };
  const badCause = causes.find((c) => !(CAUSE_IDS as readonly string[]).includes(c));
  if (badCause) return { error: `--cause: unknown cause "${badCause}" (stapling-doctor --list-causes lists them)` };
  // Host names are compared without case (RFC 4343): --host WEB01 shows web01's findings.
  const hosts = split(o.host ?? []).map((h) => h.toLowerCase());
  return { servers, causes, hosts, ...(o.minSeverity ? { minSeverity: o.minSeverity } : {}) };
}

/**
 * The window of `--since`/`--until`, or an error sentence. A `--since` of a whole second starts at its
 * beginning; an `--until` of a whole second ({@link wholeSecond}) takes the lines of that second to its
 * end (`--until 12:00:00` takes `12:00:00.004484`); a bound with a fraction of a second is exact.
 */
export function parseWindow(o: { since?: string; until?: string }, nowMs?: number): TimeWindow | { error: string } {
  const w: TimeWindow = {};
  for (const k of ['since', 'until'] as const) {
    const text = o[k];
    if (text === undefined) continue;
    const t = parseTimeBound(text, nowMs);
    if (typeof t !== 'number') return { error: `--${k}: ${t.error}` };
    // Line times are whole ms (the fraction cut, see timeMs): a line of the bound's second is at most its start + 999.
    w[k] = k === 'until' && wholeSecond(text) ? t + 999 : t;
  }
  if (w.since !== undefined && w.until !== undefined && w.since > w.until) return { error: '--since is after --until' };
  return w;
}

/**
 * True when the filters show this finding. A finding without a host (no fleet input) is hidden by `--host`;
 * hosts are compared without case (RFC 4343), as {@link parseFilters} lowers the names given.
 */
export function shows(filters: ShowFilters): (f: Pick<FindingData, 'server' | 'cause' | 'severity'> & { host?: string | null }) => boolean {
  return (f) =>
    (filters.servers.length === 0 || (f.server !== null && filters.servers.includes(f.server))) &&
    (filters.causes.length === 0 || filters.causes.includes(f.cause)) &&
    (filters.hosts.length === 0 || (typeof f.host === 'string' && filters.hosts.includes(f.host.toLowerCase()))) &&
    (filters.minSeverity === undefined || severityRank(f.severity) >= severityRank(filters.minSeverity));
}

/** `between 2026-11-21 00:00:00 and …` for the summary line, from the options as given. */
export function windowWords(o: { since?: string; until?: string }): string | undefined {
  if (o.since === undefined && o.until === undefined) return undefined;
  return [o.since !== undefined ? `since ${o.since}` : '', o.until !== undefined ? `until ${o.until}` : ''].filter(Boolean).join(' ');
}
