/**
 * OCSP Must-Staple: the TLS Feature extension (RFC 7633, OID 1.3.6.1.5.5.7.1.24) listing the
 * `status_request` feature (TLS extension 5, RFC 6066). A client that honours it (Firefox) refuses a
 * handshake that brings no staple for such a certificate, so a server that cannot staple breaks it.
 *
 * The certificate is decoded with the @peculiar/asn1-x509 schema; the extension's value is a DER
 * `SEQUENCE OF INTEGER` (`Features ::= SEQUENCE OF INTEGER`, RFC 7633 §6), read here. Separate from
 * `x509.ts` so that only `check` loads the ASN.1 schemas. Pure.
 */
import type { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';

/** id-pe-tlsfeature (RFC 7633 §6). */
export const ID_PE_TLSFEATURE = '1.3.6.1.5.5.7.1.24';
/** The `status_request` TLS extension number (RFC 6066 §8). */
const STATUS_REQUEST = 5;

/** A DER length at `i`: [value, next index], or null when malformed. */
function derLength(b: Uint8Array, i: number): [number, number] | null {
  const first = b[i];
  if (first === undefined) return null;
  if (first < 0x80) return [first, i + 1];
  const n = first & 0x7f;
  if (n === 0 || n > 3 || i + n >= b.length) return null;
  let len = 0;
  for (let k = 1; k <= n; k++) len = len * 256 + b[i + k]!;
  return [len, i + 1 + n];
}

/** The integers of a DER `SEQUENCE OF INTEGER` (small non-negative ones), or null when it is not one. */
export function sequenceOfIntegers(der: Uint8Array): number[] | null {
  if (der[0] !== 0x30) return null;
  const outer = derLength(der, 1);
  if (!outer || outer[1] + outer[0] !== der.length) return null;
  const out: number[] = [];
  let i = outer[1];
  while (i < der.length) {
    if (der[i] !== 0x02) return null;
    const l = derLength(der, i + 1);
    if (!l || l[0] === 0 || l[0] > 4 || l[1] + l[0] > der.length) return null;
    let v = 0;
    for (let k = 0; k < l[0]; k++) v = v * 256 + der[l[1] + k]!;
    out.push(v);
    i = l[1] + l[0];
  }
  return out;
}

/**
 * Whether the certificate asks for OCSP Must-Staple (a TLS Feature extension that lists
 * `status_request`). False when it has no such extension or the certificate cannot be decoded.
 */
export function mustStaple(cert: X509Certificate): boolean {
  try {
    const c = AsnConvert.parse(cert.raw, Certificate);
    const ext = (c.tbsCertificate.extensions ?? []).find((e) => e.extnID === ID_PE_TLSFEATURE);
    if (!ext) return false;
    const features = sequenceOfIntegers(new Uint8Array(ext.extnValue.buffer));
    return features?.includes(STATUS_REQUEST) ?? false;
  } catch {
    return false;
  }
}
