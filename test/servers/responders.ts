/**
 * Everything the servers under test talk to, on 127.0.0.1, started and stopped by the harness:
 *
 * - `ca`: `openssl ocsp` for the intermediate CA, signing with the delegated OCSP signer; it answers
 *   good / revoked / unknown from the CA's index (a leaf absent from the index is "unknown");
 * - `foreign`: `openssl ocsp` that answers "good" for our leaves but signs with a foreign CA's signer;
 * - `noEku`: `openssl ocsp` that signs with a certificate of our CA that lacks the OCSPSigning EKU;
 * - `web`: a plain HTTP server (node:http) that is not an OCSP responder. By path: `/portal/` a 200
 *   HTML page (captive portal), `/missing/` 404, `/unauthorized/` a DER OCSPResponse with status
 *   unauthorized(6), `/stale/` a real `openssl ocsp` response made three days ago (expired), and
 *   `/other-cert/` a real response for a different certificate (CertID mismatch);
 * - `blackhole`: a TCP listener that accepts and never answers (responder timeout);
 * - `slow`: a TCP relay to `ca` that waits {@link SLOW_RESPONDER_DELAY_MS} before it connects (a slow
 *   responder: too slow for `SSLStaplingResponderTimeout 2`, in time for 15);
 * - `closedPort`: a port nothing listens on (responder down);
 * - DNS (dnsmasq): `siteDns` on 127.0.0.1:53, the name server of the servers' sandbox; it is
 *   authoritative for `stapling.test` and knows no name in it (NXDOMAIN); `goodDns` on a free port
 *   also knows the hosts-only responder name (the value the harness gives a `resolver` fix).
 *
 * Ports are chosen before the PKI is made (the leaves' AIA URIs contain them): {@link allocatePorts}.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Resolver } from 'node:dns/promises';
import { freePort, isListening, runOk, startProcess, stopProcess, waitFor, type Proc } from './proc.js';
import type { Pki } from './pki.js';
import { HOSTS_ONLY_NAME, NXDOMAIN_NAME, TEST_DOMAIN } from './sandbox.js';

/** The TCP ports of the responders (all on 127.0.0.1). */
export interface ResponderPorts {
  ca: number;
  foreign: number;
  noEku: number;
  web: number;
  blackhole: number;
  slow: number;
  closed: number;
  goodDns: number;
}

/** Pick free ports for every responder. */
export async function allocatePorts(): Promise<ResponderPorts> {
  return {
    ca: await freePort(),
    foreign: await freePort(),
    noEku: await freePort(),
    web: await freePort(),
    blackhole: await freePort(),
    slow: await freePort(),
    closed: await freePort(),
    goodDns: await freePort(),
  };
}

/** The responder URLs the leaves carry in their AIA extension. */
export function responderUrls(p: ResponderPorts) {
  return {
    ca: `http://127.0.0.1:${p.ca}/`,
    caHttps: `https://127.0.0.1:${p.ca}/`,
    caByHostsOnlyName: `http://${HOSTS_ONLY_NAME}:${p.ca}/`,
    caNxdomain: `http://${NXDOMAIN_NAME}:${p.ca}/`,
    foreign: `http://127.0.0.1:${p.foreign}/`,
    noEku: `http://127.0.0.1:${p.noEku}/`,
    portal: `http://127.0.0.1:${p.web}/portal/`,
    missing: `http://127.0.0.1:${p.web}/missing/`,
    unauthorized: `http://127.0.0.1:${p.web}/unauthorized/`,
    stale: `http://127.0.0.1:${p.web}/stale/`,
    otherCert: `http://127.0.0.1:${p.web}/other-cert/`,
    blackhole: `http://127.0.0.1:${p.blackhole}/`,
    slow: `http://127.0.0.1:${p.slow}/`,
    closed: `http://127.0.0.1:${p.closed}/`,
  };
}

/** The running responders and DNS servers, and how to stop them. */
export interface Responders {
  ports: ResponderPorts;
  /** `host:port` of the DNS server that resolves the hosts-only name (for `resolver`). */
  goodDns: string;
  /** Address of the site DNS (port 53), the sandbox's name server. */
  siteDns: string;
  stop(): Promise<void>;
}

