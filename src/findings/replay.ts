/**
 * Occurrences recorded in one place and applied in another: how `--jobs` workers hand their inputs to
 * the main thread. A worker scans, parses, matches and correlates an input (correlation never crosses
 * inputs); instead of aggregating, its correlator's sink records what it would have told the finding
 * store (`occur`, `add`, `changed`, `omitted`) as plain data. The main thread applies those operations to its one
 * store in input order, so findings, evidence and their order are those of a single-threaded run.
 */
import type { OccurrenceSink } from '../correlate/correlator.js';
import type { CauseId, LineCut, LineMatch, ParsedLine, Rule, Severity, Values } from '../types.js';

/** A {@link LineMatch} as plain data: its rule and pattern by index (the worker loads the same rules). */
export interface WireMatch {
  /** Index of the rule in the rule list both sides loaded. */
  rule: number;
  /** Index of the pattern in `rule.compiled`. */
  pattern: number;
  parsed: ParsedLine;
  values: Values;
  cause: CauseId;
  severity: Severity;
  file: string;
  line: number;
  text: string;
  textLength?: number;
  cut?: LineCut;
}

/**
 * One sink operation: `[0, id, match, cause, severity]` a new occurrence numbered `id` (ids count from 0 per recorder),
 * `[1, id, match]` a line of occurrence `id`, `[2, id]` occurrence `id` changed, `[3, id, file, lines]` lines of
 * occurrence `id` counted but not kept (a transport failure's waiting lines past the cap).
 */
export type OccurrenceOp = [0, number, WireMatch, CauseId, Severity] | [1, number, WireMatch] | [2, number] | [3, number, string, number];

/** A recording sink and the operations it collected since the last {@link OccurrenceRecorder.take}. */
export interface OccurrenceRecorder {
  readonly sink: OccurrenceSink<number>;
  /** The operations recorded so far; the recorder starts a new batch. */
  take(): OccurrenceOp[];
  /** How many operations wait in the current batch. */
  readonly pending: number;
}

/**
 * A sink that records operations instead of aggregating them.
 * @param rules the rule list (its order is the index the operations carry)
 */
export function createRecorder(rules: readonly Rule[]): OccurrenceRecorder {
  const ruleIndex = new Map(rules.map((r, i) => [r, i]));
  let ops: OccurrenceOp[] = [];
  let next = 0;
  const wire = (m: LineMatch): WireMatch => ({
    rule: ruleIndex.get(m.rule)!,
    pattern: m.rule.compiled.indexOf(m.pattern),
    parsed: m.parsed,
    values: m.values,
    cause: m.cause,
    severity: m.severity,
    file: m.location.file,
    line: m.location.line,
    text: m.text,
    ...(m.textLength !== undefined ? { textLength: m.textLength } : {}),
    ...(m.cut ? { cut: m.cut } : {}),
  });
  const sink: OccurrenceSink<number> = {
    occur(primary, cause, severity) {
      const id = next++;
      ops.push([0, id, wire(primary), cause, severity]);
      return id;
    },
    add(id, m) {
      ops.push([1, id, wire(m)]);
    },
    changed(id) {
      ops.push([2, id]);
    },
    omitted(id, file, lines) {
      ops.push([3, id, file, lines]);
    },
  };
  return {
    sink,
    take() {
      const out = ops;
      ops = [];
      return out;
    },
    get pending() {
      return ops.length;
    },
  };
}

/**
 * Applies the operations of one input, batch after batch, to a sink (the finding store).
 * @param rules the same rule list the recorder had
 */
export function createApplier<H>(rules: readonly Rule[], sink: OccurrenceSink<H>): (ops: readonly OccurrenceOp[]) => void {
  const handles = new Map<number, H>();
  const match = (w: WireMatch): LineMatch => {
    const rule = rules[w.rule]!;
    return {
      rule,
      pattern: rule.compiled[w.pattern]!,
      parsed: w.parsed,
      values: w.values,
      cause: w.cause,
      severity: w.severity,
      location: { file: w.file, line: w.line },
      text: w.text,
      ...(w.textLength !== undefined ? { textLength: w.textLength } : {}),
      ...(w.cut ? { cut: w.cut } : {}),
    };
  };
  return (ops) => {
    for (const op of ops) {
      if (op[0] === 0) {
        handles.set(op[1], sink.occur(match(op[2]), op[3], op[4]));
      } else if (op[0] === 1) sink.add(handles.get(op[1])!, match(op[2]));
      else if (op[0] === 2) sink.changed(handles.get(op[1])!);
      else sink.omitted?.(handles.get(op[1])!, op[2], op[3]);
    }
  };
}
