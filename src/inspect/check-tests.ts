/**
 * The tests of `stapling-doctor check`, one certificate of one block at a time: what will stop the
 * server from stapling it, in the order the server itself finds out, each as a {@link Prediction} with
 * the cause, the rule the server would log it with (its severity), the directives that are the evidence,
 * and `judge()`'s verdict for that cause on the certificate (the same checks `--inspect` runs, so the
 * fix names the certificates to add).
 *
 * The order follows the servers' own code:
 * - nginx `ngx_ssl_stapling_certificate()` (src/event/ngx_event_openssl_stapling.c, 1.22): an
 *   `ssl_stapling_file` replaces everything else; else the issuer (`ngx_ssl_stapling_issuer()`:
 *   the certificate file's chain, then the store of `ssl_trusted_certificate`/`ssl_client_certificate`),
 *   then the responder URL (`ngx_ssl_stapling_responder()`: `ssl_stapling_responder` or the first AIA
 *   OCSP URL, which must start with `http://`); at run time the `resolver` for a responder name and,
 *   with `ssl_stapling_verify`, the trusted chain of the response's signer;
 * - Apache `ssl_stapling_init_cert()` (modules/ssl/ssl_util_stapling.c, 2.4.x): the issuer (AH02217:
 *   the chain, then `SSLCACertificateFile`/`Path`), then an OCSP URL or `SSLStaplingForceURL` (AH02218);
 *   at run time the URL must be `http` (AH01940 `stapling_renew_response: Unsupported uri`).
 * No I/O beyond the injected readers; no network.
 */
import net from 'node:net';
import type { X509Certificate } from 'node:crypto';
import type { CauseRegistry } from '../findings/registry.js';
import type { CauseId, FindingData, FindingSubject, InspectionCheckData, Severity, Values } from '../types.js';
import type { SiteCertificates } from './config.js';
import { judge, type Judgement, type Materials, type PemFile } from './judge.js';
import { infoAccess, validity } from '../x509/x509.js';

/** One certificate of one block, read: what every test works on. */
export interface CertCase {
  site: SiteCertificates;
  /** `file:line` of the block. */
  block: string;
  /** The certificate file as the configuration names it. */
  certificate: string;
  pem: PemFile;
  leaf: X509Certificate;
  m: Materials;
  now: number;
  causes: CauseRegistry;
}

/** What a test predicts. */
export interface Prediction {
  cause: CauseId;
  severity: Severity;
  /** The rule that matches what the server logs for it (its severity is this one), or `check-…` when no server logs it. */
  ruleId: string;
  /** Directive names whose lines are the evidence (the certificate is evidence too). */
  directives: string[];
  subject?: FindingSubject;
  data?: Values;
  /** `judge()`'s verdict for the cause on this certificate. */
  judgement: Judgement;
  /** Stapling stops (as opposed to a warning about what may break it): a Must-Staple certificate makes it an error. */
  blocking: boolean;
}

/** A test that could not run (an unreadable chain or trusted file …): said, not guessed. */
export interface NotChecked {
  notChecked: string;
}

/** The directive names of each server that the tests cite. */
export const CHECK_DIRECTIVES = {
  nginx: {
    certificate: 'ssl_certificate',
    issuerFiles: ['ssl_certificate', 'ssl_trusted_certificate', 'ssl_client_certificate'],
    stapling: 'ssl_stapling',
    responder: 'ssl_stapling_responder',
  },
  apache: {
    certificate: 'SSLCertificateFile',
    issuerFiles: ['SSLCertificateFile', 'SSLCertificateChainFile', 'SSLCACertificateFile', 'SSLCACertificatePath'],
    stapling: 'SSLUseStapling',
    responder: 'SSLStaplingForceURL',
  },
} as const;

/** A finding of `cause` about this certificate, as `judge()` takes it (nothing from a log). */
export function probeFinding(c: Pick<CertCase, 'site' | 'certificate'>, cause: CauseId, subject: FindingSubject = {}): FindingData {
  return {
    id: 'check',
    cause,
    severity: 'warning',
    server: c.site.server,
    host: null,
    ruleIds: ['check'],
    count: 1,
    first: null,
    last: null,
    messageId: `${cause}.default`,
    data: {},
    subject: { certificate: c.certificate, ...subject },
    evidence: [],
    evidenceOmitted: 0,
    timeline: { bucketMs: 1000, buckets: [], untimed: 1, episodeGapMs: 0, episodes: [] },
    origin: 'check',
  };
}

function judged(c: CertCase, cause: CauseId): Judgement {
  return judge(probeFinding(c, cause), c.m, c.now, c.causes);
}

