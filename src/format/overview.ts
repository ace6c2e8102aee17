/**
 * The overview a report opens with, readable in five seconds: one row per cause — per cause and host
 * when the findings come from more than one host — with the most severe severity, how often it
 * happened, how many certificates/virtual hosts it touches, and first → last on the log's own clock.
 */
import type { Finding, FindingAggregate, Severity } from '../types.js';
import { timeMs } from '../correlate/time.js';

/** A finding as the overview reads it; `host` is the machine whose log it is (when known). */
export type OverviewFinding = Pick<Finding, 'cause' | 'severity' | 'count' | 'first' | 'last' | 'subject' | 'aggregate'> & {
  host?: string | null;
};

/** One row of the overview. */
export interface OverviewRow {
  cause: string;
  /** The host of the row's findings: undefined when the report has one host (or none known), null for "unknown". */
  host?: string | null;
  /** The most severe finding's severity. */
  severity: Severity;
  /** Findings in the row. */
  findings: number;
  /** Occurrences, summed over the findings. */
  count: number;
  /** Distinct certificates (or virtual hosts, when the log names no certificate); 0 when the log names neither. */
  subjects: number;
  /** True when `subjects` is a lower bound (a summary finding that could not count its identities exactly, or names some that are neither). */
  subjectsAtLeast: boolean;
  /** Earliest and latest evidence time of the row (ISO-8601), null when no line had a time. */
  first: string | null;
  last: string | null;
}

const RANK: Record<Severity, number> = { info: 0, notice: 1, warning: 2, error: 3 };

/** What a finding is about, as a key: its certificate (path, serial and issuer, or subject), else its vhost. */
export function subjectKey(f: Pick<Finding, 'subject'>): string | null {
  const s = f.subject;
  if (s.certificate) return `cert:${s.certificate}`;
  if (s.serial) return `serial:${s.serial}|${s.certIssuer ?? ''}`;
  if (s.certSubject) return `subject:${s.certSubject}`;
  if (s.vhost) return `vhost:${s.vhost}`;
  return null;
}

/** Kinds of summarised identity the overview's certs/vhosts column counts. */
const CERT_OR_VHOST: ReadonlySet<FindingAggregate['of']> = new Set(['certificate', 'vhost']);

/**
 * What a summary finding adds to a count of distinct subjects: its own number of identities
 * (`aggregate.findings`, a lower bound when not `exact`) when every one of them is of a kind the count
 * counts; else nothing, and the count becomes a lower bound (some of them may be of such a kind).
 * @param aggregate the finding's aggregate; undefined for a finding listed one by one (adds nothing)
 * @param counted the kinds of identity the count is of
 * @returns `n` identities to add, `atLeast` when the total is then only a lower bound
 */
export function summarySubjects(
  aggregate: FindingAggregate | undefined,
  counted: ReadonlySet<FindingAggregate['of']>,
): { n: number; atLeast: boolean } {
  if (!aggregate) return { n: 0, atLeast: false };
  if (!counted.has(aggregate.of)) return { n: 0, atLeast: true };
  return { n: aggregate.findings, atLeast: !aggregate.exact };
}

/** `1500`, or `at least 1500` for a lower bound: a subject count as a report shows it. */
export function subjectCountText(n: number, atLeast: boolean): string {
  return atLeast ? `at least ${n}` : String(n);
}

function earlier(a: string | null, b: string | null, pick: 'min' | 'max'): string | null {
  if (a === null) return b;
  if (b === null) return a;
  const ta = timeMs(a) ?? 0;
  const tb = timeMs(b) ?? 0;
  return (pick === 'min' ? tb < ta : tb > ta) ? b : a;
}

/**
 * The overview's rows, in the order the findings come (the report's order: most severe cause first).
 * @param findings the findings shown
 */
export function overviewRows(findings: readonly OverviewFinding[]): OverviewRow[] {
  const hosts = new Set(findings.map((f) => f.host ?? null));
  const perHost = hosts.size > 1;
  const rows = new Map<string, OverviewRow & { keys: Set<string>; summarised: number }>();
  for (const f of findings) {
    const host = f.host ?? null;
    const id = perHost ? `${f.cause}\u0000${host ?? ''}\u0000${host === null ? 'n' : 'h'}` : f.cause;
    let r = rows.get(id);
    if (!r) {
      r = {
        cause: f.cause,
        severity: f.severity,
        findings: 0,
        count: 0,
        subjects: 0,
        subjectsAtLeast: false,
        first: null,
        last: null,
        keys: new Set(),
        summarised: 0,
      };
      if (perHost) r.host = host;
      rows.set(id, r);
    }
    r.findings++;
    r.count += f.count;
    if (RANK[f.severity] > RANK[r.severity]) r.severity = f.severity;
    const key = subjectKey(f);
    if (key !== null) r.keys.add(key);
    const more = summarySubjects(f.aggregate, CERT_OR_VHOST);
    r.summarised += more.n;
    r.subjectsAtLeast ||= more.atLeast;
    r.first = earlier(r.first, f.first, 'min');
    r.last = earlier(r.last, f.last, 'max');
  }
  return [...rows.values()].map(({ keys, summarised, ...r }) => ({ ...r, subjects: keys.size + summarised }));
}

/** `2026-11-21 12:00:00 → 2026-11-23 12:00:00`; the date is not repeated when both are on one day. */
export function span(first: string | null, last: string | null): string {
  const fmt = (t: string): string => t.replace('T', ' ').replace(/\.\d+/, '');
  if (first === null) return '';
  const a = fmt(first);
  if (last === null || fmt(last) === a) return a;
  const b = fmt(last);
  return a.slice(0, 10) === b.slice(0, 10) ? `${a} → ${b.slice(11)}` : `${a} → ${b}`;
}

/**
 * What the report says after an input's read error (`FILE: ERROR — …`): how many lines were read before
 * it (an input cut short: a truncated `.gz`, a read error midway), or that nothing was (never opened:
 * permission denied, a format not read).
 * @param lines the input's lines read before the error
 */
export function readBeforeError(lines: number): string {
  return lines > 0 ? `read ${lines} line${lines === 1 ? '' : 's'} before that.` : 'nothing read.';
}
