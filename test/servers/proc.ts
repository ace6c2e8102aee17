/**
 * Process and network helpers of the real-server harness: run a command to completion, start a
 * long-running process in its own process group and stop it again, pick free loopback ports, poll.
 *
 * Every long-running process started here is registered, so {@link stopAll} (called from the test's
 * `afterAll`, and synchronously on process exit) can end whatever is still running, even after a
 * failure. Processes are always ended by their own process-group id, never by name.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Result of {@link run}. `code` is null when the process was killed by a signal (then `signal` is set). */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the timeout ended the process. */
  timedOut: boolean;
}

/**
 * Run a command to completion and collect its output.
 * @param cmd executable (PATH lookup as by `spawn`)
 * @param args its arguments
 * @param opts `timeoutMs` (default 30 000 ms): SIGKILL after that many ms; `input`: written to stdin
 *   (stdin is closed right away when absent); `cwd`, `env` as for `spawn`.
 * @returns exit code, signal, stdout and stderr (UTF-8). Never rejects on a non-zero exit.
 * @throws when the executable cannot be started at all (ENOENT …).
 */
export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * Like {@link run}, but a non-zero exit is an error.
 * @throws Error naming the command, its exit code and its stderr.
 */
export async function runOk(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (exit ${r.code ?? r.signal}${r.timedOut ? ', timed out' : ''}):\n${r.stderr}${r.stdout}`,
    );
  }
  return r;
}

/** A long-running process started by {@link startProcess}. */
export interface Proc {
  /** Short name for messages, e.g. `nginx-healthy` or `ocsp-ca`. */
  name: string;
  child: ChildProcess;
  pid: number;
  /** Everything the process wrote to stdout/stderr so far (UTF-8). */
  stdout: () => string;
  stderr: () => string;
  /**
   * Resolves with the exit code (or the signal name) once the process has exited and what it wrote to
   * stdout/stderr has been read (at most {@link STDIO_DRAIN_MS} after its exit).
   */
  exited: Promise<number | string>;
  /** True once the process has exited. */
  hasExited: () => boolean;
}

const live = new Set<Proc>();

/** How long a process's stdout/stderr may stay open after it exited before {@link Proc.exited} settles anyway (ms). */
const STDIO_DRAIN_MS = 2_000;

/**
 * Start a long-running process in its own process group (so it and its children can be ended
 * together), with stdin closed and stdout/stderr collected in memory (and optionally appended to
 * `logFile`). The process is registered for {@link stopAll}.
 * @throws when the executable cannot be started.
 */
export function startProcess(name: string, cmd: string, args: string[], opts: SpawnOptions & { logFile?: string } = {}): Proc {
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  let out = '';
  let err = '';
  let done = false;
  const log = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: 'a' }) : null;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    log?.write(d);
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    log?.write(d);
  });
  const proc: Proc = {
    name,
    child,
    pid: child.pid,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => {
      // 'exit' may come before the last of the process's stdout/stderr has been read (a server that
      // refuses to start writes why and exits at once; on a loaded machine its words came after the
      // 'exit', and the start read an empty stderr): settle on 'close', when the pipes are drained, or a
      // bounded while after 'exit' (a child that outlives the process may hold them open).
      let code: number | string = 'unknown';
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        live.delete(proc);
        listLive();
        log?.end();
        resolve(code);
      };
      child.on('exit', (c, signal) => {
        done = true;
        code = c ?? signal ?? 'unknown';
        setTimeout(settle, STDIO_DRAIN_MS).unref();
      });
      child.on('close', () => {
        if (done) settle();
      });
      child.on('error', () => {
        done = true;
        code = 'spawn-error';
        settle();
      });
    }),
    hasExited: () => done,
  };
  live.add(proc);
  ensureWatchdog();
  listLive();
  return proc;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Stop a process started by {@link startProcess}: SIGTERM to its process group, then SIGKILL to the
 * group after `graceMs` (default 5 000 ms) if it has not exited. Safe to call twice.
 */
export async function stopProcess(p: Proc, graceMs = 5_000): Promise<void> {
  if (p.hasExited()) {
    killGroup(p.pid, 'SIGKILL'); // children that outlived the leader
    return;
  }
  killGroup(p.pid, 'SIGTERM');
  const t = setTimeout(() => killGroup(p.pid, 'SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(t);
  killGroup(p.pid, 'SIGKILL');
}

/** Stop every process still registered (in parallel). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stopProcess(p)));
}

process.on('exit', () => {
  for (const p of live) killGroup(p.pid, 'SIGKILL');
});

/*
 * The servers run in their own process groups, so a Ctrl-C or a kill of the test runner does not
 * reach them, and the runner may die without running afterAll or 'exit' handlers. A watchdog
 * (a tiny detached shell) waits for this process to end and then kills the process groups that
 * are still listed in its file. Each group is listed while it runs and unlisted when it exits, so
 * after a normal run the file is empty and the watchdog kills nothing.
 */
let watchdogFile: string | null = null;

function listLive(): void {
  if (watchdogFile) fs.writeFileSync(watchdogFile, [...live].map((p) => `${p.pid}\n`).join(''));
}

function ensureWatchdog(): void {
  if (watchdogFile) return;
  watchdogFile = path.join(os.tmpdir(), `stapling-watchdog-${process.pid}.pgids`);
  fs.writeFileSync(watchdogFile, '');
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; while read -r g; do kill -9 "-$g" 2>/dev/null; done < "$2"; rm -f "$2"';
  spawn('sh', ['-c', script, 'stapling-watchdog', String(process.pid), watchdogFile], { detached: true, stdio: 'ignore' }).unref();
}

const handedOut = new Set<number>();

/**
 * A TCP port on 127.0.0.1 that is free now: bind port 0, read the port, close. A port is never
 * handed out twice in one test process, so parallel scenarios do not collide with each other.
 * @returns the port number
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        const p = typeof a === 'object' && a ? a.port : 0;
        s.close(() => resolve(p));
      });
    });
    if (port !== 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free TCP port on 127.0.0.1');
}

/** True when something accepts TCP connections on 127.0.0.1:`port` (tries for at most 1 000 ms). */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Wait `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `check` every `intervalMs` (default 200 ms) until it returns a truthy value or `timeoutMs`
 * passes. @returns the truthy value, or `undefined` on timeout.
 */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, intervalMs = 200): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() >= end) return undefined;
    await sleep(intervalMs);
  }
}

/** Read a file as UTF-8, or '' when it does not exist. */
export function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Run `tasks` with at most `limit` of them at once, in the given order. @returns their results in
 * order; a rejected task rejects nothing else (its error is returned in place as `{error}`).
 */
export async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<(T | { error: unknown })[]> {
  const results: (T | { error: unknown })[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      try {
        results[i] = await tasks[i]!();
      } catch (error) {
        results[i] = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
