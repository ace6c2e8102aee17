#!/usr/bin/env node
/**
 * `npm run bench`: stapling-doctor against Node's newline-scan floor and standard tools, in one run, on
 * the logs that hurt (issue 15). Prints one Markdown table (min and median wall time of every command,
 * MiB/s, CPU, peak RSS, what it found) and the goals with their ratios, PASS or FAIL.
 *
 * Cases (inputs: ./inputs.mjs, generated once into the cache directory and reused):
 *   (a) mixed 1 GiB log, ~0.1 % real stapling lines; also with ten times the rules (./tenfold.mjs)
 *   (b) look-alike-heavy: (a) plus 20 % lines that contain a trigger but are not stapling
 *   (c) densely failing server: 10 % stapling lines (Apache per handshake, nginx for 5 000 certificates)
 *   (d) eight rotated .gz files of 128 MiB each: `--jobs 1` vs `--jobs 2` when the CLI has `--jobs`
 *   (e) 1 000 000 distinct certificates: peak RSS, exact counts
 *   live: 10 000 lines/s into a pipe for 60 s (./live.mjs); start-up of the bundle on a small file
 * References, each its own process: Node's newline floor (./floor.mjs), `grep -cE -f WORDS` (the rarest
 * word of every trigger), `rg -c -F -f TRIGGERS`, `zcat | grep` (one pipeline, and two in parallel), and
 * the tool's own byte filter without parsing, alone, with the parser and with the matcher run on each
 * candidate line (./filter.mjs): what no work on matching or correlating can remove. Each goal not met gets the limit
 * these measure beside it (the "limit" column).
 * The commands of (a), (b) and (c) are timed in one alternation group, so that the ratios between the
 * cases compare runs made under the same conditions; (d) and (e) are groups of their own. After the
 * timings, each case's report is compared with the line-by-line reference path (./check.mjs).
 * Goals are judged on the min of the runs (the run least disturbed by other processes: these machines
 * are shared), with the ratios of the medians and of the CPU times (user + system, median) beside it.
 * (e) runs once: it is about memory and counts.
 *
 * Options: --quick (64 MiB, 8 × 16 MiB, 100 000 certificates, 10 s live, 3 runs), --runs N (default 5),
 * --dir DIR (default $TMPDIR/stapling-bench), --only a,b,c,d,e,live,startup, --no-check.
 * Exit status 1 when a goal or a check fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildReference } from './check.mjs';
import { SIZES, certCount, prepareInputs } from './inputs.mjs';
import { certPath } from './lines.mjs';
import { liveRun } from './live.mjs';
import { alternate, MACHINE_NODE_ENV, MACHINE_NODE_VARS, runOnce, warm } from './measure.mjs';
import { buildTenfold } from './tenfold.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const NODE = process.execPath;
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const QUICK = args.includes('--quick');
const RUNS = Number(opt('--runs', QUICK ? 3 : 5));
const DIR = path.resolve(opt('--dir', path.join(os.tmpdir(), 'stapling-bench')));
const ONLY = new Set(opt('--only', 'a,b,c,d,e,live,startup').split(','));
const CHECK = !args.includes('--no-check');
const sizes = QUICK ? SIZES.quick : SIZES.full;
const MiB = 1 << 20;
const log = (m) => process.stderr.write(`bench: ${m}\n`);
const fmt = (n) => Math.round(n).toLocaleString('en-US').replace(/,/g, ' ');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const shq = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

const { loadRules } = await import(pathToFileURL(path.join(ROOT, 'dist/index.js')).href);
const rules = await loadRules();
const triggers = [...new Set(rules.map((r) => r.trigger))];
fs.mkdirSync(DIR, { recursive: true });
const LOAD0 = os.loadavg()[0].toFixed(1);

/**
 * The rules' identifying words for `grep -cE`: for each trigger, its word (3+ letters, digits or `_`) that
 * is rarest in the first 4 MiB of input (a), longest on a tie; a trigger without such a word stands for
 * itself. Every trigger contains its word, so grep counts a superset of the lines the tool must look at.
 */
