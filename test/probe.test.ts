/**
 * `stapling-doctor probe` against a Node TLS server on 127.0.0.1 that staples real OCSP responses made
 * by `openssl ocsp` for the test PKI (`test/servers/pki.ts`): delegated signer, the issuer itself,
 * a foreign signer, a signer without OCSPSigning, revoked, unknown, tryLater, another certificate's
 * response, garbage, none, and none-then-one (nginx's behaviour). The real Apache/nginx comparison
 * with `openssl s_client -status` is in `test/servers/servers.test.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { checkStaple } from '../src/probe/ocsp.js';
import { hostPort, parseTarget, probe, ProbeError, type ProbeOptions } from '../src/probe/probe.js';
import { PROBE_SCHEMA } from '../src/format/probe-schema.js';
import { formatProbe, noteText, probeDocument, signatureText } from '../src/format/probe.js';
import { formatCheck } from '../src/format/check.js';
import { X509Certificate } from 'node:crypto';
import { createPki, type Pki } from './servers/pki.js';
import { runOk } from './servers/proc.js';
import { runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir('sd-probe-');
let pki: Pki;
const der: Record<string, Buffer> = {};
const validate = new Ajv2020({ strict: false }).compile(PROBE_SCHEMA);

/** `openssl ocsp` one-shot: a response about `leaf` signed by `signer`. */
async function respond(name: string, leaf: string, signer: { cert: string; key: string }, extra: string[] = []): Promise<void> {
  const req = path.join(tmp.dir, `${name}.req`);
  const out = path.join(tmp.dir, `${name}.der`);
  await runOk('openssl', ['ocsp', '-issuer', pki.inter.cert, '-cert', leaf, '-no_nonce', '-reqout', req]);
  await runOk('openssl', [
    'ocsp',
    '-index',
    pki.index,
    '-rsigner',
    signer.cert,
    '-rkey',
    signer.key,
    '-CA',
    pki.inter.cert,
    '-reqin',
    req,
    '-respout',
    out,
    '-ndays',
    '1',
    ...extra,
  ]);
  der[name] = fs.readFileSync(out);
}

beforeAll(async () => {
  pki = await createPki(path.join(tmp.dir, 'pki'), [
    { name: 'good', ocspUrl: 'http://127.0.0.1:9/', status: 'good' },
    { name: 'revoked', ocspUrl: 'http://127.0.0.1:9/', status: 'revoked' },
    { name: 'unlisted', ocspUrl: 'http://127.0.0.1:9/', status: 'unknown' },
  ]);
  const L = pki.leaves;
  await respond('good', L.good!.cert, pki.ocspSigner);
  await respond('by-issuer', L.good!.cert, pki.inter, ['-resp_key_id']);
  await respond('foreign', L.good!.cert, pki.foreignSigner);
  await respond('no-eku', L.good!.cert, pki.signerWithoutOcspUsage);
  await respond('revoked', L.revoked!.cert, pki.ocspSigner);
  await respond('unknown', L.unlisted!.cert, pki.ocspSigner);
  await respond('other-cert', L.revoked!.cert, pki.ocspSigner); // served for the good leaf: CertID mismatch
}, 60_000);
afterAll(() => tmp.cleanup());

/** What a test server serves: its certificate file (PEM, leaf first, with whatever chain it sends), key, and address. */
interface Served {
  cert: string;
  key: string;
  host?: string;
}

/**
 * A TLS server for the good leaf's full chain (or `served`) that staples `staples[i]` on the i-th
 * handshake asking for one (the last one from then on; null: no staple). @returns its port and a close function.
 */
async function stapler(
  staples: (Buffer | null)[],
  leaf = 'good',
  served: Served = { cert: pki.leaves[leaf]!.fullchain, key: pki.leaves[leaf]!.key },
): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = tls.createServer({ key: fs.readFileSync(served.key), cert: fs.readFileSync(served.cert) }, (s) => s.end());
  let n = 0;
  srv.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp: Buffer | null) => void) => {
    cb(null, staples[Math.min(n++, staples.length - 1)] ?? null);
  });
  await new Promise<void>((r) => srv.listen(0, served.host ?? '127.0.0.1', () => r()));
  return { port: (srv.address() as AddressInfo).port, close: () => new Promise((r) => srv.close(() => r())) };
}

