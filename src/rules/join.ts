/**
 * Continuation lines: a terminal, a forum or an e-mail wraps one log message over two to five
 * physical lines (the break can fall inside the identifying phrase, before a quoted path, in the middle
 * of the OpenSSL error block). This module joins them back, and only them:
 *
 * - a line is joined to the message before it only when that message is an *incomplete stapling
 *   message* — it holds (the beginning of) a rule trigger and visibly goes on: it ends inside the
 *   trigger or another fixed phrase of the rule's patterns, ends with a connector (`:` `,` `(` `for`
 *   …), is only a server prefix, leaves Apache's status text unfinished, or leaves a quote,
 *   parenthesis or bracket open;
 * - and the line itself does not start like a log line (no server prefix, no wrapper) and is not empty.
 *
 * Ordinary logs are never merged: there every physical line starts with a prefix. At most
 * {@link MAX_JOINED_LINES} physical lines make one message.
 *
 * Protocol with the byte scanner (`LineSink` in `src/lines/scan.ts`): the analyzer's input handle
 * passes each line it gets to {@link MessageJoiner.line}, which returns how many further lines it
 * wants (0 or 1): the scanner then delivers the next physical line even without a key. When a
 * delivered line turns out to continue a message whose first lines the scanner did not deliver (they
 * had no key: the break fell before the trigger's words), the joiner reads them through the
 * scanner's `before` accessor. With each line the scanner also passes the start of the next one when
 * its chunk holds it (`NextLineHead`): a message whose next line starts with a server's prefix cannot go on,
 * and is decided at its own line. The in-memory path (`analyze()` on lines) hands every line over and
 * has no accessor: the joiner keeps the last few lines itself. Both paths therefore see the same
 * physical lines and give the same messages (test/join.test.ts compares them).
 */
import { entriesIn, linesIn } from '../parse/entries.js';
import type { CauseId, LineLocation, LineMatch, ParsedLine, Rule } from '../types.js';
import { fastPathsOn } from '../parse/fast-path.js';
import { possibleCauses } from './cause.js';
import {
  endsWithPrefixOf,
  hasBlankReference,
  hasInvisible,
  loose,
  looseTriggerPattern,
  looseTriggerRuns,
  markdownEscaped,
  mayBeEscaped,
  normalizeText,
  onePadRun,
  plainText,
  printableAscii,
  unbalanced,
  withoutInvisible,
} from '../parse/normalize.js';
import { copiedWithMarks, parseLine } from '../parse/line.js';
import { NGX_PROGRAM, nginxConnectionPrefix } from '../parse/formats.js';
import { hasNginxContext } from '../parse/fields.js';
import { literalRuns, twinHead } from './cut.js';
import { isCatchAll, sameList, type Matcher } from './match.js';
import { isRecordLine } from '../parse/record.js';
import { Ghost, MEMO_MESSAGE_MAX } from './hit-memo.js';
import { ownText } from '../lines/retain.js';
import type { NextLineHead } from '../lines/scan.js';

/** Most physical lines joined into one message (a 250-character nginx line wrapped at 40 columns takes 8). */
export const MAX_JOINED_LINES = 16;
/** Most physical lines read back before a line that continues a message. */
const MAX_LOOK_BACK = 8;

/** What one message (one or several physical lines) gave: for the analyzer's accounting and correlation. */
export interface MessageResult {
  parsed: ParsedLine | null;
  match: LineMatch | null;
}

type EarlierLines = (n: number) => string[];

interface Physical {
  no: number;
  text: string;
}

/** Phrases that continue on the next line when a line ends inside them (nginx's stapling context). */
const CONTEXT_PHRASES_LOOSE = [' while requesting certificate status, responder: ', ', peer: ', ', certificate: "', ' (SSL: error:'].map(loose);

/** The length of the longest of {@link CONTEXT_PHRASES_LOOSE}. */
const LONGEST_CONTEXT_PHRASE = CONTEXT_PHRASES_LOOSE.reduce((n, p) => Math.max(n, p.length), 0);

/**
 * The end of the text in lower case (`loosened`: without quotes, as {@link loose}), as much of it as
 * {@link endsWithOneOf} reads for phrases of at most `longest` characters: their proper beginnings and
 * the character before one. Only the end of a long line is lowered (a look-alike line is a few hundred
 * characters, and its end is all the joiner's end tests read, issue 15). The same as the end of the
 * whole text lowered: a printable-ASCII piece lowers character by character whatever is before it (a
 * piece that is not is not taken), and {@link endsWithOneOf} reads the same characters of both.
 */
function endOf(text: string, loosened: boolean, longest: number): string {
  const need = longest + 2;
  const whole = (): string => (loosened ? loose(text) : text.toLowerCase());
  if (text.length <= 2 * need) return whole();
  const piece = text.slice(-2 * need);
  if (!printableAscii(piece)) return whole();
  const end = loosened ? loose(piece) : piece.toLowerCase();
  // (Quotes dropped may leave less than is read: then the whole text.)
  return end.length >= need ? end : whole();
}

