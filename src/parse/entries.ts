/**
 * Several log entries on one physical line (issue 10, class 3 the other way round): a forum, a comment
 * box or an issue title lost the line breaks of a pasted log, so entries follow each other joined by a
 * blank, a ` | `, or a literal `\n` left by an escaped copy. Each entry starts with the server's own
 * prefix: nginx's `YYYY/MM/DD HH:MM:SS [level] pid#tid: ` (src/core/ngx_log.c) or Apache's
 * `[Www Mmm dd hh:mm:ss[.usec] yyyy] [` (server/log.c, `%t`). A paste often leaves the time out (the
 * time is what people cut to shorten or anonymise a log), so in a line without one an entry also starts
 * where a prefix's next part comes again: the level (`[error] 1043#0: `, `[ssl:error] `, Apache 2.2's
 * `[error] `), or a second Apache message code (`AH01941: … AH02217: …`: httpd's include/http_log.h,
 * `APLOGNO(n)` "should be used at the start of the format string", one code per message). Pure.
 */
import { LEVEL, NGX_LEVEL, NGX_PROGRAM } from './formats.js';
import { isRecordLine } from './record.js';

const APACHE_TIME =
  '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \\d]\\d \\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})? \\d{4}';
/** A server prefix with its time (where it may start an entry is checked apart: a lookbehind here doubles the cost per line). */
const TIMED_START = new RegExp(
  `(?:\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} \\[${NGX_LEVEL}\\] \\d+#\\d+: |\\[${APACHE_TIME}\\] \\[)`,
  'g',
);
/** A prefix's level bracket: nginx's `[error] `, Apache's `[module:level] `, 2.2's `[level] ` (regex source). */
const LEVEL_BRACKET = `\\[(?:[a-z_0-9]+:)?${LEVEL}\\] `;
/** An Apache message code (regex source). */
const CODE = 'AH\\d{5}: ';
/**
 * What starts an entry without its time: a prefix's level (capture 1: nginx's `[error] `, Apache's
 * `[module:level] `, 2.2's `[level] `), or an Apache message code (no capture).
 */
const TIMELESS_START = new RegExp(`(${LEVEL_BRACKET})|${CODE}`, 'g');
const BLANK = 0x20;
const TAB = 0x09;
const PIPE = 0x7c;
const GREATER = 0x3e;
const LETTER_N = 0x6e;
const LETTER_R = 0x72;
const BACKSLASH = 0x5c;
/** May an entry start at `i`: the line's start, or after a blank, `|`, `>` or a literal `\n`. */
function startsEntry(text: string, i: number): boolean {
  if (i === 0) return true;
  const c = text.charCodeAt(i - 1);
  return c === BLANK || c === TAB || c === PIPE || c === GREATER || (c === LETTER_N && text.charCodeAt(i - 2) === BACKSLASH);
}
/** Shortest line that can hold two entries (two message codes and a few characters each). */
const MIN_TWO = 2 * 16;
/** A level bracket at a position (sticky): `[error] `, `[ssl:error] `. */
const LEVEL_AT = new RegExp(LEVEL_BRACKET, 'y');
/** An Apache message code at a position (sticky). */
const CODE_AT = new RegExp(CODE, 'y');
/** Longest level bracket (`[proxy_fcgi:trace8]`, module names are short): how far back its `[` is looked for. */
const LEVEL_MAX = 40;
/** Longest bracket group before a message code (`[client 2001:db8::1:50000]`) looked back over. */
const BRACKET_MAX = 80;

/** Where what joined an entry to the next begins (blanks, a `|`, literal `\r\n` / `\n`), searched back from `to`. */
function jointStart(text: string, from: number, to: number): number {
  let end = to;
  while (end > from) {
    const c = text.charCodeAt(end - 1);
    if (c === BLANK || c === TAB || c === PIPE) end--;
    else if ((c === LETTER_N || c === LETTER_R) && end - 2 >= from && text.charCodeAt(end - 2) === BACKSLASH) end -= 2;
    else break;
  }
  return end;
}

/** Are the characters of `[from, to)` ASCII digits? */
function digitsAt(text: string, from: number, to: number): boolean {
  if (from < 0) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * How many ` [` of the text could be a server prefix's, up to 2: each timed {@link TIMED_START} holds one
 * after nginx's `:ss` (`…:ss [level]`) or Apache's ` yyyy]` (`…:ss yyyy] [`), and matches do not overlap.
 * Told by native searches instead of the regex's walk over the line (a `[client …]` after `[pid …:tid …]`
 * is no such ` [`, issue 15).
 */
function prefixBrackets(text: string): number {
  let n = 0;
  for (let i = text.indexOf(' [', 1); i !== -1 && n < 2; i = text.indexOf(' [', i + 2)) {
    const nginx = text.charCodeAt(i - 3) === 0x3a && digitsAt(text, i - 2, i);
    if (nginx || (text.charCodeAt(i - 1) === 0x5d && text.charCodeAt(i - 6) === 0x20 && digitsAt(text, i - 5, i - 1))) n++;
  }
  return n;
}

