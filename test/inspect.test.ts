/**
 * `--inspect` on real certificates made at test time by the server harness's PKI (`test/servers/pki.ts`,
 * the `openssl` CLI): each check confirms, refutes or cannot run, the fix names the missing certificate,
 * and a confirmed check changes the cause where the log alone is misleading. Log lines are the real
 * lines of `samples/real/` with the file paths pointed at this test's PKI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { analyze } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';
import { createInspector } from '../src/inspect/inspect.js';
import { renderFinding } from '../src/findings/render.js';
import { fsConfigReader, readServerConfig } from '../src/inspect/config.js';
import { OUTPUT_SCHEMA } from '../src/format/output-schema.js';
import type { Finding, FindingData } from '../src/types.js';
import type { Report } from '../src/findings/analyzer.js';
import { CA_ISSUERS, createPki, type Pki } from './servers/pki.js';
import { runOk } from './servers/proc.js';
import { runCli, tempDir } from './helpers/cli.js';

const rules = await loadRules();
const tmp = tempDir('sd-inspect-');
let pki: Pki;
const INTER = 'CN=Stapling Test Intermediate CA,O=stapling-doctor tests';
const ROOT_CA = 'CN=Stapling Test Root CA,O=stapling-doctor tests';

beforeAll(async () => {
  pki = await createPki(path.join(tmp.dir, 'pki'), [
    { name: 'good', ocspUrl: 'http://127.0.0.1:9/', status: 'good' },
    { name: 'no-ocsp-url', ocspUrl: null, status: 'good' },
  ]);
}, 60_000);
afterAll(() => tmp.cleanup());

const nginxIssuer = (file: string) =>
  `2026/11/23 02:16:56 [warn] 5354#5354: "ssl_stapling" ignored, issuer certificate not found for certificate "${file}"`;
const nginxNoUrl = (file: string) =>
  `2026/11/23 02:16:56 [warn] 5377#5377: "ssl_stapling" ignored, no OCSP responder URL in the certificate "${file}"`;
const nginxVerify = (file: string) =>
  `2026/11/23 02:16:56 [error] 5414#5414: OCSP_basic_verify() failed (SSL: error:13800065:OCSP routines::certificate verify error:Verify error: unable to get local issuer certificate) while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:42963, certificate: "${file}"`;
const nginxRefused = (file: string) =>
  `2026/11/23 02:16:57 [error] 5390#5390: recv() failed (111: Connection refused) while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:9, certificate: "${file}"`;
const apache02217 = (subject: string, issuer: string, serial: string) => [
  `[Mon Nov 23 02:16:56.301052 2026] [ssl:error] [pid 5348:tid 5348] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate! [subject: ${subject} / issuer: ${issuer} / serial: ${serial} / notbefore: Nov 23 02:16:55 2026 GMT / notafter: Dec 23 02:16:55 2026 GMT]`,
  '[Mon Nov 23 02:16:56.301065 2026] [ssl:error] [pid 5348:tid 5348] AH02604: Unable to configure certificate www.stapling.test:443:0 for stapling',
];

function finding(lines: string[]): FindingData {
  const r = analyze(lines, rules);
  expect(r.findings).toHaveLength(1);
  return r.findings[0]!;
}

/** The same URL as a client resolves it, spelled otherwise: the scheme upper-case, the default path left out. */
const sameUrlOtherSpelling = (url: string | null): string => {
  const u = new URL(url!);
  return `${u.protocol.toUpperCase()}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
};

function write(name: string, text: string): string {
  const f = path.join(tmp.dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

/** Inspect, then word: what the CLI prints. */
function inspector(configFiles: string[] = [], now?: number): { inspect(f: FindingData): Finding } {
  const reader = fsConfigReader(fs);
  const i = createInspector({ configs: configFiles.map((c) => readServerConfig(c, reader)), ...(now ? { now: () => now } : {}) });
  return { inspect: (f) => renderFinding(i.inspect(f)) };
}

const nginxConf = (name: string, server: string, http = '') =>
  write(
    name,
    `events {}\nhttp {\n  ${http}\n  server {\n    listen 127.0.0.1:8443 ssl;\n    server_name www.stapling.test;\n${server}\n  }\n}\n`,
  );

describe('issuer-certificate-missing', () => {
  test('nginx, leaf-only file: confirmed, the fix names the intermediate and its CA Issuers URL', () => {
    const f = inspector().inspect(finding([nginxIssuer(pki.leaves.good!.cert)]));
    expect(f.cause).toBe('issuer-certificate-missing');
    expect(f.inspection!.result).toBe('confirmed');
    expect(f.inspection!.checks.map((c) => [c.check, c.result])).toEqual([
      ['self-signed', 'confirmed'],
      ['issuer-present', 'confirmed'],
    ]);
    expect(f.inspection!.missing).toEqual([
      { subject: INTER, role: 'issuer', caIssuersUrl: CA_ISSUERS.intermediate, neededIn: 'certificate-file' },
    ]);
    expect(f.inspection!.certificate).toMatchObject({
      file: pki.leaves.good!.cert,
      subject: 'CN=www.stapling.test',
      issuer: INTER,
      serial: pki.leaves.good!.serial,
      selfSigned: false,
    });
    expect(f.fix.steps[0]!.directive).toBe('ssl_certificate');
    expect(f.fix.steps[0]!.text).toContain(INTER);
    expect(f.fix.steps[0]!.text).toContain(CA_ISSUERS.intermediate);
    expect(f.fix.steps.some((s) => s.command?.includes(`curl -fsS ${CA_ISSUERS.intermediate}`))).toBe(true);
    expect(f.fix.summary).toContain(INTER);
  });

  test('nginx, the file holds the issuer after all: refuted (the running server read another file)', () => {
    const f = inspector().inspect(finding([nginxIssuer(pki.leaves.good!.fullchain)]));
    expect(f.inspection!.result).toBe('refuted');
    expect(f.inspection!.checks.find((c) => c.check === 'issuer-present')).toMatchObject({ result: 'refuted' });
    expect(f.inspection!.missing).toEqual([]);
  });

  test('nginx, a self-signed certificate: the cause becomes self-signed-certificate, and says so', () => {
    const f = inspector().inspect(finding([nginxIssuer(pki.selfSigned.cert)]));
    expect(f.cause).toBe('self-signed-certificate');
    expect(f.inspection!.causeBefore).toBe('issuer-certificate-missing');
    expect(f.inspection!.causeChange).toMatch(/from issuer-certificate-missing to self-signed-certificate/);
    expect(f.inspection!.checks).toEqual([expect.objectContaining({ check: 'self-signed', result: 'confirmed' })]);
    expect(f.message).toMatch(/self-signed/);
    expect(f.message).toMatch(/suggested issuer-certificate-missing/);
    expect(f.fix.steps[0]).toMatchObject({ directive: 'ssl_stapling', value: 'off' });
    expect(f.id.startsWith('issuer-certificate-missing:')).toBe(true); // the id stays the log's
  });

  test('Apache (subject/serial in the log) with --config: matched by serial, confirmed', () => {
    const l = pki.leaves.good!;
    const conf = write(
      'apache-a/httpd.conf',
      `ServerRoot "${tmp.dir}"\nSSLStaplingCache shmcb:x(32768)\n<VirtualHost 127.0.0.1:8443>\n  ServerName www.stapling.test\n  SSLEngine on\n  SSLCertificateFile ${l.cert}\n  SSLUseStapling on\n</VirtualHost>\n`,
    );
    const f = inspector([conf]).inspect(finding(apache02217('CN=www.stapling.test', INTER, l.serial)));
    expect(f.inspection!.result).toBe('confirmed');
    expect(f.inspection!.configBlock).toBe(`${conf}:3`);
    expect(f.inspection!.missing[0]!.subject).toBe(INTER);
    expect(f.fix.steps[0]!.directive).toBe('SSLCertificateFile');
    expect(f.fix.steps[0]!.text).toContain(`"${l.cert}"`);
  });

  test('Apache: SSLCACertificateFile (inherited from the main server) holds the issuer: refuted', () => {
    const l = pki.leaves.good!;
    const conf = write(
      'apache-b/httpd.conf',
      `SSLCACertificateFile ${pki.inter.cert}\n<VirtualHost *:443>\n  SSLEngine on\n  SSLCertificateFile ${l.cert}\n</VirtualHost>\n`,
    );
    const f = inspector([conf]).inspect(finding(apache02217('CN=www.stapling.test', INTER, l.serial)));
    expect(f.inspection!.result).toBe('refuted');
  });

  test('Apache without --config: not checked, and says to give --config', () => {
    const f = inspector().inspect(finding(apache02217('CN=www.stapling.test', INTER, pki.leaves.good!.serial)));
    expect(f.inspection!.result).toBe('not-checked');
    expect(f.inspection!.checks.every((c) => c.result === 'not-checked' && /--config/.test(c.detail))).toBe(true);
    expect(f.cause).toBe('issuer-certificate-missing');
  });

  test('Apache self-signed (subject = issuer in the log): confirmed by the signature', () => {
    const s = pki.selfSigned;
    // SSLEngine on: without it httpd does not load the certificate, so no AH02217 can come from this VirtualHost.
    const conf = write('apache-c/httpd.conf', `<VirtualHost *:443>\n  SSLEngine on\n  SSLCertificateFile ${s.cert}\n</VirtualHost>\n`);
    const f = inspector([conf]).inspect(finding(apache02217('CN=www.stapling.test', 'CN=www.stapling.test', s.serial)));
    expect(f.cause).toBe('self-signed-certificate');
    expect(f.inspection!.causeBefore).toBeUndefined();
    expect(f.inspection!.checks).toEqual([expect.objectContaining({ check: 'self-signed', result: 'confirmed' })]);
  });
});

describe('ocsp-url-missing', () => {
  test('a certificate without OCSP URL: confirmed, with its CA Issuers URL in the detail', () => {
    const f = inspector().inspect(finding([nginxNoUrl(pki.leaves['no-ocsp-url']!.fullchain)]));
    expect(f.inspection!.result).toBe('confirmed');
    expect(f.inspection!.checks[0]).toMatchObject({ check: 'ocsp-url', result: 'confirmed' });
    expect(f.inspection!.checks[0]!.detail).toContain(CA_ISSUERS.intermediate);
  });

  test('a certificate that has one: refuted', () => {
    const f = inspector().inspect(finding([nginxNoUrl(pki.leaves.good!.fullchain)]));
    expect(f.inspection!.result).toBe('refuted');
    expect(f.inspection!.checks[0]!.detail).toContain('http://127.0.0.1:9/');
  });

  test("Let's Encrypt issuer: the check says it ended OCSP, the fix turns stapling off", async () => {
    const d = path.join(tmp.dir, 'le');
    fs.mkdirSync(d, { recursive: true });
    const ext = write(
      'le/ext.cnf',
      '[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n[leaf]\nbasicConstraints=critical,CA:FALSE\nauthorityInfoAccess=caIssuers;URI:http://r11.i.lencr.org/\n',
    );
    await runOk('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${d}/ca.key`,
      '-out',
      `${d}/ca.pem`,
      '-subj',
      "/C=US/O=Let's Encrypt/CN=R11",
      '-days',
      '5',
      '-extensions',
      'ca',
      '-config',
      ext,
    ]);
    await runOk('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${d}/leaf.key`,
      '-out',
      `${d}/leaf.csr`,
      '-subj',
      '/CN=le.example',
    ]);
    await runOk('openssl', [
      'x509',
      '-req',
      '-in',
      `${d}/leaf.csr`,
      '-CA',
      `${d}/ca.pem`,
      '-CAkey',
      `${d}/ca.key`,
      '-set_serial',
      '7',
      '-days',
      '5',
      '-extfile',
      ext,
      '-extensions',
      'leaf',
      '-out',
      `${d}/leaf.pem`,
    ]);
    const f = inspector().inspect(finding([nginxNoUrl(`${d}/leaf.pem`)]));
    expect(f.inspection!.checks.map((c) => [c.check, c.result])).toEqual([
      ['ocsp-url', 'confirmed'],
      ['lets-encrypt', 'confirmed'],
    ]);
    expect(f.message).toMatch(/Let's Encrypt/);
    expect(f.fix.summary).toMatch(/Let's Encrypt/);
    expect(f.fix.steps[0]).toMatchObject({ directive: 'ssl_stapling', value: 'off' });
  });
});

