/**
 * Live printing (a pipe being read as it grows, and NDJSON): a new finding is printed the moment its
 * line arrives; a changed one at most once a second (a short update line, or an NDJSON `update` event);
 * at the end, whatever was never printed or changed since it was.
 */
import type { AnalyzerEvent } from '../findings/analyzer.js';
import { ecsDocument } from '../format/ecs.js';
import { formatFinding, formatUpdate, type HumanOptions } from '../format/human.js';
import { safeJson } from '../format/sanitize.js';
import type { Finding, FindingData } from '../types.js';
import type { Output } from './output.js';

/** Options of {@link createLivePrinter}. */
export interface LivePrinterOptions {
  format: 'human' | 'ndjson' | 'ecs';
  human: HumanOptions;
  out: Output;
  /** A finding as the analyzer emits it, made ready to print (inspected, worded). */
  present: (f: FindingData) => Finding;
}

/** Prints finding events as they come. */
export interface LivePrinter {
  /** The analyzer's event callback. */
  onEvent(e: AnalyzerEvent): void;
  /** At the end: print what was never printed, or changed since it was (findings already presented). */
  flush(findings: readonly Finding[]): void;
}

/** Create the live printer; updates of one finding are throttled to one a second. */
export function createLivePrinter(o: LivePrinterOptions): LivePrinter {
  const lastPrinted = new Map<string, { at: number; fingerprint: string; count: number }>();
  const pending = new Map<string, { finding: FindingData; timer: NodeJS.Timeout }>();

  const print = (kind: 'new' | 'update', f: Finding): void => {
    // A human update line says the count: none when the count did not change (a later line of the same occurrence).
    if (kind === 'update' && o.format === 'human' && lastPrinted.get(f.id)?.count === f.count) return;
    lastPrinted.set(f.id, { at: Date.now(), fingerprint: safeJson(f), count: f.count });
    if (o.format === 'ndjson') {
      o.out.write(`${safeJson({ event: kind, ...f })}\n`);
    } else if (o.format === 'ecs') {
      o.out.write(`${safeJson(ecsDocument(f))}\n`);
    } else if (kind === 'new') {
      o.out.write(`${formatFinding(f, o.human)}\n\n`);
    } else {
      o.out.write(`${formatUpdate(f)}\n`);
    }
  };
  const later = (f: FindingData, wait: number): void => {
    const p = pending.get(f.id);
    if (p) {
      p.finding = f;
      return;
    }
    const timer = setTimeout(
      () => {
        const q = pending.get(f.id);
        pending.delete(f.id);
        if (q) print('update', o.present(q.finding));
      },
      Math.max(0, wait),
    );
    pending.set(f.id, { finding: f, timer });
  };

  return {
    onEvent(e) {
      const f = e.finding;
      const prev = lastPrinted.get(f.id);
      if (e.type === 'new' || !prev) return print('new', o.present(f));
      const wait = prev.at + 1000 - Date.now();
      if (wait <= 0 && !pending.has(f.id)) return print('update', o.present(f));
      later(f, wait);
    },
    flush(findings) {
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
      for (const f of findings) {
        const prev = lastPrinted.get(f.id);
        if (!prev) print('new', f);
        else if (prev.fingerprint !== safeJson(f)) print('update', f);
      }
    },
  };
}
