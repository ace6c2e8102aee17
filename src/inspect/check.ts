/**
 * `stapling-doctor check`: predict, from the configuration and the certificates alone, what will stop
 * OCSP stapling — before a server logs anything. Every TLS block with stapling on (nginx `server {}` in
 * `http {}` with a certificate; Apache `SSLEngine on` blocks) is read, each of its certificates goes
 * through the tests of `check-tests.ts` in the order the server meets them, and each prediction becomes
 * a finding in the log analysis's own shape and cause vocabulary (`FindingData`, `origin: 'check'`),
 * worded by the same render step. Its evidence is configuration directives (`source: 'config'`,
 * `file:line` and the directive as written) and the certificate (`source: 'certificate'`, `file:line`
 * of its `BEGIN CERTIFICATE`); its inspection is `judge()`'s verdict for the cause. Blocks that share a
 * certificate and get the same prediction give one finding (`count` = blocks, `inspection.verdictFor`);
 * the findings come in the log report's order (`sortFindings`).
 *
 * Also: Apache's server-wide `SSLStaplingCache` (httpd refuses to start without one when
 * `SSLUseStapling on`), OCSP Must-Staple certificates on blocks that do not (or not always) staple.
 * No network: DNS, responders and the running server are `check --probe`'s (`run/check-command.ts`).
 */
import { createHash } from 'node:crypto';
import { CAUSES } from '../findings/causes/index.js';
import { messageIdOf, severityOf, type CauseRegistry } from '../findings/registry.js';
import type { ConfirmEndpoint, Evidence, FindingData } from '../types.js';
import { sortFindings } from '../findings/store.js';
import { createTimeline } from '../findings/timeline.js';
import { siteEndpoints } from './blocks.js';
import { staples, type ConfigDirective, type ServerConfig, type SiteCertificates } from './config.js';
import {
  CHECK_DIRECTIVES,
  expiryTest,
  expiredChainTest,
  issuerTest,
  mustStapleCheck,
  mustStapleTest,
  notYetValidTest,
  resolverTest,
  staplingFileTest,
  trustedLoadTest,
  trustedTest,
  urlTest,
  type CertCase,
  type NotChecked,
  type Prediction,
  type ReadFile,
  type ReadStaple,
} from './check-tests.js';
import type { PemFile } from './judge.js';
import { dnLine } from '../x509/x509.js';
import { mustStaple } from '../x509/tls-feature.js';

export type { ReadFile, ReadStaple, StaplingFileReport } from './check-tests.js';

/** Options of {@link checkConfigs}. */
export interface CheckOptions {
  /** Reads a PEM file named by the configuration (through `--map-path`); never throws (the inspector's `readPem`). */
  readPem: (named: string) => PemFile;
  /** Reads an `ssl_stapling_file`. */
  readFile: ReadFile;
  /** Decodes an `ssl_stapling_file` (the probe's `checkStaple`); without it only its readability is checked. */
  readStaple?: ReadStaple | null;
  /** The time to check validity at, ms since the epoch. */
  now: number;
  /** A certificate that expires within this many days is reported (default 14). */
  expiryDays?: number;
  causes?: CauseRegistry;
}

/** One TLS block `check` read. */
export interface CheckedBlock {
  server: 'nginx' | 'apache';
  /** `file:line`. */
  block: string;
  names: string[];
  listen: string[];
  /**
   * `ssl_stapling` / `SSLUseStapling` as configured (null: not set, off); true as well for an Apache block whose
   * certificates mod_md staples (`MDStapling on`, see `SiteCertificates.mdStapling`).
   */
  stapling: boolean | null;
  certificates: string[];
  /** Where a TLS client reaches it (for `check --probe`). */
  endpoints: ConfirmEndpoint[];
}

/** A test that could not run for a certificate, and why. */
export interface CheckNotChecked {
  block: string;
  certificate: string;
  reason: string;
}

/** What `check` found. */
export interface CheckReport {
  /** Findings, most severe first, in the report's order. */
  findings: FindingData[];
  blocks: CheckedBlock[];
  notChecked: CheckNotChecked[];
}

/** The blocks whose stapling the server sets up: nginx `server {}` in `http {}` with a certificate; Apache with `SSLEngine on`. */
export function tlsBlock(s: SiteCertificates): boolean {
  if (s.certificates.length === 0) return false;
  return s.server === 'nginx' ? s.context === 'http' : s.tls === true;
}

const blockOf = (s: SiteCertificates): string => `${s.file}:${s.line}`;

