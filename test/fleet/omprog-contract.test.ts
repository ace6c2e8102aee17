/**
 * rsyslog's omprog contract, observed on the real rsyslogd 8.2302 with the stand-in program
 * (stub-omprog.mjs), so that /work/notes/omprog-contract.md — and stapling-doctor's omprog mode built
 * on it — rest on what rsyslog does, not only on what its documentation says: HUP forwarding
 * (`hup.signal`), a negative confirmation (retried, same process), no confirmation within
 * `confirmTimeout` (TERM + EOF, a new process, the message again), keep-alive dots (no restart).
 * Messages go straight to the central's imtcp port; the markers are test control data.
 */
import path from 'node:path';
import { stopAll } from '../servers/proc.js';
import { createFleet, sendToCentral, STUB_OMPROG, type Central, type Fleet } from './fleet.js';
import { describeWithEngines } from './prereq.js';

interface StubEvent {
  event: 'start' | 'line' | 'reply' | 'eof' | 'term' | 'hup';
  pid: number;
  t: number;
  line?: string;
  reply?: string | null;
}

const CONFIRM_TIMEOUT_MS = 1_500;

describeWithEngines('omprog contract (real rsyslogd, stand-in program)', ['root', 'rsyslogd'], () => {
  let fleet: Fleet;
  let central: Central;
  const events = (): StubEvent[] => central.output().map((l) => JSON.parse(l) as StubEvent);
  const about = (marker: string) => events().filter((e) => e.line?.includes(marker) || false);
  const send = (m: string) => sendToCentral(central, { host: 'web01', program: 'nginx' }, [m]);

  beforeAll(async () => {
    fleet = createFleet();
    const out = path.join(fleet.root, 'omprog-out.ndjson');
    central = await fleet.startCentral({
      omprogCommand: [process.execPath, STUB_OMPROG, out],
      outputFile: out,
      omprog: { confirmTimeoutMs: CONFIRM_TIMEOUT_MS, resumeIntervalS: 1 },
    });
    await send('hello');
    await fleet.waitFor(() => events().some((e) => e.event === 'line'), 5_000, 'the first message');
  }, 30_000);

  afterAll(async () => {
    await fleet?.stop();
    await stopAll();
  }, 30_000);

  test('HUP to rsyslogd reaches the program (hup.signal="HUP"), which keeps running', async () => {
    const [pid] = central.omprogPids();
    central.hup();
    await fleet.waitFor(() => events().some((e) => e.event === 'hup' && e.pid === pid), 5_000, 'the forwarded HUP');
    expect(central.omprogPids()).toEqual([pid]);
  });

  test('a negative confirmation keeps the message: the same process gets it again', async () => {
    const [pid] = central.omprogPids();
    await send('STUB-NAK-ONCE first try fails');
    await fleet.waitFor(() => about('STUB-NAK-ONCE').length >= 2, 10_000, 'the retried message');
    const got = about('STUB-NAK-ONCE');
    expect(got.map((e) => e.pid)).toEqual([pid, pid]);
    expect(events().filter((e) => e.event === 'reply' && e.reply === 'ERROR stub nak')).toHaveLength(1);
    expect(got[1]!.t - got[0]!.t).toBeGreaterThanOrEqual(500); // after action.resumeInterval, not at once
    expect(central.instance.internalLog()).toMatch(/omprog: program '.*' returned: ERROR stub nak/); // reportFailures
  });

  test('no confirmation within confirmTimeout: rsyslog ends the program and gives the message to a new one', async () => {
    const [pid] = central.omprogPids();
    await send('STUB-HANG-ONCE no answer');
    await fleet.waitFor(() => about('STUB-HANG-ONCE').length >= 2, 15_000, 'the message after the restart');
    const [first, second] = about('STUB-HANG-ONCE');
    expect(first!.pid).toBe(pid);
    expect(second!.pid).not.toBe(pid);
    expect(second!.t - first!.t).toBeGreaterThanOrEqual(CONFIRM_TIMEOUT_MS - 100);
    expect(events().some((e) => e.pid === pid && (e.event === 'term' || e.event === 'eof'))).toBe(true);
    expect(central.instance.internalLog()).toMatch(/did not respond within timeout \(1500 ms\); will be restarted/);
  });

  test('keep-alive dots let a slow answer exceed confirmTimeout without a restart', async () => {
    const [pid] = central.omprogPids();
    const restartsBefore = events().filter((e) => e.event === 'start').length;
    await send('STUB-KEEPALIVE slow answer');
    await fleet.waitFor(() => events().some((e) => e.event === 'reply' && e.reply?.endsWith('OK') && e.pid === pid), 10_000, 'the slow OK');
    await send('after the slow one');
    await fleet.waitFor(() => about('after the slow one').length === 1, 5_000, 'the next message');
    expect(about('STUB-KEEPALIVE')).toHaveLength(1);
    expect(about('after the slow one')[0]!.pid).toBe(pid);
    expect(events().filter((e) => e.event === 'start')).toHaveLength(restartsBefore);
  });
});
