/**
 * Correlation: the matched lines of one failure become one *occurrence*. A failure's lines come from one
 * process/thread right after each other (Apache's AH02217 then AH02604; AH01974 then AH01941), so lines
 * are grouped per *context* (input, server, pid, tid, and for nginx the certificate, because one nginx
 * worker fetches for many certificates; and the host, since one central file holds many machines'
 * lines). Each rule's `role` says how its line takes part (see
 * {@link RuleRole}). What an occurrence is *of* (a finding) is the sink's business: the correlator only
 * says when one starts, which lines belong to it, and when it changed.
 */
import type { CauseId, LineMatch, RuleRole, Severity } from '../types.js';
import { timeMs } from './time.js';

/** Where occurrences go (the finding store). `H` is the sink's handle for an occurrence. */
export interface OccurrenceSink<H> {
  /** A new occurrence, of the failure `primary` states with this cause and severity. */
  occur(primary: LineMatch, cause: CauseId, severity: Severity): H;
  /** A line of the occurrence (the primary line too, right after {@link occur}). */
  add(occurrence: H, line: LineMatch): void;
  /** The occurrence changed (announce it). */
  changed(occurrence: H): void;
}

/** Options of {@link createCorrelator}. */
export interface CorrelatorOptions {
  /** A follower joins the open failure in its context at most this many lines later (default 50). */
  followWindowLines?: number;
  /** … and at most this many milliseconds later by the log's own times (default 5000). */
  followWindowMs?: number;
}

/** Groups matched lines into occurrences. */
export interface Correlator {
  /** One matched line, in input order. */
  push(m: LineMatch): void;
  /** An input ended: failures cannot continue into another input. */
  endInput(file: string): void;
  /** All input ended. */
  end(): void;
}

interface Group<H> {
  primary: LineMatch;
  cause: CauseId;
  severity: Severity;
  /** Set once the group is an occurrence (at once for causes; on confirmation for transport lines). */
  occurrence: H | null;
  /** Transport and detail lines waiting for confirmation. */
  pending: LineMatch[];
  lastLine: number;
  lastTimeMs: number | null;
}

/** The context a line's failure is grouped in. */
function contextOf(m: LineMatch): string {
  const p = m.parsed;
  // nginx fetches for many certificates in one worker: its lines name the certificate, which then
  // separates concurrent failures. Apache's transport and summary lines name none.
  const nginx = p.server === 'nginx' || (p.server === null && m.rule.servers.length === 1 && m.rule.servers[0] === 'nginx');
  const cert = nginx ? (m.values.certificate ?? '') : '';
  return [m.location.file, p.host ?? '', p.server ?? m.rule.servers.join('+'), p.pid ?? '', p.tid ?? '', cert].join('\u0000');
}

/** What the role handlers need from the correlator. */
interface GroupOps<H> {
  start(context: string, m: LineMatch, asTransport: boolean): void;
  join(g: Group<H>, m: LineMatch): void;
  touch(g: Group<H>, m: LineMatch): void;
  confirm(g: Group<H>): H;
}

/**
 * How a line of each role takes part: `g` is the open group of its context when the line falls within
 * its window, else undefined.
 */
function roleHandlers<H>(
  open: Map<string, Group<H>>,
  ops: GroupOps<H>,
  sink: OccurrenceSink<H>,
): Record<RuleRole, (context: string, g: Group<H> | undefined, m: LineMatch) => void> {
  const { start, join, touch, confirm } = ops;
  return {
    cause: (context, _g, m) => start(context, m, false),
    transport: (context, g, m) => {
      if (g && (g.pending.length > 0 || (g.occurrence !== null && g.primary.rule.role === 'transport'))) join(g, m);
      else start(context, m, true);
    },
    follower: (context, g, m) => {
      const follows = m.rule.follows;
      if (g && (!follows || follows.length === 0 || follows.includes(g.cause))) {
        touch(g, m);
        const o = confirm(g);
        sink.add(o, m);
        sink.changed(o);
      } else {
        start(context, m, false); // alone, the follower stands for its own fallback cause
      }
      if (m.rule.closes !== false) open.delete(context);
    },
    detail: (_context, g, m) => {
      if (g) join(g, m);
    },
    lookalike: (context, g) => {
      if (g && g.occurrence === null) open.delete(context); // it was client-certificate OCSP, not stapling
    },
  };
}

/**
 * Create a correlator feeding a sink.
 *
 * An Apache transport failure (ssl_util_ocsp.c) that no AH01941 confirmed is dropped when its group
 * closes: for stapling, mod_ssl always writes AH01941 right after it, in the same thread and at the same
 * level (seen in every capture); client-certificate OCSP (SSLOCSPEnable) ends with AH02276 at info,
 * which the default LogLevel hides, so an unconfirmed transport line is most likely that.
 */
export function createCorrelator<H>(sink: OccurrenceSink<H>, options: CorrelatorOptions = {}): Correlator {
  const windowLines = options.followWindowLines ?? 50;
  const windowMs = options.followWindowMs ?? 5000;
  const open = new Map<string, Group<H>>();

  const withinWindow = (g: Group<H>, m: LineMatch): boolean => {
    if (m.location.line - g.lastLine > windowLines) return false;
    const t = timeMs(m.parsed.time);
    return t === null || g.lastTimeMs === null || Math.abs(t - g.lastTimeMs) <= windowMs;
  };
  const touch = (g: Group<H>, m: LineMatch): void => {
    g.lastLine = m.location.line;
    g.lastTimeMs = timeMs(m.parsed.time) ?? g.lastTimeMs;
  };
  /** Turn a pending transport group into an occurrence and announce it. */
  const confirm = (g: Group<H>): H => {
    if (g.occurrence !== null) return g.occurrence;
    const o = sink.occur(g.primary, g.cause, g.severity);
    for (const p of g.pending) sink.add(o, p);
    g.pending = [];
    g.occurrence = o;
    sink.changed(o);
    return o;
  };
  /** Add a line to the group's occurrence, or keep it pending until the group is confirmed. */
  const join = (g: Group<H>, m: LineMatch): void => {
    touch(g, m);
    if (g.occurrence === null) {
      g.pending.push(m);
      return;
    }
    sink.add(g.occurrence, m);
    sink.changed(g.occurrence);
  };
  const start = (context: string, m: LineMatch, asTransport: boolean): void => {
    const g: Group<H> = {
      primary: m,
      cause: m.cause,
      severity: m.severity,
      occurrence: null,
      pending: [],
      lastLine: m.location.line,
      lastTimeMs: timeMs(m.parsed.time),
    };
    open.set(context, g);
    if (asTransport) {
      g.pending.push(m);
      return;
    }
    const o = sink.occur(m, m.cause, m.severity);
    g.occurrence = o;
    sink.add(o, m);
    sink.changed(o);
  };

  const roles = roleHandlers(open, { start, join, touch, confirm }, sink);

  return {
    push(m) {
      const context = contextOf(m);
      const g = open.get(context);
      roles[m.rule.role](context, g !== undefined && withinWindow(g, m) ? g : undefined, m);
    },
    endInput(file) {
      for (const ctx of [...open.keys()]) if (ctx.startsWith(`${file}\u0000`)) open.delete(ctx);
    },
    end() {
      open.clear();
    },
  };
}
