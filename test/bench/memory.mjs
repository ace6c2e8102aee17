#!/usr/bin/env node
/**
 * Memory goals of issues 12 and 16.3, shown by a script (never by a timed test): the built CLI reads a
 * generated log from a pipe (`--no-live`), and its peak RSS (VmHWM, read by the tool's own process at
 * exit through a preloaded hook, see ./rss-hook.mjs) and report are checked.
 *
 * Cases (N lines or failures each; default 1 000 000):
 *   certs      nginx: N distinct certificates failing (every tenth twice), as bench case (e): exact
 *              counts, no finding with a count or certificate not its own, the rest in summary findings
 *   pids       Apache: N failures (AH01974 + AH01941), each under its own pid: one finding, count N
 *   transport  Apache: N transport lines (AH01974), each under its own pid:tid, no AH01941: no finding
 *   long       Apache: N/10 failures whose lines are 60 KiB long: evidence stored capped
 *   waiting    Apache: N/200 transport lines (AH01974) 60 KiB long in 50 interleaved pid:tid, no AH01941:
 *              the lines a failure keeps while it waits are capped copies (before: 270 MB at N = 700 000)
 * Goal: peak RSS <= 100 MB for each. Exit 1 when a goal or a count check fails.
 *
 * Usage: node test/bench/memory.mjs [--n N] [--only certs,pids,transport,long,waiting] [--format json|ndjson]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEnv } from './measure.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i === -1 ? def : args[i + 1];
};
const N = Number(opt('--n', 1_000_000));
const ONLY = new Set(opt('--only', 'certs,pids,transport,long,waiting').split(','));
const FORMAT = opt('--format', 'json');
const GOAL_MB = 100;

const certPath = (k) => `/etc/nginx/ssl/site-${k}.example.net/fullchain.pem`;
const certCount = (k) => (k % 10 === 0 ? 2 : 1);
const ngTime = (s) => {
  const d = new Date(Date.UTC(2026, 10, 23, 0, 0, 0) + s * 1000);
  return d.toISOString().slice(0, 19).replace(/-/g, '/').replace('T', ' ');
};
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const apTime = (s) => {
  const d = new Date(Date.UTC(2026, 10, 23, 0, 0, 0) + s * 1000);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.000000 ${d.getUTCFullYear()}`;
};

/** Lines of each case, as an iterator of strings (one line each, no newline). Shapes from rules/*.yaml samples. */
const CASES = {
  *certs(n) {
    // samples/real/nginx-responder-timeout.log shape; every certificate once, then every tenth again.
    const line = (k, s) =>
      `${ngTime(s)} [error] 1043#1043: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.example.net, peer: 192.0.2.${k % 250}:80, certificate: "${certPath(k)}"`;
    let s = 0;
    for (let k = 0; k < n; k++) yield line(k, (s += k % 7 === 0 ? 1 : 0));
    for (let k = 0; k < n; k += 10) yield line(k, (s += 1));
  },
  *pids(n) {
    // rules/apache-responder-connect-failed.yaml + apache-responder-error.yaml samples, one pid each.
    for (let k = 0; k < n; k++) {
      const t = apTime(Math.floor(k / 100));
      const pid = 10_000 + k;
      yield `[${t}] [ssl:error] [pid ${pid}:tid 10992] (111)Connection refused: [client 127.0.0.1:57516] AH01974: could not connect to OCSP responder '127.0.0.1:27881'`;
      yield `[${t}] [ssl:error] [pid ${pid}:tid 10992] AH01941: stapling_renew_response: responder error`;
    }
  },
  *transport(n) {
    for (let k = 0; k < n; k++) {
      const t = apTime(Math.floor(k / 100));
      yield `[${t}] [ssl:error] [pid ${10_000 + (k % 50_000)}:tid ${k}] (111)Connection refused: [client 127.0.0.1:57516] AH01974: could not connect to OCSP responder '127.0.0.1:27881'`;
    }
  },
  *long(n) {
    const pad = 'x'.repeat(60 * 1024);
    for (let k = 0; k < n / 10; k++) {
      const t = apTime(k);
      yield `[${t}] [ssl:error] [pid ${1000 + k}:tid 7] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate! [subject: CN=site-${k}.example.net ${pad} / issuer: CN=Example CA / serial: ${k.toString(16).toUpperCase()} / notbefore: May 29 19:48:11 2025 GMT / notafter: Jun 12 19:48:11 2027 GMT]`;
    }
  },
  *waiting(n) {
    const pad = 'x'.repeat(60 * 1024);
    for (let k = 0; k < n / 200; k++) {
      yield `[${apTime(Math.floor(k / 50))}] [ssl:error] [pid ${1000 + (k % 50)}:tid 7] (111)Connection refused: [client 127.0.0.1:57516] AH01974: could not connect to OCSP responder '127.0.0.1:27881' ${pad}`;
    }
  },
};

