/**
 * `stapling-doctor check` (issue 13): from the configuration and the certificates alone, the causes that
 * will stop stapling, in the log analysis's finding format and cause vocabulary. Every test class runs on
 * generated nginx and Apache configurations (one broken thing each, and healthy ones that must give
 * nothing) with certificates made by the test PKI; the shared-certificate fixtures of the Debian layouts
 * give a finding for the one block that breaks. The real servers confirm the predictions in
 * test/servers (the prediction table).
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { checkConfigs, type CheckReport } from '../src/inspect/check.js';
import { createInspector } from '../src/inspect/inspect.js';
import { fsConfigReader, readServerConfig, type ServerConfig } from '../src/inspect/config.js';
import { checkStaple } from '../src/probe/ocsp.js';
import { renderFinding } from '../src/findings/render.js';
import { CHECK_SCHEMA } from '../src/format/output-schema.js';
import { loadRules } from '../src/rules/load.js';
import { createPathMap } from '../src/inspect/paths.js';
import type { Finding } from '../src/types.js';
import { createPki, issueDated, type Pki } from './servers/pki.js';
import { run, runOk } from './servers/proc.js';
import { CLI, runCli, tempDir } from './helpers/cli.js';
import { createConfigPki, stageFixture } from './helpers/config-lab.js';

const tmp = tempDir('sd-check-');
let pki: Pki;
/** A Must-Staple leaf (TLS Feature status_request) issued by the PKI's intermediate, and its full chain. */
let must: { cert: string; fullchain: string; key: string };
/** A DER OCSP response for the `good` leaf, valid for one day, made by `openssl ocsp` from the CA's index. */
let goodResponse: string;

beforeAll(async () => {
  pki = await createPki(path.join(tmp.dir, 'pki'), [
    { name: 'good', ocspUrl: 'http://127.0.0.1:9/', status: 'good' },
    { name: 'no-ocsp-url', ocspUrl: null, status: 'good' },
    { name: 'name-url', ocspUrl: 'http://ocsp.check.test/', status: 'good' },
    { name: 'https-url', ocspUrl: 'https://127.0.0.1:9/', status: 'good' },
  ]);
  const d = path.join(tmp.dir, 'extra');
  fs.mkdirSync(d);
  const f = (n: string) => path.join(d, n);
  fs.writeFileSync(
    f('ms.cnf'),
    '[ms]\nbasicConstraints=CA:FALSE\ntlsfeature=status_request\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:9/\n',
  );
  await runOk('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    f('ms.key'),
    '-subj',
    '/CN=must.check.test',
    '-out',
    f('ms.csr'),
  ]);
  await runOk(
    'openssl',
    ['x509', '-req', '-in', f('ms.csr'), '-CA', pki.inter.cert, '-CAkey', pki.inter.key, '-set_serial', '0x5151', '-days', '30'].concat([
      '-extfile',
      f('ms.cnf'),
      '-extensions',
      'ms',
      '-out',
      f('ms.pem'),
    ]),
  );
  fs.writeFileSync(f('ms-fullchain.pem'), fs.readFileSync(f('ms.pem'), 'utf8') + fs.readFileSync(pki.inter.cert, 'utf8'));
  must = { cert: f('ms.pem'), fullchain: f('ms-fullchain.pem'), key: f('ms.key') };
  const good = pki.leaves.good!;
  await runOk('openssl', ['ocsp', '-issuer', pki.inter.cert, '-cert', good.cert, '-no_nonce', '-reqout', f('req.der')]);
  await runOk(
    'openssl',
    ['ocsp', '-index', pki.index, '-rsigner', pki.inter.cert, '-rkey', pki.inter.key, '-CA', pki.inter.cert].concat([
      '-reqin',
      f('req.der'),
      '-respout',
      f('good.der'),
      '-ndays',
      '1',
    ]),
  );
  goodResponse = f('good.der');
}, 60_000);
afterAll(() => tmp.cleanup());

let n = 0;
function write(text: string, ext: string): string {
  const file = path.join(tmp.dir, 'conf', `${++n}.${ext}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** An nginx configuration with one TLS server block (and `http` directives). */
const nginx = (server: string, http = '') =>
  write(
    `events {}\nhttp {\n  ${http}\n  server {\n    listen 127.0.0.1:8443 ssl;\n    server_name www.check.test;\n${server}\n  }\n}\n`,
    'nginx.conf',
  );
/** An Apache configuration with one TLS VirtualHost (and server-config directives; a stapling cache unless `cache` is false). */
const apache = (vhost: string, global = '', cache = true) =>
  write(
    `${cache ? 'SSLStaplingCache shmcb:/tmp/stapling(32768)\n' : ''}${global}\n<VirtualHost 127.0.0.1:8443>\n  ServerName www.check.test\n  SSLEngine on\n${vhost}\n</VirtualHost>\n`,
    'httpd.conf',
  );

function check(files: string[], now = Date.now()): CheckReport {
  const reader = fsConfigReader(fs);
  const configs: ServerConfig[] = files.map((c) => readServerConfig(c, reader));
  const readFile = (f: string) => {
    try {
      return { bytes: fs.readFileSync(f) };
    } catch (e) {
      return { error: (e as NodeJS.ErrnoException).code ?? String(e) };
    }
  };
  return checkConfigs(configs, { readPem: createInspector().readPem, readFile, readStaple: checkStaple, now });
}
const causes = (r: CheckReport) => r.findings.map((f) => f.cause).sort();

type Case = [title: string, conf: () => string, expected: string[]];

describe('nginx: each cause from its configuration class, nothing from a healthy one', () => {
  const good = () => pki.leaves.good!;
  const verify = () => `ssl_stapling_verify on; ssl_trusted_certificate ${pki.issuerChain};`;
  const cases: Case[] = [
    [
      'healthy: full chain, verified with the whole chain',
      () => nginx(`ssl_certificate ${good().fullchain}; ssl_stapling on; ${verify()}`),
      [],
    ],
    ['healthy: full chain, not verified', () => nginx(`ssl_certificate ${good().fullchain}; ssl_stapling on;`), []],
    [
      'healthy: leaf only, issuer in ssl_trusted_certificate',
      () => nginx(`ssl_certificate ${good().cert}; ssl_stapling on; ${verify()}`),
      [],
    ],
    ['healthy: stapling inherited from http', () => nginx(`ssl_certificate ${good().fullchain};`, 'ssl_stapling on;'), []],
    ['stapling off: nothing to predict', () => nginx(`ssl_certificate ${good().cert}; ssl_stapling off;`), []],
    [
      'a variable in ssl_certificate (loaded per handshake: never stapled)',
      () => nginx(`ssl_certificate ${path.dirname(good().cert)}/$ssl_server_name.pem; ssl_stapling on;`),
      ['stapling-config-invalid'],
    ],
    ['a variable in ssl_certificate, stapling off: nothing', () => nginx(`ssl_certificate /c/$ssl_server_name.pem; ssl_stapling off;`), []],
    ['leaf only, no trusted file', () => nginx(`ssl_certificate ${good().cert}; ssl_stapling on;`), ['issuer-certificate-missing']],
    ['self-signed', () => nginx(`ssl_certificate ${pki.selfSigned.cert}; ssl_stapling on;`), ['self-signed-certificate']],
    ['no AIA OCSP URL', () => nginx(`ssl_certificate ${pki.leaves['no-ocsp-url']!.fullchain}; ssl_stapling on;`), ['ocsp-url-missing']],
    [
      'no AIA OCSP URL, but ssl_stapling_responder',
      () => nginx(`ssl_certificate ${pki.leaves['no-ocsp-url']!.fullchain}; ssl_stapling on; ssl_stapling_responder http://127.0.0.1:9/;`),
      [],
    ],
    [
      'an https:// OCSP URL',
      () => nginx(`ssl_certificate ${pki.leaves['https-url']!.fullchain}; ssl_stapling on;`),
      ['responder-url-invalid'],
    ],
    [
      'ssl_stapling_responder https://',
      () => nginx(`ssl_certificate ${good().fullchain}; ssl_stapling on; ssl_stapling_responder https://127.0.0.1:9/;`),
      ['responder-url-invalid'],
    ],
    [
      'a responder name, no resolver',
      () => nginx(`ssl_certificate ${pki.leaves['name-url']!.fullchain}; ssl_stapling on;`),
      ['resolver-missing'],
    ],
    [
      'a responder name and a resolver',
      () => nginx(`ssl_certificate ${pki.leaves['name-url']!.fullchain}; ssl_stapling on;`, 'resolver 127.0.0.53;'),
      [],
    ],
    [
      'verify without ssl_trusted_certificate',
      () => nginx(`ssl_certificate ${good().fullchain}; ssl_stapling on; ssl_stapling_verify on;`),
      ['trusted-chain-incomplete'],
    ],
    [
      'verify with the intermediate only',
      () =>
        nginx(`ssl_certificate ${good().fullchain}; ssl_stapling on; ssl_stapling_verify on; ssl_trusted_certificate ${pki.inter.cert};`),
      ['trusted-chain-incomplete'],
    ],
    [
      'the issuer missing and an https:// URL: nginx stops at the issuer',
      () => nginx(`ssl_certificate ${pki.leaves['https-url']!.cert}; ssl_stapling on;`),
      ['issuer-certificate-missing'],
    ],
    [
      'ssl_stapling_file that does not exist',
      () => nginx(`ssl_certificate ${good().fullchain}; ssl_stapling on; ssl_stapling_file ${tmp.dir}/none.der;`),
      ['stapling-file-error'],
    ],
    [
      'ssl_stapling_file holding a PEM certificate',
      () => nginx(`ssl_certificate ${good().fullchain}; ssl_stapling on; ssl_stapling_file ${good().cert};`),
      ['stapling-file-error'],
    ],
    [
      'ssl_stapling_file with a good response',
      () => nginx(`ssl_certificate ${good().cert}; ssl_stapling on; ssl_stapling_file ${goodResponse};`),
      [],
    ],
    [
      'ssl_trusted_certificate that does not exist: nginx stops there, before the missing issuer',
      () => nginx(`ssl_certificate ${good().cert}; ssl_stapling on; ssl_trusted_certificate ${tmp.dir}/none.pem;`),
      ['trusted-chain-incomplete'],
    ],
    [
      'ssl_trusted_certificate that does not exist, without ssl_stapling_verify (nginx loads it anyway)',
      () => nginx(`ssl_certificate ${good().fullchain}; ssl_stapling on; ssl_trusted_certificate ${tmp.dir}/none.pem;`),
      ['trusted-chain-incomplete'],
    ],
    [
      'ssl_client_certificate that does not exist: the same failure, but client certificates',
      () => nginx(`ssl_certificate ${good().fullchain}; ssl_stapling on; ssl_client_certificate ${tmp.dir}/none.pem;`),
      [],
    ],
  ];
  test.each(cases)('%s', (_t, conf, expected) => {
    expect(causes(check([conf()]))).toEqual(expected);
  });

  test('two virtual hosts sharing a leaf-only certificate: one finding for both blocks, as on nginx (count 2, no one vhost named)', () => {
    const second = `</VirtualHost>\n<VirtualHost 127.0.0.1:8443>\n  ServerName b.check.test\n  SSLEngine on\n  SSLCertificateFile ${good().cert}`;
    const conf = apache(`  SSLCertificateFile ${good().cert}\n${second}`, 'SSLUseStapling on');
    const r = check([conf]);
    expect(r.findings.map((f) => [f.cause, f.count, f.subject.vhost, f.inspection?.verdictFor])).toEqual([
      ['issuer-certificate-missing', 2, undefined, [`${conf}:3`, `${conf}:8`]],
    ]);
    // One block alone keeps its vhost.
    expect(check([apache(`  SSLCertificateFile ${good().cert}\n  SSLUseStapling on`)]).findings[0]!.subject.vhost).toBe(
      'www.check.test:443',
    );
  });
});

