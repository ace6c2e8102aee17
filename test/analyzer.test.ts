/**
 * Correlation and aggregation in the pure core, on real lines (issue 2 seeds, catalogue §1 quotes).
 */
import fs from 'node:fs';
import { analyze, createAnalyzer, type AnalyzerEvent } from '../src/findings/analyzer.js';
import { renderFinding } from '../src/findings/render.js';
import { loadRules } from '../src/rules/load.js';

const rules = await loadRules();

const AH02217_2014 =
  "[Fri May 09 23:36:44.055900 2014] [ssl:error] [pid 1491:tid 139921007208320] AH02217: ssl_stapling_init_cert: Can't retrieve issuer certificate!";
const AH02235_2014 =
  '[Fri May 09 23:36:44.056018 2014] [ssl:error] [pid 1491:tid 139921007208320] AH02235: Unable to configure server certificate for stapling';
const AH02217_MDFALLBACK =
  "[Sat Jun 01 18:02:11.467856 2019] [ssl:error] [pid 4676:tid 664] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate! [subject: CN=Apache Managed Domain Fallback / issuer: CN=Apache Managed Domain Fallback / serial: 67AB5A455D2E5289FE4EFBD707CB73FA361D88C7 / notbefore: May 29 19:48:11 2019 GMT / notafter: Jun 12 19:48:11 2019 GMT]";
const AH02604_HYZE =
  '[Sat Jun 01 18:02:11.467856 2019] [ssl:error] [pid 4676:tid 664] AH02604: Unable to configure certificate hyze.fr:443:0 for stapling';
const NGX_VERIFY =
  '2014/05/09 17:38:16 [error] 1580#0: OCSP_basic_verify() failed (SSL: error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error:Verify error:unable to get local issuer certificate) while requesting certificate status, responder: ocsp.startssl.com';
const AH01977 =
  '... [ssl:error] ... (70007)The timeout specified has expired: [client 1.2.3.4:23726] AH01977: failed reading line from OCSP server';
const AH01980 = '... [ssl:error] ... [client x.x.x.x:xxxxxx] AH01980: bad response from OCSP server: (none)';
const AH01941 = '... [ssl:error] ... AH01941: stapling_renew_response: responder error';

/** Same line at another time/pid (a later restart of the same server). */
function at(line: string, time: string, pid?: number): string {
  let l = line.replace(/^\[[^\]]+\]/, `[${time}]`);
  if (pid !== undefined) l = l.replace(/\[pid \d+/, `[pid ${pid}`);
  return l;
}

test('AH02217 followed by AH02604 from the same process is one finding that names the vhost', () => {
  const r = analyze([AH02217_MDFALLBACK, AH02604_HYZE], rules);
  expect(r.findings).toHaveLength(1);
  const f = r.findings[0]!;
  expect(f.cause).toBe('self-signed-certificate'); // subject = issuer
  expect(f.ruleIds).toEqual(['apache-issuer-not-found', 'apache-stapling-disabled-for-certificate']);
  expect(f.subject).toMatchObject({
    certSubject: 'CN=Apache Managed Domain Fallback',
    vhost: 'hyze.fr:443:0',
    serial: '67AB5A455D2E5289FE4EFBD707CB73FA361D88C7',
  });
  expect(f.evidence.map((e) => e.line)).toEqual([1, 2]);
  expect(f.messageId).toBe('self-signed-certificate.default');
  const { fix } = renderFinding(f);
  expect(fix.steps[0]).toMatchObject({ action: 'set', directive: 'SSLUseStapling', value: 'off', context: 'VirtualHost' });
  expect(fix.verify.join('\n')).toContain('-connect hyze.fr:443 -servername hyze.fr -status');
});

