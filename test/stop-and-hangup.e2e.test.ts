/**
 * How the process ends (issue 16, items 4 and 7), through the built CLI with real signals, real pipes
 * and a real terminal: `timeout(1)` signals the command and then its process group, so the tool gets
 * SIGTERM twice at once and must still write its report; SIGHUP (the terminal closed) stops like
 * SIGTERM and puts the summary where stderr still goes; a reader that quits (EPIPE) does not turn an
 * input error's exit 2 into 0; a closed stdout (`>&-`) is exit 2 with one line, as grep's write error.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, PLAIN_ENV, startCli, tempDir, waitForOutput } from './helpers/cli.js';
import { expectCleanStderr } from './helpers/robust.js';

const timeoutLine = (i: number): string =>
  `2018/09/27 10:38:51 [error] 1043#0: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp${i}.example.org, peer: 2.21.67.65:80, certificate: "/etc/ssl/site-${i}/fullchain.pem"`;
const NOISE =
  '2018/09/14 19:03:05 [error] 2035#2035: *9134 access forbidden by rule, client: 12.34.56.78, server: example.com, request: "GET / HTTP/1.1"';

let dir: string;
let cleanup: () => void;
let big: string;
let one: string;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('sd-stop-'));
  big = path.join(dir, 'many-findings.log');
  fs.writeFileSync(big, Array.from({ length: 3000 }, (_, i) => `${timeoutLine(i)}\n${NOISE}\n`).join(''));
  one = path.join(dir, 'one-finding.log');
  fs.writeFileSync(one, `${NOISE}\n${timeoutLine(1)}\n`);
});
afterAll(() => cleanup());

/** Run a bash script; returns PIPESTATUS, stdout and stderr. */
function bash(script: string, timeoutMs = 60_000): { statuses: number[]; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', `${script}; echo "STATUS \${PIPESTATUS[*]}" >&3`], {
    env: { ...PLAIN_ENV, SD: `${process.execPath} ${CLI}` },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  const m = /STATUS ([\d ]+)/.exec((r.output[3] ?? '').toString());
  if (!m) throw new Error(`no status from the script: ${r.stderr}`);
  return { statuses: m[1]!.trim().split(' ').map(Number), stdout: r.stdout, stderr: r.stderr };
}

