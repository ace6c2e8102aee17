/**
 * The main command: read the inputs into the analyzer, inspect and word the findings, print them in the
 * chosen format, and return the exit code of the contract (0 nothing at or above `--fail-on`, 1 findings
 * at or above it, 2 a usage error, an unusable rule file, or an input or output that failed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createAnalyzer, type Analyzer, type AnalyzerEvent } from '../findings/analyzer.js';
import type { TimeWindow } from '../findings/window.js';
import { renderFinding } from '../findings/render.js';
import { CAUSES } from '../findings/causes/index.js';
import { colorLevel, formatSummary, type HumanOptions, type SummaryContext } from '../format/human.js';
import { htmlReport } from '../format/html.js';
import { CAUSES_SCHEMA, causeListing, RULES_SCHEMA, ruleListing } from '../format/listing.js';
import { NDJSON_SCHEMA, OUTPUT_SCHEMA } from '../format/output-schema.js';
import { PROBE_SCHEMA } from '../format/probe-schema.js';
import { safeJson } from '../format/sanitize.js';
import { describeReadError } from '../input/read.js';
import { hostPattern, HostPatternError, type HostPattern } from '../input/host-path.js';
import { expandInputs, type InputDuplicate, type InputProblem, type InputSource } from '../input/sources.js';
import { loadRuleSet, RuleLoadError } from '../rules/load.js';
import {
  CAUSE_IDS,
  OUTPUT_VERSION,
  severityRank,
  type FileStats,
  type Finding,
  type FindingData,
  type Rule,
  type Severity,
} from '../types.js';
import { inspectionStep, type Enrich } from './inspect-setup.js';
import { tieRules, type ConfigTie } from '../rules/tie.js';
import { createLivePrinter, type Clock } from './live.js';
import { createLiveGate, type LiveGate, type LiveMode } from './live-gate.js';
import { createProgress, NO_PROGRESS, type Progress } from './progress.js';
import { parseFilters, parseWindow, shows, windowWords } from './show-options.js';
import { errorLine, Output, writeChunks } from './output.js';
import type { AnalyzeOptions } from './program.js';
import type { RunParams } from './params.js';
import { inputList, inspectAll, writeReport } from './report-output.js';
import { scanInput, type ScanOptions } from './stream.js';
import { followPlan, readFollowed } from './follow-inputs.js';
import { defaultJobs, scanWithWorkers, workersAvailable, worthWorkers } from './jobs.js';
import { saveMemoryWhenLarge } from '../v8-flags.js';

/** The JSON Schemas `--schema` prints, by name: every machine format's. */
const SCHEMAS: Record<string, object> = {
  json: OUTPUT_SCHEMA,
  ndjson: NDJSON_SCHEMA,
  probe: PROBE_SCHEMA,
  causes: CAUSES_SCHEMA,
  rules: RULES_SCHEMA,
};

/** What every step of the command shares. */
interface Session {
  params: RunParams;
  opts: AnalyzeOptions;
  errOut: Output;
  fail: (msg: string) => number;
  /** `--host-from-path` (null: `--no-host-from-path`). */
  hosts: HostPattern | null;
  /** The loaded rules (for `--jobs` workers, which load the same). */
  rules?: readonly Rule[];
  /** `--since`/`--until` (for `--jobs` workers). */
  window?: TimeWindow | undefined;
  /** The files `--config` ties rules to (for `--jobs` workers). */
  tie?: ConfigTie;
  /** Every rule as loaded, the tied ones not yet made concrete (`loadRuleSet`): tied after `--config` is read. */
  ruleSet?: readonly Rule[];
}

/** An input: a file, stdin, or the journal (`--journal`). */
type Source = InputSource | { kind: 'journal'; path: 'journal' };

