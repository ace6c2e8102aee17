/**
 * The HTML report's groups (one per cause, and per host when the findings name hosts) and its
 * timeline: one lane per group on a shared time axis, on the log's own clock, drawn as plain SVG (no
 * script): a band per episode (first to last failure, see `src/findings/timeline.ts` for the gap that
 * ends one) and a bar per time bucket whose height grows with the failures in it.
 */
import { timeMs } from '../correlate/time.js';
import { createTimeline } from '../findings/timeline.js';
import {
  severityRank,
  type CauseId,
  type Episode,
  type Finding,
  type FindingAggregate,
  type FindingTimeline,
  type Server,
  type Severity,
} from '../types.js';
import { markup, type Markup } from './html-escape.js';
import { summarySubjects } from './overview.js';

/** Findings of one cause (on one host): a row of the overview and a lane of the timeline. */
export interface Group {
  cause: CauseId;
  /** The machine (findings' `host`, when the input names hosts), else null. */
  host: string | null;
  /** The most severe of its findings. */
  severity: Severity;
  servers: Server[];
  findings: Finding[];
  /** Failures: the findings' counts added. */
  count: number;
  /** Distinct certificates, vhosts or responders the findings are about (a summary finding's own number of identities included). */
  subjects: number;
  /** True when `subjects` is a lower bound (a summary finding whose number of identities is not exact). */
  subjectsAtLeast: boolean;
  /** Earliest first and latest last (log clock), or null when no line had a time. */
  first: string | null;
  last: string | null;
  /** The findings' timelines merged: the lane. */
  timeline: FindingTimeline;
}

/** A finding's machine: `host` when the findings carry one (fleet inputs), else null. */
export function hostOf(f: Finding): string | null {
  return (f as Finding & { host?: string | null }).host ?? null;
}

function subjectOf(f: Finding): string {
  const s = f.subject;
  return s.certificate ?? s.serial ?? s.certSubject ?? s.vhost ?? s.responder ?? s.url ?? s.host ?? f.id;
}

/** The HTML overview counts certificates, vhosts and responders: every kind of identity a summary stands for. */
const EVERY_KIND: ReadonlySet<FindingAggregate['of']> = new Set(['certificate', 'vhost', 'responder', 'mixed']);

const earlier = (a: string | null, b: string | null): boolean => b === null || (a !== null && (timeMs(a) ?? 0) < (timeMs(b) ?? 0));

/**
 * Group findings by cause and host, in report order (causes by their most severe finding; hosts in
 * the order they first appear within a cause).
 */
export function groupFindings(findings: readonly Finding[]): Group[] {
  const byKey = new Map<string, { g: Group; subjects: Set<string>; summarised: number; tl: ReturnType<typeof createTimeline> }>();
  for (const f of findings) {
    const host = hostOf(f);
    const key = `${f.cause}\u0000${host ?? ''}`;
    let e = byKey.get(key);
    if (!e) {
      const g: Group = {
        cause: f.cause,
        host,
        severity: f.severity,
        servers: [],
        findings: [],
        count: 0,
        subjects: 0,
        subjectsAtLeast: false,
        first: null,
        last: null,
        timeline: null!,
      };
      e = { g, subjects: new Set(), summarised: 0, tl: createTimeline() };
      byKey.set(key, e);
    }
    const g = e.g;
    g.findings.push(f);
    g.count += f.count;
    if (severityRank(f.severity) > severityRank(g.severity)) g.severity = f.severity;
    if (f.server && !g.servers.includes(f.server)) g.servers.push(f.server);
    // A summary finding has no subject of its own: it adds the identities it stands for.
    const more = summarySubjects(f.aggregate, EVERY_KIND);
    if (f.aggregate) e.summarised += more.n;
    else e.subjects.add(subjectOf(f));
    g.subjectsAtLeast ||= more.atLeast;
    if (f.first !== null && earlier(f.first, g.first)) g.first = f.first;
    if (f.last !== null && (g.last === null || earlier(g.last, f.last))) g.last = f.last;
    e.tl.merge(f.timeline);
  }
  const groups = [...byKey.values()].map((e) => ({ ...e.g, subjects: e.subjects.size + e.summarised, timeline: e.tl.snapshot() }));
  // Keep report order of causes; within a cause, hosts stay in order of appearance.
  const causeOrder = [...new Set(findings.map((f) => f.cause))];
  return groups.sort((a, b) => causeOrder.indexOf(a.cause) - causeOrder.indexOf(b.cause));
}

// Geometry of the SVG (viewBox units ~ CSS pixels at full width).
const W = 1200;
const LABEL = 260;
const RIGHT = 16;
const AXIS = 30;
const LANE = 36;
const BAND = 22;
const PLOT = W - LABEL - RIGHT;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEPS = [1, 2, 5, 10, 15, 30]
  .map((n) => n * SECOND)
  .concat(
    [1, 2, 5, 10, 15, 30].map((n) => n * MINUTE),
    [1, 2, 3, 6, 12].map((n) => n * HOUR),
    [1, 2, 7, 14, 30, 61, 91, 182, 365].map((n) => n * DAY),
  );

