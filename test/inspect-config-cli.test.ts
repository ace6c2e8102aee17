/**
 * `--config` problems from the command line, as a user meets them: an unreadable `--config` is exit 2
 * with its path and the reason (and, with `--map-path`, the path that was tried); a FIFO is refused
 * without waiting; a syntax error is reported with file:line and the log is still analyzed; the
 * server's own `nginx -t` / `apachectl -t` verdict is reported where it can run; an include cycle ends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fsConfigReader, loadServerConfigs, readServerConfig } from '../src/inspect/config.js';
import { createPathMap } from '../src/inspect/paths.js';
import { CLI, runCli, tempDir } from './helpers/cli.js';
import { describeWithRealServers } from './helpers/config-lab.js';
import { createPki } from './servers/pki.js';

const tmp = tempDir('sd-config-cli-');
afterAll(() => tmp.cleanup());

function write(name: string, text: string): string {
  const f = path.join(tmp.dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

const nginxIssuer = (file: string) =>
  `2026/11/23 02:16:56 [warn] 5354#5354: "ssl_stapling" ignored, issuer certificate not found for certificate "${file}"`;
const log = () => write('error.log', `${nginxIssuer('/etc/ssl/x.pem')}\n`);

describe('an unreadable --config', () => {
  test('exit 2, with the path and the reason', () => {
    const missing = path.join(tmp.dir, 'no-such.conf');
    const r = runCli(['--config', missing, '--format', 'json', log()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`stapling-doctor: --config: error: ${missing}: cannot read --config ${missing}: no such file or directory`);
    expect(r.stdout).toBe('');
  });

  test('under --map-path: the path that was tried is named too', () => {
    const r = runCli(['--config', '/etc/nginx/nginx.conf', '--map-path', `/etc/nginx=${tmp.dir}/copied-etc-nginx`, log()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `cannot read --config /etc/nginx/nginx.conf: no such file or directory (read from ${tmp.dir}/copied-etc-nginx/nginx.conf)`,
    );
  });

  test('a directory, a FIFO: refused at once (a FIFO is never opened for a blocking read)', () => {
    const fifo = path.join(tmp.dir, 'config.fifo');
    spawnSync('mkfifo', [fifo]);
    for (const [arg, reason] of [
      [tmp.dir, 'is a directory'],
      [fifo, 'not a regular file (a FIFO, socket or device)'],
    ] as const) {
      const r = runCli(['--config', arg, log()]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`cannot read --config ${arg}: ${reason}`);
    }
  });
});

test('a directory holding nginx.conf (or apache2.conf, conf/httpd.conf): that file is read, and the note says so', () => {
  const dir = path.join(tmp.dir, 'etc-nginx');
  write('etc-nginx/nginx.conf', 'http { server { ssl_certificate /c/x.pem; } }\n');
  const c = readServerConfig(dir, fsConfigReader(fs));
  expect(c.file).toBe(path.join(dir, 'nginx.conf'));
  expect(c.problems).toEqual([`${dir}: a directory: read ${dir}/nginx.conf`]);
  expect(c.sites).toHaveLength(1);
});

describe('problems inside a configuration are reported, and the log is still analyzed', () => {
  test('a syntax error: file:line in nginx’s words; the findings are there (exit 1)', () => {
    const conf = write('syntax/nginx.conf', 'events {}\nhttp {\n  server {\n    listen 443 ssl\n  }\n}\n');
    const r = runCli(['--config', conf, '--format', 'json', log()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--config: error: ${conf}:5: unexpected "}"`);
    expect((JSON.parse(r.stdout) as { findings: unknown[] }).findings).toHaveLength(1);
  });

  test('an include cycle: reported with its chain, and the run ends', () => {
    const conf = write('cycle/nginx.conf', 'http { include loop.conf; }\n');
    write('cycle/loop.conf', 'include nginx.conf;\n');
    const r = runCli(['--config', conf, log()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`include cycle: ${conf} → ${path.join(tmp.dir, 'cycle/loop.conf')} → ${conf}; not followed again`);
  });

  test('a saved nginx -T of a configuration nginx rejected: says so, with nginx’s message', () => {
    const dump = write(
      'failed-T.txt',
      'nginx: [emerg] unknown directive "sl_certificate" in /etc/nginx/sites-enabled/a:7\nnginx: configuration file /etc/nginx/nginx.conf test failed\n',
    );
    const c = readServerConfig(dump, fsConfigReader(fs));
    expect(c.issues).toEqual([
      expect.objectContaining({
        kind: 'dump',
        message: expect.stringContaining('unknown directive "sl_certificate" in /etc/nginx/sites-enabled/a:7'),
      }),
    ]);
  });
});

describe('--map-path', () => {
  test('paths named under FROM are read under TO; include globs answer in the named form', () => {
    const real = path.join(tmp.dir, 'mapped');
    write('mapped/conf.d/x.conf', 'server { ssl_certificate /etc/stapling-test/pki/x.pem; }');
    const main = write('mapped/nginx.conf', 'http { include /etc/stapling-test/conf.d/*.conf; }');
    const paths = createPathMap([`/etc/stapling-test=${real}`]);
    expect(paths.toReal('/etc/stapling-test/pki/x.pem')).toBe(path.join(real, 'pki/x.pem'));
    expect(paths.toReal('/etc/stapling-testing/x')).toBe('/etc/stapling-testing/x');
    expect(paths.toNamed(path.join(real, 'a'))).toBe('/etc/stapling-test/a');
    const c = readServerConfig(main, fsConfigReader(fs, paths));
    expect(c.files).toEqual([main, '/etc/stapling-test/conf.d/x.conf']);
    expect(c.sites[0]!.certificates).toEqual(['/etc/stapling-test/pki/x.pem']);
    expect(() => createPathMap(['nonsense'])).toThrow(/FROM=TO/);
  });

  test('an unreadable include under --map-path names the mapped path tried', () => {
    const real = path.join(tmp.dir, 'mapped2');
    write('mapped2/nginx.conf', 'http { include /etc/x/site.conf; }');
    const c = readServerConfig('/etc/x/nginx.conf', fsConfigReader(fs, createPathMap([`/etc/x=${real}`])));
    expect(c.problems).toEqual([
      `/etc/x/nginx.conf:1: cannot read included /etc/x/site.conf: no such file or directory (read from ${real}/site.conf)`,
    ]);
  });
});

describeWithRealServers('the server’s own test (nginx -t, apachectl -t)', () => {
  test.each([
    [
      'nginx',
      'site.conf',
      'server {\n  listen 127.0.0.1:9;\n  server_name a.example;\n}\n',
      ['nginx', '-t', '-c'],
      /"server" directive is not allowed here/,
    ],
    [
      'apache',
      'site.conf',
      '<VirtualHost 127.0.0.1:9>\n  ServerName a.example\n</VirtualHost>\nRewriteCond %{HTTPS} off\n',
      ['apache2ctl', '-t', '-f'],
      /No MPM loaded/,
    ],
  ])(
    'a %s site file given alone is a part: its server’s test, which would fail for want of the rest, is not run',
    async (server, name, text, argv, theirs) => {
      const conf = write(`part-${server}/${name}`, text);
      const r = await loadServerConfigs([conf]);
      expect(r.configs[0]).toMatchObject({ server, part: true });
      expect(r.checks[0]).toMatchObject({ command: null, skipped: expect.stringContaining('is a part of a configuration') });
      expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
      // What the server says when it is asked all the same:
      const [cmd, ...flags] = argv;
      const run = spawnSync(cmd!, [...flags, conf], { encoding: 'utf8', timeout: 15_000 });
      expect(run.status).not.toBe(0);
      expect(run.stdout + run.stderr).toMatch(theirs);
    },
  );

  test('nginx -t names a file it cannot load but not where: the problem is placed at the directive that names it', async () => {
    const dir = path.join(tmp.dir, 'ngx-place');
    const pki = await createPki(path.join(dir, 'pki'), [{ name: 'leaf', ocspUrl: 'http://127.0.0.1:9/', status: 'good' }]);
    const leaf = pki.leaves.leaf!;
    const missing = path.join(dir, 'gone', 'chain.pem');
    const conf = write(
      'ngx-place/nginx.conf',
      `pid ${dir}/pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  server {\n    listen 127.0.0.1:9 ssl;\n    ssl_certificate ${leaf.fullchain};\n    ssl_certificate_key ${leaf.key};\n    ssl_trusted_certificate ${missing};\n  }\n}\n`,
    );
    const ngx = spawnSync('nginx', ['-t', '-q', '-e', 'stderr', '-c', conf], { encoding: 'utf8', timeout: 15_000 });
    expect(ngx.stderr).toMatch(/\[emerg\] \d+#\d+: SSL_CTX_load_verify_locations\(".*"\) failed .*\)$/m); // no " in FILE:LINE"
    const r = await loadServerConfigs([conf]);
    expect(r.problems.filter((p) => p.kind === 'server-check').map((p) => [p.file, p.line, p.message.slice(0, 40)])).toEqual([
      [conf, 9, 'nginx -t: SSL_CTX_load_verify_locations('],
    ]);
  });

  test('nginx -t rejects what our parser cannot know (an unknown directive): its words, file:line, in the problems', async () => {
    const dir = path.join(tmp.dir, 'ngx-t');
    const conf = write(
      'ngx-t/nginx.conf',
      `pid ${dir}/pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  server {\n    sl_certificate /x.pem;\n  }\n}\n`,
    );
    const r = await loadServerConfigs([conf]);
    expect(r.fatal).toBe(false);
    expect(r.checks[0]).toMatchObject({ ok: false, command: expect.arrayContaining(['-t', '-c', conf]) });
    expect(r.problems).toEqual([
      { kind: 'server-check', severity: 'error', file: conf, line: 6, message: 'nginx -t: unknown directive "sl_certificate"' },
    ]);
    const cli = runCli(['--config', conf, log()]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`--config: error: ${conf}:6: nginx -t: unknown directive "sl_certificate"`);
    const check = runCli(['check', '--config', conf]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`--config: error: ${conf}:6: nginx -t: unknown directive "sl_certificate"`);
    expect(check.stdout).toMatch(/; 1 configuration error \(on standard error\)\.$/m);
  });

  test('apachectl -t: its message and line', async () => {
    const dir = path.join(tmp.dir, 'apache-t');
    const conf = write(
      'apache-t/httpd.conf',
      `ServerRoot ${dir}\nLoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\nLoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so\nPidFile ${dir}/pid\nErrorLog ${dir}/error.log\nListen 127.0.0.1:9\nServerName t.example\n<VirtualHost *:443>\n  SSLEngine on\n</VirtualHost>\n`,
    );
    const r = await loadServerConfigs([conf]);
    expect(r.problems).toEqual([
      expect.objectContaining({
        kind: 'server-check',
        file: conf,
        line: 9,
        message: expect.stringMatching(/^apachectl -t: Invalid command 'SSLEngine'/),
      }),
    ]);
  });

  test('a configuration that passes: ok, nothing reported; under --map-path or for a dump nothing is run', async () => {
    const dir = path.join(tmp.dir, 'ngx-ok');
    const conf = write(
      'ngx-ok/nginx.conf',
      `pid ${dir}/pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp { server { listen 127.0.0.1:9; } }\n`,
    );
    expect((await loadServerConfigs([conf])).checks[0]).toMatchObject({ ok: true, problems: [] });
    const mapped = await loadServerConfigs([conf], { paths: createPathMap([`/nowhere=${dir}`]) });
    expect(mapped.checks[0]).toMatchObject({ command: null, skipped: expect.stringContaining('--map-path') });
  });

  test('run as a user other than root: what only root may open (the pid file) is a warning, not a configuration error', () => {
    const dir = path.join(tmp.dir, 'ngx-user');
    const conf = write(
      'ngx-user/nginx.conf',
      `pid /run/sd-not-root-${process.pid}.pid;\nevents {}\nhttp { server { listen 127.0.0.1:9; } }\n`,
    );
    fs.chmodSync(tmp.dir, 0o755);
    fs.chmodSync(dir, 0o755);
    const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, CLI, 'check', '--config', conf], { encoding: 'utf8' });
    expect(r.stderr).toMatch(
      new RegExp(
        `--config: warning: ${conf.replace(/[.]/g, '\\.')}: nginx -t: .*Permission denied.*\\(not root: the server's own test could not open it\\)`,
      ),
    );
    // (No TLS block in it: "no finding", not "nothing will stop stapling".)
    expect(r.stdout).toContain(
      'no finding in 0 TLS blocks with stapling on (0 TLS blocks in 1 configuration); no TLS block with a certificate',
    );
    expect(r.status).toBe(0);
    // As root the same configuration passes nginx -t: no problem at all.
    expect(runCli(['check', '--config', conf]).stderr).toBe('');
  });

  test('a file others may write is never handed to the server (its modules would run)', async () => {
    const dir = path.join(tmp.dir, 'ngx-writable');
    const conf = write('ngx-writable/nginx.conf', `pid ${dir}/pid;\nevents {}\n`);
    fs.chmodSync(conf, 0o666);
    const r = await loadServerConfigs([conf]);
    expect(r.checks[0]).toMatchObject({
      command: null,
      skipped: `${conf} is writable by group or others; the test would load the modules it names`,
    });
  });
});
