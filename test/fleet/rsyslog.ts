/**
 * Real rsyslogd instances on 127.0.0.1 for the fleet tests: each in its own directory with its own
 * configuration, pid file, work directory (queues, imfile state) and internal log, started in the
 * foreground (`rsyslogd -n`) in its own process group, stopped by the test with bounded waits. No
 * system rsyslog, no /dev/log, no systemd.
 *
 * Processes are started through test/servers/proc.ts, so whatever a failed test leaves running is
 * killed by process-group id in `stopAll()` and on exit (never by name).
 */
import fs from 'node:fs';
import path from 'node:path';
import { isListening, readIfExists, run, startProcess, stopProcess, waitFor, type Proc } from '../servers/proc.js';
import { enginePath } from './prereq.js';

/** How long a start or a stop may take before the harness gives up (ms). */
export const START_TIMEOUT_MS = 10_000;
export const STOP_TIMEOUT_MS = 10_000;

/** Where rsyslogd is on this machine. @throws Error when it is not installed. */
export function rsyslogdPath(): string {
  const p = enginePath('rsyslogd');
  if (!p) throw new Error('rsyslogd is not installed (apt-get install rsyslog)');
  return p;
}

/**
 * Pids of the live children of `pid` (from /proc/<pid>/stat: the field after the command name, which
 * may itself hold spaces and parentheses, is the state, then the parent pid).
 */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readIfExists(`/proc/${entry}/stat`);
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] !== 'Z' && Number(rest[1]) === pid) out.push(Number(entry));
  }
  return out.sort((a, b) => a - b);
}

/** One rsyslogd: its files and its process. */
export class RsyslogInstance {
  readonly configFile: string;
  readonly pidFile: string;
  readonly internalLogFile: string;
  readonly outFile: string;
  private proc: Proc | null = null;

  /**
   * @param name short name for messages (central, web01)
   * @param dir absolute directory of the instance (created)
   * @param config the configuration text (written to `<dir>/rsyslog.conf` at every start)
   * @param readiness called just before each start; returns the check that resolves true once that
   *   start is ready for input (polled every 50 ms for at most {@link START_TIMEOUT_MS})
   */
  constructor(
    readonly name: string,
    readonly dir: string,
    private config: string,
    private readiness: (self: RsyslogInstance) => () => Promise<boolean>,
  ) {
    this.configFile = path.join(dir, 'rsyslog.conf');
    this.pidFile = path.join(dir, 'rsyslogd.pid');
    this.internalLogFile = path.join(dir, 'internal.log');
    this.outFile = path.join(dir, 'rsyslogd.out');
    fs.mkdirSync(path.join(dir, 'work'), { recursive: true });
  }

  /** The pid of the running rsyslogd, or null. */
  get pid(): number | null {
    return this.proc && !this.proc.hasExited() ? this.proc.pid : null;
  }

  /** rsyslogd's own messages so far (start, suspended/resumed, omprog restarts …). */
  internalLog(): string {
    return readIfExists(this.internalLogFile);
  }

  /**
   * Validate the configuration (`rsyslogd -N1`), start rsyslogd in the foreground and wait until it
   * is ready. @throws Error with rsyslogd's own words when the configuration is refused, it exits, or it
   * is not ready within {@link START_TIMEOUT_MS}.
   */
  async start(): Promise<void> {
    if (this.pid !== null) throw new Error(`${this.name}: already running (pid ${this.pid})`);
    fs.writeFileSync(this.configFile, this.config);
    const check = await run(rsyslogdPath(), ['-N1', '-f', this.configFile], { timeoutMs: START_TIMEOUT_MS });
    if (check.code !== 0 || /error/i.test(check.stderr)) {
      throw new Error(`${this.name}: rsyslogd -N1 refused ${this.configFile}:\n${check.stderr}${check.stdout}`);
    }
    fs.rmSync(this.pidFile, { force: true });
    const ready = this.readiness(this);
    const proc = startProcess(`rsyslogd-${this.name}`, rsyslogdPath(), ['-n', '-f', this.configFile, '-i', this.pidFile], {
      logFile: this.outFile,
      env: { ...process.env, LANG: 'C' },
    });
    this.proc = proc;
    const ok = await waitFor(async () => proc.hasExited() || (await ready()), START_TIMEOUT_MS, 50);
    if (proc.hasExited() || !ok) {
      const why = proc.hasExited() ? `exited (${await proc.exited})` : `not ready after ${START_TIMEOUT_MS} ms`;
      await this.stop();
      throw new Error(`${this.name}: rsyslogd ${why}:\n${proc.stderr()}${proc.stdout()}\n${this.internalLog().slice(-4000)}`);
    }
  }

  /**
   * Stop rsyslogd: TERM to rsyslogd alone (so that it shuts its omprog children down itself: TERM
   * then EOF with `signalOnClose`), wait up to {@link STOP_TIMEOUT_MS}, then KILL its whole process
   * group (which also ends children that outlived it). Safe to call when stopped.
   * @returns how it ended: the exit code or signal name, or null when it was not running
   */
  async stop(): Promise<number | string | null> {
    const proc = this.proc;
    if (!proc) return null;
    this.proc = null;
    if (!proc.hasExited()) {
      try {
        process.kill(proc.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([proc.exited, new Promise((r) => (timer = setTimeout(r, STOP_TIMEOUT_MS)))]);
      clearTimeout(timer);
    }
    await stopProcess(proc, 0); // KILL what is left of the group
    return proc.exited;
  }

  /** Stop, then start again with the same configuration, directory and ports. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Send HUP to rsyslogd (reopen files; omprog forwards it to its program when `hup.signal` is set). */
  hup(): void {
    if (this.pid === null) throw new Error(`${this.name}: not running`);
    process.kill(this.pid, 'SIGHUP');
  }

  /** Pids of rsyslogd's live child processes (the omprog programs), ascending. */
  children(): number[] {
    return this.pid === null ? [] : childPids(this.pid);
  }

  /** A tail of everything this instance wrote, for failure messages. */
  diagnostics(): string {
    return `--- ${this.name} (${this.dir}) internal.log:\n${this.internalLog().slice(-3000)}\n--- rsyslogd output:\n${readIfExists(this.outFile).slice(-2000)}`;
  }
}

/** Ready check of a central: its imtcp port accepts connections. */
export const listeningOn = (port: number) => (): (() => Promise<boolean>) => () => isListening(port);

/**
 * Ready check of an edge: rsyslogd has logged one more `start` than before this start (it does so
 * once its inputs run). imfile reads a watched file from its recorded offset (from the beginning the
 * first time), so lines written just before readiness are not lost either.
 */
export function startedOnceMore(self: RsyslogInstance): () => Promise<boolean> {
  const starts = (s: string) => s.split('\n').filter((l) => /\] start$/.test(l)).length;
  const before = starts(self.internalLog());
  return async () => starts(self.internalLog()) > before;
}
