/**
 * Source code that writes a message is not a log of it. The servers' and scripts' own code holds every
 * stapling message as a string literal (nginx src/event/ngx_event_openssl_stapling.c `ngx_log_error(…,
 * "OCSP responder timed out")`, httpd modules/ssl/ssl_util_stapling.c `ap_log_error(…, APLOGNO(01941)
 * "stapling_renew_response: responder error")`, lua-resty-auto-ssl `return nil, "OCSP responder query failed
 * (" .. url .. "): " .. err`, the ngx.ocsp example `ngx.log(ngx.ERR, "failed to validate OCSP response: ",
 * err)`), and people paste that code into issues and notes. A phrase is read as code when it lies in a
 * double-quoted literal that code surrounds: after it a concatenation (`..`, `+`), the end of a call
 * (`);`, `, err)`), a statement's end (`;`), or Python's `%`; or before it an open call, an assignment or a
 * `return`, with nothing after it but the end of the line, a comma or a parenthesis; or the literal holds a
 * printf conversion (`%s`, nginx's `%V`, `%ui`), which no log line holds, next to any of these. A
 * single-quoted literal or a JavaScript template (which pair less reliably: `can't`, Markdown's code spans)
 * needs code on both sides. A log line quoted in prose (`the log says "OCSP responder timed out …" every
 * hour`) has none of these around it, and a log line's own quoted values (`certificate: "/etc/…"`,
 * `BIO_new_file("/etc/…") failed`) do not hold the phrase.
 */

/**
 * Code right after a literal's closing quote: a concatenation (Lua `..`, `+`, PHP `. $`), Python's `%`, the
 * end of a call (`);`, `))`, `) - errbuf`), of a statement (`;`), the call's last arguments to the end of
 * the line (`, err)`, `, file->data);`), or its last argument and the statement's end with more code after
 * (lines of code joined into one: nginx's `"no OCSP responder URL in the certificate \"%s\"", staple->name);`
 * and the next statement, src/event/ngx_event_openssl_stapling.c).
 */
const AFTER_CODE =
  /^\s*(?:\.\.|\+\s*["'(\w]|\.\s*\$|%\s*[(\w]|\)\s*[;)]|\)\s*-\s*\w|;\s*(?:$|\/\/|--|#)|,\s*[A-Za-z_][\w.>[\]-]*\s*\)\s*(?:$|;)|,\s*[^"]*\)\s*;\s*$)/;

/** After a literal that code opened: the end of the line, or more arguments or the call's end. */
const AFTER_ARGUMENT = /^\s*(?:[,)]|$)/;

/**
 * Code right before a literal's opening quote: an assignment (with a blank before `=`: logfmt's `msg="…"`
 * is a log record, not code), a return, a concatenation, Apache's APLOGNO(), a call.
 */
