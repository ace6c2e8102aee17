/**
 * mod_gnutls's OCSP stapling lines in sequence: a handshake-time failure logs its reason first and the
 * summary "Caching a fresh OCSP response failed" after it (src/gnutls_ocsp.c mgs_get_ocsp_response()), so
 * the summary joins the reason's finding instead of standing for a cache problem of its own.
 */
import { analyze } from '../src/findings/analyzer.js';
import { renderFinding } from '../src/findings/render.js';
import { loadRules } from '../src/rules/load.js';

const rules = await loadRules();

const PREFIX = '[Wed Jul 21 09:27:22.439066 2021] [gnutls:error] [pid 22013:tid 140689051219520] ';
const EGENERAL = '(20014)Internal error (specific information not available): ';
const SUMMARY = `${PREFIX}${EGENERAL}[client 192.168.0.1:47458] Caching a fresh OCSP response failed`;

test('a response without a nonce (mod_gnutls PR 4) is one response-nonce-rejected finding with its summary line', () => {
  // the lines of github.com/airtower-luna/mod_gnutls/pull/4 (Forza-tng, 2021-07-21)
  const lines = [
    `${PREFIX}${EGENERAL}Could not get OCSP response nonce: The requested data were not available. (-56)`,
    '[Wed Jul 21 09:27:22.439085 2021] [gnutls:debug] [pid 22013:tid 140689051219520] gnutls_ocsp.c(721): (20014)Internal error (specific information not available): OCSP response validation failed, cannot update cache.',
    SUMMARY,
  ];
  const r = analyze(lines, rules);
  expect(r.findings.map((f) => [f.cause, f.evidence.length])).toEqual([['response-nonce-rejected', 2]]);
  const f = renderFinding(r.findings[0]!);
  expect(f.message).toContain('no nonce');
  expect(f.fix.steps[0]).toMatchObject({ action: 'set', directive: 'GnuTLSOCSPCheckNonce', value: 'Off' });
});

test('a nonce mismatch is worded as a mismatch', () => {
  const f = renderFinding(analyze([`${PREFIX}${EGENERAL}OCSP response invalid: nonce mismatch`], rules).findings[0]!);
  expect(f.cause).toBe('response-nonce-rejected');
  expect(f.message).toContain('does not match');
});

test.each([
  ['Reason for failed OCSP response verification: Signer cert not found', 'response-signature-invalid'],
  ['Importing OCSP response failed: ASN1 parser: Error in DER parsing. (-69)', 'responder-bad-response'],
  ['CA flagged certificate as revoked at Sun, 11 Jul 2021 13:54:01 GMT.', 'certificate-revoked'],
])('the summary joins the reason before it: %s', (reason, cause) => {
  const r = analyze([`${PREFIX}${EGENERAL}${reason}`, SUMMARY], rules);
  expect(r.findings.map((f) => [f.cause, f.evidence.length])).toEqual([[cause, 2]]);
});
