/**
 * What {@link run} is given: the process's arguments, streams, environment and signals, injected so
 * tests run the CLI in-process. Its own module, so the command modules that take it do not import
 * `run.ts`, which imports them (a type-only import cycle).
 */
import type { OutStream } from './output.js';

/** Everything the CLI touches, injected. */
export interface RunParams {
  /** Arguments after `node stapling-doctor` (i.e. `process.argv.slice(2)`). */
  argv: string[];
  stdin: AsyncIterable<Buffer | string> & { isTTY?: boolean; destroy?: () => void };
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM/SIGHUP (the reason: the signal's name): stop reading, print the summary, exit by the contract. */
  signal?: AbortSignal;
  /** Subscribe to SIGHUP (the omprog mode reopens its output; while subscribed, SIGHUP does not stop the run); returns the unsubscribe. */
  onHangup?: (handler: () => void) => () => void;
}
