/**
 * Several messages pasted one per line without their server prefixes (issue 10, classes 1 and 3): a
 * poster copies the messages out of a log, and the first may look unfinished (its tail cut, a stray
 * quote, a poster's `...`). The continuation-line joiner must not take the next message for the rest
 * of the first one when the next one opens with its own identifying phrase.
 *
 * Generated from the rules' positive samples: every sample B whose message (prefix stripped) starts
 * with its rule's trigger is pasted after five other samples A of the same server, each A as a whole
 * message and cut right after its trigger with a stray closing quote or a poster's `...`. B must keep
 * its cause and its values; A must keep whatever cause it gives when pasted alone.
 */
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import type { MessageResult } from '../src/rules/join.js';
import { joinLines } from './helpers/join-lines.js';
import { looseTriggerPattern, normalizeText, plainText } from '../src/parse/normalize.js';
import type { CauseId, Rule } from '../src/types.js';
import { stripPrefix } from './helpers/variants.js';

const rules = await loadRules({ tie: 'samples' });
const matcher = createMatcher(rules, { now: new Date('2026-06-01T00:00:00') });

const results = (lines: readonly string[]): MessageResult[] => joinLines(matcher, lines, 'pasted');

const causesOf = (r: readonly MessageResult[]): CauseId[] => r.flatMap((x) => (x.match ? [x.match.cause] : []));

interface Sample {
  rule: Rule;
  message: string;
  cause: CauseId;
  /** Where the rule's trigger ends in the message (loosely found), -1 when it is not there. */
  triggerEnd: number;
  opens: boolean;
}

const samples: Sample[] = rules.flatMap((rule) =>
  rule.samples.match.map((s) => {
    const message = stripPrefix(s.line);
    const m = looseTriggerPattern(rule.trigger).exec(normalizeText(plainText(message)).text);
    return {
      rule,
      message,
      cause: s.cause ?? rule.cause,
      triggerEnd: m && normalizeText(plainText(message)).text === message ? m.index + m[0].length : -1,
      opens: m?.index === 0,
    };
  }),
);

/** The first message as pasted: whole, or cut right after its trigger in the ways posters leave it. */
function firsts(a: Sample): { kind: string; text: string }[] {
  const out = [{ kind: 'whole', text: a.message }];
  if (a.triggerEnd > 0 && a.triggerEnd < a.message.length) {
    const cut = a.message.slice(0, a.triggerEnd);
    // Not the bare cut: a message cut after `could not connect to` or `server: ` leads into the next line
    // as much as a wrap does (the joiner joins it: see the mutation test's wrapped variants).
    out.push({ kind: 'cut + stray quote', text: `${cut}"` }, { kind: 'cut + ...', text: `${cut} ...` });
  }
  return out;
}

const failures: string[] = [];
let pairs = 0;
samples.forEach((b, bi) => {
  if (!b.opens || b.message === '') return;
  const alone = results([b.message]).find((r) => r.match?.cause === b.cause)?.match;
  if (!alone) return; // the mutation test covers the sample alone
  const sameServer = samples.filter((a) => a !== b && a.rule.servers.some((s) => b.rule.servers.includes(s)));
  for (let k = 1; k <= 5 && sameServer.length > 0; k++) {
    const a = sameServer[(bi * 7 + k * 13) % sameServer.length]!;
    for (const first of firsts(a)) {
      pairs++;
      const wantA = causesOf(results([first.text]));
      const got = results([first.text, b.message]);
      // B is the last message (A, pasted first, may be of the same rule).
      const last = got[got.length - 1]?.match;
      const bMatch = last?.cause === b.cause && last.rule.id === alone.rule.id ? last : undefined;
      const missingA = wantA.filter((c) => !causesOf(got).includes(c));
      if (!bMatch || JSON.stringify(bMatch.values) !== JSON.stringify(alone.values) || missingA.length > 0)
        failures.push(
          `${a.rule.id} (${first.kind}) then ${b.rule.id}: want ${[...wantA, b.cause].join(', ')}, got ${causesOf(got).join(', ')} ${JSON.stringify(bMatch?.values)}\n    ${first.text}\n    ${b.message}`,
        );
    }
  }
});

process.stdout.write(`pasted messages: ${pairs} pairs of prefixless messages; ${failures.length} lost a cause or a value\n`);

test('a message that opens with its own phrase is never taken for the rest of the one pasted before it', () => {
  expect(pairs).toBeGreaterThan(500);
  expect(failures.slice(0, 20)).toEqual([]);
});
