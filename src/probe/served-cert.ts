/**
 * What a probe says about the certificate a server sent, beside its staple: whether it covers the SNI
 * name ({@link checkName}) and whether it is valid now ({@link validityNow}). Neither changes the
 * probe's verdict, which is about the staple.
 */
import net from 'node:net';
import type { X509Certificate } from 'node:crypto';
import { parseOpensslTime } from '../parse/apache-cert.js';

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
