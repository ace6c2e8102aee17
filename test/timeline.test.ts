/**
 * The per-finding timeline (src/findings/timeline.ts): exact counts, bounded size and exact episodes
 * whatever the order of the occurrences, checked against a plain reference computed from the whole list.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import { analyze } from '../src/findings/analyzer.js';
import { timeMs } from '../src/correlate/time.js';
import {
  clockText,
  createTimeline,
  EPISODE_GAP_MS,
  MAX_EPISODES,
  TIMELINE_BASE_MS,
  TIMELINE_MAX_BUCKETS,
} from '../src/findings/timeline.js';
import { loadRules } from '../src/rules/load.js';
import type { FindingTimeline } from '../src/types.js';

const T0 = Date.UTC(2026, 10, 20);

/**
 * Occurrence times, ms: wide spreads (months), dense bursts (seconds), and times on a grid of seconds,
 * quarter hours and half hours, so pauses of exactly the gap and buckets on their edges are common.
 */
const time = fc.oneof(
  fc.integer({ min: 0, max: 120 * 86_400_000 }),
  fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 600_000 })).map(([day, ms]) => day * 86_400_000 + ms),
  fc.tuple(fc.constantFrom(1000, 900_000, EPISODE_GAP_MS, 3_600_000), fc.integer({ min: 0, max: 150 })).map(([unit, k]) => unit * k),
);
const times = fc.array(time, { maxLength: 400, size: 'max' });
/** Some occurrences have no time (null). */
const occurrences = fc.array(fc.option(fc.integer({ min: 0, max: 120 * 86_400_000 }), { nil: null, freq: 8 }), {
  maxLength: 300,
  size: 'max',
});

const text = (ms: number): string => clockText(T0 + ms, false);

/**
 * A counterexample to a bound needs more than 50 episodes or 64 buckets, so shrinking one takes minutes:
 * report the first failure as found (the message of {@link must} says what broke).
 */
const NO_SHRINK = { endOnFailure: true } as const;

function build(list: readonly (number | null)[]): FindingTimeline {
  const t = createTimeline();
  for (const ms of list) t.add(ms === null ? null : text(ms));
  return t.snapshot();
}

/** Reference: occurrences per bucket of this width. */
function referenceBuckets(ms: readonly number[], width: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const x of ms) {
    const i = Math.floor((T0 + x) / width);
    m.set(i, (m.get(i) ?? 0) + 1);
  }
  return m;
}

/** Reference: single-linkage clusters of the times at this gap, as [startMs, endMs, count]. */
function referenceEpisodes(ms: readonly number[], gap: number): [number, number, number][] {
  const s = [...ms].sort((a, b) => a - b);
  const out: [number, number, number][] = [];
  for (const x of s) {
    const last = out[out.length - 1];
    if (last && x - last[1] <= gap) {
      last[1] = x;
      last[2]++;
    } else out.push([x, x, 1]);
  }
  return out;
}

const isPowerOfTwoMultiple = (x: number, base: number): boolean => Number.isInteger(Math.log2(x / base));

/**
 * A cheap check for use inside properties: a plain Error with a short message (jest's diffs of large
 * values would make fast-check's shrinking crawl when a property fails).
 */
function must(ok: boolean, what: string, got?: unknown, want?: unknown): void {
  if (!ok) throw new Error(`${what}${got === undefined ? '' : `: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`}`);
}

function checkBuckets(tl: FindingTimeline, timed: readonly number[]): void {
  must(tl.buckets.length <= TIMELINE_MAX_BUCKETS, 'at most 64 buckets', tl.buckets.length, TIMELINE_MAX_BUCKETS);
  must(isPowerOfTwoMultiple(tl.bucketMs, TIMELINE_BASE_MS), 'bucket width 1 s × 2^k', tl.bucketMs);
  const ref = [...referenceBuckets(timed, tl.bucketMs)].sort((a, b) => a[0] - b[0]);
  const got = tl.buckets.map((b) => [timeMs(b.start)! / tl.bucketMs, b.count]);
  must(JSON.stringify(got) === JSON.stringify(ref), 'buckets in time order with exact counts', got, ref);
  if (tl.bucketMs > TIMELINE_BASE_MS) {
    const finer = referenceBuckets(timed, tl.bucketMs / 2).size;
    must(finer > TIMELINE_MAX_BUCKETS, 'the finest width that fits', finer, `> ${TIMELINE_MAX_BUCKETS}`);
  }
}

