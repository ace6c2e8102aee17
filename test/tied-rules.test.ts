/**
 * Rules tied to the configuration (`tiedTo`, src/rules/tie.ts; issue 10, family 7): nginx writes
 * `BIO_new_file("…") failed` for any certificate, key, dhparam or stapling file, and
 * `SSL_CTX_load_verify_locations("…") failed` for `ssl_trusted_certificate` and `ssl_client_certificate`
 * alike, so the tied rules report a line only for the file a configuration names in `ssl_stapling_file`
 * or in the `ssl_trusted_certificate` of a stapling block. The lines are captured from
 * nginx 1.22.1 (test/catalogue/captured/); the CLI cases with real configuration files are in
 * test/cli-cases.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { analyze } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';
import { checkSamples } from '../src/rules/samples.js';
import { narrowGroup, tieRules } from '../src/rules/tie.js';
import type { Rule } from '../src/types.js';

const captured = fs
  .readFileSync(path.join(import.meta.dirname, 'catalogue', 'captured', 'nginx-1.22.1-openssl-3.0.19.log'), 'utf8')
  .split('\n')
  .filter((l) => l.includes('BIO_new_file("'));
const fileOf = (l: string): string => /BIO_new_file\("([^"]*)"\)/.exec(l)![1]!;
const TIED_ID = 'nginx-stapling-file-configured-unreadable';
const untied = await loadRules();
const rulesWith = (files: string[]): Promise<Rule[]> => loadRules({ tie: { ssl_stapling_file: files } });
const causesOf = (lines: string[], rules: Rule[]): [string, string][] =>
  analyze(lines, rules).findings.map((f) => [f.cause, f.evidence.map((e) => e.text).join('|')]);

test('the capture holds BIO_new_file lines for several files (the look-alikes and the stapling file)', () => {
  expect(new Set(captured.map(fileOf)).size).toBeGreaterThanOrEqual(3);
});

test('without a configuration the tied rule is left out, and only OCSP-like names are reported', async () => {
  expect(untied.some((r) => r.id === TIED_ID)).toBe(false);
  const reported = analyze(captured, untied).findings.flatMap((f) => f.evidence.map((e) => fileOf(e.text)));
  // Exactly the files whose name says they hold an OCSP response (the name-based rule).
  expect(reported).toEqual(captured.map(fileOf).filter((f) => /ocsp|stapl|\.(der|resp|ors)$/i.test(f)));
});

test.each(captured.map((l) => [fileOf(l), l] as const))('tied to %s: exactly that line is a stapling-file-error', async (file, line) => {
  const rules = await rulesWith([file]);
  expect(rules.find((r) => r.id === TIED_ID)).toBeDefined();
  const found = analyze(captured, rules).findings;
  const lines = found.flatMap((f) => f.evidence.map((e) => e.text));
  expect(lines).toContain(line);
  expect(found.every((f) => f.cause === 'stapling-file-error')).toBe(true);
  // Any other reported line is there by its name, as without a configuration.
  const byName = analyze(captured, untied).findings.flatMap((f) => f.evidence.map((e) => e.text));
  expect(lines.filter((l) => l !== line).every((l) => byName.includes(l))).toBe(true);
  expect(found.find((f) => f.evidence.some((e) => e.text === line))!.ruleIds).toContain(TIED_ID);
});

test('a tie to a file the log does not name reports nothing more than the names do', async () => {
  const rules = await rulesWith(['/etc/nginx/ocsp/other.resp']);
  expect(causesOf(captured, rules)).toEqual(causesOf(captured, untied));
});

test('paths are literals: metacharacters in a configured path match only themselves', () => {
  const source = narrowGroup('BIO_new_file\\("(?<file>[^"]*)"\\) failed', 'file', ['/srv/a.b+(c)/x[1]']);
  const re = new RegExp(source);
  expect(re.exec('BIO_new_file("/srv/a.b+(c)/x[1]") failed')?.groups?.file).toBe('/srv/a.b+(c)/x[1]');
  expect(re.test('BIO_new_file("/srv/aXb+(c)/x[1]") failed')).toBe(false);
  expect(re.test('BIO_new_file("/srv/a.bb(c)/x1") failed')).toBe(false);
  // Groups after the tied one keep working (the narrowed group closes where the original did).
  expect(narrowGroup('(?<file>[^"(]*)"(?<errno>\\d+)', 'file', ['/a'])).toBe('(?<file>(?:\\/a))"(?<errno>\\d+)');
});

test('a pattern without the tied group is a broken rule file', () => {
  expect(() => narrowGroup('BIO_new_file\\("[^"]*"\\)', 'file', ['/a'])).toThrow(/no capture group "file"/);
});

test('the tied rule is checked as its samples tie it: a negative sample naming a sample file fails the check', async () => {
  expect(tieRules(untied, {})).toEqual(untied); // untied rules pass through unchanged
  const loaded = (await rulesWith(['/x'])).find((r) => r.id === TIED_ID)!;
  // The rule as written (its generic pattern), as the build checks it: clean …
  const generic = /BIO_new_file\("(?<file>[^"]*)"\) failed/;
  const rule: Rule = { ...loaded, compiled: loaded.compiled.map((p) => ({ ...p, regex: generic.source, re: generic })) };
  expect(checkSamples(rule)).toBeNull();
  // … and broken when a negative sample is a line about one of its positive samples' files.
  const nomatch = [...rule.samples.nomatch, { line: rule.samples.match[0]!.line, from: 'test' }];
  expect(checkSamples({ ...rule, samples: { ...rule.samples, nomatch } })?.detail).toMatch(/negative sample matches/);
});

describe('SSL_CTX_load_verify_locations: the trusted bundle, not the client CA file', () => {
  const lines = fs
    .readFileSync(path.join(import.meta.dirname, 'catalogue', 'captured', 'nginx-1.22.1-openssl-3.0.19.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('SSL_CTX_load_verify_locations("'));
  const fileIn = (l: string): string => /SSL_CTX_load_verify_locations\("([^"]*)"\)/.exec(l)![1]!;

  test('without a configuration: silent (the same words serve ssl_client_certificate)', () => {
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(analyze(lines, untied).findings).toEqual([]);
  });
  test.each(lines.map((l) => [fileIn(l), l] as const))(
    'tied to %s: that line only, trusted-chain-incomplete, an error',
    async (file, line) => {
      const found = analyze(lines, await loadRules({ tie: { ssl_trusted_certificate: [file] } })).findings;
      expect(found.map((f) => [f.cause, f.severity, f.data.file, f.evidence.map((e) => e.text)])).toEqual([
        ['trusted-chain-incomplete', 'error', file, [line]],
      ]);
    },
  );
});