async function probeWith(staples: (Buffer | null)[], leaf = 'good') {
  const s = await stapler(staples, leaf);
  try {
    return await probe({ host: '127.0.0.1', port: s.port, servername: 'www.stapling.test', retryDelayMs: 50, caFile: pki.root.cert });
  } finally {
    await s.close();
  }
}

const TRY_LATER = Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x03]);

test('a good response from the delegated OCSP signer: good, verified, current', async () => {
  const r = await probeWith([der.good!]);
  expect(validate(probeDocument(r))).toBe(true);
  expect(r.verdict).toBe('good');
  expect(r.handshakes).toBe(1);
  expect(r.tls.authorized).toBe(true);
  expect(r.certificate).toMatchObject({ subject: 'CN=www.stapling.test', serial: pki.leaves.good!.serial });
  // The server sends leaf + intermediate; Node adds the root from --ca-file.
  expect(r.chain.map((c) => [c.subject, c.sent])).toEqual([
    ['CN=Stapling Test Intermediate CA,O=stapling-doctor tests', true],
    ['CN=Stapling Test Root CA,O=stapling-doctor tests', false],
  ]);
  expect(r.tls.trustStore).toBe('ca-file');
  expect(r.name).toEqual({ name: 'www.stapling.test', coveredBy: 'subjectAltName' });
  expect(r.validity.state).toBe('valid');
  expect(r.notes).toEqual([]);
  expect((probeDocument(r) as { message: string }).message).toMatch(/verifies against the served chain\.$/);
  expect(r.staple).toMatchObject({
    responseStatus: 'successful',
    certStatus: 'good',
    current: true,
    responses: 1,
    responderId: { byName: 'CN=Stapling Test OCSP Signer,O=stapling-doctor tests' },
    signature: { result: 'verified', signer: 'delegated', signerSubject: 'CN=Stapling Test OCSP Signer,O=stapling-doctor tests' },
  });
  expect(r.staple!.secondsLeft).toBeGreaterThan(86_000);
  expect(r.staple!.secondsLeft).toBeLessThanOrEqual(86_400);
});

test('signed by the issuer itself, responder id by key: verified', async () => {
  const r = await probeWith([der['by-issuer']!]);
  expect(r.verdict).toBe('good');
  expect(r.staple!.signature).toMatchObject({ result: 'verified', signer: 'issuer' });
  expect(r.staple!.responderId).toEqual({ byKeySha1: expect.stringMatching(/^[0-9a-f]{40}$/) });
});

test('a foreign signer and a signer without OCSPSigning: "good" but not verified', async () => {
  const f = await probeWith([der.foreign!]);
  expect(f.verdict).toBe('not-verified');
  expect(f.staple!.certStatus).toBe('good');
  expect(signatureText(f.staple!.signature)).toMatch(/Foreign OCSP Signer.*did not issue/);
  const n = await probeWith([der['no-eku']!]);
  expect(n.verdict).toBe('not-verified');
  expect(signatureText(n.staple!.signature)).toMatch(/without the OCSPSigning/);
});

test("revoked (with time and reason), unknown, another certificate's response", async () => {
  const r = await probeWith([der.revoked!], 'revoked');
  expect(r.verdict).toBe('revoked');
  expect(r.staple).toMatchObject({ certStatus: 'revoked', revocationReason: 'keyCompromise' });
  expect(Date.parse(r.staple!.revocationTime!)).toBeLessThan(Date.now());
  expect((await probeWith([der.unknown!], 'unlisted')).verdict).toBe('unknown');
  const m = await probeWith([der['other-cert']!]);
  expect(m.verdict).toBe('no-status-for-certificate');
  expect(m.staple!.responses).toBe(1);
});

