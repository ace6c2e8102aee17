/**
 * Aggregation: occurrences with the same cause, server and identity (certificate, vhost, responder) are
 * one finding with a count, first/last time, the values of its lines and capped evidence. The duplicate
 * start-up passes of one Apache process (httpd runs post_config twice on a cold start) count once.
 * Findings leave the store as data ({@link FindingData}: a message id and values, no prose).
 */
import crypto from 'node:crypto';
import { timeMs } from '../correlate/time.js';
import { messageIdOf, severityOf, type CauseRegistry } from './registry.js';
import { createTimeline, MAX_EPISODES, type EpisodeLimit, type TimelineBuilder } from './timeline.js';
import { CAUSES } from './causes/index.js';
import {
  EVIDENCE_TEXT_MAX,
  IdentitySet,
  keepableAsIs,
  MAX_EPISODES_IN_ALL,
  MAX_EVIDENCE_LINES,
  MIN_EPISODES_PER_FINDING,
  MAX_FINDINGS,
  MAX_FINDINGS_PER_CAUSE,
  ownText,
  VALUE_MAX,
} from './limits.js';
import {
  CAUSE_IDS,
  severityRank,
  type CauseId,
  type Evidence,
  type FindingAggregate,
  type FindingData,
  type FindingSubject,
  type LineCut,
  type LineMatch,
  type Server,
  type Severity,
  type Values,
} from '../types.js';

/** A finding being built. */
export interface FindingState {
  id: string;
  key: string;
  cause: CauseId;
  severity: Severity;
  server: Server | null;
  host: string | null;
  /** The rules of its lines (few: a list, not a set). */
  ruleIds: string[];
  count: number;
  first: string | null;
  last: string | null;
  /** {@link timeMs} of `first` and `last` (null when absent or unreadable), so a line's time is read once. */
  firstMs: number | null;
  lastMs: number | null;
  firstSeq: number;
  subject: FindingSubject;
  details: Values;
  /** The first lines, as kept (at most `maxEvidence`; the last slot is replaced by later lines). */
  evidence: Evidence[];
  /**
   * The latest line once the evidence is full, as it came (a short line: see `keepableAsIs()`); made
   * evidence only when the finding is read, so a repeated occurrence copies nothing.
   */
  latest: HeldLine | null;
  evidenceOmitted: number;
  /** Occurrences over time (bounded). */
  timeline: TimelineBuilder;
  /** Last occurrence, for folding the duplicate start-up pass: input, pid, time (ms), line, and whether
   * this start already folded a pass written under a second pid (a daemon's detached child). */
  lastOcc: { file: string; pid: number | null; timeMs: number | null; line: number; forked: boolean; key: string } | null;
  /** An event has announced it. */
  announced: boolean;
  /** Set on the summary finding of a cause and server (see `limits.ts`): identities counted, and the kinds every one names (bits of {@link KIND}). */
  aggregate?: { findings: number; exact: boolean; kinds: number };
}

/** Options of {@link createFindingStore}. */
export interface FindingStoreOptions {
  /** Evidence lines kept per finding (default 10: the first 9 and the latest). */
  maxEvidence?: number;
  /** Evidence lines kept in all findings (default {@link MAX_EVIDENCE_LINES}); past it each finding keeps fewer, down to its first and latest. */
  maxEvidenceLines?: number;
  /** Episodes kept in all findings' timelines (default {@link MAX_EPISODES_IN_ALL}); past it each timeline keeps fewer, with a wider gap. */
  maxEpisodes?: number;
  /** Findings listed one by one in all (default {@link MAX_FINDINGS}); later identities join their cause's summary finding. */
  maxFindings?: number;
  /** Findings listed one by one per cause and server (default {@link MAX_FINDINGS_PER_CAUSE}); later identities join a summary finding. */
  maxFindingsPerCause?: number;
  /** The cause modules (default: the built-in ones). */
  causes?: CauseRegistry;
}

