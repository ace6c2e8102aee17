/**
 * `--inspect`: confirm a finding at the source. For the certificate a finding names (nginx's
 * `certificate: "…"`, a start-up warning's `for certificate "…"`, or — through `--config` — the
 * Apache `SSLCertificateFile` whose subject/serial the log prints), read the PEM files and check what
 * the log says: is the certificate self-signed, is its issuer present, does the trusted bundle chain to
 * a root, does it carry an OCSP URL, is it from Let's Encrypt, is it expired. Each check is added to the
 * finding ({@link Inspection}); a check that names a missing certificate makes the fix name it; a
 * confirmed check that contradicts the log's cause changes the cause, and says so.
 *
 * Split in two: {@link judge} is pure (certificates in, inspection out); {@link createInspector} does
 * the I/O (reads files, never writes, never touches the network) and caches what it read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readSmallFileSync } from '../input/files.js';
import type { X509Certificate } from 'node:crypto';
import { describe, fixFor, type InspectionFacts } from '../findings/causes.js';
import { INSPECT } from '../confirm-wording.js';
import type { CauseId, Finding, Inspection, InspectionCheck, MissingCertificate, Values } from '../types.js';
import type { ServerConfig, SiteCertificates } from './config.js';
import { NO_PATH_MAP, type PathMap } from './paths.js';
import {
  buildChain,
  dnLine,
  findIssuer,
  infoAccess,
  isSelfSigned,
  issuedByLetsEncrypt,
  sameCert,
  sameDn,
  sameSerial,
  splitPem,
  summarize,
  validity,
} from '../x509/x509.js';

/** The certificates of one PEM file as read, or why it could not be read. */
export interface PemFile {
  /** The path as the log or configuration names it. */
  file: string;
  certs: X509Certificate[];
  /** Set when the file could not be read (`ENOENT`, `EACCES`, `not a regular file` …). */
  error?: string;
}

/** Everything {@link judge} needs about one finding, gathered by the I/O side. */
export interface Materials {
  /** The certificate file (its first certificate is the server certificate), or null when none was found. */
  certFile: PemFile | null;
  /** Why there is no certificate file (shown in every check). */
  noCertificate?: string;
  /** The configuration block the certificate belongs to (with `--config`), and where it is. */
  site: SiteCertificates | null;
  block: string | null;
  /** Apache `SSLCertificateChainFile` contents. */
  chainFiles: PemFile[];
  /** `ssl_trusted_certificate` (+ `ssl_client_certificate`) / `SSLCACertificateFile` contents. */
  trustedFiles: PemFile[];
  /** A configuration was given (so an absent trusted bundle is known to be absent). */
  haveConfig: boolean;
}

/** Values of the finding's evidence lines that are not identity values (what `describe`/`fixFor` call details). */
export function detailsOf(f: Finding): Values {
  const out: Record<string, string> = {};
  const identity = new Set([
    'certificate',
    'certSubject',
    'certIssuer',
    'serial',
    'notBefore',
    'notAfter',
    'vhost',
    'responder',
    'url',
    'host',
    'peer',
  ]);
  for (const e of f.evidence)
    for (const [k, v] of Object.entries(e.values)) if (!identity.has(k) && out[k] === undefined && v !== undefined) out[k] = v;
  return out as Values;
}

const RESPONDER_CAUSES: ReadonlySet<CauseId> = new Set<CauseId>([
  'responder-url-invalid',
  'resolver-missing',
  'dns-resolution-failed',
  'responder-unreachable',
  'responder-timeout',
  'responder-bad-response',
  'responder-error-status',
  'response-not-current',
  'certificate-revoked',
  'certificate-status-unknown',
]);

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

/** The outcome of {@link judge}: the inspection and the cause after it. */
export interface Judgement {
  cause: CauseId;
  inspection: Inspection;
  facts: InspectionFacts;
}

/**
 * Judge a finding against the certificates read for it. Pure (no I/O).
 * @param now the time to check validity at, ms since the epoch
 */
