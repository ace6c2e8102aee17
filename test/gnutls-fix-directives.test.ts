/**
 * A finding from mod_gnutls's lines (rules/gnutls-*.yaml) is fixed with mod_gnutls's directives, never
 * mod_ssl's: mod_gnutls 0.8+ staples by itself and reads no `SSL*` directive. For every positive sample of
 * every gnutls-* rule, the finding's sentence and fix (human report and JSON) name no `SSL…` directive,
 * and every step that names a directive names one of mod_gnutls's manual (or an Apache core directive).
 */
import { analyze } from '../src/findings/analyzer.js';
import { renderFinding } from '../src/findings/render.js';
import { CAUSES, causeContext, type InspectionFacts } from '../src/findings/causes/index.js';
import { possibleCauses } from '../src/rules/cause.js';
import { lokiRules } from '../src/export/loki.js';
import { sigmaRules } from '../src/export/sigma.js';
import { formatFinding } from '../src/format/human.js';
import { loadRules } from '../src/rules/load.js';
import type { Finding, Rule } from '../src/types.js';

const rules = await loadRules();
const gnutlsRules = rules.filter((r) => r.id.startsWith('gnutls-'));

/**
 * The directives of mod_gnutls's manual: the `### GnuTLS…` headings of doc/mod_gnutls_manual.md,
 * github.com/airtower-luna/mod_gnutls at mod_gnutls/0.13.0-10-g903d4c3 (the same names as the command
 * table of src/mod_gnutls.c).
 */
const MANUAL = new Set([
  'GnuTLSEnable',
  'GnuTLSCache',
  'GnuTLSCacheTimeout',
  'GnuTLSSessionTickets',
  'GnuTLSDHFile',
  'GnuTLSPriorities',
  'GnuTLSP11Module',
  'GnuTLSPIN',
  'GnuTLSSRKPIN',
  'GnuTLSExportCertificates',
  'GnuTLSCertificateFile',
  'GnuTLSKeyFile',
  'GnuTLSClientVerify',
  'GnuTLSClientKeyPurpose',
  'GnuTLSClientCAFile',
  'GnuTLSProxyEngine',
  'GnuTLSProxyCAFile',
  'GnuTLSProxyCRLFile',
  'GnuTLSProxyCertificateFile',
  'GnuTLSProxyKeyFile',
  'GnuTLSProxyPriorities',
  'GnuTLSOCSPStapling',
  'GnuTLSOCSPCache',
  'GnuTLSOCSPAutoRefresh',
  'GnuTLSOCSPCheckNonce',
  'GnuTLSOCSPResponseFile',
  'GnuTLSOCSPCacheTimeout',
  'GnuTLSOCSPFailureTimeout',
  'GnuTLSOCSPFuzzTime',
  'GnuTLSOCSPSocketTimeout',
]);
/** Apache core directives a mod_gnutls fix may name: `Mutex` (its `gnutls-ocsp` mutex), `LoadModule` (mod_socache_shmcb, mod_watchdog). */
const CORE = new Set(['Mutex', 'LoadModule']);
const MOD_SSL = /\bSSL[A-Z]\w+/;

/** The finding's words a reader sees: the sentence and the fix, in the human report (without the evidence lines) and in JSON. */
function wordsOf(f: Finding): string[] {
  const human = formatFinding(f, { color: 0 }).split('  Evidence')[0]!;
  return [human, JSON.stringify({ message: f.message, fix: f.fix })];
}

const cases = gnutlsRules.flatMap((r: Rule) => r.samples.match.map((s, i) => [`${r.id} #${i + 1}`, s.line] as const));

test('the gnutls-* rules are exactly the rules of mod_gnutls (the prefix the wording keys on)', () => {
  for (const r of rules) {
    const ofGnutls = r.source.some((s) => s.server === 'mod_gnutls');
    expect([r.id, r.id.startsWith('gnutls-')]).toEqual([r.id, ofGnutls]);
  }
  expect(cases.length).toBeGreaterThan(40);
});

test.each(cases)('%s: mod_gnutls directives only', (_name, line) => {
  const findings = analyze([line], rules).findings.map((f) => renderFinding(f));
  expect(findings.length).toBeGreaterThan(0);
  for (const f of findings) {
    for (const text of wordsOf(f)) expect([f.cause, text]).toEqual([f.cause, expect.not.stringMatching(MOD_SSL)]);
    for (const s of f.fix.steps) {
      if (s.directive !== null)
        expect([f.cause, s.directive, MANUAL.has(s.directive) || CORE.has(s.directive)]).toEqual([f.cause, s.directive, true]);
      for (const named of `${s.text} ${s.command ?? ''}`.matchAll(/\bGnuTLS\w+/g))
        expect([f.cause, named[0], MANUAL.has(named[0])]).toEqual([f.cause, named[0], true]);
    }
    const brief = CAUSES[f.cause].brief.gnutls;
    expect([f.cause, typeof brief]).toEqual([f.cause, 'string']);
    expect(brief).not.toMatch(MOD_SSL);
    for (const named of brief!.matchAll(/\bGnuTLS\w+/g))
      expect([f.cause, named[0], MANUAL.has(named[0])]).toEqual([f.cause, named[0], true]);
  }
});