/** A directive as evidence of a check finding, written as the server's configuration writes it (nginx ends it with `;`). */
function configEvidence(d: ConfigDirective, server: 'nginx' | 'apache', ruleId: string): Evidence {
  const text = `${d.name} ${d.args.join(' ')}${server === 'apache' ? '' : ';'}`;
  return { file: d.file, line: d.line, text, ruleId, time: null, pid: null, values: {}, source: 'config' };
}

/** The directive lines of a block that are evidence for a prediction (the certificate's own `ssl_certificate` only). */
function directiveEvidence(c: CertCase, names: readonly string[], ruleId: string): Evidence[] {
  const apache = c.site.server === 'apache';
  const same = (a: string, b: string) => (apache ? a.toLowerCase() === b.toLowerCase() : a === b);
  const certDirective = CHECK_DIRECTIVES[c.site.server].certificate;
  const index = c.site.certificates.indexOf(c.certificate);
  let certSeen = -1;
  const out: Evidence[] = [];
  for (const d of c.site.directives) {
    if (!names.some((n) => same(n, d.name))) continue;
    if (same(d.name, certDirective) && ++certSeen !== index) continue;
    out.push(configEvidence(d, c.site.server, ruleId));
  }
  return out;
}

function certificateEvidence(c: CertCase, ruleId: string): Evidence {
  const l = c.leaf;
  const text = `${dnLine(l.subject)}, issuer ${dnLine(l.issuer)}, serial ${l.serialNumber.toUpperCase()}, valid until ${l.validTo}`;
  return {
    file: c.certificate,
    line: c.pem.lines?.[0] ?? 1,
    text,
    ruleId,
    time: null,
    pid: null,
    values: { certificate: c.certificate },
    source: 'certificate',
  };
}

/** A check finding's timeline: no time (it happened nowhere yet), `count` untimed occurrences (blocks). */
function untimed(count: number) {
  const t = createTimeline();
  t.add(null, count);
  return t.snapshot();
}

const hash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 10);

/** A prediction as a finding (one block, one certificate). */
function findingOf(c: CertCase, p: Prediction, causes: CauseRegistry): FindingData {
  const l = c.leaf;
  const s = c.site;
  const vhost = s.server === 'apache' && s.serverName ? { vhost: `${s.serverName}:${s.port ?? 443}` } : {};
  const f: FindingData = {
    id: `${p.cause}:${s.server}:${hash([p.cause, c.block, c.certificate, p.ruleId].join('\n'))}`,
    cause: p.cause,
    severity: p.severity,
    server: s.server,
    // Read from this machine's configuration, not from a host's log.
    host: null,
    ruleIds: [p.ruleId],
    count: 1,
    first: null,
    last: null,
    messageId: '',
    data: p.data ?? {},
    subject: {
      certificate: c.certificate,
      certSubject: dnLine(l.subject),
      certIssuer: dnLine(l.issuer),
      serial: l.serialNumber.toUpperCase(),
      notAfter: l.validTo,
      ...vhost,
      ...p.subject,
    },
    evidence: [...directiveEvidence(c, p.directives, p.ruleId), certificateEvidence(c, p.ruleId)],
    evidenceOmitted: 0,
    timeline: untimed(1),
    inspection: { ...p.judgement.inspection, configBlock: c.block, verdictFor: [c.block], endpoints: siteEndpoints(s) },
    origin: 'check',
  };
  return { ...f, severity: severityOf(f), messageId: messageIdOf(f, causes) };
}

/** Every prediction for one certificate of a block with stapling on, in the server's order. */
function predictionsFor(c: CertCase, o: CheckOptions, notChecked: (r: NotChecked) => void): Prediction[] {
  const out: Prediction[] = [];
  const take = (r: Prediction | NotChecked | null): boolean => {
    if (r === null) return false;
    if ('notChecked' in r) notChecked(r);
    else out.push(r);
    return true;
  };
  // nginx loads ssl_trusted_certificate while it reads the configuration, before it sets stapling up:
  // when that fails it stops there, and nothing else is logged.
  if (take(trustedLoadTest(c))) return out;
  if (c.site.server === 'nginx' && c.site.staplingFile !== null) {
    take(staplingFileTest(c, o.readFile, o.readStaple ?? null));
  } else if (!take(issuerTest(c)) && !take(urlTest(c))) {
    take(resolverTest(c));
    take(trustedTest(c));
  }
  take(notYetValidTest(c));
  take(expiredChainTest(c));
  take(expiryTest(c, o.expiryDays ?? 14));
  return out;
}

/**
 * What is said of a certificate that mod_md staples instead of mod_ssl (`MDStapling on`, `SSLUseStapling` not
 * on: see `SiteCertificates.mdStapling`): mod_md's own conditions (the issuer among the configured certificates,
 * an OCSP URL in the certificate, its store) are not modelled, and mod_ssl's messages would not be logged.
 */
