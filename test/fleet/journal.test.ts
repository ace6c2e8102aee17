/**
 * The journald side of issue 11, with the real systemd-journal-remote and journalctl (systemd 252) on
 * 127.0.0.1 and no systemd as PID 1: journal export-format entries for two `_HOSTNAME`s (web01 nginx,
 * web02 apache2, real lines from samples/real/) are POSTed to `--listen-http`, then read back with
 * `journalctl --directory` in every output format the decoder work will meet.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopAll } from '../servers/proc.js';
import { JOURNAL_HOSTS, journalEntries } from './journal-entries.js';
import { journalctl, startJournalRemote, type JournalEntry, type JournalRemote } from './journal.js';
import { describeWithEngines } from './prereq.js';
import { realLines } from './real-lines.js';

const nginx = [...realLines('nginx-responder-down.log'), ...realLines('nginx-revoked.log')];
const apache = realLines('apache-responder-down.log');
const web01 = journalEntries(JOURNAL_HOSTS.web01, nginx);
const web02 = journalEntries(JOURNAL_HOSTS.web02, apache);
/**
 * All entries in the order journalctl prints them: the order they reached the one journal file (web01's
 * upload, then web02's), NOT the time order — web02's lines are older than web01's.
 */
const all = [...web01, ...web02]; // the two tests that upload more entries come last

const field = (e: JournalEntry, name: string) => e[name] as string;
const micros = (e: JournalEntry) => BigInt(field(e, '__REALTIME_TIMESTAMP'));
const date = (e: JournalEntry) => new Date(Number(micros(e) / 1000n)).toISOString(); // UTC
const frac = (us: bigint) => String(us % 1_000_000n).padStart(6, '0');
const month = (e: JournalEntry) => new Date(Number(micros(e) / 1000n)).toUTCString().slice(8, 11);
const weekday = (e: JournalEntry) => new Date(Number(micros(e) / 1000n)).toUTCString().slice(0, 3);
/** `host ident[pid]: message`, the tail every short format shares. */
const tail = (e: JournalEntry, ident = field(e, 'SYSLOG_IDENTIFIER')) =>
  `${field(e, '_HOSTNAME')} ${ident}[${field(e, '_PID')}]: ${field(e, 'MESSAGE')}`;

/** The one-line formats of journalctl(1) `--output`, as systemd 252 prints them with TZ=UTC. */
const SHORT: Record<string, (e: JournalEntry) => string> = {
  short: (e) => `${month(e)} ${date(e).slice(8, 10)} ${date(e).slice(11, 19)} ${tail(e)}`,
  'short-iso': (e) => `${date(e).slice(0, 19)}+0000 ${tail(e)}`,
  'short-iso-precise': (e) => `${date(e).slice(0, 19)}.${frac(micros(e))}+0000 ${tail(e)}`,
  'short-precise': (e) => `${month(e)} ${date(e).slice(8, 10)} ${date(e).slice(11, 19)}.${frac(micros(e))} ${tail(e)}`,
  'short-full': (e) => `${weekday(e)} ${date(e).slice(0, 10)} ${date(e).slice(11, 19)} UTC ${tail(e)}`,
  'short-unix': (e) => `${micros(e) / 1_000_000n}.${frac(micros(e))} ${tail(e)}`,
  'short-monotonic': (e) => {
    const m = BigInt(field(e, '__MONOTONIC_TIMESTAMP'));
    return `[${String(m / 1_000_000n).padStart(5, ' ')}.${frac(m)}] ${tail(e)}`;
  },
  'with-unit': (e) => `${weekday(e)} ${date(e).slice(0, 10)} ${date(e).slice(11, 19)} UTC ${tail(e, field(e, '_SYSTEMD_UNIT'))}`,
};

/** The short formats put `-- Boot <id> --` before an entry whose boot differs from the previous one's. */
function withBootLines(entries: JournalEntry[], line: (e: JournalEntry) => string): string[] {
  return entries.flatMap((e, i) => {
    const boot = field(e, '_BOOT_ID');
    return i > 0 && field(entries[i - 1]!, '_BOOT_ID') !== boot ? [`-- Boot ${boot} --`, line(e)] : [line(e)];
  });
}

