/**
 * Spawning the built CLI (`dist/cli.js`, built by `npm test` before jest runs) for end-to-end tests.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');

/** Environment without colour, so output is plain text. */
export const PLAIN_ENV = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } as NodeJS.ProcessEnv;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the CLI to completion.
 * @param input bytes written to its stdin (stdin is a closed pipe otherwise)
 * @throws when dist/cli.js is missing (run `npm run build`)
 */
export function runCli(args: string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliResult {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? PLAIN_ENV,
    input: options.input ?? '',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Start the CLI with open pipes (live mode tests). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = PLAIN_ENV): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Resolve with the accumulated stdout once `predicate` holds, or reject after `ms` milliseconds. */
export function waitForOutput(child: ChildProcessWithoutNullStreams, predicate: (out: string) => boolean, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.stdout.off('data', onData);
      reject(new Error(`timed out after ${ms} ms waiting for output; got:\n${out}`));
    }, ms);
    const onData = (d: Buffer): void => {
      out += d.toString('utf8');
      if (predicate(out)) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(out);
      }
    };
    child.stdout.on('data', onData);
  });
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = 'sd-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Resolve once the child process has installed its handler for `signal` (Linux: the SigCgt mask in
 * /proc/PID/status), so that a test's kill() is never taken by the default action of a process still
 * starting up; reject after `ms` milliseconds. The SIGHUP bit is waited for too: Node sets handlers of
 * its own for SIGINT and SIGTERM at start-up (they restore the terminal, then die of the signal), and
 * the CLI installs SIGHUP's last (src/cli.ts), so only then are its SIGINT and SIGTERM handlers in place.
 */
export async function waitForSignalHandler(
  child: ChildProcessWithoutNullStreams,
  signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP',
  ms = 15_000,
): Promise<void> {
  const bit = BigInt({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[signal] - 1);
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m && (BigInt(`0x${m[1]}`) >> bit) & 1n && BigInt(`0x${m[1]}`) & 1n) return;
    } catch {
      // not started yet, or gone: try again until the deadline
    }
    if (Date.now() > deadline) throw new Error(`process ${child.pid} did not install a ${signal} handler within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
