/**
 * Normalisation between parse and match: what people paste differs from what the server wrote in ways
 * that carry no meaning, and this module (the only one that knows them) undoes them, so that rules stay
 * written in the servers' real wording (issue 10):
 *
 * - typography: forum and blog software turns `"` into `“ ”` (`„ ‟ ″ « »`, a CJK input method's full-width
 *   `＂`) and `'` into `’` (`‘ ‚ ‛ ′ ＇`), and a page read in the wrong encoding shows those as `â€œ`
 *   ({@link unmojibaked}); a retyped line puts values in `'…'` or `` `…` `` ({@link requoted});
 *   zero-width characters and terminal colour codes (stern, decorated loggers) are dropped;
 * - white space: runs of blanks, tabs and no-break spaces become one space, the ends are trimmed;
 * - case and dropped quotes in the identifying phrase: a paste capitalises the first letter
 *   (`No resolver defined …`) or drops the quotes around `ssl_stapling`; the server's wording is fixed,
 *   so a trigger found case-insensitively and with optional quotes is written back in the trigger's
 *   own form ({@link canonicalTrigger}), except a quote that opens a value the paste dropped
 *   (`BIO_new_file(/etc/…`): the rules' unquoted twins (`src/rules/cut.ts`) read such values;
 * - cut markers: an ellipsis a poster put where they cut the line (`...`, `…`, `[...]`), a literal `\n`
 *   left by a JSON-escaped copy, markdown code/emphasis marks around the line;
 * - a poster's frame: a markdown list marker in front of the line (`* `, `- `, `+ `, `1. `), full-width
 *   sentence punctuation after it (`…not found`？`, `…failed。`: a line quoted in Chinese or Japanese prose).
 *
 * It also answers the questions the matcher and the line joiner ask about such text: which literal
 * pieces of a trigger survive these changes, so the byte scanner can look for them ({@link scanKeys});
 * whether a value was redacted by the poster ({@link looksRedacted}); whether a message is visibly
 * incomplete ({@link unbalanced}, {@link endsWithPrefixOf}).
 *
 * Pure string functions; none throws.
 */

import { fastPathsOn } from './fast-path.js';

const DOUBLE_QUOTES = /[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02]/g;
const SINGLE_QUOTES = /[\u2018\u2019\u201a\u201b\u2032\uff07]/g;
/**
 * Characters a copy adds that show nothing (Unicode format characters), as character-class contents (shared by
 * the patterns below): zero-width space, non-joiner and joiner, the word joiner and invisible operators, a
 * byte-order mark; the bidirectional marks, embeddings and isolates (U+200E/U+200F, U+202A–U+202C,
 * U+2066–U+2069) that a right-to-left page (a Persian, Arabic or Hebrew forum) puts around a quoted
 * left-to-right line. No server writes them in its own words, only inside a value: a line copied with them
 * (`copiedWithMarks()` in `parse/line.ts`) is read, and shown, without them; a server's line keeps them in its
 * values (shown escaped: `format/sanitize.ts`) and is matched without them. Not among them, so that a
 * value's own always stays: the soft hyphen, and the overrides U+202D/U+202E that reorder text on screen
 * (no page quotes a line with them).
 */
const INVISIBLE_CHARS = '\\u200b-\\u200f\\u202a-\\u202c\\u2060-\\u2064\\u2066-\\u2069\\ufeff';
const ODD_BLANK_CHARS = '\\u00a0\\u2000-\\u200a\\u202f\\u205f\\u3000';
const INVISIBLE = new RegExp(`[${INVISIBLE_CHARS}]`, 'g');
const BLANKS = new RegExp(`[\\s${ODD_BLANK_CHARS}]+`, 'g');
const TRAILING_CUT = /(?:\s*(?:\.{3,}|\u2026|\[\s*(?:\.{3}|\u2026)\s*\]|\(\s*(?:\.{3}|\u2026)\s*\)|<\s*(?:\.{3}|\u2026)\s*>))+$/;
const TRAILING_ESCAPED_NEWLINE = /(?:\\r)?\\n$/;
const MARKDOWN_ENDS = /^([`*_]+)(.*?)\1$/s;
/**
 * A markdown list item's marker in front of a pasted line (issue 10: `* r3.o.lencr.org could not be resolved
 * (5: Operation refused) while requesting certificate status`, a README's troubleshooting list). No server
 * message starts with a marker and a blank; nginx's connection number (`*43 `) has no blank after the star.
 */
const LIST_MARKER = /^(?:[-*+\u2022]|\d{1,3}[.)])\s+(?=\S)/;
/**
 * A poster's bracketed cut marker just inside the quote or code mark that opens a quoted message (issue 10:
 * ``…can appear: `"[...] ssl_stapling" ignored, host not found in OCSP responder [...]`.``,
 * trimstray/nginx-admins-handbook): the cut prefix, dropped. Not a bare `...` or one at the line's start,
 * which also stand for a redacted value (`... could not be resolved`).
 */
const LEADING_CUT = /(["'`])\[\s*(?:\.{3}|\u2026)\s*\]\s+(?=\S)/g;
const LIST_MARKER_CHARS = '-*+\u20220123456789';
/**
 * Full-width (CJK) sentence punctuation after a message quoted in Chinese or Japanese prose (issue 10:
 * ``…issuer certificate not found`？``, `[error] 17105#17105: OCSP_basic_verify() failed。`). No server
 * writes these characters at the end of a message (a value in such a script would be quoted).
 */
const TRAILING_FULL_WIDTH = /[\u3001\u3002\uff01\uff0c\uff0e\uff1a\uff1b\uff1f]+$/;

/** Scripts no server writes a message in; CJK ones are written without blanks between words. */
const SPACED_SCRIPTS =
  '\\p{Script=Greek}\\p{Script=Cyrillic}\\p{Script=Armenian}\\p{Script=Hebrew}\\p{Script=Arabic}\\p{Script=Devanagari}\\p{Script=Thai}';
