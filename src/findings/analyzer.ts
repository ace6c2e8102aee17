/**
 * The pure analysis core: lines in, findings out. No I/O, no timers, no colours, no prose.
 *
 * Per input, each line goes to the matcher (`rules/`), each match to the correlator (`correlate/`), which
 * groups the lines of one failure into one occurrence; the finding store (`store.ts`) aggregates
 * occurrences into findings, as data: a message id and values. Wording comes later, once, from
 * `render.ts` (after `--inspect`, before the formatter).
 *
 * Events: `new` when a finding first appears, `update` when a later line changes it. The live CLI
 * prints them as they come; batch use reads {@link Analyzer.end}.
 */
import { createMatcher, type Matcher } from '../rules/match.js';
import { MessageJoiner, type MessageResult } from '../rules/join.js';
import { isRecordLine } from '../parse/record.js';
import type { LineSink } from '../lines/scan.js';
import { splitLines } from '../lines/split.js';
import { frameLines } from '../lines/record-frames.js';
import { createCorrelator, type CorrelatorOptions, type OccurrenceSink } from '../correlate/correlator.js';
import { createApplier, type OccurrenceOp } from './replay.js';
import { createFindingStore, type FindingState, type FindingStore } from './store.js';
import { renderFinding } from './render.js';
import { causeRegistry, type CauseRegistry } from './registry.js';
import { windowFilter, type TimeWindow } from './window.js';
import type { CauseModule } from './causes/index.js';
import { OUTPUT_VERSION, type FileStats, type Finding, type FindingData, type LineMatch, type Rule, type Stats } from '../types.js';

/** Options of {@link createAnalyzer}. */
export interface AnalyzerOptions extends CorrelatorOptions {
  /** Reference time for syslog timestamps without a year (default: now). */
  now?: Date;
  /** Evidence lines kept per finding (default 10: the first 9 and the latest). */
  maxEvidence?: number;
  /** Evidence lines kept in all findings (default 10 000); past it each finding keeps fewer, down to its first and latest. */
  maxEvidenceLines?: number;
  /** Episodes kept in all findings' timelines (default 20 000); past it each timeline keeps fewer, with a wider gap. */
  maxEpisodes?: number;
  /** Findings listed one by one in all (default 10 000); later identities join their cause's summary finding. */
  maxFindings?: number;
  /** Findings listed one by one per cause and server (default 1 000); later identities join a summary finding. */
  maxFindingsPerCause?: number;
  /** Cause modules beyond the built-in ones (their ids may then appear in rules loaded with them). */
  extraCauses?: readonly CauseModule[];
  /** Called synchronously for every finding event. */
  onEvent?: (event: AnalyzerEvent) => void;
  /** Only lines whose time lies in this window are analysed (`--since`/`--until`; see `window.ts`). */
  window?: TimeWindow;
}

/**
 * A finding appeared (`new`) or changed (`update`: count, evidence or values). `id`, `count` and `last`
 * are there at no cost; `finding` (a copy of the whole finding) is made when first read, so that a
 * listener that prints only some events does not pay for a copy per line.
 */
export interface AnalyzerEvent {
  type: 'new' | 'update';
  id: string;
  count: number;
  /** Time of the finding's latest line on the log's clock (ISO-8601), if the lines carry times. */
  last: string | null;
  readonly finding: FindingData;
}

/**
 * The result of an analysis: the JSON output document (`--format json`). The core's report holds
 * findings as data ({@link FindingData}); after rendering, worded findings ({@link Finding}).
 */
export interface Report<F extends FindingData | Finding = Finding> {
  version: typeof OUTPUT_VERSION;
  findings: F[];
  stats: Stats;
  /** Per-input accounting, in the order the inputs were read. */
  inputs: FileStats[];
  /** The run was stopped (SIGINT/SIGTERM) before every input was read: the CLI sets it, always. */
  interrupted?: boolean;
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
  /** The cause modules findings are worded with. */
  readonly causes: CauseRegistry;
  /**
   * Start an input.
   * @param options.host the machine whose log the input is (e.g. from its path in a central tree:
   *   `--host-from-path`), for lines that do not name one themselves
   * @param options.deferUntilNextLine the caller delivers the line after each line whose `line()` returned 1
   *   (a `LineScanner` does) and calls {@link settle} when findings must be current (a live input): a
   *   message of one line is then decided with the line after it, which spares deciding whether it goes on
   *   when the next line starts a message of its own (issue 15). Default false: each line's findings are
   *   there when `line()` returns.
   */
  input(name: string, options?: { host?: string | null; deferUntilNextLine?: boolean }): InputHandle;
  /** Current findings, most severe first. */
  findings(): FindingData[];
  /** Current totals. */
  stats(): Stats;
  /** Flush and return the report (findings as data). */
  end(): Report<FindingData>;
  /**
   * Decide what is held for a later line: each open input's last message, whose going on the joiner
   * decides only when the next line could continue it (`MessageJoiner.settleDeferred`), and what the
   * correlator holds (a lone follower that a paste in reverse would join, see `createCorrelator`). The
   * CLI calls it after each chunk of a live input and omprog after each message, so that every finding is
   * told when its line arrives, not when the next line does.
   */
  settle(): void;
  /**
   * Start an input analysed elsewhere (a `--jobs` worker, see `replay.ts`), in the place of the inputs
   * where {@link input} would have started it: apply its recorded operations batch by batch, then its
   * final accounting.
   */
  replay(name: string): { apply(ops: readonly OccurrenceOp[]): void; end(stats: FileStats): void };
}

