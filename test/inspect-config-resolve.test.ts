/**
 * Which blocks a finding is about (`resolveSites`): the shared-certificate case of issue 13 — two nginx
 * `server {}`s with the same `ssl_certificate` and different `ssl_trusted_certificate`, two Apache
 * `<VirtualHost>`s with the same `SSLCertificateFile` — gives both blocks (and says how they differ)
 * until the log gives a place (vhost id, listen address, server name, file:line), which then picks one.
 * On the Debian and RHEL fixtures, with the test PKI's certificates; plus a generated check that the
 * candidates are exactly the blocks that fit the hints.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { analyze } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';
import {
  agreeingCandidate,
  candidatesFor,
  endpointsOf,
  fsConfigReader,
  hintsOf,
  memoryConfigReader,
  readNginxConfig,
  readServerConfig,
  resolveSites,
  type Resolution,
  type ServerConfig,
  type SiteHints,
} from '../src/inspect/config.js';
import { dnLine, splitPem } from '../src/x509/x509.js';
import type { Pki } from './servers/pki.js';
import { tempDir } from './helpers/cli.js';
import { createConfigPki, stageFixture, type StagedConfig } from './helpers/config-lab.js';

const rules = await loadRules();
const tmp = tempDir('sd-config-resolve-');
let pki: Pki;
let nginx: StagedConfig;
let apache: StagedConfig;
let rhel: StagedConfig;
let ngxConf: ServerConfig;
let apacheConfs: ServerConfig[];

beforeAll(async () => {
  pki = await createConfigPki(path.join(tmp.dir, 'pki'));
  nginx = stageFixture('debian-nginx-shared-certificate', path.join(tmp.dir, 'nginx'), pki);
  apache = stageFixture('debian-apache-shared-certificate', path.join(tmp.dir, 'apache'), pki);
  rhel = stageFixture('rhel-httpd', path.join(tmp.dir, 'rhel'), pki);
  // A copy of the shared certificate under another name (a log captured on another machine names it so).
  fs.copyFileSync(pki.leaves.shared!.cert, path.join(nginx.root, 'etc/ssl/stapling-doctor/copy-of-shared.pem'));
  ngxConf = readServerConfig('/etc/nginx/nginx.conf', fsConfigReader(fs, nginx.paths));
  apacheConfs = [
    readServerConfig('/etc/apache2/apache2.conf', fsConfigReader(fs, apache.paths)),
    readServerConfig('/etc/httpd/conf/httpd.conf', fsConfigReader(fs, rhel.paths)),
  ];
}, 60_000);
afterAll(() => tmp.cleanup());

/** The first certificate of a PEM file, read through a stage's --map-path. */
const leafReader =
  (stage: () => StagedConfig) =>
  (file: string): X509Certificate | null => {
    try {
      return splitPem(fs.readFileSync(stage().paths.toReal(file), 'utf8'))[0]?.cert ?? null;
    } catch {
      return null;
    }
  };
/** Apache blocks: each configuration read through its own stage. */
const apacheLeaf = (file: string) => leafReader(() => apache)(file) ?? leafReader(() => rhel)(file);

const blocks = (r: Resolution) => r.candidates.map((c) => c.block);
const SHARED = '/etc/ssl/stapling-doctor/shared.pem';
const NGX_A = '/etc/nginx/sites-enabled/a.example:2';
const NGX_B = '/etc/nginx/sites-enabled/b.example:3';
const AP_A = '/etc/apache2/sites-enabled/a-example-ssl.conf:2';
const AP_B = '/etc/apache2/sites-enabled/b-example-ssl.conf:2';
const RHEL_DEFAULT = '/etc/httpd/conf.d/ssl.conf:11';
const RHEL_SHOP = '/etc/httpd/conf.d/shop.conf:2';

