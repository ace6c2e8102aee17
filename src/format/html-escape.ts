/**
 * Building HTML from log content, which strangers write: every interpolated value is escaped unless it
 * is markup this module built ({@link Markup}). Text first goes through {@link terminalSafe}, so control
 * characters, bidi overrides and invisible characters show as visible escapes (`\e`, `\u202e`) instead
 * of reordering or hiding what the reader sees; then `& < > " '` become entities, so a value is inert
 * both in element content and inside a quoted attribute. Values are never put in unquoted attributes,
 * URLs, `style` or scripts (the report has none).
 */
import { terminalSafe } from './sanitize.js';

/** Markup built by {@link markup}: inserted as is into other markup. */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML: visible escapes for unsafe characters, then entities for `& < > " '`. */
export function escapeHtml(text: string): string {
  return terminalSafe(text).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A value as HTML: markup as is, arrays joined, null/undefined/false as nothing, anything else escaped text. */
function piece(v: unknown): string {
  if (v instanceof Markup) return v.text;
  if (Array.isArray(v)) return v.map(piece).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/**
 * Tagged template for markup: `markup\`<td>${value}</td>\`` escapes `value` (see {@link escapeHtml})
 * unless it is {@link Markup}; arrays of values are joined. (Not named `html`: Prettier would reformat
 * templates with that tag as HTML, changing the page.)
 */
export function markup(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1]!;
  return new Markup(out);
}
