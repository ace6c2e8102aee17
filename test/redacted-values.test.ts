/**
 * Which values a finding says a poster redacted (`cut.redacted`, worded "the certificate was redacted
 * (kept as written)", `looksRedacted()` in `src/parse/normalize.ts`). Generated from every rule sample
 * that names a certificate or file path, or another value posters hide: each redaction form in its place
 * is said to be one; a path whose folder or file is called by a generic word, as administrators name them
 * (`/etc/ssl/server.crt`, `/etc/nginx/ssl/site.pem`), is not; the same word made a placeholder
 * (`your-domain`, `example.com`) is. No line here is written by hand.
 */
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import type { Rule, ValueName } from '../src/types.js';
import { prefixEnd, REDACTABLE, REDACTIONS } from './helpers/variants.js';

const rules = await loadRules();
const matcher = createMatcher(rules);
const at = { file: '-', line: 1 };

interface Case {
  rule: Rule;
  line: string;
  name: ValueName;
  value: string;
}

/** Per rule sample, each redactable value the matcher reads from it (first occurrence after the prefix). */
const cases: Case[] = rules.flatMap((rule) =>
  rule.samples.match.flatMap((s) => {
    const m = matcher.match(s.line, at).match;
    if (m?.rule.id !== rule.id || m.cut?.redacted) return [];
    return REDACTABLE.flatMap((name) => {
      const value = m.values[name];
      return value && value.length >= 3 && s.line.indexOf(value, prefixEnd(s.line)) !== -1 ? [{ rule, line: s.line, name, value }] : [];
    });
  }),
);

/** The rule and the redacted value names the matcher gives the line with `value` replaced by `by`. */
function withValue(c: Case, by: string): { rule: string | null; value: string | undefined; redacted: ValueName[] } {
  const i = c.line.indexOf(c.value, prefixEnd(c.line));
  const m = matcher.match(c.line.slice(0, i) + by + c.line.slice(i + c.value.length), at).match;
  return { rule: m?.rule.id ?? null, value: m?.values[c.name], redacted: m?.cut?.redacted ?? [] };
}

/** A path's parts: the folders, and the file's name without its extension. */
const PATH = /^(.*\/)([^/]+?)(\.[a-z]{2,4})?$/;
const paths = cases.filter((c) => (c.name === 'certificate' || c.name === 'file') && PATH.test(c.value) && c.value.startsWith('/'));

/** Generic words administrators name files and folders by. */
const GENERIC = ['server', 'site', 'host', 'domain', 'example', 'Server'];
/** The same words made placeholders in a guide or by a poster. */
const PLACEHOLDERS = ['your-domain', 'yourdomain.com', 'example.com', 'domain.tld', 'my_site', 'server_name', '<domain>', 'xxxxx.com'];

test('the samples give cases for paths and for other values', () => {
  expect(paths.length).toBeGreaterThanOrEqual(20);
  expect(new Set(cases.map((c) => c.name)).size).toBeGreaterThanOrEqual(5);
});

describe.each(cases.map((c) => [`${c.rule.id}: ${c.name} ${c.value}`, c] as const))('%s', (_name, c) => {
  test('each redaction form in its place is said to be redacted', () => {
    for (const r of REDACTIONS) {
      const got = withValue(c, r);
      // (A rule whose pattern does not take the form reads another value or none: nothing to say of it.)
      if (got.rule !== c.rule.id || got.value !== r) continue;
      expect([r, got.redacted.includes(c.name)]).toEqual([r, true]);
    }
  });
});

describe.each(paths.map((c) => [`${c.rule.id}: ${c.name} ${c.value}`, c] as const))('%s', (_name, c) => {
  const [, dir, base, ext] = PATH.exec(c.value)!;
  test('a file or folder called by a generic word is a real name, not a redaction', () => {
    for (const w of GENERIC) {
      for (const p of [`${dir}${w}${ext ?? ''}`, `${dir}${w}/${base}${ext ?? ''}`]) {
        const got = withValue(c, p);
        expect([p, got.rule, got.redacted]).toEqual([p, c.rule.id, []]);
      }
    }
  });

  test('the word made a placeholder is a redaction, as a folder or as the file', () => {
    for (const w of PLACEHOLDERS) {
      for (const p of [`${dir}${w}/${base}${ext ?? ''}`, `${dir}${w}${ext ?? ''}`]) {
        const got = withValue(c, p);
        if (got.rule !== c.rule.id || got.value !== p) continue;
        expect([p, got.redacted]).toEqual([p, [c.name]]);
      }
    }
  });
});

test('a generic word alone is a redaction when it is the whole value', () => {
  const hosts = cases.filter((c) => c.name === 'responder' || c.name === 'vhost' || c.name === 'host');
  expect(hosts.length).toBeGreaterThan(0);
  let said = 0;
  for (const c of hosts) {
    for (const w of GENERIC) {
      const got = withValue(c, w);
      if (got.rule !== c.rule.id || got.value !== w) continue;
      said++;
      expect([w, got.redacted.includes(c.name)]).toEqual([w, true]);
    }
  }
  expect(said).toBeGreaterThan(0);
});