test('the duplicate start-up pass of one process counts once; a later restart counts again', () => {
  const second = [at(AH02217_2014, 'Fri May 09 23:36:44.900000 2014'), at(AH02235_2014, 'Fri May 09 23:36:44.900100 2014')];
  const restart = [at(AH02217_2014, 'Fri May 09 23:50:00.000000 2014', 2000), at(AH02235_2014, 'Fri May 09 23:50:00.000100 2014', 2000)];
  const r = analyze([AH02217_2014, AH02235_2014, ...second, ...restart], rules);
  expect(r.findings).toHaveLength(1);
  expect(r.findings[0]).toMatchObject({
    cause: 'issuer-certificate-missing',
    count: 2,
    first: '2014-05-09T23:36:44.055900',
    last: '2014-05-09T23:50:00.000100',
  });
});

test('lines of two interleaved processes pair with their own process', () => {
  const other = (l: string): string => l.replace(/\[pid \d+:tid \d+\]/, '[pid 4677:tid 665]');
  const r = analyze(
    [
      AH02217_MDFALLBACK,
      other(at(AH02217_2014, 'Sat Jun 01 18:02:11.467800 2019')),
      AH02604_HYZE,
      other(AH02604_HYZE).replace('hyze.fr', 'other.example'),
    ],
    rules,
  );
  const vhosts = r.findings.map((f) => [f.cause, f.subject.vhost]).sort();
  expect(vhosts).toEqual([
    ['issuer-certificate-missing', 'other.example:443:0'],
    ['self-signed-certificate', 'hyze.fr:443:0'],
  ]);
});

test('a summary line without its reason line is reported as stapling-init-failed with the vhost', () => {
  const r = analyze([AH02604_HYZE], rules);
  expect(r.findings.map((f) => [f.cause, f.subject.vhost])).toEqual([['stapling-init-failed', 'hyze.fr:443:0']]);
});

test('an Apache transport sequence (AH01977, AH01980, AH01941) is one responder-timeout finding', () => {
  const r = analyze([AH01977, AH01980, AH01941], rules);
  expect(r.findings).toHaveLength(1);
  expect(r.findings[0]).toMatchObject({ cause: 'responder-timeout', count: 1 });
  expect(r.findings[0]!.evidence.map((e) => e.ruleId)).toEqual([
    'apache-responder-read-failed',
    'apache-responder-bad-response',
    'apache-responder-error',
  ]);
  expect(r.stats.matched).toBe(3);
});

// Whole lines of a log (samples/real/apache-responder-timeout.log), not a poster's fragments.
const AH01977_LOG =
  '[Mon Nov 23 02:17:06.483927 2026] [ssl:error] [pid 5951:tid 5954] (70007)The timeout specified has expired: [client 127.0.0.1:34616] AH01977: failed reading line from OCSP server';
const AH01980_LOG =
  '[Mon Nov 23 02:17:06.483978 2026] [ssl:error] [pid 5951:tid 5954] [client 127.0.0.1:34616] AH01980: bad response from OCSP server: (none)';

test('a transport line of a log that no AH01941 confirms is not reported (client-certificate OCSP writes the same lines)', () => {
  expect(analyze([AH01977_LOG], rules).findings).toEqual([]);
  expect(analyze([AH01977_LOG, AH01980_LOG], rules).stats.matched).toBe(0);
});

test('a fragment’s transport failure without AH01941 is a notice that says the follower is missing, unless the input shows client-certificate OCSP', () => {
  const r = analyze([AH01977, AH01980], rules);
  expect(r.findings.map((f) => [f.cause, f.severity, f.count])).toEqual([['responder-timeout', 'notice', 1]]);
  expect(r.findings[0]!.evidence.map((e) => e.cut?.follower)).toEqual(['missing', 'missing']);
  // AH02276 (ssl:info) ends a client-certificate OCSP failure (the captured sample of rules/apache-client-cert-verify-error.yaml).
  const ah02276 =
    '[Mon Nov 23 01:58:03.523494 2026] [ssl:info] [pid 12293:tid 12298] [client 127.0.0.1:54414] AH02276: Certificate Verification: Error (50): application verification failure [subject: O=Stapling Lab,CN=Lab Issuing CA / issuer: O=Stapling Lab,CN=Lab Root CA / serial: 1ED6A5AFACCAF77525B07B83F9C9DBF81DB7EB6C / notbefore: Nov 22 01:54:13 2026 GMT / notafter: Nov 23 01:54:13 2027 GMT]';
  expect(analyze([ah02276, AH01977, AH01980], rules).findings).toEqual([]);
  expect(analyze([AH01977, AH01980, AH01941], rules).findings.map((f) => [f.cause, f.severity])).toEqual([
    ['responder-timeout', 'warning'],
  ]);
});

