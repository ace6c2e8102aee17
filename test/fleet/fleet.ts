/**
 * The rsyslog fleet of the fleet tests: edges (one web server each: imfile → omfwd over TCP with a
 * disk-assisted queue) and a central (imtcp → per-host tree + omprog), all real rsyslogd on
 * 127.0.0.1, in one temporary directory that is removed by {@link Fleet.stop} (kept with
 * `STAPLING_KEEP_LAB=1`).
 *
 * ```ts
 * const fleet = createFleet();
 * const central = await fleet.startCentral({ omprogCommand: [process.execPath, STUB_OMPROG, out], outputFile: out });
 * const web01 = await fleet.startEdge({ name: 'web01', central });
 * fleet.append(web01, lines);
 * await fleet.waitFor(() => central.tree('web01', 'nginx').length === lines.length, 5_000, 'web01 lines in the tree');
 * await central.killOmprog();             // rsyslog starts a new one on the next message
 * await central.stop(); fleet.append(web01, more); await central.start();   // the edge's queue delivers
 * await fleet.stop();
 * ```
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, readIfExists, sleep, waitFor as poll } from '../servers/proc.js';
import { centralConfig, edgeConfig, type OmprogConfig } from './rsyslog-config.js';
import { listeningOn, RsyslogInstance, startedOnceMore } from './rsyslog.js';

/** Absolute path of the stand-in omprog program (test/fleet/stub-omprog.mjs). */
export const STUB_OMPROG = path.join(path.dirname(fileURLToPath(import.meta.url)), 'stub-omprog.mjs');

/** Options of {@link Fleet.startCentral}. */
export interface CentralOptions {
  /** argv of the omprog program (absolute path first); no omprog action when absent. */
  omprogCommand?: string[];
  /** Template of the omprog action (name and RainerScript text); default STAPLING_JSON_TEMPLATE. */
  template?: { name: string; text: string };
  /** The file the omprog program writes (the harness only reads it: {@link Central.output}). */
  outputFile?: string;
  /** omfile template of the tree files (default RSYSLOG_FileFormat). */
  fileTemplate?: string;
  /** Other omprog settings (confirmTimeout, resumeInterval). */
  omprog?: Omit<OmprogConfig, 'argv' | 'template'>;
}

/** A running (or stopped) central. */
export interface Central {
  readonly instance: RsyslogInstance;
  /** imtcp port on 127.0.0.1. */
  readonly port: number;
  /** Root of the per-host tree (`<treeRoot>/<host>/<program>.log`). */
  readonly treeRoot: string;
  readonly outputFile: string | undefined;
  start(): Promise<void>;
  stop(): Promise<number | string | null>;
  /** Lines of `<treeRoot>/<host>/<program>.log` ([] when absent). */
  tree(host: string, program: string): string[];
  /** Every file of the tree, relative to treeRoot (`web01/nginx.log`), sorted. */
  treeFiles(): string[];
  /** Lines of the omprog program's output file ([] when absent or no file). */
  output(): string[];
  /** Pids of the omprog programs rsyslogd runs now. */
  omprogPids(): number[];
  /**
   * Kill the running omprog program(s) with `signal` (default SIGKILL) and wait until they are gone.
   * @returns the pids that were killed
   */
  killOmprog(signal?: NodeJS.Signals): Promise<number[]>;
  /** HUP to rsyslogd. */
  hup(): void;
}

/** Options of {@link Fleet.startEdge}. */
export interface EdgeOptions {
  /** Host name (`localHostname`) and directory name: web01. */
  name: string;
  /** The central to forward to (only its port is used, so it may be stopped). */
  central: Central;
  /** Error log to tail (default `<edge dir>/error.log`, created empty). */
  logFile?: string;
  /** Program name (imfile tag) at the central: nginx (default) or apache2. */
  program?: string;
  /** omfwd template (default: omfwd's RFC 3164 RSYSLOG_TraditionalForwardFormat). */
  forwardTemplate?: string;
}

/** A running (or stopped) edge. */
export interface Edge {
  readonly name: string;
  readonly program: string;
  readonly logFile: string;
  readonly instance: RsyslogInstance;
  start(): Promise<void>;
  stop(): Promise<number | string | null>;
}

