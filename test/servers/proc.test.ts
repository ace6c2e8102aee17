/**
 * The real-server harness's process handling (`proc.ts`), without a server. A start that fails is judged
 * by what the server wrote on stderr (nginx's `emerg`), read once its exit is reported. 'exit' may come
 * before the last of that output has been read: CI once read an nginx that refused to start with an empty
 * stderr on a loaded machine. Here the words come after the exit for certain: the process leaves a
 * child holding its stderr, which writes a moment later.
 */
import { startProcess, stopProcess } from './proc.js';

/** A script that exits at once with code 3 while a child it leaves writes `late` on the same stderr after `ms`. */
function exitsBeforeItsWords(ms: number): string {
  const child = `setTimeout(() => process.stderr.write('late'), ${ms})`;
  return `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: ['ignore', 'ignore', 'inherit'] }).unref(); process.exitCode = 3;`;
}

test('what a process wrote on stderr after its exit event is read by the time its exit is reported', async () => {
  const p = startProcess('late-writer', process.execPath, ['-e', exitsBeforeItsWords(300)]);
  expect(await p.exited).toBe(3);
  expect(p.stderr()).toBe('late');
});

test('a child that keeps the stderr open delays the report of the exit by a bounded while only', async () => {
  const t0 = Date.now();
  const p = startProcess('lingering-writer', process.execPath, ['-e', exitsBeforeItsWords(20_000)]);
  expect(await p.exited).toBe(3);
  expect(Date.now() - t0).toBeLessThan(10_000);
  await stopProcess(p); // (the child that still holds the pipe)
});
