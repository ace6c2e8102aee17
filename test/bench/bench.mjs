#!/usr/bin/env node
/**
 * `npm run bench`: stapling-doctor against standard tools, measured in the same run.
 *
 * Inputs are generated deterministically (fixed seed) into a work directory (default
 * $TMPDIR/stapling-doctor-bench, reused when already there): a mixed Apache + nginx error log where
 * about 0.1 % of the lines are real stapling-failure lines (from samples/real/ and the rules' own real
 * samples) and the rest is realistic noise (404s, handshake failures, upstream timeouts, PHP warnings,
 * upstream DNS failures), at 100 MiB and 1 GiB, plus a gzip copy of the 1 GiB file and a 10 GiB input
 * made of ten hard links to the 1 GiB file (so the 10 GiB run costs no extra disk).
 *
 * Cases (tool and reference run alternately, `--runs` times each; the median wall time counts):
 *   scan-100M, scan-1G   tool `--format json` vs `grep -cE '<alternation of every rule trigger>'`
 *   rules-10x            the same 1 GiB scan by a build of the package with ten times as many rules
 *                        (each real rule plus nine generated copies whose triggers are the real
 *                        trigger + "#N", so distinct), validated at build time like the real ones
 *   rules-10x --rules    the same copies loaded at run time with --rules (adds their validation and
 *                        ReDoS lint to every run; shown, not a goal)
 *   gzip-1G              tool on the .gz vs `zcat file.gz | grep -cE …`
 *   scan-10G             the 10 GiB input, for peak RSS (no reference run)
 *   live                 a pipe fed 1 000 lines/s (1 in 10 a stapling line with a unique marker);
 *                        latency from writing a line to reading its NDJSON finding
 * It also checks that the fast path's findings equal the simple line-by-line path's (split2) on the
 * 100 MiB input. Peak RSS comes from GNU time (`/usr/bin/time -f %M`).
 *
 * Goals (issue 5): ratio ≤ 1.0 vs grep on 1 GiB; RSS ≤ 100 MB on 100 MiB and 10 GiB; rules-10x ≤ 1.2×
 * the 1 GiB time; gzip ratio ≤ 1.3; live p99 ≤ 50 ms. Exits 1 when a goal is missed.
 *
 * Options: --dir DIR, --runs N (default 5), --quick (100 MiB only, 3 runs, no 10 GiB), --no-10g.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i === -1 ? def : args[i + 1];
};
const QUICK = args.includes('--quick');
const RUNS = Number(opt('--runs', QUICK ? 3 : 5));
const DIR = opt('--dir', path.join(os.tmpdir(), 'stapling-doctor-bench'));
const WITH_10G = !QUICK && !args.includes('--no-10g');
const MiB = 1 << 20;

const { loadRules } = await import(path.join(ROOT, 'dist/rules/load.js'));
const { analyzeStreamByLine } = await import(path.join(ROOT, 'dist/reference.js'));
const { analyzeStream } = await import(path.join(ROOT, 'dist/stream.js'));
const rules = await loadRules();

// ---------- deterministic input ----------

/** mulberry32: small, fast, seeded PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Real stapling lines: samples/real/*.log, else the rules' positive samples (all real or sourced). */
function stapling() {
  const lines = [];
  const realDir = path.join(ROOT, 'samples/real');
  if (fs.existsSync(realDir)) {
    for (const f of fs
      .readdirSync(realDir)
      .filter((n) => n.endsWith('.log'))
      .sort()) {
      for (const l of fs.readFileSync(path.join(realDir, f), 'utf8').split('\n')) if (l.trim()) lines.push(l);
    }
  }
  for (const r of rules) for (const s of r.samples.match) lines.push(s.line);
  return lines;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
const WD = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MO = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Noise line templates in both servers' formats: what fills a busy error log. */
function noiseLine(rnd, t) {
  const d = new Date(Date.UTC(2024, 10, 21) + t * 1000);
  const ng = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const ap = `${WD[d.getUTCDay() === 0 ? 6 : d.getUTCDay() - 1]} ${MO[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(Math.floor(rnd() * 1e6), 6)} ${d.getUTCFullYear()}`;
  const ip = `${Math.floor(rnd() * 223) + 1}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 254) + 1}`;
  const cid = Math.floor(rnd() * 9e6);
  const pid = 1000 + Math.floor(rnd() * 30000);
  const n = Math.floor(rnd() * 10000);
  const k = rnd();
  // Mostly 404s, handshake noise and PHP warnings; upstream DNS failures (a look-alike) are rare.
  const pick = Math.floor(rnd() * 8);
  switch (k < 0.01 ? 6 : pick >= 6 ? pick + 1 : pick) {
    case 0:
      return `${ng} [error] ${pid}#${pid}: *${cid} open() "/var/www/html/wp-content/uploads/${n}.jpg" failed (2: No such file or directory), client: ${ip}, server: example.com, request: "GET /wp-content/uploads/${n}.jpg HTTP/1.1", host: "example.com", referrer: "https://example.com/blog/${n}"`;
    case 1:
      return `${ng} [error] ${pid}#${pid}: *${cid} upstream timed out (110: Connection timed out) while reading response header from upstream, client: ${ip}, server: api.example.com, request: "POST /v1/orders/${n} HTTP/1.1", upstream: "http://127.0.0.1:8080/v1/orders/${n}", host: "api.example.com"`;
    case 2:
      return `${ng} [info] ${pid}#${pid}: *${cid} SSL_do_handshake() failed (SSL: error:0A000412:SSL routines::sslv3 alert bad certificate:SSL alert number 42) while SSL handshaking, client: ${ip}, server: 0.0.0.0:443`;
    case 3:
      return `[${ap}] [proxy_fcgi:error] [pid ${pid}:tid 1399210${n}] [client ${ip}:${40000 + n}] AH01071: Got error 'PHP message: PHP Warning:  Undefined array key "id" in /var/www/html/index.php on line ${n % 500}', referer: https://example.com/`;
    case 4:
      return `[${ap}] [core:error] [pid ${pid}:tid 1399210${n}] [client ${ip}:${40000 + n}] AH00128: File does not exist: /var/www/html/.env${n}`;
    case 5:
      return `[${ap}] [ssl:info] [pid ${pid}:tid 1399210${n}] [client ${ip}:${40000 + n}] AH01964: Connection to child ${n % 64} established (server example.com:443)`;
    case 6:
      return `${ng} [error] ${pid}#${pid}: *${cid} backend${n % 7}.internal could not be resolved (3: Host not found), client: ${ip}, server: example.com, request: "GET /api HTTP/1.1", host: "example.com"`;
    case 7:
      return `[${ap}] [ssl:warn] [pid ${pid}:tid 1399210${n}] AH01909: www${n % 9}.example.com:443:0 server certificate does NOT include an ID which matches the server name`;
    default:
      return `${ng} [warn] ${pid}#${pid}: *${cid} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/${n % 10}/${n} while reading upstream, client: ${ip}, server: example.com, request: "GET /download/${n}.zip HTTP/1.1"`;
  }
}

/** Write `bytes` of mixed log to `file` unless a previous run already did (marker file). */
async function generate(file, bytes, seed = 42) {
  const marker = `${file}.done`;
  const stap = stapling();
  const want = JSON.stringify({ bytes, seed, stap: stap.length });
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === want) return;
  const rnd = prng(seed);
  const fd = fs.openSync(file, 'w');
  let written = 0;
  let t = 0;
  let buf = [];
  let bufLen = 0;
  while (written < bytes) {
    t += rnd() < 0.3 ? 1 : 0;
    const line = (rnd() < 0.001 ? stap[Math.floor(rnd() * stap.length)] : noiseLine(rnd, t)) + '\n';
    buf.push(line);
    bufLen += line.length;
    written += Buffer.byteLength(line);
    if (bufLen > 4 * MiB) {
      fs.writeSync(fd, buf.join(''));
      buf = [];
      bufLen = 0;
    }
  }
  fs.writeSync(fd, buf.join(''));
  fs.closeSync(fd);
  fs.writeFileSync(marker, want);
}

