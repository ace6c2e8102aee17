/**
 * Read a stapled OCSP response (DER, RFC 6960) and check it against the certificate chain the server
 * served: response status, the leaf's certStatus (good/revoked/unknown), thisUpdate/nextUpdate, the
 * responder id, and whether the signature verifies — signed by the leaf's issuer itself, or by a
 * delegated responder certificate included in the response that the issuer signed and that carries
 * the id-kp-OCSPSigning extended key usage (RFC 6960 §4.2.2.2).
 *
 * ASN.1 decoding is done by the @peculiar/asn1-ocsp / asn1-x509 schemas (no hand-written DER parser);
 * signatures are verified with Node's `crypto.verify` over the response's original tbsResponseData bytes.
 * Pure: no I/O.
 */
import { createHash, verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto';
import {
  BasicOCSPResponse,
  OCSPResponse,
  OCSPResponseStatus,
  id_kp_OCSPSigning,
  id_pkix_ocsp_basic,
  type CertID,
} from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, CRLReasons, type Name } from '@peculiar/asn1-x509';
import { dnLine, issuedBy, sameCert } from '../x509/x509.js';
import { malformedGeneralizedTime } from './der-time.js';

/** OCSPResponseStatus names as RFC 6960 spells them. */
export type ResponseStatusName = 'successful' | 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';

/** Outcome of the signature check. */
export interface SignatureCheck {
  /** `verified`: the signer is authorised and the signature verifies; `failed`: it does not; `not-checked`: it could not be checked. */
  result: 'verified' | 'failed' | 'not-checked';
  /** `issuer`: signed by the leaf's issuer; `delegated`: by a responder certificate the issuer issued; null: signer not found. */
  signer: 'issuer' | 'delegated' | null;
  /** Subject of the signing certificate, when found. */
  signerSubject: string | null;
  /** What was checked and what failed, as a sentence id (worded by `format/probe.ts`) … */
  detailId: SignatureDetailId;
  /** … and its values (subjects, validity dates, an error text). */
  data: Record<string, string>;
}

/** The outcomes of the signature check that {@link SignatureCheck.detailId} names. */
export type SignatureDetailId =
  | 'no-response'
  | 'not-successful'
  | 'signer-unknown'
  | 'signer-unknown-no-issuer'
  | 'cannot-verify'
  | 'issuer-verified'
  | 'issuer-bad-signature'
  | 'bad-signature'
  | 'delegation-unchecked'
  | 'signer-not-issued-by-issuer'
  | 'signer-without-ocsp-signing'
  | 'signer-not-valid-now'
  | 'delegated-verified';

/** What a staple says about the served certificate. */
export interface StapleReport {
  /** Size of the DER response in bytes. */
  bytes: number;
  /** The OCSPResponseStatus, or `unparsable` when the bytes are not an OCSP response. */
  responseStatus: ResponseStatusName | `status-${number}` | 'unparsable';
  /** Why the response could not be decoded (only with `unparsable` or a non-basic response type). */
  parseError?: string;
  /** The responder id: its name (`CN=…,O=…`) or the SHA-1 of its key (hex). */
  responderId: { byName: string } | { byKeySha1: string } | null;
  /** ISO-8601 UTC. */
  producedAt: string | null;
  /** Number of SingleResponses in the response. */
  responses: number;
  /** Status of the served certificate; null when the response has no SingleResponse for it (CertID mismatch). */
  certStatus: 'good' | 'revoked' | 'unknown' | null;
  /** For `revoked`: ISO-8601 UTC time and the CRL reason name (`keyCompromise` …) or null. */
  revocationTime: string | null;
  revocationReason: string | null;
  /** ISO-8601 UTC. */
  thisUpdate: string | null;
  nextUpdate: string | null;
  /** Seconds from now until nextUpdate (negative: expired); null without nextUpdate. */
  secondsLeft: number | null;
  /** thisUpdate ≤ now (+5 min skew) and now ≤ nextUpdate; null when the leaf's status is not in it. */
  current: boolean | null;
  signature: SignatureCheck;
}

const CLOCK_SKEW_MS = 5 * 60_000;

const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Signature algorithm OID → the digest for `crypto.verify` (null: the key type decides, EdDSA). */
const SIG_ALGS: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null, // Ed25519
  '1.3.101.113': null, // Ed448
};

const NAME_OIDS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** A Name as one line, most specific first (`CN=…,O=…`), like {@link dnLine}. */
function nameLine(name: Name): string {
  const parts: string[] = [];
  for (const rdn of name) for (const atv of rdn) parts.push(`${NAME_OIDS[atv.type] ?? atv.type}=${atv.value.toString()}`);
  return parts.reverse().join(',');
}

const buf = (a: ArrayBuffer | ArrayBufferView): Buffer =>
  ArrayBuffer.isView(a) ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : Buffer.from(a);
const iso = (d: Date | undefined): string | null => (d && Number.isFinite(d.getTime()) ? d.toISOString() : null);