describe('nginx: two server blocks share ssl_certificate, with different ssl_trusted_certificate', () => {
  const resolve = (h: SiteHints) =>
    resolveSites([ngxConf], { server: 'nginx', certificate: SHARED, ...h }, { leafOf: leafReader(() => nginx), paths: nginx.paths });

  test('the log names only the certificate (nginx stapling lines have no server:): both blocks, and they differ in trustedFiles', () => {
    const r = resolve({});
    expect(blocks(r)).toEqual([NGX_A, NGX_B]);
    expect(r.differences).toEqual(['trustedFiles']);
    expect(r.used).toEqual(['certificate']);
    expect(r.candidates.map((c) => [c.certificate, c.certificateIndex, c.site.trustedFiles])).toEqual([
      [SHARED, 0, ['/etc/ssl/stapling-doctor/issuer-chain.pem']],
      [SHARED, 0, ['/etc/ssl/stapling-doctor/foreign-ca.pem']],
    ]);
  });

  test.each([
    ['listen address', { listen: '127.0.0.2:443' }, [NGX_B]],
    ['listen address of the other', { listen: '127.0.0.1:443' }, [NGX_A]],
    ['first server_name', { serverName: 'b.example' }, [NGX_B]],
    ['another server_name of the block', { serverName: 'www.a.example' }, [NGX_A]],
    ['file:line inside a block', { configFile: '/etc/nginx/sites-enabled/b.example:8' }, [NGX_B]],
    ['file:line of the snippet both include', { configFile: '/etc/nginx/snippets/shared-certificate.conf:2' }, [NGX_A, NGX_B]],
  ])('a %s picks the block it fits', (_, hint, want) => {
    const r = resolve(hint);
    expect(blocks(r)).toEqual(want);
    expect(r.unmatched).toEqual([]);
    expect(r.differences).toEqual(want.length > 1 ? ['trustedFiles'] : []);
  });

  test('a place hint that fits no block is reported, not applied: the candidates stay', () => {
    const r = resolve({ serverName: 'c.example', listen: '10.0.0.1:8443' });
    expect(blocks(r)).toEqual([NGX_A, NGX_B]);
    expect(r.unmatched).toEqual([
      { hint: 'listen', value: '10.0.0.1:8443' },
      { hint: 'serverName', value: 'c.example' },
    ]);
  });

  test('the certificate under another path (a log from another machine): matched by content', () => {
    const r = resolve({ certificate: '/etc/ssl/stapling-doctor/copy-of-shared.pem' });
    expect(blocks(r)).toEqual([NGX_A, NGX_B]);
    expect(r.candidates[0]!.certificate).toBe(SHARED);
  });

  test('a certificate no block uses: no candidate (this is not the configuration that logged)', () => {
    const r = resolve({ certificate: '/etc/ssl/stapling-doctor/issuer-chain.pem' });
    expect(r.candidates).toEqual([]);
    expect(r.unmatched).toEqual([{ hint: 'certificate', value: '/etc/ssl/stapling-doctor/issuer-chain.pem' }]);
  });

  test('from a finding: the real nginx warning for the shared certificate gives both blocks; no single judgement stands for them', () => {
    // What nginx -t printed on this fixture (see the layouts test): logged for b.example's block only.
    const line = `2026/12/01 23:20:21 [warn] 28380#28380: "ssl_stapling" ignored, issuer certificate not found for certificate "${SHARED}"`;
    const f = analyze([line], rules).findings[0]!;
    const r = candidatesFor(f, [ngxConf], { leafOf: leafReader(() => nginx), paths: nginx.paths });
    expect(blocks(r)).toEqual([NGX_A, NGX_B]);
    expect(agreeingCandidate(r)).toBeNull();
  });

  test('blocks that share a certificate and agree on every setting: one judgement stands for all', () => {
    const text =
      'http { ssl_trusted_certificate /c/t.pem; server { server_name x; ssl_certificate /c/1.pem; } server { server_name y; ssl_certificate /c/1.pem; } }';
    const conf = readNginxConfig('/same/nginx.conf', memoryConfigReader(new Map([['/same/nginx.conf', text]])));
    const r = resolveSites([conf], { certificate: '/c/1.pem' });
    expect(r.candidates).toHaveLength(2);
    expect(r.differences).toEqual([]);
    expect(agreeingCandidate(r)).toBe(r.candidates[0]);
  });

  test('Apache hints never reach nginx blocks', () => {
    expect(resolveSites([ngxConf], { server: 'apache', certificate: SHARED }).candidates).toEqual([]);
  });

  test('where to confirm: the listen address, the port and the name to send', () => {
    expect(ngxConf.sites.map(endpointsOf)).toEqual([
      [{ host: '127.0.0.1', port: 443, serverName: 'a.example', listen: '127.0.0.1:443 ssl' }],
      [{ host: '127.0.0.2', port: 443, serverName: 'b.example', listen: '127.0.0.2:443 ssl' }],
      [], // port 80, server_name _: no TLS endpoint and no name to use
    ]);
  });
});

