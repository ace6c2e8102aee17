/**
 * What an inspection's verdict changes (issue 13): a refuted diagnosis changes the fix (reload, compare
 * the running configuration — never "append the issuer" when the file holds it), and the cause where the
 * files say which (Apache's subject = issuer for a certificate another key signed: its same-named CA is
 * missing); an expired certificate makes the finding an error; the Confirm commands name the configured
 * host instead of `HOST`. Certificates are made at test time with the `openssl` CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { analyze } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';
import { createInspector } from '../src/inspect/inspect.js';
import { renderFinding } from '../src/findings/render.js';
import { fsConfigReader, readServerConfig } from '../src/inspect/config.js';
import type { Finding, FindingData } from '../src/types.js';
import { createPki, type Pki } from './servers/pki.js';
import { runOk } from './servers/proc.js';
import { runCli, tempDir } from './helpers/cli.js';

const rules = await loadRules();
const tmp = tempDir('sd-inspect-verdicts-');
let pki: Pki;
/** A CA and a leaf it issued, both named `CN=Same Name`: subject = issuer, yet not self-signed. */
let sameName: { ca: string; leaf: string; serial: string };

beforeAll(async () => {
  pki = await createPki(path.join(tmp.dir, 'pki'), [{ name: 'good', ocspUrl: 'http://127.0.0.1:9/', status: 'good' }]);
  const d = path.join(tmp.dir, 'same-name');
  fs.mkdirSync(d);
  const o = (args: string[]) => runOk('openssl', args, { cwd: d });
  await o(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem'].concat([
      '-subj',
      '/CN=Same Name',
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ]),
  );
  await o([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
    '-subj',
    '/CN=Same Name',
  ]);
  await o([
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '0x4242',
    '-days',
    '30',
    '-out',
    'leaf.pem',
  ]);
  sameName = { ca: path.join(d, 'ca.pem'), leaf: path.join(d, 'leaf.pem'), serial: '4242' };
}, 60_000);
afterAll(() => tmp.cleanup());

function finding(lines: string[]): FindingData {
  const r = analyze(lines, rules);
  expect(r.findings).toHaveLength(1);
  return r.findings[0]!;
}

