/**
 * Every README code block that can run does, as written. A `ts`, `js`, `sh` or `console` block must be
 * marked by the HTML comment on the line before its fence:
 *   `<!-- readme: run -->`            the test runs it;
 *   `<!-- readme: skip — <reason> -->` it cannot run here, and the reason says why (and what tests it instead).
 * An unmarked block of those languages fails the test, so a new example is never silently left out.
 *
 * - `ts`/`js`: written to a scratch directory where `stapling-doctor` resolves to this package (built
 *   `dist/`), with the log files it names made from `samples/real/`, and run with node as an ES module;
 *   it must exit 0 and write nothing to stderr.
 * - `console`: each `$ command` line runs in `sh` from the repository root (`stapling-doctor` is the
 *   built CLI), colour off, not on a terminal; the lines after it, up to the next `$`, are its exact stdout.
 * - `sh`: each line runs in `sh` from the repository root and must exit 0.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { CLI, PLAIN_ENV, ROOT, tempDir } from './helpers/cli.js';

interface Block {
  lang: string;
  line: number;
  body: string;
  mark: { run: true } | { run: false; reason: string } | null;
}

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const RUNNABLE = new Set(['ts', 'js', 'sh', 'console']);

function blocks(text: string): Block[] {
  const lines = text.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    const prev = lines[i - 1] ?? '';
    const m = /^<!-- readme: (run|skip — (.+)) -->$/.exec(prev);
    out.push({
      lang: open[1]!,
      line: i + 1,
      body: lines.slice(i + 1, end).join('\n'),
      mark: m ? (m[1] === 'run' ? { run: true } : { run: false, reason: m[2]! }) : null,
    });
    i = end;
  }
  return out;
}

const all = blocks(README);
const runnable = all.filter((b) => RUNNABLE.has(b.lang));

test('every ts/js/sh/console block of the README is marked run, or skip with a reason', () => {
  const unmarked = runnable.filter((b) => b.mark === null).map((b) => `README.md:${b.line} (${b.lang})`);
  expect(unmarked).toEqual([]);
  expect(runnable.filter((b) => b.mark?.run).length).toBeGreaterThanOrEqual(4); // the examples people copy first
});

/** A directory whose `stapling-doctor` runs the built CLI, put first on PATH. */
const bin = tempDir('sd-readme-bin-');
afterAll(() => bin.cleanup());
fs.writeFileSync(path.join(bin.dir, 'stapling-doctor'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, { mode: 0o755 });

function sh(script: string, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const env = { ...PLAIN_ENV, PATH: `${bin.dir}${path.delimiter}${PLAIN_ENV.PATH ?? ''}` };
  const r = spawnSync('sh', ['-c', script], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A console block as (command, expected stdout) pairs. */
function sessions(body: string): { command: string; expected: string }[] {
  const out: { command: string; expected: string[] }[] = [];
  for (const l of body.split('\n')) {
    if (l.startsWith('$ ')) out.push({ command: l.slice(2), expected: [] });
    else out[out.length - 1]?.expected.push(l);
  }
  return out.map((s) => ({ command: s.command, expected: `${s.expected.join('\n')}\n` }));
}

const toRun = runnable.filter((b) => b.mark?.run);
test.each(toRun.map((b) => [`README.md:${b.line} (${b.lang})`, b] as const))('%s runs as written', (_name, b) => {
  if (b.lang === 'console') {
    const steps = sessions(b.body);
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) {
      const r = sh(s.command, ROOT);
      expect({ command: s.command, stdout: r.stdout }).toEqual({ command: s.command, stdout: s.expected });
    }
    return;
  }
  if (b.lang === 'sh') {
    for (const l of b.body.split('\n').filter((x) => x.trim() && !x.trim().startsWith('#'))) {
      const r = sh(l, ROOT);
      expect({ line: l, status: r.status, stderr: r.stderr }).toEqual({ line: l, status: 0, stderr: '' });
    }
    return;
  }
  // ts / js: a scratch project where `import … from 'stapling-doctor'` is this package
  const { dir, cleanup } = tempDir('sd-readme-');
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'stapling-doctor'), 'dir');
    const log = fs.readFileSync(path.join(ROOT, 'samples/real/nginx-trusted-certificate-missing.log'));
    fs.writeFileSync(path.join(dir, 'error.log'), log);
    fs.writeFileSync(path.join(dir, 'error.log.1.gz'), zlib.gzipSync(log));
    fs.writeFileSync(path.join(dir, 'example.mjs'), b.body);
    const r = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, env: PLAIN_ENV, encoding: 'utf8', timeout: 60_000 });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  } finally {
    cleanup();
  }
});
