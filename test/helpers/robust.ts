/**
 * Helpers for the robustness tests (issue 6): run the built CLI in all three output formats at once
 * and check the accounting invariant on each, spawn it without the root override of file modes, and
 * recognise a stack trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { NDJSON_SCHEMA, OUTPUT_SCHEMA } from '../../src/format/output-schema.js';
import type { Report } from '../../src/findings/analyzer.js';
import type { FileStats, Stats } from '../../src/types.js';
import { CLI, PLAIN_ENV, ROOT, type CliResult } from './cli.js';

const ajv = new Ajv2020({ strict: false });
const validate = ajv.compile(OUTPUT_SCHEMA);
const validateLine = ajv.compile(NDJSON_SCHEMA);

/** Options for {@link runCliAsync}. */
export interface RunOptions {
  input?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Command and arguments to put before `node` (e.g. {@link NO_DAC_OVERRIDE}). */
  prefix?: string[];
  /** Kill after this many milliseconds (default 60 000). */
  timeoutMs?: number;
}

/**
 * Run the built CLI to completion without blocking the test process (so several runs overlap).
 * @returns exit code, signal, and stdout/stderr as UTF-8 text
 */
export function runCliAsync(args: string[], options: RunOptions = {}): Promise<CliResult & { stdoutBytes: Buffer }> {
  const [cmd, ...pre] = [...(options.prefix ?? []), process.execPath, CLI, ...args];
  const child = spawn(cmd!, pre, { cwd: options.cwd ?? ROOT, env: options.env ?? PLAIN_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  child.stdin.on('error', () => undefined); // the CLI may exit before reading all of it
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
  });
}

/** The accounting invariant: lines = parsed + unparsed + skipped + undecoded, per input and in total; totals are sums. */
export function expectAccounting(stats: Stats, inputs?: readonly FileStats[]): void {
  const check = (s: Stats, what: string): void => {
    if (
      s.lines !== s.parsed + s.unparsed + s.skipped + s.undecoded ||
      [s.lines, s.parsed, s.unparsed, s.skipped, s.undecoded, s.matched].some((n) => !Number.isInteger(n) || n < 0)
    ) {
      throw new Error(`accounting broken for ${what}: ${JSON.stringify(s)}`);
    }
  };
  check(stats, 'the total');
  if (!inputs) return;
  inputs.forEach((i) => check(i, i.file));
  const sum = (k: keyof Stats): number => inputs.reduce((n, i) => n + i[k], 0);
  for (const k of ['lines', 'parsed', 'unparsed', 'skipped', 'undecoded', 'matched'] as const) {
    if (sum(k) !== stats[k]) throw new Error(`total ${k} ${stats[k]} is not the sum over inputs ${sum(k)}`);
  }
  // Every input is listed (issue 12), those that gave nothing to read with files 0 and status error/not-read.
  if (stats.files !== sum('files')) throw new Error(`files ${stats.files} but ${sum('files')} inputs read`);
  for (const i of inputs) {
    if (i.status === undefined) continue; // the library's report (analyzeStream) sets no status
    const ok = i.status === 'read' ? i.files === 1 && !i.error : i.status === 'not-read' ? i.files === 0 : i.error !== undefined;
    if (!ok) throw new Error(`input ${i.file}: status ${i.status} does not fit ${JSON.stringify(i)}`);
  }
}

