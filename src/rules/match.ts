/**
 * Rule matching for one line, and the prefilter that keeps most lines from ever being decoded.
 *
 * Every rule has a literal `trigger` (its identifying phrase); a line can only match a rule whose
 * trigger it contains, compared after normalisation (`src/parse/normalize.ts`: case, quotes, blanks,
 * typography). The byte-level scanner ({@link LineScanner}) cannot normalise, so it looks for *scan
 * keys* instead: words of the triggers that normalisation never changes (`scanKeys()`), reduced
 * further to a few short *anchors* by the planner (`prefilter.ts`). Lines without an anchor are never
 * decoded; lines with a key are decoded, checked for a whole trigger (loosely), parsed and matched.
 *
 * Matching runs in two passes: the rules' own patterns on the normalised message (with the trigger
 * written back in its own form), then, only when none matched, their twins (`cut.ts`): cut-tolerant
 * for a message a paste cut short, unquoted for one whose values lost their quotes (a catch-all that
 * took such a message gives it to the pattern that names it); only when none of those matched either, the own patterns again on the
 * message with a poster's prose after it cut off (`proseHeads()`). A match says what could not be read
 * ({@link LineCut}).
 */
import { createHash } from 'node:crypto';
import { APACHE_LEAD, parseLine, type ParseOptions } from '../parse/line.js';
import { LEADING_CUT_MARK } from '../parse/formats.js';
import { decodeRecords, isRecordLine, JOURNAL_BYTE_MESSAGE, jsonEscapedForms, parseRecord } from '../parse/record.js';
import { splitApacheCertSuffix, splitApacheCertSuffixCut } from '../parse/apache-cert.js';
import { apacheStatusValues, nginxOcspContext, nginxOcspContextCut, opensslBlock, opensslValues, type CutContext } from '../parse/context.js';
import {
  canonicalTrigger,
  codeSpans,
  mayHoldMarkupSpan,
  holdsEllipsis,
  IN_WORD_INVISIBLE,
  BLANK_REFERENCES,
  hasBlankReference,
  unreferenced,
  lessChopped,
  looksRedacted,
  markdownEscaped,
  markdownUnescaped,
  withoutCutMarker,
  hasColour,
  looseTriggerCore,
  looseTriggerPattern,
  looseTriggerRuns,
  normalizeText,
  plainText,
  rareWords,
  requoted,
  scanKeys,
  uncoloured,
  unescaped,
  unpadded,
  withoutInvisible,
} from '../parse/normalize.js';
import {
  compareIds,
  type CauseId,
  type CompiledPattern,
  type LineCut,
  type LineLocation,
  type LineMatch,
  type ParsedLine,
  type RecordKind,
  type Rule,
  type Severity,
  type ValueName,
  type Values,
  type ValuesCut,
} from '../types.js';
import { causeOfMatch, possibleCauses } from './cause.js';
import { AnchorPlanner, precomputedScanKeys, type PrecomputedKeys } from './prefilter.js';
import { longestHeld } from './containment.js';
import { findHeads, withReadings } from './head-reading.js';
import { findTails } from './tail-reading.js';
import { articlesOptional, cutTwin, literalRuns, TWIN_NAME, unquotedSource, type CutTwin } from './cut.js';
import type { Prefilter } from '../lines/scan.js';
import { fastPathsOn } from '../parse/fast-path.js';
import { inCodeComment, inCodeLiteral } from '../parse/code-literal.js';
import { hitKeyRest, Lru, MEMO_MESSAGE_MAX, timeDependent } from './hit-memo.js';

/**
 * Longest message (in UTF-16 code units) given to a rule regex. Apache formats a whole error-log
 * entry into a buffer of `MAX_STRING_LEN` (8192) bytes and nginx into `NGX_MAX_ERROR_STR` (2048), so no
 * real message is longer; the bound keeps every regex's worst case small on hostile input.
 */
export const MAX_MATCH_CHARS = 8192;

/** A rule's `when` condition a parsed line does not meet: the field, what the rule wants, what the line has. */
export interface WhenFailure {
  field: string;
  wanted: 'absent' | 'present' | readonly string[];
  actual: string | number | null;
}

/** The first `when` condition of the rule the line does not meet, or null when all are met. */
export function whenFailure(rule: Rule, p: ParsedLine): WhenFailure | null {
  const w = rule.when;
  if (!w) return null;
  for (const [field, cond] of conditionsOf(w)) {
    const v = p[field as keyof ParsedLine] as string | number | null;
    // A list may name `absent` too: a line whose prefix a paste cut off has no level, module or code.
    const ok =
      cond === 'absent' ? v === null : cond === 'present' ? v !== null : v === null ? cond.includes('absent') : cond.includes(String(v));
    if (!ok) return { field, wanted: cond, actual: v };
  }
  return null;
}

/** Each rule's `when` as entries, listed once per object (whenFailure() runs for every candidate rule of every line: issue 15). */
const conditions = new WeakMap<object, [string, 'absent' | 'present' | readonly string[]][]>();
function conditionsOf(w: NonNullable<Rule['when']>): [string, 'absent' | 'present' | readonly string[]][] {
  let c = conditions.get(w);
  if (c === undefined) conditions.set(w, (c = Object.entries(w) as [string, 'absent' | 'present' | readonly string[]][]));
  return c;
}

/**
 * A line's message prepared for the rule regexes: normalised, Apache's certificate suffix split off,
 * length bounded, and the shared structured values extracted (see `src/parse/context.ts`).
 */
export interface Prepared {
  message: string;
  /** Values every rule gets before its own captures (which win). */
  shared: Values;
  /** A poster's cut marker (`...`) ended the message. */
  cutMarker: boolean;
  /** The message with each trigger written back in its own form (cache; null: the trigger is not there). */
  byTrigger: Map<string, string | null>;
  /** The message as written, when normalisation changed more than blanks (for faithful values). */
  original?: string;
  /** What a poster's cut did to nginx's stapling context or Apache's certificate suffix, when it fell in one. */
  valuesCut?: ValuesCut;
}

/** A message as written, before normalisation: see {@link messageBody}. */
export interface MessageBody {
  /** The message as written: unescaped, without a terminal's padding, Apache's certificate suffix split off, bounded. */
  original: string;
  /** The certificate suffix's values (and the line's time as `loggedAt` beside a notAfter). */
  shared: Values;
  /** What a paste's cut inside the certificate suffix took (`splitApacheCertSuffixCut()`), when it fell there. */
  suffixCut?: ValuesCut;
}

/** The end of Apache's certificate suffix followed by a poster's cut marker only (bounded: linear). */
const SUFFIX_THEN_CUT = /\](?:\s{0,4}(?:\.{3,5}|\u2026|\[\s?(?:\.{3}|\u2026)\s?\]|\(\s?(?:\.{3}|\u2026)\s?\))){1,3}\s*$/;

/**
 * The first step of {@link prepare}: the message as written without what is not message (a copy's
 * escapes, a terminal's padding, Apache's certificate suffix), with the suffix's values. Reads of the
 * parsed line only its message, server and time (the time only beside a certificate's notAfter).
 */
export function messageBody(p: ParsedLine): MessageBody {
  // Values come from the text as written (paths with their spacing and bytes, OpenSSL times); the regexes
  // see it normalised, and values fall back to the normalised text where the written one does not parse.
  // A terminal's padding is no part of the text (values such as a certificate subject run across it).
  // An escaped copy (`&quot;`, `\"`) decoded is the text as written.
  let original = unescaped(unpadded(p.message));
  // `less -S` chopped the line at the screen's edge (its `>` in the last column): read as the line cut there.
  // (After a server's prefix the line is a screen's row however short the message: `DNS error (>`.)
  const end = original.trimEnd();
  if (lessChopped(end, p.format !== null ? 1 : undefined)) original = end.slice(0, -1);
  let shared: Values = {};
  let suffixCut: ValuesCut | undefined;
  if (p.server !== 'nginx' && original.includes(' [')) {
    // A poster's cut marker after the whole suffix (`… GMT]…`, `… GMT] [...]`) is not part of it.
    const marked = holdsEllipsis(original) ? SUFFIX_THEN_CUT.exec(original) : null;
    if (marked) original = original.slice(0, marked.index + 1);
    const trimmed = original.trimEnd();
    let s = splitApacheCertSuffixCut(trimmed);
    if (s.message === trimmed) {
      // A suffix a poster edited (`serial: <server domain>`) splits only once normalised.
      const plain = plainText(original).trimEnd();
      s = splitApacheCertSuffixCut(plain);
      // A poster's prose after the suffix (`…notafter: … GMT]" Warning`): the suffix ends where the prose begins.
      // (A suffix split as written is the whole suffix: the normalised text, which still holds it, is not read.)
      if (s.message === plain && original.includes(' [subject: ')) s = suffixBeforeProse(original) ?? s;
    }
    original = s.message;
    shared = s.values;
    if ('cut' in s) suffixCut = s.cut;
    // The line's own time, so that a notAfter before it can be reported as an expired certificate.
    if (shared.notAfter !== undefined && p.time !== null) shared = { ...shared, loggedAt: p.time };
  }
  if (original.length > MAX_MATCH_CHARS) original = original.slice(0, MAX_MATCH_CHARS);
  return suffixCut ? { original, shared, suffixCut } : { original, shared };
}

/**
 * Prepare a parsed line's message for the rule regexes (see {@link Prepared}).
 * @param lean the message only: `shared` holds no more than the certificate suffix's values (for a
 *   match whose values nobody reads, see {@link Matcher.match})
 */
export function prepare(p: ParsedLine, lean = false, body: MessageBody = messageBody(p)): Prepared {
  const original = body.original;
  let shared = body.shared;
  const raw = plainText(original);
  const n = normalizeText(raw);
  if (lean) return { message: n.text, shared, cutMarker: n.cutMarker, byTrigger: new Map(), ...(raw !== original ? { original } : {}) };
  if (p.status) shared = { ...shared, ...apacheStatusValues(p.status) };
  // (Pure functions: the text as written is not tried twice when it is already plain.)
  const same = raw === original && fastPathsOn();
  // A poster's cut marker at the end (`responder: host…`, `…not found [...]`) is no part of the last value.
  const written = n.cutMarker ? withoutCutMarker(original) : original;
  // What of nginx's context was written whole before the cut, and what the cut took.
  const cutCtx = n.cutMarker ? contextBeforeCut(original, written, raw) : null;
  // (A marker that stands for a whole value, `responder: ...`, is read as written: a redaction.)
  const ctx =
    cutCtx?.values ??
    nginxOcspContext(written.trimEnd()) ??
    (written === original ? null : nginxOcspContext(original.trimEnd())) ??
    (same ? null : nginxOcspContext(raw.trimEnd())) ??
    nginxOcspContext(n.text);
  if (ctx) shared = { ...shared, ...ctx };
  const block = opensslBlock(written) ?? (written === original ? null : opensslBlock(original)) ?? (same ? null : opensslBlock(raw));
  if (block) shared = { ...shared, ...opensslValues(block) };
  const prepared: Prepared = { message: n.text, shared, cutMarker: n.cutMarker, byTrigger: new Map() };
  if (raw !== original) prepared.original = original;
  // (Apache's suffix and nginx's context are never in one message: one of them says what the cut did.)
  const valuesCut = cutCtx ?? body.suffixCut;
  if (valuesCut && (valuesCut.lost.length > 0 || valuesCut.partial.length > 0)) prepared.valuesCut = valuesCut;
  return prepared;
}

