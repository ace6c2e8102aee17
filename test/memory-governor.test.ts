/**
 * The memory governor of src/v8-flags.ts: past an RSS limit a run sets V8's `--optimize-for-size`, and the
 * flags are put back before the bundle's code-cache writer compares them with those at start. V8 flags are
 * process-wide, so each case runs in its own Node process.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const FLAGS = path.join(import.meta.dirname, '..', 'dist', 'v8-flags.js');

/** Run an ES module snippet with `saveMemoryWhenLarge`, `tuneV8`, `untuneV8` and `fingerprint()` (V8's flag hash, as the bundle reads it) in scope. */
function inChild(body: string): string {
  const src = `import vm from 'node:vm';
import { saveMemoryWhenLarge, tuneV8, untuneV8 } from ${JSON.stringify(FLAGS)};
const fingerprint = () => new vm.Script('"flags"').createCachedData().toString('base64');
${body}`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8' }).trim();
}

test('below the limit nothing changes; past it the flag is set once, and untuneV8 puts the flags back as they were at start', () => {
  const out = inChild(`
const start = fingerprint();
tuneV8();
const tuned = fingerprint();
const below = saveMemoryWhenLarge(1e15, 1000);
const unchanged = fingerprint() === tuned;
const soon = saveMemoryWhenLarge(1, 1050); // within 100 ms of the last reading: not read again
const past = saveMemoryWhenLarge(1, 2000);
const changed = fingerprint() !== tuned;
untuneV8();
console.log(JSON.stringify({ below, unchanged, soon, past, changed, back: fingerprint() === start }));`);
  expect(JSON.parse(out)).toEqual({ below: false, unchanged: true, soon: false, past: true, changed: true, back: true });
});

test('once set, the young generation stays small: the new space shrinks to one 1 MiB semi-space pair', () => {
  const out = inChild(`
import v8 from 'node:v8';
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
let keep = [];
const churn = () => { for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 5e4) keep = []; } };
churn(); // as module loading does before the CLI tunes V8: the young generation has grown
tuneV8();
churn();
const before = newSpace();
saveMemoryWhenLarge(1, 1e12);
churn();
console.log(JSON.stringify({ before, after: newSpace() }));`);
  const { before, after } = JSON.parse(out) as { before: number; after: number };
  expect(before).toBeGreaterThan(2 * 1024 * 1024);
  expect(after).toBeLessThanOrEqual(2 * 1024 * 1024);
});
