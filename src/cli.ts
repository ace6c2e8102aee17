#!/usr/bin/env node
/**
 * The `stapling-doctor` executable: wires {@link run} to the real process. SIGINT, SIGTERM and SIGHUP
 * (but SIGHUP reopens the output instead while `omprog` has asked for it) stop the reading and let the report print (the same signal again within {@link REPEAT_WINDOW_MS} is
 * the same stop: `timeout(1)` signals the command and then its whole process group); EPIPE on stdout
 * (`| head -1`) ends quietly with the exit code of the contract, the same however much of the output was
 * read (files are still read to the end; live input stops; 2 stays 2). A stdout that
 * was closed (`>&-`) is exit 2 with one line. No error ends in a stack trace: an unexpected one is
 * reported in one line with exit code 2 (`STAPLING_DOCTOR_DEBUG=1` shows the stack).
 */
import fs from 'node:fs';
import tty from 'node:tty';
import { isMainThread } from 'node:worker_threads';
import { run } from './run/run.js';
import './run/job-worker.js'; // in a --jobs worker thread (the bundle is its own worker script), this serves
import { tuneV8 } from './v8-flags.js';

/**
 * A repeat of the stopping signal within this many milliseconds is the same request, not a second one:
 * `timeout(1)` sends its signal to the command and then to its process group (coreutils timeout.c,
 * `cleanup()`: `send_sig (monitored_pid, sig)` then `send_sig (0, sig)`), and a terminal's Ctrl-C or
 * a service manager may reach the process twice the same way. A later repeat (a second Ctrl-C) ends
 * the process at once with 128 + the signal number.
 */
const REPEAT_WINDOW_MS = 1000;

const debug = Boolean(process.env.STAPLING_DOCTOR_DEBUG);
function internalError(err: unknown): void {
  const text = debug && err instanceof Error && err.stack ? err.stack : err instanceof Error ? err.message : String(err);
  try {
    process.stderr.write(`stapling-doctor: internal error: ${text.split('\n').join(debug ? '\n' : ' ')}\n`);
  } catch {
    // stderr is gone too: nothing left to tell
  }
  process.exitCode = 2;
}

/**
 * Whether file descriptor 1 was closed when the process started (`>&-`). Node reopens a closed standard
 * descriptor on /dev/null read-write before any JavaScript runs (src/node.cc, `PlatformInit`), so all
 * output would vanish without an error; a shell's `>/dev/null` opens it write-only, which stays allowed.
 * Linux only (`/proc/self/fdinfo`); elsewhere false. A parent that spawns the tool with its stdout set
 * to libuv's "ignore" looks the same and is treated the same.
 */
function stdoutClosedAtStart(): boolean {
  try {
    const st = fs.fstatSync(1);
    if (!st.isCharacterDevice() || st.rdev !== fs.statSync('/dev/null').rdev) return false;
    const flags = /^flags:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/fdinfo/1', 'utf8'));
    return flags !== null && (Number.parseInt(flags[1]!, 8) & 3) === 2; // O_ACCMODE === O_RDWR
  } catch {
    return false;
  }
}

// SIGHUP's handler is installed last: a test that sees it in /proc/PID/status knows all three are
// (Node installs handlers of its own for SIGINT and SIGTERM at start-up, so those bits say nothing).
const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
const controller = new AbortController();
/** Who asked for SIGHUP (`omprog`: reopen the output); then SIGHUP does not stop the run. */
const hangupHandlers = new Set<() => void>();
let stoppedAt = 0;
for (const sig of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) {
  process.on(sig, () => {
    if (sig === 'SIGHUP' && hangupHandlers.size > 0) {
      for (const h of hangupHandlers) h();
      return;
    }
    const now = Date.now();
    if (!controller.signal.aborted) {
      stoppedAt = now;
      controller.abort(sig); // the reason tells run() which signal it was
      return;
    }
    if (now - stoppedAt < REPEAT_WINDOW_MS) return; // the same stop, delivered twice
    process.exit(128 + SIGNALS[sig]); // asked again: leave at once
  });
}
/**
 * Standard descriptors that were a terminal which has since hung up are pointed at /dev/null before
 * exiting: Node restores the terminal's settings at exit (src/node.cc, `ResetStdio`) and aborts with a
 * native stack trace when the hung-up terminal refuses (EIO); it skips a descriptor that was reopened.
 * A hung-up terminal no longer answers `isatty` (its ioctls fail with EIO).
 */
const startedOnTerminal = [0, 1, 2].filter((fd) => tty.isatty(fd));
process.on('exit', () => {
  for (const fd of startedOnTerminal) {
    if (tty.isatty(fd)) continue;
    try {
      fs.closeSync(fd);
      fs.openSync('/dev/null', 'r+'); // the lowest free descriptor: `fd` again (0–2 are all open otherwise)
    } catch {
      // nothing more can be done for this descriptor
    }
  }
});

// A reader that went away (EPIPE) is handled by run()'s writer; the exit code stays the contract's, the same
// however much of the output was read (`| head -1` of a report with findings is still 1).
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined); // a closed stderr must not crash the run (run() reports nothing then)
process.on('uncaughtException', (err) => {
  internalError(err);
  process.exit();
});
process.on('unhandledRejection', (err) => {
  internalError(err);
  process.exit();
});

if (!isMainThread) {
  // a --jobs worker: job-worker.ts serves the main thread
} else if (stdoutClosedAtStart()) {
  process.stderr.write('stapling-doctor: cannot write the output: standard output is closed (use >/dev/null to discard it)\n');
  process.exitCode = 2;
} else {
  // Once the event loop has nothing left (every write flushed), leave through process.exit(). Left to
  // itself, Node tears the environment down first and closing its signal handles puts SIGINT, SIGTERM and
  // SIGHUP back to their default action (libuv unix/signal.c, `uv__signal_unregister_handler`: SIG_DFL),
  // so a stop signal in those last milliseconds killed a run that had written its whole report, exit 143
  // instead of the contract's code. `timeout(1)` does exactly that under load: preempted between its
  // signal to the command and the one to its process group, the second lands while the tool exits.
  process.once('beforeExit', () => process.exit());
  tuneV8(); // now that the modules (and stdout's) are loaded: see src/v8-flags.ts
  run({
    argv: process.argv.slice(2),
    // Opening stdin (a TTY or socket handle) costs ~8 ms of start-up: only when the run reads or stops it.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
    onHangup: (handler) => {
      hangupHandlers.add(handler);
      return () => void hangupHandlers.delete(handler);
    },
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => internalError(err),
  );
}