const UNSPACED_SCRIPTS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
const OTHER_SCRIPT = new RegExp(`[${SPACED_SCRIPTS}${UNSPACED_SCRIPTS}]`, 'u');
const UNSPACED = new RegExp(`[${UNSPACED_SCRIPTS}]`, 'u');
/** Is the character code an ASCII letter or digit? */
const isAsciiAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
/** What a poster's words after a message hold none of: ASCII letters and digits, and a value's quotes, slashes, brackets. */
const NOT_PROSE_TAIL = /[A-Za-z0-9"'/[\]]/;

/**
 * The text without a poster's words in another script after the message (issue 10: a zh fix script's comment
 * `# 解决 "ssl_stapling" ignored, no OCSP responder URL 警告`, the message cut short and `警告` "warning" after
 * it), so a message cut short before them still ends where the cut reading looks for its end. The words start
 * after a blank, or (CJK, written without blanks) right after the message's last character; what follows holds no ASCII
 * letter or digit, quote, slash or bracket (a value of the line: a quoted path, a certificate's subject); a dash
 * before them goes with them. Linear.
 */
function withoutOtherScriptTail(t: string): string {
  let q = t.length;
  // (Most messages end in a letter or digit: one look at the last character.)
  if (q === 0 || isAsciiAlnum(t.charCodeAt(q - 1))) return t;
  while (q > 0 && !NOT_PROSE_TAIL.test(t[q - 1]!)) q--;
  for (let i = q; i < t.length; i++) {
    const c = t[i]!;
    if (!OTHER_SCRIPT.test(c)) continue;
    if (i === 0 || !(/\s/.test(t[i - 1]!) || UNSPACED.test(c))) continue;
    // A dash between the message and the words is the poster's too (`… URL — ошибка`).
    let from = i;
    while (from > q && /[\s\u2013\u2014-]/.test(t[from - 1]!)) from--;
    return t.slice(0, from).trimEnd();
  }
  return t;
}

/** The message text normalised for matching, and whether a poster's cut marker ended it. */
export interface NormalizedText {
  text: string;
  /** An ellipsis (or `[...]`) ended the text: the poster cut it there. */
  cutMarker: boolean;
}

/**
 * Typographic quotes to ASCII, terminal colour codes and zero-width characters dropped, a poster's
 * placeholder kept in one piece (`<server domain>` → `<server_domain>`), a terminal's padding taken out
 * ({@link unpadded}); nothing else changes (values
 * such as OpenSSL's `Sep  1 00:00:00 2024 GMT` keep their spacing).
 */
export function plainText(text: string): string {
  if (fastPathsOn()) {
    // The joiner and the matcher ask for one line in turn, and normalizeText() asks again for what it got (pure: the last answer is reused).
    if (text === lastPlain.in) return lastPlain.out;
    // Printable ASCII holds no colour code, zero-width character or typographic quote: only a placeholder or a terminal's padding can change.
    if (printableAscii(text) && !mayBeEscaped(text) && !hasColour(text)) {
      const plain = unpadded(text);
      const out = plain.includes('<') ? plain.replace(PLACEHOLDER, (m) => m.replace(/ /g, '_')) : plain;
      lastPlain = { in: text, out };
      return out;
    }
  }
  return unescaped(unpadded(text))
    .replace(COLOUR, '')
    .replace(INVISIBLE, '')
    .replace(DOUBLE_QUOTES, '"')
    .replace(SINGLE_QUOTES, "'")
    .replace(PLACEHOLDER, (m) => m.replace(/ /g, '_'));
}

/**
 * Typography a page stored as UTF-8 and showed as Windows-1252 or Latin-1 (mojibake, issue 10: an old
 * forum's or a scraper's copy): `“` (E2 80 9C) read as `â€œ`, `”` as `â€` and U+009D (or `�`, or nothing,
 * where the undefined byte was dropped), `‘` `’` as `â€˜` `â€™`, `…` as `â€¦`, `–` `—` as `â€“` `â€”`, and
 * the same bytes read as Latin-1 (`â` U+0080 U+009C …). No server writes `â€` in its own words.
 */
const MOJIBAKE = /\u00e2(?:\u20ac|\u0080)([\u0153\u009c\u009d\ufffd\u02dc\u0098\u2122\u0099\u00a6\u201c\u0093\u201d\u0094]?)/g;
const MOJIBAKE_OF: Record<string, string> = {
  '\u0153': '\u201c',
  '\u009c': '\u201c',
  '\u009d': '\u201d',
  '\ufffd': '\u201d',
  '': '\u201d',
  '\u02dc': '\u2018',
  '\u0098': '\u2018',
  '\u2122': '\u2019',
  '\u0099': '\u2019',
  '\u00a6': '\u2026',
  '\u201c': '\u2013',
  '\u0093': '\u2013',
  '\u201d': '\u2014',
  '\u0094': '\u2014',
};

/** The text with typography's mojibake ({@link MOJIBAKE}) read back; the same string when it holds none. */
export function unmojibaked(text: string): string {
  return text.includes('\u00e2') ? text.replace(MOJIBAKE, (_m, c: string) => MOJIBAKE_OF[c]!) : text;
}

/**
 * A value a retyped line put in single quotes or Markdown code marks where the server wrote double quotes
 * (`'ssl_stapling' ignored, … certificate '/etc/ssl/a.pem'`, ``certificate status `revoked` ``): the mark
 * opens after the start, a blank or `([:=,` and closes before the end, a blank or `)],;:.!?`, around text that
 * neither starts nor ends with a blank; an apostrophe inside a word (`Can't`, `Let's Encrypt`) is none.
 */
const OTHER_QUOTED =
  /(^|[\s([:=,])(['`\u2018])([^'`\u2018\u2019\s](?:[^'`\u2018\u2019]*?[^'`\u2018\u2019\s])?)['`\u2019](?=$|[\s)\],;:.!?])/g;

/**
 * The text with {@link OTHER_QUOTED} values in double quotes, for a second reading of a message that no
 * rule read as written, or read without an optional quoted value (servers that quote with `'` have rules
 * that say so, and read it as written); null when it holds none.
 */
export function requoted(text: string): string | null {
  if (!text.includes("'") && !text.includes('`') && !text.includes('\u2018')) return null;
  const out = text.replace(OTHER_QUOTED, (_m, before: string, _q: string, value: string) => `${before}"${value}"`);
  return out === text ? null : out;
}

/**
 * Can the text be a copy escaped for HTML or as a JSON string ({@link unescaped})? A cheap test: it
 * holds an `&` or a backslash.
 */
export function mayBeEscaped(text: string): boolean {
  return text.includes('&') || text.includes('\\');
}

/**
 * HTML's character references a page's source or a scraper keeps (`&quot;`, `&#34;`, `&#x22;`, `&amp;quot;` escaped
 * twice), and those for blanks (`&nbsp;`, `&ensp;`, `&emsp;`, `&thinsp;`, `&#32;`, `&#Xa0;`). Names as WHATWG HTML
 * defines them (its named character references: case-sensitive; `&QUOT;` `&AMP;` `&LT;` `&GT;` are defined, `&NBSP;`
 * is not); the `x` of a hexadecimal one in either case, as HTML's tokenizer reads it.
 */
const HTML_REFERENCE = /&(?:(quot|QUOT|apos|amp|AMP|lt|LT|gt|GT|nbsp|ensp|emsp|thinsp);|#(\d{1,7});|#[xX]([0-9a-fA-F]{1,6});)/g;
/** What each named reference of {@link HTML_REFERENCE} stands for; a blank's as a space (the copy's blanks were spaces). */
const NAMED: Record<string, string> = {
  quot: '"',
  QUOT: '"',
  apos: "'",
  amp: '&',
  AMP: '&',
  lt: '<',
  LT: '<',
  gt: '>',
  GT: '>',
  nbsp: ' ',
  ensp: ' ',
  emsp: ' ',
  thinsp: ' ',
};
/**
 * What marks an escaped copy: an escaped quote or slash (JSON's `\"`, `\/` as rsyslog writes every slash,
 * `\u0022`; a single-quoted string literal's `\'` in source code or a test: `'… can\'t retrieve issuer
 * certificate!',`); no server writes a backslash before any of them.
 */
const JSON_MARK = /\\["'/]|\\u00[0-9a-f]{2}/i;
const JSON_ESCAPE = /\\(?:(["'\\/])|u([0-9a-fA-F]{4})|([nrt]))/g;

/**
 * The text with HTML's character references ({@link HTML_REFERENCE}: `&quot;`, `&#39;`, `&nbsp;`, `&#xA0;`, a
 * forum's `&amp;quot;` escaped twice) read back, and nothing else: a `&` that starts none (`?a=1&b=2`) stays, and
 * so does a reference to a control character. The same string when it holds none.
 */
export function unreferenced(text: string): string {
  let t = text;
  for (let pass = 0; pass < 2 && t.includes('&'); pass++) {
    const next = t.replace(HTML_REFERENCE, (m, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
      if (name) return NAMED[name]!;
      const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
      return code >= 0x20 && code !== 0x7f && code <= 0x10ffff && !(code >= 0x80 && code < 0xa0) ? String.fromCodePoint(code) : m;
    });
    if (next === t) break;
    t = next;
  }
  return t;
}

/**
 * What the scanner looks for of HTML's references to a blank (`&nbsp;`, `&#160;`, `&#xA0;` in each case of `x` and
 * of the digit, a space written as `&#32;` or `&#x20;`, the typographic `&ensp;`, `&emsp;`, `&thinsp;`; escaped
 * twice, `&amp;nbsp;`, too): a page's source or an escaped copy writes one for every blank, inside a trigger's words
 * too (`OCSP&nbsp;responder`), where it hides every scan key that holds a blank (`rules/match.ts`). Each is a key of
 * no trigger: a line that holds one is looked up again decoded; a line without `&` never decodes (`hasBlankReference()`).
 */
export const BLANK_REFERENCES: readonly string[] = [
  'nbsp;',
  'ensp;',
  'emsp;',
  'thinsp;',
  '#160;',
  '#32;',
  '#xa0;',
  '#xA0;',
  '#Xa0;',
  '#XA0;',
  '#x20;',
  '#X20;',
];
const BLANK_REFERENCE = /&(?:amp;)?(?:nbsp|ensp|emsp|thinsp|#0*(?:160|32)|#[xX]0*(?:[aA]0|20));/;

/** Does the text hold an HTML reference to a no-break space ({@link BLANK_REFERENCES})? False at once without an `&`. */
export function hasBlankReference(text: string): boolean {
  return text.includes('&') && BLANK_REFERENCE.test(text);
}

/** Where the text's first HTML character reference ({@link unreferenced}) is, or -1. */
export function firstReference(text: string): number {
  return text.includes('&') ? text.search(HTML_REFERENCE) : -1;
}

/**
 * A line copied in an escaped form, decoded back (issue 10, fragments): HTML's character references
 * (a page's source, a scraper, a forum that escapes twice: `&quot;ssl_stapling&quot; ignored`), and
 * JSON string escapes in a piece of a JSON log that is not a whole record (`"log":"… certificate
 * \"/etc/…\"\n","stream":…`: the record decoder takes whole ones, `src/parse/record.ts`), a
 * string literal's `\'`, a Markdown copy's escapes ({@link markdownEscaped}), and typography's mojibake
 * ({@link unmojibaked}: not an escape, but a copy's encoding undone the same way). A reference
 * to a control character stays as written; `\n` `\r` `\t` become blanks.
 */
export function unescaped(text: string): string {
  let t = unreferenced(text);
  t = unmojibaked(t);
  if (t.includes('\\')) t = markdownEscaped(t) ? markdownUnescaped(t) : JSON_MARK.test(t) ? jsonUnescaped(t) : t;
  return t;
}

/**
 * What marks a Markdown copy (issue 10): a backslash before `_`, `*`, `[`, `]`, a backtick, `<` or `>`, which
 * Markdown editors put in front of every such character of pasted text outside code (Reddit's rich-text
 * editor, HTML-to-Markdown converters such as turndown), and posters before an underscore that would
 * start emphasis (`ssl\_stapling\_verify`). No server writes a backslash before them in its own words, and
 * JSON escapes none of them.
 */
const MARKDOWN_MARK = /\\[_*[\]`<>]/;
/** A backslash before any ASCII punctuation character: what CommonMark reads as an escape. */
const MARKDOWN_ESCAPE = /\\([!-/:-@[-`{-~])/g;
/** A backslash before a letter or digit: a Windows path's separator, a JSON `\n` or `\u`; never a Markdown escape. */
const BACKSLASH_ALNUM = /\\[A-Za-z0-9]/;

/**
 * Is the text a Markdown copy whose escapes stand where the server wrote none ({@link MARKDOWN_MARK})? Not
 * when a backslash also stands before a letter or digit: a Windows path (`C:\nginx\_certs\a.pem`) keeps
 * every backslash it has.
 */
export function markdownEscaped(text: string): boolean {
  return text.includes('\\') && MARKDOWN_MARK.test(text) && !BACKSLASH_ALNUM.test(text.replaceAll('\\\\', ''));
}

/** A Markdown copy's escapes undone (every backslash before ASCII punctuation dropped, `\\` read as one backslash). */
export function markdownUnescaped(text: string): string {
  return text.replace(MARKDOWN_ESCAPE, '$1');
}

/**
 * JSON string escapes decoded: native string replacements (a hostile line of 100 KB of backslashes
 * costs no callback per pair); a regex only for `\u` escapes, or when the text already holds the
 * character that stands in for an escaped backslash meanwhile.
 */
function jsonUnescaped(t: string): string {
  const decode = (s: string): string =>
    s.replace(JSON_ESCAPE, (_m, c: string | undefined, u: string | undefined) =>
      c !== undefined ? c : u !== undefined && parseInt(u, 16) >= 0x20 ? String.fromCharCode(parseInt(u, 16)) : ' ',
    );
  if (t.includes(ESCAPED_BACKSLASH) || t.includes('\\u')) return decode(t);
  return t
    .replaceAll('\\\\', ESCAPED_BACKSLASH)
    .replaceAll('\\"', '"')
    .replaceAll("\\'", "'")
    .replaceAll('\\/', '/')
    .replaceAll('\\n', ' ')
    .replaceAll('\\r', ' ')
    .replaceAll('\\t', ' ')
    .replaceAll(ESCAPED_BACKSLASH, '\\');
}
const ESCAPED_BACKSLASH = '\uE000';

/**
 * A terminal's padding (issue 10, wrapping): a screen copied with its rows joined keeps each wrapped row
 * filled with blanks to the screen's width (github.com/nextcloud/nextcloudpi issues 875 and 1012: rows of
 * 80 or 90 characters, each followed by 78 or 96 blanks, `AH0221` + blanks + `7: ssl_stapling_init_cert`,
 * `CN=3311c` + blanks + `3867ffc`). No server writes such a run inside a message; a docker compose
 * service name padded before its `| ` is not one.
 */
const PAD = / {16,}(?!\| )/g;

/**
 * Does the text hold a run of 16 spaces? Such a run covers one offset in every 16, so only those are read, and
 * the run is measured around one that is a space: ~1/16 of the reads of a search (`includes()` of 16 spaces
 * was 8 % of parsing an nginx look-alike line, issue 15). Linear: each probe reads at most 30 more characters.
 */
function holdsPadRun(text: string): boolean {
  for (let i = 15; i < text.length; i += 16) {
    if (text.charCodeAt(i) !== 0x20) continue;
    let a = i;
    let b = i;
    while (a > i - 15 && text.charCodeAt(a - 1) === 0x20) a--;
    while (b - a < 15 && text.charCodeAt(b + 1) === 0x20) b++;
    if (b - a >= 15) return true;
  }
  return false;
}

/**
 * The text with a terminal's padding taken out: when a line holds two or more runs of {@link PAD}, the
 * shortest is the bare padding (the screen's width less the row's), so a run of that length joined a word
 * the wrap cut and goes, and a longer one held a blank of the text as well and becomes one blank. A line
 * with one such run cannot tell which it was and keeps it (later collapsed to one blank).
 */
export function unpadded(text: string): string {
  if (!holdsPadRun(text)) return text;
  const runs = text.match(PAD);
  if (!runs || runs.length < 2) return text;
  const pad = Math.min(...runs.map((r) => r.length));
  return text.replace(PAD, (r) => (r.length > pad ? ' ' : ''));
}

/**
 * The two readings of a text that holds exactly one run of {@link PAD} (else null): the run as one blank,
 * and taken out. A terminal screen of two rows copied onto one line (issue 10: github.com/nextcloud/
 * nextcloudpi issue 1012, `AH02217: ssl_stapli` + 96 blanks + `ng_init_cert: …`, and `Unable to` + 97
 * blanks + `configure`) holds one, and {@link unpadded} cannot tell whether it joined a word the wrap cut
 * or held a blank of the text as well: a reader of the message tries both.
 */
export function onePadRun(text: string): [spaced: string, glued: string] | null {
  if (!holdsPadRun(text)) return null;
  const runs = text.match(PAD);
  return runs?.length === 1 ? [text.replace(PAD, ' '), text.replace(PAD, '')] : null;
}

/** Blanks a paste puts where the server wrote a space (no-break, typographic and ideographic spaces), and zero-width characters. */
const ODD_BLANK = new RegExp(`[${ODD_BLANK_CHARS}]`, 'g');
const ODD_ANY = new RegExp(`[${ODD_BLANK_CHARS}${INVISIBLE_CHARS}]`);

const INVISIBLE_ANY = new RegExp(`[${INVISIBLE_CHARS}]`);

/**
 * The invisible characters a copy puts inside words (a web page's zero-width spaces at its wrapping points,
 * a joiner): one inside each of a trigger's words hides every scan key of the line, so the byte scanner
 * looks for these too (`rules/match.ts`). Bidirectional marks fall between words (around a quoted run),
 * where the keys stay whole.
 */
export const IN_WORD_INVISIBLE: readonly string[] = ['\u200b', '\u200c', '\u200d', '\u2060'];

/** Where the text's first invisible character (see {@link withoutInvisible}) is, or -1. */
export function firstInvisible(text: string): number {
  return text.search(INVISIBLE_ANY);
}

/** Does the text hold an invisible character a copy adds (see {@link withoutInvisible})? */
export function hasInvisible(text: string): boolean {
  return INVISIBLE_ANY.test(text);
}

/**
 * The text without the invisible characters a copy adds (see `INVISIBLE_CHARS`: zero-width characters,
 * bidirectional marks), wherever they fell: in a server's prefix (`02:16:56 \u200b[error]`), in a word
 * (`certi\u200bficate`), around the line. The same string when it holds none.
 */
export function withoutInvisible(text: string): string {
  return hasInvisible(text) ? text.replace(INVISIBLE, '') : text;
}

/**
 * The line with the blanks a web page or editor puts in a copy made plain (issue 10, class 2): a
 * no-break or typographic space becomes a space, a zero-width character goes. Servers write neither
 * (nginx and Apache escape such bytes in values), so the prefix and the OpenSSL error parse as written.
 */
export function unblanked(text: string): string {
  if (!ODD_ANY.test(text)) return text;
  return text.replace(ODD_BLANK, ' ').replace(INVISIBLE, '');
}

/**
 * Colour codes a terminal tool put in a line: ECMA-48 control sequences (SGR `ESC[1;31m`, erase `ESC[K`), as
 * `grep --color`, ccze, grc, docker compose and journalctl write them; and as a copy shows them without
 * the ESC byte, in caret notation (`^[[1;31m`: `cat -v`, `less`) or with the ESC lost (`[1;31m…[0m`, `[m[K`
 * in a pasted issue: only SGR with a number, or `[m` / `[K` next to another code).
 */
const COLOUR = new RegExp(
  [
    '\\u001b\\[[0-9;?]*[A-Za-z]',
    '\\^\\[\\[[0-9;?]*[A-Za-z]',
    '\\[\\d{1,3}(?:;\\d{1,3})*m',
    '\\[m(?=\\[K)',
    '(?<=\\[\\d{1,3}(?:;\\d{1,3})*m|\\[m)\\[K',
  ].join('|'),
  'g',
);

/** `[` before a digit: where a colour code that lost its ESC starts. */
const BRACKET_DIGIT = /\[\d/;

/**
 * Does the text hold `[` before a digit ({@link BRACKET_DIGIT})? A native search for each `[` and a test of the
 * character after it: the regex read every character of a line without one (13 % of parsing a look-alike line).
 */
function holdsBracketDigit(text: string): boolean {
  if (!fastPathsOn()) return BRACKET_DIGIT.test(text);
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) {
    const c = text.charCodeAt(i + 1);
    if (c >= 0x30 && c <= 0x39) return true;
  }
  return false;
}
// The last two texts hasColour() was asked about and its answers (a line and its message are asked in turn).
let colourText = '';
let colourHolds = false;
let colourText2 = '';
let colourHolds2 = false;

/**
 * The line without the colour codes a terminal tool or a copy of its output left in it ({@link COLOUR}), for
 * finding its scan keys and triggers: a code may split a phrase (`grep --color` around a word). Values are
 * read elsewhere with the codes inside them kept (`parseLine()` maps the message back: a client's bytes in
 * a value are the value's own). The text itself when it holds none.
 */
export function uncoloured(text: string): string {
  return hasColour(text) ? text.replace(COLOUR, '') : text;
}

/**
 * The text without colour codes ({@link uncoloured}) and, for each of its characters, where it stands in
 * `text` (UTF-16 offsets).
 */
export function colourMap(text: string): { clean: string; toRaw: number[] } {
  const toRaw: number[] = [];
  let clean = '';
  let from = 0;
  const keep = (to: number): void => {
    for (let i = from; i < to; i++) toRaw.push(i);
    clean += text.slice(from, to);
  };
  COLOUR.lastIndex = 0;
  for (let m = COLOUR.exec(text); m !== null; m = COLOUR.exec(text)) {
    keep(m.index);
    from = m.index + m[0].length;
  }
  keep(text.length);
  return { clean, toRaw };
}

/** Can the text hold a colour code ({@link COLOUR})? Searches for where one can start. */
export function hasColour(text: string): boolean {
  if (text === colourText) return colourHolds;
  if (text === colourText2) return colourHolds2;
  colourText2 = colourText;
  colourHolds2 = colourHolds;
  colourText = text;
  // (Native searches: an ESC, caret notation, grep's `m[K`; then a code that lost its ESC.)
  colourHolds = text.includes('\u001b') || text.includes('^[[') || text.includes('m[K') || holdsBracketDigit(text);
  return colourHolds;
}

/**
 * The text without a poster's cut marker at its end (`…`, `...`, `[...]`, `(...)`, `<...>`), as
 * {@link normalizeText} removes it, for reading values from the text as written. Linear: the marker is
 * searched for only when the text ends like one.
 */
export function withoutCutMarker(text: string): string {
  const t = text.trimEnd();
  if (lessChopped(t)) return t.slice(0, -1);
  if (!CUT_ENDS.includes(t[t.length - 1] ?? 'x') || !holdsEllipsis(t)) return text;
  const cut = TRAILING_CUT.exec(t);
  return cut && cut.index > 0 ? t.slice(0, cut.index) : text;
}

/** The last printable-ASCII text {@link plainText} was given and its answer (also printable ASCII). */
let lastPlain = { in: '', out: '' };

/** A poster's placeholder with blanks in it (`<server domain>`): written `<server_domain>`, so it stays one value. */
const PLACEHOLDER = /<[A-Za-z][\w.-]*(?: [\w.-]+){1,4}>/g;

/**
 * Normalise a message for matching (see the module comment for what changes).
 * @param text the message as parsed
 */
export function normalizeText(text: string): NormalizedText {
  if (!fastPathsOn()) return normalizeFull(text, false);
  // The matcher and the joiner normalise a line and its message several times in turn (pure: the last two results are reused).
  let hit = recentNormalized.find((r) => r.in === text);
  if (!hit) {
    hit = { in: text, out: normalizeFull(text, true) };
    recentNormalized.unshift(hit);
    if (recentNormalized.length > 2) recentNormalized.pop();
  }
  return { ...hit.out };
}

const recentNormalized: { in: string; out: NormalizedText }[] = [];

/**
 * {@link normalizeText} in full. `guarded`: each replacement runs only when the text can hold what it
 * replaces (a run of blanks; a mark at either end; an ellipsis at the end): the same result, without a
 * regex scan of every message for marks that are almost never there.
 */
function normalizeFull(text: string, guarded: boolean): NormalizedText {
  const p = plainText(text);
  // (A text plainText() just gave as printable ASCII needs only the test for two blanks.)
  const simple = guarded && (p === lastPlain.out ? !p.includes('  ') : !NOT_SIMPLE.test(p));
  let t = (simple ? p : p.replace(BLANKS, ' ')).trim();
  if (!guarded || LIST_MARKER_CHARS.includes(t[0] ?? '.')) t = t.replace(LIST_MARKER, '');
  if (!guarded || t.charCodeAt(t.length - 1) >= 0x3000) t = t.replace(TRAILING_FULL_WIDTH, '').trimEnd();
  t = withoutOtherScriptTail(t); // (a look at the last character when it is a letter or digit)
  // (The cut marker holds `...` or `…`.)
  if (!guarded || (t.includes('[') && holdsEllipsis(t))) t = t.replace(LEADING_CUT, '$1');
  const md = guarded && !MARK_CHARS.includes(t[0] ?? '.') ? null : MARKDOWN_ENDS.exec(t);
  if (md && md[2]!.length > 0) t = md[2]!.trim();
  // A closing code/emphasis mark whose opening one was part of a wrapper removed in front.
  // (Not a code mark that closes one opened inside the text: ``… resolve `r3.o.lencr.org` ``, a retyped value.)
  if (!guarded || t.endsWith('`') || t.endsWith('*')) t = t.replace(unpairedCodeMark(t) ? /(?<=\S)[`*]+$/ : /(?<=\S)\*+$/, '');
  if (!guarded || t.endsWith('_')) t = t.replace(/(?<=[^\w\s])_+$/, '');
  if (!guarded || t.endsWith('\\n')) t = t.replace(TRAILING_ESCAPED_NEWLINE, '');
  t = t.trimEnd();
  let cutMarker = false;
  // Every cut marker ends with `.`, `…`, `]`, `)` or `>` and holds `...` or `…`.
  const canCut = !guarded || (CUT_ENDS.includes(t[t.length - 1] ?? 'x') && holdsEllipsis(t));
  const cut = canCut ? TRAILING_CUT.exec(t) : null;
  if (cut && cut.index > 0) {
    t = t.slice(0, cut.index).trimEnd();
    cutMarker = true;
  } else if (lessChopped(t)) {
    t = t.slice(0, -1).trimEnd();
    cutMarker = true;
  }
  return { text: t, cutMarker };
}

const MARK_CHARS = '`*_';

/** Does the text hold an odd number of code marks (a backtick), so that the last one closes none opened in it? */
function unpairedCodeMark(t: string): boolean {
  let n = 0;
  for (let i = t.indexOf('`'); i !== -1; i = t.indexOf('`', i + 1)) n++;
  return n % 2 === 1;
}

/** Does the text hold `...` or `…`, which every cut marker a poster writes holds? */
export function holdsEllipsis(t: string): boolean {
  return t.includes('...') || t.includes('\u2026');
}
const CUT_ENDS = '.\u2026])>';

/** The shortest message read as chopped by `less` (the line it ends, with its prefix, is a screen's row). */
const MIN_CHOPPED = 20;

/**
 * Was the text chopped at a screen's edge by `less -S` (journalctl's pager: SYSTEMD_LESS=FRSXMK), which
 * since less 551 marks a chopped line with `>` in its last column, over whatever character was there
 * (`--rscroll`, the default mark; a blank too: `… certificate status, >`): a `>` after a character that is
 * not one of `<>-=` (`->`, `=>` are a poster's arrows), with no `<` before it that it would close
 * (`</code>`, `<VirtualHost *:443>`), ending a text of `min` characters at least (a message after a
 * server's prefix: any; else {@link MIN_CHOPPED}). No server ends a message with a `>` that closes no `<`.
 */
export function lessChopped(t: string, min = MIN_CHOPPED): boolean {
  if (t.length < min || t.charCodeAt(t.length - 1) !== 0x3e) return false;
  if ('<>-='.includes(t[t.length - 2]!)) return false;
  const open = t.lastIndexOf('<');
  return open === -1 || open < t.lastIndexOf('>', t.length - 2);
}

/** Is every character of the text printable ASCII (U+0020 to U+007E: no tab, control, or anything beyond ASCII)? */
export function printableAscii(text: string): boolean {
  return !NOT_PRINTABLE_ASCII.test(text);
}
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;
/** A character beyond printable ASCII, or a run of two blanks: what only the full blank replacement handles. */
const NOT_SIMPLE = /[^\x20-\x7e]| {2}/;

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/g;
const looseCache = new Map<string, RegExp>();

/**
 * The pattern that finds a trigger in normalised text whatever its case and with its quotes optional
 * (a paste drops the quotes around `ssl_stapling`, or only one of them, or every quote of a retyped
 * line) or doubled (a CSV export's field: `""ssl_stapling"" ignored`). A quote that opens a value the
 * trigger does not close (`BIO_new_file("`, `Invalid command 'SSL`) is captured, so that
 * {@link canonicalTrigger} writes it back only where the text had it; at the end of the trigger it may be
 * lost only before the value itself (`BIO_new_file(/etc/…`), not before a blank,
 * a quote, a closing bracket or `,;:`: without that, `BIO_new_file() failed` would be taken for it, and
 * nginx's `… while requesting certificate status, responder: …` for `certificate status "`. A tag the
 * trigger names may have lost its brackets, or be gone ({@link TRIGGER_TAG}).
 */
export function looseTriggerPattern(trigger: string): RegExp {
  let re = looseCache.get(trigger);
  if (!re) {
    const t = trigger.trim();
    const opening = openingQuotes(t);
    const body = t
      .split('')
      .map((c, i) =>
        c === '"' || c === "'"
          ? !opening.has(i)
            ? `["'\`]{0,2}`
            : i === t.length - 1
              ? `(["'\`]|(?=[^\\s"'\`)\\],;:]))`
              : `(["'\`]?)`
          : c === ' '
            ? ' ?'
            : c.replace(REGEX_SPECIAL, '\\$&'),
      )
      .join('');
    // A tag the trigger names (`<VirtualHost>`) may have lost its brackets or gone whole (see {@link TRIGGER_TAG}).
    const tagged = body.replace(TRIGGER_TAG, (_m, name: string) => `(?:<?${name}>?)?`);
    // A trigger that ends with a blank (`…responder error `) may end the text: the blank was trimmed.
    re = new RegExp(/\s$/.test(trigger) ? `${tagged}(?: |$)` : tagged, 'i');
    looseCache.set(trigger, re);
  }
  return re;
}

/**
 * A tag in a trigger (`SSLStaplingCache cannot occur within <VirtualHost> section`, httpd's
 * `ap_check_cmd_context()`): a retyped copy drops its brackets (`within VirtualHost section`, two troubleshooting
 * pages, index file ids 32815318172 and 32374645881), and a page rendered from HTML loses it whole, taken for an
 * unknown tag (`within  section`). Its name as the escaped trigger writes it (`.` as `\.`).
 */
const TRIGGER_TAG = /<([A-Za-z][\w\\.-]*)>/g;

/** Indices of the quotes of a trimmed trigger that open a value it does not close: the last of a kind it holds an odd number of. */
function openingQuotes(t: string): Set<number> {
  const out = new Set<number>();
  for (const q of ['"', "'"]) {
    const at = [...t].flatMap((c, i) => (c === q ? [i] : []));
    if (at.length % 2 === 1) out.add(at[at.length - 1]!);
  }
  return out;
}

/**
 * The longest piece of a trigger that any text {@link looseTriggerPattern} finds it in must hold as it
 * is but for ASCII case (a run of the trimmed trigger without blanks and quotes, only ASCII characters),
 * in lower case; '' when the trigger has none. A text whose lower-case form lacks it cannot hold the
 * trigger: a substring test that spares the case-insensitive regex on most candidates.
 */
export function looseTriggerCore(trigger: string): string {
  return looseTriggerRuns(trigger).reduce((a, b) => (b.length > a.length ? b : a), '');
}

/**
 * Every piece of a trigger that a text holding it loosely holds as it is but for ASCII case (see
 * {@link looseTriggerCore}), in lower case.
 */
export function looseTriggerRuns(trigger: string): string[] {
  // (A tag may be gone from a text that holds the trigger: it is no piece of it.)
  return trigger
    .replace(TRIGGER_TAG, ' ')
    .trim()
    .split(/[ "']/)
    .filter((r) => /^[\x00-\x7f]+$/.test(r))
    .map((r) => r.toLowerCase());
}

/**
 * Write a trigger back in its own form where normalised text holds it in another case or without its
 * quotes: `No resolver defined to resolve x` → `no resolver defined to resolve x`,
 * `ssl_stapling ignored, …` → `"ssl_stapling" ignored, …`.
 * @returns the text with the trigger's own form, or null when the trigger is not in it at all
 */
export function canonicalTrigger(text: string, trigger: string): string | null {
  if (text.includes(trigger)) return text;
  const m = looseTriggerPattern(trigger).exec(text);
  if (!m) return null;
  // The trigger's own form, with its leading and trailing blanks only where the match had them, and
  // a quote that opens a value only where the text had it (a retyped line dropped it: the value follows
  // unquoted, and the rules' unquoted twins read it so).
  const own = trigger.trim();
  const opening = [...openingQuotes(own)].sort((a, b) => a - b);
  let body = own;
  opening.forEach((at, k) => {
    if (m[k + 1]) return;
    body = body.slice(0, at) + '\u0000' + body.slice(at + 1);
  });
  if (body !== own) body = body.replace(/ ?\u0000$/, '').replace(/\u0000/g, '');
  const t = (/^\s/.test(m[0]) ? ' ' : '') + body + (/\s$/.test(m[0]) ? ' ' : '');
  return text.slice(0, m.index) + t + text.slice(m.index + m[0].length);
}

// Words of ordinary error-log text: a trigger token that is one of these would make the byte scanner
// hand over every line of a busy log (upstream timeouts, 404s, TLS handshake noise).
const COMMON = new Set(
  (
    'failed failure error errors certificate certificates response request server client cannot unable invalid ' +
    'reading header headers status connection connect timeout address configure configured supported support ' +
    'during existing already length buffer memory allocating initialize initialise permissions argument encoding ' +
    'incomplete expected unexpected maximum exceeded closed unknown successful complete completed parsing parse ' +
    'serial section register create decode encode removed saving cached caching checking update validity period ' +
    'outside refused network returned required defined resolve resolved resolving extract process worker upstream ' +
    'string module within occurred because before should ignored mismatch retrieve available obtaining exceeds ' +
    'acquire release initialized allocate answer present verify verification validation sending writing command ' +
    'configuration included expect perhaps misspelled http https host context requests request' +
    ' connecting loading ' +
    'connect() send() recv() open() read() write() close() accept() bind() listen() fopen() stat() opendir() readdir()'
  ).split(' '),
);

/**
 * The rare words of a text (see {@link scanKeys}): words that may serve as byte-scanner keys.
 * @param jargon only words that look like code or configuration (`_`, `()`, digits, `CamelCase`, `OCSP`)
 */
export function rareWords(text: string, jargon = false): string[] {
  const words = (text.match(/[^\s"'`]+/g) ?? []).map((w) =>
    w
      .replace(/^[^\w]+/, '')
      .replace(/[^\w()]+$/, '')
      .replace(/(?<!\()\)$/, ''),
  );
  return [...new Set(words.filter((w) => rareToken(w) && (!jargon || /[_()\d]|[a-z][A-Z]|^[A-Z]{4,}$/.test(w))))];
}

/** Is a trigger token rare enough in ordinary error logs to be a byte-scanner key on its own? */
function rareToken(tok: string): boolean {
  if (tok.length < 4 || COMMON.has(tok.toLowerCase())) return false;
  if (/[_()\d]/.test(tok) || /^[A-Z]{4,}$/.test(tok) || /[a-z][A-Z]/.test(tok)) return true;
  return tok.length >= 6 && !COMMON.has(tok.toLowerCase());
}

/**
 * Literal pieces of a trigger that the byte scanner looks for instead of the whole trigger, chosen so
 * that normalisation cannot hide a line: no quote character (typographic quotes, dropped quotes), no
 * white space (runs of blanks), not the trigger's first letter when it is a lower-case letter (a paste
 * capitalises it). They are whole words of the trigger, so a message a terminal or forum wrapped at a
 * word boundary still has every key intact on some physical line; with two keys a hard wrap inside one
 * leaves the other. A trigger with no rare word keeps its longest quote-free stretch as its one key.
 * @returns one or two keys, each at least 3 characters, each contained in the trigger
 */
export function scanKeys(trigger: string): string[] {
  let keys = keysCache.get(trigger);
  if (!keys) keysCache.set(trigger, (keys = findScanKeys(trigger)));
  return [...keys];
}

/** {@link scanKeys} of the triggers seen (a matcher is made per analyzer). */
const keysCache = new Map<string, readonly string[]>();

function findScanKeys(trigger: string): string[] {
  const words = [...trigger.matchAll(/[^\s"']+/g)].map((m) => ({ at: m.index, text: m[0] }));
  const keys: string[] = [];
  for (const w of words) {
    // Punctuation around a word is not part of the key; a call's `()` (or an opening `(`) is.
    const word = w.text
      .replace(/^[^\w]+/, '')
      .replace(/[^\w()]+$/, '')
      .replace(/(?<!\()\)$/, '');
    if (!rareToken(word)) continue;
    keys.push(w.at === 0 && /^[a-z]/.test(word) ? word.slice(1) : word);
  }
  const ranked = [...new Set(keys)].filter((k) => k.length >= 3).sort((a, b) => keyScore(b) - keyScore(a) || a.localeCompare(b));
  // One long key: its halves, so that a terminal's hard wrap inside it still leaves one whole.
  if (ranked.length === 1) return halves(ranked[0]!) ?? ranked;
  if (ranked.length > 0) return ranked.slice(0, 2);
  // No rare word: the longest stretch without quotes, without a capitalisable first letter, without
  // punctuation at its ends (a wrap after `resolved` must not hide `could not be resolved (`).
  const parts = trigger
    .split(/["']/)
    .map((p, i) => (i === 0 ? p.replace(/^\s*[a-z]/, '') : p).replace(/^[^\w]+/, '').replace(/[^\w)]+$/, ''));
  const core = parts.reduce((a, b) => (b.length > a.length ? b : a), '');
  return [core.length >= 3 ? core : trigger];
}

/** A long identifier cut at the `_` or case change nearest its middle (both halves at least 4 long), or null. */
function halves(key: string): [string, string] | null {
  if (key.length < 10) return null;
  let best: [string, string] | null = null;
  let bestDistance = Infinity;
  for (let i = 4; i <= key.length - 4; i++) {
    const underscore = key[i - 1] === '_';
    if (!underscore && !(/[a-z]/.test(key[i - 1]!) && /[A-Z]/.test(key[i]!))) continue;
    const pair: [string, string] = [key.slice(0, underscore ? i - 1 : i), key.slice(i)];
    // Each half must be a key on its own (`ssl` of `ssl_stapling` or `next` of `nextUpdate` is not).
    if (!pair.every(rareToken)) continue;
    const d = Math.abs(i - key.length / 2);
    if (d < bestDistance) [best, bestDistance] = [pair, d];
  }
  return best;
}

/** Prefer long, jargon-like keys (an underscore, parentheses, an acronym): they are rarest in logs. */
function keyScore(k: string): number {
  return k.length + (/[_()]/.test(k) ? 10 : 0) + (/^[A-Z]{4,}$/.test(k) ? 4 : 0);
}

/** A poster's redactions that read the same in any case (or hold no letter), whole values or parts of a path. */
const REDACTED_CASELESS = [
  /^(?:\.{3,}|\u2026)$/, // ...
  /^<[^<>]{1,40}>$/, // <...>, <server domain>, <SERVER_PUBLIC_IP>
  /^\[?(?:redacted|hidden|removed|masked)\]?$/i,
  /^x{3,}(?:\.[a-z]{2,})*$/i, // xxxxx, xxxxx.com
  /^(?:x{1,3}\.){3}x{1,3}$/i, // x.x.x.x, xxx.xxx.xxx.xxx
  // your-domain, mydomain.com, domain.tld, example.com, server_name: a generic word made a placeholder.
  /^(?:(?:your|my|the)[-_]?(?:domain|server|host|hostname|site|example)(?:[-_. ]?(?:name|tld|com))?|(?:domain|server|host|hostname|site|example)[-_. ]?(?:name|tld|com))$/i,
];
/**
 * The redactions as two tests, not seven: those of {@link REDACTED_CASELESS} as alternatives of one
 * case-insensitive regex, and `*****.com`, whose top-level domain is in lower case (a value that is no
 * redaction, a certificate path part by part, ran every regex: issue 15).
 */
const REDACTED = [
  new RegExp(REDACTED_CASELESS.map((r) => `(?:${r.source})`).join('|'), 'i'),
  /^\*{3,}(?:\.[a-z]{2,})*$/, // *****, *******.com
];
/**
 * A generic word alone stands for a redacted value only when it is the whole value (`responder: domain`,
 * `vhost: example`): in a path it is a real name, as administrators call files and folders
 * (`/etc/ssl/server.crt`, `/etc/nginx/ssl/site.pem`, `/srv/host/cert.pem`), which was said to be redacted.
 */
const GENERIC_WHOLE = /^(?:domain|server|host|site|example)$/i;

/**
 * Does a captured value look redacted by the poster (`...`, `<...>`, `<server domain>`, `xxxxx.com`,
 * `x.x.x.x`, `*****`, `your-domain`, a generic word alone: `domain`), or, for a path or URL, does one of
 * its parts (`/etc/letsencrypt/live/example.com/fullchain.pem`; not `/etc/ssl/server.crt`)?
 */
export function looksRedacted(value: string): boolean {
  // A long value is not remembered: the map would keep its line alive (a slice keeps its whole string).
  // Nor is one without a `/`: its few anchored tests cost less than a lookup, and such values are often
  // new on every line (a client certificate's serial, the line's time: the map filled and was cleared
  // every 4 096 lines, ~1.5 µs per AH02276 line of the look-alike-heavy log).
  if (!fastPathsOn() || value.length > REDACTED_SEEN_VALUE_MAX || !value.includes('/')) return redacted(value);
  // Paths and URLs repeat (a responder, a certificate path on every failure), and each of their parts is
  // tested: the answers are remembered (bounded).
  let r = redactedSeen.get(value);
  if (r === undefined) {
    if (redactedSeen.size >= 4096) redactedSeen.clear();
    redactedSeen.set(value, (r = redacted(value)));
  }
  return r;
}
const redactedSeen = new Map<string, boolean>();
/** Longest value {@link looksRedacted} remembers (characters): 512 (4 096 subjects of 60 KiB lines held 79 MB). */
const REDACTED_SEEN_VALUE_MAX = 512;

function redacted(value: string): boolean {
  const v = value.trim();
  if (GENERIC_WHOLE.test(v) || REDACTED.some((r) => r.test(v))) return true;
  if (/^\w+:\/\//.test(v) || v.includes('/')) {
    return v
      .replace(/^\w+:\/\//, '')
      .split(/[/:]/)
      .some((part) => part !== '' && REDACTED.some((r) => r.test(part.replace(/\.(?:crt|pem|cer|key|der)$/, ''))));
  }
  return false;
}

/**
 * Does the text open a quote, parenthesis or bracket it does not close (a message cut, or wrapped
 * before its end)? Apostrophes are not counted (`Can't`).
 */
export function unbalanced(text: string): boolean {
  if (fastPathsOn()) return OPENERS.test(text) && unbalancedUnits(text); // nothing opened: balanced
  let quotes = 0;
  let depth = 0;
  for (const c of text) {
    if (c === '"') quotes++;
    else if (quotes % 2 === 0) {
      if (c === '(' || c === '[') depth++;
      else if ((c === ')' || c === ']') && depth > 0) depth--;
    }
  }
  return quotes % 2 === 1 || depth > 0;
}

const OPENERS = /["([]/;

/** The characters {@link unbalanced} counts. */
const MARKS = /["()[\]]/g;

/**
 * {@link unbalanced} over UTF-16 code units: the same answer (no half of a surrogate pair is a quote or
 * bracket). The regex steps from mark to mark: a loop over every code unit took 1.3 us on a 330-character
 * Apache line (issue 15), the steps 0.55 us.
 */
function unbalancedUnits(text: string): boolean {
  let quotes = 0;
  let depth = 0;
  MARKS.lastIndex = 0;
  while (MARKS.test(text)) {
    const c = text.charCodeAt(MARKS.lastIndex - 1);
    if (c === 0x22) quotes++;
    else if (quotes % 2 === 0) {
      if (c === 0x28 || c === 0x5b) depth++;
      else if (depth > 0) depth--;
    }
  }
  return quotes % 2 === 1 || depth > 0;
}

/** Text as {@link endsWithPrefixOf} compares it: lower case, without quotes. */
export function loose(text: string): string {
  return text.toLowerCase().replace(/["']/g, '');
}

/**
 * Does the text end with a proper beginning of `phrase` (at least `min` characters; one shorter than
 * six must start at a word boundary of the text), compared loosely (case and quotes ignored)? Then
 * the rest of the phrase may be on the next physical line.
 * @param preloosened both arguments are already {@link loose}
 */
export function endsWithPrefixOf(text: string, phrase: string, min = 3, preloosened = false): boolean {
  const p = preloosened ? phrase : loose(phrase.trim());
  const t = preloosened ? text : loose(text);
  const last = t[t.length - 1];
  for (let j = Math.min(p.length - 2, t.length - 1); j >= min - 1; j--) {
    if (p[j] !== last) continue;
    const n = j + 1;
    if (!t.endsWith(p.slice(0, n))) continue;
    const before = t.length - n - 1;
    if (n >= 6 || before < 0 || !/\w/.test(t[before]!) || !/\w/.test(p[0]!)) return true;
  }
  return false;
}

/**
 * Does the text begin with a proper end of `phrase` (at least `min` characters, ending the phrase and
 * starting at a word boundary of it), compared loosely? Then the phrase began on the line before.
 */
export function startsWithSuffixOf(text: string, phrase: string, min = 3): boolean {
  const p = phrase.trim().toLowerCase().replace(/["']/g, '');
  const t = text.trimStart().toLowerCase().replace(/["']/g, '');
  for (let n = Math.min(p.length - 1, t.length); n >= min; n--) {
    if (t.startsWith(p.slice(p.length - n))) return true;
  }
  return false;
}

/** A markdown code span: one backtick, text without a backtick or line break, one backtick. Linear. */
const CODE_SPAN = /`([^`\n]+)`/g;

/**
 * The markdown code spans of a line of prose, innermost text only (issue 10: an audit report's ``nginx logs
 * `ssl_stapling ignored, host not found in OCSP responder` and stapling does nothing``; a troubleshooting
 * list's ``- `…` → DNS resolution failure for OCSP``): a poster quoting a message in running text marks
 * where it begins and ends. Empty when the line has no span, or when its only span is the whole line
 * (already read as the message).
 * @param text a message as parsed
 */
export function codeSpans(text: string): string[] {
  const out: string[] = [];
  if (text.indexOf('`') !== text.lastIndexOf('`'))
    for (const m of text.matchAll(CODE_SPAN)) {
      const span = m[1]!.trim();
      if (span !== '' && m[0].length < text.trim().length) out.push(span);
    }
  if (mayHoldMarkupSpan(text)) out.push(...markupSpans(text));
  return out;
}

/**
 * An opening of inline markup a poster quotes a message in, in running text: Jira's and Confluence's `{{…}}`,
 * `{code}` / `{code:…}` and `{noformat}` (Atlassian's text formatting notation); BBCode's `[code]`, `[icode]`
 * (XenForo), `[plain]`, `[tt]`, in any case, `[code=…]` too; HTML's `<code>`, `<kbd>`, `<samp>`, `<tt>` in a page's
 * source. Its closing mark is {@link closingMark}.
 */
const MARKUP_OPEN =
  /\{\{|\{(code|noformat)(?::[^{}\n]{0,80})?\}|\[(icode|code|plain|tt)(?:=[^\]\n]{0,30})?\]|<(code|kbd|samp|tt)(?:\s[^<>]{0,60})?>/gi;

/** The mark that closes an opening of {@link MARKUP_OPEN}, lower-cased. */
function closingMark(m: RegExpExecArray): string {
  if (m[1]) return `{${m[1].toLowerCase()}}`;
  if (m[2]) return `[/${m[2].toLowerCase()}]`;
  if (m[3]) return `</${m[3].toLowerCase()}>`;
  return '}}';
}

/** Can the text hold a span of inline markup ({@link MARKUP_OPEN})? A cheap test: `{`, `[/` or `</` in it. */
export function mayHoldMarkupSpan(text: string): boolean {
  return text.includes('{') || text.includes('[/') || text.includes('</');
}

/**
 * The spans of inline markup in a line of prose ({@link MARKUP_OPEN}: `I get {{OCSP responder returns …}} in my
 * log`, `the log says [icode]ssl_stapling ignored, …[/icode] every time`), the text between each opening and the
 * first closing mark after it, trimmed; not one that is the whole line (`unmarked()` takes that). Spans do not
 * overlap, and a closing mark the text lacks is searched for once: linear in the text for each kind of mark.
 */
function markupSpans(text: string): string[] {
  const out: string[] = [];
  const lower = text.toLowerCase();
  const missing = new Set<string>();
  const re = new RegExp(MARKUP_OPEN.source, 'gi');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const close = closingMark(m);
    if (missing.has(close)) continue;
    const from = m.index + m[0].length;
    const end = lower.indexOf(close, from);
    if (end < 0) {
      missing.add(close);
      continue;
    }
    const span = text.slice(from, end).trim();
    if (span !== '' && (m.index > 0 || end + close.length < text.length)) out.push(span);
    re.lastIndex = end + close.length;
  }
  return out;
}
