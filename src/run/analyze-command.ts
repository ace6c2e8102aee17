/**
 * The main command: read the inputs into the analyzer, inspect and word the findings, print them in the
 * chosen format, and return the exit code of the contract (0 nothing at or above `--fail-on`, 1 findings
 * at or above it, 2 a usage error, an unusable rule file, or an input or output that failed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createAnalyzer, type Analyzer, type AnalyzerEvent, type Report } from '../findings/analyzer.js';
import type { TimeWindow } from '../findings/window.js';
import { renderFinding } from '../findings/render.js';
import { sortFindings } from '../findings/store.js';
import { CAUSES } from '../findings/causes/index.js';
import { ecsDocument } from '../format/ecs.js';
import { colorLevel, formatReport, formatSummary, type HumanOptions, type SummaryContext } from '../format/human.js';
import { htmlReport } from '../format/html.js';
import { OUTPUT_SCHEMA } from '../format/output-schema.js';
import { safeJson } from '../format/sanitize.js';
import { describeReadError } from '../input/read.js';
import { hostPattern, HostPatternError, type HostPattern } from '../input/host-path.js';
import { expandInputs, type InputSource } from '../input/sources.js';
import { loadRules, RuleLoadError } from '../rules/load.js';
import { CAUSE_IDS, OUTPUT_VERSION, severityRank, type Finding, type FindingData, type Rule, type Severity } from '../types.js';
import { inspectionStep, type Enrich } from './inspect-setup.js';
import { createLivePrinter, type LivePrinter } from './live.js';
import { createLiveGate, type LiveGate, type LiveMode } from './live-gate.js';
import { createProgress, NO_PROGRESS, type Progress } from './progress.js';
import { parseFilters, parseWindow, shows, windowWords } from './show-options.js';
import { errorLine, Output, writeChunks } from './output.js';
import type { AnalyzeOptions } from './program.js';
import type { RunParams } from './run.js';
import { scanInput } from './stream.js';
import { defaultJobs, scanWithWorkers, workersAvailable } from './jobs.js';

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
}

/** An input: a file, stdin, or the journal (`--journal`). */
type Source = InputSource | { kind: 'journal'; path: 'journal' };

/** `--journal`: scan journalctl's output. @returns why it failed, if it did */
async function readJournal(s: Session, analyzer: Analyzer, reading: AbortSignal): Promise<string | undefined> {
  const units = s.opts.journal === true || s.opts.journal === undefined ? [] : s.opts.journal;
  const { journalInput } = await import('../input/journal.js');
  const j = journalInput({ units, follow: s.opts.live === true, directory: s.opts.journalDir, env: s.params.env });
  const stop = (): void => j.stop();
  reading.addEventListener('abort', stop, { once: true });
  const error = await scanInput(analyzer, 'journal', j.stream, { maxLineLength: s.opts.maxLineLength, signal: reading });
  reading.removeEventListener('abort', stop);
  j.stop();
  return (await j.ended) ?? error;
}

/** `--list-causes` and `--list-rules`. */
function listing(s: Session, rules: readonly Rule[]): number {
  const out = s.params.stdout;
  if (s.opts.listCauses) {
    for (const id of CAUSE_IDS) out.write(`${id.padEnd(28)} ${CAUSES[id].meaning}\n`);
    return 0;
  }
  for (const r of rules) out.write(`${r.id.padEnd(44)} ${r.severity.padEnd(8)} ${r.cause.padEnd(28)} ${r.servers.join(',')}\n`);
  const samples = rules.reduce((n, r) => n + r.samples.match.length + r.samples.nomatch.length, 0);
  out.write(`${rules.length} rules, ${samples} samples\n`);
  return 0;
}

/** What the reading loop reports to: the progress line and the live decision. */
interface Watchers {
  progress: Progress;
  gate: LiveGate;
}

/** {@link readAll} with `--jobs` worker threads (files only): the same accounting, in input order. @returns how many inputs failed */
async function readWithWorkers(
  s: Session,
  analyzer: Analyzer,
  sources: readonly Source[],
  out: Output,
  reading: AbortSignal,
  w: Watchers,
  jobs: number,
): Promise<number> {
  let readErrors = 0;
  const files = sources.map((src) => src.path);
  const worker = { rules: s.opts.rules, maxLineLength: s.opts.maxLineLength, ...(s.window ? { window: s.window } : {}) };
  await scanWithWorkers({
    analyzer,
    rules: s.rules!,
    files,
    hosts: files.map((f) => s.hosts?.hostOf(f, s.params.cwd) ?? null),
    jobs,
    worker,
    signal: reading,
    onActivity: () => w.gate.activity(),
    inputStarted: (i, file) => w.progress.startInput(i, file),
    inputDone: async (file, error, bytes) => {
      w.progress.read(bytes);
      await out.drained();
      if (!error) return;
      readErrors++;
      w.progress.interrupt(() => s.errOut.write(errorLine(`${file}: ${error}`)));
    },
  });
  return readErrors;
}

