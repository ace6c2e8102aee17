/**
 * Certificate facts for `--inspect` and `probe`, from Node's `crypto.X509Certificate` (OpenSSL under
 * the hood): PEM bundles split into certificates, issuer/self-signed checks that verify signatures,
 * chains built from a pool, the AIA extension's OCSP and CA Issuers URLs, validity, Let's Encrypt.
 *
 * Pure: nothing here reads files or the network (`readPemFile` in `inspect/files.ts` does the I/O).
 */
import { X509Certificate } from 'node:crypto';
import { parseOpensslTime } from '../parse/apache-cert.js';
import type { CertificateSummary } from '../types.js';

const PEM_CERT = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;

/** One certificate of a PEM bundle, or why a block could not be read. */
export interface PemBlock {
  /** 0-based position in the file among its certificate blocks. */
  index: number;
  /** 1-based line of its `-----BEGIN CERTIFICATE-----`. */
  line: number;
  cert: X509Certificate | null;
  error?: string;
}

/**
 * Every certificate block of a PEM text (`-----BEGIN CERTIFICATE-----` … `END`), in file order.
 * Private keys and other blocks are ignored; a block OpenSSL cannot parse has `cert: null` and the
 * reason in `error`. Never throws.
 */
export function splitPem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  let index = 0;
  let line = 1;
  let seen = 0;
  for (const m of text.matchAll(PEM_CERT)) {
    for (let i = seen; i < m.index; i++) if (text.charCodeAt(i) === 10) line++;
    seen = m.index;
    // OpenSSL's "TRUSTED CERTIFICATE" carries trust settings after the certificate; Node reads the plain form.
    const pem = m[0].replace(/(BEGIN|END) (X509 |TRUSTED )CERTIFICATE/g, '$1 CERTIFICATE');
    try {
      out.push({ index, line, cert: new X509Certificate(pem) });
    } catch (e) {
      out.push({ index, line, cert: null, error: e instanceof Error ? e.message : String(e) });
    }
    index++;
  }
  return out;
}

/**
 * A distinguished name as one line, most specific first and comma-separated (`CN=…,O=…`), the
 * RFC 2253 order Apache prints in its `[subject: … / issuer: …]` suffix.
 * @param multiline Node's `X509Certificate.subject`/`.issuer` form (`O=…\nCN=…`)
 */
export function dnLine(multiline: string): string {
  return multiline
    .split('\n')
    .filter((x) => x !== '')
    .reverse()
    .join(',');
}

/** Attribute list of a DN for comparison (`cn=www.example.com`), order-free and case-folded in keys. */
function dnKey(parts: string[]): string {
  return parts
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? p : `${p.slice(0, eq).trim().toLowerCase()}=${p.slice(eq + 1).trim()}`;
    })
    .sort()
    .join('\u0000');
}

/**
 * Whether a DN as Apache logs it (`CN=www.example.com,O=Example\, Inc.`, already un-escaped by the
 * parser except for RFC 2253 `\,`) names the same DN as Node's multi-line form. Order-insensitive.
 */
export function sameDn(logged: string, multiline: string): boolean {
  const parts = logged.split(/(?<!\\),/).map((p) => p.replace(/\\,/g, ','));
  return dnKey(parts) === dnKey(multiline.split('\n'));
}

/** The same certificate (by DER bytes). */
export function sameCert(a: X509Certificate, b: X509Certificate): boolean {
  return a.raw.equals(b.raw);
}

/**
 * Whether `issuer` issued `cert`: names and key identifiers match (`checkIssued`) and `cert`'s
 * signature verifies with `issuer`'s public key. Never throws (an unusable key answers false).
 */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * A self-signed certificate: its issuer name is its subject and its signature verifies with its own
 * key. (Not `checkIssued(cert)`: OpenSSL's issuer check also wants the keyCertSign usage, which a
 * self-signed server certificate usually lacks.) Never throws.
 */
