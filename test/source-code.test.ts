/**
 * Source code that writes a stapling message is not a log of it (`src/parse/code-literal.ts`): the servers'
 * and scripts' code holds every message as a string literal, and people paste that code into issues. Every
 * positive sample's message is written the ways code writes a message (C's nginx and Apache logging calls,
 * a call over two lines, Lua's ngx.log and `return nil, "…" .. err`, JavaScript, Python, Go, a comment after a
 * shell pipe, a directive or a C statement), each of which must give no finding; the sample line quoted in prose (in a sentence, after a comma, alone in quotes) must
 * keep its cause (`test/mutation.test.ts` has many more such forms). No line here is written by hand: the
 * messages are the rules' samples. Then the real code: excerpts of nginx's, httpd's, lua-nginx-module's,
 * lua-resty-auto-ssl's, ingress-nginx's and the ngx.ocsp example's code around each logging call
 * (`fixtures/source-code/`), read as logs, give no finding.
 */
import fs from 'node:fs';
import path from 'node:path';
import { analyze } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import { inCodeLiteral } from '../src/parse/code-literal.js';
import { joinLines } from './helpers/join-lines.js';
import type { CauseId, Rule } from '../src/types.js';

const rules = await loadRules();
const matcher = createMatcher(rules, { now: new Date('2026-01-01T00:00:00Z') });

/** A message as a double-quoted literal holds it (backslashes and quotes escaped). */
const lit = (m: string): string => `"${m.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/** A message as a single-quoted literal holds it, split at its end: the opening quote and text, the closing quote. */
const single = (m: string): [string, string] => [`'${m.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}`, "'"];

/** The ways code writes a message: each gives the physical lines of one paste. */
const CODE_FORMS: readonly (readonly [string, (m: string) => string[]])[] = [
  ['nginx C', (m) => [`        ngx_log_error(NGX_LOG_ERR, ctx->log, 0, ${lit(m)});`]],
  ['nginx C, an argument after', (m) => [`        ngx_ssl_error(NGX_LOG_EMERG, ssl->log, 0, ${lit(`${m} %s`)}, file->data);`]],
  ['Apache C with APLOGNO', (m) => [`    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(01941) ${lit(m)});`]],
  [
    'Apache C, the call over two lines',
    (m) => [
      `        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(01939)`,
      `                     ${lit(`${m} %s`)},`,
      `                     ocspuri);`,
    ],
  ],
  ['Lua ngx.log', (m) => [`            ngx.log(ngx.ERR, ${lit(`${m}: `)}, err)`]],
  ['Lua return with concatenation', (m) => [`    return nil, ${lit(`${m}: `)} .. (err or "")`]],
  ['JavaScript', (m) => [`      logger.error(${lit(`${m}: `)} + err);`]],
  ['JavaScript, a message pushed', (m) => [`      warnings.push(${lit(m)});`]],
  ['Python %-format', (m) => [`        log.error(${lit(`${m}: %s`)} % err)`]],
  ['Go', (m) => [`	log.Printf(${lit(`${m}: %v`)}, err)`]],
  ['an assignment', (m) => [`    log->action = ${lit(m)};`]],
  ['Python, single quotes', (m) => [`        logger.warning(${single(m)[0]}: %s${single(m)[1]}, err)`]],
  ['Lua, single quotes', (m) => [`            ngx.log(ngx.ERR, ${single(m)[0]}: ${single(m)[1]}, err)`]],
  // A comment after code names a message (a script's ignore list, a configuration's remark): not a log of it.
  ['a shell ignore list: a comment after a pipe', (m) => [`\tgrep -v 'AH00000' | # ${m}`]],
  ['an nginx directive with a comment', (m) => [`    ssl_stapling on;  # ${m}`]],
  ['C with a comment after the statement', (m) => [`    rc = ngx_ssl_ocsp_validate(c); // ${m}`]],
  [
    'a JavaScript template',
    (m) => [`      warnings.push(\`${m.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${')}\`);`],
  ],
];

/** The ways prose quotes a log line: each must keep the cause. */
const PROSE_FORMS: readonly (readonly [string, (m: string) => string])[] = [
  ['in quotes in a sentence', (l) => `The log says "${l}" every hour`],
  ['in quotes after a comma', (l) => `Every hour the log said, "${l}"`],
  ['alone in quotes', (l) => `"${l}"`],
  // A log line kept in a note: a comment with no code before it.
  ['a comment line of its own', (l) => `# ${l}`],
];

interface Case {
  rule: Rule;
  /** The sample line, and its message as the parse finds it. */
  line: string;
  message: string;
  cause: CauseId;
}

/** Each rule's positive samples whose message alone gives the sample's cause (a message needing its prefix is not one). */
const cases: Case[] = rules.flatMap((rule) =>
  rule.samples.match.flatMap((s) => {
    const message = matcher.parse(s.line).message.trim();
    const cause = s.cause ?? rule.cause;
    if (rule.role !== 'cause' || matcher.match(message, { file: '-', line: 1 }).match?.cause !== cause) return [];
    return [{ rule, line: s.line, message, cause }];
  }),
);

