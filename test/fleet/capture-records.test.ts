/**
 * Capture mode (`STAPLING_CAPTURE_RECORDS=1`, `npm run records:capture`): rewrite
 * test/fixtures/records/ from the REAL engines (rsyslogd, systemd-journal-remote + journalctl) fed
 * with the fixture lines of fixture-records.ts, plus the fixtures built from documented formats.
 * Without the variable this suite does nothing (it is a tool, not a test); records.test.ts checks the
 * files that are committed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopAll } from '../servers/proc.js';
import { createFleet, STUB_OMPROG, type Central, type Edge } from './fleet.js';
import { builtFixtures, fixtureLines, RECORDS_DIR, type FixtureHost } from './fixture-records.js';
import { JOURNAL_HOSTS, journalEntries } from './journal-entries.js';
import { journalctl, startJournalRemote } from './journal.js';
import { describeWithEngines } from './prereq.js';

const CAPTURE = process.env.STAPLING_CAPTURE_RECORDS === '1';

function write(name: string, content: string): void {
  const file = path.join(RECORDS_DIR, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** What the omprog program received: the raw lines (one JSON object each), in arrival order. */
const received = (c: Central) =>
  c
    .output()
    .map((l) => JSON.parse(l) as { event: string; line?: string })
    .filter((e) => e.event === 'line')
    .map((e) => `${e.line!}\n`)
    .join('');

/**
 * One rsyslog run: edges web01/web02 with `forwardTemplate`, a central writing its tree with
 * `fileTemplate` and running the stand-in omprog program with the JSON template. web01's lines are
 * appended and delivered before web02's, so the order of the fixture is stable.
 */
async function captureRsyslog(variant: { name: string; forwardTemplate?: string; fileTemplate: string; treeDir: string }) {
  const fleet = createFleet();
  try {
    const out = path.join(fleet.root, 'omprog-out.ndjson');
    const central = await fleet.startCentral({
      omprogCommand: [process.execPath, STUB_OMPROG, out],
      outputFile: out,
      fileTemplate: variant.fileTemplate,
    });
    const edges: Record<FixtureHost, Edge> = {
      web01: await fleet.startEdge({ name: 'web01', central, program: 'nginx', forwardTemplate: variant.forwardTemplate }),
      web02: await fleet.startEdge({ name: 'web02', central, program: 'apache2', forwardTemplate: variant.forwardTemplate }),
    };
    let total = 0;
    for (const host of ['web01', 'web02'] as const) {
      fleet.append(edges[host], fixtureLines(host));
      total += fixtureLines(host).length;
      await fleet.waitFor(() => received(central).split('\n').length - 1 === total, 10_000, `${host}'s lines at the omprog program`);
    }
    write(`rsyslog-omprog-json-${variant.name}-two-hosts.ndjson`, received(central));
    for (const f of central.treeFiles()) write(path.join(variant.treeDir, f), fs.readFileSync(path.join(central.treeRoot, f), 'utf8'));
  } finally {
    await fleet.stop();
  }
}

async function captureJournal() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stapling-journal-'));
  const remote = await startJournalRemote(path.join(root, 'remote'));
  try {
    for (const host of ['web01', 'web02'] as const) await remote.upload(journalEntries(JOURNAL_HOSTS[host], fixtureLines(host)));
    const formats = [
      'short',
      'short-iso',
      'short-iso-precise',
      'short-precise',
      'short-full',
      'short-unix',
      'short-monotonic',
      'with-unit',
      'cat',
    ];
    write('journalctl-json-two-hosts.ndjson', await journalctl(remote.dir, ['-o', 'json']));
    write('journalctl-json-seq-two-hosts.json-seq', await journalctl(remote.dir, ['-o', 'json-seq']));
    write('journalctl-export-two-hosts.export', await journalctl(remote.dir, ['-o', 'export']));
    for (const f of formats) write(`journalctl-${f}-two-hosts.log`, await journalctl(remote.dir, ['-o', f]));
    // hostile input for the decoder: a real line with a tab and an ANSI escape, and one padded past 4096 bytes
    const [line] = fixtureLines('web01');
    const web03 = { ...JOURNAL_HOSTS.web01, hostname: 'web03' };
    await remote.upload(journalEntries(web03, [`${line!}\t\x1b[31m`, `${line!} ${'x'.repeat(5000)}`]));
    write('journalctl-json-control-bytes-and-long-message.ndjson', await journalctl(remote.dir, ['-o', 'json', '_HOSTNAME=web03']));
  } finally {
    await remote.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const TITLE = 'capture test/fixtures/records/ from the real engines';
const capture = () => {
  afterAll(() => stopAll());

  test(
    'rsyslog: omfwd default (RFC 3164) edges, RSYSLOG_FileFormat tree',
    () => captureRsyslog({ name: 'rfc3164', fileTemplate: 'RSYSLOG_FileFormat', treeDir: 'rsyslog-tree-fileformat' }),
    30_000,
  );

  test(
    'rsyslog: RFC 5424 edges, RSYSLOG_TraditionalFileFormat tree',
    () =>
      captureRsyslog({
        name: 'rfc5424',
        forwardTemplate: 'RSYSLOG_SyslogProtocol23Format',
        fileTemplate: 'RSYSLOG_TraditionalFileFormat',
        treeDir: 'rsyslog-tree-traditional',
      }),
    30_000,
  );

  test('journald: journal-remote + journalctl', () => captureJournal(), 30_000);

  test('built from documented formats: Docker json-file, Elastic Agent / Filebeat', () => {
    for (const [name, content] of Object.entries(builtFixtures())) write(name, content);
  });
};

if (CAPTURE) describeWithEngines(TITLE, ['root', 'rsyslogd', 'journal-remote', 'journalctl'], capture);
else describe.skip(TITLE, capture);
