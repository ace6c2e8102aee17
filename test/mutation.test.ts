/**
 * The mutation test (issue 10): every positive sample of every rule, damaged in every way people
 * damage log lines they paste (`helpers/variants.ts`), must still give the sample's cause (values may
 * be partial). Each variant goes through the path real input takes after the byte scanner: the
 * matcher behind the continuation-line joiner (`src/rules/join.ts`), so wrapped variants are joined
 * exactly as the CLI joins them. Tail cuts are made at every character after the part of the message
 * that decides the cause (the trigger; for a rule that takes its cause from a value, that value; for a
 * rule whose patterns give different causes, the pattern's own extent; after a wildcard, the text that
 * must follow it; a value the cause depends on), and each must keep the cause. Wrappers must keep the inner line's time and pid,
 * and a syslog/journald header's host must be taken. Every variant that is a fragment (no prefix of its own) is
 * also put behind a collector's syslog header (`fragmentBehindHeaders()`), where it must read as it does alone.
 *
 * A whole message (one the rule's own pattern takes) is also followed by a poster's prose on the same
 * line (`helpers/variants.ts`, `prosed()`), or quoted in prose in a code span or a tracker's or forum's inline markup
 * (`inCodeSpan()`, `inProseMarkup()`), and prose after a must-not-match sample must not make its rule match;
 * nor may dropping the quotes of a must-not-match sample (`quotesDropped()`).
 *
 * The number of variants is printed; the test fails on any variant that loses the cause.
 */
import { RegExpParser, type AST } from '@eslint-community/regexpp';
import { loadRules } from '../src/rules/load.js';
import { createMatcher, type RuleHit } from '../src/rules/match.js';
import type { MessageResult } from '../src/rules/join.js';
import { joinLines } from './helpers/join-lines.js';
import { parseLine } from '../src/parse/line.js';
import { looseTriggerPattern, normalizeText, plainText } from '../src/parse/normalize.js';
import type { CauseId, Rule, RuleSample, ValueName, Values } from '../src/types.js';
import {
  articlesDropped,
  cutInsideTrigger,
  fragmentBehindHeaders,
  headCuts,
  labelled,
  stripPrefix,
  inCodeSpan,
  inProseMarkup,
  prefixEnd,
  otherSystemErrno,
  prosed,
  quotedWithCuts,
  quotesDropped,
  variantsOf,
  quotedFromClause,
  tagsLost,
  CUSTOM_FIELD_KIND,
  type Variant,
} from './helpers/variants.js';
import { twinHead } from '../src/rules/cut.js';
import { findHeads } from '../src/rules/head-reading.js';
import { findTails, tailReading } from '../src/rules/tail-reading.js';

// Rules tied to the configuration (src/rules/tie.ts) as their own samples tie them: their samples are varied too.
const rules = await loadRules({ tie: 'samples' });
const matcher = createMatcher(rules, { now: new Date('2026-06-01T00:00:00') });
/** The heads of the rules' head readings (`src/rules/head-reading.ts`), by rule. */
const heads = new Map(findHeads(rules).map(([i, head]) => [rules[i]!, head]));
/** The clauses of the rules' tail readings (`src/rules/tail-reading.ts`), by rule. */
const tails = new Map(findTails(rules).map(([i, tail]) => [rules[i]!, tail]));

/** A poster's words after a message: zh "warning" after a blank and without one (CJK), ru "error" after a dash, ko "error". */
const OTHER_SCRIPT_WORDS = [' 警告', '的警告', ' — ошибка', ' 오류'];

/** Feed physical lines through the joiner as the analyzer does; every message's result. */
const results = (lines: readonly string[]): MessageResult[] => joinLines(matcher, lines, 'variant');

const parser = new RegExpParser({ ecmaVersion: 2022 });

/** The first character after each wildcard (`.*`, `[^\n]*`) of a pattern: the text a cut must still show. */
function wildcardWitnesses(source: string): string[] {
  const out: string[] = [];
  const walk = (alts: readonly AST.Alternative[]): void => {
    for (const a of alts) {
      a.elements.forEach((e, i) => {
        if (
          e.type === 'Quantifier' &&
          e.max > 1 &&
          (e.element.type === 'CharacterSet' || (e.element.type === 'CharacterClass' && e.element.negate))
        ) {
          const raw = e.element.raw;
          if (raw === '.' || raw === '[^\\n]') {
            let w = '';
            for (const x of a.elements.slice(i + 1)) {
              if (x.type !== 'Character' || w.length >= 1) break;
              w += String.fromCodePoint(x.value);
            }
            if (w) out.push(w);
          }
        }
        if (e.type === 'Group' || e.type === 'CapturingGroup') walk(e.alternatives);
      });
    }
  };
  walk(parser.parsePattern(source).alternatives);
  return out;
}

