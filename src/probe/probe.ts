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
import { sameCert, summarize } from '../x509/x509.js';
import { OUTPUT_VERSION, type CertificateSummary } from '../types.js';
import { checkStaple, type StapleReport } from './ocsp.js';
import { MAX_CA_FILE_BYTES, MAX_TIMEOUT_MS } from './limits.js';
import { FileTooLargeError, readSmallFileSync, SpecialFileError } from '../input/files.js';
import {
  chainEntries,
  checkName,
  issuerNotSent,
  validityNow,
  type ChainEntry,
  type CertificateValidity,
  type NameCheck,
} from './served-cert.js';

/**
 * The verdict of a probe, about the staple only (the certificate's name, validity and chain are
 * reported beside it, as notes); exit code 0 only for `good`.
 */
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
  /** `authorized` is against `trustStore`: `--ca-file` (`ca-file`) or Node's CA store (`ca-store`). */
  tls: {
    protocol: string | null;
    cipher: string | null;
    authorized: boolean;
    authorizationError: string | null;
    trustStore: 'ca-file' | 'ca-store';
  };
  /**
   * The server certificate; `chain`: the certificates above it as Node builds the chain (those the server
   * sent, then any Node found in `--ca-file` or its CA store), each marked `sent` or not.
   */
  certificate: CertificateSummary;
  chain: ChainEntry[];
  /** Whether the certificate covers the SNI name sent; null when no name was sent. */
  name: NameCheck | null;
  /** The certificate's validity at the time of the probe. */
  validity: CertificateValidity;
  /** The staple of the last handshake, or null when none was sent. */
  staple: StapleReport | null;
  verdict: ProbeVerdict;
  /** What explains the result (nginx's second-handshake behaviour …), as data; `format/probe.ts` words them. */
  notes: ProbeNote[];
}

/**
 * A note on a probe: the handshake asking for a staple was aborted (with the TLS error) while one
 * without asking succeeded; the staple came only on the second handshake; neither handshake brought
 * one; the certificate carries no OCSP URL. About the certificate (never changing the verdict): it does
 * not cover the SNI name (`sans`: its subjectAltName entries, as Node prints them) or only by its CN;
 * it has expired or is not valid yet (ISO times); the server does not send its issuer (DN), which Node
 * took from `--ca-file` or its CA store (`completedFrom`) or found nowhere (null).
 */
export type ProbeNote =
  | { id: 'handshake-aborted'; error: string }
  | { id: 'stapled-on-second' }
  | { id: 'no-staple-twice' }
  | { id: 'no-ocsp-url' }
  | { id: 'name-not-covered'; name: string; sans: string[] }
  | { id: 'name-by-common-name-only'; name: string }
  | { id: 'certificate-expired'; notAfter: string }
  | { id: 'certificate-not-yet-valid'; notBefore: string }
  | { id: 'issuer-not-sent'; issuer: string; completedFrom: 'ca-file' | 'ca-store' | null };

/** A probe that could not complete a handshake (exit code 2). */
export class ProbeError extends Error {
  /**
   * @param code Node's error code (`ECONNREFUSED`, `ERR_SSL_WRONG_VERSION_NUMBER`, `ETIMEDOUT` …)
   * @param address the address connected to, when the TCP connection was made
   */
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly address: string | null = null,
  ) {
    super(message);
  }
}

/** OpenSSL's errors for a peer whose bytes are not TLS records (an HTTP or other plain-text port). */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_UNKNOWN_PROTOCOL']);

/**
 * A TLS error as one sentence: OpenSSL's `…:error:0A00010B:SSL routines:func:reason:file:line:extra\n`
 * becomes its reason (and extra, e.g. `SSL alert number 80`); a non-TLS peer is said so. Other errors
 * (ECONNREFUSED …) keep Node's message.
 */
