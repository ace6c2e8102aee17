/**
 * Physical lines through a fresh continuation-line joiner (`src/rules/join.ts`), as the analyzer feeds
 * it on the in-memory path (no scan keys, no scanner accessor): every message it reports, the flush
 * at the end included.
 */
import { MessageJoiner, type MessageResult } from '../../src/rules/join.js';
import type { Matcher } from '../../src/rules/match.js';

/**
 * @param file the input name the matches' locations carry
 * @returns the messages in the order the joiner completed them
 */
export function joinLines(matcher: Matcher, lines: readonly string[], file: string): MessageResult[] {
  const j = new MessageJoiner(matcher, file);
  const out: MessageResult[] = [];
  lines.forEach((l, i) => out.push(...j.line(l, i + 1, undefined, undefined).results));
  out.push(...j.flush());
  return out;
}
