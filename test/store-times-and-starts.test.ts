/**
 * The finding store's two promises about time: first/last are the earliest and latest times of the
 * evidence whatever order the inputs were read in, and one start of Apache is one occurrence — also
 * when it runs as a daemon, whose two start-up passes are written under two pids.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { createAnalyzer } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';
import type { Report } from '../src/findings/analyzer.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const rules = await loadRules();
const NGINX_DOWN = fs.readFileSync(path.join(ROOT, 'samples/real/nginx-responder-down.log'), 'utf8').split('\n')[0]!;

/** The sample line at another time: `2026/11/23 02:17:04` → the given day and hour. */
function at(day: number, hour: number): string {
  const stamp = `2026/11/${String(day).padStart(2, '0')} ${String(hour).padStart(2, '0')}:00:00`;
  return NGINX_DOWN.replace(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/, stamp);
}

function analyseInputs(inputs: { name: string; text: string }[]): Report['findings'] {
  const a = createAnalyzer(rules);
  for (const i of inputs) {
    const h = a.input(i.name);
    i.text.split('\n').forEach((l, n) => h.line(l, n + 1));
    h.end();
  }
  return a.end().findings as Report['findings'];
}

describe('first and last are the earliest and latest times, whatever the read order', () => {
  test('a rotation given as the shell expands error.log* (live file first) still runs first → last forwards', () => {
    const { dir, cleanup } = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'error.log'), `${at(23, 12)}\n`);
      fs.writeFileSync(path.join(dir, 'error.log.1'), `${at(22, 12)}\n`);
      fs.writeFileSync(path.join(dir, 'error.log.2.gz'), zlib.gzipSync(`${at(21, 12)}\n`));
      // what `stapling-doctor error.log*` receives from the shell: alphabetical, the live file first
      const r = runCli(['--format', 'json', 'error.log', 'error.log.1', 'error.log.2.gz'], { cwd: dir });
      const report = JSON.parse(r.stdout) as Report;
      expect(report.findings).toHaveLength(1);
      expect(report.findings[0]!.first).toBe('2026-11-21T12:00:00');
      expect(report.findings[0]!.last).toBe('2026-11-23T12:00:00');
    } finally {
      cleanup();
    }
  });

  test('any split of the evidence over inputs read in any order gives the minimum and maximum time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ day: fc.integer({ min: 1, max: 28 }), hour: fc.integer({ min: 0, max: 23 }), input: fc.nat(3) }), {
          minLength: 1,
          maxLength: 12,
        }),
        (lines) => {
          const inputs = [0, 1, 2, 3]
            .map((i) => ({
              name: `in${i}`,
              text: lines
                .filter((l) => l.input === i)
                .map((l) => at(l.day, l.hour))
                .join('\n'),
            }))
            .filter((i) => i.text !== '');
          const findings = analyseInputs(inputs);
          const iso = lines.map((l) => `2026-11-${String(l.day).padStart(2, '0')}T${String(l.hour).padStart(2, '0')}:00:00`).sort();
          expect(findings).toHaveLength(1);
          expect(findings[0]!.first).toBe(iso[0]);
          expect(findings[0]!.last).toBe(iso[iso.length - 1]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('one start of Apache is one occurrence', () => {
  const daemonLog = fs.readFileSync(path.join(ROOT, 'test/fixtures/apache-daemon/start-graceful-stop-start.log'), 'utf8');

  test('started as a daemon (two pids per start), then a graceful restart and another start: three occurrences', () => {
    const findings = analyseInputs([{ name: 'error.log', text: daemonLog }]);
    expect(findings.map((f) => f.cause)).toEqual(['issuer-certificate-missing']);
    const f = findings[0]!;
    // the capture really holds the daemon pattern: four pids write AH02217 (two per start; the graceful restart is the running parent's)
    expect(f.subject.pids).toHaveLength(4);
    expect(f.count).toBe(3);
  });

  test('one daemon start alone is one occurrence', () => {
    const firstStart = daemonLog.split('\n').filter((l) => l.includes('[pid 8432:') || l.includes('[pid 8433:'));
    const untilGraceful = firstStart.slice(
      0,
      firstStart.findIndex((l) => l.includes('AH00493')),
    );
    expect(new Set(untilGraceful.map((l) => /pid (\d+)/.exec(l)?.[1])).size).toBe(2);
    expect(analyseInputs([{ name: 'error.log', text: untilGraceful.join('\n') }])[0]!.count).toBe(1);
  });

  test('started in the foreground (both passes under one pid): one occurrence', () => {
    const text = fs.readFileSync(path.join(ROOT, 'samples/real/apache-issuer-missing.log'), 'utf8');
    const findings = analyseInputs([{ name: 'error.log', text }]);
    expect(findings[0]!.subject.pids).toHaveLength(1);
    expect(findings[0]!.count).toBe(1);
  });

  test('three processes within moments are not folded into one start: a third pid starts a new occurrence', () => {
    const pass = daemonLog.split('\n').filter((l) => l.includes('[pid 8432:') && /AH02217|AH02604/.test(l));
    const as = (pid: number): string[] => pass.map((l) => l.replace(/pid 8432:tid 8432/, `pid ${pid}:tid ${pid}`));
    expect(analyseInputs([{ name: 'error.log', text: [...as(100), ...as(101), ...as(102)].join('\n') }])[0]!.count).toBe(2);
  });
});
