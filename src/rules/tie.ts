/**
 * Rules tied to the configuration (`tiedTo` in a rule file): some messages name a file without saying
 * what it is for. nginx writes `BIO_new_file("…") failed` for an `ssl_certificate` (before 1.15.9), an
 * `ssl_dhparam` and an `ssl_stapling_file` alike (src/event/ngx_event_openssl.c and
 * ngx_event_openssl_stapling.c `ngx_ssl_stapling_file()`), so the line is a stapling failure only when the
 * file is the one the configuration names as the OCSP response file. Such a rule is made concrete when the
 * rules load: the capture group of its `value` is narrowed to the configured files, written as literals;
 * without a configuration that names one, the rule is left out. The matcher, the prefilter and the
 * cut-tolerant twins see an ordinary rule.
 */
import type { Rule, TieDirective } from '../types.js';

/** Files a configuration names, per directive, as the server writes them in its log (absolute paths). */
export type ConfigTie = Partial<Record<TieDirective, readonly string[]>>;

/** A literal as a regular expression (every metacharacter escaped). */
function literal(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * The index just past the group that opens at `start` (`(`), skipping escapes and character classes.
 * @returns -1 when the group does not close
 */
function groupEnd(re: string, start: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = start; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * A pattern source with its named group `value` narrowed to the given literals.
 * @throws Error when the pattern has no such group (the rule file is wrong: `tiedTo.value` names a group
 *   its patterns capture)
 */
export function narrowGroup(source: string, value: string, files: readonly string[]): string {
  const start = source.indexOf(`(?<${value}>`);
  const end = start < 0 ? -1 : groupEnd(source, start);
  if (end < 0) throw new Error(`no capture group "${value}" to tie to the configuration`);
  const alternatives = [...new Set(files)].map(literal).join('|');
  return `${source.slice(0, start)}(?<${value}>(?:${alternatives}))${source.slice(end)}`;
}

/**
 * The rule made concrete for these files: each pattern's `tiedTo.value` group matches only them.
 * @throws Error when a pattern lacks the group (see {@link narrowGroup})
 */
export function tieRule(rule: Rule, files: readonly string[]): Rule {
  if (!rule.tiedTo) return rule;
  const { value } = rule.tiedTo;
  const compiled = rule.compiled.map((p) => {
    const regex = narrowGroup(p.regex, value, files);
    return { ...p, regex, re: new RegExp(regex, p.re.flags) };
  });
  return { ...rule, compiled, patterns: compiled.map(({ re: _re, ...p }) => p) };
}

/**
 * The rules as a configuration makes them: untied rules as they are; a tied rule narrowed to the files
 * the configuration names in its directive, or left out when it names none. `'samples'` ties each rule
 * to the files its own positive samples name (for tests that run every rule's samples).
 */
export function tieRules(rules: readonly Rule[], tie: ConfigTie | 'samples' = {}): Rule[] {
  return rules.flatMap((r) => {
    if (!r.tiedTo) return [r];
    if (tie === 'samples') return [tiedBySamples(r)];
    const files = tie[r.tiedTo.directive] ?? [];
    return files.length > 0 ? [tieRule(r, files)] : [];
  });
}

/** A tied rule as its own samples tie it: to the files its positive samples name (for the sample checks). */
export function tiedBySamples(rule: Rule): Rule {
  if (!rule.tiedTo) return rule;
  const name = rule.tiedTo.value;
  return tieRule(
    rule,
    rule.samples.match.flatMap((s) => s.values?.[name] ?? []),
  );
}
