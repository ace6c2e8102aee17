/**
 * The SIMD prefilter: the committed module is the compiled WAT source, it finds exactly the
 * fingerprint occurrences a plain search finds, and the scanner gives the same report with it as
 * with the Buffer.indexOf fallback.
 */
import fc from 'fast-check';
import { TEDDY_WASM_BASE64 } from '../src/lines/teddy-wasm.js';
import { scanBuffer, Teddy } from '../src/lines/teddy.js';
import { AnchorPlanner, byteModel } from '../src/rules/prefilter.js';
import { loadRules } from '../src/rules/load.js';
import { reportSummary, scanInChunks } from './helpers/chunked-scan.js';

// @ts-expect-error -- plain ESM helper without types
const { compileTeddy } = (await import('./tools/build-wasm.mjs')) as { compileTeddy: () => Promise<Buffer> };

test('src/lines/teddy-wasm.ts is the compiled teddy.wat (run npm run build:wasm after editing the WAT)', async () => {
  expect((await compileTeddy()).toString('base64')).toBe(TEDDY_WASM_BASE64);
});

function naive(buf: Buffer, fps: Buffer[], from: number, to: number): string[] {
  const out: string[] = [];
  for (let p = from; p < to; p++)
    fps.forEach((f, i) => f.length <= buf.length - p && buf.subarray(p, p + f.length).equals(f) && out.push(`${p}:${i}`));
  return out.sort();
}

test('property: finds every fingerprint occurrence, and nothing else', () => {
  const alphabet = fc.constantFrom(...'abcOCSP _:\n\r"#\u0000\u00ff'.split(''));
  fc.assert(
    fc.property(
      fc.array(
        fc.array(alphabet, { minLength: 3, maxLength: 4 }).map((a) => a.join('')),
        { minLength: 1, maxLength: 12 },
      ),
      fc.array(alphabet, { maxLength: 300 }).map((a) => a.join('')),
      fc.nat(40),
      (fpStrings, text, cut) => {
        const fps = [...new Set(fpStrings)].map((s) => Buffer.from(s, 'latin1'));
        const buf = Buffer.from(text, 'latin1');
        const from = Math.min(cut, buf.length);
        const teddy = Teddy.create(fps)!;
        const got: string[] = [];
        teddy.find(buf, from, buf.length, (p, i) => got.push(`${p}:${i}`));
        expect(got.sort()).toEqual(naive(buf, fps, from, buf.length));
      },
    ),
    { numRuns: 1500 },
  );
});

test('property: any grouping into the 16 buckets finds the same occurrences', () => {
  const alphabet = fc.constantFrom(...'abcOCSP _:\n\r"#\u0000\u00ff'.split(''));
  fc.assert(
    fc.property(
      fc.uniqueArray(
        fc.array(alphabet, { minLength: 3, maxLength: 4 }).map((a) => a.join('')),
        { minLength: 1, maxLength: 24 },
      ),
      fc.array(fc.nat(15), { minLength: 24, maxLength: 24 }),
      fc.array(alphabet, { maxLength: 300 }).map((a) => a.join('')),
      (fpStrings, buckets, text) => {
        const fps = fpStrings.map((s) => Buffer.from(s, 'latin1'));
        const buf = Buffer.from(text, 'latin1');
        const got: string[] = [];
        Teddy.create(fps, buckets.slice(0, fps.length))!.find(buf, 0, buf.length, (p, i) => got.push(`${p}:${i}`));
        expect(got.sort()).toEqual(naive(buf, fps, 0, buf.length));
      },
    ),
    { numRuns: 1000 },
  );
});

test('the planned grouping puts every fingerprint in one of the 16 buckets, at most 32 in each', async () => {
  const rules = await loadRules();
  const planner = new AnchorPlanner([...new Set(rules.map((r) => r.trigger))]);
  const sample = Buffer.from(
    rules
      .flatMap((r) => [...r.samples.match, ...r.samples.nomatch].map((s) => s.line))
      .join('\n')
      .repeat(20),
  );
  for (const plan of [planner.fingerprintPlan(), planner.fingerprintPlan(sample)]) {
    expect(plan.buckets).toHaveLength(plan.fingerprints.length);
    expect(plan.buckets.every((b) => Number.isInteger(b) && b >= 0 && b < 16)).toBe(true);
    for (let b = 0; b < 16; b++) expect(plan.buckets.filter((x) => x === b).length).toBeLessThanOrEqual(32);
    expect(
      Teddy.create(
        plan.fingerprints.map((f) => Buffer.from(f, 'latin1')),
        plan.buckets,
      ),
    ).not.toBeNull();
  }
});

