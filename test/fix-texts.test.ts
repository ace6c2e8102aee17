/**
 * Fix texts that are right in detail: the responder's real port (from the peer address or the URL the
 * log names, never an assumed 80), and a missing root CA taken from the system CA store — never
 * downloaded over plain HTTP from a URL written in a certificate.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import path from 'node:path';
import fc from 'fast-check';
import { analyze } from '../src/findings/analyzer.js';
import { renderFinding } from '../src/findings/render.js';
import { ROOT_SOURCE, slashDn } from '../src/findings/causes/kit.js';
import { createInspector } from '../src/inspect/inspect.js';
import { fsConfigReader, readServerConfig } from '../src/inspect/config.js';
import { loadRules } from '../src/rules/load.js';
import { dnLine } from '../src/x509/x509.js';
import type { Finding } from '../src/types.js';
import { tempDir } from './helpers/cli.js';
import { createPki, type Pki } from './servers/pki.js';

const rules = await loadRules();

/** The one finding of these lines, worded. */
function worded(lines: string[]): Finding {
  const r = analyze(lines, rules);
  expect(r.findings).toHaveLength(1);
  return renderFinding(r.findings[0]!);
}

const host = fc.oneof(
  fc.ipV4(),
  fc.constantFrom('ocsp.example.com', 'r3.o.lencr.org', 'ocsp.digicert.com'),
  fc.domain().filter((d) => !d.includes(':')),
);
const port = fc.integer({ min: 1, max: 65535 });

/** The reachability step of a responder-unreachable / responder-timeout finding. */
function reachStep(f: Finding) {
  const st = f.fix.steps.find((s) => s.command?.startsWith('curl'));
  expect(st).toBeDefined();
  return st!;
}

