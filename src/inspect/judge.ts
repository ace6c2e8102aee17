/**
 * The pure half of `--inspect`: judge a finding against the certificate files read for it. Each check
 * the finding's cause module names (`inspections`) runs on the certificates and says whether it confirms
 * or refutes the log's diagnosis, as data (a detail id and values; `findings/inspection-wording.ts`
 * words it). A confirmed check that contradicts the cause changes it through `refineCause`, the one
 * place causes are decided. No I/O.
 */
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { refineCause, type CauseFacts } from '../rules/cause.js';
import { moduleOf, type CauseRegistry } from '../findings/registry.js';
import { CAUSES } from '../findings/causes/index.js';
import type { CauseId, FindingData, InspectionCheckData, InspectionCheckId, InspectionData, MissingCertificate } from '../types.js';
import type { SiteCertificates } from './config.js';
import { chainOf, expiredInChain, firstNotYetValid, type ChainEntry, type ExpiredInChain } from './chain-validity.js';
import {
  buildChain,
  dnLine,
  findIssuer,
  infoAccess,
  isSelfSigned,
  issuedByLetsEncrypt,
  ocspUrlAt,
  sameOcspUrl,
  sameCert,
  summarize,
  validity,
} from '../x509/x509.js';

/** The certificates of one PEM file as read, or why it could not be read. */
export interface PemFile {
  /** The path as the log or configuration names it. */
  file: string;
  certs: X509Certificate[];
  /** The 1-based line of each certificate's `BEGIN CERTIFICATE` (same order as `certs`), when known. */
  lines?: number[];
  /** Set when the file could not be read (`ENOENT`, `EACCES`, `not a regular file` …). */
  error?: string;
}

/** Everything {@link judge} needs about one finding, gathered by the I/O side. */
export interface Materials {
  /** The certificate file (its first certificate is the server certificate), or null when none was found. */
  certFile: PemFile | null;
  /** The configuration block the certificate belongs to (with `--config`), and where it is. */
  site: SiteCertificates | null;
  block: string | null;
  /** Apache `SSLCertificateChainFile` contents. */
  chainFiles: PemFile[];
  /** `ssl_trusted_certificate` (+ `ssl_client_certificate`) / `SSLCACertificateFile` contents. */
  trustedFiles: PemFile[];
  /** A configuration was given (so an absent trusted bundle is known to be absent). */
  haveConfig: boolean;
  /**
   * Whether a file named in the log and one named in the configuration are the same file (through
   * `--map-path`, both are read from one place); default: the same name.
   */
  sameFile?: (logged: string, configured: string) => boolean;
}

/** The outcome of {@link judge}: the cause after inspection, and the inspection as data. */
export interface Judgement {
  cause: CauseId;
  inspection: InspectionData;
}

type Data = InspectionCheckData['data'];

/** What the checks work with: the finding, its materials, and what was read of the server certificate. */
interface Bench {
  f: FindingData;
  m: Materials;
  file: string;
  leaf: X509Certificate;
  subject: string;
  issuerDn: string;
  caIssuers: string[];
  ocsp: string[];
  /** Certificates after the leaf in its own file. */
  extras: X509Certificate[];
  trustedCerts: X509Certificate[];
  selfSigned: boolean;
  server: string;
  /** Results so far. */
  checks: InspectionCheckData[];
  missing: MissingCertificate[];
  facts: CauseFacts;
}

const check = (b: Bench, c: InspectionCheckId, result: InspectionCheckData['result'], detailId: string, data: Data): void =>
  void b.checks.push({ check: c, result, detailId, data });

const unreadable = (files: readonly PemFile[]): Data => ({ files: files.map((p) => p.file), reasons: files.map((p) => p.error ?? '') });

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

function checkSelfSigned(b: Bench): void {
  const { f, file, subject, leaf } = b;
  if (b.selfSigned) {
    check(b, 'self-signed', 'confirmed', 'selfSigned', { file, subject });
    b.facts.selfSigned = true;
  } else if (f.cause === 'self-signed-certificate') {
    if (leaf.subject === leaf.issuer) check(b, 'self-signed', 'refuted', 'selfSignedDnOnly', { file, subject });
    else check(b, 'self-signed', 'refuted', 'notSelfSigned', { file, subject, issuer: b.issuerDn });
    b.facts.selfSigned = false;
  } else {
    check(b, 'self-signed', 'confirmed', 'notSelfSigned', { file, subject, issuer: b.issuerDn });
  }
}