/** Judged, with the certificate's OCSP URL as what the prediction rests on (its check confirms it). */
function judgedOnUrl(c: CertCase, cause: CauseId): Judgement {
  const j = judged(c, cause);
  for (const x of j.inspection.checks) if (x.check === 'ocsp-url' && x.detailId === 'ocspUrlInfo') x.result = 'confirmed';
  if (j.inspection.checks.some((x) => x.result === 'confirmed') && j.inspection.result === 'not-checked') j.inspection.result = 'confirmed';
  return j;
}

const found = (j: Judgement, check: InspectionCheckData['check']): InspectionCheckData | undefined =>
  j.inspection.checks.find((x) => x.check === check);

const unreadable = (x: InspectionCheckData): NotChecked => ({
  notChecked: `${x.check}: ${(x.data.files as string[] | undefined)?.join(', ') ?? ''} (${(x.data.reasons as string[] | undefined)?.join(', ') ?? ''})`,
});

/** Self-signed, or the issuer in none of the files the server looks in (nginx and Apache at start-up). */
export function issuerTest(c: CertCase): Prediction | NotChecked | null {
  const d = CHECK_DIRECTIVES[c.site.server];
  const ruleId = c.site.server === 'nginx' ? 'nginx-issuer-not-found' : 'apache-issuer-not-found';
  const j = judged(c, 'issuer-certificate-missing');
  if (j.cause === 'self-signed-certificate') {
    const judgement = judged(c, 'self-signed-certificate');
    return {
      cause: 'self-signed-certificate',
      severity: 'warning',
      ruleId,
      directives: [d.certificate, d.stapling],
      judgement,
      blocking: true,
    };
  }
  const ip = found(j, 'issuer-present');
  if (ip?.result === 'not-checked' && ip.detailId === 'unreadable') return unreadable(ip);
  if (ip?.result !== 'confirmed' || ip.detailId !== 'issuerMissing') return null;
  // mod_ssl also searches the hashed SSLCACertificatePath directory, which is not read here.
  if (c.site.trustedPaths.length > 0)
    return { notChecked: `issuer-present: SSLCACertificatePath ${c.site.trustedPaths.join(', ')} is not read` };
  return {
    cause: 'issuer-certificate-missing',
    severity: 'warning',
    ruleId,
    directives: [...d.issuerFiles, d.stapling],
    judgement: j,
    blocking: true,
  };
}

/** The responder URL the server uses: the forced one, else the certificate's first AIA OCSP URL. */
export function responderUrlOf(c: Pick<CertCase, 'site' | 'leaf'>): string | null {
  return c.site.forcedResponder ?? infoAccess(c.leaf).ocsp[0] ?? null;
}

/** No responder URL at all (start-up), or one the server cannot use (nginx at start-up, Apache at the first fetch). */
export function urlTest(c: CertCase): Prediction | null {
  const d = CHECK_DIRECTIVES[c.site.server];
  const nginx = c.site.server === 'nginx';
  const url = responderUrlOf(c);
  if (url === null) {
    const judgement = judged(c, 'ocsp-url-missing');
    const ruleId = nginx ? 'nginx-ocsp-url-missing' : 'apache-ocsp-url-missing';
    return {
      cause: 'ocsp-url-missing',
      severity: 'warning',
      ruleId,
      directives: [d.certificate, d.stapling, d.responder],
      judgement,
      blocking: true,
    };
  }
  // nginx: ngx_strncasecmp(…, "http://", 7); mod_ssl: strcmp(uri.scheme, "http") after apr_uri_parse.
  const usable = nginx ? /^http:\/\//i.test(url) : /^http:/.test(url);
  if (usable) return null;
  const subject = { url };
  return {
    cause: 'responder-url-invalid',
    severity: nginx ? 'warning' : 'error',
    ruleId: nginx ? 'nginx-responder-url-invalid-prefix' : 'apache-responder-uri-unsupported',
    directives: c.site.forcedResponder ? [d.responder, d.stapling] : [d.certificate, d.stapling],
    subject,
    // Judged without the URL: its checks then describe the certificate's URL, not "the one the log names".
    judgement: judgedOnUrl(c, 'responder-url-invalid'),
    blocking: true,
  };
}

