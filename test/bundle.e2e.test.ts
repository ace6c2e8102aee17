/**
 * `npm run bundle` gives one file that runs with plain `node` from an empty directory (no
 * node_modules, no rules/ directory) and reports exactly what the package build reports — with the
 * code cache of an earlier run (src/bundle/code-cache.ts), without one, with a damaged one, and where
 * none can be kept.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PLAIN_ENV, ROOT, runCli, tempDir } from './helpers/cli.js';

let dir: string;
let cleanup: () => void;
let bundle: string;
const args = ['--format', 'json', '--fail-on', 'never', '.'];
let expected: unknown;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('sd-bundle-'));
  bundle = path.join(dir, 'stapling-doctor.cjs');
  execFileSync(process.execPath, [path.join(ROOT, 'esbuild.config.mjs'), bundle], { cwd: ROOT, stdio: 'pipe' }); // dist/ is built by npm test
  const seed = path.join(ROOT, 'samples/seed');
  for (const f of fs.readdirSync(seed)) fs.copyFileSync(path.join(seed, f), path.join(dir, f));
  const fromDist = runCli(args, { cwd: dir });
  expect(fromDist.code).toBe(0);
  expected = JSON.parse(fromDist.stdout);
});
afterAll(() => cleanup());

/** Run the bundle in the log directory with `env` (over PLAIN_ENV without HOME, XDG_CACHE_HOME and the cache setting). */
function runBundle(env: NodeJS.ProcessEnv, argv = args): { stdout: string; stderr: string } {
  const base = { ...PLAIN_ENV, HOME: undefined, XDG_CACHE_HOME: undefined, STAPLING_DOCTOR_CODE_CACHE: undefined };
  const r = spawnSync(process.execPath, [bundle, ...argv], { cwd: dir, env: { ...base, ...env }, maxBuffer: 64 << 20, timeout: 60_000 });
  expect(r.status).toBe(0);
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** The cache files in `cacheDir`, with what identifies each write (a rewrite renames a new file over it). */
function cacheFiles(cacheDir: string): string[] {
  if (!fs.existsSync(cacheDir)) return [];
  return fs.readdirSync(cacheDir).map((f) => {
    const st = fs.statSync(path.join(cacheDir, f));
    return `${f} ${st.ino} ${st.mtimeMs} ${st.size}`;
  });
}

test('the bundle is ASCII only, so that the loader decodes its program as latin1 into a one-byte string', () => {
  // One character past ASCII (a `\u00b7` written as such in a tagged template, which esbuild cannot escape)
  // makes the whole program a UTF-8 decode and a two-byte string of ~6 MB: ~12 % of a small file's start-up.
  const text = fs.readFileSync(bundle, 'latin1');
  const at = text.search(/[^\x00-\x7f]/);
  expect(at === -1 ? '' : text.slice(Math.max(0, at - 60), at + 20)).toBe('');
});

test('the bundle runs alone and agrees with dist/, the first run writing the code cache and the next ones using it', () => {
  expect(fs.readdirSync(dir).filter((f) => !f.endsWith('.log'))).toEqual(['stapling-doctor.cjs']);
  const xdg = path.join(dir, '..', `${path.basename(dir)}-xdg`);
  try {
    const first = runBundle({ XDG_CACHE_HOME: xdg });
    expect(JSON.parse(first.stdout)).toEqual(expected);
    expect(first.stderr).toBe('');
    expect((expected as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
    const written = cacheFiles(path.join(xdg, 'stapling-doctor'));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^bundle-[0-9a-f]{16}-node[\d.]+-\w+\.v8cache /);
    for (let i = 0; i < 2; i++) {
      expect(JSON.parse(runBundle({ XDG_CACHE_HOME: xdg }).stdout)).toEqual(expected);
      expect(cacheFiles(path.join(xdg, 'stapling-doctor'))).toEqual(written); // V8 took it: not written again
    }
    // The HTML report has everything inside the bundle too (its style, no file read at run time).
    const html = ['--format', 'html', '--fail-on', 'never', '.'];
    const htmlFromBundle = runBundle({ XDG_CACHE_HOME: xdg }, html).stdout;
    expect(htmlFromBundle).toBe(runCli(html, { cwd: dir }).stdout);
    expect(htmlFromBundle).toMatch(/^<!doctype html>[\s\S]*<svg class="timeline"[\s\S]*<\/html>\n$/);
  } finally {
    fs.rmSync(xdg, { recursive: true, force: true });
  }
});

test('a damaged or cut code cache is refused by V8 and replaced; the report is the same', () => {
  const own = path.join(dir, '..', `${path.basename(dir)}-own`);
  try {
    runBundle({ STAPLING_DOCTOR_CODE_CACHE: own });
    const [name] = fs.readdirSync(own);
    const file = path.join(own, name!);
    const good = fs.readFileSync(file);
    const damaged = [Buffer.from('not a code cache'), good.subarray(0, good.length >> 1), Buffer.alloc(good.length, 0x5a)];
    for (const bad of damaged) {
      fs.writeFileSync(file, bad);
      const r = runBundle({ STAPLING_DOCTOR_CODE_CACHE: own });
      expect(JSON.parse(r.stdout)).toEqual(expected);
      expect(r.stderr).toBe('');
      expect(fs.readFileSync(file).equals(bad)).toBe(false);
      expect(fs.readFileSync(file).length).toBeGreaterThan(100_000);
    }
  } finally {
    fs.rmSync(own, { recursive: true, force: true });
  }
});

test('where no cache can be kept (no HOME, unwritable, switched off) the bundle runs as before and writes nothing', () => {
  const off = path.join(dir, '..', `${path.basename(dir)}-off`);
  try {
    const cases: NodeJS.ProcessEnv[] = [
      {}, // neither HOME nor XDG_CACHE_HOME
      { XDG_CACHE_HOME: '/proc/self/no-such-dir' }, // nothing can be created there, not even by root
      { HOME: bundle }, // a file, not a directory
      { XDG_CACHE_HOME: off, STAPLING_DOCTOR_CODE_CACHE: '0' },
    ];
    for (const env of cases) {
      const r = runBundle(env);
      expect(JSON.parse(r.stdout)).toEqual(expected);
      expect(r.stderr).toBe('');
    }
    expect(fs.existsSync(off)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => !f.endsWith('.log'))).toEqual(['stapling-doctor.cjs']);
  } finally {
    fs.rmSync(off, { recursive: true, force: true });
  }
});
