/**
 * Cut-tolerant patterns: a rule pattern requires the whole message as the server writes it, but a
 * paste often ends early (the closing quote missing, nothing after `certificate:`, the line cut
 * mid-word). Issue 10 wants patterns to require only the identifying part and take the rest when it
 * is there. Rather than loosen every rule file by hand, each pattern gets a twin derived from it:
 *
 *     head … trigger ⟨the rest of the pattern, every piece optional in order⟩ (end of text)
 *
 * The part up to the end of the rule's trigger (the identifying phrase, literal in the pattern) stays
 * required; every element after it may be cut at any point, inside literals, character runs and
 * groups alike (captures keep what was there: a path cut mid-way is captured up to the cut); and the
 * text must END where the twin stops, so a message that goes on with something else (a success line
 * such as `ssl ocsp status 200 "200 OK"` for a rule that excludes 200) still fails. White space and
 * paste punctuation (quotes, a colon, a full stop; not `!` or `?`, which end prose) may follow the cut.
 *
 * Twins are used only after every rule's own pattern has failed on the line (see `match.ts`), so a
 * complete line always matches as before; they are built on first use.
 */
import { RegExpParser, type AST } from '@eslint-community/regexpp';

/** A twin and the names of the captures its pattern has. */
export interface CutTwin {
  re: RegExp;
  /** Capture names of the original pattern, in source order. */
  names: string[];
}

/** What may follow the point where a paste cut the message. */
const END = `[\\s"'\`.,;:*_-]*$`;

/**
 * Twin captures are named `<name>$<n>`: one name may appear in several branches of the twin (a cut twin
 * of an unquoted twin renames a copy again: `<name>$<n>$<m>`).
 */
export const TWIN_NAME = /^(\w+?)(?:\$\d+)+$/;

class Writer {
  private n = 0;

  /** Source of a node; captures renamed when `rename` (every copy of a capture must have its own name). */
  full(node: AST.Node, rename: boolean): string {
    switch (node.type) {
      case 'CapturingGroup':
        return `(${node.name ? `?<${rename ? `${node.name}$${++this.n}` : node.name}>` : ''}${this.alts(node.alternatives, rename)})`;
      case 'Group':
        return `(?:${this.alts(node.alternatives, rename)})`;
      case 'Quantifier':
        return this.full(node.element, rename) + node.raw.slice(node.element.raw.length);
      default:
        return node.raw;
    }
  }

  private alts(alts: readonly AST.Alternative[], rename: boolean): string {
    return alts.map((a) => a.elements.map((e) => this.full(e, rename)).join('')).join('|');
  }

  /** Any beginning of what the elements match (the empty one included), ending where the text may end. */
  prefixes(elements: readonly AST.Element[]): string {
    if (elements.length === 0) return '';
    const [first, ...rest] = elements;
    if (isWildcard(first!) && rest.length > 0) {
      // A wildcard (`.*`) absorbs anything, so a cut inside it proves nothing: what follows it must be
      // there, up to WILDCARD_WITNESS characters of it, before the text may end again.
      const n = witnessLength(rest);
      const unit = [first!, ...rest.slice(0, n)].map((e) => this.full(e, true)).join('');
      return `(?:${unit}${this.prefixes(rest.slice(n))})`;
    }
    return `(?:${this.full(first!, true)}${this.prefixes(rest)}|${this.cut(first!)})`;
  }

  /** Proper beginnings of what one element matches (the empty one included). */
  private cut(node: AST.Element): string {
    switch (node.type) {
      case 'CapturingGroup':
        return `(${node.name ? `?<${node.name}$${++this.n}>` : ''}${node.alternatives.map((a) => this.prefixes(a.elements)).join('|')})`;
      case 'Group':
        return `(?:${node.alternatives.map((a) => this.prefixes(a.elements)).join('|')})`;
      case 'Quantifier': {
        const max = node.max === Infinity ? '' : String(node.max);
        const inner = this.cut(node.element);
        return `(?:${this.full(node.element, true)}){0,${max}}${inner ? `(?:${inner})?` : ''}`;
      }
      default:
        return ''; // one character, an assertion, a back-reference: nothing of it or all of it
    }
  }
}

/** Characters after a wildcard that a cut text must still show (the end of the text does the rest). */
const WILDCARD_WITNESS = 1;

/** `.*`, `.+`, `[^\n]*` and the like: a run of (almost) any character. */
function isWildcard(e: AST.Element): boolean {
  if (e.type !== 'Quantifier' || e.max < 2) return false;
  const x = e.element;
  if (x.type === 'CharacterSet') return x.kind === 'any';
  return x.type === 'CharacterClass' && x.negate && x.elements.length <= 2 && x.elements.every((c) => c.type === 'Character' && (c.value === 10 || c.value === 13));
}