/** The axis' range: every bucket and episode of every lane, with a margin; null when no time at all. */
function rangeOf(groups: readonly Group[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of groups) {
    for (const b of g.timeline.buckets) lo = Math.min(lo, timeMs(b.start)!);
    for (const e of g.timeline.episodes) {
      lo = Math.min(lo, timeMs(e.start)!);
      hi = Math.max(hi, timeMs(e.end)!);
    }
  }
  if (!Number.isFinite(lo)) return null;
  const pad = Math.max((hi - lo) * 0.02, 30 * SECOND);
  return [lo - pad, hi + pad];
}

/** `MM-DD HH:MM` style labels on the log's clock, as fine as the step needs. */
function tickLabel(ms: number, step: number, prev: number | null): string {
  const iso = new Date(ms).toISOString();
  const day = iso.slice(5, 10);
  if (step >= DAY) return day;
  const clock = step < MINUTE ? iso.slice(11, 19) : iso.slice(11, 16);
  const newDay = prev === null || new Date(prev).toISOString().slice(0, 10) !== iso.slice(0, 10);
  return newDay ? `${day} ${clock}` : clock;
}

function axis(lo: number, hi: number, height: number): Markup {
  const step = STEPS.find((s) => (hi - lo) / s <= 8) ?? STEPS[STEPS.length - 1]!;
  const x = (ms: number): number => LABEL + ((ms - lo) / (hi - lo)) * PLOT;
  const ticks: Markup[] = [];
  let prev: number | null = null;
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) {
    const px = x(t).toFixed(1);
    const label = tickLabel(t, step, prev);
    ticks.push(
      markup`<g class="tick"><line x1="${px}" x2="${px}" y1="${AXIS - 6}" y2="${height}"/><text x="${px}" y="${AXIS - 10}">${label}</text></g>\n`,
    );
    prev = t;
  }
  return markup`<g class="axis">${ticks}</g>\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A short label that fits the label column; the full text is in the lane's title. */
function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An episode's band: from its first failure to its last (at least 3 units wide), with its times as data. */
function band(e: Episode, name: string, top: number, x: (ms: number) => number): Markup {
  const x1 = x(timeMs(e.start)!);
  const w = Math.max(3, x(timeMs(e.end)!) - x1).toFixed(1);
  const when = e.start === e.end ? e.start : `${e.start} → ${e.end}`;
  const data = markup`data-start="${e.start}" data-end="${e.end}" data-count="${e.count}"`;
  return markup`<rect class="episode" x="${x1.toFixed(1)}" y="${top}" width="${w}" height="${BAND}" rx="2" ${data}><title>${name}: ${when}, ${plural(e.count, 'failure')}</title></rect>\n`;
}

function lane(g: Group, i: number, x: (ms: number) => number): Markup {
  const top = AXIS + i * LANE;
  const tl = g.timeline;
  const name = g.host === null ? g.cause : `${g.host} · ${g.cause}`;
  const maxCount = Math.max(1, ...tl.buckets.map((b) => b.count));
  const bandTop = top + (LANE - BAND) / 2;
  const bars = tl.buckets.map((b) => {
    const h = Math.max(2, BAND * Math.sqrt(b.count / maxCount));
    const bx = x(timeMs(b.start)!);
    const bw = Math.max(1.5, x(timeMs(b.start)! + tl.bucketMs) - bx);
    const title = `${plural(b.count, 'failure')} from ${b.start} (${tl.bucketMs / 1000} s bucket)`;
    return markup`<rect class="bucket" x="${bx.toFixed(1)}" y="${(bandTop + BAND - h).toFixed(1)}" width="${bw.toFixed(1)}" height="${h.toFixed(1)}" data-count="${b.count}"><title>${title}</title></rect>\n`;
  });
  const sub = `${plural(g.count, 'failure')} · ${plural(tl.episodes.length, 'episode')}${tl.untimed ? ` · ${tl.untimed} without time` : ''}`;
  const attrs = markup`data-cause="${g.cause}" data-host="${g.host ?? ''}" data-episodes="${tl.episodes.length}"`;
  return markup`<g class="lane sev-${g.severity}" ${attrs}><title>${name}</title>
<rect class="lane-bg" x="0" y="${top}" width="${W}" height="${LANE}"/>
<text class="lane-name" x="8" y="${top + 15}">${shorten(name, 36)}</text>
<text class="lane-sub" x="8" y="${top + 29}">${sub}</text>
${tl.episodes.map((e) => band(e, name, bandTop, x))}${bars}</g>
`;
}

/**
 * The timeline as inline SVG: an axis on the log's clock and a lane per group.
 * @returns the `<svg>` element, or a sentence when no failure line carried a time
 */
export function timelineSvg(groups: readonly Group[]): Markup {
  const range = rangeOf(groups);
  if (range === null) return markup`<p class="empty">No failure line carries a time, so there is no timeline.</p>`;
  const [lo, hi] = range;
  const height = AXIS + groups.length * LANE + 4;
  const x = (ms: number): number => LABEL + ((ms - lo) / (hi - lo)) * PLOT;
  const label = `Failures over time per cause${groups.some((g) => g.host !== null) ? ' and host' : ''}`;
  return markup`<svg class="timeline" viewBox="0 0 ${W} ${height}" width="100%" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg">
${axis(lo, hi, height - 4)}${groups.map((g, i) => lane(g, i, x))}</svg>`;
}
