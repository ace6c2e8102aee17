/**
 * rsyslog's control-character escapes (`#011` for TAB, parser.escapeControlCharactersOnReceive, on by
 * default) undone for what rsyslog itself hands over to omprog, so that values equal the
 * plain line's; kept as written elsewhere. The real rsyslogd does it in test/fleet/omprog-mode.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rsyslogUnescaped } from '../src/parse/rsyslog-escapes.js';
import { runCli, tempDir } from './helpers/cli.js';
import { RECORDS_DIR } from './fleet/fixture-records.js';
import { realLines } from './fleet/real-lines.js';

describe('rsyslogUnescaped', () => {
  // rsyslog/rsyslog tests (commit ee72adcd88541111236a2b217fe175f9f107f4e2): imtcp-spacelf-escape.sh sends
  // `tab\tline carriage\rtest beep\abackspace\btest` and expects ` tab#011line carriage#015test beep#007backspace#010test`
  // (its 8-bit escapes are off by default, left out); imuxsock_ccmiddle.sh sends `test 1\t2`, expects ` test 1#0112`.
  test.each([
    [' tab#011line carriage#015test beep#007backspace#010test', ' tab\tline carriage#015test beep\x07backspace\btest'],
    [' test 1#0112', ' test 1\t2'],
    ['esc#033[31m red', 'esc\x1b[31m red'],
    // Not an escape of a character kept escaped (NUL, LF, CR), nor `#` and other digits (nginx's pid#tid).
    ['nul#000 lf#012 cr#015', 'nul#000 lf#012 cr#015'],
    ['2026/11/23 02:17:07 [error] 6172#6172: a#0x #040 #08', '2026/11/23 02:17:07 [error] 6172#6172: a#0x #040 #08'],
  ])('%j → %j', (escaped, plain) => {
    expect(rsyslogUnescaped(escaped)).toBe(plain);
  });

  test('in a JSON record (the README template) the escape becomes a JSON escape inside the string', () => {
    const rec = '{"host":"web01", "program":"nginx", "message":" a\\/tab#011here#033[0m"}';
    expect(JSON.parse(rsyslogUnescaped(rec))).toEqual({ host: 'web01', program: 'nginx', message: ' a/tab\there\x1b[0m' });
  });
});

describe('omprog reads a path with a control character as the plain line has it', () => {
  // What rsyslog hands omprog for a real nginx line whose certificate path holds a TAB and an ESC (the
  // first web01 record of the captured fixture, its path changed as rsyslog writes such a path).
  const revoked = realLines('nginx-revoked.log')[0]!;
  const withControls = revoked.replace('leaf-revoked-fullchain.pem', 'tab\there/esc\x1b[31m.pem');
  const fixture = fs.readFileSync(path.join(RECORDS_DIR, 'rsyslog-omprog-json-rfc3164-two-hosts.ndjson'), 'utf8').split('\n');
  const record = fixture.find((l) => l.includes('revoked'))!;
  const escaped = record.replace('leaf-revoked-fullchain.pem', 'tab#011here\\/esc#033[31m.pem');

  test('omprog: the finding names the certificate the plain CLI names', () => {
    expect(escaped).not.toBe(record);
    const { dir, cleanup } = tempDir();
    const out = path.join(dir, 'f.ndjson');
    expect(runCli(['omprog', '--output', out], { input: `${escaped}\n` }).code).toBe(0);
    const got = JSON.parse(fs.readFileSync(out, 'utf8').split('\n')[0]!) as { host: string; subject: { certificate: string } };
    const plain = JSON.parse(runCli(['--no-live', '-f', 'json', '--fail-on', 'never', '-'], { input: `${withControls}\n` }).stdout) as {
      findings: { subject: { certificate: string } }[];
    };
    expect(got.host).toBe('web01');
    expect(got.subject.certificate).toBe(plain.findings[0]!.subject.certificate);
    expect(got.subject.certificate).toContain('tab\there');
    cleanup();
  });
});
