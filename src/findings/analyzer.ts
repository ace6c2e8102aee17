/**
 * The pure analysis core: lines in, findings out. No I/O, no timers, no colours.
 *
 * Correlation (see {@link RuleRole}): matched lines are grouped per *context* (input, server, pid,
 * tid), because one failure's lines come from one process/thread right after each other (Apache's
 * AH02217 then AH02604; AH01974 then AH01941). A group becomes one *occurrence* of a finding.
 * Aggregation: occurrences with the same cause, server and identity (certificate, vhost, responder)
 * are one finding with a count and first/last time. The duplicate start-up passes of one Apache
 * process (httpd runs post_config twice on a cold start) count once.
 *
 * Events: `new` when a finding first appears, `update` when a later line changes it. The live CLI
 * prints them as they come; batch use reads {@link Analyzer.end}.
 */
import { createHash } from 'node:crypto';
import { createMatcher, type Matcher } from '../rules/match.js';
import { MessageJoiner, type MessageResult } from '../rules/join.js';
import type { LineSink } from '../lines/scan.js';
import { describe, fixFor } from './causes.js';
import {
  CAUSE_IDS,
  OUTPUT_VERSION,
  severityRank,
  type CauseId,
  type Evidence,
  type FileStats,
  type Finding,
  type FindingSubject,
  type LineMatch,
  type Rule,
  type Server,
  type Severity,
  type Stats,
  type Values,
} from '../types.js';

/** Options of {@link createAnalyzer}. */
export interface AnalyzerOptions {
  /** Reference time for syslog timestamps without a year (default: now). */
  now?: Date;
  /** Evidence lines kept per finding (default 10: the first 9 and the latest). */
  maxEvidence?: number;
  /** Distinct findings kept (default 10 000); later identities of a cause join an overflow finding. */
  maxFindings?: number;
  /** A follower joins the open failure in its context at most this many lines later (default 50). */
  followWindowLines?: number;
  /** … and at most this many milliseconds later by the log's own times (default 5000). */
  followWindowMs?: number;
  /** Called synchronously for every finding event. */
  onEvent?: (event: AnalyzerEvent) => void;
}

/** A finding appeared (`new`) or changed (`update`: count, evidence or values). */
export interface AnalyzerEvent {
  type: 'new' | 'update';
  finding: Finding;
}

/** The result of an analysis: the JSON output document (`--format json`). */
export interface Report {
  version: typeof OUTPUT_VERSION;
  findings: Finding[];
  stats: Stats;
  /** Per-input accounting, in the order the inputs were read. */
  inputs: FileStats[];
}

/**
 * Lines of one input (a file or stdin) go through its handle. Lines without a rule trigger are only
 * counted as examined; the fast scanner may leave them out entirely (then it calls `setLineCount`).
 * When `line()` is called without the scan-key indexes, they are looked up in the text. `line()` returns
 * how many following lines it wants regardless of keys (a message wrapped over several lines).
 */
export interface InputHandle extends LineSink {
  readonly name: string;
  /** The input is finished; `error` says why it ended early (truncated gzip, read error). */
  end(error?: string): void;
  readonly stats: FileStats;
}

/** The analysis core. */
export interface Analyzer {
  readonly matcher: Matcher;
  /** Start an input. */
  input(name: string): InputHandle;
  /** Current findings, most severe first. */
  findings(): Finding[];
  /** Current totals. */
  stats(): Stats;
  /** Flush and return the report. */
  end(): Report;
}

interface FindingState {
  id: string;
  key: string;
  cause: CauseId;
  severity: Severity;
  server: Server | null;
  ruleIds: Set<string>;
  count: number;
  first: string | null;
  last: string | null;
  firstSeq: number;
  subject: FindingSubject;
  details: Values;
  evidence: Evidence[];
  evidenceOmitted: number;
  /** Last occurrence, for folding the duplicate start-up pass: input, pid, time (ms), line. */
  lastOcc: { file: string; pid: number | null; timeMs: number | null; line: number } | null;
  announced: boolean;
}

interface Group {
  context: string;
  primary: LineMatch;
  cause: CauseId;
  severity: Severity;
  /** Set once the group is an occurrence of a finding (at once for causes; on confirmation for transport). */
  finding: FindingState | null;
  /** Transport lines waiting for confirmation. */
  pending: LineMatch[];
  lastLine: number;
  lastTimeMs: number | null;
}

const IDENTITY_FIELDS = [
  'certificate',
  'certSubject',
  'certIssuer',
  'serial',
  'notBefore',
  'notAfter',
  'vhost',
  'responder',
  'url',
  'host',
] as const;
const CAP_SET = 20;
const START_FOLD_MS = 3000;
const START_FOLD_LINES = 200;

