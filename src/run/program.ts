/**
 * The command line's grammar (commander): the main command (analyse logs), `probe` and `explain`.
 * {@link parseArgs} turns argv into an {@link Invocation}: which command, with which inputs and options,
 * or the exit code when commander already answered (help, version, a usage error it printed).
 */
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_MAX_LINE_LENGTH } from '../lines/scan.js';
import { DEFAULT_HOST_PATTERN } from '../input/host-path.js';
import { MAX_LINE_LENGTH_LIMIT } from '../input/limits.js';
import { MAX_TIMEOUT_MS } from '../probe/limits.js';
import { SEVERITIES } from '../types.js';
import { VERSION } from '../version.js';
import { safeLines, type OutStream } from './output.js';

/** Output formats of the main command's `--format` (`ecs`: NDJSON in Elastic Common Schema; `sarif`: SARIF 2.1.0). */
export type FormatName = 'human' | 'json' | 'ndjson' | 'html' | 'ecs' | 'sarif';
export const FORMATS = Object.keys({ human: 1, json: 1, ndjson: 1, html: 1, ecs: 1, sarif: 1 } satisfies Record<
  FormatName,
  1
>) as FormatName[];
export const FAIL_ON = [...SEVERITIES, 'never'] as const;

/** Options of the main command (see `--help`). */
export interface AnalyzeOptions {
  format: FormatName;
  failOn: (typeof FAIL_ON)[number];
  rules: string[];
  live?: boolean;
  maxLineLength: number;
  maxEvidence: number;
  /** `--jobs`: worker threads for several files (default: the core count; 1 = none). */
  jobs?: number;
  listRules?: boolean;
  listCauses?: boolean;
  /** `--schema [format]`: true (json) or the format named. */
  schema?: boolean | string;
  inspect?: boolean;
  config: string[];
  mapPath: string[];
  /** Only the overview and the summary (human format). */
  brief?: boolean;
  /** Bounds of the line times analysed (see `show-options.ts`). */
  since?: string;
  until?: string;
  /** What is shown (repeatable, comma-separated). */
  server: string[];
  cause: string[];
  host: string[];
  minSeverity?: (typeof SEVERITIES)[number];
  /** The progress line on a terminal (`--no-progress`: false). */
  progress: boolean;
  /** `--host-from-path`: the glob with `{host}`; false with `--no-host-from-path`. */
  hostFromPath: string | false;
  /** `--journal [UNIT...]`: true (all units) or the units. */
  journal?: true | string[];
  /** `--journal-dir`: the journal directory journalctl reads. */
  journalDir?: string;
}

/** Options of `probe`. */
export interface ProbeOptions {
  servername?: string;
  format: 'human' | 'json';
  /** Per-handshake timeout, ms. */
  timeout: number;
  caFile?: string;
}

/** Options of `check`. */
export interface CheckOptions {
  config: string[];
  mapPath: string[];
  format: 'human' | 'json' | 'sarif';
  failOn: (typeof FAIL_ON)[number];
  /** Handshake every configured endpoint (the only network use of `check`). */
  probe?: boolean;
  /** Connect to these addresses instead of the configured/loopback ones (`--probe`). */
  address: string[];
  /** Per-handshake timeout of `--probe`, ms. */
  timeout: number;
  /** Report certificates that expire within this many days. */
  expiryDays: number;
  schema?: boolean;
}

/** Options of `explain`. */
export interface ExplainOptions {
  format: 'human' | 'json';
  rules: string[];
  /** Read the lines from this file (`-`: stdin) instead of the arguments. */
  file?: string;
}

/** Options of `omprog` (see `src/run/omprog.ts`). */
export interface OmprogCommandOptions {
  output: string;
  format: 'ndjson' | 'ecs';
  state?: string;
  rules: string[];
  maxEvidence: number;
}

/** Options of `rules export`. */
export interface ExportCommandOptions {
  to: 'sigma' | 'elasticsearch' | 'loki';
  rules: string[];
  server?: 'nginx' | 'apache';
  selector: string[];
  range: string;
  date?: string;
  notes?: boolean;
}