async function gzipCopy(src, dst) {
  const marker = `${dst}.done`;
  const want = String(fs.statSync(src).mtimeMs);
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === want) return;
  await pipeline(fs.createReadStream(src), zlib.createGzip({ level: 6 }), fs.createWriteStream(dst));
  fs.writeFileSync(marker, want);
}

/**
 * Ten copies of every rule: the original and nine whose trigger is the real one followed by "#N"
 * (distinct triggers that real lines never contain), with the sample line and patterns changed the
 * same way.
 */
function tenfoldRules(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  for (const r of rules) {
    for (let i = 1; i <= 9; i++) {
      const id = `${r.id}-copy-${i}`;
      const spec = {
        id,
        summary: r.summary,
        servers: r.servers,
        severity: r.severity,
        cause: r.cause,
        role: r.role,
        phase: r.phase,
        trigger: `${r.trigger}#${i}`,
        patterns: r.patterns.map((p) => ({ ...p, regex: `(?:${p.regex.replace(/\$$/, '')})#${i}` })),
        source: r.source,
        samples: {
          match: [
            { line: r.samples.match[0].line.replace(r.trigger, `${r.trigger}#${i}`), from: `generated copy of ${r.id} for the benchmark` },
          ],
          nomatch: [],
        },
        ...(r.when ? { when: r.when } : {}),
        ...(r.follows ? { follows: r.follows } : {}),
      };
      fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(spec));
      n++;
    }
  }
  return n;
}

