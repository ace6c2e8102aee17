/**
 * A message cut before what decides its cause. Some rules read one message with several patterns, each with
 * a cause of its own (nginx `certificate status "revoked"` or `"unknown"`, Apache AH02969, mod_gnutls, the Lua
 * scripts' errors). A line cut where two of its samples of different causes still read alike (`certificate
 * status "…`) cannot say which: it gets the least specific reading, the rule's catch-all's (its last pattern) or
 * the rule's own default cause (`undecidedCause()` in `src/rules/match.ts`), never the first pattern's (before,
 * `certificate-revoked`, an error, for a status nobody could read), and the wording says the status was cut off. Generated from every such rule's samples:
 * no line here is written by hand.
 */
import { analyze } from '../src/findings/analyzer.js';
import { renderFinding } from '../src/findings/render.js';
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import type { CauseId, Rule, Severity } from '../src/types.js';

const rules = await loadRules();
const matcher = createMatcher(rules);
const at = { file: '-', line: 1 };

/** Rules whose patterns name more than one cause. */
const split = rules.filter((r) => new Set(r.compiled.map((p) => p.cause ?? r.cause)).size > 1);

interface Sample {
  line: string;
  cause: CauseId;
  severity: Severity;
  /** The index of the rule's pattern that reads the whole line. */
  pattern: number;
  /** Where the rule's trigger ends in the line. */
  end: number;
}

/** The rule's positive samples with their causes as the matcher reads them whole, and where the trigger ends. */
function samplesOf(rule: Rule): Sample[] {
  return rule.samples.match.flatMap((s) => {
    const m = matcher.match(s.line, at).match;
    const i = s.line.indexOf(rule.trigger);
    if (m?.rule.id !== rule.id || m.cut || i < 0) return [];
    return [
      { line: s.line, cause: m.cause, severity: m.severity, pattern: rule.compiled.indexOf(m.pattern), end: i + rule.trigger.length },
    ];
  });
}

/**
 * Cuts of `s` after its trigger that another sample of another cause shares (the text after the trigger up to
 * the cut is the same in both; at least the cut right after the trigger), each with the sample that is read by
 * the rule's latest pattern among those that share it: the most general reading the cut text allows.
 */
function undecidedCuts(s: Sample, all: Sample[]): { line: string; reading: Sample }[] {
  const rest = s.line.slice(s.end);
  const shared = (o: Sample): number => {
    const other = o.line.slice(o.end);
    let k = 0;
    while (k < rest.length && k < other.length && rest[k] === other[k]) k++;
    return k;
  };
  const longest = Math.max(-1, ...all.filter((o) => o.cause !== s.cause).map(shared));
  return Array.from({ length: longest + 1 }, (_, k) => {
    const sharing = all.filter((o) => o === s || shared(o) >= k);
    const reading = sharing.reduce((a, b) => (b.pattern > a.pattern ? b : a));
    return { line: s.line.slice(0, s.end + k).trimEnd() + '…', reading };
  });
}

const cases = split.flatMap((rule) => {
  const all = samplesOf(rule);
  return all.flatMap((s) => undecidedCuts(s, all).map((c) => ({ rule, ...c })));
});

test('rules whose patterns name different causes have samples of more than one of them, cut where they read alike', () => {
  expect(split.length).toBeGreaterThanOrEqual(5);
  expect(new Set(cases.map((c) => c.rule.id)).size).toBeGreaterThanOrEqual(3);
});

test.each(cases.map((c) => [c.rule.id, c.line.slice(-60), c] as const))(
  '%s: …%s has a cause no more specific than the text',
  (_id, _end, c) => {
    const m = matcher.match(c.line, at).match;
    expect(m?.rule.id).toBe(c.rule.id);
    // The rule's catch-all's (its last pattern's) or its own default, with that pattern's severity.
    const general = [c.rule.compiled[c.rule.compiled.length - 1]!.cause ?? c.rule.cause, c.rule.cause];
    expect(general).toContain(m!.cause);
    expect(m!.cause).toBe(m!.pattern.cause ?? c.rule.cause);
  },
);

test('the status cut off is said: certificate-status-unknown words it as revoked or unknown, and its fix reads the whole line first', () => {
  const statusRules = split.filter((r) => r.cause === 'certificate-status-unknown');
  expect(statusRules.length).toBeGreaterThanOrEqual(2);
  for (const rule of statusRules) {
    const all = samplesOf(rule);
    const { line } = all.flatMap((s) => undecidedCuts(s, all))[0]!;
    const f = analyze([line], rules).findings[0]!;
    expect(f).toMatchObject({
      cause: 'certificate-status-unknown',
      severity: 'warning',
      messageId: 'certificate-status-unknown.status-cut',
    });
    const { message, fix } = renderFinding(f);
    expect(message).toMatch(/cut before the status: revoked .* or unknown/);
    expect(fix.steps[0]!.text).toMatch(/whole line/);
  }
});
