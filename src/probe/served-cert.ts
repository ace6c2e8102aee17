/**
 * What a probe says about the certificate a server sent, beside its staple: whether it covers the SNI
 * name ({@link checkName}), whether it is valid now ({@link validityNow}), and which certificates of the
 * chain the server sent rather than Node took from `--ca-file` or its CA store ({@link chainEntries},
 * {@link issuerNotSent}). None of these changes the probe's verdict, which is about the staple.
 */
import net from 'node:net';
import type { X509Certificate } from 'node:crypto';
import { parseOpensslTime } from '../parse/apache-cert.js';
import { dnLine, isSelfSigned, issuedBy, sameCert } from '../x509/x509.js';

/** Whether the served certificate covers the SNI name sent. */
export interface NameCheck {
  /** The SNI name sent. */
  name: string;
  /**
   * `subjectAltName`: an entry of the certificate's subjectAltName covers the name; `commonName`: only
   * the subject CN does, the certificate having no DNS subjectAltName (RFC 6125 allows this fallback,
   * browsers do not); null: nothing does (clients that check the name refuse the certificate).
   */
  coveredBy: 'subjectAltName' | 'commonName' | null;
}

/**
 * Whether `cert` covers `name` as a TLS client checks it: an IP address against the IP entries of the
 * subjectAltName, a host name against its DNS entries (wildcards in the left-most label), the subject
 * CN only when there is no DNS entry ({@link NameCheck.coveredBy} says which).
 */
export function checkName(cert: X509Certificate, name: string): NameCheck {
  if (net.isIP(name) !== 0) return { name, coveredBy: cert.checkIP(name) ? 'subjectAltName' : null };
  if (cert.checkHost(name, { subject: 'never' })) return { name, coveredBy: 'subjectAltName' };
  return { name, coveredBy: cert.checkHost(name, { subject: 'default' }) ? 'commonName' : null };
}

/** The served certificate's validity at the time of the probe; times are ISO-8601 UTC. */
export interface CertificateValidity {
  /** `unknown` only when a date cannot be read. */
  state: 'valid' | 'expired' | 'not-yet-valid' | 'unknown';
  notBefore: string | null;
  notAfter: string | null;
  /** The time it was judged at. */
  checkedAt: string;
}

/** The validity of `cert` at `at` (ms since the epoch). */
export function validityNow(cert: X509Certificate, at: number): CertificateValidity {
  const nb = parseOpensslTime(cert.validFrom);
  const na = parseOpensslTime(cert.validTo);
  const state = nb === null || na === null ? 'unknown' : at > na ? 'expired' : at < nb ? 'not-yet-valid' : 'valid';
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return { state, notBefore: iso(nb), notAfter: iso(na), checkedAt: new Date(at).toISOString() };
}

/** One certificate above the server's own, as Node built the chain. */
export interface ChainEntry {
  subject: string;
  issuer: string;
  serial: string;
  /** Whether the server sent it (false: Node took it from `--ca-file` or its CA store); null when unknown. */
  sent: boolean | null;
}

/**
 * The chain above the leaf (`built[0]`), each marked sent or not.
 * @param built the chain as Node built it (leaf first): the certificates sent, then any from the trust store
 * @param sent the certificates the server sent (leaf first), or null when they could not be told apart
 */
export function chainEntries(built: readonly X509Certificate[], sent: readonly X509Certificate[] | null): ChainEntry[] {
  return built.slice(1).map((c) => ({
    subject: dnLine(c.subject),
    issuer: dnLine(c.issuer),
    serial: c.serialNumber.toUpperCase(),
    sent: sent === null ? null : sent.some((s) => sameCert(s, c)),
  }));
}

/**
 * Whether the server failed to send the issuer of its (not self-signed) certificate.
 * @returns the issuer's DN and where Node found it instead (`ca-file`, `ca-store`, or null: nowhere), or
 *   null when the issuer was sent, the certificate is self-signed, or what was sent is unknown
 */
export function issuerNotSent(
  built: readonly X509Certificate[],
  sent: readonly X509Certificate[] | null,
  caFileGiven: boolean,
): { issuer: string; completedFrom: 'ca-file' | 'ca-store' | null } | null {
  const leaf = built[0];
  if (!leaf || sent === null || isSelfSigned(leaf)) return null;
  if (sent.slice(1).some((c) => issuedBy(leaf, c))) return null;
  const found = built[1] !== undefined && issuedBy(leaf, built[1]);
  return { issuer: dnLine(leaf.issuer), completedFrom: found ? (caFileGiven ? 'ca-file' : 'ca-store') : null };
}