test('tryLater (what Apache staples when its responder fails) and garbage bytes: bad status', async () => {
  const t = await probeWith([TRY_LATER]);
  expect(validate(probeDocument(t))).toBe(true);
  expect(t.verdict).toBe('bad-status');
  expect(t.staple!.responseStatus).toBe('tryLater');
  const g = await probeWith([Buffer.from('not an OCSP response')]);
  expect(g.staple!.responseStatus).toBe('unparsable');
  expect(g.staple!.parseError).toBeTruthy();
});

test('no staple on the first handshake, one on the second (nginx): retried, explained, good', async () => {
  const r = await probeWith([null, der.good!]);
  expect(r.handshakes).toBe(2);
  expect(r.stapledPerHandshake).toEqual([false, true]);
  expect(r.verdict).toBe('good');
  expect(r.notes[0]).toEqual({ id: 'stapled-on-second' });
  expect(noteText(r.notes[0]!)).toMatch(/nginx fetches the OCSP response/);
});

test('no staple at all: two handshakes, no-staple', async () => {
  const r = await probeWith([null]);
  expect(r).toMatchObject({ handshakes: 2, staple: null, verdict: 'no-staple' });
  expect(validate(probeDocument(r))).toBe(true);
});

test('checkStaple checks validity against the given time', () => {
  const leaf = new X509Certificate(fs.readFileSync(pki.leaves.good!.cert));
  const inter = new X509Certificate(fs.readFileSync(pki.inter.cert));
  const later = checkStaple(der.good!, leaf, [inter], Date.now() + 3 * 86_400_000);
  expect(later.current).toBe(false);
  expect(later.secondsLeft).toBeLessThan(0);
  const noIssuer = checkStaple(der.good!, leaf, [], Date.now());
  expect(noIssuer.certStatus).toBe('good');
  expect(noIssuer.signature.result).toBe('not-checked');
});

