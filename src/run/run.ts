/**
 * The command line, as a function: `run({argv, stdin, stdout, stderr, env, cwd, signal})` → exit code.
 * It never calls `process.exit()` and touches no global state, so tests can run it in-process; the
 * `bin` (`src/cli.ts`) only wires it to the real process.
 *
 * Exit codes: 0 no finding at or above `--fail-on` (default `warning`); 1 findings at or above it;
 * 2 usage error, unusable rule file, or an input that could not be read (after the report).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { createAnalyzer, sortFindings, type AnalyzerEvent, type Report } from '../findings/analyzer.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../lines/scan.js';
import { expandInputs } from '../input/sources.js';
import { describeReadError } from '../input/read.js';
import { MAX_LINE_LENGTH_LIMIT } from '../input/limits.js';
import { MAX_TIMEOUT_MS } from '../probe/limits.js';
import { loadRules, RuleLoadError } from '../rules/load.js';
import { scanInput } from './stream.js';
import { colorLevel, formatFinding, formatReport, formatSummary, type HumanOptions } from '../format/human.js';
import { safeJson, terminalSafe } from '../format/sanitize.js';
import { CAUSES, certificateLabel } from '../findings/causes.js';
import { CAUSE_IDS, OUTPUT_VERSION, SEVERITIES, severityRank, type Finding, type Severity } from '../types.js';
import { VERSION } from '../version.js';
import { OUTPUT_SCHEMA } from '../format/output-schema.js';
// --inspect and probe (with its ASN.1 libraries) are imported when used: most runs need neither,
// and loading them costs start-up time on every run.

/** Output formats of `--format`. */
export type FormatName = 'human' | 'json' | 'ndjson';
const FORMATS = Object.keys({ human: 1, json: 1, ndjson: 1 } satisfies Record<FormatName, 1>) as FormatName[];
const FAIL_ON = [...SEVERITIES, 'never'] as const;

/** A writable the CLI prints to (process.stdout, or a test's collector). */
export interface OutStream {
  write(chunk: string): boolean;
  once?(event: 'drain', cb: () => void): unknown;
  on?(event: 'error', cb: (err: NodeJS.ErrnoException) => void): unknown;
  isTTY?: boolean;
  getColorDepth?: () => number;
}

/** Everything the CLI touches, injected. */
export interface RunParams {
  /** Arguments after `node stapling-doctor` (i.e. `process.argv.slice(2)`). */
  argv: string[];
  stdin: AsyncIterable<Buffer | string> & { isTTY?: boolean; destroy?: () => void };
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM/SIGHUP (the reason: the signal's name): stop reading, print the summary, exit by the contract. */
  signal?: AbortSignal;
}

interface CliOptions {
  format: FormatName;
  failOn: (typeof FAIL_ON)[number];
  rules: string[];
  live?: boolean;
  maxLineLength: number;
  maxEvidence: number;
  listRules?: boolean;
  listCauses?: boolean;
  schema?: boolean;
  inspect?: boolean;
  config: string[];
  mapPath: string[];
}

/** Options of the `probe` subcommand. */
interface ProbeCliOptions {
  servername?: string;
  format: 'human' | 'json';
  timeout: number;
  caFile?: string;
}

/** A parser for a positive integer option, at most `max` (`why`: what the bound is, for the message). */
function positiveInt(name: string, max = Number.MAX_SAFE_INTEGER, why = '') {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0)
      throw new CommanderError(2, 'stapling-doctor.invalidArgument', `${name} must be a positive integer, got "${v}"`);
    if (n > max) throw new CommanderError(2, 'stapling-doctor.invalidArgument', `${name} must be at most ${max}${why}, got "${v}"`);
    return n;
  };
}

/**
 * Write with backpressure. EPIPE (the reader went away, e.g. `| head -1`) stops all output quietly;
 * any other write error (ENOSPC on `> /dev/full`, EIO) stops output too and is kept in {@link failure}
 * for a one-line report — never an uncaught exception.
 */
class Output {
  closed = false;
  /** The write error that is not a closed reader, if one happened. */
  failure: NodeJS.ErrnoException | null = null;
  private waiting: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  constructor(
    private readonly s: OutStream,
    onClosed: () => void,
  ) {
    s.on?.('error', (err) => {
      if (this.closed) return;
      this.closed = true;
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') this.failure = err;
      this.wake?.();
      onClosed();
    });
  }
  write(text: string): void {
    if (this.closed || text === '') return;
    let ok: boolean;
    try {
      ok = this.s.write(text);
    } catch (err) {
      // A synchronous stream (stdout redirected to a file) throws instead of emitting 'error'.
      this.closed = true;
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'EPIPE') this.failure = e;
      this.wake?.();
      return;
    }
    if (!ok && this.s.once && !this.waiting) {
      this.waiting = new Promise((resolve) => {
        this.wake = () => {
          this.waiting = null;
          this.wake = null;
          resolve();
        };
        this.s.once!('drain', this.wake);
      });
    }
  }
  /** Resolves when written data has drained, or at once when output has ended (EPIPE, error). */
  async drained(): Promise<void> {
    if (this.waiting && !this.closed) await this.waiting;
  }
}