function identifyingWords(sampleFile) {
  const fd = fs.openSync(sampleFile, 'r');
  const sample = Buffer.alloc(4 * MiB);
  const n = fs.readSync(fd, sample, 0, sample.length, 0);
  fs.closeSync(fd);
  const text = sample.subarray(0, n);
  const freq = (w) => {
    let c = 0;
    for (let i = text.indexOf(w); i !== -1; i = text.indexOf(w, i + 1)) c++;
    return c;
  };
  const chosen = triggers.map((t) => {
    const ws = t.match(/[A-Za-z0-9_]{3,}/g);
    if (!ws) return t.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&');
    return ws.map((w) => [w, freq(w)]).reduce((a, b) => (b[1] < a[1] || (b[1] === a[1] && b[0].length > a[0].length) ? b : a))[0];
  });
  return [...new Set(chosen)];
}
const WORDS = path.join(DIR, 'words.txt');
const TRIGGERS = path.join(DIR, 'triggers.txt');
fs.writeFileSync(TRIGGERS, `${triggers.join('\n')}\n`);

log(`inputs in ${DIR}${QUICK ? ' (quick sizes)' : ''}`);
// (a)'s input is always made: the grep words are chosen on it.
const NEEDS = { b: 'lookalike', c: 'dense', d: 'rotated', e: 'certs', startup: 'small' };
const wanted = new Set(['mixed', ...[...ONLY].map((k) => NEEDS[k]).filter(Boolean)]);
const inputs = await prepareInputs(DIR, sizes, ROOT, rules, log, wanted);
const words = identifyingWords(inputs.mixed.files[0]);
fs.writeFileSync(WORDS, `${words.join('\n')}\n`);
const help = execFileSync(NODE, [CLI, '--help'], { encoding: 'utf8' });
const HAS_JOBS = /--jobs\b/.test(help);

// ---------- commands ----------

const outFile = (key) => path.join(DIR, `out-${key}.json`);
const tool = (key, files, extra = []) => ({
  label: `stapling-doctor${extra.length ? ` ${extra.join(' ')}` : ''}`,
  key,
  argv: [NODE, CLI, '--format', 'json', '--fail-on', 'never', ...extra, ...files],
  out: outFile(key),
  ok: [0],
});
const floor = (files) => ({ label: 'newline floor (node)', argv: [NODE, path.join(HERE, 'floor.mjs'), ...files] });
const grep = (files) => ({ label: `grep -cE (${words.length} words)`, argv: ['grep', '-cE', '-f', WORDS, ...files] });
const rg = (files) => ({ label: `rg -c -F (${triggers.length} triggers)`, argv: ['rg', '-c', '-F', '-f', TRIGGERS, ...files] });
const FILTER = path.join(HERE, 'filter.mjs');
const filterOnly = (files) => ({ label: "byte filter alone (the tool's scanner)", filter: true, argv: [NODE, FILTER, ...files] });
const filterParse = (files) => ({ label: '… + parseLine on each candidate line', filter: true, argv: [NODE, FILTER, '--parse', ...files] });
const filterMatch = (files) => ({
  label: '… + Matcher.match on each candidate line',
  filter: true,
  argv: [NODE, FILTER, '--match', ...files],
});
/** The candidate lines ./filter.mjs printed (its second number). */
const candidatesOf = (r) => Number(r.stdout.trim().split(' ')[1]);

const CASES = {
  a: { name: '(a) mixed', input: inputs.mixed },
  b: { name: '(b) look-alike-heavy', input: inputs.lookalike },
  c: { name: '(c) densely failing', input: inputs.dense },
};

/** What a command printed, in a few words. */
function output(cmd, r) {
  if (cmd.out) {
    const rep = JSON.parse(fs.readFileSync(cmd.out, 'utf8'));
    return `${fmt(rep.findings.length)} findings, ${fmt(rep.stats.matched)} matched lines`;
  }
  if (cmd.filter) return `${fmt(candidatesOf(r))} candidate lines`;
  const n = r.stdout
    .trim()
    .split('\n')
    .reduce((s, l) => s + (Number(l.split(':').pop()) || 0), 0);
  return `${fmt(n)} lines`;
}