/** How long the `slow` responder waits before it answers, in ms. */
export const SLOW_RESPONDER_DELAY_MS = 4_000;

/** An OCSP responseBytes-less OCSPResponse: SEQUENCE { ENUMERATED 6 (unauthorized) }. */
const UNAUTHORIZED_DER = Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x06]);

/**
 * Start `openssl ocsp` and wait until it has bound its port (it prints `ACCEPT [::]:port`). It is not
 * probed with a TCP connect: OpenSSL 3.0's responder blocks (or, without `-ignore_err`, exits) on a
 * connection that sends no request.
 * @throws when it exits or does not bind within 10 s.
 */
export async function openResponder(name: string, port: number, args: string[], logDir: string): Promise<Proc> {
  const p = startProcess(name, 'openssl', ['ocsp', '-port', String(port), '-ndays', '1', '-ignore_err', ...args], {
    logFile: path.join(logDir, `${name}.log`),
  });
  const ok = await waitFor(() => p.hasExited() || /ACCEPT .*:\d+/.test(p.stdout() + p.stderr()), 10_000, 50);
  if (!ok || p.hasExited()) throw new Error(`${name}: openssl ocsp did not start on port ${port}:\n${p.stderr()}`);
  return p;
}

/**
 * Make a DER OCSP response with `openssl ocsp` in one-shot mode (request from `-reqin`).
 * @param fakeOffset a libfaketime offset such as `-3d` to sign as if at another time, or null
 */
async function oneShotResponse(pki: Pki, certFile: string, out: string, fakeOffset: string | null): Promise<void> {
  const req = `${out}.req`;
  await runOk('openssl', ['ocsp', '-issuer', pki.inter.cert, '-cert', certFile, '-no_nonce', '-reqout', req]);
  const args = [
    'ocsp',
    '-index',
    pki.index,
    '-rsigner',
    pki.ocspSigner.cert,
    '-rkey',
    pki.ocspSigner.key,
    '-CA',
    pki.inter.cert,
    '-reqin',
    req,
    '-respout',
    out,
    '-ndays',
    '1',
  ];
  if (fakeOffset) await runOk('faketime', ['-f', fakeOffset, 'openssl', ...args]);
  else await runOk('openssl', args);
  fs.rmSync(req);
}

async function startDnsmasq(name: string, port: number, records: string[], dir: string): Promise<Proc> {
  const args = [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--no-poll',
    '--bind-interfaces',
    '--listen-address=127.0.0.1',
    `--port=${port}`,
    `--local=/${TEST_DOMAIN}/`,
    '--user=root',
    '--group=root',
    `--pid-file=${path.join(dir, `${name}.pid`)}`,
    '--log-queries',
    `--log-facility=${path.join(dir, `${name}.log`)}`,
    ...records.map((r) => `--host-record=${r}`),
  ];
  const p = startProcess(name, 'dnsmasq', args);
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const ready = await waitFor(async () => {
    if (p.hasExited()) return true;
    try {
      await resolver.resolve4(`probe.${TEST_DOMAIN}`);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOTFOUND'; // NXDOMAIN: it answers
    }
  }, 10_000);
  if (!ready || p.hasExited()) {
    await stopProcess(p);
    throw new Error(`${name}: dnsmasq did not start on 127.0.0.1:${port}${port === 53 ? ' (is port 53 in use?)' : ''}:\n${p.stderr()}`);
  }
  return p;
}

/**
 * Start all responders and DNS servers. `pki.leaves` must contain `good` (the `/other-cert/`
 * response is made for it) and `stale-response` (the `/stale/` response is made for it).
 * @param logDir where the responders' own logs go
 * @throws when one does not start; the ones already started are stopped first.
 */
