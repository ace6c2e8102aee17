/**
 * Two log entries on one physical line, each without its time: a paste that lost its line breaks, from
 * a log shortened or anonymised by cutting the time (`[ssl:error] [pid 1491] AH01941: … [ssl:error]
 * [pid 1491] AH02217: …`, `[error] 1043#0: OCSP responder timed out … [warn] 1043#0: "ssl_stapling"
 * ignored, …`). Such a line held no timed prefix to split at, so it was read as one message, and only the
 * rule of one entry matched: the other failure was lost. `entriesIn()` now splits where a prefix's level
 * or an Apache message code comes again.
 *
 * Generated from every positive sample of a cause or transport rule that has its server's own prefix
 * with a time, or is nginx's own message on stderr (`nginx: [warn] …`, as `nginx -t` shows it): the
 * sample without its time (`shortPrefix()`, as the mutation test cuts it), joined by a
 * blank with a partner entry of another cause (a sample of the rule set, its time cut too), in both orders,
 * is read as the two lines are read on lines of their own: the same findings, by cause and rules. No line
 * here is written by hand.
 */
import { analyze } from '../src/findings/analyzer.js';
import { parseLine } from '../src/parse/line.js';
import { loadRules } from '../src/rules/load.js';
import type { Rule } from '../src/types.js';
import { shortPrefix } from './helpers/variants.js';

const rules = await loadRules();
const NOW = new Date('2026-12-01T00:00:00Z');

type Kind = 'apache' | 'nginx' | 'nginx -t';

/**
 * The sample without its time, when it is a whole line of its server's own format with a time; or as it
 * is when it is nginx's own message on stderr (`nginx: [warn] …`, as `nginx -t` shows it: no time).
 */
function timeless(line: string): { kind: Kind; line: string } | null {
  const p = parseLine(line);
  if (p.format === 'nginx-stderr') return { kind: 'nginx -t', line };
  if (p.time === null || (p.format !== 'nginx' && p.format !== 'apache24')) return null;
  const short = shortPrefix(line);
  return short === null ? null : { kind: p.format === 'nginx' ? 'nginx' : 'apache', line: short };
}

/** The findings of some lines, by cause and rules (what a reader of the report acts on). */
function causes(lines: string[]): string[] {
  return analyze(lines, rules, { now: NOW })
    .findings.map((f) => `${f.cause} ${[...f.ruleIds].sort().join(',')}`)
    .sort();
}

const entries = rules.flatMap((rule: Rule) =>
  rule.role === 'cause' || rule.role === 'transport'
    ? rule.samples.match.flatMap((s, i) => {
        const t = timeless(s.line);
        return t === null ? [] : [{ id: `${rule.id}#${i}`, cause: rule.cause, ...t }];
      })
    : [],
);

/** Per kind of line, two partners of different causes (the first such samples in rule order). */
const partners = (kind: Kind): typeof entries => {
  const first = entries.find((e) => e.kind === kind)!;
  return [first, entries.find((e) => e.kind === kind && e.cause !== first.cause)!];
};
const PARTNERS = { apache: partners('apache'), nginx: partners('nginx'), 'nginx -t': partners('nginx -t') };

const cases = entries.flatMap((e) => {
  const partner = PARTNERS[e.kind].find((p) => p.cause !== e.cause && causes([p.line]).length > 0);
  return partner === undefined || causes([e.line]).length === 0 ? [] : [{ ...e, partner }];
});

test('the samples give cases of both servers: Apache 2.4, nginx, and nginx -t', () => {
  expect(cases.filter((c) => c.kind === 'apache').length).toBeGreaterThanOrEqual(20);
  expect(cases.filter((c) => c.kind === 'nginx').length).toBeGreaterThanOrEqual(20);
  expect(cases.filter((c) => c.kind === 'nginx -t').length).toBeGreaterThanOrEqual(5);
});

test.each(cases.map((c) => [c.id, c] as const))('%s without its time, joined with another entry, is read as on its own line', (_, c) => {
  for (const [a, b] of [
    [c.line, c.partner.line],
    [c.partner.line, c.line],
  ] as const) {
    expect({ line: `${a} ${b}`, causes: causes([`${a} ${b}`]) }).toEqual({ line: `${a} ${b}`, causes: causes([a, b]) });
  }
});
