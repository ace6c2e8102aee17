/**
 * Correlation: the matched lines of one failure become one *occurrence*. A failure's lines come from one
 * process/thread right after each other (Apache's AH02217 then AH02604; AH01974 then AH01941), so lines
 * are grouped per *context* (input, server, pid, tid, and for nginx the certificate, because one nginx
 * worker fetches for many certificates; and the host, since one central file holds many machines'
 * lines). Each rule's `role` says how its line takes part (see
 * {@link RuleRole}). What an occurrence is *of* (a finding) is the sink's business: the correlator only
 * says when one starts, which lines belong to it, and when it changed.
 */
import { EVIDENCE_TEXT_MAX, keepableAsIs, ownText, VALUE_MAX } from '../lines/retain.js';
import type { CauseId, LineMatch, ParsedLine, Rule, RuleRole, Severity, Values } from '../types.js';
import { OpenGroups } from './open-groups.js';
import { timeMs } from './time.js';

/** Where occurrences go (the finding store). `H` is the sink's handle for an occurrence. */
export interface OccurrenceSink<H> {
  /** A new occurrence, of the failure `primary` states with this cause and severity. */
  occur(primary: LineMatch, cause: CauseId, severity: Severity): H;
  /** A line of the occurrence (the primary line too, right after {@link occur}). */
  add(occurrence: H, line: LineMatch): void;
  /** The occurrence changed (announce it). */
  changed(occurrence: H): void;
  /**
   * Lines of the occurrence that were not kept while it waited for confirmation (more than
   * {@link MAX_PENDING} transport lines in a row): counted, not shown. `file` is their input.
   */
  omitted?(occurrence: H, file: string, lines: number): void;
}

/** Lines an unconfirmed transport failure keeps while it waits for its AH01941; later ones are only counted. */
export const MAX_PENDING = 64;
/** Open groups at most, whatever the windows: the oldest is closed first (default of {@link CorrelatorOptions.maxOpenGroups}). */
export const MAX_OPEN_GROUPS = 10_000;
/**
 * How far the log's clock must be past a group's last line, beyond the follow window, before the group is
 * closed by time: threads write their lines with times taken moments apart, so a log's times go back a
 * little now and then; a line up to this much older than the lines before it can still join its failure.
 */
export const CLOCK_SKEW_MS = 60_000;

/** Options of {@link createCorrelator}. */
export interface CorrelatorOptions {
  /** A follower joins the open failure in its context at most this many lines later (default 50). */
  followWindowLines?: number;
  /** … and at most this many milliseconds later by the log's own times (default 5000). */
  followWindowMs?: number;
  /** Open groups at most (default {@link MAX_OPEN_GROUPS}); the least recently active is closed first. */
  maxOpenGroups?: number;
  /**
   * Close groups as soon as the windows rule them out (default true). False keeps them until their input
   * ends, with no bound: only for tests that show closing early changes nothing.
   */
  closeEarly?: boolean;
}

/** Groups matched lines into occurrences. */
export interface Correlator {
  /** One matched line, in input order. */
  push(m: LineMatch): void;
  /** An input ended: failures cannot continue into another input. */
  endInput(file: string): void;
  /** All input ended. */
  end(): void;
  /**
   * Decide now what is held for a later line (a lone follower, see {@link createCorrelator}): a live input's
   * next line may come much later or never, and its findings must be told as their lines arrive.
   */
  settle(): void;
  /** Failures still open (that a later line may join): bounded by the windows and `maxOpenGroups`. */
  readonly openGroups: number;
}

interface Group<H> {
  /** Its key in the open map. */
  context: string;
  /** Its neighbours in the order of last activity (see {@link OpenGroups}). */
  prev: Group<H> | null;
  next: Group<H> | null;
  /** The rule and input of its first line. */
  rule: Rule;
  file: string;
  /** Its first line, kept only while the group waits for confirmation (a transport failure), as {@link kept}. */
  primary: LineMatch | null;
  cause: CauseId;
  severity: Severity;
  /** Set once the group is an occurrence (at once for causes; on confirmation for transport lines). */
  occurrence: H | null;
  /** Transport and detail lines waiting for confirmation (at most {@link MAX_PENDING}). */
  pending: LineMatch[];
  /** Lines that waited beyond {@link MAX_PENDING}: counted only. */
  dropped: number;
  lastLine: number;
  lastTimeMs: number | null;
  /** Its context with the host left out, when its first line named a host (see {@link hostlessContext}). */
  bare: string | null;
  /** Set on a failure a paste put in reverse: the time of its follower, which the failure's other lines precede. */
  until: number | null;
}

