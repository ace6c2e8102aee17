/**
 * `--inspect --config` judges every block a finding's certificate is used by (issue 13): the
 * shared-certificate case — two nginx `server {}`s with the same `ssl_certificate` and different
 * `ssl_trusted_certificate`, two Apache `<VirtualHost>`s with the same `SSLCertificateFile` and different
 * `SSLCACertificateFile` — gives each block its own verdict, says that the blocks differ, and never takes
 * the first block's verdict for the finding. Blocks that agree on every setting get one judgement that
 * says which blocks it stands for. The log lines are the servers' real wording (samples/real, and what
 * nginx 1.22.1 / Apache 2.4 print for the fixtures, see test/inspect-config-layouts.test.ts) with this
 * test's certificate paths; the certificates are made by the test PKI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { analyze } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';
import { createInspector } from '../src/inspect/inspect.js';
import { renderFinding } from '../src/findings/render.js';
import { fsConfigReader, readServerConfig } from '../src/inspect/config.js';
import { formatFinding } from '../src/format/human.js';
import type { Finding, FindingData } from '../src/types.js';
import type { Pki } from './servers/pki.js';
import { tempDir } from './helpers/cli.js';
import { createConfigPki, stageFixture, type StagedConfig } from './helpers/config-lab.js';

const rules = await loadRules();
const tmp = tempDir('sd-inspect-blocks-');
let pki: Pki;
let nginx: StagedConfig;
let apache: StagedConfig;
const ROOT_CA = 'CN=Stapling Test Root CA,O=stapling-doctor tests';
const INTER = 'CN=Stapling Test Intermediate CA,O=stapling-doctor tests';
const SHARED = '/etc/ssl/stapling-doctor/shared.pem';

beforeAll(async () => {
  pki = await createConfigPki(path.join(tmp.dir, 'pki'));
  nginx = stageFixture('debian-nginx-shared-certificate', path.join(tmp.dir, 'nginx'), pki);
  apache = stageFixture('debian-apache-shared-certificate', path.join(tmp.dir, 'apache'), pki);
}, 60_000);
afterAll(() => tmp.cleanup());

function finding(lines: string[]): FindingData {
  const r = analyze(lines, rules);
  expect(r.findings).toHaveLength(1);
  return r.findings[0]!;
}

/** Inspect with the configuration read through the stage's --map-path, then word: what the CLI prints. */
function inspectWith(stage: StagedConfig, main: string, f: FindingData): Finding {
  const conf = readServerConfig(main, fsConfigReader(fs, stage.paths));
  return renderFinding(createInspector({ configs: [conf], paths: stage.paths }).inspect(f));
}

