/**
 * The streaming path in a test: bytes through the byte scanner (`LineScanner`) in chunks of the given
 * sizes, into an analyzer, and a summary of its report that two paths must agree on.
 */
import { createAnalyzer, type Report } from '../../src/findings/analyzer.js';
import { DEFAULT_MAX_LINE_LENGTH, LineScanner } from '../../src/lines/scan.js';
import { RecordFramer } from '../../src/lines/record-frames.js';
import type { FindingData, Rule } from '../../src/types.js';

/** Scan `bytes` as input `x.log`, cut into chunks of `sizes` (cycled); `simd` false forces the `indexOf` fallback. */
export function scanInChunks(
  rules: readonly Rule[],
  bytes: Buffer,
  sizes: number[],
  o: { maxLineLength?: number; simd?: boolean } = {},
): Report<FindingData> {
  const a = createAnalyzer(rules);
  const h = a.input('x.log', { deferUntilNextLine: true }); // as `scanInput()` (src/run/stream.ts) opens it
  const s = new LineScanner(a.matcher.prefilter, h, o.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH, o.simd ?? true);
  // (journalctl's multi-line formats become one record a line before the scanner, as in `scanInput()`.)
  const framer = new RecordFramer((b) => s.push(b));
  let pos = 0;
  let i = 0;
  while (pos < bytes.length) {
    const n = Math.max(1, sizes[i++ % sizes.length]!);
    framer.push(bytes.subarray(pos, pos + n));
    pos += n;
  }
  framer.end();
  s.end();
  h.end();
  return a.end();
}

/** What two paths must give alike: the stats, and each finding's id, count and evidence lines. */
export function reportSummary(r: Report<FindingData>): unknown {
  return {
    stats: r.stats,
    findings: r.findings.map((f) => ({ id: f.id, count: f.count, lines: f.evidence.map((e) => [e.line, e.text]) })),
  };
}
