/**
 * rsyslog's repeated-message reduction with a real rsyslogd (`$RepeatedMsgReduction on`, as Ubuntu's default
 * rsyslog.conf has it): a run of identical messages from one input is written once, then as one
 * `message repeated N times: [ … ]` line (runtime/ratelimit.c `ratelimitGenRepMsg()`), its message cut at
 * 800 bytes. Real stapling lines from samples/real/ are sent through imuxsock on the instance's own socket
 * with `logger -u`; the file rsyslogd writes (RSYSLOG_TraditionalFileFormat) is read by the CLI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Report } from '../../src/findings/analyzer.js';
import { runCli } from '../helpers/cli.js';
import { readIfExists, runOk, stopAll, waitFor } from '../servers/proc.js';
import { describeWithEngines, enginePath } from './prereq.js';
import { realLines } from './real-lines.js';
import { RsyslogInstance } from './rsyslog.js';
import { rsString } from './rsyslog-config.js';

describeWithEngines("rsyslog's repeated-message reduction (real rsyslogd, imuxsock)", ['root', 'rsyslogd', 'logger'], () => {
  let dir: string;
  let rs: RsyslogInstance;
  let socket: string;
  let out: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stapling-rsyslog-repeated-'));
    socket = path.join(dir, 'log.sock');
    out = path.join(dir, 'messages.log');
    const config = [
      `global(workDirectory=${rsString(`${dir}/work`)} net.enableDNS="off" processInternalMessages="on")`,
      '$RepeatedMsgReduction on',
      'module(load="imuxsock" SysSock.Use="off")',
      // The default ruleset: rsyslog 8.2302 submits the "message repeated" line there, not to the input's own.
      `input(type="imuxsock" Socket=${rsString(socket)})`,
      `if $programname == "rsyslogd" then { action(type="omfile" file=${rsString(`${dir}/internal.log`)}) stop }`,
      `action(type="omfile" file=${rsString(out)} template="RSYSLOG_TraditionalFileFormat")`,
      '',
    ].join('\n');
    rs = new RsyslogInstance('reduce', dir, config, () => () => Promise.resolve(fs.existsSync(socket)));
    await rs.start();
  }, 30_000);

  afterAll(async () => {
    await rs?.stop();
    await stopAll();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /** Send each message through the instance's socket, one `logger` call per message, in order (whole: logger cuts at 1 KiB by default). */
  const send = async (tag: string, messages: string[]): Promise<void> => {
    for (const m of messages)
      await runOk(enginePath('logger')!, ['-u', socket, '--size', '8192', '-t', tag, '--', m], { timeoutMs: 10_000 });
  };

  test('a run of identical stapling lines is one line and a "message repeated N times" line: the finding counts every occurrence', async () => {
    // Failures a server logs at run time, once per refresh or handshake (a start-up line written twice within
    // moments is one start: the store folds it, repeated or not).
    const nginx = realLines('nginx-responder-down.log')[0]!;
    const apache = realLines('apache-revoked.log').find((l) => l.includes('AH02969'))!;
    // The same failure with a certificate path long enough for rsyslog to cut the message at 800 bytes.
    const long = nginx.replace('/pki/', `/pki/${'deep/'.repeat(160)}`);
    await send('nginx', [nginx, nginx, nginx, nginx]);
    await send('apache2', [apache, apache, apache]);
    await send('nginx', [long, long, long, 'end of the run']);
    const read = (): string | undefined => {
      const text = readIfExists(out);
      return text.includes('end of the run') ? text : undefined;
    };
    const written = await waitFor(read, 10_000, 50);
    expect(written).toBeDefined();
    // What rsyslog did (so that this test reads the reduction, not ten plain lines).
    const lines = written!.split('\n').filter((l) => l !== '');
    expect(lines.map((l) => /message repeated (\d+) times: \[/.exec(l)?.[1] ?? '-')).toEqual(['-', '3', '-', '2', '-', '2', '-']);
    expect(lines[5]!.length).toBeLessThan(long.length); // the 800-byte cut inside the brackets

    const r = runCli([out, '--format', 'json']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as Report;
    const certificate = (l: string): string => /certificate: "([^"]*)"/.exec(l)![1]!;
    const of = (cause: string, server: string, value: (v: string | undefined) => boolean) =>
      report.findings
        .filter((f) => f.cause === cause && f.server === server && value(f.subject.certificate ?? f.subject.serial))
        .map((f) => f.count);
    expect(of('responder-unreachable', 'nginx', (v) => v === certificate(nginx))).toEqual([4]);
    expect(of('certificate-revoked', 'apache', (v) => v !== undefined)).toEqual([3]);
    // The repeated copy of the long line is cut inside its certificate path: a fragment, two occurrences (the whole
    // line before it is one finding; the cut copy, which lacks the path's end, is not taken for the same certificate).
    expect(of('responder-unreachable', 'nginx', (v) => v === certificate(long))).toEqual([1]);
    expect(of('responder-unreachable', 'nginx', (v) => v !== certificate(long) && v !== certificate(nginx))).toEqual([2]);
    expect(report.stats.lines).toBe(lines.length);
  }, 40_000);
});
