#!/usr/bin/env node
/**
 * The `stapling-doctor` executable: wires {@link run} to the real process. SIGINT/SIGTERM stop the
 * reading and let the summary print; EPIPE on stdout (`| head -1`) ends quietly with the exit code of the
 * contract (files are still read to the end; live input stops). No error
 * ends in a stack trace: an unexpected one is reported in one line with exit code 2
 * (`STAPLING_DOCTOR_DEBUG=1` shows the stack).
 */
import v8 from 'node:v8';
import { run } from './run/run.js';

// Keep V8's young generation at its initial size: scanning produces a steady stream of short-lived
// garbage (one parse per candidate line) for which V8 would otherwise grow the semi-spaces to 16 MB
// each, adding ~30 MB to the peak RSS of a long scan for no gain in speed (measured by `npm run bench`).
v8.setFlagsFromString('--semi-space-growth-factor=1');
// Let the old generation grow by half its live size between full collections instead of V8's dynamic
// factor (up to 4×): a scan that keeps ~20 MB of findings otherwise lets its garbage reach ~100 MB before
// collecting it. Measured (test/bench/memory.mjs and the 100 000-line NDJSON case): peak RSS 147 → 98 MB
// and 109 → 88 MB for about 10–20 % more CPU on logs where every line matches; no change on ordinary logs
// (a 200 MB log without findings: 69 MB either way), where full collections are rare.
v8.setFlagsFromString('--heap-growing-percent=50');

// Defence in depth against catastrophic backtracking in rule regexes (user rules included): a regex
// that backtracks excessively on one input is re-run by V8's linear-time engine. Rules are also
// linted when loaded (src/rules/load.ts) and messages are capped at MAX_MATCH_CHARS. Available
// since V8 8.8; set before any rule is compiled.
if (Number.parseFloat(process.versions.v8) >= 8.8) {
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
}

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

const controller = new AbortController();
let signalled = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (signalled) process.exit(130); // a second Ctrl-C: leave at once
    signalled = true;
    controller.abort();
  });
}
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

run({
  argv: process.argv.slice(2),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => internalError(err),
);