/**
 * nginx's stapling context of a message that ended in a poster's cut marker (`nginxOcspContextCut()`),
 * read from the text as written, else from its plain form (typographic quotes made straight).
 * @param original the message as written, with the marker
 * @param written the same without the marker (`withoutCutMarker()`)
 * @param raw the plain text of `original` (`plainText()`)
 */
function contextBeforeCut(original: string, written: string, raw: string): CutContext | null {
  const t = original.trimEnd();
  // (`withoutCutMarker()` takes the blanks before the marker with it: a blank there means it stood apart.)
  const touching = written.length < t.length && !/\s/.test(t[written.length]!);
  const marker = t.slice(written.length).trim();
  const asWritten = nginxOcspContextCut(written, marker, touching);
  if (raw === original) return asWritten;
  // (The plain text when it reads more: a path in typographic quotes, `certificate: “/etc/ssl/a.pem”…`.)
  const plain = nginxOcspContextCut(withoutCutMarker(raw), marker, touching);
  return asWritten === null || (plain !== null && plain.lost.length < asWritten.lost.length) ? plain : asWritten;
}

/** The certificate suffix split off a message with a poster's prose after it ({@link proseHeads}), or null. */
function suffixBeforeProse(message: string): ReturnType<typeof splitApacheCertSuffix> | null {
  for (const h of proseHeads(message)) {
    if (!h.endsWith(']')) continue;
    const s = splitApacheCertSuffix(h);
    if (s.message !== h) return s;
  }
  return null;
}

/**
 * A hit's captures, taken from the message as written when the pattern matches it too (colour codes,
 * zero-width characters and typographic quotes kept in the values), else from the normalised text.
 */
function capturesOf(pattern: CompiledPattern, m: RegExpExecArray, prepared: Prepared, trigger: string): Values {
  if (prepared.original !== undefined) {
    const o = pattern.re.exec(canonicalTrigger(prepared.original, trigger) ?? prepared.original);
    if (o) return groupsToValues(o.groups);
  }
  return groupsToValues(m.groups);
}

/** The prepared message with the rule's trigger in its own form, or null when the trigger is not in it. */
function messageFor(prepared: Prepared, trigger: string): string | null {
  let m = prepared.byTrigger.get(trigger);
  if (m === undefined) {
    m = canonicalTrigger(prepared.message, trigger);
    prepared.byTrigger.set(trigger, m);
  }
  return m;
}

/** A rule's successful match of a message, before correlation. */
export interface RuleHit {
  rule: Rule;
  pattern: CompiledPattern;
  values: Values;
  cause: CauseId;
  severity: Severity;
  /** Set when the rule's pattern matched only through its cut-tolerant twin. */
  tail?: { missing: ValueName[] };
}

/** Capture names as values name them (a twin's `name$3` is `name`). */
const twinNames = new Map<string, string>();

function groupsToValues(groups: Record<string, string | undefined> | undefined): Values {
  const v: Record<string, string> = {};
  if (!groups) return v;
  // (for…in, not Object.entries(): no pair array per capture on every match; a groups object has no prototype.)
  for (const k in groups) {
    let val = groups[k];
    if (val === undefined || val === '') continue;
    const c = val.charCodeAt(0);
    if (c === 0x27 || c === 0x60) val = withoutOtherQuotes(val);
    let name = twinNames.get(k);
    if (name === undefined) twinNames.set(k, (name = TWIN_NAME.exec(k)?.[1] ?? k));
    // Of the copies of a capture in a twin, the longest reading wins (the others were cut earlier).
    if (v[name] === undefined || val.length > v[name]!.length) v[name] = val;
  }
  return v as Values;
}

/**
 * A value a retyped line put in single quotes or Markdown code marks where the server wrote none or double
 * ones (`resolve 'r3.o.lencr.org'`), read without them; its closing mark may have gone with the end of the
 * message (normalisation takes a closing code mark there). A value with the same mark inside is as written.
 */
function withoutOtherQuotes(val: string): string {
  const q = val[0]!;
  const close = val.indexOf(q, 1);
  if (close === -1) return val.length > 1 ? val.slice(1) : val;
  return close === val.length - 1 && close > 1 ? val.slice(1, -1) : val;
}

/** A hit of one of the rule's patterns (or its cut-tolerant twin) with the values it extracted. */
function hitFrom(rule: Rule, pattern: CompiledPattern, parsed: ParsedLine, values: Values): RuleHit {
  const cause = causeOfMatch(rule, pattern, values);
  const severity: Severity = pattern.severity ?? (parsed.level !== null ? rule.severityByLevel?.[parsed.level] : undefined) ?? rule.severity;
  return { rule, pattern, values, cause, severity };
}

/** Whether the rule may apply to this line at all (server, `when` conditions). */
function applies(rule: Rule, parsed: ParsedLine): boolean {
  return (parsed.server === null || rule.servers.includes(parsed.server)) && whenFailure(rule, parsed) === null;
}

/**
 * Try one rule's own patterns on a parsed line.
 * @returns the hit, or null when the rule's server, conditions, trigger or patterns do not fit
 */
export function matchRule(rule: Rule, parsed: ParsedLine, prepared: Prepared | (() => Prepared) = () => prepare(parsed)): RuleHit | null {
  if (!applies(rule, parsed)) return null;
  if (typeof prepared === 'function') prepared = prepared();
  const message = messageFor(prepared, rule.trigger) ?? prepared.message;
  // A tail reading reads a message quoted from a clause on; one that holds the whole trigger is the rule's own.
  if (holdsWholeTrigger(rule, message)) return null;
  for (const text of firstLetterForms(message, rule.trigger)) {
    const hit = patternsHit(rule, parsed, prepared, text);
    if (hit) return hit;
  }
  for (const text of afterLabels(rule, message)) {
    const hit = patternsHit(rule, parsed, prepared, text);
    if (hit) return hit;
  }
  return null;
}

/** The hit of the first of the rule's patterns that matches one form of the prepared message ({@link matchRule}). */
function patternsHit(rule: Rule, parsed: ParsedLine, prepared: Prepared, text: string): RuleHit | null {
  for (const pattern of rule.compiled) {
    const m = pattern.re.exec(text);
    if (!m) continue;
    // The catch-all takes a message whose values lost their quotes or that lost an article (a retyped line)
    // from the pattern that names it.
    const named = isCatchAll(rule, pattern) ? namedBefore(rule, pattern, text) : null;
    if (named) return hitFrom(rule, named.pattern, parsed, { ...prepared.shared, ...groupsToValues(named.m.groups) });
    return hitFrom(rule, pattern, parsed, { ...prepared.shared, ...capturesOf(pattern, m, prepared, rule.trigger) });
  }
  return null;
}

