/**
 * The command line, as a function: `run({argv, stdin, stdout, stderr, env, cwd, signal})` → exit code.
 * It never calls `process.exit()` and touches no global state, so tests can run it in-process; the
 * `bin` (`src/cli.ts`) only wires it to the real process.
 *
 * Exit codes: 0 no finding at or above `--fail-on` (default `warning`); 1 findings at or above it;
 * 2 usage error, unusable rule file, or an input that could not be read (after the report).
 */
import { runAnalyze } from './analyze-command.js';
import { runExplain } from './explain-command.js';
import { describeReadError } from '../input/read.js';
import { CheckedOut, errorLine, Output } from './output.js';
import { runProbe } from './probe-command.js';
import { parseArgs } from './program.js';
import type { RunParams } from './params.js';

export type { OutStream } from './output.js';
export type { FormatName } from './program.js';
export type { RunParams } from './params.js';

/**
 * Run the CLI. Every command's standard output (commander's help and version included) goes through one
 * {@link CheckedOut}: output that could not be written (`> /dev/full`) is exit 2 with one line on stderr,
 * whichever command wrote it; a reader that went away (EPIPE) is not.
 * @returns the exit code (0, 1 or 2)
 */
export async function run(params: RunParams): Promise<number> {
  const errOut = new Output(params.stderr, () => undefined);
  const stdout = new CheckedOut(params.stdout);
  const code = await dispatch({ ...params, stdout }, errOut);
  await stdout.settled();
  // A command that already said so (the scan: "cannot write the output") has returned 2.
  if (!stdout.failure || code === 2) return code;
  errOut.write(errorLine(`cannot write the output: ${describeReadError(stdout.failure)}`));
  return 2;
}

/** Parse the arguments and run the command they name. @returns its exit code */
async function dispatch(params: RunParams, errOut: Output): Promise<number> {
  const fail = (msg: string): number => {
    errOut.write(errorLine(msg));
    return 2;
  };
  const call = parseArgs(params.argv, params.stdout, params.stderr);
  switch (call.command) {
    case 'exit':
      return call.message ? fail(call.message) : call.code;
    case 'probe':
      return runProbe(call.target, call.opts, params, fail);
    case 'explain':
      return runExplain(call.lines, call.opts, params, fail);
    case 'analyze':
      return runAnalyze(call.inputs, call.opts, params, errOut);
    // The check and engine commands are imported when used: start-up time of the main command (live use).
    case 'check':
      return (await import('./check-command.js')).runCheck(call.opts, params, errOut);
    case 'omprog':
      return (await import('./omprog.js')).runOmprog(call.opts, {
        stdin: params.stdin,
        stdout: params.stdout,
        stderr: params.stderr,
        onSignal: (sig, handler) => {
          if (sig === 'SIGHUP') return params.onHangup?.(handler) ?? (() => undefined);
          params.signal?.addEventListener('abort', handler, { once: true });
          return () => params.signal?.removeEventListener('abort', handler);
        },
        interrupt: () => params.stdin.destroy?.(),
      });
    case 'mmexternal':
      return (await import('./mmexternal.js')).runMmexternal(call.opts, params);
    case 'export':
      return (await import('./export-command.js')).runExport(call.opts, params, fail);
  }
}
