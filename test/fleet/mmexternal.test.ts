/**
 * `stapling-doctor mmexternal` under the real rsyslogd (8.2302): a central receives RFC 3164 messages
 * over TCP on 127.0.0.1, tags each through `action(type="mmexternal")` and writes the tag with the host
 * (`$!stapling_doctor!cause`) to a file, as a filter or template would use it. Real lines from
 * samples/real/; the tags must be what the rules say of each line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMatcher } from '../../src/rules/match.js';
import { loadRules } from '../../src/rules/load.js';
import { CLI } from '../helpers/cli.js';
import { describeIfPresent } from '../helpers/prerequisites.js';
import { freePort, readIfExists, stopAll, waitFor } from '../servers/proc.js';
import { sendToCentral, type Central } from './fleet.js';
import { ENGINE_PATHS } from './prereq.js';
import { realLines } from './real-lines.js';
import { listeningOn, RsyslogInstance } from './rsyslog.js';
import { omprogBinary, rsString } from './rsyslog-config.js';

const describeReal = describeIfPresent({
  suite: 'rsyslog mmexternal suite (test/fleet/mmexternal.test.ts)',
  run: 'npm run build && node --experimental-vm-modules node_modules/jest/bin/jest.js test/fleet/mmexternal.test.ts',
  executables: [{ name: 'rsyslogd', path: ENGINE_PATHS.rsyslogd[0], package: 'rsyslog' }],
  root: 'rsyslogd runs as root with its own ports, work and pid files',
});

describeReal('mmexternal under real rsyslogd: each message tagged with its rule and cause', () => {
  let dir: string;
  let instance: RsyslogInstance;
  let port: number;
  let out: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stapling-mmexternal-'));
    port = await freePort();
    out = path.join(dir, 'tagged.log');
    const config = [
      `global(workDirectory=${rsString(`${dir}/work`)} net.enableDNS="off" processInternalMessages="on")`,
      `action(type="omfile" file=${rsString(`${dir}/internal.log`)} template="RSYSLOG_FileFormat")`,
      'module(load="imtcp")',
      'module(load="mmexternal")',
      `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="remote")`,
      'template(name="tagged" type="string" string="%hostname%|%$!stapling_doctor!cause%|%$!stapling_doctor!rule%|%msg%\\n")',
      'ruleset(name="remote") {',
      `  action(type="mmexternal" binary=${rsString(omprogBinary([process.execPath, CLI, 'mmexternal']))} interface.input="msg" forceSingleInstance="on" output=${rsString(`${dir}/mmexternal.out`)})`,
      `  action(type="omfile" file=${rsString(out)} template="tagged")`,
      '}',
      '',
    ].join('\n');
    instance = new RsyslogInstance('mmexternal', dir, config, listeningOn(port));
    await instance.start();
  }, 30_000);

  afterAll(async () => {
    await instance?.stop();
    await stopAll();
    if (dir && process.env.STAPLING_KEEP_LAB !== '1') fs.rmSync(dir, { recursive: true, force: true });
  });

  test('stapling lines get $!stapling_doctor (rule, cause), others nothing; the host is kept', async () => {
    const lines = [...realLines('apache-responder-down.log'), ...realLines('nginx-revoked.log')];
    await sendToCentral({ port } as Central, { host: 'web02', program: 'apache2' }, lines);
    const tagged = (): string[] =>
      readIfExists(out)
        .split('\n')
        .filter((l) => l !== '');
    const done = await waitFor(() => tagged().length >= lines.length, 15_000, 50);
    if (!done) throw new Error(`timed out: ${tagged().length} of ${lines.length} lines\n${instance.diagnostics()}`);

    const matcher = createMatcher(await loadRules());
    const want = lines.map((l) => {
      const m = matcher.match(l, { file: 'x', line: 1 }).match;
      return ['web02', m?.cause ?? '', m?.rule.id ?? ''].join('|');
    });
    expect(tagged().map((t) => t.split('|').slice(0, 3).join('|'))).toEqual(want);
    expect(want.filter((w) => w.endsWith('|')).length).toBeLessThan(lines.length); // some lines are tagged
    // output= gets the program's answers and its stderr together (mmexternal.c): no error line there
    expect(readIfExists(path.join(dir, 'mmexternal.out'))).not.toMatch(/stapling-doctor:/);
  });
});
