/**
 * A finding's occurrences over time, in bounded size whatever the input: counts per time bucket
 * (buckets that merge pairwise when there would be too many) and episodes (runs of occurrences with
 * no pause longer than a gap), all on the log's own clock. Counts are exact: every occurrence with a
 * time is in exactly one bucket and one episode; occurrences whose line has no time are counted apart.
 *
 * Shapes (milliseconds are {@link timeMs} of the log's times: local times read as UTC):
 * - buckets: width {@link TIMELINE_BASE_MS} × 2^k, aligned to multiples of the width; the width is the
 *   smallest such width at which the occurrences fill at most {@link TIMELINE_MAX_BUCKETS} buckets
 *   (whatever order they arrive in).
 * - episodes: two occurrences whose times differ by at most the gap belong to the same episode
 *   (single linkage). The gap is {@link EPISODE_GAP_MS}; when there would be more than
 *   {@link MAX_EPISODES} episodes, it doubles until they fit, and the timeline says which gap it used.
 *   Read in time order, the gap is the smallest of those that fit; read out of order (rotated files
 *   newest first), it may be larger, never smaller, and the episodes are still exact for it.
 */
import { timeMs } from '../correlate/time.js';
import type { Episode, FindingTimeline } from '../types.js';

/** Finest bucket width, ms. */
export const TIMELINE_BASE_MS = 1000;
/** Most non-empty buckets a timeline keeps. */
export const TIMELINE_MAX_BUCKETS = 64;
/**
 * Default pause that ends an episode, ms: 30 minutes, three times Apache's default
 * `SSLStaplingErrorCacheTimeout` (600 s, `modules/ssl/ssl_engine_config.c`) and six times nginx's retry
 * after a failed fetch (300 s, `ngx_ssl_stapling_ocsp_handler()` in `src/event/ngx_event_openssl_stapling.c`),
 * so an outage that lasts is one episode although each server logs it only once per retry.
 */
export const EPISODE_GAP_MS = 30 * 60_000;
/** Most episodes a timeline keeps (the gap doubles beyond). */
export const MAX_EPISODES = 50;

/**
 * How many episodes the timelines sharing it keep at most each: {@link MAX_EPISODES}, or fewer when a
 * finding store lowers it for all its timelines (see `store.ts`: the episodes of all findings are bounded).
 */
export interface EpisodeLimit {
  max: number;
}

/** One episode while it is built: times in ms and as the log wrote them. */
interface Run {
  start: number;
  end: number;
  count: number;
  startText: string;
  endText: string;
}

/** A timeline being built: add occurrences, merge another timeline, take a snapshot. */
export interface TimelineBuilder {
  /**
   * Count one occurrence (or `count` of them) at this time.
   * @param text the time as the log wrote it (ISO-8601 as `parseLine` writes it), or null for a line without time
   * @param ms `timeMs(text)` when the caller has it already
   */
  add(text: string | null, count?: number, ms?: number | null): void;
  /** Add every occurrence of a timeline snapshot (its buckets and episodes; its gap becomes the least gap). */
  merge(t: FindingTimeline): void;
  /** The timeline as data, a copy. */
  snapshot(): FindingTimeline;
  /** Episodes it holds now. */
  readonly episodeCount: number;
  /**
   * Widen the gap until its episodes are no more than its {@link EpisodeLimit} (after the limit was lowered).
   * @returns the episodes it holds then
   */
  fit(): number;
}

/** Index of the first element of sorted `xs` (stride `stride`) whose key is >= `key`. */
function lowerBound(xs: readonly number[], key: number, stride: number): number {
  let lo = 0;
  let hi = xs.length / stride;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid * stride]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Buckets as a flat sorted array [index, count, index, count, …]; merges pairs while too many. */
class Buckets {
  width = TIMELINE_BASE_MS;
  flat: number[] = [];
  add(ms: number, count: number): void {
    const i = Math.floor(ms / this.width);
    const n = this.flat.length;
    // Fast path: lines mostly arrive in time order, into the last bucket.
    const at = n > 0 && this.flat[n - 2] === i ? n / 2 - 1 : lowerBound(this.flat, i, 2);
    if (this.flat[at * 2] === i) {
      this.flat[at * 2 + 1]! += count;
      return;
    }
    if (n === 0) {
      this.flat = [i, count]; // no spare capacity: most findings of a large log have one or two occurrences
      return;
    }
    // A new latest bucket (the usual case) is pushed: `splice` allocates the list of what it removed.
    if (at * 2 === n) this.flat.push(i, count);
    else this.flat.splice(at * 2, 0, i, count);
    while (this.flat.length / 2 > TIMELINE_MAX_BUCKETS) this.coarsen();
  }
  /** Widen the buckets until they are at least `width` wide. */
  widenTo(width: number): void {
    while (this.width < width) this.coarsen();
  }
  private coarsen(): void {
    this.width *= 2;
    const out: number[] = [];
    for (let k = 0; k < this.flat.length; k += 2) {
      const i = Math.floor(this.flat[k]! / 2);
      if (out.length > 0 && out[out.length - 2] === i) out[out.length - 1]! += this.flat[k + 1]!;
      else out.push(i, this.flat[k + 1]!);
    }
    this.flat = out;
  }
}