/** What the command line asks for. */
export type Invocation =
  | { command: 'analyze'; inputs: string[]; opts: AnalyzeOptions }
  | { command: 'omprog'; opts: OmprogCommandOptions }
  | { command: 'mmexternal'; opts: { rules: string[] } }
  | { command: 'export'; opts: ExportCommandOptions }
  | { command: 'probe'; target: string; opts: ProbeOptions }
  | { command: 'explain'; lines: string[]; opts: ExplainOptions }
  | { command: 'check'; opts: CheckOptions }
  | { command: 'exit'; code: number; message?: string };

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

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function mainCommand(out: OutStream, err: OutStream): Command {
  return (
    new Command('stapling-doctor')
      .description('Find OCSP-stapling failures in Apache httpd and nginx error logs and say what to change.')
      .version(VERSION, '-V, --version')
      .argument('[inputs...]', 'log files, directories (their error logs, recursively), globs, or - for stdin (default: stdin when piped)')
      .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('human'))
      .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe').choices(FAIL_ON).default('warning'))
      .option('--rules <dir>', 'also load the rule files (*.yaml, *.json) in this directory (repeatable)', collect, [] as string[])
      .option(
        '--live',
        'print each finding as soon as its line arrives (default: when stdin is a live stream, e.g. tail -f); a current log file is followed as tail -F follows it (rotation too) until Ctrl-C, after its rotated and compressed copies (.1, .gz) were read',
      )
      .option('--no-live', 'read everything, then print the report (default for files, and for a pipe that delivers to its end)')
      .option('--brief', 'print only the overview (one row per cause) and the summary')
      .option(
        '--since <time>',
        'analyse only lines at or after this time: ISO-8601 on the log’s clock (2026-11-21T12:00) or ago (30m, 2h, 3d)',
      )
      .option('--until <time>', 'analyse only lines at or before this time (same forms; a whole second: to its end)')
      .option('--server <server>', 'show only findings of this server: apache, nginx (repeatable)', collect, [] as string[])
      .option('--cause <cause>', 'show only findings of this cause id (repeatable; see --list-causes)', collect, [] as string[])
      .option('--host <host>', 'show only findings from this host (any case; logs that name it; repeatable)', collect, [] as string[])
      .addOption(new Option('--min-severity <severity>', 'show only findings at least this severe').choices(SEVERITIES))
      .option('--no-progress', 'no progress line on stderr (it is shown only when stderr is a terminal)')
      .option(
        '--max-line-length <bytes>',
        'skip (and count) lines longer than this',
        positiveInt('--max-line-length', MAX_LINE_LENGTH_LIMIT, ' (the longest string V8 can hold)'),
        DEFAULT_MAX_LINE_LENGTH,
      )
      .option('--max-evidence <lines>', 'evidence lines kept per finding', positiveInt('--max-evidence'), 10)
      .option(
        '--jobs <n>',
        'scan this many files at once, one worker thread each (default: the number of cores when the files hold 64 MiB or more, else 1)',
        positiveInt('--jobs'),
      )
      .option(
        '--host-from-path <glob>',
        'take the host of lines that do not name one from the input path; {host} marks it (a central tree: /var/log/remote/{host}/*.log)',
        DEFAULT_HOST_PATTERN,
      )
      .option('--no-host-from-path', 'never take the host from the input path')
      .option('--journal [units...]', 'read the systemd journal (journalctl -o json, -f with --live) of these units (default: all)')
      .option('--journal-dir <dir>', 'with --journal: read this journal directory (journalctl --directory), e.g. /var/log/journal/remote')
      .option('--list-rules', 'list the loaded rules and exit (as JSON with --format json)')
      .option('--list-causes', 'list the cause ids with their meaning and exit (as JSON with --format json)')
      .option(
        '--schema [format]',
        'print the JSON Schema of a machine format and exit: json (default), ndjson (one line), probe, causes, rules',
      )
      .option(
        '--inspect',
        'read the certificate files the findings name (and, with --config, their trusted bundles) and confirm or refute each diagnosis; never writes, never uses the network',
      )
      .option(
        '--config <file>',
        'nginx or Apache configuration to find certificates, chain and trusted files in (repeatable; implies --inspect)',
        collect,
        [] as string[],
      )
      .option(
        '--map-path <from=to>',
        'read files named under FROM from TO instead, e.g. a log copied from another machine (repeatable; implies --inspect)',
        collect,
        [] as string[],
      )
      .exitOverride()
      .configureOutput({
        writeOut: (s) => void out.write(s),
        writeErr: (s) => void err.write(s),
        // Commander quotes arguments back (`argument '…' is invalid`): they may come from a glob over hostile names.
        outputError: (s, write) => write(safeLines(s.startsWith('error:') ? `stapling-doctor: ${s}` : s)),
      })
      .showHelpAfterError('(run with --help for usage)')
      // Program options go before a subcommand, so that `probe --format json` is the subcommand's own option.
      .enablePositionalOptions()
      .helpCommand(false)
      .action(() => undefined)
  ); // the main command: without an action, commander takes log files for unknown subcommands
}

