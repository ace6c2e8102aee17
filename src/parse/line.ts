/**
 * Error-log line parser: splits one Apache httpd or nginx error-log line into its fields.
 *
 * Wrappers in front of the server's own line are removed first (`wrappers.ts`: syslog/journald in
 * every `journalctl -o` form, containers, compose and process managers, kubectl and stern, any other
 * text in front of a server prefix), then the server's prefix is parsed (`formats.ts`: Apache 2.4 with
 * its `ErrorLogFormat` variants, Apache 2.2, Apache start-up lines, nginx and its stderr copy, and the
 * cut-down prefixes pastes leave), then fields inside the message that peers extract (`fields.ts`:
 * client address and port, nginx's trailing context).
 *
 * A line that fits no prefix gets `format: null` and its unwrapped text as `message`; it is still
 * matched. When Apache's own prefix is elided (a custom `ErrorLogFormat`, a paste) but its status,
 * client and AH tag are there, those are still taken.
 */
import type { LineFormat, ParsedLine } from '../types.js';
import {
  emptyLine,
  findServerStart,
  looseNginx,
  parseServerLine,
  parseSpacedPrefix,
  prefixRemnant,
  CUT_MARK_AT_START,
  SOURCE_MARK,
  SOURCE_MARK_AFTER_CUT,
  withNginxContext,
} from './formats.js';
import { splitClient } from './fields.js';
import { unmarked, unwrap } from './wrappers.js';
import {
  colourMap,
  firstInvisible,
  firstReference,
  hasColour,
  hasInvisible,
  markdownEscaped,
  markdownUnescaped,
  unblanked,
  unreferenced,
  unpadded,
  withoutInvisible,
} from './normalize.js';
import { escaped } from './code-literal.js';

export { apacheTimeToIso } from './time.js';

// In a line that fits no prefix (custom ErrorLogFormat, elided quotes): status and client right before the AH tag.
// Unanchored, so every repetition is bounded: with `*`/`+` each white space restarted a scan to the end of
// the line, O(n²) (2 s on 100 KB of " (1)"). Real status texts and client addresses are far shorter.
const STATUS_BOUNDED = '\\((?:EAI -?\\d{1,10}|OS \\d{1,10}|os 0x[0-9a-fA-F]{8}|-?\\d{1,10})\\)[^:\\[\\]]{0,128}';
// A client's address in `[client …]`, an IPv6 one with its brackets (`[client [::1]:443]`).
const CLIENT_BOUNDED = '[^\\]]{1,128}(?:\\][^\\]\\s]{0,8})?';
const LOOSE_AH = new RegExp(
  `(?:^|\\s)(?:(?<status>${STATUS_BOUNDED}): )?(?:\\[(?:client|remote) (?<client>${CLIENT_BOUNDED})\\] )?(?<code>AH\\d{5}): `,
);

/**
 * What a fragment without a parsed prefix may still hold before its message, the same status, client and
 * AH tag this parser takes from such a line (`(111)Connection refused: [client …] AH01977: …`), anchored
 * at the start and each part optional (it always matches, maybe empty). The matcher's first-letter forms
 * skip it, and a code reading of an Apache message allows it before the message (`rules/code-reading.ts`).
 */
export const APACHE_LEAD = new RegExp(`^(?:${STATUS_BOUNDED}: )?(?:\\[(?:client|remote) ${CLIENT_BOUNDED}\\] )?(?:AH\\d{5}: )?`);

const AH_TAG = /AH\d{5}: /;
/**
 * Apache's status at the start of a fragment, after blanks, a poster's cut mark or a short label of theirs
 * (`[...] (70007)The timeout …`, `Error: (70007)The timeout specified has expired: …`).
 */
const LEADING_STATUS = new RegExp(`^\\s*(?:${CUT_MARK_AT_START})?(?:[A-Za-z][\\w .-]{0,40}: )?(${STATUS_BOUNDED}): `);

/** Options for {@link parseLine}. */
export interface ParseOptions {
  /** Reference time used to give a year to syslog timestamps that have none (default: now). A
   * timestamp that would lie more than a day after it is put in the year before. */
  now?: Date;
}

/**
 * Split one error-log line into its fields. Never throws; any string is accepted.
 *
 * @param line one line without its line end (a trailing CR is ignored)
 * @returns the fields; `format: null` and `message` = the unwrapped line when no prefix fits
 */