/** Episodes, sorted, separated by more than the gap. */
class Episodes {
  gap = EPISODE_GAP_MS;
  runs: Run[] = [];
  constructor(private readonly limit: EpisodeLimit) {}
  /**
   * The fast path of {@link insert} for one time: false (nothing changed) unless it falls in the latest
   * episode or continues it. A time inside it (threads write their lines a little out of order) only
   * counts; one on its start or end also becomes its start's or end's text, as {@link insert} does.
   */
  extend(ms: number, text: string, count: number): boolean {
    const last = this.runs[this.runs.length - 1];
    if (!last || ms < last.start || ms - last.end > this.gap) return false;
    if (ms >= last.end) {
      last.end = ms;
      last.endText = text;
    } else if (ms === last.start) {
      last.startText = text;
    }
    last.count += count;
    return true;
  }
  /** Add a run of occurrences; `r` becomes this timeline's own record (callers pass a new one). */
  insert(r: Run): void {
    const runs = this.runs;
    if (runs.length === 0) {
      this.runs = [r];
      return;
    }
    const last = runs[runs.length - 1];
    if (last && r.start >= last.end && r.start - last.end <= this.gap) {
      // Fast path: the next occurrence of the current episode.
      last.end = r.end;
      last.endText = r.endText;
      last.count += r.count;
      return;
    }
    // Every run within the gap of [r.start, r.end] joins r; they are contiguous in the sorted list.
    let lo = 0;
    while (lo < runs.length && runs[lo]!.end < r.start - this.gap) lo++;
    let hi = lo;
    // (r takes in the runs it joins: what it reaches is fixed before its end moves.)
    const reach = r.end + this.gap;
    while (hi < runs.length && runs[hi]!.start <= reach) {
      const x = runs[hi]!;
      if (x.start < r.start) {
        r.start = x.start;
        r.startText = x.startText;
      }
      if (x.end > r.end) {
        r.end = x.end;
        r.endText = x.endText;
      }
      r.count += x.count;
      hi++;
    }
    runs.splice(lo, hi - lo, r);
    this.fit();
  }
  /** Widen the gap until the episodes fit the limit. */
  fit(): void {
    while (this.runs.length > this.limit.max) this.widen(this.gap * 2);
  }
  /**
   * Use a wider gap: join neighbours it no longer separates, in place (the runs are this timeline's own
   * records: {@link insert} keeps the new one its caller made). A copy of every run per widening was 3 % of what
   * the engine allocated on nginx refresh failures for 5 000 certificates, whose timelines, once the
   * store lowered their shared limit, widen on most new episodes (9 513 times in 111 691 lines; issue 15).
   */
  widen(gap: number): void {
    this.gap = gap;
    const runs = this.runs;
    let kept = 0;
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]!;
      const prev = kept > 0 ? runs[kept - 1]! : null;
      if (prev !== null && r.start - prev.end <= gap) {
        prev.end = r.end;
        prev.endText = r.endText;
        prev.count += r.count;
      } else {
        runs[kept++] = r;
      }
    }
    runs.length = kept;
  }
}

/**
 * The texts {@link clockText} made last, by ms, one map per `utc`; each emptied when it holds
 * {@link CLOCK_TEXTS_MAX}. Bucket starts repeat: every snapshot of a finding writes all its buckets again
 * (an NDJSON stream snapshots a changed finding once a second of the log's clock), and findings share
 * bucket starts (multiples of their width). Measured: 2.4 million calls, 19 % of an NDJSON run over 100 000
 * failing certificates, before this memo.
 */
const clockTexts = [new Map<number, string>(), new Map<number, string>()] as const;
/** At most this many texts are kept (~100 bytes each). */
const CLOCK_TEXTS_MAX = 4096;

/** Milliseconds in a day of the log's clock (no leap seconds, as `Date`). */
const DAY_MS = 86_400_000;
/** The day {@link dayText} made last, and its text. */
let lastDay = Number.NaN;
let lastDayText = '';

/**
 * `YYYY-MM-DDT` of the day `day` (days since 1970-01-01), as `toISOString` writes it, the last one kept:
 * a log's bucket starts fall on few days, and most findings' buckets are their own seconds, so the memo
 * of whole texts ({@link clockTexts}) missed 94 % of its calls on bench (c) (11 382 of 12 151), each a
 * `Date`, its ISO text and a regular expression.
 */