/** nginx at run time: a responder host name and no `resolver` (it keeps the addresses resolved at start-up). */
export function resolverTest(c: CertCase): Prediction | null {
  if (c.site.server !== 'nginx' || c.site.resolver !== null) return null;
  const url = responderUrlOf(c);
  let host: string;
  try {
    host = new URL(url ?? '').hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
  if (host === '' || net.isIP(host) !== 0) return null;
  const subject = { host, responder: host, ...(url ? { url } : {}) };
  return {
    cause: 'resolver-missing',
    severity: 'notice',
    ruleId: 'nginx-no-resolver',
    // (The name to resolve comes from `ssl_stapling_responder` when it is set, else from the certificate.)
    directives: c.site.forcedResponder ? ['ssl_stapling_responder', 'ssl_stapling', 'resolver'] : ['ssl_stapling', 'resolver'],
    subject,
    judgement: judgedOnUrl(c, 'resolver-missing'),
    blocking: false,
  };
}

const TRUSTED_INCOMPLETE = new Set(['trustedNone', 'trustedStopsBelowRoot', 'trustedRootOutside', 'issuerMissing']);

/**
 * A trusted file nginx cannot load (`SSL_CTX_load_verify_locations("…") failed`, emerg: it does not
 * start), whether or not it verifies responses: it loads `ssl_trusted_certificate` whenever it is set
 * (`ngx_ssl_trusted_certificate()`, src/event/ngx_event_openssl.c). A file too large to read here is
 * not judged.
 */
export function trustedLoadTest(c: CertCase): Prediction | null {
  if (c.site.server !== 'nginx') return null;
  // Only `ssl_trusted_certificate`'s own files: an unloadable `ssl_client_certificate` stops nginx with the same words, but it is not stapling's.
  const bad = c.m.trustedFiles.find((p) => p.error && !p.error.startsWith('larger than') && c.site.trustedFiles.includes(p.file));
  if (!bad) return null;
  return {
    cause: 'trusted-chain-incomplete',
    severity: 'error',
    ruleId: 'nginx-trusted-certificate-unreadable',
    directives: ['ssl_trusted_certificate'],
    data: { file: bad.file, errorText: bad.error! },
    judgement: judged(c, 'trusted-chain-incomplete'),
    blocking: true,
  };
}

/** nginx with `ssl_stapling_verify on`: the trusted bundle must chain the responses' signer to a root. */
export function trustedTest(c: CertCase): Prediction | NotChecked | null {
  if (c.site.server !== 'nginx' || c.site.staplingVerify !== true) return null;
  const j = judged(c, 'trusted-chain-incomplete');
  const t = found(j, 'trusted-chain');
  if (t?.result === 'not-checked' && t.detailId === 'unreadable') return unreadable(t);
  if (!t || t.result !== 'confirmed' || !TRUSTED_INCOMPLETE.has(t.detailId)) return null;
  return {
    cause: 'trusted-chain-incomplete',
    severity: 'warning',
    ruleId: 'nginx-ocsp-verify-failed',
    directives: ['ssl_trusted_certificate', 'ssl_client_certificate', 'ssl_stapling_verify'],
    judgement: j,
    blocking: true,
  };
}

/**
 * The certificate has expired, or expires within `days`: responders need not answer for it after its
 * expiry and clients refuse it.
 */
export function expiryTest(c: CertCase, days: number): Prediction | null {
  const v = validity(c.leaf, c.now);
  const notAfter = Date.parse(c.leaf.validTo);
  const left = Math.floor((notAfter - c.now) / 86_400_000);
  if (v.state !== 'expired' && !(v.state === 'valid' && left < days)) return null;
  const d = CHECK_DIRECTIVES[c.site.server];
  const judgement = judged(c, 'certificate-expired');
  if (v.state !== 'expired') {
    judgement.inspection.checks.push({
      check: 'expired',
      result: 'confirmed',
      detailId: 'expiresSoon',
      data: { notAfter: v.notAfter, days: left },
    });
    judgement.inspection.result = 'confirmed';
  }
  return {
    cause: 'certificate-expired',
    severity: v.state === 'expired' ? 'error' : 'warning',
    ruleId: 'check-certificate-validity',
    directives: [d.certificate],
    data: { detail: v.state === 'expired' ? 'expired' : 'expires-soon' },
    judgement,
    blocking: v.state === 'expired',
  };
}

/**
 * The directive that names the file a certificate of the chain was read from (see `ChainEntry.from` in
 * `chain-validity.ts`): the certificate's own, Apache's `SSLCertificateChainFile`, or the trusted file's.
 */
function chainDirective(c: CertCase, from: unknown, file: string): string {
  const d = CHECK_DIRECTIVES[c.site.server];
  if (from === 'chain-file') return 'SSLCertificateChainFile';
  if (from !== 'trusted-file') return d.certificate;
  if (c.site.server === 'apache') return 'SSLCACertificateFile';
  return c.site.trustedFiles.includes(file) ? 'ssl_trusted_certificate' : 'ssl_client_certificate';
}

/** `judge()`'s confirmed `expired` check with one of `detailIds` on this certificate, with the judgement. */
function chainCheck(c: CertCase, detailIds: readonly string[]): { judgement: Judgement; x: InspectionCheckData } | null {
  const judgement = judged(c, 'certificate-expired');
  const x = judgement.inspection.checks.find((k) => k.check === 'expired' && k.result === 'confirmed' && detailIds.includes(k.detailId));
  return x ? { judgement, x } : null;
}

/**
 * A certificate the server sends or staples with that is not valid yet (notBefore after `c.now`): the leaf,
 * else the first CA certificate after it (`chainOf()` in chain-validity.ts: the certificate file, Apache's
 * `SSLCertificateChainFile`, then the CAs only the trusted files hold), as `judge()`'s `notYetValid` check
 * finds it. OpenSSL refuses it with verify error 9 X509_V_ERR_CERT_NOT_YET_VALID "certificate is not yet
 * valid" (crypto/x509/x509_vfy.c `ossl_x509_check_cert_time()`, OpenSSL 3.0): clients refuse the chain, and a
 * response whose signer chains through it does not verify. Neither server checks it when it loads the
 * certificate, so no log line says it. The data name the certificate (`certSubject`, `file`, `notBefore`);
 * the `notYetValid` check adds the time.
 */
export function notYetValidTest(c: CertCase): Prediction | null {
  const hit = chainCheck(c, ['notYetValid']);
  if (!hit) return null;
  const { judgement, x } = hit;
  judgement.inspection.result = 'confirmed';
  const file = String(x.data.file);
  return {
    cause: 'certificate-expired',
    severity: 'error',
    ruleId: 'check-certificate-validity',
    directives: [chainDirective(c, x.data.from, file)],
    data: {
      detail: 'not-yet-valid',
      certSubject: String(x.data.subject),
      file,
      notBefore: String(x.data.notBefore),
      verifyError: 'certificate is not yet valid',
    },
    judgement,
    blocking: true,
  };
}

/**
 * An expired CA certificate after the leaf (`expiredInChain()` in chain-validity.ts, as `judge()`'s
 * `expiredIntermediate` / `expiredUnneeded` check finds it; the leaf's own expiry is {@link expiryTest}'s).
 * When the chain OpenSSL builds goes through it (`intermediate-expired`, an error): verify error 10
 * X509_V_ERR_CERT_HAS_EXPIRED "certificate has expired" (crypto/x509/x509_txt.c, OpenSSL 3.0) — clients refuse
 * the chain, and nginx's `OCSP_basic_verify()` of a response signed through it fails. When it does not
 * (`intermediate-unneeded`, a warning: a cross-sign with a valid twin, or a leftover): it is sent for nothing,
 * and old clients that do not look for another chain (OpenSSL 1.0.x) may still fail on it. Neither server
 * checks it at start-up, so no log line says it before a response fails to verify. Not said when the leaf itself
 * has expired ({@link expiryTest}: its renewal brings the current chain).
 * The data name the certificate (`certSubject`, `file`, `notAfter`); the check adds the time and the rest.
 */
export function expiredChainTest(c: CertCase): Prediction | null {
  // An expired leaf is expiryTest's alone: its renewal comes with the CA's current chain.
  if (validity(c.leaf, c.now).state === 'expired') return null;
  const hit = chainCheck(c, ['expiredIntermediate', 'expiredUnneeded']);
  if (!hit) return null;
  const { judgement, x } = hit;
  judgement.inspection.result = 'confirmed';
  const file = String(x.data.file);
  const needed = x.detailId === 'expiredIntermediate';
  return {
    cause: 'certificate-expired',
    severity: needed ? 'error' : 'warning',
    ruleId: 'check-chain-validity',
    directives: [chainDirective(c, x.data.from, file)],
    data: {
      detail: needed ? 'intermediate-expired' : 'intermediate-unneeded',
      certSubject: String(x.data.subject),
      file,
      notAfter: String(x.data.notAfter),
      ...(needed ? { verifyError: 'certificate has expired' } : {}),
    },
    judgement,
    blocking: needed,
  };
}

/** What a DER OCSP response says about a certificate (the probe's `checkStaple` report satisfies it). */
export interface StaplingFileReport {
  /** `successful`, another OCSPResponseStatus name, or `unparsable`. */
  responseStatus: string;
  parseError?: string;
  certStatus: 'good' | 'revoked' | 'unknown' | null;
  revocationReason: string | null;
  nextUpdate: string | null;
  /** thisUpdate ≤ now ≤ nextUpdate; null when the response has no status for the certificate. */
  current: boolean | null;
}

/** Reads a DER OCSP response against the certificate and its chain (injected: `inspect/` loads no ASN.1 decoder). */
export type ReadStaple = (der: Buffer, leaf: X509Certificate, chain: readonly X509Certificate[], now: number) => StaplingFileReport;

/** Reads a file named by the configuration (through `--map-path`); never throws. */
export type ReadFile = (named: string) => { bytes: Buffer } | { error: string };

/**
 * nginx `ssl_stapling_file`: loaded once at start-up (`ngx_ssl_stapling_file()`: `BIO_new_file`, then
 * `d2i_OCSP_RESPONSE_bio`, emerg on failure: nginx does not start) and stapled as it is, never refreshed
 * or checked (catalogue §3.6): unreadable or not DER stops nginx; a response that is stale, for another
 * certificate, revoked or unknown is stapled anyway and clients reject it — with no log line.
 */
export function staplingFileTest(c: CertCase, readFile: ReadFile, readStaple: ReadStaple | null): Prediction | null {
  const file = c.site.staplingFile;
  if (c.site.server !== 'nginx' || file === null) return null;
  const base = { directives: ['ssl_stapling_file'], subject: {}, blocking: true };
  const got = readFile(file);
  const fileError = (ruleId: string, data: Values): Prediction => ({
    ...base,
    cause: 'stapling-file-error',
    severity: 'error',
    ruleId,
    data: { file, ...data },
    judgement: judged(c, 'stapling-file-error'),
  });
  if ('error' in got) return fileError('nginx-stapling-file-unreadable', { errorText: got.error });
  if (!readStaple) return null;
  const chain = [...c.pem.certs.slice(1), ...c.m.chainFiles.flatMap((p) => p.certs), ...c.m.trustedFiles.flatMap((p) => p.certs)];
  const r = readStaple(got.bytes, c.leaf, chain, c.now);
  if (r.responseStatus === 'unparsable')
    return fileError('nginx-stapling-file-invalid', { errorText: r.parseError ?? 'not a DER OCSP response' });
  if (r.responseStatus !== 'successful') return fileError('check-stapling-file', { responseStatus: r.responseStatus });
  const stapled = (cause: CauseId, data: Values): Prediction => ({
    ...base,
    cause,
    severity: cause === 'certificate-revoked' ? 'error' : 'warning',
    ruleId: 'check-stapling-file',
    data: { file, ...data },
    judgement: judged(c, cause),
  });
  if (r.certStatus === null) return stapled('certid-mismatch', {});
  if (r.certStatus === 'revoked')
    return stapled('certificate-revoked', {
      certStatus: 'revoked',
      ...(r.revocationReason ? { revocationReason: r.revocationReason } : {}),
    });
  if (r.certStatus === 'unknown') return stapled('certificate-status-unknown', { certStatus: 'unknown' });
  if (r.current === false) return stapled('response-not-current', r.nextUpdate ? { detail: r.nextUpdate } : {});
  return null;
}

/** The Must-Staple check of a certificate's inspection (see `findings/inspection-wording.ts` `mustStaple`). */
export function mustStapleCheck(c: Pick<CertCase, 'certificate'>): InspectionCheckData {
  return { check: 'must-staple', result: 'confirmed', detailId: 'mustStaple', data: { file: c.certificate } };
}

/**
 * A Must-Staple certificate where the server does not staple: stapling off in the block (clients
 * refuse every connection), or nginx without `ssl_stapling_file` (it fetches the response on the first
 * handshake that asks and staples from the next, so the first clients after each start get none).
 */
export function mustStapleTest(c: CertCase): Prediction | null {
  const d = CHECK_DIRECTIVES[c.site.server];
  const off = c.site.stapling !== true;
  if (!off && (c.site.server !== 'nginx' || c.site.staplingFile !== null)) return null;
  const judgement = judged(c, 'stapling-config-invalid');
  judgement.inspection.checks.unshift(mustStapleCheck(c));
  judgement.inspection.result = 'confirmed';
  return {
    cause: 'stapling-config-invalid',
    severity: off ? 'error' : 'warning',
    ruleId: 'check-must-staple',
    directives: off ? [d.certificate, d.stapling] : [d.certificate, 'ssl_stapling', 'ssl_stapling_file'],
    data: { detail: off ? 'must-staple-off' : 'must-staple-first-handshake', directive: d.stapling },
    judgement,
    blocking: off,
  };
}