// ---------- measuring ----------

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Run a shell command; wall seconds, peak RSS (KiB, of the measured process tree's largest), stdout. */
function measure(cmd) {
  const wrapped = TIME ? `${TIME} -f '%M' sh -c ${JSON.stringify(cmd)}` : cmd;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', wrapped], { maxBuffer: 512 * MiB });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const err = r.stderr.toString().trim().split('\n');
  const rss = TIME ? Number(err[err.length - 1]) : NaN;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} failed (${r.status}): ${err.join('\n')}`);
  return { secs, rssKiB: rss, stdout: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function alternate(toolCmd, refCmd, runs) {
  const tool = [];
  const ref = [];
  let out = null;
  let refOut = null;
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const a = measure(toolCmd);
    tool.push(a.secs);
    rss = Math.max(rss, a.rssKiB);
    out = a.stdout;
    if (refCmd) {
      const b = measure(refCmd);
      ref.push(b.secs);
      refOut = b.stdout;
    }
  }
  return { tool: median(tool), ref: refCmd ? median(ref) : NaN, rssKiB: rss, out, refOut };
}

const shq = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const ere = (s) => s.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&');

// ---------- live latency ----------

async function liveLatency(seconds = 6) {
  const child = spawn(process.execPath, [CLI, '--format', 'ndjson', '--fail-on', 'never', '-'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const sent = new Map();
  const lat = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    const now = performance.now();
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const m = /bench-live-(\d+)/.exec(line);
      if (m && sent.has(m[1]) && line.includes('"event":"new"')) {
        lat.push(now - sent.get(m[1]));
        sent.delete(m[1]);
      }
    }
  });
  await new Promise((r) => setTimeout(r, 300)); // let it start
  const rnd = prng(7);
  const start = performance.now();
  let n = 0;
  // Real line shapes that state their cause on one line (nginx fetch failures): each with a unique
  // certificate path, so every one is a new finding.
  const tpl = [
    (k) =>
      `2018/09/27 10:38:51 [error] 1043#0: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.int-x3.letsencrypt.org, peer: 2.21.67.65:80, certificate: "/etc/ssl/bench-live-${k}.pem"`,
    (k) =>
      `2014/05/09 17:38:16 [error] 1580#0: OCSP_basic_verify() failed (SSL: error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error:Verify error:unable to get local issuer certificate) while requesting certificate status, responder: ocsp.startssl.com, peer: 23.54.187.27:80, certificate: "/etc/ssl/bench-live-${k}.pem"`,
    (k) => `nginx: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ssl/bench-live-${k}.pem"`,
  ];
  // One line per millisecond: between writes, yield to the event loop (setImmediate) so that the
  // reader above sees the tool's output as it comes; a line is stamped when it is written.
  while (performance.now() - start < seconds * 1000) {
    await new Promise((r) => setImmediate(r));
    const due = Math.floor(performance.now() - start);
    while (n <= due) {
      let line;
      if (n % 10 === 0) {
        const k = String(n);
        line = tpl[Math.floor(rnd() * tpl.length)](k);
        sent.set(k, performance.now());
      } else {
        line = noiseLine(rnd, n);
      }
      child.stdin.write(`${line}\n`);
      n++;
    }
  }
  await new Promise((r) => setTimeout(r, 500));
  child.stdin.end();
  await new Promise((r) => child.on('exit', r));
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { lines: n, measured: lat.length, lost: sent.size, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] };
}