test('parseTarget', () => {
  expect(parseTarget('example.org')).toEqual({ host: 'example.org', port: 443 });
  expect(parseTarget('example.org:8443')).toEqual({ host: 'example.org', port: 8443 });
  expect(parseTarget('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
  expect(parseTarget('::1')).toEqual({ host: '::1', port: 443 });
  expect(() => parseTarget('example.org:0')).toThrow(/1-65535/);
  expect(() => parseTarget(':443')).toThrow(/no host/);
});

test('a closed port is a ProbeError (exit 2 in the CLI)', async () => {
  const s = await stapler([null]);
  await s.close();
  await expect(probe({ host: '127.0.0.1', port: s.port, timeoutMs: 2_000 })).rejects.toBeInstanceOf(ProbeError);
});

describe('CLI', () => {
  test('probe --format json: exit 0 for a good staple, the document validates', async () => {
    const s = await stapler([der.good!]);
    try {
      const r = await runCliAsync(['probe', `127.0.0.1:${s.port}`, '--servername', 'www.stapling.test', '--format', 'json']);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      if (!validate(doc)) throw new Error(JSON.stringify(validate.errors));
      expect(doc.verdict).toBe('good');
      expect(doc.tls.authorized).toBe(false); // the test root is not in Node's store
    } finally {
      await s.close();
    }
  });

  test('human output, exit 1 for a revoked staple', async () => {
    const s = await stapler([der.revoked!], 'revoked');
    try {
      const r = await runCliAsync(['probe', `127.0.0.1:${s.port}`, '--servername', 'www.stapling.test']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/cert status: +revoked at .*, reason keyCompromise/);
      expect(r.stdout).toContain('REVOKED');
    } finally {
      await s.close();
    }
  });

  test('usage and connection errors exit 2; main-command options before `probe` still work', async () => {
    expect(runCli(['probe']).code).toBe(2);
    expect(runCli(['probe', 'host:99999']).code).toBe(2);
    const s = await stapler([null]);
    await s.close();
    const r = runCli(['probe', `127.0.0.1:${s.port}`, '--format', 'json', '--timeout', '3000']);
    expect(r.code).toBe(2);
    expect(validate(JSON.parse(r.stdout))).toBe(true);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(runCli(['--help']).stdout).toMatch(/probe \[options\] <target>/);
  });
});

/** runCli, but without blocking the event loop (the TLS server of the test runs in this process). */
async function runCliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { startCli } = await import('./helpers/cli.js');
  const child = startCli(args);
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  return { code, stdout, stderr };
}

describe('malformed GeneralizedTime in a staple (issue 16)', () => {
  /** The staple with its i-th GeneralizedTime (0 producedAt, 1 thisUpdate, 2 nextUpdate) replaced by `text` of the same length. */
  function withTime(staple: Buffer, i: number, text: string): Buffer {
    const out = Buffer.from(staple);
    let found = -1;
    for (let at = 0, n = 0; at < out.length - 17; at++) {
      if (out[at] === 0x18 && out[at + 1] === 15 && /^\d{14}Z$/.test(out.toString('latin1', at + 2, at + 17)) && n++ === i) {
        found = at + 2;
        break;
      }
    }
    if (found === -1 || text.length !== 15) throw new Error('no such time in the staple');
    out.write(text, found, 'latin1');
    return out;
  }

  const leaf = () => new X509Certificate(fs.readFileSync(pki.leaves.good!.cert));
  const inter = () => new X509Certificate(fs.readFileSync(pki.inter.cert));

  test.each([
    ['month 13', 1, '20991301000000Z'],
    ['February 30', 1, '20990230000000Z'],
    ['hour 24', 2, '20990101240000Z'],
    ['second 60', 0, '20990101000060Z'],
    ['no Z (local time)', 2, '209901010000000'],
    ['letters', 1, '2099AB01000000Z'],
  ])('%s: unparsable, never a current good', (_what, i, text) => {
    const r = checkStaple(withTime(der.good!, i, text), leaf(), [inter()], Date.now());
    expect(r.responseStatus).toBe('unparsable');
    expect(r.parseError).toContain(JSON.stringify(text));
    expect(r.current).toBeNull();
  });

  test('through a handshake: the verdict is bad-status, not good', async () => {
    const r = await probeWith([withTime(der.good!, 1, '20991301000000Z')]);
    expect(validate(probeDocument(r))).toBe(true);
    expect(r.verdict).toBe('bad-status');
  });

  test('the validator: every real instant formatted by the rules passes; a field out of range does not', async () => {
    const { validGeneralizedTime } = await import('../src/probe/der-time.js');
    const fmt = (d: Date): string =>
      d
        .toISOString()
        .replace(/[-:T]/g, '')
        .replace(/\.\d+Z$/, 'Z');
    fc.assert(
      fc.property(fc.date({ min: new Date('1950-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }), (d) =>
        validGeneralizedTime(fmt(d)),
      ),
    );
    expect(validGeneralizedTime('20240229120000Z')).toBe(true); // a leap day
    expect(validGeneralizedTime('20230229120000Z')).toBe(false);
    expect(validGeneralizedTime('20240101000000.5Z')).toBe(true); // fractional seconds (DER allows them)
    expect(validGeneralizedTime('20240101000000.50Z')).toBe(false); // … without trailing zeros
    expect(validGeneralizedTime('20240101000000+0100')).toBe(false);
  });
});

describe('probe --timeout bounds (issue 16)', () => {
  test('2^31 ms and more is a usage error (Node would fire the timer at once), 2^31 - 1 is accepted', async () => {
    const silent = net.createServer(() => undefined); // accepts, never answers TLS
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as AddressInfo).port;
    try {
      const over = await runCliAsync(['probe', `127.0.0.1:${port}`, '--timeout', String(2 ** 31)]);
      expect(over.code).toBe(2);
      expect(over.stderr).toBe(`stapling-doctor: --timeout must be at most 2147483647 (Node's longest timer), got "2147483648"\n`);
      await expect(probe({ host: '127.0.0.1', port, timeoutMs: 2 ** 31 })).rejects.toMatchObject({ code: 'EINVAL' });
      // The largest allowed value waits (the silent server never completes a handshake): still waiting after 1.5 s.
      const child = (await import('./helpers/cli.js')).startCli(['probe', `127.0.0.1:${port}`, '--timeout', String(2 ** 31 - 1)]);
      const early = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 1500);
        child.on('close', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      child.kill('SIGKILL');
      expect(early).toBe(false);
    } finally {
      silent.close();
    }
  });
});

/**
 * A leaf for www.stapling.test from the test intermediate with the good leaf's serial, so that the good
 * staple (whose CertID is issuer + serial) is about it too: made with `section` of the PKI's extensions
 * file, at a shifted clock (`faketime -f -400d`) when `clock` is given, 30 days valid from then.
 * @returns what a server sends (leaf + intermediate) and its key
 */
async function issueLeaf(name: string, opts: { clock?: string; section?: string } = {}): Promise<Served> {
  const f = (x: string) => path.join(tmp.dir, x);
  await runOk('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`)]);
  await runOk('openssl', ['req', '-new', '-key', f(`${name}.key`), '-subj', '/CN=www.stapling.test', '-out', f(`${name}.csr`)]);
  const x509 = ['x509', '-req', '-in', f(`${name}.csr`), '-CA', pki.inter.cert, '-CAkey', pki.inter.key];
  x509.push('-set_serial', `0x${pki.leaves.good!.serial}`, '-days', '30', '-out', f(`${name}.pem`));
  x509.push('-extfile', path.join(pki.dir, 'extensions.cnf'), '-extensions', opts.section ?? 'v3_leaf_good');
  if (opts.clock) await runOk('faketime', ['-f', opts.clock, 'openssl', ...x509]);
  else await runOk('openssl', x509);
  fs.writeFileSync(f(`${name}-full.pem`), fs.readFileSync(f(`${name}.pem`), 'utf8') + fs.readFileSync(pki.inter.cert, 'utf8'));
  return { cert: f(`${name}-full.pem`), key: f(`${name}.key`) };
}

/** probe() against a server of `served` stapling the good response; SNI www.stapling.test, --ca-file the root unless `extra` says otherwise. */
async function probeServed(served: Served, extra: Partial<ProbeOptions> = {}) {
  const s = await stapler([der.good!], 'good', served);
  try {
    const o: ProbeOptions = { host: served.host ?? '127.0.0.1', port: s.port, servername: 'www.stapling.test', retryDelayMs: 50 };
    return await probe({ ...o, caFile: pki.root.cert, ...extra });
  } finally {
    await s.close();
  }
}

/** probe's CLI against a server of `served` stapling the good response. */
async function cliServed(served: Served, args: string[]) {
  const s = await stapler([der.good!], 'good', served);
  try {
    return await runCliAsync(['probe', hostPort(served.host ?? '127.0.0.1', s.port), ...args]);
  } finally {
    await s.close();
  }
}

const good = (): Served => ({ cert: pki.leaves.good!.fullchain, key: pki.leaves.good!.key });

describe('the served certificate, beside the staple (the verdict stays about the staple)', () => {
  test('an SNI name the certificate does not cover (a default vhost answering): name.coveredBy null, a note, exit 0', async () => {
    const r = await probeServed(good(), { servername: 'other.example' });
    expect(validate(probeDocument(r))).toBe(true);
    expect(r.verdict).toBe('good');
    expect(r.name).toEqual({ name: 'other.example', coveredBy: null });
    expect(r.notes).toEqual([{ id: 'name-not-covered', name: 'other.example', sans: ['DNS:www.stapling.test'] }]);
    expect(noteText(r.notes[0]!)).toMatch(
      /^The certificate does not cover the name sent \(SNI other\.example\): its subjectAltName is DNS:www\.stapling\.test\./,
    );
    const wild = await probeServed(good(), { servername: 'WWW.Stapling.Test' });
    expect(wild.name).toEqual({ name: 'WWW.Stapling.Test', coveredBy: 'subjectAltName' }); // names compare without case
    const cli = await cliServed(good(), ['--servername', 'other.example']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/certificate: +CN=www\.stapling\.test, .*, valid until .*; does not cover other\.example\n/);
    expect(cli.stdout).toMatch(/note: The certificate does not cover the name sent \(SNI other\.example\)/);
  });

  test('a certificate without subjectAltName covers the name only by its CN: said so (browsers ignore the CN)', async () => {
    const r = await probeServed(await issueLeaf('cn-only', { section: 'v3_noeku' }));
    expect(validate(probeDocument(r))).toBe(true);
    expect(r.name).toEqual({ name: 'www.stapling.test', coveredBy: 'commonName' });
    expect(r.notes.map((n) => n.id)).toEqual(['no-ocsp-url', 'name-by-common-name-only']);
    expect(noteText(r.notes[1]!)).toMatch(/only by its subject CN/);
  });

  test('an expired certificate with a good staple: verdict good, validity expired with dates, a note, EXPIRED in the human output', async () => {
    const expired = await issueLeaf('expired', { clock: '-400d' });
    const r = await probeServed(expired);
    expect(validate(probeDocument(r))).toBe(true);
    expect(r.verdict).toBe('good');
    expect(r.tls.authorizationError).toBe('CERT_HAS_EXPIRED');
    expect(r.validity.state).toBe('expired');
    expect(Date.parse(r.validity.notAfter!)).toBeLessThan(Date.now() - 360 * 86_400_000);
    expect(Date.parse(r.validity.notBefore!)).toBe(Date.parse(r.certificate.notBefore));
    expect(r.notes).toEqual([{ id: 'certificate-expired', notAfter: r.validity.notAfter }]);
    expect(noteText(r.notes[0]!)).toMatch(/^The certificate expired at \d{4}-\d\d-\d\dT.*Z: clients refuse it whatever the staple says/);
    const cli = await cliServed(expired, ['--servername', 'www.stapling.test']);
    expect(cli.code).toBe(0); // documented: the exit code is about the staple
    expect(cli.stdout).toMatch(/certificate: .*, valid until .* GMT — EXPIRED\n/);
    expect(cli.stdout).toMatch(/note: The certificate expired at /);
  });

  test('a certificate not valid yet: validity not-yet-valid, a note', async () => {
    const r = await probeServed(await issueLeaf('notyet', { clock: '+400d' }));
    expect(validate(probeDocument(r))).toBe(true);
    expect(r.validity.state).toBe('not-yet-valid');
    expect(Date.parse(r.validity.notBefore!)).toBeGreaterThan(Date.now() + 360 * 86_400_000);
    expect(r.notes).toEqual([{ id: 'certificate-not-yet-valid', notBefore: r.validity.notBefore }]);
    expect(formatProbe(r, { color: 0 })).toMatch(/valid from .* GMT — NOT VALID YET/);
  });

  test('a server that sends only its leaf, probed with --ca-file: the chain says what was not sent, the message does not claim the served chain', async () => {
    const leafOnly: Served = { cert: pki.leaves.good!.cert, key: pki.leaves.good!.key };
    const r = await probeServed(leafOnly, { caFile: pki.issuerChain });
    const doc = probeDocument(r) as { message: string; notes: string[] };
    expect(validate(doc)).toBe(true);
    expect(r.verdict).toBe('good');
    expect(r.chain.map((c) => c.sent)).toEqual([false, false]);
    expect(r.notes).toEqual([
      { id: 'issuer-not-sent', issuer: 'CN=Stapling Test Intermediate CA,O=stapling-doctor tests', completedFrom: 'ca-file' },
    ]);
    expect(doc.message).not.toMatch(/served chain/);
    expect(doc.message).toMatch(/verifies against the certificate's issuer from --ca-file \(the server did not send it\)/);
    expect(doc.notes[0]).toMatch(/does not send its certificate's issuer .*clients that do not have that intermediate already cached/);
    expect(formatProbe(r, { color: 0 })).toMatch(
      /chain: +CN=Stapling Test Intermediate CA,O=stapling-doctor tests \(not sent: from --ca-file\) → CN=Stapling Test Root CA,O=stapling-doctor tests \(not sent: from --ca-file\)\n/,
    );
    // Without --ca-file nothing completes the chain: the same note, and the staple cannot be checked.
    const bare = await probeServed(leafOnly, { caFile: undefined });
    expect(bare.verdict).toBe('unverifiable');
    expect(bare.chain).toEqual([]);
    expect(bare.notes).toEqual([
      { id: 'issuer-not-sent', issuer: 'CN=Stapling Test Intermediate CA,O=stapling-doctor tests', completedFrom: null },
    ]);
  });
});

describe('endpoints and errors as a user reads them', () => {
  test('an IPv6 endpoint is printed [::1]:PORT, in probe and in check --probe', async () => {
    const r = await probeServed({ ...good(), host: '::1' });
    expect(r.target.address).toBe('::1');
    expect(formatProbe(r, { color: 0 }).split('\n')[0]).toBe(`probe [::1]:${r.target.port} (SNI www.stapling.test)`);
    const check = formatCheck(
      {
        configs: [],
        blocks: [],
        findings: [],
        notChecked: [],
        problems: [],
        probes: [
          {
            server: 'nginx',
            block: 'x.conf:1',
            endpoint: { host: '::1', port: r.target.port, serverName: 'www.stapling.test' },
            address: '::1',
            result: r,
          },
        ],
      },
      { color: 0 },
    );
    expect(check).toContain(`GOOD  [::1]:${r.target.port} (SNI www.stapling.test)`);
  });

  test('a port that does not speak TLS: one clear sentence, and the connected address in the JSON', async () => {
    const http = net.createServer((c) => c.once('data', () => c.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const port = (http.address() as AddressInfo).port;
    try {
      const human = await runCliAsync(['probe', `127.0.0.1:${port}`, '--timeout', '5000']);
      expect(human.code).toBe(2);
      expect(human.stderr).toMatch(
        /^stapling-doctor: probe 127\.0\.0\.1:\d+: the port does not speak TLS: what the server sent is not a TLS record \(OpenSSL: [a-z ]+\)\n$/,
      );
      const json = await runCliAsync(['probe', `127.0.0.1:${port}`, '--timeout', '5000', '--format', 'json']);
      const doc = JSON.parse(json.stdout);
      expect(validate(doc)).toBe(true);
      expect(doc.target.address).toBe('127.0.0.1');
      expect(doc.errorCode).toMatch(/^ERR_SSL_/);
    } finally {
      http.close();
    }
  });

  test('a handshake aborted by an alert when it asks for a staple (Apache, AH01955): listed as aborted, not as "no staple"', async () => {
    const s = await stapler([der.good!]);
    const front = await abortingFront(s.port);
    try {
      const r = await probe({ host: '127.0.0.1', port: front.port, servername: 'www.stapling.test', retryDelayMs: 50 });
      expect(validate(probeDocument(r))).toBe(true);
      expect(r.verdict).toBe('handshake-aborted');
      expect(r.notes[0]).toEqual({
        id: 'handshake-aborted',
        error: 'TLS handshake failed: tlsv1 alert internal error (SSL alert number 80)',
      });
      const out = formatProbe(r, { color: 0 });
      expect(out).toMatch(/handshakes: +#1 aborted by the server, #2 no staple\n/);
      expect(out).not.toMatch(/\\n/);
    } finally {
      await front.close();
      await s.close();
    }
  });
});

/**
 * A TCP front of 127.0.0.1:`port` that answers a ClientHello asking for OCSP status (the status_request
 * extension as OpenSSL sends it: type 5, length 5, ocsp, no responder ids, no extensions) with a fatal
 * internal_error alert, as Apache does when its stapling callback fails (AH01955), and passes every
 * other connection through. @returns its port and a close function
 */
async function abortingFront(port: number): Promise<{ port: number; close: () => Promise<void> }> {
  const statusRequest = Buffer.from([0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00]);
  const alert = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50]);
  const srv = net.createServer((c) => {
    c.on('error', () => c.destroy());
    c.once('data', (hello: Buffer) => {
      if (hello.includes(statusRequest)) return void c.end(alert);
      const up = net.connect(port, '127.0.0.1', () => {
        up.write(hello);
        c.pipe(up).pipe(c);
      });
      up.on('error', () => c.destroy());
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { port: (srv.address() as AddressInfo).port, close: () => new Promise((r) => srv.close(() => r())) };
}