/** `omprog` and `mmexternal`: the programs rsyslog runs (README, Fleets). */
function addEngineCommands(program: Command, found: (i: Invocation) => void): void {
  program
    .command('omprog')
    .description(
      'Run as rsyslog\'s omprog program (confirmMessages="on"): read one message per line on stdin, answer OK to each, append each new finding and each count change to --output as NDJSON (reopened on SIGHUP), keep counts across restarts in --state. Ends on EOF or TERM.',
    )
    .requiredOption('--output <file>', 'the NDJSON file findings are appended to')
    .addOption(
      new Option('-f, --format <format>', 'output lines: findings (ndjson) or ECS documents').choices(['ndjson', 'ecs']).default('ndjson'),
    )
    .option('--state <file>', 'where counts and the last message are kept across restarts (default: <output>.state)')
    .option('--rules <dir>', 'also load the rule files in this directory (repeatable)', collect, [] as string[])
    .option('--max-evidence <lines>', 'evidence lines kept per finding', positiveInt('--max-evidence'), 10)
    .action((opts: OmprogCommandOptions) => found({ command: 'omprog', opts }));
  program
    .command('mmexternal')
    .description(
      'Run as rsyslog\'s mmexternal program: for each message (one per line on stdin) answer one JSON line, {} or {"$!":{"stapling_doctor":{rule, cause, severity}}} when a rule matches it, for filters and templates ($!stapling_doctor!cause). Line by line: no correlation (use omprog for findings).',
    )
    .option('--rules <dir>', 'also load the rule files in this directory (repeatable)', collect, [] as string[])
    .action((opts: { rules: string[] }) => found({ command: 'mmexternal', opts }));
}

/** `rules export`. */
function addRulesCommand(program: Command, found: (i: Invocation) => void): void {
  const rules = program.command('rules').description('Work with the rule set.');
  rules
    .command('export')
    .description(
      'Print the rule set for another engine: Sigma rules (sigma), the Elasticsearch ingest pipelines logs-nginx.error@custom and logs-apache.error@custom (elasticsearch), or Loki ruler alerts (loki). What a target cannot express is reported on stderr.',
    )
    .addOption(new Option('--to <target>', 'the engine').choices(['sigma', 'elasticsearch', 'loki']).makeOptionMandatory())
    .option('--rules <dir>', 'also load the rule files in this directory (repeatable)', collect, [] as string[])
    .addOption(
      new Option(
        '--server <server>',
        "only this server's rules (elasticsearch: its pipeline body alone, as JSON for curl; loki: its group; sigma: its rules)",
      ).choices(['nginx', 'apache']),
    )
    .option(
      '--selector <server=selector>',
      'loki: the stream selector of a server, e.g. nginx=\'{job="nginx"}\' (repeatable)',
      collect,
      [] as string[],
    )
    .option('--range <range>', 'loki: the range of count_over_time', '5m')
    .option('--date <YYYY-MM-DD>', "sigma: the rules' date (default today)")
    .option('--notes', 'list every note on stderr (default: the patterns not exported, and a count of the others)')
    .action((opts: ExportCommandOptions) => found({ command: 'export', opts }));
}

