/**
 * No hang, no input silently skipped (issue 16, items 4 and 5), through the built CLI with real FIFOs
 * (mkfifo), real devices, real /proc files and real directory trees: a FIFO, device or socket given as
 * an input, inside `--rules`, as `--ca-file`, or named in a log for `--inspect` is refused at once with
 * a reason; a /proc file that reports size 0 is never read whole; a directory walk takes each file
 * once (device and inode) whatever its symbolic link loops, and reports each unreadable subdirectory
 * while reading everything else. Every run here has a 20 s limit: a hang fails the test, it does not
 * stall the suite.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Report } from '../src/findings/analyzer.js';
import { startCli, tempDir, waitForSignalHandler } from './helpers/cli.js';
import { expectCleanStderr, noDacOverridePrefix, runCliAsync } from './helpers/robust.js';

const timeoutLine = (i: number): string =>
  `2018/09/27 10:38:51 [error] 1043#0: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp${i}.example.org, peer: 2.21.67.65:80, certificate: "/etc/ssl/site-${i}/fullchain.pem"`;
const RUN = { timeoutMs: 20_000 };

let dir: string;
let cleanup: () => void;
let fifo: string;
let good: string;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('sd-no-hang-'));
  fifo = path.join(dir, 'error.log.fifo');
  execFileSync('mkfifo', [fifo]); // no writer ever opens it: opening it for reading would wait forever
  good = path.join(dir, 'good-error.log');
  fs.writeFileSync(good, `${timeoutLine(1)}\n`);
});
afterAll(() => cleanup());

describe('inputs that are not files', () => {
  test('a FIFO named as an input: refused at once with the reason and what to do; the other input is still read', async () => {
    const r = await runCliAsync(['--format', 'json', fifo, good], RUN);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `stapling-doctor: ${fifo}: is a FIFO (named pipe), not a file: not read, as reading it could wait forever or never end; to read a pipe, give it on standard input (stapling-doctor < ${fifo})\n`,
    );
    expect((JSON.parse(r.stdout) as Report).findings).toHaveLength(1);
  });

  test.each(['/dev/zero', '/dev/urandom', '/dev/tty'])('the character device %s: refused at once', async (dev) => {
    if (!fs.existsSync(dev)) throw new Error(`${dev} is missing: this test needs Linux`);
    const r = await runCliAsync([dev], RUN);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `stapling-doctor: ${dev}: is a character device, not a file: not read, as reading it could wait forever or never end\n`,
    );
  });

  test('/dev/stdin is standard input (a pipe here): read, not refused', async () => {
    const r = await runCliAsync(['--format', 'json', '/dev/stdin'], { ...RUN, input: `${timeoutLine(2)}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as Report).stats.lines).toBe(1);
  });

  test('a FIFO named like a log inside a directory: reported, the rest of the directory read', async () => {
    const d = path.join(dir, 'dir-with-fifo');
    fs.mkdirSync(d);
    execFileSync('mkfifo', [path.join(d, 'access-error.log')]);
    fs.writeFileSync(path.join(d, 'error.log'), `${timeoutLine(3)}\n`);
    const r = await runCliAsync(['--format', 'json', d], RUN);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^stapling-doctor: .*\/access-error\.log: is a FIFO \(named pipe\), not a file/);
    // inputs[] names every input with its status (issue 12): the FIFO as an error, not read.
    expect((JSON.parse(r.stdout) as Report).inputs.map((i) => [path.basename(i.file), i.status])).toEqual([
      ['error.log', 'read'],
      ['access-error.log', 'error'],
    ]);
  });
});

// Sweep 60, M6: explain --file read with readFileSync, which waited forever on a FIFO (deaf to Ctrl-C
// and SIGTERM, as the event loop was blocked) and read /dev/zero until memory ran out.
describe('explain reads --file and stdin as the main command reads an input', () => {
  test.each([
    ['a FIFO', () => fifo, 'a FIFO (named pipe)'],
    ['/dev/zero', () => '/dev/zero', 'a character device'],
  ])('explain --file on %s: refused at once with the reason, exit 2', async (_, file, kind) => {
    const r = await runCliAsync(['explain', '--file', file()], RUN);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`stapling-doctor: ${file()}: is ${kind}, not a file: not read, as reading it could wait forever or never end\n`);
  });

  test('explain on stdin that is /dev/zero: reading stops at its bound; the over-long line is named, not explained', async () => {
    const r = await runCliAsync(['explain', '--format', 'json'], { ...RUN, prefix: ['sh', '-c', 'exec "$@" < /dev/zero', 'sh'] });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('stapling-doctor: -: line 1 is longer than 65536 bytes: not explained (the main command skips it too)\n');
    expect((JSON.parse(r.stdout) as { lines: unknown[] }).lines).toEqual([]);
  });

  test.each(['SIGINT', 'SIGTERM'] as const)(
    'explain on a pipe whose writer never ends: %s stops the reading and the lines read are explained',
    async (sig) => {
      const child = startCli(['explain', '--format', 'json']);
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
      try {
        await waitForSignalHandler(child, sig);
        child.stdin.write(`${timeoutLine(3)}\n`); // the pipe stays open: only the signal can end the reading
        child.kill(sig);
        expect(await exited).toEqual([0, null]);
        const lines = (JSON.parse(stdout) as { lines: { line: string }[] }).lines;
        expect(lines.length).toBeLessThanOrEqual(1); // the line, when it was read before the signal
        for (const l of lines) expect(l.line).toBe(timeoutLine(3));
      } finally {
        child.kill('SIGKILL');
      }
    },
  );
});

describe('files read whole: rule files, --ca-file, certificates named in a log', () => {
  const RULE = (id: string): string =>
    `id: ${id}\nsummary: A user rule for the no-hang tests.\nservers: [nginx]\nseverity: warning\ncause: dns-resolution-failed\nrole: cause\nphase: runtime\ntrigger: 'zzq-lookup'\npatterns:\n  - regex: 'zzq-lookup \\w+!'\nsource:\n  - server: nginx\n    file: test/no-hang.e2e.test.ts\n    versions: 'any'\nsamples:\n  match:\n    - line: 'zzq-lookup abc!'\n      from: made up for this test\n  nomatch: []\n`;

  test('a FIFO in a --rules directory: refused at once, naming the file', async () => {
    const d = path.join(dir, 'rules-with-fifo');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'user-a.yaml'), RULE('user-a'));
    execFileSync('mkfifo', [path.join(d, 'user-b.yaml')]);
    const r = await runCliAsync(['--rules', d, good], RUN);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `stapling-doctor: invalid rule file: ${d}/user-b.yaml: cannot read: is a FIFO (named pipe), not a file: not read, as reading it could wait forever or never end\n`,
    );
  });

  test('a rule file that is /proc/self/pagemap (size 0, gigabytes to read): refused by the size limit, not read whole', async () => {
    const d = path.join(dir, 'rules-with-proc');
    fs.mkdirSync(d);
    fs.symlinkSync('/proc/self/pagemap', path.join(d, 'user-c.yaml'));
    expect(fs.statSync('/proc/self/pagemap').size).toBe(0);
    const r = await runCliAsync(['--rules', d, good], RUN);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`stapling-doctor: invalid rule file: ${d}/user-c.yaml: cannot read: is larger than 1048576 bytes: not read\n`);
  });

  test('a rule file over 1 MiB: refused with the limit', async () => {
    const d = path.join(dir, 'rules-too-large');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'user-d.yaml'), `${RULE('user-d')}# ${'x'.repeat(1024 * 1024)}\n`);
    const r = await runCliAsync(['--rules', d, good], RUN);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`stapling-doctor: invalid rule file: ${d}/user-d.yaml: cannot read: is larger than 1048576 bytes: not read\n`);
  });

  test('probe --ca-file FIFO: refused at once (exit 2), before any connection', async () => {
    const r = await runCliAsync(['probe', '127.0.0.1:9', '--ca-file', fifo], RUN);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `stapling-doctor: probe 127.0.0.1:9: cannot read --ca-file ${fifo}: is a FIFO (named pipe), not a file: not read, as reading it could wait forever or never end\n`,
    );
  });

  test('--inspect of a log naming a FIFO, a device and /proc/self/pagemap as certificates: each an inspection error, no hang', async () => {
    const log = path.join(dir, 'names-special-files.log');
    const certs = [fifo, '/dev/zero', '/proc/self/pagemap'];
    fs.writeFileSync(log, certs.map((c, i) => `${timeoutLine(i)}\n`.replace(`/etc/ssl/site-${i}/fullchain.pem`, c)).join(''));
    const r = await runCliAsync(['--inspect', '--format', 'json', '--fail-on', 'never', log], RUN);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expectCleanStderr(r.stderr);
    const report = JSON.parse(r.stdout) as {
      findings: { subject: { certificate?: string }; inspection?: { error?: string; result: string } }[];
    };
    expect(report.findings.map((f) => f.subject.certificate).sort()).toEqual([...certs].sort());
    for (const f of report.findings) expect(f.inspection?.result).not.toBe('confirmed');
  });
});

describe('directory walks', () => {
  test('symbolic link loops and second links: each file once (by device and inode), in a stable order', async () => {
    const d = path.join(dir, 'loops');
    fs.mkdirSync(path.join(d, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(d, 'a', 'error.log'), `${timeoutLine(4)}\n`);
    fs.writeFileSync(path.join(d, 'a', 'b', 'ssl_error.log'), `${timeoutLine(5)}\n`);
    fs.symlinkSync('..', path.join(d, 'a', 'b', 'up')); // a loop back to a
    fs.symlinkSync('../..', path.join(d, 'a', 'b', 'top')); // a loop back to the root
    fs.symlinkSync('a', path.join(d, 'same-as-a')); // a second way into a
    fs.symlinkSync('a/error.log', path.join(d, 'link-error.log')); // a second name of a file
    // A symbolic link farm: each level links twice to the next, 2^12 paths to the last one.
    for (let i = 0; i < 12; i++) {
      fs.mkdirSync(path.join(d, 'farm', `l${i}`), { recursive: true });
      if (i > 0) {
        fs.symlinkSync(`../l${i}`, path.join(d, 'farm', `l${i - 1}`, 'x'));
        fs.symlinkSync(`../l${i}`, path.join(d, 'farm', `l${i - 1}`, 'y'));
      }
    }
    fs.writeFileSync(path.join(d, 'farm', 'l11', 'error.log'), `${timeoutLine(6)}\n`);
    const r = await runCliAsync(['--format', 'json', d], RUN);
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as Report;
    const files = report.inputs.map((i) => path.relative(d, i.file));
    expect(files).toHaveLength(3);
    expect(new Set(files.map((f) => fs.realpathSync(path.join(d, f)))).size).toBe(3);
    expect(files).toContain('a/error.log');
    expect(report.stats.lines).toBe(3);
    // The same tree gives the same list again.
    const again = JSON.parse((await runCliAsync(['--format', 'json', d], RUN)).stdout) as Report;
    expect(again.inputs.map((i) => i.file)).toEqual(report.inputs.map((i) => i.file));
  });

  test('a file named twice (itself and a link to it) is read once; the link is listed as its duplicate, with a note', async () => {
    const link = path.join(dir, 'link-to-good.log');
    fs.symlinkSync(good, link);
    const r = await runCliAsync(['--format', 'json', good, link], RUN);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.inputs.map((i) => [i.file, i.status, i.lines, i.duplicateOf ?? null])).toEqual([
      [good, 'read', 1, null],
      [link, 'read', 0, good],
    ]);
    expect(report.stats.files).toBe(1);
    expect(r.stderr).toBe(`stapling-doctor: ${link}: the same file as ${good}; read once, as ${good}\n`);
  });

  test('600 unreadable subdirectories: each reported, every readable log still read', async () => {
    const prefix = noDacOverridePrefix();
    const d = path.join(dir, 'many-locked');
    for (let i = 0; i < 600; i++) {
      const sub = path.join(d, `site${String(i).padStart(3, '0')}`);
      fs.mkdirSync(sub, { recursive: true });
      fs.writeFileSync(path.join(sub, 'error.log'), `${timeoutLine(i)}\n`);
      if (i % 100 !== 7) fs.chmodSync(sub, 0o000); // 6 stay readable
    }
    fs.writeFileSync(path.join(d, 'error.log'), `${timeoutLine(999)}\n`);
    try {
      const r = await runCliAsync(['--format', 'json', d], { ...RUN, prefix });
      expect(r.code).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(594);
      expect(lines[0]).toBe(`stapling-doctor: ${d}/site000: permission denied (the logs under it were not read)`);
      const report = JSON.parse(r.stdout) as Report;
      expect(report.inputs.filter((i) => i.status === 'read')).toHaveLength(7);
      const refused = report.inputs.filter((i) => i.status === 'error');
      expect(refused).toHaveLength(594);
      expect(refused.every((i) => i.code === 'EACCES' && i.files === 0)).toBe(true);
      expect(report.stats.lines).toBe(7);
    } finally {
      for (let i = 0; i < 600; i++) fs.chmodSync(path.join(d, `site${String(i).padStart(3, '0')}`), 0o755);
    }
  });
});