function emptyStats(): Stats {
  return { files: 0, lines: 0, parsed: 0, unparsed: 0, skipped: 0, undecoded: 0, matched: 0 };
}

function totals(inputs: readonly FileStats[]): Stats {
  const t = emptyStats();
  for (const s of inputs) {
    t.files++;
    t.lines += s.lines;
    t.parsed += s.parsed;
    t.unparsed += s.unparsed;
    t.skipped += s.skipped;
    t.undecoded += s.undecoded;
    t.matched += s.matched;
  }
  return t;
}

/** Per-input accounting: `lines = parsed + unparsed + skipped + undecoded` at every step. */
function inputAccounting(name: string) {
  const stats: FileStats = { file: name, ...emptyStats(), files: 1 };
  let lines = 0;
  const sync = (n: number): void => {
    if (n > lines) lines = n;
    stats.lines = lines;
    stats.parsed = lines - stats.unparsed - stats.skipped - stats.undecoded;
  };
  const skip = (lineNo: number): void => {
    stats.skipped++;
    const list = (stats.skippedLines ??= []);
    if (list.length < 100) list.push(lineNo);
    sync(lineNo);
  };
  const undecoded = (lineNo: number): void => {
    stats.undecoded++;
    const list = (stats.undecodedLines ??= []);
    if (list.length < 100) list.push(lineNo);
  };
  return { stats, sync, skip, undecoded, lines: () => lines };
}

/**
 * The handle of one input: physical lines become messages through the continuation-line joiner (a
 * wrapped paste joins several; see src/rules/join.ts), a JSON log record is matched alone, and the
 * matches inside the time window go to the correlator with the input's host.
 */
function inputHandle(
  name: string,
  acc: ReturnType<typeof inputAccounting>,
  deps: {
    matcher: Matcher;
    correlator: { push(m: LineMatch): void; endInput(name: string): void };
    window: TimeWindow | null;
    host: string | null;
    /** Inputs still open, each with how it settles its last message ({@link Analyzer.settle}). */
    open: Set<() => void>;
    /** See {@link Analyzer.input}'s option. */
    deferUntilNextLine: boolean;
  },
): InputHandle {
  const { matcher, correlator, host } = deps;
  const inWindow = deps.window ? windowFilter(deps.window) : null;
  const joiner = new MessageJoiner(matcher, name, { onlyMatches: true, deferUntilNextLine: deps.deferUntilNextLine });
  const settle = (): void => take(joiner.settleDeferred());
  deps.open.add(settle);
  const take = (results: readonly MessageResult[]): void => {
    for (const { parsed, match } of results) {
      if (parsed && parsed.format === null) acc.stats.unparsed++;
      if (!match || (inWindow !== null && !inWindow(match.parsed.time))) continue;
      if (host !== null && match.parsed.host === undefined) match.parsed.host = host;
      correlator.push(match);
    }
  };
  return {
    name,
    stats: acc.stats,
    line(text, lineNo, keys, before, next) {
      // A JSON log record is one whole message: decoded and matched alone, never joined; an API's
      // response on one line holds many records, each matched alone.
      if (isRecordLine(text)) {
        take(joiner.flush(lineNo));
        const results = matcher.matchRecords(text, { file: name, line: lineNo }, keys);
        if (results[0]!.record === 'undecoded') acc.undecoded(lineNo);
        acc.sync(lineNo);
        take(results);
        return 0;
      }
      const r = joiner.line(text, lineNo, keys, before, next);
      acc.sync(lineNo);
      take(r.results);
      return r.want;
    },
    skip(lineNo) {
      take(joiner.flush(lineNo));
      acc.skip(lineNo);
    },
    setLineCount: acc.sync,
    end(error) {
      deps.open.delete(settle);
      take(joiner.flush());
      acc.sync(acc.lines());
      if (error) acc.stats.error = error;
      correlator.endInput(name);
    },
  };
}

