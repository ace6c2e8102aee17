/**
 * The validity of the certificates a server uses after its own: the ones it sends (after the leaf in its
 * certificate file, and Apache's `SSLCertificateChainFile`) and the ones it takes from its trusted files to
 * staple (nginx `ssl_trusted_certificate`/`ssl_client_certificate`, Apache `SSLCACertificateFile`: the
 * leaf's issuer and the CAs above it). One walk, shared by `check` (`check-tests.ts`) and `--inspect`
 * (`judge.ts`), so both name the same certificate.
 *
 * OpenSSL refuses a chain through a certificate outside its validity: verify error 9
 * X509_V_ERR_CERT_NOT_YET_VALID "certificate is not yet valid" and 10 X509_V_ERR_CERT_HAS_EXPIRED
 * "certificate has expired" (crypto/x509/x509_txt.c; checked in crypto/x509/x509_vfy.c
 * `ossl_x509_check_cert_time()`, OpenSSL 3.0). Clients refuse the chain, and nginx's `OCSP_basic_verify()`
 * of a response signed through it fails with "Verify error:certificate has expired". When building a chain
 * OpenSSL 1.1.0+ prefers a trusted issuer (X509_V_FLAG_TRUSTED_FIRST, on by default) and, among several
 * candidates, one that is valid now (`get_issuer()`/`check_issued()` in x509_vfy.c): an expired certificate
 * off that chain — a cross-sign whose subject and key also have a valid certificate (Let's Encrypt's ISRG
 * Root X1 cross-signed by DST Root CA X3, expired 2021/2024), or a leftover — is not used, only unneeded.
 * No I/O.
 */
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { buildChain, sameCert, validity } from '../x509/x509.js';

/** The certificates of one file, as read (a `PemFile` of `judge.ts`). */
export interface CertsOfFile {
  file: string;
  certs: readonly X509Certificate[];
}

/** The files a certificate's chain comes from (the `Materials` of `judge.ts` satisfy it). */
export interface ChainFiles {
  certFile: CertsOfFile | null;
  chainFiles: readonly CertsOfFile[];
  trustedFiles: readonly CertsOfFile[];
}

/** One certificate of the chain, with where it was read. */
export interface ChainEntry {
  cert: X509Certificate;
  /** The file it was read from, as the configuration (or the log) names it. */
  file: string;
  /** `certificate`: the server's own (first in its file); `intermediate`: any other. */
  role: 'certificate' | 'intermediate';
  /**
   * `certificate-file`: the certificate file (the leaf, then what follows it); `chain-file`: Apache's
   * `SSLCertificateChainFile`; `trusted-file`: a CA certificate above the leaf taken from the trusted files
   * because the sent ones do not hold it (a self-signed root there too when the chain ends at it: OpenSSL checks
   * the trust anchor's dates as well, `internal_verify()` in crypto/x509/x509_vfy.c).
   */
  from: 'certificate-file' | 'chain-file' | 'trusted-file';
}

/** What {@link chainOf} gives: every certificate the server sends or stapling uses, and the chain OpenSSL would build. */
export interface Chain {
  /** The leaf, the rest of its file, the chain files, then the CAs on `path` taken from the trusted files. */
  entries: ChainEntry[];
  /** The leaf and its issuers up to a root (or as far as known), preferring a trusted root, then a valid issuer. */
  path: X509Certificate[];
}

/** Node's root CA certificates (Mozilla's list, as most systems' CA stores), parsed once, when first needed. */
let anchors: X509Certificate[] | undefined;
function trustAnchors(): X509Certificate[] {
  anchors ??= tls.rootCertificates.map((pem) => new X509Certificate(pem));
  return anchors;
}

const validAt = (cert: X509Certificate, now: number): boolean => validity(cert, now).state === 'valid';

/**
 * The chain OpenSSL builds up from `leaf`: at each step a root of Node's store that issued it (trusted
 * first), else among `pool` an issuer valid at `now`, else any issuer (`buildChain`).
 */