/** The fields of a line's context (see {@link contextOf}) and the context made of them. */
interface ContextParts {
  file: string;
  host: string;
  server: string;
  pid: number | null;
  tid: string | null;
  cert: string;
  context: string;
}

/**
 * The context a line's failure is grouped in, as a function that remembers the last one: a failure's
 * lines come one after the other from one process (AH01974 then AH01941), so about half the lines of a
 * densely failing log have the context of the line before (45 % of bench (c)), and get that same string
 * instead of a new one to build, flatten and hash for the open groups' map.
 */
function contextOfLines(): (m: LineMatch) => string {
  // One record, overwritten on each new context (no object per line).
  const last: ContextParts = { file: '', host: '', server: '', pid: null, tid: null, cert: '', context: '' };
  return (m) => {
    const p = m.parsed;
    // nginx fetches for many certificates in one worker: its lines name the certificate, which then
    // separates concurrent failures. Apache's transport and summary lines name none.
    const nginx = p.server === 'nginx' || (p.server === null && m.rule.servers.length === 1 && m.rule.servers[0] === 'nginx');
    const cert = nginx ? (m.values.certificate ?? '') : '';
    const server = p.server ?? (m.rule.servers.length === 1 ? m.rule.servers[0]! : m.rule.servers.join('+'));
    const file = m.location.file;
    const host = p.host ?? '';
    const pid = p.pid ?? null;
    const tid = p.tid ?? null;
    const l = last;
    if (l.context !== '' && l.pid === pid && l.tid === tid && l.cert === cert && l.file === file && l.server === server && l.host === host)
      return l.context;
    l.file = file;
    l.host = host;
    l.server = server;
    l.pid = pid;
    l.tid = tid;
    l.cert = cert;
    // One flat string (a template of 11 parts was ~10 cons strings, flattened again as a map key).
    l.context = [file, host, server, pid ?? '', tid ?? '', cert].join('\u0000');
    return l.context;
  };
}

/**
 * A context with its host left out: the context of the same process's lines in a paste that lost the
 * host of some of them (a syslog line whose date and host were cut off: `httpd[19891]: [Wed Apr 12 …]`
 * next to `Apr 12 19:33:43 thierry-pf2 httpd[19891]: [Wed Apr 12 …]`, github.com/inverse-inc/packetfence
 * pull 2103). The host is the second field of {@link contextOf}.
 */
function hostlessContext(context: string): string {
  const a = context.indexOf('\u0000');
  return `${context.slice(0, a + 1)}${context.slice(context.indexOf('\u0000', a + 1))}`;
}

/**
 * The open group a line of an unknown or known host continues when its own context has none: a line
 * that names a host, the group of the same process whose first line named none; a line that names none,
 * the most recent group if it is the same process's on some host. Lines of two named hosts never meet
 * (findings are kept per host).
 */
function hostFallback<H>(open: OpenGroups<Group<H>>, m: LineMatch, context: string): Group<H> | undefined {
  if (m.parsed.host) return open.get(hostlessContext(context));
  const newest = open.newest;
  return newest !== null && newest.bare === context ? newest : undefined;
}

/** What the role handlers need from the correlator. */
interface GroupOps<H> {
  start(context: string, m: LineMatch, asTransport: boolean): void;
  join(g: Group<H>, m: LineMatch): void;
  touch(g: Group<H>, m: LineMatch): void;
  confirm(g: Group<H>): H;
  /** A follower with no group to confirm (held for one line, see {@link createCorrelator}). */
  alone(context: string, m: LineMatch): void;
}

/**
 * How a line of each role takes part: `g` is the open group of its context when the line falls within
 * its window, else undefined.
 */