/** How many of the elements after a wildcard are its witness: up to WILDCARD_WITNESS single characters. */
function witnessLength(rest: readonly AST.Element[]): number {
  let n = 0;
  while (n < rest.length && n < WILDCARD_WITNESS && ['Character', 'CharacterClass', 'CharacterSet'].includes(rest[n]!.type)) n++;
  return Math.max(1, n);
}

/** Index of the element where the trigger's text ends in one alternative, or -1. */
function triggerEnd(elements: readonly AST.Element[], trigger: string): number {
  let run = '';
  let start = 0;
  for (let i = 0; i <= elements.length; i++) {
    const e = elements[i];
    if (e?.type === 'Character') {
      if (run === '') start = i;
      run += String.fromCodePoint(e.value);
      continue;
    }
    const t = trigger.trim();
    const at = run.indexOf(t);
    if (at !== -1) return start + at + t.length - 1;
    // The trigger runs on into the next element (`Invalid command '(?<directive>SSL…)`): that element is part of the head.
    for (let k = Math.min(t.length - 1, run.length); k >= 3 && e; k--) if (run.endsWith(t.slice(0, k))) return i;
    run = '';
  }
  return -1;
}

/**
 * The head of a pattern's twin as its own regex: the part up to the end of the trigger that a cut
 * text must still hold in full (null when the pattern has no twin). For tests and explanations.
 */
export function twinHead(source: string, trigger: string): RegExp | null {
  const pattern = parsed(source);
  if (!pattern) return null;
  const w = new Writer();
  const heads = pattern.alternatives.flatMap((alt) => {
    const end = triggerEnd(alt.elements, trigger);
    return end === -1 ? [] : [alt.elements.slice(0, end + 1).map((e) => w.full(e, true)).join('')];
  });
  return heads.length > 0 ? new RegExp(heads.map((h) => `(?:${h})`).join('|')) : null;
}

const parser = new RegExpParser({ ecmaVersion: 2022 });

/** A pattern's syntax tree, or null when it does not parse. */
function parsed(source: string): AST.Pattern | null {
  try {
    return parser.parsePattern(source);
  } catch {
    return null;
  }
}

/**
 * The cut-tolerant twin of a rule pattern, or null when the trigger is not a literal run of the
 * pattern (then the pattern has no twin) or the pattern cannot be parsed.
 * @param source the pattern's regular expression source (no flags)
 * @param trigger the rule's trigger
 */
export function cutTwin(source: string, trigger: string): CutTwin | null {
  const pattern = parsed(source);
  if (!pattern) return null;
  const w = new Writer();
  const alternatives: string[] = [];
  for (const alt of pattern.alternatives) {
    const end = triggerEnd(alt.elements, trigger);
    if (end === -1) continue;
    const head = alt.elements
      .slice(0, end + 1)
      .map((e) => w.full(e, false))
      .join('');
    alternatives.push(head + w.prefixes(alt.elements.slice(end + 1)) + END);
  }
  if (alternatives.length === 0) return null;
  const names = [...source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => TWIN_NAME.exec(m[1]!)?.[1] ?? m[1]!);
  try {
    return { re: new RegExp(alternatives.length === 1 ? alternatives[0]! : `(?:${alternatives.join('|')})`), names };
  } catch {
    return null;
  }
}

/** Where a value whose quotes a paste dropped starts: not at a blank or a quote (it is not empty). */
const BARE_START = `(?=[^\\s"'])`;

/** Where a value whose closing quote a paste dropped ends: before a blank, a closing bracket or separator, or the end. */
const VALUE_END = '(?=[\\s)\\],;:]|$)';

/**
 * Writes a pattern with the quotes around its values made optional (issue 10, class 2): a poster
 * retyping a line, or an issue title, drops them (`ssl_stapling ignored, no OCSP responder URL in the
 * certificate /etc/letsencrypt/live/`, github.com/WordOps/WordOps issues/740). A quoted value — a quote,
 * elements that are not all plain characters, the same quote — reads `(?:"…"|…)`: as it was, or without
 * its quotes. The unquoted copy does not start at a blank or a quote, reads its runs of anything but the
 * quote lazily, and ends where its closing quote stood ({@link VALUE_END}; so does a quote inside it), so
 * that `"(?<certificate>[^"]*)"` still takes a whole path and `"(?<url>…)" in the certificate` stops
 * before ` in`. Its captures are renamed `name$n` (one name, two branches). Quoted words (`"ssl_stapling"`,
 * `"Content-Type"`) in the rule's trigger stay: the normaliser writes them back (`canonicalTrigger()`), and a
 * trigger must stay a literal run of the pattern; others (`"ssl_stapling"` in a rule triggered by
 * ` in OCSP responder "`) read with or without their quotes.
 */
