/**
 * The V8 flags the CLI runs with (`src/cli.ts`), and how to take them back (the bundle's code cache,
 * `src/bundle/loader.ts`).
 *
 * They are set once the CLI's modules are loaded, right before the run, not at the top of the entry:
 * Node's built-in modules come with a code cache made under V8's default flags, and V8 refuses a code
 * cache made under other flags (the flag hash is part of its header: V8 11.3,
 * src/snapshot/code-serializer.cc, `SerializedCodeData::SanityCheckWithoutSource`), so every built-in
 * loaded after `v8.setFlagsFromString` (crypto, child_process, net, tty, zlib, …) would be compiled from
 * its source instead. Measured with callgrind: `require` of crypto, child_process, tty and zlib costs
 * 28 M instructions under the default flags and 57 M after one flag was changed.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** One V8 flag: the setting the CLI runs with, the setting that is V8's default (`node --v8-options`, Node 20). */
export interface V8Flag {
  run: string;
  reset: string;
}

/**
 * The flags, each with why.
 * - `--semi-space-growth-factor=1`: keep V8's young generation at its initial size. Scanning produces a
 *   steady stream of short-lived garbage (one parse per candidate line) for which V8 would otherwise grow
 *   the semi-spaces to 16 MB each, adding ~30 MB to the peak RSS of a long scan for no gain in speed
 *   (measured by `npm run bench`).
 * - `--heap-growing-percent=50`: let the old generation grow by half its live size between full
 *   collections instead of V8's dynamic factor (up to 4×): a scan that keeps ~20 MB of findings otherwise
 *   lets its garbage reach ~100 MB before collecting it. Measured (test/bench/memory.mjs and the 100 000-line
 *   NDJSON case): peak RSS 147 → 98 MB and 109 → 88 MB for about 10–20 % more CPU on logs where every line
 *   matches; no change on ordinary logs (a 200 MB log without findings: 69 MB either way).
 * - `--enable-experimental-regexp-engine-on-excessive-backtracks`: defence in depth against catastrophic
 *   backtracking in rule regexes (user rules included): a regex that backtracks excessively on one input is
 *   re-run by V8's linear-time engine (V8 ≥ 8.8; Node 20 has 11.3). Rules are also linted when loaded
 *   (src/rules/load.ts) and messages are capped at MAX_MATCH_CHARS. Set before any rule is compiled.
 */
export const V8_FLAGS: readonly V8Flag[] = [
  { run: '--semi-space-growth-factor=1', reset: '--semi-space-growth-factor=2' },
  { run: '--heap-growing-percent=50', reset: '--heap-growing-percent=0' },
  {
    run: '--enable-experimental-regexp-engine-on-excessive-backtracks',
    reset: '--no-enable-experimental-regexp-engine-on-excessive-backtracks',
  },
];

let tuned = false;

/** Set {@link V8_FLAGS} for the run (process-wide: worker threads share them). */
export function tuneV8(): void {
  tuned = true;
  for (const f of V8_FLAGS) v8.setFlagsFromString(f.run);
}

/** V8's `gc` function once taken ({@link collectYoungGarbage}), null when it cannot be, undefined before. */
let gcFunction: ((options: { type: 'minor' }) => void) | null | undefined;

/**
 * Run one young-generation collection (a scavenge: ~0.15 ms on this machine, with a heap of ~10 MB) when
 * the CLI tuned V8 ({@link tuneV8}); a no-op for library users, whose process is not ours to tune, and in
 * `--jobs` workers (they do not call tuneV8).
 *
 * Why: decompressors hand their output on in fresh buffers (Node's zlib allocates one per 64 KiB of
 * output, fzstd one per block of up to 128 KiB plus its work arrays, xz-decompress one per output
 * buffer), which the scanner copies and drops at once. Their memory is malloc'd (below glibc's dynamic
 * mmap threshold: in the `[heap]` mapping) and freed only when V8 collects the dead Buffer objects; as
 * these are small on V8's heap, collections came seldom, and what glibc got back stayed resident. Measured
 * on an 800 000-line (181 MB) log, /proc/self/smaps at the peak: `[heap]` 7 MB plain, 23 MB `.gz`, 25 MB
 * `.zst`; peak RSS plain 76 MB, `.gz`/`.xz`/`.zst` 94–106 MB. With a scavenge every
 * `COLLECT_EVERY` bytes of output (src/input/read.ts): `[heap]` 9–15 MB, peak RSS 76–91 MB
 * (README, Robustness). The `gc` function is taken once, with `--expose-gc` set only while a context is
 * created (`vm.runInNewContext('gc')`) and put back at once, so the flags stay those of the run.
 */