// ---------- main ----------

fs.mkdirSync(DIR, { recursive: true });
const f100 = path.join(DIR, 'mixed-100M.log');
const f1g = path.join(DIR, 'mixed-1G.log');
const gz = `${f1g}.gz`;
process.stderr.write(`bench: generating inputs in ${DIR} …\n`);
await generate(f100, 100 * MiB, 42);
if (!QUICK) {
  await generate(f1g, 1024 * MiB, 43);
  await gzipCopy(f1g, gz);
}
const tenDir = path.join(DIR, 'ten-gib');
if (WITH_10G) {
  fs.rmSync(tenDir, { recursive: true, force: true });
  fs.mkdirSync(tenDir);
  for (let i = 0; i < 10; i++) fs.linkSync(f1g, path.join(tenDir, `part-${i}.log`));
}
const rules10 = path.join(DIR, 'rules-10x');
const copies = tenfoldRules(rules10);
// A copy of the package whose built-in rules are the real ones plus the copies, built the normal way.
const pkg10 = path.join(DIR, 'pkg-10x');
if (!QUICK) {
  fs.rmSync(pkg10, { recursive: true, force: true });
  fs.mkdirSync(pkg10);
  fs.cpSync(path.join(ROOT, 'dist'), path.join(pkg10, 'dist'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'rules'), path.join(pkg10, 'rules'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg10, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg10, 'node_modules'));
  for (const f of fs.readdirSync(rules10)) fs.copyFileSync(path.join(rules10, f), path.join(pkg10, 'rules', f));
  process.stderr.write('bench: building the package with ten times the rules …\n');
  const b = spawnSync(process.execPath, [path.join(pkg10, 'dist/rules/build-builtin.js')], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`building the tenfold rule set failed: ${b.stderr}`);
}

const triggers = [...new Set(rules.map((r) => r.trigger))];
const alternation = triggers.map(ere).join('|');
const tool = (input, extra = '', cli = CLI) =>
  `node ${shq(cli)} --format json --fail-on never ${extra} ${input} > ${shq(path.join(DIR, 'out.json'))}`;
const grep = (input) => `grep -cE ${shq(alternation)} ${input}`;

const rows = [];
const goals = [];
const size = (f) => fs.statSync(f).size;
const count = () => JSON.parse(fs.readFileSync(path.join(DIR, 'out.json'), 'utf8')).findings.length;

function row(name, bytes, r, note = '') {
  const ratio = r.ref ? r.tool / r.ref : NaN;
  rows.push({
    case: name,
    input: `${(bytes / MiB).toFixed(0)} MiB`,
    tool: r.tool,
    ref: r.ref,
    ratio,
    mbs: bytes / MiB / r.tool,
    rss: r.rssKiB / 1024,
    findings: count(),
    note,
  });
  return ratio;
}