/** `--journal`: scan journalctl's output. @returns why it failed, if it did */
async function readJournal(s: Session, analyzer: Analyzer, reading: AbortSignal, out: Output): Promise<string | undefined> {
  const units = s.opts.journal === true || s.opts.journal === undefined ? [] : s.opts.journal;
  const { journalInput } = await import('../input/journal.js');
  const j = journalInput({ units, follow: s.opts.live === true, directory: s.opts.journalDir, env: s.params.env });
  const stop = (): void => j.stop();
  reading.addEventListener('abort', stop, { once: true });
  const error = await scanInput(analyzer, 'journal', j.stream, {
    maxLineLength: s.opts.maxLineLength,
    signal: reading,
    ready: () => out.drained(),
    // Followed (`-f`), the journal is live: what a chunk's lines found is told now (see Analyzer.settle).
    onChunk: () => {
      saveMemoryWhenLarge();
      if (s.opts.live === true) analyzer.settle();
    },
  });
  reading.removeEventListener('abort', stop);
  j.stop();
  return (await j.ended) ?? error;
}

/** `--list-causes` and `--list-rules`: a table, or with `--format json|ndjson` a document or one object a line. */
function listing(s: Session, rules: readonly Rule[]): number {
  const out = s.params.stdout;
  if (s.opts.format !== 'human') {
    const name = s.opts.listCauses ? 'causes' : 'rules';
    const items: unknown[] = s.opts.listCauses ? causeListing(CAUSES) : ruleListing(rules);
    if (s.opts.format === 'json') out.write(`${safeJson({ version: OUTPUT_VERSION, [name]: items }, 2)}\n`);
    else for (const i of items) out.write(`${safeJson(i)}\n`);
    return 0;
  }
  if (s.opts.listCauses) {
    for (const id of CAUSE_IDS) out.write(`${id.padEnd(28)} ${CAUSES[id].meaning}\n`);
    return 0;
  }
  for (const r of rules) {
    const tied = r.tiedTo ? ` (with --config: ${r.tiedTo.directive})` : '';
    out.write(`${r.id.padEnd(44)} ${r.severity.padEnd(8)} ${r.cause.padEnd(28)} ${r.servers.join(',')}${tied}\n`);
  }
  const samples = rules.reduce((n, r) => n + r.samples.match.length + r.samples.nomatch.length, 0);
  out.write(`${rules.length} rules, ${samples} samples\n`);
  return 0;
}

/** What the reading loop reports to: the progress line and the live decision. */
interface Watchers {
  progress: Progress;
  gate: LiveGate;
  /** The input may be live (`--live`, or a lone stdin the gate watches): once it is, each chunk's findings are settled (Analyzer.settle). */
  mayBeLive: boolean;
}

/** Everything reading the inputs needs, in one place (the command's session, where to, and who watches). */
interface Reading {
  s: Session;
  analyzer: Analyzer;
  sources: readonly Source[];
  /** The report's output: reading waits for it to drain. */
  out: Output;
  /** Aborted to stop reading (Ctrl-C, a reader gone). */
  signal: AbortSignal;
  w: Watchers;
}

/**
 * {@link readAll} with `--jobs` worker threads (files only): the same accounting, in input order.
 * @returns how many inputs failed, and how many were reached (started) before an interruption
 */
async function readWithWorkers(r: Reading, jobs: number): Promise<{ readErrors: number; reached: number }> {
  const { s, analyzer, sources, out, signal: reading, w } = r;
  let readErrors = 0;
  let reached = 0;
  const files = sources.map((src) => src.path);
  const worker = {
    rules: s.opts.rules,
    maxLineLength: s.opts.maxLineLength,
    ...(s.window ? { window: s.window } : {}),
    ...(s.tie ? { tie: s.tie } : {}),
  };
  await scanWithWorkers({
    analyzer,
    rules: s.rules!,
    files,
    hosts: files.map((f) => s.hosts?.hostOf(f, s.params.cwd) ?? null),
    jobs,
    worker,
    signal: reading,
    onActivity: () => w.gate.activity(),
    inputStarted: (i, file) => {
      reached = Math.max(reached, i + 1);
      w.progress.startInput(i, file);
    },
    inputDone: async (file, error, bytes) => {
      w.progress.read(bytes);
      await out.drained();
      if (!error) return;
      readErrors++;
      w.progress.interrupt(() => s.errOut.write(errorLine(`${file}: ${error}`)));
    },
  });
  return { readErrors, reached };
}

/**
 * Read every source into the analyzer; stops early when `r.signal` is aborted. Reading waits for the
 * output to drain before each chunk, so a slow reader of a streaming format slows the scan down instead
 * of letting the output queue grow. The sources {@link followPlan} puts last (`--live` with files) are
 * followed together after the others were read, until the signal stops them ({@link readFollowed}).
 * @returns how many inputs failed, how many sources were reached (the rest: not read, interrupted), and
 *   the followed inputs the stop cut
 */