function roleHandlers<H>(
  open: OpenGroups<Group<H>>,
  ops: GroupOps<H>,
  sink: OccurrenceSink<H>,
): Record<RuleRole, (context: string, g: Group<H> | undefined, m: LineMatch) => void> {
  const { start, join, touch, confirm, alone } = ops;
  return {
    cause: (context, _g, m) => start(context, m, false),
    transport: (context, g, m) => {
      if (g && (g.pending.length > 0 || (g.occurrence !== null && g.rule.role === 'transport'))) join(g, m);
      else start(context, m, true);
    },
    follower: (context, g, m) => {
      const follows = m.rule.follows;
      if (g && (!follows || follows.length === 0 || follows.includes(g.cause))) {
        touch(g, m);
        const o = confirm(g);
        sink.add(o, m);
        sink.changed(o);
        if (m.rule.closes !== false) open.delete(g.context);
      } else {
        alone(context, m); // alone, the follower stands for its own fallback cause
      }
    },
    detail: (_context, g, m) => {
      if (g) join(g, m);
    },
    lookalike: (_context, g) => {
      if (g && g.occurrence === null) open.delete(g.context); // it was client-certificate OCSP, not stapling
    },
  };
}

/**
 * Closing of the groups no later line can join: `open` is in order of last activity, so the oldest come
 * first and the walk stops at the first that may still be joined (and, past `maxOpen`, closes the oldest).
 */
function expirer<H>(
  open: OpenGroups<Group<H>>,
  windowLines: number,
  windowMs: number,
  maxOpen: number,
  close: (g: Group<H>) => void,
): (m: LineMatch, t: number | null) => void {
  return (m, t) => {
    for (let g = open.oldest; g !== null; g = open.oldest) {
      const byLines = g.file === m.location.file && m.location.line - g.lastLine > windowLines;
      const byTime = t !== null && g.lastTimeMs !== null && t - g.lastTimeMs > windowMs + CLOCK_SKEW_MS;
      // `>=`: room for the group this line may start.
      if (!byLines && !byTime && open.size < maxOpen) break;
      close(g);
    }
  };
}

/** Each string its own capped copy (see `lines/retain.ts`). */
function ownStrings<T extends object>(o: T, max: number): T {
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const v = o[k];
    out[k] = typeof v === 'string' ? ownText(v, max) : v;
  }
  return out as T;
}

/**
 * A matched line as a group keeps it while the line itself is gone: the text cut to what a finding
 * stores (with the line's length), the parsed fields and values as their own copies. Otherwise every
 * waiting line, or any piece cut from it, would keep the whole line alive (64 lines × the open groups ×
 * 64 KiB: 270 MB measured for 50 interleaved threads of long AH01974 lines).
 */
export function retained(m: LineMatch): LineMatch {
  return {
    ...m,
    text: ownText(m.text, EVIDENCE_TEXT_MAX, false),
    ...((m.textLength ?? m.text.length) > EVIDENCE_TEXT_MAX ? { textLength: m.textLength ?? m.text.length } : {}),
    parsed: ownStrings<ParsedLine>(m.parsed, VALUE_MAX),
    values: ownStrings<Values>(m.values, VALUE_MAX),
  };
}

/**
 * A line as a waiting group keeps it: a short line (at most {@link EVIDENCE_TEXT_MAX} characters, the
 * width a finding stores anyway) as it came, since it and the pieces cut from it are no larger than their
 * copies would be; a longer one {@link retained}.
 */
export function kept(m: LineMatch): LineMatch {
  return keepableAsIs(m) ? m : retained(m);
}

/** Turn a pending transport group into an occurrence and announce it. */
function confirmGroup<H>(g: Group<H>, sink: OccurrenceSink<H>): H {
  if (g.occurrence !== null) return g.occurrence;
  const o = sink.occur(g.primary!, g.cause, g.severity);
  for (const p of g.pending) sink.add(o, p);
  if (g.dropped > 0) sink.omitted?.(o, g.file, g.dropped);
  g.pending = [];
  g.dropped = 0;
  g.primary = null;
  g.occurrence = o;
  sink.changed(o);
  return o;
}

/** A follower that came alone with a time: held for one line, in case a paste put its failure after it. */
interface Held {
  context: string;
  m: LineMatch;
  ms: number;
}

/** What the correlator's operations share: the pushed line's time, the held follower, the inputs seen with client-certificate OCSP. */
interface State {
  /** {@link timeMs} of the line being pushed (read once per line). */
  lineMs: number | null;
  held: Held | null;
  /** Inputs that hold an Apache client-certificate OCSP line (a look-alike rule's): their lone transport lines stay silent. */
  clientOcsp: Set<string>;
}

