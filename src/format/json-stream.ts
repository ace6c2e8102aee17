/**
 * The `--format json` document written piece by piece: the head, each finding as it is rendered, then
 * the tail. The text is exactly `safeJson(document, 2)` (same spacing, same escapes), but no string of
 * the whole report is ever built: the largest piece is one finding.
 */
import { safeJson } from './sanitize.js';

/**
 * `safeJson(value, 2)`, every line indented by `depth` more levels of two spaces (a value nested that
 * deep): the value is written inside `depth` one-item arrays, which `JSON.stringify` indents as it goes,
 * and the arrays' own brackets are cut off (a slice, not a copy). Re-indenting the text afterwards
 * (`replace(/\n/g, …)`) made a second copy of every finding's text: on bench (c) (3 012 findings, a 14 MB
 * document) a third of what writing the report allocated.
 * @param value a value `JSON.stringify` writes (not undefined or a function)
 */
function nested(value: unknown, depth: number): string {
  let wrapped = value;
  let open = 0;
  let close = 0;
  for (let d = 0; d < depth; d++) {
    wrapped = [wrapped];
    open += 4 + 2 * d; // `[`, LF and the next level's indent
    close += 2 + 2 * d; // LF, this level's indent and `]`
  }
  const text = safeJson(wrapped, 2);
  return text.slice(open, text.length - close);
}

/**
 * The pieces of a JSON document whose array member `key` is written item by item.
 * @param head the members before the array, in order
 * @param key the array member's name
 * @param items the array's items (an iterable, consumed once)
 * @param tail the members after the array, in order
 * @returns pieces whose concatenation equals `safeJson({...head, [key]: [...items], ...tail}, 2)`
 */
export function* jsonDocumentPieces(
  head: Record<string, unknown>,
  key: string,
  items: Iterable<unknown>,
  tail: Record<string, unknown>,
): Generator<string> {
  const member = (k: string, v: unknown): string => `  ${safeJson(k)}: ${nested(v, 1)}`;
  const before = Object.entries(head).filter(([, v]) => v !== undefined);
  const after = Object.entries(tail).filter(([, v]) => v !== undefined);
  yield `{\n${before.map(([k, v]) => `${member(k, v)},\n`).join('')}  ${safeJson(key)}: [`;
  let first = true;
  for (const item of items) {
    yield `${first ? '' : ','}\n    ${nested(item, 2)}`;
    first = false;
  }
  yield `${first ? '' : '\n  '}]${after.map(([k, v]) => `,\n${member(k, v)}`).join('')}\n}\n`;
}