describe('a certificate file several blocks share: the fix names every block, bounded', () => {
  const leaf = () => pki.leaves.good!.cert;
  /** Every step that goes in a block (`server`/`VirtualHost`), rendered. */
  const blockSteps = (r: CheckReport) =>
    renderFinding(r.findings[0]!).fix.steps.filter((x) => x.context === 'server' || x.context === 'VirtualHost');

  test('nginx: two configuration files, one server block each: one finding, and its fix names both files', () => {
    const a = nginx(`ssl_certificate ${leaf()}; ssl_stapling on;`);
    const b = nginx(`ssl_certificate ${leaf()}; ssl_stapling on;`);
    const r = check([a, b]);
    expect(r.findings.map((f) => [f.cause, f.count])).toEqual([['issuer-certificate-missing', 2]]);
    const steps = blockSteps(r);
    expect(steps.length).toBeGreaterThan(0);
    for (const x of steps)
      expect(x.text).toContain(
        `It is for each of the 2 server blocks that use "${leaf()}": ${a}:4 and ${b}:4 (server names www.check.test).`,
      );
  });

  test('Apache: two vhosts in one file: both blocks and both ServerNames in the fix, both blocks on the human config line', () => {
    const second = `</VirtualHost>\n<VirtualHost 127.0.0.1:8443>\n  ServerName b.check.test\n  SSLEngine on\n  SSLCertificateFile ${leaf()}`;
    const conf = apache(`  SSLCertificateFile ${leaf()}\n${second}`, 'SSLUseStapling on');
    const steps = blockSteps(check([conf]));
    expect(steps.length).toBeGreaterThan(0);
    for (const x of steps) expect(x.text).toContain(`${conf}:3 and ${conf}:8 (server names www.check.test and b.check.test).`);
    const human = runCli(['check', '--config', conf]);
    expect(human.stdout).toContain(`config: ${conf}:3 and ${conf}:8\n`);
  });

  test('seven vhosts: the first five named, the rest counted', () => {
    const vhost = (i: number) =>
      `<VirtualHost 127.0.0.1:8443>\n  ServerName v${i}.check.test\n  SSLEngine on\n  SSLCertificateFile ${leaf()}\n</VirtualHost>\n`;
    const conf = write(
      `SSLStaplingCache shmcb:/tmp/stapling(32768)\nSSLUseStapling on\n${[1, 2, 3, 4, 5, 6, 7].map(vhost).join('')}`,
      'httpd.conf',
    );
    const r = check([conf]);
    expect(r.findings.map((f) => f.count)).toEqual([7]);
    const blocks = [3, 8, 13, 18, 23].map((l) => `${conf}:${l}`).join(', ');
    for (const x of blockSteps(r))
      expect(x.text).toContain(
        `It is for each of the 7 <VirtualHost>s that use "${leaf()}": ${blocks} and 2 more (server names v1.check.test, v2.check.test, v3.check.test, v4.check.test, v5.check.test and 2 more).`,
      );
  });

  test('one block: no such sentence', () => {
    const r = check([nginx(`ssl_certificate ${leaf()}; ssl_stapling on;`)]);
    for (const x of blockSteps(r)) expect(x.text).not.toContain('It is for each of');
  });
});

test('nginx: a responder name from ssl_stapling_responder and no resolver: the evidence names the directive that gave the name', () => {
  const conf = nginx(`ssl_certificate ${pki.leaves.good!.fullchain}; ssl_stapling on;\n    ssl_stapling_responder http://localhost:8888/;`);
  const [f] = check([conf]).findings;
  expect([f!.cause, f!.subject.responder, f!.evidence.filter((e) => e.source === 'config').map((e) => e.text)]).toEqual([
    'resolver-missing',
    'localhost',
    ['ssl_stapling on;', 'ssl_stapling_responder http://localhost:8888/;'],
  ]);
});

