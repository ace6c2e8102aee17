/**
 * A multi-day incident built from real lines: each planned episode repeats one real failure (its lines
 * as captured in samples/real by the server harness) at a steady pace, with the times rewritten to the
 * plan. The plan is the test's oracle: which causes, how many episodes, when each starts and ends.
 * One planned failure carries hostile text (markup, quotes, a terminal escape, a bidi override) in the
 * values nginx logs for it, to prove the report escapes what the log says.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CauseId } from '../../src/types.js';

const SAMPLES = new URL('../../samples/real/', import.meta.url);

/** Text a hostile log line carries: markup, both quotes, an OSC title change, a colour, a bidi override. */
export const HOSTILE = {
  responder: `evil'"<script>alert(1)</script>\u001b]0;pwned\u0007\u001b[31m\u202egnp.test`,
  certificate: `/etc/ssl/<img src=x onerror=alert(2)>'\u202e.pem`,
};

/** One planned episode: a real failure repeated `n` times, `everyMin` minutes apart, from `start` (log clock). */
export interface PlannedEpisode {
  cause: CauseId;
  server: 'nginx' | 'apache';
  /** The sample file and the lines of one failure in it (1-based, inclusive). */
  sample: string;
  lines: [number, number];
  /** First failure, `YYYY-MM-DDTHH:MM:SS` on the log's clock. */
  start: string;
  everyMin: number;
  n: number;
  /** Rewrite the failure's lines (the hostile variant). */
  edit?: (line: string) => string;
}

/** The incident: three days, four causes, nginx and Apache. Episodes of one cause are hours apart. */
export const INCIDENT: PlannedEpisode[] = [
  // The OCSP responder is down for an hour on the first night: nginx retries every 5 minutes.
  {
    cause: 'responder-unreachable',
    server: 'nginx',
    sample: 'nginx-responder-down.log',
    lines: [1, 1],
    start: '2026-11-21T02:17:04',
    everyMin: 5,
    n: 13,
  },
  // The resolver fails across midnight.
  {
    cause: 'dns-resolution-failed',
    server: 'nginx',
    sample: 'nginx-dns-failure-resolver.log',
    lines: [1, 1],
    start: '2026-11-21T23:50:59',
    everyMin: 5,
    n: 6,
  },
  // A stale response once a day.
  {
    cause: 'response-not-current',
    server: 'nginx',
    sample: 'nginx-stale-response.log',
    lines: [1, 1],
    start: '2026-11-21T06:00:10',
    everyMin: 0,
    n: 1,
  },
  {
    cause: 'response-not-current',
    server: 'nginx',
    sample: 'nginx-stale-response.log',
    lines: [1, 1],
    start: '2026-11-22T06:00:10',
    everyMin: 0,
    n: 1,
  },
  {
    cause: 'response-not-current',
    server: 'nginx',
    sample: 'nginx-stale-response.log',
    lines: [1, 1],
    start: '2026-11-23T06:00:10',
    everyMin: 0,
    n: 1,
  },
  // The responder goes silent for half an hour on day two.
  {
    cause: 'responder-timeout',
    server: 'nginx',
    sample: 'nginx-responder-timeout.log',
    lines: [1, 1],
    start: '2026-11-22T14:02:56',
    everyMin: 5,
    n: 7,
  },
  // Apache sees the responder down in the evening: AH01974 then AH01941, every 10 minutes (SSLStaplingErrorCacheTimeout 600 s).
  {
    cause: 'responder-unreachable',
    server: 'apache',
    sample: 'apache-responder-down.log',
    lines: [5, 6],
    start: '2026-11-22T18:00:03',
    everyMin: 10,
    n: 6,
  },
  // nginx again on day three, then one hostile line at noon.
  {
    cause: 'responder-unreachable',
    server: 'nginx',
    sample: 'nginx-responder-down.log',
    lines: [1, 1],
    start: '2026-11-23T09:40:04',
    everyMin: 5,
    n: 4,
  },
  {
    cause: 'responder-unreachable',
    server: 'nginx',
    sample: 'nginx-responder-down.log',
    lines: [1, 1],
    start: '2026-11-23T12:00:00',
    everyMin: 0,
    n: 1,
    edit: (l) =>
      l
        .replace('responder: 127.0.0.1', `responder: ${HOSTILE.responder}`)
        .replace(/certificate: "[^"]*"/, `certificate: "${HOSTILE.certificate}"`),
  },
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const two = (n: number): string => String(n).padStart(2, '0');

/** The line with its time set to `ms` (log clock, read as UTC), in its server's own format. */
function retime(line: string, ms: number): string {
  const d = new Date(ms);
  const hms = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  if (/^\d{4}\/\d\d\/\d\d /.test(line)) {
    return line.replace(
      /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d/,
      `${d.getUTCFullYear()}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())} ${hms}`,
    );
  }
  return line.replace(
    /^\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d(\.\d+)? \d{4}\]/,
    (_, frac: string | undefined) =>
      `[${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${hms}${frac ?? ''} ${d.getUTCFullYear()}]`,
  );
}

