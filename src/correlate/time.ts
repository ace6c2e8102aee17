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

function parseMs(iso: string): number | null {
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