export function parseLine(line: string, options: ParseOptions = {}): ParsedLine {
  // A Markdown copy (`\[Mon … 2026\] \[ssl:error\] … ssl\_stapling\_init\_cert: …`) is read with its escapes undone.
  if (markdownEscaped(line)) return parseLine(markdownUnescaped(line), options);
  const p = parseReferenced(line, options);
  if (p.format !== null) return p;
  // A copy from a web page (no-break, typographic or zero-width spaces where the server wrote spaces) parses
  // once those are spaces. Only then: a log's own values keep every character they have.
  const plain = unblanked(line);
  if (plain === line) return p;
  const q = parseUncoloured(plain, options);
  // A fragment without a prefix (`OCSP_basic_verify() failed (…)`, `... (70007)The timeout …`) whose every
  // blank is an odd one was copied so too: read with spaces, as its prefix would have been. What decides is the
  // text behind any wrapper: a syslog or journald header a collector wrote in front of the copy has spaces of
  // its own (`<131>1 2026-12-08T… web1 nginx 1234 - - ` before the fragment).
  return q.format !== null || !p.message.includes(' ') ? q : p;
}

/**
 * {@link parseUncoloured}, and for a line copied with invisible characters ({@link copiedWithMarks}) the parse
 * without them.
 */
function parseVisible(line: string, options: ParseOptions): ParsedLine {
  const p = parseUncoloured(line, options);
  if (!hasInvisible(line)) return p;
  const q = parseUncoloured(withoutInvisible(line), options);
  return isCopy(line, p, q) ? q : p;
}

/**
 * {@link parseVisible} on a line that may be a copy from a page's source or an escaped copy, with HTML's
 * character references for its characters (`&nbsp;` / `&#160;` / `&#xA0;` for its blanks, `&quot;` for its
 * quotes: `normalize.ts` `unreferenced()`). Read decoded when the line does not parse as written, or when a
 * reference stands in its prefix (before the message it parses with): a server writes none in its own words,
 * only a client's bytes in a value of its message may hold one, and those keep it. The line parsed as written
 * when it holds none (no `&`: nothing more to pay).
 */
function parseReferenced(line: string, options: ParseOptions): ParsedLine {
  const p = parseVisible(line, options);
  const at = firstReference(line);
  if (at < 0) return p;
  if (p.format !== null) {
    const messageAt = p.message === '' ? -1 : line.lastIndexOf(p.message);
    if (messageAt >= 0 && at >= messageAt) return p;
  }
  const q = parseVisible(unblanked(unreferenced(line)), options);
  return q.format !== null || p.format === null ? q : p;
}

/**
 * Is a line with invisible characters (zero-width characters, bidirectional marks: `withoutInvisible()`) a
 * copy from a page, whose marks are the page's? A server writes such characters only inside a value of its
 * message (a certificate path or a client's bytes, which keep them, shown escaped): a line with one in its
 * prefix (or whose prefix reads otherwise without them), or a fragment without a prefix, is a copy, read
 * without them (the joiner also takes a line with one inside a trigger's word for a copy: `rules/join.ts`).
 * False for a line without any.
 */
export function copiedWithMarks(line: string): boolean {
  if (!hasInvisible(line)) return false;
  return isCopy(line, parseUncoloured(line, {}), parseUncoloured(withoutInvisible(line), {}));
}

/** {@link copiedWithMarks} given the line's parses with (`p`) and without (`q`) its marks. */
function isCopy(line: string, p: ParsedLine, q: ParsedLine): boolean {
  // What the server's prefix and Apache's status, client and tag give; the message aside.
  const fields = (x: ParsedLine): string =>
    JSON.stringify([x.format, x.wrapper, x.time, x.pid, x.connectionId, x.level, x.status, x.code, x.client, x.host]);
  if (p.format === null || fields(p) !== fields(q)) return true;
  const messageAt = line.lastIndexOf(p.message);
  return messageAt < 0 || firstInvisible(line) < messageAt;
}

/**
 * {@link parseAsWritten} on a line that may hold colour codes a terminal tool left (`src/parse/normalize.ts`,
 * `uncoloured()`: journalctl's colour around the whole line, ccze on the level, docker compose's names): the
 * prefix is read without them, the message as written but for the codes at its ends, so a code inside a value
 * stays the value's own (a client's bytes, shown escaped, never dropped). The line parsed as it is when it
 * holds none.
 */
