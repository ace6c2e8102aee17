/**
 * The real-server harness: build the lab (PKI, responders, DNS, sandbox), run each scenario (start the
 * server with the broken configuration, make real handshakes, stop it, capture its log, run the CLI
 * on it), then close the loop where the scenario says so (apply the JSON fix, restart, handshake,
 * analyze the fresh log), and report the results as a before/after table and as sample logs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Report } from '../../src/findings/analyzer.js';
import type { CauseId } from '../../src/types.js';
import { commandProbe, type Needs } from '../helpers/prerequisites.js';
import { analyzeFile, checkFile, inspectFile, REPO_ROOT, type CheckDoc } from './analyze.js';
import { APACHE_BIN } from './apache.js';
import { cloneSite } from './config.js';
import { applyFix, describeChanges, planFix, type FixPlan, type ValueMap } from './fix.js';
import { describeStaple, handshakes, type HandshakeResult } from './handshake.js';
import { ServerInstance, type StartResult } from './instance.js';
import { NGINX_BIN } from './nginx.js';
import { compareProbe, describeView, sclientView, type ProbeComparison } from './probe-compare.js';
import { createPki, type Pki } from './pki.js';
import { freePort, run, sleep, waitFor } from './proc.js';
import { allocatePorts, responderUrls, startResponders, type Responders } from './responders.js';
import { createSandbox, type Sandbox } from './sandbox.js';
import { leafSpecs, scenarioId, type LabEnv, type Scenario } from './scenarios.js';

/** Host paths in captured logs are rewritten to this stable directory. */
export const NORMALISED_ROOT = '/etc/stapling-test';

/**
 * What the harness needs (checked by `servers.test.ts` through `describeIfPresent`, which skips the
 * suite with one line, or fails it under `STAPLING_DOCTOR_REQUIRE_REAL=1`). Apache and nginx are run
 * by path ({@link APACHE_BIN}, {@link NGINX_BIN}), the others by name from `PATH`. Root: the servers
 * run in private mount namespaces (`sandbox.ts`) and the harness's dnsmasq binds 127.0.0.1:53. The
 * probe catches a container that refuses mount namespaces even to root (no CAP_SYS_ADMIN).
 */
export const SERVER_NEEDS: Needs = {
  suite: 'real-server suite (test/servers)',
  run: 'npm run test:servers',
  executables: [
    { name: 'apache2', path: APACHE_BIN, package: 'apache2' },
    { name: 'nginx', path: NGINX_BIN, package: 'nginx-light' },
    { name: 'openssl', package: 'openssl' },
    { name: 'dnsmasq', package: 'dnsmasq-base' },
    { name: 'faketime', package: 'faketime' },
    { name: 'unshare', package: 'util-linux' },
  ],
  root: 'servers run in private mount namespaces and a DNS server binds 127.0.0.1:53',
  probes: [
    commandProbe(
      'mount namespace',
      'unshare',
      ['--mount', '--propagation', 'private', 'true'],
      'run where root may create mount namespaces (a container needs CAP_SYS_ADMIN)',
    ),
  ],
};

/** The running lab: its temporary root, PKI, responders, sandbox, and the values scenarios use. */
export interface Lab {
  root: string;
  pki: Pki;
  responders: Responders;
  sandbox: Sandbox;
  env: LabEnv;
  stop(): Promise<void>;
}

/**
 * Build the lab in a fresh temporary directory: ports, PKI, responders and DNS, sandbox files.
 * Call it only inside the suite guarded by {@link SERVER_NEEDS}.
 * @throws when a responder or the sandbox fails (everything started so far is stopped)
 */