class Unquoter {
  private n = 0;
  found = false;

  /**
   * @param blanks an unquoted value may hold blanks (read lazily, what follows it decides where it ends)
   * @param trigger the rule's trigger: its quoted words stay as they are (the normaliser writes them back)
   */
  constructor(
    private readonly blanks: boolean,
    private readonly trigger: string,
  ) {}

  alts(alts: readonly AST.Alternative[], bare: string | null): string {
    return alts.map((a) => this.seq(a.elements, bare)).join('|');
  }

  /** Elements in order; `bare`: inside an unquoted copy of a value that this quote enclosed. */
  private seq(elements: readonly AST.Element[], bare: string | null): string {
    let out = '';
    for (let i = 0; i < elements.length; i++) {
      const e = elements[i]!;
      const q = quoteOf(e);
      if (q && q === bare) {
        out += VALUE_END;
        continue;
      }
      const close = q && bare === null ? elements.findIndex((x, j) => j > i && quoteOf(x) === q) : -1;
      if (close === -1) {
        out += this.node(e, bare);
        continue;
      }
      const span = elements.slice(i + 1, close);
      const quoted = elements.slice(i, close + 1).map((x) => x.raw).join('');
      if (span.every((x) => x.type === 'Character')) {
        // A quoted word (`"ssl_stapling"` in another rule's trigger): its quotes optional, but the trigger's own.
        const word = span.map((x) => x.raw).join('');
        const own = this.trigger.includes(quoted) || !/^[\w-]+$/.test(word);
        if (!own) this.found = true;
        out += own ? quoted : `(?:${quoted}|${word})`;
      } else {
        this.found = true;
        out += `(?:${quoted}|${BARE_START}${span.map((x) => this.node(x, q)).join('')}${VALUE_END})`;
      }
      i = close;
    }
    return out;
  }

  private node(e: AST.Element, bare: string | null): string {
    switch (e.type) {
      case 'CapturingGroup':
        return `(${e.name ? `?<${bare === null ? e.name : `${e.name}$${++this.n}`}>` : ''}${this.alts(e.alternatives, bare)})`;
      case 'Group':
        return `(?:${this.alts(e.alternatives, bare)})`;
      case 'Assertion':
        return e.kind === 'lookahead' || e.kind === 'lookbehind'
          ? `(?${e.kind === 'lookbehind' ? '<' : ''}${e.negate ? '!' : '='}${this.alts(e.alternatives, bare)})`
          : e.raw;
      case 'Quantifier': {
        const q = e.raw.slice(e.element.raw.length);
        // A run of anything but the quote, in an unquoted value: as short as what follows allows.
        const run = bare !== null && e.element.type === 'CharacterClass' && e.element.negate && e.element.raw.includes(bare);
        if (!run) return this.node(e.element as AST.Element, bare) + q;
        return (this.blanks ? e.element.raw : `[^\\s${e.element.raw.slice(2)}`) + (e.greedy ? `${q}?` : q);
      }
      default:
        return e.raw;
    }
  }
}

/** The quote a pattern element is (`"` or `'`), or null. */
function quoteOf(e: AST.Element | undefined): string | null {
  return e?.type === 'Character' && (e.value === 34 || e.value === 39) ? String.fromCodePoint(e.value) : null;
}

/**
 * The pattern with the quotes around its values optional (see {@link Unquoter}), or null when it has no
 * quoted value or cannot be parsed.
 * @param source the pattern's regular expression source (no flags)
 * @param trigger the rule's trigger (its quoted words stay quoted)
 * @param blanks an unquoted value may hold blanks; not for a cut-tolerant twin, where the end of the text
 *   may follow the value and nothing but a blank would stop it
 */
export function unquotedSource(source: string, trigger: string, blanks = true): string | null {
  const pattern = parsed(source);
  if (!pattern) return null;
  const u = new Unquoter(blanks, trigger);
  const out = u.alts(pattern.alternatives, null);
  if (!u.found) return null;
  try {
    new RegExp(out);
    return out;
  } catch {
    return null;
  }
}

/**
 * The literal runs of a pattern (consecutive plain characters, at least `min` long), in every
 * alternative at any depth: the fixed phrases of the message the pattern describes.
 */
export function literalRuns(source: string, min = 6): string[] {
  const key = `${min}\u0000${source}`;
  let out = runsCache.get(key);
  if (!out) runsCache.set(key, (out = findLiteralRuns(source, min)));
  return out;
}

/** {@link literalRuns} of the patterns seen (each matcher and joiner asks again; parsing is the cost). */
const runsCache = new Map<string, string[]>();

