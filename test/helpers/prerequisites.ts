/**
 * Prerequisites of the suites that drive real parts (real Apache/nginx, real rsyslog/journald, real
 * headless Chromium …): decide once, when the test file is collected, whether the suite can run here,
 * and say so in ONE loud line when it cannot.
 *
 * The house rule: `npm ci && npm test` passes on any fresh clone — a laptop without the packages, a
 * user who is not root — so a real-part suite that cannot run is skipped, with one line on stderr
 * that names what is missing and how to run it. CI must never pass with such a suite skipped, so
 * `.ci/run` sets {@link REQUIRE_REAL_ENV}`=1`, and then a missing prerequisite fails the suite.
 *
 * Use (in the suite's `*.test.ts`, at the top level):
 *
 * ```ts
 * import { describeIfPresent } from '../helpers/prerequisites.js';
 * const describeReal = describeIfPresent({
 *   suite: 'real-server suite (test/servers)',
 *   run: 'npm run test:servers',
 *   executables: [{ name: 'apache2', path: '/usr/sbin/apache2', package: 'apache2' }, { name: 'openssl', package: 'openssl' }],
 *   root: 'servers run in private mount namespaces',
 * });
 * describeReal('real servers', () => { beforeAll(…); test(…); });
 * ```
 *
 * Everything the suite does (its `beforeAll`, the processes it starts) must sit inside that
 * `describe` body: jest does not run the hooks of a skipped `describe`.
 *
 * To see the skip (or, with {@link REQUIRE_REAL_ENV}, the failure) on a machine that has everything,
 * name prerequisites in {@link PRETEND_MISSING_ENV}: `STAPLING_DOCTOR_PRETEND_MISSING=nginx npm test`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Set by `.ci/run` (to `1`): a real-part suite whose prerequisites are missing fails instead of skipping. */
export const REQUIRE_REAL_ENV = 'STAPLING_DOCTOR_REQUIRE_REAL';

/**
 * Comma-separated prerequisite names (an executable's `name`, `root`, a probe's `name`) to treat as
 * missing although they are present. Only for checking the skip and the CI failure on a machine that
 * has everything, e.g. `STAPLING_DOCTOR_PRETEND_MISSING=nginx npm test`.
 */
export const PRETEND_MISSING_ENV = 'STAPLING_DOCTOR_PRETEND_MISSING';

/** An executable the suite runs. */
export interface Executable {
  /** Short name used in the line and in {@link PRETEND_MISSING_ENV}: `apache2`, `openssl`. */
  name: string;
  /**
   * Absolute path when the suite runs it by path (`/usr/sbin/apache2`); absent: the suite runs it by
   * name, so it is looked up in `PATH` as the suite's spawn would.
   */
  path?: string;
  /** The Debian (bookworm) package that provides it: `apache2`, `nginx-light`, `dnsmasq-base`. */
  package: string;
}

/**
 * A check that is not "an executable exists": e.g. that `unshare --mount` works in this container.
 * Probes run only when every executable and root are present (they usually need them).
 */
export interface Probe {
  /** Short name for the line and {@link PRETEND_MISSING_ENV}: `mount namespace`. */
  name: string;
  /** Synchronous (it runs while jest collects the file). @returns null when fine, else why not (one line). */
  check: () => string | null;
  /** What to do about it, when no package fixes it: `run in a container with CAP_SYS_ADMIN`. */
  hint?: string;
}

/** What one real-part suite needs, and how a person runs it. */
export interface Needs {
  /** What the line calls the suite: `real-server suite (test/servers)`. */
  suite: string;
  /** The command that runs only this suite: `npm run test:servers`. */
  run: string;
  executables?: Executable[];
  /** Root is needed: `true`, or the reason (shown in the line). */
  root?: boolean | string;
  probes?: Probe[];
}

/** One missing prerequisite. */
export interface Missing {
  /** The prerequisite's name (`nginx`, `root`, `mount namespace`). */
  name: string;
  /** What the line says about it: `nginx (/usr/sbin/nginx)`, `root (…)`, `mount namespace: unshare: …`. */
  text: string;
  /** The package that provides it, when one does. */
  package?: string;
  /** What to do when no package fixes it. */
  hint?: string;
  /** Present, but named in {@link PRETEND_MISSING_ENV}. */
  pretended?: boolean;
}

/** The result of {@link checkPrerequisites}: `run`, `skip` (one line), or `fail` (CI: the same line, as a failure). */
export interface Verdict {
  action: 'run' | 'skip' | 'fail';
  missing: Missing[];
  /** The loud line (no newline); empty when `action` is `run`. */
  line: string;
}

/** The process environment and identity the checks read; tests pass their own. */
export interface CheckContext {
  env: NodeJS.ProcessEnv;
  /** The effective user id (`process.geteuid()`); undefined where there is none (Windows). */
  euid: number | undefined;
}

const isExecutable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/** `file` in the directories of `PATH` (as `spawn` finds it). @returns its path, or null. */
export function whichOnPath(file: string, envPath: string | undefined): string | null {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, file))) return path.join(dir, file);
  }
  return null;
}

/** True when the CI variable asks for hard failures (set, non-empty, not `0`). */
export const realRequired = (env: NodeJS.ProcessEnv): boolean => (env[REQUIRE_REAL_ENV] ?? '') !== '' && env[REQUIRE_REAL_ENV] !== '0';

