/**
 * Real servers, real logs, real fixes (issue 3). For every scenario in `scenarios.ts`: start Apache or
 * nginx with the broken configuration, make real `openssl s_client -status` handshakes, capture what
 * the server wrote, and check that the CLI reports exactly the expected cause and a fix naming the
 * right directive; where the fix is a configuration change, apply the fix from the JSON, restart and
 * check that stapling works (or, for "stapling off", that the warning is gone) and the new log is clean.
 *
 * All scenarios run in `beforeAll`, several at once (each has its own instance and port); the tests
 * below only look at the results. A before/after table is printed at the end.
 *
 * Capture mode (`STAPLING_CAPTURE=1`, `npm run samples:regenerate`) runs the same scenarios and
 * rewrites `samples/real/` instead of asserting the diagnoses.
 */
import { createLab, renderTable, runScenario, causesOf, lastHandshake, writeResults, writeSamples, type Lab, type ScenarioResult } from './harness.js';
import { stopAll, pool } from './proc.js';
import { SCENARIOS, scenarioId, type Scenario } from './scenarios.js';

const CAPTURE = process.env.STAPLING_CAPTURE === '1';
/** Scenarios run at once. Each is mostly waiting (handshakes, responders), so more than the cores. */
const PARALLEL = Number(process.env.STAPLING_PARALLEL ?? 8);
const ONLY = process.env.STAPLING_ONLY ? new RegExp(process.env.STAPLING_ONLY) : null;

const scenarios = SCENARIOS.filter((s) => !ONLY || ONLY.test(scenarioId(s)));
const results = new Map<string, ScenarioResult>();
let lab: Lab | undefined;
let suiteMs = 0;

/** Longest first: nginx's responder timeout takes 60 s, so it starts at once. */
const weight = (s: Scenario) => (s.traffic?.waitMs ?? 0) + (typeof s.closeLoop === 'string' ? 10_000 : 0);

beforeAll(async () => {
  const t0 = Date.now();
  lab = await createLab();
  const ordered = [...scenarios].sort((a, b) => weight(b) - weight(a));
  const out = await pool(PARALLEL, ordered.map((s) => () => runScenario(lab!, s)));
  for (const r of out) if ('id' in r) results.set(r.id, r);
  suiteMs = Date.now() - t0;
}, 9 * 60_000);

afterAll(async () => {
  const ordered = scenarios.map((s) => results.get(scenarioId(s))).filter((r): r is ScenarioResult => r !== undefined);
  const table = renderTable(ordered, lab?.root);
  if (lab) writeResults(ordered, lab.root);
  process.stderr.write(`\nReal-server scenarios: before/after (${scenarios.length} scenarios in ${(suiteMs / 1000).toFixed(1)} s, ${PARALLEL} at once)\n${table}\n\n`);
  try {
    if (CAPTURE && ordered.length > 0) await writeSamples(ordered, suiteMs / 1000);
  } finally {
    await lab?.stop();
    await stopAll();
  }
}, 120_000);

function resultOf(s: Scenario): ScenarioResult {
  const r = results.get(scenarioId(s));
  if (!r) throw new Error(`scenario ${scenarioId(s)} did not run (see the beforeAll error)`);
  if (r.error) throw new Error(`scenario ${r.id} failed to run:\n${r.error}`);
  return r;
}

/** The captured log and the findings, for failure messages. */
function context(r: ScenarioResult): string {
  const findings = (r.before?.report.findings ?? []).map((f) => `  ${f.cause}: ${f.message}`).join('\n') || '  (none)';
  return `\n--- captured log (${r.before?.logFile}) ---\n${r.before?.log ?? ''}\n--- findings ---\n${findings}\n`;
}

if (CAPTURE) {
  test('capture: every scenario ran and wrote a log', () => {
    for (const s of scenarios) {
      const r = resultOf(s);
      expect(r.before).toBeDefined();
    }
  });
} else {
  describe.each(scenarios.map((s) => [scenarioId(s), s] as const))('%s', (_id, s) => {
    test(`server ${s.refusesToStart ? 'refuses to start' : 'starts'}${s.stapleBefore ? ' and staples a good response' : ''}`, () => {
      const r = resultOf(s);
      expect(r.before!.start.listening).toBe(!s.refusesToStart);
      if (s.stapleBefore === 'good') {
        const h = lastHandshake(r.before);
        expect({ stapled: h?.stapled, responseStatus: h?.responseStatus, certStatus: h?.certStatus }).toEqual({ stapled: true, responseStatus: 'successful', certStatus: 'good' });
      }
    });

    test(`analyzer reports exactly: ${s.expected.join(', ') || 'nothing'}`, () => {
      const r = resultOf(s);
      const found = causesOf(r.before!.report);
      if (JSON.stringify(found) !== JSON.stringify([...s.expected].sort())) throw new Error(`expected causes [${s.expected.join(', ')}], got [${found.join(', ')}]${context(r)}`);
    });

    if (s.fixDirective !== undefined) {
      test(`fix names ${s.fixDirective ?? 'a step to take (no directive expected)'}`, () => {
        const r = resultOf(s);
        const f = r.before!.report.findings.find((x) => s.expected.includes(x.cause));
        if (!f) throw new Error(`no finding with cause ${s.expected.join('/')}, so no fix to look at${context(r)}`);
        expect(f.fix.steps.length).toBeGreaterThan(0);
        if (s.fixDirective) expect(f.fix.steps.map((x) => x.directive)).toContain(s.fixDirective);
      });
    }

    if (typeof s.closeLoop === 'string') {
      const after = s.closeLoop;
      test(`applying the JSON fix ${after === 'staple-good' ? 'makes stapling work' : 'turns stapling off'} and the new log is clean`, () => {
        const r = resultOf(s);
        if (r.loopProblem) throw new Error(`${r.loopProblem}${context(r)}`);
        expect(r.after).toBeDefined();
        expect(r.after!.start.listening).toBe(true);
        const h = lastHandshake(r.after);
        if (after === 'staple-good') {
          expect({ stapled: h?.stapled, responseStatus: h?.responseStatus, certStatus: h?.certStatus }).toEqual({ stapled: true, responseStatus: 'successful', certStatus: 'good' });
        } else {
          expect({ completed: h?.completed, stapled: h?.stapled }).toEqual({ completed: true, stapled: false });
        }
        const still = causesOf(r.after!.report);
        if (still.length > 0) throw new Error(`after the fix the analyzer still reports [${still.join(', ')}]\n--- log after fix ---\n${r.after!.log}`);
      });
    }
  });
}
