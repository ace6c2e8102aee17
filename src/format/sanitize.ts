/**
 * Keeping log content from acting on the user's terminal. Log lines carry text chosen by strangers
 * (client addresses, SNI names, request lines), which may hold escape sequences (ANSI CSI/OSC:
 * colours, title changes, hyperlinks, OSC 52 clipboard writes) or bidi overrides that reorder text,
 * or invisible characters that hide text (zero-width, Unicode tag characters, Hangul fillers,
 * variation selectors).
 */

/**
 * Every character that is not shown as itself, by Unicode class rather than by list: controls (Cc: C0
 * incl. ESC and BEL, DEL, C1 incl. the 8-bit CSI U+009B and OSC U+009D), format characters (Cf: bidi
 * marks, embeddings, overrides and isolates, zero-width characters, the soft hyphen, the BOM,
 * interlinear annotation marks, tag characters), line and paragraph separators (Zl, Zp) and the
 * Default_Ignorable_Code_Point property (Unicode's "invisible unless supported" set: the combining
 * grapheme joiner U+034F, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the Khmer vowels U+17B4/5,
 * the Mongolian free variation selectors U+180B–U+180F, the variation selectors U+FE00–U+FE0F and
 * U+E0100–U+E01EF, and the rest of U+E0000–U+E0FFF). Source: Unicode 15 `DerivedCoreProperties.txt`
 * and `UnicodeData.txt`, as V8's `\p{…}` implements them.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
const UNSAFE_CHAR = new RegExp(UNSAFE.source, 'u');
/** The same set without the controls JSON.stringify escapes itself (U+0000–U+001F). */
const JSON_EXTRA = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\u001b': '\\e' };

/** The visible escape of one unsafe character: `\e`, `\x07`, `\u202e`, `\u{e0041}`. */
function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.codePointAt(0)!;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Make text safe to print to a terminal: every control, bidi and invisible formatting character is
 * written visibly as an escape (`\e`, `\x07`, `\u202e`, `\u{e0041}`); backslashes stay as they are.
 * Lone surrogates (from JSON or bad input) are left to the output encoding, which replaces them.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/**
 * {@link terminalSafe}, cut to at most `width` characters of output (escapes counted as printed) with
 * `…` marking a cut. The cut falls between characters of the original text, so an escape is never
 * cut in half (`\u20` of `\u202e`) and a surrogate pair is never split.
 * @param width the most characters returned, `…` included (at least 1)
 */
export function terminalSafeCut(text: string, width: number): string {
  const safe = terminalSafe(text);
  if (safe.length <= width) return safe;
  let out = '';
  for (const ch of text) {
    const piece = UNSAFE_CHAR.test(ch) ? escapeChar(ch) : ch;
    if (out.length + piece.length > width - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** `\uXXXX` escapes of a character's UTF-16 code units (a surrogate pair for astral characters). */
function jsonEscape(c: string): string {
  let out = '';
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * JSON text of a value in which every control, bidi and invisible character is a `\uXXXX` escape, so
 * the output is safe to print and still parses to the same strings.
 */
export function safeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(JSON_EXTRA, jsonEscape);
}