export function collectYoungGarbage(): void {
  if (!tuned || gcFunction === null) return;
  if (gcFunction === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gcFunction = vm.runInNewContext('gc') as typeof gcFunction;
    } catch {
      gcFunction = null;
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
    if (typeof gcFunction !== 'function') gcFunction = null;
  }
  gcFunction?.({ type: 'minor' });
}

/**
 * Resident set size (bytes) past which a run trades some speed for memory ({@link saveMemoryWhenLarge}):
 * 88 MiB, above what an ordinary scan reaches (a 1 GiB log without findings: ~83 MB) and below the 100 MB
 * the README promises.
 */
export const SAVE_MEMORY_RSS = 88 * 1024 * 1024;
/** The flags {@link saveMemoryWhenLarge} sets (see there). */
const SAVE_MEMORY_FLAGS = ['--optimize-for-size', '--heap-growing-percent=25'];
/** How often {@link saveMemoryWhenLarge} reads the RSS at most, ms (a read is a system call: ~10 µs). */
const SAVE_MEMORY_CHECK_MS = 100;
let savingMemory = false;
let checkedAt = 0;

/**
 * Once the process's RSS passes {@link SAVE_MEMORY_RSS}, set {@link SAVE_MEMORY_FLAGS} for the rest of the
 * run. `--optimize-for-size`, set at run time, keeps the young generation at one 1 MiB semi-space (the flag implies
 * `--max-semi-space-size=1`: V8 11.3, src/flags/flag-definitions.h) and grows the old generation by 2 MiB
 * steps instead of 8 MiB (`Heap::CurrentHeapGrowingMode()` is conservative when
 * `ShouldOptimizeForMemoryUsage()`, src/heap/heap.cc); and `--heap-growing-percent=25` instead of the
 * run's 50, the old generation's limit then 1.25× what survived the last full collection. Measured on
 * bench (e)'s million certificates: peak RSS −13 MB for ~4× the scavenges (about 10 % more CPU on a log
 * where every line matches), which is why it waits for a run that needs it. Cheap to call per chunk:
 * it reads the RSS at most every {@link SAVE_MEMORY_CHECK_MS}. Not called while `--jobs` workers scan: each
 * worker's own heap puts such a run past the limit at once, and the flags are process-wide, so every
 * worker would run with the small young generation (a run with workers is about speed).
 * @param limit the RSS in bytes past which to set it (default {@link SAVE_MEMORY_RSS})
 * @param now the time, ms (default `Date.now()`)
 * @returns true once the flag is set (by this call or an earlier one)
 */
export function saveMemoryWhenLarge(limit = SAVE_MEMORY_RSS, now = Date.now()): boolean {
  if (savingMemory || now - checkedAt < SAVE_MEMORY_CHECK_MS) return savingMemory;
  checkedAt = now;
  if (process.memoryUsage.rss() <= limit) return false;
  savingMemory = true;
  for (const f of SAVE_MEMORY_FLAGS) v8.setFlagsFromString(f);
  return true;
}

/**
 * V8's defaults of the flags a run may set later: `--jobs` raises `--initial-old-space-size` for its workers
 * (src/run/jobs.ts, `startWorkersWithRoomyHeap`) unless the command line sets it.
 */
const LATER_FLAGS = ['--initial-old-space-size=0'];
/**
 * V8's defaults of what {@link saveMemoryWhenLarge} sets beyond {@link V8_FLAGS}: `--optimize-for-size` and,
 * by implication, `--max-semi-space-size` (its `--heap-growing-percent` is reset with {@link V8_FLAGS}).
 */
const SAVE_MEMORY_RESET = ['--no-optimize-for-size', '--max-semi-space-size=0'];

/**
 * Put {@link V8_FLAGS} and the flags a run may set later back to V8's defaults (only when the process is about to
 * end: the bundle's code cache, whose writer checks that the flags are then those the run started with).
 */
export function untuneV8(): void {
  for (const f of V8_FLAGS) v8.setFlagsFromString(f.reset);
  for (const f of LATER_FLAGS) v8.setFlagsFromString(f);
  if (savingMemory) for (const f of SAVE_MEMORY_RESET) v8.setFlagsFromString(f);
}