test('nginx lines of two certificates in one worker do not correlate with each other', () => {
  // Real nginx 1.22.1 lines (samples/real/nginx-responder-down.log): recv() failed, then the close.
  const recv =
    '2026/11/23 02:08:30 [error] 5929#5929: recv() failed (111: Connection refused) while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:34713, certificate: "/etc/stapling-test/pki/a.pem"';
  const closed =
    '2026/11/23 02:08:30 [error] 5929#5929: OCSP responder prematurely closed connection while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:34713, certificate: "/etc/stapling-test/pki/a.pem"';
  const r = analyze([recv, recv.replace('a.pem', 'b.pem'), closed, closed.replace('a.pem', 'b.pem')], rules);
  const certs = r.findings.map((f) => f.subject.certificate).sort();
  expect(certs).toEqual(['/etc/stapling-test/pki/a.pem', '/etc/stapling-test/pki/b.pem']);
  for (const f of r.findings) expect(new Set(f.evidence.map((e) => e.values.certificate)).size).toBe(1);
});

test('repeats of one nginx failure aggregate with a count and first/last time; evidence is capped', () => {
  const lines = Array.from({ length: 12 }, (_, i) => NGX_VERIFY.replace('17:38:16', `17:${String(38 + i).padStart(2, '0')}:16`));
  const r = analyze(lines, rules, { maxEvidence: 3 });
  expect(r.findings).toHaveLength(1);
  const f = r.findings[0]!;
  expect(f).toMatchObject({
    cause: 'trusted-chain-incomplete',
    server: 'nginx',
    count: 12,
    first: '2014-05-09T17:38:16',
    last: '2014-05-09T17:49:16',
    evidenceOmitted: 9,
  });
  expect(f.evidence.map((e) => e.line)).toEqual([1, 2, 12]);
  expect(f.subject.responder).toBe('ocsp.startssl.com');
});

test("rsyslog's `message repeated N times` line counts N occurrences; its timeline holds them; the file's lines are counted as lines", () => {
  // Captured from rsyslogd 8.2302 (Debian 12), `$RepeatedMsgReduction on`: four, then three identical real lines
  // (samples/real/) sent with `logger -u`; test/fleet/rsyslog-repeated.test.ts makes the same with a live rsyslogd.
  const text = fs.readFileSync(new URL('./fixtures/rsyslog/repeated-message-reduction.log', import.meta.url), 'utf8');
  const r = analyze(text, rules, { now: new Date('2026-12-06T16:00:00') });
  const counts = r.findings.map((f) => [f.cause, f.server, f.count, f.evidence.map((e) => e.line), f.host]);
  expect(counts).toEqual([
    ['certificate-revoked', 'apache', 3, [3, 4], 'vm'],
    ['responder-unreachable', 'nginx', 4, [1, 2], 'vm'],
  ]);
  expect(r.stats.lines).toBe(5);
  expect(r.findings.map((f) => f.timeline?.episodes.reduce((n, e) => n + e.count, 0))).toEqual([3, 4]);
});

test('different responders are different findings', () => {
  const r = analyze([NGX_VERIFY, NGX_VERIFY.replace(/ocsp\.startssl\.com/g, 'gk.symcd.com')], rules);
  expect(r.findings.map((f) => f.subject.responder).sort()).toEqual(['gk.symcd.com', 'ocsp.startssl.com']);
});