const rows = [];
const goals = [];
const results = {};
function addRows(name, desc, bytes, cmds, res) {
  cmds.forEach((c, i) => {
    const r = res.get(c.label);
    rows.push([
      i === 0 ? name : '',
      i === 0 ? desc : '',
      c.label,
      f2(r.min),
      f2(r.median),
      fmt(bytes / MiB / r.median),
      f2(r.cpu),
      fmt(r.rssMB),
      output(c, r),
    ]);
  });
}
const pct = (x, of) => `${((100 * x) / of).toFixed(1)} %`;

// ---------- (a) (b) (c): one alternation group ----------

const single = ['a', 'b', 'c'].filter((k) => ONLY.has(k));
if (single.length > 0) {
  const tenfold = single.includes('a') ? buildTenfold(ROOT, rules, path.join(DIR, 'pkg-10x')) : null;
  const groups = single.map((k) => {
    const files = CASES[k].input.files;
    const cmds = [tool(k, files), floor(files), grep(files), rg(files), filterOnly(files), filterParse(files), filterMatch(files)];
    if (k === 'a')
      cmds.push({
        ...tool('a10', files),
        label: `stapling-doctor, ${fmt(tenfold.rules)} rules`,
        argv: [NODE, tenfold.cli, ...tool('a10', files).argv.slice(2)],
      });
    return { k, cmds };
  });
  log(`timing ${single.map((k) => CASES[k].name).join(', ')}: ${RUNS} runs, alternated …`);
  warm(single.flatMap((k) => CASES[k].input.files));
  const res = alternate(
    groups.flatMap((g) => g.cmds.map((c) => ({ ...c, label: `${g.k}:${c.label}` }))),
    RUNS,
    log,
  );
  for (const g of groups) {
    const info = CASES[g.k].input.info;
    const mine = new Map(g.cmds.map((c) => [c.label, res.get(`${g.k}:${c.label}`)]));
    const what =
      g.k === 'a'
        ? `${pct(info.stapling, info.lines)} stapling`
        : g.k === 'b'
          ? `${pct(info.special, info.lines)} look-alike, ${pct(info.stapling, info.lines)} stapling`
          : `${pct(info.special, info.lines)} stapling`;
    addRows(CASES[g.k].name, `${fmt(info.bytes / MiB)} MiB, ${fmt(info.lines)} lines, ${what}`, info.bytes, g.cmds, mine);
    const at = (c) => mine.get(g.cmds[c].label);
    results[g.k] = {
      tool: at(0),
      floor: at(1),
      rg: at(3),
      filter: at(4),
      parse: at(5),
      match: at(6),
      candidates: candidatesOf(at(4)),
      bytes: info.bytes,
    };
    if (g.k === 'a') results.a10 = at(7);
  }
  if (results.a) {
    const { tool: t, floor: fl, filter: bf, rg: rgr } = results.a;
    const r = t.min / fl.min;
    const rf = bf.min / fl.min;
    goals.push([
      '(a) tool ÷ newline floor',
      '≤ 2',
      `${f2(r)} (${f2(t.min)} s ÷ ${f2(fl.min)} s; medians ${f2(t.median / fl.median)}; CPU ${f2(t.cpu / fl.cpu)})`,
      r <= 2,
      `the byte filter alone, before any line is parsed: ${f2(bf.min)} s = ${f2(rf)} × the floor${rf > 2 ? ', over the goal by itself' : ''}; rg -F with the same ${triggers.length} triggers: ${f2(rgr.min / fl.min)} ×`,
    ]);
  }
  if (results.a10) {
    const r = results.a10.min / results.a.tool.min;
    const same =
      JSON.stringify(JSON.parse(fs.readFileSync(outFile('a10'), 'utf8')).findings) ===
      JSON.stringify(JSON.parse(fs.readFileSync(outFile('a'), 'utf8')).findings);
    goals.push([
      `(a) with ten times the rules ÷ (a) (issue 5)`,
      '≤ 1.2, same findings',
      `${f2(r)} (${f2(results.a10.min)} s ÷ ${f2(results.a.tool.min)} s); findings ${same ? 'the same' : 'DIFFERENT'}`,
      r <= 1.2 && same,
    ]);
  }
  for (const k of ['b', 'c']) {
    if (!results[k] || !results.a) continue;
    const x = results[k];
    const a = results.a;
    const r = x.tool.min / x.bytes / (a.tool.min / a.bytes);
    const rm = x.tool.median / x.bytes / (a.tool.median / a.bytes);
    const rc = x.tool.cpu / x.bytes / (a.tool.cpu / a.bytes);
    goals.push([
      `${CASES[k].name} ÷ (a), per byte`,
      '≤ 1.5',
      `${f2(r)} (${f2(x.tool.min)} s ÷ ${f2(a.tool.min)} s; medians ${f2(rm)}; CPU ${f2(rc)})`,
      r <= 1.5,
      lineBudget(x, a, k),
    ]);
  }
}