function parseUncoloured(line: string, options: ParseOptions): ParsedLine {
  if (!hasColour(line)) return parseAsWritten(line, options);
  const { clean, toRaw } = colourMap(line);
  const q = parseAsWritten(clean, options);
  const at = q.message === '' ? -1 : clean.lastIndexOf(q.message);
  if (at < 0 || clean === line) return q;
  const end = at + q.message.length;
  const mixed = clean.slice(0, at) + line.slice(toRaw[at], toRaw[end - 1]! + 1) + clean.slice(end);
  const r = parseAsWritten(mixed, options);
  return r.format === q.format ? r : q;
}

/** {@link parseLine} on the text as it is. */
function parseAsWritten(line: string, options: ParseOptions): ParsedLine {
  // A terminal's padding may fall in the prefix too (`(70007)The t` + blanks + `imeout …`, `[client 198.` + blanks + `51.…`).
  const padded = unpadded(line.endsWith('\r') ? line.slice(0, -1) : line);
  const text = unmarked(padded);
  const u = unwrap(text, () => options.now ?? new Date());
  // Markup a paste put around the line (`<code>`, `| … |`) is a wrapper of its own.
  if (text !== padded) u.wrapper = u.wrapper ?? 'text';
  let p = parseServerLine(u.rest);
  if (!p) {
    // Something else in front of the server's line: parse from where its prefix starts.
    const at = findServerStart(u.rest);
    p = at > 0 ? parseServerLine(enclosedLine(u.rest, at)) : null;
    if (p) u.wrapper = u.wrapper ?? 'text';
  }
  p ??= parseSpacedPrefix(u.rest);
  if (p) {
    p.wrapper = u.wrapper;
    // (A line with nothing but `[level] ` before its message names no server; a syslog tag may.)
    p.server = p.server ?? u.server;
    p.time = p.time ?? u.time;
    p.pid = p.pid ?? u.pid;
    if (u.host) p.host = u.host;
    if (u.repeated !== null) p.repeated = u.repeated;
    return p;
  }
  const bare = unenclosed(u.rest);
  if (bare !== u.rest) u.wrapper = u.wrapper ?? 'text';
  // Apache's source mark: logged at debug level or finer (the status, client and tag after it are read below).
  let source = SOURCE_MARK_AFTER_CUT.exec(bare);
  u.rest = source ? bare.slice(source[0].length) : bare;
  let e = source ? null : looseNginx(u.rest);
  // A copy begun inside the server's prefix: what is left of it is read for the fields it still shows, and dropped.
  const remnant = source || e ? null : prefixRemnant(u.rest);
  if (remnant) {
    u.rest = u.rest.slice(remnant.length);
    // Apache's source mark after the pid field (`[pid 1:tid 2] md_result.c(254): `).
    source = remnant.server === 'nginx' ? null : SOURCE_MARK.exec(u.rest);
    if (source) u.rest = u.rest.slice(source[0].length);
    e = (source || remnant.server === 'apache' ? null : looseNginx(u.rest)) ?? emptyLine(u.rest);
    e.server ??= remnant.server;
    e.level ??= remnant.level;
    e.pid ??= remnant.pid;
    e.tid ??= remnant.tid;
    if (e.server === 'nginx' && e.context === null) withNginxContext(e);
  }
  e ??= emptyLine(u.rest);
  // (A level the prefix's remnant still shows, `trace1] [pid …] `, is finer than debug and kept.)
  if (source) {
    e.server = 'apache';
    e.level ??= 'debug';
  }
  e.wrapper = u.wrapper;
  e.time = u.time;
  e.pid = e.pid ?? u.pid;
  e.server = e.server ?? u.server;
  if (u.host) e.host = u.host;
  if (u.repeated !== null) e.repeated = u.repeated;
  // Apache writing through syslog without our exact prefix, or a custom ErrorLogFormat: keep the tag.
  // (Only when an AH tag is there at all: a linear check that spares the bounded search on long lines.)
  const loose = AH_TAG.test(u.rest) ? LOOSE_AH.exec(u.rest)?.groups : undefined;
  if (loose) {
    e.code = loose.code!;
    e.status = loose.status ?? null;
    if (loose.client !== undefined) {
      const c = splitClient(loose.client, true);
      e.client = c.address;
      e.clientPort = c.port;
    }
    e.server = e.server ?? 'apache';
  } else {
    // A fragment that starts with Apache's status (`(70007)The timeout specified has expired: md[…]`).
    const st = LEADING_STATUS.exec(u.rest);
    if (st) e.status = st[1]!;
  }
  return e;
}