/** Is the line (`ms` its {@link timeMs}) timed strictly before the held follower? To the microsecond, where both times have them. */
function before(m: LineMatch, ms: number, h: Held): boolean {
  return ms < h.ms || (ms === h.ms && m.parsed.time!.length === h.m.parsed.time!.length && m.parsed.time! < h.m.parsed.time!);
}

/** The line as the evidence of a transport failure no follower confirmed: a notice, marked so. */
function unconfirmed(m: LineMatch): LineMatch {
  return { ...m, severity: 'notice', cut: { ...m.cut, follower: 'missing' } };
}

/**
 * The group operations of a correlator: starting, joining, confirming and closing groups. A group that
 * closes unconfirmed is reported as a notice when it is a fragment's (see {@link createCorrelator}).
 */
function groupOps<H>(open: OpenGroups<Group<H>>, sink: OccurrenceSink<H>, state: State, windowLines: number, windowMs: number) {
  const withinWindow = (g: Group<H>, m: LineMatch): boolean => {
    if (m.location.line - g.lastLine > windowLines) return false;
    return state.lineMs === null || g.lastTimeMs === null || Math.abs(state.lineMs - g.lastTimeMs) <= windowMs;
  };
  const touch = (g: Group<H>, m: LineMatch): void => {
    g.lastLine = m.location.line;
    g.lastTimeMs = state.lineMs ?? g.lastTimeMs;
    open.touch(g); // keep the open groups in order of last activity
  };
  const confirm = (g: Group<H>): H => confirmGroup(g, sink);
  /** A transport failure closing unconfirmed: reported as a notice when its first line is a fragment and its input shows no client-certificate OCSP. */
  const release = (g: Group<H>): void => {
    if (g.occurrence !== null || g.rule.role !== 'transport' || g.primary === null) return;
    if (!g.primary.cut?.prefix || state.clientOcsp.has(g.file)) return;
    g.primary = unconfirmed(g.primary);
    g.pending = [g.primary, ...g.pending.slice(1).map(unconfirmed)];
    g.severity = 'notice';
    confirmGroup(g, sink);
  };
  const close = (g: Group<H>): void => {
    release(g);
    open.delete(g.context);
  };
  /** Add a line to the group's occurrence, or keep it pending until the group is confirmed. */
  const join = (g: Group<H>, m: LineMatch): void => {
    touch(g, m);
    if (g.occurrence === null) {
      if (g.pending.length < MAX_PENDING) g.pending.push(kept(m));
      else g.dropped++;
      return;
    }
    sink.add(g.occurrence, m);
    sink.changed(g.occurrence);
  };
  const start = (context: string, m: LineMatch, asTransport: boolean): void => {
    const primary = asTransport ? kept(m) : null;
    const g: Group<H> = {
      context,
      prev: null,
      next: null,
      rule: m.rule,
      file: m.location.file,
      primary,
      cause: m.cause,
      severity: m.severity,
      occurrence: null,
      // Exact in size: a transport failure's first line usually waits alone for its AH01941 (a push would reserve room for 16 more).
      pending: primary ? [primary] : [],
      dropped: 0,
      lastLine: m.location.line,
      lastTimeMs: state.lineMs,
      bare: m.parsed.host ? hostlessContext(context) : null,
      until: null,
    };
    const old = open.get(context);
    if (old) release(old);
    open.open(g);
    if (asTransport) return;
    const o = sink.occur(m, m.cause, m.severity);
    g.occurrence = o;
    sink.add(o, m);
    sink.changed(o);
  };
  return { withinWindow, touch, confirm, close, join, start };
}

