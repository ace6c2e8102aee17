/**
 * `collectYoungGarbage` (src/v8-flags.ts), called by the reader after every `COLLECT_EVERY` bytes of
 * decompressed output: a scavenge only when the CLI tuned V8, and V8's flags (their hash, which the
 * bundle's code cache checks) as they were, `gc` not exposed to other contexts. Each case in its own
 * Node process, as V8 flags are process-wide.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const FLAGS = path.join(import.meta.dirname, '..', 'dist', 'v8-flags.js');

/** Minor collections seen (PerformanceObserver `gc` entries, kind 1) and the flag hash around `body`. */
function inChild(body: string): { minor: number; same: boolean; exposed: string } {
  const src = `import vm from 'node:vm';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { collectYoungGarbage, tuneV8 } from ${JSON.stringify(FLAGS)};
const fingerprint = () => new vm.Script('"flags"').createCachedData().toString('base64');
let minor = 0;
const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++; });
obs.observe({ entryTypes: ['gc'] });
${body}
const before = fingerprint();
for (let i = 0; i < 5; i++) collectYoungGarbage();
const same = fingerprint() === before;
setTimeout(() => { obs.disconnect(); console.log(JSON.stringify({ minor, same, exposed: vm.runInNewContext('typeof gc') })); }, 100);`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8' })) as never;
}

test('a no-op unless the CLI tuned V8 (library users keep their process as it is)', () => {
  expect(inChild('')).toEqual({ minor: 0, same: true, exposed: 'undefined' });
});

test('after tuneV8: one scavenge per call, V8 flags unchanged, gc not exposed to new contexts', () => {
  const r = inChild('tuneV8();');
  expect(r.minor).toBeGreaterThanOrEqual(5);
  expect(r.same).toBe(true);
  expect(r.exposed).toBe('undefined');
});
