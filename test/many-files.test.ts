/**
 * Many small files (issue 16, item 7): 20 000 small files must cost well under 2.5 ms each, so nothing
 * may be redone per file that depends only on the rules. No timed test (speed is shown by
 * `npm run bench` and in the README); instead the structural property: scanning many short inputs
 * plans the prefilter (anchors, SIMD fingerprint tables, trigger verification lists) once, not once per
 * input, and allocates no sampling buffer for an input that ends in its first chunk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { jest } from '@jest/globals';
import { createAnalyzer } from '../src/findings/analyzer.js';
import { Teddy } from '../src/lines/teddy.js';
import { loadRules } from '../src/rules/load.js';
import { scanInput } from '../src/run/stream.js';
import { tempDir } from './helpers/cli.js';

const rules = await loadRules();
const LINE =
  '2018/09/27 10:38:51 [error] 1043#0: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.example.org, peer: 2.21.67.65:80, certificate: "/etc/ssl/s.pem"';

test('200 small files through one analyzer: the prefilter is planned once, every file still scanned', async () => {
  const { dir, cleanup } = tempDir('sd-many-');
  try {
    const files = Array.from({ length: 200 }, (_, i) => {
      const f = path.join(dir, `site${i}-error.log`);
      fs.writeFileSync(f, `noise ${i}\n${LINE.replace('s.pem', `s${i % 7}.pem`)}\n`);
      return f;
    });
    const analyzer = createAnalyzer(rules);
    const fingerprints = jest.spyOn(analyzer.matcher.prefilter, 'fingerprintPlan');
    const anchors = jest.spyOn(analyzer.matcher.prefilter, 'anchors');
    const teddies = jest.spyOn(Teddy, 'create');
    const alloc = jest.spyOn(Buffer, 'allocUnsafe');
    for (const f of files) await scanInput(analyzer, f, f);
    const report = analyzer.end();
    expect(report.stats.lines).toBe(400);
    expect(report.findings.reduce((n, f) => n + f.count, 0)).toBe(200);
    expect(fingerprints.mock.calls.length + anchors.mock.calls.length).toBeLessThanOrEqual(1);
    expect(teddies.mock.calls.length).toBeLessThanOrEqual(1);
    // No 256 KiB sampling buffer per file (a file of one chunk never needs it).
    expect(alloc.mock.calls.filter(([n]) => n === 256 * 1024)).toHaveLength(0);
  } finally {
    jest.restoreAllMocks();
    cleanup();
  }
});