function checkEpisodes(tl: FindingTimeline, timed: readonly number[]): void {
  must(tl.episodes.length <= MAX_EPISODES, 'at most 50 episodes', tl.episodes.length);
  must(tl.episodeGapMs >= EPISODE_GAP_MS && isPowerOfTwoMultiple(tl.episodeGapMs, EPISODE_GAP_MS), 'gap 30 min × 2^k', tl.episodeGapMs);
  const ref = referenceEpisodes(timed, tl.episodeGapMs).map(([s, e, c]) => ({ start: text(s), end: text(e), count: c }));
  must(JSON.stringify(tl.episodes) === JSON.stringify(ref), 'episodes are the runs at the reported gap', tl.episodes, ref);
}

describe('finding timeline', () => {
  test('buckets hold every timed occurrence exactly, at most 64 of them, at the finest width that fits, whatever the order', () => {
    fc.assert(
      fc.property(occurrences, (list) => {
        const tl = build(list);
        const timed = list.filter((x): x is number => x !== null);
        must(tl.untimed === list.length - timed.length, 'untimed counted', tl.untimed, list.length - timed.length);
        must(tl.buckets.reduce((n, b) => n + b.count, 0) === timed.length, 'bucket counts add up');
        checkBuckets(tl, timed);
      }),
      NO_SHRINK,
    );
  });

  test('episodes are the exact runs of occurrences at the gap the timeline reports, at most 50, whatever the order', () => {
    fc.assert(
      fc.property(times, (list) => {
        const tl = build(list);
        must(tl.episodes.reduce((n, e) => n + e.count, 0) === list.length, 'episode counts add up');
        checkEpisodes(tl, list);
      }),
      NO_SHRINK,
    );
  });

  test('read in time order, the episode gap is the documented 30 minutes unless a doubled gap is needed to fit', () => {
    fc.assert(
      fc.property(times, (list) => {
        const sorted = [...list].sort((a, b) => a - b);
        const tl = build(sorted);
        checkEpisodes(tl, sorted);
        const atHalf = referenceEpisodes(sorted, tl.episodeGapMs / 2).length;
        must(tl.episodeGapMs === EPISODE_GAP_MS || atHalf > MAX_EPISODES, 'the gap doubled only when needed', tl.episodeGapMs);
      }),
      NO_SHRINK,
    );
  });

  test('merging the timelines of parts equals the timeline of the whole: exact buckets and episodes', () => {
    fc.assert(
      fc.property(fc.array(times, { minLength: 1, maxLength: 4 }), (parts) => {
        const merged = createTimeline();
        for (const p of parts) merged.merge(build(p));
        const tl = merged.snapshot();
        const all = parts.flat();
        const widest = Math.max(...parts.map((p) => build(p).bucketMs));
        must(tl.bucketMs >= widest, 'merged buckets at least as wide as the parts', tl.bucketMs, widest);
        const ref = [...referenceBuckets(all, tl.bucketMs)].sort((a, b) => a[0] - b[0]);
        const got = tl.buckets.map((b) => [timeMs(b.start)! / tl.bucketMs, b.count]);
        must(JSON.stringify(got) === JSON.stringify(ref), 'merged buckets exact', got, ref);
        must(tl.buckets.length <= TIMELINE_MAX_BUCKETS, 'at most 64 merged buckets');
        checkEpisodes(tl, all);
      }),
      NO_SHRINK,
    );
  });

  test('the bounds are exact: 64 buckets fit at the finest width, 65 do not; 50 episodes keep the gap, 51 double it', () => {
    const seconds = (n: number): number[] => Array.from({ length: n }, (_, i) => i * 1000);
    expect(build(seconds(64))).toMatchObject({ bucketMs: TIMELINE_BASE_MS });
    expect(build(seconds(65))).toMatchObject({ bucketMs: 2 * TIMELINE_BASE_MS });
    const apart = (n: number, pause: number): number[] => Array.from({ length: n }, (_, i) => i * pause);
    const fifty = build(apart(MAX_EPISODES, EPISODE_GAP_MS + 1));
    expect([fifty.episodeGapMs, fifty.episodes.length]).toEqual([EPISODE_GAP_MS, MAX_EPISODES]);
    const more = build(apart(MAX_EPISODES + 1, EPISODE_GAP_MS + 1));
    expect([more.episodeGapMs, more.episodes.length]).toEqual([2 * EPISODE_GAP_MS, 1]);
    // A pause of exactly the gap stays within the episode.
    expect(build(apart(3, EPISODE_GAP_MS)).episodes).toHaveLength(1);
  });

  test('episode ends keep the log’s own time text, and buckets are written in UTC when the log’s times carry an offset', () => {
    const t = createTimeline();
    t.add('2026-11-23T02:17:04.036368+01:00');
    t.add('2026-11-23T02:20:00+01:00');
    t.add('2026-11-23T05:00:00+01:00');
    const s = t.snapshot();
    expect(s.episodes.map((e) => [e.start, e.end, e.count])).toEqual([
      ['2026-11-23T02:17:04.036368+01:00', '2026-11-23T02:20:00+01:00', 2],
      ['2026-11-23T05:00:00+01:00', '2026-11-23T05:00:00+01:00', 1],
    ]);
    expect(s.buckets[0]!.start).toBe('2026-11-23T01:17:04Z');
  });
});

