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