function addSubcommands(program: Command, found: (i: Invocation) => void): void {
  addEngineCommands(program, found);
  addRulesCommand(program, found);
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
    .action((target: string, opts: ProbeOptions) => found({ command: 'probe', target, opts }));
  program
    .command('check')
    .description(
      'Read the nginx and Apache configurations (default: the system ones found under /etc) and, for every certificate of every TLS server with stapling on, report what will stop stapling: a missing issuer, a self-signed certificate, no or an unusable OCSP URL, an incomplete ssl_trusted_certificate, no resolver, no SSLStaplingCache, a bad ssl_stapling_file, an expiring certificate, Must-Staple without stapling. No network unless --probe. Exit 0: nothing found (and every probe good); 1: findings at or above --fail-on, a configuration error (the server refuses the configuration, a missing include) or a probe without a good staple; 2: usage, no configuration found, or a --config that cannot be read or is no configuration (a certificate, a binary file, apachectl -S output).',
    )
    .option(
      '--config <file>',
      'nginx or Apache configuration, or a saved nginx -T / apachectl -D DUMP_… (repeatable)',
      collect,
      [] as string[],
    )
    .option('--map-path <from=to>', 'read files named under FROM from TO instead (repeatable)', collect, [] as string[])
    .option(
      '--probe',
      'then handshake each configured listen address and server name and check the staple served (twice when the first brings none)',
    )
    .option(
      '--address <addr>',
      'with --probe: connect to this address instead of the configured one or 127.0.0.1 (repeatable)',
      collect,
      [] as string[],
    )
    .option('--timeout <ms>', 'with --probe: per-handshake timeout in milliseconds', positiveInt('--timeout'), 10_000)
    .option(
      '--expiry-days <days>',
      'report certificates that expire within this many days (a renewal that has failed for two weeks when renewing 30 days ahead)',
      positiveInt('--expiry-days'),
      14,
    )
    .addOption(new Option('-f, --format <format>', 'output format').choices(['human', 'json', 'sarif']).default('human'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe').choices(FAIL_ON).default('warning'))
    .option('--schema', 'print the JSON Schema of the check --format json output and exit')
    .action((opts: CheckOptions) => found({ command: 'check', opts }));
  program
    .command('explain')
    .description(
      'Show how stapling-doctor reads log lines: the parsed fields, the message the rules see, every rule whose trigger the line holds and whether it matched (with its captures) or why not, and the cause. Lines come from the arguments, --file, or stdin (also as a lone -).',
    )
    .argument('[lines...]', 'log lines (quote each one)')
    .option('--file <file>', 'read the lines from this file (- for stdin)')
    .option('--rules <dir>', 'also load the rule files in this directory (repeatable)', collect, [] as string[])
    .addOption(new Option('-f, --format <format>', 'output format').choices(['human', 'json']).default('human'))
    .action((lines: string[], opts: ExplainOptions) => found({ command: 'explain', lines, opts }));
}

/**
 * Parse the command line.
 * @param argv arguments after `node stapling-doctor`
 * @returns the invocation; `exit` when commander printed help, the version, or a usage error
 */
export function parseArgs(argv: readonly string[], out: OutStream, err: OutStream): Invocation {
  const program = mainCommand(out, err);
  let sub: Invocation | null = null;
  addSubcommands(program, (i) => (sub = i));
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
      return { command: 'exit', code: 0 };
    if (e.code === 'stapling-doctor.invalidArgument') return { command: 'exit', code: 2, message: e.message };
    // `check FILE`: the configuration goes with --config (check takes no positional argument).
    if (e.code === 'commander.excessArguments' && argv[0] === 'check')
      err.write('stapling-doctor: check: give the configuration with --config FILE\n');
    return { command: 'exit', code: 2 };
  }
  return sub ?? { command: 'analyze', inputs: program.processedArgs[0] as string[], opts: program.opts<AnalyzeOptions>() };
}