/** Every cause a gnutls-* rule can signal (its patterns' and `causeFrom`'s, with the refinements), not only its samples'. */
const possible = [...new Set(gnutlsRules.flatMap((r) => r.compiled.flatMap((p) => possibleCauses(r, p).map((c) => `${c} ${r.id}`))))].map(
  (x) => x.split(' ') as [keyof typeof CAUSES, string],
);

/** No inspection; an inspection that found the issuer missing (Let's Encrypt); one that refutes the log. */
const INSPECTED: (InspectionFacts | undefined)[] = [
  undefined,
  {
    missing: [
      { subject: "CN=R3,O=Let's Encrypt,C=US", role: 'issuer', caIssuersUrl: 'http://r3.i.lencr.org/', neededIn: 'certificate-file' },
    ],
    certificateFile: '/etc/ssl/example.pem',
    trustedFiles: [],
    haveConfig: true,
    letsEncrypt: true,
  },
  { missing: [], trustedFiles: [], haveConfig: false, refuted: ['issuerPresent', 'hasOcspUrl'] },
];

test.each(possible)('%s from %s: brief, sentence and fix name mod_gnutls directives only', (cause, ruleId) => {
  const m = CAUSES[cause];
  expect(m.brief.gnutls).toEqual(expect.any(String));
  for (const facts of INSPECTED) {
    const c = causeContext('apache', { vhost: 'www.example.com:443', certificate: '/etc/ssl/example.pem' }, {}, facts, false, [ruleId]);
    expect(c.gnutls).toBe(true);
    const fix = m.fix(c);
    const sentence = m.messages[m.variant?.(c) ?? 'default']!(c);
    expect(`${m.brief.gnutls} ${sentence} ${JSON.stringify(fix)}`).not.toMatch(MOD_SSL);
    for (const s of fix.steps)
      if (s.directive !== null) expect([s.directive, MANUAL.has(s.directive) || CORE.has(s.directive)]).toEqual([s.directive, true]);
  }
});

test('the same lines from mod_ssl keep mod_ssl’s directives', () => {
  // AH01974 with a timeout status, confirmed by AH01941 (the captured line of apache-responder-error.yaml)
  const lines = [
    "[Mon Nov 23 01:56:36.833590 2026] [ssl:error] [pid 10917:tid 10932] (110)Connection timed out: AH01974: could not connect to OCSP responder 'ocsp.example.com'",
    '[Mon Nov 23 01:56:36.833599 2026] [ssl:error] [pid 10917:tid 10932] AH01941: stapling_renew_response: responder error',
  ];
  const f = analyze(lines, rules).findings.map((x) => renderFinding(x))[0]!;
  expect(f.cause).toBe('responder-timeout');
  expect(f.fix.steps.map((s) => s.directive).filter(Boolean)).toContain('SSLStaplingResponderTimeout');
});

test('the Sigma and Loki exports of the gnutls-* rules give mod_gnutls’s fix, mod_ssl’s rules mod_ssl’s', () => {
  // the Sigma description's fix line (its cause line is the cause's meaning, which speaks of every server)
  const sigma = sigmaRules(rules, CAUSES, '2026-12-03').rules.map(
    (r) =>
      [
        String(r.title),
        String(r.description)
          .split('\n')
          .find((l) => l.startsWith('Fix')) ?? '',
      ] as const,
  );
  const loki = lokiRules(rules, CAUSES).groups.flatMap((g) => g.rules.map((a) => [a.labels.rule_id, a.annotations.description] as const));
  for (const [name, text] of [...sigma, ...loki]) {
    if (/gnutls-/.test(String(name))) expect([name, text]).toEqual([name, expect.not.stringMatching(MOD_SSL)]);
  }
  expect(sigma.some(([name, text]) => name.includes('gnutls-responder-connect-failed') && text.includes('GnuTLSOCSPResponseFile'))).toBe(
    true,
  );
  expect(sigma.some(([name, text]) => name.includes('apache-responder-connect-failed') && text.includes('SSLOCSPProxyURL'))).toBe(true);
});