/** How far into a message a poster's label may end (`Error: `, `nginx error.log: `, `I get this in the log: `). */
const LABEL_CHARS = 48;
/** A poster's label: words, without the brackets, parentheses and quotes a message's own text around `: ` has. */
const LABEL = /^[^()[\]{}"'`<>:]*$/;
/** Rules with a pattern anchored at the message's start (`^`), by rule (see {@link afterLabels}). */
const anchoredRules = new WeakMap<Rule, boolean>();

/**
 * The message after a poster's label, for a rule with a pattern anchored at the start of the message
 * (nginx's `^(?<host>\S+) could not be resolved (…`, `^OCSP_cert_to_id\(\) failed`): `Error: …`, `I get
 * this in the log: …` put words of the poster's before it, which an unanchored pattern reads past. A label
 * ends at `: ` within the first {@link LABEL_CHARS} characters and holds no bracket, parenthesis or quote
 * (nginx's `(SSL: …`, Apache's `[client …]` are the message's own); each such end gives one text, in
 * order, in its first-letter forms. None for other rules, or a message whose first letters a rule reads.
 */
function afterLabels(rule: Rule, message: string): string[] {
  let anchored = anchoredRules.get(rule);
  if (anchored === undefined) {
    // (A head, tail or code reading is the matcher's own: it reads a quote, or a message after Apache's lead.)
    anchored = !isReading(rule) && rule.compiled.some((p) => p.regex.startsWith('^') && !p.regex.startsWith(APACHE_LEAD.source));
    anchoredRules.set(rule, anchored);
  }
  if (!anchored) return [];
  const out: string[] = [];
  // A poster's cut mark before the message (`… ocsp.example.com could not be resolved …`) stands where a label would.
  const mark = LEADING_CUT_MARK.exec(message);
  if (mark && mark[0].length < message.length) out.push(...firstLetterForms(message.slice(mark[0].length), rule.trigger));
  for (let at = message.indexOf(': '); at !== -1 && at < LABEL_CHARS; at = message.indexOf(': ', at + 2)) {
    if (!LABEL.test(message.slice(0, at))) break;
    if (at + 2 < message.length) out.push(...firstLetterForms(message.slice(at + 2), rule.trigger));
  }
  return out;
}

/**
 * The first pattern before `last` whose unquoted twin (`cut.ts`, `unquotedSource()`) or twin without
 * articles (`articlesOptional()`) matches the text, or which matches it with its values in double quotes
 * (`requoted()`), with its match.
 */
function namedBefore(rule: Rule, last: CompiledPattern, text: string): { pattern: CompiledPattern; m: RegExpExecArray } | null {
  let other: string | null | undefined;
  for (const pattern of rule.compiled) {
    if (pattern === last) break;
    const t = twinsOf(pattern, rule.trigger);
    // (Or its own pattern, once values in single quotes or code marks are read in double quotes: `requoted()`.)
    const m = t.unquoted?.exec(text) ?? t.articles?.exec(text) ?? ((other ??= requoted(text)) !== null ? pattern.re.exec(other) : null);
    if (m) return { pattern, m };
  }
  return null;
}

/** The first of the rule's own patterns that matches the prepared message, as {@link matchRule} tries them (no values taken). */
function ownPattern(rule: Rule, prepared: Prepared): CompiledPattern | null {
  const message = messageFor(prepared, rule.trigger) ?? prepared.message;
  for (const text of [...firstLetterForms(message, rule.trigger), ...afterLabels(rule, message)])
    for (const pattern of rule.compiled) if (pattern.re.exec(text)) return pattern;
  return null;
}

/**
 * Whether the rule's trigger lies in a string literal of source code on the line, or in a comment after code
 * (`parse/code-literal.ts`): code that writes or annotates the message is not its log, so the rule is passed over (by the matcher, `matchAll()` and
 * `explain`). A look-alike is not asked: it is never reported either way, and not asking costs the
 * look-alike-heavy log nothing.
 */
export function writtenAsCode(line: string, rule: Rule): boolean {
  return rule.role !== 'lookalike' && (inCodeLiteral(line, rule.trigger) || inCodeComment(line, rule.trigger));
}

/** The order of hits: highest rule priority first, then rule id (see {@link Matcher.match}). */
function byPriority(a: RuleHit, b: RuleHit): number {
  return (b.rule.priority ?? 0) - (a.rule.priority ?? 0) || compareIds(a.rule.id, b.rule.id);
}

const cancelling = new WeakMap<Rule, boolean>();
/**
 * Does a match of the rule only cancel (a look-alike: the correlator reads its rule, line and place,
 * never its values, since no nginx line is among them: nginx's correlation context holds the
 * certificate value) and have one cause whatever its values (`possibleCauses()` of every pattern)?
 */
function cancelOnly(rule: Rule): boolean {
  let v = cancelling.get(rule);
  if (v === undefined) {
    v = rule.role === 'lookalike' && !rule.servers.includes('nginx') && new Set(rule.compiled.flatMap((p) => possibleCauses(rule, p))).size === 1;
    cancelling.set(rule, v);
  }
  return v;
}

/**
 * {@link hitsOn} without values, when they cannot matter: every rule that applies to the line only
 * cancels ({@link cancelOnly}) and one's own pattern matches. The hits are those `hitsOn()` finds (same
 * rules, patterns, order, cause and severity) with `values: {}`; null when that is not the case.
 */
function leanHitsOn(parsed: ParsedLine, rs: readonly Rule[], body?: MessageBody): { hits: RuleHit[]; prepared: Prepared } | null {
  const apply = rs.filter((r) => applies(r, parsed));
  if (apply.length === 0 || !apply.every(cancelOnly)) return null;
  const prepared = prepare(parsed, true, body);
  const hits: RuleHit[] = [];
  for (const r of apply) {
    const pattern = ownPattern(r, prepared);
    if (pattern) hits.push(hitFrom(r, pattern, parsed, {}));
  }
  if (hits.length === 0) return null; // the cut-tolerant twins: the full path
  return { hits: hits.sort(byPriority), prepared };
}

/**
 * Is this the rule's catch-all: the last of several patterns (rules list them from the most specific
 * to the most general, the last one taking what the others do not)?
 */
export function isCatchAll(rule: Rule, pattern: CompiledPattern): boolean {
  return rule.compiled.length > 1 && rule.compiled[rule.compiled.length - 1] === pattern;
}

/**
 * The message as given, then with its first letter in the other case: a paste capitalises the first
 * letter (`Ssl_stapling_init_cert: …`), while rules keep the server's own case.
 */
function firstLetterForms(message: string, trigger: string): string[] {
  // The first letter of the text proper: after a status, client or AH tag left in an unparsed fragment.
  const at = APACHE_LEAD.exec(message)![0].length;
  const c = message[at];
  if (c === undefined || c.toLowerCase() === c.toUpperCase()) return [message];
  // The trigger starts there: it is already in its own form (messageFor()).
  if (message.startsWith(trigger.trimStart(), at)) return [message];
  const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
  return [message, message.slice(0, at) + flipped + message.slice(at + 1)];
}

/**
 * A pattern's twins (`cut.ts`): cut-tolerant; with its values' quotes optional, whole and cut-tolerant;
 * with its articles optional, whole and cut-tolerant.
 */
interface Twins {
  cut: CutTwin | null;
  unquoted: RegExp | null;
  unquotedCut: CutTwin | null;
  articles: RegExp | null;
  articlesCut: CutTwin | null;
}

const twins = new WeakMap<CompiledPattern, Twins>();

function twinsOf(pattern: CompiledPattern, trigger: string): Twins {
  let t = twins.get(pattern);
  if (!t) {
    const u = unquotedSource(pattern.regex, trigger);
    const strict = u === null ? null : unquotedSource(pattern.regex, trigger, false);
    const a = articlesOptional(pattern.regex, trigger);
    t = {
      cut: cutTwin(pattern.regex, trigger),
      unquoted: u === null ? null : new RegExp(u),
      unquotedCut: strict === null ? null : cutTwin(strict, trigger),
      articles: a === null ? null : new RegExp(a),
      articlesCut: a === null ? null : cutTwin(a, trigger),
    };
    twins.set(pattern, t);
  }
  return t;
}

/**
 * Try one rule's twins (`cut.ts`) on a message that contains its trigger: for a message a paste cut
 * short after the identifying phrase, or whose values lost their quotes (a retyped line), or both, or
 * that lost an article (retyped too). Each pattern in turn: its cut-tolerant twin, then its unquoted twin
 * whole, then cut, then its twin without articles whole, then cut.
 * @param settle the reading is the message's (not the joiner's question whether it may go on): a cut that
 *   leaves the cause undecided gets the least specific reading ({@link undecidedCause}), not the first pattern's
 */
export function matchRuleCut(rule: Rule, parsed: ParsedLine, prepared: Prepared, settle = false): RuleHit | null {
  if (!applies(rule, parsed)) return null;
  const message = messageFor(prepared, rule.trigger);
  if (message === null) return null;
  // A head or tail reading reads a message without the whole trigger; one that holds it is the rule's own.
  if (holdsWholeTrigger(rule, message)) return null;
  // A trigger other programs write too: a fragment counts only with what shows it is this server's message.
  if (rule.fragmentNeedsRe && !rule.fragmentNeedsRe.test(parsed.level ? `[${parsed.level}] ${message}` : message)) return null;
  for (const text of [...firstLetterForms(message, rule.trigger), ...afterLabels(rule, message)]) {
    for (const pattern of rule.compiled) {
      const hit = cutPatternHit(rule, pattern, parsed, prepared, text);
      if (!hit) continue;
      // (Only a message cut short: one retyped whole, without quotes or articles, is what its pattern says.)
      return settle && hit.tail ? undecidedCause(rule, pattern, hit, (q) => cutPatternHit(rule, q, parsed, prepared, text)) : hit;
    }
  }
  return null;
}

/** One pattern of {@link matchRuleCut} on one form of the message: its cut twin, unquoted and retyped forms, in turn. */
function cutPatternHit(rule: Rule, pattern: CompiledPattern, parsed: ParsedLine, prepared: Prepared, text: string): RuleHit | null {
  const t = twinsOf(pattern, rule.trigger);
  const values = (m: RegExpExecArray): Values => ({ ...prepared.shared, ...groupsToValues(m.groups) });
  const cut = (twin: CutTwin | null): RuleHit | null => {
    const m = twin?.re.exec(text);
    if (!twin || !m) return null;
    const hit = hitFrom(rule, pattern, parsed, values(m));
    const missing = [...new Set(twin.names)].filter((n) => hit.values[n as ValueName] === undefined) as ValueName[];
    return { ...hit, tail: { missing } };
  };
  const hit = cut(t.cut);
  if (hit) return hit;
  const whole = t.unquoted?.exec(text);
  if (whole) return hitFrom(rule, pattern, parsed, values(whole));
  const unquotedCut = cut(t.unquotedCut);
  if (unquotedCut) return unquotedCut;
  const retyped = t.articles?.exec(text);
  if (retyped) return hitFrom(rule, pattern, parsed, values(retyped));
  return cut(t.articlesCut);
}

/**
 * A cut message that more than one of a rule's patterns can be the start of, where those patterns name
 * different causes (`certificate status "…`: revoked or unknown; mod_gnutls `… for certificate 0 in cha…`: no
 * OCSP URI or another reason): the cut took what decides, so the reading is the least specific one the text
 * allows, not the first pattern's (before: `certificate-revoked`, an error, for a status nobody can read). That
 * is the rule's catch-all (its last pattern, which takes what the others do not) when the text can be its start,
 * else the pattern that has the rule's own cause (its default), else the first. Rules whose patterns name no
 * cause of their own are not asked.
 * @param hitOf the cut reading of another pattern of the rule on the same text, or null
 */
function undecidedCause(rule: Rule, first: CompiledPattern, hit: RuleHit, hitOf: (q: CompiledPattern) => RuleHit | null): RuleHit {
  if (!rule.compiled.some((q) => q.cause !== undefined)) return hit;
  const hits = [hit];
  for (const q of rule.compiled.slice(rule.compiled.indexOf(first) + 1)) {
    const h = hitOf(q);
    if (h) hits.push(h);
  }
  if (hits.every((h) => h.cause === hit.cause)) return hit;
  const last = hits[hits.length - 1]!;
  if (isCatchAll(rule, last.pattern)) return last;
  return hits.find((h) => (h.pattern.cause ?? rule.cause) === rule.cause) ?? hit;
}

/**
 * What of a match could not be read: prefix lost, tail cut, values redacted. Undefined when nothing.
 * @param cutMarker a poster's cut marker ended the message (`Prepared.cutMarker`)
 * @param redacted the names of the hit's values that look redacted, when known ({@link redactedValues}
 *   of the same values; not changed by the cut, which gets a copy)
 * @param valuesCut what the cut did to nginx's stapling context or Apache's certificate suffix
 *   (`Prepared.valuesCut`)
 */
export function cutOf(
  parsed: ParsedLine,
  hit: RuleHit,
  cutMarker: boolean,
  redacted = redactedValues(hit.values),
  valuesCut?: ValuesCut,
): LineCut | undefined {
  const cut: LineCut = {};
  // (A transport failure is written per handshake, never at start-up: alone with its AH code, in the
  // shape of a start-up line, it is a paste that lost the error log's prefix.)
  if (parsed.format === null || (parsed.format === 'apache-startup' && hit.rule.role === 'transport')) cut.prefix = 'missing';
  else if ((parsed.format === 'nginx' || parsed.format === 'apache22') && parsed.time === null) cut.prefix = 'partial';
  else if (parsed.format === 'apache24' && parsed.time === null && parsed.wrapper === null) cut.prefix = 'partial';
  // (The values the pattern's twin found missing, then those the cut took.)
  if (hit.tail || cutMarker || valuesCut) {
    const lost = (valuesCut?.lost ?? []).filter((k) => hit.values[k] === undefined);
    cut.tail = { missing: [...new Set([...(hit.tail?.missing ?? []), ...lost])] };
    const partial = (valuesCut?.partial ?? []).filter((k) => hit.values[k] !== undefined);
    if (partial.length > 0) cut.tail.partial = partial;
  }
  // A tail reading's message was quoted from a clause on: its beginning, and the values it held, are not there.
  if (hit.rule.tailOf !== undefined) cut.head = { missing: [...hit.rule.tailOf.missing] };
  if (redacted !== null) cut.redacted = [...redacted];
  return Object.keys(cut).length > 0 ? cut : undefined;
}

/** The names of the values that look redacted by a poster (`looksRedacted()`), in the values' order; null when none. */
export function redactedValues(values: RuleHit['values']): ValueName[] | null {
  let redacted: ValueName[] | null = null;
  for (const k of Object.keys(values) as ValueName[]) if (looksRedacted(values[k]!)) (redacted ??= []).push(k);
  return redacted;
}

/** Options of {@link createMatcher}: how lines are parsed. */
export type MatcherOptions = ParseOptions;

/** Compiled rule set: prefilter data plus the per-line match. */
export interface Matcher {
  readonly rules: readonly Rule[];
  /** The distinct rule triggers. */
  readonly triggers: readonly string[];
  /** The rules whose trigger is {@link triggers}[ti], in rule order. */
  rulesOfTrigger(ti: number): readonly Rule[];
  /** The scan keys the byte scanner looks for (see `scanKeys()`); every trigger has one or two. */
  readonly keys: readonly string[];
  /** The byte-level prefilter the scanner uses: anchors per input (see `prefilter.ts`), over the keys. */
  readonly prefilter: Prefilter;
  /** Anchors under the static model, used for in-memory lines; every key contains at least one. */
  readonly anchors: readonly string[];
  /**
   * The candidate triggers (indexes into {@link triggers}) a normalised text (`normalizeText()`) holds,
   * found as `looseTriggerPattern()` finds them.
   * @param candidates not changed by the caller afterwards (the last call's list is kept)
   * @returns in the candidates' order; one array per list of triggers, shared by every answer that gives
   *   that list (while it is remembered), never to be changed
   */
  triggersIn(normalized: string, candidates: readonly number[]): readonly number[];
  /** True when the text contains at least one rule trigger (loosely: after normalisation). */
  hasTrigger(text: string): boolean;
  /**
   * The triggers whose scan keys the text contains (indexes into {@link triggers}); a superset of the
   * triggers it really contains, and empty only when it contains none.
   * @param keys indexes into {@link keys} of every key the text contains, when known
   * @returns sorted indexes; with `keys`, an array shared by every line of the same keys while it is
   *   remembered (the same object: the joiner keeps what it finds per set by it), never to be changed
   */
  candidateTriggers(text: string, keys?: readonly number[]): readonly number[];
  /**
   * Parse and match one line that contains a trigger.
   * @param keys indexes into {@link keys} of every scan key the text contains, when known
   *   (saves looking them up); when given, it must be the complete set
   * @returns the parsed line (null when the text contains no trigger: it is not parsed at all) and the
   *   winning match (null when no rule matches). Of several matching rules the one with the highest
   *   `priority` wins; equal priorities fall back to the rule id order (the rule-sample test forbids such ties).
   *   A JSON log record (`src/parse/record.ts`) is decoded first and its line matched (its keys are then
   *   looked up again); `record` says which kind it was, or `undecoded` when it looked like one but could
   *   not be decoded (it is not matched).
   * @param lean the caller reads of a look-alike match (a rule that only cancels, with one cause) only
   *   its rule, cause, severity, cut tail, parsed line and place: such a match may then carry no values
   *   (`values: {}`, no `cut.redacted`), and the message is not prepared for values (the correlator's use)
   */
  match(
    text: string,
    location: LineLocation,
    keys?: readonly number[],
    lean?: boolean,
    rules?: readonly Rule[],
  ): { parsed: ParsedLine | null; match: LineMatch | null; record?: RecordKind | 'undecoded' };
  /**
   * Match every record a JSON record line holds ({@link isRecordLine}): one, or the many of an API's
   * response (`decodeRecords` in src/parse/record.ts), each decoded, parsed and matched alone, in document
   * order; one result with `record: 'undecoded'` when the line is not a record, one with nothing when it
   * holds no key. {@link match} on such a line gives the first of these with a match.
   * @param keys as for {@link match}
   */
  matchRecords(
    text: string,
    location: LineLocation,
    keys?: readonly number[],
  ): { parsed: ParsedLine | null; match: LineMatch | null; record?: RecordKind | 'undecoded' }[];
  /**
   * The rules whose trigger a (non-record) line holds, as {@link match} finds them: `match(text, location,
   * keys, lean, rulesFor(text, keys))` gives what `match(text, location, keys, lean)` gives.
   * @param keys as for {@link match}
   */
  rulesFor(text: string, keys?: readonly number[]): readonly Rule[];
  /** Would `cutReadings(text, rule)` try the rule at all (its trigger is in the text, as the in-memory path finds it)? */
  holdsRule(text: string, rule: Rule): boolean;
  /** Every rule that matches the line, highest priority first (for tests and `explain`). */
  matchAll(text: string): RuleHit[];
  /** The rules whose trigger the text contains (the only ones that can match it). */
  candidates(text: string): readonly Rule[];
  /** The line parsed as the matcher parses it (a JSON log record decoded first). */
  parse(text: string): ParsedLine;
  /**
   * The readings of the text as a message cut short (each rule's first cut-tolerant twin that matches,
   * see `cut.ts`), whether or not a pattern matches it whole: for the continuation-line joiner, which
   * asks whether a message a catch-all pattern took may be the start of a more specific one.
   * @param only try this rule alone (when the text holds its trigger), not every candidate
   * @param held with `only`: what {@link holdsRule} says of the text and rule, when the caller knows it
   */
  cutReadings(text: string, only?: Rule, held?: boolean): RuleHit[];
}

/**
 * Scan keys of the triggers, and for each key the triggers that have it. A trigger without a rare word
 * (`: invalid argument`, ` could not be resolved (`) also gets the rare words of its rules' patterns
 * (`SSLStapling`, `requesting`), so that a message wrapped inside the trigger still has a key on one
 * of its physical lines.
 */
function keyIndex(rules: readonly Rule[], triggers: readonly string[]): { keys: string[]; keyTriggers: number[][] } {
  // A head reading's trigger (`head-reading.ts`) has the keys of its whole trigger (it holds one of them at
  // least): no key of its own, and the whole trigger, which holds it and so takes its keys, keeps its own. (A
  // tail reading's trigger has keys of its own: the quote it reads lacks the whole trigger's beginning.)
  const whole = wholeTriggers(rules, triggers, (r) => r.headOf !== undefined);
  const isHead = (ti: number): boolean => whole !== null && whole[ti]! >= 0;
  const own = triggers.map((t, ti) => scanKeys(isHead(ti) ? triggers[whole![ti]!]! : t));
  const base = new Set(own.flat());
  triggers.forEach((t, ti) => {
    if (rareWords(t).length > 0 || isHead(ti)) return;
    // Words of its patterns that are code-like, or keys of other triggers already (they cost the scan nothing more).
    const runs = rules.filter((r) => r.trigger === t).flatMap((r) => r.patterns.flatMap((p) => literalRuns(p.regex)));
    const words = runs.flatMap((run) => rareWords(run).filter((w) => base.has(w) || rareWords(w, true).length > 0));
    own[ti] = [...new Set([...own[ti]!, ...words])];
  });
  shareContainedKeys(triggers, own);
  const keys: string[] = [];
  const at = new Map<string, number>();
  const keyTriggers: number[][] = [];
  own.forEach((ks, ti) => {
    for (const k of ks) {
      let i = at.get(k);
      if (i === undefined) {
        at.set(k, (i = keys.length));
        keys.push(k);
        keyTriggers.push([]);
      }
      keyTriggers[i]!.push(ti);
    }
  });
  // Another form of a key: the same triggers (a form already a key, the plain key itself included, is not added).
  const addForm = (f: string, triggersOf: number[]): void => {
    if (at.has(f)) return;
    at.set(f, keys.length);
    keys.push(f);
    keyTriggers.push(triggersOf);
  };
  // The keys as JSON encoders escape them (and journald's byte-array MESSAGE, which names no trigger):
  // a JSON log record is a candidate line too; it is decoded and its keys looked up again inside.
  const plain = keys.length;
  for (let i = 0; i < plain; i++) for (const f of jsonEscapedForms([keys[i]!])) addForm(f, f === JOURNAL_BYTE_MESSAGE ? [] : keyTriggers[i]!);
  // The keys with odd blanks for every blank, as a copy writes them: a web page's no-break spaces
  // (`&nbsp;`), a narrow one (typography), an ideographic one (a CJK input method). parseLine() reads
  // such a line with spaces (issue 10, class 2); without these keys it was never a candidate.
  for (const blank of ODD_KEY_BLANKS) for (let i = 0; i < plain; i++) addForm(keys[i]!.replaceAll(' ', blank), keyTriggers[i]!);
  // An invisible character a copy put inside a word may hide every key of the line: such a line is a
  // candidate of no trigger, whose keys the joiner looks up again once they are dropped (`MessageJoiner.line`).
  for (const c of IN_WORD_INVISIBLE) addForm(c, []);
  // So may an HTML reference a page's source writes for each blank (`OCSP&nbsp;responder`): the joiner looks
  // the keys of such a line up again once the references are read back (`MessageJoiner.line`).
  for (const r of BLANK_REFERENCES) addForm(r, []);
  // The keys as a Markdown copy writes them (`SSL\_CTX\_get`): such a line is a candidate of the same
  // triggers, read with its escapes undone (`markdownEscaped()`; the joiner looks its keys up again).
  for (let i = 0; i < plain; i++) if (keys[i]!.includes('_')) addForm(keys[i]!.replaceAll('_', '\\_'), keyTriggers[i]!);
  return { keys, keyTriggers };
}

/**
 * A trigger that holds another trigger's whole text (`unexpected DNS response for ` holds `DNS response `;
 * a rule written for a more specific form of a message holds the general one) and that would bring keys
 * of its own to the scan takes the keys of the longest trigger it holds instead, with those of its own
 * that stay in the scan anyway: every line that holds it holds the held trigger, whose keys find it, so
 * the scan looks for nothing more (issue 15: ten times the rules, each copy a more specific trigger,
 * cost 90 fingerprints instead of 67). Each candidate line is still checked for the trigger's own text.
 * Changes `own` (each trigger's keys, by index into `triggers`) in place.
 */
function shareContainedKeys(triggers: readonly string[], own: string[][]): void {
  const heldBy = longestHeld(triggers);
  // Keys that stay in the scan whatever happens here: those of the triggers that hold no other.
  const kept = new Set(own.flatMap((ks, ti) => (heldBy[ti]! < 0 ? ks : [])));
  // Shortest first: a trigger held by another has its own keys settled before they are taken.
  const order = triggers.map((_, i) => i).sort((a, b) => triggers[a]!.length - triggers[b]!.length);
  for (const ti of order) {
    const held = heldBy[ti]!;
    if (held < 0 || own[ti]!.every((k) => kept.has(k))) continue;
    own[ti] = [...new Set([...own[held]!, ...own[ti]!.filter((k) => kept.has(k))])];
  }
}

/** The blanks a copy may put for every space of a key: U+00A0, U+202F, U+3000. */
const ODD_KEY_BLANKS = ['\u00a0', '\u202f', '\u3000'];

/**
 * A line parsed as the matcher does, and the server line in it: a JSON log record decoded first (null:
 * undecodable); of an API response's records the first for which `wanted` holds (else the first).
 */
function parseAny(text: string, options: ParseOptions, wanted: (line: string) => boolean): { parsed: ParsedLine; line: string } | null {
  if (!isRecordLine(text)) return { parsed: parseLine(text, options), line: text };
  const r = decodeRecords(text);
  const record = r.ok ? (r.records.find((x) => wanted(x.line)) ?? r.records[0]!) : null;
  return record ? { parsed: parseRecord(record, options), line: record.line } : null;
}

/**
 * Where a poster's prose may begin after a complete message (issue 10, class 1: `…in the certificate"
 * Warning`, `… responder error. Any idea?`): a closing quote (a stray one, or the one a poster put around
 * the message), optionally followed by sentence punctuation, or a run of sentence punctuation; then
 * white space and more text. A comma, colon or semicolon is not one: servers go on after those. White
 * space before a letter of another script than Latin is one too (`…issuer certificate not found 报错`,
 * a title on www.dtcms.com/a/341661.html): no server message goes on in another script. Nor does one hold
 * full-width sentence punctuation: a break before it (and before a quote or backtick that closes the message
 * in front of it: ``…GMT]`？``, `…failed。`), at the end of the line too. A shell comment a poster added to the
 * line in a code block (`…ignored, not supported # 可参考[…](…)`) begins prose too: no message holds ` # `.
 * The punctuation may end the line (`Nginx logs "ssl_stapling" ignored, issuer certificate not found.`,
 * ``… log messages like this can appear: `…`.``), and so may a closing quote: the one around a value the line
 * was copied from (logfmt's `msg="…"`, a poster's quotes around the message). Last, any blank before more
 * text: a poster's words in Latin script (` and then nothing`, ` - any ideas?`, ` <---`, ` (x3)`), a column
 * a tool put after the message (a tab and a host, the epoch of `aws logs … --output text`); not after a
 * comma, colon or semicolon, where a server's message goes on. Only the last breaks are tried
 * ({@link MAX_PROSE_BREAKS}), and only for a message that no rule read whole.
 */
const PROSE_BREAK =
  /(?:["'`\u201d\u2019]+[.!?]*|[.!?]+)(?=\s+\S|\s*$)|(?=\s+(?!\p{Script=Latin})\p{L})|(?=["'`\u201d\u2019]*[\u3001\u3002\uff01\uff0c\uff0e\uff1a\uff1b\uff1f])|(?=\s+#\s)|(?<=[^\s:,;])(?=\s+\S)/gu;

/** Breaks of a message tried at most, from the last one (a long message of prose costs no more). */
const MAX_PROSE_BREAKS = 8;

/**
 * The message with a poster's prose after it cut off, for each place prose may begin ({@link PROSE_BREAK}),
 * the last first: the message up to the punctuation (a quote is the poster's), then with more and more
 * of it (a message may end in `!`, `.` or a quote of its own).
 */
export function proseHeads(message: string): string[] {
  const breaks = [...message.matchAll(PROSE_BREAK)].slice(-MAX_PROSE_BREAKS).reverse();
  const out: string[] = [];
  for (const m of breaks) {
    out.push(message.slice(0, m.index).trimEnd());
    // The message may end in some of it (`…initialized!`, `…invalid??`, `… "403 Forbidden"`): each end of it.
    for (let k = 1; k <= m[0].length; k++) out.push(message.slice(0, m.index + k));
  }
  return out.filter((h, i) => h !== '' && out.indexOf(h) === i);
}

/**
 * A rule's own pattern on the message with a poster's prose cut off its end ({@link proseHeads}): only a
 * message that is complete without the prose is taken (a rule's pattern that ends with `$`, or whose
 * last value runs to the end, would otherwise fail on it). Each head is prepared as a message of its own,
 * so that Apache's certificate suffix before the prose is split off as usual.
 */
function matchRuleProse(rule: Rule, parsed: ParsedLine, heads: readonly { parsed: ParsedLine; prepared: () => Prepared }[]): RuleHit | null {
  if (!applies(rule, parsed)) return null;
  for (const h of heads) {
    const hit = matchRule(rule, h.parsed, h.prepared);
    if (hit) return hit;
  }
  return null;
}

/**
 * The cut-tolerant twins on the message with a poster's prose cut off at each break, only where a poster's
 * cut marker ended what is left (issue 10: a handbook quoting ``…can appear: `"[...] ssl_stapling" ignored,
 * host not found in OCSP responder [...]`.``, trimstray/nginx-admins-handbook): the poster said the message
 * goes on, so a cut reading is what they meant. A head without a marker is a whole message or nothing.
 */
function cutProseHits(parsed: ParsedLine, rs: readonly Rule[]): RuleHit[] {
  for (const m of [...parsed.message.matchAll(PROSE_BREAK)].slice(-MAX_PROSE_BREAKS).reverse()) {
    const message = parsed.message.slice(0, m.index).trimEnd();
    if (message === '' || !normalizeText(message).cutMarker) continue;
    const p: ParsedLine = { ...parsed, message };
    const q = prepare(p);
    const hits = rs.flatMap((r) => matchRuleCut(r, p, q, true) ?? []);
    if (hits.length > 0) return hits;
  }
  return [];
}

/**
 * The rules on each markdown code span of a line of prose (`codeSpans()`), as a line of its own: own
 * patterns, then the cut-tolerant twins (the poster marked where the quote ends, not that the server's
 * message ended there). The first span with a hit decides; none: the line is read as usual.
 */
function codeSpanHits(message: string, rs: readonly Rule[]): RuleHit[] {
  for (const span of codeSpans(message)) {
    // The span is read as a line of its own: a prefix inside it (`[client …] AH01973: …`, `*13 …`) is parsed.
    const p = parseLine(span);
    let q: Prepared | undefined;
    const lazy = (): Prepared => (q ??= prepare(p));
    let hits = rs.flatMap((r) => matchRule(r, p, lazy) ?? []);
    if (hits.length === 0 && q) hits = rs.flatMap((r) => matchRuleCut(r, p, q!, true) ?? []);
    if (hits.length > 0) return hits;
  }
  return [];
}

/**
 * Rule hits on a parsed line: first the markdown code spans of a poster's prose, each read as a line (a
 * line without one goes on at once); then own patterns; only when none matched, the cut-tolerant twins;
 * only when none of those matched, the own patterns on the message without a poster's prose after it.
 */
function hitsOn(parsed: ParsedLine, rs: readonly Rule[]): { hits: RuleHit[]; prepared: Prepared | null } {
  let prepared: Prepared | undefined;
  const lazy = (): Prepared => (prepared ??= prepare(parsed)); // only once a rule's server and conditions fit
  // A message a poster quoted in a code span of their prose: the span marks where it begins and ends, and
  // its own prefix (`(110)Connection timed out: [client …] AH01974: …`) is read only from the span.
  let hits: RuleHit[] = codeSpanHits(parsed.message, rs);
  if (hits.length > 0) return { hits: hits.sort(byPriority), prepared: lazy() };
  for (const r of rs) {
    const h = matchRule(r, parsed, lazy);
    if (h) hits.push(h);
  }
  // A retyped line's values in single quotes or code marks: read again in double quotes, as the server wrote them.
  const again = prepared ? requotedReading(parsed, rs, hits) : null;
  if (again) return { hits: again, prepared: prepared! };
  if (hits.length === 0 && prepared) {
    for (const r of rs) {
      const h = matchRuleCut(r, parsed, prepared, true);
      if (h) hits.push(h);
    }
  }
  if (hits.length === 0 && prepared) {
    const heads = proseHeads(parsed.message).map((message) => {
      const p: ParsedLine = { ...parsed, message };
      let q: Prepared | undefined;
      return { parsed: p, prepared: (): Prepared => (q ??= prepare(p)) };
    });
    if (heads.length > 0)
      for (const r of rs) {
        const h = matchRuleProse(r, parsed, heads);
        if (h) hits.push(h);
      }
  }
  if (hits.length === 0 && prepared) hits = cutProseHits(parsed, rs);
  hits = hits.sort(byPriority);
  return { hits, prepared: prepared ?? null };
}

/**
 * The hits of the message read with its values in double quotes (`requoted()`), when it holds values in single
 * quotes or code marks and that reading does better than the rules' own patterns did (`own`, their hits): when
 * these read nothing (before any reading of a message cut short, which would take `'/etc/nginx/' failed: …`
 * for a value), or when it gives their best hit's rule and cause with more values (a pattern whose quoted value
 * is optional, nginx's `DNS error (1: Format error), query id:52454, name:'localhost'`, matched without it).
 * Null otherwise.
 */
function requotedReading(parsed: ParsedLine, rs: readonly Rule[], own: readonly RuleHit[]): RuleHit[] | null {
  const q = requoted(parsed.message);
  if (q === null) return null;
  const again = hitsOn({ ...parsed, message: q }, rs).hits;
  if (again.length === 0 || own.length === 0) return again.length > 0 ? again : null;
  const a = own.reduce((x, y) => (byPriority(x, y) <= 0 ? x : y));
  const b = again[0]!;
  return b.rule === a.rule && b.cause === a.cause && Object.keys(b.values).length > Object.keys(a.values).length ? again : null;
}

/**
 * The byte strings the matcher's prefilter plans over (its {@link AnchorPlanner}'s list): every
 * trigger's scan keys, plus code-like words of the patterns of triggers without a rare word. The
 * build's static plan (`dist/builtin-plan.json`) must be computed on exactly this list, or the planner
 * finds no precomputed plan and plans at start-up.
 * @returns the keys, in the matcher's order
 */
export function prefilterKeys(rules: readonly Rule[]): string[] {
  return computeScanKeys(rules).keys;
}

/**
 * The scan keys of a rule set, computed (never the build's): what the build stores in the plan.
 * @returns the keys with the rule set's {@link keySignature}
 */
export function computeScanKeys(rules: readonly Rule[]): PrecomputedKeys {
  const heads = findHeads(rules);
  const tails = findTails(rules);
  const all = withReadings(rules, heads, tails);
  return { signature: keySignature(rules), ...keyIndex(all, [...new Set(all.map((r) => r.trigger))]), heads, tails };
}

/**
 * What the scan keys and the head readings depend on, as a SHA-1 hex digest: each rule's trigger, role,
 * pattern sources and sample lines, in order. Any other rule set (user rules, edited rules) has another
 * signature and gets its keys and heads computed.
 */
export function keySignature(rules: readonly Rule[]): string {
  const hash = createHash('sha1');
  for (const r of rules) {
    hash.update(JSON.stringify([r.trigger, r.role, r.patterns.map((p) => p.regex)]));
    for (const x of r.samples.match) hash.update(`\n+${x.line}`);
    for (const x of r.samples.nomatch) hash.update(`\n-${x.line}`);
    hash.update('\n\n');
  }
  return hash.digest('hex');
}

/**
 * The scan keys: the build's for the same rules, else computed.
 * @param built the build's keys of the rule set, if its signature has them
 * @param all the rule set with its code and head readings ({@link withReadings}), whose `triggers` these are
 */
function scanKeysOf(built: PrecomputedKeys | undefined, all: readonly Rule[], triggers: readonly string[]): { keys: string[]; keyTriggers: number[][] } {
  return built ? { keys: [...built.keys], keyTriggers: built.keyTriggers.map((t) => [...t]) } : keyIndex(all, triggers);
}

/** The matcher's `candidateTriggers` (see {@link Matcher.candidateTriggers}). */
function candidatesOf(
  keys: readonly string[],
  keyTriggers: readonly number[][],
  byAnchor: () => { anchor: string; keys: number[] }[],
): (text: string, present?: readonly number[]) => readonly number[] {
  const fastCandidates = candidatesOfKeys(keyTriggers);
  const keysIn = keysInTextOf(keys, byAnchor);
  return (raw, present) => {
    // Invisible characters a copy put inside words hide keys: looked up without them. (The scanner's keys
    // come with a line the joiner read without them when one fell inside a key: `MessageJoiner.line`.)
    // So do a Markdown copy's escapes (`ssl\_stapling`).
    // So do HTML references for blanks (`OCSP&nbsp;responder`).
    const text = present ? raw : withoutInvisible(markdownEscaped(raw) ? markdownUnescaped(raw) : hasBlankReference(raw) ? unreferenced(raw) : raw);
    if (fastPathsOn()) return fastCandidates(present ?? keysIn(text));
    const found = new Set<number>();
    const addKey = (ki: number): void => {
      for (const ti of keyTriggers[ki]!) found.add(ti);
    };
    if (present) present.forEach(addKey);
    else for (const { anchor, keys: ks } of byAnchor()) if (text.includes(anchor)) for (const ki of ks) if (text.includes(keys[ki]!)) addKey(ki);
    return [...found].sort((a, b) => a - b);
  };
}

/**
 * A map key for a list of indexes below `n`: up to three of them (almost every line's keys or triggers)
 * as a small integer, not a joined string (issue 15); more as their joined text. Distinct lists, distinct keys.
 */
function listId(n: number): (list: readonly number[]) => number | string {
  const small = n < 1023;
  return (list) => {
    if (!small || list.length > 3) return list.join(',');
    let id = 0;
    for (const i of list) id = id * 1024 + i + 1;
    return id;
  };
}

/**
 * The scan keys a text holds (sorted), as `candidatesOf()` finds them without the scanner's keys (a joined
 * message, a fragment's earlier lines, the in-memory path), with a shortcut: a bit set of the text's pairs
 * of adjacent characters, built once per text, rules out an anchor or key with a pair the text lacks
 * before it is searched for. Exact: a string the text holds has all its pairs there. (73 anchors each
 * searched for were 7.7 µs per line of a fragment-heavy log: issue 15.)
 */
function keysInTextOf(keys: readonly string[], byAnchor: () => { anchor: string; keys: number[] }[]): (text: string) => number[] {
  const bits = new Uint32Array(PAIR_BITS / 32);
  const seen = new Uint32Array(keys.length);
  let stamp = 0;
  let anchorPairs: Int32Array[] | null = null;
  const keyPairs: (Int32Array | undefined)[] = [];
  return (text) => {
    const list = byAnchor();
    anchorPairs ??= list.map((a) => Int32Array.from(pairsOfPieces([a.anchor])));
    bits.fill(0);
    for (let i = 1; i < text.length; i++) {
      const h = pairHash(text.charCodeAt(i - 1), text.charCodeAt(i));
      bits[h >>> 5]! |= 1 << (h & 31);
    }
    if (++stamp === 0xffffffff) {
      seen.fill(0);
      stamp = 1;
    }
    const out: number[] = [];
    for (let a = 0; a < list.length; a++) {
      if (!hasPairs(bits, anchorPairs[a]!) || !text.includes(list[a]!.anchor)) continue;
      for (const ki of list[a]!.keys) {
        if (seen[ki] === stamp) continue;
        seen[ki] = stamp;
        const ps = (keyPairs[ki] ??= Int32Array.from(pairsOfPieces([keys[ki]!])));
        if (hasPairs(bits, ps) && text.includes(keys[ki]!)) out.push(ki);
      }
    }
    return out.sort((x, y) => x - y);
  };
}

/**
 * `candidateTriggers` for a complete set of present keys, without a Set and a sort per line: one key's
 * triggers are its sorted list; several keys' union is remembered (bounded). Not copied: a line of ~100
 * candidates made an array of them per line (issue 15), and the same object lets the joiner find what it
 * worked out for the set.
 */
function candidatesOfKeys(keyTriggers: readonly number[][]): (present: readonly number[]) => readonly number[] {
  const sorted = keyTriggers.map((ts) => ts.every((t, i) => i === 0 || t > ts[i - 1]!));
  const unions = new Map<number | string, number[]>();
  const idOf = listId(keyTriggers.length);
  return (present) => {
    if (present.length === 1 && sorted[present[0]!]) return keyTriggers[present[0]!]!;
    const id = idOf(present);
    let u = unions.get(id);
    if (!u) {
      u = [...new Set(present.flatMap((ki) => keyTriggers[ki]!))].sort((a, b) => a - b);
      if (unions.size >= 4096) unions.clear();
      unions.set(id, u);
    }
    return u;
  };
}

/**
 * The candidate triggers a normalised text holds loosely (`looseTriggerPattern()`), for a matcher's
 * triggers. Shortcuts, each exact: a text whose lower case lacks the trigger's core
 * (`looseTriggerCore()`) cannot hold it, nor can one that lacks a pair of adjacent characters of any
 * piece of it (`looseTriggerRuns()`: a bit set of the text's character pairs, built once per text,
 * answers that for all candidates; made only for more than {@link FEW_CANDIDATES} of them); the last
 * answer serves the same text and any of its candidates (the joiner and the matcher ask in turn). Only
 * what passes the shortcuts runs the loose pattern.
 */
function triggersInOf(triggers: readonly string[]): (norm: string, candidates: readonly number[]) => readonly number[] {
  // Each trigger's core and pairs are found when it is first a candidate (most never are in a small log).
  const cores: (string | undefined)[] = [];
  const coreOf = (ti: number): string => (cores[ti] ??= looseTriggerCore(triggers[ti]!));
  const pairsOfTrigger = pairOrder(triggers);
  // Compiled on first use: a line's candidates are few, and compiling all ~160 was ~20 ms of a small file's run.
  const loose: (RegExp | undefined)[] = [];
  const pairs = new Uint32Array(PAIR_BITS / 32);
  let last: { norm: string; candidates: readonly number[]; found: readonly number[] } | null = null;
  const shared = sharedLists(triggers.length);
  // Which triggers the last call had as candidates and found, stamped with its number: the subset test
  // is linear in the candidates (`every(… includes …)` was quadratic: 10 % of a run with 1 602 rules).
  const wasCandidate = new Uint32Array(triggers.length);
  const wasFound = new Uint32Array(triggers.length);
  let stamp = 0;
  let lower: string | null = null;
  let lowerOf: string | null = null;
  let pairsOf: string | null = null;
  const every = everyTriggerTest(triggers.length);
  let index: PairIndex | null = null;
  return (norm, candidates) => {
    if (!fastPathsOn()) return candidates.filter((ti) => looseTriggerPattern(triggers[ti]!).test(norm));
    // Each candidate is tested on its own: the last answers on the same text serve any of their candidates,
    // and only those not tested yet are (the joiner asks for the few with a digit, then for them all).
    const again = last !== null && last.norm === norm;
    if (again) {
      if (sameList(last!.candidates, candidates)) return last!.found;
      if (candidates.every((ti) => wasCandidate[ti] === stamp)) return shared(candidates.filter((ti) => wasFound[ti] === stamp));
    } else if (++stamp === 0xffffffff) {
      wasCandidate.fill(0);
      wasFound.fill(0);
      stamp = 1;
    }
    if (lowerOf !== norm) {
      lower = norm.toLowerCase();
      lowerOf = norm;
    }
    // The pair set pays only for many candidates (`startsMessage()` asks for every trigger): a line's
    // few are each looked for by their core at once, a native search, not a pass per character (issue 15).
    const few = candidates.length <= FEW_CANDIDATES;
    if (!few && pairsOf !== norm) {
      pairsOf = norm;
      pairs.fill(0);
      for (let i = 1; i < lower!.length; i++) {
        const h = pairHash(lower!.charCodeAt(i - 1), lower!.charCodeAt(i));
        pairs[h >>> 5]! |= 1 << (h & 31);
      }
    }
    const low = lower!;
    // Every trigger (`startsMessage()`): only those indexed under a pair the text has can have all their pairs.
    const all = !few && every(candidates);
    const tried = all ? (index ??= pairIndex(triggers.length, pairsOfTrigger)).among(pairs) : candidates;
    // Those found, collected as they are tried (not a filter of the tried afterwards: a line with the key
    // `OCSP` has ~160 candidates and finds one or two).
    const out: number[] = [];
    for (const ti of tried) {
      if (wasCandidate[ti] !== stamp && (few || hasPairs(pairs, pairsOfTrigger(ti))) && low.includes(coreOf(ti)) && (loose[ti] ??= looseTriggerPattern(triggers[ti]!)).test(norm))
        wasFound[ti] = stamp;
      if (wasFound[ti] === stamp) out.push(ti);
    }
    // (A candidate not tried has not every pair of its trigger in the text: it is not there.)
    for (const ti of candidates) wasCandidate[ti] = stamp;
    const found = shared(out);
    last = { norm, candidates, found };
    return found;
  };
}

/**
 * Per trigger, the character pairs of every piece of it (each piece is in a text that holds the trigger
 * whole), not only of its core, as {@link pairHash}es, those fewest triggers have first: a text without the
 * trigger shows it at its first pair tested (with ten times the rules, the copies of a trigger differ only
 * in their last pairs, issue 5). Made on first use, for all triggers at once (the order needs every
 * trigger's pairs); each trigger's pairs are read once.
 */
function pairOrder(triggers: readonly string[]): (ti: number) => Int32Array {
  const ordered: (Int32Array | undefined)[] = [];
  // Every trigger's pairs and how many triggers hold each pair, made together on the first call.
  let counted: { own: number[][]; uses: Map<number, number> } | null = null;
  return (ti) => {
    let ps = ordered[ti];
    if (ps === undefined) {
      if (counted === null) {
        const own = triggers.map((t) => pairsOfPieces(looseTriggerRuns(t)));
        const uses = new Map<number, number>();
        for (const list of own) for (const h of list) uses.set(h, (uses.get(h) ?? 0) + 1);
        counted = { own, uses };
      }
      const { own, uses } = counted;
      ordered[ti] = ps = Int32Array.from(own[ti]!).sort((a, b) => uses.get(a)! - uses.get(b)!);
    }
    return ps;
  };
}

/** The distinct {@link pairHash}es of adjacent characters within each of the pieces. */
function pairsOfPieces(pieces: readonly string[]): number[] {
  const out = new Set<number>();
  for (const r of pieces) for (let i = 1; i < r.length; i++) out.add(pairHash(r.charCodeAt(i - 1), r.charCodeAt(i)));
  return [...out];
}

/**
 * One array per list of trigger indexes (bounded): `triggersIn()` answers with it, so that an answer is not a
 * new array per line and the joiner finds what it keeps per list (issue 15). Never to be changed.
 */
function sharedLists(n: number): (list: number[]) => readonly number[] {
  const none: readonly number[] = [];
  const lists = new Map<number | string, readonly number[]>();
  const idOf = listId(n);
  return (list) => {
    if (list.length === 0) return none;
    const id = idOf(list);
    let kept = lists.get(id);
    if (kept === undefined) {
      if (lists.size >= 4096) lists.clear();
      lists.set(id, (kept = list));
    }
    return kept;
  };
}

/**
 * Is a list of candidates every trigger, `0 … n-1` (the joiner's list of all of them)? Remembers the last
 * list that was, so that asking again for the same list costs nothing.
 */
function everyTriggerTest(n: number): (candidates: readonly number[]) => boolean {
  let known: readonly number[] | null = null;
  return (candidates) => {
    if (candidates === known) return true;
    if (candidates.length !== n || !candidates.every((ti, i) => ti === i)) return false;
    known = candidates;
    return true;
  };
}

/** Every trigger under one of its character pairs (see {@link pairIndex}). */
interface PairIndex {
  /** The triggers indexed under a pair the set holds, and those without a pair, in index order. */
  among(pairs: Uint32Array): number[];
}

/**
 * Each trigger filed under its first character pair (`pairsOfTrigger` lists first the one fewest other
 * triggers have): a text can hold a trigger only if it holds all its pairs, so only those filed under a pair
 * of the text need a test (asked for every trigger, a test of each was ~7 % of a scan with ten times the
 * rules, issue 5).
 */
function pairIndex(n: number, pairsOfTrigger: (ti: number) => Int32Array): PairIndex {
  const byPair: (number[] | undefined)[] = new Array<number[] | undefined>(PAIR_BITS);
  const always: number[] = [];
  for (let ti = 0; ti < n; ti++) {
    const ps = pairsOfTrigger(ti);
    if (ps.length === 0) {
      always.push(ti);
      continue;
    }
    (byPair[ps[0]!] ??= []).push(ti);
  }
  const filed = [...byPair.keys()].filter((h) => byPair[h] !== undefined);
  return {
    among(pairs) {
      const out = always.slice();
      for (const h of filed) if ((pairs[h >>> 5]! & (1 << (h & 31))) !== 0) out.push(...byPair[h]!);
      return out.sort((a, b) => a - b);
    },
  };
}

/** Candidates up to which {@link triggersInOf} skips the character-pair set (its core search decides as fast). */
const FEW_CANDIDATES = 8;
/** Bits of the character-pair set of {@link triggersInOf}. */
const PAIR_BITS = 4096;
function pairHash(a: number, b: number): number {
  return (a * 131 + b) & (PAIR_BITS - 1);
}
/** Is every pair of `wanted` in the bit set? */
function hasPairs(bits: Uint32Array, wanted: Int32Array): boolean {
  for (let k = 0; k < wanted.length; k++) {
    const h = wanted[k]!;
    if ((bits[h >>> 5]! & (1 << (h & 31))) === 0) return false;
  }
  return true;
}
/**
 * Do two lists of indexes hold the same numbers in the same order? A plain loop, as the joiner's own copy
 * was before it used this one: its shape memo asks twice per lookup, on every candidate line.
 */
export function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Is a rule among `rulesIn(text, candidateTriggers(text))` (the in-memory path's candidates), without
 * finding the others: one of its trigger's keys under some anchor is in the text, and the trigger is
 * there loosely (`rulesOf(text, trigger index)`).
 */
function holdsOf(
  triggers: readonly string[],
  keys: readonly string[],
  keyTriggers: readonly number[][],
  byAnchor: () => { keys: number[] }[],
  rulesOf: (text: string, ti: number) => readonly Rule[],
): (text: string, rule: Rule) => boolean {
  let keysOfTrigger: number[][] | null = null;
  const triggerIndex = new Map(triggers.map((t, i) => [t, i]));
  const holdsKey = (text: string, ti: number): boolean => keysOfTrigger![ti]!.some((ki) => text.includes(keys[ki]!));
  return (raw, rule) => {
    const ti = triggerIndex.get(rule.trigger) ?? -1;
    if (!keysOfTrigger) {
      const reachable = new Set(byAnchor().flatMap((a) => a.keys));
      // Inverted in one pass over the keys (not triggers × keys: ten times the rules made that ~60 ms).
      const byTrigger: number[][] = triggers.map(() => []);
      keyTriggers.forEach((ts, ki) => {
        if (!reachable.has(ki)) return;
        for (const t of ts) if (byTrigger[t]!.at(-1) !== ki) byTrigger[t]!.push(ki);
      });
      keysOfTrigger = byTrigger;
    }
    if (ti === -1) return false;
    if (holdsKey(raw, ti)) return rulesOf(raw, ti).includes(rule);
    // (Keys as `candidateTriggers()` looks them up: in the text without a copy's invisible characters.)
    const visible = withoutInvisible(hasBlankReference(raw) ? unreferenced(raw) : raw);
    return visible !== raw && holdsKey(visible, ti) && rulesOf(visible, ti).includes(rule);
  };
}

/** A memo entry of {@link memoHitsOn}: the hits, the time they were made at when their values depend on it, and which of the best hit's values look redacted (once asked). */
interface HitsEntry {
  r: ReturnType<typeof hitsOn>;
  time: string | null | undefined;
  redacted?: ValueName[] | null;
}

/**
 * {@link hitsOn} through a memo by {@link hitKeyRest} (bounded), for {@link Matcher.match}, which reads only
 * the best hit: a line whose key was seen gets a copy of the best hit (its values and cut tail are its
 * own), the prepared message of the first, and `redacted`, which of the best hit's values look redacted
 * ({@link redactedValues}: the values are the entry's, so the answer is too; undefined without a memo).
 */
function memoHitsOn(): (parsed: ParsedLine, rs: readonly Rule[]) => ReturnType<typeof hitsOn> & { redacted?: ValueName[] | null } {
  // With the time the entry was made at, when its values depend on it (see `timeDependent()`).
  const memo = new Lru<HitsEntry>(HIT_MEMO_SIZE, true);
  const copy = (h: RuleHit): RuleHit => {
    const c: RuleHit = { ...h, values: { ...h.values } };
    if (h.tail) c.tail = { missing: [...h.tail.missing] };
    return c;
  };
  return (parsed, rs) => {
    if (!fastPathsOn()) return hitsOn(parsed, rs);
    // No rule's server and conditions fit: no hit and nothing prepared, as hitsOn() finds (not worth a key);
    // unless a code span of the message, read as a line of its own, has another server or code (codeSpanHits()).
    if (!rs.some((r) => applies(r, parsed)) && !parsed.message.includes('`') && !mayHoldMarkupSpan(parsed.message))
      return { hits: [], prepared: null };
    const rest = hitKeyRest(parsed, rs);
    if (!memo.worth(parsed.message, rest)) return hitsOn(parsed, rs);
    let e = memo.get(parsed.message, rest);
    if (!e || (e.time !== undefined && e.time !== parsed.time)) {
      const r = hitsOn(parsed, rs);
      memo.set(parsed.message, rest, (e = { r, time: r.prepared && timeDependent(r.prepared.shared) ? parsed.time : undefined }));
    }
    const best = e.r.hits[0];
    if (!best) return { hits: [], prepared: e.r.prepared };
    if (e.redacted === undefined) e.redacted = redactedValues(best.values);
    return { hits: [copy(best)], prepared: e.r.prepared, redacted: e.redacted };
  };
}

/**
 * {@link leanHitsOn} through a memo by {@link hitKeyRest} (bounded): what it reads of a line is what
 * `hitsOn()` reads but the time and the certificate suffix's values (values, and a lean hit has none),
 * so the memo is by the message without the suffix ({@link messageBody}): the client-certificate
 * look-alikes that name a new serial on every handshake (AH02276 … `[subject: … / serial: …]`) are one
 * entry, not one per line (issue 15). A line whose key was seen gets a copy of the best hit (with its own
 * empty values) and whether a cut marker ended the message.
 */
function memoLeanHitsOn(): (parsed: ParsedLine, rs: readonly Rule[]) => { hits: RuleHit[]; cutMarker: boolean } | null {
  const memo = new Lru<{ best: RuleHit; cutMarker: boolean } | null>(HIT_MEMO_SIZE);
  const lean = (parsed: ParsedLine, rs: readonly Rule[], body?: MessageBody): { best: RuleHit; cutMarker: boolean } | null => {
    const r = leanHitsOn(parsed, rs, body);
    return r ? { best: r.hits[0]!, cutMarker: r.prepared.cutMarker } : null;
  };
  return (parsed, rs) => {
    // No rule that only cancels: leanHitsOn() finds nothing (a stapling line: not worth a key, issue 15).
    if (!rs.some(cancelOnly)) return null;
    let e: { best: RuleHit; cutMarker: boolean } | null | undefined;
    const rest = hitKeyRest(parsed, rs);
    // (A long message is matched afresh, as the memo keeps no entry for it: its body would keep it alive.)
    if (!memo.worth(parsed.message, rest) || parsed.message.length > MEMO_MESSAGE_MAX) e = lean(parsed, rs);
    else {
      const body = messageBody(parsed);
      e = memo.get(body.original, rest);
      if (e === undefined) memo.set(body.original, rest, (e = lean(parsed, rs, body)));
    }
    if (!e) return null;
    const b = e.best;
    return { hits: [{ rule: b.rule, pattern: b.pattern, values: {}, cause: b.cause, severity: b.severity }], cutMarker: e.cutMarker };
  };
}
/**
 * One rule's cut reading (`matchRuleCut()`) through a memo by {@link hitKeyRest} of the rule alone: it reads
 * the same fields as the hits. A copy for each line.
 */
function memoCutOfRule(): (rule: Rule, parsed: ParsedLine, prepared: () => Prepared) => RuleHit[] {
  const memo = new Lru<{ h: RuleHit | null; time: string | null | undefined }>(HIT_MEMO_SIZE);
  return (rule, parsed, prepared) => {
    const rest = hitKeyRest(parsed, [rule]);
    if (!memo.worth(parsed.message, rest)) return [matchRuleCut(rule, parsed, prepared()) ?? []].flat();
    let e = memo.get(parsed.message, rest);
    if (!e || (e.time !== undefined && e.time !== parsed.time)) {
      const p = prepared();
      memo.set(parsed.message, rest, (e = { h: matchRuleCut(rule, parsed, p), time: timeDependent(p.shared) ? parsed.time : undefined }));
    }
    const h = e.h;
    return h ? [{ ...h, values: { ...h.values }, ...(h.tail ? { tail: { missing: [...h.tail.missing] } } : {}) }] : [];
  };
}

/**
 * Keys the hit memos keep per generation at first (256 to 512 in all): enough for the few messages a
 * failing Apache repeats; not one per certificate of a busy nginx, whose entries would cost memory
 * (each holds its message and values: ~8 MB more peak RSS at 2 048 on 100 000 certificates) for few
 * hits. The memo of whole hits ({@link memoHitsOn}) grows when the messages it missed come back (an
 * nginx refreshing thousands of certificates in turn): see {@link Lru}.
 */
const HIT_MEMO_SIZE = 256;

/** A server line the matcher matched, parsed and prepared (null: a lean preparation, without all the values). */
type Remembered = { text: string; parsed: ParsedLine; prepared: Prepared | null };

/**
 * The matcher's best hit on a parsed line among the rules, as a match (with what a paste cut off).
 * @param remember told the line, parsed and prepared, when the caller asks for it (`remember`)
 */
function bestMatchOf(
  remember: (r: Remembered) => void,
): (parsed: ParsedLine, rs: readonly Rule[], location: LineLocation, text: string, remembered?: boolean, lean?: boolean) => LineMatch | null {
  const hitsOf = memoHitsOn();
  const leanHitsOf = memoLeanHitsOn();
  return (parsed, rs, location, text, remembered = false, lean = false) => {
    const leanHits = lean && fastPathsOn() ? leanHitsOf(parsed, rs) : null;
    let best: RuleHit | undefined;
    let cutMarker: boolean;
    let redacted: ValueName[] | null | undefined;
    let valuesCut: ValuesCut | undefined;
    if (leanHits) {
      // (A lean preparation has not all the values: cut readings prepare again.)
      if (remembered) remember({ text, parsed, prepared: null });
      best = leanHits.hits[0];
      cutMarker = leanHits.cutMarker;
    } else {
      const h = hitsOf(parsed, rs);
      if (remembered) remember({ text, parsed, prepared: h.prepared });
      if (!h.prepared) return null;
      best = h.hits[0];
      cutMarker = h.prepared.cutMarker;
      redacted = h.redacted;
      valuesCut = h.prepared.valuesCut;
    }
    if (!best) return null;
    if (writtenAsCode(text, best.rule)) return null;
    // (Undefined `redacted`, not from the memo: cutOf() asks of the values itself.)
    const cut = cutOf(parsed, best, cutMarker, redacted, valuesCut);
    // The hit's fields but its cut tail (which `cut` reports), in the order of a hit.
    const match: LineMatch = {
      rule: best.rule,
      pattern: best.pattern,
      values: best.values,
      cause: best.cause,
      severity: best.severity,
      parsed,
      location,
      text: text.endsWith('\r') ? text.slice(0, -1) : text,
    };
    if (cut) match.cut = cut;
    return match;
  };
}

/**
 * The matcher's `rulesIn`: the rules whose trigger the text really contains (loosely), from the candidate
 * triggers; a head reading (`head-reading.ts`) only where its whole trigger is not there (with it, the line is
 * the rule's own message, not one cut inside it).
 * @param wholeOf {@link wholeTriggers}
 */
function rulesInOf(
  triggersIn: (norm: string, candidates: readonly number[]) => readonly number[],
  rulesByTrigger: readonly Rule[][],
  wholeOf: Int32Array | null,
): (text: string, candidates: readonly number[]) => readonly Rule[] {
  // Per trigger, its rules but head and tail readings (another rule may have a head as its trigger: a code
  // reading of the same message, `code-reading.ts`).
  const notHeads = wholeOf === null ? [] : rulesByTrigger.map((rs) => rs.filter((r) => !isReading(r)));
  const rulesOf = (found: readonly number[]): Rule[] =>
    wholeOf === null
      ? found.flatMap((ti) => rulesByTrigger[ti]!)
      : found.flatMap((ti) => (wholeOf[ti]! >= 0 && found.includes(wholeOf[ti]!) ? notHeads[ti]! : rulesByTrigger[ti]!));
  // The rules of each list `triggersIn()` answers with (one array per list, never changed): made once per
  // list, not per line (two arrays per candidate line of the look-alike-heavy log).
  const byFound = new WeakMap<readonly number[], readonly Rule[]>();
  const none: readonly Rule[] = [];
  return (text, candidates) => {
    if (candidates.length === 0) return none;
    const found = triggersIn(normalizeText(plainText(text)).text, candidates);
    if (!fastPathsOn()) return rulesOf(found);
    let rs = byFound.get(found);
    if (rs === undefined) byFound.set(found, (rs = rulesOf(found)));
    return rs;
  };
}

/**
 * Per trigger, the index of the whole trigger a head or tail reading's trigger reads for (`head-reading.ts`,
 * `tail-reading.ts`), else -1; null when the rules have no such reading.
 * @param which the readings to map (default: head and tail readings)
 */
function wholeTriggers(all: readonly Rule[], triggers: readonly string[], which: (r: Rule) => boolean = isReading): Int32Array | null {
  const readings = all.filter(which);
  if (readings.length === 0) return null;
  const out = new Int32Array(triggers.length).fill(-1);
  for (const r of readings) out[triggers.indexOf(r.trigger)] = triggers.indexOf(r.headOf ?? r.tailOf!.trigger);
  return out;
}

/**
 * Does the message hold the whole trigger of the rule a head or tail reading reads for (`head-reading.ts`,
 * `tail-reading.ts`)? Then it is that rule's own. False for any other rule.
 */
function holdsWholeTrigger(rule: Rule, message: string): boolean {
  const whole = rule.headOf ?? rule.tailOf?.trigger;
  return whole !== undefined && message.toLowerCase().includes(whole.trim().toLowerCase());
}

/** Is the rule a head or tail reading (a message without its whole trigger is all it reads)? */
const isReading = (r: Rule): boolean => r.headOf !== undefined || r.tailOf !== undefined;

/**
 * Per trigger (in `triggers`' order), its rules in rule order: one pass over the rules (a filter of all
 * rules per trigger was 47 ms of the start with 1 932 rules).
 */
function rulesOfTriggers(rules: readonly Rule[], triggers: readonly string[]): Rule[][] {
  const byTrigger = new Map<string, Rule[]>(triggers.map((t) => [t, []]));
  for (const r of rules) byTrigger.get(r.trigger)?.push(r);
  return triggers.map((t) => byTrigger.get(t)!);
}

/** Build the matcher for a rule set. */
export function createMatcher(rules: readonly Rule[], options: MatcherOptions = {}): Matcher {
  // The rules' own triggers first, then those of the readings of Apache messages by their code, then those of
  // the readings of messages cut inside their trigger and of messages quoted from a clause on (the build's
  // heads and tails when it computed them for these rules).
  const built = precomputedScanKeys(keySignature(rules));
  const all = withReadings(rules, built?.heads, built?.tails);
  const triggers = [...new Set(all.map((r) => r.trigger))];
  const { keys, keyTriggers } = scanKeysOf(built, all, triggers);
  const planner = new AnchorPlanner(keys);
  // The in-memory path's anchors are chosen on first use (the byte scanner tells which keys a line has).
  let byAnchorList: { anchor: string; keys: number[] }[] | null = null;
  const byAnchor = (): { anchor: string; keys: number[] }[] =>
    (byAnchorList ??= planner.choose().map((a) => ({ anchor: a, keys: keys.flatMap((k, i) => (k.includes(a) ? [i] : [])) })));
  const rulesByTrigger = rulesOfTriggers(all, triggers);

  const candidatesOfText = candidatesOf(keys, keyTriggers, byAnchor);
  // A colour code a terminal tool left (`grep --color` around a phrase) may split a key the scanner looked
  // for: the keys are found afresh in the text without colour codes.
  const candidateTriggers = (text: string, present?: readonly number[]): readonly number[] =>
    hasColour(text) ? candidatesOfText(uncoloured(text)) : candidatesOfText(text, present);
  const triggersIn = triggersInOf(triggers);
  const holdsKeys = holdsOf(triggers, keys, keyTriggers, byAnchor, (text, ti) => rulesIn(text, [ti]));
  const holds = (text: string, rule: Rule): boolean => holdsKeys(uncoloured(text), rule);
  /** The rules whose trigger the text really contains (loosely), from the candidate triggers. */
  const rulesIn = rulesInOf(triggersIn, rulesByTrigger, wholeTriggers(all, triggers));

  const parseOptions: ParseOptions = options.now ? { now: options.now } : {};
  // The last server line matched, parsed and prepared: the joiner asks for its cut readings next (pure steps, reused).
  let last: Remembered | null = null;
  const bestMatch = bestMatchOf((r) => (last = r));
  const cutOfRule = memoCutOfRule();
  type MatchResult = { parsed: ParsedLine | null; match: LineMatch | null; record?: RecordKind | 'undecoded' };
  const hasRule = (text: string): boolean => rulesIn(text, candidateTriggers(text)).length > 0;
  const matchRecords = (text: string, location: LineLocation, present: readonly number[] | undefined): MatchResult[] => {
    // Only a record that holds a key (plain or escaped) is examined, whichever path delivered it: the
    // byte scanner also hands over the line after a message that may go on, with the keys it holds (none).
    if (present ? present.length === 0 : !keys.some((k) => text.includes(k))) return [{ parsed: null, match: null }];
    const r = decodeRecords(text);
    if (!r.ok) return [{ parsed: null, match: null, record: 'undecoded' }];
    return r.records.map((record) => {
      const rs = rulesIn(record.line, candidateTriggers(record.line));
      if (rs.length === 0) return { parsed: null, match: null, record: record.kind };
      const parsed = parseRecord(record, parseOptions);
      return { parsed, match: bestMatch(parsed, rs, location, record.line), record: record.kind };
    });
  };
  return {
    rules,
    triggers,
    rulesOfTrigger: (ti) => rulesByTrigger[ti]!,
    keys,
    prefilter: planner,
    get anchors() {
      return byAnchor().map((a) => a.anchor);
    },
    triggersIn,
    hasTrigger: hasRule,
    candidateTriggers,
    match(text, location, present, lean, known) {
      if (isRecordLine(text)) {
        const all = matchRecords(text, location, present);
        return all.find((m) => m.match !== null) ?? all[0]!;
      }
      const rs = known && fastPathsOn() ? known : rulesIn(text, candidateTriggers(text, present));
      if (rs.length === 0) return { parsed: null, match: null };
      const parsed = parseLine(text, parseOptions);
      return { parsed, match: bestMatch(parsed, rs, location, text, true, lean) };
    },
    matchRecords,
    matchAll(text) {
      const p = parseAny(text, parseOptions, hasRule);
      return p ? hitsOn(p.parsed, rulesIn(p.line, candidateTriggers(p.line))).hits.filter((h) => !writtenAsCode(p.line, h.rule)) : [];
    },
    rulesFor: (text, present) => rulesIn(text, candidateTriggers(text, present)),
    holdsRule: (text, rule) => holds(text, rule),
    cutReadings(text, only, held) {
      const reuse = fastPathsOn() && last?.text === text && !isRecordLine(text) ? last : null;
      const parsed = reuse?.parsed ?? parseLine(text, parseOptions);
      // Prepared only when a reading is really made (the memo of cut readings mostly answers without it).
      let ready = reuse?.prepared ?? null;
      const lazy = (): Prepared => (ready ??= prepare(parsed));
      if (only && fastPathsOn()) return (held ?? holds(text, only)) ? cutOfRule(only, parsed, lazy) : [];
      const prepared = lazy();
      const rs = rulesIn(text, candidateTriggers(text));
      return (only ? rs.filter((r) => r === only) : rs).flatMap((r) => matchRuleCut(r, parsed, prepared) ?? []);
    },
    candidates: (text) => rulesIn(text, candidateTriggers(text)),
    parse: (text) => parseAny(text, parseOptions, hasRule)?.parsed ?? parseLine(text, parseOptions),
  };
}
