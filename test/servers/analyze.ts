/**
 * Run the built CLI the way a user does — `node dist/cli.js --format json --fail-on never FILE` —
 * and parse its JSON document. `dist/` must be built first (`npm test` and `npm run test:servers`
 * build it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../src/findings/analyzer.js';
import { run } from './proc.js';

/** The repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

/**
 * Extra rule directories for the CLI (`--rules DIR`), from `STAPLING_EXTRA_RULES` (colon-separated):
 * lets a rule author run the server suite against draft rules before they land in `rules/`.
 */
const EXTRA_RULES = (process.env.STAPLING_EXTRA_RULES ?? '')
  .split(':')
  .filter((x) => x !== '')
  .flatMap((dir) => ['--rules', dir]);

/**
 * Analyze one log file with the CLI.
 * @returns the parsed JSON report
 * @throws when dist/cli.js is missing (hint: build), when the CLI exits with 2, or prints no JSON
 */
export async function analyzeFile(file: string): Promise<Report> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} does not exist: run \`npm run build\` first`);
  const r = await run(process.execPath, [CLI, '--format', 'json', '--fail-on', 'never', ...EXTRA_RULES, file], {
    timeoutMs: 30_000,
    cwd: REPO_ROOT,
  });
  if (r.code !== 0) throw new Error(`stapling-doctor exited ${r.code ?? r.signal} on ${file}:\n${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`stapling-doctor printed no JSON for ${file}:\n${r.stdout.slice(0, 2000)}\n${r.stderr}`);
  }
}

/**
 * Analyze one captured log with `--inspect`: the configuration the server ran with (`--config`), and
 * the normalised paths of the log (`/etc/stapling-test/…`) read from the lab directory (`--map-path`).
 * @returns the parsed JSON report (findings carry `inspection`)
 * @throws as {@link analyzeFile}
 */
export async function inspectFile(file: string, config: string, labRoot: string, normalisedRoot: string): Promise<Report> {
  const r = await run(
    process.execPath,
    [
      CLI,
      '--format',
      'json',
      '--fail-on',
      'never',
      '--inspect',
      '--config',
      config,
      '--map-path',
      `${normalisedRoot}=${labRoot}`,
      ...EXTRA_RULES,
      file,
    ],
    { timeoutMs: 30_000, cwd: REPO_ROOT },
  );
  if (r.code !== 0) throw new Error(`stapling-doctor --inspect exited ${r.code ?? r.signal} on ${file}:\n${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`stapling-doctor --inspect printed no JSON for ${file}:\n${r.stdout.slice(0, 2000)}\n${r.stderr}`);
  }
}

/** The `check --format json` document, as much of it as the harness reads. */
export interface CheckDoc {
  findings: Report['findings'];
  blocks: { block: string; names: string[]; stapling: boolean | null }[];
  notChecked: { block: string; certificate: string; reason: string }[];
  probes?: {
    block: string;
    endpoint: { host: string; port: number; serverName: string | null };
    address: string;
    result: { verdict?: string; error?: string; stapledPerHandshake?: boolean[] };
  }[];
}

/**
 * `stapling-doctor check --config FILE --format json` (plus `extra`, e.g. `--probe`): what the
 * configuration alone predicts.
 * @throws when the CLI exits with 2 or prints no JSON
 */
export async function checkFile(config: string, extra: string[] = []): Promise<CheckDoc> {
  const r = await run(process.execPath, [CLI, 'check', '--config', config, '--format', 'json', '--fail-on', 'never', ...extra], {
    timeoutMs: 60_000,
    cwd: REPO_ROOT,
  });
  if (r.code !== 0 && r.code !== 1) throw new Error(`stapling-doctor check exited ${r.code ?? r.signal} on ${config}:\n${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as CheckDoc;
  } catch {
    throw new Error(`stapling-doctor check printed no JSON for ${config}:\n${r.stdout.slice(0, 2000)}\n${r.stderr}`);
  }
}