/** Read every source into the analyzer; stops early when `reading` is aborted. @returns how many inputs failed */
async function readAll(
  s: Session,
  analyzer: Analyzer,
  sources: readonly Source[],
  out: Output,
  reading: AbortSignal,
  w: Watchers,
): Promise<number> {
  let readErrors = 0;
  const jobs = s.opts.jobs ?? defaultJobs();
  if (jobs > 1 && sources.length > 1 && sources.every((src) => src.kind === 'file') && workersAvailable()) {
    readErrors = await readWithWorkers(s, analyzer, sources, out, reading, w, jobs);
    w.progress.stop();
    w.gate.stop();
    return readErrors;
  }
  for (const [i, src] of sources.entries()) {
    if (reading.aborted) break;
    if (src.kind === 'journal') {
      const error = await readJournal(s, analyzer, reading);
      if (error) readErrors++;
      if (error) s.errOut.write(errorLine(error));
      continue;
    }
    w.progress.startInput(i, src.path);
    const input = src.kind === 'stdin' ? s.params.stdin : src.path;
    const host = src.kind === 'file' ? (s.hosts?.hostOf(src.path, s.params.cwd) ?? null) : null;
    const error = await scanInput(analyzer, src.path, input, {
      maxLineLength: s.opts.maxLineLength,
      signal: reading,
      host,
      onChunk: () => w.gate.activity(),
      onRead: (n) => w.progress.read(n),
    });
    await out.drained();
    if (error) {
      readErrors++;
      w.progress.interrupt(() => s.errOut.write(errorLine(`${src.path}: ${error}`)));
    }
  }
  w.progress.stop();
  w.gate.stop();
  return readErrors;
}

/** The final report: findings inspected and worded, re-sorted when that changed a cause or a severity. */
function finish(analyzed: Report<FindingData>, enrich: Enrich, causes: Analyzer['causes']): Report {
  const worded = analyzed.findings.map((f) => renderFinding(enrich(f), causes));
  const changed = worded.some((f, i) => f.cause !== analyzed.findings[i]!.cause || f.severity !== analyzed.findings[i]!.severity);
  return { ...analyzed, findings: changed ? sortFindings(worded) : worded };
}

/** Print the report in the chosen format. */
function writeReport(s: Session, report: Report, out: Output, live: LivePrinter | null, human: HumanOptions, ctx: SummaryContext): void {
  switch (s.opts.format) {
    case 'json':
      out.write(`${safeJson(report, 2)}\n`);
      break;
    case 'ndjson':
      live?.flush(report.findings);
      out.write(`${safeJson({ event: 'end', version: OUTPUT_VERSION, stats: report.stats, inputs: report.inputs })}\n`);
      break;
    case 'ecs':
      if (live) live.flush(report.findings);
      else for (const f of report.findings) out.write(`${safeJson(ecsDocument(f))}\n`);
      break;
    case 'human':
      if (live) {
        live.flush(report.findings);
        out.write(`${formatSummary(report.findings, report.stats, human, ctx)}\n`);
      } else {
        out.write(formatReport(report, human, ctx));
      }
      break;
  }
}

