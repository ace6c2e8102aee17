/**
 * Catalogue coverage: every stapling message of the reference catalogue (sections 2 and 3, debug and
 * configuration-time ones included, plus mod_md and OpenResty Lua) is covered by a rule whose positive
 * samples include it; every look-alike is a rule sample and never becomes a finding; every exclusion
 * is documented; every OpenSSL rendering, OCSP reason and X.509 verify string of catalogue §4 appears in
 * a positive sample and is mapped to its cause. The list is test/catalogue/messages.json (its header
 * says how it was derived). When the catalogue itself is beside the repository
 * (../shared/reference/stapling-messages.md), every AH code of its section 2 must be in the list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMatcher } from '../src/rules/match.js';
import { analyze } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';
import type { CauseId, Rule } from '../src/types.js';

interface CatalogueMessage {
  section: string;
  server: string;
  code: string | null;
  format: string;
  level: string;
  versions: string;
  kind: 'stapling' | 'lookalike' | 'excluded';
  line?: string;
  reason?: string;
  note?: string;
}
interface CatalogueData {
  messages: CatalogueMessage[];
  openssl: {
    renderings: { name: string; regex: string }[];
    ocspReasons: { reason: string; cause: CauseId; appears: boolean; note?: string }[];
    verifyStrings: { text: string; cause: CauseId }[];
  };
}

const here = path.dirname(fileURLToPath(import.meta.url));
const data = JSON.parse(fs.readFileSync(path.join(here, 'catalogue', 'messages.json'), 'utf8')) as CatalogueData;
const rules = await loadRules();
const matcher = createMatcher(rules);
const captured = (file: string): string[] => fs.readFileSync(path.join(here, 'catalogue', 'captured', file), 'utf8').split('\n');

const positives = new Map<string, Rule[]>();
const anySample = new Set<string>();
for (const r of rules) {
  for (const s of r.samples.match) positives.set(s.line, [...(positives.get(s.line) ?? []), r]);
  for (const s of [...r.samples.match, ...r.samples.nomatch]) anySample.add(s.line);
}

/** A printf-style format of the catalogue as a regular expression (conversions match anything). */
function formatRegex(format: string): RegExp {
  const escaped = format.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(escaped.replace(/%(?:\\\*s|0?\d*X?i|ui|uz|ld|xV|u|d|i|s|V|T|p|z)/g, '.*?'));
}

const stapling = data.messages.filter((m) => m.kind === 'stapling');
const lookalikes = data.messages.filter((m) => m.kind === 'lookalike');
const excluded = data.messages.filter((m) => m.kind === 'excluded');
const covered = stapling.filter((m) => m.line !== undefined && positives.has(m.line));
process.stdout.write(
  `catalogue coverage: ${covered.length}/${stapling.length} stapling messages covered by rules; ` +
    `${lookalikes.length} look-alikes never reported; ${excluded.length} documented exclusions (flow traces); ` +
    `OpenSSL: ${data.openssl.renderings.length} renderings, ${data.openssl.ocspReasons.length} OCSP reasons, ${data.openssl.verifyStrings.length} verify strings\n`,
);

test('the list is not empty (a broken file cannot pass silently)', () => {
  expect(stapling.length).toBeGreaterThan(100);
  expect(lookalikes.length).toBeGreaterThan(20);
});

describe.each(stapling.map((m) => [`§${m.section} ${m.server} ${m.code ?? ''} ${m.format}`, m] as const))(
  'stapling message %s',
  (_name, m) => {
    test('has a representative line that is a positive sample of a rule', () => {
      expect(m.line).toBeDefined();
      expect(positives.get(m.line!)?.map((r) => r.id) ?? []).not.toEqual([]);
    });
    test('the line has the catalogue wording (and AH code)', () => {
      expect(m.line!).toMatch(formatRegex(m.format));
      if (m.code) expect(m.line!).toContain(`${m.code}: `);
    });
    test('the rule holding it wins the line and is not a look-alike', () => {
      const top = matcher.matchAll(m.line!)[0];
      expect(top).toBeDefined();
      expect(positives.get(m.line!)!.map((r) => r.id)).toContain(top!.rule.id);
      expect(top!.rule.role).not.toBe('lookalike');
    });
  },
);

describe.each(lookalikes.map((m) => [`§${m.section} ${m.server} ${m.code ?? ''} ${m.format}`, m] as const))('look-alike %s', (_name, m) => {
  test('is a rule sample with the catalogue wording', () => {
    expect(anySample.has(m.line!)).toBe(true);
    expect(m.line!).toMatch(formatRegex(m.format));
  });
  test('never becomes a finding', () => {
    expect(analyze([m.line!], rules).findings).toEqual([]);
  });
});

describe('documented exclusions', () => {
  test.each(excluded.map((m) => [`§${m.section} ${m.code ?? ''} ${m.format}`, m] as const))(
    '%s has a reason and reports nothing',
    (_n, m) => {
      expect(m.reason && m.reason.length > 10).toBe(true);
      if (m.line) expect(analyze([m.line], rules).findings).toEqual([]);
    },
  );
});

describe('the catalogue itself', () => {
  const file = path.resolve(here, '..', '..', 'shared', 'reference', 'stapling-messages.md');
  const present = fs.existsSync(file);
  (present ? test : test.skip)('every AH code of catalogue section 2 is in the list', () => {
    const text = fs.readFileSync(file, 'utf8');
    const sec2 = text.slice(text.indexOf('## 2. '), text.indexOf('## 3. '));
    const codes = new Set(sec2.match(/AH\d{5}/g) ?? []);
    const listed = new Set(data.messages.map((m) => m.code).filter((c): c is string => c !== null));
    expect([...codes].filter((c) => !listed.has(c))).toEqual([]);
  });
});

