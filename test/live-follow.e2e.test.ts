/**
 * `--live FILE` follows the file as `tail -F` does (src/input/follow.ts runs coreutils tail, one per
 * file): each finding is printed when its line is written, on through a rotation (logrotate's `create`
 * mode: the file renamed, a new one created); SIGTERM stops it with the report and the exit code of a
 * live pipe stopped so, and leaves no tail behind. A missing file is an error at once, as without --live.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT, runCli, startCli, tempDir, waitForOutput, waitForSignalHandler } from './helpers/cli.js';

const firstLine = (f: string): string => fs.readFileSync(path.join(ROOT, 'samples/real', f), 'utf8').split('\n')[0]!;
const TIMEOUT = firstLine('nginx-responder-timeout.log'); // responder-timeout
const CHAIN = firstLine('nginx-trusted-certificate-missing.log'); // trusted-chain-incomplete

/** The ids of the processes whose parent is `pid` and whose command is `comm` (Linux: /proc). */
function childrenOf(pid: number, comm: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces, so split after its closing parenthesis
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === pid && name === comm) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Whether process `pid` still exists (a zombie too: it would be a child left behind, unreaped). */
const exists = (pid: number): boolean => fs.existsSync(`/proc/${pid}`);

describe('--live with a file argument: followed as tail -F follows it', () => {
  test('a finding when its line is written, another after logrotate renames the file and creates a new one; SIGTERM: the report, exit 1, no tail left', async () => {
    const { dir, cleanup } = tempDir('sd-follow-');
    const log = path.join(dir, 'error.log');
    fs.writeFileSync(log, '');
    const child = startCli(['--live', log]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      await waitForSignalHandler(child, 'SIGTERM');
      const first = waitForOutput(child, (o) => o.includes('responder-timeout'), 15_000);
      fs.appendFileSync(log, `${TIMEOUT}\n`);
      expect(await first).toContain(`${log}:1  `); // the evidence names the file, not stdin
      const tails = childrenOf(child.pid!, 'tail');
      expect(tails).toHaveLength(1);

      // logrotate, create mode: rename, then a new file under the old name
      fs.renameSync(log, `${log}.1`);
      fs.writeFileSync(log, '');
      const second = waitForOutput(child, (o) => o.includes('trusted-chain-incomplete'), 15_000);
      fs.appendFileSync(log, `${CHAIN}\n`);
      expect(await second).toMatch(/^WARNING {2}trusted-chain-incomplete/m);

      const summary = waitForOutput(child, (o) => /stapling-doctor: 2 findings .* of 1 input/.test(o), 15_000);
      child.kill('SIGTERM');
      await summary;
      expect(await exited).toBe(1); // as a live pipe stopped by SIGTERM with warnings: the contract's code
      expect(out.match(/^WARNING {2}/gm)).toHaveLength(2);
      expect(stderr).toBe('');
      expect(exists(tails[0]!)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      cleanup();
    }
  }, 60_000);

  test('with a glob: the rotated and compressed copies are read first, to their end; the current file is followed', async () => {
    const { dir, cleanup } = tempDir('sd-follow-');
    const log = path.join(dir, 'error.log');
    fs.writeFileSync(`${log}.2.gz`, zlib.gzipSync(`${TIMEOUT}\n`));
    fs.writeFileSync(`${log}.1`, `${TIMEOUT}\n`);
    fs.writeFileSync(log, '');
    const child = startCli(['--live', '--format', 'ndjson', `${log}*`]);
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      await waitForSignalHandler(child, 'SIGTERM');
      await waitForOutput(child, (o) => o.includes('"event":"update"'), 15_000); // the second copy's line: ×2
      const second = waitForOutput(child, (o) => o.includes('trusted-chain-incomplete'), 15_000);
      fs.appendFileSync(log, `${CHAIN}\n`);
      await second;
      const end = waitForOutput(child, (o) => o.includes('"event":"end"'), 15_000);
      child.kill('SIGTERM');
      const last = JSON.parse((await end).trim().split('\n').pop()!) as { inputs: { file: string; lines: number; status: string }[] };
      expect(last.inputs.map((i) => [i.file, i.lines, i.status])).toEqual([
        [`${log}.2.gz`, 1, 'read'],
        [`${log}.1`, 1, 'read'],
        [log, 1, 'partial'], // followed until the stop
      ]);
      expect(await exited).toBe(1);
    } finally {
      child.kill('SIGKILL');
      cleanup();
    }
  }, 60_000);

  test('a missing file: an error at once, exit 2 (no tail waiting for it)', () => {
    const { dir, cleanup } = tempDir('sd-follow-');
    try {
      const missing = path.join(dir, 'error.log');
      const started = Date.now();
      const r = runCli(['--live', missing]);
      expect(r.code).toBe(2);
      expect(r.signal).toBeNull();
      expect(r.stderr).toBe(`stapling-doctor: ${missing}: no such file or directory\n`);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      cleanup();
    }
  });
});