/** {@link terminalSafe} line by line, keeping the line ends. */
function safeLines(text: string): string {
  return text.split('\n').map(terminalSafe).join('\n');
}

function findingLabel(f: Finding): string {
  const s = f.subject;
  if (s.certificate || s.certSubject || s.vhost) return certificateLabel(s);
  return s.responder ?? s.host ?? s.url ?? '';
}

/**
 * Run the CLI.
 * @returns the exit code (0, 1 or 2)
 */
export async function run(params: RunParams): Promise<number> {
  const { stdout, stderr, env } = params;
  const errOut = new Output(stderr, () => undefined);
  const fail = (msg: string): number => {
    errOut.write(`stapling-doctor: ${terminalSafe(msg)}\n`);
    return 2;
  };

  const program = new Command('stapling-doctor')
    .description('Find OCSP-stapling failures in Apache httpd and nginx error logs and say what to change.')
    .version(VERSION, '-V, --version')
    .argument('[inputs...]', 'log files, directories (their error logs, recursively), globs, or - for stdin (default: stdin when piped)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('human'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe').choices(FAIL_ON).default('warning'))
    .option(
      '--rules <dir>',
      'also load the rule files (*.yaml, *.json) in this directory (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--live', 'print each finding as soon as its line arrives (default when reading stdin)')
    .option('--no-live', 'read everything, then print the report')
    .option(
      '--max-line-length <bytes>',
      'skip (and count) lines longer than this',
      positiveInt('--max-line-length', MAX_LINE_LENGTH_LIMIT, ' (the longest string V8 can hold)'),
      DEFAULT_MAX_LINE_LENGTH,
    )
    .option('--max-evidence <lines>', 'evidence lines kept per finding', positiveInt('--max-evidence'), 10)
    .option('--list-rules', 'list the loaded rules and exit')
    .option('--list-causes', 'list the cause ids with their meaning and exit')
    .option('--schema', 'print the JSON Schema of the --format json output and exit')
    .option(
      '--inspect',
      'read the certificate files the findings name (and, with --config, their trusted bundles) and confirm or refute each diagnosis; never writes, never uses the network',
    )
    .option(
      '--config <file>',
      'nginx or Apache configuration to find certificates, chain and trusted files in (repeatable; implies --inspect)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--map-path <from=to>',
      'read files named under FROM from TO instead, e.g. a log copied from another machine (repeatable; implies --inspect)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void stdout.write(s),
      writeErr: (s) => void stderr.write(s),
      // Commander quotes arguments back (`argument '…' is invalid`): they may come from a glob over hostile names.
      outputError: (s, write) => write(safeLines(s.startsWith('error:') ? `stapling-doctor: ${s}` : s)),
    })
    .showHelpAfterError('(run with --help for usage)')
    // Program options go before `probe`, so that `probe --format json` is the subcommand's own option.
    .enablePositionalOptions()
    .helpCommand(false)
    .action(() => undefined); // the main command: without an action, commander takes log files for unknown subcommands

  let probeCall: { target: string; opts: ProbeCliOptions } | null = null;
  program
    .command('probe')
    .description(
      'Make a live TLS handshake with HOST[:PORT] (default port 443) asking for a stapled OCSP response, and check it: response status, certificate status, validity times, responder and signature. Exit 0: a good staple; 1: no staple or a bad one; 2: no connection or usage error.',
    )
    .argument('<target>', 'HOST[:PORT], [IPv6]:PORT')
    .option('--servername <name>', 'TLS SNI name (default: HOST when it is a name, none for an IP address)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['human', 'json']).default('human'))
    .option(
      '--timeout <ms>',
      'per-handshake timeout in milliseconds',
      positiveInt('--timeout', MAX_TIMEOUT_MS, " (Node's longest timer)"),
      10_000,
    )
    .option('--ca-file <file>', "PEM CA certificates to report whether the served chain is trusted (default: Node's CA store)")
    .action((target: string, o: ProbeCliOptions) => {
      probeCall = { target, opts: o };
    });

  let inputs: string[];
  let opts: CliOptions;
  try {
    program.parse(params.argv, { from: 'user' });
    inputs = program.processedArgs[0] as string[];
    opts = program.opts<CliOptions>();
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      if (err.code === 'stapling-doctor.invalidArgument') return fail(err.message);
      return 2;
    }
    throw err;
  }

  if (probeCall) return runProbe(probeCall, params, fail);

  if (opts.schema) {
    stdout.write(`${JSON.stringify(OUTPUT_SCHEMA, null, 2)}\n`);
    return 0;
  }

  let rules;
  try {
    rules = await loadRules({ dirs: opts.rules });
  } catch (err) {
    if (err instanceof RuleLoadError) return fail(`invalid rule file: ${err.message}`);
    throw err;
  }

  if (opts.listCauses) {
    for (const id of CAUSE_IDS) stdout.write(`${id.padEnd(28)} ${CAUSES[id].meaning}\n`);
    return 0;
  }
  if (opts.listRules) {
    for (const r of rules) stdout.write(`${r.id.padEnd(44)} ${r.severity.padEnd(8)} ${r.cause.padEnd(28)} ${r.servers.join(',')}\n`);
    stdout.write(`${rules.length} rules, ${rules.reduce((n, r) => n + r.samples.match.length + r.samples.nomatch.length, 0)} samples\n`);
    return 0;
  }

  if (inputs.length === 0) {
    if (params.stdin.isTTY) return fail('no input: give log files, directories or globs, or pipe a log into stdin (see --help)');
    inputs = ['-'];
  }

  const { sources, problems } = await expandInputs(inputs, params.cwd);
  for (const p of problems) errOut.write(`stapling-doctor: ${terminalSafe(p.message)}\n`);
  if (sources.length === 0) return 2;

  // --inspect: an I/O step over the findings, outside the pure analyzer.
  let enrich = (f: Finding): Finding => f;
  if (opts.inspect || opts.config.length > 0 || opts.mapPath.length > 0) {
    const [{ fsConfigReader, readServerConfig }, { createInspector }, { createPathMap }] = await Promise.all([
      import('../inspect/config.js'),
      import('../inspect/inspect.js'),
      import('../inspect/paths.js'),
    ]);
    let paths;
    try {
      paths = createPathMap(opts.mapPath, params.cwd);
    } catch (e) {
      return fail((e as Error).message);
    }
    const reader = fsConfigReader(fs, paths);
    const configs = opts.config.map((c) => readServerConfig(path.resolve(params.cwd, c), reader));
    for (const c of configs) for (const p of c.problems) errOut.write(`stapling-doctor: --config: ${terminalSafe(p)}\n`);
    const inspector = createInspector({ configs, paths });
    enrich = (f) => inspector.inspect(f);
  }

  const live = opts.live ?? (sources.length === 1 && sources[0]!.kind === 'stdin');
  const human: HumanOptions = { color: colorLevel(env, stdout) };
  const threshold = opts.failOn === 'never' ? Infinity : severityRank(opts.failOn as Severity);

  // Reading stops on SIGINT/SIGTERM (params.signal) and when nobody reads the output any more.
  const reading = new AbortController();
  const stop = (): void => {
    if (reading.signal.aborted) return;
    reading.abort();
    params.stdin.destroy?.();
  };
  const out = new Output(stdout, stop);
  if (params.signal?.aborted) stop();
  params.signal?.addEventListener('abort', stop, { once: true });

  // Live printing: new findings at once, changes at most once a second per finding.
  const lastPrinted = new Map<string, { at: number; fingerprint: string }>();
  const pendingUpdate = new Map<string, { finding: Finding; timer: NodeJS.Timeout }>();
  const printEvent = (kind: 'new' | 'update', raw: Finding, enriched?: Finding): void => {
    const f = enriched ?? enrich(raw);
    lastPrinted.set(f.id, { at: Date.now(), fingerprint: safeJson(f) });
    if (opts.format === 'ndjson') {
      out.write(`${safeJson({ event: kind, ...f })}\n`);
    } else if (kind === 'new') {
      out.write(`${formatFinding(f, human)}\n\n`);
    } else {
      out.write(
        `  ↻ ${terminalSafe(f.cause)} ${terminalSafe(findingLabel(f))}: now ×${f.count}${f.last ? `, last ${f.last.replace('T', ' ')}` : ''}\n`,
      );
    }
  };
  /** At the end: print what was never printed, or changed since it was. */
  const printChanged = (findings: Finding[]): void => {
    for (const f of findings) {
      const prev = lastPrinted.get(f.id);
      if (!prev) printEvent('new', f, f);
      else if (prev.fingerprint !== safeJson(f)) printEvent('update', f, f);
    }
  };
  const streaming = opts.format === 'ndjson' || (opts.format === 'human' && live);
  const onEvent = streaming
    ? (e: AnalyzerEvent): void => {
        const f = e.finding;
        const prev = lastPrinted.get(f.id);
        if (e.type === 'new' || !prev) return printEvent('new', f);
        const wait = prev.at + 1000 - Date.now();
        if (wait <= 0 && !pendingUpdate.has(f.id)) return printEvent('update', f);
        const p = pendingUpdate.get(f.id);
        if (p) {
          p.finding = f;
          return;
        }
        const timer = setTimeout(
          () => {
            const q = pendingUpdate.get(f.id);
            pendingUpdate.delete(f.id);
            if (q) printEvent('update', q.finding);
          },
          Math.max(0, wait),
        );
        pendingUpdate.set(f.id, { finding: f, timer });
      }
    : undefined;

  const analyzer = createAnalyzer(rules, { maxEvidence: opts.maxEvidence, ...(onEvent ? { onEvent } : {}) });

  let readErrors = 0;
  for (const src of sources) {
    if (reading.signal.aborted) break;
    const error = await scanInput(analyzer, src.path, src.kind === 'stdin' ? params.stdin : src.path, {
      maxLineLength: opts.maxLineLength,
      signal: reading.signal,
    });
    await out.drained();
    if (error) {
      readErrors++;
      errOut.write(`stapling-doctor: ${terminalSafe(src.path)}: ${terminalSafe(error)}\n`);
    }
  }
  const analyzed: Report = analyzer.end();
  const inspected = analyzed.findings.map(enrich);
  const report: Report = {
    ...analyzed,
    findings: inspected.some((f, i) => f.cause !== analyzed.findings[i]!.cause) ? sortFindings(inspected) : inspected,
  };
  for (const p of pendingUpdate.values()) clearTimeout(p.timer);

  switch (opts.format) {
    case 'json':
      out.write(`${safeJson(report, 2)}\n`);
      break;
    case 'ndjson':
      printChanged(report.findings);
      out.write(`${safeJson({ event: 'end', version: OUTPUT_VERSION, stats: report.stats, inputs: report.inputs })}\n`);
      break;
    case 'human':
      if (live) {
        printChanged(report.findings);
        out.write(`${formatSummary(report.findings, report.stats, human)}\n`);
      } else {
        out.write(formatReport(report, human));
      }
      break;
  }
  await out.drained();
  await summaryIfOutputLost(out, errOut, params.signal, () =>
    formatSummary(report.findings, report.stats, { ...human, color: colorLevel(env, stderr) }),
  );

  if (out.failure) {
    errOut.write(`stapling-doctor: cannot write the output: ${terminalSafe(describeReadError(out.failure))}\n`);
    return 2;
  }
  if (problems.length > 0 || readErrors > 0) return 2;
  return report.findings.some((f) => severityRank(f.severity) >= threshold) ? 1 : 0;
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
 * `stapling-doctor probe`: connect, print the result, and return 0 for a good staple, 1 for none or a
 * bad one, 2 when no handshake completed (or usage).
 */
