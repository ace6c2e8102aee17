/**
 * Real Apache started as a daemon (`apache2 -k start`, as init scripts and systemd's `Type=forking`
 * unit run it) writes its first configuration pass under the process that then detaches and the real
 * pass under the detached parent: two pids for one start. The analyzer must count one occurrence per
 * start. (The other real-server tests run httpd with `-DFOREGROUND`, where both passes share a pid.)
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Report } from '../../src/findings/analyzer.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { describeIfPresent } from '../helpers/prerequisites.js';
import { APACHE_BIN, apacheLayout, writeApacheConfig } from './apache.js';
import { d } from './config.js';
import { createPki } from './pki.js';
import { freePort, run, sleep } from './proc.js';

const suite = describeIfPresent({
  suite: 'Apache daemon-start test (test/servers/apache-daemon.test.ts)',
  run: 'npm run test:servers',
  executables: [
    { name: 'apache2', path: APACHE_BIN, package: 'apache2' },
    { name: 'openssl', package: 'openssl' },
  ],
  root: 'httpd switches to User www-data',
});

/** Wait until `check` holds, polling every 100 ms, for at most `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

suite('Apache started as a daemon', () => {
  const lab = tempDir('sd-apache-daemon-');
  const layout = apacheLayout(path.join(lab.dir, 'httpd'));
  const ctl = (action: string) => run(APACHE_BIN, ['-d', layout.dir, '-f', layout.configFile, '-k', action], { timeoutMs: 15_000 });
  const pidOf = (): number | null => {
    try {
      return Number(fs.readFileSync(layout.pidFile, 'utf8').trim()) || null;
    } catch {
      return null;
    }
  };
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  /** Start as a daemon, wait until it runs; then stop it and wait until its parent is gone. */
  const startAndStop = async (): Promise<void> => {
    const r = await ctl('start');
    if (r.code !== 0) throw new Error(`apache2 -k start exited ${r.code}: ${r.stderr}`);
    await until(
      () => pidOf() !== null && fs.readFileSync(layout.errorLog, 'utf8').includes('resuming normal operations'),
      10_000,
      'httpd to start',
    );
    const pid = pidOf()!;
    await ctl('stop');
    await until(() => !alive(pid), 10_000, `httpd ${pid} to stop`);
  };

  beforeAll(async () => {
    const pki = await createPki(path.join(lab.dir, 'pki'), [{ name: 'daemon', ocspUrl: 'http://127.0.0.1:9/', status: 'good' }]);
    fs.chmodSync(lab.dir, 0o755);
    const leaf = pki.leaves.daemon!;
    for (const f of [leaf.cert, leaf.key]) fs.chmodSync(f, 0o644);
    writeApacheConfig(layout, await freePort(), {
      server: 'apache',
      'server config': [d('SSLStaplingCache', `"shmcb:${layout.dir}/run/stapling(128000)"`)],
      // the leaf alone: AH02217 "can't retrieve issuer certificate!" at every configuration pass
      VirtualHost: [d('SSLCertificateFile', leaf.cert), d('SSLCertificateKeyFile', leaf.key), d('SSLUseStapling', 'on')],
    });
  }, 60_000);

  afterAll(() => {
    const pid = pidOf();
    if (pid !== null && alive(pid)) process.kill(pid, 'SIGTERM'); // our own httpd, by the pid it wrote
    lab.cleanup();
  });

  const analyse = (): Report['findings'][number] => {
    const r = runCli(['--format', 'json', '--fail-on', 'never', layout.errorLog]);
    const findings = (JSON.parse(r.stdout) as Report).findings.filter((f) => f.cause === 'issuer-certificate-missing');
    expect(findings).toHaveLength(1);
    return findings[0]!;
  };

  test('one daemon start: two pids write the failure, one occurrence', async () => {
    await startAndStop();
    const f = analyse();
    expect(f.subject.pids).toHaveLength(2); // the daemon pattern really is in the log
    expect(f.count).toBe(1);
  }, 60_000);

  test('a second daemon start: four pids, two occurrences', async () => {
    await sleep(3_500); // a start right after the previous one's passes would fall into their window
    await startAndStop();
    const f = analyse();
    expect(f.subject.pids).toHaveLength(4);
    expect(f.count).toBe(2);
  }, 60_000);
});
