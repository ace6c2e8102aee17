/** The CLI case table (test/cli-cases.ts) run through the built binary: a real process, real pipes, real exit codes. */
import { CASES, check } from './cli-cases.js';
import { runCli } from './helpers/cli.js';

test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  const r = runCli(c.args, c.stdin === undefined ? {} : { input: c.stdin });
  check(c, { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr });
});
