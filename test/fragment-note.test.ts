/**
 * A finding read only from fragments says what could not be read (issue 10), and one whole line is
 * enough for no note. The lines are the rules' own real samples, cut the ways pastes cut them.
 */
import { loadRules } from '../src/rules/load.js';
import { analyze, renderReport } from '../src/findings/analyzer.js';
import type { Finding } from '../src/types.js';

const rules = await loadRules();
const sample = (id: string): string => {
  const line = rules.find((r) => r.id === id)?.samples.match[0]?.line;
  if (!line) throw new Error(`rule ${id} has no positive sample`);
  return line;
};
const findings = (lines: string[]): Finding[] => renderReport(analyze(lines, rules)).findings;

const whole = sample('nginx-responder-timeout');
// Cut inside the identifying phrase's context, as a terminal or a forum cuts: `... while requesting cert`.
const cutAt = whole.indexOf(' while requesting ') + ' while requesting cert'.length;
const noPrefix = whole.slice(whole.indexOf('OCSP responder'));

test('the samples the test cuts are what it expects (a rule change must not turn this test vacuous)', () => {
  expect(cutAt).toBeGreaterThan(' while requesting cert'.length);
  expect(noPrefix.startsWith('OCSP responder timed out')).toBe(true);
  expect(findings([whole]).map((f) => f.cause)).toEqual(['responder-timeout']);
});

test.each([
  ['the tail cut mid-word', whole.slice(0, cutAt), /the message was cut short/],
  ['the prefix lost', noPrefix, /the server's prefix \(time, level, pid\) was missing/],
  ['both', whole.slice(whole.indexOf('OCSP responder'), cutAt), /prefix \(time, level, pid\) was missing; the message was cut short/],
])('%s: the same cause, and the message says what was lost', (_what, line, said) => {
  const [f, ...rest] = findings([line]);
  expect(rest).toEqual([]);
  expect(f!.cause).toBe('responder-timeout');
  expect(f!.message).toMatch(/\(Read from a fragment of the log: .*\.\)$/);
  expect(f!.message).toMatch(said);
  expect(f!.evidence[0]!.cut).toBeDefined();
});

test('a whole line: no note, no cut on its evidence', () => {
  const [f] = findings([whole]);
  expect(f!.message).not.toMatch(/fragment/);
  expect(f!.evidence[0]!.cut).toBeUndefined();
});
