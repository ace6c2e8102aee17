/**
 * The cause and severity of a rule's match, as conditions the exports can write in their own language
 * (Loki line filters, Elasticsearch painless `if`s). The decision is the CLI's (`src/rules/cause.ts`
 * `causeOfMatch` / `causeFromValues` / `refineCause`, `src/rules/match.ts` `hitFrom` for the severity):
 * - the pattern's cause, else the rule's `causeFrom` table over the values (first listed value present
 *   and found in the map, compared as `causeFromBranch` compares: case, `self-signed`, articles, blanks),
 *   else the table's `missing` cause when no listed value is present, else its default (or the rule's cause);
 * - an issuer-missing report whose subject is its issuer (Apache's certificate suffix) is a self-signed
 *   certificate;
 * - the severity: the pattern's, else the rule's `severityByLevel` for the line's level, else the rule's.
 * A value is tested where the line holds it: in the pattern's own capture (the group narrowed to the
 * map's keys), or, for a value the parser takes from outside the pattern (Apache's status `errno`,
 * OpenSSL's `verifyError` / `opensslReason`), with a locator regex of where the parser reads it.
 */
import { causeFromBranch } from '../rules/cause.js';
import { ARTICLES } from '../rules/cut.js';
import type { CauseId, Rule, Severity, ValueName } from '../types.js';
import { rewriteRegex } from './regex.js';

/**
 * One outcome of one pattern of a rule: its cause and severity, for the lines that meet its conditions.
 * Regexes are in the rules' syntax (JavaScript, `^` / `$` the message's start and end) with `(?i:…)`
 * groups (RE2, Oniguruma and Java have them; run them with one of those). The branches of a rule are
 * exclusive: at most one holds for a line.
 */
export interface CauseBranch {
  /** Index of the pattern in `rule.compiled`. */
  pattern: number;
  cause: CauseId;
  severity: Severity;
  /** Regexes that must each find a match in the line (message). */
  all: string[];
  /** Regexes none of which may find a match. */
  none: string[];
  /** The line's level: one of `in`, or (`notIn`) none of those, or no level at all. */
  level?: { in: string[] } | { notIn: string[] };
}

/** A rule's branches, and what of the CLI's decision they do not make. */
export interface CausePlan {
  branches: CauseBranch[];
  /** Sentences: what is not decided (the branches then give the CLI's fallback). */
  undecided: string[];
}

/** Escape a literal for a regex. */
const literal = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** The articles `causeFromBranch` drops before a word (`src/rules/cause.ts` ARTICLE), any number of them. */
const ARTICLES_BEFORE = `(?:(?:${ARTICLES.join('|')})\\s+)*`;

/**
 * A regex of the values `causeFromBranch` takes for this map key: case-insensitive, `self-signed` or
 * `self signed`, any articles before a word, blanks around.
 */
export function keyRegex(key: string): string {
  const words = key
    .trim()
    .toLowerCase()
    .replace(/self-signed/g, 'self signed')
    .split(' ')
    .filter((w, i, all) => !(ARTICLES.includes(w) && i < all.length - 1));
  const body = words
    .map(
      (w, i) =>
        (i === 0 ? '' : words[i - 1] === 'self' && w === 'signed' ? `(?:-| ${ARTICLES_BEFORE})` : ` ${ARTICLES_BEFORE}`) + literal(w),
    )
    .join('');
  return `${ARTICLES_BEFORE}${body}`;
}

/** Any of these map keys, as a whole value (blanks around allowed, as the comparison trims). */
const keysRegex = (keys: readonly string[]): string => `\\s*(?i:${keys.map(keyRegex).join('|')})\\s*`;

/**
 * Where the parser reads a value that no rule pattern captures, as a regex around the value's regex
 * (`null`: any value):
 * - `errno`: Apache's status before the message, `(70007)The timeout specified has expired: `
 *   (`src/parse/formats.ts` STATUS, STATUS_END);
 * - `verifyError`: OpenSSL's `Verify error:` text up to the entry's end (`src/parse/context.ts` opensslValues);
 * - `opensslReason`: an entry's reason, `error:XXXXXXXX:lib:func:reason` (any entry: the parser takes the
 *   first of OpenSSL's OCSP library, else the first; lines with two reasons of the map are rare).
 */
export const SHARED_LOCATORS: Partial<Record<ValueName, (value: string | null) => string>> = {
  errno: (v) => `(?:^|\\s)\\(${v ?? '[^()]*'}\\)[^:\\[\\]]*(?:: |\\[(?:client|remote) )`,
  verifyError: (v) => `Verify error: ?${v ?? '[^)]*?\\S\\s*'}(?:\\)| error:[0-9A-Fa-f]{8}:)`,
  opensslReason: (v) => `error:[0-9A-Fa-f]{8}:[^:]*:[^:]*:${v ?? '\\s*[^:()\\s]'}`,
};

/** Apache's certificate suffix with the subject repeated as the issuer (`src/parse/apache-cert.ts` SUFFIX). */
export const SUBJECT_IS_ISSUER = ' \\[subject: (.*?) \\/ issuer: \\1 \\/ serial: ';

/** The pattern's regex with the named group's content replaced (`null`: kept), other names as plain groups. */
function narrowGroup(regex: string, name: string, content: string | null): string {
  return rewriteRegex(regex, {
    start: '^',
    end: '$',
    named: (n, inner) => (n === name ? `(?:${content ?? inner})` : `(?:${inner})`),
    unicode: (hex) => `\\u${hex}`,
  }).source;
}

