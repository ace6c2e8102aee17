/**
 * Live printing (a pipe being read as it grows, and NDJSON): a new finding is printed the moment its
 * line arrives; a changed one at most once a second (a short update line, or an NDJSON `update` event
 * that carries what changed: counts, times, the evidence lines not sent before, and subject, data and
 * wording only when they changed); at the end, whatever changed since it was last printed.
 *
 * The second is counted on one of two clocks. `wall`: the time it is now, for input that is live
 * (`tail -f … |`). `log`: the times of the log's own lines, for input read in one go (files, `--no-live`):
 * then the events depend only on the input, never on how fast it was read or written, so the same input
 * always gives the same NDJSON stream.
 *
 * Per finding only a few numbers are kept (what was printed last), never a copy of the finding.
 */
import type { AnalyzerEvent } from '../findings/analyzer.js';
import { timeMs } from '../correlate/time.js';
import { ecsDocument } from '../format/ecs.js';
import { formatFinding, formatUpdate, type HumanOptions } from '../format/human.js';
import { safeJson } from '../format/sanitize.js';
import type { Evidence, Finding, FindingData } from '../types.js';
import type { Output } from './output.js';

/** Options of {@link createLivePrinter}. */
export interface LivePrinterOptions {
  format: 'human' | 'ndjson' | 'ecs';
  human: HumanOptions;
  out: Output;
  /** A finding as the analyzer emits it, made ready to print (inspected, worded). */
  present: (f: FindingData) => Finding;
  /**
   * Which clock spaces updates a second apart (default `wall`); a function when that is decided while
   * reading (a stdin read on the log's clock until it turns out to be live, then on the wall clock).
   */
  clock?: Clock | (() => Clock);
}

/** The clocks updates are spaced on: the time now (`wall`) or the log lines' own times (`log`). */
export type Clock = 'wall' | 'log';

/** Prints finding events as they come. */
export interface LivePrinter {
  /** The analyzer's event callback. */
  onEvent(e: AnalyzerEvent): void;
  /**
   * At the end: print what was never printed, or changed since it was, in report order; waits for the
   * output to drain after each finding.
   */
  flush(findings: Iterable<FindingData>): Promise<void>;
  /**
   * The stream has just turned live: print now each update held back on the log's clock. Such an update waits
   * for a later line a second further on the log's clock, which a quiet pipe does not bring (a burst that ends:
   * its last counts would show only at EOF).
   */
  catchUp(): void;
}

/** What was printed last for a finding: enough to tell what changed, nothing more. */
interface Printed {
  /** When, on the printer's clock (ms), or null when the log's lines carry no time. */
  at: number | null;
  /** The clock `at` is on (the printer's may change from the log's to the wall's while reading). */
  clock: Clock;
  count: number;
  /** Evidence lines kept plus omitted. */
  lines: number;
  /** Sizes of what only grows: subject and data keys, peers, pids, rule ids. */
  sizes: string;
  /** What the wording depends on beyond those: cause, message id, severity. */
  words: string;
}

/** The NDJSON `update` event: what changed since the finding was last printed. */
export interface UpdateEvent {
  event: 'update';
  id: string;
  cause: Finding['cause'];
  severity: Finding['severity'];
  /** The machine the finding is on (it never changes; there so that an update can be told apart by host alone). */
  host: string | null;
  count: number;
  first: string | null;
  last: string | null;
  messageId: string;
  evidenceOmitted: number;
  /** The evidence lines kept since the last event of this finding (the latest line replaces the last slot). */
  evidence: Evidence[];
  subject?: Finding['subject'];
  data?: Finding['data'];
  ruleIds?: string[];
  message?: string;
  fix?: Finding['fix'];
  inspection?: Finding['inspection'];
  aggregate?: Finding['aggregate'];
}

function sizesOf(f: Finding): string {
  return [
    Object.keys(f.subject).length,
    Object.keys(f.data).length,
    f.subject.peers?.length ?? 0,
    f.subject.pids?.length ?? 0,
    f.ruleIds.length,
  ].join(',');
}

function printedOf(f: Finding, at: number | null, clock: Clock = 'wall'): Printed {
  return {
    at,
    clock,
    count: f.count,
    lines: f.evidence.length + f.evidenceOmitted,
    sizes: sizesOf(f),
    words: `${f.cause}|${f.messageId}|${f.severity}`,
  };
}