test('finding ids are stable across runs and differ per identity', () => {
  const a = analyze([NGX_VERIFY], rules).findings[0]!.id;
  const b = analyze(['noise', NGX_VERIFY], rules).findings[0]!.id;
  expect(a).toBe(b);
  expect(a).toMatch(/^trusted-chain-incomplete:nginx:[0-9a-f]{10}$/);
});

test('events: new when a finding appears, update when its next line changes it', () => {
  const events: AnalyzerEvent[] = [];
  const a = createAnalyzer(rules, { onEvent: (e) => events.push(e) });
  const h = a.input('x.log');
  h.line(AH02217_MDFALLBACK, 1);
  expect(events.map((e) => e.type)).toEqual(['new']);
  h.line(AH02604_HYZE, 2);
  expect(events.map((e) => e.type)).toEqual(['new', 'update']);
  expect(events[1]!.finding.subject.vhost).toBe('hyze.fr:443:0');
  h.end();
  a.end();
});

test('a lone follower with a time is told at the next line (a paste may put its failure after it), or at once when settled (a live input, omprog)', () => {
  // Real AH01941 and AH01985 (supportsages.com blog): the follower first, the failure's line timed 72 µs before it.
  const ah01941 = '[Thu May 02 03:06:38.713291 2019] [ssl:error] [pid 16491] AH01941: stapling_renew_response: responder error';
  const ah01985 =
    '[Thu May 02 03:06:38.713219 2019] [ssl:error] [pid 16491] (70007)The timeout specified has expired: [client 104.131.103.14:38624] AH01985: error reading response from OCSP server';
  const run = (hold: boolean): { atFirst: number; causes: string[] } => {
    const events: AnalyzerEvent[] = [];
    const a = createAnalyzer(rules, { onEvent: (e) => events.push(e) });
    const h = a.input('x.log');
    h.line(ah01941, 1);
    if (!hold) a.settle();
    const atFirst = events.length;
    h.line(ah01985, 2);
    h.end();
    return { atFirst, causes: a.end().findings.map((f) => f.cause) };
  };
  expect(run(true)).toEqual({ atFirst: 0, causes: ['responder-timeout'] });
  expect(run(false)).toEqual({ atFirst: 1, causes: ['responder-unreachable'] });
});

test('stats: lines = parsed + unparsed + skipped, matched counts lines in findings', () => {
  const a = createAnalyzer(rules);
  const h = a.input('x.log');
  h.line('plain noise without any trigger', 1);
  h.line(AH01941, 2); // matched, but no recognised prefix
  h.skip(3);
  h.line(NGX_VERIFY, 4);
  h.setLineCount(5);
  h.end();
  const r = a.end();
  expect(r.stats).toEqual({ files: 1, lines: 5, parsed: 3, unparsed: 1, skipped: 1, undecoded: 0, matched: 2 });
  expect(r.inputs[0]).toMatchObject({ file: 'x.log', lines: 5, skippedLines: [3] });
  expect(r.stats.lines).toBe(r.stats.parsed + r.stats.unparsed + r.stats.skipped);
});

test('failures do not correlate across inputs', () => {
  const a = createAnalyzer(rules);
  const one = a.input('one.log');
  one.line(AH02217_MDFALLBACK, 1);
  one.end();
  const two = a.input('two.log');
  two.line(AH02604_HYZE, 1);
  two.end();
  expect(
    a
      .end()
      .findings.map((f) => f.cause)
      .sort(),
  ).toEqual(['self-signed-certificate', 'stapling-init-failed']);
});

test('findings are grouped by cause (ranked by the most severe finding of the group), most severe first within a group', async () => {
  const fs = await import('node:fs');
  const read = (f: string) => fs.readFileSync(new URL(`../samples/real/${f}`, import.meta.url), 'utf8');
  // Real logs: Apache's https responder URL aborts handshakes (error), nginx only ignores stapling (warning);
  // nginx's missing resolver is a notice, Apache's missing issuer a warning.
  const text = [
    read('nginx-https-responder-url.log'),
    read('nginx-resolver-missing.log'),
    read('apache-issuer-missing.log'),
    read('apache-https-responder-url.log'),
  ].join('\n');
  const r = analyze(text, rules);
  const causes = r.findings.map((f) => f.cause);
  const groups = causes.filter((c, i) => c !== causes[i - 1]);
  expect(new Set(groups).size).toBe(groups.length); // each cause is one contiguous group
  expect(groups[0]).toBe('responder-url-invalid');
  expect(r.findings.filter((f) => f.cause === 'responder-url-invalid').map((f) => f.severity)).toEqual(['error', 'warning']);
  expect(groups[groups.length - 1]).toBe('resolver-missing');
});

