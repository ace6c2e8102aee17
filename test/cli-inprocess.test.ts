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