export function tlsErrorText(message: string, code: string | undefined): string {
  const m = /:error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:]+):[^:]*:\d+:(.*)$/s.exec(message);
  const extra = m?.[2]?.trim();
  const reason = m ? `${m[1]!.trim()}${extra ? ` (${extra})` : ''}` : message.trim();
  if (code && NOT_TLS.has(code)) return `the port does not speak TLS: what the server sent is not a TLS record (OpenSSL: ${reason})`;
  return m ? `TLS handshake failed: ${reason}` : reason;
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

/** `host:port`, an IPv6 address in brackets (`[::1]:443`), as `probe` reads a target. */
export function hostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The peer's chain as Node builds it from `getPeerCertificate(true)` (leaf first): the certificates the
 * server sent, in issuing order, then any issuer found in the trust store (`ca`, or Node's CA store).
 */
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

/** What {@link handshake} connects with; `ca: []` is an empty trust store (the chain is then only what was sent). */
type HandshakeOptions = Required<Pick<ProbeOptions, 'host' | 'port' | 'timeoutMs'>> & {
  servername: string | null;
  ca?: Buffer | Buffer[];
  requestOCSP?: boolean;
};

/**
 * One TLS handshake (asking for a staple unless `requestOCSP` is false), closed as soon as it completes.
 * @throws ProbeError when it does not complete within `timeoutMs` or fails (message by {@link tlsErrorText})
 */
function handshake(o: HandshakeOptions): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    let staple: Buffer | null = null;
    let done = false;
    let address: string | null = null;
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
    sock.once('connect', () => (address = sock.remoteAddress ?? null));
    const finish = (err: Error | null, h?: Handshake) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(h!);
    };
    const timer = setTimeout(
      () => finish(new ProbeError(`no TLS handshake with ${hostPort(o.host, o.port)} within ${o.timeoutMs} ms`, 'ETIMEDOUT', address)),
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
    sock.once('error', (e: NodeJS.ErrnoException) => finish(new ProbeError(tlsErrorText(e.message, e.code), e.code, address)));
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

/** `--ca-file`'s bytes, bounded. @throws ProbeError (`ECAFILE`) when it cannot be read */
function readCaFile(file: string): Buffer {
  try {
    return readSmallFileSync(file, MAX_CA_FILE_BYTES); // bounded, never waiting on a FIFO or device
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err instanceof SpecialFileError || err instanceof FileTooLargeError ? err.message : (err.code ?? err.message);
    throw new ProbeError(`cannot read --ca-file ${file}: ${why}`, 'ECAFILE');
  }
}

/**
 * The staple handshakes: one asking for a staple, a second after `retryDelayMs` when it brought none.
 * A handshake aborted by a TLS alert is retried once without asking (Apache aborts the handshake when
 * its stapling callback fails hard, AH01955); if that works, stapling is the problem.
 * @returns the completed handshakes and the abort's error text (null when none was aborted)
 */
async function stapleHandshakes(hs: HandshakeOptions, retryDelayMs: number): Promise<{ shakes: Handshake[]; aborted: string | null }> {
  let first: Handshake;
  let aborted: string | null = null;
  try {
    first = await handshake(hs);
  } catch (e) {
    if (!(e instanceof ProbeError) || !/^ERR_SSL_/.test(e.code ?? '') || NOT_TLS.has(e.code ?? '')) throw e;
    aborted = e.message;
    first = await handshake({ ...hs, requestOCSP: false });
  }
  const shakes: Handshake[] = [first];
  if (!aborted && !first.staple) {
    await sleep(retryDelayMs);
    shakes.push(await handshake(hs));
  }
  return { shakes, aborted };
}

/**
 * The certificates the server sent (leaf first, in issuing order): when Node's chain has certificates
 * above the leaf, one more handshake (without asking for a staple) against an empty trust store, so that
 * Node adds nothing to what was sent. @returns null when that handshake fails
 */
async function sentCertificates(hs: HandshakeOptions, built: X509Certificate[]): Promise<X509Certificate[] | null> {
  if (built.length < 2) return built;
  try {
    return (await handshake({ ...hs, ca: [], requestOCSP: false })).chain;
  } catch {
    return null;
  }
}

/** The notes about the served certificate: name not covered (or by CN only), outside its validity, issuer not sent. */
function certificateNotes(
  leaf: X509Certificate,
  name: NameCheck | null,
  validity: CertificateValidity,
  missingIssuer: ReturnType<typeof issuerNotSent>,
): ProbeNote[] {
  const notes: ProbeNote[] = [];
  if (name && name.coveredBy === null) {
    const sans = (leaf.subjectAltName ?? '').split(/,\s*/).filter((x) => x !== '');
    notes.push({ id: 'name-not-covered', name: name.name, sans });
  }
  if (name?.coveredBy === 'commonName') notes.push({ id: 'name-by-common-name-only', name: name.name });
  if (validity.state === 'expired') notes.push({ id: 'certificate-expired', notAfter: validity.notAfter! });
  if (validity.state === 'not-yet-valid') notes.push({ id: 'certificate-not-yet-valid', notBefore: validity.notBefore! });
  if (missingIssuer) notes.push({ id: 'issuer-not-sent', ...missingIssuer });
  return notes;
}

/**
 * Probe a server: one handshake asking for a staple, a second one after `retryDelayMs` when the
 * first brought none, then the staple of the last one checked against the chain Node built; the served
 * certificate's name, validity and sent chain are reported beside the verdict.
 * @throws ProbeError when no TLS handshake completes (refused, timeout, not TLS), `caFile` cannot be read,
 *   or the timeout is out of range (code `EINVAL`)
 */
export async function probe(opts: ProbeOptions): Promise<ProbeResult> {
  const now = opts.now ?? (() => Date.now());
  const servername = opts.servername === undefined ? (net.isIP(opts.host) ? null : opts.host) : opts.servername;
  const ca = opts.caFile ? readCaFile(opts.caFile) : undefined;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS)
    throw new ProbeError(`the timeout must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got ${timeoutMs}`, 'EINVAL');
  const hs: HandshakeOptions = { host: opts.host, port: opts.port, timeoutMs, servername, ...(ca ? { ca } : {}) };
  const { shakes, aborted } = await stapleHandshakes(hs, opts.retryDelayMs ?? 1_500);
  const notes: ProbeNote[] = [];
  if (aborted) notes.push({ id: 'handshake-aborted', error: aborted });
  else if (shakes.length === 2) notes.push({ id: shakes[1]!.staple ? 'stapled-on-second' : 'no-staple-twice' });
  const last = shakes[shakes.length - 1]!;
  const leaf = last.chain[0];
  if (!leaf) throw new ProbeError(`${hostPort(opts.host, opts.port)} sent no certificate`, 'ENOCERT', last.address);
  const staple = last.staple ? checkStaple(last.staple, leaf, last.chain.slice(1), now()) : null;
  const certificate = summarize(leaf);
  if (certificate.ocspUrls.length === 0) notes.push({ id: 'no-ocsp-url' });
  const sent = await sentCertificates(hs, last.chain);
  const name = servername ? checkName(leaf, servername) : null;
  const validity = validityNow(leaf, now());
  notes.push(...certificateNotes(leaf, name, validity, issuerNotSent(last.chain, sent, ca !== undefined)));
  return {
    version: OUTPUT_VERSION,
    target: { host: opts.host, port: opts.port, servername, address: last.address },
    handshakes: shakes.length + (aborted ? 1 : 0),
    stapledPerHandshake: [...(aborted ? [false] : []), ...shakes.map((s) => s.staple !== null)],
    tls: {
      protocol: last.protocol,
      cipher: last.cipher,
      authorized: last.authorized,
      authorizationError: last.authorizationError,
      trustStore: ca ? 'ca-file' : 'ca-store',
    },
    certificate,
    chain: chainEntries(last.chain, sent),
    name,
    validity,
    staple,
    verdict: aborted ? 'handshake-aborted' : verdictOf(staple),
    notes,
  };
}