describe('a responder that sent no answer is not said to have sent something else', () => {
  const lines = fs
    .readFileSync(new URL('./fixtures/apache-errorlogformat/json-format-without-status.log', import.meta.url), 'utf8')
    .split('\n');
  /** The lines of the process (pid) whose responder never answered: AH01977, AH01980 (none), AH01941. */
  const timeoutOnly = lines.filter((l) => /"pid":"16696"/.test(l) && /AH019(77|80|41)/.test(l));
  const worded = (input: string[]) => analyze(input, rules).findings.map((f) => renderFinding(f));

  test('Apache without %E: a failed read of unknown reason is worded as such, not as a wrong answer', () => {
    expect(timeoutOnly).toHaveLength(3);
    const [f, ...more] = worded(timeoutOnly);
    expect(more).toEqual([]);
    expect([f!.cause, f!.messageId]).toEqual(['responder-bad-response', 'responder-bad-response.no-answer']);
    expect(f!.message).toContain('the log does not say why');
    expect(f!.message).toContain('`%E`');
    expect(f!.message).not.toContain('not an OCSP response');
  });

  test('with its status the same read is a timeout, as before', () => {
    const ah01941 = '[Mon Nov 23 02:17:06.484068 2026] [ssl:error] [pid 5951:tid 5954] AH01941: stapling_renew_response: responder error';
    expect(worded([AH01977_LOG, AH01980_LOG, ah01941]).map((f) => f.cause)).toEqual(['responder-timeout']);
  });

  test('a finding that also holds an answer that came back (an HTML page: AH01988) keeps the wording of a wrong answer', () => {
    // The processes whose responder never answered (16696) and answered with an HTML page (16700).
    const f = worded(lines.filter((l) => /"pid":"16(696|700)"/.test(l) && /AH019(77|80|41|88)|SSL Library Error/.test(l)));
    expect(f.map((x) => x.messageId)).toEqual(['responder-bad-response.default']);
  });

  test('Apache AH02321 and nginx "prematurely closed connection" say the responder closed the connection', () => {
    // Captured: test/catalogue/captured/apache-2.4.68-openssl-3.0.19.log (responder closes the connection at once).
    const apache = [
      '[Mon Nov 23 01:56:36.833540 2026] [ssl:error] [pid 10917:tid 10932] [client 127.0.0.1:43598] AH02321: empty response from OCSP server',
      '[Mon Nov 23 01:56:36.833563 2026] [ssl:error] [pid 10917:tid 10932] [client 127.0.0.1:43598] AH01980: bad response from OCSP server: (none)',
      '[Mon Nov 23 01:56:36.833599 2026] [ssl:error] [pid 10917:tid 10932] AH01941: stapling_renew_response: responder error',
    ];
    // Captured: test/catalogue/captured/nginx-1.22.1-openssl-3.0.19.log (responder closing at once).
    const nginx =
      '2026/11/23 01:55:04 [error] 8491#8491: OCSP responder prematurely closed connection while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:27880, certificate: "/tmp/lab-rules/full-close.pem"';
    const [a] = worded(apache);
    const [n] = worded([nginx]);
    expect(a!.message).toContain('closed the connection without sending anything');
    expect(n!.message).toContain('closed the connection before a complete answer');
    for (const f of [a!, n!]) expect([f.cause, f.messageId]).toEqual(['responder-bad-response', 'responder-bad-response.no-answer']);
  });
});