const MOD_MD_STAPLES = 'stapled by mod_md (MDStapling on), not by mod_ssl: mod_md’s own conditions are not checked';

/** The predictions of one certificate, Must-Staple included: a blocking one becomes an error and says so. */
function certificatePredictions(c: CertCase, o: CheckOptions, notChecked: (r: NotChecked) => void): Prediction[] {
  if (c.site.stapling !== true && c.site.mdStapling === true) {
    notChecked({ notChecked: MOD_MD_STAPLES });
    return [];
  }
  const preds = c.site.stapling === true ? predictionsFor(c, o, notChecked) : [];
  if (!mustStaple(c.leaf)) return preds;
  for (const p of preds) {
    if (!p.blocking) continue;
    p.severity = 'error';
    p.judgement.inspection.checks.push(mustStapleCheck(c));
  }
  const ms = mustStapleTest(c);
  return ms ? [...preds, ms] : preds;
}

/**
 * Apache refuses to start with `SSLUseStapling on` and no `SSLStaplingCache` (AH01958), or with an `SSLStaplingCache`
 * whose socache provider no loaded module provides (`SiteCertificates.staplingCacheProviderMissing`, rule
 * `apache-stapling-cache-provider-unknown`): one finding per configuration, the missing cache first.
 */
function cacheFinding(config: ServerConfig, causes: CauseRegistry): FindingData | null {
  const stapling = config.sites.filter((s) => s.server === 'apache' && tlsBlock(s) && s.stapling === true);
  const missing = stapling.filter((s) => s.staplingCache === null);
  const unloaded = stapling.filter((s) => s.staplingCache !== null && s.staplingCacheProviderMissing !== undefined);
  const sites = missing.length > 0 ? missing : unloaded;
  if (sites.length === 0) return null;
  const provider = missing.length > 0 ? null : sites[0]!.staplingCacheProviderMissing!;
  const ruleId = provider === null ? 'apache-stapling-cache-missing' : 'apache-stapling-cache-provider-unknown';
  const named = provider === null ? ['sslusestapling'] : ['sslstaplingcache', 'sslusestapling'];
  const evidence: Evidence[] = uniqueEvidence(
    sites.flatMap((s) => s.directives.filter((d) => named.includes(d.name.toLowerCase())).map((d) => configEvidence(d, 'apache', ruleId))),
  );
  const f: FindingData = {
    id: `stapling-cache-problem:apache:${hash([config.file, ruleId].join('\n'))}`,
    cause: 'stapling-cache-problem',
    severity: 'error',
    server: 'apache',
    // Read from this machine's configuration, not from a host's log.
    host: null,
    ruleIds: [ruleId],
    count: sites.length,
    first: null,
    last: null,
    messageId: '',
    data: { detail: provider ?? 'missing' },
    subject: {},
    evidence,
    evidenceOmitted: 0,
    timeline: untimed(sites.length),
    origin: 'check',
  };
  return { ...f, messageId: messageIdOf(f, causes) };
}

