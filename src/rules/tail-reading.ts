/**
 * Readings of a message quoted from one of its clauses on (issue 6, fragments): a server's message often
 * begins with a head that says where it comes from, the function or the directive, and then says what went
 * wrong in a clause of its own. nginx writes `"ssl_stapling" ignored, no OCSP responder URL in the
 * certificate "…"` (src/event/ngx_event_openssl_stapling.c, `ngx_ssl_stapling_responder()`), mod_ssl
 * `ssl_stapling_init_cert: no OCSP URI in certificate and no SSLStaplingForceURL set`
 * (modules/ssl/ssl_util_stapling.c, AH02218), ingress-nginx's Lua `could not get OCSP response: unexpected
 * OCSP responder status code: 500`. People quote the clause that says what went wrong, without the head:
 * ``only logged a `"no OCSP responder URL in the certificate"` warning on every reload``
 * (github.com/KR8MER/eas-station pull 2665). Such a line held no trigger (every trigger begins in the head),
 * and the cut-tolerant twins (`cut.ts`) and head readings (`head-reading.ts`) read only messages cut at
 * their end.
 *
 * For every cause or transport rule whose pattern writes its trigger as plain text followed, in the same
 * plain text, by a clause mark (`, `, `: ` or `; `) and a clause that names OCSP, stapling or the responder
 * ({@link TERM}), {@link MIN_TAIL_WORDS} words and {@link MIN_TAIL} characters at least, and that no other
 * rule's trigger or sample line holds (nor a must-not-match sample of its own that lacks the whole
 * trigger), the matcher derives a reading, as a rule file could have said it: the trigger is the clause
 * (the shortest such, so that a quote from an earlier clause holds it too); the patterns are the rule's
 * own from that clause on (only where the clause begins outside every group and the pattern has no
 * alternatives of its own: the rest of the expression is then the same test); it reads only a message
 * without the whole trigger (a whole one is the rule's own). Its finding says the message's beginning was
 * not there (`LineCut.head`), with the values the head held.
 */
import type { CompiledPattern, Rule, ValueName } from '../types.js';
import { RuleTexts } from './rule-texts.js';

/** Words a clause that stands for its message has at least. */
export const MIN_TAIL_WORDS = 4;
/** Characters a clause that stands for its message has at least. */
export const MIN_TAIL = 20;
/** What a clause that stands for a stapling message names: OCSP, stapling or the responder. */
const TERM = /ocsp|stapl|responder/i;
/** Where a clause begins in a message's plain text: after a comma, colon or semicolon and a space. */
const CLAUSE = /[,:;] (?=[\p{L}\p{N}_"'])/gu;
/** Characters a pattern's source writes as themselves (no escape, class, group, quantifier or anchor). */
const PLAIN = /[^\\^$.|?*+()[\]{}]/;

/** One derived reading: the index of its rule, the clause that is its trigger. */
export type Tail = [number, string];

/**
 * The tails of a rule set's readings, in rule order: one per cause or transport rule with a clause that
 * stands for its message (see the module comment); none for other rules (a detail or a follower on its
 * own is evidence of nothing).
 */
export function findTails(rules: readonly Rule[]): Tail[] {
  const texts = new RuleTexts(rules);
  const out: Tail[] = [];
  rules.forEach((rule, i) => {
    if (rule.role !== 'cause' && rule.role !== 'transport') return;
    const whole = rule.trigger.trim().toLowerCase();
    // Other rules' texts, and the rule's own must-not-match lines but those that hold the whole trigger.
    const counts = (t: number): boolean => !texts.isOwn(t, i) && !texts.text(t).includes(whole);
    const fits = (tail: string): boolean => !texts.someHolds(tail.toLowerCase(), counts);
    let best: string | null = null;
    for (const p of rule.compiled) {
      const tail = clauseOf(p.regex, rule.trigger.trim(), fits);
      if (tail !== null && (best === null || tail.length < best.length)) best = tail;
    }
    if (best !== null) out.push([i, best]);
  });
  return out;
}

/**
 * The shortest clause of a pattern's plain text from its trigger on that stands for the message and for
 * which `fits` holds, or null.
 */
function clauseOf(source: string, trigger: string, fits: (tail: string) => boolean): string | null {
  const at = source.indexOf(trigger);
  if (at < 0 || !sliceable(source)) return null;
  let end = at;
  while (end < source.length && PLAIN.test(source[end]!)) end++;
  const text = source.slice(at, end);
  let best: string | null = null;
  for (const m of text.matchAll(CLAUSE)) {
    const tail = text.slice(m.index + 2).replace(/[\s"',:;]+$/, '');
    const words = tail.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
    if (tail.length >= MIN_TAIL && words >= MIN_TAIL_WORDS && TERM.test(tail) && atTopLevel(source, at + m.index + 2) && fits(tail)) best = tail;
  }
  return best;
}

/**
 * A pattern's source read up to `end` (default: all of it): whether `end` is outside every group and character
 * class, and whether a `|` outside every group came before it.
 */
function readSource(source: string, end = source.length): { atTop: boolean; alternatives: boolean } {
  let depth = 0;
  let inClass = false;
  let alternatives = false;
  for (let i = 0; i < end; i++) {
    const c = source[i]!;
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) alternatives = true;
  }
  return { atTop: depth === 0 && !inClass, alternatives };
}

/** A pattern without alternatives of its own (a `|` outside every group): what follows a clause in it is then one test. */
const sliceable = (source: string): boolean => !readSource(source).alternatives;

/** Is position `p` of a pattern's source outside every group and character class? */
const atTopLevel = (source: string, p: number): boolean => readSource(source, p).atTop;

/**
 * The reading of `rule` whose trigger is `tail`: the rule's patterns that write the clause, from it on.
 * @throws Error when no pattern of the rule writes the clause where a reading may begin (not a tail of {@link findTails})
 */
export function tailReading(rule: Rule, tail: string): Rule {
  const compiled: CompiledPattern[] = [];
  const lost = new Set<ValueName>();
  for (const p of rule.compiled) {
    const at = sliceable(p.regex) ? p.regex.indexOf(tail) : -1;
    if (at < 0 || !atTopLevel(p.regex, at)) continue;
    const regex = p.regex.slice(at);
    for (const m of p.regex.slice(0, at).matchAll(/\(\?<([A-Za-z]\w*)>/g)) lost.add(m[1] as ValueName);
    compiled.push({ ...p, regex, re: new RegExp(regex, p.re.flags) });
  }
  if (compiled.length === 0) throw new Error(`rule ${rule.id}: no pattern writes "${tail}" where a reading may begin`);
  return { ...rule, trigger: tail, tailOf: { trigger: rule.trigger, missing: [...lost] }, compiled };
}