describe('trusted-chain-incomplete (nginx ssl_stapling_verify)', () => {
  const leaf = () => pki.leaves.good!.fullchain;

  test('no ssl_trusted_certificate in the server block: confirmed, the CA above the intermediate is named (the test root, no public root)', () => {
    const conf = nginxConf('ngx-a/nginx.conf', `    ssl_certificate ${leaf()};\n    ssl_stapling on; ssl_stapling_verify on;`);
    const f = inspector([conf]).inspect(finding([nginxVerify(leaf())]));
    expect(f.cause).toBe('trusted-chain-incomplete');
    expect(f.inspection!.result).toBe('confirmed');
    expect(f.inspection!.configBlock).toBe(`${conf}:4`);
    expect(f.inspection!.missing).toEqual([{ subject: ROOT_CA, role: 'ca', caIssuersUrl: CA_ISSUERS.root, neededIn: 'trusted-bundle' }]);
    expect(f.fix.steps[0]).toMatchObject({ directive: 'ssl_trusted_certificate', value: null, valueKind: 'file:issuer-chain' });
    expect(f.fix.steps[0]!.text).toContain(ROOT_CA);
  });

  test('ssl_trusted_certificate (inherited from http) holds the intermediate only: confirmed, the root is missing from that file', () => {
    const conf = nginxConf(
      'ngx-b/nginx.conf',
      `    ssl_certificate "${leaf()}";`,
      `ssl_trusted_certificate ${pki.inter.cert}; # only the intermediate`,
    );
    const f = inspector([conf]).inspect(finding([nginxVerify(leaf())]));
    expect(f.inspection!.result).toBe('confirmed');
    expect(f.inspection!.missing.map((m) => m.subject)).toEqual([ROOT_CA]);
    expect(f.fix.steps[0]).toMatchObject({ directive: 'ssl_trusted_certificate', value: pki.inter.cert });
    // The test PKI's root is no public root: nothing read says whether it is a root or another intermediate.
    expect(f.fix.steps[0]!.text).toContain(
      `Append the CA certificate ${ROOT_CA} (no public root CA: an intermediate of your CA, or its private root)`,
    );
    expect(f.fix.steps[0]!.text).toContain('and any CA certificate above it up to the root CA');
  });

  test('ssl_trusted_certificate holds the whole chain: the signer is foreign, the cause becomes response-signature-invalid', () => {
    const conf = nginxConf('ngx-c/nginx.conf', `    ssl_certificate ${leaf()};\n    ssl_trusted_certificate ${pki.issuerChain};`);
    const f = inspector([conf]).inspect(finding([nginxVerify(leaf())]));
    expect(f.cause).toBe('response-signature-invalid');
    expect(f.inspection).toMatchObject({ result: 'confirmed', causeBefore: 'trusted-chain-incomplete' });
    expect(f.inspection!.causeChange).toMatch(/chain is complete/);
  });

  test('without --config: not checked (the log does not name the trusted bundle)', () => {
    const f = inspector().inspect(finding([nginxVerify(leaf())]));
    expect(f.inspection!.result).toBe('not-checked');
    expect(f.inspection!.checks[0]!.detail).toMatch(/--config/);
    expect(f.cause).toBe('trusted-chain-incomplete');
  });

  test('an unreadable trusted bundle: not checked with the reason', () => {
    const conf = nginxConf('ngx-d/nginx.conf', `    ssl_certificate ${leaf()};\n    ssl_trusted_certificate ${tmp.dir}/nope.pem;`);
    const f = inspector([conf]).inspect(finding([nginxVerify(leaf())]));
    expect(f.inspection!.result).toBe('not-checked');
    expect(f.inspection!.checks[0]!.detail).toMatch(/ENOENT/);
  });
});