describeWithEngines('journald fleet: systemd-journal-remote + journalctl (real)', ['root', 'journal-remote', 'journalctl'], () => {
  let root: string;
  let remote: JournalRemote;
  let dir: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'stapling-journal-'));
    remote = await startJournalRemote(path.join(root, 'remote'));
    dir = remote.dir;
    for (const batch of [web01, web02]) expect(await remote.upload(batch)).toEqual({ status: 202, body: 'OK.\n' });
  }, 20_000);

  afterAll(async () => {
    await remote?.stop();
    await stopAll();
    if (root && process.env.STAPLING_KEEP_LAB !== '1') fs.rmSync(root, { recursive: true, force: true });
  });

  test('journal-remote stores both hosts in one file named after the uploader’s address, not the host', () => {
    expect(fs.readdirSync(dir)).toEqual(['remote-127.0.0.1.journal']);
  });

  test('-o json gives back every field of every entry, in arrival order, with _HOSTNAME and MESSAGE intact', async () => {
    const out = (await journalctl(dir, ['-o', 'json'])).trimEnd().split('\n');
    const got = out.map((l) => JSON.parse(l) as Record<string, string>);
    expect(got).toHaveLength(all.length);
    got.forEach((g, i) => {
      const { __CURSOR, ...fields } = g;
      expect(__CURSOR).toMatch(/^s=[0-9a-f]{32};i=[0-9a-f]+;b=[0-9a-f]{32};m=[0-9a-f]+;t=[0-9a-f]+;x=[0-9a-f]+$/);
      expect(fields).toEqual(all[i]);
    });
    expect(out.some((l) => l.includes('\\"'))).toBe(true); // the quotes of nginx's certificate path are escaped inside MESSAGE
  });

  test('-o json-seq is RFC 7464: each record starts with RS and ends with LF, same records as -o json', async () => {
    const json = (await journalctl(dir, ['-o', 'json'])).trimEnd().split('\n');
    const seq = await journalctl(dir, ['-o', 'json-seq']);
    expect(seq.startsWith('\x1e')).toBe(true);
    const records = seq.split('\x1e').slice(1);
    expect(records.every((r) => r.endsWith('\n'))).toBe(true);
    expect(records.map((r) => JSON.parse(r))).toEqual(json.map((l) => JSON.parse(l)));
  });

  test.each(Object.keys(SHORT))('-o %s prints each entry as its documented one-line format, with boot separators', async (format) => {
    const out = (await journalctl(dir, ['-o', format])).trimEnd().split('\n');
    expect(out).toEqual(withBootLines(all, SHORT[format]!));
  });

  test('-o cat prints MESSAGE alone, no separators', async () => {
    expect((await journalctl(dir, ['-o', 'cat'])).trimEnd().split('\n')).toEqual(all.map((e) => field(e, 'MESSAGE')));
  });

  test('-o export round-trips the entries (plus __CURSOR, __SEQNUM and friends)', async () => {
    const out = await journalctl(dir, ['-o', 'export']);
    const entries = out
      .split('\n\n')
      .filter((b) => b !== '')
      .map((b) => Object.fromEntries(b.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])));
    expect(entries).toHaveLength(all.length);
    entries.forEach((e, i) => expect(e).toMatchObject(all[i] as Record<string, string>));
  });

  test('matches select by host and unit; --cursor-file resumes after the last entry read', async () => {
    const hosts = (args: string[]) =>
      journalctl(dir, ['-o', 'json', ...args]).then((o) =>
        o
          .trimEnd()
          .split('\n')
          .map((l) => (JSON.parse(l) as Record<string, string>)._HOSTNAME),
      );
    expect(await hosts(['_HOSTNAME=web02'])).toEqual(apache.map(() => 'web02'));
    expect(await hosts(['--unit=nginx.service'])).toEqual(nginx.map(() => 'web01'));

    const cursor = path.join(root, 'cursor');
    expect((await journalctl(dir, ['-o', 'json', `--cursor-file=${cursor}`])).trimEnd().split('\n')).toHaveLength(all.length);
    const more = journalEntries(JOURNAL_HOSTS.web01, realLines('nginx-stale-response.log'));
    expect((await remote.upload(more)).status).toBe(202);
    const next = (await journalctl(dir, ['-o', 'json', `--cursor-file=${cursor}`])).trimEnd().split('\n');
    expect(next.map((l) => (JSON.parse(l) as Record<string, string>).MESSAGE)).toEqual(realLines('nginx-stale-response.log'));
  });

  test('-o json: MESSAGE with control bytes becomes an array of byte values; over 4096 bytes it is null unless --all', async () => {
    // Hostile-input cases for the decoder: a real line with an ANSI escape and a tab in it, and a real
    // line padded past journalctl's field limit (journalctl(1) --all). Not lines a server wrote.
    const [line] = realLines('nginx-revoked.log');
    const odd = `${line!}\t\x1b[31m`;
    const long = `${line!} ${'x'.repeat(5000)}`;
    const host = { ...JOURNAL_HOSTS.web01, hostname: 'web03' };
    expect((await remote.upload(journalEntries(host, [odd, long]))).status).toBe(202);
    const read = async (args: string[]) =>
      (await journalctl(dir, ['-o', 'json', '_HOSTNAME=web03', ...args]))
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { MESSAGE: unknown }).MESSAGE);
    const [bytes, tooLong] = await read([]);
    expect(bytes).toEqual([...Buffer.from(odd, 'utf8')]);
    expect(tooLong).toBeNull();
    expect((await read(['--all']))[1]).toBe(long);
  });
});