/**
 * What the goal (b) or (c) ≤ 1.5 × (a) leaves per candidate line, beside what the byte filter, the parser
 * and the tool take (the min of each; µs per candidate line beyond the byte filter).
 */
function lineBudget(x, a, k) {
  const budget = 1.5 * a.tool.min * (x.bytes / a.bytes);
  const per = (secs) => `${f2(((secs - x.filter.min) / x.candidates) * 1e6)} µs`;
  const over = x.parse.min > budget;
  return (
    `budget 1.5 × (a) = ${f2(budget)} s; the byte filter alone ${f2(x.filter.min)} s, with parseLine on each of its ${fmt(x.candidates)} candidate lines ${f2(x.parse.min)} s` +
    `${over ? ', over the budget before any rule is tried' : ''}; per candidate line: budget ${per(budget)}, parseLine ${per(x.parse.min)}, Matcher.match (parse and match each line by itself) ${per(x.match.min)}, the tool ${per(x.tool.min)}` +
    `; ${ratioFloor(x, a, k)}`
  );
}

/**
 * The least the ratio (x) ÷ (a) can be whatever the work past the byte filter costs. Each tool time is the
 * filter's plus the rest's (F + R), so (x) ÷ (a) ≥ min(Fx ÷ Fa, Rx ÷ Ra) (per byte): when the filters' ratio
 * is over the goal, the goal needs the rest of (x), over its Cx candidate lines, to cost at most 1.5 × the rest
 * of (a), over its Ca: a candidate line of (x) at most 1.5 × Ca ÷ Cx of what one of (a) costs, lines of the
 * same kinds (look-alikes and stapling lines).
 */
function ratioFloor(x, a, k) {
  const size = x.bytes / a.bytes;
  const filters = x.filter.min / size / a.filter.min;
  const rests = (x.tool.min - x.filter.min) / size / (a.tool.min - a.filter.min);
  const lines = x.candidates / size / a.candidates;
  const head = `the filters alone: ${f2(filters)} × (a)'s, the rest of the tool ${f2(rests)} × (a)'s rest (per byte), so (${k}) ÷ (a) ≥ ${f2(Math.min(filters, rests))}`;
  if (filters <= 1.5) return head;
  return `${head}; with the filters' ratio over the goal, it needs the rest ≤ 1.5 × (a)'s over ${f2(lines)} × its candidate lines: each at most ${fmt(Math.round((1.5 / lines) * 100))} % of what a candidate line of (a) costs`;
}

// ---------- (d) rotated .gz ----------