describe('other causes and general facts', () => {
  test("responder failure: the OCSP URL check compares the log's responder with the certificate", () => {
    const f = inspector().inspect(finding([nginxRefused(pki.leaves.good!.fullchain)]));
    expect(f.cause).toBe('responder-unreachable');
    expect(f.inspection!.checks).toEqual([expect.objectContaining({ check: 'ocsp-url', result: 'confirmed' })]);
  });

  test("Apache's responder failure (AH01974 names host:port, no certificate): with --config, the block whose certificate's OCSP URL is there", () => {
    const l = pki.leaves.good!;
    const conf = write(
      'apache-responder/httpd.conf',
      `ServerRoot "${tmp.dir}"\nSSLStaplingCache shmcb:x(32768)\n<VirtualHost 127.0.0.1:8443>\n  ServerName www.stapling.test\n  SSLEngine on\n  SSLCertificateFile ${l.fullchain}\n  SSLUseStapling on\n</VirtualHost>\n`,
    );
    const ah01974 = (responder: string) => [
      `[Mon Dec 07 14:38:15.370893 2026] [ssl:error] [pid 12814:tid 12818] (111)Connection refused: [client 127.0.0.1:39854] AH01974: could not connect to OCSP responder '${responder}'`,
      '[Mon Dec 07 14:38:15.370934 2026] [ssl:error] [pid 12814:tid 12818] AH01941: stapling_renew_response: responder error',
    ];
    // The leaf's OCSP URL is http://127.0.0.1:9/: the port the log gives is compared, not dropped.
    const f = inspector([conf]).inspect(finding(ah01974('127.0.0.1:9')));
    expect(f.inspection!.result).toBe('confirmed');
    expect(f.inspection!.checks).toEqual([expect.objectContaining({ check: 'ocsp-url', result: 'confirmed', detailId: 'ocspUrlMatches' })]);
    expect(f.inspection!.certificate?.file).toBe(l.fullchain);
    const other = inspector([conf]).inspect(finding(ah01974('127.0.0.1:19')));
    expect(other.inspection!.result).toBe('not-checked');
  });

  test('status unknown (AH02969 names only the serial), and the block forces another responder than the certificate’s: that directive is the fix', () => {
    const l = pki.leaves.good!;
    const vhost = (name: string, extra: string) =>
      `<VirtualHost 127.0.0.1:8443>\n  ServerName ${name}\n  SSLEngine on\n  SSLCertificateFile ${l.fullchain}\n  SSLUseStapling on\n${extra}</VirtualHost>\n`;
    const conf = write(
      'apache-forced/httpd.conf',
      `ServerRoot "${tmp.dir}"\nSSLStaplingCache shmcb:x(32768)\n${vhost('own.stapling.test', '')}${vhost('forced.stapling.test', '  SSLStaplingForceURL http://127.0.0.1:19/\n')}${vhost('same.stapling.test', `  SSLStaplingForceURL ${sameUrlOtherSpelling(l.ocspUrl)}\n`)}`,
    );
    const ah02969 = `[Mon Dec 07 17:21:34.294134 2026] [ssl:error] [pid 29051:tid 29108] AH02969: stapling_check_response: response has certificate status unknown (reason: n/a) for serial number ${l.serial}`;
    const f = inspector([conf]).inspect(finding([ah02969]));
    expect(f.cause).toBe('certificate-status-unknown');
    expect(f.inspection!.blocks!.map((b) => [b.names[0], b.result])).toEqual([
      ['own.stapling.test', 'not-checked'],
      ['forced.stapling.test', 'confirmed'],
      // The certificate's own URL written another way (scheme's case, default path) is not another responder.
      ['same.stapling.test', 'not-checked'],
    ]);
    expect(f.inspection!.checks).toEqual([
      expect.objectContaining({ check: 'ocsp-url', result: 'confirmed', detailId: 'ocspUrlForcedOther' }),
    ]);
    expect(f.fix.steps[0]).toMatchObject({ directive: 'SSLStaplingForceURL' });
    expect(f.fix.steps[0]!.text).toContain('`SSLStaplingForceURL http://127.0.0.1:19/`');
  });

  test('an expired certificate (checked at a later time): the check says so and the fix replaces it first', () => {
    const later = Date.now() + 90 * 86_400_000;
    const f = inspector([], later).inspect(finding([nginxIssuer(pki.leaves.good!.cert)]));
    expect(f.inspection!.checks.find((c) => c.check === 'expired')).toMatchObject({ result: 'confirmed' });
    expect(f.fix.steps[0]!.action).toBe('replace-certificate');
    expect(f.message).toMatch(/expired/);
  });

  test('an expired certificate is listed for every finding of it, but confirms only the causes that ask whether it expired', () => {
    const later = Date.now() + 90 * 86_400_000;
    const l = pki.leaves.good!;
    const other = `2026/11/23 02:16:57 [error] 5390#5390: recv() failed (111: Connection refused) while requesting certificate status, responder: ocsp.elsewhere.test, peer: 192.0.2.9:80, certificate: "${l.cert}"`;
    for (const line of [nginxRefused(l.cert), other, nginxVerify(l.fullchain), nginxNoUrl(l.cert)]) {
      const data = finding([line]);
      const now = inspector().inspect(data);
      const then = inspector([], later).inspect(data);
      expect(then.inspection!.checks.find((c) => c.check === 'expired')).toMatchObject({ result: 'confirmed' });
      expect(now.inspection!.checks.some((c) => c.check === 'expired')).toBe(false);
      // Only the checks the cause asks for decide its verdict: the same as before the certificate expired.
      expect([then.cause, then.inspection!.result]).toEqual([now.cause, now.inspection!.result]);
    }
    // Across the four, the verdicts differ: the check above compares real ones, not a constant.
    const verdicts = [nginxRefused(l.cert), other].map((x) => inspector([], later).inspect(finding([x])).inspection!.result);
    expect(new Set(verdicts).size).toBe(2);
  });

  test('a missing certificate file: every check not checked with the reason, nothing thrown', () => {
    const f = inspector().inspect(finding([nginxIssuer(`${tmp.dir}/does-not-exist.pem`)]));
    expect(f.inspection!.result).toBe('not-checked');
    expect(f.inspection!.checks.map((c) => c.check)).toEqual(['self-signed', 'issuer-present']);
    expect(f.inspection!.checks[0]!.detail).toMatch(/ENOENT/);
    expect(f.cause).toBe('issuer-certificate-missing');
  });

  test('a directory or a non-PEM file is never a crash', () => {
    for (const file of [tmp.dir, write('not-a-cert.pem', 'hello\n')]) {
      const f = inspector().inspect(finding([nginxIssuer(file)]));
      expect(f.inspection!.result).toBe('not-checked');
    }
  });
});

