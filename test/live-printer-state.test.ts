/**
 * Issue 16.3: "Live mode does not keep a JSON fingerprint per finding." The live printer remembers, per
 * finding, only what it needs to tell an update from a repeat (a few numbers and short words), never a
 * copy or a serialisation of the finding: a `tail -f` of a log with many distinct findings must not grow
 * by the size of their evidence. Measured as the heap the printer keeps after the findings are dropped.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { createLivePrinter } from '../src/run/live.js';
import type { Output } from '../src/run/output.js';
import type { Finding } from '../src/types.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const FINDINGS = 5_000;
const LINE = 'x'.repeat(500);

/** A finding with a full evidence list of distinct 500-character lines (~6 KB as JSON). */
function finding(i: number): Finding {
  const evidence = Array.from({ length: 10 }, (_, k) => ({
    source: 'error.log',
    line: i * 10 + k + 1,
    time: '2026-12-02T10:00:00',
    pid: 1,
    text: `${i}:${k}:${LINE}`,
  }));
  return {
    id: `responder-timeout:nginx:${i}`,
    cause: 'responder-timeout',
    severity: 'warning',
    server: 'nginx',
    host: null,
    ruleIds: ['nginx-ocsp-timeout'],
    count: 1,
    first: '2026-12-02T10:00:00',
    last: '2026-12-02T10:00:00',
    message: `m${i}`,
    messageId: 'responder-timeout.default',
    data: {},
    subject: { certificate: `/etc/ssl/c${i}.pem` },
    evidence,
    evidenceOmitted: 0,
    fix: { summary: 's', steps: [] },
  } as unknown as Finding;
}

test(`${FINDINGS} findings printed live (ndjson): the printer keeps a few bytes per finding, not its evidence`, async () => {
  let bytes = 0;
  const out = { write: (s: string) => ((bytes += s.length), true), drained: async () => undefined } as unknown as Output;
  const printer = createLivePrinter({ format: 'ndjson', human: { color: 0 }, out, present: (f) => f as Finding, clock: 'log' });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < FINDINGS; i++) {
    const f = finding(i);
    printer.onEvent({ type: 'new', id: f.id, count: 1, last: f.last, finding: f } as Parameters<typeof printer.onEvent>[0]);
  }
  gc();
  const kept = process.memoryUsage().heapUsed - before;
  expect(bytes).toBeGreaterThan(FINDINGS * 5_000); // the findings were printed whole
  // Each finding's JSON is ~5.5 KB (27 MB in all); what the printer keeps is ~0.3 KB each.
  expect(kept / FINDINGS).toBeLessThan(1_000);
  // The printer is still in use (kept alive until here).
  await printer.flush([]);
});
