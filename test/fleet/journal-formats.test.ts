/**
 * journalctl's other machine formats read as `-o json` is: real lines from samples/real/ written into a
 * journal by the real systemd-journal-remote on 127.0.0.1 (one MESSAGE sent in binary form with an invalid
 * UTF-8 byte and an escape, which journalctl prints as a byte array in JSON), read back with
 * `journalctl --directory … -o <format>`, and analysed in memory (`analyze`), streamed (`analyzeStream`, one
 * byte a chunk too) and through the CLI: the findings must equal those of `-o json`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { analyze } from '../../src/findings/analyzer.js';
import { analyzeStream } from '../../src/run/stream.js';
import { loadRules } from '../../src/rules/load.js';
import type { FindingData, Rule } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { stopAll } from '../servers/proc.js';
import { JOURNAL_HOSTS, journalEntries } from './journal-entries.js';
import { journalctl, startJournalRemote, type JournalRemote } from './journal.js';
import { describeWithEngines } from './prereq.js';
import { realLines } from './real-lines.js';

const nginx = [...realLines('nginx-responder-down.log'), ...realLines('nginx-revoked.log')];
const apache = realLines('apache-responder-down.log');

const essence = (fs: readonly FindingData[]) =>
  fs.map((f) => ({ host: f.host, cause: f.cause, count: f.count, first: f.first, last: f.last, subject: f.subject }));

describeWithEngines('journalctl -o export, json-pretty, json-sse (real)', ['root', 'journal-remote', 'journalctl'], () => {
  let root: string;
  let remote: JournalRemote;
  let rules: Rule[];
  let json: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'stapling-journal-formats-'));
    remote = await startJournalRemote(path.join(root, 'remote'));
    const web01 = journalEntries(JOURNAL_HOSTS.web01, nginx);
    // journald stores a message with control characters or invalid UTF-8 as bytes (binary in export, an array in JSON)
    const last = web01[web01.length - 1]!;
    last.MESSAGE = Buffer.concat([Buffer.from(last.MESSAGE as string, 'utf8'), Buffer.from([0xff, 0x1b, 0x5b, 0x30, 0x6d])]);
    expect((await remote.upload(web01)).status).toBe(202);
    expect((await remote.upload(journalEntries(JOURNAL_HOSTS.web02, apache))).status).toBe(202);
    rules = await loadRules();
    json = await journalctl(remote.dir, ['-o', 'json']);
    expect(json).toContain('"MESSAGE":['); // the byte-array form is really there
  }, 30_000);

  afterAll(async () => {
    await remote?.stop();
    await stopAll();
    if (root && process.env.STAPLING_KEEP_LAB !== '1') fs.rmSync(root, { recursive: true, force: true });
  });

  const expected = () => essence(analyze(json, rules).findings);

  test('-o json gives the hosts and causes of the lines (the reference)', () => {
    const got = expected();
    expect(new Set(got.map((f) => f.host))).toEqual(new Set(['web01', 'web02']));
    expect(got.some((f) => f.cause === 'certificate-revoked')).toBe(true);
  });

  test.each(['export', 'json-pretty', 'json-sse', 'json-seq'])(
    '-o %s: the findings of -o json, in memory, streamed and by the CLI',
    async (format) => {
      const raw = await journalctlBytes(format);
      expect(raw.length).toBeGreaterThan(0);
      const want = expected();
      expect(essence((await analyzeStream(Readable.from([raw]), rules)).findings)).toEqual(want);
      const oneByOne = Readable.from([...raw].map((b) => Buffer.from([b])));
      expect(essence((await analyzeStream(oneByOne, rules)).findings)).toEqual(want);
      if (format !== 'export') expect(essence(analyze(raw.toString('utf8'), rules).findings)).toEqual(want); // export's binary size is bytes
      const cli = runCli(['--no-live', '-f', 'json', '--fail-on', 'never'], { input: raw });
      const report = JSON.parse(cli.stdout) as { findings: FindingData[]; stats: { undecoded: number } };
      expect(essence(report.findings)).toEqual(want);
      expect(report.stats.undecoded).toBe(0);
    },
  );

  test('-o export without binary fields: analyze() on the text equals the stream', async () => {
    const text = await journalctl(remote.dir, ['-o', 'export', '_HOSTNAME=web02']);
    const streamed = essence((await analyzeStream(Readable.from([Buffer.from(text, 'utf8')]), rules)).findings);
    expect(essence(analyze(text, rules).findings)).toEqual(streamed);
    expect(streamed.map((f) => f.host)).toEqual(expect.arrayContaining(['web02']));
    expect(streamed.length).toBeGreaterThan(0);
  });

  test('-o verbose is human text: its MESSAGE= lines are read as lines (no host, a byte message lost)', async () => {
    const text = await journalctl(remote.dir, ['-o', 'verbose']);
    expect(text).toMatch(/MESSAGE=\[\d+B blob data\]/);
    const got = essence(analyze(text, rules).findings);
    expect(got.every((f) => f.host === null)).toBe(true);
    expect(got.map((f) => f.cause)).toEqual(expect.arrayContaining(['responder-unreachable']));
  });

  /** journalctl's stdout as bytes (a binary export field is not text). */
  async function journalctlBytes(format: string): Promise<Buffer> {
    const { execFileSync } = await import('node:child_process');
    const env = { ...process.env, TZ: 'UTC', SYSTEMD_COLORS: '0', LANG: 'C.UTF-8', SYSTEMD_PAGER: 'cat' };
    return execFileSync('journalctl', [`--directory=${remote.dir}`, '--no-pager', '-o', format], { env, timeout: 10_000 });
  }
});