/**
 * Where the part of the line that decides the cause ends: tail cuts start there. It is the pattern's
 * head (up to the end of the trigger, see `twinHead()`), and further on: the value a `causeFrom` table
 * reads, the extent of the pattern when the rule's patterns give different causes, the text that must
 * follow a wildcard, and the whole certificate suffix when subject = issuer decides.
 */
function decidingEnd(rule: Rule, sample: RuleSample, hit: RuleHit, deciding: ReadonlySet<string>): number {
  const line = plainText(sample.line);
  const t = looseTriggerPattern(rule.trigger).exec(normalizeText(line).text);
  const trig = line.toLowerCase().indexOf(t ? t[0].toLowerCase() : rule.trigger.toLowerCase());
  let end = trig === -1 ? 0 : trig + Math.max(t ? t[0].length : 0, rule.trigger.length);
  const head = twinHead(hit.pattern.regex, rule.trigger)?.exec(line);
  if (head) end = Math.max(end, head.index + head[0].length);
  const from = end;
  const after = (s: string): number => {
    const i = line.indexOf(s, from);
    return i === -1 ? 0 : i + s.length;
  };
  for (const n of deciding) if (hit.values[n as ValueName]) end = Math.max(end, after(hit.values[n as ValueName]!));
  if (rule.patterns.some((p) => p.cause)) {
    const m = hit.pattern.re.exec(normalizeText(line).text);
    const at = m ? line.indexOf(m[0]) : -1;
    if (m && at !== -1) end = Math.max(end, at + m[0].length);
  }
  for (const w of wildcardWitnesses(hit.pattern.regex)) end = Math.max(end, after(w));
  if (hit.values.certSubject !== undefined && hit.cause === 'self-signed-certificate') end = line.length; // decided by the suffix
  // A rule whose fragments need more than the trigger (`fragmentNeeds`): cut only after what it needs.
  if (rule.fragmentNeedsRe) {
    const p = parseLine(sample.line);
    const lead = p.level ? `[${p.level}] ` : '';
    const m = rule.fragmentNeedsRe.exec(lead + p.message);
    if (m && m.index + m[0].length > lead.length) end = Math.max(end, line.toLowerCase().indexOf(m[0].toLowerCase(), from) + m[0].length);
  }
  return end;
}

interface Failure {
  rule: string;
  sample: number;
  kind: string;
  lines: string[];
  want: CauseId;
  got: CauseId[];
}

const failures: Failure[] = [];
let variants = 0;
/**
 * Wrapped variants in which no physical line holds a scan key of the rule's trigger: the wrap split
 * every key (`sta` + `pling_cb: fatal error`, `DNS` + `error (`). The byte scanner never decodes such
 * a message, by design (it reads only lines with a key); they are counted and printed, not checked.
 */
let unfindable = 0;
const byKind = new Map<string, number>();