/** The regex locating a value of the line for a pattern (`null` value: any), or null when it cannot be located. */
function locator(regex: string, name: ValueName, value: string | null): string | null {
  if (new RegExp(`\\(\\?<${name}>`).test(regex)) return narrowGroup(regex, name, value);
  return SHARED_LOCATORS[name]?.(value) ?? null;
}

type Outcome = Pick<CauseBranch, 'cause' | 'all' | 'none'>;

/** The outcomes of a `causeFrom` table for a pattern, in the table's order of precedence. */
function tableOutcomes(r: Rule, regex: string, undecided: string[]): Outcome[] {
  const cf = r.causeFrom!;
  const fallback = cf.default ?? r.cause;
  const names = Array.isArray(cf.value) ? cf.value : [cf.value];
  if (names.some((n) => locator(regex, n, null) === null)) {
    undecided.push(`the cause by ${names.join(', ')} is not decided (a value read outside the pattern): always ${fallback}`);
    return [{ cause: fallback, all: [], none: [] }];
  }
  const keys = Object.keys(cf.map).filter((k) => causeFromBranch(cf, { [names[0]!]: k }) === k); // keys a value can reach
  const causes = [...new Set(keys.map((k) => cf.map[k]!))];
  const anyKey = (n: ValueName) => locator(regex, n, keysRegex(keys))!;
  const out: Outcome[] = [];
  names.forEach((n, i) => {
    for (const c of causes) {
      const mine = keys.filter((k) => cf.map[k] === c);
      out.push({ cause: c, all: [locator(regex, n, keysRegex(mine))!], none: names.slice(0, i).map(anyKey) });
    }
  });
  const present = names.map((n) => locator(regex, n, null)!);
  if (cf.missing !== undefined) out.push({ cause: cf.missing, all: [], none: present });
  out.push({ cause: fallback, all: cf.missing !== undefined ? [present.map((p) => `(?:${p})`).join('|')] : [], none: names.map(anyKey) });
  return out;
}

/** Split issuer-missing outcomes by Apache's subject = issuer (`refineCause`). */
function refined(r: Rule, outcomes: Outcome[], regex: string, undecided: string[]): Outcome[] {
  return outcomes.flatMap((o) => {
    if (o.cause !== 'issuer-certificate-missing' || !r.servers.includes('apache')) return [o];
    if (/\(\?<cert(?:Subject|Issuer)>/.test(regex)) {
      undecided.push('self-signed-certificate (subject = issuer in the pattern’s own captures) is not decided');
      return [o];
    }
    return [
      { cause: 'self-signed-certificate' as CauseId, all: [...o.all, SUBJECT_IS_ISSUER], none: o.none },
      { ...o, none: [...o.none, SUBJECT_IS_ISSUER] },
    ];
  });
}

/** Split an outcome by the rule's `severityByLevel` (the pattern's own severity wins). */
function bySeverity(r: Rule, pi: number, o: Outcome): CauseBranch[] {
  const p = r.compiled[pi]!;
  const byLevel = r.severityByLevel;
  if (p.severity || !byLevel || Object.keys(byLevel).length === 0) return [{ pattern: pi, ...o, severity: p.severity ?? r.severity }];
  const severities = [...new Set(Object.values(byLevel))];
  return [
    ...severities.map((s) => ({ pattern: pi, ...o, severity: s, level: { in: Object.keys(byLevel).filter((l) => byLevel[l] === s) } })),
    { pattern: pi, ...o, severity: r.severity, level: { notIn: Object.keys(byLevel) } },
  ];
}

/**
 * Whether which pattern matched decides: the patterns differ in cause or severity of their own, or the
 * cause is read from a pattern's own capture (another pattern's conditions do not see it).
 */
function patternDecides(r: Rule): boolean {
  if (r.compiled.length < 2) return false;
  const names = r.causeFrom ? (Array.isArray(r.causeFrom.value) ? r.causeFrom.value : [r.causeFrom.value]) : [];
  const own = names.some((n) => r.compiled.some((p) => p.regex.includes(`(?<${n}>`)));
  return own || r.compiled.some((p) => p.cause !== undefined || p.severity !== undefined);
}

/**
 * The branches of a rule (see {@link CauseBranch}), in pattern order. Source: the rule (its patterns'
 * `cause` / `severity`, `causeFrom`, `severityByLevel`); a pattern's branches are exclusive by their
 * conditions, and when the pattern decides (see {@link patternDecides}) pattern i's branches also
 * require it to match and no earlier pattern to (the matcher and grok take the first).
 */
export function causePlan(r: Rule): CausePlan {
  const undecided: string[] = [];
  const branches = r.compiled.flatMap((p, pi) => {
    const base: Outcome[] = p.cause
      ? [{ cause: p.cause, all: [], none: [] }]
      : r.causeFrom
        ? tableOutcomes(r, p.regex, undecided)
        : [{ cause: r.cause, all: [], none: [] }];
    const differ = patternDecides(r);
    const own = differ ? [p.regex] : [];
    const earlier = differ ? r.compiled.slice(0, pi).map((q) => q.regex) : [];
    return refined(r, base, p.regex, undecided).flatMap((o) =>
      bySeverity(r, pi, { ...o, all: [...own, ...o.all], none: [...earlier, ...o.none] }),
    );
  });
  return { branches, undecided: [...new Set(undecided)] };
}
