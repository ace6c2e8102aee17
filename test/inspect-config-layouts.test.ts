/**
 * `--config` on configurations laid out the way users have them — Debian nginx and Apache
 * (`sites-enabled/` symlinks, `snippets/`, `mods-enabled/`, `conf-enabled/`, `envvars`) and RHEL httpd
 * (`conf/httpd.conf`, `conf.modules.d/`, `conf.d/`, `Define`) — from the fixture trees in
 * test/fixtures/config/, and from the saved output of the servers' own dumps of them (`nginx -T`,
 * `apachectl -t -D DUMP_INCLUDES`, `-D DUMP_CONFIG`, `-S`) in each fixture's `dumps/`.
 *
 * The real-server part runs nginx 1.22 and Apache 2.4 on the fixtures at their real paths (in a
 * private mount namespace): their dumps must equal the saved ones (`STAPLING_CAPTURE_CONFIG=1`
 * rewrites them), nginx must read the files we read in the same order, and Apache's own list of
 * virtual hosts (`apachectl -S`) must be ours.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fsConfigReader, readServerConfig, type ServerConfig, type SiteCertificates } from '../src/inspect/config.js';
import type { Pki } from './servers/pki.js';
import { tempDir } from './helpers/cli.js';
import {
  CONFIG_FIXTURES,
  createConfigPki,
  describeWithRealServers,
  inNamespace,
  stageFixture,
  type StagedConfig,
} from './helpers/config-lab.js';

const CAPTURE = process.env.STAPLING_CAPTURE_CONFIG === '1';
const tmp = tempDir('sd-config-layouts-');
let pki: Pki;
const staged = new Map<string, StagedConfig>();

/** The dumps saved per fixture: file name → the command run in the namespace (as a user would, from a shell). */
const CASES: { name: string; main: string; dumps: Record<string, string> }[] = [
  {
    name: 'debian-nginx-shared-certificate',
    main: '/etc/nginx/nginx.conf',
    dumps: { 'nginx-T.txt': 'nginx -T 2>/dev/null' },
  },
  {
    name: 'debian-apache-shared-certificate',
    main: '/etc/apache2/apache2.conf',
    dumps: {
      'apachectl-DUMP_INCLUDES.txt': 'apache2ctl -t -D DUMP_INCLUDES 2>/dev/null',
      'apachectl-DUMP_CONFIG.txt': 'apache2ctl -t -D DUMP_CONFIG 2>/dev/null',
      'apachectl-S.txt': 'apache2ctl -S 2>/dev/null',
    },
  },
  {
    name: 'rhel-httpd',
    main: '/etc/httpd/conf/httpd.conf',
    dumps: {
      'httpd-DUMP_INCLUDES.txt': 'apache2ctl -f /etc/httpd/conf/httpd.conf -t -D DUMP_INCLUDES 2>/dev/null',
      'httpd-DUMP_CONFIG.txt': 'apache2ctl -f /etc/httpd/conf/httpd.conf -t -D DUMP_CONFIG 2>/dev/null',
    },
  },
];

beforeAll(async () => {
  pki = await createConfigPki(path.join(tmp.dir, 'pki'));
  for (const c of CASES) staged.set(c.name, stageFixture(c.name, path.join(tmp.dir, c.name), pki));
}, 60_000);
afterAll(() => tmp.cleanup());

const stage = (name: string) => staged.get(name)!;
const read = (name: string, file: string): ServerConfig => readServerConfig(file, fsConfigReader(fs, stage(name).paths));
const dumpFile = (name: string, dump: string) => path.join(CONFIG_FIXTURES, name, 'dumps', dump);

/** The parts of a block the tests compare (paths in named form). */
function summary(s: SiteCertificates) {
  return {
    block: `${s.file}:${s.line}`,
    names: s.names,
    serverName: s.serverName,
    port: s.port,
    listen: s.addresses.map((a) => a.raw),
    certificates: s.certificates,
    chain: s.chainFiles,
    trusted: s.trustedFiles,
    stapling: s.stapling,
    verify: s.staplingVerify,
    forced: s.forcedResponder,
    resolver: s.resolver,
    cache: s.staplingCache,
  };
}