/** The causes of every match of the lines fed through the joiner as the analyzer does (any rule, any role). */
const causesOf = (lines: string[]): CauseId[] => [
  ...new Set(joinLines(matcher, lines, 'code').flatMap((r) => (r.match ? [r.match.cause] : []))),
];

test('the cases cover most rules', () => {
  expect(new Set(cases.map((c) => c.rule.id)).size).toBeGreaterThan(rules.filter((r) => r.role === 'cause').length * 0.8);
});

test('every message written as code gives no finding', () => {
  const wrong = cases.flatMap((c) =>
    CODE_FORMS.flatMap(([form, write]) => {
      const lines = write(c.message);
      const got = causesOf(lines);
      return got.length === 0 ? [] : [`${c.rule.id} (${form}): ${got.join(', ')}\n    ${lines.join('\n    ')}`];
    }),
  );
  expect(wrong.slice(0, 20)).toEqual([]);
});

test('every message quoted in prose keeps its cause', () => {
  const wrong = cases.flatMap((c) =>
    PROSE_FORMS.flatMap(([form, write]) => {
      const line = write(c.line);
      const got = causesOf([line]);
      return got.includes(c.cause) ? [] : [`${c.rule.id} (${form}): want ${c.cause}, got [${got.join(', ')}]\n    ${line}`];
    }),
  );
  expect(wrong.slice(0, 20)).toEqual([]);
});

const SOURCES = path.join(import.meta.dirname, 'fixtures', 'source-code');

test.each(fs.readdirSync(SOURCES).filter((f) => f.endsWith('.txt')))('the real code of %s gives no finding', (file) => {
  const text = fs.readFileSync(path.join(SOURCES, file), 'utf8');
  const report = analyze(text, rules, { now: new Date('2026-01-01T00:00:00Z') });
  expect(report.findings.map((f) => `${f.cause}: ${f.evidence[0]?.text ?? ''}`)).toEqual([]);
});

test('hostile lines of quotes and phrases are read only as far as a line of code goes (each returns at once)', () => {
  const phrase = 'OCSP responder timed out';
  expect(() => inCodeLiteral(`x("${phrase}'\`\\"`.repeat(3000), phrase)).not.toThrow();
  expect(inCodeLiteral(`f(${"'".repeat(60000)}${phrase}${"'".repeat(60000)}`, phrase)).toBe(false);
  expect(inCodeLiteral(`${'a "b" '.repeat(10000)}${phrase}`, phrase)).toBe(false);
});

describe('inCodeLiteral', () => {
  test.each([
    [
      'a log line with its quoted certificate',
      '2026/01/01 00:00:00 [error] 1#1: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: r3.o.lencr.org, certificate: "/etc/a.pem"',
      'OCSP responder timed out',
      false,
    ],
    [
      'a file in a call of the log line',
      'nginx: [emerg] BIO_new_file("/etc/ssl/x.pem") failed (SSL: error:80000002:system library::No such file or directory)',
      'failed (SSL:',
      false,
    ],
    ['logfmt', 'ts=2026-01-01T00:00:00Z level=error msg="AH01941: stapling_renew_response: responder error"', 'responder error', false],
    ['prose with parentheses', 'I see (like "OCSP responder timed out"), however, nothing else', 'OCSP responder timed out', false],
    ['no quote at all', 'ngx.log(ngx.ERR, OCSP responder timed out, err)', 'OCSP responder timed out', false],
    ['a literal that does not close', 'ngx.log(ngx.ERR, "OCSP responder timed out', 'OCSP responder timed out', false],
    ['a Lua call', '  ngx.log(ngx.ERR, "OCSP responder query failed: ", err)', 'OCSP responder query failed', true],
    ['a head split over two C literals', 'APLOGNO(02218) "ssl_stapling_init_cert: no OCSP URI "', 'no OCSP URI in certificate', true],
    [
      'a single-quoted literal with an apostrophe',
      "    log.error('ssl_stapling_init_cert: can\\'t retrieve issuer certificate!')",
      "can't retrieve issuer certificate",
      true,
    ],
    [
      'a template literal',
      '  warnings.push(`AH02604: Unable to configure certificate ${id}:0 for stapling`);',
      'Unable to configure certificate',
      true,
    ],
    [
      'a Markdown code span',
      'The log says `OCSP responder timed out (110: Connection timed out)` every hour',
      'OCSP responder timed out',
      false,
    ],
    [
      'a code span before a parenthesis',
      'errors like `AH02218: no OCSP URI in certificate` (see the docs)',
      'no OCSP URI in certificate',
      false,
    ],
    ['single quotes in prose', "I keep getting 'OCSP responder timed out' in the log, why?", 'OCSP responder timed out', false],
    [
      'an apostrophe in a log line',
      "[Mon Mar 11 05:39:03.060069 2019] [ssl:error] [pid 1653:tid 548] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate!",
      "can't retrieve issuer certificate",
      false,
    ],
    [
      'escaped quotes in the literal',
      'ngx_ssl_error(NGX_LOG_EMERG, ssl->log, 0, "d2i_OCSP_RESPONSE_bio(\\"%s\\") failed", file->data);',
      'd2i_OCSP_RESPONSE_bio("',
      true,
    ],
  ])('%s', (_name, text, phrase, want) => {
    expect(inCodeLiteral(text, phrase)).toBe(want);
  });
});