function checkCertid(b: Bench): void {
  const chainCerts = b.m.chainFiles.flatMap((p) => p.certs);
  const second = b.extras[0];
  const real = findIssuer(b.leaf, [...b.extras, ...chainCerts, ...b.trustedCerts]);
  if (second && !sameCert(second, real ?? b.leaf) && !findIssuer(b.leaf, [second])) {
    check(b, 'issuer-present', 'confirmed', 'certidWrongIntermediate', {
      file: b.file,
      second: dnLine(second.subject),
      issuer: b.issuerDn,
    });
    b.missing.push({ subject: b.issuerDn, role: 'issuer', caIssuersUrl: b.caIssuers[0] ?? null, neededIn: 'certificate-file' });
  } else if (real) {
    check(b, 'issuer-present', 'confirmed', 'certidRightChain', { file: b.file, issuer: b.issuerDn });
  } else {
    const count = b.m.certFile!.certs.length;
    check(b, 'issuer-present', 'not-checked', 'issuerMissing', {
      file: b.file,
      count,
      issuer: b.issuerDn,
      elsewhere: 'unknown',
      server: b.server,
    });
  }
}

function checkIssuerPresent(b: Bench): void {
  if (b.selfSigned) return; // answered by the self-signed check
  if (b.f.cause === 'certid-mismatch') return checkCertid(b);
  const { m, file, leaf } = b;
  const inFile = findIssuer(leaf, b.extras);
  const inOthers = m.chainFiles.concat(m.trustedFiles).find((p) => findIssuer(leaf, p.certs));
  if (inFile || inOthers) {
    check(b, 'issuer-present', 'refuted', 'issuerPresent', { file: inFile ? file : inOthers!.file, issuer: b.issuerDn });
    return;
  }
  const others = [...m.chainFiles, ...m.trustedFiles].filter((p) => !p.error).map((p) => p.file);
  const where: Data = !m.site
    ? { elsewhere: 'unknown' }
    : others.length > 0
      ? { elsewhere: 'files', files: others }
      : { elsewhere: 'none', block: m.block ?? m.site.file };
  const bad = [...m.chainFiles, ...m.trustedFiles].filter((p) => p.error);
  if (bad.length > 0) {
    check(b, 'issuer-present', 'not-checked', 'unreadable', unreadable(bad));
    return;
  }
  check(b, 'issuer-present', 'confirmed', 'issuerMissing', {
    file,
    count: m.certFile!.certs.length,
    issuer: b.issuerDn,
    server: b.server,
    ...where,
  });
  b.missing.push({ subject: b.issuerDn, role: 'issuer', caIssuersUrl: b.caIssuers[0] ?? null, neededIn: 'certificate-file' });
}

function checkOcspUrl(b: Bench): void {
  const { f, m, file, ocsp } = b;
  if (f.cause === 'ocsp-url-missing') {
    if (ocsp.length === 0) check(b, 'ocsp-url', 'confirmed', 'noOcspUrl', { file, subject: b.subject, caIssuers: b.caIssuers });
    else check(b, 'ocsp-url', 'refuted', 'hasOcspUrl', { file, urls: ocsp });
    return;
  }
  const url = f.subject.url;
  const logged = f.subject.responder ?? f.subject.host ?? (url ? hostOf(url) : null);
  const forced = m.site?.forcedResponder ?? null;
  const block = m.block ?? '';
  if (f.cause === 'responder-url-invalid' && url && forced && sameOcspUrl(forced, url)) {
    check(b, 'ocsp-url', 'confirmed', 'forcedUrlRejected', { forced, block, own: ocsp });
  } else if (f.cause === 'responder-url-invalid' && url && ocsp.some((u) => sameOcspUrl(u, url))) {
    check(b, 'ocsp-url', 'confirmed', 'certUrlRejected', { url });
  } else if (logged && ocsp.some((u) => ocspUrlAt(u, logged))) {
    check(b, 'ocsp-url', 'confirmed', 'ocspUrlMatches', { urls: ocsp, responder: logged });
  } else if (logged && forced && ocspUrlAt(forced, logged)) {
    check(b, 'ocsp-url', 'confirmed', 'ocspUrlForced', { forced, block });
  } else if (!logged && forced && !ocsp.some((u) => sameOcspUrl(u, forced))) {
    // The log names no responder (Apache AH02969 names a serial): the block asks another one than the certificate's.
    const result = f.cause === 'certificate-status-unknown' ? 'confirmed' : 'not-checked';
    check(b, 'ocsp-url', result, 'ocspUrlForcedOther', { forced, block, urls: ocsp });
  } else if (logged) {
    check(b, 'ocsp-url', 'not-checked', 'ocspUrlDiffers', { urls: ocsp, responder: logged });
  } else {
    check(b, 'ocsp-url', 'not-checked', 'ocspUrlInfo', { urls: ocsp });
  }
}

