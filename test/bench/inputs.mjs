/**
 * The benchmark inputs, generated deterministically (fixed seeds, {@link GEN_VERSION}) into a cache
 * directory outside the repository and reused while the generator version, the size and the real
 * stapling lines they draw from are unchanged (a `<file>.json` marker beside each input says what it
 * holds). Sizes are targets: a file ends at the first line end past its target (≤ 4 MiB more).
 *
 *   (a) mixed.log        ~0.1 % real stapling lines in busy-server noise
 *   (b) lookalike.log    the same, plus 20 % lines that contain a rule trigger but are not stapling
 *   (c) dense.log        10 % stapling lines: Apache responder failures per handshake, nginx refresh
 *                        failures for 5 000 certificates
 *   (d) rotated-128M/error.log.{1..8}.gz   eight rotated logs like (a), gzip -6 (as logrotate)
 *   (e) certs.log        1 000 000 distinct certificates failing (every tenth twice), 20 % noise
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GEN_VERSION, LOOKALIKES, apacheHandshakeFailure, nginxRefreshFailure, noiseLine, prng, staplingPool } from './lines.mjs';

const MiB = 1 << 20;

/** Sizes of a full run and of `--quick`. */
export const SIZES = {
  full: { single: 1024 * MiB, rotated: 128 * MiB, rotatedFiles: 8, certificates: 1_000_000 },
  quick: { single: 64 * MiB, rotated: 16 * MiB, rotatedFiles: 8, certificates: 100_000 },
};