for (const rule of rules) {
  rule.samples.match.forEach((sample, si) => {
    const want = sample.cause ?? rule.cause;
    const hit = matcher.matchAll(sample.line).find((h) => h.rule.id === rule.id);
    if (!hit) return; // the rule test reports it
    const ti = matcher.triggers.indexOf(rule.trigger);
    const check = (v: Variant, extra?: (r: MessageResult[]) => string | null, wanted: CauseId | null = want): void => {
      variants++;
      if (/wrapped|padded/.test(v.kind) && !v.lines.some((l) => matcher.candidateTriggers(l).includes(ti))) {
        unfindable++;
        return;
      }
      const kind = v.kind.replace(/ as .*$/, '').replace(/ at \d+$/, '');
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
      const r = results(v.lines);
      const got = r.flatMap((x) => (x.match ? [x.match.cause] : []));
      // (`wanted` null: the variant must read no cause.)
      const problem = (wanted === null ? got.length > 0 : !got.includes(wanted)) ? 'cause' : extra ? extra(r) : null;
      if (problem)
        failures.push({
          rule: rule.id,
          sample: si,
          kind: problem === 'cause' ? v.kind : `${v.kind}: ${problem}`,
          lines: v.lines,
          want: wanted ?? ('(none)' as CauseId),
          got,
        });
    };
    const own = parseLine(sample.line);
    // Values that decide the cause are facts of the failure, not a poster's secrets: never redacted.
    const deciding = new Set<string>(rule.causeFrom ? [rule.causeFrom.value].flat() : []);
    // A capture that starts with a lookaround is one whose content the pattern checks (a stapling file's name).
    for (const m of hit.pattern.regex.matchAll(/\(\?<(\w+)>\(\?<?[=!]/g)) deciding.add(m[1]!);
    if (want === 'self-signed-certificate') deciding.add('certSubject').add('certIssuer');
    if (rule.tiedTo) deciding.add(rule.tiedTo.value); // the configured file is what ties the line to stapling
    const redactable = Object.fromEntries(Object.entries(hit.values).filter(([k]) => !deciding.has(k))) as Values;
    for (const v of variantsOf(sample.line, redactable, rule.servers[0]!)) {
      // Behind a wrapper, the inner line's own time and pid survive; with a custom field in its prefix, its level and tid too.
      const field = v.kind.startsWith(CUSTOM_FIELD_KIND);
      const keep =
        v.kind.startsWith('behind ') || field
          ? (r: MessageResult[]): string | null => {
              const p = r.find((x) => x.match?.cause === want)?.parsed;
              if (own.time && p?.time !== own.time) return `time ${p?.time} instead of ${own.time}`;
              if (own.pid !== null && p?.pid !== own.pid) return `pid ${p?.pid} instead of ${own.pid}`;
              if (field && (p?.tid !== own.tid || p?.level !== own.level))
                return `tid/level ${p?.tid}/${p?.level} instead of ${own.tid}/${own.level}`;
              if (v.host !== undefined && p?.host !== v.host) return `host ${p?.host} instead of ${v.host}`;
              return null;
            }
          : undefined;
      check(v, keep);
      // A fragment of the line (no prefix of its own) behind a collector's syslog header reads as it does alone.
      // (Not a paste of several lines joined on one: the header's host is not carried past the first of them.)
      if (v.lines.length === 1 && !v.kind.includes('among other lines'))
        for (const w of fragmentBehindHeaders(v.lines[0]!, own.server ?? rule.servers[0]!))
          check({ ...w, kind: `${w.kind}: ${v.kind}` }, (r) => {
            const p = r.find((x) => x.match?.cause === want)?.parsed;
            return p?.host === w.host ? null : `host ${p?.host} instead of ${w.host}`;
          });
    }
    // Prose after the message: only after a whole one (a cut message followed by prose is not this class).
    if (!hit.tail) for (const v of prosed(sample.line)) check(v);
    // The same socket error as another system numbers and words it.
    for (const v of otherSystemErrno(sample.line)) check(v);
    // Quoted in a code span of prose: likewise only a whole message.
    if (!hit.tail) for (const v of inCodeSpan(sample.line)) check(v);
    // Quoted in a tracker's or a forum's inline markup inside prose (Jira `{{…}}`, XenForo `[icode]`, HTML `<code>`).
    if (!hit.tail) for (const v of inProseMarkup(sample.line)) check(v);
    // Quoted in prose with cut marks at both ends: only where what is kept still holds the rule's trigger.
    for (const v of quotedWithCuts(sample.line)) if (v.lines[0]!.includes(rule.trigger.replace(/^"/, ''))) check(v);
    // A tag of the trigger without its brackets, or gone (a retyped copy, a page rendered from HTML).
    for (const v of tagsLost(sample.line, rule.trigger)) check(v);
    // Retyped without an article after the trigger (a poster's copy from memory).
    const triggerAt = sample.line.indexOf(rule.trigger);
    if (!hit.tail && triggerAt >= 0) for (const v of articlesDropped(sample.line, triggerAt + rule.trigger.length)) check(v);
    // Cut inside the trigger after its head (a terminal's width): read by the rule's head reading as the line cut
    // right after the whole trigger is (the values that decide among the rule's causes, or that show a fragment
    // is this server's, come after it: then the rule's cause for a message without them, or none).
    const head = heads.get(rule);
    if (head !== undefined && triggerAt >= 0) {
      const bare =
        results([`${sample.line.slice(0, triggerAt + rule.trigger.trimEnd().length)}...`]).find((x) => x.match)?.match?.cause ?? null;
      for (const v of cutInsideTrigger(sample.line, head, rule.trigger, rule.servers[0]!)) check(v, undefined, bare);
    }
    // Quoted from the clause that says what went wrong, without the head that names the function or directive:
    // read by the rule's tail reading (unless the head held the value that decides among its causes).
    const tail = tails.get(rule);
    const decidedInHead =
      tail !== undefined && [rule.causeFrom?.value ?? []].flat().some((k) => tailReading(rule, tail).tailOf!.missing.includes(k));
    if (tail !== undefined && !decidedInHead) for (const v of quotedFromClause(sample.line, tail)) check(v);
    const from = decidingEnd(rule, sample, hit, deciding);
    for (let at = Math.max(from, 1); at < sample.line.length; at++) check({ kind: `tail cut at ${at}`, lines: [sample.line.slice(0, at)] });
    // Chopped at a screen's edge by `less -S` (journalctl's pager), which marks the last column with `>`.
    for (let at = Math.max(from, 1); at < sample.line.length; at++)
      check({ kind: `chopped by less -S, its > in the last column at ${at}`, lines: [`${sample.line.slice(0, at)}>`] });
    // Cut inside the server's prefix (the copy began there): the whole message is kept, so its cause is.
    for (const v of headCuts(sample.line)) check(v);
    // Cut short after a word, then the poster's words in another script (issue 10: a zh fix script's comment,
    // `# 解决 "ssl_stapling" ignored, no OCSP responder URL 警告`): each cut right after a word (a letter, digit,
    // closing quote or parenthesis before a blank), the forms in turn.
    let form = 0;
    for (let at = Math.max(from, 1); at < sample.line.length; at++)
      if (sample.line[at] === ' ' && /[\w")]/.test(sample.line[at - 1]!))
        check({
          kind: 'cut short after a word, words in another script after',
          lines: [sample.line.slice(0, at) + OTHER_SCRIPT_WORDS[form++ % 4]!],
        });
    // The line quoted in inline code, cut short inside it, prose after the code (issue 10: a zh blog's preface,
    // `` `nginx: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate` 的警告 ``).
    const prefix = prefixEnd(sample.line);
    if (prefix > 0 && from > prefix && from < sample.line.length)
      check({ kind: 'cut short inside inline code, prose after', lines: [`see \`${sample.line.slice(0, from)}\` in the log`] });
  });
}

const positives = rules.reduce((n, r) => n + r.samples.match.length, 0);
process.stdout.write(
  `mutation test: ${variants} variants of ${positives} positive samples (${[...byKind.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ')}); ${unfindable} wrapped or padded with every scan key split (not checked); ${failures.length} lost the cause\n`,
);

if (process.env.MUTATION_DUMP) (await import('node:fs')).writeFileSync(process.env.MUTATION_DUMP, JSON.stringify(failures, null, 1));

test('every variant of every positive sample keeps the sample’s cause', () => {
  expect(variants).toBeGreaterThan(10 * positives);
  const shown = failures
    .slice(0, 25)
    .map((f) => `${f.rule}#${f.sample} ${f.kind}: want ${f.want}, got [${f.got.join(', ')}]\n    ${f.lines.join('\n    ')}`);
  expect(shown).toEqual([]);
});

test('prose after a must-not-match sample, or around it in a code span, does not make its rule match', () => {
  const wrong = rules.flatMap((rule) =>
    rule.samples.nomatch.flatMap((s) =>
      // (The whole line in a code span: a span is read as a line of its own, its prefix too.)
      [...prosed(s.line), ...inCodeSpan(s.line).filter((v) => v.kind.includes('list item'))]
        .filter((v) => matcher.matchAll(v.lines[0]!).some((h) => h.rule.id === rule.id))
        .map((v) => `${rule.id} ${v.kind}: ${v.lines[0]}`),
    ),
  );
  expect(wrong).toEqual([]);
});

test('dropping the articles of a must-not-match sample does not make its rule match (the retyped twins read only words)', () => {
  const wrong = rules.flatMap((rule) =>
    rule.samples.nomatch.flatMap((s) =>
      articlesDropped(s.line, 0)
        .filter((v) => matcher.matchAll(v.lines[0]!).some((h) => h.rule.id === rule.id))
        .map((v) => `${rule.id}: ${v.lines[0]}`),
    ),
  );
  expect(wrong).toEqual([]);
});

test('dropping the quotes of a must-not-match sample does not make its rule match (the unquoted twins read only values)', () => {
  const wrong = rules.flatMap((rule) =>
    rule.samples.nomatch.flatMap((s) => {
      const line = quotesDropped(s.line);
      return line && matcher.matchAll(line).some((h) => h.rule.id === rule.id) ? [`${rule.id}: ${line}`] : [];
    }),
  );
  expect(wrong).toEqual([]);
});

test('a poster’s label before a must-not-match sample’s message, or its inline markup in prose, reads no cause the message alone does not', () => {
  const causesOf = (line: string): string[] => results([line]).flatMap((x) => (x.match ? [x.match.cause as string] : []));
  const wrong = rules.flatMap((rule) =>
    rule.samples.nomatch.flatMap((s) => {
      const alone = new Set(causesOf(stripPrefix(s.line)));
      return [...labelled(s.line), ...inProseMarkup(s.line)].flatMap((v) => {
        const added = causesOf(v.lines[0]!).filter((c) => !alone.has(c));
        return added.length > 0 ? [`${rule.id}: ${added.join(', ')}: ${v.lines[0]}`] : [];
      });
    }),
  );
  expect(wrong).toEqual([]);
});

/**
 * Must-not-match variants that still read a cause, with the reason: each a wrap that cuts through the
 * one thing that tells the line from a stapling failure. Keyed `rule#must-not-match sample | variant kind`.
 */
const NEGATIVE_VARIANTS_KNOWN: Record<string, string> = {
  'gnutls-responder-connect-failed#0 | hard-wrapped at 40':
    'the wrap cuts the level (`[ssl:d` + `ebug]`): the prefix that says debug is read as no prefix',
  'nginx-responder-url-unparsable#4 | hard-wrapped at 40': 'the wrap cuts the connection number (`*` + `2 no resolver …`)',
  'nginx-stapling-file-configured-unreadable#0 | hard-wrapped at 60':
    'the wrap cuts the file name that ties the line to the configuration (`/tmp/ti` + `ecap/dh/params`), and the reading with a blank there matches',
  'nginx-trusted-certificate-unreadable#0 | word-wrapped at 40':
    'the wrap cuts the file name that ties the line to ssl_client_certificate (`/tmp/tiec` + `ap/…`)',
  'nginx-trusted-certificate-unreadable#0 | hard-wrapped at 40': 'as word-wrapped at 40',
  'nginx-trusted-certificate-unreadable#0 | hard-wrapped at 80': 'as word-wrapped at 40',
};

test('no variant of a must-not-match sample reads a cause its own line does not (but for taking its prefix away)', () => {
  const causesOf = (lines: readonly string[]): CauseId[] => results(lines).flatMap((x) => (x.match ? [x.match.cause] : []));
  const rulesOf = (lines: readonly string[]): string[] => results(lines).flatMap((x) => (x.match ? [x.match.rule.id] : []));
  const wrong = new Map<string, string>();
  const compare = (key: string, v: Variant, own: ReadonlySet<string>, read: (lines: readonly string[]) => string[]): void => {
    const added = read(v.lines).filter((c) => !own.has(c));
    if (added.length) wrong.set(`${key} | ${v.kind}`, `${added.join(', ')}: ${v.lines.join(' ⏎ ')}`);
  };
  for (const rule of rules)
    rule.samples.nomatch.forEach((s, si) => {
      const own = new Set(causesOf([s.line]));
      // Without its prefix a client-verification line and the stapling message are one text (nginx's `*13 no
      // resolver defined to resolve …` and `no resolver defined to resolve …`): what told them apart is gone.
      for (const v of [...variantsOf(s.line, {}, rule.servers[0]!), ...headCuts(s.line)].filter((x) => !x.kind.includes('prefix stripped')))
        compare(`${rule.id}#${si}`, v, own, causesOf);
      // Cut inside a head reading's trigger the line holds, after the head: no rule its own line is not. (The
      // cause may differ: a cut that takes the value deciding among a rule's causes leaves the rule's cause for a
      // message without it, as the positive variants check.)
      const ownRules = new Set(rulesOf([s.line]));
      for (const [r, head] of heads)
        for (const v of cutInsideTrigger(s.line, head, r.trigger, r.servers[0]!)) compare(`${rule.id}#${si}`, v, ownRules, rulesOf);
      // Quoted from a clause a tail reading reads: no rule its own line is not.
      for (const tail of tails.values()) for (const v of quotedFromClause(s.line, tail)) compare(`${rule.id}#${si}`, v, ownRules, rulesOf);
    });
  expect([...wrong].filter(([k]) => !(k in NEGATIVE_VARIANTS_KNOWN))).toEqual([]);
  // A known one that no longer reads a cause leaves the list.
  expect(Object.keys(NEGATIVE_VARIANTS_KNOWN).filter((k) => !wrong.has(k))).toEqual([]);
});
