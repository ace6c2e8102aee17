/**
 * Live use (`tail -f error.log | stapling-doctor`): the tool reads a pipe in NDJSON mode while lines
 * arrive at a sustained rate.
 *
 * - Latency: 1 line in 100 is a one-line nginx stapling failure (shape of samples/real/
 *   nginx-responder-timeout.log) naming its own certificate, so each gives a `new` finding; latency is
 *   from writing the line into the pipe to reading its finding from the tool's stdout.
 * - Nothing lost: every such line has its finding (or, past the per-cause limit, a count of the summary
 *   finding), and the closing `end` event counts every line sent.
 * - Idle: after the sustained phase nothing is written for a while; the tool's CPU time (all threads,
 *   /proc/PID/stat) and its main thread's context switches (/proc/PID/status) over that window show
 *   whether an idle pipe costs anything.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { noiseLine, prng, stamps } from './lines.mjs';
import { benchEnv } from './measure.mjs';

const TICK_MS = 1000 / 100; // USER_HZ: /proc reports CPU time in ticks of 10 ms on Linux

/** CPU seconds (user + system, all threads) and main-thread context switches of a process. */
function usage(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const sw = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS, switches: sw('voluntary_ctxt_switches') + sw('nonvoluntary_ctxt_switches') };
}

/**
 * @param cli path of dist/cli.js (or the bundle)
 * @param opts rate (lines/s), seconds (sustained), idleSeconds
 * @returns latency percentiles (ms), lines sent/counted, findings lost, CPU use while sustained and idle
 */
export async function liveRun(cli, { rate = 10000, seconds = 60, idleSeconds = 10 } = {}) {
  const child = spawn(process.execPath, [cli, '--format', 'ndjson', '--fail-on', 'never', '-'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: benchEnv(),
  });
  const sent = new Map();
  const lat = [];
  let end = null;
  let rest = '';
  // Past the per-cause limit of findings (src/findings/limits.ts) further certificates go into one summary
  // finding, whose events carry its count: each count it gains is the oldest marker not yet seen by name
  // (markers are sent, and counted, in order).
  let absorbed = 0;
  /** Latencies of lines counted into the summary finding (its updates are coalesced, see live.ts). */
  const latSummary = [];
  const arrived = (k, now, into = lat) => {
    into.push(now - sent.get(k));
    sent.delete(k);
  };
  child.stdout.on('data', (d) => {
    const now = performance.now();
    const text = rest + d.toString();
    const lines = text.split('\n');
    rest = lines.pop();
    for (const line of lines) {
      if (line.startsWith('{"event":"end"')) end = JSON.parse(line);
      if (!line.startsWith('{"event":"new"') && !line.startsWith('{"event":"update"')) continue;
      if (line.includes('.summary"')) {
        const count = JSON.parse(line).count;
        for (const k of [...sent.keys()].slice(0, Math.max(0, count - absorbed))) arrived(k, now, latSummary);
        absorbed = Math.max(absorbed, count);
        continue;
      }
      if (!line.startsWith('{"event":"new"')) continue;
      const m = /live-(\d+)\.example\.net/.exec(line);
      if (m && sent.has(m[1])) arrived(m[1], now);
    }
  });
  const exited = new Promise((r) => child.on('exit', r));
  await sleep(500); // start-up is measured elsewhere

  const rnd = prng(7);
  const start = performance.now();
  const before = usage(child.pid);
  let n = 0;
  let markers = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) * rate) / 1000);
    const batch = [];
    const marked = [];
    for (; n < due; n++) {
      const t = Math.floor(n / rate);
      if (n % 100 === 50) {
        const k = String(n);
        batch.push(
          `${stamps(rnd, t).ng} [error] 4242#4242: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: r3.o.lencr.org, peer: 192.0.2.7:80, certificate: "/etc/nginx/ssl/live-${k}.example.net/fullchain.pem"`,
        );
        marked.push(k);
      } else {
        batch.push(noiseLine(rnd, t));
      }
    }
    if (batch.length > 0) {
      const at = performance.now();
      for (const k of marked) sent.set(k, at);
      markers += marked.length;
      child.stdin.write(`${batch.join('\n')}\n`);
    }
    await sleep(1);
  }
  const elapsed = (performance.now() - start) / 1000;
  await sleep(1000); // the last findings come in; then nothing is written
  const busy = usage(child.pid);
  await sleep(idleSeconds * 1000);
  const idle = usage(child.pid);
  child.stdin.end();
  await exited;
  lat.sort((a, b) => a - b);
  latSummary.sort((a, b) => a - b);
  const q = (p, l = lat) => (l.length ? l[Math.min(l.length - 1, Math.floor(p * l.length))] : NaN);
  return {
    lines: n,
    rate: n / elapsed,
    seconds: elapsed,
    markers,
    measured: lat.length,
    /** Markers past the per-cause limit, seen as counts of the summary finding, and their p99 (ms). */
    summarized: latSummary.length,
    summaryP99: q(0.99, latSummary),
    lost: sent.size,
    counted: end?.stats?.lines ?? null,
    p50: q(0.5),
    p99: q(0.99),
    max: lat[lat.length - 1] ?? NaN,
    busyCpu: (busy.cpuMs - before.cpuMs) / 1000 / (elapsed + 1),
    idleSeconds,
    idleCpuMs: idle.cpuMs - busy.cpuMs,
    idleSwitches: idle.switches - busy.switches,
  };
}