/** The time `parseLine` gives the first line of a planned failure (nginx: seconds; Apache: with its fraction). */
function loggedTime(p: PlannedEpisode, ms: number): string {
  const base = new Date(ms).toISOString().slice(0, 19);
  if (p.server === 'nginx') return base;
  const first = sampleLines(p)[0]!;
  const frac = /^\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d(\.\d+)/.exec(first)?.[1] ?? '';
  return base + frac;
}

function sampleLines(p: PlannedEpisode): string[] {
  const all = fs.readFileSync(new URL(p.sample, SAMPLES), 'utf8').split('\n');
  return all.slice(p.lines[0] - 1, p.lines[1]);
}

const startMs = (p: PlannedEpisode): number => Date.parse(`${p.start}Z`);

/** What the plan says each cause's lane must show: its episodes, first and last failure as the log wrote them. */
export function expectedEpisodes(
  plan: readonly PlannedEpisode[] = INCIDENT,
): Map<CauseId, { start: string; end: string; count: number }[]> {
  const out = new Map<CauseId, { start: string; end: string; count: number; ms: number }[]>();
  for (const p of plan) {
    const s = startMs(p);
    const e = s + (p.n - 1) * p.everyMin * 60_000;
    const list = out.get(p.cause) ?? [];
    list.push({ start: loggedTime(p, s), end: loggedTime(p, e), count: p.n, ms: s });
    out.set(p.cause, list);
  }
  return new Map([...out].map(([c, l]) => [c, l.sort((a, b) => a.ms - b.ms).map(({ ms: _, ...e }) => e)]));
}

/**
 * Write the incident's logs, one per server (`nginx-error.log`, `apache-error.log`), lines in time order.
 * @returns the files written
 */
export function writeIncident(dir: string, plan: readonly PlannedEpisode[] = INCIDENT): string[] {
  const byServer = new Map<string, { ms: number; seq: number; text: string }[]>();
  let seq = 0;
  for (const p of plan) {
    const block = sampleLines(p).map((l) => (p.edit ? p.edit(l) : l));
    for (let k = 0; k < p.n; k++) {
      const ms = startMs(p) + k * p.everyMin * 60_000;
      const list = byServer.get(p.server) ?? [];
      for (const l of block) list.push({ ms, seq: seq++, text: retime(l, ms) });
      byServer.set(p.server, list);
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  return [...byServer].map(([server, list]) => {
    const file = path.join(dir, `${server}-error.log`);
    fs.writeFileSync(
      file,
      `${list
        .sort((a, b) => a.ms - b.ms || a.seq - b.seq)
        .map((l) => l.text)
        .join('\n')}\n`,
    );
    return file;
  });
}