/** A stack trace line (`    at fn (file:1:2)`) or Node's crash banner. */
export const STACK_TRACE = /^\s+at .+(?:\(|:\d+:\d+)|^Node\.js v\d|^node:internal|Error \[ERR_|Emitted 'error' event/m;

/** Every stderr line is one of ours (`stapling-doctor: …`), and none is a stack trace. */
export function expectCleanStderr(stderr: string): void {
  expect(stderr).not.toMatch(STACK_TRACE);
  for (const line of stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^stapling-doctor: /);
}

/** One run in each output format, with the accounting checked in each. */
export interface AllFormats {
  code: number | null;
  report: Report;
  stderr: string;
  /** The `end` line of `--format ndjson`. */
  end: { stats: Stats; inputs: FileStats[] };
  human: string;
}

/** The human summary line's numbers: `… in 12 lines of 3 inputs (… ; 2 lines skipped (too long)); 1 input could not be read.` */
export function humanCounts(human: string): { lines: number; inputs: number; skipped: number; unread: number } {
  const m = /^stapling-doctor: .* in (\d+) lines? of (\d+) inputs?(?: \((.*)\))?(?:; (\d+) inputs? could not be read)?\.$/m.exec(human);
  if (!m) throw new Error(`no summary line in:\n${human}`);
  const skipped = m[3] ? /(\d+) lines? skipped/.exec(m[3]) : null;
  return { lines: Number(m[1]), inputs: Number(m[2]), skipped: skipped ? Number(skipped[1]) : 0, unread: Number(m[4] ?? 0) };
}

/**
 * Run the CLI with `--format json`, `--format ndjson` and the human format (in parallel), check that
 * the JSON validates against the output schema, that the accounting holds in all three and that they
 * agree, that the exit codes agree, and that stderr is clean.
 */
export async function runAllFormats(args: string[], options: RunOptions = {}): Promise<AllFormats> {
  const [j, n, h] = await Promise.all([
    runCliAsync(['--format', 'json', ...args], options),
    runCliAsync(['--format', 'ndjson', ...args], options),
    runCliAsync(['--no-live', ...args], options),
  ]);
  let report: Report;
  try {
    report = JSON.parse(j.stdout) as Report;
  } catch {
    throw new Error(`not JSON (exit ${j.code}):\n${j.stdout.slice(0, 2000)}\n${j.stderr}`);
  }
  if (!validate(report)) throw new Error(`output does not match the schema: ${JSON.stringify(validate.errors)}`);
  expectAccounting(report.stats, report.inputs);

  const lines = n.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; stats: Stats; inputs: FileStats[] });
  for (const l of lines)
    if (!validateLine(l)) throw new Error(`NDJSON line does not match its schema: ${JSON.stringify(validateLine.errors)}`);
  const end = lines[lines.length - 1]!;
  expect(end.event).toBe('end');
  expectAccounting(end.stats, end.inputs);
  expect(end.stats).toEqual(report.stats);

  const counts = humanCounts(h.stdout);
  const unread = report.inputs.filter((i) => i.status === 'error').length;
  expect(counts).toEqual({ lines: report.stats.lines, inputs: report.stats.files, skipped: report.stats.skipped, unread });

  expect([n.code, h.code]).toEqual([j.code, j.code]);
  for (const r of [j, n, h]) expectCleanStderr(r.stderr);
  expect(n.stderr).toBe(j.stderr);
  return { code: j.code, report, stderr: j.stderr, end, human: h.stdout };
}

/**
 * A command prefix that runs the CLI as root *without* CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so
 * file modes apply (the tests run as root in CI, and root reads a mode-000 file otherwise). util-linux
 * `setpriv` drops the capabilities from the bounding set; an execve'd root process then gets only
 * what the bounding set allows. Not root: no prefix is needed, modes apply anyway.
 * @throws when running as root and setpriv is missing or cannot drop the capabilities
 */
export function noDacOverridePrefix(): string[] {
  if (process.getuid?.() !== 0) return [];
  const prefix = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--'];
  const probeDir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'sd-probe-'));
  try {
    const f = path.join(probeDir, 'f');
    fs.writeFileSync(f, 'x');
    fs.chmodSync(f, 0o000);
    const r = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, '-e', `require('fs').readFileSync(${JSON.stringify(f)})`], {
      encoding: 'utf8',
    });
    if (r.error || !/EACCES/.test(r.stderr)) {
      throw new Error(
        `cannot test unreadable files as root: setpriv did not drop CAP_DAC_OVERRIDE (${r.error?.message ?? r.stderr.trim()})`,
      );
    }
    return prefix;
  } finally {
    fs.rmSync(probeDir, { recursive: true, force: true });
  }
}