export function isSelfSigned(cert: X509Certificate): boolean {
  try {
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/**
 * The first certificate in `pool` that issued `cert` (see {@link issuedBy}), skipping `cert` itself.
 */
export function findIssuer(cert: X509Certificate, pool: readonly X509Certificate[]): X509Certificate | null {
  return pool.find((c) => !sameCert(c, cert) && issuedBy(cert, c)) ?? null;
}

/** A chain built upwards from a certificate. */
export interface ChainResult {
  /** `[cert, its issuer, …]`, as far as the pool reaches. */
  chain: X509Certificate[];
  /** The chain ends in a self-signed certificate (a root). */
  complete: boolean;
  /** When incomplete: the last certificate found, whose issuer is missing from the pool. */
  missingIssuerOf: X509Certificate | null;
}

/** How {@link buildChain} chooses among issuers. */
export interface ChainOptions {
  /**
   * The time issuers are chosen at (ms since the epoch): among several certificates that issued the same
   * one (a cross-sign, a renewed intermediate), one valid then comes first. Without it, the pool's first.
   */
  now?: number;
  /**
   * Trusted roots (Node's `tls.rootCertificates`, parsed): an anchor that issued the current certificate
   * (valid at `now` when given) ends the chain before the pool is looked at, as OpenSSL prefers its trust
   * store's certificates (`X509_V_FLAG_TRUSTED_FIRST`, the default since OpenSSL 1.1.0).
   */
  anchors?: readonly X509Certificate[];
}

/**
 * Build the chain of `cert` through `pool` (issuer by issuer, at most 10 steps, no certificate twice).
 * It ends at a self-signed certificate or a trusted anchor (`complete`), or where no issuer is known.
 */
export function buildChain(cert: X509Certificate, pool: readonly X509Certificate[], opts: ChainOptions = {}): ChainResult {
  const chain = [cert];
  const usable = (c: X509Certificate): boolean => opts.now === undefined || validity(c, opts.now).state === 'valid';
  let cur = cert;
  for (let i = 0; i < 10; i++) {
    if (isSelfSigned(cur)) return { chain, complete: true, missingIssuerOf: null };
    const anchor = opts.anchors?.find((a) => a.subject === cur.issuer && usable(a) && issuedBy(cur, a));
    if (anchor) return { chain: [...chain, anchor], complete: true, missingIssuerOf: null };
    const found = pool.filter((c) => !chain.some((x) => sameCert(x, c)) && issuedBy(cur, c));
    const next = found.find(usable) ?? found[0];
    if (!next) return { chain, complete: false, missingIssuerOf: cur };
    chain.push(next);
    cur = next;
  }
  return { chain, complete: false, missingIssuerOf: cur };
}

/** URLs of the Authority Information Access extension. */
export interface InfoAccess {
  /** `OCSP - URI:` entries: the responders a server asks for the staple. */
  ocsp: string[];
  /** `CA Issuers - URI:` entries: where the issuing CA certificate can be downloaded (usually DER). */
  caIssuers: string[];
}

/** The AIA URLs of a certificate (empty lists when it has no AIA extension). */
export function infoAccess(cert: X509Certificate): InfoAccess {
  const out: InfoAccess = { ocsp: [], caIssuers: [] };
  for (const line of (cert.infoAccess ?? '').split('\n')) {
    const m = /^(OCSP|CA Issuers) - URI:(.+)$/.exec(line.trim());
    if (m) (m[1] === 'OCSP' ? out.ocsp : out.caIssuers).push(m[2]!.trim());
  }
  return out;
}

/**
 * Whether a responder URL points at the responder a log names: `host` (nginx's `responder: host`, the
 * URL's host), or `host:port` / `[v6]:port` (Apache's AH01974 `could not connect to OCSP responder
 * 'host:port'`, nginx's `host not found in OCSP responder "host:port/"`). Hosts compare case-insensitively;
 * a port, when the log gives one, must be the URL's (80 for http://, 443 for https:// when it writes none).
 */
export function ocspUrlAt(url: string, responder: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const m = /^\[([^\]]*)\](?::(\d+))?$/.exec(responder) ?? /^([^:]*)(?::(\d+))?$/.exec(responder);
  const host = (m ? m[1]! : responder).toLowerCase();
  const port = m?.[2] === undefined ? null : Number(m[2]);
  const own = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  return u.hostname.replace(/^\[|\]$/g, '').toLowerCase() === host && (port === null || port === own);
}

/**
 * Whether two responder URLs name the same resource as a client resolves them (WHATWG URL: scheme and
 * host case-insensitive, a default port written or not, an empty path as `/`): a configured
 * `SSLStaplingForceURL` / `ssl_stapling_responder` against a certificate's AIA URL. False when either
 * does not parse.
 */
export function sameOcspUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

/** Whether Let's Encrypt issued the certificate (issuer `O=Let's Encrypt`). It ended OCSP in 2025. */
export function issuedByLetsEncrypt(cert: X509Certificate): boolean {
  return /(^|\n)O=Let's Encrypt(\n|$)/i.test(cert.issuer);
}

/** Validity of a certificate at a time. */
export interface Validity {
  notBefore: string;
  notAfter: string;
  /** `expired`: notAfter lies before `at`; `not-yet-valid`: notBefore lies after it. */
  state: 'valid' | 'expired' | 'not-yet-valid' | 'unknown';
}

/** The certificate's validity at `at` (ms since the epoch). */
export function validity(cert: X509Certificate, at: number): Validity {
  const nb = parseOpensslTime(cert.validFrom);
  const na = parseOpensslTime(cert.validTo);
  const state = nb === null || na === null ? 'unknown' : at > na ? 'expired' : at < nb ? 'not-yet-valid' : 'valid';
  return { notBefore: cert.validFrom, notAfter: cert.validTo, state };
}

/** Summarise a certificate (DNs as {@link dnLine}). */
export function summarize(cert: X509Certificate): CertificateSummary {
  const aia = infoAccess(cert);
  return {
    subject: dnLine(cert.subject),
    issuer: dnLine(cert.issuer),
    serial: cert.serialNumber.toUpperCase(),
    notBefore: cert.validFrom,
    notAfter: cert.validTo,
    selfSigned: isSelfSigned(cert),
    ocspUrls: aia.ocsp,
    caIssuersUrls: aia.caIssuers,
  };
}

/** Serial numbers equal as hex numbers (case and leading zeros ignored). */
export function sameSerial(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .replace(/[^0-9a-f]/gi, '')
      .replace(/^0+/, '')
      .toUpperCase();
  return norm(a) === norm(b);
}
