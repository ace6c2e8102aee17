/**
 * The main command: read the inputs into the analyzer, inspect and word the findings, print them in the
 * chosen format, and return the exit code of the contract (0 nothing at or above `--fail-on`, 1 findings
 * at or above it, 2 a usage error, an unusable rule file, or an input or output that failed).
 */
import { createAnalyzer, type Analyzer } from '../findings/analyzer.js';
import { renderFinding } from '../findings/render.js';
import { CAUSES } from '../findings/causes/index.js';
import { colorLevel, type HumanOptions } from '../format/human.js';
import { CAUSES_SCHEMA, causeListing, RULES_SCHEMA, ruleListing } from '../format/listing.js';
import { NDJSON_SCHEMA, OUTPUT_SCHEMA } from '../format/output-schema.js';
import { PROBE_SCHEMA } from '../format/probe-schema.js';
import { safeJson } from '../format/sanitize.js';
import { describeReadError } from '../input/read.js';
import { expandInputs, type InputProblem, type InputSource as Source } from '../input/sources.js';
import { loadRules, RuleLoadError } from '../rules/load.js';
import { CAUSE_IDS, OUTPUT_VERSION, severityRank, type Finding, type FindingData, type Rule, type Severity } from '../types.js';
import { inspectionStep, type Enrich } from './inspect-setup.js';
import { createLivePrinter } from './live.js';
import { errorLine, Output } from './output.js';
import type { AnalyzeOptions } from './program.js';
import type { RunParams } from './run.js';
import { inputList, inspectAll, writeReport } from './report-output.js';
import { scanInput } from './stream.js';

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
  for (const r of rules) out.write(`${r.id.padEnd(44)} ${r.severity.padEnd(8)} ${r.cause.padEnd(28)} ${r.servers.join(',')}\n`);
  const samples = rules.reduce((n, r) => n + r.samples.match.length + r.samples.nomatch.length, 0);
  out.write(`${rules.length} rules, ${samples} samples\n`);
  return 0;
}

/**
 * Read every source into the analyzer; stops early when `reading` is aborted. Reading waits for the
 * output to drain before each chunk, so a slow reader of a streaming format slows the scan down instead
 * of letting the output queue grow.
 * @returns how many inputs failed, and how many sources were reached (the rest: not read, interrupted)
 */
async function readAll(
  s: Session,
  analyzer: Analyzer,
  sources: readonly Source[],
  out: Output,
  reading: AbortSignal,
): Promise<{ readErrors: number; reached: number }> {
  let readErrors = 0;
  let reached = 0;
  for (const src of sources) {
    if (reading.aborted) break;
    reached++;
    const input = src.kind === 'stdin' ? s.params.stdin : src.path;
    const error = await scanInput(analyzer, src.path, input, {
      maxLineLength: s.opts.maxLineLength,
      signal: reading,
      ready: () => out.drained(),
    });
    await out.drained();
    if (error) {
      readErrors++;
      s.errOut.write(errorLine(`${src.path}: ${error}`));
    }
  }
  return { readErrors, reached };
}

/** Exit code by the contract, after the report is written (never by how much of it a reader took). */
function exitCode(s: Session, findings: readonly FindingData[], out: Output, inputProblems: number): number {
  if (out.failure) {
    s.errOut.write(errorLine(`cannot write the output: ${describeReadError(out.failure)}`));
    return 2;
  }
  if (inputProblems > 0) return 2;
  const threshold = s.opts.failOn === 'never' ? Infinity : severityRank(s.opts.failOn as Severity);
  return findings.some((f) => severityRank(f.severity) >= threshold) ? 1 : 0;
}

/** Scan, report, exit code: the part of the command that reads logs. */
async function analyzeSources(
  s: Session,
  rules: readonly Rule[],
  sources: readonly Source[],
  enrich: Enrich,
  problems: readonly InputProblem[],
): Promise<number> {
  const { params, opts } = s;
  // Reading stops on SIGINT/SIGTERM (params.signal), and, for live input, when nobody reads the output
  // any more. Files are read to the end even then: the exit code must not depend on how much output a
  // reader took before it went away (`| head -1`).
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

  const human: HumanOptions = { color: colorLevel(params.env, params.stdout) };
  const streaming = opts.format === 'ndjson' || (opts.format === 'human' && live);
  const format = opts.format === 'ndjson' ? 'ndjson' : 'human';
  const present = (f: FindingData): Finding => renderFinding(enrich(f));
  const printer = streaming ? createLivePrinter({ format, human, out, present, clock: live ? 'wall' : 'log' }) : null;
  const analyzer = createAnalyzer(rules, { maxEvidence: opts.maxEvidence, ...(printer ? { onEvent: printer.onEvent } : {}) });

  const { readErrors, reached } = await readAll(s, analyzer, sources, out, reading.signal);
  const analyzed = analyzer.end();
  const interrupted = params.signal?.aborted === true;
  const findings = inspectAll(analyzed.findings, enrich);
  const inputs = inputList(analyzed.inputs, problems, sources.slice(reached), interrupted);
  const parts = {
    format: opts.format,
    findings,
    stats: analyzed.stats,
    inputs,
    interrupted,
    causes: analyzer.causes,
    human,
    live: printer,
  };
  await writeReport(parts, out);
  return exitCode(s, findings, out, problems.length + readErrors);
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
    const name = opts.schema === true ? 'json' : opts.schema;
    const schema = SCHEMAS[name];
    if (!schema) return fail(`--schema: no schema "${name}" (one of: ${Object.keys(SCHEMAS).join(', ')})`);
    params.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
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
  if (inputs.length === 0) {
    if (params.stdin.isTTY) return fail('no input: give log files, directories or globs, or pipe a log into stdin (see --help)');
    inputs = ['-'];
  }
  const { sources, problems } = await expandInputs(inputs, params.cwd);
  for (const p of problems) errOut.write(errorLine(p.message));
  // No input at all: a machine format still prints its document (every input with its error), exit 2.
  if (sources.length === 0 && opts.format === 'human') return 2;
  const enrich = await inspectionStep(opts, params.cwd, CAUSES, (msg) => errOut.write(errorLine(msg)));
  if ('error' in enrich) return enrich.error === null ? 2 : fail(enrich.error);
  return analyzeSources(s, rules, sources, enrich, problems);
}