/**
 * Create a correlator feeding a sink.
 *
 * An Apache transport failure (ssl_util_ocsp.c) that no AH01941 confirmed is dropped when its group
 * closes: for stapling, mod_ssl always writes AH01941 right after it, in the same thread and at the same
 * level (seen in every capture); client-certificate OCSP (SSLOCSPEnable) ends with AH02276 at info,
 * which the default LogLevel hides, so an unconfirmed transport line of a log is most likely that. A
 * fragment is not a log, though: a poster who pastes `Network is unreachable: could not connect to OCSP
 * responder '…'` chose that line and asks about it, and the absence of AH01941 proves nothing. So a
 * transport failure whose first line lost its prefix (`cut.prefix`) is reported when its group closes,
 * as a notice whose lines say the follower is missing (`cut.follower`), unless its input holds a line of
 * Apache client-certificate OCSP (a look-alike rule's: AH02276, AH01922, …), which shows SSLOCSPEnable at work.
 *
 * A follower that comes alone and carries a time is held for one line: when the next line is of its
 * context, of a cause it follows, and timed strictly before it, the paste put the failure's lines in
 * reverse (a blog that quotes AH01941 first); the follower then joins that line's occurrence, and so do
 * further lines timed before it. Otherwise it stands for its own fallback cause, as before.
 *
 * Groups close as soon as no line can join them any more, not only at the end of an input: the open
 * groups are kept in order of their last line, and each new line closes the groups it is more than the
 * follow window past (in lines; or in milliseconds on the log's clock, plus {@link CLOCK_SKEW_MS}); at
 * most `maxOpenGroups` stay open. So
 * the state is bounded whatever the input (a million pids, or transport lines that never get their
 * AH01941), and what is reported does not change: a closed group is one the windows rule out.
 */
export function createCorrelator<H>(sink: OccurrenceSink<H>, options: CorrelatorOptions = {}): Correlator {
  const windowLines = options.followWindowLines ?? 50;
  const windowMs = options.followWindowMs ?? 5000;
  const open = new OpenGroups<Group<H>>();
  const state: State = { lineMs: null, held: null, clientOcsp: new Set() };
  const contextOf = contextOfLines();
  const ops = groupOps(open, sink, state, windowLines, windowMs);
  const expire =
    options.closeEarly === false
      ? () => undefined
      : expirer(open, windowLines, windowMs, options.maxOpenGroups ?? MAX_OPEN_GROUPS, ops.close);
  /** The held follower, alone: its own fallback cause. */
  const flush = (): void => {
    const h = state.held;
    if (h === null) return;
    state.held = null;
    ops.start(h.context, h.m, false);
    if (h.m.rule.closes !== false) open.delete(h.context);
  };
  /** Does the line take the held follower as the end of its failure (a paste in reverse)? Then it is handled. */
  const takeHeld = (context: string, m: LineMatch): boolean => {
    const h = state.held!;
    const ms = state.lineMs;
    if (h.context !== context || ms === null || !before(m, ms, h) || h.ms - ms > windowMs) return false;
    const follows = h.m.rule.follows;
    if ((m.rule.role !== 'transport' && m.rule.role !== 'cause') || (follows && follows.length > 0 && !follows.includes(m.cause)))
      return false;
    state.held = null;
    expire(m, ms);
    ops.start(context, m, false);
    const g = open.get(context)!;
    sink.add(g.occurrence!, h.m);
    sink.changed(g.occurrence!);
    g.until = h.ms;
    if (m.rule.role === 'cause' && h.m.rule.closes !== false) open.delete(context);
    return true;
  };
  const alone = (context: string, m: LineMatch): void => {
    state.held = { context, m: kept(m), ms: state.lineMs! };
    if (state.lineMs === null) flush();
  };
  const roles = roleHandlers(open, { ...ops, alone }, sink);

  return {
    push(m) {
      state.lineMs = timeMs(m.parsed.time);
      const context = contextOf(m);
      if (state.held !== null && takeHeld(context, m)) return;
      flush();
      expire(m, state.lineMs);
      if (m.rule.role === 'lookalike' && m.rule.servers.includes('apache')) state.clientOcsp.add(m.location.file);
      let g = open.get(context);
      // A failure put in reverse ends with the line after its follower's time.
      if (g && g.until !== null && (state.lineMs === null || state.lineMs > g.until)) g = void open.delete(context);
      if (g === undefined && m.rule.role !== 'cause') g = hostFallback(open, m, context);
      roles[m.rule.role](context, g !== undefined && ops.withinWindow(g, m) ? g : undefined, m);
    },
    endInput(file) {
      if (state.held?.m.location.file === file) flush();
      for (const ctx of open.contexts()) if (ctx.startsWith(`${file}\u0000`)) ops.close(open.get(ctx)!);
    },
    settle: flush,
    end() {
      flush();
      for (const ctx of open.contexts()) ops.close(open.get(ctx)!);
      open.clear();
    },
    get openGroups() {
      return open.size;
    },
  };
}