/** Milliseconds of an ISO-8601 time as written by {@link parseLine} (local times read as UTC: only differences matter). */
export function timeMs(iso: string | null): number | null {
  if (!iso) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso);
  if (!m) return null;
  let ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + (m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0);
  if (m[8] && m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const hh = +m[8].slice(1, 3);
    const mm = +m[8].slice(-2);
    ms -= sign * (hh * 60 + mm) * 60_000;
  }
  return ms;
}

function emptyStats(): Stats {
  return { files: 0, lines: 0, parsed: 0, unparsed: 0, skipped: 0, matched: 0 };
}

function identityKey(cause: CauseId, server: Server | null, v: Values): string {
  // The certificate is named by path (nginx) or by serial+issuer / subject (Apache suffix).
  const cert = v.certificate ?? (v.serial ? `${v.serial}|${v.certIssuer ?? ''}` : (v.certSubject ?? ''));
  const where = cert ? '' : (v.vhost ?? '');
  const responder = v.responder ?? v.host ?? v.url ?? '';
  return [cause, server ?? '', cert, where, responder].join('\u0000');
}

/**
 * Create an analyzer for a rule set.
 * @param rules compiled rules from `loadRules`
 */
export function createAnalyzer(rules: readonly Rule[], options: AnalyzerOptions = {}): Analyzer {
  const matcher = createMatcher(rules, options.now ? { now: options.now } : {});
  const maxEvidence = Math.max(1, options.maxEvidence ?? 10);
  const maxFindings = options.maxFindings ?? 10_000;
  const windowLines = options.followWindowLines ?? 50;
  const windowMs = options.followWindowMs ?? 5000;
  const onEvent = options.onEvent;

  const findings = new Map<string, FindingState>();
  const open = new Map<string, Group>();
  const inputs: FileStats[] = [];
  let seq = 0;

  const snapshot = (f: FindingState): Finding => ({
    id: f.id,
    cause: f.cause,
    severity: f.severity,
    server: f.server,
    ruleIds: [...f.ruleIds].sort(),
    count: f.count,
    first: f.first,
    last: f.last,
    message: describe(f.cause, f.server, f.subject, f.details),
    subject: structuredClone(f.subject),
    evidence: f.evidence.map((e) => ({ ...e, values: { ...e.values } })),
    evidenceOmitted: f.evidenceOmitted,
    fix: fixFor(f.cause, f.server, f.subject, f.details),
  });

  const emit = (f: FindingState): void => {
    if (!onEvent) return;
    onEvent({ type: f.announced ? 'update' : 'new', finding: snapshot(f) });
    f.announced = true;
  };

  const mergeValues = (f: FindingState, v: Values, pid: number | null): void => {
    const s = f.subject as Record<string, unknown>;
    for (const k of IDENTITY_FIELDS) if (v[k] !== undefined && s[k] === undefined) s[k] = v[k];
    if (v.peer) {
      const peers = (f.subject.peers ??= []);
      if (!peers.includes(v.peer) && peers.length < CAP_SET) peers.push(v.peer);
    }
    if (pid !== null) {
      const pids = (f.subject.pids ??= []);
      if (!pids.includes(pid) && pids.length < CAP_SET) pids.push(pid);
    }
    for (const [k, val] of Object.entries(v)) {
      if ((IDENTITY_FIELDS as readonly string[]).includes(k) || k === 'peer') continue;
      if ((f.details as Record<string, string>)[k] === undefined) (f.details as Record<string, string>)[k] = val;
    }
  };

  const addEvidence = (f: FindingState, m: LineMatch): void => {
    inputStats(m.location.file).matched++;
    const e: Evidence = {
      file: m.location.file,
      line: m.location.line,
      text: m.text,
      ruleId: m.rule.id,
      time: m.parsed.time,
      pid: m.parsed.pid,
      values: m.values,
    };
    f.ruleIds.add(m.rule.id);
    if (severityRank(m.severity) > severityRank(f.severity) && m.rule.role !== 'detail') f.severity = m.severity;
    mergeValues(f, m.values, m.parsed.pid);
    if (m.parsed.time) {
      if (f.first === null) f.first = m.parsed.time;
      f.last = m.parsed.time;
    }
    if (f.evidence.length < maxEvidence) {
      f.evidence.push(e);
    } else {
      f.evidenceOmitted++;
      f.evidence[maxEvidence - 1] = e; // keep the latest line in the last slot
    }
  };

  /** Start a new occurrence of the finding for this primary line (creating the finding if needed). */
  const occur = (m: LineMatch, cause: CauseId, severity: Severity): FindingState => {
    const server = m.parsed.server ?? (m.rule.servers.length === 1 ? m.rule.servers[0]! : null);
    let key = identityKey(cause, server, m.values);
    let f = findings.get(key);
    if (!f && findings.size >= maxFindings) {
      key = `${cause}\u0000${server ?? ''}\u0000(overflow)`;
      f = findings.get(key);
    }
    if (!f) {
      f = {
        id: `${cause}:${server ?? 'unknown'}:${createHash('sha256').update(key).digest('hex').slice(0, 10)}`,
        key,
        cause,
        severity,
        server,
        ruleIds: new Set(),
        count: 0,
        first: null,
        last: null,
        firstSeq: seq++,
        subject: {},
        details: {},
        evidence: [],
        evidenceOmitted: 0,
        lastOcc: null,
        announced: false,
      };
      findings.set(key, f);
    }
    const t = timeMs(m.parsed.time);
    const prev = f.lastOcc;
    // A config-phase line repeated by the same process within moments is the second start-up pass.
    const fold =
      m.rule.phase === 'config' &&
      prev !== null &&
      prev.file === m.location.file &&
      prev.pid === m.parsed.pid &&
      (t !== null && prev.timeMs !== null ? Math.abs(t - prev.timeMs) <= START_FOLD_MS : m.location.line - prev.line <= START_FOLD_LINES);
    if (!fold) f.count++;
    f.lastOcc = { file: m.location.file, pid: m.parsed.pid, timeMs: t, line: m.location.line };
    return f;
  };

  const withinWindow = (g: Group, m: LineMatch): boolean => {
    if (m.location.line - g.lastLine > windowLines) return false;
    const t = timeMs(m.parsed.time);
    return t === null || g.lastTimeMs === null || Math.abs(t - g.lastTimeMs) <= windowMs;
  };

  /** Turn a pending transport group into an occurrence and announce it. */
  const confirm = (g: Group): void => {
    if (g.finding) return;
    const f = occur(g.primary, g.cause, g.severity);
    for (const p of g.pending) addEvidence(f, p);
    g.pending = [];
    g.finding = f;
    emit(f);
  };

  // An Apache transport failure (ssl_util_ocsp.c) that no AH01941 confirmed is dropped when its group
  // closes: for stapling, mod_ssl always writes AH01941 right after it, in the same thread and at the
  // same level (seen in every capture); client-certificate OCSP (SSLOCSPEnable) ends with AH02276 at
  // info, which the default LogLevel hides, so an unconfirmed transport line is most likely that.
  const close = (context: string): void => {
    open.delete(context);
  };

  const startGroup = (context: string, m: LineMatch, asTransport: boolean): void => {
    close(context);
    const g: Group = {
      context,
      primary: m,
      cause: m.cause,
      severity: m.severity,
      finding: null,
      pending: [],
      lastLine: m.location.line,
      lastTimeMs: timeMs(m.parsed.time),
    };
    if (asTransport) {
      g.pending.push(m);
    } else {
      g.finding = occur(m, m.cause, m.severity);
      addEvidence(g.finding, m);
      emit(g.finding);
    }
    open.set(context, g);
  };

  const handleMatch = (m: LineMatch): void => {
    const p = m.parsed;
    // nginx fetches for many certificates in one worker: its lines name the certificate, which then
    // separates concurrent failures. Apache's transport and summary lines name none.
    const cert =
      p.server === 'nginx' || (p.server === null && m.rule.servers.length === 1 && m.rule.servers[0] === 'nginx')
        ? (m.values.certificate ?? '')
        : '';
    const context = [m.location.file, p.server ?? m.rule.servers.join('+'), p.pid ?? '', p.tid ?? '', cert].join('\u0000');
    const g = open.get(context);
    const live = g !== undefined && withinWindow(g, m);
    const touch = (grp: Group): void => {
      grp.lastLine = m.location.line;
      grp.lastTimeMs = timeMs(p.time) ?? grp.lastTimeMs;
    };
    switch (m.rule.role) {
      case 'cause':
        startGroup(context, m, false);
        return;
      case 'transport':
        if (live && g && (g.pending.length > 0 || (g.finding !== null && g.primary.rule.role === 'transport'))) {
          touch(g);
          if (g.finding) {
            addEvidence(g.finding, m);
            emit(g.finding);
          } else {
            g.pending.push(m);
          }
          return;
        }
        startGroup(context, m, true);
        return;
      case 'follower': {
        const follows = m.rule.follows;
        if (live && g && (!follows || follows.length === 0 || follows.includes(g.cause))) {
          touch(g);
          if (!g.finding) confirm(g);
          addEvidence(g.finding!, m);
          emit(g.finding!);
          if (m.rule.closes !== false) open.delete(context);
          return;
        }
        // Alone: the follower stands for its own fallback cause.
        startGroup(context, m, false);
        if (m.rule.closes !== false) open.delete(context);
        return;
      }
      case 'detail':
        if (live && g) {
          touch(g);
          if (g.finding) {
            addEvidence(g.finding, m);
            emit(g.finding);
          } else {
            g.pending.push(m);
          }
        }
        return;
      case 'lookalike':
        if (live && g && !g.finding) open.delete(context); // it was client-certificate OCSP, not stapling
        return;
    }
  };

  /** Accounting of the input a line came from (matches only come from started inputs). */
  const statsByName = new Map<string, FileStats>();
  const inputStats = (name: string): FileStats => statsByName.get(name)!;

  const input = (name: string): InputHandle => {
    const stats: FileStats = { file: name, ...emptyStats(), files: 1 };
    inputs.push(stats);
    statsByName.set(name, stats);
    let lines = 0;
    const sync = (n: number): void => {
      if (n > lines) lines = n;
      stats.lines = lines;
      stats.parsed = lines - stats.unparsed - stats.skipped;
    };
    // Physical lines become messages (a wrapped paste joins several; see src/rules/join.ts).
    const joiner = new MessageJoiner(matcher, name);
    const take = (results: readonly MessageResult[]): void => {
      for (const { parsed, match } of results) {
        if (parsed && parsed.format === null) stats.unparsed++;
        if (match) handleMatch(match);
      }
    };
    return {
      name,
      stats,
      line(text, lineNo, keys, before) {
        const r = joiner.line(text, lineNo, keys, before);
        sync(lineNo);
        take(r.results);
        return r.want;
      },
      skip(lineNo) {
        take(joiner.flush());
        stats.skipped++;
        const list = (stats.skippedLines ??= []);
        if (list.length < 100) list.push(lineNo);
        sync(lineNo);
      },
      setLineCount(n) {
        sync(n);
      },
      end(error) {
        take(joiner.flush());
        sync(lines);
        if (error) stats.error = error;
        // Failures cannot continue into another input.
        for (const ctx of [...open.keys()]) if (ctx.startsWith(`${name}\u0000`)) close(ctx);
      },
    };
  };

  const sorted = (): Finding[] => sortFindings([...findings.values()].sort((a, b) => a.firstSeq - b.firstSeq).map(snapshot));

  const totals = (): Stats => {
    const t = emptyStats();
    for (const s of inputs) {
      t.files++;
      t.lines += s.lines;
      t.parsed += s.parsed;
      t.unparsed += s.unparsed;
      t.skipped += s.skipped;
      t.matched += s.matched;
    }
    return t;
  };

  return {
    matcher,
    input,
    findings: sorted,
    stats: totals,
    end() {
      for (const ctx of [...open.keys()]) close(ctx);
      return { version: OUTPUT_VERSION, findings: sorted(), stats: totals(), inputs: inputs.map((s) => ({ ...s })) };
    },
  };
}