// Equality of the fast path and the simple line-by-line path on the 100 MiB input.
process.stderr.write('bench: fast path vs line-by-line reference …\n');
const fast = await analyzeStream(fs.createReadStream(f100), rules, { name: 'x' });
const simple = await analyzeStreamByLine(fs.createReadStream(f100), rules, { name: 'x' });
const digest = (rep) => JSON.stringify({ stats: rep.stats, f: rep.findings.map((f) => [f.id, f.count, f.evidence.map((e) => e.line)]) });
const same = digest(fast) === digest(simple);
goals.push([`fast path findings = line-by-line findings (${fast.findings.length} findings, ${fast.stats.matched} lines)`, same]);

process.stderr.write('bench: scan-100M …\n');
const r100 = alternate(tool(shq(f100)), grep(shq(f100)), RUNS);
row('scan-100M', size(f100), r100, `grep: ${String(r100.refOut).trim()} lines`);
goals.push(['RSS ≤ 100 MB on 100 MiB', r100.rssKiB / 1024 <= 100]);

if (!QUICK) {
  process.stderr.write('bench: scan-1G …\n');
  const r1 = alternate(tool(shq(f1g)), grep(shq(f1g)), RUNS);
  const ratio1 = row('scan-1G', size(f1g), r1, `grep: ${String(r1.refOut).trim()} lines`);
  goals.push([`ratio tool/grep ≤ 1.0 on 1 GiB (${ratio1.toFixed(2)})`, ratio1 <= 1.0]);

  process.stderr.write('bench: rules-10x …\n');
  const r10 = alternate(tool(shq(f1g), '', path.join(pkg10, 'dist/cli.js')), tool(shq(f1g)), RUNS);
  const slow = r10.tool / r10.ref;
  row(`rules-10x (${rules.length + copies} rules, built in)`, size(f1g), r10, 'reference = the same scan with the real rules, alternated');
  goals.push([`10× rules ≤ 1.2× time (${slow.toFixed(2)})`, slow <= 1.2]);
  const r10u = alternate(tool(shq(f1g), `--rules ${shq(rules10)}`), null, 1);
  row(`rules-10x via --rules`, size(f1g), { ...r10u, ref: r10.ref }, 'the copies validated and linted at load time (not a goal)');

  process.stderr.write('bench: gzip-1G …\n');
  const rg = alternate(tool(shq(gz)), `zcat ${shq(gz)} | ${grep('')}`, RUNS);
  const ratioGz = row('gzip-1G', size(f1g), rg, 'reference = zcat | grep -cE');
  goals.push([`gzip ratio ≤ 1.3 (${ratioGz.toFixed(2)})`, ratioGz <= 1.3]);
}

if (WITH_10G) {
  process.stderr.write('bench: scan-10G (ten hard links to the 1 GiB file) …\n');
  const r10g = alternate(tool(`${shq(tenDir)}/*.log`), null, 1);
  row('scan-10G', 10 * size(f1g), r10g, 'peak RSS check; no reference');
  goals.push(['RSS ≤ 100 MB on 10 GiB', r10g.rssKiB / 1024 <= 100]);
}

process.stderr.write('bench: live latency …\n');
const live = await liveLatency(QUICK ? 3 : 6);
goals.push([`live p99 ≤ 50 ms (${live.p99.toFixed(1)} ms)`, live.p99 <= 50 && live.lost === 0]);

// ---------- report ----------
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '—');
console.log(
  `\nstapling-doctor benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, node ${process.version}, ${rules.length} rules, ${triggers.length} triggers, median of ${RUNS}`,
);
console.log('| case | input | tool s | reference s | ratio | MB/s | peak RSS MB | findings | note |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.case} | ${r.input} | ${f2(r.tool)} | ${f2(r.ref)} | ${f2(r.ratio)} | ${r.mbs.toFixed(0)} | ${r.rss.toFixed(0)} | ${r.findings} | ${r.note} |`,
  );
console.log(
  `| live | ${live.lines} lines at 1000/s | p50 ${live.p50.toFixed(1)} ms | p99 ${live.p99.toFixed(1)} ms | max ${live.max.toFixed(1)} ms | | | ${live.measured} | ${live.lost} lost |`,
);
console.log('\ngoals:');
for (const [g, ok] of goals) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${g}`);
process.exitCode = goals.every(([, ok]) => ok) ? 0 : 1;