/** The evidence lines of `f` that were not in the finding when `before` lines had been seen. */
export function newEvidence(f: Pick<Finding, 'evidence' | 'evidenceOmitted'>, before: number): Evidence[] {
  const kept = f.evidence.length;
  const total = kept + f.evidenceOmitted;
  if (total <= before) return [];
  if (f.evidenceOmitted === 0) return f.evidence.slice(before);
  // Full: the first kept-1 lines are fixed, the last slot holds the latest line.
  return [...f.evidence.slice(Math.min(before, kept - 1), kept - 1), f.evidence[kept - 1]!];
}

/** The update event of `f` after `prev` was printed. */
export function updateEvent(f: Finding, prev: Printed): UpdateEvent {
  const e: UpdateEvent = {
    event: 'update',
    id: f.id,
    cause: f.cause,
    severity: f.severity,
    host: f.host,
    count: f.count,
    first: f.first,
    last: f.last,
    messageId: f.messageId,
    evidenceOmitted: f.evidenceOmitted,
    evidence: newEvidence(f, prev.lines),
  };
  const now = printedOf(f, null);
  if (now.sizes !== prev.sizes || now.words !== prev.words) {
    Object.assign(e, { subject: f.subject, data: f.data, ruleIds: f.ruleIds, message: f.message, fix: f.fix });
    if (f.inspection) e.inspection = f.inspection;
  }
  if (f.aggregate) e.aggregate = f.aggregate;
  return e;
}

function changed(f: Finding, prev: Printed): boolean {
  const now = printedOf(f, null);
  return now.count !== prev.count || now.lines !== prev.lines || now.sizes !== prev.sizes || now.words !== prev.words;
}

/** Create the live printer; updates of one finding are spaced a second apart on its clock. */
export function createLivePrinter(o: LivePrinterOptions): LivePrinter {
  const clockOf = o.clock ?? 'wall';
  const clockNow = typeof clockOf === 'function' ? clockOf : (): Clock => clockOf;
  const printed = new Map<string, Printed>();
  const pending = new Map<string, { event: AnalyzerEvent; timer: NodeJS.Timeout }>();
  /** Updates held back on the log's clock (no timer: the log's clock moves only with its lines), by finding id. */
  const held = new Map<string, AnalyzerEvent>();
  const nowOf = (f: { last: string | null }, clock: Clock): number | null => (clock === 'wall' ? Date.now() : timeMs(f.last));

  const print = (kind: 'new' | 'update', f: Finding): void => {
    held.delete(f.id);
    const prev = printed.get(f.id);
    // A human update line says the count: none when the count did not change (a later line of the same occurrence).
    if (kind === 'update' && o.format === 'human' && prev?.count === f.count) return;
    const clock = clockNow();
    printed.set(f.id, printedOf(f, nowOf(f, clock), clock));
    if (o.format === 'ndjson') {
      o.out.write(`${safeJson(kind === 'new' || !prev ? { event: 'new', ...f } : updateEvent(f, prev))}\n`);
    } else if (o.format === 'ecs') {
      o.out.write(`${safeJson(ecsDocument(f))}\n`);
    } else if (kind === 'new') {
      o.out.write(`${formatFinding(f, o.human)}\n\n`);
    } else {
      o.out.write(`${formatUpdate(f)}\n`);
    }
  };
  const later = (e: AnalyzerEvent, wait: number): void => {
    const p = pending.get(e.id);
    if (p) {
      p.event = e;
      return;
    }
    const timer = setTimeout(
      () => {
        const q = pending.get(e.id);
        pending.delete(e.id);
        if (q) print('update', o.present(q.event.finding));
      },
      Math.max(0, wait),
    );
    pending.set(e.id, { event: e, timer });
  };

  return {
    onEvent(e) {
      const prev = printed.get(e.id);
      if (e.type === 'new' || !prev) return print('new', o.present(e.finding));
      const clock = clockNow();
      const now = nowOf(e, clock);
      if (now === null || prev.at === null) return; // no clock to space updates by: printed at the end
      // Last printed on the other clock (the stream has just turned live): the two times do not compare.
      const wait = prev.clock === clock ? prev.at + 1000 - now : 0;
      if (wait <= 0 && !pending.has(e.id)) return print('update', o.present(e.finding));
      if (clock === 'wall') later(e, wait);
      else held.set(e.id, e);
    },
    catchUp() {
      for (const e of [...held.values()]) print('update', o.present(e.finding));
    },
    async flush(findings) {
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
      held.clear();
      for (const data of findings) {
        const prev = printed.get(data.id);
        const f = o.present(data);
        if (!prev) print('new', f);
        else if (changed(f, prev)) print('update', f);
        await o.out.drained();
      }
    },
  };
}