/**
 * The sink that aggregates occurrences into the finding store and tells `onEvent` what changed: the
 * event carries id, count and last; the finding itself is copied only when the listener reads it.
 */
function storeSinkOf(store: FindingStore, onEvent: AnalyzerOptions['onEvent']): OccurrenceSink<FindingState> {
  return {
    occur: (m, cause, severity) => store.occur(m, cause, severity),
    add: (f, m) => store.addEvidence(f, m),
    changed: (f) => {
      if (!onEvent) return;
      let copy: FindingData | undefined;
      const type = f.announced ? 'update' : 'new';
      f.announced = true;
      onEvent({
        type,
        id: f.id,
        count: f.count,
        last: f.last,
        get finding() {
          return (copy ??= store.snapshot(f));
        },
      });
    },
    omitted: (f, _file, lines) => store.omit(f, lines),
  };
}

/**
 * Create an analyzer for a rule set.
 * @param rules compiled rules from `loadRules`
 * @param record a `--jobs` worker's recording sink (`replay.ts`): occurrences go there, not into findings
 */
export function createAnalyzer(rules: readonly Rule[], options: AnalyzerOptions = {}, record?: OccurrenceSink<number>): Analyzer {
  const matcher = createMatcher(rules, options.now ? { now: options.now } : {});
  const causes = causeRegistry(options.extraCauses);
  const store = createFindingStore({ causes, ...options });
  const onEvent = options.onEvent;
  const inputs: FileStats[] = [];
  const statsByName = new Map<string, FileStats>();
  const open = new Set<() => void>();

  const storeSink = storeSinkOf(store, onEvent);
  // A --jobs worker records what the store would be told (replay.ts) instead of aggregating.
  const inner = (record ?? storeSink) as OccurrenceSink<unknown>;
  const correlator = createCorrelator<unknown>(
    {
      occur: (m, cause, severity) => inner.occur(m, cause, severity),
      add: (o, m) => {
        statsByName.get(m.location.file)!.matched++;
        inner.add(o, m);
      },
      changed: (o) => inner.changed(o),
      omitted: (o, file, lines) => {
        statsByName.get(file)!.matched += lines;
        inner.omitted?.(o, file, lines);
      },
    },
    options,
  );

  const input = (name: string, opts: { host?: string | null; deferUntilNextLine?: boolean } = {}): InputHandle => {
    const acc = inputAccounting(name);
    inputs.push(acc.stats);
    statsByName.set(name, acc.stats);
    const deferUntilNextLine = opts.deferUntilNextLine === true;
    return inputHandle(name, acc, {
      matcher,
      correlator,
      window: options.window ?? null,
      host: opts.host ?? null,
      open,
      deferUntilNextLine,
    });
  };

  return {
    matcher,
    causes,
    input,
    findings: () => store.all(),
    stats: () => totals(inputs),
    settle: () => {
      for (const settleInput of open) settleInput();
      correlator.settle();
    },
    replay(name) {
      const stats: FileStats = { file: name, ...emptyStats(), files: 1 };
      inputs.push(stats);
      statsByName.set(name, stats);
      return { apply: createApplier(rules, storeSink), end: (final) => Object.assign(stats, final) };
    },
    end() {
      correlator.end();
      return { version: OUTPUT_VERSION, findings: store.all(), stats: totals(inputs), inputs: inputs.map((s) => ({ ...s })) };
    },
  };
}

/** Word every finding of a core report (see `render.ts`). */
export function renderReport(report: Report<FindingData>, causes?: CauseRegistry): Report {
  return { ...report, findings: report.findings.map((f) => renderFinding(f, causes)) };
}

/**
 * Analyse lines already in memory: the simple line-by-line path of the API. The findings are data (a
 * message id and values); {@link renderReport} words them.
 * @param lines the lines (or one text, split on LF, CRLF and lone CR); `journalctl -o export` and
 *   `-o json-pretty` text is read one record a line, as `analyzeStream` reads it
 * @param rules compiled rules from `loadRules`
 * @param name input name used in evidence (default `-`)
 * @param host the machine the lines come from, for lines that do not name one (default: unknown)
 */
export function analyze(
  lines: readonly string[] | string,
  rules: readonly Rule[],
  options: AnalyzerOptions & { name?: string; host?: string | null } = {},
): Report<FindingData> {
  // journalctl -o export / json-pretty: one record a line, as the streamed path reads them (record-frames.ts).
  const list = frameLines(typeof lines === 'string' ? splitLines(lines) : lines);
  const a = createAnalyzer(rules, options);
  const h = a.input(options.name ?? '-', { host: options.host ?? null });
  list.forEach((l, i) => h.line(l, i + 1));
  h.setLineCount(list.length);
  h.end();
  return a.end();
}