describe('Debian nginx: nginx.conf, conf.d/, sites-enabled/ symlinks, a snippet included by two server blocks', () => {
  test('every server block, with what it inherits from http {} and what the snippet gives it', () => {
    const c = read('debian-nginx-shared-certificate', '/etc/nginx/nginx.conf');
    expect(c.issues).toEqual([]);
    expect(c.files).toEqual([
      '/etc/nginx/nginx.conf',
      '/etc/nginx/mime.types',
      '/etc/nginx/conf.d/stapling.conf',
      '/etc/nginx/sites-enabled/a.example',
      '/etc/nginx/snippets/shared-certificate.conf',
      '/etc/nginx/sites-enabled/b.example',
      '/etc/nginx/sites-enabled/default',
    ]);
    const shared = '/etc/ssl/stapling-doctor/shared.pem';
    const common = { chain: [], stapling: true, verify: true, forced: null, resolver: ['127.0.0.53'], cache: null, port: 443 };
    expect(c.sites.map(summary)).toEqual([
      {
        ...common,
        block: '/etc/nginx/sites-enabled/a.example:2',
        names: ['a.example', 'www.a.example'],
        serverName: 'a.example',
        listen: ['127.0.0.1:443 ssl'],
        certificates: [shared],
        trusted: ['/etc/ssl/stapling-doctor/issuer-chain.pem'],
      },
      {
        ...common,
        block: '/etc/nginx/sites-enabled/b.example:3',
        names: ['b.example'],
        serverName: 'b.example',
        listen: ['127.0.0.2:443 ssl'],
        certificates: [shared],
        trusted: ['/etc/ssl/stapling-doctor/foreign-ca.pem'],
      },
      {
        ...common,
        block: '/etc/nginx/sites-enabled/default:1',
        names: ['_'],
        serverName: '_',
        port: 80,
        listen: ['80 default_server', '[::]:80 default_server'],
        certificates: [],
        trusted: [],
      },
    ]);
    const a = c.sites[0]!;
    expect(a.directives.find((d) => d.name === 'ssl_certificate')).toMatchObject({
      file: '/etc/nginx/snippets/shared-certificate.conf',
      line: 2,
    });
    expect(a.directives.find((d) => d.name === 'ssl_stapling')).toMatchObject({ file: '/etc/nginx/conf.d/stapling.conf', line: 2 });
    expect(a.files).toEqual(['/etc/nginx/sites-enabled/a.example', '/etc/nginx/snippets/shared-certificate.conf']);
  });
});

describe('Debian Apache: apache2.conf, envvars, mods-enabled/, conf-enabled/, sites-enabled/ symlinks', () => {
  test('every VirtualHost; ${APACHE_*} from envvars; the main server has no certificate so it is not a block', () => {
    const c = read('debian-apache-shared-certificate', '/etc/apache2/apache2.conf');
    expect(c.issues).toEqual([]);
    expect(c.files).toContain('/etc/apache2/envvars');
    const common = { chain: [], verify: null, forced: null, resolver: null, cache: 'shmcb:/var/run/apache2/ssl_stapling(32768)' };
    const shared = '/etc/ssl/stapling-doctor/shared.pem';
    expect(c.sites.map(summary)).toEqual([
      {
        ...common,
        block: '/etc/apache2/sites-enabled/000-default.conf:1',
        names: [],
        serverName: null,
        port: 80,
        listen: ['*:80'],
        certificates: [],
        trusted: [],
        stapling: null,
      },
      {
        ...common,
        block: '/etc/apache2/sites-enabled/a-example-ssl.conf:2',
        names: ['a.example', 'www.a.example'],
        serverName: 'a.example',
        port: 443,
        listen: ['*:443'],
        certificates: [shared],
        trusted: ['/etc/ssl/stapling-doctor/issuer-chain.pem'],
        stapling: true,
      },
      {
        ...common,
        block: '/etc/apache2/sites-enabled/b-example-ssl.conf:2',
        names: ['b.example'],
        serverName: 'b.example',
        port: 443,
        listen: ['*:443'],
        certificates: [shared],
        trusted: ['/etc/ssl/stapling-doctor/foreign-ca.pem'],
        stapling: true,
      },
    ]);
  });
});

describe('RHEL httpd: conf/httpd.conf with ServerRoot /etc/httpd, conf.modules.d/, conf.d/, Define', () => {
  test('the _default_ vhost takes the main ServerName and its own port; ${CERTDIR} from Define; a chain file and a forced URL', () => {
    const c = read('rhel-httpd', '/etc/httpd/conf/httpd.conf');
    expect(c.issues).toEqual([]);
    const cache = 'shmcb:/run/httpd/ssl_stapling(32768)';
    expect(c.sites.map(summary)).toEqual([
      {
        block: '/etc/httpd/conf.d/shop.conf:2',
        names: ['shop.rhel.example', 'www.shop.rhel.example'],
        serverName: 'shop.rhel.example',
        port: 443,
        listen: ['*:443'],
        certificates: ['/etc/pki/tls/certs/shop.crt'],
        chain: ['/etc/pki/tls/certs/shop-chain.pem'],
        trusted: [],
        stapling: true,
        verify: null,
        forced: 'http://ocsp.rhel.example/',
        resolver: null,
        cache,
      },
      {
        block: '/etc/httpd/conf.d/ssl.conf:11',
        names: ['www.rhel.example'],
        serverName: 'www.rhel.example',
        port: 443,
        listen: ['_default_:443'],
        certificates: ['/etc/pki/tls/certs/localhost.crt'],
        chain: [],
        trusted: [],
        stapling: true,
        verify: null,
        forced: null,
        resolver: null,
        cache,
      },
    ]);
  });
});