async function readAll(r: Reading): Promise<{ readErrors: number; reached: number; stopped: string[] }> {
  const follow = followPlan(r.s.opts.live, r.sources).follow; // the sources are in its order already (runAnalyze)
  const batch = await readToEnd({ ...r, sources: r.sources.slice(0, r.sources.length - follow) });
  let followed = { readErrors: 0, stopped: [] as string[] };
  const following = follow > 0 && !r.signal.aborted;
  if (following) {
    followed = await readFollowed({
      analyzer: r.analyzer,
      inputs: r.sources.slice(r.sources.length - follow) as InputSource[],
      stdin: r.s.params.stdin,
      cwd: r.s.params.cwd,
      env: r.s.params.env,
      signal: r.signal,
      options: (src) => scanOptions(r, src),
      failed: (src, error) => r.s.errOut.write(errorLine(`${src.path}: ${error}`)),
    });
  }
  r.w.progress.stop();
  r.w.gate.stop();
  return {
    readErrors: batch.readErrors + followed.readErrors,
    reached: batch.reached + (following ? follow : 0),
    stopped: r.s.params.signal?.aborted ? followed.stopped : [], // a stop, not a reader gone
  };
}

/** How one input is scanned: its host, backpressure from the output, and what each chunk tells the watchers. */
function scanOptions(r: Reading, src: InputSource): ScanOptions {
  const { s, analyzer, out, w } = r;
  return {
    maxLineLength: s.opts.maxLineLength,
    signal: r.signal,
    ready: () => out.drained(),
    host: src.kind === 'file' ? (s.hosts?.hostOf(src.path, s.params.cwd) ?? null) : null,
    onChunk: () => {
      saveMemoryWhenLarge();
      w.gate.activity();
      if (w.mayBeLive && w.gate.live) analyzer.settle();
    },
    onRead: (n) => w.progress.read(n),
  };
}

/** {@link readAll} of the inputs read to their end, one after the other (or by `--jobs` workers). */
async function readToEnd(r: Reading): Promise<{ readErrors: number; reached: number }> {
  const { s, analyzer, sources, out, signal: reading, w } = r;
  let readErrors = 0;
  let reached = 0;
  const files = sources.length > 1 && sources.every((src) => src.kind === 'file') ? sources.map((src) => src.path) : [];
  const jobs = s.opts.jobs ?? (files.length > 0 && worthWorkers(files) ? defaultJobs() : 1);
  if (jobs > 1 && files.length > 0 && workersAvailable()) return readWithWorkers(r, jobs);
  for (const [i, src] of sources.entries()) {
    if (reading.aborted) break;
    reached++;
    if (src.kind === 'journal') {
      const error = await readJournal(s, analyzer, reading, out);
      if (error) readErrors++;
      if (error) s.errOut.write(errorLine(error));
      continue;
    }
    w.progress.startInput(i, src.path);
    const input = src.kind === 'stdin' ? s.params.stdin : src.path;
    const error = await scanInput(analyzer, src.path, input, scanOptions(r, src));
    await out.drained();
    if (error) {
      readErrors++;
      w.progress.interrupt(() => s.errOut.write(errorLine(`${src.path}: ${error}`)));
    }
  }
  return { readErrors, reached };
}

/** Exit code by the contract, after the report is written (never by how much of it a reader took): `--fail-on` applies to the findings shown. */
function exitCode(s: Session, findings: readonly FindingData[], out: Output, inputProblems: number): number {
  if (out.failure) {
    s.errOut.write(errorLine(`cannot write the output: ${describeReadError(out.failure)}`));
    return 2;
  }
  if (inputProblems > 0) return 2;
  const threshold = s.opts.failOn === 'never' ? Infinity : severityRank(s.opts.failOn as Severity);
  return findings.some((f) => severityRank(f.severity) >= threshold) ? 1 : 0;
}

/**
 * The clock live and NDJSON updates are spaced on: the log's for a batch scan, so the same input gives the
 * same stream whatever the timing; the wall's for a live input; and for a watched stdin the log's until
 * the gate finds it live (open and quiet), so a pipe that delivers to its end gives the file's stream.
 */