/** Writes lines in 4 MiB pieces; counts lines and bytes. */
class LogWriter {
  constructor(file) {
    this.fd = fs.openSync(file, 'w');
    this.parts = [];
    this.pending = 0;
    this.bytes = 0;
    this.lines = 0;
  }
  push(lines) {
    for (const l of lines) {
      this.parts.push(l);
      this.pending += l.length + 1;
    }
    this.lines += lines.length;
    if (this.pending > 4 * MiB) this.flush();
  }
  flush() {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join('\n') + '\n', 'utf8');
    fs.writeSync(this.fd, buf);
    this.bytes += buf.length;
    this.parts = [];
    this.pending = 0;
  }
  close() {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/** Average lines per event of a sequence generator (measured on its own seed). */
function meanLines(make) {
  const rnd = prng(99);
  let n = 0;
  for (let i = 0; i < 20000; i++) n += make(rnd, i).length;
  return n / 20000;
}

/** Probability of starting an event of `mean` lines so that its lines are `fraction` of all lines. */
const eventRate = (fraction, mean) => fraction / (mean * (1 - fraction) + fraction);

function weighted(rnd, items) {
  const total = items.reduce((s, x) => s + x.weight, 0);
  let r = rnd() * total;
  for (const x of items) if ((r -= x.weight) < 0) return x;
  return items[items.length - 1];
}

/**
 * A log of `bytes`: each slot is a stapling event (probability pStap), a special event (pSpecial),
 * or a noise line. Returns what it wrote.
 */
function writeMixed(file, bytes, seed, { pool, pStap = 0.001, pSpecial = 0, special = null }) {
  const rnd = prng(seed);
  const w = new LogWriter(file);
  let t = 0;
  let stapling = 0;
  let specialLines = 0;
  while (w.bytes + w.pending < bytes) {
    t += rnd() < 0.3 ? 1 : 0;
    const r = rnd();
    if (r < pStap) {
      w.push([pool[Math.floor(rnd() * pool.length)]]);
      stapling++;
    } else if (r < pStap + pSpecial) {
      const lines = special(rnd, t);
      w.push(lines);
      specialLines += lines.length;
    } else {
      w.push([noiseLine(rnd, t)]);
    }
  }
  w.close();
  return { bytes: w.bytes, lines: w.lines, stapling, special: specialLines };
}

/** (e): every certificate once in config order, then every tenth again; noise between. */
function writeCertificates(file, certificates, seed) {
  const rnd = prng(seed);
  const w = new LogWriter(file);
  let t = 0;
  let occurrences = 0;
  const emit = (k) => {
    t += rnd() < 0.3 ? 1 : 0;
    w.push(nginxRefreshFailure(rnd, t, k));
    occurrences++;
    if (rnd() < 0.25) w.push([noiseLine(rnd, t)]); // 20 % of the events' lines on average
  };
  for (let k = 0; k < certificates; k++) emit(k);
  t += 3600;
  for (let k = 0; k < certificates; k += 10) emit(k);
  w.close();
  return { bytes: w.bytes, lines: w.lines, certificates, occurrences };
}

/** Expected count of certificate k in (e). */
export const certCount = (k) => (k % 10 === 0 ? 2 : 1);

function gzipFile(src, dst) {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(dst, 'w');
    const p = spawn('gzip', ['-6', '-n', '-c', src], { stdio: ['ignore', out, 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => {
      fs.closeSync(out);
      if (code === 0) resolve();
      else reject(new Error(`gzip ${src} failed (${code})`));
    });
  });
}

/**
 * Make (or reuse) one input. `spec` describes it completely; the marker holds the spec and what was
 * written. Returns the marker's contents.
 */
async function cached(file, spec, make, log) {
  const marker = `${file}.json`;
  const key = JSON.stringify(spec);
  if (fs.existsSync(marker) && fs.existsSync(file)) {
    const m = JSON.parse(fs.readFileSync(marker, 'utf8'));
    if (JSON.stringify(m.spec) === key) return m.info;
  }
  log(`generating ${path.basename(file)} …`);
  const t0 = Date.now();
  const info = await make();
  fs.writeFileSync(marker, JSON.stringify({ spec, info }));
  log(`  ${path.basename(file)}: ${(info.bytes / MiB).toFixed(0)} MiB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return info;
}

/**
 * Every input of the benchmark, generated or reused.
 * @param dir cache directory (created)
 * @param sizes {@link SIZES}.full or .quick
 * @param root repository root (for samples/real)
 * @param rules loaded rules (their match samples join the stapling lines)
 * @param log progress messages
 * @param wanted the inputs to prepare, by name (mixed, lookalike, dense, rotated, certs, small; default all)
 * @returns paths and what each input holds, for the wanted inputs
 */
export async function prepareInputs(dir, sizes, root, rules, log, wanted = null) {
  const want = (name) => !wanted || wanted.has(name);
  fs.mkdirSync(dir, { recursive: true });
  const pool = staplingPool(root, rules);
  const poolHash = createHash('sha256').update(pool.join('\n')).digest('hex').slice(0, 16);
  const base = { v: GEN_VERSION, pool: poolHash };
  const mb = (b) => Math.round(b / MiB);
  const lookalike = (rnd, t) => weighted(rnd, LOOKALIKES).make(rnd, t);
  const lookMean = LOOKALIKES.reduce((s, x) => s + x.weight * meanLines(x.make), 0) / LOOKALIKES.reduce((s, x) => s + x.weight, 0);
  const dense = (rnd, t) => (rnd() < 0.5 ? apacheHandshakeFailure(rnd, t) : nginxRefreshFailure(rnd, t, Math.floor(rnd() * 5000)));
  const denseMean = (meanLines(apacheHandshakeFailure) + meanLines((r, t) => nginxRefreshFailure(r, t, Math.floor(r() * 5000)))) / 2;

  const inputs = {};
  const single = async (name, seed, opts) => {
    const file = path.join(dir, `${name}-${mb(sizes.single)}M.log`);
    const info = await cached(
      file,
      { ...base, name, seed, bytes: sizes.single },
      () => writeMixed(file, sizes.single, seed, { pool, ...opts }),
      log,
    );
    inputs[name] = { files: [file], info };
  };
  if (want('mixed')) await single('mixed', 43, {});
  if (want('lookalike')) await single('lookalike', 44, { pSpecial: eventRate(0.2, lookMean), special: lookalike });
  if (want('dense')) await single('dense', 45, { pStap: 0, pSpecial: eventRate(0.1, denseMean), special: dense });
  if (want('rotated')) inputs.rotated = await rotatedLogs(dir, sizes, base, pool, log);
  if (want('certs')) {
    const certs = path.join(dir, `certs-${sizes.certificates}.log`);
    const spec = { ...base, name: 'certs', seed: 46, certificates: sizes.certificates };
    inputs.certs = { files: [certs], info: await cached(certs, spec, () => writeCertificates(certs, sizes.certificates, 46), log) };
  }
  if (want('small')) {
    const small = path.join(dir, 'small-apache-responder-down.log');
    fs.copyFileSync(path.join(root, 'samples/real/apache-responder-down.log'), small);
    inputs.small = { files: [small], info: { bytes: fs.statSync(small).size } };
  }
  return inputs;
}

/** (d): eight rotated logs like (a), each gzip -6, in a directory named after their size. */
async function rotatedLogs(dir, sizes, base, pool, log) {
  const sub = path.join(dir, `rotated-${Math.round(sizes.rotated / MiB)}M`);
  fs.mkdirSync(sub, { recursive: true });
  const rotated = [];
  const infos = [];
  const jobs = [];
  for (let i = 1; i <= sizes.rotatedFiles; i++) {
    const gz = path.join(sub, `error.log.${i}.gz`);
    rotated.push(gz);
    const spec = { ...base, name: 'rotated', seed: 100 + i, bytes: sizes.rotated };
    jobs.push(() =>
      cached(
        gz,
        spec,
        async () => {
          const plain = gz.replace(/\.gz$/, '');
          const info = writeMixed(plain, sizes.rotated, 100 + i, { pool });
          await gzipFile(plain, gz);
          fs.rmSync(plain);
          return { ...info, compressed: fs.statSync(gz).size };
        },
        log,
      ),
    );
  }
  // Two at a time: gzip of one file runs while the next is generated.
  for (let i = 0; i < jobs.length; i += 2) infos.push(...(await Promise.all(jobs.slice(i, i + 2).map((j) => j()))));
  return {
    files: rotated,
    info: {
      bytes: infos.reduce((s, x) => s + x.bytes, 0),
      lines: infos.reduce((s, x) => s + x.lines, 0),
      stapling: infos.reduce((s, x) => s + x.stapling, 0),
      compressed: infos.reduce((s, x) => s + x.compressed, 0),
    },
  };
}
