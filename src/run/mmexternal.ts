/**
 * `stapling-doctor mmexternal`: rsyslog's mmexternal program, a tagger. For each message (one per line
 * on stdin: MSG, the default `interface.input="msg"`) it answers exactly one JSON line on stdout, in
 * order: `{}` when no rule matches, else `{"$!":{"stapling_doctor":{"rule":…,"cause":…,"severity":…}}}`,
 * which rsyslog merges into the message's variables (`$!stapling_doctor!cause` in filters and
 * templates). Source: rsyslog/rsyslog `plugins/mmexternal/mmexternal.c`, `runtime/msg.c`
 * (msgSetPropViaJSON), `doc/source/configuration/modules/mmexternal.rst`.
 *
 * Line by line, with no correlation: one line decides (use `omprog` for findings). mmexternal in
 * rsyslog 8.2302 waits for every answer without a timeout, so nothing here may block, and stderr stays
 * silent (rsyslog mixes it into the same `output=` file).
 */
import { createMatcher } from '../rules/match.js';
import { loadRules, RuleLoadError } from '../rules/load.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../lines/scan.js';
import { safeJson } from '../format/sanitize.js';
import { StringDecoder } from 'node:string_decoder';
import { errorLine } from './output.js';
import type { RunParams } from './params.js';

/** The answer for one message. */
export function mmexternalAnswer(matcher: ReturnType<typeof createMatcher>, message: string, lineNo: number): string {
  if (message.length > DEFAULT_MAX_LINE_LENGTH) return '{}';
  // RFC 3164 senders leave the space after the tag at the start of MSG.
  const text = message.startsWith(' ') ? message.slice(1) : message;
  const m = matcher.match(text, { file: 'mmexternal', line: lineNo }).match;
  if (!m) return '{}';
  return safeJson({ '$!': { stapling_doctor: { rule: m.rule.id, cause: m.cause, severity: m.severity } } });
}

/** Run until EOF. @returns 0, or 2 when the rules cannot be loaded */
export async function runMmexternal(opts: { rules: string[] }, params: RunParams): Promise<number> {
  let matcher: ReturnType<typeof createMatcher>;
  try {
    matcher = createMatcher(await loadRules({ dirs: opts.rules }));
  } catch (err) {
    if (err instanceof RuleLoadError) return (params.stderr.write(errorLine(`mmexternal: invalid rule file: ${err.message}`)), 2);
    throw err;
  }
  let rest = '';
  let n = 0;
  const utf8 = new StringDecoder('utf8');
  for await (const chunk of params.stdin) {
    const text = rest + (typeof chunk === 'string' ? chunk : utf8.write(chunk));
    const lines = text.split('\n');
    rest = lines.pop()!;
    params.stdout.write(lines.map((l) => `${mmexternalAnswer(matcher, l, ++n)}\n`).join(''));
  }
  rest += utf8.end();
  if (rest !== '') params.stdout.write(`${mmexternalAnswer(matcher, rest, ++n)}\n`);
  return 0;
}