if (ONLY.has('d')) {
  const files = inputs.rotated.files;
  const info = inputs.rotated.info;
  const tools = HAS_JOBS ? [tool('d', files, ['--jobs', '1']), tool('d2', files, ['--jobs', '2'])] : [tool('d', files)];
  const wl = shq(WORDS);
  const half = Math.ceil(files.length / 2);
  const halves = [files.slice(0, half), files.slice(half)].map(
    (fs) => `${shq(NODE)} ${shq(CLI)} --format json --fail-on never --jobs 1 ${fs.map(shq).join(' ')} >/dev/null`,
  );
  // The machine's own ceiling for two scanners: two separate processes, each on half the files, no threads shared.
  const pair = { label: '2 × stapling-doctor --jobs 1 on halves, in parallel', sh: `${halves[0]} & ${halves[1]}; wait` };
  const cmds = [
    ...tools,
    ...(HAS_JOBS ? [pair] : []),
    { label: 'newline floor (node zlib)', argv: [NODE, path.join(HERE, 'floor.mjs'), '--gunzip', ...files] },
    { label: 'zcat | grep -cE', sh: `zcat ${files.map(shq).join(' ')} | grep -cE -f ${wl}` },
    {
      label: '2 × (zcat | grep -cE), xargs -P2',
      sh: `printf '%s\\n' ${files.map(shq).join(' ')} | xargs -P2 -n1 sh -c 'zcat "$0" | grep -cE -f ${wl}'`,
    },
  ];
  log(`timing (d) ${files.length} rotated .gz: ${RUNS} runs, alternated …`);
  warm(files);
  const res = alternate(cmds, RUNS, log);
  const desc = `${files.length} × ${fmt(info.bytes / files.length / MiB)} MiB (${fmt(info.compressed / MiB)} MiB gzip -6), ${fmt(info.lines)} lines`;
  addRows('(d) rotated .gz', desc, info.bytes, cmds, res);
  results.d = { files, tools: tools.map((t) => t.key) };
  const one = res.get(tools[0].label).min;
  const zc1 = res.get(cmds[cmds.length - 2].label).min;
  const zc2 = res.get(cmds[cmds.length - 1].label).min;
  if (HAS_JOBS) {
    const [a, b] = [res.get(tools[0].label), res.get(tools[1].label)];
    const r = one / b.min;
    const ceiling = one / res.get(pair.label).min;
    const detail = `${f2(one)} s ÷ ${f2(b.min)} s; medians ${f2(a.median / b.median)}; CPU ${f2(a.cpu)} s vs ${f2(b.cpu)} s`;
    // One worker already keeps more than one core busy (gzip inflates in libuv's thread pool beside
    // the scan): with `cores` cores and no less CPU in all, two workers can be at most this much faster.
    const cores = os.availableParallelism();
    const busy = a.cpu / a.median;
    const bound = Math.min(2, cores / busy);
    const limit =
      `--jobs 1 keeps ${f2(busy)} cores busy (CPU ÷ wall, medians): with ${cores} cores and no less CPU, --jobs 2 is at most ${f2(bound)} × faster` +
      `${bound < 1.7 ? ', under the goal' : ''}; two separate processes on halves: ${f2(ceiling)}; zcat | grep on two cores: ${f2(zc1 / zc2)}`;
    goals.push(['(d) --jobs 1 ÷ --jobs 2', '≥ 1.7', `${f2(r)} (${detail})`, r >= 1.7, limit]);
  } else {
    goals.push([
      '(d) --jobs 1 ÷ --jobs 2',
      '≥ 1.7',
      `not measured: \`--jobs\` is not implemented yet (one worker: ${f2(one)} s; zcat | grep on two cores: ${f2(zc1 / zc2)})`,
      false,
    ]);
  }
}

// ---------- (e) many certificates ----------

/**
 * What (e)'s resident set is made of, measured in this run: the peak of `node -e 0` (Node alone) and of the
 * tool on a one-line log (Node, the tool's modules and rules, no finding), then one more run of (e) with
 * ./rss-hook.mjs reading /proc/self/status and V8's figures every 100 ms (`atPeak`: the reading of the
 * largest RSS): pages mapped from files (node's binary and libraries), anonymous memory, and of it V8's heap
 * and the memory V8 counts outside it (the scanner's WebAssembly memory, and ArrayBuffers: the identity set of
 * summarised certificates, read buffers). Run only when the goal is not met (it costs one more run of (e)).
 * @returns the text of the goal's limit column
 */
