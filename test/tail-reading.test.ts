/**
 * Messages quoted from one of their clauses on (`src/rules/tail-reading.ts`): which rules get a tail
 * reading is derived from the rule set, so these tests check the derivation's invariants on the built-in
 * rules and on rule sets changed to break each condition, that a whole line stays its rule's own, and what
 * a finding from such a quote says. The variants of every sample quoted from its clause on are in
 * test/mutation.test.ts (`quotedFromClause`).
 */
import { analyze, renderReport } from '../src/index.js';
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import { findTails, MIN_TAIL, MIN_TAIL_WORDS, tailReading } from '../src/rules/tail-reading.js';
import type { Rule } from '../src/types.js';

const rules = await loadRules();
const matcher = createMatcher(rules);
const tails = findTails(rules);
const at = { file: '-', line: 1 };

/** The rule with this id. */
const rule = (id: string): Rule => rules.find((r) => r.id === id)!;
/** The clause of the rule's tail reading in a rule set, or null. */
const tailIn = (set: readonly Rule[], id: string): string | null => findTails(set).find(([i]) => set[i]!.id === id)?.[1] ?? null;
/** The rule set with one rule changed. */
const changed = (id: string, change: (r: Rule) => Rule): Rule[] => rules.map((r) => (r.id === id ? change(r) : r));
/** A rule whose patterns are these sources. */
const withPatterns = (r: Rule, sources: string[]): Rule => ({
  ...r,
  patterns: sources.map((regex, i) => ({ name: `p${i}`, regex })),
  compiled: sources.map((regex, i) => ({ name: `p${i}`, regex, re: new RegExp(regex) })),
});

describe('the clauses the built-in rules are read from', () => {
  test('each follows a clause mark in its rule’s pattern, has enough words, names OCSP, stapling or the responder', () => {
    expect(tails.length).toBeGreaterThan(0);
    for (const [i, tail] of tails) {
      const r = rules[i]!;
      expect([r.id, r.role === 'cause' || r.role === 'transport']).toEqual([r.id, true]);
      expect([r.id, r.compiled.some((p) => /[,:;] $/.test(p.regex.slice(0, p.regex.indexOf(tail))))]).toEqual([r.id, true]);
      expect(tail.length).toBeGreaterThanOrEqual(MIN_TAIL);
      expect(tail.split(/\s+/).length).toBeGreaterThanOrEqual(MIN_TAIL_WORDS);
      expect(tail).toMatch(/ocsp|stapl|responder/i);
    }
  });

  test('no other rule’s trigger or sample holds one, nor a must-not-match sample of its own (but those with the whole trigger: the rule’s own)', () => {
    for (const [i, tail] of tails) {
      const low = tail.toLowerCase();
      const own = rules[i]!;
      const whole = own.trigger.trim().toLowerCase();
      for (const r of rules) {
        const texts = [...(r === own ? [] : [r.trigger, ...r.samples.match.map((s) => s.line)]), ...r.samples.nomatch.map((s) => s.line)];
        const holding = texts.filter((t) => t.toLowerCase().includes(low) && !t.toLowerCase().includes(whole));
        expect([own.id, r.id, holding]).toEqual([own.id, r.id, []]);
      }
    }
  });

  test('both messages of a certificate without an OCSP URL have one (the phrase posters quote since Let’s Encrypt left OCSP, 2025)', () => {
    expect(tailIn(rules, 'nginx-ocsp-url-missing')).toBe('no OCSP responder URL in the certificate');
    expect(tailIn(rules, 'apache-ocsp-url-missing')).toBe('no OCSP URI in certificate and no SSLStaplingForceURL set');
  });
});

