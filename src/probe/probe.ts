/**
 * `stapling-doctor probe HOST[:PORT]`: a live TLS handshake that asks for a stapled OCSP response
 * (`tls.connect({ requestOCSP: true })`), and what the staple says (see {@link checkStaple}).
 *
 * nginx fetches the OCSP response on the first handshake that needs it and staples only from a later
 * one, so when the first handshake brings no staple the probe waits a moment and tries once more.
 * The server's certificate is not verified for the connection (`rejectUnauthorized: false`) — the
 * probe reports whether it would have been (`tls.authorized`), against `--ca-file` or Node's CA store.
 */
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { dnLine, sameCert, summarize } from '../x509/x509.js';
import { OUTPUT_VERSION, type CertificateSummary } from '../types.js';
import { checkStaple, type StapleReport } from './ocsp.js';
import { MAX_CA_FILE_BYTES, MAX_TIMEOUT_MS } from './limits.js';
import { FileTooLargeError, readSmallFileSync, SpecialFileError } from '../input/files.js';

/** The verdict of a probe; exit code 0 only for `good`. */
export type ProbeVerdict =
  | 'good'
  | 'handshake-aborted'
  | 'no-staple'
  | 'bad-status'
  | 'no-status-for-certificate'
  | 'revoked'
  | 'unknown'
  | 'not-current'
  | 'not-verified'
  | 'unverifiable';

/** Options of {@link probe}. */
export interface ProbeOptions {
  host: string;
  port: number;
  /** SNI name; default the host when it is a name, none for an IP address. */
  servername?: string | null;
  /** Per-handshake timeout in ms, 1 to {@link MAX_TIMEOUT_MS} (default 10 000). */
  timeoutMs?: number;
  /** Pause before the second handshake when the first brought no staple, in ms (default 1 500). */
  retryDelayMs?: number;
  /** PEM file of CA certificates to report `tls.authorized` against (default: Node's store). */
  caFile?: string;
  /** Time source (ms since the epoch), for tests. */
  now?: () => number;
}

/** One handshake's raw result. */
interface Handshake {
  staple: Buffer | null;
  protocol: string | null;
  cipher: string | null;
  authorized: boolean;
  authorizationError: string | null;
  chain: X509Certificate[];
  address: string | null;
}

/** The probe document (`probe --format json`), version {@link OUTPUT_VERSION}. */
export interface ProbeResult {
  version: typeof OUTPUT_VERSION;
  target: { host: string; port: number; servername: string | null; address: string | null };
  /** Handshakes made (2 when the first brought no staple). */
  handshakes: number;
  /** Whether each handshake brought a staple, in order. */
  stapledPerHandshake: boolean[];
  tls: { protocol: string | null; cipher: string | null; authorized: boolean; authorizationError: string | null };
  /** The server certificate; `chain`: the certificates above it as Node builds the chain (those the server sent, plus a root from the CA store when one matches). */
  certificate: CertificateSummary;
  chain: { subject: string; issuer: string; serial: string }[];
  /** The staple of the last handshake, or null when none was sent. */
  staple: StapleReport | null;
  verdict: ProbeVerdict;
  /** What explains the result (nginx's second-handshake behaviour …), as data; `format/probe.ts` words them. */
  notes: ProbeNote[];
}

/**
 * A note on a probe: the handshake asking for a staple was aborted (with the TLS error) while one
 * without asking succeeded; the staple came only on the second handshake; neither handshake brought
 * one; the certificate carries no OCSP URL.
 */
export type ProbeNote =
  { id: 'handshake-aborted'; error: string } | { id: 'stapled-on-second' } | { id: 'no-staple-twice' } | { id: 'no-ocsp-url' };

/** A probe that could not complete a handshake (exit code 2). */
export class ProbeError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Parse `HOST[:PORT]`, `[IPv6]:PORT` or a bare IPv6 address; default port 443.
 * @throws Error with a usage message for an empty host or a port outside 1–65535
 */
export function parseTarget(arg: string): { host: string; port: number } {
  let host: string;
  let port = '443';
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(arg);
  if (v6) {
    host = v6[1]!;
    port = v6[2] ?? '443';
  } else if (net.isIPv6(arg)) {
    host = arg;
  } else {
    const m = /^([^:]*)(?::(\d+))?$/.exec(arg);
    if (!m) throw new Error(`cannot read "${arg}" as HOST[:PORT]`);
    host = m[1]!;
    port = m[2] ?? '443';
  }
  const p = Number(port);
  if (host === '') throw new Error(`no host in "${arg}"`);
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`port must be 1-65535, got "${port}"`);
  return { host, port: p };
}

/** The peer's chain as sent (leaf first), from `getPeerCertificate(true)`. */
function peerChain(sock: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let c: tls.DetailedPeerCertificate | undefined = sock.getPeerCertificate(true);
  for (let i = 0; i < 10 && c && c.raw; i++) {
    const x = new X509Certificate(c.raw);
    if (out.some((y) => sameCert(x, y))) break;
    out.push(x);
    c = c.issuerCertificate;
  }
  return out;
}