function memoryMadeOf(files) {
  const oneLine = path.join(DIR, 'one-line.log');
  fs.writeFileSync(oneLine, 'not a log line\n');
  const peak = (argv) => runOnce({ label: argv.join(' '), argv }).rssMB;
  const nodeAlone = peak([NODE, '-e', '0']);
  const toolAlone = peak([NODE, CLI, '--format', 'json', '--fail-on', 'never', oneLine]);
  const rssFile = path.join(DIR, 'rss-e.json');
  const hook = path.join(HERE, 'rss-hook.mjs');
  runOnce({
    label: '(e) with rss-hook',
    argv: [NODE, '--import', hook, CLI, '--format', 'json', '--fail-on', 'never', ...files],
    out: path.join(DIR, 'out-e-rss.json'),
    env: { STAPLING_RSS_FILE: rssFile, STAPLING_RSS_SAMPLE_MS: '100' },
    ok: [0],
  });
  const { vmHWMkB, atPeak: p } = JSON.parse(fs.readFileSync(rssFile, 'utf8'));
  const mb = (bytes) => fmt(bytes / MiB);
  return (
    `node -e 0 alone: ${fmt(nodeAlone)} MB; the tool on a one-line log: ${fmt(toolAlone)} MB; ` +
    `(e) again, peak ${fmt(vmHWMkB / 1024)} MB, near it: mapped from files (node's binary, libraries) ${fmt(p.RssFile / 1024)} MB, ` +
    `anonymous ${fmt(p.RssAnon / 1024)} MB, of which V8's heap ${mb(p.heapTotal)} MB (${mb(p.heapUsed)} MB used) and ` +
    `outside it ${mb(p.external)} MB (ArrayBuffers ${mb(p.arrayBuffers)} MB)`
  );
}

/** Counts of the (e) report against what the generator wrote. */
function exactCounts(reportFile, info) {
  const rep = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  const sum = rep.findings.reduce((s, f) => s + f.count, 0);
  const byPath = new Map();
  const wrong = [];
  let named = 0;
  for (const f of rep.findings) {
    const cert = f.subject?.certificate;
    const m = typeof cert === 'string' ? /site-(\d+)\.example\.net/.exec(cert) : null;
    if (!m) continue;
    const k = Number(m[1]);
    named++;
    if (cert !== certPath(k) || byPath.has(k) || f.count !== certCount(k)) wrong.push(`${f.id}: ${cert} ×${f.count}`);
    byPath.set(k, f.count);
  }
  const others = rep.findings.length - named;
  const ok = sum === info.occurrences && wrong.length === 0;
  const text =
    `Σ count ${fmt(sum)} for ${fmt(info.occurrences)} failures; ${fmt(named)} findings name one certificate` +
    `${wrong.length ? `, ${fmt(wrong.length)} of them with a count that is not that certificate's (e.g. ${wrong[0]})` : ', each with its exact count'}` +
    `; ${fmt(others)} findings name none (${fmt(info.certificates - byPath.size)} certificates not named)`;
  return { ok, text };
}

if (ONLY.has('e')) {
  const files = inputs.certs.files;
  const info = inputs.certs.info;
  const cmds = [tool('e', files), floor(files)];
  // One run: (e) is about memory and counts, not a time ratio (and a run takes minutes today).
  log(`(e) ${fmt(info.certificates)} certificates: one run …`);
  warm(files);
  const res = alternate(cmds, 1, log);
  addRows(
    '(e) many certificates',
    `${fmt(info.bytes / MiB)} MiB, ${fmt(info.certificates)} certificates, ${fmt(info.occurrences)} failures; one run`,
    info.bytes,
    cmds,
    res,
  );
  const rss = res.get(cmds[0].label).rssMB;
  goals.push([
    `(e) peak RSS, ${fmt(info.certificates)} certificates`,
    '≤ 100 MB',
    `${fmt(rss)} MB`,
    rss <= 100,
    rss <= 100 ? '' : memoryMadeOf(files),
  ]);
  const ex = exactCounts(outFile('e'), info);
  goals.push(['(e) counts exact', 'exact', ex.text, ex.ok]);
  results.e = true;
}