describe('Apache: each cause from its configuration class, nothing from a healthy one', () => {
  const good = () => pki.leaves.good!;
  const cases: Case[] = [
    ['healthy: full chain', () => apache(`  SSLCertificateFile ${good().fullchain}\n  SSLUseStapling on`), []],
    [
      'healthy: leaf only, SSLCertificateChainFile',
      () => apache(`  SSLCertificateFile ${good().cert}\n  SSLCertificateChainFile ${pki.inter.cert}\n  SSLUseStapling on`),
      [],
    ],
    [
      'healthy: leaf only, issuer in SSLCACertificateFile',
      () => apache(`  SSLCertificateFile ${good().cert}\n  SSLUseStapling on`, `SSLCACertificateFile ${pki.inter.cert}`),
      [],
    ],
    [
      'healthy: a responder name (Apache uses the system resolver)',
      () => apache(`  SSLCertificateFile ${pki.leaves['name-url']!.fullchain}\n  SSLUseStapling on`),
      [],
    ],
    ['leaf only', () => apache(`  SSLCertificateFile ${good().cert}\n  SSLUseStapling on`), ['issuer-certificate-missing']],
    ['self-signed', () => apache(`  SSLCertificateFile ${pki.selfSigned.cert}\n  SSLUseStapling on`), ['self-signed-certificate']],
    [
      'no AIA OCSP URL',
      () => apache(`  SSLCertificateFile ${pki.leaves['no-ocsp-url']!.fullchain}\n  SSLUseStapling on`),
      ['ocsp-url-missing'],
    ],
    [
      'no AIA OCSP URL, SSLStaplingForceURL http://',
      () =>
        apache(
          `  SSLCertificateFile ${pki.leaves['no-ocsp-url']!.fullchain}\n  SSLUseStapling on\n  SSLStaplingForceURL http://127.0.0.1:9/`,
        ),
      [],
    ],
    [
      'SSLStaplingForceURL https://',
      () => apache(`  SSLCertificateFile ${good().fullchain}\n  SSLUseStapling on\n  SSLStaplingForceURL https://127.0.0.1:9/`),
      ['responder-url-invalid'],
    ],
    [
      'no SSLStaplingCache',
      () => apache(`  SSLCertificateFile ${good().fullchain}\n  SSLUseStapling on`, '', false),
      ['stapling-cache-problem'],
    ],
    ['no SSLStaplingCache, stapling off: nothing', () => apache(`  SSLCertificateFile ${good().fullchain}`, '', false), []],
  ];
  test.each(cases)('%s', (_t, conf, expected) => {
    expect(causes(check([conf()]))).toEqual(expected);
  });

  // httpd looks SSLStaplingCache's provider up after reading every file (LoadModule runs on read), so where the
  // LoadModule is does not matter; with none for the provider it refuses to start. Generated over the provider,
  // the modules loaded, their place, and stapling on/off; a configuration without any LoadModule is not judged.
  test('SSLStaplingCache naming a socache provider no LoadModule provides: httpd refuses it; the cache line is the evidence', () => {
    const socache = (m: string) => `LoadModule socache_${m}_module modules/mod_socache_${m}.so`;
    const cacheArg: Record<string, string> = {
      shmcb: 'shmcb:/run/ocsp(128000)',
      default: 'default',
      dbm: 'dbm:/run/ocsp',
      memcache: 'memcache:127.0.0.1:11211',
      other: 'thirdparty:/x',
    };
    const provides: Record<string, string[]> = { shmcb: ['shmcb', 'default'], dbm: ['dbm', 'default'], memcache: ['memcache'] };
    for (const provider of Object.keys(cacheArg))
      for (const loaded of [[], ['shmcb'], ['dbm'], ['memcache', 'dbm']])
        for (const after of [false, true])
          for (const on of [true, false]) {
            const loads = loaded.map(socache).join('\n');
            const global = `LoadModule ssl_module modules/mod_ssl.so\n${after ? '' : loads}\nSSLStaplingCache ${cacheArg[provider]}\n${after ? loads : ''}`;
            const file = apache(`  SSLCertificateFile ${good().fullchain}\n${on ? '  SSLUseStapling on' : ''}`, global, false);
            const lines = fs.readFileSync(file, 'utf8').split('\n');
            const at = (word: string) => lines.findIndex((l) => l.trim().startsWith(word)) + 1;
            const refused = provider !== 'other' && !loaded.some((m) => provides[m]!.includes(provider));
            const label = `${provider} with [${loaded}]${after ? ' loaded after' : ''}, stapling ${on ? 'on' : 'off'}`;
            const config = readServerConfig(file, fsConfigReader(fs));
            const errors = config.issues.filter((p) => p.kind === 'syntax' && p.message.startsWith('SSLStaplingCache:'));
            expect([label, errors.map((p) => [p.file, p.line])]).toEqual([label, refused ? [[file, at('SSLStaplingCache')]] : []]);
            const r = check([file]);
            const expected = refused && on ? [['stapling-cache-problem', 'apache-stapling-cache-provider-unknown', provider]] : [];
            expect([label, r.findings.map((f) => [f.cause, f.ruleIds[0], f.data.detail])]).toEqual([label, expected]);
            if (!(refused && on)) continue;
            // Worded as its own variant: the module to load (httpd's `default` provider is mod_socache_shmcb's).
            const f = renderFinding(r.findings[0]!);
            const module = provider === 'default' ? 'shmcb' : provider;
            expect([label, f.messageId, f.fix.steps[0]!.command]).toEqual([
              label,
              'stapling-cache-problem.provider-unloaded',
              expect.stringContaining(`a2enmod socache_${module} `),
            ]);
            const where = r.findings[0]!.evidence.map((e) => `${e.file}:${e.line}`);
            expect(where).toEqual([`${file}:${at('SSLStaplingCache')}`, `${file}:${at('SSLUseStapling')}`]);
          }
    // The same configuration without any LoadModule (a part read alone): not judged.
    const part = apache(`  SSLCertificateFile ${good().fullchain}\n  SSLUseStapling on`);
    expect(check([part]).findings).toEqual([]);
  });
});