function dayText(day: number): string {
  if (day !== lastDay) {
    lastDayText = new Date(day * DAY_MS).toISOString().slice(0, -13);
    lastDay = day;
  }
  return lastDayText;
}

/** `00` to `59`: the hours, minutes and seconds of a time. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));

/**
 * {@link clockText} made: the day's text and the time of day in digits for a whole ms within `Date`'s
 * range (bucket starts are), else `Date`'s own text (which drops a fraction of a ms, or throws).
 */
function clockTextOf(ms: number, utc: boolean): string {
  if (!Number.isInteger(ms) || Math.abs(ms) > 8.64e15) {
    const iso = new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
    return utc ? iso : iso.slice(0, -1);
  }
  const day = Math.floor(ms / DAY_MS);
  const inDay = ms - day * DAY_MS;
  const sec = Math.floor(inDay / 1000);
  const milli = inDay - sec * 1000;
  const fraction = milli === 0 ? '' : `.${String(milli).padStart(3, '0')}`;
  const clock = `${TWO_DIGITS[Math.floor(sec / 3600)]!}:${TWO_DIGITS[Math.floor(sec / 60) % 60]!}:${TWO_DIGITS[sec % 60]!}`;
  // One flat string: the memo keeps it.
  return [dayText(day), clock, fraction, utc ? 'Z' : ''].join('');
}

/** An ISO-8601 text of ms on the log's clock: `YYYY-MM-DDTHH:MM:SS[.mmm]`, `Z` appended when `utc`. */
export function clockText(ms: number, utc: boolean): string {
  const memo = clockTexts[utc ? 1 : 0];
  const known = memo.get(ms);
  if (known !== undefined) return known;
  const text = clockTextOf(ms, utc);
  if (memo.size >= CLOCK_TEXTS_MAX) memo.clear();
  memo.set(ms, text);
  return text;
}

/** A timeline's state: one object per finding (no closures), its buckets and episodes made on first use. */
class Timeline implements TimelineBuilder {
  private buckets: Buckets | null = null;
  private episodes: Episodes | null = null;
  private untimed = 0;
  private utc: boolean | null = null;

  constructor(private readonly limit: EpisodeLimit) {}

  get episodeCount(): number {
    return this.episodes?.runs.length ?? 0;
  }

  fit(): number {
    this.episodes?.fit();
    return this.episodeCount;
  }

  add(text: string | null, count = 1, ms = timeMs(text)): void {
    if (ms === null) {
      this.untimed += count;
      return;
    }
    // Bucket starts are written like the log's times: with `Z` when they carry an offset.
    this.utc ??= /(?:Z|[+-]\d{2}:?\d{2})$/.test(text!);
    (this.buckets ??= new Buckets()).add(ms, count);
    const episodes = (this.episodes ??= new Episodes(this.limit));
    if (!episodes.extend(ms, text!, count)) episodes.insert({ start: ms, end: ms, count, startText: text!, endText: text! });
  }

  merge(t: FindingTimeline): void {
    const buckets = (this.buckets ??= new Buckets());
    const episodes = (this.episodes ??= new Episodes(this.limit));
    this.untimed += t.untimed;
    if (this.utc === null && t.buckets.length > 0) this.utc = t.buckets[0]!.start.endsWith('Z');
    // Same widths first, so each bucket of t falls whole into one of ours (both are aligned powers of two).
    buckets.widenTo(t.bucketMs);
    if (t.episodeGapMs > episodes.gap) episodes.widen(t.episodeGapMs);
    for (const b of t.buckets) buckets.add(timeMs(b.start)!, b.count);
    for (const e of t.episodes) {
      const run = { start: timeMs(e.start)!, end: timeMs(e.end)!, count: e.count, startText: e.start, endText: e.end };
      episodes.insert(run);
    }
  }

  snapshot(): FindingTimeline {
    const buckets = this.buckets ?? new Buckets();
    const episodes = this.episodes ?? new Episodes(this.limit);
    const b = buckets.flat;
    const out: FindingTimeline['buckets'] = [];
    for (let k = 0; k < b.length; k += 2) out.push({ start: clockText(b[k]! * buckets.width, this.utc ?? false), count: b[k + 1]! });
    const eps: Episode[] = episodes.runs.map((r) => ({ start: r.startText, end: r.endText, count: r.count }));
    return { bucketMs: buckets.width, buckets: out, untimed: this.untimed, episodeGapMs: episodes.gap, episodes: eps };
  }
}

/**
 * Create an empty timeline.
 * @param limit the episodes it keeps at most, shared with other timelines when a caller lowers it for all
 *   (default: its own, {@link MAX_EPISODES})
 */
export function createTimeline(limit: EpisodeLimit = { max: MAX_EPISODES }): TimelineBuilder {
  return new Timeline(limit);
}
