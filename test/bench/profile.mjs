#!/usr/bin/env node
/**
 * Where the time goes: profiles the CLI on the benchmark's inputs (generated or reused by ./inputs.mjs in
 * the same cache directory as `npm run bench`) and prints, per case, Markdown tables of
 *
 * - the main thread's self time by function (V8 sampling profiler, `node --cpu-prof`), top N, and the
 *   same summed by module (dist/lines/scan.js, dist/rules/match.js, …, GC, native);
 * - with `perf` (Linux, software clock, works in VMs without hardware counters): every thread of the
 *   process (main thread vs zlib/libuv pool, V8 compiler and GC helpers) and the top native and JIT
 *   symbols (`node --perf-basic-prof` names the JIT code);
 * - wall time and MiB/s beside Node's newline floor (./floor.mjs) on the same input.
 *
 *   npm run build && node test/bench/profile.mjs [--quick] [--cases a,b,c,d,e] [--top 15] [--no-perf] [--dir DIR]
 *
 * Profiles are kept under DIR/profiles/<case>/ (open the .cpuprofile in Chrome DevTools for call trees).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SIZES, prepareInputs } from './inputs.mjs';
import { runOnce } from './measure.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const NODE = process.execPath;
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const QUICK = args.includes('--quick');
const DIR = path.resolve(opt('--dir', path.join(os.tmpdir(), 'stapling-bench')));
const CASES = opt('--cases', 'a,b,c,d').split(',');
const TOP = Number(opt('--top', 15));
const PERF = !args.includes('--no-perf') && spawnSync('perf', ['--version']).status === 0;
const MiB = 1 << 20;
const log = (m) => process.stderr.write(`profile: ${m}\n`);
const pct = (x, total) => `${((100 * x) / total).toFixed(1)} %`;

/** Self time per function and per module from a .cpuprofile. */
function summarise(file) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const byFn = new Map();
  const byModule = new Map();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const where = url ? url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^node:/, 'node:') : '';
    const fn = `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`;
    const mod = where || functionName || '(native)';
    byFn.set(fn, (byFn.get(fn) ?? 0) + dt);
    byModule.set(mod, (byModule.get(mod) ?? 0) + dt);
    total += dt;
  });
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { total, functions: top(byFn, TOP), modules: top(byModule, 12) };
}

/** Per-thread and per-symbol sample counts from `perf record -e cpu-clock`. */
function perfSummary(dataFile, pid) {
  const out = execFileSync('perf', ['script', '-i', dataFile, '-F', 'tid,ip,sym,dso'], {
    encoding: 'utf8',
    maxBuffer: 512 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const perTid = new Map();
  const syms = new Map();
  let total = 0;
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+[0-9a-f]+\s+(.*?)\s+\(([^)]*)\)\s*$/.exec(line);
    if (!m) continue;
    const [, tid, sym0, dso] = m;
    const sym = sym0 === '[unknown]' ? `[unknown] ${path.basename(dso)}` : sym0;
    const t = perTid.get(tid) ?? perTid.set(tid, new Map()).get(tid);
    const kind = Number(tid) === pid ? 'main thread' : threadKind(sym);
    t.set(kind, (t.get(kind) ?? 0) + 1);
    const key = `${sym.slice(0, 110)}${Number(tid) === pid ? '' : ' †'}`;
    syms.set(key, (syms.get(key) ?? 0) + 1);
    total++;
  }
  // A thread is what most of its recognisable samples say it is.
  const threads = new Map();
  for (const kinds of perTid.values()) {
    const n = [...kinds.values()].reduce((a, b) => a + b, 0);
    const named = [...kinds].filter(([k]) => k !== 'other threads').sort((a, b) => b[1] - a[1]);
    const kind = named[0]?.[0] ?? 'other threads';
    threads.set(kind, (threads.get(kind) ?? 0) + n);
  }
  const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
  return { total, threads: top(threads, 10), symbols: top(syms, TOP) };
}

/** What a thread other than the main one does, from one of its samples. */
function threadKind(sym) {
  if (/inflate|crc32|adler32|zlib/i.test(sym)) return 'zlib (libuv pool)';
  if (/compiler::|Turbofan|Maglev|Compile/i.test(sym)) return 'V8 compiler threads';
  if (/Scaveng|Mark|Sweep|Heap|GC|Evacuat|Concurrent/i.test(sym)) return 'V8 GC helpers';
  return 'other threads';
}

