/**
 * `--journal [UNIT...]`: read the systemd journal through `journalctl -o json` (`-f` when live), so
 * that a systemd host needs no pipe. Each JSON record is decoded by the record decoder
 * (`src/parse/record.ts`) like any other input's.
 *
 * journalctl options used (systemd `man journalctl`): `-o json`, `--no-pager`, `-u UNIT` (repeatable),
 * `-f` (follow), `--directory=DIR` (a journal directory, e.g. what systemd-journal-remote writes to:
 * `/var/log/journal/remote`).
 */
import { spawn } from 'node:child_process';

/** Options of {@link journalInput}. */
export interface JournalOptions {
  /** Units to read (`-u`); all when empty. */
  units: readonly string[];
  /** Follow the journal (`-f`) until stopped. */
  follow: boolean;
  /** Read this journal directory instead of the system journal (`--directory`). */
  directory?: string;
  /** The journalctl to run (default `journalctl`, found on PATH). */
  command?: string;
  /** Environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** A running journalctl: its stdout, how it ended, and a way to stop it. */
export interface JournalInput {
  /** The JSON records, as bytes. */
  stream: AsyncIterable<Buffer>;
  /** Resolves when journalctl has ended: undefined when it ended well, else why not, in one line. */
  ended: Promise<string | undefined>;
  /** Stop following (TERM to journalctl). */
  stop(): void;
}

/** The journalctl arguments for the options. */
export function journalArgs(o: JournalOptions): string[] {
  return [
    '-o',
    'json',
    '--no-pager',
    ...(o.directory !== undefined ? [`--directory=${o.directory}`] : []),
    ...(o.follow ? ['-f'] : []),
    ...o.units.flatMap((u) => ['-u', u]),
  ];
}

/**
 * Start journalctl. Never throws: a journalctl that cannot be started (not installed: ENOENT) ends at
 * once with a reason that says so.
 */
export function journalInput(o: JournalOptions): JournalInput {
  const command = o.command ?? 'journalctl';
  const child = spawn(command, journalArgs(o), { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  let stopped = false;
  const ended = new Promise<string | undefined>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      resolve(
        err.code === 'ENOENT'
          ? `--journal needs journalctl (systemd), and "${command}" was not found: install systemd, or pipe \`journalctl -o json\` from a machine that has it`
          : `cannot run ${command}: ${err.message}`,
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0 || (stopped && (signal === 'SIGTERM' || code === 143))) return resolve(undefined);
      const why = stderr.trim().split('\n').pop() ?? '';
      resolve(`${command} ${signal ? `ended by ${signal}` : `exited with ${code}`}${why ? `: ${why}` : ''}`);
    });
  });
  return {
    stream: child.stdout,
    ended,
    stop() {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
