/**
 * Live mode only when the input is live: a pipe that delivers to its end (`zcat big.gz |`) gets the
 * grouped batch report at EOF; a pipe that stays open and goes quiet (`tail -f |`) turns live. Live
 * update lines are printed only when the count changed, and always name what they are about.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startCli, waitForOutput } from './helpers/cli.js';
import { QUIET_MS } from '../src/run/live-gate.js';

const real = (f: string): string[] =>
  fs
    .readFileSync(path.join(ROOT, 'samples/real', f), 'utf8')
    .split('\n')
    .filter(Boolean);
const NGINX_TIMEOUT = real('nginx-responder-timeout.log')[0]!;
const NOISE =
  '2018/09/14 19:03:05 [error] 2035#2035: *9134 access forbidden by rule, client: 12.34.56.78, server: example.com, request: "GET / HTTP/1.1"';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Run the CLI on a pipe fed by `feed`; collect stdout with the time each piece arrived. */
async function piped(
  args: string[],
  feed: (write: (s: string) => void) => Promise<void>,
): Promise<{ out: string; code: number | null; before: string }> {
  const child = startCli(args);
  let out = '';
  let before = ''; // what was printed before stdin closed
  let open = true;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    if (open) before = out;
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  try {
    await feed((s) => child.stdin.write(s));
    open = false;
    child.stdin.end();
    return { code: await closed, out, before };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('live only when the input is live', () => {
  test('a pipe that delivers everything and ends (cat/zcat): the grouped batch report at EOF', async () => {
    const r = await piped([], async (w) => w(`${NGINX_TIMEOUT}\n${NOISE}\n${NGINX_TIMEOUT}\n`));
    expect(r.out.startsWith('━━ Overview')).toBe(true);
    expect(r.out).toMatch(/━━ Responder timed out/);
  });

  test('a pipe that keeps delivering without pause for longer than the quiet period: still a batch scan', async () => {
    const r = await piped([], async (w) => {
      const end = Date.now() + 3 * QUIET_MS;
      let i = 0;
      while (Date.now() < end) {
        w(`${i++ % 50 === 0 ? NGINX_TIMEOUT : NOISE}\n`);
        await sleep(QUIET_MS / 10);
      }
    });
    expect(r.before).toBe(''); // nothing printed while it was delivering
    expect(r.out.startsWith('━━ Overview')).toBe(true);
  }, 20_000);

  test('a pipe that stays open and goes quiet (tail -f): the findings so far are printed, then each new one as it comes', async () => {
    const child = startCli([]);
    try {
      child.stdin.write(`${NOISE}\n${NGINX_TIMEOUT}\n`);
      const first = await waitForOutput(child, (o) => o.includes('responder-timeout'), 5 * QUIET_MS);
      expect(first).toMatch(/^WARNING {2}responder-timeout/); // a live finding, not the batch overview
      expect(first).not.toContain('Overview');
      const update = waitForOutput(child, (o) => o.includes('now ×2'), 5 * QUIET_MS);
      child.stdin.write(`${NGINX_TIMEOUT}\n`);
      expect(await update).toMatch(/↻ responder-timeout certificate "[^"]+": now ×2/);
      const summary = waitForOutput(child, (o) => /stapling-doctor: 1 finding/.test(o));
      child.stdin.end();
      await summary;
    } finally {
      child.kill('SIGKILL');
    }
  }, 20_000);

  test('turning live prints each finding found so far once, also one that settling completes (nginx revoked, held for its followers)', async () => {
    const revoked = real('nginx-revoked.log');
    const r = await piped([], async (w) => {
      await sleep(QUIET_MS / 4);
      w(`${revoked.join('\n')}\n`);
      await sleep(2.5 * QUIET_MS);
    });
    expect(r.before).toMatch(/^ERROR {2}certificate-revoked/); // printed live, before EOF
    expect(r.out.match(/^ERROR {2}certificate-revoked/gm)).toHaveLength(1);
  }, 20_000);

  test('--no-live on a quiet open pipe: nothing until EOF, then the batch report', async () => {
    const r = await piped(['--no-live'], async (w) => {
      w(`${NGINX_TIMEOUT}\n`);
      await sleep(2 * QUIET_MS);
    });
    expect(r.before).toBe('');
    expect(r.out.startsWith('━━ Overview')).toBe(true);
  });

  test('--format json on a quiet open pipe: nothing to print live, one JSON document at EOF', async () => {
    const r = await piped(['--format', 'json'], async (w) => {
      w(`${NGINX_TIMEOUT}\n`);
      await sleep(2 * QUIET_MS);
    });
    expect(r.before).toBe('');
    expect((JSON.parse(r.out) as { findings: unknown[] }).findings).toHaveLength(1);
  });
});

describe('live update lines', () => {
  // real Apache lines: AH02217 then AH02604 are two lines of one occurrence (samples/real/apache-issuer-missing.log)
  const apache = real('apache-issuer-missing.log').filter((l) => /AH02217|AH02604/.test(l));

  test('no update line whose count did not change (a later line of the same occurrence)', async () => {
    const r = await piped(['--live'], async (w) => {
      w(`${apache[0]}\n`);
      await sleep(300);
      w(`${apache[1]}\n`); // AH02604 of the same pass: evidence, not a new occurrence
      await sleep(1500); // past the one-second update throttle
    });
    expect(r.out).toMatch(/^WARNING {2}issuer-certificate-missing/);
    expect(r.out).not.toContain('↻');
  });

  test('an update line always names what it is about, also when the log names no certificate or responder', async () => {
    // a finding without certificate, vhost or responder: Apache's stapling cache (samples/real/apache-stapling-cache-missing.log)
    const line = real('apache-stapling-cache-missing.log').find((l) => l.includes('AH01958'))!;
    const r = await piped(['--live'], async (w) => {
      w(`${line}\n`);
      await sleep(1200);
      w(`${line.replace(/:17:00\./, ':19:00.').replace(/pid \d+:tid \d+/, 'pid 6001:tid 6001')}\n`); // a start two minutes later: a second occurrence
      await sleep(1500);
    });
    const updates = r.out.split('\n').filter((l) => l.includes('↻'));
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatch(/^ {2}↻ stapling-cache-problem on apache: now ×2, last 2026-11-23 02:19:00/);
    expect(updates[0]).not.toMatch(/ {2}:|problem :/);
  }, 15_000);

  test('NDJSON: an update held back on the log’s clock during a burst is printed once the pipe goes quiet, not at EOF', async () => {
    // Before the pipe turns live, updates are spaced a second apart on the log's clock; a burst whose repeats fall
    // in one second of it holds the last count back, and no later line brings it when the pipe goes quiet.
    const child = startCli(['--format', 'ndjson']);
    try {
      child.stdin.write(`${NGINX_TIMEOUT}\n${NOISE}\n${NGINX_TIMEOUT}\n${NGINX_TIMEOUT}\n`);
      const out = await waitForOutput(child, (o) => o.includes('"event":"update"'), 4 * QUIET_MS);
      const events = out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { event: string; count: number; cause: string });
      expect(events.map((e) => [e.event, e.cause, e.count])).toEqual([
        ['new', 'responder-timeout', 1],
        ['update', 'responder-timeout', 3],
      ]);
    } finally {
      child.kill('SIGKILL');
    }
  }, 15_000);
});

describe('a live finding is told when its line arrives, also when the correlator would hold it', () => {
  // AH01941 alone (its AH01974 not in the input): the correlator holds a lone follower for one line, in
  // case a paste put the failure's lines in reverse (issue 10); a live input must not wait for that line.
  const follower = real('apache-responder-down.log').find((l) => l.includes('AH01941'))!;

  // Without --live, NDJSON on a pipe is a batch scan (events on the log's clock, so a pipe that delivers to its end
  // gives the file's stream) until the pipe has been open and quiet for QUIET_MS: then it is live, and the held
  // finding is told then, still before the next line or EOF. The process's start-up comes first: 4 × QUIET_MS.
  test.each([
    [['--live'], 2],
    [['--format', 'ndjson', '--live'], 2],
    [['--format', 'ndjson'], 4],
  ])('%j on an open pipe: printed before the next line or EOF', async (args, quiet) => {
    const r = await piped(args, async (w) => {
      w(`${follower}\n`);
      await sleep(quiet * QUIET_MS);
    });
    expect(r.before).toContain('responder-unreachable');
  });
});
