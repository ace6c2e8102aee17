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
 *
 * Without root or the packages (`SERVER_NEEDS` in `harness.ts`) the whole suite is skipped with one
 * line on stderr; under `STAPLING_DOCTOR_REQUIRE_REAL=1` (`.ci/run`) that is a failure instead.
 */
import { describeIfPresent } from '../helpers/prerequisites.js';
import fs from 'node:fs';
import {
  createLab,
  SERVER_NEEDS,
  predictedCauses,
  renderCheckTable,
  renderInspectTable,
  renderProbeTable,
  renderTable,
  runScenario,
  causesOf,
  lastHandshake,
  writeResults,
  writeSamples,
  type Lab,
  type ScenarioResult,
} from './harness.js';
import { stopAll, pool } from './proc.js';
import { SCENARIOS, scenarioId, type Scenario } from './scenarios.js';
import { TEST_HOST } from './pki.js';
import type { Report } from '../../src/findings/analyzer.js';

const CAPTURE = process.env.STAPLING_CAPTURE === '1';
/** Scenarios run at once. Each is mostly waiting (handshakes, responders), so more than the cores. */
const PARALLEL = Number(process.env.STAPLING_PARALLEL ?? 8);
const ONLY = process.env.STAPLING_ONLY ? new RegExp(process.env.STAPLING_ONLY) : null;

const scenarios = SCENARIOS.filter((s) => !ONLY || ONLY.test(scenarioId(s)));
const results = new Map<string, ScenarioResult>();
let lab: Lab | undefined;
let suiteMs = 0;

/**
 * The suite needs root, Apache, nginx, dnsmasq, faketime, openssl and mount namespaces; without
 * them it is skipped with one line (a failure under STAPLING_DOCTOR_REQUIRE_REAL=1, as in CI).
 */
const describeReal = describeIfPresent(SERVER_NEEDS);

/** Longest first: nginx's responder timeout takes 60 s, so it starts at once. */
const weight = (s: Scenario) => (s.traffic?.waitMs ?? 0) + (typeof s.closeLoop === 'string' ? 10_000 : 0);

/**
 * The verdict of each block an inspection names, by the block's server name: every block of
 * `inspection.blocks`, or the one block it judged (its name read from the configuration at that line).
 */
function blockVerdictsOf(f: Report['findings'][number], config: string): Record<string, string> {
  const ins = f.inspection!;
  if (ins.blocks) return Object.fromEntries(ins.blocks.map((b) => [b.names[0] ?? b.block, `${b.cause} ${b.result}`]));
  const line = Number(/:(\d+)$/.exec(ins.configBlock ?? '')?.[1] ?? 0);
  const after = fs
    .readFileSync(config, 'utf8')
    .split('\n')
    .slice(line - 1);
  const name = after.map((l) => /^\s*(?:server_name|ServerName)\s+([^\s;]+)/.exec(l)?.[1]).find((x) => x !== undefined);
  return { [name ?? '?']: `${f.cause} ${ins.result}` };
}

