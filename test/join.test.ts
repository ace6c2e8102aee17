/**
 * Continuation lines (src/rules/join.ts): a stapling message wrapped over several physical lines is
 * joined back; ordinary logs, where every line has its prefix, never are; and the streaming path (the
 * byte scanner delivering the lines a message asks for and reading earlier ones back) gives the same
 * findings as the in-memory path, whatever the chunking, with and without the SIMD filter.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { analyze, createAnalyzer, type Report } from '../src/findings/analyzer.js';
import type { FindingData } from '../src/types.js';
import { scanInChunks, reportSummary } from './helpers/chunked-scan.js';
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import type { MessageResult } from '../src/rules/join.js';
import { joinLines } from './helpers/join-lines.js';
import { hangingIndentWrap, hardWrap, wordWrap } from './helpers/variants.js';

const rules = await loadRules();
const matcher = createMatcher(rules);

const messages = (lines: readonly string[]): MessageResult[] => joinLines(matcher, lines, 'x.log');

const matched = (lines: readonly string[]): { cause: string; text: string; lines: number }[] =>
  messages(lines).flatMap((r) => (r.match ? [{ cause: r.match.cause, text: r.match.text, lines: r.match.cut?.lines ?? 1 }] : []));

// Real lines (samples/real/*.log, the rules' samples): one stapling message each.
const APACHE_TIMEOUT =
  '[Mon Nov 23 01:56:40.004484 2026] [ssl:error] [pid 10917:tid 10934] (70007)The timeout specified has expired: [client 127.0.0.1:41682] AH01977: failed reading line from OCSP server';
const NGINX_VERIFY =
  '2018/10/11 12:13:16 [error] 5151#5151: OCSP_basic_verify() failed (SSL: error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error:Verify error:unable to get local issuer certificate) while requesting certificate status, responder: ocsp.example.com, peer: 192.0.2.10:80, certificate: "/etc/ssl/example.pem"';
const NGINX_NOISE =
  '2018/09/14 19:03:05 [error] 2035#2035: *9134 access forbidden by rule, client: 12.34.56.78, server: example.com, request: "GET / HTTP/1.1"';
const APACHE_NOISE =
  '[Tue Apr 04 06:28:08.605341 2017] [core:error] [pid 17962] [client 127.0.0.1:60444] AH00135: Invalid method in request FOO /';

test('the repository’s real and captured logs have no message joined across lines', () => {
  const root = path.join(import.meta.dirname, '..');
  const files = ['samples/real', 'samples/seed', 'test/catalogue/captured']
    .map((d) => path.join(root, d))
    .filter((d) => fs.existsSync(d))
    .flatMap((d) => fs.readdirSync(d).map((f) => path.join(d, f)))
    .filter((f) => !f.endsWith('.md') && fs.statSync(f).isFile());
  let found = 0;
  const joined: string[] = [];
  for (const f of files) {
    for (const m of matched(fs.readFileSync(f, 'utf8').split(/\r?\n/))) {
      found++;
      if (m.lines > 1) joined.push(`${path.basename(f)}: ${m.text}`);
    }
  }
  expect(found).toBeGreaterThan(100);
  expect(joined).toEqual([]);
});

test('a word-wrapped Apache message joins back, its prefix pieces included; the log line after it stays apart', () => {
  const wrapped = wordWrap(APACHE_TIMEOUT, 40);
  expect(wrapped.length).toBeGreaterThan(3);
  const got = matched([APACHE_NOISE, ...wrapped, APACHE_NOISE]);
  expect(got).toEqual([{ cause: 'responder-timeout', text: APACHE_TIMEOUT, lines: wrapped.length }]);
});

test('a hard-wrapped nginx message joins back without spaces at the breaks', () => {
  const wrapped = hardWrap(NGINX_VERIFY, 80);
  const got = matched([NGINX_NOISE, ...wrapped, NGINX_NOISE]);
  expect(got).toEqual([{ cause: 'trusted-chain-incomplete', text: NGINX_VERIFY, lines: wrapped.length }]);
});

test('a complete stapling message is not joined with an unprefixed line after it', () => {
  const got = matched([NGINX_VERIFY, '    (this line was added by a poster)', NGINX_NOISE]);
  expect(got).toEqual([{ cause: 'trusted-chain-incomplete', text: NGINX_VERIFY, lines: 1 }]);
});

test('a complete line of another message and a stapling fragment after it stay apart', () => {
  // samples/seed/nginx-no-resolver.log: the fragment a poster quoted, after an ordinary nginx line.
  const fragment =
    'no resolver defined to resolve ocsp.int-x3.letsencrypt.org while requesting certificate status, responder: ocsp.int-x3.letsencrypt.org';
  expect(matched([NGINX_NOISE, fragment])).toEqual([{ cause: 'resolver-missing', text: fragment, lines: 1 }]);
});

test('an incomplete stapling message is not joined with a log line of its own', () => {
  const cut = NGINX_VERIFY.slice(0, NGINX_VERIFY.indexOf(' while requesting'));
  const got = matched([cut, NGINX_NOISE]);
  expect(got.map((m) => m.lines)).toEqual([1]);
  expect(got[0]!.text).toBe(cut);
});

test('a message ending in a code of its own text stays apart from an unprefixed start-up line after it', () => {
  // mod_gnutls (src/gnutls_ocsp.c) ends its texts with GnuTLS's code, `(-25)`; APLOG_STARTUP lines carry no prefix.
  const gnutls =
    '[Sun Jul 11 13:54:01.127736 2021] [gnutls:error] [pid 18008:tid 139901009913408] (20014)Internal error (specific information not available): Could not create OCSP trust list: Memory allocation error. (-25)';
  const startup =
    'CRITICAL ERROR: mgs_ocsp_init_watchdog called with uninitialized OCSP data structure. This indicates a bug in mod_gnutls.';
  expect(matched([gnutls, startup]).map((m) => [m.text, m.lines])).toEqual([
    [gnutls, 1],
    [startup, 1],
  ]);
});

test('Apache’s status left open at a break (after the prefix or at a line’s start) still joins', () => {
  const at = APACHE_TIMEOUT.indexOf(' has expired');
  expect(matched([APACHE_TIMEOUT.slice(0, at), APACHE_TIMEOUT.slice(at + 1)])).toEqual([
    { cause: 'responder-timeout', text: APACHE_TIMEOUT, lines: 2 },
  ]);
  const cut = APACHE_TIMEOUT.slice(APACHE_TIMEOUT.indexOf('(70007)'));
  const stub = cut.slice(0, cut.indexOf(' has expired'));
  expect(matched([stub, cut.slice(stub.length + 1)]).map((m) => [m.text, m.lines])).toEqual([[cut, 2]]);
});

test('Apache’s AH00526 syntax error keeps its second line to itself', () => {
  // Apache 2.4 configtest on stderr (server/config.c): the file and line, then the directive's own error.
  const lines = [
    'AH00526: Syntax error on line 12 of /etc/apache2/sites-enabled/default-ssl.conf:',
    "Invalid command 'SSLStaplingCache', perhaps misspelled or defined by a module not included in the server configuration",
  ];
  expect(matched(lines).map((m) => m.text)).not.toContain(lines.join(' '));
});

// ---------- streaming path = in-memory path ----------

const scan = (bytes: Buffer, sizes: number[], simd: boolean): Report<FindingData> => scanInChunks(rules, bytes, sizes, { simd });
const summary = reportSummary;

/** A wrapped AH01929 whose prefix pieces stand on the lines before its tag. */
const WRAPPED_AH01929 = [
  '[Wed Nov 08 22:10:03.300121 2017]',
  '[ssl:error] [pid 12021:tid 139901]',
  'AH01929: stapling_cache_response: OCSP',
  'response session store error!',
];