/** The decoded parts of a certificate the CertID and responder id are computed from. */
interface CertParts {
  x509: X509Certificate;
  subjectDer: Buffer;
  issuerDer: Buffer;
  /** The subjectPublicKey BIT STRING contents (what RFC 6960 hashes). */
  keyBits: Buffer;
  serial: Buffer;
}

function parts(x509: X509Certificate): CertParts {
  const c = AsnConvert.parse(x509.raw, Certificate);
  return {
    x509,
    subjectDer: buf(AsnConvert.serialize(c.tbsCertificate.subject)),
    issuerDer: buf(AsnConvert.serialize(c.tbsCertificate.issuer)),
    keyBits: buf(c.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey),
    serial: buf(c.tbsCertificate.serialNumber),
  };
}

/** Serial numbers equal as integers (DER may carry a leading zero byte). */
function sameInteger(a: Buffer, b: Buffer): boolean {
  const strip = (x: Buffer) => {
    let i = 0;
    while (i < x.length - 1 && x[i] === 0) i++;
    return x.subarray(i);
  };
  return strip(a).equals(strip(b));
}

/** Whether a CertID names `leaf` as issued by `issuer` (hash of the leaf's issuer name and of the issuer's key). */
function certIdMatches(id: CertID, leaf: CertParts, issuer: CertParts | null): boolean {
  if (!sameInteger(buf(id.serialNumber), leaf.serial)) return false;
  const alg = HASHES[id.hashAlgorithm.algorithm];
  if (!alg) return true; // unknown hash: the serial decides
  const nameHash = createHash(alg).update(leaf.issuerDer).digest();
  if (!nameHash.equals(buf(id.issuerNameHash.buffer))) return false;
  if (!issuer) return true;
  return createHash(alg).update(issuer.keyBits).digest().equals(buf(id.issuerKeyHash.buffer));
}

function verifySignature(alg: string, tbs: Buffer, key: KeyObject, sig: Buffer): boolean {
  const digest = SIG_ALGS[alg];
  if (digest === undefined) throw new Error(`unsupported signature algorithm ${alg}`);
  return cryptoVerify(digest, tbs, key, sig);
}

const statusName = (s: number): StapleReport['responseStatus'] =>
  (OCSPResponseStatus[s] as ResponseStatusName | undefined) ?? `status-${s}`;

/**
 * Check a stapled response against the served chain.
 * @param der the staple as received (Node's `OCSPResponse` event)
 * @param leaf the server certificate
 * @param chain the other certificates the server sent (its issuer should be among them)
 * @param now ms since the epoch
 * Never throws: undecodable input, or a GeneralizedTime that is not well formed (see `der-time.ts`),
 * gives `responseStatus: 'unparsable'` with `parseError`.
 */
export function checkStaple(der: Buffer, leaf: X509Certificate, chain: readonly X509Certificate[], now: number): StapleReport {
  const report: StapleReport = {
    bytes: der.length,
    responseStatus: 'unparsable',
    responderId: null,
    producedAt: null,
    responses: 0,
    certStatus: null,
    revocationTime: null,
    revocationReason: null,
    thisUpdate: null,
    nextUpdate: null,
    secondsLeft: null,
    current: null,
    signature: { result: 'not-checked', signer: null, signerSubject: null, detailId: 'no-response', data: {} },
  };
  let resp: OCSPResponse;
  try {
    resp = AsnConvert.parse(der, OCSPResponse);
  } catch (e) {
    report.parseError = e instanceof Error ? e.message : String(e);
    return report;
  }
  report.responseStatus = statusName(resp.responseStatus);
  if (resp.responseStatus !== OCSPResponseStatus.successful) {
    report.signature = { ...report.signature, detailId: 'not-successful', data: { status: report.responseStatus } };
    return report;
  }
  if (!resp.responseBytes || resp.responseBytes.responseType !== id_pkix_ocsp_basic) {
    report.parseError = `response type ${resp.responseBytes?.responseType ?? '(none)'} is not id-pkix-ocsp-basic`;
    return report;
  }
  // Checked before decoding: the decoder reads malformed times leniently (month 13 as next January).
  const badTime = malformedGeneralizedTime(buf(resp.responseBytes.response.buffer));
  if (badTime !== null) {
    report.responseStatus = 'unparsable';
    report.parseError = `malformed GeneralizedTime ${JSON.stringify(badTime)} (RFC 5280 4.1.2.5.2: YYYYMMDDHHMMSSZ, UTC)`;
    return report;
  }
  let basic: BasicOCSPResponse;
  try {
    basic = AsnConvert.parse(resp.responseBytes.response.buffer, BasicOCSPResponse);
  } catch (e) {
    report.responseStatus = 'unparsable';
    report.parseError = `BasicOCSPResponse: ${e instanceof Error ? e.message : String(e)}`;
    return report;
  }
  const data = basic.tbsResponseData;
  const rid = data.responderID;
  report.responderId = rid.byName
    ? { byName: nameLine(rid.byName) }
    : rid.byKey
      ? { byKeySha1: buf(rid.byKey.buffer).toString('hex') }
      : null;
  report.producedAt = iso(data.producedAt);
  report.responses = data.responses.length;

  const leafParts = parts(leaf);
  const issuerX = chain.find((c) => !sameCert(c, leaf) && issuedBy(leaf, c)) ?? null;
  const issuer = issuerX ? parts(issuerX) : null;
  const single = data.responses.find((r) => certIdMatches(r.certID, leafParts, issuer));
  if (single) {
    const st = single.certStatus;
    report.certStatus = st.revoked ? 'revoked' : st.unknown !== undefined ? 'unknown' : 'good';
    if (st.revoked) {
      report.revocationTime = iso(st.revoked.revocationTime);
      const r = st.revoked.revocationReason?.reason;
      report.revocationReason = r === undefined ? null : (CRLReasons[r] ?? String(r));
    }
    report.thisUpdate = iso(single.thisUpdate);
    report.nextUpdate = iso(single.nextUpdate);
    report.secondsLeft = single.nextUpdate ? Math.round((single.nextUpdate.getTime() - now) / 1000) : null;
    report.current = single.thisUpdate.getTime() <= now + CLOCK_SKEW_MS && (!single.nextUpdate || now <= single.nextUpdate.getTime());
  }

  report.signature = checkSignature(basic, issuer, now);
  return report;
}