describe('OpenSSL strings (catalogue §4)', () => {
  const samples = rules.flatMap((r) => r.samples.match.map((s) => s.line));
  test.each(data.openssl.renderings.map((r) => [r.name, r] as const))('rendering "%s" appears in a positive sample', (_n, r) => {
    const re = new RegExp(r.regex);
    expect(samples.some((l) => re.test(l))).toBe(true);
  });
  test.each(data.openssl.ocspReasons.map((r) => [r.reason, r] as const))('OCSP reason "%s" is covered and mapped', (_n, r) => {
    const hits = samples.filter((l) => l.includes(`:${r.reason}`) && /error:[0-9A-F]{8}:/.test(l));
    if (!r.appears) {
      expect(r.note).toBeDefined(); // why it cannot appear in a stapling log
      return;
    }
    expect(hits.length).toBeGreaterThan(0);
    if (r.reason === 'certificate verify error') return; // its cause comes from the Verify error string
    const causes = hits.map((l) => matcher.matchAll(l)[0]!.cause);
    expect(causes).toContain(r.cause);
  });
  test.each(data.openssl.verifyStrings.map((v) => [v.text, v] as const))('verify string "%s" is covered and mapped', (_n, v) => {
    const re = new RegExp(`Verify error: ?${v.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`);
    const hits = samples.filter((l) => re.test(l));
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.map((l) => matcher.matchAll(l)[0]!.cause)).toContain(v.cause);
  });
});

describe('multi-line sequences (catalogue §2.8), from captured logs', () => {
  const apache = captured('apache-2.4.68-openssl-3.0.19.log');
  const nginx = captured('nginx-1.22.1-openssl-3.0.19.log');
  /** The lines of one thread (`pid N:tid M`) that contain any of the given texts, in log order. */
  const thread = (lines: string[], tid: string, ...texts: string[]): string[] =>
    lines.filter((l) => l.includes(`:tid ${tid}]`) && texts.some((t) => l.includes(t)));

  test('AH02217 + AH02604 of one start are one finding', () => {
    const seq = apache
      .filter((l) => l.includes('noroot.stapling-lab.test') && l.includes('AH02217'))
      .slice(0, 1)
      .concat(apache.filter((l) => l.includes('AH02604: Unable to configure certificate noissuer')).slice(0, 1));
    const r = analyze(seq, rules);
    expect(r.findings.map((f) => [f.cause, f.count, f.evidence.length])).toEqual([['issuer-certificate-missing', 1, 2]]);
  });
  test('AH01974 + AH01941 is one responder-unreachable finding', () => {
    const seq = thread(apache, '10992', 'AH01974', 'AH01941');
    expect(seq).toHaveLength(2);
    expect(analyze(seq, rules).findings.map((f) => f.cause)).toEqual(['responder-unreachable']);
  });
  test('AH01977 (70007) + AH01980 (none) + AH01941 is one responder-timeout finding', () => {
    const seq = thread(apache, '10934', 'AH01977', 'AH01980', 'AH01941');
    expect(seq).toHaveLength(3);
    const f = analyze(seq, rules).findings;
    expect(f.map((x) => [x.cause, x.evidence.length])).toEqual([['responder-timeout', 3]]);
  });
  test('AH01988 + SSL Library Error + AH01941 is one responder-bad-response finding', () => {
    const seq = thread(apache, '10979', 'AH01988', 'SSL Library Error', 'AH01941');
    expect(seq).toHaveLength(3);
    expect(analyze(seq, rules).findings.map((x) => [x.cause, x.evidence.length])).toEqual([['responder-bad-response', 3]]);
  });
  test('AH01940 + AH01955 is one error: the handshake is aborted', () => {
    const seq = thread(apache, '10935', 'AH01940', 'AH01955');
    expect(seq).toHaveLength(2);
    expect(analyze(seq, rules).findings.map((x) => [x.cause, x.severity])).toEqual([['responder-url-invalid', 'error']]);
  });
  test('AH01936 + AH01943 is one response-not-current finding', () => {
    const seq = thread(apache, '10988', 'AH01936', 'AH01943');
    expect(seq).toHaveLength(2);
    expect(analyze(seq, rules).findings.map((x) => [x.cause, x.evidence.length])).toEqual([['response-not-current', 2]]);
  });
  test('AH02969 revoked is an error', () => {
    const f = analyze(
      apache.filter((l) => l.includes('AH02969') && l.includes('revoked')),
      rules,
    ).findings;
    expect(f.map((x) => [x.cause, x.severity])).toEqual([['certificate-revoked', 'error']]);
  });
  test('client-certificate OCSP: a transport failure followed by AH02276 is not reported', () => {
    for (const tid of ['12663', '12664']) {
      const seq = thread(apache, tid, 'AH01974', 'AH01988', 'SSL Library Error', 'AH02276');
      expect(seq.length).toBeGreaterThanOrEqual(2);
      expect(analyze(seq, rules).findings).toEqual([]);
    }
  });
  test('nginx recv() failed + prematurely closed connection is one finding', () => {
    const seq = nginx.filter((l) => l.includes('full-refused.pem'));
    expect(seq).toHaveLength(2);
    expect(analyze(seq, rules).findings.map((x) => [x.cause, x.evidence.length])).toEqual([['responder-unreachable', 2]]);
  });
});