/** What the fix must say about port `p` on `h`. */
function expectPort(f: Finding, h: string, p: number): void {
  const st = reachStep(f);
  expect(st.text).toContain(`TCP port ${p}`);
  expect(st.text).toContain(h);
  expect(st.command).toContain(p === 80 ? `http://${h}/` : `http://${h}:${p}/`);
  if (p !== 80) expect(`${st.text} ${st.command}`).not.toMatch(/\bport 80\b|:80\//);
}

describe('the responder reachability check uses the responder’s real port', () => {
  test('nginx: the port of the peer it connected to (responder: host, peer: address:port)', () => {
    fc.assert(
      fc.property(
        host,
        fc.oneof(
          fc.ipV4(),
          fc.ipV6().map((a) => `[${a}]`),
        ),
        port,
        (h, peer, p) => {
          // the rule's sample (nginx 1.11.7+ ngx_event_connect_peer() in the stapling context), responder, peer and port varied
          const line = `2021/03/29 13:58:02 [error] 32064#0: connect() to ${peer}:${p} failed (111: Connection refused) while requesting certificate status, responder: ${h}, peer: ${peer}:${p}, certificate: "/etc/ssl/site.pem"`;
          const f = worded([line]);
          expect(f.cause).toBe('responder-unreachable');
          expectPort(f, h, p);
        },
      ),
      { numRuns: 20 },
    );
  });

  test('nginx timeout: the same port in the check', () => {
    fc.assert(
      fc.property(host, fc.ipV4(), port, (h, peer, p) => {
        const line = `2026/11/23 02:17:08 [error] 5352#5352: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ${h}, peer: ${peer}:${p}, certificate: "/etc/ssl/site.pem"`;
        const f = worded([line]);
        expect(f.cause).toBe('responder-timeout');
        expectPort(f, h, p);
      }),
      { numRuns: 15 },
    );
  });

  test("Apache: the port of AH01974's 'host:port'", () => {
    fc.assert(
      fc.property(host, port, (h, p) => {
        // samples/real/apache-responder-down.log, with the responder varied
        const f = worded([
          `[Mon Nov 23 02:17:03.236684 2026] [ssl:error] [pid 5868:tid 5871] (111)Connection refused: [client 127.0.0.1:56858] AH01974: could not connect to OCSP responder '${h}:${p}'`,
          '[Mon Nov 23 02:17:03.236717 2026] [ssl:error] [pid 5868:tid 5871] AH01941: stapling_renew_response: responder error',
        ]);
        expect(f.cause).toBe('responder-unreachable');
        expectPort(f, h, p);
      }),
      { numRuns: 15 },
    );
  });

  test('no port in the log: the text says where to find it instead of guessing 80', () => {
    const f = worded([
      '2026/11/23 02:17:04 [error] 5929#5929: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.example.com',
    ]);
    expect(reachStep(f).text).not.toMatch(/port 80\b/);
    expect(reachStep(f).text).toMatch(/port of the responder's URL/);
  });
});

describe('the name-resolution check asks about the host name alone, never host:port', () => {
  // `getent hosts name:443` never answers, even for a name that resolves: the check would always say "broken".
  const forms = [
    // samples/real/apache-dns-failure.log (AH01972 logs the URL's hostinfo, host:port), host and port varied
    (h: string, p: number) => [
      `[Mon Nov 23 02:17:04.505581 2026] [ssl:error] [pid 5964:tid 5968] (EAI 2)Name or service not known: [client 127.0.0.1:52684] AH01972: could not resolve address of OCSP responder ${h}:${p}`,
      '[Mon Nov 23 02:17:04.505612 2026] [ssl:error] [pid 5964:tid 5968] AH01941: stapling_renew_response: responder error',
    ],
    // samples/real/nginx-dns-failure-at-start.log (nginx logs the URL after http://, host:port/path)
    (h: string, p: number) => [
      `2026/11/23 02:17:04 [warn] 5990#5990: "ssl_stapling" ignored, host not found in OCSP responder "${h}:${p}/" in the certificate "/etc/ssl/a.pem"`,
    ],
  ];
  test.each(forms.map((form, i) => [i, form]))('form %i: the command and the sentence name the host without its port', (_i, form) => {
    fc.assert(
      fc.property(fc.constantFrom('ocsp.example.com', 'r3.o.lencr.org', 'retired-ocsp.stapling.test'), port, (h, p) => {
        const f = worded(form(h, p));
        expect(f.cause).toBe('dns-resolution-failed');
        const st = f.fix.steps.find((s) => s.command?.startsWith('getent'));
        expect(st?.command).toBe(`getent hosts ${h}`);
        expect(st!.text).toContain(h);
        expect(st!.text).not.toContain(`${h}:${p}`);
      }),
      { numRuns: 10 },
    );
  });
});

test('Apache could not resolve its OCSP proxy: the check looks up the proxy, and no step offers a proxy as the cure', () => {
  // rules/apache-responder-unresolved.yaml's captured proxy sample (httpd 2.4.68, SSLOCSPProxyURL host that does not exist)
  const f = worded([
    '[Mon Nov 23 01:56:40.072835 2026] [ssl:error] [pid 10916:tid 10942] (EAI 2)Name or service not known: [client 127.0.0.1:52286] AH01972: could not resolve address of proxy proxy.stapling-lab.invalid:3128',
    '[Mon Nov 23 01:56:40.072868 2026] [ssl:error] [pid 10916:tid 10942] AH01941: stapling_renew_response: responder error',
  ]);
  expect(f.cause).toBe('dns-resolution-failed');
  expect(f.fix.steps.map((s) => s.command).filter(Boolean)).toEqual(['getent hosts proxy.stapling-lab.invalid']);
  expect(f.fix.steps.map((s) => s.text).join(' ')).not.toMatch(/through an HTTP proxy|responder name/);
  expect(f.fix.steps.some((s) => s.directive === 'SSLOCSPProxyURL' && s.text.includes('proxy.stapling-lab.invalid:3128'))).toBe(true);
});

describe('a missing root CA comes from the system CA store, never over plain HTTP from a certificate’s URL', () => {
  const tmp = tempDir('sd-fixtexts-');
  let pki: Pki;
  beforeAll(async () => {
    pki = await createPki(path.join(tmp.dir, 'pki'), [{ name: 'good', ocspUrl: 'http://127.0.0.1:9/', status: 'good' }]);
  }, 60_000);
  afterAll(() => tmp.cleanup());

  test('trusted bundle with the intermediate only: the CA above it (the test root, no public root) is looked for in the CA store; no step downloads it', () => {
    const conf = path.join(tmp.dir, 'nginx.conf');
    const leaf = pki.leaves.good!.fullchain;
    fs.writeFileSync(
      conf,
      `events {}\nhttp {\n  server {\n    listen 127.0.0.1:8443 ssl;\n    ssl_certificate ${leaf};\n    ssl_trusted_certificate ${pki.inter.cert};\n    ssl_stapling on; ssl_stapling_verify on;\n  }\n}\n`,
    );
    const line = `2026/11/23 02:16:56 [error] 5414#5414: OCSP_basic_verify() failed (SSL: error:13800065:OCSP routines::certificate verify error:Verify error: unable to get issuer certificate) while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:42963, certificate: "${leaf}"`;
    const inspector = createInspector({ configs: [readServerConfig(conf, fsConfigReader(fs))] });
    const f = renderFinding(inspector.inspect(analyze([line], rules).findings[0]!));
    expect(f.inspection!.missing).toMatchObject([{ role: 'ca', caIssuersUrl: expect.stringMatching(/^http:\/\//) }]);
    const all = f.fix.steps.map((s) => `${s.text}\n${s.command ?? ''}`).join('\n');
    // the certificate's CA Issuers URL for the root is never offered, in words or in a command
    expect(all).not.toContain(f.inspection!.missing[0]!.caIssuersUrl!);
    expect(f.fix.steps.filter((s) => /curl|wget/.test(s.command ?? ''))).toEqual([]);
    const find = f.fix.steps.find((s) => s.command?.startsWith('openssl storeutl'));
    expect(find!.command).toBe(
      `openssl storeutl -noout -certs -subject '/O=stapling-doctor tests/CN=Stapling Test Root CA' /etc/ssl/certs/`,
    );
    expect(find!.text).toMatch(/from your CA's own website or PKI over HTTPS/);
  });

  const STORE = '/etc/ssl/certs';
  const roots = fs.existsSync(STORE)
    ? fs
        .readdirSync(STORE)
        .filter((n) => /^[0-9a-f]{8}\.0$/.test(n))
        .slice(0, 400)
        .map((n) => new X509Certificate(fs.readFileSync(path.join(STORE, n))))
        .filter((c) => c.subject === c.issuer)
    : [];
  (roots.length > 0 ? test : test.skip)(`the command finds real roots of ${STORE} by the subject --inspect prints`, () => {
    const sample = roots.filter((_, i) => i % Math.max(1, Math.floor(roots.length / 12)) === 0);
    for (const root of sample) {
      const subject = dnLine(root.subject);
      const cmd = ROOT_SOURCE.findCommand(subject);
      const out = execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
      const file = /Name: (\S+)/.exec(out)?.[1];
      expect(file).toBeDefined();
      expect(new X509Certificate(fs.readFileSync(file!)).fingerprint256).toBe(root.fingerprint256);
    }
  });
  if (roots.length === 0) process.stderr.write(`⚠ SKIPPED: no hashed CA store at ${STORE} (Debian: apt-get install ca-certificates)\n`);

  test('a CA above the chain named as a public root CA is the root to take from the CA store', async () => {
    // A stand-in root with the subject of a root Node carries (Mozilla's list): nothing but its name is public.
    const publicRoot = new X509Certificate(tls.rootCertificates[0]!);
    const dir = path.join(tmp.dir, 'public-name');
    const pki = await createPki(dir, [{ name: 'good', ocspUrl: 'http://127.0.0.1:9/', status: 'good' }], {
      rootSubject: slashDn(dnLine(publicRoot.subject)),
    });
    const f = (n: string) => path.join(dir, n);
    const leaf = pki.leaves.good!.fullchain;
    const conf = f('nginx.conf');
    fs.writeFileSync(
      conf,
      `events {}\nhttp {\n  server {\n    listen 127.0.0.1:8443 ssl;\n    ssl_certificate ${leaf};\n    ssl_trusted_certificate ${pki.inter.cert};\n    ssl_stapling on; ssl_stapling_verify on;\n  }\n}\n`,
    );
    const line = `2026/11/23 02:16:56 [error] 5414#5414: OCSP_basic_verify() failed (SSL: error:13800065:OCSP routines::certificate verify error:Verify error: unable to get issuer certificate) while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:42963, certificate: "${leaf}"`;
    const inspector = createInspector({ configs: [readServerConfig(conf, fsConfigReader(fs))] });
    const w = renderFinding(inspector.inspect(analyze([line], rules).findings[0]!));
    expect(w.inspection!.missing).toMatchObject([{ subject: dnLine(publicRoot.subject), role: 'root', neededIn: 'trusted-bundle' }]);
    expect(w.fix.steps[0]!.text).toContain(`Append the root CA certificate ${dnLine(publicRoot.subject)}`);
    expect(w.fix.steps[0]!.text).not.toContain('up to the root CA');
  });

  test('slashDn reverses the order and escapes slashes', () => {
    expect(slashDn('CN=ISRG Root X1,O=Internet Security Research Group,C=US')).toBe(
      '/C=US/O=Internet Security Research Group/CN=ISRG Root X1',
    );
    expect(slashDn('CN=a/b,O=Foo, Inc.,C=DE')).toBe('/C=DE/O=Foo, Inc./CN=a\\/b');
  });
});