// ---------- live ----------

if (ONLY.has('live')) {
  const seconds = QUICK ? 10 : 60;
  const idleSeconds = QUICK ? 3 : 10;
  log(`live: 10 000 lines/s for ${seconds} s, then ${idleSeconds} s idle …`);
  const l = await liveRun(CLI, { rate: 10000, seconds, idleSeconds });
  rows.push([
    'live (pipe)',
    `${fmt(l.lines)} lines at ${fmt(l.rate)}/s, 1 % stapling`,
    'stapling-doctor --format ndjson -',
    '',
    '',
    '',
    `${f2(l.busyCpu * 100)} % of a core`,
    '',
    `${fmt(l.measured)} of ${fmt(l.markers)} findings; p50 ${f2(l.p50)} ms, p99 ${f2(l.p99)} ms, max ${f2(l.max)} ms${l.summarized > 0 ? `; ${fmt(l.summarized)} more certificates past the per-cause limit counted into the summary finding, whose updates are coalesced: p99 ${f2(l.summaryP99)} ms` : ''}`,
  ]);
  const nothingLost = l.lost === 0 && l.counted === l.lines;
  goals.push([
    `live p99 line → finding, ${fmt(l.rate)} lines/s for ${fmt(l.seconds)} s`,
    '≤ 50 ms, nothing lost',
    `p99 ${f2(l.p99)} ms of the ${fmt(l.measured)} new findings${l.summarized > 0 ? ` (the ${fmt(l.summarized)} lines counted into the summary finding: p99 ${f2(l.summaryP99)} ms, its updates coalesced)` : ''}; ${fmt(l.lost)} findings lost; ${fmt(l.counted ?? NaN)} of ${fmt(l.lines)} lines counted`,
    l.p99 <= 50 && nothingLost && l.rate >= 9900,
  ]);
  goals.push([
    `live idle pipe, ${l.idleSeconds} s without a line`,
    'no CPU',
    `${fmt(l.idleCpuMs)} ms CPU, ${fmt(l.idleSwitches)} wake-ups of the main thread`,
    l.idleCpuMs <= 10,
  ]);
}

// ---------- start-up ----------

if (ONLY.has('startup')) {
  const bundle = path.join(DIR, 'stapling-doctor.cjs');
  execFileSync(NODE, ['esbuild.config.mjs', bundle], { cwd: ROOT, stdio: 'ignore' });
  const small = inputs.small.files[0];
  const cmds = [
    { label: 'bundle (npm run bundle)', argv: [NODE, bundle, '--format', 'json', '--fail-on', 'never', small] },
    { label: 'dist/cli.js', argv: [NODE, CLI, '--format', 'json', '--fail-on', 'never', small] },
    { label: 'node -e 0', argv: [NODE, '-e', '0'] },
  ];
  // What a start costs on this machine with its own Node settings (measure.mjs: not the tool's), shown beside.
  const machine = Object.keys(MACHINE_NODE_ENV);
  const withMachine = (c) => ({ ...c, label: `${c.label}, with this machine's ${machine.join(', ')}`, env: MACHINE_NODE_ENV });
  // [the bundle, node -e 0] with them, when the machine sets any
  const asIs = machine.length > 0 ? [withMachine(cmds[0]), withMachine(cmds[2])] : [];
  cmds.push(...asIs);
  const runs = QUICK ? 5 : 20;
  log(`start-up: ${runs} runs …`);
  const res = alternate(cmds, runs, () => undefined);
  cmds.forEach((c, i) => {
    const r = res.get(c.label);
    rows.push([
      i === 0 ? 'start-up' : '',
      i === 0 ? `${path.basename(small)} (${inputs.small.info.bytes} B)` : '',
      c.label,
      f2(r.min),
      f2(r.median),
      '',
      f2(r.cpu),
      fmt(r.rssMB),
      '',
    ]);
  });
  const b = res.get(cmds[0].label);
  const ms = (x) => `${fmt(x * 1000)} ms`;
  goals.push([
    'start-up of the bundle, small file',
    '≤ 150 ms',
    `${ms(b.min)} (median ${ms(b.median)}; node -e 0: ${ms(res.get('node -e 0').min)})` +
      (asIs.length > 0
        ? `; with this machine's ${machine.join(', ')}: ${ms(res.get(asIs[0].label).min)} (node -e 0: ${ms(res.get(asIs[1].label).min)})`
        : ''),
    b.min <= 0.15,
  ]);
}

