/**
 * Lines of an in-memory text, split the way the byte scanner splits a stream.
 */

/** Split a text into lines the way the scanner does: LF, CRLF and lone CR end a line; a final line end adds no empty line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split(/\r\n|\n|\r/);
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}