/** Marks a paste puts around a whole line (inline code, quotes, brackets), by the opening one. */
const CLOSER: Record<string, string> = {
  '`': '`',
  '"': '"',
  "'": "'",
  '“': '”',
  '‘': '’',
  '«': '»',
  '「': '」',
  '[': ']',
  '(': ')',
  '<': '>',
  '*': '*',
  _: '_',
};
/** Markdown's emphasis marks, which a paste puts around a whole line as a run (`*…*`, `**…**`, `_…_`). */
const EMPHASIS = new Set(['*', '_']);
/** Marks a server's message pairs itself (its quoted values, its bracketed fields). */
const PAIRED = new Set(['"', '“', '‘', '«', '「', '[', '(', '<']);
/** After the closing mark: a full stop, comma, colon or blanks of the poster's sentence. */
const AFTER_CLOSER = /[\s.,;:\u3002\uff0c]/;

/**
 * Where the server's line ends when a paste enclosed it (`` `2024/01/01 … responder: ocsp.example` ``,
 * `"[Mon …] … AH01941: …".`, `[2024/01/01 …]`, Markdown's `*[Mon …] … [subject: … ]*`): before the closing mark that answers the mark right in
 * front of the server's prefix at `at`, when that closing mark ends the text (but for the poster's
 * punctuation) and, for the marks a message pairs itself ({@link PAIRED}), is unpaired inside the line
 * (an odd count of `"`, more closing than opening brackets), so a value's own closing quote is not
 * taken. Otherwise the text's end. Linear.
 */
function enclosedEnd(text: string, at: number): number {
  const open = text[at - 1]!;
  const close = CLOSER[open];
  if (close === undefined) return text.length;
  let end = text.length;
  while (end > at && AFTER_CLOSER.test(text[end - 1]!)) end--;
  if (EMPHASIS.has(open)) {
    // Markdown emphasis (`*…*`, `**…**`, `_…_`): neither server ends a line with its mark.
    let e = end;
    while (e > at && text[e - 1] === open) e--;
    return e < end ? e : text.length;
  }
  if (end <= at || text[end - 1] !== close) return text.length;
  let closes = 0;
  let opens = 0;
  for (let i = at; i < end; i++) {
    if (text[i] === close) closes++;
    else if (text[i] === open) opens++;
  }
  // Quotes (a paste's typographic ones stand for `"`) and brackets pair inside a message. A `'` is an apostrophe
  // as often (`Let's Encrypt`), and a backtick opens Apache's `` `file' `` quoting: the one at the end is the paste's.
  const unpaired = !PAIRED.has(open) || (open === close ? closes % 2 === 1 : closes > opens);
  return unpaired ? end - 1 : text.length;
}

/**
 * The server's line that starts at `at` inside what a paste put around it: inline code ({@link codeSpanEnd}),
 * marks around the whole line ({@link enclosedEnd}), or a field of a row or an element of a list
 * ({@link elementEnd}: a CSV export's `host,level,"…"`, with its quotes doubled; a JSON array's `["…", …]`; a
 * Python list's `['…', …]`), its quotes unescaped as the container escaped them.
 */
