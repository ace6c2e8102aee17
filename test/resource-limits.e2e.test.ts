/**
 * Resource limits are not crashes (issue 16, item 6), through the built CLI: under an address-space
 * limit (`ulimit -v` in a real shell) the WebAssembly prefilter cannot reserve its memory and the scan
 * falls back to the plain `indexOf` path with the same findings; `--max-line-length` cannot exceed the
 * longest string V8 can hold; rule files over the size limit are refused (see rule-files tests).
 */
import { spawnSync } from 'node:child_process';
import { constants } from 'node:buffer';
import { CLI, PLAIN_ENV, ROOT, runCli } from './helpers/cli.js';
import type { Report } from '../src/findings/analyzer.js';

/** Run the CLI in bash under `ulimit -v KIB` (none: no limit). */
function underLimit(kib: number | null, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const limit = kib === null ? '' : `ulimit -v ${kib} && `;
  const r = spawnSync('bash', ['-c', `${limit}exec "$@"`, 'bash', process.execPath, CLI, ...args], {
    cwd: ROOT,
    env: PLAIN_ENV,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** 2 GiB of address space: enough for Node, too little for a WebAssembly memory with its guard regions. */
const LIMIT_KIB = 2 * 1024 * 1024;

describe('ulimit -v', () => {
  test('the limit really takes WebAssembly away in this shell (else the next test would prove nothing)', () => {
    const r = spawnSync(
      'bash',
      ['-c', `ulimit -v ${LIMIT_KIB} && exec "$0" -e 'new WebAssembly.Memory({ initial: 1 })'`, process.execPath],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/WebAssembly\.Memory\(\): could not allocate memory/);
  });

  test('every sample log: the same findings and statistics as without the limit, exit code by the contract, nothing on stderr', () => {
    const free = underLimit(null, ['--format', 'json', '--fail-on', 'never', 'samples/']);
    const limited = underLimit(LIMIT_KIB, ['--format', 'json', '--fail-on', 'never', 'samples/']);
    expect(limited.stderr).toBe('');
    expect(limited.code).toBe(0);
    const a = JSON.parse(free.stdout) as Report;
    const b = JSON.parse(limited.stdout) as Report;
    expect(b.findings.length).toBeGreaterThan(10);
    expect(b.stats).toEqual(a.stats);
    expect(b.findings).toEqual(a.findings);
  });
});

describe('--max-line-length', () => {
  test("V8's longest string is the largest value; one more is a usage error, not a crash later", () => {
    const max = constants.MAX_STRING_LENGTH;
    const over = runCli(['--max-line-length', String(max + 1), 'samples/']);
    expect(over.code).toBe(2);
    expect(over.stderr).toBe(
      `stapling-doctor: --max-line-length must be at most ${max} (the longest string V8 can hold), got "${max + 1}"\n`,
    );
    const at = runCli(['--max-line-length', String(max), '--fail-on', 'never', 'samples/']);
    expect(at.code).toBe(0);
    expect(at.stderr).toBe('');
  });
});
