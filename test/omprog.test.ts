/**
 * `stapling-doctor omprog` and `mmexternal` as rsyslog drives them (the protocol of
 * /work/notes/omprog-contract.md), with the built CLI as a child process and this test as the engine:
 * OK at start and per message and nothing else on stdout, each finding written at once, counts and ids
 * kept across a restart, a replayed message not counted twice, HUP reopens, EOF and TERM end cleanly.
 * The real rsyslogd runs it in test/fleet/omprog-mode.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { runCli, startCli, tempDir } from './helpers/cli.js';
import { RECORDS_DIR } from './fleet/fixture-records.js';

const messages = fs.readFileSync(path.join(RECORDS_DIR, 'rsyslog-omprog-json-rfc3164-two-hosts.ndjson'), 'utf8').trim().split('\n');
// web01: 3 nginx lines (responder down ×2 lines = 1 occurrence, revoked); web02: 7 Apache lines (1 occurrence)

interface Rec {
  event?: string;
  id: string;
  host: string | null;
  cause: string;
  count: number;
}
const records = (file: string): Rec[] =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Rec)
    : [];

/** An omprog child driven as rsyslog does: one message, then wait for its answer. */
class Engine {
  readonly child: ChildProcessWithoutNullStreams;
  private out = '';
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;
  constructor(args: string[]) {
    this.child = startCli(['omprog', ...args]);
    this.child.stdout.on('data', (d: Buffer) => {
      this.out += d.toString('utf8');
      for (const w of this.waiters.splice(0)) w();
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }
  /** Everything the program wrote on stdout. */
  get stdout(): string {
    return this.out;
  }
  async answers(n: number, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.out.split('\n').length - 1 < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} answers; got ${JSON.stringify(this.out)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }
  /** Send messages one by one, each after the previous answer (rsyslog's confirmMessages flow). */
  async send(lines: string[]): Promise<void> {
    for (const l of lines) {
      const before = this.out.split('\n').length - 1;
      this.child.stdin.write(`${l}\n`);
      await this.answers(before + 1);
    }
  }
}

describe('omprog mode, driven as rsyslog does', () => {
  let tmp: ReturnType<typeof tempDir>;
  let out: string;
  beforeEach(() => {
    tmp = tempDir('sd-omprog-');
    out = path.join(tmp.dir, 'findings.ndjson');
  });
  afterEach(() => tmp.cleanup());

  test('OK at start, OK per message and nothing else; each finding appended at once; EOF ends it with 0', async () => {
    const e = new Engine(['--output', out]);
    await e.answers(1);
    expect(e.stdout).toBe('OK\n');
    await e.send(messages.slice(0, 3));
    // before EOF: the web01 findings are in the file already
    expect(records(out).map((r) => [r.event, r.host, r.cause, r.count])).toEqual([
      ['new', 'web01', 'responder-unreachable', 1],
      ['new', 'web01', 'certificate-revoked', 1],
    ]);
    await e.send(messages.slice(3));
    e.child.stdin.end();
    expect(await e.exited).toBe(0);
    expect(e.stdout).toBe('OK\n'.repeat(1 + messages.length));
    expect(records(out).map((r) => [r.host, r.cause])).toEqual([
      ['web01', 'responder-unreachable'],
      ['web01', 'certificate-revoked'],
      ['web02', 'responder-unreachable'],
    ]);
  });

  test('a restart keeps ids and counts; the message delivered again after a kill is not counted twice', async () => {
    const a = new Engine(['--output', out]);
    await a.answers(1);
    await a.send(messages.slice(0, 3));
    a.child.kill('SIGKILL'); // as if killed after writing, before rsyslog saw the answer
    await a.exited;
    const b = new Engine(['--output', out]);
    await b.answers(1);
    await b.send([messages[2]!]); // rsyslog delivers the unconfirmed message again
    expect(records(out)).toHaveLength(2);
    await b.send(messages.slice(0, 3)); // the same failures again: counts go on from 1
    b.child.stdin.end();
    expect(await b.exited).toBe(0);
    const recs = records(out);
    expect(recs.map((r) => [r.event, r.cause, r.count])).toEqual([
      ['new', 'responder-unreachable', 1],
      ['new', 'certificate-revoked', 1],
      ['update', 'responder-unreachable', 2],
      ['update', 'certificate-revoked', 2],
    ]);
    const ids = new Map<string, Set<string>>();
    for (const r of recs) ids.set(r.cause, (ids.get(r.cause) ?? new Set()).add(r.id));
    expect([...ids.values()].map((s) => s.size)).toEqual([1, 1]);
  });

  test('SIGHUP reopens the output (logrotate moved it); SIGTERM while waiting ends with 0 and the state saved', async () => {
    const e = new Engine(['--output', out, '--format', 'ecs']);
    await e.answers(1);
    await e.send(messages.slice(0, 3));
    fs.renameSync(out, `${out}.1`);
    e.child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    await e.send(messages.slice(3));
    e.child.kill('SIGTERM');
    expect(await e.exited).toBe(0);
    const docs = (f: string) => records(f) as unknown as { host: { name: string }; event: { code: string; kind: string } }[];
    expect(docs(`${out}.1`).map((d) => [d.host.name, d.event.code])).toEqual([
      ['web01', 'responder-unreachable'],
      ['web01', 'certificate-revoked'],
    ]);
    expect(docs(out).map((d) => [d.host.name, d.event.code, d.event.kind])).toEqual([['web02', 'responder-unreachable', 'alert']]);
    const state = JSON.parse(fs.readFileSync(`${out}.state`, 'utf8')) as { findings: Record<string, { count: number }> };
    expect(Object.values(state.findings).map((f) => f.count)).toEqual([1, 1, 1]);
  });

  test('an output that cannot be opened: no OK, one stderr line, exit 2 (rsyslog tries again later)', () => {
    const r = runCli(['omprog', '--output', path.join(tmp.dir, 'missing-dir', 'f.ndjson')], { input: messages[0]! });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^stapling-doctor: omprog: cannot open .*f\.ndjson: /);
  });
});

describe('mmexternal mode', () => {
  test('one JSON answer per message, in order: {} or the rule, cause and severity under $!stapling_doctor', () => {
    const lines = fs.readFileSync(path.join(RECORDS_DIR, 'plain-web02-apache2.log'), 'utf8').trim().split('\n');
    const r = runCli(['mmexternal'], { input: `${lines.map((l) => ` ${l}`).join('\n')}\n` });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const answers = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(answers).toHaveLength(lines.length);
    expect(answers.map((a) => (a['$!'] as { stapling_doctor: { cause: string } } | undefined)?.stapling_doctor.cause ?? null)).toEqual([
      null,
      null,
      null,
      null,
      'responder-unreachable',
      'responder-unreachable',
      null,
    ]);
  });
});