function write(name: string, text: string): string {
  const f = path.join(tmp.dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

function inspect(f: FindingData, configs: string[] = [], now?: number): Finding {
  const reader = fsConfigReader(fs);
  const i = createInspector({ configs: configs.map((c) => readServerConfig(c, reader)), ...(now ? { now: () => now } : {}) });
  return renderFinding(i.inspect(f));
}

const nginxIssuer = (file: string) =>
  `2026/11/23 02:16:56 [warn] 5354#5354: "ssl_stapling" ignored, issuer certificate not found for certificate "${file}"`;
const nginxNoUrl = (file: string) =>
  `2026/11/23 02:16:56 [warn] 5377#5377: "ssl_stapling" ignored, no OCSP responder URL in the certificate "${file}"`;
const ah02217 = (subject: string, issuer: string, serial: string, notAfter = 'Dec 23 02:16:55 2036 GMT') => [
  `[Mon Nov 23 02:16:56.301052 2026] [ssl:error] [pid 5348:tid 5348] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate! [subject: ${subject} / issuer: ${issuer} / serial: ${serial} / notbefore: Nov 23 02:16:55 2016 GMT / notafter: ${notAfter}]`,
  '[Mon Nov 23 02:16:56.301065 2026] [ssl:error] [pid 5348:tid 5348] AH02604: Unable to configure certificate www.stapling.test:443:0 for stapling',
];

describe('a refuted diagnosis changes the fix', () => {
  test('issuer-certificate-missing, but the file holds the issuer: reload and compare, never "append the issuer"', () => {
    const f = inspect(finding([nginxIssuer(pki.leaves.good!.fullchain)]));
    expect(f.inspection!.result).toBe('refuted');
    expect(f.messageId).toBe('issuer-certificate-missing.refuted');
    expect(f.message).toMatch(/the files as they are now hold it/);
    expect(f.fix.steps.map((s) => s.action)).toEqual(['run', 'check']);
    expect(f.fix.steps[0]!.command).toBe('nginx -t && nginx -s reload');
    expect(f.fix.steps[1]!.command).toMatch(/^nginx -T/);
    expect(f.fix.steps.map((s) => s.text).join('\n')).not.toMatch(/Append|full chain/);
  });

  test('ocsp-url-missing, but the certificate carries an OCSP URL: reload and compare, not "turn stapling off"', () => {
    const f = inspect(finding([nginxNoUrl(pki.leaves.good!.fullchain)]));
    expect(f.messageId).toBe('ocsp-url-missing.refuted');
    expect(f.fix.steps.map((s) => [s.action, s.directive])).toEqual([
      ['run', null],
      ['check', 'ssl_certificate'],
    ]);
  });

  test('Apache "self-signed" (subject = issuer) signed by another key of the same name: the cause becomes issuer-certificate-missing', () => {
    const conf = write(
      'same-name/httpd.conf',
      `<VirtualHost *:443>\n  SSLEngine on\n  SSLCertificateFile ${sameName.leaf}\n</VirtualHost>\n`,
    );
    const logged = finding(ah02217('CN=Same Name', 'CN=Same Name', sameName.serial));
    expect(logged.cause).toBe('self-signed-certificate'); // what the log alone says
    const f = inspect(logged, [conf]);
    expect(f.cause).toBe('issuer-certificate-missing');
    expect(f.inspection).toMatchObject({
      result: 'confirmed',
      causeBefore: 'self-signed-certificate',
      causeChangeReason: 'not-self-signed',
    });
    expect(f.inspection!.checks.map((c) => [c.check, c.result, c.detailId])).toEqual([
      ['self-signed', 'confirmed', 'selfSignedDnOnly'],
      ['issuer-present', 'confirmed', 'issuerMissing'],
    ]);
    expect(f.inspection!.missing.map((m) => m.subject)).toEqual(['CN=Same Name']);
    expect(f.inspection!.causeChange).toMatch(/a CA with the same name issued it/);
    expect(f.fix.steps[0]).toMatchObject({ directive: 'SSLCertificateFile', valueKind: 'file:leaf-and-chain' });
  });
});

describe('an expired certificate is an error', () => {
  test('by --inspect (checked after notAfter): severity error, the fix replaces it first', () => {
    const logged = finding([nginxIssuer(pki.leaves.good!.cert)]);
    expect(logged.severity).toBe('warning');
    const f = inspect(logged, [], Date.now() + 400 * 86_400_000);
    expect(f.severity).toBe('error');
    expect(f.fix.steps[0]!.action).toBe('replace-certificate');
  });

  test('by the log alone (Apache notafter before the line’s time): severity error', () => {
    const f = renderFinding(
      finding(ah02217('CN=www.stapling.test', 'CN=Stapling Test Intermediate CA', '1007', 'Nov 01 00:00:00 2026 GMT')),
    );
    expect(f.severity).toBe('error');
    expect(f.message).toMatch(/expired on Nov 01 00:00:00 2026 GMT/);
  });

  test('the CLI sorts the raised finding first and exits by it', () => {
    const log = write(
      'expired/error.log',
      [
        ...ah02217('CN=www.stapling.test', 'CN=Stapling Test Intermediate CA', '1007', 'Nov 01 00:00:00 2026 GMT'),
        nginxNoUrl('/x.pem'),
      ].join('\n') + '\n',
    );
    const r = runCli(['--format', 'json', '--fail-on', 'error', log]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: Finding[] };
    expect(report.findings.map((f) => f.severity)).toEqual(['error', 'warning']);
  });
});

describe('Confirm commands use the configured host', () => {
  test('nginx: listen address and server_name instead of HOST', () => {
    const conf = write(
      'confirm/nginx.conf',
      `events {}\nhttp {\n  server {\n    listen 192.0.2.10:8443 ssl;\n    server_name shop.example.org;\n    ssl_certificate ${pki.leaves.good!.cert};\n    ssl_stapling on;\n  }\n}\n`,
    );
    const f = inspect(finding([nginxIssuer(pki.leaves.good!.cert)]), [conf]);
    expect(f.fix.verify[1]).toMatch(/^openssl s_client -connect 192\.0\.2\.10:8443 -servername shop\.example\.org -status/);
    expect(f.fix.verify.join('\n')).not.toContain('HOST');
  });

  test('Apache: ServerName with <VirtualHost *:443>', () => {
    const l = pki.leaves.good!;
    const conf = write(
      'confirm/httpd.conf',
      `<VirtualHost *:443>\n  ServerName www.stapling.test\n  SSLEngine on\n  SSLCertificateFile ${l.cert}\n</VirtualHost>\n`,
    );
    const f = inspect(finding(ah02217('CN=www.stapling.test', 'CN=Stapling Test Intermediate CA,O=stapling-doctor tests', l.serial)), [
      conf,
    ]);
    expect(f.fix.verify[1]).toMatch(/^openssl s_client -connect www\.stapling\.test:443 -servername www\.stapling\.test -status/);
  });

  test('without --config: the vhost of the log, else HOST', () => {
    const f = inspect(finding([nginxIssuer(pki.leaves.good!.cert)]));
    expect(f.fix.verify[1]).toMatch(/-connect HOST:443 -servername HOST/);
  });
});
