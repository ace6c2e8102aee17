/**
 * One running (or refusing to run) Apache or nginx instance: write its configuration, start it in the
 * sandbox, wait until it listens or exits, stop it, and capture what it wrote (stderr of the start,
 * then the error log) — the text the analyzer gets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { apacheCommand, apacheLayout, writeApacheConfig } from './apache.js';
import type { Site } from './config.js';
import { nginxCommand, nginxLayout, writeNginxConfig } from './nginx.js';
import { isListening, readIfExists, startProcess, stopProcess, waitFor, type Proc } from './proc.js';
import type { Sandbox } from './sandbox.js';

/** How a start ended: ready and listening, or exited (with its code) before it was ready. */
export interface StartResult {
  listening: boolean;
  exitCode: number | string | null;
  /** Milliseconds from spawn to listening or exit. */
  ms: number;
}

/** An Apache or nginx instance with its own directory and port; one process per start. */
export class ServerInstance {
  readonly layout: { dir: string; configFile: string; errorLog: string; pidFile: string };
  private proc: Proc | null = null;
  private generation = 0;

  /**
   * @param name instance name (`apache-healthy`), also the directory name under the lab root
   * @param dir the instance's own directory (ServerRoot / prefix)
   * @param port the TLS port on 127.0.0.1
   */
  constructor(
    readonly name: string,
    readonly dir: string,
    readonly port: number,
    private readonly sandbox: Sandbox,
  ) {
    this.layout = name.startsWith('apache') ? apacheLayout(dir) : nginxLayout(dir);
  }

  /** Write the configuration for `site` (replacing any previous one). @returns its text. */
  configure(site: Site): string {
    return site.server === 'apache' ? writeApacheConfig(this.layout, this.port, site) : writeNginxConfig(this.layout, this.port, site);
  }

  /**
   * Start the server with the configuration written last and wait (at most `timeoutMs`, default
   * 15 000 ms) until it is ready or has exited.
   *
   * Ready means: the process is alive, it has written its pid file, and its port accepts TCP
   * connections. An open port alone proves nothing: Apache opens its listeners (`Listen`, in the
   * open_logs hook) before the post_config hooks run, and mod_ssl's post_config is where it aborts
   * with "AH01958: SSLStapling: no stapling cache available" + AH02312 and exits 1 — so for a few
   * milliseconds a server that refuses to start accepts connections. The pid file is written only
   * after that: httpd's MPM writes it when it starts running (`ap_log_pid` in `event_run`,
   * server/mpm/event/event.c, after `ap_run_post_config` in server/main.c), nginx after its whole
   * configuration cycle succeeded (`ngx_create_pidfile` after `ngx_init_cycle`, src/core/nginx.c).
   * A leftover pid file is removed first, so only this start's file counts. A refusal is then decided
   * by the process's own exit status (`exitCode`), its message is in {@link captured}.
   * @throws when the server neither became ready nor exited within `timeoutMs` (it is stopped first)
   */
  async start(site: Site, timeoutMs = 15_000): Promise<StartResult> {
    if (this.proc && !this.proc.hasExited()) throw new Error(`${this.name} is already running`);
    const { cmd, args } = site.server === 'apache' ? apacheCommand(this.layout) : nginxCommand(this.layout);
    const wrapped = this.sandbox.wrap(cmd, args);
    fs.rmSync(this.layout.pidFile, { force: true });
    const t0 = Date.now();
    this.generation++;
    this.proc = startProcess(`${this.name}#${this.generation}`, wrapped.cmd, wrapped.args, {
      cwd: this.dir,
      env: { ...process.env, LANG: 'C' },
    });
    const p = this.proc;
    const ready = async () => fs.existsSync(this.layout.pidFile) && (await isListening(this.port));
    const ok = await waitFor(async () => p.hasExited() || (await ready()), timeoutMs, 50);
    if (p.hasExited()) return { listening: false, exitCode: await p.exited, ms: Date.now() - t0 };
    if (!ok) {
      await stopProcess(p);
      const state = `pid file ${fs.existsSync(this.layout.pidFile) ? 'written' : 'not written'}, port ${this.port} ${(await isListening(this.port)) ? 'open' : 'closed'}`;
      throw new Error(`${this.name}: neither ready nor exited after ${timeoutMs} ms (${state}):\n${p.stderr()}`);
    }
    return { listening: true, exitCode: null, ms: Date.now() - t0 };
  }

  /** Stop the server (SIGTERM to its process group, SIGKILL after 5 s). Safe when not running. */
  async stop(): Promise<void> {
    if (this.proc) await stopProcess(this.proc);
  }

  /** What the current generation wrote so far: its stderr/stdout, then the error log file. */
  captured(): string {
    const stdio = (this.proc?.stderr() ?? '') + (this.proc?.stdout() ?? '');
    const log = readIfExists(this.layout.errorLog);
    return (stdio && !stdio.endsWith('\n') ? `${stdio}\n` : stdio) + log;
  }

  /** The error log's text so far. */
  errorLogText(): string {
    return readIfExists(this.layout.errorLog);
  }

  /**
   * Move the error log aside (to `error.<label>.log`), so that the next start writes a fresh one.
   * @returns the new path of the old log
   */
  rotateLog(label: string): string {
    const to = path.join(path.dirname(this.layout.errorLog), `error.${label}.log`);
    if (fs.existsSync(this.layout.errorLog)) fs.renameSync(this.layout.errorLog, to);
    return to;
  }
}
