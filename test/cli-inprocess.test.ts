/** The CLI case table (test/cli-cases.ts) run in-process through run(): fast, and counted by coverage. */
import { Readable } from 'node:stream';
import { run } from '../src/run/run.js';
import { CASES, check, type CliCase, type CliOutput } from './cli-cases.js';
import { ROOT } from './helpers/cli.js';

async function inProcess(c: CliCase): Promise<CliOutput> {
  let stdout = '';
  let stderr = '';
  const stdin = Object.assign(Readable.from(c.stdin === undefined ? [] : [Buffer.from(c.stdin)]), { isTTY: false });
  const code = await run({
    argv: c.args,
    stdin,
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    env: { NO_COLOR: '1' },
    cwd: ROOT,
  });
  return { code, stdout, stderr };
}

test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
  check(c, await inProcess(c));
});

/** A stdout whose every write fails after the fact, as a full disk's does (`done` called with the error, then 'error'). */
function failingStdout(code: string): { write: (s: string, done?: (err?: Error | null) => void) => boolean; on: () => void } {
  return {
    write: (_s, done) => {
      process.nextTick(() => done?.(Object.assign(new Error(`${code}: write failed`), { code })));
      return false;
    },
    on: () => undefined,
  };
}

test.each([['--version'], ['--schema'], ['--list-causes'], ['--help'], ['explain', 'AH01941: stapling_renew_response: responder error']])(
  '%s: a write that fails after it returned (ENOSPC) is exit 2 and one line, whichever command wrote',
  async (...argv) => {
    let stderr = '';
    const code = await run({
      argv,
      stdin: Object.assign(Readable.from([]), { isTTY: false }),
      stdout: failingStdout('ENOSPC'),
      stderr: { write: (s: string) => ((stderr += s), true) },
      env: { NO_COLOR: '1' },
      cwd: ROOT,
    });
    expect({ code, stderr }).toEqual({ code: 2, stderr: 'stapling-doctor: cannot write the output: ENOSPC: write failed\n' });
  },
);

test('a reader that went away (EPIPE) is no output failure: the exit code stays the command’s', async () => {
  let stderr = '';
  const code = await run({
    argv: ['--version'],
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
    stdout: failingStdout('EPIPE'),
    stderr: { write: (s: string) => ((stderr += s), true) },
    env: {},
    cwd: ROOT,
  });
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
});