function clockFor(mode: LiveMode, gate: () => LiveGate): Clock | (() => Clock) {
  return mode === 'batch' ? 'log' : mode === 'live' ? 'wall' : () => (gate().live ? 'wall' : 'log');
}

/** `--live`, `--no-live`, or decided by the stream: a lone stdin is watched ({@link createLiveGate}). */
function liveMode(opts: AnalyzeOptions, sources: readonly Source[]): LiveMode {
  if (opts.live !== undefined) return opts.live ? 'live' : 'batch';
  return sources.length === 1 && sources[0]!.kind === 'stdin' ? 'auto' : 'batch';
}

/** The progress line, when stderr is a terminal, `--no-progress` is absent and nothing streams to the same terminal. */
async function progressFor(s: Session, sources: readonly Source[], mode: LiveMode): Promise<Progress> {
  const { params, opts } = s;
  const streamsToTerminal =
    (opts.format === 'ndjson' || ((opts.format === 'human' || opts.format === 'ecs') && mode !== 'batch')) && params.stdout.isTTY;
  if (!opts.progress || !params.stderr.isTTY || mode === 'live' || streamsToTerminal) return NO_PROGRESS;
  const size = (src: Source): number | null => {
    if (src.kind === 'stdin') return null;
    try {
      return fs.statSync(path.resolve(params.cwd, src.path)).size;
    } catch {
      return 0;
    }
  };
  const { SingleBar } = await import('cli-progress');
  return createProgress(
    SingleBar,
    params.stderr,
    sources.map((x) => x.path),
    sources.map(size),
  );
}

/**
 * When the terminal that was stdout is gone (a hangup: SIGHUP, writes failing with EIO), the summary
 * goes to stderr, which may still be open (`2>>stapling-doctor.err`). A reader that quit (EPIPE,
 * `| head -1`) is not a hangup: nothing more is said then. A write error arrives as an event, so one
 * turn of the event loop is awaited first.
 */
async function summaryIfOutputLost(out: Output, errOut: Output, signal: AbortSignal | undefined, summary: () => string): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  if (out.closed && (out.failure?.code === 'EIO' || signal?.reason === 'SIGHUP')) errOut.write(`${summary()}\n`);
}

/**
 * The inspection step (`--inspect`, `--config`, `--map-path`), and the rules as the configuration makes
 * them: rules tied to a directive (`src/rules/tie.ts`) apply to the files `--config` names in it.
 * @returns the step and the rules (also kept in the session for `--jobs` workers), or the exit code
 */
async function configured(s: Session, rules: readonly Rule[]): Promise<{ enrich: Enrich; rules: readonly Rule[] } | number> {
  const setup = await inspectionStep(s.opts, s.params.cwd, CAUSES, (msg) => s.errOut.write(errorLine(msg)));
  if ('error' in setup) return setup.error === null ? 2 : s.fail(setup.error);
  if (Object.keys(setup.tie).length === 0) return { enrich: setup.enrich, rules };
  s.rules = tieRules(s.ruleSet!, setup.tie);
  s.tie = setup.tie;
  return { enrich: setup.enrich, rules: s.rules };
}

/**
 * When reading stops, and the output. Reading stops on SIGINT/SIGTERM (`params.signal`) and, for live
 * input, when nobody reads the output any more. Files are read to the end even then: the exit code must
 * not depend on how much output a reader took before it went away (`| head -1`).
 * @returns the controller whose signal stops reading, and stdout as an {@link Output}
 */
function stopAndOutput(s: Session, sources: readonly Source[]): { reading: AbortController; out: Output } {
  const { params, opts } = s;
  const reading = new AbortController();
  const stop = (): void => {
    if (reading.signal.aborted) return;
    reading.abort();
    params.stdin.destroy?.();
  };
  const live = opts.live ?? (sources.length === 1 && sources[0]!.kind === 'stdin');
  const out = new Output(params.stdout, live ? stop : () => undefined);
  if (params.signal?.aborted) stop();
  params.signal?.addEventListener('abort', stop, { once: true });
  return { reading, out };
}