export async function startResponders(pki: Pki, ports: ResponderPorts, logDir: string): Promise<Responders> {
  fs.mkdirSync(logDir, { recursive: true });
  const procs: Proc[] = [];
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const stop = async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    await Promise.all(procs.map((p) => stopProcess(p)));
  };
  try {
    procs.push(
      await openResponder(
        'ocsp-ca',
        ports.ca,
        ['-index', pki.index, '-rsigner', pki.ocspSigner.cert, '-rkey', pki.ocspSigner.key, '-CA', pki.inter.cert],
        logDir,
      ),
    );
    procs.push(
      await openResponder(
        'ocsp-no-eku',
        ports.noEku,
        ['-index', pki.index, '-rsigner', pki.signerWithoutOcspUsage.cert, '-rkey', pki.signerWithoutOcspUsage.key, '-CA', pki.inter.cert],
        logDir,
      ),
    );
    procs.push(
      await openResponder(
        'ocsp-foreign',
        ports.foreign,
        ['-index', pki.index, '-rsigner', pki.foreignSigner.cert, '-rkey', pki.foreignSigner.key, '-CA', pki.inter.cert],
        logDir,
      ),
    );

    const stale = path.join(logDir, 'stale-response.der');
    await oneShotResponse(pki, pki.leaves['stale-response']!.cert, stale, '-3d');
    const other = path.join(logDir, 'other-cert-response.der');
    await oneShotResponse(pki, pki.leaves.good!.cert, other, null);
    const ocsp = (body: Buffer) => ({ status: 200, type: 'application/ocsp-response', body });
    const routes: Record<string, { status: number; type: string; body: Buffer }> = {
      '/portal/': {
        status: 200,
        type: 'text/html',
        body: Buffer.from('<html><body><h1>Welcome to the guest network</h1><p>Please log in.</p></body></html>\n'),
      },
      '/missing/': { status: 404, type: 'text/html', body: Buffer.from('<html><body><h1>Not Found</h1></body></html>\n') },
      '/unauthorized/': ocsp(UNAUTHORIZED_DER),
      '/stale/': ocsp(fs.readFileSync(stale)),
      '/other-cert/': ocsp(fs.readFileSync(other)),
    };
    const web = http.createServer((req, res) => {
      const route = Object.entries(routes).find(([prefix]) => (req.url ?? '').startsWith(prefix))?.[1] ?? routes['/missing/']!;
      fs.appendFileSync(path.join(logDir, 'web.log'), `${new Date().toISOString()} ${req.method} ${req.url} -> ${route.status}\n`);
      req.resume();
      req.on('end', () => {
        res.writeHead(route.status, { 'Content-Type': route.type, 'Content-Length': route.body.length });
        res.end(route.body);
      });
    });
    web.on('connection', (s) => sockets.add(s));
    servers.push(web);
    await new Promise<void>((resolve, reject) => web.once('error', reject).listen(ports.web, '127.0.0.1', resolve));

    const blackhole = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.resume(); // read the request, never answer
    });
    servers.push(blackhole);
    await new Promise<void>((resolve, reject) => blackhole.once('error', reject).listen(ports.blackhole, '127.0.0.1', resolve));

    const slow = net.createServer((client) => {
      sockets.add(client);
      client.pause();
      client.on('error', () => undefined);
      setTimeout(() => {
        if (client.destroyed) return;
        const upstream = net.connect({ host: '127.0.0.1', port: ports.ca }, () => {
          client.pipe(upstream);
          upstream.pipe(client);
        });
        sockets.add(upstream);
        upstream.on('error', () => client.destroy());
      }, SLOW_RESPONDER_DELAY_MS);
    });
    servers.push(slow);
    await new Promise<void>((resolve, reject) => slow.once('error', reject).listen(ports.slow, '127.0.0.1', resolve));

    procs.push(await startDnsmasq('dns-site', 53, [], logDir));
    procs.push(await startDnsmasq('dns-good', ports.goodDns, [`${HOSTS_ONLY_NAME},127.0.0.1`], logDir));
  } catch (e) {
    await stop();
    throw e;
  }
  if (await isListening(ports.closed)) throw new Error(`port ${ports.closed} was meant to be closed but something listens on it`);
  return { ports, goodDns: `127.0.0.1:${ports.goodDns}`, siteDns: '127.0.0.1', stop };
}