/** The trusted bundle is empty: name what it must hold (the issuer when known, and the root above it). */
function trustedNone(b: Bench, issuer: X509Certificate | null): void {
  check(b, 'trusted-chain', b.f.cause === 'trusted-chain-incomplete' ? 'confirmed' : 'refuted', 'trustedNone', {
    server: b.server,
    block: b.m.block ?? b.m.site!.file,
  });
  if (!issuer) {
    b.missing.push({ subject: b.issuerDn, role: 'issuer', caIssuersUrl: b.caIssuers[0] ?? null, neededIn: 'trusted-bundle' });
    return;
  }
  const up = buildChain(issuer, [...b.extras, ...b.trustedCerts]);
  if (!up.complete) b.missing.push(aboveChain(up.chain[up.chain.length - 1]!));
}

/** Subjects (one-line DN) of the root CAs Node carries (Mozilla's list, as Debian's ca-certificates); read once, when first needed. */
let publicRoots: Set<string> | undefined;

/**
 * The certificate missing above the top of a chain that stops below a root: the issuer of `top`. It is
 * a `root` only when a public root CA has its name (then it comes from the system CA store); else a `ca`:
 * the next intermediate (which the CA Issuers URL of `top` usually serves) or a private root.
 */
function aboveChain(top: X509Certificate): MissingCertificate {
  publicRoots ??= new Set(tls.rootCertificates.map((pem) => dnLine(new X509Certificate(pem).subject)));
  const subject = dnLine(top.issuer);
  return {
    subject,
    role: publicRoots.has(subject) ? 'root' : 'ca',
    caIssuersUrl: infoAccess(top).caIssuers[0] ?? null,
    neededIn: 'trusted-bundle',
  };
}

/** Follow the issuer's chain through the trusted bundle: to a root in it, or where it stops. */
function trustedChainTo(b: Bench, issuer: X509Certificate, files: string[]): void {
  const incomplete = b.f.cause === 'trusted-chain-incomplete' ? 'confirmed' : 'refuted';
  const up = buildChain(issuer, [...b.extras, ...b.trustedCerts]);
  const top = up.chain[up.chain.length - 1]!;
  if (!up.complete) {
    check(b, 'trusted-chain', incomplete, 'trustedStopsBelowRoot', { files, top: dnLine(top.subject), missing: dnLine(top.issuer) });
    b.missing.push(aboveChain(top));
    return;
  }
  if (!b.trustedCerts.some((c) => sameCert(c, top))) {
    check(b, 'trusted-chain', incomplete, 'trustedRootOutside', { root: dnLine(top.subject), files });
    const below = up.chain.length > 1 ? (infoAccess(up.chain[up.chain.length - 2]!).caIssuers[0] ?? null) : null;
    b.missing.push({ subject: dnLine(top.subject), role: 'root', caIssuersUrl: below, neededIn: 'trusted-bundle' });
    return;
  }
  check(b, 'trusted-chain', 'confirmed', 'trustedComplete', { files, chain: up.chain.map((c) => dnLine(c.subject)) });
  b.facts.trustedChainComplete = true;
}