// Sticky (`y`) forms of the tests at a position of the source: no copy of the source's tail per test.
const ESCAPE = /\\(?:[^\w]|x[\da-fA-F]{2}|u\{[\da-fA-F]+\}|u[\da-fA-F]{4}|[pPk][{<][^}>]*[}>]|c[a-zA-Z]|\d+|\w)/y;
const LOOKAROUND = /\(\?<?[=!]/y;
const GROUP_OPEN = /\((?:\?:|\?<[\w$]+>)?/y;
const COUNT = /\{\d+(?:,\d*)?\}/y;

/** Does the sticky `re` match `source` at `i`? (its match, or null) */
function at(re: RegExp, source: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(source);
}

function findLiteralRuns(source: string, min: number): string[] {
  // A plain scan of the source, not a parse: the runs are wanted when a matcher is made (CLI start-up),
  // and a parser costs tens of milliseconds there. Anything not a plain character ends a run.
  const out: string[] = [];
  let run = '';
  const end = (): void => {
    if (run.length >= min) out.push(run);
    run = '';
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const esc = at(ESCAPE, source, i)![0];
      i += esc.length - 1;
      if (esc.length === 2 && !/\w/.test(esc[1]!)) run += esc[1];
      else end();
    } else if (c === '[') {
      end();
      i = closing(source, i, ']');
    } else if (c === '(') {
      end();
      if (at(LOOKAROUND, source, i)) i = closing(source, i, ')'); // a lookaround is not text
      else i += at(GROUP_OPEN, source, i)![0].length - 1;
    } else if (c === '*' || c === '+' || c === '?' || (c === '{' && at(COUNT, source, i))) {
      run = run.slice(0, -1); // the quantified character is not fixed text
      end();
      if (c === '{') i = source.indexOf('}', i);
    } else if (c === ')' || c === '|' || c === '^' || c === '$' || c === '.') end();
    else run += c;
  }
  end();
  return out;
}

/** Index of the `close` that ends the class or group opened at `open` (escapes and classes skipped). */
function closing(source: string, open: number, close: ']' | ')'): number {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') i++;
    else if (close === ')' && c === '[') i = closing(source, i, ']');
    else if (c === (close === ')' ? '(' : '[') && i !== open && close === ')') depth++;
    else if (c === close && (close === ']' || depth-- === 0)) return i;
  }
  return source.length;
}

/**
 * The articles a poster retyping a message drops (`no OCSP responder URL in certificate`, for `in the
 * certificate`): a pattern's twin makes them optional ({@link articlesOptional}), and `causeFrom` keys are
 * compared without them (`cause.ts`).
 */
export const ARTICLES: readonly string[] = ['the', 'an', 'a'];

/**
 * A pattern with every article after its trigger made optional: a message a poster retyped, or quoted
 * from memory, drops one (`"ssl_stapling" ignored, no OCSP responder URL in certificate`, nginx writes
 * `in the certificate`; github.com certxa.com server notes in the dev set). An article stands between two
 * blanks of the pattern's literal text, at any depth after the trigger (the trigger, which a line must
 * hold anyway, keeps its own); ` the ` reads ` (?:the )?`. Null when the pattern has no such article.
 * @param source the pattern's regular expression source (no flags)
 * @param trigger the rule's trigger
 */
export function articlesOptional(source: string, trigger: string): string | null {
  const pattern = parsed(source);
  if (!pattern) return null;
  const spans: [number, number][] = [];
  for (const alt of pattern.alternatives) {
    const end = triggerEnd(alt.elements, trigger);
    if (end !== -1) articlesIn(alt.elements, end + 1, spans);
  }
  if (spans.length === 0) return null;
  let out = source;
  // From the last: the offsets of the earlier ones stay right.
  for (const [from, to] of spans.sort((a, b) => b[0] - a[0])) out = `${out.slice(0, from)}(?:${out.slice(from, to)})?${out.slice(to)}`;
  try {
    new RegExp(out);
    return out;
  } catch {
    return null;
  }
}

/** The source spans (`the `, article and blank after it) of the articles among `elements` from `from` on, groups included. */
function articlesIn(elements: readonly AST.Element[], from: number, spans: [number, number][]): void {
  const char = (i: number): string | null => {
    const e = elements[i];
    return e?.type === 'Character' ? String.fromCodePoint(e.value) : null;
  };
  for (let i = from; i < elements.length; i++) {
    const e = elements[i]!;
    if (e.type === 'Group' || e.type === 'CapturingGroup') for (const a of e.alternatives) articlesIn(a.elements, 0, spans);
    if (char(i - 1) !== ' ') continue;
    for (const word of ARTICLES) {
      const n = word.length;
      if ([...word].every((c, k) => char(i + k) === c) && char(i + n) === ' ') {
        spans.push([e.start, elements[i + n]!.end]);
        break;
      }
    }
  }
}