/** Evidence lines once each (the server-wide `SSLStaplingCache` is in every block's directives). */
function uniqueEvidence(evidence: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return evidence.filter((e) => {
    const key = `${e.file}:${e.line}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/**
 * nginx staples only the certificates it loads with the configuration (`ngx_ssl_stapling()` walks the SSL_CTX's
 * certificates, and `ngx_ssl_certificate_status_callback()` finds no staple on one loaded per handshake): a block
 * whose `ssl_certificate` holds a variable loads all its certificates per handshake (`ngx_http_ssl_certificate()`,
 * nginx 1.15.9+), so with `ssl_stapling on` it never staples, and nginx logs nothing. Null for any other block.
 */
function variableCertificateFinding(site: SiteCertificates, block: string, causes: CauseRegistry): FindingData | null {
  if (site.server !== 'nginx' || site.stapling !== true || !site.dynamicCertificates) return null;
  const ruleId = 'check-stapling-variable-certificate';
  const evidence: Evidence[] = site.directives
    .filter((d) => d.name === 'ssl_certificate' || d.name === 'ssl_stapling')
    .map((d) => configEvidence(d, 'nginx', ruleId));
  const f: FindingData = {
    id: `stapling-config-invalid:nginx:${hash([block, ruleId].join('\n'))}`,
    cause: 'stapling-config-invalid',
    severity: 'warning',
    server: 'nginx',
    host: null,
    ruleIds: [ruleId],
    count: 1,
    first: null,
    last: null,
    messageId: '',
    data: { detail: 'variable-certificate', directive: 'ssl_certificate' },
    subject: { certificate: site.certificates.find((c) => c.includes('$'))! },
    evidence,
    evidenceOmitted: 0,
    timeline: untimed(1),
    origin: 'check',
  };
  return { ...f, messageId: messageIdOf(f, causes) };
}

/** Findings that are the same prediction for several blocks (a shared certificate) become one. */
function merge(findings: FindingData[]): FindingData[] {
  const byKey = new Map<string, FindingData>();
  for (const f of findings) {
    const i = f.inspection;
    // (An Apache block's vhost is no part of the certificate's verdict: blocks that differ only in it are one finding.)
    const { vhost, ...subject } = f.subject;
    const key = JSON.stringify([f.messageId, f.severity, subject, f.data, f.ruleIds, i?.missing, i?.trustedFiles]);
    const had = byKey.get(key);
    if (!had) {
      byKey.set(key, f);
      continue;
    }
    // Several vhosts: the finding names none (`inspection.verdictFor` lists the blocks).
    if (had.subject.vhost !== vhost) delete had.subject.vhost;
    const seen = new Set(had.evidence.map((e) => `${e.file}:${e.line}`));
    had.evidence.push(...f.evidence.filter((e) => !seen.has(`${e.file}:${e.line}`)));
    had.count += f.count;
    had.timeline = untimed(had.count);
    if (had.inspection && i) {
      had.inspection.verdictFor = [...(had.inspection.verdictFor ?? []), ...(i.verdictFor ?? [])];
      const eps = had.inspection.endpoints ?? [];
      for (const e of i.endpoints ?? [])
        if (!eps.some((x) => x.host === e.host && x.port === e.port && x.serverName === e.serverName)) eps.push(e);
      had.inspection.endpoints = eps;
    }
  }
  return [...byKey.values()];
}

/**
 * Check configurations: every TLS block with stapling on, every certificate (see the module note).
 * Reads only through `o.readPem`/`o.readFile`; never throws for a bad file (it is reported in `notChecked`).
 */
export function checkConfigs(configs: readonly ServerConfig[], o: CheckOptions): CheckReport {
  const causes = o.causes ?? CAUSES;
  const report: CheckReport = { findings: [], blocks: [], notChecked: [] };
  const found: FindingData[] = [];
  for (const config of configs) {
    for (const site of config.sites.filter(tlsBlock)) {
      const block = blockOf(site);
      report.blocks.push(checkedBlock(site));
      // (Its certificates, loaded per handshake, are none nginx checks at start: nothing else is predicted.)
      const variable = variableCertificateFinding(site, block, causes);
      if (variable) {
        found.push(variable);
        continue;
      }
      for (const certificate of site.certificates) {
        const note = (reason: string) => report.notChecked.push({ block, certificate, reason });
        const c = certCase(site, block, certificate, o, causes, note);
        if (!c) continue;
        for (const p of certificatePredictions(c, o, (r) => note(r.notChecked))) found.push(findingOf(c, p, causes));
      }
    }
    const cache = cacheFinding(config, causes);
    if (cache) found.push(cache);
  }
  report.findings = sortFindings(merge(found));
  return report;
}

function checkedBlock(site: SiteCertificates): CheckedBlock {
  return {
    server: site.server,
    block: blockOf(site),
    names: site.names,
    listen: site.listen,
    stapling: staples(site) ? true : site.stapling,
    certificates: site.certificates,
    endpoints: siteEndpoints(site),
  };
}

/**
 * What an unreadable certificate means for the server: missing here (not under `--map-path`, whose
 * reason says "read from"), the server would not start; unreadable to us, it may be readable to the
 * server, which reads it as root.
 */
function unreadableMeans(error: string): string {
  if (error === 'ENOENT') return ': the server would not start';
  if (/^(EACCES|EPERM)\b/.test(error)) return ': run check as the user the server starts as (root)';
  return '';
}

/** Read one certificate of a block; null (and a note) when it cannot be. */
function certCase(
  site: SiteCertificates,
  block: string,
  certificate: string,
  o: CheckOptions,
  causes: CauseRegistry,
  note: (reason: string) => void,
): CertCase | null {
  if (certificate.includes('$')) {
    note('the certificate is chosen per connection (a variable in its path)');
    return null;
  }
  const pem = o.readPem(certificate);
  const leaf = pem.certs[0];
  if (!leaf) {
    note(
      pem.error ? `cannot read it (${pem.error})${unreadableMeans(pem.error)}` : 'it holds no PEM certificate: the server would not start',
    );
    return null;
  }
  const m = {
    haveConfig: true,
    certFile: pem,
    site,
    block,
    chainFiles: site.chainFiles.map(o.readPem),
    trustedFiles: [...site.trustedFiles, ...site.clientCaFiles].map(o.readPem),
  };
  return { site, block, certificate, pem, leaf, m, now: o.now, causes };
}