/** Last characters of the levels ({@link LEVEL}): emerg, debug; alert, crit; error; warn; notice; info. */
const LEVEL_LAST = new Set([0x67, 0x74, 0x72, 0x6e, 0x65, 0x6f]);

/** Where the `[` within `max` characters before `i` is, or -1 (bounded: each `]` looks back at most that far). */
function openBefore(text: string, i: number, max: number): number {
  for (let j = i - 1; j >= 0 && j >= i - max; j--) if (text.charCodeAt(j) === 0x5b) return j;
  return -1;
}

/** May the `]` at `i` close a level bracket: after a level's last letter, or trace1–8's digit? */
function endsLevel(text: string, i: number): boolean {
  const c = text.charCodeAt(i - 1);
  return LEVEL_LAST.has(c) || (c >= 0x31 && c <= 0x38 && text.charCodeAt(i - 2) === 0x65);
}

/**
 * Could the walk ({@link entryStarts}) find two entries? A line with a prefix's time ({@link prefixBrackets})
 * needs two; one without needs two level brackets, two message codes, or a level bracket after a message
 * code. Native searches and one sticky test per level-like bracket instead of the regex's walk over every
 * line (issue 15): a server's own line (with its time) costs what it cost before entries without their
 * time were split. It may say yes for a line of one entry (the walk then finds one), never no for a line
 * of two.
 */
function mayHoldTwo(text: string): boolean {
  const brackets = prefixBrackets(text);
  if (brackets > 0) return brackets === 2;
  let firstCode = -1;
  let codes = 0;
  for (let i = text.indexOf('AH'); i !== -1 && codes < 2; i = text.indexOf('AH', i + 2)) {
    CODE_AT.lastIndex = i;
    if (CODE_AT.test(text) && codes++ === 0) firstCode = i;
  }
  if (codes === 2) return true;
  let levels = 0;
  for (let i = text.indexOf('] ', 1); i !== -1; i = text.indexOf('] ', i + 2)) {
    if (!endsLevel(text, i)) continue;
    const from = openBefore(text, i, LEVEL_MAX);
    if (from === -1) continue;
    LEVEL_AT.lastIndex = from;
    if (!LEVEL_AT.test(text)) continue;
    if (++levels === 2 || (codes === 1 && from > firstCode)) return true;
  }
  return false;
}

/** The program name nginx's own messages on stderr start with (`nginx: [warn] …`), right before a level bracket. */
const PROGRAM_TAG = new RegExp(`${NGX_PROGRAM}: $`);
/** Longest {@link PROGRAM_TAG}. */
const PROGRAM_TAG_MAX = 16;

/** Where the entry whose level bracket is at `at` starts: before the program name of `nginx -t`'s output right in front of it. */
function levelEntryStart(text: string, at: number): number {
  const m = PROGRAM_TAG.exec(text.slice(Math.max(0, at - PROGRAM_TAG_MAX), at));
  return m !== null && startsEntry(text, at - m[0].length) ? at - m[0].length : at;
}

/**
 * Where the entry whose message code is at `at` starts: before the bracket groups right in front of the
 * code (`[pid 1491:tid 1] [client 1.2.3.4:5] AH01977: `), when they start where an entry may.
 */
function codeEntryStart(text: string, at: number): number {
  let start = at;
  for (let k = 0; k < 4 && text.charCodeAt(start - 1) === BLANK && text.charCodeAt(start - 2) === 0x5d; k++) {
    const open = openBefore(text, start - 2, BRACKET_MAX);
    if (open === -1 || !startsEntry(text, open)) break;
    start = open;
  }
  return start;
}

/**
 * Where the entries of a line start (matches of {@link TIMED_START} or {@link TIMELESS_START} where
 * {@link startsEntry} allows). A line with a prefix's time ({@link prefixBrackets}) is split at its
 * prefixes with their time only: entries with a time are a server's own lines, in which a level or a
 * message code may come again inside a message. A line without: where a level comes again after the
 * level or the message code of the entry before, and where a message code comes again (then before its
 * bracket groups, {@link codeEntryStart}).
 */
function entryStarts(text: string): number[] {
  const starts: number[] = [];
  if (prefixBrackets(text) > 0) {
    TIMED_START.lastIndex = 0;
    for (let m = TIMED_START.exec(text); m !== null; m = TIMED_START.exec(text)) if (startsEntry(text, m.index)) starts.push(m.index);
    return starts;
  }
  let level = false;
  let code = false;
  TIMELESS_START.lastIndex = 0;
  for (let m = TIMELESS_START.exec(text); m !== null; m = TIMELESS_START.exec(text)) {
    if (!startsEntry(text, m.index)) continue;
    if (m[1] !== undefined) {
      if (level || code || starts.length === 0) starts.push(levelEntryStart(text, m.index));
      level = true;
      code = false;
    } else if (code) {
      starts.push(codeEntryStart(text, m.index));
      level = false;
    } else {
      if (starts.length === 0) starts.push(m.index);
      code = true;
    }
  }
  return starts;
}

