/**
 * Times on the log's own clock, as the parser writes them (ISO-8601, local time without offset, or with
 * the offset a container/RFC 5424 timestamp carries), turned into milliseconds for comparisons.
 */
import { fastPathsOn } from '../parse/fast-path.js';

/**
 * Milliseconds of an ISO-8601 time as written by `parseLine` (local times read as UTC: only differences
 * matter, and times of one log are compared with each other).
 * @returns ms since the epoch, or null for null or an unparsable text
 */
export function timeMs(iso: string | null): number | null {
  if (!iso) return null;
  // The correlator asks several times per line, and a log's lines share their seconds (pure: the last answer is reused).
  if (fastPathsOn() && iso === last.iso) return last.ms;
  const ms = parseMs(iso);
  last = { iso, ms };
  return ms;
}
let last: { iso: string; ms: number | null } = { iso: '', ms: null };

/** The digits of `s` from `at` to `end` as a number, or -1 when one is not a digit. */
function digits(s: string, at: number, end: number): number {
  let n = 0;
  for (let i = at; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (month 1–12; days past the month's end run on, as in `Date.UTC`). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/**
 * {@link parseMs} without a regular expression for the times `parseLine` writes (`YYYY-MM-DDTHH:MM:SS`,
 * an optional fraction, an optional `Z`); anything else (an offset, a year below 100, a month outside
 * 1–12) answers undefined and is left to the full parser. The same milliseconds as `Date.UTC`.
 */
function parsePlainMs(iso: string): number | null | undefined {
  const n = iso.length;
  if (n < 19 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45 || iso.charCodeAt(10) !== 84) return undefined;
  if (iso.charCodeAt(13) !== 58 || iso.charCodeAt(16) !== 58) return undefined;
  const y = digits(iso, 0, 4);
  const mo = digits(iso, 5, 7);
  const d = digits(iso, 8, 10);
  const h = digits(iso, 11, 13);
  const mi = digits(iso, 14, 16);
  const sec = digits(iso, 17, 19);
  if (y < 100 || mo < 1 || mo > 12 || d < 0 || h < 0 || mi < 0 || sec < 0) return undefined;
  let end = n;
  if (iso.charCodeAt(n - 1) === 90) end--; // Z
  let frac = 0;
  if (end > 19) {
    const len = end - 20;
    if (iso.charCodeAt(19) !== 46 || len < 1 || len > 9) return undefined;
    const f = digits(iso, 20, end);
    if (f < 0) return undefined;
    frac = Math.floor((f / 10 ** len) * 1000); // the regex path's Number(`0.${digits}`), exactly
  }
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + frac;
}

function parseMs(iso: string): number | null {
  const plain = parsePlainMs(iso);
  if (plain !== undefined) return plain;
  return parseWithOffset(iso);
}

function parseWithOffset(iso: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso);
  if (!m) return null;
  let ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + (m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0);
  if (m[8] && m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const hh = +m[8].slice(1, 3);
    const mm = +m[8].slice(-2);
    ms -= sign * (hh * 60 + mm) * 60_000;
  }
  return ms;
}
