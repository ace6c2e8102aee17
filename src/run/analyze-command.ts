/**
 * The main command: read the inputs into the analyzer, inspect and word the findings, print them in the
 * chosen format, and return the exit code of the contract (0 nothing at or above `--fail-on`, 1 findings
 * at or above it, 2 a usage error, an unusable rule file, or an input or output that failed).
 */
import { createAnalyzer, type Analyzer, type Report } from '../findings/analyzer.js';
import { renderFinding } from '../findings/render.js';
import { sortFindings } from '../findings/store.js';
import { CAUSES } from '../findings/causes/index.js';
import { colorLevel, formatReport, formatSummary, type HumanOptions } from '../format/human.js';
import { htmlReport } from '../format/html.js';
import { OUTPUT_SCHEMA } from '../format/output-schema.js';
import { safeJson } from '../format/sanitize.js';
import { describeReadError } from '../input/read.js';
import { expandInputs, type InputSource as Source } from '../input/sources.js';
import { loadRules, RuleLoadError } from '../rules/load.js';
import { CAUSE_IDS, OUTPUT_VERSION, severityRank, type Finding, type FindingData, type Rule, type Severity } from '../types.js';
import { inspectionStep, type Enrich } from './inspect-setup.js';
import { createLivePrinter, type LivePrinter } from './live.js';
import { errorLine, Output, writeChunks } from './output.js';
import type { AnalyzeOptions } from './program.js';
import type { RunParams } from './run.js';
import { scanInput } from './stream.js';
import { defaultJobs, scanWithWorkers } from './jobs.js';

/** What every step of the command shares. */
interface Session {
  params: RunParams;
  opts: AnalyzeOptions;
  errOut: Output;
  fail: (msg: string) => number;
  /** The loaded rules (for `--jobs` workers, which load the same). */
  rules?: readonly Rule[];
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

/** Read every source into the analyzer; stops early when `reading` is aborted. @returns how many inputs failed */
async function readAll(s: Session, analyzer: Analyzer, sources: readonly Source[], out: Output, reading: AbortSignal): Promise<number> {
  let readErrors = 0;
  const inputDone = async (name: string, error: string | undefined): Promise<void> => {
    await out.drained();
    if (error) {
      readErrors++;
      s.errOut.write(errorLine(`${name}: ${error}`));
    }
  };
  const jobs = s.opts.jobs ?? defaultJobs();
  if (jobs > 1 && sources.length > 1 && sources.every((src) => src.kind === 'file')) {
    const files = sources.map((src) => src.path);
    const worker = { rules: s.opts.rules, maxLineLength: s.opts.maxLineLength };
    await scanWithWorkers({ analyzer, rules: s.rules!, files, jobs, worker, signal: reading, inputDone });
    return readErrors;
  }
  for (const src of sources) {
    if (reading.aborted) break;
    const input = src.kind === 'stdin' ? s.params.stdin : src.path;
    const error = await scanInput(analyzer, src.path, input, { maxLineLength: s.opts.maxLineLength, signal: reading });
    await inputDone(src.path, error);
  }
  return readErrors;
}

/** The final report: findings inspected and worded, re-sorted when an inspection changed a cause. */
function finish(analyzed: Report<FindingData>, enrich: Enrich, causes: Analyzer['causes']): Report {
  const inspected = analyzed.findings.map(enrich);
  const changed = inspected.some((f, i) => f.cause !== analyzed.findings[i]!.cause);
  return { ...analyzed, findings: (changed ? sortFindings(inspected) : inspected).map((f) => renderFinding(f, causes)) };
}

/** Print the report in the chosen format. */
function writeReport(s: Session, report: Report, out: Output, live: LivePrinter | null, human: HumanOptions): void {
  switch (s.opts.format) {
    case 'json':
      out.write(`${safeJson(report, 2)}\n`);
      break;
    case 'ndjson':
      live?.flush(report.findings);
      out.write(`${safeJson({ event: 'end', version: OUTPUT_VERSION, stats: report.stats, inputs: report.inputs })}\n`);
      break;
    case 'human':
      if (live) {
        live.flush(report.findings);
        out.write(`${formatSummary(report.findings, report.stats, human)}\n`);
      } else {
        out.write(formatReport(report, human));
      }
      break;
  }
}

/** Exit code by the contract, after the report is written. */
function exitCode(s: Session, report: Report, out: Output, inputProblems: number): number {
  if (out.failure) {
    s.errOut.write(errorLine(`cannot write the output: ${describeReadError(out.failure)}`));
    return 2;
  }
  if (inputProblems > 0) return 2;
  const threshold = s.opts.failOn === 'never' ? Infinity : severityRank(s.opts.failOn as Severity);
  return report.findings.some((f: Finding) => severityRank(f.severity) >= threshold) ? 1 : 0;
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

  const live = opts.live ?? (sources.length === 1 && sources[0]!.kind === 'stdin');
  const human: HumanOptions = { color: colorLevel(params.env, params.stdout) };
  const streaming = opts.format === 'ndjson' || (opts.format === 'human' && live);
  const format = opts.format === 'ndjson' ? 'ndjson' : 'human';
  const printer = streaming ? createLivePrinter({ format, human, out, present: (f) => renderFinding(enrich(f)) }) : null;
  const analyzer = createAnalyzer(rules, { maxEvidence: opts.maxEvidence, ...(printer ? { onEvent: printer.onEvent } : {}) });

  const readErrors = await readAll(s, analyzer, sources, out, reading.signal);
  const report = finish(analyzer.end(), enrich, analyzer.causes);
  if (opts.format === 'html') await writeChunks(out, htmlReport(report));
  else writeReport(s, report, out, printer, human);
  await out.drained();
  await summaryIfOutputLost(out, s.errOut, params.signal, () =>
    formatSummary(report.findings, report.stats, { ...human, color: colorLevel(params.env, params.stderr) }),
  );
  return exitCode(s, report, out, problems + readErrors);
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
  const s: Session = { params, opts, errOut, fail };
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
  if (inputs.length === 0) {
    if (params.stdin.isTTY) return fail('no input: give log files, directories or globs, or pipe a log into stdin (see --help)');
    inputs = ['-'];
  }
  const { sources, problems } = await expandInputs(inputs, params.cwd);
  for (const p of problems) errOut.write(errorLine(p.message));
  if (sources.length === 0) return 2;
  const enrich = await inspectionStep(opts, params.cwd, CAUSES, (msg) => errOut.write(errorLine(msg)));
  if ('error' in enrich) return enrich.error === null ? 2 : fail(enrich.error);
  return analyzeSources(s, rules, sources, enrich, problems.length);
}
