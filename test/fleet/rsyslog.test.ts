/**
 * The rsyslog plumbing of issue 11, with real rsyslogd on 127.0.0.1 and a stand-in omprog program
 * (stub-omprog.mjs): two edges (web01 nginx, web02 apache2: imfile → omfwd TCP, disk-assisted queue)
 * and a central (imtcp → per-host tree + omprog). Real stapling lines from samples/real/ are appended
 * on the edges. These tests prove the harness that stapling-doctor's omprog mode will be tested with.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sleep, stopAll } from '../servers/proc.js';
import { createFleet, STUB_OMPROG, type Central, type Edge, type Fleet } from './fleet.js';
import { describeWithEngines } from './prereq.js';
import { realLines } from './real-lines.js';

/** One record of the stub's output file. */
interface StubEvent {
  event: 'start' | 'line' | 'reply' | 'eof' | 'term' | 'hup';
  pid: number;
  line?: string;
  reply?: string | null;
}

/** One message as the central's JSON template renders it. */
interface Delivered {
  host: string;
  program: string;
  timestamp: string;
  message: string;
}

const events = (c: Central): StubEvent[] => c.output().map((l) => JSON.parse(l) as StubEvent);
const delivered = (c: Central): Delivered[] => events(c).flatMap((e) => (e.event === 'line' ? [JSON.parse(e.line!) as Delivered] : []));

/**
 * The log line inside a delivered message. With RFC 3164 forwarding (omfwd's default), rsyslog keeps
 * the space after the tag at the start of MSG; this is that one space, nothing else.
 */
const lineOf = (d: Delivered) => (d.message.startsWith(' ') ? d.message.slice(1) : d.message);

/** How many times each of `lines` was delivered to the omprog program from `host`. */
function deliveries(c: Central, host: string, lines: string[]): number[] {
  const got = delivered(c).filter((d) => d.host === host);
  return lines.map((l) => got.filter((d) => lineOf(d) === l).length);
}

/** True when every one of `lines` reached the tree file and the omprog program at least once. */
function arrived(c: Central, edge: Edge, lines: string[]): boolean {
  const tree = c.tree(edge.name, edge.program);
  return lines.every((l) => tree.some((t) => t.endsWith(l))) && deliveries(c, edge.name, lines).every((n) => n >= 1);
}

