/**
 * The recognition shortcuts of issue 15 (`src/parse/fast-path.ts`) against the full path: with the
 * shortcuts off and on, the same lines must give the same normalisation, the same candidate and
 * present triggers, the same matches (rule, pattern, cause, severity, values, cut), the same cut
 * readings, the same messages out of the continuation-line joiner (in-memory and with the scanner's
 * keys), and the same findings. The lines: every rule sample (match and nomatch), every variant the
 * mutation test makes of every positive sample (helpers/variants.ts, and the tail cuts at every
 * character), the dev set of public pastes, and a slice of each benchmark input made by the
 * benchmark's own generator (test/bench/lines.mjs: mixed, look-alike-heavy, densely failing).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import { possibleCauses } from '../src/rules/cause.js';
import { MessageJoiner, openStatus, prefixOnly, type MessageResult } from '../src/rules/join.js';
import fc from 'fast-check';
import { hasColour, normalizeText, plainText, unbalanced } from '../src/parse/normalize.js';
import { hasNginxContext, nginxContext, splitClient } from '../src/parse/fields.js';
import { fastPathsOn, setFastPaths } from '../src/parse/fast-path.js';
import { parseLine } from '../src/parse/line.js';
import { analyze, createAnalyzer } from '../src/findings/analyzer.js';
import { analyzeStream } from '../src/run/stream.js';
import type { Rule } from '../src/types.js';
import { cutInsideTrigger, variantsOf } from './helpers/variants.js';
import { findHeads } from '../src/rules/head-reading.js';
// @ts-expect-error: the benchmark's generator is plain JavaScript without types
import * as gen from './bench/lines.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const now = new Date('2026-06-01T00:00:00Z');
const rules = await loadRules();
const matcher = createMatcher(rules, { now });

type Lines = (rnd: () => number, t: number) => string[];
interface Generator {
  prng(seed: number): () => number;
  noiseLine(rnd: () => number, t: number): string;
  staplingPool(root: string, rules: readonly Rule[]): string[];
  LOOKALIKES: { make: Lines }[];
  apacheHandshakeFailure: Lines;
  nginxRefreshFailure(rnd: () => number, t: number, k: number): string[];
}
const g = gen as Generator;

/** One log of the benchmark's kind: noise, and an event of `make` with probability p. */
function benchSlice(seed: number, n: number, p: number, make: Lines): string[] {
  const rnd = g.prng(seed);
  const out: string[] = [];
  for (let t = 0; out.length < n; t++) out.push(...(rnd() < p ? make(rnd, t) : [g.noiseLine(rnd, t)]));
  return out;
}
const pool = g.staplingPool(ROOT, rules);
const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const bench: Record<string, string[]> = {
  mixed: benchSlice(1, 3000, 0.01, (rnd) => [pick(rnd, pool)]),
  lookalike: benchSlice(2, 3000, 0.2, (rnd, t) => pick(rnd, g.LOOKALIKES).make(rnd, t)),
  dense: benchSlice(3, 3000, 0.1, (rnd, t) =>
    rnd() < 0.5 ? g.apacheHandshakeFailure(rnd, t) : g.nginxRefreshFailure(rnd, t, Math.floor(rnd() * 50)),
  ),
};

/** Every variant of every positive sample, as the mutation test makes them (one list of physical lines each). */
function mutationVariants(): string[][] {
  const out: string[][] = [];
  const heads = new Map(findHeads(rules).map(([i, head]) => [rules[i]!, head]));
  for (const rule of rules) {
    for (const s of rule.samples.match) {
      const hit = matcher.matchAll(s.line).find((h) => h.rule === rule);
      out.push(...variantsOf(s.line, hit?.values ?? {}, rule.servers[0]!).map((v) => v.lines));
      for (let at = 1; at < s.line.length; at++) out.push([s.line.slice(0, at)]);
      const head = heads.get(rule);
      if (head !== undefined) out.push(...cutInsideTrigger(s.line, head, rule.trigger, rule.servers[0]!).map((v) => v.lines));
    }
  }
  return out;
}

const pastes = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'public-pastes-dev-set.json'), 'utf8')) as {
    entries: { text: string[] }[];
  }
).entries.map((e) => e.text);
const samples = rules.flatMap((r) => [...r.samples.match, ...r.samples.nomatch].map((s) => s.line));
const variants = mutationVariants();

/**
 * Each sample at every level, with and without an nginx connection id, at another second, each twice
 * and in turn: the same message again with another field the rules read (severity by level, `when`
 * conditions, the time where it is a value), for the
 * memo of rule hits (`rules/hit-memo.ts`), which must tell them apart.
 */