describe('a stop signal delivered twice', () => {
  test('timeout(1) on a live run: SIGTERM to the command and to its process group, the report is still written, exit 1', () => {
    // The tool reads a FIFO that stays open. Once it has printed its finding (so it is running, its handlers
    // installed: a SIGTERM before them is the default action, exit 143, which is not what this test is about),
    // timeout(1) itself gets SIGTERM and does what it does when its time is up: SIGTERM to the command, then to
    // its process group. Under load the second signal can come while the tool exits: the next test.
    const out = path.join(dir, 'timeout.out');
    const fifo = path.join(dir, 'timeout.fifo');
    const r = bash(
      [
        `rm -f '${fifo}'; mkfifo '${fifo}'`,
        `timeout --preserve-status -s TERM 120 $SD --format ndjson <'${fifo}' >'${out}' 2>"${dir}/timeout.err" & tpid=$!`,
        `exec 4>'${fifo}'; cat '${one}' >&4`,
        `for i in $(seq 600); do grep -q '"event":"new"' '${out}' && break; sleep 0.05; done`,
        `kill -TERM $tpid; wait $tpid; st=$?; exec 4>&-; (exit $st)`,
      ].join('\n'),
    );
    r.stdout = fs.readFileSync(out, 'utf8');
    expect(r.statuses[0]).toBe(1); // the finding is a warning: exit 1 by the contract (--preserve-status passes it on)
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; stats?: { lines: number } });
    expect(events.map((e) => e.event)).toEqual(['new', 'end']);
    expect(events[1]!.stats!.lines).toBe(2);
    expect(fs.readFileSync(path.join(dir, 'timeout.err'), 'utf8')).toBe('');
  });

  test('a second SIGTERM 50 ms after the first, while the report waits for a slow reader: one stop, the whole report, exit 1', async () => {
    // The reader pauses, so the report is still being written when the second signal comes.
    const child = spawn(process.execPath, [CLI, '--format', 'ndjson', big], { env: PLAIN_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      await new Promise((r) => child.stdout.once('data', (d: Buffer) => r(chunks.push(d))));
      child.stdout.pause();
      await new Promise((r) => setTimeout(r, 300)); // the pipe fills up
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      child.stdout.on('data', (d: Buffer) => chunks.push(d));
      child.stdout.resume();
      expect(await exited).toBe(1);
      const last = JSON.parse(Buffer.concat(chunks).toString().trim().split('\n').pop()!) as { event: string };
      expect(last.event).toBe('end');
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('a stop signal while the process exits', () => {
  test('SIGTERM every millisecond from the end of the report until the process is gone: exit 1 each time, never 143', async () => {
    // After the report, Node's own teardown used to put SIGTERM back to its default action (closing the signal
    // handles), so a signal in those last milliseconds killed a run that had written everything: 26 of 30 runs
    // of this loop ended by SIGTERM before the tool left through process.exit() (src/cli.ts).
    const ends: (number | string | null)[] = [];
    for (let i = 0; i < 10; i++) {
      const child = spawn(process.execPath, [CLI, '--format', 'ndjson', one], { env: PLAIN_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let stderr = '';
      let timer: NodeJS.Timeout | undefined;
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (timer === undefined && out.includes('"event":"end"')) timer = setInterval(() => child.kill('SIGTERM'), 1);
      });
      const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
      clearInterval(timer);
      ends.push(code ?? signal);
      expect(stderr).toBe('');
      expect(timer).toBeDefined(); // the signals did start: the report's end was seen
    }
    expect(ends).toEqual(Array.from({ length: 10 }, () => 1));
  });
});

describe('SIGHUP: the terminal closes', () => {
  test('a real pseudo-terminal hangs up (script(1) killed): the summary goes to the stderr file, no stack trace', async () => {
    if (spawnSync('script', ['--version']).status !== 0) throw new Error('script(1) (util-linux) is missing');
    const errFile = path.join(dir, 'hangup.err');
    // Inside the terminal: a live run on a pipe that stays open, stderr to a file (as with nohup).
    const inner = `{ cat '${one}'; sleep 30; } | '${process.execPath}' '${CLI}' 2>'${errFile}'`;
    const script = spawn('script', ['-qfec', inner, '/dev/null'], { env: PLAIN_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no finding on the terminal; got ${out}`)), 15_000);
        script.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('responder-timeout')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      script.kill('SIGKILL'); // the terminal's master side closes: the kernel sends SIGHUP to the foreground group
      const deadline = Date.now() + 15_000;
      let err = '';
      while (Date.now() < deadline) {
        err = fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '';
        if (/in 2 lines of 1 input/.test(err)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // The hangup stops the reading: the summary may say so (issue 12), when SIGHUP came before stdin's end.
      expect(err).toMatch(
        /^stapling-doctor: 1 finding \(1 warning\) in 2 lines of 1 input(\.| — interrupted: the inputs were not all read\.)$/m,
      );
      expectCleanStderr(err);
    } finally {
      script.kill('SIGKILL');
    }
  });

  test('SIGHUP with stdout still open: stops like SIGTERM, the summary on stdout, exit by the contract', async () => {
    const child = startCli([]);
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      const first = waitForOutput(child, (out) => out.includes('responder-timeout'));
      child.stdin.write(`${timeoutLine(4)}\n`);
      await first;
      const summary = waitForOutput(child, (out) => /stapling-doctor: 1 finding .* in 1 line of 1 input/.test(out));
      child.kill('SIGHUP');
      await summary;
      expect(await exited).toBe(1);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('exit codes when the output goes away', () => {
  test('EPIPE after an input error: the exit code stays 2', () => {
    const r = bash(`set -o pipefail; $SD '${dir}/missing.log' '${big}' 2>"${dir}/epipe.err" | head -1 >/dev/null`);
    expect(r.statuses).toEqual([2, 0]);
    expect(fs.readFileSync(path.join(dir, 'epipe.err'), 'utf8')).toBe(`stapling-doctor: ${dir}/missing.log: no such file or directory\n`);
  });

  test('EPIPE without an input error: quietly, with the code of the whole report (issue 12: 1, its findings are warnings)', () => {
    const r = bash(`$SD '${big}' 2>"${dir}/epipe0.err" | head -1 >/dev/null`);
    expect(r.statuses).toEqual([1, 0]);
    expect(bash(`$SD --fail-on never '${big}' 2>/dev/null | head -1 >/dev/null`).statuses).toEqual([0, 0]);
    expect(fs.readFileSync(path.join(dir, 'epipe0.err'), 'utf8')).toBe('');
  });

  test('a closed stdout (>&-) is exit 2 with one line; >/dev/null is the ordinary way to discard output', () => {
    const closed = bash(`$SD '${one}' >&-`);
    expect(closed.statuses).toEqual([2]);
    expect(closed.stderr).toBe('stapling-doctor: cannot write the output: standard output is closed (use >/dev/null to discard it)\n');
    const devnull = bash(`$SD '${one}' >/dev/null`);
    expect(devnull.statuses).toEqual([1]);
    expect(devnull.stderr).toBe('');
  });
});