describe('findings carry their timeline', () => {
  // A real nginx line (samples/real/nginx-responder-down.log), repeated at generated times.
  const real = fs.readFileSync(new URL('../samples/real/nginx-responder-down.log', import.meta.url), 'utf8').split('\n')[0]!;
  const body = real.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '');
  const nginxTime = (ms: number): string => new Date(T0 + ms).toISOString().slice(0, 19).replace(/-/g, '/').replace('T', ' ');

  test('count = timed buckets + untimed = episodes + untimed, and the episodes follow the pauses of the log', async () => {
    const rules = await loadRules();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 10 * 86_400 }), { minLength: 1, maxLength: 80, size: 'max' }), async (secs) => {
        const sorted = [...secs].sort((a, b) => a - b);
        const lines = sorted.map((s) => `${nginxTime(s * 1000)} ${body}`);
        const report = analyze(lines, rules);
        must(report.findings.length === 1 && report.findings[0]!.cause === 'responder-unreachable', 'one responder-unreachable finding');
        const f = report.findings[0]!;
        const tl = f.timeline;
        must(tl.buckets.reduce((n, b) => n + b.count, 0) + tl.untimed === f.count, 'buckets + untimed = count');
        must(tl.episodes.reduce((n, e) => n + e.count, 0) + tl.untimed === f.count, 'episodes + untimed = count');
        const want = referenceEpisodes(
          sorted.map((s) => s * 1000),
          tl.episodeGapMs,
        ).length;
        must(tl.episodes.length === want, 'episodes follow the pauses', tl.episodes.length, want);
        must(tl.episodes[0]!.start === f.first && tl.episodes[tl.episodes.length - 1]!.end === f.last, 'episodes span first → last');
      }),
      { numRuns: 15, ...NO_SHRINK },
    );
  });
});

/**
 * clockText keeps the texts it made (a bounded memo): whatever the order of the calls, each text must be
 * the one for its own time and zone, with fractional times, both zones interleaved,
 * and more calls than the memo holds.
 */
test('clockText gives the text of its own time and zone, whatever it was asked before', () => {
  const own = (ms: number, utc: boolean): string => {
    const iso = new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
    return utc ? iso : iso.slice(0, -1);
  };
  const call = fc.tuple(
    fc.oneof(
      fc.integer({ min: 0, max: 9_000 }),
      fc.integer({ min: 0, max: 18_000 }).map((k) => k / 2),
    ),
    fc.boolean(),
  );
  fc.assert(
    fc.property(fc.array(call, { maxLength: 6_000 }), (calls) => {
      for (const [ms, utc] of calls) expect(clockText(T0 + ms, utc)).toBe(own(T0 + ms, utc));
    }),
    { numRuns: 20 },
  );
});