export function judge(f: Finding, m: Materials, now: number): Judgement {
  const checks: InspectionCheck[] = [];
  const missing: MissingCertificate[] = [];
  let cause = f.cause;
  let causeChange: string | undefined;
  const server = f.server;
  const trustedLabel = m.trustedFiles.map((t) => t.file);
  const facts: InspectionFacts = { missing, trustedFiles: trustedLabel, haveConfig: m.haveConfig };
  const finish = (): Judgement => {
    const result = checks.some((c) => c.result === 'refuted')
      ? 'refuted'
      : checks.some((c) => c.result === 'confirmed')
        ? 'confirmed'
        : 'not-checked';
    const inspection: Inspection = { result, checks, missing };
    if (cause !== f.cause) {
      inspection.causeBefore = f.cause;
      if (causeChange) inspection.causeChange = causeChange;
    }
    if (m.certFile?.certs[0]) inspection.certificate = { file: m.certFile.file, ...summarize(m.certFile.certs[0]) };
    if (m.block) inspection.configBlock = m.block;
    return { cause, inspection, facts };
  };
  const notChecked = (check: InspectionCheck['check'], detail: string): void => void checks.push({ check, result: 'not-checked', detail });

  // Which checks speak to this cause.
  const wanted = ((): InspectionCheck['check'][] => {
    switch (f.cause) {
      case 'issuer-certificate-missing':
        return ['self-signed', 'issuer-present'];
      case 'self-signed-certificate':
        return ['self-signed'];
      case 'ocsp-url-missing':
        return ['ocsp-url'];
      case 'trusted-chain-incomplete':
      case 'response-signature-invalid':
        return ['trusted-chain'];
      case 'certid-mismatch':
        return ['issuer-present'];
      default:
        return RESPONDER_CAUSES.has(f.cause) ? ['ocsp-url'] : [];
    }
  })();

  const cf = m.certFile;
  const leaf = cf?.certs[0];
  if (!cf || cf.error || !leaf) {
    const why = !cf
      ? (m.noCertificate ?? INSPECT.noCertificateNamed(server, m.haveConfig))
      : cf.error
        ? INSPECT.unreadable(cf.file, cf.error)
        : INSPECT.noCertificateInFile(cf.file);
    for (const c of wanted.length > 0 ? wanted : (['expired'] as const)) notChecked(c, why);
    return finish();
  }
  const file = cf.file;
  const subject = dnLine(leaf.subject);
  const issuerDn = dnLine(leaf.issuer);
  const aia = infoAccess(leaf);
  const extras = cf.certs.slice(1);
  const chainCerts = m.chainFiles.flatMap((p) => p.certs);
  const trustedCerts = m.trustedFiles.flatMap((p) => p.certs);
  const unreadable = [...m.chainFiles, ...m.trustedFiles].filter((p) => p.error);
  const selfSigned = isSelfSigned(leaf);
  const le = issuedByLetsEncrypt(leaf);
  facts.certificateFile = file;
  if (le) facts.letsEncrypt = true;

  for (const want of wanted) {
    switch (want) {
      case 'self-signed': {
        if (selfSigned) {
          checks.push({ check: 'self-signed', result: 'confirmed', detail: INSPECT.selfSigned(file, subject) });
          if (cause === 'issuer-certificate-missing') {
            cause = 'self-signed-certificate';
            causeChange = INSPECT.causeChange(f.cause, cause, INSPECT.becauseSelfSigned);
          }
        } else if (f.cause === 'self-signed-certificate') {
          checks.push({
            check: 'self-signed',
            result: 'refuted',
            detail: leaf.subject === leaf.issuer ? INSPECT.selfSignedDnOnly(file, subject) : INSPECT.notSelfSigned(file, subject, issuerDn),
          });
        } else {
          checks.push({ check: 'self-signed', result: 'confirmed', detail: INSPECT.notSelfSigned(file, subject, issuerDn) });
        }
        break;
      }
      case 'issuer-present': {
        if (selfSigned) break; // answered by the self-signed check
        if (f.cause === 'certid-mismatch') {
          const second = extras[0];
          const real = findIssuer(leaf, [...extras, ...chainCerts, ...trustedCerts]);
          if (second && !sameCert(second, real ?? leaf) && !findIssuer(leaf, [second])) {
            checks.push({
              check: 'issuer-present',
              result: 'confirmed',
              detail: INSPECT.certidWrongIntermediate(file, dnLine(second.subject), issuerDn),
            });
            missing.push({ subject: issuerDn, role: 'issuer', caIssuersUrl: aia.caIssuers[0] ?? null, neededIn: 'certificate-file' });
          } else if (real) {
            checks.push({ check: 'issuer-present', result: 'confirmed', detail: INSPECT.certidRightChain(file, issuerDn) });
          } else {
            notChecked('issuer-present', INSPECT.issuerMissing(file, cf.certs.length, issuerDn, INSPECT.issuerElsewhereUnknown(server)));
          }
          break;
        }
        const inFile = findIssuer(leaf, extras);
        const inOthers = m.chainFiles.concat(m.trustedFiles).find((p) => findIssuer(leaf, p.certs));
        if (inFile || inOthers) {
          checks.push({
            check: 'issuer-present',
            result: 'refuted',
            detail: INSPECT.issuerPresent(inFile ? file : inOthers!.file, issuerDn),
          });
          break;
        }
        let elsewhere: string;
        const others = [...m.chainFiles, ...m.trustedFiles].filter((p) => !p.error).map((p) => p.file);
        if (!m.site) elsewhere = INSPECT.issuerElsewhereUnknown(server);
        else if (others.length > 0) elsewhere = INSPECT.issuerNotInFiles(others);
        else elsewhere = INSPECT.issuerNoTrusted(server, m.block ?? m.site.file);
        if (unreadable.length > 0) {
          notChecked('issuer-present', unreadable.map((p) => INSPECT.unreadable(p.file, p.error!)).join(' '));
          break;
        }
        checks.push({
          check: 'issuer-present',
          result: 'confirmed',
          detail: INSPECT.issuerMissing(file, cf.certs.length, issuerDn, elsewhere),
        });
        missing.push({ subject: issuerDn, role: 'issuer', caIssuersUrl: aia.caIssuers[0] ?? null, neededIn: 'certificate-file' });
        break;
      }
      case 'ocsp-url': {
        if (f.cause === 'ocsp-url-missing') {
          checks.push(
            aia.ocsp.length === 0
              ? { check: 'ocsp-url', result: 'confirmed', detail: INSPECT.noOcspUrl(file, subject, aia.caIssuers) }
              : { check: 'ocsp-url', result: 'refuted', detail: INSPECT.hasOcspUrl(file, aia.ocsp) },
          );
          break;
        }
        const logged = f.subject.responder ?? f.subject.host ?? (f.subject.url ? hostOf(f.subject.url) : null);
        const forced = m.site?.forcedResponder ?? null;
        if (f.cause === 'responder-url-invalid' && f.subject.url && forced === f.subject.url) {
          checks.push({ check: 'ocsp-url', result: 'confirmed', detail: INSPECT.forcedUrlRejected(forced, m.block ?? '', aia.ocsp) });
        } else if (f.cause === 'responder-url-invalid' && f.subject.url && aia.ocsp.includes(f.subject.url)) {
          checks.push({ check: 'ocsp-url', result: 'confirmed', detail: INSPECT.certUrlRejected(f.subject.url) });
        } else if (logged && aia.ocsp.some((u) => hostOf(u) === logged)) {
          checks.push({ check: 'ocsp-url', result: 'confirmed', detail: INSPECT.ocspUrlMatches(aia.ocsp, logged) });
        } else if (logged && forced && hostOf(forced) === logged) {
          checks.push({ check: 'ocsp-url', result: 'confirmed', detail: INSPECT.ocspUrlForced(forced, m.block ?? '') });
        } else if (logged) {
          notChecked('ocsp-url', INSPECT.ocspUrlDiffers(aia.ocsp, logged));
        } else {
          notChecked('ocsp-url', INSPECT.ocspUrlInfo(aia.ocsp));
        }
        break;
      }
      case 'trusted-chain': {
        if (!m.site) {
          notChecked('trusted-chain', INSPECT.trustedNotKnown(server));
          break;
        }
        const bad = m.trustedFiles.filter((p) => p.error);
        if (bad.length > 0) {
          notChecked('trusted-chain', bad.map((p) => INSPECT.unreadable(p.file, p.error!)).join(' '));
          break;
        }
        const issuer = findIssuer(leaf, [...extras, ...trustedCerts]);
        if (trustedCerts.length === 0) {
          const confirmsCause = f.cause === 'trusted-chain-incomplete';
          checks.push({
            check: 'trusted-chain',
            result: confirmsCause ? 'confirmed' : 'refuted',
            detail: INSPECT.trustedNone(server, m.block ?? m.site.file),
          });
          // Name what the bundle must hold: the issuer (when known) and the root above it.
          if (issuer) {
            const up = buildChain(issuer, [...extras, ...trustedCerts]);
            const top = up.chain[up.chain.length - 1]!;
            if (!up.complete)
              missing.push({
                subject: dnLine(top.issuer),
                role: 'root',
                caIssuersUrl: infoAccess(top).caIssuers[0] ?? null,
                neededIn: 'trusted-bundle',
              });
          } else {
            missing.push({ subject: issuerDn, role: 'issuer', caIssuersUrl: aia.caIssuers[0] ?? null, neededIn: 'trusted-bundle' });
          }
          break;
        }
        if (!issuer) {
          checks.push({
            check: 'trusted-chain',
            result: f.cause === 'trusted-chain-incomplete' ? 'confirmed' : 'refuted',
            detail: INSPECT.issuerMissing(file, cf.certs.length, issuerDn, INSPECT.issuerNotInFiles(trustedLabel)),
          });
          missing.push({ subject: issuerDn, role: 'issuer', caIssuersUrl: aia.caIssuers[0] ?? null, neededIn: 'trusted-bundle' });
          break;
        }
        const up = buildChain(issuer, [...extras, ...trustedCerts]);
        const top = up.chain[up.chain.length - 1]!;
        if (!up.complete) {
          checks.push({
            check: 'trusted-chain',
            result: f.cause === 'trusted-chain-incomplete' ? 'confirmed' : 'refuted',
            detail: INSPECT.trustedStopsBelowRoot(trustedLabel, dnLine(top.subject), dnLine(top.issuer)),
          });
          missing.push({
            subject: dnLine(top.issuer),
            role: 'root',
            caIssuersUrl: infoAccess(top).caIssuers[0] ?? null,
            neededIn: 'trusted-bundle',
          });
          break;
        }
        if (!trustedCerts.some((c) => sameCert(c, top))) {
          checks.push({
            check: 'trusted-chain',
            result: f.cause === 'trusted-chain-incomplete' ? 'confirmed' : 'refuted',
            detail: INSPECT.trustedRootOutside(dnLine(top.subject), trustedLabel),
          });
          missing.push({
            subject: dnLine(top.subject),
            role: 'root',
            caIssuersUrl: up.chain.length > 1 ? (infoAccess(up.chain[up.chain.length - 2]!).caIssuers[0] ?? null) : null,
            neededIn: 'trusted-bundle',
          });
          break;
        }
        const chainText = up.chain.map((c) => dnLine(c.subject));
        checks.push({
          check: 'trusted-chain',
          result: 'confirmed',
          detail: `${INSPECT.trustedComplete(trustedLabel, chainText)} ${INSPECT.trustedCompleteSoSigner}`,
        });
        if (cause === 'trusted-chain-incomplete') {
          cause = 'response-signature-invalid';
          causeChange = INSPECT.causeChange(f.cause, cause, INSPECT.becauseChainComplete(server));
        }
        break;
      }
      default:
        break;
    }
  }

  // Facts that matter whatever the cause.
  if (le) checks.push({ check: 'lets-encrypt', result: 'confirmed', detail: INSPECT.letsEncrypt(issuerDn) });
  const v = validity(leaf, now);
  if (v.state === 'expired') {
    checks.push({ check: 'expired', result: 'confirmed', detail: INSPECT.expired(v.notAfter) });
    facts.expiredOn = v.notAfter;
  } else if (v.state === 'not-yet-valid') {
    checks.push({ check: 'expired', result: 'confirmed', detail: INSPECT.notYetValid(v.notBefore) });
  }
  return finish();
}