/** Feed the lines to the CLI through a pipe with backpressure; resolve with its exit code, peak RSS and output file. */
async function runCase(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sd-memory-'));
  const outFile = path.join(dir, 'out');
  const rssFile = path.join(dir, 'rss');
  const out = fs.openSync(outFile, 'w');
  const child = spawn(
    process.execPath,
    ['--import', path.join(HERE, 'rss-hook.mjs'), CLI, '--no-live', '--format', FORMAT, '--fail-on', 'never', '-'],
    {
      stdio: ['pipe', out, 'inherit'],
      env: benchEnv({ STAPLING_RSS_FILE: rssFile }),
    },
  );
  const done = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const started = Date.now();
  let batch = [];
  let lines = 0;
  for (const l of CASES[name](N)) {
    batch.push(l);
    lines++;
    if (batch.length === 2000) {
      if (!child.stdin.write(`${batch.join('\n')}\n`)) await new Promise((r) => child.stdin.once('drain', r));
      batch = [];
    }
  }
  child.stdin.end(batch.length ? `${batch.join('\n')}\n` : '');
  const code = await done;
  fs.closeSync(out);
  const rss = JSON.parse(fs.readFileSync(rssFile, 'utf8'));
  return { code, lines, seconds: (Date.now() - started) / 1000, rssMB: rss.vmHWMkB / 1024, outFile, dir };
}

/** Parse the output: the JSON document, or the NDJSON stream folded into findings by id. */
function report(outFile) {
  const text = fs.readFileSync(outFile, 'utf8');
  if (FORMAT === 'json') return JSON.parse(text);
  const byId = new Map();
  let end = null;
  for (const l of text.split('\n')) {
    if (!l) continue;
    const e = JSON.parse(l);
    if (e.event === 'end') end = e;
    else if (e.event === 'new') byId.set(e.id, e);
    else Object.assign(byId.get(e.id), { count: e.count, last: e.last });
  }
  return { ...end, findings: [...byId.values()] };
}

/** What each case must report. @returns [ok, text] */
const CHECKS = {
  certs(rep) {
    const occurrences = N + Math.ceil(N / 10);
    let sum = 0;
    let named = 0;
    let summarised = 0;
    const wrong = [];
    const seen = new Set();
    for (const f of rep.findings) {
      sum += f.count;
      const cert = f.subject?.certificate;
      const m = typeof cert === 'string' ? /site-(\d+)\.example\.net/.exec(cert) : null;
      if (f.aggregate) {
        summarised += f.aggregate.findings;
        if (cert !== undefined) wrong.push(`${f.id}: a summary names ${cert}`);
        continue;
      }
      if (!m) continue;
      const k = Number(m[1]);
      named++;
      if (cert !== certPath(k) || seen.has(k) || f.count !== certCount(k)) wrong.push(`${f.id}: ${cert} ×${f.count}`);
      seen.add(k);
    }
    const ok = sum === occurrences && wrong.length === 0 && named + summarised === N;
    return [
      ok,
      `Σ count ${sum} of ${occurrences}; ${named} findings name their certificate${wrong.length ? `, ${wrong.length} wrong (${wrong[0]})` : ', each exact'}; ${summarised} in summaries`,
    ];
  },
  pids(rep) {
    const f = rep.findings.filter((x) => x.cause === 'responder-unreachable');
    const sum = f.reduce((s, x) => s + x.count, 0);
    return [sum === N && rep.findings.length === f.length, `${rep.findings.length} findings, responder-unreachable ×${sum} of ${N}`];
  },
  transport(rep) {
    return [rep.findings.length === 0, `${rep.findings.length} findings (client-certificate OCSP: none expected)`];
  },
  waiting(rep) {
    return [rep.findings.length === 0, `${rep.findings.length} findings (never confirmed: none expected)`];
  },
  long(rep) {
    const f = rep.findings;
    const sum = f.reduce((s, x) => s + x.count, 0);
    const longest = Math.max(0, ...f.flatMap((x) => x.evidence.map((e) => e.text.length)));
    return [sum === N / 10, `${f.length} findings, Σ count ${sum} of ${N / 10}; longest evidence text stored ${longest} chars`];
  },
};

let failed = false;
console.log(`| case | lines | peak RSS (MB) | goal | seconds | report |`);
console.log(`|---|---|---|---|---|---|`);
for (const name of Object.keys(CASES)) {
  if (!ONLY.has(name)) continue;
  const r = await runCase(name);
  let ok = r.code === 0 && r.rssMB <= GOAL_MB;
  let text;
  try {
    const [good, t] = CHECKS[name](report(r.outFile));
    ok &&= good;
    text = `${t}; exit ${r.code}`;
  } catch (err) {
    ok = false;
    text = `unreadable report (${err.message}); exit ${r.code}`;
  }
  failed ||= !ok;
  console.log(
    `| ${name} | ${r.lines} | ${r.rssMB.toFixed(1)} | <= ${GOAL_MB} ${ok ? 'PASS' : 'FAIL'} | ${r.seconds.toFixed(1)} | ${text} |`,
  );
  fs.rmSync(r.dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