/**
 * The entries of a line that holds more than one, each without what joined it to the next; null when it
 * holds one (or none). Whatever precedes the first entry (a wrapper, a label) stays with it. Linear.
 * @param text one physical line
 */
export function entriesIn(text: string): string[] | null {
  if (text.length < MIN_TWO) return null;
  if (!mayHoldTwo(text)) return null;
  return entriesByWalk(text);
}

/**
 * {@link entriesIn} without its native pre-test ({@link mayHoldTwo}), which must never change what it
 * gives: for tests.
 * @param text one physical line
 */
export function entriesByWalk(text: string): string[] | null {
  if (text.length < MIN_TWO) return null;
  const starts = entryStarts(text);
  if (starts.length < 2) return null;
  const out: string[] = [];
  for (let i = 0; i < starts.length; i++) {
    const from = i === 0 ? 0 : starts[i]!;
    const to = i + 1 < starts.length ? starts[i + 1]! : text.length;
    const piece = text.slice(from, jointStart(text, from, to));
    if (piece.length > 0) out.push(piece);
  }
  return out.length > 1 ? out : null;
}

/**
 * A line break written as text: HTML's `<br>` (`<br/>`, `<br />`, any case, or escaped once as
 * `&lt;br&gt;`), which join a pasted log's lines in a page's source, a Markdown table
 * cell or a forum's code view; a literal `\n` or `\r\n`, which an escaped copy leaves (a JSON string, a
 * one-line field of a bug tracker). {@link linesIn} tells a `\n` that is part of a Windows path apart.
 */
const TEXT_BREAK = /<[Bb][Rr]\s*\/?>|&lt;[Bb][Rr]\s*\/?&gt;|(?:\\r)?\\n/g;

/** How far a path token is looked at on either side of a literal `\n` (Windows' MAX_PATH): keeps the split linear. */
const PATH_MAX = 260;
/** A drive (`C:\`), or a backslash before what no escape in a copied log is (`\conf`, `\Apache24`). */
const WINDOWS_PATH = /(?:^|[^A-Za-z])[A-Za-z]:\\|\\[^nrt"/\\u]/;
/** Characters that end a path token: blanks and the quotes and brackets that enclose a path. */
const TOKEN_END = ' \t"\'()[]<>=,;';

/**
 * Is the literal `\n` (or `\r\n`) at text[from, to) part of a Windows path (`C:\nginx\conf\nginx.conf`, whose
 * token holds a drive or another separator), or the `n` after an escaped backslash (`\\n`)?
 * @param min where the current piece starts (an earlier break's text is not part of the token)
 */
function inWindowsPath(text: string, min: number, from: number, to: number): boolean {
  if (text.charCodeAt(from - 1) === BACKSLASH) return true;
  let start = from;
  const low = Math.max(min, from - PATH_MAX);
  while (start > low && !TOKEN_END.includes(text[start - 1]!)) start--;
  let end = to;
  const high = Math.min(text.length, to + PATH_MAX);
  while (end < high && !TOKEN_END.includes(text[end]!)) end++;
  return WINDOWS_PATH.test(text.slice(start, end));
}

/**
 * The lines of a physical line that holds line breaks written as text (issue 10, class 3: a paste that
 * kept its line breaks only as markup or escapes), each without the break; blank pieces at either end
 * are dropped, so a break only at the line's end (`…<br>`, `…\n`: the markup or escape after one pasted
 * line, which the parser removes) leaves the line alone. Null when it holds no such break between two
 * pieces, or for a JSON record (`src/parse/record.ts`). Linear (each break looks at most {@link PATH_MAX} characters either side).
 * @param text one physical line
 */
export function linesIn(text: string): string[] | null {
  // (Native searches for one character first: almost no line holds a `\`, a `<` or an `&`.)
  if (!text.includes('\\') && !text.includes('<') && !text.includes('&')) return null;
  if (isRecordLine(text)) return null; // a JSON record's escapes are its decoder's to read
  const out: string[] = [];
  let from = 0;
  TEXT_BREAK.lastIndex = 0;
  for (let m = TEXT_BREAK.exec(text); m !== null; m = TEXT_BREAK.exec(text)) {
    if (m[0].endsWith('\\n') && inWindowsPath(text, from, m.index, m.index + m[0].length)) continue;
    out.push(text.slice(from, m.index));
    from = m.index + m[0].length;
  }
  out.push(text.slice(from));
  while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
  const first = out.findIndex((piece) => piece.trim() !== '');
  return out.length - first > 1 ? out.slice(first) : null;
}