/** The certificate that signed the response: the issuer or one included in the response, by responder id. */
function findSigner(basic: BasicOCSPResponse, issuer: CertParts | null): CertParts | null {
  const rid = basic.tbsResponseData.responderID;
  const included: CertParts[] = [];
  for (const c of basic.certs ?? []) {
    try {
      included.push(parts(new X509Certificate(buf(AsnConvert.serialize(c)))));
    } catch {
      // an undecodable certificate in the response cannot be the signer
    }
  }
  const matches = (p: CertParts): boolean =>
    rid.byName
      ? p.subjectDer.equals(buf(AsnConvert.serialize(rid.byName)))
      : rid.byKey
        ? createHash('sha1').update(p.keyBits).digest().equals(buf(rid.byKey.buffer))
        : false;
  return [...(issuer ? [issuer] : []), ...included].find(matches) ?? null;
}

/** A delegated signer is authorised when the issuer issued it with the OCSPSigning usage and it is valid now. */
function checkDelegation(signer: CertParts, issuer: CertParts, now: number): SignatureCheck {
  const subject = dnLine(signer.x509.subject);
  const no = (detailId: SignatureDetailId, data: Record<string, string>, who: SignatureCheck['signer'] = null): SignatureCheck => ({
    result: 'failed',
    signer: who,
    signerSubject: subject,
    detailId,
    data: { subject, ...data },
  });
  if (!issuedBy(signer.x509, issuer.x509)) {
    return no('signer-not-issued-by-issuer', { signerIssuer: dnLine(signer.x509.issuer), issuer: dnLine(issuer.x509.subject) });
  }
  if (!(signer.x509.keyUsage ?? []).includes(id_kp_OCSPSigning)) return no('signer-without-ocsp-signing', {});
  const from = Date.parse(signer.x509.validFrom);
  const to = Date.parse(signer.x509.validTo);
  if (Number.isFinite(from) && Number.isFinite(to) && (now < from || now > to)) {
    return no('signer-not-valid-now', { validFrom: signer.x509.validFrom, validTo: signer.x509.validTo }, 'delegated');
  }
  return { result: 'verified', signer: 'delegated', signerSubject: subject, detailId: 'delegated-verified', data: { subject } };
}

function checkSignature(basic: BasicOCSPResponse, issuer: CertParts | null, now: number): SignatureCheck {
  const signer = findSigner(basic, issuer);
  if (!signer) {
    const detailId = issuer ? 'signer-unknown' : 'signer-unknown-no-issuer';
    return { result: issuer ? 'failed' : 'not-checked', signer: null, signerSubject: null, detailId, data: {} };
  }
  const subject = dnLine(signer.x509.subject);
  const tbs = basic.tbsResponseDataRaw ? buf(basic.tbsResponseDataRaw) : buf(AsnConvert.serialize(basic.tbsResponseData));
  let ok: boolean;
  try {
    ok = verifySignature(basic.signatureAlgorithm.algorithm, tbs, signer.x509.publicKey, buf(basic.signature));
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { result: 'not-checked', signer: null, signerSubject: subject, detailId: 'cannot-verify', data: { error } };
  }
  if (issuer && sameCert(signer.x509, issuer.x509)) {
    const detailId = ok ? 'issuer-verified' : 'issuer-bad-signature';
    return { result: ok ? 'verified' : 'failed', signer: 'issuer', signerSubject: subject, detailId, data: { subject } };
  }
  if (!ok) return { result: 'failed', signer: null, signerSubject: subject, detailId: 'bad-signature', data: { subject } };
  if (!issuer) return { result: 'not-checked', signer: null, signerSubject: subject, detailId: 'delegation-unchecked', data: { subject } };
  return checkDelegation(signer, issuer, now);
}
