/**
 * Rule regexes (JavaScript syntax, applied to the message after the server's prefix) rewritten for
 * other engines: RE2 (Loki, Go) and Oniguruma (Elasticsearch grok). A small walk over the source that
 * knows escapes, character classes and groups, and hands each construct to the target:
 * - `^` and `$` (the message's start and end) become what marks them in the engine's text: the raw
 *   line for Loki (the message follows `pid#tid: ` or `AHnnnnn: `), Elastic's `message` field for
 *   grok (the integration's pipeline removed the prefix); Apache's `, referer: …` and certificate
 *   suffix, which the parser removes, may follow the end;
 * - named groups `(?<name>…)`: RE2 `(?P<name>…)`, grok `%{DEFINITION:field}`;
 * - lookarounds and backreferences, which RE2 lacks, are reported (the caller says it cannot export).
 */

/** What the walk met that a target may not support. */
export interface RegexFeatures {
  lookaround: boolean;
  backreference: boolean;
}

/** How a target writes each construct. */
export interface RegexTarget {
  start: string;
  end: string;
  /** A named group, its content already rewritten. */
  named(name: string, inner: string): string;
  /** A `\uXXXX` escape (4 hex digits). */
  unicode(hex: string): string;
}

/** The message start in a raw line or Elastic `message`: the line start, or after `: ` (nginx `pid#tid: `, Apache's AH tag) or `] `. */
export const MESSAGE_START = '(?:^|: |\\] )';
/** The same where nginx's `*N ` connection number may stand before the message (rules that allow it). */
export const MESSAGE_START_WITH_CONNECTION = '(?:^|: (?:\\*\\d+ )?|\\] )';
/** The message end: the line end, with Apache's referer or certificate suffix (removed by the parser) allowed before it. */
export const MESSAGE_END = '(?:, referer: .*| \\[(?:subject|certificate): .*\\])?$';

/** Index after the character class starting at `i` (`[`), escapes and a leading `]` or `^]` included. */
function classEnd(src: string, i: number): number {
  let j = i + 1;
  if (src[j] === '^') j++;
  if (src[j] === ']') j++;
  for (; j < src.length && src[j] !== ']'; j++) if (src[j] === '\\') j++;
  return j + 1;
}

/**
 * Rewrite a JavaScript regex for a target.
 * @returns the rewritten source and the features met
 */
export function rewriteRegex(src: string, target: RegexTarget): { source: string; features: RegexFeatures } {
  const features: RegexFeatures = { lookaround: false, backreference: false };
  const walk = (from: number): [string, number] => {
    let out = '';
    let i = from;
    while (i < src.length) {
      const c = src[i]!;
      if (c === ')') return [out, i];
      if (c === '\\') {
        const next = src[i + 1] ?? '';
        if (/[1-9]/.test(next) || src.startsWith('\\k<', i)) features.backreference = true;
        const u = /^\\u([0-9a-fA-F]{4})/.exec(src.slice(i));
        out += u ? target.unicode(u[1]!) : src.slice(i, i + 2);
        i += u ? 6 : 2;
      } else if (c === '[') {
        const e = classEnd(src, i);
        out += src.slice(i, e).replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => target.unicode(h));
        i = e;
      } else if (c === '(') {
        const named = /^\(\?<([A-Za-z_]\w*)>/.exec(src.slice(i));
        const look = /^\(\?(?:=|!|<=|<!)/.test(src.slice(i));
        if (look) features.lookaround = true;
        const head = named ? named[0] : (/^\(\?(?:[:=!]|<=|<!)/.exec(src.slice(i))?.[0] ?? '(');
        const [inner, close] = walk(i + head.length);
        out += named ? target.named(named[1]!, inner) : `${head}${inner})`;
        i = close + 1;
      } else if (c === '^') {
        out += target.start;
        i++;
      } else if (c === '$') {
        out += target.end;
        i++;
      } else {
        out += c;
        i++;
      }
    }
    return [out, i];
  };
  const [source] = walk(0);
  return { source, features };
}

/** A literal in regex syntax: plain characters and escaped punctuation, nothing that matches more than itself. */
const LITERAL = /^(?:[^\\()[\]{}|.*+?^$]|\\[^A-Za-z0-9])+$/;

/** For each `(` of a group (not escaped, not in a class): its closing index and whether it holds a top-level `|`. */
function groupsOf(src: string): Map<number, { close: number; alternation: boolean }> {
  const out = new Map<number, { close: number; alternation: boolean }>();
  const stack: { open: number; alternation: boolean }[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(src, i) - 1;
    else if (c === '(') stack.push({ open: i, alternation: false });
    else if (c === '|' && stack.length > 0) stack[stack.length - 1]!.alternation = true;
    else if (c === ')') {
      const g = stack.pop();
      if (g) out.set(g.open, { close: i, alternation: g.alternation });
    }
  }
  return out;
}

/**
 * Negative lookaheads of a literal, `(?!literal)`, that a line filter can stand for: each leads its
 * group (or the regex), and no group around it is repeated, optional or has alternatives, so the regex
 * tests it at one place in every match. Such a lookahead is removed and its literal returned: the regex
 * without it plus "the line does not contain the literal" (LogQL `!= "literal"`) accepts a subset of what
 * the regex accepts (a line holding the literal anywhere is left out). Other lookarounds stay.
 * @returns the regex without those lookaheads and their literals (unescaped)
 */
export function leadingNegativeLiterals(src: string): { source: string; literals: string[] } {
  const groups = groupsOf(src);
  const cuts: [number, number, string][] = [];
  for (const [open, g] of groups) {
    if (!src.startsWith('(?!', open)) continue;
    const content = src.slice(open + 3, g.close);
    if (!LITERAL.test(content)) continue;
    const before = src.slice(0, open);
    const leads = before === '' || /(?:^|[^\\])\((?:\?:|\?<[A-Za-z_]\w*>)?$/.test(before);
    const around = [...groups].filter(([o, x]) => o < open && x.close > g.close);
    const fixed = around.every(([, x]) => !x.alternation && !/^[*+?{]/.test(src.slice(x.close + 1)));
    if (leads && fixed && !g.alternation && !/^[*+?{]/.test(src.slice(g.close + 1)))
      cuts.push([open, g.close + 1, content.replace(/\\(.)/g, '$1')]);
  }
  let source = src;
  for (const [from, to] of cuts.sort((a, b) => b[0] - a[0])) source = source.slice(0, from) + source.slice(to);
  return { source, literals: cuts.map((c) => c[2]) };
}