describe('Apache: two VirtualHosts share SSLCertificateFile (AH02217 names subject/serial; AH02604 the vhost id)', () => {
  const shared = () => ({
    certSubject: dnLine(splitPem(fs.readFileSync(pki.leaves.shared!.cert, 'utf8'))[0]!.cert!.subject),
    serial: pki.leaves.shared!.serial,
    certIssuer: 'CN=Stapling Test Intermediate CA, O=stapling-doctor tests',
  });
  const resolve = (h: SiteHints) => resolveSites(apacheConfs, { server: 'apache', ...h }, { leafOf: apacheLeaf });

  test('subject/serial/issuer alone: both VirtualHosts, differing in trustedFiles', () => {
    const r = resolve(shared());
    expect(blocks(r)).toEqual([AP_A, AP_B]);
    expect(r.used).toEqual(['certSubject']);
    expect(r.differences).toEqual(['trustedFiles']);
  });

  test('with the key id of AH02604 (name:port:index): the one VirtualHost, and its certificate', () => {
    const r = resolve({ ...shared(), vhost: 'b.example:443:0' });
    expect(blocks(r)).toEqual([AP_B]);
    expect(r.candidates[0]).toMatchObject({ certificate: SHARED, certificateIndex: 0, matched: ['certSubject', 'vhost'] });
  });

  test('a vhost id alone (AH02604 without AH02217) picks the block; the _default_ vhost answers to the main ServerName', () => {
    expect(blocks(resolve({ vhost: 'a.example:443' }))).toEqual([AP_A]);
    expect(blocks(resolve({ vhost: 'www.rhel.example:443:0' }))).toEqual([RHEL_DEFAULT]);
    expect(blocks(resolve({ vhost: 'a.example:8443' }))).toEqual([]);
  });

  test("another certificate's serial: the block in the other configuration that uses it", () => {
    const r = resolve({ serial: pki.leaves.other!.serial });
    expect(blocks(r)).toEqual([RHEL_DEFAULT]);
    expect(r.candidates[0]!.config.file).toBe('/etc/httpd/conf/httpd.conf');
  });

  test('the responder URL of AH01940: the block that forces it', () => {
    expect(blocks(resolve({ responderUrl: 'http://ocsp.rhel.example/' }))).toEqual([RHEL_SHOP]);
  });

  test('a responder host[:port] without a certificate (AH01974): the blocks whose forced or AIA OCSP URL is at it', () => {
    // shop.conf forces http://ocsp.rhel.example/ (port 80 by default); the other leaves' AIA is http://127.0.0.1:9/.
    expect(blocks(resolve({ responder: 'ocsp.rhel.example' }))).toEqual([RHEL_SHOP]);
    expect(blocks(resolve({ responder: 'OCSP.rhel.example:80' }))).toEqual([RHEL_SHOP]);
    expect(blocks(resolve({ responder: '127.0.0.1:9' }))).toEqual([AP_A, AP_B, RHEL_DEFAULT]);
    const wrongPort = resolve({ responder: 'ocsp.rhel.example:8080' });
    expect(blocks(wrongPort)).toEqual([]);
    expect(wrongPort.unmatched).toEqual([{ hint: 'responder', value: 'ocsp.rhel.example:8080' }]);
  });

  test("a finding's responder is a hint only when the finding names no certificate", () => {
    const ah01974 = [
      "[Mon Dec 07 14:38:15.370893 2026] [ssl:error] [pid 12814:tid 12818] (111)Connection refused: [client 127.0.0.1:39854] AH01974: could not connect to OCSP responder 'ocsp.rhel.example'",
      '[Mon Dec 07 14:38:15.370934 2026] [ssl:error] [pid 12814:tid 12818] AH01941: stapling_renew_response: responder error',
    ];
    const [f] = analyze(ah01974, rules).findings;
    expect(f).toMatchObject({ cause: 'responder-unreachable', subject: { responder: 'ocsp.rhel.example' } });
    expect(blocks(candidatesFor(f!, apacheConfs, { leafOf: apacheLeaf }))).toEqual([RHEL_SHOP]);
    const named = { ...f!, subject: { ...f!.subject, certificate: SHARED } };
    expect(hintsOf(named).responder).toBeUndefined();
  });

  test('where to confirm: the ServerName (VirtualHost *:443 names no address)', () => {
    expect(apacheConfs[0]!.sites.slice(1).map(endpointsOf)).toEqual([
      [{ host: 'a.example', port: 443, serverName: 'a.example', listen: '*:443' }],
      [{ host: 'b.example', port: 443, serverName: 'b.example', listen: '*:443' }],
    ]);
    expect(endpointsOf(apacheConfs[1]!.sites[1]!)).toEqual([
      { host: 'www.rhel.example', port: 443, serverName: 'www.rhel.example', listen: '_default_:443' },
    ]);
  });
});