describeWithEngines('rsyslog fleet: edges → central tree + omprog (real rsyslogd)', ['root', 'rsyslogd'], () => {
  let fleet: Fleet;
  let central: Central;
  let web01: Edge;
  let web02: Edge;

  beforeAll(async () => {
    fleet = createFleet();
    const out = path.join(fleet.root, 'omprog-out.ndjson');
    central = await fleet.startCentral({ omprogCommand: [process.execPath, STUB_OMPROG, out], outputFile: out });
    [web01, web02] = await Promise.all([
      fleet.startEdge({ name: 'web01', central, program: 'nginx' }),
      fleet.startEdge({ name: 'web02', central, program: 'apache2' }),
    ]);
  }, 30_000);

  afterAll(async () => {
    await fleet?.stop();
    await stopAll();
  }, 30_000);

  test('lines appended on both edges reach the per-host tree and the omprog program, once, with their host', async () => {
    const nginx = [...realLines('nginx-responder-down.log'), ...realLines('nginx-revoked.log')];
    const apache = realLines('apache-responder-down.log');
    fleet.append(web01, nginx);
    fleet.append(web02, apache);
    await fleet.waitFor(() => arrived(central, web01, nginx) && arrived(central, web02, apache), 10_000, 'both edges’ lines');

    expect(central.treeFiles()).toEqual(['web01/nginx.log', 'web02/apache2.log']);
    expect(central.tree('web01', 'nginx').map((t) => nginx.find((l) => t.endsWith(` ${l}`)))).toEqual(nginx);
    expect(central.tree('web02', 'apache2').map((t) => apache.find((l) => t.endsWith(` ${l}`)))).toEqual(apache);
    for (const [edge, lines] of [
      [web01, nginx],
      [web02, apache],
    ] as const) {
      const got = delivered(central).filter((d) => d.host === edge.name);
      expect(got.map(lineOf)).toEqual(lines); // in order, each once
      expect(new Set(got.map((d) => d.program))).toEqual(new Set([edge.program]));
      for (const d of got) expect(Number.isNaN(Date.parse(d.timestamp))).toBe(false);
    }
    expect(central.omprogPids()).toHaveLength(1); // forceSingleInstance
  });

  test('a killed omprog program is started again by rsyslog and gets the next lines', async () => {
    const [before] = central.omprogPids();
    expect(before).toBeDefined();
    expect(await central.killOmprog('SIGKILL')).toEqual([before]);
    const nginx = realLines('nginx-stale-response.log');
    const apache = realLines('apache-revoked.log');
    fleet.append(web01, nginx);
    fleet.append(web02, apache);
    await fleet.waitFor(() => arrived(central, web01, nginx) && arrived(central, web02, apache), 10_000, 'lines after the kill');

    const after = central.omprogPids();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before);
    const starts = events(central).filter((e) => e.event === 'start');
    expect(starts.map((e) => e.pid)).toEqual([before, after[0]]);
    const toNewPid = events(central).filter((e) => e.event === 'line' && e.pid === after[0]);
    expect(toNewPid.length).toBeGreaterThanOrEqual(nginx.length + apache.length);
  });

  test('lines appended while the central is down arrive once it is up again (edge queue)', async () => {
    const pid = central.omprogPids()[0];
    await central.stop();
    // rsyslogd ended its omprog program itself: TERM (signalOnClose) and/or EOF, nothing left running
    expect(events(central).some((e) => e.pid === pid && (e.event === 'term' || e.event === 'eof'))).toBe(true);
    const nginx = realLines('nginx-status-unknown.log');
    const apache = realLines('apache-stale-response.log');
    fleet.append(web01, nginx);
    fleet.append(web02, apache);
    await fleet.waitFor(
      () => [web01, web02].every((e) => /action 'to-central' suspended/.test(e.instance.internalLog())),
      10_000,
      'both edges to notice the central is down',
    );
    expect(arrived(central, web01, nginx) || arrived(central, web02, apache)).toBe(false);
    await central.start();
    await fleet.waitFor(() => arrived(central, web01, nginx) && arrived(central, web02, apache), 10_000, 'the queued lines');
    const extra = [...deliveries(central, 'web01', nginx), ...deliveries(central, 'web02', apache)].reduce((a, n) => a + n - 1, 0);
    if (extra > 0) process.stderr.write(`rsyslog fleet: ${extra} queued line(s) delivered twice after the central came back\n`);
  });

  test('lines queued on a stopped edge survive its restart (disk-assisted queue saved on shutdown)', async () => {
    await central.stop();
    const mark = web01.instance.internalLog().length;
    // The first line after the outage is in the forwarding worker's batch, retried for ever; the lines
    // after it wait in the queue, and only those are saved on shutdown (rsyslog/rsyslog#2710: the
    // in-flight batch of a suspended action is lost when rsyslogd stops).
    const [inFlight, ...queued] = realLines('apache-certid-mismatch.log');
    fleet.append(web01, [inFlight!]);
    await fleet.waitFor(() => /action 'to-central' suspended/.test(web01.instance.internalLog().slice(mark)), 10_000, 'web01 to suspend');
    fleet.append(web01, queued);
    await sleep(500); // imfile (inotify) reads them within milliseconds; the file offset is not observable from outside
    await web01.stop();
    const work = path.join(web01.instance.dir, 'work');
    const saved = fs
      .readdirSync(work)
      .filter((f) => /^fwd\.\d+$/.test(f))
      .map((f) => fs.readFileSync(path.join(work, f), 'latin1'))
      .join('');
    expect(queued.filter((l) => !saved.includes(l))).toEqual([]);
    await web01.start();
    await central.start();
    await fleet.waitFor(() => arrived(central, web01, queued), 10_000, 'the lines saved in web01’s queue');
    if (!arrived(central, web01, [inFlight!]))
      process.stderr.write('rsyslog fleet: the in-flight line was lost when the edge stopped (rsyslog#2710)\n');
  });
});