const LEVELS = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug'];
const refielded = samples.flatMap((s) => {
  const levels = LEVELS.map((l) =>
    s.replace(/\[(\w+:)?(?:emerg|alert|crit|error|warn|notice|info|debug)\]/, (_m, mod?: string) => `[${mod ?? ''}${l}]`),
  );
  const connection = s.replace(/(\d+#\d+: )(\*\d+ )?/, (_m, pidTid: string, cid?: string) => (cid ? pidTid : `${pidTid}*42 `));
  // Another second: a certificate's notAfter makes the line's time one of its values (loggedAt).
  const later = s.replace(/(\d\d:\d\d:)(\d\d)/, (_m, hm: string, ss: string) => `${hm}${String((Number(ss) + 7) % 60).padStart(2, '0')}`);
  return [...levels, connection, s, later, connection, ...levels, later];
});
const benchLines = Object.values(bench);

/**
 * Each line, then the same line with its digits changed (each digit d as d + k mod 10, for k = 1, 3, 7):
 * lines of one shape, which share what the joiner finds in their text (`ShapeMemo` in rules/join.ts):
 * digits anywhere (times, pids, clients, a connection id, digits in the message and at its end).
 */
const redigited = (lines: readonly string[]): string[] =>
  lines.flatMap((l) => [l, ...[1, 3, 7].map((k) => l.replace(/\d/g, (d) => String((Number(d) + k) % 10)))]);

/** A match as data (the rule by id), for comparison. */
function view(r: { parsed: unknown; match: { rule: Rule; pattern: { regex: string } } | null } | null): unknown {
  if (!r) return null;
  const m = r.match;
  return { parsed: r.parsed, match: m ? { ...m, rule: m.rule.id, pattern: m.pattern.regex } : null };
}

/** The index of every trigger. */
const everyTrigger = matcher.triggers.map((_, i) => i);

/** What the scanner hands over: the indexes of the keys a line holds. */
const keysOf = (text: string): number[] => matcher.keys.flatMap((k, i) => (text.includes(k) ? [i] : []));

/** Every message of the lines out of a fresh joiner, with or without the scanner's keys. */
function joined(lines: readonly string[], withKeys: boolean): unknown[] {
  const j = new MessageJoiner(matcher, 'input');
  const out: MessageResult[] = [];
  lines.forEach((l, i) => {
    const keys = withKeys ? keysOf(l) : undefined;
    if (withKeys && keys!.length === 0) return; // the scanner would not hand it over (nor read it back here)
    out.push(...j.line(l, i + 1, keys, undefined).results);
  });
  out.push(...j.flush());
  return out.map(view);
}

/** Everything the shortcuts may touch, for one line. */
function perLine(text: string): unknown {
  const n = normalizeText(plainText(text));
  return {
    plain: plainText(text),
    parsed: parseLine(text),
    n,
    unbalanced: unbalanced(text),
    openStatus: openStatus(text.trim()),
    prefixOnly: prefixOnly(text.trim()),
    candidates: matcher.candidates(text).map((r) => r.id),
    keyed: matcher.candidateTriggers(text, keysOf(text)),
    // Without the scanner's keys: looked up in the text (the joiner's joined messages and earlier lines).
    unkeyed: matcher.candidateTriggers(text),
    present: matcher.triggersIn(n.text, matcher.candidateTriggers(text)),
    // Asked for every trigger (the joiner's `startsMessage()`), the fast path tries only those its pair index names.
    everyTrigger: matcher.triggersIn(n.text, everyTrigger),
    match: view(matcher.match(text, { file: 'f', line: 1 }, keysOf(text))),
    cuts: matcher.cutReadings(text).map((h) => [h.rule.id, h.cause, h.values, h.tail]),
    only: matcher.candidates(text).map((r) => matcher.cutReadings(text, r).map((h) => [h.rule.id, h.cause, h.values])),
  };
}

/** The same computation with the shortcuts off, then on; both results. */
function both<T>(f: () => T): [T, T] {
  const was = setFastPaths(false);
  try {
    const full = JSON.parse(JSON.stringify(f())) as T;
    setFastPaths(true);
    const fast = JSON.parse(JSON.stringify(f())) as T;
    return [full, fast];
  } finally {
    setFastPaths(was);
  }
}

/** On 20 000 texts joined from up to `maxLength` pieces, `f` of each gives the same with the shortcuts off and on. */
function sameOnBothPaths(piece: fc.Arbitrary<string>, maxLength: number, f: (text: string) => unknown): void {
  fc.assert(
    fc.property(fc.array(piece, { maxLength }), (pieces) => {
      const t = pieces.join('');
      const [full, fast] = both(() => f(t));
      expect(fast).toEqual(full);
    }),
    { numRuns: 20000 },
  );
}

const corpora: [string, string[][]][] = [
  ['rule samples', samples.map((s) => [s])],
  ['mutation variants', variants],
  ['samples with other levels and connections', [refielded]],
  ['public pastes', pastes],
  ['bench slices', benchLines],
  ['samples and bench slices with other digits', [redigited(samples), ...benchLines.map(redigited)]],
];

test.each(corpora)('%s: each line normalised, prefiltered, matched and cut-read as the full path does', (_name, groups) => {
  const lines = [...new Set(groups.flat())];
  const [full, fast] = both(() => lines.map(perLine));
  const diff = lines.flatMap((l, i) => (JSON.stringify(full[i]) === JSON.stringify(fast[i]) ? [] : [l]));
  expect(diff).toEqual([]);
  expect(lines.length).toBeGreaterThan(20);
});

test.each(corpora)('%s: the joiner gives the same messages as the full path, in memory and with scan keys', (_name, groups) => {
  const [full, fast] = both(() => groups.map((ls) => [joined(ls, false), joined(ls, true)]));
  const diff = groups.flatMap((ls, i) => (JSON.stringify(full[i]) === JSON.stringify(fast[i]) ? [] : [ls]));
  expect(diff).toEqual([]);
});

/**
 * The analyzer's report on groups of lines, each group one input: in memory, or with the scanner's
 * keys (lines without a key are not handed over). Its joiner passes over messages no rule can match
 * (`onlyMatches`), which the joiner comparisons above do not see: the report must not show it.
 */
function report(groups: readonly (readonly string[])[], withKeys: boolean): unknown {
  const a = createAnalyzer(rules, { now });
  groups.forEach((ls, gi) => {
    const h = a.input(`input-${gi}`);
    ls.forEach((l, i) => {
      const keys = withKeys ? keysOf(l) : undefined;
      if (!withKeys || keys!.length > 0) h.line(l, i + 1, keys);
    });
    h.setLineCount(ls.length);
    h.end();
  });
  return a.end();
}

test.each(corpora)('%s: the same report (findings and line accounting), in memory and with scan keys', (_name, groups) => {
  const [full, fast] = both(() => [report(groups, false), report(groups, true)]);
  expect(fast).toEqual(full);
});

test('hasNginxContext() says whether nginxContext() finds a context, for every line of the corpora and every tail after a comma', () => {
  const lines = [...new Set(corpora.flatMap(([, groups]) => groups.flat()))];
  const texts = lines.flatMap((l) => [
    l,
    ...[...l.matchAll(/, /g)].map((m) => l.slice(m.index + 1)),
    ...[...l.matchAll(/: /g)].map((m) => l.slice(m.index + 2)),
  ]);
  const differ = texts.filter((t) => hasNginxContext(t) !== (nginxContext(t) !== null));
  expect(differ).toEqual([]);
  expect(texts.filter((t) => hasNginxContext(t)).length).toBeGreaterThan(100);
});

test('the joiner really passes over messages no rule can match: nginx lines with a connection id in the bench slices', () => {
  const passed = (options: { onlyMatches?: boolean }): number => {
    const j = new MessageJoiner(matcher, 'input', options);
    const bench = benchLines.flat();
    const out = bench.flatMap((l, i) => (keysOf(l).length > 0 ? j.line(l, i + 1, keysOf(l), undefined).results : []));
    return out.filter((r) => r.parsed === null).length;
  };
  expect(passed({ onlyMatches: true })).toBeGreaterThan(passed({}) + 100);
});

test('pastes and bench slices: the same findings, in memory and from a stream', async () => {
  for (const lines of [...pastes, ...benchLines]) {
    const [full, fast] = both(() => analyze(lines, rules, { now }).findings);
    expect(fast).toEqual(full);
  }
  for (const lines of benchLines) {
    const stream = (): Promise<unknown> =>
      analyzeStream(Readable.from([Buffer.from(`${lines.join('\n')}\n`)]), rules, { now }).then((r) => r.findings);
    setFastPaths(false);
    const full = JSON.parse(JSON.stringify(await stream())) as unknown;
    setFastPaths(true);
    expect(JSON.parse(JSON.stringify(await stream()))).toEqual(full);
  }
  expect(fastPathsOn()).toBe(true);
});

test('an nginx refreshing 3 000 certificates in turn (the hit memo and the shape memo grow): the same findings as the full path', () => {
  const rnd = g.prng(4);
  const lines: string[] = [];
  for (let t = 0; lines.length < 30000; t++) lines.push(...g.nginxRefreshFailure(rnd, t, t % 3000));
  const [full, fast] = both(() => analyze(lines, rules, { now }).findings);
  expect(fast).toEqual(full);
});

test('the shortcuts are really taken: the bench slices hold look-alikes and stapling lines', () => {
  const matched = benchLines.flat().filter((l) => matcher.match(l, { file: 'f', line: 1 }, keysOf(l)).match !== null).length;
  const lookalikes = benchLines.flat().filter((l) => {
    const r = matcher.match(l, { file: 'f', line: 1 }, keysOf(l));
    return r.parsed !== null && r.match === null;
  }).length;
  expect(matched).toBeGreaterThan(300);
  expect(lookalikes).toBeGreaterThan(100);
});

test('every sample’s cause is one its pattern can give (possibleCauses, which lets the joiner skip cut readings)', () => {
  const missing = rules.flatMap((rule) =>
    rule.samples.match.flatMap((s) => {
      const hit = matcher.matchAll(s.line).find((h) => h.rule === rule);
      return hit && !possibleCauses(rule, hit.pattern).includes(hit.cause) ? [`${rule.id}: ${hit.cause}`] : [];
    }),
  );
  expect(missing).toEqual([]);
});

test('the read-through tests give what their regexes and loops give on generated texts of brackets, quotes, statuses and prefixes', () => {
  const piece = fc.constantFrom(
    '[',
    ']',
    '(',
    ')',
    '"',
    ':',
    ' ',
    '  ',
    'a',
    '7',
    '70007',
    '(EAI ',
    '(EAI -',
    '(OS ',
    'EAI',
    '(2)',
    '[pid 1] ',
    '[ssl:error] ',
    '2024/01/01 00:00:00',
    ' [error]',
    ' 1#1:',
    'nginx:',
    '\n',
    '\u00e9',
    '\ud83d\udd12',
  );
  sameOnBothPaths(piece, 24, (t) => [openStatus(t), prefixOnly(t), unbalanced(t)]);
});

test('the parser’s character tests give what its regexes give on generated addresses, ports, brackets and context markers', () => {
  const piece = fc.constantFrom(
    '[',
    ']',
    ':',
    '::',
    '1',
    '443',
    '65535',
    '123456',
    '192.0.2.1',
    '2001:db8::1',
    'host',
    ' ',
    ', ',
    ', client: ',
    ', udp client: ',
    ', server: ',
    ', responder: ',
    ', context: ',
    ', resolver: ',
    ', referer: ',
    ', request: "GET / HTTP/1.1"',
    ' using starttls',
    '"',
    '\n',
    '\u00e9',
    '0',
    '[0',
    '[1',
    '[9',
    '[a',
    '[/',
    '[:',
  );
  // hasColour() remembers its last two texts: two others first, so that each path really reads the text.
  const forget = (): void => void (hasColour('\u0000a'), hasColour('\u0000b'));
  const apache = '[Mon Nov 23 07:00:49.123456 2026] [ssl:error] [pid 1:tid 2] [client ';
  const nginx = '2026/11/23 07:00:49 [error] 1#1: *5 OCSP responder timed out';
  sameOnBothPaths(piece, 16, (t) => {
    forget();
    return [
      splitClient(t, true),
      splitClient(t, false),
      hasColour(t),
      nginxContext(t),
      hasNginxContext(t),
      parseLine(`${apache}${t}`),
      parseLine(`${nginx}${t}`),
    ];
  });
});

test('the scan keys looked up in a text are those a search of every key finds, on generated texts of keys, cut keys and other characters', () => {
  const keys = matcher.keys;
  const piece = fc.oneof(
    fc.constantFrom(...keys),
    fc.constantFrom(...keys).chain((k) => fc.integer({ min: 1, max: Math.max(1, k.length - 1) }).map((n) => k.slice(0, n))),
    fc.constantFrom(...keys).chain((k) => fc.integer({ min: 1, max: Math.max(1, k.length - 1) }).map((n) => k.slice(n))),
    fc.constantFrom(' ', '"', "'", ': ', '\u00e9', '\u201c', 'x', '(', '#'),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const t = pieces.join('');
      const [full, fast] = both(() => matcher.candidateTriggers(t));
      expect(fast).toEqual(full);
    }),
    { numRuns: 3000 },
  );
});

/**
 * Lines of one shape (the same text but for digits) whose ends differ in a digit of a trigger: one ends
 * inside `need at least 2 certificates in PEM data` and goes on into the next line, the other does not.
 * The shape shares its rules, not what the tests of the end find (`EndFacts` in rules/join.ts).
 */
test('lines of one shape that end differently in a digit: each goes on, or not, as the full path says', () => {
  const line = (d: number): string =>
    `[Wed Jun 02 08:00:00.000002 2021] [md:error] [pid 3003:tid 140002] AH10269: init stapling for: www.example.org, need at least ${d}`;
  const groups = [
    [line(3), line(2), 'certificates in PEM data'],
    [line(2), 'certificates in PEM data', line(3), 'certificates in PEM data'],
  ];
  const [full, fast] = both(() => groups.map((ls) => joined(ls, false)));
  expect(fast).toEqual(full);
  // The full path joins the line that ends inside the trigger with its next line, and matches it.
  expect(JSON.stringify(full[0])).toContain('need at least 2 certificates in PEM data');
});
