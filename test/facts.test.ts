/**
 * src/rules/facts.ts over the rules' own samples: every positive sample that captures an HTTP status
 * yields its code, and 404/405/501 (and only those) say the URL is not an OCSP responder.
 */
import { httpStatusCode, notAnOcspResponder } from '../src/rules/facts.js';
import { createMatcher } from '../src/rules/match.js';
import { loadRules } from '../src/rules/load.js';
import { analyze, renderReport } from '../src/findings/analyzer.js';

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

/**
 * The wording over every sample that captures a status: the status written into the line (each code of
 * the class, the rest of the line unchanged) decides the variant. 404/405/501 say the URL is wrong and
 * the fix corrects it (no waiting); other statuses keep the responder-refused wording.
 */
const analyzed = rules.flatMap((r) =>
  r.samples.match.flatMap((s) => {
    const h = matcher.matchAll(s.line).find((x) => x.rule.id === r.id && x.values.httpStatus && x.cause === 'responder-error-status');
    if (!h) return [];
    const code = /\d{3}/.exec(h.values.httpStatus!)![0];
    // A transport line (Apache AH01980) makes a finding with the follower Apache writes after it.
    const follower =
      r.role === 'transport' ? [s.line.replace(/\[client [^\]]*\] AH\d{5}: .*$/, 'AH01941: stapling_renew_response: responder error')] : [];
    return [404, 405, 501, 400, 403, 500, 503].map(
      (n) => [r.id, n, [s.line.replace(new RegExp(`\\b${code}\\b`, 'g'), String(n)), ...follower]] as const,
    );
  }),
);

test('statuses that reach the wording come from several rules', () => {
  expect(new Set(analyzed.map(([id]) => id)).size).toBeGreaterThanOrEqual(3);
});

test.each(analyzed)('%s with HTTP %d: the finding says whether the URL is an OCSP responder', (_id, code, lines) => {
  const { findings } = renderReport(analyze(lines, rules, { now: new Date('2026-01-01T00:00:00Z') }));
  const f = findings.find((x) => x.cause === 'responder-error-status');
  expect(f).toBeDefined();
  const wrongUrl = [404, 405, 501].includes(code);
  expect(f!.messageId).toBe(wrongUrl ? 'responder-error-status.not-a-responder' : 'responder-error-status.default');
  expect(/not an OCSP responder/.test(f!.message)).toBe(wrongUrl);
  if (wrongUrl) expect(/\bwait/i.test(`${f!.fix.summary} ${f!.fix.steps.map((s) => s.text).join(' ')}`)).toBe(false);
  if (wrongUrl) expect(f!.fix.steps.some((s) => s.command?.startsWith('openssl x509 -noout -ocsp_uri'))).toBe(true);
});