function checkTrustedChain(b: Bench): void {
  const { m } = b;
  if (!m.site) return check(b, 'trusted-chain', 'not-checked', 'trustedNotKnown', { server: b.server });
  const bad = m.trustedFiles.filter((p) => p.error);
  // The finding says nginx could not load this very file (SSL_CTX_load_verify_locations): not reading it here confirms that.
  const logged = b.f.cause === 'trusted-chain-incomplete' ? b.f.data.file : undefined;
  const same = m.sameFile ?? ((x: string, y: string) => x === y);
  const named = logged === undefined ? undefined : bad.find((p) => same(logged, p.file));
  if (named) return check(b, 'trusted-chain', 'confirmed', 'trustedUnloadable', { file: named.file, reason: named.error ?? '' });
  if (bad.length > 0) return check(b, 'trusted-chain', 'not-checked', 'unreadable', unreadable(bad));
  const issuer = findIssuer(b.leaf, [...b.extras, ...b.trustedCerts]);
  if (b.trustedCerts.length === 0) return trustedNone(b, issuer);
  const files = m.trustedFiles.map((t) => t.file);
  if (!issuer) {
    check(b, 'trusted-chain', b.f.cause === 'trusted-chain-incomplete' ? 'confirmed' : 'refuted', 'issuerMissing', {
      file: b.file,
      count: m.certFile!.certs.length,
      issuer: b.issuerDn,
      elsewhere: 'files',
      files,
    });
    b.missing.push({ subject: b.issuerDn, role: 'issuer', caIssuersUrl: b.caIssuers[0] ?? null, neededIn: 'trusted-bundle' });
    return;
  }
  trustedChainTo(b, issuer, files);
}

const CHECKS: Partial<Record<InspectionCheckId, (b: Bench) => void>> = {
  'self-signed': checkSelfSigned,
  'issuer-present': checkIssuerPresent,
  'ocsp-url': checkOcspUrl,
  'trusted-chain': checkTrustedChain,
};

/**
 * The data of a `notYetValid` check (see `findings/inspection-wording.ts`): the certificate's notBefore as
 * OpenSSL prints it, the time it was checked at (ISO-8601, UTC), the file it was read from, its subject
 * ({@link dnLine}), its place in the chain (`certificate`: the server's own; `intermediate`: any other) and
 * the kind of file it came from ({@link ChainEntry}`.from`).
 */
export function notYetValidData(x: ChainEntry, now: number): Data {
  const { cert, file, role, from } = x;
  return { notBefore: cert.validFrom, now: new Date(now).toISOString(), file, subject: dnLine(cert.subject), role, from };
}

/**
 * The data of an `expiredIntermediate` check (the chain goes through an expired CA certificate: OpenSSL verify
 * error 10, "certificate has expired", crypto/x509/x509_txt.c) or an `expiredUnneeded` one (an expired
 * certificate the chain does not use): its subject, file, kind of file, notAfter as OpenSSL prints it, the time
 * checked (ISO-8601, UTC); for the first, the leaf's first CA Issuers URL when it has one (`caIssuers`); for the
 * second, `reason` (`twin`: a valid certificate with the same subject and key is `where`, a file or
 * `trust-store`; `off-path`).
 */
export function expiredInChainData(x: ExpiredInChain, now: number, caIssuers: readonly string[]): Data {
  const { cert, file, from } = x.entry;
  const base: Data = { subject: dnLine(cert.subject), file, from, notAfter: cert.validTo, now: new Date(now).toISOString() };
  if (!x.unneeded) return caIssuers[0] ? { ...base, caIssuers: caIssuers[0] } : base;
  return x.unneeded.reason === 'twin' ? { ...base, reason: 'twin', where: x.unneeded.where } : { ...base, reason: 'off-path' };
}

/**
 * Facts that matter whatever the cause: Let's Encrypt, and the validity of the leaf and of the chain
 * ({@link chainOf}: the first certificate not valid yet; an expired one after the leaf, needed or not).
 */
function checkFacts(b: Bench, now: number): void {
  if (issuedByLetsEncrypt(b.leaf)) check(b, 'lets-encrypt', 'confirmed', 'letsEncrypt', { issuer: b.issuerDn });
  const v = validity(b.leaf, now);
  if (v.state === 'expired') check(b, 'expired', 'confirmed', 'expired', { notAfter: v.notAfter });
  const chain = chainOf(b.m, now);
  const early = firstNotYetValid(chain, now);
  if (early) check(b, 'expired', 'confirmed', 'notYetValid', notYetValidData(early, now));
  const gone = expiredInChain(chain, b.m, now);
  if (gone) {
    const detailId = gone.unneeded ? 'expiredUnneeded' : 'expiredIntermediate';
    // The leaf's CA Issuers URL gives its own issuer only: for a CA certificate higher up it would fetch another one.
    const issuerOfLeaf = chain.path[1] !== undefined && sameCert(chain.path[1], gone.entry.cert);
    check(b, 'expired', 'confirmed', detailId, expiredInChainData(gone, now, issuerOfLeaf ? b.caIssuers : []));
  }
}

