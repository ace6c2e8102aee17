/**
 * A line pasted into an issue tracker or a forum in markup the HTML and BBCode of `markedUp()` do not cover
 * (Jira's and Confluence's wiki markup, XenForo's and vBulletin's extra BBCode: `forumMarkup()`), or copied
 * from a page's source with HTML references for its blanks (`&nbsp;`, `&#160;`, `&#xA0;`, `&#32;`, `&#Xa0;`, `&ensp;`,
 * `&emsp;`, `&thinsp;`: `blankReferences()`),
 * one inside a trigger's words too (`OCSP&nbsp;responder`), where it hides the scan keys that hold a blank.
 * Every positive sample in each form gives the findings of the plain lines, through the byte scanner
 * (`LineScanner`) and in memory (`analyze()`) alike; no negative sample in them reads a cause its own line
 * does not; a real `&` or `{` in a server's value stays as written; and only references HTML defines are read.
 */
import { Readable } from 'node:stream';
import { loadRules } from '../src/rules/load.js';
import { analyzeStream } from '../src/run/stream.js';
import { analyze, type Report } from '../src/findings/analyzer.js';
import type { FindingData } from '../src/types.js';
import { parseLine } from '../src/parse/line.js';
import { unmarked } from '../src/parse/wrappers.js';
import { unreferenced } from '../src/parse/normalize.js';
import { blankReferences, forumMarkup, type Variant } from './helpers/variants.js';

const rules = await loadRules({ tie: 'samples' });
const single = (l: string): boolean => !/[\n\r]/.test(l);
const positives = rules.flatMap((r) => r.samples.match.map((s) => s.line)).filter(single);
const negatives = rules.flatMap((r) => r.samples.nomatch.map((s) => s.line)).filter(single);

const streamed = (text: string) => analyzeStream(Readable.from([Buffer.from(text)]), rules, { name: 'pasted' });
const inMemory = (text: string) => analyze(text, rules, { name: 'pasted' });
// Everything but the evidence's file and text (the copy's own line, markup and all).
const view = (r: Report<FindingData>): unknown =>
  r.findings.map(({ id: _id, ...f }) => ({
    ...f,
    evidence: f.evidence.map(({ textLength: _n, ...e }) => ({ ...e, file: null, text: null })),
  }));

/** Each kind of a generator, as the variant of that kind of a line (the line itself when it has none). */
const kinds = (gen: (line: string) => Variant[]): [string, (line: string) => string][] =>
  gen('a b "c"').map((v) => [v.kind, (line: string) => gen(line).find((x) => x.kind === v.kind)?.lines[0] ?? line]);
const FORMS = [...kinds(forumMarkup), ...kinds(blankReferences)];

describe('every positive sample in the form gives the findings of the plain lines, streamed and in memory', () => {
  // A blank line between the lines: the joiner wants no line after a blank one, so each copy is read for its own keys.
  const plainText = positives.join('\n\n');
  let plain: unknown;
  beforeAll(async () => {
    plain = view(await streamed(plainText));
    expect(view(inMemory(plainText))).toEqual(plain);
  });
  test.each(FORMS)('%s', async (_kind, form) => {
    const text = positives.map(form).join('\n\n');
    expect((plain as unknown[]).length).toBeGreaterThan(100);
    expect(view(await streamed(text))).toEqual(plain);
    expect(view(inMemory(text))).toEqual(plain);
  });
});

describe('no negative sample in the form reads a cause its own line does not', () => {
  const causes = (lines: string[]): string[] =>
    inMemory(lines.join('\n\n'))
      .findings.map((f) => f.cause)
      .sort();
  test.each(FORMS)('%s', (_kind, form) => {
    expect(negatives.length).toBeGreaterThan(100);
    expect(causes(negatives.map(form))).toEqual(causes(negatives));
  });
});

describe("a real `&` or `{` in a server's line stays as written", () => {
  const verify = (request: string): string =>
    `2026/11/23 02:17:37 [info] 7246#7246: *3 client SSL certificate verify error: certificate revoked while reading client request headers, client: 127.0.0.1, server: , request: "${request}", host: "x"`;
  test.each([
    ['a URL query', 'GET /?a=1&b=2 HTTP/1.1'],
    ['references in a client request (its own bytes)', 'GET /?q=&quot;x&quot;&nbsp;&#160;y HTTP/1.1'],
    ['braces in a client request', 'GET /{{x}}?a={code} HTTP/1.1'],
  ])('%s: the message keeps it, and the line reads as without it', (_what, request) => {
    const line = verify(request);
    const p = parseLine(line);
    expect(p.format).toBe('nginx');
    expect(p.message).toContain(`request: "${request}"`);
    const cause = (l: string): string[] => inMemory(l).findings.map((f) => f.cause);
    expect(cause(line)).toEqual(cause(verify('GET / HTTP/1.1')));
  });
  test.each([
    ['a JSON object ending in }}', '{"level":"error","msg":{"text":"x"}}'],
    ['a JSON record with a {code} value', '{"msg":"a {code} b","ts":"2026-01-01T00:00:00Z"}'],
    ['a line ending in a brace of its own', '2026/01/01 00:00:00 [error] 1#1: lua: {a=1}'],
    [
      'an Apache line ending in its certificate block, braces inside',
      "[Mon Nov 23 01:56:36 2026] [ssl:error] [pid 1] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate! [subject: CN=a{code}b]",
    ],
  ])('unmarked(): %s unchanged', (_what, line) => {
    expect(unmarked(line)).toBe(line);
  });
});

describe('HTML references are read as HTML defines them', () => {
  test.each([
    ['a&#32;b&#x20;c&#X20;d', 'a b c d'],
    ['a&ensp;b&emsp;c&thinsp;d', 'a b c d'],
    ['&QUOT;a&QUOT; &AMP; &LT;b&GT;', '"a" & <b>'],
    ['a&#Xa0;b&#XA0;c', 'a\u00a0b\u00a0c'],
  ])('%s is decoded', (text, plain) => {
    expect(unreferenced(text)).toBe(plain);
  });
  // Names are case-sensitive: HTML defines no `&NBSP;`, `&Ensp;` or `&APOS;`; a browser shows them as written.
  test.each(['a&NBSP;b', 'a&Ensp;b', '&APOS;x&APOS;', 'a&Thinsp;b'])('%s stays as written', (text) => {
    expect(unreferenced(text)).toBe(text);
  });
});