// ---------- findings = line-by-line reference ----------

if (CHECK) {
  const ref = await buildReference();
  const checks = [
    ...single.map((k) => [CASES[k].name, outFile(k), CASES[k].input.files]),
    ...(results.d ? results.d.tools.map((k) => [`(d) rotated .gz${k === 'd2' ? ' --jobs 2' : ''}`, outFile(k), results.d.files]) : []),
    ...(results.e ? [['(e) many certificates', outFile('e'), inputs.certs.files]] : []),
  ];
  for (const [name, report, files] of checks) {
    log(`checking ${name} against the line-by-line reference …`);
    const r = spawnSync(NODE, [path.join(HERE, 'check.mjs'), ref, report, ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const last = r.stdout.trim().split('\n').pop();
    const c = r.status === 0 && last ? JSON.parse(last) : { equal: false, difference: r.stderr.slice(-500) };
    const got = c.fast ? `${fmt(c.fast.findings)} findings, ${fmt(c.fast.matched)} matched lines` : '';
    goals.push([`findings ${name} = line-by-line reference`, 'equal', c.equal ? `equal: ${got}` : `DIFFERENT: ${c.difference}`, c.equal]);
  }
}

// ---------- report ----------

const cpu = os.cpus();
const version = (cmd) => spawnSync(cmd, ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'not found';
const debian = fs.existsSync('/etc/debian_version') ? `Debian ${fs.readFileSync('/etc/debian_version', 'utf8').trim()}, ` : '';
console.log(
  `\nstapling-doctor ${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version} benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC` +
    `${QUICK ? ' (--quick)' : ''}\n${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${debian}Linux ${os.release()}, ` +
    `node ${process.version}, ${version('grep')}, ${version('rg')}, locale ${process.env.LC_ALL || process.env.LANG || 'C'}; ` +
    `${rules.length} rules, ${triggers.length} triggers, ${words.length} words; min/median of ${RUNS} alternated runs, goals on the min${HAS_JOBS ? '' : '; --jobs not implemented'}; ` +
    `load average ${LOAD0} at the start, ${os.loadavg()[0].toFixed(1)} at the end; ` +
    `every command runs without ${MACHINE_NODE_VARS.join(' and ')} (this machine's: ${Object.keys(MACHINE_NODE_ENV).join(', ') || 'neither set'})\n`,
);
console.log('| case | input | command | min s | median s | MiB/s | CPU s | peak RSS MB | output |');
console.log('|---|---|---|---|---|---|---|---|---|');
const cell = (x) => String(x).replace(/\|/g, '\\|');
for (const r of rows) console.log(`| ${r.map(cell).join(' | ')} |`);
if (rows.some((r) => String(r[2]).startsWith('rg ')))
  console.log('\nrg maps its input into memory: its peak RSS counts the mapped file pages.');
console.log('\n| goal | target | measured | result | limit (measured in this run) |\n|---|---|---|---|---|');
for (const [g, target, measured, ok, limit] of goals)
  console.log(`| ${[g, target, measured].map(cell).join(' | ')} | ${ok ? 'PASS' : 'FAIL'} | ${ok ? '' : cell(limit ?? '')} |`);
process.exitCode = goals.every((g) => g[3]) ? 0 : 1;