/** Exit code by the contract, after the report is written: `--fail-on` applies to the findings shown. */
function exitCode(s: Session, report: Report, out: Output, inputProblems: number): number {
  if (out.failure) {
    s.errOut.write(errorLine(`cannot write the output: ${describeReadError(out.failure)}`));
    return 2;
  }
  if (inputProblems > 0) return 2;
  const threshold = s.opts.failOn === 'never' ? Infinity : severityRank(s.opts.failOn as Severity);
  return report.findings.some((f: Finding) => severityRank(f.severity) >= threshold) ? 1 : 0;
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

/** Scan, report, exit code: the part of the command that reads logs. */
async function analyzeSources(
  s: Session,
  rules: readonly Rule[],
  sources: readonly Source[],
  enrich: Enrich,
  problems: number,
  view: View,
): Promise<number> {
  const { params, opts } = s;
  // Reading stops on SIGINT/SIGTERM (params.signal) and when nobody reads the output any more.
  const reading = new AbortController();
  const stop = (): void => {
    if (reading.signal.aborted) return;
    reading.abort();
    params.stdin.destroy?.();
  };
  const out = new Output(params.stdout, stop);
  if (params.signal?.aborted) stop();
  params.signal?.addEventListener('abort', stop, { once: true });

  const mode = liveMode(opts, sources);
  const human: HumanOptions = {
    color: colorLevel(params.env, params.stdout),
    ...(params.stdout.isTTY && params.stdout.columns ? { width: params.stdout.columns } : {}),
    ...(opts.brief ? { brief: true } : {}),
  };
  const streaming = opts.format === 'ndjson' || ((opts.format === 'human' || opts.format === 'ecs') && mode !== 'batch');
  const format = opts.format === 'ndjson' || opts.format === 'ecs' ? opts.format : 'human';
  const printer = streaming ? createLivePrinter({ format, human, out, present: (f) => renderFinding(enrich(f)) }) : null;
  const progress = await progressFor(s, sources, mode);
  let analyzer: Analyzer | null = null;
  // No printer (--format json): nothing to print live, ever. NDJSON is a stream of events from the start.
  const gate = createLiveGate(!printer ? 'batch' : format === 'ndjson' ? 'live' : mode, () => {
    progress.stop();
    for (const f of analyzer!.findings()) if (view.shown(f)) printer!.onEvent({ type: 'new', finding: f });
  });
  const onEvent = (e: AnalyzerEvent): void => {
    if (gate.live && view.shown(e.finding)) printer!.onEvent(e);
  };
  s.window = view.window;
  analyzer = createAnalyzer(rules, { maxEvidence: opts.maxEvidence, window: view.window, ...(printer ? { onEvent } : {}) });

  const readErrors = await readAll(s, analyzer, sources, out, reading.signal, { progress, gate });
  const all = finish(analyzer.end(), enrich, analyzer.causes);
  const report = { ...all, findings: all.findings.filter(view.shown) };
  const ctx: SummaryContext = { hidden: all.findings.length - report.findings.length, ...(view.words ? { window: view.words } : {}) };
  if (opts.format === 'html') await writeChunks(out, htmlReport(report));
  else writeReport(s, report, out, gate.live ? printer : null, human, ctx);
  await out.drained();
  await summaryIfOutputLost(out, s.errOut, params.signal, () =>
    formatSummary(report.findings, report.stats, { ...human, color: colorLevel(params.env, params.stderr) }, ctx),
  );
  return exitCode(s, report, out, problems + readErrors);
}

/** What the report covers: the time window analysed and the findings shown. */
interface View {
  window: TimeWindow;
  shown: (f: FindingData | Finding) => boolean;
  /** The window in words for the summary. */
  words: string | undefined;
}

/** `--since`/`--until` and the filters, or the usage error they make. */
function viewOf(opts: AnalyzeOptions): View | { error: string } {
  const window = parseWindow(opts);
  if ('error' in window) return window;
  const filters = parseFilters(opts);
  if ('error' in filters) return filters;
  return { window, shown: shows(filters), words: windowWords(opts) };
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
    params.stdout.write(`${JSON.stringify(OUTPUT_SCHEMA, null, 2)}\n`);
    return 0;
  }
  let rules: Rule[];
  try {
    rules = await loadRules({ dirs: opts.rules });
  } catch (err) {
    if (err instanceof RuleLoadError) return fail(`invalid rule file: ${err.message}`);
    throw err;
  }
  if (opts.listCauses || opts.listRules) return listing(s, rules);
  s.rules = rules;
  const view = viewOf(opts);
  if ('error' in view) return fail(view.error);
  if (opts.journal !== undefined) {
    if (inputs.length > 0) return fail(`--journal reads the journal: give no inputs (got ${inputs[0]})`);
    const enrich = await inspectionStep(opts, params.cwd, CAUSES, (msg) => errOut.write(errorLine(msg)));
    if ('error' in enrich) return enrich.error === null ? 2 : fail(enrich.error);
    return analyzeSources(s, rules, [{ kind: 'journal', path: 'journal' }], enrich, 0, view);
  }
  if (inputs.length === 0) {
    if (params.stdin.isTTY) return fail('no input: give log files, directories or globs, or pipe a log into stdin (see --help)');
    inputs = ['-'];
  }
  const { sources, problems } = await expandInputs(inputs, params.cwd);
  for (const p of problems) errOut.write(errorLine(p.message));
  if (sources.length === 0) return 2;
  const enrich = await inspectionStep(opts, params.cwd, CAUSES, (msg) => errOut.write(errorLine(msg)));
  if ('error' in enrich) return enrich.error === null ? 2 : fail(enrich.error);
  return analyzeSources(s, rules, sources, enrich, problems.length, view);
}