/**
 * Apply a judgement to a finding: inspection attached, cause/message/fix rewritten with the facts.
 * The finding's `id` stays (it identifies the log's finding across live updates).
 */
export function applyJudgement(f: Finding, j: Judgement): Finding {
  const details = detailsOf(f);
  let message = describe(j.cause, f.server, f.subject, details, j.facts);
  if (j.cause !== f.cause) message = `${message} ${INSPECT.messageNote(f.cause)}`;
  return { ...f, cause: j.cause, message, fix: fixFor(j.cause, f.server, f.subject, details, j.facts), inspection: j.inspection };
}

/** Options of {@link createInspector}. */
export interface InspectorOptions {
  /** Configurations read from `--config` (see `readServerConfig`). */
  configs?: ServerConfig[];
  /** `--map-path`. */
  paths?: PathMap;
  /** Time to check validity at (default: now), ms since the epoch. */
  now?: () => number;
  /** File system to read with (tests inject one); default `node:fs`. */
  fs?: Pick<typeof fs, 'statSync' | 'readFileSync'>;
  /** PEM files larger than this are not read (default 1 MiB). */
  maxPemBytes?: number;
}

/** Inspects findings; caches file reads (by path, size and mtime). */
export interface Inspector {
  /** The finding with {@link Finding.inspection} added (and cause/message/fix updated). Never throws. */
  inspect(f: Finding): Finding;
  /** Read (or reuse) one PEM file. Never throws. */
  readPem(named: string): PemFile;
}

