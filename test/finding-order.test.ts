/**
 * Every path lists the same findings in the same order: `analyze()` (and the line-by-line reference the
 * bench checks against), the CLI with `--jobs 1`, with `--jobs 2` over rotated files, and live NDJSON.
 *
 * The bench found two `issuer-certificate-missing` findings swapped between the CLI and `analyze()`: an
 * expired certificate (Apache's `notafter` before the line's own time) is an error, but only the CLI's
 * render step raised it, after `analyze()` had already ranked it as the rule's warning. The input here is
 * every positive sample of every rule file (real lines, each cited with its source in its rule), in the
 * rule files' order: it holds that expired certificate (apache-issuer-not-found, captured from Apache
 * 2.4.68) after warnings of the same cause. Each expectation is computed from the data (the severity the
 * report words, the order the other path gives), never written down.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { analyze, renderReport } from '../src/findings/analyzer.js';
import { severityOf } from '../src/findings/registry.js';
import { sortFindings } from '../src/findings/store.js';
import { loadRules } from '../src/rules/load.js';
import type { FindingData } from '../src/types.js';
import { analyzeStreamsByLine } from './helpers/reference.js';
import { runCliAsync } from './helpers/robust.js';
import { tempDir } from './helpers/cli.js';

const rules = await loadRules();
const samples = rules.flatMap((r) => r.samples.match.map((s) => s.line));

/** What must agree between paths: each finding's id, severity and counts, in order. */
const digest = (list: readonly Pick<FindingData, 'id' | 'severity' | 'count' | 'first' | 'last'>[]): string[] =>
  list.map((f) => `${f.id} ${f.severity} ×${f.count} ${f.first ?? '-'}..${f.last ?? '-'}`);

test('the samples include an expired certificate after a finding of the same cause that is not', () => {
  const { findings } = analyze(samples, rules);
  const raised = findings.findIndex((f) => severityOf({ ...f, severity: 'info' }) === 'error');
  expect(raised).toBeGreaterThanOrEqual(0);
  expect(findings.some((f, i) => f.cause === findings[raised]!.cause && i !== raised)).toBe(true);
});

test('analyze() reports each finding with the severity its rendering shows, ranked by it', () => {
  const report = analyze(samples, rules);
  expect(report.findings.map((f) => f.severity)).toEqual(report.findings.map((f) => severityOf(f)));
  expect(report.findings.map((f) => renderReport(report).findings.find((r) => r.id === f.id)!.severity)).toEqual(
    report.findings.map((f) => f.severity),
  );
  expect(digest(sortFindings(report.findings))).toEqual(digest(report.findings));
});

test('analyze(), the line-by-line reference and the CLI with --jobs 1, --jobs 2 and live give one order', async () => {
  const { dir, cleanup } = tempDir('sd-order-');
  try {
    const half = Math.ceil(samples.length / 2);
    const files = [samples.slice(0, half), samples.slice(half)].map((lines, i) => {
      const file = path.join(dir, `error.log.${2 - i}`);
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    });
    const single = path.join(dir, 'error.log');
    fs.writeFileSync(single, `${samples.join('\n')}\n`);
    const cli = async (...args: string[]): Promise<FindingData[]> => {
      const r = await runCliAsync(['--format', 'json', '--fail-on', 'never', ...args]);
      expect(r.stderr).toBe('');
      return (JSON.parse(r.stdout) as { findings: FindingData[] }).findings;
    };

    const direct = digest(analyze(samples, rules, { name: single }).findings);
    expect(digest(await cli('--jobs', '1', single))).toEqual(direct);

    const byLine = await analyzeStreamsByLine(
      files.map((f) => ({ name: f, input: Readable.from([fs.readFileSync(f)]) })),
      rules,
    );
    const rotated = digest(byLine.findings);
    expect(digest(await cli('--jobs', '1', ...files))).toEqual(rotated);
    expect(digest(await cli('--jobs', '2', ...files))).toEqual(rotated);

    // Live: every finding announced, with the severity and (at the end) the count of the report.
    const live = await runCliAsync(['--live', '--format', 'ndjson', '--fail-on', 'never'], { input: fs.readFileSync(single) });
    const last = new Map<string, { severity: string; count: number }>();
    for (const l of live.stdout.split('\n').filter(Boolean)) {
      const e = JSON.parse(l) as { id?: string; severity?: string; count?: number };
      if (e.id) last.set(e.id, { severity: e.severity ?? last.get(e.id)!.severity, count: e.count ?? last.get(e.id)!.count });
    }
    const stdin = analyze(samples, rules).findings;
    expect([...last.keys()].sort()).toEqual(stdin.map((f) => f.id).sort());
    for (const f of stdin) expect(last.get(f.id)).toEqual({ severity: f.severity, count: f.count });
  } finally {
    cleanup();
  }
});
