#!/usr/bin/env node
/**
 * The `stapling-doctor` executable: wires {@link run} to the real process. SIGINT/SIGTERM stop the
 * reading and let the summary print; EPIPE on stdout (`| head -1`) ends quietly with exit 0.
 */
import v8 from 'node:v8';
import { run } from './run.js';

// Keep V8's young generation at its initial size: scanning produces a steady stream of short-lived
// garbage (one parse per candidate line) for which V8 would otherwise grow the semi-spaces to 16 MB
// each, adding ~30 MB to the peak RSS of a long scan for no gain in speed (measured by `npm run bench`).
v8.setFlagsFromString('--semi-space-growth-factor=1');

const controller = new AbortController();
let signalled = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (signalled) process.exit(130); // a second Ctrl-C: leave at once
    signalled = true;
    controller.abort();
  });
}
let epipe = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') epipe = true;
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
    process.exitCode = epipe ? 0 : code;
  },
  (err: unknown) => {
    process.stderr.write(`stapling-doctor: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