/** Words no server message ends with: the line was broken after them. */
const CONNECTOR_END = /(?:[:,([=/|-]|\b(?:for|in|to|of|from|with|at|by|while|the|an?|and|or|no|not|is|was|has|on))$/i;

/** A line that is only (the start of) a server prefix. */
const PREFIX_ONLY =
  /^(?:\[[^\]]*\] ?)*(?:\[[^\]]*)?$|^\d{4}\/\d{2}\/\d{2}(?: \d{2}:\d{2}:\d{2})?(?: \[\w+\])?(?: \d+#\d+:(?: \*\d+)?)?$|^nginx:(?: \[\w+\])?$/;
/** Apache's `AH00526` first line (server/config.c): complete, followed by a second line of its own. */
const SYNTAX_ERROR = /^Syntax error on line \d+ of .*:$/;
/**
 * Apache's status prefix not yet closed by its `: ` (`(70007)The timeout`): the message follows. The
 * status (httpd server/log.c, `%E`) is `(%d)` of an APR status, never negative, or `(EAI %d)` (glibc's
 * codes are negative) or `(OS %d)`; a negative code alone is GnuTLS's at the end of mod_gnutls's own
 * text (`... Memory allocation error. (-25)`), a complete message.
 */
const OPEN_STATUS = /\((?:EAI -?|OS )?\d+\)[^:[\]()]*$/;

/**
 * {@link OPEN_STATUS}`.test(t)`, read from the end: after the status's `)` none of `:[]()` may follow, so that
 * `)` is the last of them in the text, and the digits before it must follow `(`, `(EAI `, `(EAI -` or `(OS `.
 * The regex tried every `(` of a line (0.3 us on an Apache look-alike line, issue 15).
 */
export function openStatus(t: string): boolean {
  if (!fastPathsOn()) return OPEN_STATUS.test(t);
  let j = t.length - 1;
  for (; j >= 0; j--) {
    const c = t.charCodeAt(j);
    if (c === 0x3a || c === 0x5b || c === 0x5d || c === 0x28 || c === 0x29) break;
  }
  if (j < 0 || t.charCodeAt(j) !== 0x29) return false;
  let k = j;
  while (k > 0 && t.charCodeAt(k - 1) >= 0x30 && t.charCodeAt(k - 1) <= 0x39) k--;
  if (k === j) return false;
  return t.charCodeAt(k - 1) === 0x28 || t.endsWith('(OS ', k) || t.endsWith('(EAI ', k) || t.endsWith('(EAI -', k);
}

/**
 * {@link PREFIX_ONLY}`.test(t)`: a text that starts with `[` can only be bracket groups, each closed at its
 * first `]` and followed by at most one blank, the last one possibly open; read in one pass (the regex
 * backtracked over every group of an Apache line, 0.4 us per line, issue 15).
 */
export function prefixOnly(t: string): boolean {
  if (!fastPathsOn() || t.charCodeAt(0) !== 0x5b) return PREFIX_ONLY.test(t);
  for (let pos = 0; pos < t.length; ) {
    if (t.charCodeAt(pos) !== 0x5b) return false;
    const close = t.indexOf(']', pos + 1);
    if (close === -1) return true;
    pos = close + 1;
    if (t.charCodeAt(pos) === 0x20) pos++;
  }
  return true;
}

/** Longest message after a prefix that is taken as the stub a wrap left (`*67 [lua]`, `8491#8491: O`). */
const STUB_CHARS = 24;

/** Apache's message tag at a line's start: where the message starts, even when its prefix is on the lines before. */
const TAG_START = /^AH\d{5}: /;

/**
 * The usual starts of a log line (nginx, Apache, stderr, AH tag, syslog, ISO time): no parse needed.
 * nginx's stderr lines all start with `nginx: ` (`ngx_log_stderr()`, src/core/ngx_log.c), also those
 * without a level that `nginx -t` prints after a stapling warning (`nginx: the configuration file … syntax
 * is ok`, `nginx: configuration file … test is successful`, src/core/nginx.c): each is a line of its own;
 * so is Apache's `Syntax OK` after `apachectl -t` (server/main.c).
 */
const USUAL_START = new RegExp(
  `^(?:\\d{4}/\\d\\d/\\d\\d \\d\\d:|\\[[A-Z][a-z]{2} [A-Z][a-z]{2} |${NGX_PROGRAM}: \\S|Syntax OK\\s*$|AH\\d{5}: |[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d |\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:)`,
);

/**
 * The marker a poster put in front of every row of a pasted message (issue 10: a shell comment wrapping
 * `# Work around error: "ssl_stapling" ignored, host not found in OCSP responder` + `# "ca-ocsp…:8080" in
 * the certificate "…"`, NLnet Labs' docker test scripts; a quoted e-mail's or markdown's `> `): a comment
 * (`#`, `//`) or quote mark and its blank, or null. A continuation row that repeats the first row's marker is
 * joined without it.
 */
const ROW_MARKER = /^\s*((?:#|>|\/\/)+ ?)/;
function rowMarker(text: string): string | null {
  return ROW_MARKER.exec(text)?.[1] ?? null;
}

/** The first character of a text that is not a quote or a blank, in lower case ('' when none): a cheap test before a trigger's pattern. */
function firstLetter(text: string): string {
  const m = /[^\s"'`]/.exec(text);
  return m ? m[0].toLowerCase() : '';
}

/** Can the pattern's text begin with the trigger: its head up to the trigger matches the trigger alone, or its source starts with it? */
function patternOpensWith(source: string, trigger: string): boolean {
  const head = twinHead(source, trigger)?.exec(trigger);
  // Escapes dropped: `Invalid command '(?<directive>SSL…` has no literal head, but starts with `Invalid command 'SSL`.
  return head?.index === 0 || source.replace(/^\^/, '').replace(/\\/g, '').replace(/\(\?<\w+>/g, '').startsWith(trigger);
}

/** Does a physical line start a log line of its own (a server prefix or a wrapper)? */
function startsLogLine(text: string): boolean {
  if (USUAL_START.test(text)) return true;
  // The joiner asks again for a line it just asked about (a fragment: in lookBack() and in canFollow()); pure.
  if (text === lastStart.text) return lastStart.starts;
  const p = parseLine(text);
  lastStart = { text, starts: p.format !== null || p.wrapper !== null };
  return lastStart.starts;
}
/** The last line {@link startsLogLine} parsed, and its answer. */
let lastStart = { text: '', starts: false };

/**
 * nginx's or Apache's prefix up to the time (two alternatives of {@link USUAL_START}, in ASCII only, so that
 * a head of bytes read as latin1 matches exactly when the line's text does).
 */
const SERVER_PREFIX_HEAD = /^(?:\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[|\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)/;

/**
 * Does the scanner's next line start with a server's prefix ({@link NextLineHead})? Then no message goes on
 * into it: {@link startsLogLine} holds for it (and for its first entry, read without invisible marks), so
 * `canFollow()` says no, and what would wait for it is decided now (issue 15: deciding whether a line goes
 * on was a third of a look-alike line's time, and waiting delivered its next line).
 */
function nextStartsOwnLine(next: NextLineHead | undefined): boolean {
  const head = next?.() ?? null;
  return head !== null && SERVER_PREFIX_HEAD.test(head);
}

/** Between the phrases in {@link PhraseSet}'s one text: a piece without it found there lies within one phrase (a physical line never holds it). */
const PHRASE_GAP = '\n';

/**
 * Fixed phrases (already `loose()`) and what {@link joinPhysical} reads of them, made once per set of
 * candidate triggers: their longest length, and all of them in one text, so that "is this piece part of a
 * phrase" is one search however many rules the candidates have (with ten times the rules it was a search
 * per phrase, each with the piece loosened again: a fifth of a scan, issue 15).
 */
export class PhraseSet {
  /** The length of the longest phrase (0: none). */
  readonly longest: number;
  private readonly all: string;
  /** The phrases that hold a pair of characters, by the pair (made when first asked for). */
  private readonly byPair = new Map<string, readonly string[]>();

  constructor(readonly list: readonly string[]) {
    this.longest = list.reduce((n, p) => Math.max(n, p.length), 0);
    this.all = list.join(PHRASE_GAP);
  }

  /** Is the loosened piece `l` part of one of the phrases (as `list.some((p) => p.includes(l))`)? */
  holds(l: string): boolean {
    if (this.list.length === 0) return false;
    return l.includes(PHRASE_GAP) ? this.list.some((p) => p.includes(l)) : this.all.includes(l);
  }

  /** The phrases that hold the two characters `pair` side by side. */
  holding(pair: string): readonly string[] {
    let list = this.byPair.get(pair);
    if (list === undefined) {
      if (this.byPair.size >= 4096) this.byPair.clear();
      this.byPair.set(pair, (list = this.list.filter((p) => p.includes(pair))));
    }
    return list;
  }
}

/**
 * The blanks (spaces, tabs) at a break between two physical lines: where they end on the line before
 * (`end`: its length without them) and start on the next (`start`: how many it begins with), and
 * whether they are one space in all; null when there are none. Linear: no regex backtracks over a run.
 */
function blanksAround(prev: string, next: string): { end: number; start: number; one: boolean } | null {
  let end = prev.length;
  while (end > 0 && isBlank(prev.charCodeAt(end - 1))) end--;
  let start = 0;
  while (start < next.length && isBlank(next.charCodeAt(start))) start++;
  if (end === prev.length && start === 0) return null;
  const one = prev.length - end + start === 1 && (end < prev.length ? prev[end] : next[0]) === ' ';
  return { end, start, one };
}

/** A space or a tab (the blanks a wrap or an indent leaves at a line's ends). */
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;

/**
 * Join two physical lines of one message. A terminal breaks anywhere and keeps the spaces; a forum
 * or editor breaks at a space and drops it. When neither side shows the space, the break is taken as
 * inside a word when the message is hard-wrapped (`hard`: its lines before the last all have one
 * length) or when the two pieces form a word of the rule's fixed phrases, else as a dropped space.
 * @param phrases fixed phrases, already `loose()`
 */
export function joinPhysical(prev: string, next: string, phrases: PhraseSet, hard = false): string {
  const blanks = blanksAround(prev, next);
  // A blank at the break is one blank of the text: a hanging indent (`  length invalid`, a tab), or
  // blanks kept at both ends, stand for one space.
  if (blanks !== null) return blanks.one ? prev + next : `${prev.slice(0, blanks.end)} ${next.slice(blanks.start)}`;
  if (/\s$/.test(prev) || /^\s/.test(next)) return prev + next; // another blank (a no-break space): kept as written
  if (hard) return prev + next; // a terminal never drops a space: none at the break means none in the text
  const a = /\S*$/.exec(prev)![0].replace(/^\W+/, '');
  const b = /^\S*/.exec(next)![0].replace(/\W+$/, '');
  const inPhrase = (s: string): boolean => phrases.holds(loose(s));
  if (a.length + b.length >= 5 && inPhrase(a + b) && !inPhrase(`${a} ${b}`)) return prev + next;
  // A short piece (`s` + `sl ocsp error`): the glued text with what follows must be in a phrase.
  const more = next.slice(0, 12);
  if (a.length > 0 && (a + more).length >= 6 && inPhrase(a + more) && !inPhrase(`${a} ${more}`)) return prev + next;
  // A whole phrase across the break only without a space (`… failed for h` + `ost '…`).
  const longest = phrases.longest;
  const [head, tail] = [loose(prev.slice(-longest)), loose(next.slice(0, longest))];
  // (Only a phrase that holds the two characters at the break can be whole across it and in neither piece.)
  const glued = `${head}${tail}`;
  const spaced = `${head} ${tail}`;
  const across = head === '' || tail === '' ? [] : phrases.holding(glued.slice(head.length - 1, head.length + 1));
  if (across.some((p) => glued.includes(p) && !spaced.includes(p))) return prev + next;
  return `${prev} ${next}`;
}

/**
 * Lines of a message that a terminal hard-wrapped: at least two lines before the last, all of one
 * width, and some break that shows it (a blank kept at a line's end or start, which a word wrap drops,
 * or two pieces of one word of the rule's phrases). Equal widths alone can be a word wrap's chance.
 */
function hardWrapped(lines: readonly { text: string }[], phrases: PhraseSet): boolean {
  if (lines.length < 3) return false;
  const w = lines[0]!.text.length;
  if (w < 20 || !lines.slice(0, -1).every((l) => l.text.length === w)) return false;
  return lines.slice(1).some((l, i) => {
    const prev = lines[i]!.text;
    if (/\s$/.test(prev) || /^\s/.test(l.text)) return true;
    const word = (/\w+$/.exec(prev)?.[0] ?? '') + (/^\w+/.exec(l.text)?.[0] ?? '');
    return word.length >= 4 && /\w$/.test(prev) && /^\w/.test(l.text) && phrases.holds(loose(word));
  });
}

/** Lines before the last all of one width (at least two of them, at least 20 columns): maybe a terminal's hard wrap. */
function sameWidths(lines: readonly { text: string }[]): boolean {
  const w = lines[0]!.text.length;
  return lines.length >= 3 && w >= 20 && lines.slice(0, -1).every((l) => l.text.length === w);
}

/**
 * How well a reading of a message matched: a rule's own pattern, then a cut twin, then a trigger
 * alone; a cause the rule's table names beats its fallback (`causeFrom.default`); more values win ties.
 */
function score(r: MessageResult, fallback: boolean): number {
  if (!r.match) return r.parsed ? 100 : 0;
  return (r.match.cut?.tail ? 200 : 300) + (fallback ? 0 : 50) + Object.keys(r.match.values).length;
}

/** A proper beginning of a phrase (see {@link BeginningsByLast}). */
interface Beginning {
  text: string;
  /** The phrase starts with a word character. */
  word: boolean;
}

/** The list of a character that ends no beginning. */
const NO_BEGINNINGS: readonly Beginning[] = [];

/**
 * The proper beginnings of the phrases (at least `min` characters, the whole phrase excluded) by
 * their last character: what `endsWithPrefixOf(text, phrase, min, true)` tries, for all phrases at once.
 * A character's list is made when first asked for: a small log asks for a few characters, and making
 * the lists of every trigger's ~5 500 beginnings at once was a cost of its start-up (issue 15).
 */
class BeginningsByLast {
  private readonly byLast = new Map<string, Beginning[]>();
  /** The characters that end some beginning: only theirs are listed, so the map stays as small as the phrases' alphabet. */
  private readonly ends = new Set<string>();

  constructor(
    private readonly phrases: readonly string[],
    private readonly min: number,
  ) {
    for (const p of phrases) for (let j = min - 1; j <= p.length - 2; j++) this.ends.add(p[j]!);
  }

  /** The beginnings that end with the character `c`: phrase by phrase, shortest first (empty: none). */
  get(c: string): readonly Beginning[] {
    if (!this.ends.has(c)) return NO_BEGINNINGS;
    let list = this.byLast.get(c);
    if (list) return list;
    list = [];
    // (Each once: phrases that share a beginning, such as a trigger and its longer variants, list it once.)
    const seen = new Set<string>();
    for (const p of this.phrases) {
      const word = /\w/.test(p[0] ?? '');
      for (let j = p.indexOf(c, this.min - 1); j !== -1 && j <= p.length - 2; j = p.indexOf(c, j + 1)) {
        const text = p.slice(0, j + 1);
        const key = `${word ? 'w' : '-'}${text}`;
        if (seen.has(key)) continue;
        seen.add(key);
        list.push({ text, word });
      }
    }
    this.byLast.set(c, list);
    return list;
  }
}

/** `endsWithPrefixOf(t, p, min, true)` for some phrase p of {@link BeginningsByLast}: the same conditions. */
function endsWithOneOf(t: string, byLast: BeginningsByLast): boolean {
  if (t.length === 0) return false;
  const list = byLast.get(t[t.length - 1]!);
  for (const b of list) {
    const n = b.text.length;
    if (n > t.length || !t.endsWith(b.text)) continue;
    const before = t.length - n - 1;
    if (n >= 6 || before < 0 || !/\w/.test(t[before]!) || !b.word) return true;
  }
  return false;
}

/**
 * Does a message visibly go on, whatever its rules: its last line is only a server prefix, or it ends
 * with a connector or inside Apache's status, or it leaves a quote or bracket open?
 * @param text the message normalised
 * @param last its last physical line, trimmed
 */
function openEnded(text: string, last: string): boolean {
  return prefixOnly(last) || CONNECTOR_END.test(text.slice(-8)) || openStatus(last) || unbalanced(text);
}

/**
 * What the joiner finds in the text of a line that starts a message, by itself, with its candidate
 * triggers (see {@link MessageJoiner.factsOf}): shared by the lines of one shape ({@link ShapeMemo}). Each field
 * is filled when first needed. What the tests of the text's end find is shared only by the lines that
 * also end alike ({@link EndFacts}).
 */
interface TextFacts {
  /** How far the end tests read a digit ({@link SetFacts.reach}): the lines of one {@link EndFacts} share their last `reach` characters other than quotes. */
  readonly reach: number;
  /** `nginxConnectionPrefix()` of the line: {@link MessageJoiner.passOver} asks only of lines with one. */
  connectionAt?: number;
  /** The rules whose trigger the line holds (`Matcher.rulesFor`). */
  rules?: readonly Rule[];
  /**
   * The candidate triggers the line holds (`Matcher.triggersIn` of its normalised text): found at the same
   * places in every line of the shape, as its rules are (nginx's refresh failures each end with their own
   * certificate, so their {@link EndFacts} are rarely shared, but their triggers are, issue 15).
   */
  present?: readonly number[];
  /** `Matcher.holdsRule` of the line, per rule asked. */
  holds?: Map<Rule, boolean>;
  /** The facts of the end, by the line's end (its last `reach` characters other than quotes); bounded. */
  ends?: Map<string, EndFacts>;
}

/** What the joiner finds at the end of a text ({@link TextFacts.ends}). */
interface EndFacts {
  /** {@link MessageJoiner.passOver}'s tests of the text. */
  passOver?: boolean;
  /** The text part of {@link MessageJoiner.goesOn}: it goes on, it does not, or the match decides. */
  goesOn?: 'on' | 'off' | 'match';
}

/**
 * Ends kept per shape at most: the first ones seen, never replaced. A shape's lines mostly end alike (Apache's
 * `AH01941: stapling_renew_response: responder error`) or each their own way (nginx's proxy look-alikes name
 * their request at the end), and a line whose end is not kept is tested afresh, with nothing kept for it:
 * no entry per such line, and no more than this many ends, each a copy of its characters, per shape (issue 15).
 */
const ENDS_KEPT = 4;

/**
 * Can normalisation change the end of a plain line (printable ASCII, no two blanks in a row) that ends
 * so: a blank (trimmed), a code or emphasis mark, an escaped `\n`, or a poster's cut marker (which holds
 * `...` and ends with `.`, `]`, `)` or `>`)?
 */
function endMayChange(t: string): boolean {
  const c = t[t.length - 1]!;
  return ' `*_'.includes(c) || t.endsWith('\\n') || ('.])>'.includes(c) && t.includes('...'));
}

/**
 * May a line share its facts with lines of its shape ({@link ShapeMemo})? Not a long line (the memo would
 * keep it alive, see MEMO_MESSAGE_MAX); one that starts as usual, not with Apache's tag; printable ASCII
 * without two blanks in a row, nothing escaped, and an end that normalisation does not change.
 */
function shapeable(t: string): boolean {
  if (t.length > MEMO_MESSAGE_MAX || !USUAL_START.test(t) || TAG_START.test(t)) return false;
  return !(endMayChange(t) || t.includes('  ') || !printableAscii(t) || mayBeEscaped(t));
}

/** A hash of a list of trigger indexes (for {@link ShapeMemo}). */
function hashOfSet(candidates: readonly number[]): number {
  let h = candidates.length;
  for (const ti of candidates) h = Math.imul(h ^ ti, 0x9e3779b1);
  return h;
}

/**
 * Lines of one *shape* share their {@link TextFacts}: the same candidate triggers (and the same of those
 * with a digit found), the same text but for the values of digits, where each has a digit; of them,
 * those that also have the same last `reach` characters other than quotes share their
 * {@link EndFacts}. The caller has checked that the line is printable ASCII without two
 * blanks in a row, with none at either end, with nothing escaped (`mayBeEscaped`: no `&`, no
 * backslash; `&#34;` and `&#39;` differ only in digits), and ends with nothing normalisation changes
 * ({@link endMayChange}): its normalised text is itself (but a placeholder's blanks, written `_`),
 * position for position.
 *
 * Why lines of one shape have the same facts: they differ only in the values of digits, at the same
 * places. The joiner's own tests of a text read digits only as digits (`\d`, `\w`, brackets, quotes
 * and blanks: {@link openEnded}, `startsLogLine`, `nginxConnectionPrefix`, `hasNginxContext`); a
 * trigger or scan key without a digit cannot be found over a digit (its loose pattern matches a digit
 * only with a digit), so the candidates' triggers without one are found at the same places in both (the
 * caller puts which of those with a digit the line holds into the candidates it gives, and the joiner
 * shares no `holdsRule` of a rule whose trigger or key holds one); phrases and triggers are looked for only at
 * the end of the text (`endsInPhrase`, `endsInsideTrigger`), and a phrase or trigger with a digit may be
 * found at the end of one and not of the other: what those tests find ({@link EndFacts}) is shared only
 * by lines whose ends are the same for as far as any of them that holds a digit reaches (`reach`: the
 * longest such, loosened: quotes do not count). nginx's refresh failures name the certificate at the
 * end: their shapes are few (one per message and count of digits), their ends one per certificate, and
 * only a line that may go on or that has a connection prefix asks for its end's facts (issue 15).
 */
export class ShapeMemo {
  private readonly byHash = new Map<number, ShapeEntry>();
  /** How the memo fares per set of candidate triggers (by a hash of the set: a collision only shares a count). */
  private readonly bySet = new Map<number, ShapeTrial>();
  /** Shapes kept at most now (then forgotten all at once): {@link SHAPES_KEPT}, grown up to {@link SHAPES_GROWN_MAX}. */
  private kept = SHAPES_KEPT;
  /** The shapes it missed, and every {@link SKIPPED_TOLD}th line it skipped (made at the first; null once grown all it may). */
  private ghost: Ghost | null = null;
  private skips = 0;
  /**
   * Has it forgotten shapes (its map was full and cleared)? Only then can a shape it misses be one a
   * larger memo would have kept, so only then are misses told to the ghost (which a joiner's first miss
   * made: 256 KB zeroed per input, for each of many small files). A resting set's skipped lines are told
   * anyway: a set rests only after {@link SHAPES_TRIED} lookups.
   */
  private forgot = false;
  /** Shapes kept that are tested by a pattern ({@link hit}). */
  private patterns = 0;

  /**
   * The {@link EndFacts} of a line of the shape whose facts are `f` (the last lookup's), or a new, unkept
   * record when the shape keeps {@link ENDS_KEPT} other ends. An end not known is still a hit of the
   * shape: its triggers and rules ({@link TextFacts.present}, {@link TextFacts.rules}) are shared whatever
   * the end (nginx's refresh failures each end with their own certificate; counted as misses, their set
   * rested and each line looked for its triggers afresh: ~30 % of such a log's joining, issue 15).
   */
  ends(f: TextFacts, text: string): EndFacts {
    const end = f.reach === 0 ? '' : text.slice(splitOf(text, f.reach));
    const ends = (f.ends ??= new Map());
    let e = ends.get(end);
    if (e === undefined) {
      e = {};
      // (A copy: the slice would keep the whole line alive.)
      if (ends.size < ENDS_KEPT) ends.set(ownText(end, end.length), e);
    }
    return e;
  }

  /** Shapes kept at most now. */
  get size(): number {
    return this.kept;
  }

  /**
   * Is the memo worth a lookup now for a line with these candidate triggers: its trial for their set,
   * or null while that rests (then the caller asks for no facts). Lines of one set may have few shapes
   * (Apache's AH01941, one message) or one per line (a look-alike that names a host in letters): each
   * set is tried on its own, so that a set whose lines never
   * share a shape pays neither the hash nor a new entry per line while the other sets keep theirs
   * (issue 15).
   */
  open(candidates: readonly number[], setHash = hashOfSet(candidates)): ShapeTrial | null {
    const h = setHash & 0x3fffffff;
    let t = this.bySet.get(h);
    if (t === undefined) {
      if (this.bySet.size >= SETS_KEPT) this.bySet.clear();
      this.bySet.set(h, (t = { lookups: 0, hits: 0, resting: 0, recent: null }));
    }
    if (t.resting === 0) return t;
    t.resting--;
    return null;
  }

  /**
   * Should the caller tell {@link skipped} the line {@link open} just gave no trial for? Every
   * {@link SKIPPED_TOLD}th, while the memo may still grow.
   */
  tellsSkipped(): boolean {
    return this.kept < SHAPES_GROWN_MAX && ++this.skips % SKIPPED_TOLD === 0;
  }

  /** A line skipped while its set rests, told to the ghost by its shape (the same arguments as {@link facts}). */
  skipped(text: string, setHash: number): void {
    this.tell(shapeHash(LINE_BYTES, asBytes(text), setHash));
  }

  /**
   * The facts of the line's shape (new and empty for a new shape); `trial` is what {@link open} gave.
   * @param found which of the candidates with a digit the line holds (part of the shape, see {@link MessageJoiner.factsOf})
   */
  facts(trial: ShapeTrial, text: string, candidates: readonly number[], reach: number, setHash = hashOfSet(candidates), found: readonly number[] = NONE): TextFacts {
    // The set's last shape of this sketch first: sameShape() is the whole test of a hit, the hash only finds an entry.
    const n = asBytes(text);
    const sketch = shapeSketch(LINE_BYTES, n);
    const recent = trial.recent?.get(sketch);
    if (recent !== undefined && sameShape(recent, text, LINE_BYTES, candidates, found)) {
      count(trial, true);
      return this.hit(recent).facts;
    }
    const h = shapeHash(LINE_BYTES, n, found.length === 0 ? setHash : Math.imul(setHash ^ hashOfSet(found), 0x85ebca6b));
    const e = this.byHash.get(h);
    const same = e !== undefined && sameShape(e, text, LINE_BYTES, candidates, found);
    count(trial, same);
    if (same) return remember(trial, this.hit(e), sketch).facts;
    if (this.forgot) this.tell(h);
    if (this.byHash.size >= this.kept) this.forget();
    const facts: TextFacts = { reach };
    // (Not copied: lists of candidates are never changed, and the matcher's are shared by lines.)
    const entry: ShapeEntry = { text, candidates, found, facts, hits: 0, pattern: null };
    this.byHash.set(h, entry);
    return remember(trial, entry, sketch).facts;
  }

  /**
   * Count a hit of the shape; at its {@link PATTERN_AFTER}th, it is tested by a pattern from then on
   * (see {@link shapePattern}), while the memo has fewer than {@link PATTERNS_KEPT}.
   */
  private hit(e: ShapeEntry): ShapeEntry {
    if (++e.hits === PATTERN_AFTER && this.patterns < PATTERNS_KEPT) {
      e.pattern = shapePattern(e.text);
      this.patterns++;
    }
    return e;
  }

  /** Forget every shape, the sets' recent ones too (they would keep their lines alive). */
  private forget(): void {
    this.patterns = 0;
    this.byHash.clear();
    for (const t of this.bySet.values()) t.recent = null;
    this.forgot = true;
  }

  /**
   * A shape the memo did not answer goes to the ghost. When one in four of them came back, the memo
   * was too small, not useless: it keeps four times as many shapes (up to {@link SHAPES_GROWN_MAX}) and
   * every set is tried again. (One in four, not the half {@link count} asks of hits: of the lines a
   * resting set skips only every {@link SKIPPED_TOLD}th is told, so a shape that comes back was told
   * before only if one of its earlier lines was. nginx's refresh failures of 3 000 certificates in turn
   * made it grow within 30 000 lines when their ends were part of the shape; the 10⁶ certificates of
   * bench (e) never do.)
   */
  private tell(h: number): void {
    if (this.kept >= SHAPES_GROWN_MAX || !(this.ghost ??= new Ghost(4)).cameBackHash(h)) return;
    this.kept = Math.min(this.kept * 4, SHAPES_GROWN_MAX);
    this.bySet.clear();
    if (this.kept >= SHAPES_GROWN_MAX) this.ghost = null;
  }
}

/** Make `e` the set's recent shape of its sketch ({@link shapeSketch}). */
function remember(t: ShapeTrial, e: ShapeEntry, sketch: number): ShapeEntry {
  const recent = (t.recent ??= new Map());
  if (recent.size >= RECENT_KEPT && !recent.has(sketch)) recent.clear();
  recent.set(sketch, e);
  return e;
}

/**
 * Where {@link shapeSketch} reads a line, from either end: a few characters spread over the length of a
 * log line, near both ends, where lines of other shapes of one length differ (the message, the digit
 * runs of a prefix, a certificate's name).
 */
const SKETCH_AT = [8, 24, 48, 80];

/**
 * A small hash of what every line of a shape shares, read in a few places ({@link SKETCH_AT}): its length and
 * the characters there, each digit as `0`. Lines of one shape have one sketch; lines of other shapes mostly
 * have others, so the set's last shape of the sketch is mostly the line's own, found without hashing the
 * line whole ({@link shapeHash}, ~1 µs per 240 characters: as much as the rest of a lookup, issue 15).
 */
function shapeSketch(bytes: Uint8Array, n: number): number {
  let h = n;
  for (const at of SKETCH_AT) {
    if (at >= n) break;
    h = shapeStep(shapeStep(h, bytes[at]!), bytes[n - 1 - at]!);
  }
  return h & 0x3fffffff;
}

/** Where a line's shape keeps its characters whole: before the last `reach` characters other than quotes (see {@link ShapeMemo}). */
function splitOf(text: string, reach: number): number {
  let split = text.length;
  for (let plain = 0; split > 0 && plain < reach; ) {
    const c = text.charCodeAt(--split);
    if (c !== 0x22 && c !== 0x27) plain++;
  }
  return split;
}

/**
 * The line a {@link ShapeMemo} looks up, as bytes (printable ASCII: a byte per character, `asBytes()`): its
 * hash and the comparison read them, at a typed array's cost per character instead of `charCodeAt`'s on the
 * line (the two loops took 0.9–1.3 against 0.6–0.7 µs per Apache AH01974 line, bench (c), issue 15).
 */
const LINE_BYTES = Buffer.allocUnsafe(MEMO_MESSAGE_MAX);

/**
 * Write a line into {@link LINE_BYTES}.
 * @returns its length
 * @throws RangeError for a line longer than {@link MEMO_MESSAGE_MAX} (`shapeable()` lets none through)
 */
function asBytes(text: string): number {
  if (text.length > LINE_BYTES.length) throw new RangeError(`a line of ${text.length} characters has no shape`);
  LINE_BYTES.write(text, 0, 'latin1');
  return text.length;
}

/** The hash of a line's shape (FNV-1a from its set's hash, each digit as `0`), a small integer: V8 keeps it unboxed as a map key. */
function shapeHash(bytes: Uint8Array, n: number, setHash: number): number {
  let h = setHash;
  for (let i = 0; i < n; i++) h = shapeStep(h, bytes[i]!);
  return h & 0x3fffffff;
}

/** One FNV-1a step of {@link shapeHash} and {@link shapeSketch}: the byte, a digit as `0`. */
function shapeStep(h: number, c: number): number {
  return Math.imul(h ^ (c >= 0x30 && c <= 0x39 ? 0x30 : c), 0x01000193);
}

/** The lookups of {@link ShapeMemo} for one set of candidate triggers: counted over {@link SHAPES_TRIED}, then resting or not. */
interface ShapeTrial {
  lookups: number;
  hits: number;
  /** Lookups still to skip. */
  resting: number;
  /**
   * The shape of the set's last line of each sketch ({@link shapeSketch}; at most {@link RECENT_KEPT}
   * sketches), tried before the hash: lines of one shape have one sketch, and a densely failing log
   * repeats a few shapes in turn, so most lookups are one comparison instead of a hash and a comparison
   * (see {@link ShapeMemo.facts}). Null until the first lookup.
   */
  recent: Map<number, ShapeEntry> | null;
}
/** Sketches a {@link ShapeTrial} keeps its last shape for (then forgotten all at once). */
const RECENT_KEPT = 64;

/**
 * Rest when fewer than half the lookups found their shape. A hit spares the joiner's work on the text
 * (2.3–2.7 µs per line on one-class files of Apache AH01941 and nginx client-certificate OCSP lines,
 * where 95–100 % of lookups hit); a miss costs the hash, an entry and its facts, which outlive the young
 * generation and are collected with the old one: nginx refresh failures naming 5 000 certificates that
 * differ in digits only found 16 % of their shapes when the end was part of the shape, and the memo made them 8 % slower (80 000 lines,
 * 3.53 against 3.23 s, min of 3 alternated runs; issue 15). So a miss costs more than a hit saves, and
 * the memo pays only when most lookups hit.
 */
function count(t: ShapeTrial, hit: boolean): void {
  if (hit) t.hits++;
  if (++t.lookups < SHAPES_TRIED) return;
  if (t.hits * 2 < t.lookups) t.resting = 32 * SHAPES_TRIED;
  t.lookups = 0;
  t.hits = 0;
}
/** Sets of candidate triggers whose trials are kept at most (then forgotten all at once). */
const SETS_KEPT = 256;
/** Shapes remembered at most at first (then forgotten all at once). */
const SHAPES_KEPT = 2048;
/**
 * Shapes remembered at most once grown (see `ShapeMemo.tell`): 16 384. nginx's refresh failures for 5 000
 * certificates were 6 667 shapes when their ends were part of the shape, each back every ~6 700 lines;
 * each shape keeps its line alive (~0.3 KB).
 */
const SHAPES_GROWN_MAX = 16384;
/** Of the lines a resting set skips, every this many is told to the ghost (the tests and hash of each cost what the rest saves). */
const SKIPPED_TOLD = 4;
/** Lookups over which the memo counts its hits (then it rests for 32 times as many when they were rare). */
const SHAPES_TRIED = 1024;

/** A shape the memo keeps: its first line, candidates and the digit ones found, and the facts. */
interface ShapeEntry {
  text: string;
  candidates: readonly number[];
  found: readonly number[];
  facts: TextFacts;
  /** Lookups that found it ({@link ShapeMemo.hit}). */
  hits: number;
  /** {@link shapePattern} of `text` once it was found {@link PATTERN_AFTER} times (null before). */
  pattern: RegExp | null;
}

const NONE: readonly number[] = [];

/**
 * Hits after which a shape is tested by a pattern (its compiled regex: ~60 µs per shape of 150–240
 * characters, what the pattern saves on 60–200 lines of it), and shapes tested so at most per memo (each
 * pattern's code and bytecode, ~10 KB, lives as long as its shape: 32 are ~0.3 MB, where bench (e)'s peak
 * RSS is within a few MB of its goal). The regex compares a shape's lines 1.6–7 × faster than the
 * character loop below: 0.15 against 1.1 µs per nginx refresh failure of ~240 characters, 0.5 against
 * 0.8 µs per Apache AH01974 line (all lines of each class of bench (c), issue 15). Apache's lines of one
 * message are dozens of shapes (digit counts of addresses, pids and tids), most found a few dozen times:
 * they keep the loop.
 */
const PATTERN_AFTER = 128;
const PATTERNS_KEPT = 32;

/**
 * The regex of a shape: the text itself but each run of digits, which is `\d{n}` (as `sameShape()`
 * compares: any ASCII digit for a digit, every other character itself), anchored at both ends. The text is
 * printable ASCII (`shapeable()`): every character is itself but for those a regex reads as syntax, escaped.
 */
export function shapePattern(text: string): RegExp {
  return new RegExp(`^${text.replace(/(\d+)|[\\^$.*+?()[\]{}|/-]/g, (m, digits?: string) => (digits ? `\\d{${digits.length}}` : `\\${m}`))}$`);
}

/** Is the line (`text`, and as {@link LINE_BYTES} `bytes`) of the entry's shape, with its candidates and digit ones found? */
function sameShape(e: ShapeEntry, text: string, bytes: Uint8Array, candidates: readonly number[], found: readonly number[]): boolean {
  if (e.text.length !== text.length || !sameList(e.candidates, candidates) || !sameList(e.found, found)) return false;
  if (e.pattern !== null) return e.pattern.test(text);
  const t = e.text;
  for (let i = 0; i < text.length; i++) {
    const a = t.charCodeAt(i);
    const b = bytes[i]!;
    if (a !== b && !(a >= 0x30 && a <= 0x39 && b >= 0x30 && b <= 0x39)) return false;
  }
  return true;
}

/** Per matcher: which triggers hold a digit in their text or one of their scan keys, and how far a trigger with a digit reaches, lower-cased (see its shape ({@link ShapeMemo})). */
const digitInfo = new WeakMap<Matcher, { digit: Uint8Array; reach: number }>();

function digitsOf(m: Matcher): { digit: Uint8Array; reach: number } {
  let d = digitInfo.get(m);
  if (!d) {
    const digit = new Uint8Array(m.triggers.length);
    let reach = 0;
    m.triggers.forEach((t, ti) => {
      if (!/\d/.test(t)) return;
      digit[ti] = 1;
      reach = Math.max(reach, t.trim().length);
    });
    m.keys.forEach((k, ki) => {
      if (/\d/.test(k)) for (const ti of m.candidateTriggers(k, [ki])) digit[ti] = 1;
    });
    digitInfo.set(m, (d = { digit, reach }));
  }
  return d;
}

/** A message being read: its physical lines, the triggers its keys name, and its evaluation (cached). */
interface Group {
  lines: Physical[];
  triggers: readonly number[];
  /** A single line's {@link TextFacts} (when its shape allows sharing them). */
  facts?: TextFacts;
  /** {@link MessageJoiner.lastUsed} before this message took its lines: restored when it matches nothing. */
  usedBefore?: number;
  /** The match of the lines so far (computed once per set of lines). */
  result?: MessageResult;
}

/**
 * What the joiner works out from a list of candidate triggers alone, on first need, kept per list
 * object: the matcher hands every line of the same scan keys the same list (`candidateTriggers`), and
 * a line's ~100 candidates made each of these a loop, a filter or a joined string per line (issue 15).
 */
interface SetFacts {
  /** The list as a string (`1,5,9`): names it among other lists. */
  id?: string;
  /** {@link hashOfSet} of the list. */
  hash?: number;
  /** The length of the longest phrase of its triggers and of nginx's context (`loosenedEnd()`). */
  longest?: number;
  /** How far a phrase or trigger with a digit reaches (`factsOf()`), and the triggers with a digit (null: none). */
  reach?: number;
  withDigit?: readonly number[] | null;
  /** Those whose rules may apply to an nginx line with a connection id (`passesOver()`). */
  risky?: readonly number[];
}

/** Options of {@link MessageJoiner}. */
export interface JoinerOptions {
  /**
   * The caller reads a result's `parsed` only when it has a match or no server format (the analyzer:
   * matches, and unparsed lines for its accounting). A message that the joiner sees no rule can match
   * and that cannot go on may then be reported as `{ parsed: null, match: null }` without being parsed
   * ({@link MessageJoiner.passOver}), and a look-alike match (a rule that only cancels) of one line
   * may carry no values (the matcher's `lean` match).
   */
  onlyMatches?: boolean;
  /**
   * The caller hands over the line after every line for which {@link MessageJoiner.line} wanted one (a
   * `LineScanner` does, see `LineSink`), and calls {@link MessageJoiner.settleDeferred} when its results
   * must be current (a live input). Then whether a message of one line goes on is decided only when its
   * next line could continue it, or when settled: its result comes with the next line's (issue 15).
   * Without it, each line's messages are complete when `line()` returns.
   */
  deferUntilNextLine?: boolean;
}

/** What a message passed over gives (see {@link JoinerOptions.onlyMatches}). */
const PASSED_OVER: MessageResult = Object.freeze({ parsed: null, match: null });

/**
 * What {@link MessageJoiner}s find out about their matcher's triggers and rules (phrases, which
 * triggers open a message, …), each on first need. It depends on the matcher alone, so every input's
 * joiner shares it: rebuilt per input, it was ~10 % of a scan of 33 files of 2 MiB (`--cpu-prof`).
 */
class MatcherFacts {
  /** Per trigger: the fixed phrases of its rules (`phrasesFor()`). */
  readonly phrasesOf = new Map<number, string[]>();
  /** Every trigger in lower case (`allTriggers()`). */
  triggersLoose: string[] | null = null;
  /** Per rule and cause: can another pattern give another cause (`otherCauseReadable()`)? */
  readonly otherCause = new Map<Rule, Map<CauseId, boolean>>();
  /** The index of every trigger. */
  everyTrigger: number[] | null = null;
  /** The triggers by their first letter (`firstLetter()`), each list in trigger order. */
  byFirstLetter: Map<string, number[]> | null = null;
  /** Per trigger: its loose pattern tried at a text's start only, and the pieces it must hold (`startsWithTrigger()`). */
  readonly atStart: (RegExp | undefined)[] = [];
  readonly runs: (string[] | undefined)[] = [];
  /** Per trigger: does it open its rule's message (see `opensOwnMessage()`)? Found on first need. */
  readonly opening = new Map<number, boolean>();
  /** {@link SetFacts} per list of triggers (bounded: forgotten all at once). */
  readonly bySet = new Map<readonly number[], SetFacts>();
  /** The {@link PhraseSet} of each set of triggers seen (`phrases()`). */
  readonly phraseSets = new Map<string, PhraseSet>();
  /** {@link BeginningsByLast} of the phrases of each set of triggers seen. */
  readonly phraseEnds = new Map<string, BeginningsByLast>();
  /** {@link BeginningsByLast} of every trigger (`allTriggers()`). */
  triggerEnds: BeginningsByLast | null = null;
  /** The length of the longest trigger (`allTriggers()`), found on first need. */
  longestTrigger: number | null = null;
  /** Per trigger: the length of its longest phrase (`phrasesFor()`; -1: not known yet). */
  readonly longestPhrase: Int16Array;
  /** Per trigger: does none of its rules apply to an nginx line with a connection id (1 yes, 2 no, 0 not known yet)? */
  readonly offConnection: Uint8Array;
  /** Per trigger: the longest of its phrases that holds a digit (0: none; -1: not known yet). */
  readonly phraseReach: Int16Array;
  /** Per rule: see `digitRule()`. */
  readonly ruleDigits = new Map<Rule, boolean>();

  constructor(triggers: number) {
    this.offConnection = new Uint8Array(triggers);
    this.phraseReach = new Int16Array(triggers).fill(-1);
    this.longestPhrase = new Int16Array(triggers).fill(-1);
  }
}

/** The {@link MatcherFacts} of each matcher. */
const matcherFacts = new WeakMap<Matcher, MatcherFacts>();

/** Incremental joiner for one input. */
export class MessageJoiner {
  private pending: Group | null = null;
  /**
   * A message of one line whose going on is not decided yet: {@link goesOn} is asked only when the
   * next line could continue it ({@link canFollow}) or when the caller settles ({@link settleDeferred}).
   * Nearly every line of a real log is followed by a line that starts with its own prefix, and then
   * the answer cannot change what happens: the message is finished either way (issue 15: the text
   * tests of `goesOn()` were ~14 % of a log of nginx refresh failures).
   */
  private deferred: { g: Group; keys: readonly number[] | undefined } | null = null;
  /** Recent physical lines handed over (all of them on the in-memory path). */
  private recent: Physical[] = [];
  /** The last line that was part of a message the joiner looked at (it is never read again). */
  private lastUsed = 0;
  /** The last line the caller took out of the text ({@link flush} at a JSON record or a skipped line): no message reaches back over it. */
  private barrier = 0;
  /** What is known of the matcher's triggers and rules, shared by its joiners. */
  private readonly known: MatcherFacts;
  /** {@link TextFacts} by shape (bounded; it rests on a log whose lines all differ). */
  private readonly shapes = new ShapeMemo();

  constructor(
    private readonly matcher: Matcher,
    private readonly file: string,
    private readonly options: JoinerOptions = {},
  ) {
    let known = matcherFacts.get(matcher);
    if (!known) matcherFacts.set(matcher, (known = new MatcherFacts(matcher.triggers.length)));
    this.known = known;
  }

  /**
   * The {@link TextFacts} of a line that starts a message, shared with the earlier lines of
   * its shape ({@link ShapeMemo}); undefined when its shape does not allow sharing them (see there): it must start
   * like a log line (not with Apache's tag: the joiner then reads no line before it) and be plain; of its
   * candidate triggers with a digit (in the trigger or a key), which it holds is part of its shape.
   */
  private factsOf(line: Physical, triggers: readonly number[]): TextFacts | undefined {
    const t = line.text;
    // (While the memo rests for these candidates, only the few lines told to its ghost are tested.)
    const set = this.setFacts(triggers);
    if (!fastPathsOn()) return undefined;
    const trial = this.shapes.open(triggers, (set.hash ??= hashOfSet(triggers)));
    // (While it rests, a few lines are told to the memo's ghost, see ShapeMemo.)
    if (trial === null && !this.shapes.tellsSkipped()) return undefined;
    if (!shapeable(t)) return undefined;
    if (set.reach === undefined) this.digitFacts(triggers, set);
    const reach = set.reach!;
    const withDigit = set.withDigit!;
    if (trial === null) {
      // (A set with digits has the triggers found in the key too: not told.)
      if (withDigit === null) this.shapes.skipped(t, set.hash);
      return undefined;
    }
    if (withDigit === null) return this.shapes.facts(trial, t, triggers, reach, set.hash);
    // Candidates with a digit (`X509_…`, `need at least 2 certificates`, or a key such as `2d_OCSP`) may be
    // found in one line of a shape and not in another: which are found is part of the shape.
    // (Passed beside the candidates, not appended to a copy of them: ~100 numbers per line, issue 15.)
    const found = this.matcher.triggersIn(normalizeText(plainText(t)).text, withDigit);
    return this.shapes.facts(trial, t, triggers, reach, set.hash, found);
  }

  /** The {@link SetFacts} of a list of triggers. */
  private setFacts(triggers: readonly number[]): SetFacts {
    let f = this.known.bySet.get(triggers);
    if (f === undefined) {
      if (this.known.bySet.size >= 4096) this.known.bySet.clear();
      this.known.bySet.set(triggers, (f = {}));
    }
    return f;
  }

  /** {@link SetFacts.reach} and {@link SetFacts.withDigit} of a list of triggers (see its shape ({@link ShapeMemo})). */
  private digitFacts(triggers: readonly number[], set: SetFacts): void {
    const d = digitsOf(this.matcher);
    let reach = d.reach;
    let withDigit: number[] | null = null;
    for (const ti of triggers) {
      if (d.digit[ti] === 1) (withDigit ??= []).push(ti);
      let r = this.known.phraseReach[ti]!;
      if (r === -1) this.known.phraseReach[ti] = r = this.phrasesFor(ti).reduce((n, p) => (/\d/.test(p) ? Math.max(n, p.length) : n), 0);
      reach = Math.max(reach, r);
    }
    set.reach = reach;
    set.withDigit = withDigit;
  }

  /** Does the rule's trigger, or one of its scan keys, hold a digit (its `holdsRule` is not shared by a shape)? */
  private digitRule(rule: Rule): boolean {
    let v = this.known.ruleDigits.get(rule);
    if (v === undefined) {
      const ti = this.matcher.triggers.indexOf(rule.trigger);
      this.known.ruleDigits.set(rule, (v = ti === -1 || digitsOf(this.matcher).digit[ti] === 1));
    }
    return v;
  }

  /** Fixed phrases of a trigger's rules: the trigger, their patterns' literal runs (loosened, see `loose()`). */
  private phrasesFor(ti: number): string[] {
    let ps = this.known.phrasesOf.get(ti);
    if (!ps) {
      const t = this.matcher.triggers[ti]!;
      const runs = this.matcher.rulesOfTrigger(ti).flatMap((r) => r.patterns.flatMap((p) => literalRuns(p.regex)));
      ps = [...new Set([t, ...runs].map((x) => loose(x.trim())).filter((x) => x.length >= 6))];
      this.known.phrasesOf.set(ti, ps);
    }
    return ps;
  }

  /** Every trigger in lower case (quotes kept: `… in OCSP responder` + `"…` ends inside ` in OCSP responder "`). */
  private allTriggers(): string[] {
    return (this.known.triggersLoose ??= this.matcher.triggers.map((t) => t.trim().toLowerCase()));
  }

  /** Does a text that holds no trigger end with the beginning of one (the break fell inside it)? */
  private endsInsideTrigger(text: string): boolean {
    if (!fastPathsOn()) {
      const lt = text.toLowerCase();
      return this.allTriggers().some((t) => endsWithPrefixOf(lt, t, 4, true));
    }
    this.known.longestTrigger ??= this.allTriggers().reduce((n, t) => Math.max(n, t.length), 0);
    return endsWithOneOf(endOf(text, false, this.known.longestTrigger), (this.known.triggerEnds ??= new BeginningsByLast(this.allTriggers(), 4)));
  }

  /** `loose(text)`, or as much of its end as {@link endsInPhrase} reads of it for these triggers (see {@link endOf}). */
  private loosenedEnd(text: string, triggers: readonly number[]): string {
    if (!fastPathsOn()) return loose(text);
    const set = this.setFacts(triggers);
    if (set.longest === undefined) {
      let longest = LONGEST_CONTEXT_PHRASE;
      for (const ti of triggers) {
        let n = this.known.longestPhrase[ti]!;
        if (n === -1) this.known.longestPhrase[ti] = n = this.phrasesFor(ti).reduce((a, p) => Math.max(a, p.length), 0);
        longest = Math.max(longest, n);
      }
      set.longest = longest;
    }
    return endOf(text, true, set.longest);
  }

  /** Does the loosened text end inside one of {@link phrases} (`endsWithPrefixOf(text, phrase, 4, true)` for one of them)? */
  private endsInPhrase(lt: string, triggers: readonly number[]): boolean {
    if (!fastPathsOn()) return this.phrases(triggers).list.some((p) => endsWithPrefixOf(lt, p, 4, true));
    const id = this.idOf(triggers);
    let byLast = this.known.phraseEnds.get(id);
    if (!byLast) {
      if (this.known.phraseEnds.size >= 1024) this.known.phraseEnds.clear();
      this.known.phraseEnds.set(id, (byLast = new BeginningsByLast(this.phrases(triggers).list, 4)));
    }
    return endsWithOneOf(lt, byLast);
  }

  /** The list of triggers as a string ({@link SetFacts.id}). */
  private idOf(triggers: readonly number[]): string {
    const set = this.setFacts(triggers);
    return (set.id ??= triggers.join(','));
  }

  /** The fixed phrases of the candidate triggers' rules and nginx's stapling context (loosened), per set of triggers. */
  private phrases(triggers: readonly number[]): PhraseSet {
    const id = this.idOf(triggers);
    let set = this.known.phraseSets.get(id);
    if (!set) {
      if (this.known.phraseSets.size >= 1024) this.known.phraseSets.clear();
      this.known.phraseSets.set(id, (set = new PhraseSet([...CONTEXT_PHRASES_LOOSE, ...triggers.flatMap((ti) => this.phrasesFor(ti))])));
    }
    return set;
  }

  /**
   * The physical lines as one text. `glueUnsure`: where neither a blank nor the phrases decide a break
   * (`unauthor|ized`, `ocsp.e|xample.com`, `trylater|)`), join without a space.
   */
  private joined(lines: readonly Physical[], triggers: readonly number[], glueUnsure = false): string {
    return this.junctions(lines, triggers, glueUnsure).text;
  }

  /**
   * @param glueUnsure join without a space where nothing decides
   * @param hard take the lines as hard-wrapped (a terminal's: never a space added), whatever shows it
   */
  private junctions(lines: readonly Physical[], triggers: readonly number[], glueUnsure: boolean, hard?: boolean): { text: string; unsure: number } {
    if (lines.length === 1) return { text: lines[0]!.text, unsure: 0 };
    const marker = rowMarker(lines[0]!.text);
    if (marker !== null) lines = lines.map((l, i) => (i > 0 && rowMarker(l.text) === marker ? { ...l, text: l.text.trimStart().slice(marker.length) } : l));
    const phrases = this.phrases(triggers);
    hard ??= hardWrapped(lines, phrases);
    let acc = lines[0]!.text;
    let unsure = 0;
    // The last line as it stands at the end of `acc` (a join may take blanks off its start and end).
    let prev = acc;
    for (let i = 1; i < lines.length; i++) {
      const next = lines[i]!.text;
      const glued = joinPhysical(prev, next, phrases, hard);
      const spaced = glued.length > prev.length + next.length;
      // A space put only because nothing showed a word going on, between two value characters (never
      // after a closing bracket or a colon, never before an opening bracket: `2026]` + `[ssl:debug]`).
      const doubt = spaced && !/[\s\]:;,]$/.test(prev) && !/^[\s[(]/.test(next);
      if (doubt) unsure++;
      acc = acc.slice(0, acc.length - prev.length) + (doubt && glueUnsure ? prev + next : glued);
      prev = glued.endsWith(next) ? next : next.replace(/^[ \t]+/, '');
    }
    return { text: acc, unsure };
  }

  /** Match the group's lines as one message (once); of an unsure join, the reading that matches better. */
  private evaluate(g: Group, keys?: readonly number[]): MessageResult {
    if (!g.result) {
      const location: LineLocation = { file: this.file, line: g.lines[0]!.no };
      const j = this.junctions(g.lines, g.triggers, false);
      // One line: no other reading is scored by its values, and goesOn() reads no values of a look-alike.
      const one = g.lines.length === 1;
      const known = g.facts ? (g.facts.rules ??= this.matcher.rulesFor(j.text, keys)) : undefined;
      g.result = this.matcher.match(j.text, location, one ? keys : undefined, one && this.options.onlyMatches === true, known);
      // A reading that fails a rule's own pattern, or reads only the rule's fallback: the breaks may have
      // been a terminal's, inside words (`si` + `gner certificate not found`): the other readings.
      if (g.lines.length > 1 && (score(g.result, true) < 300 || this.fallback(g.result))) {
        const glued = j.unsure > 0 ? this.joined(g.lines, g.triggers, true) : null;
        const hard = sameWidths(g.lines) ? this.junctions(g.lines, g.triggers, false, true).text : null;
        for (const t of new Set([glued, hard])) {
          if (t === null || t === j.text) continue;
          const alt = this.matcher.match(t, location);
          if (score(alt, this.fallback(alt)) > score(g.result, this.fallback(g.result))) g.result = alt;
        }
      }
      if (one) g.result = this.unpaddedReading(j.text, location, g.result);
      if (g.result.match && g.lines.length > 1) g.result.match.cut = { ...g.result.match.cut, lines: g.lines.length };
    }
    return g.result;
  }

  /**
   * The best reading of one line with a terminal's padding in it ({@link onePadRun}: the run as a blank, or
   * taken out), or `r`, its reading as written, when it holds no such run. Readings compare as the matcher
   * ranks hits on one text, where they can: how well a pattern took it ({@link score} without the values),
   * then the rule's priority (a look-alike ahead of the stapling rule that reads the same words), then a
   * cause the line's own values decide (not the rule's own cause: a self-signed certificate's subject that
   * is its issuer, a verify error's reason; the padding that split a value stops the value deciding),
   * then more values.
   */
  private unpaddedReading(text: string, location: LineLocation, r: MessageResult): MessageResult {
    const readings = onePadRun(text);
    if (readings === null) return r;
    const rank = (x: MessageResult): number[] => {
      const m = x.match;
      const values = m ? Object.keys(m.values).length : 0;
      return [score(x, this.fallback(x)) - values, m?.rule.priority ?? 0, m && m.cause !== m.rule.cause ? 1 : 0, values];
    };
    const better = (a: number[], b: number[]): boolean => {
      const i = a.findIndex((v, k) => v !== b[k]);
      return i !== -1 && a[i]! > b[i]!;
    };
    let best = r;
    for (const t of readings) {
      const alt = this.matcher.match(t, location);
      if (better(rank(alt), rank(best))) best = alt;
    }
    return best;
  }

  /** Did the reading give only a rule's fallback: its catch-all pattern, or `causeFrom.default` (none of its table's values)? */
  private fallback(r: MessageResult): boolean {
    const m = r.match;
    if (!m) return false;
    return isCatchAll(m.rule, m.pattern) || (m.rule.causeFrom !== undefined && m.cause === (m.rule.causeFrom.default ?? m.rule.cause));
  }

  /**
   * Does the message (its lines so far) visibly go on? It is only a server prefix, ends with a
   * connector or inside Apache's status, ends inside a fixed phrase of its rules (or, holding no
   * trigger yet, inside a trigger), leaves a quote or bracket open, fills every row of a hard wrap so
   * far, or (without nginx's trailing context, which ends a message) holds a trigger that no pattern
   * matches whole (nothing, or only a cut-tolerant twin: the server wrote more than is there; or one
   * the start of another message of the rule, with another cause, reads too) unless a poster's `...`
   * ended it.
   */
  private goesOn(g: Group, keys?: readonly number[]): boolean {
    // (Facts are a single line's: g.lines[0] is that line.)
    const f = g.facts ? this.shapes.ends(g.facts, g.lines[0]!.text) : undefined;
    const byText = f?.goesOn ?? this.goesOnByText(g);
    if (f) f.goesOn = byText;
    if (byText !== 'match') return byText === 'on';
    // A terminal filled every row so far: the last one may have been cut at the edge, too.
    // (One line is no hard wrap: sameWidths() wants three with the empty one, so no copy of a single line.)
    if (g.lines.length >= 2 && sameWidths([...g.lines, { text: '' }])) return true;
    const r = this.evaluate(g, keys);
    // nginx ends every message with its context (`, client: …`, `while requesting certificate status,
    // responder: …`): a message that has it is complete (an upstream's `could not be resolved` too).
    if (r.parsed?.context) return false;
    if (r.parsed !== null && (r.match === null || r.match.cut?.tail !== undefined)) return true;
    // A pattern took it whole, but it may as well be the start of another message of the same rule
    // with another cause (`… query failed (URL): r3.o.lencr.org` + `could not be resolved`).
    const m = r.match;
    if (m === null) return false;
    // Only the rule's own readings count: none when no pattern of it but the catch-all can give another cause.
    const fast = fastPathsOn();
    if (fast && !this.otherCauseReadable(m.rule, m.cause)) return false;
    const text = this.joined(g.lines, g.triggers);
    let held: boolean | undefined;
    if (fast && g.facts && !this.digitRule(m.rule)) {
      const holds = (g.facts.holds ??= new Map());
      held = holds.get(m.rule);
      if (held === undefined) holds.set(m.rule, (held = this.matcher.holdsRule(text, m.rule)));
    }
    return this.matcher
      .cutReadings(text, fast ? m.rule : undefined, held)
      .some((h) => h.rule === m.rule && h.cause !== m.cause && !isCatchAll(h.rule, h.pattern));
  }

  /**
   * What {@link goesOn} finds in the text alone: it goes on (`on`: only a prefix, a connector, an open
   * status or bracket, a phrase begun at the end), it does not (`off`: empty, no trigger, a poster's
   * cut marker), or the match decides (`match`).
   */
  private goesOnByText(g: Group): 'on' | 'off' | 'match' {
    const n = normalizeText(plainText(this.joined(g.lines, g.triggers)));
    const text = n.text;
    if (text === '') return 'off';
    if (openEnded(text, g.lines[g.lines.length - 1]!.text.trim())) return 'on';
    // (Facts are a single line's: the text is that line's, normalised.)
    const present = g.facts ? (g.facts.present ??= this.matcher.triggersIn(text, g.triggers)) : this.matcher.triggersIn(text, g.triggers);
    if (present.length > 0 ? this.endsInPhrase(this.loosenedEnd(text, present), present) : this.endsInsideTrigger(text)) return 'on';
    return present.length === 0 || n.cutMarker ? 'off' : 'match';
  }

  /** Can a pattern of the rule other than its catch-all give a cause other than `cause` (see `possibleCauses()`)? */
  private otherCauseReadable(rule: Rule, cause: CauseId): boolean {
    let byCause = this.known.otherCause.get(rule);
    if (!byCause) this.known.otherCause.set(rule, (byCause = new Map()));
    let v = byCause.get(cause);
    if (v === undefined) {
      v = rule.compiled.some((p) => !isCatchAll(rule, p) && possibleCauses(rule, p).some((c) => c !== cause));
      byCause.set(cause, v);
    }
    return v;
  }

  /** Can `next` be a further physical line of a message (not a line of its own)? */
  private canFollow(lines: readonly Physical[], next: Physical): boolean {
    // A JSON log record is a whole message of its own (the analyzer matches it alone): never part of another.
    const last = lines[lines.length - 1]!;
    return (
      next.no === last.no + 1 &&
      lines.length < MAX_JOINED_LINES &&
      next.text.trim() !== '' &&
      !startsLogLine(next.text) &&
      !isRecordLine(last.text) &&
      !isRecordLine(next.text) &&
      !this.opensOwnMessage(lines, next)
    );
  }

  /**
   * Does `next` begin a stapling message of its own after lines that already hold a whole trigger?
   * It starts (white space and normalisation aside) with a trigger that opens its rule's message. A paste of messages without their prefixes puts one per
   * line; the first may look unfinished (a stray quote, a cut tail), but the next one's own opening
   * phrase says where it starts. A wrap that breaks right after a server prefix or inside a message
   * leaves no whole trigger before the break, or ends with a connector (`… failed to validate OCSP
   * response:` + `OCSP_check_validity() failed`), so it still joins.
   */
  private opensOwnMessage(lines: readonly Physical[], next: Physical): boolean {
    const start = normalizeText(plainText(next.text.trimStart())).text;
    const first = firstLetter(start);
    if (first === '') return false;
    const sameFirst = this.triggersStartingWith(first);
    if (sameFirst.length === 0) return false;
    const low = start.toLowerCase();
    // The candidates (keys looked up in the text: ~60 searches) only once a trigger is there at the start.
    let candidates: readonly number[] | null = null;
    const atStart = (ti: number): boolean =>
      this.startsWithTrigger(start, low, ti) && this.opens(ti) && (candidates ??= this.matcher.candidateTriggers(start)).includes(ti);
    if (!sameFirst.some(atStart)) return false;
    const n = normalizeText(plainText(this.joined(lines, [])));
    const text = n.text;
    // Lines that end with a connector (`…OCSP response:`) lead into what follows, whatever it is,
    // unless a poster's `...` ended them.
    if (!n.cutMarker && CONNECTOR_END.test(text.slice(-8))) return false;
    return this.matcher.triggersIn(text, this.matcher.candidateTriggers(text)).length > 0;
  }

  /** The triggers whose first letter ({@link firstLetter}) is `first`, in trigger order. */
  private triggersStartingWith(first: string): readonly number[] {
    let by = this.known.byFirstLetter;
    if (by === null) {
      by = this.known.byFirstLetter = new Map();
      this.matcher.triggers.forEach((t, ti) => {
        const l = firstLetter(t);
        const list = by!.get(l);
        if (list) list.push(ti);
        else by!.set(l, [ti]);
      });
    }
    return by.get(first) ?? [];
  }

  /**
   * Does the text start with the trigger as `looseTriggerPattern()` finds it (its leftmost match at 0)? Tried
   * there only, and only when the text in lower case (`low`) holds every piece the trigger must hold as it is
   * (`looseTriggerRuns()`): the regex of a trigger never at a line's start is not even compiled.
   */
  private startsWithTrigger(text: string, low: string, ti: number): boolean {
    const runs = (this.known.runs[ti] ??= looseTriggerRuns(this.matcher.triggers[ti]!));
    for (const r of runs) if (!low.includes(r)) return false;
    let re = this.known.atStart[ti];
    if (re === undefined) {
      const pattern = looseTriggerPattern(this.matcher.triggers[ti]!);
      this.known.atStart[ti] = re = new RegExp(pattern.source, `${pattern.flags.replace(/[gy]/g, '')}y`);
    }
    re.lastIndex = 0;
    return re.test(text);
  }

  /**
   * Does the trigger open its rule's message: a pattern of the rule starts with it
   * (`OCSP_basic_verify() failed`, not the ` could not be resolved (` that follows a host name)?
   */
  private opens(ti: number): boolean {
    let v = this.known.opening.get(ti);
    if (v === undefined) {
      const t = this.matcher.triggers[ti]!.trim();
      v = this.matcher.rulesOfTrigger(ti).some((r) => r.patterns.some((p) => patternOpensWith(p.regex, t)));
      this.known.opening.set(ti, v);
    }
    return v;
  }

  /** Report a message. Its lines are used up only when it matched: a line that continues it may still read them. */
  private finish(g: Group, out: MessageResult[], keys?: readonly number[]): void {
    const r = this.evaluate(g, keys);
    const k = this.betterPrefix(g, r);
    if (k > 0) {
      // Joining lost what the first lines said whole: they are the message, the rest another one.
      this.finish({ lines: g.lines.slice(0, k), triggers: g.triggers, usedBefore: g.usedBefore }, out);
      const rest = g.lines.slice(k);
      this.finish({ lines: rest, triggers: this.matcher.candidateTriggers(this.joined(rest, [])) }, out);
      return;
    }
    if (r.match) this.lastUsed = Math.max(this.lastUsed, g.lines[g.lines.length - 1]!.no);
    else if (g.usedBefore !== undefined) this.lastUsed = g.usedBefore;
    out.push(r);
  }

  /**
   * Joining never loses a match: when the lines of a message read together match nothing, its first lines
   * by themselves may; then the most of them that read best are the message, and the rest is read as one
   * of its own. A line that ends inside a longer phrase of its rule (nginx before 1.11.7: `… issuer
   * certificate not found`, which 1.11.7 goes on with `for certificate`) was joined to whatever a paste
   * put under it (`nginx: the configuration file … syntax is ok`, indented) and the two matched nothing;
   * so were two fragments of a paste, one per line (`ssl_stapling: OCSP response not successful (6:
   * unauthorized)` + `OCSP response has expired`). A message that matches, if only by a rule's fallback,
   * is kept whole: the first lines of a wrapped message are a cut one, whose reading may mislead.
   * @returns how many first lines are the message, or 0 to keep them all
   */
  private betterPrefix(g: Group, r: MessageResult): number {
    if (g.lines.length < 2 || r.match !== null) return 0;
    let best = 0;
    let bestScore = score(r, false);
    for (let k = 1; k < g.lines.length; k++) {
      const first = this.matcher.match(this.joined(g.lines.slice(0, k), g.triggers), { file: this.file, line: g.lines[0]!.no });
      const s = score(first, this.fallback(first));
      if (first.match !== null && s > bestScore) [best, bestScore] = [k, s];
    }
    return best;
  }

  /** Keep a physical line for {@link lookBack}: the last {@link MAX_LOOK_BACK} + 1. */
  private remember(line: Physical): void {
    this.recent.push(line);
    if (this.recent.length > MAX_LOOK_BACK + 1) this.recent.shift();
  }

  /**
   * Earlier physical lines that belong to the message `line` continues (oldest first), from memory or
   * from the scanner. `line` does not start a log line, so its message may have begun before it:
   * - walk back over lines that do not start one either, to the line that does; that line must be
   *   the start of a stapling message that goes on ({@link startsMessage}); bare prefixes before it (a
   *   time in brackets wrapped off) join too;
   * - when no log line starts within reach (a paste whose prefixes were elided), take the earlier
   *   lines one by one for as long as each goes on into the next;
   * - a line that starts with Apache's tag (`AH01977: …`) takes the lines before it that hold only its
   *   server prefix ({@link prefixPieces}), and nothing else.
   * Otherwise `line` is a fragment on its own.
   */
  private lookBack(line: Physical, triggers: readonly number[], before: EarlierLines | undefined): Physical[] {
    const n = Math.min(MAX_LOOK_BACK, line.no - 1 - Math.max(this.lastUsed, this.barrier));
    const starts = startsLogLine(line.text);
    if (n <= 0 || (starts && !TAG_START.test(line.text))) return [];
    let texts: string[];
    const mem = this.recent.filter((r) => r.no < line.no && r.no >= line.no - n);
    if (mem.length === n) texts = mem.map((r) => r.text);
    else if (before) texts = before(n);
    else return [];
    // A JSON record is a message of its own (the caller flushes at one it is given: the scanner gives
    // only those with a trigger, the in-memory path all), so nothing before it is either.
    const record = texts.findLastIndex(isRecordLine);
    if (record !== -1) texts = texts.slice(record + 1);
    const earlier = texts.map((text, i) => ({ no: line.no - texts.length + i, text }));
    if (starts) return this.prefixPieces(earlier, [line], triggers);
    const chain: Physical[] = [line];
    let i = earlier.length - 1;
    for (; i >= 0 && this.canFollow([earlier[i]!], chain[0]!); i--) {
      chain.unshift(earlier[i]!);
      if (startsLogLine(earlier[i]!.text)) break;
    }
    if (i >= 0 && startsLogLine(chain[0]!.text)) {
      if (!this.startsMessage(chain, triggers)) return [];
      const pieces = this.prefixPieces(earlier.slice(0, i), chain, triggers);
      chain.unshift(...pieces);
      i -= pieces.length;
      for (i--; i >= 0 && earlier[i]!.text.trim() !== '' && prefixOnly(earlier[i]!.text.trim()); i--) chain.unshift(earlier[i]!);
      return chain.slice(0, -1);
    }
    // No log line's start within reach: link by link.
    const linked: Physical[] = [line];
    for (let k = earlier.length - 1; k >= 0; k--) {
      const prev = earlier[k]!;
      if (!this.canFollow([prev], linked[0]!) || !(this.goesOn({ lines: [prev], triggers }) || this.bridges([prev, linked[0]!], triggers))) break;
      linked.unshift(prev);
    }
    return linked.slice(0, -1);
  }

  /**
   * The physical lines before an `AHnnnnn: ` line that hold only the pieces of its server prefix (the
   * time, `[module:level] [pid …]`, the status `(70007)The timeout specified has` + `expired:`, the
   * `[client …]`): Apache writes the tag after them, so a wrap can put it at a line's start. They
   * belong to the message when the lines joined parse as one server line with a time whose message is
   * the tag line's own. Else none (the tag line started a message of its own: Apache's stderr).
   */
  private prefixPieces(earlier: readonly Physical[], chain: readonly Physical[], triggers: readonly number[]): Physical[] {
    if (!TAG_START.test(chain[0]!.text)) return [];
    const own = parseLine(this.joined(chain, triggers)).message;
    for (let k = earlier.length - 1; k >= 0 && earlier[k]!.text.trim() !== '' && earlier[k]!.no === chain[0]!.no - (earlier.length - k); k--) {
      const pieces = earlier.slice(k);
      const p = parseLine(this.joined([...pieces, ...chain], triggers));
      if (p.format !== null && p.time !== null && p.message === own) return pieces;
    }
    return [];
  }

  /** Is a trigger whole only across the break between the first two lines (`… OCS` + `P_basic_verify() failed`)? */
  private bridges(chain: readonly Physical[], triggers: readonly number[]): boolean {
    const pair = this.joined(chain.slice(0, 2), triggers);
    // The matcher's exact trigger test first (its shortcuts spare the loose patterns of the many triggers a pair lacks).
    return this.matcher.triggersIn(pair, triggers).some((ti) => !looseTriggerPattern(this.matcher.triggers[ti]!).test(chain[1]!.text));
  }

  /**
   * Can a log line's start be the first line of a wrapped stapling message (see {@link lookBack})? It
   * goes on, or a trigger is whole only across the break after it, or the lines down to the key line
   * were hard-wrapped (one width), or it holds no trigger of its own (its message is the stapling
   * message the next lines finish); and it is not Apache's `AH00526: Syntax error on line N of
   * FILE:`, a whole line that Apache itself follows with a second line of its own.
   */
  private startsMessage(chain: readonly Physical[], triggers: readonly number[]): boolean {
    const start = chain[0]!;
    const own = parseLine(start.text);
    if (SYNTAX_ERROR.test(own.message)) return false;
    const widths = chain.slice(0, -1).map((l) => l.text.length);
    const hard = widths.length >= 2 && widths[0]! >= 20 && widths.every((w) => w === widths[0]);
    if (hard || this.bridges(chain, triggers) || this.goesOn({ lines: [start], triggers })) return true;
    // A log line holding no trigger of its own may be where the stapling message on the next lines
    // began: when reading them together tells more than the next lines alone, or as much and its
    // message is a stub; never a line that is visibly complete (another message before a fragment).
    const t = normalizeText(plainText(start.text)).text;
    const all = (this.known.everyTrigger ??= this.matcher.triggers.map((_, i) => i));
    if (fastPathsOn() ? this.matcher.triggersIn(t, all).length > 0 : this.matcher.triggers.some((x) => looseTriggerPattern(x).test(t))) return false;
    // nginx ends a message with its context (`, client: …, server: …`): such a line is complete.
    if (own.context !== null) return false;
    const location: LineLocation = { file: this.file, line: start.no };
    const together = score(this.matcher.match(this.joined(chain, triggers), location), false);
    const alone = score(this.matcher.match(this.joined(chain.slice(1), triggers), location), false);
    // A message of a few characters (`*67 [lua]`, `O`) is the stub a wrap left after the prefix.
    return together > alone || (together === alone && own.message.length <= STUB_CHARS);
  }

  /** Does the text hold a scan key only once its invisible characters are dropped (one fell inside a trigger's word)? */
  private marksInKeys(text: string): boolean {
    const visible = withoutInvisible(text);
    return this.matcher.keys.some((k) => visible.includes(k) && !text.includes(k));
  }

  /**
   * One physical line, in input order.
   * @param keys the scan keys the scanner found in it (undefined: look them up)
   * @param before the scanner's accessor for earlier physical lines (undefined on the in-memory path)
   * @param next the scanner's accessor for the start of the next physical line (see `nextStartsOwnLine()`)
   * @returns the messages completed by this line, and how many further lines are wanted (0 or 1)
   */
  line(
    raw: string,
    no: number,
    scanned: readonly number[] | undefined,
    before: EarlierLines | undefined,
    next?: NextLineHead,
  ): { results: MessageResult[]; want: number } {
    // A line copied from a page with invisible characters (zero-width spaces, bidirectional marks) is read,
    // and shown, without them, its keys looked up again; a server's line keeps them in its values. A mark
    // inside a scan key (a word of a trigger: the server's own words, never a value) is a page's too.
    const copy = hasInvisible(raw) && (copiedWithMarks(raw) || this.marksInKeys(raw));
    const text = copy ? withoutInvisible(raw) : raw;
    // A Markdown copy's escapes may hide keys too (`ssl\_stapling`): they are looked up again without them.
    // So may HTML references for its blanks (`OCSP&nbsp;responder`, a page's source).
    const keys = copy || markdownEscaped(text) || hasBlankReference(text) ? undefined : scanned;
    // Several lines on one (a paste that kept its line breaks as `<br>` or `\n`, or lost them between
    // entries): each is a line of its own.
    const entries = linesIn(text) ?? entriesIn(text);
    if (entries !== null) {
      const results: MessageResult[] = [];
      let want = 0;
      for (const [i, entry] of entries.entries()) {
        // An entry after the first follows the one before it on its line: it never reaches back over it
        // to earlier physical lines (they share a number, so neither path could tell them apart).
        if (i > 0) this.barrier = Math.max(this.barrier, no - 1);
        const r = this.line(entry, no, undefined, before);
        results.push(...r.results);
        want = r.want;
      }
      // A later line looks back at this one whole, as the scanner's accessor gives it.
      this.recent = this.recent.filter((r) => r.no !== no);
      this.remember({ no, text });
      return { results, want };
    }
    const results: MessageResult[] = [];
    const line: Physical = { no, text: text.endsWith('\r') ? text.slice(0, -1) : text };
    this.remember(line);
    if (this.deferred) {
      const d = this.deferred;
      this.deferred = null;
      // What settle() would have done at its line: finish it, or hold it (then the pending test below).
      if (this.canFollow(d.g.lines, line)) this.settleNow(d.g, results, d.keys);
      else this.finish(d.g, results, d.keys);
    }
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      if (this.canFollow(p.lines, line)) {
        const g: Group = { lines: [...p.lines, line], triggers: p.triggers, usedBefore: p.usedBefore };
        g.triggers = [...new Set([...g.triggers, ...this.matcher.candidateTriggers(this.joined(g.lines, g.triggers))])];
        return this.settle(g, results);
      }
      this.finish(p, results);
    }
    const triggers = this.matcher.candidateTriggers(line.text, keys);
    if (triggers.length === 0) return { results, want: 0 };
    // (Each entry of a line of several is read without `next`: only the last one is followed by the next line.)
    const endsHere = nextStartsOwnLine(next);
    if (endsHere && this.passOverEnding(line, triggers)) {
      results.push(PASSED_OVER);
      return { results, want: 0 };
    }
    const facts = this.factsOf(line, triggers);
    if (!endsHere && this.passOver(line, triggers, facts)) {
      results.push(PASSED_OVER);
      return { results, want: 0 };
    }
    // (A line with facts starts a log line not with Apache's tag: lookBack() finds no earlier line of its message.)
    if (facts) return this.settle({ lines: [line], triggers, facts }, results, keys, endsHere);
    return this.settle({ lines: [...this.lookBack(line, triggers, before), line], triggers }, results, keys, endsHere);
  }

  /**
   * May a line that starts a message be reported as {@link PASSED_OVER} (with `onlyMatches`)? It must
   * be a message no rule can match and that cannot go on, decided without parsing or matching it: nginx's
   * whole prefix with a connection id, every candidate trigger's rules kept off such lines (another
   * server, or `when: connectionId: absent`: nginx's stapling lines have no connection, its proxy and
   * client-certificate lines do); nothing shows it going on ({@link openEnded}, no phrase of any candidate
   * rule nor any trigger begun at its end), no terminal padding offers another reading ({@link unpaddedReading}),
   * and nginx's trailing context ends it. Then the full path finds
   * the same: no match, a message of its own ({@link goesOn} says no), nothing used up.
   */
  private passOver(line: Physical, triggers: readonly number[], facts?: TextFacts): boolean {
    if (!this.options.onlyMatches || !fastPathsOn()) return false;
    if (facts) {
      // Lines of one shape have their connection prefix or not alike (it reads digits only as digits).
      const at = (facts.connectionAt ??= nginxConnectionPrefix(line.text));
      if (at === -1) return false;
      const end = this.shapes.ends(facts, line.text);
      return (end.passOver ??= this.passesOver(line, triggers, at));
    }
    return this.passesOver(line, triggers);
  }

  /**
   * {@link passOver} for a line whose next line starts a log line of its own (`nextStartsOwnLine()`): it
   * cannot go on, so only its tests that no rule matches remain (the full path finishes it when the next line
   * comes, and finds no match).
   */
  private passOverEnding(line: Physical, triggers: readonly number[]): boolean {
    if (!this.options.onlyMatches || !fastPathsOn()) return false;
    return this.noRuleMatches(line, triggers, nginxConnectionPrefix(line.text)) !== null;
  }

  /**
   * {@link passOver}'s tests that no rule can match the line: nginx's prefix with a connection id (`at`:
   * `nginxConnectionPrefix()` of the line), no terminal padding, and no candidate whose rules apply to such
   * a line really there. Returns the line's normalised text when they hold, else null.
   */
  private noRuleMatches(line: Physical, triggers: readonly number[], at: number): string | null {
    if (at === -1) return null;
    // A terminal's padding in the line: another reading of it may match (see unpaddedReading()).
    if (onePadRun(line.text) !== null) return null;
    const text = normalizeText(plainText(line.text)).text;
    // No candidate whose rules could apply is really there (as the matcher finds triggers): no rule matches.
    const set = this.setFacts(triggers);
    const risky = (set.risky ??= triggers.filter((ti) => !this.offConnectionLines(ti)));
    return risky.length > 0 && this.matcher.triggersIn(text, risky).length > 0 ? null : text;
  }

  /** {@link passOver}'s tests of the line's text; `at`: `nginxConnectionPrefix()` of it, when known. */
  private passesOver(line: Physical, triggers: readonly number[], at = nginxConnectionPrefix(line.text)): boolean {
    const text = this.noRuleMatches(line, triggers, at);
    if (text === null || openEnded(text, line.text.trim())) return false;
    // goesOn() would look for a phrase of the present triggers' rules begun at the end, or for any trigger
    // begun there when none is present: neither for any candidate.
    if (this.endsInPhrase(this.loosenedEnd(text, triggers), triggers) || this.endsInsideTrigger(text)) return false;
    return hasNginxContext(line.text.slice(at));
  }

  /** Does none of the trigger's rules apply to an nginx line with a connection id (see `applies()` in match.ts)? */
  private offConnectionLines(ti: number): boolean {
    if (this.known.offConnection[ti] === 0) {
      const off = this.matcher.rulesOfTrigger(ti).every((r) => !r.servers.includes('nginx') || r.when?.connectionId === 'absent');
      this.known.offConnection[ti] = off ? 1 : 2;
    }
    return this.known.offConnection[ti] === 1;
  }

  /**
   * A message of one line waits for the next line ({@link deferred}: one more line wanted); others are settled
   * now. `endsHere`: the next line starts a log line of its own (`nextStartsOwnLine()`), so the message ends
   * here, as settleNow() or the deferred test would find when it comes.
   */
  private settle(g: Group, results: MessageResult[], keys?: readonly number[], endsHere = false): { results: MessageResult[]; want: number } {
    if (endsHere) {
      this.finish(g, results, keys);
      return { results, want: 0 };
    }
    if (g.lines.length > 1 || !this.options.deferUntilNextLine) return this.settleNow(g, results, keys);
    this.deferred = { g, keys };
    return { results, want: 1 };
  }

  /** Hold a message that goes on (one more line wanted), or report it. */
  private settleNow(g: Group, results: MessageResult[], keys?: readonly number[]): { results: MessageResult[]; want: number } {
    if (g.lines.length < MAX_JOINED_LINES && this.goesOn(g, keys)) {
      g.usedBefore ??= this.lastUsed;
      this.lastUsed = Math.max(this.lastUsed, g.lines[g.lines.length - 1]!.no);
      this.pending = g;
      return { results, want: 1 };
    }
    this.finish(g, results, keys);
    return { results, want: 0 };
  }

  /**
   * Decide now whether the last message goes on (a live input: its next line may come much later or
   * never): finish it unless it does (then it waits for its next line, as a message that visibly goes on).
   * @returns the messages completed
   */
  settleDeferred(): MessageResult[] {
    const results: MessageResult[] = [];
    const d = this.deferred;
    this.deferred = null;
    if (d) this.settleNow(d.g, results, d.keys);
    return results;
  }

  /**
   * The input ended, or a line was taken out of the text (a JSON record, matched alone; a line skipped):
   * complete what is pending.
   * @param taken the line taken out, when one was: no later message reaches back over it
   */
  flush(taken?: number): MessageResult[] {
    if (taken !== undefined) this.barrier = Math.max(this.barrier, taken);
    const results: MessageResult[] = [];
    if (this.deferred) this.finish(this.deferred.g, results, this.deferred.keys);
    this.deferred = null;
    if (this.pending) this.finish(this.pending, results);
    this.pending = null;
    this.recent = [];
    return results;
  }
}