const BEFORE_CODE = /(?:\s=|:=|\breturn(?:\s+nil\s*,)?|\.\.|\+|<<|APLOGNO\(\d+\)|[\w.]\()\s*$/;

/** A printf conversion: C's (`%s`, `%lu`, `%02d`) and nginx's own (`%V`, `%ui`, `%uA`, `%O`, `%T`). */
const PRINTF = /%[-+ #0]*\d*(?:\.\d+)?(?:[lhzjt]{1,2})?[sdiuxXpcf]|%(?:V|ui|uA|O|T|M|N)\b/;

/** Whether a backslash escapes the character at the index (an odd number of them before it). */
export function escaped(text: string, i: number): boolean {
  let slashes = 0;
  for (let j = i - 1; j >= 0 && text.charCodeAt(j) === 92; j--) slashes++;
  return slashes % 2 === 1;
}

/** Index of the next `"` at or after `from` that no backslash escapes, or -1. */
function nextQuote(text: string, from: number): number {
  for (let i = text.indexOf('"', from); i >= 0; i = text.indexOf('"', i + 1)) if (!escaped(text, i)) return i;
  return -1;
}

/** Whether code opens the literal after this text: {@link BEFORE_CODE}, or an argument's comma in an open call. */
function codeBefore(before: string): boolean {
  return BEFORE_CODE.test(before) || (/,\s*$/.test(before) && callOpen(before));
}

/** Whether the text before a literal has a call open (more `(` than `)`), so that a comma there separates arguments. */
function callOpen(before: string): boolean {
  let depth = 0;
  for (let i = 0; i < before.length; i++) {
    const c = before.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41 && depth > 0) depth--;
  }
  return depth > 0;
}

/**
 * The literal (its opening and closing quote) that holds the position, or null when the position is
 * outside every double-quoted literal (or the line's quotes do not pair).
 */
function literalAround(text: string, at: number): { open: number; close: number } | null {
  let open = -1;
  for (let q = nextQuote(text, 0); q >= 0 && q < at;) {
    const close = nextQuote(text, q + 1);
    if (close < 0 || close >= at) {
      open = q;
      break;
    }
    q = nextQuote(text, close + 1);
  }
  if (open < 0) return null;
  const close = nextQuote(text, at);
  return close < 0 ? null : { open, close };
}

/** Shortest head of a phrase looked for when the whole is not there (a literal split over lines, a cut line). */
const MIN_HEAD = 8;

/**
 * Where the text holds the phrase: as written, else ignoring case, else
 * with its quotes escaped; when the whole is not there, its longest head of whole words (at least
 * {@link MIN_HEAD} characters: C splits a long literal over lines, `"… no OCSP URI "` then `"in certificate
 * …"`). Every place, in order; none when no head is there.
 */
function phraseAt(text: string, phrase: string): number[] {
  let lower: string | undefined; // (made only when the phrase is not there as written)
  for (let p = phrase; p.length >= MIN_HEAD; p = p.slice(0, Math.max(0, p.lastIndexOf(' ')))) {
    let found = placesOf(text, p);
    if (found.length === 0) found = placesOf((lower ??= text.toLowerCase()), p.toLowerCase());
    // (Also with its quotes escaped, as a literal holds them: `"d2i_OCSP_RESPONSE_bio(\"%s\") failed"`.)
    if (found.length === 0 && /["'`]/.test(p)) found = placesOf(text, p.replace(/["'`]/g, '\\$&'));
    if (found.length > 0) return found;
  }
  return [];
}

/** Every place the text holds the string, in order. */
function placesOf(text: string, s: string): number[] {
  const out: number[] = [];
  for (let at = text.indexOf(s); at >= 0; at = text.indexOf(s, at + 1)) out.push(at);
  return out;
}

/**
 * Whether the phrase, where the text holds it, lies in a string literal of source code (see the module's
 * comment). Cheap for a log line: false at once when the text holds no quote before the phrase.
 * @param line a line as written (escapes kept: `\"` does not end a literal); its first {@link MAX_CODE_CHARS} characters are read
 * @param phrase the text to look for (a rule's trigger or its head); looked up as written, then ignoring case
 * @returns false when the text does not hold the phrase
 */
export function inCodeLiteral(line: string, phrase: string): boolean {
  // (No line of code is longer: the bound keeps a hostile line of quotes and phrases linear.)
  const text = line.length > MAX_CODE_CHARS ? line.slice(0, MAX_CODE_CHARS) : line;
  const first = firstQuote(text);
  if (first < 0) return false;
  // (A line of code may hold the phrase outside a literal too: `d2i_OCSP_RESPONSE_bio(bio, NULL)` before
  // `"d2i_OCSP_RESPONSE_bio(\"%s\") failed"`.)
  return phraseAt(text, phrase)
    .slice(0, MAX_TRIED)
    .some((at) => at > first && (literalInCode(text, at) || otherLiteralInCode(text, at, "'") || otherLiteralInCode(text, at, '`')));
}

/**
 * Code right before a comment on the same line: a pipe, a statement's or a block's end, a line continuation,
 * a closing parenthesis or a quoted argument (`grep -v 'AH01941' | # …`, `ssl_stapling on;  # …`,
 * `rc = ngx_ssl_ocsp_validate(c); // …`), then a shell or configuration `#` or a C `//`, and a blank.
 */
const COMMENT_AFTER_CODE = /(?:[|;{}\\)]|&&|'[^']*'|"[^"]*")\s*(?:#|\/\/)\s/;

/**
 * Whether the phrase, where the text holds it, lies in a comment that follows code on the line: a note that
 * names a message (a script's list of error codes to ignore, a configuration's remark on a directive), not
 * a log of it. A comment alone on its line (`# 2026/01/01 … OCSP responder timed out`: a log line kept in a
 * note) is still read.
 * @param line a line as written; its first {@link MAX_CODE_CHARS} characters are read
 * @param phrase the text to look for (a rule's trigger or its head), as {@link inCodeLiteral} looks for it
 * @returns false when the text does not hold the phrase, or holds it before every such comment
 */
export function inCodeComment(line: string, phrase: string): boolean {
  const text = line.length > MAX_CODE_CHARS ? line.slice(0, MAX_CODE_CHARS) : line;
  if (!text.includes('# ') && !text.includes('// ')) return false;
  const m = COMMENT_AFTER_CODE.exec(text);
  if (!m) return false;
  const start = m.index + m[0].length;
  return phraseAt(text, phrase).some((at) => at >= start);
}

/** Characters of a line read (a line of code is shorter; servers cap an entry at 8 KiB). */
const MAX_CODE_CHARS = 8192;

/** Places of the phrase, and closing quotes of a single-quoted or template literal, tried at most. */
const MAX_TRIED = 8;

/** Index of the first `"`, `'` or `` ` `` in the text, or -1. */
function firstQuote(text: string): number {
  let first = -1;
  for (const q of QUOTES) {
    const i = text.indexOf(q);
    if (i >= 0 && (first < 0 || i < first)) first = i;
  }
  return first;
}

const QUOTES = ['"', "'", '`'];

/** Whether the position lies in a double-quoted literal that code surrounds (see the module's comment). */
function literalInCode(text: string, at: number): boolean {
  const lit = literalAround(text, at);
  if (!lit) return false;
  const before = text.slice(0, lit.open);
  const after = text.slice(lit.close + 1);
  if (AFTER_CODE.test(after)) return true;
  if (codeBefore(before) && AFTER_ARGUMENT.test(after)) return true;
  return /^\s*,\s*$/.test(after) && PRINTF.test(text.slice(lit.open + 1, lit.close));
}

/**
 * The same for a literal in single quotes (Python, Lua, JavaScript) or backticks (a JavaScript template),
 * which do not pair reliably (an apostrophe in `can't`, Markdown's code spans): code must open it (a call,
 * an assignment, a return, an argument) and code must follow it (a call's end, a concatenation, more
 * arguments), both. A code span of prose (`` … `OCSP responder timed out` … ``) has neither.
 */
function otherLiteralInCode(text: string, at: number, quote: string): boolean {
  let open = text.lastIndexOf(quote, at - 1);
  while (open > 0 && escaped(text, open)) open = text.lastIndexOf(quote, open - 1);
  if (open < 0 || escaped(text, open)) return false;
  const before = text.slice(0, open);
  if (!codeBefore(before)) return false;
  let tried = 0;
  for (let close = text.indexOf(quote, at); close >= 0 && tried < MAX_TRIED; close = text.indexOf(quote, close + 1)) {
    if (escaped(text, close)) continue;
    tried++;
    const after = text.slice(close + 1);
    if (AFTER_CODE.test(after) || AFTER_ARGUMENT.test(after)) return true;
  }
  return false;
}