/** One fleet: a temporary directory and the instances started in it. */
export interface Fleet {
  readonly root: string;
  startCentral(opts?: CentralOptions): Promise<Central>;
  startEdge(opts: EdgeOptions): Promise<Edge>;
  /** Append lines (each ends with LF) to the edge's error log, as the web server would. */
  append(edge: Edge, lines: string[]): void;
  /**
   * Poll `check` every 50 ms until it is truthy. @returns its value
   * @throws Error naming `what`, with every instance's internal log tail, after `timeoutMs`
   */
  waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<T>;
  /** Everything the instances logged about themselves, for failure messages. */
  diagnostics(): string;
  /** Stop every instance (bounded) and remove the directory unless STAPLING_KEEP_LAB=1. */
  stop(): Promise<void>;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

function walk(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]))
    .sort();
}

function makeCentral(root: string, port: number, opts: CentralOptions): Central {
  const dir = path.join(root, 'central');
  const treeRoot = path.join(dir, 'remote');
  const omprog = opts.omprogCommand ? { ...opts.omprog, argv: opts.omprogCommand, template: opts.template } : undefined;
  const config = centralConfig({ dir, port, treeRoot, fileTemplate: opts.fileTemplate, omprog });
  const instance = new RsyslogInstance('central', dir, config, listeningOn(port));
  const central: Central = {
    instance,
    port,
    treeRoot,
    outputFile: opts.outputFile,
    start: () => instance.start(),
    stop: () => instance.stop(),
    tree: (host, program) => lines(readIfExists(path.join(treeRoot, host, `${program}.log`))),
    treeFiles: () => walk(treeRoot),
    output: () => (opts.outputFile ? lines(readIfExists(opts.outputFile)) : []),
    omprogPids: () => instance.children(),
    killOmprog: async (signal = 'SIGKILL') => {
      const pids = instance.children();
      for (const pid of pids) process.kill(pid, signal);
      await poll(() => !instance.children().some((p) => pids.includes(p)), 5_000, 20);
      return pids;
    },
    hup: () => instance.hup(),
  };
  return central;
}

/**
 * Send messages straight to a central's imtcp port, as an RFC 3164 sender would (one
 * `<PRI>Mmm dd hh:mm:ss host program: message` per LF-terminated line; facility local0, severity
 * notice, the current time). For omprog contract tests that need no edge.
 * @throws Error when the connection fails
 */
export async function sendToCentral(central: Central, from: { host: string; program: string }, messages: string[]): Promise<void> {
  const now = new Date();
  const month = now.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const stamp = `${month} ${String(now.getUTCDate()).padStart(2, ' ')} ${now.toISOString().slice(11, 19)}`;
  const payload = messages.map((m) => `<133>${stamp} ${from.host} ${from.program}: ${m}\n`).join('');
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: central.port }, () => socket.end(payload));
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

/** Create an empty fleet in a new temporary directory. */
export function createFleet(): Fleet {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stapling-fleet-'));
  const instances: RsyslogInstance[] = [];
  const fleet: Fleet = {
    root,
    async startCentral(opts = {}) {
      const central = makeCentral(root, await freePort(), opts);
      instances.push(central.instance);
      await central.start();
      return central;
    },
    async startEdge(opts) {
      const dir = path.join(root, opts.name);
      const logFile = opts.logFile ?? path.join(dir, 'error.log');
      const program = opts.program ?? 'nginx';
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      fs.appendFileSync(logFile, '');
      const config = edgeConfig({
        dir,
        hostname: opts.name,
        logFile,
        program,
        centralPort: opts.central.port,
        forwardTemplate: opts.forwardTemplate,
      });
      const instance = new RsyslogInstance(opts.name, dir, config, startedOnceMore);
      instances.push(instance);
      const edge: Edge = { name: opts.name, program, logFile, instance, start: () => instance.start(), stop: () => instance.stop() };
      await edge.start();
      return edge;
    },
    append(edge, newLines) {
      fs.appendFileSync(edge.logFile, newLines.map((l) => `${l}\n`).join(''));
    },
    async waitFor(check, timeoutMs, what) {
      const v = await poll(check, timeoutMs, 50);
      if (!v) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${fleet.diagnostics()}`);
      return v;
    },
    diagnostics: () => instances.map((i) => i.diagnostics()).join('\n'),
    async stop() {
      await Promise.all(instances.map((i) => i.stop()));
      await sleep(0);
      if (process.env.STAPLING_KEEP_LAB !== '1') fs.rmSync(root, { recursive: true, force: true });
      else process.stderr.write(`fleet kept in ${root}\n`);
    },
  };
  return fleet;
}