/** The findings of one analysis. */
export interface FindingStore {
  /** Start a new occurrence of the finding for this primary line (creating the finding if needed). */
  occur(m: LineMatch, cause: CauseId, severity: Severity): FindingState;
  /** Add a line of an occurrence to its finding. */
  addEvidence(f: FindingState, m: LineMatch): void;
  /** Lines of an occurrence that were counted but not kept (see the correlator's `omitted`). */
  omit(f: FindingState, lines: number): void;
  /** The finding as data: a copy of what the store goes on changing; its evidence objects are shared and must be treated as read-only. */
  snapshot(f: FindingState): FindingData;
  /** Every finding as data, in report order ({@link sortFindings}). */
  all(): FindingData[];
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
const IDENTITY = new Set<string>([...IDENTITY_FIELDS, 'peer']);
const CAP_SET = 20;
const START_FOLD_MS = 3000;
const START_FOLD_LINES = 200;

/**
 * What makes two occurrences one finding: cause, server, host and the subject (certificate, or vhost,
 * and responder). The finding id is a hash of it, so it is stable across runs (omprog restarts). A
 * finding without a host keeps the key (and id) it had before hosts were known.
 */
function identityKey(cause: CauseId, server: Server | null, host: string | null, v: Values): string {
  // The certificate is named by path (nginx) or by serial+issuer / subject (Apache suffix).
  const cert = v.certificate ?? (v.serial ? `${v.serial}|${v.certIssuer ?? ''}` : (v.certSubject ?? ''));
  const where = cert ? '' : (v.vhost ?? '');
  const responder = v.responder ?? v.host ?? v.url ?? '';
  const parts = [cause, server ?? '', cert, where, responder];
  if (host !== null) parts.push(host);
  return parts.join('\u0000');
}

/** Bits of the kinds of identity a summary stands for. */
const KIND = { certificate: 1, vhost: 2, responder: 4 } as const;

/** Which kinds of identity a line's values name (bits of {@link KIND}). */
function kindsOf(v: Values): number {
  const cert = v.certificate ?? v.serial ?? v.certSubject;
  return (cert ? KIND.certificate : 0) | (v.vhost ? KIND.vhost : 0) | ((v.responder ?? v.host ?? v.url) ? KIND.responder : 0);
}

/** The value the finding already holds under `k` (its subject for identity fields, else its details). */
function heldValue(f: FindingState, k: string): string | undefined {
  const s = (f.subject as Record<string, unknown>)[k];
  return typeof s === 'string' ? s : (f.details as Record<string, string | undefined>)[k];
}

/**
 * The values of a line as the store keeps them: each its own copy, capped at {@link VALUE_MAX}; a value
 * the finding already holds (its certificate path, on every line) is that same string, not another copy.
 */
function ownValues(v: Values, f: FindingState): Values {
  const out: Record<string, string> = {};
  for (const k in v) {
    const val = v[k as keyof Values];
    if (val === undefined) continue;
    const same = heldValue(f, k);
    out[k] =
      same !== undefined && (same === val || (val.length > VALUE_MAX && same === ownText(val, VALUE_MAX))) ? same : ownText(val, VALUE_MAX);
  }
  return out;
}

/**
 * Merge a line's values into the finding, each stored value its own capped copy; a summary finding takes
 * no subject (it has none of its own). Once the finding holds every value name the line has, its pid and
 * its peer, this only reads, and only the line's own value names: the subject's fields are walked (in
 * their order, which is the report's) only when the line has one the subject lacks.
 */
function mergeValues(f: FindingState, v: Values, pid: number | null): void {
  const s = f.subject as Record<string, unknown>;
  const details = f.details as Record<string, string>;
  let newInSubject = false;
  for (const k in v) {
    const val = v[k as keyof Values];
    if (val === undefined) continue;
    if (!IDENTITY.has(k)) {
      if (details[k] === undefined) details[k] = ownText(val, VALUE_MAX);
    } else if (k !== 'peer' && s[k] === undefined) newInSubject = true;
  }
  if (f.aggregate) return;
  if (newInSubject) {
    for (const k of IDENTITY_FIELDS) {
      const val = v[k];
      if (val !== undefined && s[k] === undefined) s[k] = ownText(val, VALUE_MAX);
    }
  }
  // New lists (concat) rather than pushes: exact in size (a pushed-to or spread list keeps room for 16 more), and rarely changed.
  if (v.peer) {
    const peers = f.subject.peers ?? [];
    const peer = v.peer.length > VALUE_MAX ? ownText(v.peer, VALUE_MAX) : v.peer;
    if (peers.length < CAP_SET && !peers.includes(peer)) f.subject.peers = peers.concat(ownText(peer, VALUE_MAX));
  }
  if (pid !== null) {
    const pids = f.subject.pids ?? [];
    if (pids.length < CAP_SET && !pids.includes(pid)) f.subject.pids = pids.concat(pid);
  }
}

/** What a summary says it stands for (`kinds`: the kinds every summarised identity names). */
function aggregateOf(a: NonNullable<FindingState['aggregate']>): FindingAggregate {
  const of = a.kinds & KIND.certificate ? 'certificate' : a.kinds & KIND.vhost ? 'vhost' : a.kinds & KIND.responder ? 'responder' : 'mixed';
  return { findings: a.findings, exact: a.exact, of };
}

/**
 * A config-phase line repeated within moments is the second start-up pass of the same start: written by
 * the same process (httpd in the foreground, `-DFOREGROUND`), or — once per start — by another one:
 * `apachectl start` runs the first pass, detaches, and the detached child (a new pid) runs the second
 * (captured from Apache 2.4.71: test/fixtures/apache-daemon/). A third pid within moments is a new start.
 */
function isSecondPass(f: FindingState, m: LineMatch, t: number | null, key: string): boolean {
  const prev = f.lastOcc;
  // A summary finding stands for many identities: a line of another one is never the same start's second pass.
  if (prev !== null && prev.key !== key) return false;
  if (m.rule.phase !== 'config' || prev === null || prev.file !== m.location.file) return false;
  if (prev.pid !== m.parsed.pid && (prev.forked || prev.pid === null || m.parsed.pid === null)) return false;
  return t !== null && prev.timeMs !== null ? Math.abs(t - prev.timeMs) <= START_FOLD_MS : m.location.line - prev.line <= START_FOLD_LINES;
}

/** Widen first/last to this evidence time (`t` its {@link timeMs}): they are the earliest and latest times, whatever order the inputs were read in. */
function widenTimes(f: FindingState, time: string, t: number | null): void {
  if (f.first === null || (t !== null && t < (f.firstMs ?? Infinity))) {
    f.first = time;
    f.firstMs = t;
  }
  if (f.last === null || (t !== null && t >= (f.lastMs ?? -Infinity))) {
    f.last = time;
    f.lastMs = t;
  }
}

/**
 * What {@link evidenceOf} reads of a matched line. The latest line a finding holds ({@link FindingState.latest})
 * is one of these, overwritten by each later line, not the line's whole match: a match (its parsed line
 * and location) held until the finding's next line outlived V8's young generation, and on nginx refresh
 * failures for 5 000 certificates, which come back every ~6 700 lines, every line's match was copied by
 * a scavenge and promoted (issue 15).
 */
interface HeldLine {
  file: string;
  line: number;
  text: string;
  textLength: number | undefined;
  ruleId: string;
  time: string | null;
  pid: number | null;
  values: Values;
  cut: LineCut | undefined;
}

/** The parts of a match {@link evidenceOf} reads, into `into` when given (overwritten), else a new record. */
function heldOf(m: LineMatch, into?: HeldLine): HeldLine {
  const h = into ?? ({} as HeldLine);
  h.file = m.location.file;
  h.line = m.location.line;
  h.text = m.text;
  h.textLength = m.textLength;
  h.ruleId = m.rule.id;
  h.time = m.parsed.time;
  h.pid = m.parsed.pid;
  h.values = m.values;
  h.cut = m.cut;
  return h;
}

/** A line as evidence of the finding: its own copies (values shared with the finding's when equal). */
function evidenceOf(f: FindingState, h: HeldLine): Evidence {
  return {
    file: h.file,
    line: h.line,
    text: ownText(h.text, EVIDENCE_TEXT_MAX, false),
    ...((h.textLength ?? h.text.length) > EVIDENCE_TEXT_MAX ? { textLength: h.textLength ?? h.text.length } : {}),
    ruleId: h.ruleId,
    time: h.time,
    pid: h.pid,
    values: ownValues(h.values, f),
    ...(h.cut ? { cut: h.cut } : {}),
  };
}

/** Keep a line as evidence: the first `max - 1` lines and the latest (held as it came when `keepableAsIs()`). */
function keepEvidence(f: FindingState, m: LineMatch, max: number): void {
  if (f.evidence.length < max) {
    f.evidence = f.evidence.concat(evidenceOf(f, heldOf(m)));
    return;
  }
  f.evidenceOmitted++;
  if (keepableAsIs(m)) {
    f.latest = heldOf(m, f.latest ?? undefined);
  } else {
    f.latest = null;
    f.evidence[max - 1] = evidenceOf(f, heldOf(m)); // keep the latest line in the last slot
  }
}

/**
 * Keep at most `max` lines of the finding's evidence: its first `max - 1` and the latest (the last slot).
 * @returns how many lines it dropped (counted in `evidenceOmitted`)
 */
function trimEvidence(f: FindingState, max: number): number {
  const n = f.evidence.length;
  if (n <= max) return 0;
  f.evidence = f.evidence.slice(0, max - 1).concat(f.evidence[n - 1]!);
  f.evidenceOmitted += n - max;
  return n - max;
}

/**
 * The evidence kept in all: each finding keeps up to `perFinding` lines; once the findings hold more
 * than `budget` lines in all, every finding keeps one line fewer (its first lines and the latest), down
 * to its first and latest line, so that a log with thousands of failing certificates keeps a few lines
 * of each instead of ten (bench (c): 3 012 findings, 30 000 lines, ~20 MB). Applied in input order on
 * one store (`--jobs` replays its workers' lines there), so the evidence is the same for any `--jobs`.
 */
function evidenceBudget(findings: Map<string, FindingState>, perFinding: number, budget: number) {
  const least = Math.min(2, perFinding);
  let cap = perFinding;
  let kept = 0;
  return {
    keep(f: FindingState, m: LineMatch): void {
      const before = f.evidence.length;
      keepEvidence(f, m, cap);
      kept += f.evidence.length - before;
      while (kept > budget && cap > least) {
        // One line fewer, or at once to the even share when `--max-evidence` was large.
        cap = Math.max(least, Math.min(cap - 1, Math.floor(budget / findings.size)));
        for (const g of findings.values()) kept -= trimEvidence(g, cap);
      }
    },
  };
}

/**
 * The episodes kept in all timelines: each finding's timeline keeps up to {@link MAX_EPISODES}; once all
 * hold more than `budget`, the limit they share is lowered by a quarter (down to
 * {@link MIN_EPISODES_PER_FINDING}) and every timeline widens its gap until it fits: counts stay exact,
 * episodes coarser. A densely failing log with thousands of certificates held ~190 bytes per episode,
 * up to 50 per finding (bench (c): 3 012 findings, ~100 000 episodes). In input order on one store, so
 * the same for any `--jobs`.
 */
function episodeBudget(findings: Map<string, FindingState>, budget: number) {
  const limit: EpisodeLimit = { max: MAX_EPISODES };
  let held = 0;
  return {
    limit,
    add(f: FindingState, time: string | null, t: number | null, count: number): void {
      const before = f.timeline.episodeCount;
      f.timeline.add(time, count, t);
      held += f.timeline.episodeCount - before;
      while (held > budget && limit.max > MIN_EPISODES_PER_FINDING) {
        limit.max = Math.max(MIN_EPISODES_PER_FINDING, Math.floor((limit.max * 3) / 4));
        held = 0;
        for (const g of findings.values()) held += g.timeline.fit();
      }
    },
  };
}

/**
 * The finding's evidence, the held latest line made evidence in the last slot: a new list of the kept
 * evidence objects themselves, which the store never changes once made (a later line takes a slot with
 * a new object), so a snapshot need not copy them (a copy per evidence line and its values was ~40 %
 * of a snapshot: 2 MB more at the end of a run with 3 000 findings).
 */
function evidenceList(f: FindingState): Evidence[] {
  const out = f.evidence.slice();
  if (f.latest) out[out.length - 1] = evidenceOf(f, f.latest);
  return out;
}

/**
 * The SHA-256 of a text (UTF-8), hex: `crypto.hash` where Node has it (20.12+, 21.7+), a one-shot call
 * about 3× cheaper than a `createHash` object (measured: 3 012 finding ids, 7 ms against 22 ms), else
 * `createHash`.
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

function newFinding(
  key: string,
  cause: CauseId,
  severity: Severity,
  server: Server | null,
  host: string | null,
  seq: number,
  episodes: EpisodeLimit,
): FindingState {
  const hash = sha256Hex(key).slice(0, 10);
  return {
    id: [cause, server ?? 'unknown', hash].join(':'), // one flat string (a template makes a tree of pieces)
    key,
    cause,
    severity,
    server,
    host,
    ruleIds: [],
    count: 0,
    first: null,
    last: null,
    firstMs: null,
    lastMs: null,
    firstSeq: seq,
    subject: {},
    details: {},
    evidence: [],
    latest: null,
    evidenceOmitted: 0,
    timeline: createTimeline(episodes),
    lastOcc: null,
    announced: false,
  };
}

/**
 * The finding as data: a copy, with the message id its values call for and the severity its own lines
 * give it ({@link severityOf}: an expired certificate, known from Apache's `notafter` and the line's
 * time, is an error). The severity is settled here, before {@link sortFindings} ranks by it, so that
 * `analyze()`, the CLI (which words the same severity), `--jobs` and live all list the same order.
 */
function snapshotOf(f: FindingState, registry: CauseRegistry): FindingData {
  // One level: the store replaces its lists of peers and pids (concat), never changes them in place.
  const subject = { ...f.subject };
  const data = { ...f.details };
  const evidence = evidenceList(f);
  return {
    id: f.id,
    cause: f.cause,
    severity: severityOf({ severity: f.severity, subject, data }),
    server: f.server,
    host: f.host,
    ruleIds: [...f.ruleIds].sort(),
    count: f.count,
    first: f.first,
    last: f.last,
    messageId: messageIdOf(
      {
        cause: f.cause,
        server: f.server,
        subject,
        data,
        ruleIds: f.ruleIds,
        evidence,
        ...(f.aggregate ? { aggregate: aggregateOf(f.aggregate) } : {}),
      },
      registry,
    ),
    data,
    subject,
    evidence,
    evidenceOmitted: f.evidenceOmitted,
    timeline: f.timeline.snapshot(),
    ...(f.aggregate ? { aggregate: aggregateOf(f.aggregate) } : {}),
  };
}

/**
 * Where an identity goes once its cause and server (and host, when the lines name one) list
 * {@link MAX_FINDINGS_PER_CAUSE} findings (or the store {@link MAX_FINDINGS}): the summary finding of
 * that cause, server and host, which counts the identity once ({@link IdentitySet}) and every occurrence.
 * @param create makes and stores a finding under a key
 * @returns for an identity not yet stored: its summary, or undefined while its cause and server have room
 */
function summaryRouter(
  options: FindingStoreOptions,
  create: (key: string, cause: CauseId, severity: Severity, server: Server | null, host: string | null) => FindingState,
) {
  const perCause = options.maxFindingsPerCause ?? MAX_FINDINGS_PER_CAUSE;
  const total = options.maxFindings ?? MAX_FINDINGS;
  const listed = new Map<string, number>();
  const summaries = new Map<string, FindingState>();
  const seen = new IdentitySet();
  let listedAll = 0;
  return (
    key: string,
    cause: CauseId,
    severity: Severity,
    server: Server | null,
    host: string | null,
    values: Values,
  ): FindingState | undefined => {
    const group = `${cause}\u0000${server ?? ''}${host === null ? '' : `\u0000${host}`}`;
    const n = listed.get(group) ?? 0;
    if (n < perCause && listedAll < total) {
      listed.set(group, n + 1);
      listedAll++;
      return undefined;
    }
    let f = summaries.get(group);
    if (!f) {
      f = create(`${group}\u0000(summary)`, cause, severity, server, host);
      f.aggregate = { findings: 0, exact: true, kinds: KIND.certificate | KIND.vhost | KIND.responder };
      summaries.set(group, f);
    }
    const a = f.aggregate!;
    const fresh = seen.add(key);
    if (fresh === null) a.exact = false;
    if (fresh) a.findings++;
    if (fresh !== false) a.kinds &= kindsOf(values);
    return f;
  };
}

/** Create the finding store of one analysis. */
export function createFindingStore(options: FindingStoreOptions = {}): FindingStore {
  const maxEvidence = Math.max(1, options.maxEvidence ?? 10);
  const registry = options.causes ?? CAUSES;
  const findings = new Map<string, FindingState>();
  const evidence = evidenceBudget(findings, maxEvidence, options.maxEvidenceLines ?? MAX_EVIDENCE_LINES);
  const episodes = episodeBudget(findings, options.maxEpisodes ?? MAX_EPISODES_IN_ALL);
  let seq = 0;

  const create = (key: string, cause: CauseId, severity: Severity, server: Server | null, host: string | null): FindingState => {
    const f = newFinding(key, cause, severity, server, host, seq++, episodes.limit);
    findings.set(key, f);
    return f;
  };
  const snapshot = (f: FindingState): FindingData => snapshotOf(f, registry);
  const summary = summaryRouter(options, create);

  return {
    occur(m, cause, severity) {
      const server = m.parsed.server ?? (m.rule.servers.length === 1 ? m.rule.servers[0]! : null);
      const host = m.parsed.host ?? null;
      // The key is a new flat string: it keeps no piece of the line alive.
      let key = identityKey(cause, server, host, m.values);
      const f = findings.get(key) ?? summary(key, cause, severity, server, host, m.values) ?? create(key, cause, severity, server, host);
      const t = timeMs(m.parsed.time);
      const second = isSecondPass(f, m, t, key);
      if (!second) {
        // rsyslog's `message repeated N times` line stands for N occurrences of its message.
        const n = m.parsed.repeated ?? 1;
        f.count += n;
        episodes.add(f, m.parsed.time, t, n);
      }
      const prev = f.lastOcc;
      if (key === f.key) key = f.key; // the finding's own string, not this line's copy
      const forked = second && (prev!.forked || prev!.pid !== m.parsed.pid);
      if (prev === null) {
        f.lastOcc = { file: m.location.file, pid: m.parsed.pid, timeMs: t, line: m.location.line, forked, key };
      } else {
        prev.file = m.location.file;
        prev.pid = m.parsed.pid;
        prev.timeMs = t;
        prev.line = m.location.line;
        prev.forked = forked;
        prev.key = key;
      }
      return f;
    },
    addEvidence(f, m) {
      if (!f.ruleIds.includes(m.rule.id)) f.ruleIds = f.ruleIds.concat(m.rule.id);
      if (severityRank(m.severity) > severityRank(f.severity) && m.rule.role !== 'detail') f.severity = m.severity;
      mergeValues(f, m.values, m.parsed.pid);
      if (m.parsed.time) widenTimes(f, m.parsed.time, timeMs(m.parsed.time));
      evidence.keep(f, m);
    },
    omit(f, lines) {
      f.evidenceOmitted += lines;
    },
    snapshot,
    all: () => sortFindings([...findings.values()].sort((a, b) => a.firstSeq - b.firstSeq).map(snapshot)),
  };
}

/**
 * The report's order: grouped by cause, the groups ranked by their most severe finding (then by the
 * cause vocabulary's order; causes outside it last); within a group the findings listed one by one
 * before the summaries, each most severe first; otherwise the given order (stable).
 * @returns a new array
 */
export function sortFindings<F extends Pick<FindingData, 'cause' | 'severity' | 'aggregate'>>(findings: readonly F[]): F[] {
  const groupRank = new Map<CauseId, number>();
  for (const f of findings) groupRank.set(f.cause, Math.max(groupRank.get(f.cause) ?? -1, severityRank(f.severity)));
  const order = (c: CauseId): number => {
    const i = CAUSE_IDS.indexOf(c);
    return i < 0 ? CAUSE_IDS.length : i;
  };
  return findings
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        groupRank.get(b.f.cause)! - groupRank.get(a.f.cause)! ||
        order(a.f.cause) - order(b.f.cause) ||
        Number(a.f.aggregate !== undefined) - Number(b.f.aggregate !== undefined) ||
        severityRank(b.f.severity) - severityRank(a.f.severity) ||
        a.i - b.i,
    )
    .map((x) => x.f);
}