function enclosedLine(text: string, at: number): string {
  const open = text[at - 1];
  if (open === '`') return text.slice(at, codeSpanEnd(text, at));
  const end = enclosedEnd(text, at);
  if ((open !== '"' && open !== "'") || !ELEMENT_BEFORE.test(text.slice(Math.max(0, at - 8), at - 1))) return text.slice(at, end);
  const element = elementEnd(text, at, open);
  // (Marks that end the line close it, unless its quotes were doubled: a poster quoted the line whole, `…
  // said, "… resolve "r3.o.lencr.org", context: …"`, and its own quoted value may be followed by a comma.)
  if (element === null || (!element.doubled && end < text.length)) return text.slice(at, end);
  const inner = text.slice(at, element.end);
  if (element.doubled) return inner.replaceAll('""', '"');
  return inner.replace(open === '"' ? /\\(["\\])/g : /\\(['\\])/g, '$1');
}

/**
 * What stands before the opening quote of a field or element: the line's start, a comma, a list's `[`, blanks
 * (a CSV's tab), or a key's colon (a JSON object's or a Python dict's value: Ansible's `fatal: [web01]: FAILED!
 * => {"msg": "…"}`, after text that keeps the object from being read as a log record).
 */
const ELEMENT_BEFORE = /(?:^|[,[;:{\t]\s*)$/;

/**
 * Where the field or element whose opening quote stands right before `at` ends: at its first quote that
 * no backslash escapes, not doubled (CSV's `""`, only in a double-quoted field), and followed by the next
 * field or element, the list's end or the line's end. Null when none does.
 * @returns its end, and whether its quotes were doubled (CSV) rather than escaped (JSON, Python)
 */
function elementEnd(text: string, at: number, quote: string): { end: number; doubled: boolean } | null {
  let doubled = false;
  for (let i = text.indexOf(quote, at); i !== -1; i = text.indexOf(quote, i + 1)) {
    if (escaped(text, i)) continue;
    if (quote === '"' && text[i + 1] === '"' && i + 2 < text.length) {
      doubled = true;
      i++;
      continue;
    }
    if (AFTER_ELEMENT.test(text.slice(i + 1, i + 3))) return { end: i, doubled };
  }
  return null;
}
/** What may follow an element's closing quote: the next field or element, the list's or object's end, the line's end. */
const AFTER_ELEMENT = /^(?:\s*$|\s*[,\]};]|\t)/;

/**
 * Where inline code opened right before the server's prefix at `at` ends: at its first backtick that the
 * poster's text follows (the text's end, a blank or a punctuation mark: `` `nginx: [warn] … for certificate`
 * 的警告 ``, a blog's preface quoting a message it cut), not one that opens Apache's `` `file' `` quoting (a
 * path or word right after it). Neither server writes a backtick otherwise. The text's end when none.
 */
function codeSpanEnd(text: string, at: number): number {
  for (let i = text.indexOf('`', at); i !== -1; i = text.indexOf('`', i + 1)) {
    if (i + 1 === text.length || AFTER_CODE_SPAN.test(text[i + 1]!)) return i;
  }
  return text.length;
}
/** What may follow the backtick that closes a poster's inline code: blanks and punctuation of a sentence. */
const AFTER_CODE_SPAN = /[\s.,;:!?)\]\u3001\u3002\uff0c\uff1f\uff01]/;

/**
 * Marks that never begin a server's message: a backtick (inline code). Messages may begin with `"`, `[`
 * or `(`, and a paste's typographic quotes stand for the message's own `"` as often as they enclose it.
 */
const ONLY_AROUND = new Set(['`']);

/**
 * A line without a server prefix enclosed by a paste, without the marks: inline code ({@link enclosedEnd});
 * Markdown emphasis, a run of one to three `*` or `_` at both ends (not `*45 `: the connection number an
 * nginx fragment starts with); a single-quoted string literal in source code, told by the `\'` escapes it
 * holds (`'(13)Permission denied: … mutex \'gnutls-ocsp\'.',`), indented as code is. Linear.
 */
function unenclosed(raw: string): string {
  const text = raw.trimStart();
  const c = text[0] ?? '';
  if (text !== raw && c !== "'") return raw;
  if (ONLY_AROUND.has(c)) {
    const end = enclosedEnd(text, 1);
    return end === text.length ? text : text.slice(1, end);
  }
  if (c === '*' || c === '_') return unemphasised(text, c);
  if (c === "'" && text.includes("\\'")) {
    let end = text.length;
    while (end > 1 && AFTER_LITERAL.test(text[end - 1]!)) end--;
    return text[end - 1] === "'" && text[end - 2] !== '\\' ? text.slice(1, end - 1) : raw;
  }
  return raw;
}
/** What may follow a string literal's closing quote: a list's comma, a statement's semicolon, a call's parenthesis. */
const AFTER_LITERAL = /[\s,;)\]]/;

/** The text without Markdown emphasis around it ({@link unenclosed}), or the text itself. */
function unemphasised(text: string, mark: string): string {
  let run = 0;
  while (run < 3 && text[run] === mark) run++;
  const first = text[run] ?? ' ';
  if (first === ' ' || (first >= '0' && first <= '9') || first === mark) return text;
  let end = text.length;
  while (end > run && AFTER_CLOSER.test(text[end - 1]!)) end--;
  for (let i = 1; i <= run; i++) if (text[end - i] !== mark) return text;
  return text[end - run - 1] === ' ' || end - run <= run ? text : text.slice(run, end - run);
}

/** Formats {@link parseLine} recognises, for documentation and tests. */
export const LINE_FORMATS: readonly LineFormat[] = ['apache24', 'apache22', 'apache-startup', 'nginx', 'nginx-stderr'];