test('property: a chunk read into the module memory (scanBuffer) is scanned in place exactly as a copy', () => {
  const region = scanBuffer(1 << 20)!;
  expect(region).not.toBeNull();
  const alphabet = fc.constantFrom(...'abcOCSP _:\n\r"#\u0000'.split(''));
  const text = fc.array(alphabet, { maxLength: 300 }).map((a) => a.join(''));
  fc.assert(
    fc.property(text, text, fc.nat(40), (chunkText, after, cut) => {
      // What follows the chunk in its region is left from an earlier read: it must not count (a CR at
      // the chunk's end followed there by LF, a fingerprint completed there).
      const n = region.write(chunkText, 0, 'latin1');
      region.write(after, n, 'latin1');
      const chunk = region.subarray(0, n);
      const from = Math.min(cut, n);
      const teddy = Teddy.create(['OCSP', 'abc', 'P\r\n', '\r\n"'].map((f) => Buffer.from(f, 'latin1')))!;
      const run = (b: Buffer) => {
        const hits: string[] = [];
        const ends = teddy.scan(b, from, b.length, (p, i, line) => hits.push(`${p}:${i}:${line}`));
        return { hits, ends };
      };
      expect(run(chunk)).toEqual(run(Buffer.from(chunk)));
    }),
    { numRuns: 1000 },
  );
});

test('a fingerprint with a NUL byte does not match the padding after the input', () => {
  const got: number[] = [];
  Teddy.create([Buffer.from('P\u00ff\u0000', 'latin1')])!.find(Buffer.from('P\u00ff', 'latin1'), 0, 2, (p) => got.push(p));
  expect(got).toEqual([]);
});

test('finds occurrences across the 1 MiB segment boundary and in the last bytes', () => {
  const buf = Buffer.alloc((1 << 20) + 10, 'x');
  buf.write('OCSP', (1 << 20) - 2, 'latin1');
  buf.write('OCSP', buf.length - 4, 'latin1');
  const got: number[] = [];
  Teddy.create([Buffer.from('OCSP')])!.find(buf, 0, buf.length, (p) => got.push(p));
  expect(got).toEqual([(1 << 20) - 2, buf.length - 4]);
});

test('fingerprints come from the triggers and cover each of them', async () => {
  const rules = await loadRules();
  const planner = new AnchorPlanner([...new Set(rules.map((r) => r.trigger))]);
  const sample = Buffer.from(
    rules
      .flatMap((r) => r.samples.match.map((s) => s.line))
      .join('\n')
      .repeat(50),
  );
  for (const fps of [planner.chooseFingerprints(), planner.chooseFingerprints(byteModel(sample))]) {
    for (const t of planner.triggerBytes) expect(fps.some((f) => t.includes(f))).toBe(true);
    for (const f of fps) expect(f.length === 4 || (f.length === 3 && planner.triggerBytes.includes(f))).toBe(true);
  }
});

test('the scanner reports the same with the SIMD filter and with the indexOf fallback', async () => {
  const rules = await loadRules();
  const lines = rules.flatMap((r) => r.samples.match.map((s) => s.line));
  const noise = '2018/09/14 19:03:05 [error] 2035#2035: *9134 access forbidden by rule, client: 12.34.56.78, server: example.com';
  const text = Array.from({ length: 3000 }, (_, i) => (i % 17 === 0 ? lines[i % lines.length] : `${noise} ${i}`)).join('\n');
  const report = (simd: boolean) => scanInChunks(rules, Buffer.from(text), [70_001], { simd });
  const simd = report(true);
  expect(simd.findings.length).toBeGreaterThan(5);
  expect(reportSummary(simd)).toEqual(reportSummary(report(false)));
});
