/**
 * Keeping log content from acting on the user's terminal. Log lines carry text chosen by strangers
 * (client addresses, SNI names, request lines), which may hold escape sequences (ANSI CSI/OSC:
 * colours, title changes, hyperlinks, OSC 52 clipboard writes) or bidi overrides that reorder text,
 * or invisible characters that hide text (zero-width, Unicode tag characters).
 */

// C0 controls (incl. ESC, BEL), DEL, C1 controls (incl. the 8-bit CSI U+009B and OSC U+009D), the
// Arabic letter mark, Mongolian vowel separator, zero-width and bidi marks, line/paragraph separators,
// bidi embeddings/overrides/isolates, invisible operators, the BOM, interlinear annotation marks and
// the Unicode tag characters U+E0000–U+E007F (invisible "ASCII smuggling").
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\u001b': '\\e' };

/**
 * Make text safe to print to a terminal: every control, bidi and invisible formatting character is
 * written visibly as an escape (`\e`, `\x07`, `\u202e`, `\u{e0041}`); backslashes stay as they are.
 * Lone surrogates (from JSON or bad input) are left to the output encoding, which replaces them.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.codePointAt(0)!;
    if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// JSON.stringify escapes U+0000–U+001F (and lone surrogates) already; these it would leave raw.
const JSON_EXTRA = /[\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;

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
