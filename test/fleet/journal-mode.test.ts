/**
 * stapling-doctor reading a journald central (issue 11): the real systemd-journal-remote on 127.0.0.1
 * receives export-format entries for two `_HOSTNAME`s (web01 nginx, web02 Apache: real lines from
 * samples/real/), then `journalctl --directory … -o json | stapling-doctor` and
 * `stapling-doctor --journal --journal-dir …` must give the findings grouped by host, and the same
 * findings as the plain lines of each host.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyze } from '../../src/findings/analyzer.js';
import { loadRules } from '../../src/rules/load.js';
import { runCli, PLAIN_ENV, startCli, waitForOutput } from '../helpers/cli.js';
import { stopAll } from '../servers/proc.js';
import { JOURNAL_HOSTS, journalEntries } from './journal-entries.js';
import { journalctl, startJournalRemote, type JournalRemote } from './journal.js';
import { describeIfPresent } from '../helpers/prerequisites.js';
import { ENGINE_PATHS, enginePath } from './prereq.js';
import { realLines } from './real-lines.js';

interface F {
  host: string | null;
  cause: string;
  count: number;
  first: string | null;
  subject: unknown;
}
const essence = (fs: F[]) => fs.map((f) => ({ host: f.host, cause: f.cause, count: f.count, first: f.first, subject: f.subject }));
const sortBy = <T>(xs: T[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const describeReal = describeIfPresent({
  suite: 'journald central suite (test/fleet/journal-mode.test.ts)',
  run: 'npm run build && node --experimental-vm-modules node_modules/jest/bin/jest.js test/fleet/journal-mode.test.ts',
  executables: [
    { name: 'systemd-journal-remote', path: ENGINE_PATHS['journal-remote'][0], package: 'systemd-journal-remote' },
    { name: 'journalctl', path: ENGINE_PATHS.journalctl[0], package: 'systemd' },
  ],
});

describeReal('journald central: journal-remote, journalctl -o json | stapling-doctor, --journal', () => {
  let dir: string;
  let remote: JournalRemote;
  const nginx = [...realLines('nginx-responder-down.log'), ...realLines('nginx-revoked.log')];
  const apache = realLines('apache-responder-down.log');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stapling-journal-mode-'));
    remote = await startJournalRemote(path.join(dir, 'journal'));
    for (const [host, lines] of [
      [JOURNAL_HOSTS.web01, nginx],
      [JOURNAL_HOSTS.web02, apache],
    ] as const) {
      const r = await remote.upload(journalEntries(host, lines));
      expect(r.status).toBe(202);
    }
  }, 30_000);

  afterAll(async () => {
    await remote?.stop();
    await stopAll();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** What the plain lines give, host by host. */
  const plain = async () => {
    const rules = await loadRules();
    return sortBy([
      ...essence(analyze(nginx, rules).findings.map((f) => ({ ...f, host: 'web01' }))),
      ...essence(analyze(apache, rules).findings.map((f) => ({ ...f, host: 'web02' }))),
    ]);
  };

  test('journalctl -o json | stapling-doctor: findings grouped by host, equal to the plain lines’ per host', async () => {
    const json = await journalctl(remote.dir, ['-o', 'json']);
    const human = runCli(['--no-live', '--fail-on', 'never'], { input: json });
    expect(human.code).toBe(0);
    const sections = human.stdout.split('\n').filter((l) => /^ host \S+ — \d+ findings? $/.test(l));
    expect(sections).toEqual([' host web01 — 2 findings ', ' host web02 — 1 finding ']);
    expect(human.stdout).toMatch(/3 findings \(.*\) on 2 hosts in 10 lines/);

    const r = runCli(['--no-live', '-f', 'json', '--fail-on', 'never'], { input: json });
    const report = JSON.parse(r.stdout) as { findings: F[]; stats: { undecoded: number } };
    expect(sortBy(essence(report.findings))).toEqual(await plain());
    expect(report.stats.undecoded).toBe(0);
  });

  test('--journal --journal-dir runs journalctl itself; units filter', async () => {
    const env = { ...PLAIN_ENV, PATH: `${path.dirname(enginePath('journalctl')!)}:${process.env.PATH ?? ''}` };
    const all = runCli(['--journal', '--journal-dir', remote.dir, '-f', 'json', '--fail-on', 'never'], { env });
    expect(all.stderr).toBe('');
    expect(sortBy(essence((JSON.parse(all.stdout) as { findings: F[] }).findings))).toEqual(await plain());
    const one = runCli(['--journal', 'apache2.service', '--journal-dir', remote.dir, '-f', 'json', '--fail-on', 'never'], { env });
    expect((JSON.parse(one.stdout) as { findings: F[] }).findings.map((f) => [f.host, f.cause])).toEqual([
      ['web02', 'responder-unreachable'],
    ]);
  });

  test('--journal --live follows the journal (journalctl -f): new entries give and update findings at once; TERM ends it', async () => {
    const env = { ...PLAIN_ENV, PATH: `${path.dirname(enginePath('journalctl')!)}:${process.env.PATH ?? ''}` };
    const child = startCli(['--journal', '--journal-dir', remote.dir, '--live', '-f', 'ndjson'], env);
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      const events = (out: string) =>
        out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as F & { event: string });
      // journalctl -f starts with the journal's tail (its own choice of entries), then follows
      await waitForOutput(child, (out) => events(out).length > 0, 15_000);
      // New entries as journald writes them now (current time, the boot of the tail: journalctl -f of
      // systemd 252 did not show entries of another boot appended to the same file, see the README).
      const now = () =>
        journalEntries(JOURNAL_HOSTS.web02, realLines('apache-revoked.log')).map((e, i) => ({
          ...e,
          __REALTIME_TIMESTAMP: String(BigInt(Date.now()) * 1000n + BigInt(i)),
        }));
      // Each wait listens before its upload: journal-remote answers 202 once the entries are written, so the
      // finding can be printed before the upload's promise settles, and output nobody listens to is lost.
      const isRevoked = (e: F & { event: string }) => e.cause === 'certificate-revoked' && e.host === 'web02';
      const added = waitForOutput(child, (o) => events(o).some((e) => isRevoked(e) && e.event === 'new'), 15_000);
      expect((await remote.upload(now())).status).toBe(202);
      await added;
      const updated = waitForOutput(child, (o) => events(o).some((e) => isRevoked(e) && e.event === 'update' && e.count === 2), 15_000);
      expect((await remote.upload(now())).status).toBe(202);
      await updated;
      child.kill('SIGTERM');
      expect(await exited).toBe(1); // findings at or above warning
    } finally {
      child.kill('SIGKILL');
    }
  }, 40_000);
});

describe('--journal without journalctl', () => {
  test('a clear error, exit 2', () => {
    const r = runCli(['--journal', '-f', 'json'], { env: { ...PLAIN_ENV, PATH: '/nonexistent' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--journal needs journalctl \(systemd\), and "journalctl" was not found/);
  });
  test('--journal takes no inputs', () => {
    const r = runCli(['x.log', '--journal']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('stapling-doctor: --journal reads the journal: give no inputs (got x.log)\n');
  });
});
