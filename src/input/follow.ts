/**
 * `--live FILE`: follow a file as `tail -F` does, by running coreutils `tail` itself (`tail -F -n +1
 * --pid=PID -- FILE`): from its first line, then each line as it is written, on through a rotation
 * (the file renamed and a new one created, as logrotate's `create` mode does; or copied and truncated,
 * `copytruncate`). tail's stdout is read as a pipe's would be, under the file's name.
 *
 * One tail per file, so that every line keeps the name of its file (several files in one tail come
 * with `==> FILE <==` headers, which the input layer does not read as names). tail runs in a session of
 * its own (`detached`), so that a Ctrl-C at the terminal, or `timeout(1)` signalling the process group,
 * reaches only this process, which then stops tail itself and reports; `--pid` ends tail within its
 * sleep interval (1 s) should this process die without stopping it (SIGKILL), and an `exit` hook stops
 * every tail still running when the process leaves through `process.exit()`.
 *
 * tail options used (GNU coreutils `man tail`): `-F` (`--follow=name --retry`), `-n +1` (from the first
 * line), `--pid=PID` (end once PID is gone), `--` (a file name may start with `-`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Options of {@link followFile}. */
export interface FollowOptions {
  /** Relative paths are taken from here (default: the process's working directory). */
  cwd?: string;
  /** The tail to run (default `tail`, found on PATH). */
  command?: string;
  /** Environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** A running tail: its stdout, how it ended, and a way to stop it. */
export interface FollowedFile {
  /** The file's bytes, from its first line on, as they are written. */
  stream: AsyncIterable<Buffer>;
  /** Resolves when tail has ended: undefined when it ended because it was stopped, else why it ended, in one line. */
  ended: Promise<string | undefined>;
  /** The child's process id (undefined when it could not be started). */
  readonly pid: number | undefined;
  /** Stop following (SIGTERM to tail); idempotent. */
  stop(): void;
}

/** Every tail still running: stopped when the process exits, whichever way it leaves. */
const running = new Set<ChildProcess>();
let exitHook = false;
function stopAllAtExit(): void {
  for (const child of running) child.kill('SIGTERM');
}

/** The tail arguments that follow `file` on behalf of process `pid`. */
export function followArgs(file: string, pid: number): string[] {
  return ['-F', '-n', '+1', `--pid=${pid}`, '--', file];
}

/**
 * Whether `--live` follows this file (rather than reading it to its end first): a current log, not a
 * rotated or compressed copy, which nothing writes to any more — `error.log`, `ssl_error_log`, but not
 * `error.log.1`, `error.log.2.gz`, `error.log-20241121` or `error_log.bz2`.
 * @param file a path, as given or found (only its last component is looked at)
 */
export function followable(file: string): boolean {
  const name = path.basename(file);
  return !/\.(?:gz|bz2|xz|zst|lz4|Z)$/.test(name) && !/[.-]\d+$/.test(name);
}

/**
 * Start following a file. The file is opened first, so that a file that is missing or unreadable is
 * an error at once, with the reason reading it would give, rather than a tail waiting for it (`-F`
 * retries for ever).
 * @param file the file's path (relative to `options.cwd`)
 * @throws the open error (ENOENT, EACCES, EISDIR …) — nothing is started then
 * @returns the running tail; a tail that cannot be started (not installed: ENOENT) ends at once with a
 *   reason that says so
 */
export function followFile(file: string, options: FollowOptions = {}): FollowedFile {
  const abs = path.resolve(options.cwd ?? process.cwd(), file);
  fs.closeSync(fs.openSync(abs, 'r'));
  const command = options.command ?? 'tail';
  const child = spawn(command, followArgs(abs, process.pid), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    detached: true,
  });
  running.add(child);
  if (!exitHook) process.on('exit', stopAllAtExit);
  exitHook = true;
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4096); // the latest, for the reason it ended: tail also notes rotations here
  });
  let stopped = false;
  const ended = new Promise<string | undefined>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      running.delete(child);
      resolve(
        err.code === 'ENOENT'
          ? `--live follows files with tail -F (GNU coreutils), and "${command}" was not found: install coreutils, or pipe \`tail -F ${file}\` into stapling-doctor`
          : `cannot run ${command}: ${err.message}`,
      );
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      if (stopped && (signal === 'SIGTERM' || code === 143 || code === 0)) return resolve(undefined);
      const why = stderr.trim().split('\n').pop() ?? '';
      resolve(`${command} ${signal ? `ended by ${signal}` : `exited with ${code}`}${why ? `: ${why}` : ''}`);
    });
  });
  return {
    stream: child.stdout!,
    ended,
    pid: child.pid,
    stop() {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
