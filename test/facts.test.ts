/**
 * src/rules/facts.ts over the rules' own samples: every positive sample that captures an HTTP status
 * yields its code, and 404/405/501 (and only those) say the URL is not an OCSP responder.
 */
import { httpStatusCode, notAnOcspResponder } from '../src/rules/facts.js';
import { createMatcher } from '../src/rules/match.js';
import { loadRules } from '../src/rules/load.js';

const rules = await loadRules();
const matcher = createMatcher(rules);
const withStatus = rules.flatMap((r) =>
  r.samples.match.flatMap((s) => matcher.matchAll(s.line).filter((h) => h.rule.id === r.id && h.values.httpStatus)),
);

test('the samples hold HTTP statuses in every rendering the servers write', () => {
  expect(new Set(withStatus.map((h) => h.rule.id)).size).toBeGreaterThanOrEqual(5);
});

test.each(withStatus.map((h) => [h.rule.id, h.values.httpStatus!, h] as const))('%s: "%s" gives its code', (_id, status, h) => {
  const code = httpStatusCode(h.values);
  expect(code).toBe(Number(/\d{3}/.exec(status)![0]));
  expect(notAnOcspResponder(h.values)).toBe([404, 405, 501].includes(code!));
});

test('no status, or none at its start: no code and no verdict', () => {
  expect(httpStatusCode({})).toBeNull();
  expect(httpStatusCode({ httpStatus: '(none)' })).toBeNull();
  expect(notAnOcspResponder({ httpStatus: 'HTTP/1.1' })).toBe(false);
});