const issuerPath = (leaf: X509Certificate, pool: readonly X509Certificate[], now: number): X509Certificate[] =>
  buildChain(leaf, pool, { now, anchors: trustAnchors() }).chain;

/**
 * The certificates of a chain, in the order the server uses them: the certificate file's (the leaf first),
 * the chain files', then the CAs of the built chain that only the trusted files hold (its root among them when
 * the chain ends at one there). Empty when there is no leaf.
 * @param now the time issuers are chosen at (ms since the epoch)
 */
export function chainOf(m: ChainFiles, now: number): Chain {
  const cf = m.certFile;
  const leaf = cf?.certs[0];
  if (!cf || !leaf) return { entries: [], path: [] };
  const entries: ChainEntry[] = [
    ...cf.certs.map((cert, i): ChainEntry => ({
      cert,
      file: cf.file,
      role: i === 0 ? 'certificate' : 'intermediate',
      from: 'certificate-file',
    })),
    ...m.chainFiles.flatMap((p) => p.certs.map((cert): ChainEntry => ({ cert, file: p.file, role: 'intermediate', from: 'chain-file' }))),
  ];
  const trusted = m.trustedFiles.flatMap((p) => p.certs.map((cert) => ({ cert, file: p.file })));
  const path = issuerPath(leaf, [...entries.map((e) => e.cert), ...trusted.map((t) => t.cert)], now);
  for (const cert of path.slice(1)) {
    if (entries.some((e) => sameCert(e.cert, cert))) continue;
    const t = trusted.find((x) => sameCert(x.cert, cert));
    if (t) entries.push({ ...t, role: 'intermediate', from: 'trusted-file' });
  }
  return { entries, path };
}

/** The first certificate of the chain (the leaf included) that is not valid yet at `now`, if any. */
export function firstNotYetValid(chain: Chain, now: number): ChainEntry | undefined {
  return chain.entries.find((x) => validity(x.cert, now).state === 'not-yet-valid');
}

/** An expired certificate after the leaf, and whether the chain needs it. */
export interface ExpiredInChain {
  entry: ChainEntry;
  /**
   * Null when the chain OpenSSL builds goes through it (the chain is broken); else why it is not used:
   * `twin`, a valid certificate with the same subject and key is `where` (a file, or `trust-store`: Node's
   * root list); `off-path`, nothing on the chain from the leaf is issued by it.
   */
  unneeded: null | { reason: 'twin'; where: string } | { reason: 'off-path' };
}

/** Where a valid certificate with the subject and public key of `cert` is: a file of `m`, `trust-store`, or null. */
function twinOf(cert: X509Certificate, m: ChainFiles, now: number): string | null {
  const key = cert.publicKey.export({ type: 'spki', format: 'der' });
  const twin = (c: X509Certificate): boolean =>
    !sameCert(c, cert) && c.subject === cert.subject && validAt(c, now) && c.publicKey.export({ type: 'spki', format: 'der' }).equals(key);
  const files = [...(m.certFile ? [m.certFile] : []), ...m.chainFiles, ...m.trustedFiles];
  const inFile = files.find((p) => p.certs.some(twin));
  if (inFile) return inFile.file;
  return trustAnchors().some(twin) ? 'trust-store' : null;
}

/**
 * The expired certificate after the leaf that matters most: the first the built chain goes through (it is
 * broken: verify error 10), else the first it does not need; null when none has expired. (The leaf's own
 * expiry is `expiryTest`'s and `judge()`'s.)
 * @param now the time checked (ms since the epoch)
 */
export function expiredInChain(chain: Chain, m: ChainFiles, now: number): ExpiredInChain | null {
  const expired = chain.entries.filter((x) => x.role === 'intermediate' && validity(x.cert, now).state === 'expired');
  if (expired.length === 0) return null;
  const used = expired.find((x) => chain.path.some((p) => sameCert(p, x.cert)));
  if (used) return { entry: used, unneeded: null };
  const entry = expired[0]!;
  const where = twinOf(entry.cert, m, now);
  return { entry, unneeded: where ? { reason: 'twin', where } : { reason: 'off-path' } };
}