describe('findings in the log report’s shape', () => {
  const validate = new Ajv2020({ strict: false }).compile(CHECK_SCHEMA);

  test('evidence: the directives as written (file:line) and the certificate; a fix naming the missing certificate', () => {
    const conf = nginx(`ssl_certificate ${pki.leaves.good!.cert}; ssl_stapling on;`);
    const [f] = check([conf]).findings.map((x) => renderFinding(x));
    expect(f!.origin).toBe('check');
    expect(f!.ruleIds).toEqual(['nginx-issuer-not-found']);
    expect(f!.evidence.map((e) => [e.source, e.file, e.line, e.text])).toEqual([
      ['config', conf, 7, `ssl_certificate ${pki.leaves.good!.cert};`],
      ['config', conf, 7, 'ssl_stapling on;'],
      ['certificate', pki.leaves.good!.cert, 1, expect.stringMatching(/^CN=www\.stapling\.test, issuer CN=Stapling Test Intermediate CA/)],
    ]);
    expect(f!.inspection!.missing.map((m) => m.subject)).toEqual(['CN=Stapling Test Intermediate CA,O=stapling-doctor tests']);
    expect(f!.fix.steps[0]!.text).toContain('Stapling Test Intermediate CA');
    expect(f!.fix.verify[1]).toMatch(/-connect 127\.0\.0\.1:8443 -servername www\.check\.test/);
  });

  test('the CLI: JSON validates against the check schema, human output says what was checked; exit 1', () => {
    const conf = nginx(`ssl_certificate ${pki.leaves.good!.cert}; ssl_stapling on;`);
    const json = runCli(['check', '--config', conf, '--format', 'json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { findings: Finding[] };
    if (!validate(doc as unknown)) throw new Error(JSON.stringify(validate.errors, null, 2));
    expect(doc.findings.map((f) => f.cause)).toEqual(['issuer-certificate-missing']);
    const human = runCli(['check', '--config', conf]);
    expect(human.stdout).toContain('━━ Issuer certificate missing (issuer-certificate-missing)');
    expect(human.stdout).toContain('Checked:');
    expect(human.stdout).toContain(`${conf}:7  ssl_certificate ${pki.leaves.good!.cert};`);
    expect(human.stdout).toMatch(/stapling-doctor check: 1 finding \(1 warning\) in 1 TLS block with stapling on/);
  });

  test('a healthy configuration: exit 0, "nothing will stop stapling"', () => {
    // Complete (with its key), since `nginx -t` is asked where nginx is installed.
    const conf = nginx(`ssl_certificate ${pki.leaves.good!.fullchain}; ssl_certificate_key ${pki.leaves.good!.key}; ssl_stapling on;`);
    const r = runCli(['check', '--config', conf]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nothing will stop stapling in 1 TLS block with stapling on/);
  });

  test('an unreadable --config: exit 2 with the path and the reason', () => {
    const r = runCli(['check', '--config', `${tmp.dir}/missing.conf`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${tmp.dir}/missing.conf: cannot read --config ${tmp.dir}/missing.conf: no such file or directory`);
    expect(r.stdout).toBe('');
  });

  test('a certificate or a binary file given as --config: exit 2, said to be no configuration', () => {
    const bin = path.join(tmp.dir, 'binary.conf');
    fs.writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]));
    for (const [file, why] of [
      [pki.leaves.good!.cert, 'it holds PEM data (a certificate or key)'],
      [bin, 'it is not a text file'],
    ] as const) {
      const r = runCli(['check', '--config', file]);
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toContain(`${file}: not a server configuration: ${why}; give the nginx or Apache configuration`);
    }
    // A configuration with Latin-1 comments (bytes that are not UTF-8) is one all the same.
    const latin1 = path.join(tmp.dir, 'latin1.conf');
    const body = 'events {}\nhttp {\n  server {\n    listen 127.0.0.1:8080;\n    server_name www.example.test;\n  }\n}\n';
    const comment = '# Zertifikate für alle Server; Änderungen nur über Ansible (Größe, Schlüssel, Prüfung, Übergänge)\n';
    fs.writeFileSync(latin1, Buffer.from(`${comment}${body}`, 'latin1'));
    expect(runCli(['check', '--config', latin1]).stderr).not.toContain('not a server configuration');
    // Saved apachectl -S output names no certificate: refused the same way, with what to give.
    const vhosts = runCli(['check', '--config', 'test/fixtures/config/debian-apache-shared-certificate/dumps/apachectl-S.txt']);
    expect([vhosts.code, vhosts.stdout]).toEqual([2, '']);
    expect(vhosts.stderr).toContain('give the configuration file or apachectl -t -D DUMP_CONFIG output');
  });

  test('no TLS block at all (an empty file): "no finding", said so, never "nothing will stop stapling"', () => {
    const r = runCli(['check', '--config', write('', 'nginx.conf')]);
    expect(r.stdout).not.toContain('nothing will stop stapling');
    expect(r.stdout).toMatch(/no finding in 0 TLS blocks with stapling on .*; no TLS block with a certificate in what was read\.$/m);
  });

  test('check FILE (the configuration without --config): exit 2, and how to give it', () => {
    const r = runCli(['check', write('', 'nginx.conf')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stapling-doctor: check: give the configuration with --config FILE\n');
  });

  test('a configuration the server would refuse (syntax): file:line on stderr, exit 1, never "nothing will stop stapling"', () => {
    const conf = write(`events {}\nhttp {\n  server {\n    listen 127.0.0.1:8443 ssl\n  }\n`, 'nginx.conf');
    const r = runCli(['check', '--config', conf]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`--config: error: ${conf.replace(/[.]/g, '\\.')}:5: `));
    expect(r.stdout).not.toContain('nothing will stop stapling');
    expect(r.stdout).toMatch(/no finding in .*; 1 configuration error \(on standard error\)\.$/m);
  });

  test('--map-path: a certificate missing under TO is not checked, with the mapped path that was tried', () => {
    const root = path.join(tmp.dir, 'mapped-root');
    const conf = path.join(root, 'nginx.conf');
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(
      conf,
      `events {}\nhttp {\n  server {\n    listen 8443 ssl;\n    ssl_certificate /etc/sd-mapped/gone.pem;\n    ssl_stapling on;\n  }\n}\n`,
    );
    const r = runCli(['check', '--map-path', `/etc/sd-mapped=${root}`, '--config', '/etc/sd-mapped/nginx.conf']);
    // Under --map-path a file missing from the copy says nothing about the server.
    expect(r.stdout).toContain(
      `/etc/sd-mapped/nginx.conf:3: /etc/sd-mapped/gone.pem: cannot read it (ENOENT, read from ${root}/gone.pem)\n`,
    );
    const direct = check([nginx(`ssl_certificate ${tmp.dir}/gone.pem; ssl_stapling on;`)]);
    expect(direct.notChecked.map((x) => x.reason)).toEqual(['cannot read it (ENOENT): the server would not start']);
    expect(r.stdout).toMatch(/no finding in 1 TLS block .*; 1 certificate not checked\.$/m);
  });

  test('the rules cited carry the severities check gives (so the same cause is as severe as in a log)', async () => {
    // Rules tied to a configuration (tiedTo) are cited too: load them as their samples tie them.
    const rules = new Map((await loadRules({ tie: 'samples' })).map((r) => [r.id, r]));
    const conf = [
      nginx(`ssl_certificate ${pki.leaves.good!.cert}; ssl_stapling on;`),
      nginx(`ssl_certificate ${pki.leaves.good!.fullchain}; ssl_stapling on; ssl_trusted_certificate ${tmp.dir}/none.pem;`),
      nginx(`ssl_certificate ${pki.leaves['name-url']!.fullchain}; ssl_stapling on; ssl_stapling_verify on;`),
      apache(`  SSLCertificateFile ${pki.leaves.good!.fullchain}\n  SSLUseStapling on\n  SSLStaplingForceURL https://x/`, '', false),
      nginx(`ssl_certificate ${pki.leaves['https-url']!.fullchain}; ssl_stapling on;`),
      nginx(`ssl_certificate ${pki.leaves['no-ocsp-url']!.fullchain}; ssl_stapling on;`),
    ];
    const found = check(conf).findings;
    expect(found.length).toBeGreaterThanOrEqual(7);
    for (const f of found) {
      const rule = rules.get(f.ruleIds[0]!);
      if (!rule) throw new Error(`${f.cause}: no rule ${f.ruleIds[0]}`);
      const possible = new Set([rule.cause, ...Object.values(rule.causeFrom?.map ?? {})]);
      expect([f.cause, possible.has(f.cause), f.severity]).toEqual([f.cause, true, rule.severity]);
    }
  });
});

describe('Must-Staple, stapling files, expiry', () => {
  test('Must-Staple with stapling off: an error; on nginx without ssl_stapling_file: the first handshakes get none', () => {
    const off = check([nginx(`ssl_certificate ${must.fullchain}; ssl_stapling off;`)]).findings.map((f) => renderFinding(f));
    expect(off.map((f) => [f.cause, f.messageId, f.severity])).toEqual([
      ['stapling-config-invalid', 'stapling-config-invalid.must-staple-off', 'error'],
    ]);
    expect(off[0]!.fix.steps[0]).toMatchObject({ directive: 'ssl_stapling', value: 'on' });
    const first = check([nginx(`ssl_certificate ${must.fullchain}; ssl_stapling on;`)]).findings;
    expect(first.map((f) => [f.messageId, f.severity])).toEqual([['stapling-config-invalid.must-staple-first-handshake', 'warning']]);
    expect(causes(check([apache(`  SSLCertificateFile ${must.fullchain}\n  SSLUseStapling on`)]))).toEqual([]);
  });

  test('mod_md staples it (MDStapling on, SSLUseStapling not on): no "stapling off" error, said to be unchecked; MDStaplingOthers off: off', () => {
    const vhost = `  SSLCertificateFile ${must.fullchain}`;
    const md = check([apache(vhost, 'MDStapling on', false)]);
    expect([md.findings, md.notChecked.map((x) => x.reason), md.blocks.map((b) => b.stapling)]).toEqual([
      [],
      [expect.stringMatching(/^stapled by mod_md \(MDStapling on\)/)],
      [true],
    ]);
    const others = check([apache(vhost, 'MDStapling on\nMDStaplingOthers off', false)]);
    expect([causes(others), others.notChecked]).toEqual([['stapling-config-invalid'], []]);
    // With SSLUseStapling on, mod_ssl's own checks come first (AH02217 before mod_md is asked): predicted as before.
    expect(causes(check([apache(`  SSLCertificateFile ${must.cert}\n  SSLUseStapling on`, 'MDStapling on')]))).toEqual([
      'issuer-certificate-missing',
    ]);
  });

  test('a Must-Staple or expired certificate is said so once: the message says it, no sentence after it repeats it', () => {
    const off = check([nginx(`ssl_certificate ${must.fullchain}; ssl_stapling off;`)]).findings.map((f) => renderFinding(f));
    expect(off.map((f) => f.message.match(/Must-Staple/g)?.length)).toEqual([2]); // "asks for OCSP Must-Staple … honour Must-Staple"
    expect(off[0]!.message).not.toContain('The certificate asks for OCSP Must-Staple');
  });

  test('Must-Staple and a blocking cause: an error, and the message says why', () => {
    const [f] = check([apache(`  SSLCertificateFile ${must.cert}\n  SSLUseStapling on`)]).findings.map((x) => renderFinding(x));
    expect([f!.cause, f!.severity]).toEqual(['issuer-certificate-missing', 'error']);
    expect(f!.message).toMatch(/Must-Staple: clients that honour it refuse the connection/);
    expect(f!.inspection!.checks.map((c) => c.check)).toContain('must-staple');
  });

  test('a stale ssl_stapling_file (nginx staples it forever, with no log line): response-not-current', () => {
    const conf = nginx(`ssl_certificate ${pki.leaves.good!.cert}; ssl_stapling on; ssl_stapling_file ${goodResponse};`);
    const [f] = check([conf], Date.now() + 3 * 86_400_000).findings.map((x) => renderFinding(x));
    expect(f!.messageId).toBe('response-not-current.stapling-file');
    expect(f!.message).toContain(`The ssl_stapling_file "${goodResponse}" holds a response`);
    expect(f!.fix.steps[0]!.command).toMatch(/-respout/);
  });

  test('a response for another certificate in ssl_stapling_file: certid-mismatch', () => {
    const conf = nginx(`ssl_certificate ${pki.leaves['name-url']!.cert}; ssl_stapling on; ssl_stapling_file ${goodResponse};`);
    expect(check([conf]).findings.map((f) => f.messageId)).toEqual(['certid-mismatch.stapling-file']);
  });

  test('an ssl_trusted_certificate nginx cannot load: an error that names the file and why, and the fix names it', () => {
    const missing = `${tmp.dir}/none.pem`;
    const r = check([nginx(`ssl_certificate ${pki.leaves.good!.fullchain}; ssl_stapling on; ssl_trusted_certificate ${missing};`)]);
    expect(r.findings.map((f) => [f.cause, f.severity, f.ruleIds, f.data.file])).toEqual([
      ['trusted-chain-incomplete', 'error', ['nginx-trusted-certificate-unreadable'], missing],
    ]);
    const worded = renderFinding(r.findings[0]!);
    expect(worded.message).toContain(`"${missing}" (ENOENT)`);
    expect(worded.fix.steps[0]).toMatchObject({ directive: 'ssl_trusted_certificate', value: missing });
  });

  test('an expired certificate is an error; one that expires within --expiry-days a warning', () => {
    const conf = nginx(`ssl_certificate ${pki.leaves.good!.fullchain}; ssl_stapling on;`);
    const later = check([conf], Date.now() + 40 * 86_400_000).findings;
    expect(later.map((f) => [f.cause, f.messageId, f.severity])).toEqual([['certificate-expired', 'certificate-expired.expired', 'error']]);
    // Its date once: the message says it, and no sentence after it says it again.
    const { message } = renderFinding(later[0]!);
    expect(message.split(later[0]!.subject.notAfter!).length - 1).toBe(1);
    const soon = check([conf], Date.now() + 20 * 86_400_000).findings;
    expect(soon.map((f) => [f.cause, f.messageId, f.severity])).toEqual([
      ['certificate-expired', 'certificate-expired.default', 'warning'],
    ]);
  });
});

describe('a certificate not valid yet (notBefore ahead: a clock behind, or a certificate deployed before its time)', () => {
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);
  let future: { cert: string; fullchain: string };
  /** A valid leaf issued by an intermediate that is valid only from 10 days on, and that intermediate. */
  let early: { leaf: string; inter: string };
  beforeAll(async () => {
    const leaf = await issueDated(pki, { name: 'future-leaf', kind: 'leaf', ca: pki.inter, notBefore: inDays(10), days: 30 });
    const fullchain = path.join(path.dirname(leaf.cert), 'fullchain.pem');
    fs.writeFileSync(fullchain, fs.readFileSync(leaf.cert, 'utf8') + fs.readFileSync(pki.inter.cert, 'utf8'));
    future = { cert: leaf.cert, fullchain };
    const inter = await issueDated(pki, { name: 'future-inter', kind: 'intermediate', ca: pki.root, notBefore: inDays(10), days: 60 });
    const under = await issueDated(pki, { name: 'under-future-inter', kind: 'leaf', ca: inter, notBefore: inDays(-1), days: 30 });
    early = { leaf: under.cert, inter: inter.cert };
  }, 60_000);
  const pemOf = (file: string) => new X509Certificate(fs.readFileSync(file));

  test('the leaf: an error naming its subject, file, notBefore and the time checked; the fix: the clock, then the file', () => {
    const now = Date.now();
    const r = check([nginx(`ssl_certificate ${future.fullchain}; ssl_stapling on;`)], now);
    const notBefore = pemOf(future.cert).validFrom;
    expect(r.findings.map((f) => [f.cause, f.messageId, f.severity, f.data])).toEqual([
      [
        'certificate-expired',
        'certificate-expired.not-yet-valid',
        'error',
        {
          detail: 'not-yet-valid',
          certSubject: 'CN=www.stapling.test',
          file: future.fullchain,
          notBefore,
          verifyError: 'certificate is not yet valid',
        },
      ],
    ]);
    const f = renderFinding(r.findings[0]!);
    const at = new Date(now).toISOString();
    for (const part of [
      'CN=www.stapling.test',
      `"${future.fullchain}"`,
      notBefore,
      at,
      'certificate is not yet valid',
      'whatever is stapled',
    ])
      expect(f.message).toContain(part);
    expect(f.fix.steps.map((x) => [x.action, x.directive])).toEqual([
      ['check', null],
      ['replace-certificate', 'ssl_certificate'],
    ]);
    expect(f.fix.steps[0]!.text).toMatch(/clock/);
    expect(f.fix.steps[1]!.text).toContain(`"${future.fullchain}" holds a certificate issued for later (notBefore ${notBefore})`);
    expect(f.inspection!.checks.find((c) => c.detailId === 'notYetValid')!.detail).toContain(at);
    // Once its notBefore has passed: nothing.
    expect(check([nginx(`ssl_certificate ${future.fullchain}; ssl_stapling on;`)], Date.now() + 11 * 86_400_000).findings).toEqual([]);
  });

  test('an intermediate in SSLCertificateChainFile: the intermediate is named, with its file, and the directive is the evidence', () => {
    const conf = apache(`  SSLCertificateFile ${early.leaf}\n  SSLCertificateChainFile ${early.inter}\n  SSLUseStapling on`);
    const r = check([conf]);
    const inter = pemOf(early.inter);
    expect(r.findings.map((f) => [f.messageId, f.severity, f.data.certSubject, f.data.file, f.data.notBefore])).toEqual([
      [
        'certificate-expired.not-yet-valid',
        'error',
        'CN=Stapling Test Intermediate CA (future-inter),O=stapling-doctor tests',
        early.inter,
        inter.validFrom,
      ],
    ]);
    const f = renderFinding(r.findings[0]!);
    expect(f.message).toMatch(/^The intermediate CN=Stapling Test Intermediate CA \(future-inter\)/);
    expect(f.message).toContain('a response whose signer chains through it does not verify');
    expect(f.evidence.filter((e) => e.source === 'config').map((e) => e.text)).toEqual([`SSLCertificateChainFile ${early.inter}`]);
    expect(f.inspection!.checks.find((c) => c.detailId === 'notYetValid')!.data).toMatchObject({ role: 'intermediate', file: early.inter });
  });

  test('an issuer only ssl_trusted_certificate holds (nginx staples with it): named, with that file and directive', () => {
    const trusted = path.join(path.dirname(early.inter), 'trusted-future.pem');
    fs.writeFileSync(trusted, fs.readFileSync(early.inter, 'utf8') + fs.readFileSync(pki.root.cert, 'utf8'));
    const r = check([nginx(`ssl_certificate ${early.leaf}; ssl_trusted_certificate ${trusted}; ssl_stapling on;`)]);
    expect(r.findings.map((f) => [f.messageId, f.data.certSubject, f.data.file])).toEqual([
      ['certificate-expired.not-yet-valid', 'CN=Stapling Test Intermediate CA (future-inter),O=stapling-doctor tests', trusted],
    ]);
    const f = renderFinding(r.findings[0]!);
    expect(f.evidence.filter((e) => e.source === 'config').map((e) => e.text)).toEqual([`ssl_trusted_certificate ${trusted};`]);
    expect(f.message).toContain('clients do not get it from this file');
  });

  test('the CLI: JSON validates against the check schema; human output says it; exit 1', () => {
    const conf = nginx(`ssl_certificate ${future.fullchain}; ssl_stapling on;`);
    const json = runCli(['check', '--config', conf, '--format', 'json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { findings: Finding[] };
    expect(new Ajv2020({ strict: false }).compile(CHECK_SCHEMA)(doc)).toBe(true);
    expect(doc.findings.map((f) => f.messageId)).toEqual(['certificate-expired.not-yet-valid']);
    const human = runCli(['check', '--config', conf]);
    expect(human.stdout).toContain('is not valid before');
  });
});

describe('an expired intermediate (verify error 10, "certificate has expired"), and an expired certificate the chain does not need', () => {
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);
  const join = (name: string, files: string[]) => {
    const out = path.join(tmp.dir, 'expired-chain', name);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, files.map((f) => fs.readFileSync(f, 'utf8')).join(''));
    return out;
  };
  /** An intermediate that expired 100 days ago, a valid leaf it issued (leaf only, and with it), and the root. */
  let old: { inter: string; leaf: string; fullchain: string; trusted: string };
  /** The good leaf's chain followed by a cross-sign of the test root (same subject and key) by another root, expired. */
  let cross: { fullchain: string; leftover: string };
  const pemOf = (file: string) => new X509Certificate(fs.readFileSync(file));
  const root = '/O=stapling-doctor tests/CN=Stapling Test Root CA';
  beforeAll(async () => {
    const inter = await issueDated(pki, { name: 'old-inter', kind: 'intermediate', ca: pki.root, notBefore: inDays(-400), days: 300 });
    const leaf = await issueDated(pki, { name: 'under-old-inter', kind: 'leaf', ca: inter, notBefore: inDays(-1), days: 30 });
    old = {
      inter: inter.cert,
      leaf: leaf.cert,
      fullchain: join('old-fullchain.pem', [leaf.cert, inter.cert]),
      trusted: join('old-trusted.pem', [inter.cert, pki.root.cert]),
    };
    const d = path.join(tmp.dir, 'expired-chain');
    await runOk(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '3650'].concat([
        '-keyout',
        path.join(d, 'old-root.key'),
        '-subj',
        '/O=stapling-doctor tests/CN=Old Root',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-out',
        path.join(d, 'old-root.pem'),
      ]),
    );
    const oldRoot = { cert: path.join(d, 'old-root.pem'), key: path.join(d, 'old-root.key') };
    const x = await issueDated(pki, {
      name: 'cross-root',
      kind: 'intermediate',
      ca: oldRoot,
      notBefore: inDays(-400),
      days: 300,
      twinOf: { subject: root, key: pki.root.key },
    });
    const good = pki.leaves.good!.cert;
    cross = {
      fullchain: join('cross-fullchain.pem', [good, pki.inter.cert, x.cert]),
      leftover: join('leftover-fullchain.pem', [good, pki.inter.cert, inter.cert]),
    };
  }, 60_000);

  test('in the certificate file: an error naming it, its file, notAfter and the time checked; the fix downloads the current one', () => {
    const now = Date.now();
    const r = check([nginx(`ssl_certificate ${old.fullchain}; ssl_stapling on;`)], now);
    const inter = pemOf(old.inter);
    expect(r.findings.map((f) => [f.cause, f.messageId, f.severity, f.data])).toEqual([
      [
        'certificate-expired',
        'certificate-expired.intermediate-expired',
        'error',
        {
          detail: 'intermediate-expired',
          certSubject: 'CN=Stapling Test Intermediate CA (old-inter),O=stapling-doctor tests',
          file: old.fullchain,
          notAfter: inter.validTo,
          verifyError: 'certificate has expired',
        },
      ],
    ]);
    const f = renderFinding(r.findings[0]!);
    const at = new Date(now).toISOString();
    for (const part of ['CN=Stapling Test Intermediate CA (old-inter)', `"${old.fullchain}"`, inter.validTo, at, 'certificate has expired'])
      expect(f.message).toContain(part);
    const caIssuers = pemOf(old.leaf).infoAccess!.match(/CA Issuers - URI:(\S+)/)![1]!;
    expect(f.fix.steps.map((x) => [x.action, x.directive])).toEqual([
      ['run', null],
      ['set', 'ssl_certificate'],
      ['replace-certificate', 'ssl_certificate'],
    ]);
    expect(f.fix.steps[0]!.command).toContain(caIssuers);
    expect(f.fix.steps[1]!.command).toContain(old.fullchain);
    const c = f.inspection!.checks.find((x) => x.detailId === 'expiredIntermediate')!;
    expect(c.result).toBe('confirmed');
    expect(c.detail).toContain(at);
    // Before it expired: nothing about the chain.
    const before = check([nginx(`ssl_certificate ${old.fullchain}; ssl_stapling on;`)], Date.parse(inter.validTo) - 86_400_000);
    expect(before.findings.filter((x) => x.messageId.startsWith('certificate-expired.intermediate'))).toEqual([]);
  });

  test('in SSLCertificateChainFile, and nginx’s ssl_trusted_certificate: the directive that names the file is the evidence', () => {
    const apacheConf = apache(`  SSLCertificateFile ${old.leaf}\n  SSLCertificateChainFile ${old.inter}\n  SSLUseStapling on`);
    const a = check([apacheConf]);
    expect(a.findings.map((f) => [f.messageId, f.data.file])).toEqual([['certificate-expired.intermediate-expired', old.inter]]);
    const fa = renderFinding(a.findings[0]!);
    expect(fa.evidence.filter((e) => e.source === 'config').map((e) => e.text)).toEqual([`SSLCertificateChainFile ${old.inter}`]);
    expect(fa.fix.steps.map((x) => x.directive)).toContain('SSLCertificateChainFile');
    const n = check([
      nginx(`ssl_certificate ${old.leaf}; ssl_trusted_certificate ${old.trusted}; ssl_stapling on; ssl_stapling_verify on;`),
    ]);
    expect(n.findings.map((f) => [f.messageId, f.severity, f.data.file])).toEqual([
      ['certificate-expired.intermediate-expired', 'error', old.trusted],
    ]);
    const fn = renderFinding(n.findings[0]!);
    expect(fn.message).toMatch(/^The CA certificate CN=Stapling Test Intermediate CA \(old-inter\)/);
    expect(fn.evidence.filter((e) => e.source === 'config').map((e) => e.text)).toEqual([`ssl_trusted_certificate ${old.trusted};`]);
  });

  test('a cross-sign whose subject and key have a valid certificate elsewhere, or a leftover: unneeded, remove it (a warning)', () => {
    const x = check([nginx(`ssl_certificate ${cross.fullchain}; ssl_trusted_certificate ${pki.root.cert}; ssl_stapling on;`)]);
    expect(x.findings.map((f) => [f.messageId, f.severity, f.data.certSubject, f.data.file])).toEqual([
      ['certificate-expired.intermediate-unneeded', 'warning', 'CN=Stapling Test Root CA,O=stapling-doctor tests', cross.fullchain],
    ]);
    const f = renderFinding(x.findings[0]!);
    expect(f.message).toContain(`a valid certificate with the same subject and key is in "${pki.root.cert}"`);
    expect(f.message).not.toContain('verify error 10');
    expect(f.fix.steps.map((s) => [s.action, s.directive])).toEqual([['set', 'ssl_certificate']]);
    expect(f.fix.summary).toMatch(/^Remove the expired certificate CN=Stapling Test Root CA/);
    const l = check([nginx(`ssl_certificate ${cross.leftover}; ssl_stapling on;`)]);
    expect(l.findings.map((f) => [f.messageId, f.data.certSubject])).toEqual([
      ['certificate-expired.intermediate-unneeded', 'CN=Stapling Test Intermediate CA (old-inter),O=stapling-doctor tests'],
    ]);
    expect(renderFinding(l.findings[0]!).message).toContain('no certificate of the chain of');
  });

  test('an expired root in ssl_trusted_certificate the chain ends at: an error naming it (OpenSSL checks the anchor’s dates too)', async () => {
    // A private root that expired 10 days ago, self-signed with explicit dates (`openssl ca -selfsign`), a valid
    // intermediate under it and a valid leaf: the certificate file is fine, the trusted file breaks verification.
    const d = path.join(tmp.dir, 'expired-root');
    fs.mkdirSync(d, { recursive: true });
    const f = (n: string) => path.join(d, n);
    fs.writeFileSync(f('index.txt'), '');
    fs.writeFileSync(f('serial'), '3000\n');
    fs.writeFileSync(
      f('ca.cnf'),
      `[ca]\ndefault_ca = r\n[r]\ndatabase = ${f('index.txt')}\nnew_certs_dir = ${d}\nserial = ${f('serial')}\ndefault_md = sha256\npolicy = p\n[p]\norganizationName = optional\ncommonName = supplied\n`,
    );
    await runOk('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f('root.key')]);
    await runOk('openssl', [
      'req',
      '-new',
      '-key',
      f('root.key'),
      '-subj',
      '/O=stapling-doctor tests/CN=Expired Private Root',
      '-out',
      f('root.csr'),
    ]);
    const stamp = (x: Date) => `${x.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
    await runOk('openssl', [
      'ca',
      '-batch',
      '-notext',
      '-selfsign',
      '-config',
      f('ca.cnf'),
      '-keyfile',
      f('root.key'),
      '-in',
      f('root.csr'),
      '-startdate',
      stamp(inDays(-400)),
      '-enddate',
      stamp(inDays(-10)),
      '-extfile',
      path.join(pki.dir, 'extensions.cnf'),
      '-extensions',
      'v3_inter',
      '-out',
      f('root.pem'),
    ]);
    const root = { cert: f('root.pem'), key: f('root.key') };
    const inter = await issueDated(pki, { name: 'under-expired-root', kind: 'intermediate', ca: root, notBefore: inDays(-300), days: 600 });
    const leaf = await issueDated(pki, { name: 'under-expired-root-leaf', kind: 'leaf', ca: inter, notBefore: inDays(-30), days: 60 });
    const fullchain = join('expired-root-fullchain.pem', [leaf.cert, inter.cert]);
    const trusted = join('expired-root-trusted.pem', [inter.cert, root.cert]);
    const conf = nginx(`ssl_certificate ${fullchain}; ssl_trusted_certificate ${trusted}; ssl_stapling on; ssl_stapling_verify on;`);
    const r = check([conf]);
    expect(r.findings.map((x) => [x.messageId, x.severity, x.data.certSubject, x.data.file])).toEqual([
      ['certificate-expired.intermediate-expired', 'error', 'CN=Expired Private Root,O=stapling-doctor tests', trusted],
    ]);
    const fx = renderFinding(r.findings[0]!);
    expect(fx.message).toMatch(/^The CA certificate CN=Expired Private Root/);
    expect(fx.fix.summary).toMatch(/^Replace the expired CA certificate CN=Expired Private Root/);
    // The leaf's CA Issuers URL names its own issuer (the valid intermediate): never offered for the root.
    const caIssuers = pemOf(leaf.cert).infoAccess?.match(/CA Issuers - URI:(\S+)/)?.[1];
    expect(fx.fix.steps.some((x) => caIssuers !== undefined && (x.command ?? '').includes(caIssuers))).toBe(false);
    // Before the root expired: nothing.
    expect(check([conf], Date.parse(pemOf(root.cert).validTo) - 86_400_000).findings).toEqual([]);
  });

  test('a valid chain (leaf, intermediate, root): nothing', () => {
    const full = join('good-full.pem', [pki.leaves.good!.cert, pki.inter.cert, pki.root.cert]);
    expect(check([nginx(`ssl_certificate ${full}; ssl_stapling on;`)]).findings).toEqual([]);
    expect(
      check([apache(`  SSLCertificateFile ${pki.leaves.good!.cert}\n  SSLCertificateChainFile ${pki.inter.cert}\n  SSLUseStapling on`)])
        .findings,
    ).toEqual([]);
  });

  test('the CLI: JSON validates against the check schema; human output says it; exit 1', () => {
    const conf = nginx(`ssl_certificate ${old.fullchain}; ssl_stapling on;`);
    const json = runCli(['check', '--config', conf, '--format', 'json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { findings: Finding[] };
    expect(new Ajv2020({ strict: false }).compile(CHECK_SCHEMA)(doc)).toBe(true);
    expect(doc.findings.map((f) => f.messageId)).toEqual(['certificate-expired.intermediate-expired']);
    const human = runCli(['check', '--config', conf]);
    expect(human.stdout).toContain('certificate has expired');
  });

  test('--inspect of nginx’s "Verify error:certificate has expired": its expired check names the intermediate', () => {
    const conf = nginx(
      `ssl_certificate ${old.fullchain}; ssl_stapling on; ssl_stapling_verify on; ssl_trusted_certificate ${pki.root.cert};`,
    );
    const log = write(
      `2026/11/23 02:16:56 [error] 5416#5416: OCSP_basic_verify() failed (SSL: error:13800065:OCSP routines::certificate verify error:Verify error:certificate has expired) while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:42963, certificate: "${old.fullchain}"\n`,
      'log',
    );
    const r = runCli(['--inspect', '--config', conf, '--format', 'json', log]);
    const doc = JSON.parse(r.stdout) as { findings: Finding[] };
    expect(doc.findings).toHaveLength(1);
    const c = doc.findings[0]!.inspection!.checks.find((x) => x.check === 'expired')!;
    expect([c.result, c.detailId]).toEqual(['confirmed', 'expiredIntermediate']);
    expect(c.detail).toContain('CN=Stapling Test Intermediate CA (old-inter)');
    expect(c.detail).toContain(`"${old.fullchain}"`);
  });
});

describe('the shared-certificate layouts of Debian (issue 13): the block that breaks, not the other', () => {
  test('nginx: b.example (ssl_trusted_certificate holds a foreign CA) is predicted to miss the issuer; a.example is fine', async () => {
    const cpki = await createConfigPki(path.join(tmp.dir, 'cpki'));
    const stage = stageFixture('debian-nginx-shared-certificate', path.join(tmp.dir, 'ngx-stage'), cpki);
    const r = runCli(['check', '--config', '/etc/nginx/nginx.conf', '--map-path', stage.mapArg, '--format', 'json']);
    const doc = JSON.parse(r.stdout) as { findings: Finding[]; blocks: { block: string; stapling: boolean }[] };
    expect(doc.blocks.map((b) => [b.block, b.stapling])).toEqual([
      ['/etc/nginx/sites-enabled/a.example:2', true],
      ['/etc/nginx/sites-enabled/b.example:3', true],
    ]);
    expect(doc.findings.map((f) => [f.cause, f.inspection?.configBlock])).toEqual([
      ['issuer-certificate-missing', '/etc/nginx/sites-enabled/b.example:3'],
    ]);
    expect(doc.findings[0]!.evidence.map((e) => `${e.file}:${e.line}`)).toEqual([
      '/etc/nginx/conf.d/stapling.conf:2', // ssl_stapling on (http level, inherited)
      '/etc/nginx/snippets/shared-certificate.conf:2', // ssl_certificate (included in the block)
      '/etc/nginx/sites-enabled/b.example:8', // ssl_trusted_certificate
      '/etc/ssl/stapling-doctor/shared.pem:1',
    ]);
    expect(r.code).toBe(1);
  });

  test('Apache: the b.example VirtualHost is predicted to miss the issuer', async () => {
    const cpki = await createConfigPki(path.join(tmp.dir, 'cpki-a'));
    const stage = stageFixture('debian-apache-shared-certificate', path.join(tmp.dir, 'ap-stage'), cpki);
    const conf = readServerConfig('/etc/apache2/apache2.conf', fsConfigReader(fs, stage.paths));
    const report = checkConfigs([conf], {
      readPem: createInspector({ paths: createPathMap([stage.mapArg]) }).readPem,
      readFile: () => ({ error: 'unused' }),
      now: Date.now(),
    });
    expect(report.findings.map((f) => [f.cause, f.inspection?.configBlock, f.subject.vhost])).toEqual([
      ['issuer-certificate-missing', '/etc/apache2/sites-enabled/b-example-ssl.conf:2', 'b.example:443'],
    ]);
  });
});

describe('without --config: the system’s configurations, where found', () => {
  test('nginx and Apache both found (/etc/nginx/nginx.conf, /etc/apache2/apache2.conf, here under --map-path): both read, each finding from its own', async () => {
    const cpki = await createConfigPki(path.join(tmp.dir, 'cpki-default'));
    const dest = path.join(tmp.dir, 'default-stage');
    stageFixture('debian-nginx-shared-certificate', dest, cpki);
    const stage = stageFixture('debian-apache-shared-certificate', dest, cpki);
    const r = runCli(['check', '--map-path', stage.mapArg, '--format', 'json']);
    const doc = JSON.parse(r.stdout) as { configs: { file: string; server: string }[]; findings: Finding[] };
    expect(doc.configs.map((c) => [c.file, c.server])).toEqual([
      ['/etc/nginx/nginx.conf', 'nginx'],
      ['/etc/apache2/apache2.conf', 'apache'],
    ]);
    expect(doc.findings.map((f) => [f.server, f.cause, f.inspection?.configBlock])).toEqual([
      ['nginx', 'issuer-certificate-missing', '/etc/nginx/sites-enabled/b.example:3'],
      ['apache', 'issuer-certificate-missing', '/etc/apache2/sites-enabled/b-example-ssl.conf:2'],
    ]);
    expect(r.code).toBe(1);
  });

  test('none found: exit 2, naming where it looked and what to give', () => {
    const empty = path.join(tmp.dir, 'no-etc');
    fs.mkdirSync(empty, { recursive: true });
    const r = runCli(['check', '--map-path', `/etc=${empty}`]);
    expect(r.stderr).toBe(
      'stapling-doctor: check: no configuration found (looked for /etc/nginx/nginx.conf, /etc/apache2/apache2.conf, /etc/httpd/conf/httpd.conf): give --config FILE\n',
    );
    expect(r.code).toBe(2);
  });
});

describe('--map-path over a copied tree whose symbolic links are absolute (Debian’s sites-enabled, certbot, ln -s /etc/…)', () => {
  // FROM names a place that exists nowhere on this machine: a link followed here instead of in the tree finds nothing.
  const FROM = '/opt/sd-copied-host/etc';
  /** A copied tree under TO: `files` (named path → text, or `-> target` for a symbolic link as the other machine has it). */
  function copied(files: Record<string, string>): { to: string; map: ReturnType<typeof createPathMap> } {
    const to = path.join(tmp.dir, `copied-${++n}`);
    for (const [named, text] of Object.entries(files)) {
      const real = path.join(to, path.relative(FROM, named));
      fs.mkdirSync(path.dirname(real), { recursive: true });
      if (text.startsWith('-> ')) fs.symlinkSync(text.slice(3), real);
      else fs.writeFileSync(real, text);
    }
    return { to, map: createPathMap([`${FROM}=${to}`]) };
  }
  function checkMapped(main: string, map: ReturnType<typeof createPathMap>): { config: ServerConfig; report: CheckReport } {
    const config = readServerConfig(main, fsConfigReader(fs, map));
    const inspector = createInspector({ paths: map });
    const report = checkConfigs([config], { readPem: inspector.readPem, readFile: () => ({ error: 'ENOENT' }), now: Date.now() });
    return { config, report };
  }
  const leafOnly = () => fs.readFileSync(pki.leaves.good!.cert, 'utf8');
  const nginxSite = (cert: string) => `server {\n  listen 443 ssl;\n  ssl_certificate ${cert};\n  ssl_stapling on;\n}\n`;

  // Where the absolute link is: the site file, the certificate (to certbot's relative live/ link), a directory on the way.
  const layouts: [string, (f: string) => Record<string, string>, string][] = [
    [
      'site file',
      (f) => ({
        [`${f}/nginx/sites-enabled/ex`]: `-> ${f}/nginx/sites-available/ex`,
        [`${f}/nginx/sites-available/ex`]: nginxSite(`${f}/ssl/leaf.pem`),
        [`${f}/ssl/leaf.pem`]: leafOnly(),
      }),
      'nginx/sites-enabled/ex',
    ],
    [
      'certificate',
      (f) => ({
        [`${f}/nginx/sites-enabled/ex`]: nginxSite(`${f}/nginx/certs/site.pem`),
        [`${f}/nginx/certs/site.pem`]: `-> ${f}/letsencrypt/live/ex/cert.pem`,
        [`${f}/letsencrypt/live/ex/cert.pem`]: '-> ../../archive/ex/cert1.pem',
        [`${f}/letsencrypt/archive/ex/cert1.pem`]: leafOnly(),
      }),
      'nginx/sites-enabled/ex',
    ],
    [
      'directory',
      (f) => ({
        [`${f}/nginx/sites-enabled`]: `-> ${f}/nginx/sites-available`,
        [`${f}/nginx/sites-available/ex`]: nginxSite(`${f}/nginx/certs/leaf.pem`),
        [`${f}/nginx/certs`]: `-> ${f}/ssl/site`,
        [`${f}/ssl/site/leaf.pem`]: leafOnly(),
      }),
      'nginx/sites-enabled/ex',
    ],
  ];
  test.each(layouts)(
    'a link at the %s: read in the tree; the finding cites the site file by the name nginx includes it by',
    (_t, tree, siteFile) => {
      const { map } = copied({
        [`${FROM}/nginx/nginx.conf`]: 'events {}\nhttp {\n  include sites-enabled/*;\n}\n',
        ...tree(FROM),
      });
      const { config, report } = checkMapped(`${FROM}/nginx/nginx.conf`, map);
      expect(config.issues.filter((p) => p.severity === 'error')).toEqual([]);
      expect(report.notChecked).toEqual([]);
      expect(
        report.findings.map((f) => [f.cause, f.evidence.filter((e) => e.source === 'config').map((e) => `${e.file}:${e.line}`)]),
      ).toEqual([['issuer-certificate-missing', [`${FROM}/${siteFile}:3`, `${FROM}/${siteFile}:4`]]]);
    },
  );

  test('Apache: an absolute link to the site and to the certificate; a link loop ends (passed over by IncludeOptional)', () => {
    const f = FROM;
    const { map } = copied({
      [`${f}/apache2/apache2.conf`]: 'SSLStaplingCache shmcb:/tmp/o(1000)\nIncludeOptional sites-enabled/*.conf\n',
      [`${f}/apache2/sites-enabled/a.conf`]: `-> ${f}/apache2/sites-available/a.conf`,
      [`${f}/apache2/sites-available/a.conf`]: `<VirtualHost *:443>\nSSLEngine on\nSSLCertificateFile ${f}/ssl/a.pem\nSSLUseStapling on\n</VirtualHost>\n`,
      [`${f}/ssl/a.pem`]: `-> ${f}/ssl/real/a.pem`,
      [`${f}/ssl/real/a.pem`]: leafOnly(),
      [`${f}/apache2/sites-enabled/loop.conf`]: `-> ${f}/apache2/loop2.conf`,
      [`${f}/apache2/loop2.conf`]: `-> ${f}/apache2/sites-enabled/loop.conf`,
    });
    const { config, report } = checkMapped(`${f}/apache2/apache2.conf`, map);
    // (The loop is a file that cannot be examined: IncludeOptional passes over it, as httpd's stat fails with ELOOP.)
    expect(config.issues.filter((p) => p.severity === 'error')).toEqual([]);
    expect(
      report.findings.map((x) => [x.cause, x.evidence.filter((e) => e.source === 'config').map((e) => `${e.file}:${e.line}`)]),
    ).toEqual([['issuer-certificate-missing', [`${f}/apache2/sites-enabled/a.conf:3`, `${f}/apache2/sites-enabled/a.conf:4`]]]);
  });
});

describe('saved dumps give what the files give (nginx -T, apachectl -t -D DUMP_INCLUDES / DUMP_CONFIG)', () => {
  const FIXTURES = path.resolve('test/fixtures/config');
  // What each fixture was made to show: b.example misses its issuer (Debian); the RHEL sites are healthy.
  const cases: [fixture: string, main: string, dumps: string[], expected: string[]][] = [
    ['debian-nginx-shared-certificate', '/etc/nginx/nginx.conf', ['nginx-T.txt'], ['issuer-certificate-missing']],
    [
      'debian-apache-shared-certificate',
      '/etc/apache2/apache2.conf',
      ['apachectl-DUMP_INCLUDES.txt', 'apachectl-DUMP_CONFIG.txt'],
      ['issuer-certificate-missing'],
    ],
    ['rhel-httpd', '/etc/httpd/conf/httpd.conf', ['httpd-DUMP_INCLUDES.txt', 'httpd-DUMP_CONFIG.txt'], []],
  ];
  test.each(cases)('%s: the same findings from %s as from each dump', async (fixture, main, dumps, expected) => {
    const cpki = await createConfigPki(path.join(tmp.dir, `dump-pki-${fixture}`));
    const stage = stageFixture(fixture, path.join(tmp.dir, `dump-${fixture}`), cpki);
    const findingsOf = (conf: string) => {
      const r = runCli(['check', '--config', conf, '--map-path', stage.mapArg, '--format', 'json']);
      const doc = JSON.parse(r.stdout) as { configs: { source: string }[]; findings: Finding[]; blocks: unknown[] };
      return {
        code: r.code,
        source: doc.configs[0]!.source,
        blocks: doc.blocks.length,
        findings: doc.findings.map((f) => [f.cause, f.subject.certificate]),
      };
    };
    const files = findingsOf(main);
    expect(files.findings.map(([c]) => c)).toEqual(expected);
    expect(files.source).toBe('files');
    expect(files.blocks).toBeGreaterThan(0);
    for (const d of dumps) {
      const got = findingsOf(path.join(FIXTURES, fixture, 'dumps', d));
      expect(got.source).not.toBe('files');
      expect([d, got.blocks, got.findings, got.code]).toEqual([d, files.blocks, files.findings, files.code]);
    }
  });

  // nginx's stderr ahead of the dump, as `nginx -T > dump 2>&1` saves it: its warnings echoed to stderr
  // (`nginx: [warn] …`) or, when the error log is stderr (the official image links error.log to /dev/stderr),
  // with the error log's prefix; then its verdict. Captured from nginx 1.22.1 (Debian 12) with error_log stderr.
  const stderrAhead = (file: string): string[] => [
    `2026/12/07 14:06:30 [warn] 18879#18879: "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ssl/stapling-doctor/shared.pem"`,
    `nginx: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ssl/stapling-doctor/shared.pem"`,
    `nginx: the configuration file ${file} syntax is ok`,
    `nginx: configuration file ${file} test is successful`,
  ];
  test('nginx -T saved with its stderr (2>&1): read as the dump it is', async () => {
    const fixture = 'debian-nginx-shared-certificate';
    const cpki = await createConfigPki(path.join(tmp.dir, 'dump-pki-stderr'));
    const stage = stageFixture(fixture, path.join(tmp.dir, 'dump-stderr'), cpki);
    const dump = fs.readFileSync(path.join(FIXTURES, fixture, 'dumps', 'nginx-T.txt'), 'utf8');
    const withStderr = path.join(tmp.dir, 'nginx-T-2to1.txt');
    fs.writeFileSync(withStderr, `${stderrAhead('/etc/nginx/nginx.conf').join('\n')}\n${dump}`);
    const reportOf = (conf: string) => {
      const r = runCli(['check', '--config', conf, '--map-path', stage.mapArg, '--format', 'json']);
      const doc = JSON.parse(r.stdout) as { configs: { source: string }[]; findings: Finding[]; blocks: unknown[]; problems: unknown[] };
      return {
        code: r.code,
        source: doc.configs[0]!.source,
        blocks: doc.blocks.length,
        problems: doc.problems,
        findings: doc.findings.map((f) => [f.cause, f.subject.certificate]),
      };
    };
    const plain = reportOf(path.join(FIXTURES, fixture, 'dumps', 'nginx-T.txt'));
    expect(plain.findings.length).toBeGreaterThan(0);
    expect(reportOf(withStderr)).toEqual(plain);
  });
});

describe('no network unless asked', () => {
  /** A module preloaded into the CLI that logs every TCP connection it opens (tls.connect goes through it too). */
  function connectionLog(): { hook: string; log: string } {
    const hook = path.join(tmp.dir, 'net-hook.mjs');
    const log = path.join(tmp.dir, `connections-${Math.random().toString(36).slice(2)}.log`);
    fs.writeFileSync(
      hook,
      "import fs from 'node:fs';\nimport net from 'node:net';\n" +
        'const connect = net.Socket.prototype.connect;\n' +
        'net.Socket.prototype.connect = function (...a) {\n' +
        "  fs.appendFileSync(process.env.SD_CONNECTION_LOG, JSON.stringify(a[0]?.port ?? a[0]) + '\\n');\n" +
        '  return connect.apply(this, a);\n' +
        '};\n',
    );
    return { hook, log };
  }

  test.each([
    ['check alone: not one connection (the OCSP URLs and the responder name in the configuration are only read)', [], 0],
    ['check --probe: the handshakes are the connections (so the hook does see them)', ['--probe', '--timeout', '2000'], 1],
  ])('%s', async (_t, extra, atLeast) => {
    const { hook, log } = connectionLog();
    const conf = nginx(
      `ssl_certificate ${pki.leaves['name-url']!.fullchain}; ssl_stapling on; ssl_stapling_verify on; ssl_trusted_certificate ${pki.inter.cert};`,
    );
    const r = await run(process.execPath, ['--import', hook, CLI, 'check', '--config', conf, '--format', 'json', ...extra], {
      timeoutMs: 30_000,
      env: { ...process.env, SD_CONNECTION_LOG: log },
    });
    expect(r.stdout.length).toBeGreaterThan(0);
    const connections = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
    if (atLeast === 0) expect(connections).toEqual([]);
    else expect(connections.length).toBeGreaterThanOrEqual(atLeast);
  });
});

describe('check --probe', () => {
  const validate = new Ajv2020({ strict: false }).compile(CHECK_SCHEMA);

  /** A TLS server for the good leaf that staples `staple` on every handshake (null: none). */
  async function stapler(staple: Buffer | null): Promise<{ port: number; close: () => Promise<void> }> {
    const l = pki.leaves.good!;
    const srv = tls.createServer({ key: fs.readFileSync(l.key), cert: fs.readFileSync(l.fullchain) }, (sock) => sock.end());
    srv.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (err: Error | null, resp: Buffer | null) => void) => cb(null, staple));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    return { port: (srv.address() as AddressInfo).port, close: () => new Promise((r) => srv.close(() => r())) };
  }

  test.each([
    ['a good staple: exit 0', true, 'good', 0],
    ['no staple on either handshake: exit 1', false, 'no-staple', 1],
  ])('%s (a block with server_name _ is reached on loopback, without SNI)', async (_t, stapled, verdict, code) => {
    const s = await stapler(stapled ? fs.readFileSync(goodResponse) : null);
    try {
      const conf = write(
        `events {}\nhttp {\n  server {\n    listen ${s.port} ssl;\n    server_name _;\n    ssl_certificate ${pki.leaves.good!.fullchain};\n    ssl_certificate_key ${pki.leaves.good!.key};\n    ssl_stapling on;\n  }\n}\n`,
        'nginx.conf',
      );
      const r = await run(process.execPath, [CLI, 'check', '--config', conf, '--probe', '--timeout', '3000', '--format', 'json'], {
        timeoutMs: 30_000,
      });
      const doc = JSON.parse(r.stdout) as {
        findings: unknown[];
        probes: { endpoint: unknown; address: string; result: { verdict: string } }[];
      };
      if (!validate(doc as unknown)) throw new Error(JSON.stringify(validate.errors, null, 2));
      expect(doc.findings).toEqual([]);
      expect(doc.probes.map((p) => [p.endpoint, p.address, p.result.verdict])).toEqual([
        [{ host: '127.0.0.1', port: s.port, serverName: null }, '127.0.0.1', verdict],
      ]);
      expect(r.code).toBe(code);
    } finally {
      await s.close();
    }
  });
});