describe('CLI', () => {
  const validate = new Ajv2020({ strict: false }).compile(OUTPUT_SCHEMA);

  test('--inspect --format json validates against the schema; the exit code is that of the findings', () => {
    const log = write('cli/error.log', `${nginxIssuer(pki.leaves.good!.cert)}\n${nginxIssuer(`${tmp.dir}/gone.pem`)}\n`);
    const r = runCli(['--inspect', '--format', 'json', log]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    if (!validate(report)) throw new Error(JSON.stringify(validate.errors, null, 2));
    expect(report.findings.map((f) => f.inspection!.result).sort()).toEqual(['confirmed', 'not-checked']);
  });

  test('human output shows the inspection block; --map-path reads a log captured with rewritten paths', () => {
    const log = write('cli/mapped.log', `${nginxIssuer('/etc/stapling-test/pki/self-signed.pem')}\n`);
    const r = runCli(['--map-path', `/etc/stapling-test=${tmp.dir}`, log]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Inspection: confirmed — cause changed from issuer-certificate-missing');
    expect(r.stdout).toContain('confirms    self-signed?  "/etc/stapling-test/pki/self-signed.pem" holds a self-signed certificate');
    expect(r.stdout).toContain('ssl_stapling off;');
  });

  test('--map-path: a certificate missing under TO is reported with the mapped path that was tried', () => {
    const log = write('cli/mapped-missing.log', `${nginxIssuer('/etc/stapling-test/pki/gone.pem')}\n`);
    const r = runCli(['--map-path', `/etc/stapling-test=${tmp.dir}`, '--format', 'json', log]);
    const [f] = (JSON.parse(r.stdout) as Report).findings;
    expect(f!.inspection!.result).toBe('not-checked');
    expect(f!.inspection!.checks[0]!.detail).toContain(`"/etc/stapling-test/pki/gone.pem" (ENOENT, read from ${tmp.dir}/pki/gone.pem)`);
  });

  test('without --inspect nothing is read and no inspection appears', () => {
    const log = write('cli/plain.log', `${nginxIssuer(pki.selfSigned.cert)}\n`);
    const report = JSON.parse(runCli(['--format', 'json', log]).stdout) as Report;
    expect(report.findings[0]!.inspection).toBeUndefined();
    expect(report.findings[0]!.cause).toBe('issuer-certificate-missing');
  });

  test('ndjson (live form) carries the inspection on each finding event', () => {
    const log = write('cli/live.log', `${nginxIssuer(pki.leaves.good!.cert)}\n`);
    const lines = runCli(['--inspect', '--format', 'ndjson', log])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; inspection?: unknown });
    expect(lines[0]!.event).toBe('new');
    expect(lines[0]!.inspection).toMatchObject({ result: 'confirmed' });
  });
});
