/**
 * Timing commands: wall time (hrtime around the child), user and system CPU and peak RSS (GNU time,
 * `/usr/bin/time`: the largest resident set of the command's processes), several runs alternated so
 * that every command of a case sees the same machine state. Min and median are reported.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const MARK = 'BENCH-TIME';

/**
 * Settings of this machine's Node that every Node process pays for before any script runs, and that are not
 * the tool's: `NODE_EXTRA_CA_CERTS` makes Node parse every certificate of the named file at start (the
 * sessions' machine names the system's ~140 CA certificates: `node -e 0` took 84 instead of 32 ms, callgrind
 * 0.50 G instead of 0.09 G instructions, 0.42 G of them in `node::crypto::UseExtraCaCerts`), and
 * `NODE_OPTIONS` adds flags. Both are left out of every timed command's environment; the start-up case
 * puts them back in rows of its own ({@link MACHINE_NODE_ENV}).
 */
export const MACHINE_NODE_VARS = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'];

/** The machine's values of {@link MACHINE_NODE_VARS} that are set (an empty object on most machines). */
export const MACHINE_NODE_ENV = Object.fromEntries(MACHINE_NODE_VARS.filter((k) => process.env[k]).map((k) => [k, process.env[k]]));

const BASE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !MACHINE_NODE_VARS.includes(k)));

/**
 * The environment of every command the bench times: this process's without {@link MACHINE_NODE_VARS}, plus `extra`.
 * @param {Record<string, string>} [extra]
 * @returns {Record<string, string>}
 */
export const benchEnv = (extra = {}) => ({ ...BASE_ENV, ...extra });

/**
 * A command to time.
 * @typedef {{ label: string, argv?: string[], sh?: string, out?: string, env?: Record<string,string> }} Command
 * `argv` runs directly, `sh` through `sh -c` (pipelines); `out` receives stdout (else it is kept in memory);
 * `env` is added to the environment, which lacks {@link MACHINE_NODE_VARS}.
 */

/**
 * Run one command once.
 * @param {Command} cmd
 * @returns {{ secs: number, cpu: number, rssMB: number, stdout: string }} wall s, user+sys s, peak RSS MB
 * @throws when the command exits with a status not in `cmd.ok` (default 0 or 1: grep and rg say "no
 *   match" with 1; the tool runs with `--fail-on never`, so only 0 is a run that counts)
 */
export function runOnce(cmd) {
  const argv = cmd.sh ? ['sh', '-c', cmd.sh] : cmd.argv;
  const full = TIME ? [TIME, '-f', `${MARK} %e %U %S %M`, ...argv] : argv;
  const out = cmd.out ? fs.openSync(cmd.out, 'w') : 'pipe';
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), {
    stdio: ['ignore', out, 'pipe'],
    maxBuffer: 64 << 20,
    env: benchEnv(cmd.env),
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (typeof out === 'number') fs.closeSync(out);
  const err = r.stderr.toString();
  if (!(cmd.ok ?? [0, 1]).includes(r.status))
    throw new Error(`${cmd.label}: ${argv.join(' ')} exited ${r.status ?? r.signal}: ${err.slice(-2000)}`);
  const m = err
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(MARK));
  const [, , user, sys, rss] = m ? m.split(' ').map(Number) : [];
  return { secs, cpu: m ? user + sys : NaN, rssMB: m ? rss / 1024 : NaN, stdout: r.stdout ? r.stdout.toString() : '' };
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
export const median = (xs) => {
  const s = sorted(xs);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Run every command `runs` times, alternated: run i runs the commands in order rotated by i.
 * @param {Command[]} cmds
 * @param {number} runs
 * @param {(msg: string) => void} log
 * @returns {Map<string, { label: string, min: number, median: number, cpu: number, rssMB: number, stdout: string, times: number[] }>}
 *   per label: min and median wall s, median CPU s, largest peak RSS, stdout of the last run
 */
export function alternate(cmds, runs, log) {
  const res = new Map(cmds.map((c) => [c.label, { label: c.label, times: [], cpus: [], rssMB: 0, stdout: '' }]));
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < cmds.length; j++) {
      const c = cmds[(i + j) % cmds.length];
      const r = runOnce(c);
      const x = res.get(c.label);
      x.times.push(r.secs);
      x.cpus.push(r.cpu);
      x.rssMB = Math.max(x.rssMB, r.rssMB);
      x.stdout = r.stdout;
    }
    log(`  run ${i + 1}/${runs}: ${cmds.map((c) => `${c.label} ${res.get(c.label).times[i].toFixed(2)} s`).join(', ')}`);
  }
  for (const x of res.values()) {
    x.min = Math.min(...x.times);
    x.median = median(x.times);
    x.cpu = median(x.cpus);
  }
  return res;
}

/** Read files once so that every timed run finds them in the page cache. */
export function warm(files) {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (const f of files) {
    const fd = fs.openSync(f, 'r');
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
    fs.closeSync(fd);
  }
}