async function runProbe(
  call: { target: string; opts: ProbeCliOptions },
  params: RunParams,
  fail: (msg: string) => number,
): Promise<number> {
  const { opts } = call;
  const [{ parseTarget, probe, ProbeError }, { formatProbe }] = await Promise.all([
    import('../probe/probe.js'),
    import('../format/probe.js'),
  ]);
  let target: { host: string; port: number };
  try {
    target = parseTarget(call.target);
  } catch (e) {
    return fail(`probe: ${(e as Error).message}`);
  }
  try {
    const r = await probe({
      ...target,
      ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
      timeoutMs: opts.timeout,
      ...(opts.caFile ? { caFile: path.resolve(params.cwd, opts.caFile) } : {}),
    });
    params.stdout.write(opts.format === 'json' ? `${safeJson(r, 2)}\n` : formatProbe(r, { color: colorLevel(params.env, params.stdout) }));
    return r.verdict === 'good' ? 0 : 1;
  } catch (e) {
    if (!(e instanceof ProbeError)) throw e;
    if (opts.format === 'json') {
      params.stdout.write(
        `${safeJson({ version: OUTPUT_VERSION, target: { host: target.host, port: target.port, servername: opts.servername ?? null, address: null }, error: e.message, errorCode: e.code ?? null }, 2)}\n`,
      );
    }
    return fail(`probe ${call.target}: ${e.message}`);
  }
}