export async function createLab(): Promise<Lab> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stapling-servers-'));
  fs.chmodSync(root, 0o755);
  const ports = await allocatePorts();
  const urls = responderUrls(ports);
  const pki = await createPki(path.join(root, 'pki'), leafSpecs(urls));
  for (const f of fs.readdirSync(pki.dir)) fs.chmodSync(path.join(pki.dir, f), 0o644);
  fs.chmodSync(pki.dir, 0o755);
  const sandbox = await createSandbox(path.join(root, 'sandbox'));
  const responders = await startResponders(pki, ports, path.join(root, 'responders'));
  return {
    root,
    pki,
    responders,
    sandbox,
    env: { pki, urls, siteDns: responders.siteDns, goodDns: responders.goodDns },
    stop: async () => {
      await responders.stop();
      if (process.env.STAPLING_KEEP_LAB !== '1') fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Replace the lab's temporary directory by {@link NORMALISED_ROOT} in a captured log. */
export function normalise(text: string, root: string): string {
  return text.split(root).join(NORMALISED_ROOT);
}

/** One run of the server: how it started, what the handshakes saw, the log and its analysis. */
export interface Phase {
  start: StartResult;
  handshakes: HandshakeResult[];
  /** The captured log (normalised) and where it was written. */
  log: string;
  logFile: string;
  report: Report;
  /** Before phase, server up: `stapling-doctor probe` next to `openssl s_client -status`. */
  probe?: ProbeComparison;
  /** Before phase, server up: `stapling-doctor check --probe` on the configuration it runs with. */
  checkProbe?: CheckDoc;
}

/** Everything one scenario did: the broken run, the fix plan, the run after the fix. */
export interface ScenarioResult {
  id: string;
  scenario: Scenario;
  before?: Phase;
  plan?: FixPlan;
  after?: Phase;
  /** The broken run's log analyzed with `--inspect --config <its configuration>`. */
  inspected?: Report;
  /** `stapling-doctor check` on the configuration, before the server started. */
  checked?: CheckDoc;
  /** The configuration file the broken run used. */
  config?: string;
  /** Why the loop could not be closed although the scenario says it can (no finding, no applicable step). */
  loopProblem?: string;
  /** An error that stopped the scenario (server would not run, CLI failed …). */
  error?: string;
  ms: number;
}

/** Sorted, de-duplicated causes of a report. */
export function causesOf(report: Report | undefined): CauseId[] {
  return [...new Set((report?.findings ?? []).map((f) => f.cause))].sort();
}

/** The lab's value for each value kind, for scenario `s`. */
export function labValues(lab: Lab, s: Scenario): ValueMap {
  const leaf = s.leaf === 'self-signed' ? lab.pki.selfSigned : lab.pki.leaves[s.leaf]!;
  return {
    'file:leaf-and-chain': leaf.fullchain,
    'file:issuer-chain': lab.pki.issuerChain,
    'file:issuer': lab.pki.inter.cert,
    'dns-server': lab.responders.goodDns,
    'url:http-responder': lab.env.urls.ca,
    seconds: '15',
  };
}

async function phase(
  lab: Lab,
  s: Scenario,
  inst: ServerInstance,
  site: ReturnType<Scenario['site']>,
  label: 'before' | 'after',
  config?: string,
): Promise<Phase> {
  const start = await inst.start(site);
  let hs: HandshakeResult[] = [];
  let probe: ProbeComparison | undefined;
  let checkProbe: CheckDoc | undefined;
  if (start.listening) {
    if (label === 'before') {
      const t = s.traffic ?? {};
      const count = t.count ?? (s.stapleBefore ? 8 : s.server === 'apache' ? 2 : 3);
      const pauseMs = t.pauseMs ?? (s.server === 'apache' ? 500 : 1_000);
      const servernames = t.servernames;
      hs = await handshakes(inst.port, lab.pki.root.cert, {
        count,
        pauseMs,
        untilGood: s.stapleBefore === 'good',
        ...(servernames ? { servernames } : {}),
      });
      if (t.waitForLog) {
        const re = t.waitForLog;
        await waitFor(() => re.test(inst.errorLogText()), t.waitMs ?? 30_000, 500);
      }
      probe = await compareProbe(inst.port, lab.pki.root.cert);
      if (config) checkProbe = await checkFile(config, ['--probe', '--timeout', '5000']);
    } else if (s.closeLoop === 'staple-good') {
      hs = await handshakes(inst.port, lab.pki.root.cert, { count: 10, pauseMs: 1_000, untilGood: true });
    } else {
      hs = await handshakes(inst.port, lab.pki.root.cert, { count: 3, pauseMs: 1_000 });
    }
    await sleep(300); // let the last log lines land
  }
  await inst.stop();
  const log = normalise(inst.captured(), lab.root);
  const logFile = path.join(inst.dir, `${label}.log`);
  fs.writeFileSync(logFile, log);
  fs.writeFileSync(
    path.join(inst.dir, `${label}.handshakes.txt`),
    hs.map((h, i) => `### handshake ${i + 1}: ${describeStaple(h)}\n${h.output}`).join('\n'),
  );
  return {
    start,
    handshakes: hs,
    log,
    logFile,
    report: await analyzeFile(logFile),
    ...(probe ? { probe } : {}),
    ...(checkProbe ? { checkProbe } : {}),
  };
}

/**
 * Run one scenario end to end. Never throws: failures are in `error` / `loopProblem`.
 */
export async function runScenario(lab: Lab, s: Scenario): Promise<ScenarioResult> {
  const t0 = Date.now();
  const id = scenarioId(s);
  const result: ScenarioResult = { id, scenario: s, ms: 0 };
  const inst = new ServerInstance(id, path.join(lab.root, id), await freePort(), lab.sandbox);
  try {
    const site = s.site(lab.env);
    const beforeConfig = path.join(inst.dir, `before.${s.server === 'apache' ? 'httpd' : 'nginx'}.conf`);
    fs.writeFileSync(beforeConfig, inst.configure(site));
    result.config = beforeConfig;
    // Before the server starts: what the configuration alone predicts.
    result.checked = await checkFile(beforeConfig);
    result.before = await phase(lab, s, inst, site, 'before', beforeConfig);
    result.inspected = await inspectFile(result.before.logFile, beforeConfig, lab.root, NORMALISED_ROOT);
    if (typeof s.closeLoop === 'string') {
      const finding = result.before.report.findings.find((f) => s.expected.includes(f.cause));
      if (!finding) {
        result.loopProblem = `no finding with cause ${s.expected.join('/')} in the captured log, so there is no fix to apply`;
      } else {
        result.plan = planFix(finding, labValues(lab, s));
        if (result.plan.changes.length === 0) {
          result.loopProblem = `the fix of ${finding.cause} cannot be applied: ${result.plan.problems.join('; ')}`;
        } else {
          const fixed = cloneSite(site);
          applyFix(fixed, result.plan);
          inst.rotateLog('before');
          inst.configure(fixed);
          result.after = await phase(lab, s, inst, fixed, 'after');
        }
      }
    }
  } catch (e) {
    result.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  } finally {
    await inst.stop().catch(() => undefined);
  }
  result.ms = Date.now() - t0;
  return result;
}

/** The last handshake of a phase (the one that counts). */
export const lastHandshake = (p: Phase | undefined): HandshakeResult | undefined => p?.handshakes[p.handshakes.length - 1];

function stapleBefore(r: ScenarioResult): string {
  if (!r.before) return 'error';
  if (!r.before.start.listening) return `did not start (exit ${r.before.start.exitCode})`;
  return describeStaple(lastHandshake(r.before));
}

function stapleAfter(r: ScenarioResult): string {
  const s = r.scenario;
  if (typeof s.closeLoop !== 'string') return s.expected.length === 0 ? '-' : '(loop open)';
  if (!r.after) return r.loopProblem ? 'NOT CLOSED' : 'error';
  if (!r.after.start.listening) return `did not start (exit ${r.after.start.exitCode})`;
  const found = causesOf(r.after.report);
  return `${describeStaple(lastHandshake(r.after))}${found.length > 0 ? `; still: ${found.join(',')}` : '; log clean'}`;
}

/**
 * Plain-text table (one row per scenario): scenario, expected, found, fix applied, stapling before/after.
 * @param root the lab directory, replaced by {@link NORMALISED_ROOT} in the cells
 */
export function renderTable(results: ScenarioResult[], root?: string): string {
  const rows = results.map((r) => {
    const found = r.error ? 'ERROR' : causesOf(r.before?.report).join(',') || '(none)';
    const expected = r.scenario.expected.join(',') || '(none)';
    return [
      r.id,
      expected,
      found === expected ? found : `${found}  ≠ expected`,
      typeof r.scenario.closeLoop === 'string' ? describeChanges(r.plan) : '-',
      stapleBefore(r),
      stapleAfter(r),
    ].map((cell) => (root ? normalise(cell, root) : cell));
  });
  const head = ['scenario', 'expected cause', 'cause found', 'fix applied', 'stapling before', 'stapling after fix'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * Write `results.json` into the lab directory (kept with `STAPLING_KEEP_LAB=1`): per scenario the
 * expected and found causes, the findings' fixes, the plan applied and the handshake summaries.
 */
export function writeResults(results: ScenarioResult[], root: string): void {
  const out = results.map((r) => ({
    id: r.id,
    expected: r.scenario.expected,
    found: causesOf(r.before?.report),
    error: r.error,
    loopProblem: r.loopProblem,
    before: r.before && {
      start: r.before.start,
      staples: r.before.handshakes.map(describeStaple),
      findings: r.before.report.findings.map((f) => ({ cause: f.cause, message: f.message, fix: f.fix })),
    },
    plan: r.plan,
    after: r.after && { start: r.after.start, staples: r.after.handshakes.map(describeStaple), causes: causesOf(r.after.report) },
    ms: r.ms,
  }));
  if (fs.existsSync(root)) fs.writeFileSync(path.join(root, 'results.json'), normalise(JSON.stringify(out, null, 2), root));
}

/** Sorted causes after `--inspect`, with the inspection results (`cause [confirmed]`). */
export function inspectedCauses(r: ScenarioResult): string {
  return (
    (r.inspected?.findings ?? [])
      .map((f) => `${f.inspection?.causeBefore ? `${f.inspection.causeBefore} → ` : ''}${f.cause} [${f.inspection?.result ?? '-'}]`)
      .sort()
      .join(', ') || '(none)'
  );
}

/**
 * Plain-text table of the `--inspect` runs: scenario, cause from the log, the checks and their results,
 * the certificates named as missing, and the cause after inspection.
 */
export function renderInspectTable(results: ScenarioResult[]): string {
  const rows = results
    .filter((r) => (r.inspected?.findings.length ?? 0) > 0)
    .flatMap((r) =>
      r.inspected!.findings.map((f) => [
        r.id,
        f.inspection?.causeBefore ?? f.cause,
        (f.inspection?.checks ?? []).map((c) => `${c.check}: ${c.result}`).join('; ') || '-',
        (f.inspection?.missing ?? []).map((m) => `${m.subject} (${m.role})`).join('; ') || '-',
        `${f.cause} [${f.inspection?.result ?? '-'}]`,
      ]),
    );
  return table(['scenario', 'cause (log)', 'checks', 'missing certificate named', 'cause after --inspect'], rows);
}

/** Sorted, de-duplicated causes `check` predicted. */
export function predictedCauses(r: ScenarioResult): CauseId[] {
  return [...new Set((r.checked?.findings ?? []).map((f) => f.cause))].sort();
}

/**
 * Plain-text table of `check` before each server started: scenario, what `check` predicted, what the
 * server then logged (the analyzer with `--inspect`), and whether they agree (`—` for the scenarios
 * whose fault is not in the configuration: shown, not judged).
 */
export function renderCheckTable(results: ScenarioResult[]): string {
  const rows = results.map((r) => {
    const predicted = r.checked ? predictedCauses(r).join(',') || '(nothing)' : 'ERROR';
    const logged = r.inspected ? causesOf(r.inspected).join(',') || '(nothing)' : r.error ? 'ERROR' : '-';
    const agree = !r.scenario.configCaused ? '— (not a configuration fault)' : predicted === logged ? 'yes' : 'NO';
    return [r.id, predicted, logged, agree];
  });
  return table(['scenario', 'check predicted (before start)', 'server logged (analyzer + --inspect)', 'agree'], rows);
}

/** Plain-text table of the probe comparisons: s_client before/after, probe verdict and signature, agreement. */
export function renderProbeTable(results: ScenarioResult[]): string {
  const rows = results
    .filter((r) => r.before?.probe)
    .map((r) => {
      const p = r.before!.probe!;
      const serial = p.probe?.certificate?.serial;
      return [
        r.id,
        describeView(sclientView(p.sclientAfter, serial)),
        p.probe && 'verdict' in p.probe
          ? `${p.probe.verdict} (exit ${p.probeCode}, ${p.probe.handshakes} handshake${p.probe.handshakes > 1 ? 's' : ''})`
          : `error: ${p.probeError ?? '?'}`,
        p.probe?.staple ? p.probe.staple.signature.result : '-',
        p.agreesWith ? (p.agreesWith === 'after' ? 'yes' : 'yes (s_client before)') : `NO: ${p.differences.join('; ')}`,
      ];
    });
  return table(['scenario', 'openssl s_client -status', 'probe verdict', 'signature', 'agree'], rows);
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Versions of the servers, OpenSSL and OS (first line of each tool's version output). */
export interface Versions {
  apache: string;
  apachePackage: string;
  nginx: string;
  nginxPackage: string;
  nginxOpenssl: string;
  openssl: string;
  os: string;
  debian: string;
}

/** Read the versions of the installed servers, OpenSSL and OS, for the samples' README. */
export async function versions(): Promise<Versions> {
  const first = async (cmd: string, args: string[]) => {
    const r = await run(cmd, args);
    return (
      (r.stdout + r.stderr)
        .split('\n')
        .find((l) => l.trim() !== '')
        ?.trim() ?? '?'
    );
  };
  const os = fs.readFileSync('/etc/os-release', 'utf8');
  return {
    apache: await first(APACHE_BIN, ['-v']),
    apachePackage: await first('dpkg-query', ['-W', '-f', '${Package} ${Version}', 'apache2-bin']),
    nginx: await first(NGINX_BIN, ['-v']),
    nginxPackage: await first('sh', [
      '-c',
      "dpkg-query -W -f '${Package} ${Version}\\n' nginx-light nginx-core nginx 2>/dev/null | grep -v ' $' | head -1",
    ]),
    nginxOpenssl:
      (await run(NGINX_BIN, ['-V'])).stderr
        .split('\n')
        .find((l) => l.startsWith('built with'))
        ?.trim() ?? '?',
    openssl: await first('openssl', ['version']),
    os: /PRETTY_NAME="([^"]*)"/.exec(os)?.[1] ?? '?',
    debian: fs.existsSync('/etc/debian_version') ? fs.readFileSync('/etc/debian_version', 'utf8').trim() : '?',
  };
}

/** Where `npm run samples:regenerate` writes the captured logs. */
export const SAMPLES_DIR = path.join(REPO_ROOT, 'samples', 'real');

/**
 * Rewrite `samples/real/`: one `<server>-<scenario>.log` per scenario (the log of the broken
 * configuration, normalised) and the README with versions and the scenario table.
 */
export async function writeSamples(results: ScenarioResult[], seconds: number): Promise<void> {
  fs.mkdirSync(SAMPLES_DIR, { recursive: true });
  for (const f of fs.readdirSync(SAMPLES_DIR)) if (f.endsWith('.log')) fs.rmSync(path.join(SAMPLES_DIR, f));
  for (const r of results) if (r.before) fs.writeFileSync(path.join(SAMPLES_DIR, `${r.id}.log`), r.before.log);
  const v = await versions();
  const byCause = new Map<string, string[]>();
  for (const r of results) for (const c of r.scenario.expected) byCause.set(c, [...(byCause.get(c) ?? []), r.id]);
  const serverOf = (id: string) =>
    id.startsWith('apache') ? v.apache.replace(/^Server version: /, '') : v.nginx.replace(/^nginx version: /, '');
  const causeRows = [...byCause.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([c, ids]) =>
        `| \`${c}\` | ${ids.map((id) => `[${id}.log](${id}.log)`).join(', ')} | ${[...new Set(ids.map(serverOf))].join('; ')} |`,
    );
  const scenarioRows = results.map(
    (r) =>
      `| [${r.id}.log](${r.id}.log) | ${r.scenario.title} | ${stapleBefore(r)} | ${r.scenario.expected.map((c) => `\`${c}\``).join(', ') || '(none)'} | ${r.scenario.why.replace(/\|/g, '\\|')} |`,
  );
  const text = `# Real server logs

Every \`.log\` file here was written by a real Apache httpd or nginx, started by the server test
harness (\`test/servers/\`) with one broken (or healthy) configuration each, fed with real TLS
handshakes (\`openssl s_client -status\`), and talking to real OCSP responders (\`openssl ocsp\`),
a plain HTTP server, a silent TCP listener, a closed port and dnsmasq — all on 127.0.0.1.
Nothing in them is edited except one thing: the harness's temporary directory is replaced by
\`${NORMALISED_ROOT}\` (so \`${NORMALISED_ROOT}/pki/leaf-good-fullchain.pem\` was a file in that directory).
Ports, pids and times are as the servers wrote them.

Each file holds what the server printed on stderr while starting (nginx writes its start-up warnings
there, because Debian builds it with \`--error-log-path=stderr\`; Apache prints nothing there unless it
cannot log yet), followed by its error log. Apache runs with \`LogLevel warn\`, nginx with
\`error_log … warn\` (the level that shows nginx's warn-level stapling lines such as
\`no resolver defined\`).

## Versions

| | |
|---|---|
| Apache | ${v.apache.replace(/^Server version: /, '')} (Debian package ${v.apachePackage}), event MPM, mod_ssl, mod_socache_shmcb |
| nginx | ${v.nginx.replace(/^nginx version: /, '')} (Debian package ${v.nginxPackage}); ${v.nginxOpenssl} |
| OpenSSL | ${v.openssl} |
| OS | ${v.os} (debian_version ${v.debian}) |

## Causes and the logs that show them

| cause | captured in | server version |
|---|---|---|
${causeRows.join('\n')}

## Scenarios

\`openssl s_client -status\` column: what the last handshake of the capture saw (nginx staples only
from the second handshake on; Apache staples the fake \`tryLater\` it makes when the responder fails).

| log | what is broken | \`openssl s_client -status\` | expected cause | why (catalogue §, line written) |
|---|---|---|---|---|
${scenarioRows.join('\n')}

## Regenerate

As root on Debian with \`apache2\`, \`nginx-light\`, \`openssl\`, \`dnsmasq-base\` and \`faketime\` installed
(\`.ci/run\` installs them):

\`\`\`
npm run samples:regenerate
\`\`\`

It runs the server harness in capture mode (\`STAPLING_CAPTURE=1\`): the same scenarios as
\`npm run test:servers\`, without the assertions, and rewrites this directory (about
${Math.ceil(seconds / 10) * 10} s). The expected causes and the reasons come from
\`test/servers/scenarios.ts\`.
`;
  fs.writeFileSync(path.join(SAMPLES_DIR, 'README.md'), text);
}