function handshake(
  o: Required<Pick<ProbeOptions, 'host' | 'port' | 'timeoutMs'>> & { servername: string | null; ca?: Buffer; requestOCSP?: boolean },
): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    let staple: Buffer | null = null;
    let done = false;
    // requestOCSP is a TLSSocket option that tls.connect passes on (not in @types/node's ConnectionOptions).
    const options: tls.ConnectionOptions & { requestOCSP: boolean } = {
      host: o.host,
      port: o.port,
      requestOCSP: o.requestOCSP ?? true,
      rejectUnauthorized: false,
      ...(o.servername ? { servername: o.servername } : {}),
      ...(o.ca ? { ca: o.ca } : {}),
    };
    const sock = tls.connect(options);
    const finish = (err: Error | null, h?: Handshake) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(h!);
    };
    const timer = setTimeout(
      () => finish(new ProbeError(`no TLS handshake with ${o.host}:${o.port} within ${o.timeoutMs} ms`, 'ETIMEDOUT')),
      o.timeoutMs,
    );
    sock.on('OCSPResponse', (r: Buffer | null) => {
      staple = r && r.length > 0 ? Buffer.from(r) : null;
    });
    sock.once('secureConnect', () => {
      try {
        const cipher = sock.getCipher();
        finish(null, {
          staple,
          protocol: sock.getProtocol() ?? null,
          cipher: cipher?.standardName ?? cipher?.name ?? null,
          authorized: sock.authorized,
          authorizationError: sock.authorizationError ? String(sock.authorizationError) : null,
          chain: peerChain(sock),
          address: sock.remoteAddress ?? null,
        });
      } catch (e) {
        finish(e instanceof Error ? e : new Error(String(e)));
      }
    });
    sock.once('error', (e: NodeJS.ErrnoException) => finish(new ProbeError(e.message, e.code)));
  });
}

/** The verdict for a staple (or none). */
export function verdictOf(staple: StapleReport | null): ProbeVerdict {
  if (!staple) return 'no-staple';
  if (staple.responseStatus !== 'successful') return 'bad-status';
  if (staple.certStatus === null) return 'no-status-for-certificate';
  if (staple.certStatus === 'revoked') return 'revoked';
  if (staple.certStatus === 'unknown') return 'unknown';
  if (staple.current === false) return 'not-current';
  if (staple.signature.result === 'failed') return 'not-verified';
  if (staple.signature.result === 'not-checked') return 'unverifiable';
  return 'good';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Probe a server: one handshake asking for a staple, a second one after `retryDelayMs` when the
 * first brought none, then the staple of the last one checked against the served chain.
 * @throws ProbeError when no TLS handshake completes (refused, timeout, not TLS), `caFile` cannot be read,
 *   or the timeout is out of range (code `EINVAL`)
 */
export async function probe(opts: ProbeOptions): Promise<ProbeResult> {
  const now = opts.now ?? (() => Date.now());
  const servername = opts.servername === undefined ? (net.isIP(opts.host) ? null : opts.host) : opts.servername;
  let ca: Buffer | undefined;
  if (opts.caFile) {
    try {
      ca = readSmallFileSync(opts.caFile, MAX_CA_FILE_BYTES); // bounded, never waiting on a FIFO or device
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err instanceof SpecialFileError || err instanceof FileTooLargeError ? err.message : (err.code ?? err.message);
      throw new ProbeError(`cannot read --ca-file ${opts.caFile}: ${why}`, 'ECAFILE');
    }
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS)
    throw new ProbeError(`the timeout must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got ${timeoutMs}`, 'EINVAL');
  const hsOpts = { host: opts.host, port: opts.port, timeoutMs, servername, ...(ca ? { ca } : {}) };
  const notes: ProbeNote[] = [];
  let first: Handshake;
  let aborted: string | null = null;
  try {
    first = await handshake(hsOpts);
  } catch (e) {
    // A TLS alert to a client that asked for OCSP status: try once without asking (Apache aborts the
    // handshake when its stapling callback fails hard, AH01955). If that works, stapling is the problem.
    if (!(e instanceof ProbeError) || !/^ERR_SSL_/.test(e.code ?? '')) throw e;
    aborted = e.message.replace(/\s+$/, '');
    first = await handshake({ ...hsOpts, requestOCSP: false });
    notes.push({ id: 'handshake-aborted', error: aborted });
  }
  const shakes: Handshake[] = [first];
  if (!aborted && !shakes[0]!.staple) {
    await sleep(opts.retryDelayMs ?? 1_500);
    shakes.push(await handshake(hsOpts));
    notes.push({ id: shakes[1]!.staple ? 'stapled-on-second' : 'no-staple-twice' });
  }
  const last = shakes[shakes.length - 1]!;
  const leaf = last.chain[0];
  if (!leaf) throw new ProbeError(`${opts.host}:${opts.port} sent no certificate`, 'ENOCERT');
  const staple = last.staple ? checkStaple(last.staple, leaf, last.chain.slice(1), now()) : null;
  const verdict = aborted ? 'handshake-aborted' : verdictOf(staple);
  const certificate = summarize(leaf);
  if (certificate.ocspUrls.length === 0) notes.push({ id: 'no-ocsp-url' });
  return {
    version: OUTPUT_VERSION,
    target: { host: opts.host, port: opts.port, servername, address: last.address },
    handshakes: shakes.length + (aborted ? 1 : 0),
    stapledPerHandshake: [...(aborted ? [false] : []), ...shakes.map((s) => s.staple !== null)],
    tls: { protocol: last.protocol, cipher: last.cipher, authorized: last.authorized, authorizationError: last.authorizationError },
    certificate,
    chain: last.chain.slice(1).map((c) => ({ subject: dnLine(c.subject), issuer: dnLine(c.issuer), serial: c.serialNumber.toUpperCase() })),
    staple,
    verdict,
    notes,
  };
}
