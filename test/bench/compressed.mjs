#!/usr/bin/env node
/**
 * Peak RSS of the built CLI on one log, plain and compressed (README, Robustness: "Compressed and encoded
 * logs"), shown by a script, never by a timed test. The log: N lines (default 800 000, ~181 MB) of
 * busy-server noise (./lines.mjs, seed 16) with one nginx OCSP timeout line in the middle: one finding.
 * It is compressed by the real tools (gzip -6, bzip2 -9, xz -6, zstd -3; a missing tool skips its
 * format) and each file is read `--no-live --format json` RUNS times; the peak RSS is the process's own
 * VmHWM (./rss-hook.mjs). Exit 1 when a run's peak passes the 100 MB goal or the report is not one
 * finding over N lines.
 *
 * Usage: node test/bench/compressed.mjs [--n N] [--runs 3] [--dir /tmp/sd-compressed] [--only gz,xz]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { noiseLine, prng } from './lines.mjs';
import { benchEnv } from './measure.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, '../../dist/cli.js');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i === -1 ? def : args[i + 1];
};
const N = Number(opt('--n', 800_000));
const RUNS = Number(opt('--runs', 3));
const DIR = opt('--dir', '/tmp/sd-compressed');
const GOAL_MB = 100;
const FORMATS = [
  { ext: 'log', cmd: null },
  { ext: 'gz', cmd: ['gzip', '-6', '-kf'] },
  { ext: 'bz2', cmd: ['bzip2', '-9', '-kf'] },
  { ext: 'xz', cmd: ['xz', '-6', '-T1', '-kf'] },
  { ext: 'zst', cmd: ['zstd', '-3', '-qf', '-k'] },
].filter((f) => opt('--only', null) === null || opt('--only').split(',').includes(f.ext));
// samples/real/nginx-responder-timeout.log shape
const STAPLING =
  '2026/11/21 01:00:00 [error] 1043#1043: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.example.net, peer: 192.0.2.7:80, certificate: "/etc/nginx/ssl/site.example.net/fullchain.pem"';

/** Write the log (once per N). */
function generate(file) {
  if (fs.existsSync(file)) return;
  const rnd = prng(16);
  const fd = fs.openSync(`${file}.tmp`, 'w');
  let parts = [];
  for (let i = 0; i < N; i++) {
    parts.push(i === N / 2 ? STAPLING : noiseLine(rnd, Math.floor(i / 10)));
    if (parts.length === 10_000 || i === N - 1) {
      fs.writeSync(fd, `${parts.join('\n')}\n`);
      parts = [];
    }
  }
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
}

/** One run: peak RSS (MB, 2^20 bytes), seconds, findings and lines of the report. */
async function run(file) {
  const rssFile = path.join(DIR, 'rss.json');
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', path.join(HERE, 'rss-hook.mjs'), CLI, '--no-live', '--format', 'json', '--fail-on', 'never', file],
    { stdio: ['ignore', 'pipe', 'inherit'], env: benchEnv({ STAPLING_RSS_FILE: rssFile }) },
  );
  const out = [];
  child.stdout.on('data', (c) => out.push(c));
  await new Promise((resolve) => child.on('close', resolve));
  const report = JSON.parse(Buffer.concat(out).toString('utf8'));
  const { vmHWMkB } = JSON.parse(fs.readFileSync(rssFile, 'utf8'));
  return { mb: vmHWMkB / 1024, s: (Date.now() - started) / 1000, findings: report.findings.length, lines: report.stats.lines };
}

fs.mkdirSync(DIR, { recursive: true });
const log = path.join(DIR, `noise-${N}.log`);
generate(log);
let failed = false;
for (const f of FORMATS) {
  const file = f.cmd ? `${log}.${f.ext}` : log;
  if (f.cmd && !fs.existsSync(file) && spawnSync(f.cmd[0], [...f.cmd.slice(1), log]).status !== 0) {
    console.log(`${f.ext}: ${f.cmd[0]} failed or is missing, skipped`);
    continue;
  }
  const runs = [];
  for (let r = 0; r < RUNS; r++) runs.push(await run(file));
  const bad = runs.some((x) => x.mb > GOAL_MB || x.findings !== 1 || x.lines !== N);
  failed ||= bad;
  const mbs = runs.map((x) => x.mb.toFixed(1)).join(', ');
  const ss = runs.map((x) => x.s.toFixed(2)).join(', ');
  console.log(`${f.ext.padEnd(4)} peak RSS MB: ${mbs}  s: ${ss}${bad ? '  FAILED' : ''}`);
}
process.exit(failed ? 1 : 0);