test.each([
  // The property below found the first two: in memory the record line, matched alone, was missing from the
  // joiner's recent lines (seed -811071813), and a line split at a literal \n was kept as two lines of one
  // number (seed 1099674016), so AH01929 could not take its prefix back while the scanner's accessor could.
  ['a JSON record', '{"'],
  ['a literal \\n', '!\\n!'],
  ['a <br>', 'a<br>b'],
  ['colour codes', '\u001b[31mx\u001b[0m y'],
  ['colour codes, ESC lost', '[1;31m[Wed Nov 08 22:10:03.300121 2017][0m'],
])(
  'a line the joiner reads apart (%s) before a wrapped Apache line: the same findings streamed as in memory, the prefix pieces taken',
  (_what, first) => {
    const text = [first, ...WRAPPED_AH01929].join('\n');
    const report = analyze(text, rules, { name: 'x.log' });
    expect(report.findings.map((f) => f.evidence.map((e) => [e.line, e.text]))).toEqual([[[2, WRAPPED_AH01929.join(' ')]]]);
    const memory = summary(report);
    for (const simd of [false, true])
      for (const sizes of [[1], [7], [1 << 20]]) expect(summary(scan(Buffer.from(text), sizes, simd))).toEqual(memory);
  },
);

// The rules' samples that nginx writes for a client's connection (`*N` after the pid), look-alikes among
// them: the joiner passes over such a line unparsed when it sees no rule can match it.
const CONNECTION_LINES = rules
  .flatMap((r) => [...r.samples.match, ...r.samples.nomatch].map((s) => s.line))
  .filter((l) => /^\d{4}\/\d\d\/\d\d [\d:]{8} \[\w+\] \d+#\d+: \*\d+ /.test(l));

describe('a message whose next line the scanner already holds', () => {
  const NEXT_LOG_LINE = (): string => NGINX_NOISE.slice(0, 40);
  const causes = analyze([NGINX_VERIFY], rules).findings.map((f) => f.cause);
  const start = (): { a: ReturnType<typeof createAnalyzer>; h: ReturnType<ReturnType<typeof createAnalyzer>['input']> } => {
    const a = createAnalyzer(rules);
    return { a, h: a.input('x.log', { deferUntilNextLine: true }) };
  };

  test('is decided at its own line when that next line starts with a server prefix: no line wanted', () => {
    const { a, h } = start();
    expect(causes).toHaveLength(1);
    expect(h.line(NGINX_VERIFY, 1, undefined, undefined, NEXT_LOG_LINE)).toBe(0);
    expect(a.findings().map((f) => f.cause)).toEqual(causes);
  });

  test('waits for it when it may go on into it (no prefix) or the scanner does not hold it yet', () => {
    for (const next of [() => '  continued words', () => null, undefined]) {
      const { a, h } = start();
      expect(h.line(NGINX_VERIFY, 1, undefined, undefined, next)).toBe(1);
      expect(a.findings()).toEqual([]);
      h.line(NGINX_NOISE, 2);
      expect(a.findings().map((f) => f.cause)).toEqual(causes);
    }
  });

  test('each nginx line of a client connection among the rules’ samples, before a log line: decided at its line, as in memory', () => {
    expect(CONNECTION_LINES.length).toBeGreaterThan(20);
    const view = (r: Report<FindingData>): unknown => r.findings.map((f) => [f.id, f.evidence.map((e) => e.text)]);
    for (const l of CONNECTION_LINES) {
      const { a, h } = start();
      expect([l, h.line(l, 1, undefined, undefined, NEXT_LOG_LINE)]).toEqual([l, 0]);
      h.end();
      expect([l, view(a.end())]).toEqual([l, view(analyze([l], rules, { name: 'x.log' }))]);
    }
  });
});

test('a line of several entries (breaks kept as `<br>`): a later entry never reaches back over the first to a wrapped message before it', () => {
  // Found by the property below: the streamed path joined the entry to the wrapped lines before its line.
  const bare = rules
    .flatMap((r) => r.samples.match.map((s) => s.line))
    .filter((l, i) => i % 9 === 0 && !/^[[\d]/.test(l))
    .map((l) => ({ l, alone: analyze([l], rules).findings.flatMap((f) => f.evidence.map((e) => e.text)) }))
    .filter((b) => b.alone.length === 1);
  expect(bare.length).toBeGreaterThan(3);
  for (const wrapped of CONNECTION_LINES.filter((l, i) => i % 3 === 0).map((l) => wordWrap(l, 40))) {
    for (const { l, alone } of bare) {
      const text = [...wrapped, `${NGINX_NOISE}<br>${l}`].join('\n');
      const memory = analyze(text, rules, { name: 'x.log' });
      expect(summary(scan(Buffer.from(text), [1], false))).toEqual(summary(memory));
      const got = memory.findings.flatMap((f) => f.evidence.filter((e) => e.line === wrapped.length + 1));
      expect(got.map((e) => e.text)).toEqual(alone);
    }
  }
});

test('property: wrapped messages among ordinary lines give the same findings streamed (any chunking, SIMD or not) as in memory', () => {
  const samples = rules.flatMap((r) => r.samples.match.map((s) => s.line)).filter((l, i) => i % 5 === 0);
  const pieceArb = fc.oneof(
    fc.constantFrom(NGINX_NOISE, APACHE_NOISE, '').map((l) => [l]),
    // Lines of a client connection (the look-alikes among them are passed over), whole or wrapped (then
    // they may go on into the next line).
    fc.constantFrom(...CONNECTION_LINES).map((l) => [l]),
    fc
      .tuple(fc.constantFrom(...CONNECTION_LINES), fc.constantFrom(40, 60, 80), fc.boolean())
      .map(([l, w, hard]) => (hard ? hardWrap(l, w) : wordWrap(l, w))),
    fc.constantFrom(...samples).map((l) => [l]),
    fc
      .tuple(fc.constantFrom(...samples), fc.constantFrom(40, 60, 80), fc.boolean())
      .map(([l, w, hard]) => (hard ? hardWrap(l, w) : wordWrap(l, w))),
    // Continuation lines indented (a hanging indent: blanks or a tab).
    fc
      .tuple(fc.constantFrom(...samples), fc.constantFrom('  ', '\t', ' '.repeat(20)))
      .map(([l, indent]) => hangingIndentWrap(l, 50, indent)),
    fc.string({ maxLength: 30 }).map((s) => [s.replace(/[\r\n]/g, ' ')]),
    // Lines the joiner splits or cleans first: breaks kept as text, colour codes.
    fc
      .tuple(fc.constantFrom(...samples), fc.constantFrom('<br>', '\\n', '&lt;br&gt;'), fc.constantFrom(NGINX_NOISE, APACHE_NOISE, 'x'))
      .map(([l, br, other]) => [other + br + l]),
    fc.constantFrom(...samples).map((l) => [`\u001b[1;31m${l}\u001b[0m`]),
  );
  fc.assert(
    fc.property(
      fc.array(pieceArb, { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom('\n', '\r\n'),
      fc.boolean(),
      (pieces, sizes, eol, simd) => {
        const text = pieces.flat().join(eol);
        const memory = summary(analyze(text, rules, { name: 'x.log' }));
        expect(summary(scan(Buffer.from(text), sizes, simd))).toEqual(memory);
        expect(summary(scan(Buffer.from(text), [1 << 20], simd))).toEqual(memory);
      },
    ),
    { numRuns: 100 },
  );
});