describe('generated configurations: the candidates are exactly the blocks that fit', () => {
  const certs = ['/c/1.pem', '/c/2.pem', '/c/3.pem'];
  const names = ['a.example', 'b.example', 'c.example'];
  const listens = ['127.0.0.1:443', '127.0.0.2:443', '443'];
  const block = fc.record({ cert: fc.constantFrom(...certs), name: fc.constantFrom(...names), listen: fc.constantFrom(...listens) });

  test('every block using the certificate, narrowed by each hint that fits some of them; never one picked among equals', () => {
    fc.assert(
      fc.property(
        fc.array(block, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...certs),
        fc.option(fc.constantFrom(...names)),
        fc.option(fc.constantFrom('127.0.0.1:443', '127.0.0.2:443', '10.0.0.1:443')),
        (bs, cert, name, listen) => {
          const text = `http {\n${bs.map((b) => `server { listen ${b.listen} ssl; server_name ${b.name}; ssl_certificate ${b.cert}; }\n`).join('')}}\n`;
          const conf = readNginxConfig('/gen/nginx.conf', memoryConfigReader(new Map([['/gen/nginx.conf', text]])));
          const hints: SiteHints = {
            server: 'nginx',
            certificate: cert,
            ...(name ? { serverName: name } : {}),
            ...(listen ? { listen } : {}),
          };
          // The oracle: filter by each hint in turn, keeping the set when a hint fits none.
          let want = bs.map((b, i) => ({ ...b, line: i + 2 })).filter((b) => b.cert === cert);
          const narrow = (fits: (b: (typeof want)[number]) => boolean) => {
            const next = want.filter(fits);
            if (next.length > 0) want = next;
          };
          if (want.length > 0 && listen) narrow((b) => b.listen === listen || b.listen === '443');
          if (want.length > 0 && name) narrow((b) => b.name === name);
          expect(blocks(resolveSites([conf], hints))).toEqual(want.map((b) => `/gen/nginx.conf:${b.line}`));
        },
      ),
      { numRuns: 300 },
    );
  });
});