/**
 * Create the I/O side of `--inspect`: finds the certificate file of a finding (from the log, or from
 * `--config` by certificate path, subject/serial or virtual host), reads it and the configured chain
 * and trusted files, and runs {@link judge}. Reads only regular files up to `maxPemBytes`; never writes.
 */
export function createInspector(options: InspectorOptions = {}): Inspector {
  const fsm = options.fs ?? fs;
  const paths = options.paths ?? NO_PATH_MAP;
  const configs = options.configs ?? [];
  const maxBytes = options.maxPemBytes ?? 1024 * 1024;
  const now = options.now ?? (() => Date.now());
  const cache = new Map<string, { key: string; pem: PemFile }>();

  const readPem = (named: string): PemFile => {
    const real = paths.toReal(named);
    try {
      const st = fsm.statSync(real);
      if (!st.isFile()) return { file: named, certs: [], error: 'not a regular file' };
      if (st.size > maxBytes) return { file: named, certs: [], error: `larger than ${maxBytes} bytes` };
      const key = `${st.size}:${st.mtimeMs}`;
      const hit = cache.get(real);
      if (hit && hit.key === key) return hit.pem;
      // Read in a bounded loop, never waiting (a /proc file has size 0; a FIFO may replace the file).
      const blocks = splitPem(options.fs ? fsm.readFileSync(real, 'utf8') : readSmallFileSync(real, maxBytes).toString('utf8'));
      const certs = blocks.flatMap((b) => (b.cert ? [b.cert] : []));
      const bad = blocks.find((b) => !b.cert);
      const pem: PemFile = { file: named, certs, ...(certs.length === 0 && bad ? { error: `unparsable certificate: ${bad.error}` } : {}) };
      cache.set(real, { key, pem });
      return pem;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return { file: named, certs: [], error: err.code ?? err.message };
    }
  };

  const sites = configs.flatMap((c) => c.sites);
  const blockOf = (s: SiteCertificates): string => `${s.file}:${s.line}`;
  const forSite = (s: SiteCertificates) => ({
    chainFiles: s.chainFiles.map(readPem),
    trustedFiles: [...s.trustedFiles, ...s.clientCaFiles].map(readPem),
  });

  const materials = (f: Finding): Materials => {
    const haveConfig = configs.length > 0;
    const s = f.subject;
    const base = { haveConfig, chainFiles: [], trustedFiles: [], site: null, block: null };
    const serverSites = sites.filter((x) => f.server === null || x.server === f.server);
    if (s.certificate) {
      // Compare where the files really are: a log captured elsewhere (--map-path) names other paths than the config.
      const real = (p: string) => paths.toReal(path.resolve(p));
      const named = real(s.certificate);
      const site = serverSites.find((x) => x.certificates.some((c) => real(c) === named)) ?? null;
      return { ...base, certFile: readPem(s.certificate), ...(site ? { site, block: blockOf(site), ...forSite(site) } : {}) };
    }
    if (s.certSubject || s.serial) {
      for (const site of serverSites) {
        for (const c of site.certificates) {
          const pem = readPem(c);
          const leaf = pem.certs[0];
          if (!leaf) continue;
          if (s.serial && !sameSerial(s.serial, leaf.serialNumber)) continue;
          if (s.certSubject && !sameDn(s.certSubject, leaf.subject)) continue;
          return { ...base, certFile: pem, site, block: blockOf(site), ...forSite(site) };
        }
      }
    }
    if (s.vhost) {
      const host = /^(.+?):\d+(?::\d+)?$/.exec(s.vhost)?.[1] ?? s.vhost;
      const candidates = serverSites.filter((x) => x.names.includes(host) && x.certificates.length > 0);
      if (candidates.length === 1) {
        const site = candidates[0]!;
        return { ...base, certFile: readPem(site.certificates[0]!), site, block: blockOf(site), ...forSite(site) };
      }
    }
    if (s.url) {
      // Apache's AH01940 names only the URL: the block that forces it is the one.
      const candidates = serverSites.filter((x) => x.forcedResponder === s.url && x.certificates.length > 0);
      if (candidates.length === 1) {
        const site = candidates[0]!;
        return { ...base, certFile: readPem(site.certificates[0]!), site, block: blockOf(site), ...forSite(site) };
      }
    }
    return { ...base, certFile: null };
  };

  return {
    readPem,
    inspect(f) {
      try {
        return applyJudgement(f, judge(f, materials(f), now()));
      } catch (e) {
        // Never let an inspection problem cost the report: say what went wrong instead.
        return { ...f, inspection: { result: 'not-checked', checks: [], missing: [], error: e instanceof Error ? e.message : String(e) } };
      }
    },
  };
}