describeReal('real servers', () => {
  beforeAll(async () => {
    const t0 = Date.now();
    lab = await createLab();
    const ordered = [...scenarios].sort((a, b) => weight(b) - weight(a));
    const out = await pool(
      PARALLEL,
      ordered.map((s) => () => runScenario(lab!, s)),
    );
    for (const r of out) if ('id' in r) results.set(r.id, r);
    suiteMs = Date.now() - t0;
  }, 9 * 60_000);

  afterAll(async () => {
    const ordered = scenarios.map((s) => results.get(scenarioId(s))).filter((r): r is ScenarioResult => r !== undefined);
    const table = renderTable(ordered, lab?.root);
    if (lab) writeResults(ordered, lab.root);
    process.stderr.write(
      `\nReal-server scenarios: before/after (${scenarios.length} scenarios in ${(suiteMs / 1000).toFixed(1)} s, ${PARALLEL} at once)\n${table}\n\n`,
    );
    process.stderr.write(`--inspect on the captured logs (with --config and --map-path)\n${renderInspectTable(ordered)}\n\n`);
    process.stderr.write(`probe vs openssl s_client -status (servers that started)\n${renderProbeTable(ordered)}\n\n`);
    process.stderr.write(`stapling-doctor check on each configuration before its server started\n${renderCheckTable(ordered)}\n\n`);
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
        const st = r.before!.start;
        // Refusing is the process's own verdict: it exited with a non-zero status before it was ready.
        const exitedNonZero = typeof st.exitCode === 'number' && st.exitCode !== 0;
        expect({ listening: st.listening, exitedNonZero }).toEqual({ listening: !s.refusesToStart, exitedNonZero: !!s.refusesToStart });
        if (s.stapleBefore === 'good') {
          const h = lastHandshake(r.before);
          expect({ stapled: h?.stapled, responseStatus: h?.responseStatus, certStatus: h?.certStatus }).toEqual({
            stapled: true,
            responseStatus: 'successful',
            certStatus: 'good',
          });
        }
      });

      test(`analyzer reports exactly: ${s.expected.join(', ') || 'nothing'}`, () => {
        const r = resultOf(s);
        const found = causesOf(r.before!.report);
        if (JSON.stringify(found) !== JSON.stringify([...s.expected].sort()))
          throw new Error(`expected causes [${s.expected.join(', ')}], got [${found.join(', ')}]${context(r)}`);
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

      test(
        s.inspect
          ? `--inspect confirms ${s.inspect.cause}${s.inspect.missing ? ` and names ${s.inspect.missing.join(', ')}` : ''}`
          : '--inspect keeps the cause and refutes nothing',
        () => {
          const r = resultOf(s);
          const ins = r.inspected;
          expect(ins).toBeDefined();
          const explain = `\n--- inspected findings ---\n${JSON.stringify(
            ins!.findings.map((f) => ({ cause: f.cause, inspection: f.inspection, fix: f.fix.steps.map((x) => x.text) })),
            null,
            2,
          )}${context(r)}`;
          if (!s.inspect) {
            if (JSON.stringify(causesOf(ins)) !== JSON.stringify(causesOf(r.before!.report)))
              throw new Error(`--inspect changed the causes${explain}`);
            if (ins!.findings.some((f) => f.inspection?.result === 'refuted' || f.inspection?.error))
              throw new Error(`--inspect refuted a real diagnosis${explain}`);
            return;
          }
          const want = s.inspect;
          const f = ins!.findings.find((x) => x.cause === want.cause);
          if (!f || f.inspection?.result !== 'confirmed') throw new Error(`expected a confirmed ${want.cause} finding${explain}`);
          expect(f.inspection.certificate?.subject).toBe('CN=www.stapling.test');
          expect(f.inspection.missing.map((m) => m.subject)).toEqual(want.missing ?? []);
          for (const m of want.missing ?? []) expect(f.fix.steps.map((x) => x.text).join('\n')).toContain(m);
          if (want.cause !== s.expected[0]) expect(f.inspection.causeBefore).toBe(s.expected[0]);
        },
      );

      if (s.configCaused) {
        const want = [...(s.inspect ? [s.inspect.cause] : s.expected)].sort();
        test(`check, before the server started, predicts what it then logs: ${want.join(', ') || 'nothing'}`, () => {
          const r = resultOf(s);
          const predicted = predictedCauses(r);
          const explain = `\n--- check findings ---\n${JSON.stringify(
            (r.checked?.findings ?? []).map((f) => ({ cause: f.cause, message: f.message, evidence: f.evidence.map((e) => e.text) })),
            null,
            2,
          )}\n--- not checked ---\n${JSON.stringify(r.checked?.notChecked ?? [])}${context(r)}`;
          if (JSON.stringify(predicted) !== JSON.stringify(causesOf(r.inspected)))
            throw new Error(`check predicted [${predicted.join(', ')}], the server logged [${causesOf(r.inspected).join(', ')}]${explain}`);
          expect(predicted).toEqual(want);
          expect(r.checked!.notChecked).toEqual([]);
        });
      }

      if (s.blockVerdicts) {
        const verdicts = s.blockVerdicts;
        test(`--inspect gives each block its verdict: ${Object.entries(verdicts)
          .map(([n, c]) => `${n} ${c}`)
          .join('; ')}`, () => {
          const r = resultOf(s);
          const f = r.inspected!.findings.find((x) => x.cause === s.inspect?.cause);
          if (!f?.inspection) throw new Error(`no inspected ${s.inspect?.cause} finding${context(r)}`);
          expect(blockVerdictsOf(f, r.config!)).toEqual(verdicts);
        });
      }

      if (!s.refusesToStart) {
        test('check --probe sees what probe sees at the configured endpoint', () => {
          const r = resultOf(s);
          const doc = r.before!.checkProbe;
          expect(doc).toBeDefined();
          const mine = doc!.probes!.find((p) => p.endpoint.serverName === TEST_HOST);
          if (!mine) throw new Error(`no probe of ${TEST_HOST} in ${JSON.stringify(doc!.probes)}`);
          expect(mine.address).toBe('127.0.0.1');
          expect(mine.result.verdict).toBe(r.before!.probe!.probe?.verdict);
        });

        test('probe agrees with openssl s_client -status', () => {
          const r = resultOf(s);
          const p = r.before!.probe;
          expect(p).toBeDefined();
          if (p!.probeError || !p!.probe) throw new Error(`probe failed: ${p!.probeError}`);
          if (!p!.agreesWith)
            throw new Error(
              `probe and s_client disagree: ${p!.differences.join('; ')}\n--- probe ---\n${JSON.stringify(p!.probe, null, 2)}\n--- s_client ---\n${p!.sclientAfter.output}`,
            );
          expect(p!.probeCode).toBe(p!.probe.verdict === 'good' ? 0 : 1);
          if (s.stapleBefore === 'good' && s.expected.length === 0 && s.name !== 'foreign-signer') expect(p!.probe.verdict).toBe('good');
          if (s.name === 'foreign-signer' && s.server === 'apache') expect(p!.probe.verdict).toBe('not-verified');
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
            expect({ stapled: h?.stapled, responseStatus: h?.responseStatus, certStatus: h?.certStatus }).toEqual({
              stapled: true,
              responseStatus: 'successful',
              certStatus: 'good',
            });
          } else {
            expect({ completed: h?.completed, stapled: h?.stapled }).toEqual({ completed: true, stapled: false });
          }
          const still = causesOf(r.after!.report);
          if (still.length > 0)
            throw new Error(`after the fix the analyzer still reports [${still.join(', ')}]\n--- log after fix ---\n${r.after!.log}`);
        });
      }
    });
  }
});
