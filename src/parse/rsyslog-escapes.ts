/**
 * rsyslog's control-character escapes, undone for the lines rsyslog itself hands over to omprog.
 *
 * rsyslog replaces every control character of a message it receives (byte < 0x20) with `#` and three octal
 * digits (TAB `#011`, ESC `#033`), unless `parser.escapeControlCharactersOnReceive="off"` (default on since
 * sysklogd; `parser.controlCharacterEscapePrefix` default `#`). `#` itself is not escaped, so the escape
 * cannot be told from the same four characters written by the server. Source: rsyslog/rsyslog
 * `runtime/parser.c` `SanitizeMsg()` (commit ee72adcd), `doc/source/rainerscript/global.rst`.
 *
 * Undone only where the line certainly came through rsyslog (the omprog program; a file tree may have been
 * written by anything, and is read as written: see the README; mmexternal answers only a line's rule and
 * cause, which no escape of a value changes). NUL, LF and CR stay
 * escaped: one message is one line here. The characters come back as the server wrote them, so values
 * (a certificate path with a TAB) equal the plain line's; every output escapes control characters again
 * (`src/format/sanitize.ts`).
 */
import { isRecordLine } from './record.js';

/** `#ooo` of a control character other than NUL (000), LF (012) and CR (015). */
const ESCAPE = /#0(?!00|12|15)[0-3][0-7]/g;

/**
 * One line from rsyslog with its control-character escapes undone: as the character itself in a text line,
 * as a JSON escape (`\u0009`) in a JSON record (the README's template: the escape is inside a string
 * value, the only place a `#` may be in JSON).
 * @param line one message as omprog gives it
 */
export function rsyslogUnescaped(line: string): string {
  if (!line.includes('#0')) return line;
  const json = isRecordLine(line);
  return line.replace(ESCAPE, (e) => {
    const code = parseInt(e.slice(1), 8);
    return json ? `\\u${code.toString(16).padStart(4, '0')}` : String.fromCharCode(code);
  });
}