/** Scan, report, exit code: the part of the command that reads logs. */
async function analyzeSources(
  s: Session,
  rules: readonly Rule[],
  sources: readonly Source[],
  enrich: Enrich,
  problems: readonly InputProblem[],
  view: View,
  duplicates: readonly InputDuplicate[] = [],
): Promise<number> {
  const { params, opts } = s;
  const { reading, out } = stopAndOutput(s, sources);
  const mode = liveMode(opts, sources);
  const human: HumanOptions = {
    color: colorLevel(params.env, params.stdout),
    ...(params.stdout.isTTY && params.stdout.columns ? { width: params.stdout.columns } : {}),
    ...(opts.brief ? { brief: true } : {}),
  };
  const streaming = opts.format === 'ndjson' || ((opts.format === 'human' || opts.format === 'ecs') && mode !== 'batch');
  const format = opts.format === 'ndjson' || opts.format === 'ecs' ? opts.format : 'human';
  const present = (f: FindingData): Finding => renderFinding(enrich(f));
  const printer = streaming ? createLivePrinter({ format, human, out, present, clock: clockFor(mode, () => gate) }) : null;
  const progress = await progressFor(s, sources, mode);
  let analyzer: Analyzer | null = null;
  // No printer (--format json): nothing to print live, ever. NDJSON is a stream of events from the start (`printing`),
  // whether the input is live or not: the gate then decides only the clock and whether each chunk is settled.
  const printing = (): boolean => format === 'ndjson' || gate.live;
  const gate = createLiveGate(!printer ? 'batch' : mode, () => {
    progress.stop();
    analyzer!.settle();
    // NDJSON was printed from the start already: only the updates its log clock held back are due now.
    if (format === 'ndjson') return printer!.catchUp();
    for (const f of analyzer!.findings()) {
      if (view.shown(f)) printer!.onEvent({ type: 'new', id: f.id, count: f.count, last: f.last, finding: f });
    }
  });
  // Without filters an event's finding (a copy, made when first read) is left to the printer, which reads it only when it prints.
  const onEvent = (e: AnalyzerEvent): void => {
    if (printer && printing() && (view.all || view.shown(e.finding))) printer.onEvent(e);
  };
  s.window = view.window;
  analyzer = createAnalyzer(rules, { maxEvidence: opts.maxEvidence, window: view.window, ...(printer ? { onEvent } : {}) });

  const { readErrors, reached, stopped } = await readAll({
    s,
    analyzer,
    sources,
    out,
    signal: reading.signal,
    w: { progress, gate, mayBeLive: mode !== 'batch' },
  });
  const analyzed = analyzer.end();
  const interrupted = params.signal?.aborted === true;
  const all = inspectAll(analyzed.findings, enrich);
  const findings = view.all ? all : all.filter(view.shown);
  const inputs = inputList(markStopped(analyzed.inputs, stopped), problems, sources.slice(reached), interrupted, duplicates);
  const ctx = summaryContext(view, all.length - findings.length, interrupted, inputs);
  if (opts.format === 'html') {
    const rendered = findings.map((f) => renderFinding(f, analyzer.causes));
    const report = { version: OUTPUT_VERSION, findings: rendered, stats: analyzed.stats, inputs, interrupted } as const;
    await writeChunks(out, htmlReport(report, { hidden: ctx.hidden ?? 0 }));
  } else {
    const parts = {
      format: opts.format,
      findings,
      stats: analyzed.stats,
      inputs,
      interrupted,
      causes: analyzer.causes,
      human,
      ctx,
      cwd: params.cwd,
    };
    await writeReport({ ...parts, live: printing() ? printer : null }, out);
  }
  await out.drained();
  await summaryIfOutputLost(out, s.errOut, params.signal, () =>
    formatSummary(
      findings.map((f) => renderFinding(f, analyzer.causes)),
      analyzed.stats,
      { ...human, color: colorLevel(params.env, params.stderr) },
      ctx,
    ),
  );
  return exitCode(s, findings, out, problems.length + readErrors);
}

/**
 * Inputs followed together (`--live` with files) that the stop cut, each marked `interrupted` as the one
 * input a stop cuts in a run that reads one after the other is (`inputList` marks the last one itself).
 * One that gave no line is left as it is: nothing of it was cut.
 */