describe('a rule gets no tail reading when', () => {
  const id = 'nginx-ocsp-url-missing';
  const head = '"ssl_stapling" ignored, ';

  test('(the unchanged rule has one)', () => {
    expect(
      tailIn(
        changed(id, (r) => withPatterns(r, [`${head}no OCSP responder URL in the certificate$`])),
        id,
      ),
    ).not.toBeNull();
  });

  test('the clause is short', () => {
    expect(
      tailIn(
        changed(id, (r) => withPatterns(r, [`${head}no OCSP responder URL$`])),
        id,
      ),
    ).toBeNull();
  });

  test('the clause names neither OCSP, stapling nor the responder', () => {
    const set = changed(id, (r) => ({
      ...withPatterns(r, [`"ssl_stapling" ignored, the certificate has no URL for it at all$`]),
      trigger: '"ssl_stapling" ignored, the certificate',
    }));
    expect(tailIn(set, id)).toBeNull();
  });

  test('the clause begins inside a group, or the pattern has alternatives of its own', () => {
    expect(
      tailIn(
        changed(id, (r) => withPatterns(r, [`${head}(?:no OCSP responder URL in the certificate)$`])),
        id,
      ),
    ).toBeNull();
    expect(
      tailIn(
        changed(id, (r) => withPatterns(r, [`${head}no OCSP responder URL in the certificate$|^x$`])),
        id,
      ),
    ).toBeNull();
  });

  test('another rule’s sample holds the clause', () => {
    const other = rule('nginx-issuer-not-found');
    const line = '2026/11/23 02:01:14 [warn] 1#1: client said: no OCSP responder URL in the certificate';
    const set = rules.map((r) =>
      r === other ? { ...r, samples: { ...r.samples, nomatch: [...r.samples.nomatch, { line, from: 'test' }] } } : r,
    );
    expect(tailIn(set, id)).toBeNull();
  });

  test('it names no cause (a detail or a follower alone is evidence of nothing)', () => {
    expect(
      tailIn(
        changed(id, (r) => ({ ...r, role: 'detail' })),
        id,
      ),
    ).toBeNull();
  });
});

describe('reading', () => {
  test('a whole line is the rule’s own, never its tail reading’s', () => {
    for (const [i] of tails)
      for (const s of rules[i]!.samples.match) {
        const m = matcher.match(s.line, at).match;
        expect([s.line, m?.rule.id, m?.rule.tailOf, m?.cut?.head]).toEqual([s.line, rules[i]!.id, undefined, undefined]);
      }
  });

  test('the reading’s patterns are the rule’s from the clause on; the values its head held are missing', () => {
    const r = rule('nginx-ocsp-url-missing');
    const reading = tailReading(r, 'no OCSP responder URL in the certificate');
    expect(reading.compiled.map((p) => p.regex)).toEqual(r.compiled.map((p) => p.regex.slice(p.regex.indexOf('no OCSP'))));
    expect(reading.tailOf).toEqual({ trigger: r.trigger, missing: [] });
    const lua = rule('lua-ingress-ocsp-fetch-failed');
    const tail = tailIn(rules, lua.id);
    expect(tail).not.toBeNull();
    expect(() => tailReading(lua, 'not a clause of it at all')).toThrow(/no pattern writes/);
  });

  test('a quote in prose gives the cause, the values it holds, and a note that its beginning was not there', () => {
    const line = 'The log says "no OCSP responder URL in the certificate "/etc/letsencrypt/live/web1/fullchain.pem"" after every reload.';
    const data = analyze([line], rules, { now: new Date('2026-06-01T00:00:00Z') });
    expect(data.findings.map((f) => [f.cause, f.ruleIds])).toEqual([['ocsp-url-missing', ['nginx-ocsp-url-missing']]]);
    expect(data.findings[0]!.evidence[0]!.values).toEqual({ certificate: '/etc/letsencrypt/live/web1/fullchain.pem' });
    expect(data.findings[0]!.evidence[0]!.cut?.head).toEqual({ missing: [] });
    expect(renderReport(data).findings[0]!.message).toContain('the message was quoted without its beginning');
  });

  test('the client-certificate look-alike (nginx’s ssl_ocsp, "in certificate" without "the") stays silent', () => {
    const line = 'no OCSP responder URL in certificate while SSL handshaking, client: 127.0.0.1, server: 127.0.0.1:27635';
    expect(matcher.match(line, at).match).toBeNull();
  });
});