function write(name: string, text: string): string {
  const f = path.join(tmp.dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

const verify = (file: string, error: string) =>
  `2026/11/23 02:16:56 [error] 5416#5416: OCSP_basic_verify() failed (SSL: error:13800065:OCSP routines::certificate verify error:Verify error: ${error}) while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:42963, certificate: "${file}"`;

describe('nginx: two server blocks share the certificate, with different ssl_trusted_certificate (the case of issue 13)', () => {
  /** a.example trusts the whole chain, b.example only the intermediate: nginx logs the verify error for b's fetch. */
  function twoBlocks(name: string): string {
    const leaf = pki.leaves.shared!.fullchain;
    return write(
      `${name}/nginx.conf`,
      `events {}
http {
  ssl_stapling on;
  ssl_stapling_verify on;
  server {
    listen 127.0.0.1:8443 ssl;
    server_name a.example;
    ssl_certificate ${leaf};
    ssl_trusted_certificate ${pki.issuerChain};
  }
  server {
    listen 127.0.0.1:8443 ssl;
    server_name b.example;
    ssl_certificate ${leaf};
    ssl_trusted_certificate ${pki.inter.cert};
  }
}
`,
    );
  }

  test('"unable to get issuer certificate": trusted-chain-incomplete holds for b, not response-signature-invalid from a', () => {
    const conf = twoBlocks('verify');
    const reader = fsConfigReader(fs);
    const f = renderFinding(
      createInspector({ configs: [readServerConfig(conf, reader)] }).inspect(
        finding([verify(pki.leaves.shared!.fullchain, 'unable to get issuer certificate')]),
      ),
    );
    expect(f.cause).toBe('trusted-chain-incomplete');
    const ins = f.inspection!;
    expect(ins.causeBefore).toBeUndefined();
    expect(ins.blockJudgement).toBe('each');
    expect(ins.blockDifferences).toEqual(['trustedFiles']);
    expect(ins.blocks!.map((b) => [b.block, b.names[0], b.cause, b.result])).toEqual([
      [`${conf}:5`, 'a.example', 'response-signature-invalid', 'confirmed'],
      [`${conf}:11`, 'b.example', 'trusted-chain-incomplete', 'confirmed'],
    ]);
    expect(ins.verdictFor).toEqual([`${conf}:11`]);
    expect(ins.result).toBe('confirmed');
    expect(ins.missing).toEqual([expect.objectContaining({ subject: ROOT_CA, role: 'ca', neededIn: 'trusted-bundle' })]);
    expect(ins.trustedFiles).toEqual([pki.inter.cert]);
    expect(ins.blocksNote).toMatch(/2 blocks that differ in `ssl_trusted_certificate`; the log does not say which one/);
    expect(ins.blocksNote).toContain(`holds for ${conf}:11 (b.example)`);
    expect(ins.blocksNote).toContain(`${conf}:5 (a.example) gives response-signature-invalid (confirmed)`);
    // The fix is b's: append the root to the file b names.
    expect(f.fix.steps[0]).toMatchObject({ directive: 'ssl_trusted_certificate', value: pki.inter.cert });
    // Confirm at b's address and name.
    expect(f.fix.verify.join('\n')).toContain('-connect 127.0.0.1:8443 -servername b.example');
    const text = formatFinding(f, { color: 0 });
    expect(text).toContain(`block: ${conf}:5 (a.example) → response-signature-invalid, confirmed`);
    expect(text).toContain(`block: ${conf}:11 (b.example) → trusted-chain-incomplete, confirmed`);
  });

  test('a server: in the evidence (a request line) names the block: judged alone', () => {
    const conf = twoBlocks('verify-server');
    const line = `${verify(pki.leaves.shared!.fullchain, 'unable to get issuer certificate')}, server: b.example`;
    const f = renderFinding(createInspector({ configs: [readServerConfig(conf, fsConfigReader(fs))] }).inspect(finding([line])));
    expect(f.inspection!.blocks).toBeUndefined();
    expect(f.inspection!.configBlock).toBe(`${conf}:11`);
    expect(f.cause).toBe('trusted-chain-incomplete');
  });

  test('the Debian fixture: "issuer certificate not found" for shared.pem is confirmed for b.example (foreign CA file), refuted for a.example', () => {
    const line = `2026/12/01 23:20:21 [warn] 28380#28380: "ssl_stapling" ignored, issuer certificate not found for certificate "${SHARED}"`;
    const f = inspectWith(nginx, '/etc/nginx/nginx.conf', finding([line]));
    expect(f.cause).toBe('issuer-certificate-missing');
    const ins = f.inspection!;
    expect(ins.blocks!.map((b) => [b.block, b.cause, b.result])).toEqual([
      ['/etc/nginx/sites-enabled/a.example:2', 'issuer-certificate-missing', 'refuted'],
      ['/etc/nginx/sites-enabled/b.example:3', 'issuer-certificate-missing', 'confirmed'],
    ]);
    expect(ins.verdictFor).toEqual(['/etc/nginx/sites-enabled/b.example:3']);
    expect(ins.result).toBe('confirmed');
    expect(ins.missing.map((m) => m.subject)).toEqual([INTER]);
    expect(f.fix.verify.join('\n')).toContain('-connect 127.0.0.2:443 -servername b.example');
  });
});

describe('Apache: two VirtualHosts share SSLCertificateFile, with different SSLCACertificateFile', () => {
  const leaf = () => pki.leaves.shared!;
  const ah02217 = () => {
    const subject = 'CN=www.stapling.test';
    const serial = leaf().serial;
    return `[Mon Dec 01 23:20:21.301052 2026] [ssl:error] [pid 5348:tid 5348] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate! [subject: ${subject} / issuer: ${INTER} / serial: ${serial} / notbefore: Nov 23 02:16:55 2026 GMT / notafter: Dec 23 02:16:55 2036 GMT]`;
  };
  const ah02604 = (vhost: string) =>
    `[Mon Dec 01 23:20:21.301065 2026] [ssl:error] [pid 5348:tid 5348] AH02604: Unable to configure certificate ${vhost} for stapling`;

  test('AH02217 + AH02604 with b.example:443:0: b is judged (issuer missing, confirmed), not a (whose CA file holds the issuer)', () => {
    const f = inspectWith(apache, '/etc/apache2/apache2.conf', finding([ah02217(), ah02604('b.example:443:0')]));
    expect(f.cause).toBe('issuer-certificate-missing');
    expect(f.inspection!.result).toBe('confirmed');
    expect(f.inspection!.configBlock).toBe('/etc/apache2/sites-enabled/b-example-ssl.conf:2');
    expect(f.inspection!.blocks).toBeUndefined();
    expect(f.fix.verify.join('\n')).toContain('-connect b.example:443 -servername b.example');
  });

  test('AH02217 alone (subject/serial only): both VirtualHosts judged, the verdict is b’s and a’s refutation is shown', () => {
    const f = inspectWith(apache, '/etc/apache2/apache2.conf', finding([ah02217()]));
    const ins = f.inspection!;
    expect(ins.blocks!.map((b) => [b.block, b.names, b.result])).toEqual([
      ['/etc/apache2/sites-enabled/a-example-ssl.conf:2', ['a.example', 'www.a.example'], 'refuted'],
      ['/etc/apache2/sites-enabled/b-example-ssl.conf:2', ['b.example'], 'confirmed'],
    ]);
    expect(ins.blocksNote).toMatch(/differ in `SSLCACertificateFile`/);
    expect(ins.result).toBe('confirmed');
  });
});

describe('blocks that do not staple', () => {
  test('a certificate shared with a block whose stapling is off: only the block that staples wrote the line', () => {
    const leaf = pki.leaves.shared!.fullchain;
    const conf = write(
      'off/nginx.conf',
      `events {}
http {
  server { listen 127.0.0.1:8443 ssl; server_name x.example; ssl_certificate ${leaf}; ssl_stapling on; ssl_stapling_verify on; }
  server { listen 127.0.0.1:8444 ssl; server_name y.example; ssl_certificate ${leaf}; }
  server { listen 127.0.0.1:8445 ssl; server_name z.example; ssl_certificate ${leaf}; ssl_stapling off; ssl_trusted_certificate ${pki.inter.cert}; }
}
`,
    );
    const f = renderFinding(
      createInspector({ configs: [readServerConfig(conf, fsConfigReader(fs))] }).inspect(
        finding([verify(leaf, 'unable to get issuer certificate')]),
      ),
    );
    const ins = f.inspection!;
    expect([ins.configBlock, ins.verdictFor ?? null, ins.blocks ?? null, ins.blocksNote ?? null]).toEqual([`${conf}:3`, null, null, null]);
  });
});

describe('blocks that agree on every setting', () => {
  test('seven of them: the fix names the first five (with their server_name) and counts the rest; so does the note', () => {
    const leaf = pki.leaves.shared!.fullchain;
    const servers = [1, 2, 3, 4, 5, 6, 7].map(
      (i) => `  server { listen 127.0.0.1:${8440 + i} ssl; server_name s${i}.example; ssl_certificate ${leaf}; }\n`,
    );
    const conf = write(
      'seven/nginx.conf',
      `events {}\nhttp {\n  ssl_stapling on; ssl_stapling_verify on;\n  ssl_trusted_certificate ${pki.inter.cert};\n${servers.join('')}}\n`,
    );
    const f = renderFinding(
      createInspector({ configs: [readServerConfig(conf, fsConfigReader(fs))] }).inspect(
        finding([verify(leaf, 'unable to get issuer certificate')]),
      ),
    );
    expect(f.inspection!.verdictFor).toHaveLength(7);
    const named = [1, 2, 3, 4, 5].map((i) => `${conf}:${4 + i} (s${i}.example)`).join(', ');
    const inBlock = f.fix.steps.filter((x) => x.context === 'server');
    expect(inBlock.length).toBeGreaterThan(0);
    for (const x of inBlock) expect(x.text).toContain(`It is for each of the 7 server blocks that use "${leaf}": ${named} and 2 more.`);
    expect(f.inspection!.blocksNote).toBe(
      `The certificate is used by 7 blocks with the same settings (${[5, 6, 7, 8, 9].map((l) => `${conf}:${l}`).join(', ')} and 2 more): this judgement stands for all of them.`,
    );
  });

  test('one judgement, and it says which blocks it stands for', () => {
    const leaf = pki.leaves.shared!.fullchain;
    const conf = write(
      'agree/nginx.conf',
      `events {}
http {
  ssl_stapling on; ssl_stapling_verify on;
  ssl_trusted_certificate ${pki.inter.cert};
  server { listen 127.0.0.1:8443 ssl; server_name x.example; ssl_certificate ${leaf}; }
  server { listen 127.0.0.1:8444 ssl; server_name y.example; ssl_certificate ${leaf}; }
}
`,
    );
    const f = renderFinding(
      createInspector({ configs: [readServerConfig(conf, fsConfigReader(fs))] }).inspect(
        finding([verify(leaf, 'unable to get issuer certificate')]),
      ),
    );
    const ins = f.inspection!;
    expect(ins.blockJudgement).toBe('one');
    expect(ins.verdictFor).toEqual([`${conf}:5`, `${conf}:6`]);
    expect(ins.blocks!.every((b) => b.cause === 'trusted-chain-incomplete' && b.result === 'confirmed' && b.checks.length === 0)).toBe(
      true,
    );
    expect(ins.blocksNote).toBe(
      `The certificate is used by 2 blocks with the same settings (${conf}:5 and ${conf}:6): this judgement stands for all of them.`,
    );
    expect(f.fix.verify.join('\n')).toContain('127.0.0.1:8443 -servername x.example');
    expect(f.fix.verify.join('\n')).toContain('127.0.0.1:8444 -servername y.example');
  });
});