/**
 * The report's order: grouped by cause, the groups ranked by their most severe finding (then by the
 * cause vocabulary's order); within a group most severe first; otherwise the given order (stable).
 * @returns a new array
 */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const groupRank = new Map<CauseId, number>();
  for (const f of findings) groupRank.set(f.cause, Math.max(groupRank.get(f.cause) ?? -1, severityRank(f.severity)));
  return findings
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        groupRank.get(b.f.cause)! - groupRank.get(a.f.cause)! ||
        CAUSE_IDS.indexOf(a.f.cause) - CAUSE_IDS.indexOf(b.f.cause) ||
        severityRank(b.f.severity) - severityRank(a.f.severity) ||
        a.i - b.i,
    )
    .map((x) => x.f);
}

/**
 * Analyse lines already in memory: the simple line-by-line path of the API.
 * @param lines the lines (or one text, split on LF, CRLF and lone CR)
 * @param rules compiled rules from `loadRules`
 * @param name input name used in evidence (default `-`)
 */
export function analyze(
  lines: readonly string[] | string,
  rules: readonly Rule[],
  options: AnalyzerOptions & { name?: string } = {},
): Report {
  const list = typeof lines === 'string' ? splitLines(lines) : lines;
  const a = createAnalyzer(rules, options);
  const h = a.input(options.name ?? '-');
  list.forEach((l, i) => h.line(l, i + 1));
  h.setLineCount(list.length);
  h.end();
  return a.end();
}

/** Split a text into lines the way the scanner does: LF, CRLF and lone CR end a line; a final line end adds no empty line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split(/\r\n|\n|\r/);
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}
