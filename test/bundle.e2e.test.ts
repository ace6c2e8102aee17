/**
 * `npm run bundle` gives one file that runs with plain `node` from an empty directory (no
 * node_modules, no rules/ directory) and reports exactly what the package build reports.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PLAIN_ENV, ROOT, runCli, tempDir } from './helpers/cli.js';

test('the bundle runs alone and agrees with dist/', () => {
  const { dir, cleanup } = tempDir('sd-bundle-');
  try {
    const bundle = path.join(dir, 'stapling-doctor.cjs');
    execFileSync(process.execPath, [path.join(ROOT, 'esbuild.config.mjs'), bundle], { cwd: ROOT, stdio: 'pipe' }); // dist/ is built by npm test
    const seed = path.join(ROOT, 'samples/seed');
    for (const f of fs.readdirSync(seed)) fs.copyFileSync(path.join(seed, f), path.join(dir, f));
    expect(fs.readdirSync(dir).filter((f) => !f.endsWith('.log'))).toEqual(['stapling-doctor.cjs']);
    const args = ['--format', 'json', '--fail-on', 'never', '.'];
    const fromBundle = execFileSync(process.execPath, [bundle, ...args], { cwd: dir, env: PLAIN_ENV }).toString();
    const fromDist = runCli(args, { cwd: dir });
    expect(fromDist.code).toBe(0);
    expect(JSON.parse(fromBundle)).toEqual(JSON.parse(fromDist.stdout));
    expect(JSON.parse(fromBundle).findings.length).toBeGreaterThan(0);
    // The HTML report has everything inside the bundle too (its style, no file read at run time).
    const html = ['--format', 'html', '--fail-on', 'never', '.'];
    const htmlFromBundle = execFileSync(process.execPath, [bundle, ...html], { cwd: dir, env: PLAIN_ENV }).toString();
    expect(htmlFromBundle).toBe(runCli(html, { cwd: dir }).stdout);
    expect(htmlFromBundle).toMatch(/^<!doctype html>[\s\S]*<svg class="timeline"[\s\S]*<\/html>\n$/);
  } finally {
    cleanup();
  }
});