/**
 * The inspection's verdict: refuted when a check refutes the cause, confirmed when a check the cause asks for
 * (`wanted`: its module's `inspections`) confirms it, else not checked. A fact found for every finding of the
 * certificate ({@link checkFacts}: Let's Encrypt, an expired or not-yet-valid certificate in the chain) is
 * listed with its own result but confirms only a cause that asks for it (`certificate-expired`): an expired
 * intermediate does not confirm a responder timeout.
 */
function result(checks: readonly InspectionCheckData[], wanted: readonly InspectionCheckId[]): InspectionData['result'] {
  return checks.some((c) => c.result === 'refuted')
    ? 'refuted'
    : checks.some((c) => c.result === 'confirmed' && wanted.includes(c.check))
      ? 'confirmed'
      : 'not-checked';
}

/**
 * Judge a finding against the certificates read for it. Pure (no I/O).
 * @param now the time to check validity at, ms since the epoch
 * @param causes the cause modules (which checks speak to each cause)
 */
export function judge(f: FindingData, m: Materials, now: number, causes: CauseRegistry = CAUSES): Judgement {
  const wanted = moduleOf(f.cause, causes).inspections;
  const server = f.server ?? '';
  const trustedFiles = m.trustedFiles.map((t) => t.file);
  const base = {
    missing: [] as MissingCertificate[],
    trustedFiles,
    haveConfig: m.haveConfig,
    ...(m.block ? { configBlock: m.block } : {}),
  };
  const cf = m.certFile;
  const leaf = cf?.certs[0];
  if (!cf || cf.error || !leaf) {
    const [detailId, data]: [string, Data] = !cf
      ? ['noCertificateNamed', { server, haveConfig: m.haveConfig ? 1 : 0 }]
      : cf.error
        ? ['unreadable', unreadable([cf])]
        : ['noCertificateInFile', { file: cf.file }];
    const checks = (wanted.length > 0 ? wanted : (['expired'] as const)).map((c) => ({
      check: c,
      result: 'not-checked' as const,
      detailId,
      data,
    }));
    return { cause: f.cause, inspection: { result: result(checks, wanted), checks, ...base } };
  }
  const aia = infoAccess(leaf);
  const b: Bench = {
    f,
    m,
    file: cf.file,
    leaf,
    subject: dnLine(leaf.subject),
    issuerDn: dnLine(leaf.issuer),
    caIssuers: aia.caIssuers,
    ocsp: aia.ocsp,
    extras: cf.certs.slice(1),
    trustedCerts: m.trustedFiles.flatMap((p) => p.certs),
    selfSigned: isSelfSigned(leaf),
    server,
    checks: [],
    missing: base.missing,
    facts: {},
  };
  for (const want of wanted) CHECKS[want]?.(b);
  const cause = refineCause(f.cause, {}, b.facts);
  if (cause !== f.cause) {
    // The new cause's own checks speak too (a "self-signed" certificate that is not: is its issuer there?).
    // Its refutation of the log's cause confirms the new one (as a complete trusted chain does for its change).
    for (const c of b.checks) if (c.check === 'self-signed' && b.facts.selfSigned === false) c.result = 'confirmed';
    const ran = new Set(b.checks.map((c) => c.check));
    const again = { ...b, f: { ...f, cause } };
    for (const want of moduleOf(cause, causes).inspections) if (!ran.has(want)) CHECKS[want]?.(again);
  }
  checkFacts(b, now);
  const inspection: InspectionData = {
    result: result(b.checks, [...wanted, ...moduleOf(cause, causes).inspections]),
    checks: b.checks,
    ...base,
    certificate: { file: cf.file, ...summarize(leaf) },
  };
  if (cause !== f.cause) {
    inspection.causeBefore = f.cause;
    inspection.causeChangeReason = b.facts.selfSigned
      ? 'self-signed'
      : b.facts.selfSigned === false
        ? 'not-self-signed'
        : 'trusted-chain-complete';
  }
  return { cause, inspection };
}
