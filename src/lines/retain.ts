/**
 * Pieces of a line kept after the line itself is gone (by a finding, or by the correlator while a
 * failure waits for its confirmation), as their own capped copies: V8 represents a slice of a long
 * string as a reference into it, so a 40-character value cut from a 64 KiB line would keep the whole
 * line alive.
 */

/**
 * Characters of a line kept (the human report's default width is 160; terminals are rarely wider than
 * 400): the rest is dropped and the line's length kept beside it.
 */
export const EVIDENCE_TEXT_MAX = 512;
/** Characters of a captured value kept (a DN, a path, an OpenSSL error block); longer ones end in `…`. */
export const VALUE_MAX = 1024;

/**
 * A copy of `s` that does not keep the string it was cut from alive (concatenating and slicing again
 * makes V8 copy the characters into a new flat string).
 * @param max longest result in characters (UTF-16 code units); longer text is cut and ends in `…` when `mark`
 */
export function ownText(s: string, max: number, mark = true): string {
  if (s.length > max) s = mark ? `${s.slice(0, max - 1)}…` : s.slice(0, max);
  return s.length < 13 ? s : ` ${s}`.slice(1);
}

/**
 * May a line be kept as it came instead of as its own copies: one no longer than {@link EVIDENCE_TEXT_MAX}
 * and never cut before (no `textLength`)? Its values and fields are pieces of that short text, no larger
 * than their copies would be (a long line keeps alive what is cut from it).
 */
export function keepableAsIs(line: { text: string; textLength?: number }): boolean {
  return line.textLength === undefined && line.text.length <= EVIDENCE_TEXT_MAX;
}