function markStopped(inputs: FileStats[], stopped: readonly string[]): FileStats[] {
  for (const i of inputs) if (stopped.includes(i.file) && !i.error && i.lines > 0) i.error = 'interrupted';
  return inputs;
}

/** What the summary line says besides the findings: how many the filters hid, the window, a stop, the inputs not read. */
function summaryContext(view: View, hidden: number, interrupted: boolean, inputs: readonly FileStats[]): SummaryContext {
  return {
    hidden,
    ...(view.words ? { window: view.words } : {}),
    ...(interrupted ? { interrupted: true } : {}),
    unread: inputs.filter((i) => i.status === 'error' && !i.duplicateOf).length,
  };
}

/** What the report covers: the time window analysed and the findings shown. */
interface View {
  window: TimeWindow;
  shown: (f: FindingData | Finding) => boolean;
  /** The window in words for the summary. */
  words: string | undefined;
  /** No filter is given: every finding is shown. */
  all: boolean;
}

/** `--since`/`--until` and the filters, or the usage error they make. */
function viewOf(opts: AnalyzeOptions): View | { error: string } {
  const window = parseWindow(opts);
  if ('error' in window) return window;
  const filters = parseFilters(opts);
  if ('error' in filters) return filters;
  const all = filters.servers.length + filters.causes.length + filters.hosts.length === 0 && filters.minSeverity === undefined;
  return { window, shown: shows(filters), words: windowWords(opts), all };
}

/**
 * Run the main command.
 * @param errOut stderr, for one-line reports of problems
 * @returns the exit code
 */
export async function runAnalyze(inputs: string[], opts: AnalyzeOptions, params: RunParams, errOut: Output): Promise<number> {
  const fail = (msg: string): number => {
    errOut.write(errorLine(msg));
    return 2;
  };
  let hosts: HostPattern | null;
  try {
    hosts = opts.hostFromPath === false ? null : hostPattern(opts.hostFromPath);
  } catch (err) {
    if (err instanceof HostPatternError) return fail(err.message);
    throw err;
  }
  const s: Session = { params, opts, errOut, fail, hosts };
  if (opts.schema) {
    const name = opts.schema === true ? 'json' : opts.schema;
    const schema = SCHEMAS[name];
    if (!schema) return fail(`--schema: no schema "${name}" (one of: ${Object.keys(SCHEMAS).join(', ')})`);
    params.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    return 0;
  }
  try {
    s.ruleSet = await loadRuleSet({ dirs: opts.rules });
  } catch (err) {
    if (err instanceof RuleLoadError) return fail(`invalid rule file: ${err.message}`);
    throw err;
  }
  // The listing names every rule, those tied to a configuration too (they apply only with --config).
  if (opts.listCauses || opts.listRules) return listing(s, s.ruleSet);
  const rules = tieRules(s.ruleSet);
  s.rules = rules;
  const view = viewOf(opts);
  if ('error' in view) return fail(view.error);
  if (opts.journal !== undefined) {
    if (inputs.length > 0) return fail(`--journal reads the journal: give no inputs (got ${inputs[0]})`);
    const setup = await configured(s, rules);
    if (typeof setup === 'number') return setup;
    return analyzeSources(s, setup.rules, [{ kind: 'journal', path: 'journal' }], setup.enrich, [], view);
  }
  if (inputs.length === 0) {
    if (params.stdin.isTTY) return fail('no input: give log files, directories or globs, or pipe a log into stdin (see --help)');
    inputs = ['-'];
  }
  const { sources, problems, duplicates } = await expandInputs(inputs, params.cwd);
  for (const p of problems) errOut.write(errorLine(p.message));
  for (const d of duplicates) errOut.write(errorLine(`${d.arg}: the same file as ${d.of}; read once, as ${d.of}`));
  // No input at all: a document format (JSON, NDJSON, the HTML page, SARIF) is still printed, every input with its error; exit 2.
  if (sources.length === 0 && opts.format !== 'json' && opts.format !== 'ndjson' && opts.format !== 'html' && opts.format !== 'sarif')
    return 2;
  const setup = await configured(s, rules);
  if (typeof setup === 'number') return setup;
  // `--live` with files: the followed files last (see followPlan); else the order given.
  return analyzeSources(s, setup.rules, followPlan(opts.live, sources).sources, setup.enrich, problems, view, duplicates);
}