describe('saved dumps read like the files they came from', () => {
  const cases = CASES.flatMap((c) => Object.keys(c.dumps).map((d) => [c.name, d, c.main] as const)).filter(
    ([, d]) => !d.endsWith('-S.txt'),
  );
  test.each(cases)('%s: %s', (name, dump, main) => {
    const fromFiles = read(name, main);
    const fromDump = read(name, dumpFile(name, dump));
    expect(fromDump.issues.filter((p) => p.severity === 'error')).toEqual([]);
    expect(fromDump.source).not.toBe('files');
    // DUMP_CONFIG has no line numbers for closing tags: compare blocks without their end.
    const strip = (s: SiteCertificates) => ({ ...s, end: null });
    expect(fromDump.sites.map(strip)).toEqual(fromFiles.sites.map(strip));
  });

  test('apachectl -S output names no certificates: an error that says what to give instead', () => {
    const c = read('debian-apache-shared-certificate', dumpFile('debian-apache-shared-certificate', 'apachectl-S.txt'));
    expect(c.sites).toEqual([]);
    expect(c.issues).toHaveLength(1);
    expect(c.issues[0]).toMatchObject({ kind: 'dump', severity: 'error' });
    expect(c.issues[0]!.message).toMatch(/DUMP_CONFIG/);
  });
});

/** `apachectl -S` lines → `addr name (file:line)` for every named virtual host. */
function vhostsOfDumpVhosts(text: string): string[] {
  const out: string[] = [];
  let addr = '';
  for (const l of text.split('\n')) {
    const head = /^(\S+:\d+)\s+(?:is a NameVirtualHost|(\S+) \((.+)\))$/.exec(l);
    if (head) {
      addr = head[1]!;
      if (head[2]) out.push(`${addr} ${head[2]} (${head[3]})`);
      continue;
    }
    const named = /^\s+port \d+ namevhost (\S+) \((.+)\)$/.exec(l);
    if (named) out.push(`${addr} ${named[1]} (${named[2]})`);
  }
  return out.sort();
}

describeWithRealServers('the real nginx 1.22 and Apache 2.4 on the fixtures', () => {
  // apachectl -S is left out: it lists mutexes in hash order and unnamed vhosts by reverse DNS (see below).
  const exact = CASES.flatMap((c) => Object.entries(c.dumps).map(([d, cmd]) => [c.name, d, cmd] as const));
  test.each(CAPTURE ? exact : exact.filter(([, d]) => !d.endsWith('-S.txt')))(
    '%s: %s is what `%s` prints',
    async (name, dump, cmd) => {
      const r = await inNamespace(stage(name), ['sh', '-c', cmd]);
      const file = dumpFile(name, dump);
      if (CAPTURE) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, r.stdout);
      }
      expect(r.stdout).toBe(fs.readFileSync(file, 'utf8'));
    },
    30_000,
  );

  test('nginx reads the files we read, in the same order (nginx -T lists each file once, as read)', () => {
    const name = 'debian-nginx-shared-certificate';
    const listed = [...fs.readFileSync(dumpFile(name, 'nginx-T.txt'), 'utf8').matchAll(/^# configuration file (.+):$/gm)].map((m) => m[1]);
    expect(read(name, '/etc/nginx/nginx.conf').files).toEqual(listed);
  });

  test.each([
    ['debian-apache-shared-certificate', '/etc/apache2/apache2.conf', 'apache2ctl -S'],
    ['rhel-httpd', '/etc/httpd/conf/httpd.conf', 'apache2ctl -f /etc/httpd/conf/httpd.conf -S'],
  ])('%s: the virtual hosts are those apachectl -S lists (address, name, file:line)', async (name, main, cmd) => {
    const r = await inNamespace(stage(name), ['sh', '-c', `${cmd} 2>/dev/null`]);
    // httpd prints _default_ as *, and a vhost without ServerName under its reverse-DNS name
    // (machine-dependent): for those, the address and file:line are compared.
    const ours = read(name, main)
      .sites.filter((s) => s.kind === 'virtualhost')
      .flatMap((s) => s.listen.map((l) => `${l.replace(/^_default_:/, '*:')} ${s.serverName ?? '?'} (${s.file}:${s.line})`))
      .sort();
    const unnamed = new Set(ours.filter((v) => v.includes(' ? ')).map((v) => v.replace(' ? ', ' ')));
    const theirs = vhostsOfDumpVhosts(r.stdout)
      .map((v) => (unnamed.has(v.replace(/ \S+ \(/, ' (')) ? v.replace(/ \S+ \(/, ' ? (') : v))
      .sort();
    expect(theirs.length).toBeGreaterThan(0);
    expect(ours).toEqual(theirs);
  });
});
