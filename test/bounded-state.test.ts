/**
 * Issue 16.3 and issue 12 (scale without lying): the analysis state is bounded whatever the input, and
 * what it reports stays exact. Structural checks on generated inputs (how many groups are open, what a
 * finding stores, what a summary says); the memory figures themselves come from test/bench/memory.mjs.
 */
import fc from 'fast-check';
import { analyze, createAnalyzer } from '../src/findings/analyzer.js';
import { renderFinding } from '../src/findings/render.js';
import { createCorrelator, retained } from '../src/correlate/correlator.js';
import { EVIDENCE_TEXT_MAX, IdentitySet, MAX_FINDINGS_PER_CAUSE, VALUE_MAX } from '../src/findings/limits.js';
import { Lru, MEMO_MESSAGE_MAX } from '../src/rules/hit-memo.js';
import { ShapeMemo, shapePattern } from '../src/rules/join.js';
import { createMatcher } from '../src/rules/match.js';
import { loadRules } from '../src/rules/load.js';
import type { FindingData, LineMatch } from '../src/types.js';

const rules = await loadRules();
const matcher = createMatcher(rules);

// Shapes of rules/apache-responder-connect-failed.yaml, apache-responder-error.yaml and
// nginx-responder-timeout.yaml samples (samples/real captures), with the pid, tid, time and certificate varied.
const apTime = (s: number): string => {
  const d = new Date(Date.UTC(2026, 10, 23) + s * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `Mon Nov 23 ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.000000 2026`;
};
const ah01974 = (pid: number, tid: number, s = 0): string =>
  `[${apTime(s)}] [ssl:error] [pid ${pid}:tid ${tid}] (111)Connection refused: [client 127.0.0.1:57516] AH01974: could not connect to OCSP responder '127.0.0.1:27881'`;
const ah01941 = (pid: number, tid: number, s = 0): string =>
  `[${apTime(s)}] [ssl:error] [pid ${pid}:tid ${tid}] AH01941: stapling_renew_response: responder error`;
const ngxTimeout = (cert: number, s = 0, pad = ''): string => {
  const d = new Date(Date.UTC(2026, 10, 23) + s * 1000);
  const t = d.toISOString().slice(0, 19).replace(/-/g, '/').replace('T', ' ');
  return `${t} [error] 1043#1043: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.example.net, peer: 192.0.2.1:80, certificate: "/etc/ssl/site-${cert}${pad}.pem"`;
};

function matchOf(text: string, line: number): LineMatch {
  const m = matcher.match(text, { file: 'x.log', line }).match;
  if (!m) throw new Error(`no rule matches ${text}`);
  return m;
}

describe('correlation groups close when no later line can join them', () => {
  test('20 000 failures under distinct pids: at most the follow window stays open, every failure counted', () => {
    const occurrences: number[] = [];
    const c = createCorrelator<number>({ occur: () => occurrences.push(0) - 1, add: (o) => occurrences[o]!++, changed: () => undefined });
    let peak = 0;
    for (let k = 0; k < 20_000; k++) {
      c.push(matchOf(ah01974(10_000 + k, 7, k), 2 * k + 1));
      c.push(matchOf(ah01941(10_000 + k, 7, k), 2 * k + 2));
      peak = Math.max(peak, c.openGroups);
    }
    c.end();
    expect(peak).toBeLessThanOrEqual(51); // the 50-line follow window, plus the line itself
    expect(occurrences).toHaveLength(20_000);
    expect(occurrences.every((n) => n === 2)).toBe(true);
  });

  test('transport lines under distinct pid:tid and no AH01941 ever: bounded, and no finding (client-certificate OCSP)', () => {
    const a = createAnalyzer(rules);
    const h = a.input('x.log');
    for (let k = 0; k < 20_000; k++) h.line(ah01974(1000 + (k % 97), k, k), k + 1);
    h.end();
    const r = a.end();
    expect(r.findings).toEqual([]);
    expect(r.stats.matched).toBe(0);
  });

  test('by time on the log clock too: a group is closed once a line comes more than the window later', () => {
    const c = createCorrelator<number>(
      { occur: () => 0, add: () => undefined, changed: () => undefined },
      { followWindowLines: 1_000_000 },
    );
    for (let k = 0; k < 1000; k++) c.push(matchOf(ah01974(10_000 + k, 7, k * 10), k + 1));
    expect(c.openGroups).toBeLessThanOrEqual(8); // 5 s window + 60 s allowance for lines out of order, 10 s apart
  });

  test('and by count, whatever the windows', () => {
    const c = createCorrelator<number>(
      { occur: () => 0, add: () => undefined, changed: () => undefined },
      { followWindowLines: 1e9, followWindowMs: 1e12, maxOpenGroups: 100 },
    );
    for (let k = 0; k < 5000; k++) c.push(matchOf(ah01974(10_000 + k, 7), k + 1));
    expect(c.openGroups).toBe(100);
  });

  test('closing early changes nothing that is reported: interleaved failures give the same findings with and without the bounds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean(), fc.integer({ min: 0, max: 3 })), { maxLength: 120 }),
        (steps) => {
          const lines = steps.map(([pid, follower, dt], i) => (follower ? ah01941 : ah01974)(100 + pid, 1, i + dt));
          const strip = (fs: FindingData[]): unknown => fs.map((f) => [f.id, f.count, f.evidence.map((e) => e.line), f.evidenceOmitted]);
          const bounded = analyze(lines, rules);
          const unbounded = analyze(lines, rules, { closeEarly: false });
          expect(strip(bounded.findings)).toEqual(strip(unbounded.findings));
          expect(bounded.stats).toEqual(unbounded.stats);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('a transport failure waiting for its AH01941 keeps 64 lines; the rest are counted, not lost', () => {
    const lines = [...Array.from({ length: 200 }, (_, i) => ah01974(5, 5, i / 100)), ah01941(5, 5, 2)];
    const r = analyze(lines, rules, { followWindowLines: 1000 });
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f.count).toBe(1);
    expect(f.evidence.length + f.evidenceOmitted).toBe(201);
    expect(r.stats.matched).toBe(201);
  });
});

describe('what a finding stores is its own and capped', () => {
  test('long transport lines waiting for their AH01941 are kept by their start and length, and the finding shows them so', () => {
    const pad = ` ${'x'.repeat(5000)}`;
    const waiting = [0, 1, 2].map((i) => `${ah01974(9, 9, i)}${pad}`);
    const kept = retained(matchOf(waiting[0]!, 1));
    expect(kept.text).toBe(waiting[0]!.slice(0, EVIDENCE_TEXT_MAX));
    expect(kept.textLength).toBe(waiting[0]!.length);
    for (const v of [...Object.values(kept.parsed), ...Object.values(kept.values)]) {
      if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(VALUE_MAX);
    }
    expect(retained(kept)).toEqual(kept); // keeping a kept line again changes nothing
    const r = analyze([...waiting, ah01941(9, 9, 3)], rules);
    expect(r.findings).toHaveLength(1);
    const ev = r.findings[0]!.evidence.filter((e) => e.ruleId === matchOf(waiting[0]!, 1).rule.id);
    expect(ev.map((e) => [e.text, e.textLength])).toEqual(waiting.map((l) => [l.slice(0, EVIDENCE_TEXT_MAX), l.length]));
  });

  test('a 3 000-character line: the evidence keeps its start and its length; values are capped', () => {
    const line = ngxTimeout(1, 0, 'x'.repeat(3000));
    const r = analyze([line], rules);
    const e = r.findings[0]!.evidence[0]!;
    expect(e.text).toBe(line.slice(0, EVIDENCE_TEXT_MAX));
    expect(e.textLength).toBe(line.length);
    expect(r.findings[0]!.subject.certificate!.length).toBe(VALUE_MAX);
    expect(r.findings[0]!.subject.certificate!.endsWith('…')).toBe(true);
    for (const v of Object.values(e.values)) expect(v.length).toBeLessThanOrEqual(VALUE_MAX);
  });

  test('a short line is kept whole, without textLength', () => {
    const r = analyze([ngxTimeout(1)], rules);
    expect(r.findings[0]!.evidence[0]).not.toHaveProperty('textLength');
  });
});

describe('evidence kept in all findings is bounded: past the budget each finding keeps fewer lines, never fewer than its first and latest', () => {
  // 40 certificates failing 6 times each, interleaved (every failure's lines in log order).
  const lines = Array.from({ length: 6 }, (_, round) => Array.from({ length: 40 }, (_, c) => ngxTimeout(c, round * 60 + c))).flat();
  const evidenceOf = (r: { findings: readonly FindingData[] }): string[][] => r.findings.map((f) => f.evidence.map((e) => e.text));

  test('within the budget every finding keeps up to --max-evidence lines', () => {
    const r = analyze(lines, rules, { maxEvidence: 5, maxEvidenceLines: 1000 });
    expect(r.findings).toHaveLength(40);
    for (const f of r.findings) expect([f.evidence.length, f.evidenceOmitted, f.count]).toEqual([5, 1, 6]);
  });

  test('past it, every finding keeps the same fewer lines: its first ones and the latest, the rest counted', () => {
    const r = analyze(lines, rules, { maxEvidence: 5, maxEvidenceLines: 100 });
    const whole = analyze(lines, rules, { maxEvidence: 6, maxEvidenceLines: 1000 });
    expect(r.findings.reduce((n, f) => n + f.evidence.length, 0)).toBeLessThanOrEqual(100);
    r.findings.forEach((f, i) => {
      const all = whole.findings[i]!.evidence.map((e) => e.text);
      expect(f.evidence.length).toBe(2); // 40 findings × 3 lines would pass 100
      expect(f.evidence.map((e) => e.text)).toEqual([all[0], all[5]]);
      expect(f.evidence.length + f.evidenceOmitted).toBe(f.count);
    });
  });

  test('the budget never takes a finding below its first and latest line', () => {
    const r = analyze(lines, rules, { maxEvidence: 10, maxEvidenceLines: 1 });
    expect(evidenceOf(r).every((e) => e.length === 2)).toBe(true);
    expect(r.findings.every((f) => f.evidence.length + f.evidenceOmitted === f.count)).toBe(true);
  });
});

describe('episodes kept in all timelines are bounded: past the budget every timeline keeps fewer, with a wider gap, counts exact', () => {
  // 30 certificates, each failing once an hour for 20 hours: 20 episodes each at the 30-minute gap.
  const lines = Array.from({ length: 20 }, (_, h) => Array.from({ length: 30 }, (_, c) => ngxTimeout(c, h * 3600 + c))).flat();
  const episodes = (f: FindingData): number => f.timeline.episodes.length;

  test('within the budget each timeline keeps its own episodes', () => {
    const r = analyze(lines, rules, { maxEpisodes: 1000 });
    expect(r.findings.map(episodes)).toEqual(Array(30).fill(20));
  });

  test('past it, the limit they share is lowered for all (never below 5 each) and every count stays exact', () => {
    const r = analyze(lines, rules, { maxEpisodes: 100 });
    expect(r.findings).toHaveLength(30);
    for (const f of r.findings) {
      expect(episodes(f)).toBeLessThanOrEqual(5);
      expect(f.timeline.episodeGapMs).toBeGreaterThan(30 * 60_000);
      expect(f.timeline.episodes.reduce((n, e) => n + e.count, 0)).toBe(f.count);
      expect([f.timeline.episodes[0]!.start, f.timeline.episodes.at(-1)!.end]).toEqual([f.first, f.last]);
    }
    // 300: 50 → 37 → 27 → 20 → 15 → 11 → 8 each (the hourly failures then fall in one 60-minute-gap episode)
    const mid = analyze(lines, rules, { maxEpisodes: 300 });
    expect(mid.findings.every((f) => episodes(f) <= 8 && f.timeline.episodeGapMs === 60 * 60_000)).toBe(true);
    expect(mid.findings.reduce((n, f) => n + episodes(f), 0)).toBeLessThanOrEqual(300);
  });
});

describe('many distinct findings: listed one by one up to a limit, the rest summarised honestly', () => {
  test('20 000 distinct certificates (every tenth twice): each listed finding names its own certificate with its own count; the summary counts the rest exactly', () => {
    const lines: string[] = [];
    for (let k = 0; k < 20_000; k++) lines.push(ngxTimeout(k, k));
    for (let k = 0; k < 20_000; k += 10) lines.push(ngxTimeout(k, 20_000 + k));
    const r = analyze(lines, rules);
    const listed = r.findings.filter((f) => !f.aggregate);
    const summaries = r.findings.filter((f) => f.aggregate);
    expect(listed).toHaveLength(MAX_FINDINGS_PER_CAUSE);
    for (const f of listed) {
      const k = Number(/site-(\d+)\.pem/.exec(f.subject.certificate!)![1]);
      expect(f.count).toBe(k % 10 === 0 ? 2 : 1);
      expect(f.evidence.every((e) => e.text.includes(`/site-${k}.pem"`))).toBe(true);
    }
    expect(summaries).toHaveLength(1);
    const s = summaries[0]!;
    expect(s.aggregate).toEqual({ findings: 20_000 - MAX_FINDINGS_PER_CAUSE, exact: true, of: 'certificate' });
    expect(s.subject).toEqual({});
    expect(s.count + listed.reduce((n, f) => n + f.count, 0)).toBe(22_000);
    expect(s.first).toBe('2026-11-23T00:16:40'); // the first certificate not listed, k = 1000
    expect(s.last).toBe('2026-11-23T11:06:30'); // k = 19 990, seen again at 20 000 + 19 990 s
    expect(s.messageId).toBe('responder-timeout.summary');
    expect(r.findings.at(-1)).toBe(s); // after the findings of its cause
    const text = renderFinding(s).message;
    expect(text).toBe(
      'Responder timed out: and 19 000 more certificates, not listed one by one: 20 900 failures, 2026-11-23 00:16:40 → 2026-11-23 11:06:30.',
    );
  });

  test('the per-cause limit is an option; causes and servers are summarised separately', () => {
    const lines = [...Array.from({ length: 7 }, (_, k) => ngxTimeout(k, k)), ah01974(1, 1), ah01941(1, 1)];
    const r = analyze(lines, rules, { maxFindingsPerCause: 3 });
    expect(r.findings.map((f) => [f.cause, f.aggregate?.findings ?? null, f.count])).toEqual([
      ['responder-unreachable', null, 1],
      ['responder-timeout', null, 1],
      ['responder-timeout', null, 1],
      ['responder-timeout', null, 1],
      ['responder-timeout', 4, 4],
    ]);
  });

  test('a summary of start-up failures counts every certificate: lines of different certificates are never folded as a second pass', () => {
    // rules/apache-issuer-not-found.yaml shape (AH02217, config phase): one certificate a second, each under its own pid.
    const ah02217 = (k: number): string =>
      `[${apTime(k)}] [ssl:error] [pid ${1000 + k}:tid 7] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate! [subject: CN=site-${k}.example.net / issuer: CN=Example CA / serial: ${(k + 16).toString(16).toUpperCase()} / notbefore: May 29 19:48:11 2025 GMT / notafter: Jun 12 19:48:11 2027 GMT]`;
    const r = analyze(
      Array.from({ length: 10 }, (_, k) => ah02217(k)),
      rules,
      { maxFindingsPerCause: 2 },
    );
    expect(r.findings.map((f) => [f.aggregate?.findings ?? null, f.count])).toEqual([
      [null, 1],
      [null, 1],
      [8, 8],
    ]);
  });

  test('the identity set counts distinct keys exactly, and says so once it is full', () => {
    const s = new IdentitySet(1024);
    let fresh = 0;
    for (let k = 0; k < 700; k++) if (s.add(`cert-${k % 500}`)) fresh++;
    expect(fresh).toBe(500);
    expect(s.full).toBe(false);
    const big = new IdentitySet();
    const key = (k: number): string => `responder-timeout\u0000nginx\u0000/etc/ssl/site-${k}.pem`;
    let fresh2 = 0;
    for (let k = 0; k < 50_000; k++) if (big.add(key(k))) fresh2++;
    let again = 0;
    for (let k = 0; k < 50_000; k += 7) if (big.add(key(k)) !== false) again++;
    expect([fresh2, again, big.size]).toEqual([50_000, 0, 50_000]);
    const small = new IdentitySet(1024);
    const answers = Array.from({ length: 1000 }, (_, k) => small.add(`k${k}`));
    expect(answers.filter((a) => a === true)).toHaveLength(819); // 80 % of 1024 slots
    expect(answers.filter((a) => a === null)).toHaveLength(181);
    expect(small.full).toBe(true);
  });
});

describe('memos keep no long line alive', () => {
  test('the hit memo keeps no entry for a message over MEMO_MESSAGE_MAX characters (it would hold its line)', () => {
    const memo = new Lru<number>(4);
    const short = 'AH01941: stapling_renew_response: responder error';
    const long = `${short} ${'x'.repeat(MEMO_MESSAGE_MAX)}`;
    memo.set(short, 'r', 1);
    memo.set(long, 'r', 2);
    expect([memo.get(short, 'r'), memo.get(long, 'r')]).toEqual([1, undefined]);
  });

  test('a rest whose keys keep missing rests twice as long after each failed trial (up to 8 times), and a trial that hits starts over', () => {
    const memo = new Lru<number>(4);
    const rests: number[] = [];
    let resting = 0;
    let k = 0;
    const lookUp = (hit: boolean): void => {
      const key = hit ? 'same' : `m${k++}`;
      if (!memo.worth(key, 'r')) {
        resting++;
        return;
      }
      if (resting > 0) rests.push(resting);
      resting = 0;
      if (hit) memo.set('same', 'r', 1);
      memo.get(key, 'r');
    };
    for (let i = 0; i < 1200; i++) lookUp(false);
    for (let i = 0; i < 300; i++) lookUp(true);
    for (let i = 0; i < 200; i++) lookUp(false);
    // Trials of 4 lookups; rests of 8 generations of 4 lookups, doubled up to 8 times that; the hits start over.
    expect(rests).toEqual([32, 64, 128, 256, 256, 256, 256, 32, 64]);
  });

  describe('a memo made to grow', () => {
    // The memo's use in match.ts: look up when worth it, else and on a miss set what was computed.
    const use = (memo: Lru<number>, key: (i: number) => string, n: number): number => {
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const k = key(i);
        if (!memo.worth(k, 'r')) continue;
        if (memo.get(k, 'r') === undefined) memo.set(k, 'r', i);
        else hits++;
      }
      return hits;
    };
    const cycle = (period: number) => (i: number) => `refresh failed for certificate ${i % period}`;

    test('grows when what it missed comes back, until the cycle fits, and then hits', () => {
      const memo = new Lru<number>(4, true);
      use(memo, cycle(3000), 60000);
      // 4 → 16 → 64 → 256 → 1 024 → 4 096: two generations of 1 024 cannot hold 3 000 keys, two of 4 096 can.
      expect(memo.size).toBe(4096);
      expect(use(memo, cycle(3000), 6000)).toBe(6000);
    });

    test('stays as it is when nothing comes back, and when it may not grow', () => {
      const distinct = new Lru<number>(4, true);
      use(distinct, (i) => `certificate ${i}`, 60000);
      expect(distinct.size).toBe(4);
      const fixed = new Lru<number>(4);
      use(fixed, cycle(3000), 60000);
      expect(fixed.size).toBe(4);
    });

    test('grows no further than 8 192 keys per generation', () => {
      const memo = new Lru<number>(4, true);
      use(memo, cycle(12000), 150000);
      expect(memo.size).toBe(8192);
      use(memo, cycle(12000), 150000);
      expect(memo.size).toBe(8192);
    });
  });

  describe("the joiner's shape memo", () => {
    // As MessageJoiner.factsOf() uses it: a trial, else (resting) a few lines told to its ghost.
    const candidates = [3, 5];
    const use = (memo: ShapeMemo, text: (i: number) => string, n: number): void => {
      for (let i = 0; i < n; i++) {
        const t = memo.open(candidates, 7);
        if (t !== null) memo.facts(t, text(i), candidates, 0, 7);
        else if (memo.tellsSkipped()) memo.skipped(text(i), 7);
      }
    };
    // Shapes told apart by letters (digits are the same shape): base-26 names.
    const name = (k: number): string => (k < 26 ? '' : name(Math.floor(k / 26) - 1)) + String.fromCharCode(97 + (k % 26));
    const line = (k: number): string => `OCSP responder timed out, certificate: "/etc/nginx/ssl/${name(k)}.example.net/fullchain.pem"`;

    test('grows to 16 384 shapes when the shapes it missed come back (5 000 in turn), and not on shapes seen once', () => {
      const back = new ShapeMemo();
      use(back, (i) => line(i % 5000), 60000);
      expect(back.size).toBe(16384);
      const once = new ShapeMemo();
      use(once, (i) => line(i), 60000);
      expect(once.size).toBe(2048);
    });

    test('lines of one length share their facts only when they are of one shape, in whatever turn they come', () => {
      const memo = new ShapeMemo();
      const facts = (text: string): object => memo.facts(memo.open(candidates, 7)!, text, candidates, 0, 7);
      // Two shapes of one length: the names `ab` and `ac` differ in a letter.
      const [ab, ac] = [line(27), line(28)];
      expect(ab.length).toBe(ac.length);
      const first = facts(ab);
      const other = facts(ac);
      expect(other).not.toBe(first);
      // (Past 128 hits a shape is tested by its pattern, `shapePattern()`: 300 turns try both tests.)
      for (let i = 0; i < 300; i++) {
        expect(facts(i % 2 === 0 ? ab : ac)).toBe(i % 2 === 0 ? first : other);
        expect(facts(`${ab} `.trimEnd())).toBe(first); // another string of the same text
      }
      const digits = (k: number): string => `OCSP responder timed out, peer: 192.0.2.${k}:80`;
      expect(facts(digits(153))).toBe(facts(digits(251)));
      expect(facts(digits(153))).not.toBe(facts(digits(15)));
      expect(facts(digits(15))).toBe(facts(digits(99)));
    });

    test("a shape's pattern holds a text of its length exactly when the text is the shape's text but for the values of digits", () => {
      // What sameShape()'s character loop compares: each digit as any ASCII digit, every other character itself.
      const sameButDigits = (a: string, b: string): boolean =>
        a.length === b.length && [...a].every((c, i) => c === b[i] || (/\d/.test(c) && /\d/.test(b[i]!)));
      const printable = fc.mapToConstant({ num: 95, build: (v) => String.fromCharCode(0x20 + v) });
      // Lines of regex syntax, digits and letters; the other text mostly a copy with some characters changed.
      const line = fc.string({ unit: fc.oneof(printable, fc.constantFrom(...'0123456789^$.*+?()[]{}|/\\-')), minLength: 1, maxLength: 60 });
      // A character replaced, or two neighbours swapped (a run of digits one longer, the next one shorter).
      const edit = fc.array(fc.tuple(fc.nat(), fc.oneof(printable, fc.constantFrom(...'0123456789'), fc.constant('swap'))), {
        maxLength: 3,
      });
      fc.assert(
        fc.property(line, edit, (a, edits) => {
          const b = [...a];
          for (const [n, c] of edits) {
            const at = n % b.length;
            if (c !== 'swap') b[at] = c;
            else if (at + 1 < b.length) [b[at], b[at + 1]] = [b[at + 1]!, b[at]!];
          }
          const other = b.join('');
          expect(shapePattern(a).test(other)).toBe(sameButDigits(a, other));
          expect(shapePattern(a).test(a)).toBe(true);
        }),
        { numRuns: 3000 },
      );
      expect(shapePattern('a1b').test('a1b\n')).toBe(false);
      expect(shapePattern('x (9)').test('x (٣)')).toBe(false); // an Arabic-Indic digit is not a digit here
    });

    test('lines of one text and candidates share their facts only when they hold the same candidates with a digit', () => {
      const memo = new ShapeMemo();
      const text = line(1);
      const facts = (found: number[]): object => memo.facts(memo.open(candidates, 7)!, text, candidates, 0, 7, found);
      const none = facts([]);
      const five = facts([5]);
      expect(five).not.toBe(none);
      expect(facts([5])).toBe(five);
      expect(facts([3])).not.toBe(five);
      expect(facts([])).not.toBe(five);
    });
  });
});
