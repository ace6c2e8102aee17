/**
 * Readings of Apache messages by their code (issue 10, a class of the dev set's known misses): mod_ssl
 * writes most stapling errors as `AH02218: ssl_stapling_init_cert: no OCSP URI in certificate and no
 * SSLStaplingForceURL set` (`ssl_util_stapling.c`, the function's name in front of the message), and a
 * document or a troubleshooting table quotes the code with the message only, often shortened:
 * `AH02218: no OCSP URI in certificate` (github.com acme.sh/IONOS deploy guide), `AH02217: Can't retrieve
 * issuer certificate!` (a TLS lab's answer key). The function's name is the part those copies drop, and
 * most rules' triggers begin with it (`ssl_stapling_init_cert: no `), so such a line held no trigger.
 *
 * For every pattern of an Apache rule that begins with such a name (`word_word: `), the matcher derives
 * a reading of its own, as a rule file could have said it: the trigger is the head of the message after
 * the name (its first words, {@link MIN_HEAD} characters at least); the pattern is the rest of the
 * message from the start of the text ({@link APACHE_LEAD} allowed before it), so a whole line, name and all, is
 * left to the rule itself; and the line must carry one of the codes the rule's own samples give that
 * message (`when.code`): the code says which message it is, the words that it is that message. A
 * shortened message is then read by the cut-tolerant twin of that pattern (`cut.ts`) like any other cut
 * message, with what it lost. Deriving them costs the bundle's start ~3 ms (123 against 120 ms, hyperfine).
 */
import type { CompiledPattern, Rule } from '../types.js';
import { APACHE_LEAD } from '../parse/line.js';
import { literalRuns } from './cut.js';

/** The characters the head of a message (a reading's trigger) has at least, in whole words. */
export const MIN_HEAD = 20;

/** A function's name in front of mod_ssl's message, at the start of a pattern (`stapling_cb: `). */
const FUNCTION_NAME = /^\^?([a-z][a-z0-9]*(?:_[a-z0-9]+)+): /;

/** The rule set with its {@link codeReadings} after it: what a matcher and its scan keys are made of. */
export function withCodeReadings(rules: readonly Rule[]): readonly Rule[] {
  const readings = codeReadings(rules);
  return readings.length === 0 ? rules : [...rules, ...readings];
}

/**
 * The code readings of a rule set, in rule order: one per pattern of an Apache rule that begins with a
 * function's name and whose samples show the code of that message (none for other rules). Only rules that
 * name a cause get readings: a document quotes a message on its own, and a detail or a follower line on
 * its own is evidence of nothing (and the scan keys theirs would add, `suitable`, `renewing`, made the
 * scan of a 200 MB slice of the mixed benchmark 5–7 % slower, in-process runs alternated).
 * @returns rules with the same id, cause and fields as the one they read for, another trigger, one
 *   pattern and a `when.code` condition; rules that a matcher uses besides the rule set's own
 */
export function codeReadings(rules: readonly Rule[]): Rule[] {
  const out: Rule[] = [];
  for (const rule of rules) {
    if (!rule.servers.includes('apache') || rule.role !== 'cause' || rule.when?.code !== undefined) continue;
    const seen = new Set<string>();
    for (const pattern of rule.compiled) {
      const reading = readingOf(rule, pattern);
      // (Two names of one function, `stapling_get_certinfo`/`stapling_get_cert_info`, give one reading.)
      if (reading && !seen.has(reading.patterns[0]!.regex)) out.push(reading);
      if (reading) seen.add(reading.patterns[0]!.regex);
    }
  }
  return out;
}

/** {@link codeReadings} of one pattern, or null when it does not begin with a name or no sample gives its code. */
function readingOf(rule: Rule, pattern: CompiledPattern): Rule | null {
  const name = FUNCTION_NAME.exec(pattern.regex);
  if (!name) return null;
  const rest = pattern.regex.slice(name[0].length);
  const head = headOf(rest);
  if (head === null) return null;
  const codes = codesOf(rule, `${name[1]}: `);
  if (codes.length === 0) return null;
  // (From the start of the message, or of a fragment whose code the parser left in it.)
  const regex = `${APACHE_LEAD.source}${rest}`;
  const spec = { ...pattern, name: `${pattern.name}, read by its code`, regex };
  return { ...rule, trigger: head, patterns: [spec], compiled: [{ ...spec, re: new RegExp(regex) }], when: { ...rule.when, code: codes } };
}

/** The first whole words of the literal text a pattern's rest begins with, {@link MIN_HEAD} characters or more. */
function headOf(rest: string): string | null {
  const run = literalRuns(rest, MIN_HEAD)[0];
  if (run === undefined || !rest.startsWith(run)) return null;
  const end = run.indexOf(' ', MIN_HEAD);
  return end < 0 ? run : run.slice(0, end);
}

/** The codes the rule's own samples put right before this name (`AH02218: ssl_stapling_init_cert: `), sorted. */
function codesOf(rule: Rule, name: string): string[] {
  const codes = new Set<string>();
  for (const s of rule.samples.match) {
    for (const m of s.line.matchAll(/\b(AH\d{5}): /g)) if (s.line.startsWith(name, m.index + m[0].length)) codes.add(m[1]!);
  }
  return [...codes].sort();
}