async function profileCase(key, name, files, bytes) {
  const dir = path.join(DIR, 'profiles', key);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const gz = files[0].endsWith('.gz');
  const floorArgs = [NODE, path.join(HERE, 'floor.mjs'), ...(gz ? ['--gunzip'] : []), ...files];
  runOnce({ label: 'warm', argv: floorArgs });
  const floor = runOnce({ label: 'floor', argv: floorArgs });
  const plain = runOnce({ label: 'tool', argv: [NODE, CLI, '--format', 'json', '--fail-on', 'never', ...files], out: '/dev/null' });
  log(`${name}: --cpu-prof …`);
  runOnce({
    label: 'cpu-prof',
    argv: [
      NODE,
      '--cpu-prof',
      '--cpu-prof-interval',
      '250',
      '--cpu-prof-dir',
      dir,
      CLI,
      '--format',
      'json',
      '--fail-on',
      'never',
      ...files,
    ],
    out: '/dev/null',
  });
  const prof = summarise(
    path.join(
      dir,
      fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile')),
    ),
  );
  let perf = null;
  if (PERF) {
    log(`${name}: perf record …`);
    const data = path.join(dir, 'perf.data');
    const child = spawnSync(
      'perf',
      [
        'record',
        '-e',
        'cpu-clock',
        '-F',
        '997',
        '-o',
        data,
        '--',
        NODE,
        '--perf-basic-prof',
        CLI,
        '--format',
        'json',
        '--fail-on',
        'never',
        ...files,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', cwd: dir }, // --perf-basic-prof also writes isolate-*.log into the cwd
    );
    // The node process is perf's only child: its pid is the one in the recorded samples' first line.
    const first = execFileSync('perf', ['script', '-i', data, '-F', 'pid'], {
      encoding: 'utf8',
      maxBuffer: 512 << 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = Number(first.trim().split('\n')[0]);
    if (child.status === 0 || child.status === 1) perf = perfSummary(data, pid);
    fs.rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
  return { key, name, bytes, floor, plain, prof, perf };
}

function print(r) {
  const ms = (us) => (us / 1000).toFixed(0);
  const lines = [];
  lines.push(`### ${r.name}`, '');
  lines.push(
    `${(r.bytes / MiB).toFixed(0)} MiB: tool ${r.plain.secs.toFixed(2)} s (${(r.bytes / MiB / r.plain.secs).toFixed(0)} MiB/s, CPU ${r.plain.cpu.toFixed(2)} s, ` +
      `peak RSS ${r.plain.rssMB.toFixed(0)} MB); newline floor ${r.floor.secs.toFixed(2)} s (${(r.bytes / MiB / r.floor.secs).toFixed(0)} MiB/s): ` +
      `tool ÷ floor ${(r.plain.secs / r.floor.secs).toFixed(2)}. Profiled main thread: ${ms(r.prof.total)} ms.`,
    '',
  );
  lines.push('| self ms | share | function (main thread, --cpu-prof) |', '|---|---|---|');
  for (const [fn, us] of r.prof.functions) lines.push(`| ${ms(us)} | ${pct(us, r.prof.total)} | \`${fn}\` |`);
  lines.push('', '| self ms | share | module |', '|---|---|---|');
  for (const [m, us] of r.prof.modules) lines.push(`| ${ms(us)} | ${pct(us, r.prof.total)} | \`${m}\` |`);
  if (r.perf) {
    lines.push(
      '',
      `perf (cpu-clock, ~1 ms samples, all threads: ${r.perf.total} samples):`,
      '',
      '| samples | share | thread |',
      '|---|---|---|',
    );
    for (const [t, n] of r.perf.threads) lines.push(`| ${n} | ${pct(n, r.perf.total)} | ${t} |`);
    lines.push('', '| samples | share | symbol († other thread) |', '|---|---|---|');
    for (const [s, n] of r.perf.symbols) lines.push(`| ${n} | ${pct(n, r.perf.total)} | \`${s.replace(/\|/g, '\\|')}\` |`);
  }
  lines.push('');
  return lines.join('\n');
}

const { loadRules } = await import(pathToFileURL(path.join(ROOT, 'dist/index.js')).href);
const NAMES = { a: 'mixed', b: 'lookalike', c: 'dense', d: 'rotated', e: 'certs' };
const inputs = await prepareInputs(
  DIR,
  QUICK ? SIZES.quick : SIZES.full,
  ROOT,
  await loadRules(),
  log,
  new Set(CASES.map((k) => NAMES[k])),
);
const plan = {
  a: ['(a) mixed', inputs.mixed],
  b: ['(b) look-alike-heavy', inputs.lookalike],
  c: ['(c) densely failing', inputs.dense],
  d: ['(d) rotated .gz, one worker', inputs.rotated],
  e: ['(e) many certificates', inputs.certs],
};
const out = [];
for (const k of CASES) {
  const [name, input] = plan[k];
  out.push(print(await profileCase(k, name, input.files, input.info.bytes)));
}
const text = `## Profiles (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)})\n\n${out.join('\n')}`;
fs.writeFileSync(path.join(DIR, 'profiles', 'summary.md'), text);
console.log(text);