function findMissing(needs: Needs, ctx: CheckContext): Missing[] {
  const pretend = new Set((ctx.env[PRETEND_MISSING_ENV] ?? '').split(',').map((s) => s.trim()));
  const pretended = ' (pretended)';
  const missing: Missing[] = [];
  for (const x of needs.executables ?? []) {
    const found = x.path ? isExecutable(x.path) : whichOnPath(x.name, ctx.env.PATH) !== null;
    if (found && !pretend.has(x.name)) continue;
    const where = found ? pretended : x.path ? ` (no ${x.path})` : ' (not in PATH)';
    missing.push({ name: x.name, text: `${x.name}${where}`, package: x.package, ...(found ? { pretended: true } : {}) });
  }
  if (needs.root && (ctx.euid !== 0 || pretend.has('root'))) {
    const why = typeof needs.root === 'string' ? `: ${needs.root}` : '';
    const who = ctx.euid === 0 ? pretended : ` (running as uid ${ctx.euid ?? 'unknown'}${why})`;
    missing.push({ name: 'root', text: `root${who}`, hint: 'run as root', ...(ctx.euid === 0 ? { pretended: true } : {}) });
  }
  if (missing.length > 0) return missing;
  for (const p of needs.probes ?? []) {
    const problem = pretend.has(p.name) ? 'pretended' : p.check();
    if (problem === null) continue;
    missing.push({
      name: p.name,
      text: `${p.name}: ${problem}`,
      ...(p.hint ? { hint: p.hint } : {}),
      ...(pretend.has(p.name) ? { pretended: true } : {}),
    });
  }
  return missing;
}

/**
 * The line for a suite that cannot run: what is missing, how to run it, and what CI makes of it.
 * @returns one line, no newline
 */
export function prerequisiteLine(needs: Needs, missing: Missing[], action: 'skip' | 'fail'): string {
  const packages = [...new Set(missing.flatMap((m) => (m.package ? [m.package] : [])))];
  const hints = [...new Set(missing.flatMap((m) => (m.hint && m.name !== 'root' ? [m.hint] : [])))];
  const asRoot = needs.root ? 'as root: ' : '';
  const steps = [...(packages.length > 0 ? [`apt-get install -y ${packages.join(' ')}`] : []), ...hints, needs.run];
  const head = action === 'skip' ? 'SKIPPED' : `FAILED (${REQUIRE_REAL_ENV} is set, so a real suite may not be skipped)`;
  const pretend = missing.some((m) => m.pretended) ? ` ("pretended": present, but named in ${PRETEND_MISSING_ENV}.)` : '';
  const tail = (action === 'skip' ? ` CI sets ${REQUIRE_REAL_ENV}=1, which makes this a failure.` : '') + pretend;
  return (
    `⚠ ${head}: the ${needs.suite} cannot run here, missing ${missing.map((m) => m.text).join(', ')}. ` +
    `To run it, ${asRoot}${steps.join(' && ')} — or, as root on Debian bookworm, .ci/run (installs every real suite's packages, then npm ci && npm test).${tail}`
  );
}

/**
 * Check a suite's prerequisites (pure: no output, no jest).
 * @param ctx environment and effective uid (default: this process's)
 */
export function checkPrerequisites(needs: Needs, ctx: CheckContext = { env: process.env, euid: process.geteuid?.() }): Verdict {
  const missing = findMissing(needs, ctx);
  if (missing.length === 0) return { action: 'run', missing, line: '' };
  const action = realRequired(ctx.env) ? 'fail' : 'skip';
  return { action, missing, line: prerequisiteLine(needs, missing, action) };
}

/** A `describe` replacement: `(name, body)`. */
export type SuiteDescribe = (name: string, body: () => void) => void;

const printed = new Set<string>();

/**
 * The `describe` to wrap a real-part suite in: jest's `describe` when everything is present;
 * `describe.skip` (after printing the loud line once to stderr) when something is missing; and when
 * {@link REQUIRE_REAL_ENV} is set and something is missing, a `describe` whose body is replaced by
 * one failing test carrying the same line (so `npm test` exits non-zero and names what is missing).
 * Call it at the top level of the test file, while jest collects it.
 */
export function describeIfPresent(needs: Needs): SuiteDescribe {
  const v = checkPrerequisites(needs);
  if (v.action === 'run') return describe;
  if (!printed.has(needs.suite)) {
    printed.add(needs.suite);
    process.stderr.write(`\n${v.line}\n\n`);
  }
  if (v.action === 'skip') return describe.skip;
  return (name) =>
    describe(name, () => {
      test(`prerequisites of the ${needs.suite} are present`, () => {
        throw new Error(v.line);
      });
    });
}

/**
 * A probe that runs a command and is fine when it exits 0 (e.g. `unshare --mount true`).
 * @returns a {@link Probe} whose problem is the command's first stderr line (or its exit status)
 */
export function commandProbe(name: string, cmd: string, args: string[], hint?: string): Probe {
  return {
    name,
    ...(hint ? { hint } : {}),
    check: () => {
      const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status === 0) return null;
      const first = (r.stderr ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
      return `\`${[cmd, ...args].join(' ')}\` ${r.error ? `could not run (${r.error.message})` : `exited ${r.status ?? r.signal}`}${first ? `: ${first.trim()}` : ''}`;
    },
  };
}
