/**
 * Apache messages read by their code (`src/rules/code-reading.ts`): a copy that keeps mod_ssl's code and
 * drops the function's name in front of the message (`AH02218: no OCSP URI in certificate`), whole or
 * shortened, is read as the rule's message; the code decides, so another code, no code, or fewer words
 * than the reading's head are not. Generated from every positive sample of every rule with a reading
 * (its code, then the function's name): no line here is written by hand.
 */
import { loadRules } from '../src/rules/load.js';
import { codeReadings, MIN_HEAD } from '../src/rules/code-reading.js';
import { createMatcher } from '../src/rules/match.js';
import { splitApacheCertSuffix } from '../src/parse/apache-cert.js';
import type { Rule } from '../src/types.js';

const rules = await loadRules();
const matcher = createMatcher(rules);
const readings = codeReadings(rules);
const at = { file: '-', line: 1 };

/** The rule id the matcher gives a line, or null. */
const ruleOf = (text: string): string | null => matcher.match(text, at).match?.rule.id ?? null;
/** The rule id of the line's match when a reading other than a tail reading made it. */
const codeReadingOf = (text: string): string | null => {
  const m = matcher.match(text, at).match;
  return m && m.rule.tailOf === undefined ? m.rule.id : null;
};

interface Case {
  rule: Rule;
  code: string;
  /** The message after the code without the function's name (nor Apache's certificate suffix). */
  message: string;
  head: string;
}

/** Per reading, the samples that carry its code and function's name, cut down to code + message. */
const cases: Case[] = readings.flatMap((reading) => {
  const codes = reading.when!.code as string[];
  return reading.samples.match.flatMap((s) => {
    const m = /\b(AH\d{5}): [a-z][a-z0-9]*(?:_[a-z0-9]+)+: (.*)$/.exec(s.line);
    if (!m || !codes.includes(m[1]!)) return [];
    const message = splitApacheCertSuffix(m[2]!).message.trimEnd();
    if (!reading.compiled[0]!.re.test(message)) return []; // another pattern's sample
    return [{ rule: reading, code: m[1]!, message, head: reading.trigger }];
  });
});

/** The word boundaries of a message: where a copy may shorten it. */
const cuts = (message: string): number[] => [...message.matchAll(/ /g)].map((m) => m.index);

test('the readings are of Apache rules that name a cause, and every reading has generated cases', () => {
  expect(readings.every((r) => r.servers.includes('apache') && r.role === 'cause' && r.trigger.length >= MIN_HEAD)).toBe(true);
  expect(readings.filter((r) => !cases.some((c) => c.rule === r)).map((r) => r.patterns[0]!.name)).toEqual([]);
  expect(new Set(cases.map((c) => c.rule.id)).size).toBeGreaterThanOrEqual(10);
});

describe.each(cases.map((c) => [`${c.rule.id}: ${c.code}: ${c.message}`, c] as const))('%s', (_name, c) => {
  test('the code with the whole message, bare, in a log prefix, in inline code, capitalised', () => {
    const lines = [
      `${c.code}: ${c.message}`,
      `[ssl:error] ${c.code}: ${c.message}`,
      `[Sat Jun 01 18:02:11.467856 2019] [ssl:error] [pid 4676:tid 664] ${c.code}: ${c.message}`,
      `The log says \`${c.code}: ${c.message}\` after a restart`,
      `\`${c.code}: ${c.message}\``,
      `| \`${c.code}: ${c.message}\` | what it means |`,
      `${c.code}: ${c.message[0]!.toUpperCase()}${c.message.slice(1)}`,
    ];
    expect(lines.map(ruleOf)).toEqual(lines.map(() => c.rule.id));
  });

  test("after the status and client the parser takes from an unparsed line (APR's and Windows' statuses, client or remote, IPv6)", () => {
    const leads = [
      '(111)Connection refused: [client 203.0.113.9:51234] ',
      '(70007)The timeout specified has expired: [remote 203.0.113.9:443] ',
      '(os 0x80090326)An unknown error occurred: [remote [2001:db8::9]:443] ',
      '(EAI 2)Name or service not known: ',
    ];
    const lines = leads.map((lead) => `\`${lead}${c.code}: ${c.message}\``);
    expect(lines.map((line) => [line, ruleOf(line)])).toEqual(lines.map((line) => [line, c.rule.id]));
  });

  test('shortened at every word after the head: read, with the cut said', () => {
    const points = cuts(c.message).filter((p) => p >= c.head.length);
    for (const p of points) {
      const line = `${c.code}: ${c.message.slice(0, p)}`;
      const r = matcher.match(line, at).match;
      expect([line, r?.rule.id]).toEqual([line, c.rule.id]);
      expect([line, r?.cut?.tail]).toEqual([line, expect.anything()]);
    }
  });

  test('not read: without the code, with another code, or shorter than the head', () => {
    const other = c.code === 'AH00001' ? 'AH00002' : 'AH00001';
    const lines = [c.message, `${other}: ${c.message}`, ...cuts(c.head).map((p) => `${c.code}: ${c.head.slice(0, p)}`)];
    // (A message whose clause stands for it alone is read without its code by the rule's tail reading,
    // src/rules/tail-reading.ts: not this reading.)
    for (const line of lines) expect([line, codeReadingOf(line)]).not.toEqual([line, c.rule.id]);
  });
});
