/**
 * Keeping log content from acting on the user's terminal. Log lines carry text chosen by strangers
 * (client addresses, SNI names, request lines), which may hold escape sequences (ANSI CSI/OSC:
 * colours, title changes, hyperlinks, OSC 52 clipboard writes) or bidi overrides that reorder text.
 */

// C0 controls (incl. ESC, BEL), DEL, C1 controls (incl. the 8-bit CSI U+009B and OSC U+009D), bidi
// embedding/override/isolate marks, zero-width and line/paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\u001b': '\\e' };

/**
 * Make text safe to print to a terminal: every control, bidi and invisible formatting character is
 * written visibly as an escape (`\e`, `\x07`, `\u202e`); backslashes stay as they are.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// JSON.stringify escapes U+0000–U+001F already; these it would leave raw.
const JSON_EXTRA = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * JSON text of a value in which every control, bidi and invisible character is a `\uXXXX` escape, so
 * the output is safe to print and still parses to the same strings.
 */
export function safeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(JSON_EXTRA, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
