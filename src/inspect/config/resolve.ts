/**
 * Which configuration blocks a finding is about. A certificate may be used by several blocks (two
 * `server {}`s sharing `ssl_certificate` with different `ssl_trusted_certificate` files; two
 * `<VirtualHost>`s with the same `SSLCertificateFile`): {@link resolveSites} returns every block that
 * fits what the log says, narrowed by each hint the log gives, and never picks one of several
 * silently — the caller judges each candidate and says when they disagree ({@link Resolution.differences}).
 *
 * Hints, from the strongest:
 * - identity (which certificate): the path the log names (nginx `certificate: "…"`, `for certificate
 *   "…"`), compared as the files are read (`--map-path`) and, failing that, by content; or the
 *   subject/serial/issuer of Apache's `[subject: … / issuer: … / serial: …]` suffix, compared with the
 *   configured files' certificates;
 * - place: Apache's vhost id `host:port` / key id `host:port:N` (mod_ssl `ssl_util_vhostid()`; N picks
 *   the N-th `SSLCertificateFile`), nginx's `server:` (a listen address in handshake lines, the first
 *   `server_name` in request lines), a `FILE[:LINE]` the log names, the responder URL (a forced
 *   `SSLStaplingForceURL`/`ssl_stapling_responder`, or the certificate's AIA OCSP URL).
 *
 * Identity hints must match (a certificate no block uses means the configuration given is not the one
 * that logged); a place hint narrows only when some candidate fits it, else it is reported in
 * {@link Resolution.unmatched} and the candidates stay. With no identity hint, a place hint must match.
 */
import path from 'node:path';
import type { X509Certificate } from 'node:crypto';
import type { FindingData } from '../../types.js';
import { infoAccess, ocspUrlAt, sameCert, sameDn, sameSerial } from '../../x509/x509.js';
import { NO_PATH_MAP, type PathMap } from '../paths.js';
import { splitHostPort, staples, type ServerConfig, type ServerKind, type SiteCertificates } from './model.js';

/** What a finding knows about where it happened. Every field is optional. */
export interface SiteHints {
  /** The server that logged (blocks of the other server are never candidates). */
  server?: ServerKind | null;
  /** The certificate path the log names. */
  certificate?: string;
  /** Apache's `[subject: … / issuer: … / serial: …]` values (OpenSSL one-line DN, hex serial). */
  certSubject?: string;
  certIssuer?: string;
  serial?: string;
  /** Apache's vhost id `host:port` or key id `host:port:N` (AH02604, AH02814, AH02567). */
  vhost?: string;
  /** A listen address `addr:port` (nginx `server:` in handshake lines: `0.0.0.0:443`, `[::]:443`). */
  listen?: string;
  /** A server name (nginx `server:` in request lines: the block's first `server_name`). */
  serverName?: string;
  /** A configuration `FILE` or `FILE:LINE` the log names (`in /etc/nginx/nginx.conf:12`, `line 12 of FILE`). */
  configFile?: string;
  /** A responder URL the log names (Apache AH01940, or the URL of a failed request). */
  responderUrl?: string;
  /**
   * A responder `host[:port]` the log names without its URL, on a finding that names no certificate: Apache's
   * transport lines (AH01974 `could not connect to OCSP responder '127.0.0.1:19001'`, mod_ssl
   * ssl_util_ocsp.c). It fits a block whose forced responder or certificate's AIA OCSP URL has that host (and
   * that port, when given; 80 or 443 when the URL gives none).
   */
  responder?: string;
  /** An `ssl_stapling_file` the log names (nginx `d2i_OCSP_RESPONSE_bio("…")`, `BIO_new_file("…")`). */
  staplingFile?: string;
  /** An `ssl_trusted_certificate` the log names (nginx `SSL_CTX_load_verify_locations("…")`). */
  trustedFile?: string;
}

/** The hints by name, as {@link Resolution} reports them. */
export type HintName = Exclude<keyof SiteHints, 'server'> | 'server';

/** One block a finding may be about. */
export interface Candidate {
  site: SiteCertificates;
  /** The configuration the block is in. */
  config: ServerConfig;
  /** `file:line` of the block. */
  block: string;
  /**
   * The block's certificate the finding is about: the one the hints point at, or the block's only
   * one; null when the block has several and nothing says which (then each of `site.certificates` may be).
   */
  certificate: string | null;
  /** Index of `certificate` in `site.certificates` (Apache's key id `:N`), or null. */
  certificateIndex: number | null;
  /** The hints this block matches. */
  matched: HintName[];
}

/** The settings compared between candidates (see {@link Resolution.differences}). */
export type SiteSetting =
  | 'certificate'
  | 'chainFiles'
  | 'trustedFiles'
  | 'trustedPaths'
  | 'clientCaFiles'
  | 'stapling'
  | 'staplingVerify'
  | 'forcedResponder'
  | 'staplingFile'
  | 'resolver'
  | 'staplingCache';

/** The outcome of {@link resolveSites}. */
export interface Resolution {
  /** Every block that fits, in configuration order; empty when none does (or nothing ties the finding to a block). */
  candidates: Candidate[];
  /** The hints that chose or narrowed the candidates. */
  used: HintName[];
  /** Hints the log gave that no candidate fits (not applied), with the value the log gave. */
  unmatched: { hint: HintName; value: string }[];
  /** Settings in which the candidates differ: when not empty, they may be judged differently. */
  differences: SiteSetting[];
}

/** Options of {@link resolveSites}. */
export interface ResolveOptions {
  /**
   * The first certificate of a PEM file (named path), or null when it cannot be read. Needed for the
   * subject/serial/issuer and responder-URL hints, and to match a logged path by content.
   */
  leafOf?: (file: string) => X509Certificate | null;
  /** `--map-path`, to compare paths as they are read. */
  paths?: PathMap;
  /** Hints beyond the finding's subject ({@link candidatesFor} only): what its evidence lines say (`inspect/blocks.ts`). */
  extra?: SiteHints;
}

interface Work {
  site: SiteCertificates;
  config: ServerConfig;
  /** Indexes of the certificates still possible. */
  idx: number[];
  matched: HintName[];
}

/** The hints a finding carries (its subject fields). */
export function hintsOf(f: Pick<FindingData, 'subject' | 'server'>): SiteHints {
  const s = f.subject;
  const h: SiteHints = { server: f.server };
  if (s.certificate) h.certificate = s.certificate;
  if (s.certSubject) h.certSubject = s.certSubject;
  if (s.certIssuer) h.certIssuer = s.certIssuer;
  if (s.serial) h.serial = s.serial;
  if (s.vhost) h.vhost = s.vhost;
  if (s.url) h.responderUrl = s.url;
  else if (s.responder && !s.certificate && !s.certSubject && !s.serial) h.responder = s.responder;
  return h;
}

/** Whether a block uses certificates at all (Apache: only with `SSLEngine on`; nginx loads them in any block that names them). */
function usesCertificates(s: SiteCertificates): boolean {
  return s.certificates.length > 0 && (s.server === 'nginx' || s.tls !== false);
}

/** A certificate path with nginx variables as a pattern (`/c/$ssl_server_name.pem` → `/c/.+\.pem`). */
function template(p: string): RegExp {
  const parts = p.split(/\$\{?[A-Za-z0-9_]+\}?/);
  return new RegExp(`^${parts.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`);
}

/** Apply one hint: keep the candidates (and certificate indexes) it accepts. */
type Test = (w: Work) => number[] | boolean;

function apply(pool: Work[], name: HintName, test: Test): Work[] {
  const out: Work[] = [];
  for (const w of pool) {
    const r = test(w);
    if (r === false || (Array.isArray(r) && r.length === 0)) continue;
    out.push({ ...w, idx: Array.isArray(r) ? r : w.idx, matched: [...w.matched, name] });
  }
  return out;
}

function certificateTests(hints: SiteHints, opts: ResolveOptions): { byPath: Test; byContent: Test | null } {
  const paths = opts.paths ?? NO_PATH_MAP;
  const real = (p: string) => paths.toReal(path.resolve(p));
  const wanted = real(hints.certificate!);
  const byPath: Test = (w) =>
    w.idx.filter((i) => {
      const c = w.site.certificates[i]!;
      return c.includes('$') ? template(c).test(hints.certificate!) || template(real(c)).test(wanted) : real(c) === wanted;
    });
  const logged = opts.leafOf?.(hints.certificate!) ?? null;
  const byContent: Test | null = logged
    ? (w) =>
        w.idx.filter((i) => {
          const leaf = opts.leafOf!(w.site.certificates[i]!);
          return leaf !== null && sameCert(leaf, logged);
        })
    : null;
  return { byPath, byContent };
}

function identityTest(hints: SiteHints, opts: ResolveOptions): Test | null {
  if (!(hints.certSubject || hints.serial || hints.certIssuer) || !opts.leafOf) return null;
  return (w) =>
    w.idx.filter((i) => {
      const leaf = opts.leafOf!(w.site.certificates[i]!);
      if (!leaf) return false;
      if (hints.serial && !sameSerial(hints.serial, leaf.serialNumber)) return false;
      if (hints.certSubject && !sameDn(hints.certSubject, leaf.subject)) return false;
      return !(hints.certIssuer && !sameDn(hints.certIssuer, leaf.issuer));
    });
}

/** nginx `server_name` matching: exact, `*.example.com`, `.example.com` (also the bare name), `www.example.*`, `~regex`. */
export function serverNameMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  if (p === n) return true;
  if (p.startsWith('~')) {
    try {
      return new RegExp(pattern.slice(1), 'i').test(name);
    } catch {
      return false;
    }
  }
  if (p.startsWith('.')) return n === p.slice(1) || n.endsWith(p);
  if (p.startsWith('*.')) return n.endsWith(p.slice(1));
  if (p.endsWith('.*')) return n.startsWith(p.slice(0, -1));
  return false;
}

/** `host:port` or `host:port:N` → parts; null when it is not a vhost id. */
function parseVhostId(v: string): { host: string; port: number; index: number | null } | null {
  const m = /^(.+?):(\d+)(?::(\d+))?$/.exec(v);
  return m ? { host: m[1]!.toLowerCase(), port: Number(m[2]), index: m[3] === undefined ? null : Number(m[3]) } : null;
}

/** The tests of a `responder` hint ({@link SiteHints.responder}): the block's forced responder, else its certificates' AIA OCSP URL. */
function responderTests(responder: string, opts: ResolveOptions): Test[] {
  const forced: Test = (w) => w.site.forcedResponder !== null && ocspUrlAt(w.site.forcedResponder, responder);
  const inCert: Test = (w) =>
    w.site.forcedResponder
      ? []
      : w.idx.filter((i) => {
          const leaf = opts.leafOf?.(w.site.certificates[i]!);
          return leaf ? infoAccess(leaf).ocsp.some((u) => ocspUrlAt(u, responder)) : false;
        });
  return [forced, inCert];
}

/** The place hints, in the order they are applied; each test may also narrow the certificate indexes. */
function placeTests(hints: SiteHints, opts: ResolveOptions): [HintName, string, Test[]][] {
  const out: [HintName, string, Test[]][] = [];
  const id = hints.vhost ? parseVhostId(hints.vhost) : null;
  if (hints.vhost && id) {
    const pick = (w: Work) => (id.index === null ? w.idx : w.idx.filter((i) => i === id.index));
    // Exact vhost id first; a block without a configured name (httpd then uses reverse DNS) only when none has it.
    out.push([
      'vhost',
      hints.vhost,
      [
        (w) => w.site.serverName?.toLowerCase() === id.host && w.site.port === id.port && pick(w),
        (w) => w.site.serverName === null && w.site.port === id.port && pick(w),
      ],
    ]);
  }
  if (hints.listen) {
    const want = splitHostPort(hints.listen);
    const fits = (w: Work) =>
      w.site.addresses.some((a) => a.port === want.port && (a.host === null || want.host === null || a.host === want.host));
    out.push(['listen', hints.listen, [fits]]);
  }
  if (hints.serverName) {
    const n = hints.serverName;
    out.push([
      'serverName',
      n,
      [(w) => w.site.serverName?.toLowerCase() === n.toLowerCase(), (w) => w.site.names.some((p) => serverNameMatches(p, n))],
    ]);
  }
  if (hints.configFile) {
    const m = /^(.*?)(?::(\d+))?$/.exec(hints.configFile)!;
    const file = path.resolve(m[1]!);
    const line = m[2] === undefined ? null : Number(m[2]);
    const inside = (w: Work) =>
      w.site.files.includes(file) &&
      (line === null ||
        w.site.directives.some((d) => d.file === file && d.line === line) ||
        (w.site.file === file && w.site.end?.file === file && line >= w.site.line && line <= w.site.end.line));
    out.push(['configFile', hints.configFile, [inside]]);
  }
  if (hints.responderUrl) {
    const url = hints.responderUrl;
    const forced = (w: Work) => w.site.forcedResponder === url;
    const inCert = (w: Work) =>
      w.idx.filter((i) => {
        const leaf = opts.leafOf?.(w.site.certificates[i]!);
        return leaf ? infoAccess(leaf).ocsp.includes(url) : false;
      });
    out.push(['responderUrl', url, [forced, inCert]]);
  }
  if (hints.responder) out.push(['responder', hints.responder, responderTests(hints.responder, opts)]);
  // A file the log names is the block's when both read the same file (through --map-path).
  const paths = opts.paths ?? NO_PATH_MAP;
  const real = (p: string) => paths.toReal(path.resolve(p));
  if (hints.staplingFile) {
    const wanted = real(hints.staplingFile);
    out.push(['staplingFile', hints.staplingFile, [(w) => w.site.staplingFile !== null && real(w.site.staplingFile) === wanted]]);
  }
  if (hints.trustedFile) {
    const wanted = real(hints.trustedFile);
    out.push(['trustedFile', hints.trustedFile, [(w) => w.site.trustedFiles.some((t) => real(t) === wanted)]]);
  }
  return out;
}

const SETTINGS: Exclude<SiteSetting, 'certificate'>[] = [
  'chainFiles',
  'trustedFiles',
  'trustedPaths',
  'clientCaFiles',
  'stapling',
  'staplingVerify',
  'forcedResponder',
  'staplingFile',
  'resolver',
  'staplingCache',
];

/** The settings in which the candidates differ (their certificate included). */
export function siteDifferences(candidates: readonly Pick<Candidate, 'site' | 'certificate'>[]): SiteSetting[] {
  if (candidates.length < 2) return [];
  const differs = (get: (c: Pick<Candidate, 'site' | 'certificate'>) => unknown) =>
    new Set(candidates.map((c) => JSON.stringify(get(c)))).size > 1;
  const out: SiteSetting[] = differs((c) => c.certificate ?? c.site.certificates) ? ['certificate'] : [];
  for (const s of SETTINGS) if (differs((c) => c.site[s])) out.push(s);
  return out;
}

/**
 * The configuration blocks a finding may be about (see the module note for how hints count).
 * @param configs the configurations read from `--config`
 * @param hints what the log says ({@link hintsOf} a finding)
 * @returns every fitting block; several when the log cannot tell them apart
 */
export function resolveSites(configs: readonly ServerConfig[], hints: SiteHints, options: ResolveOptions = {}): Resolution {
  const res: Resolution = { candidates: [], used: [], unmatched: [], differences: [] };
  let pool: Work[] = configs.flatMap((config) =>
    config.sites
      .filter(usesCertificates)
      .map((site) => ({ site, config, idx: site.certificates.map((_, i) => i), matched: [] as HintName[] })),
  );
  if (hints.server) pool = pool.filter((w) => w.site.server === hints.server);
  let anchored = false;
  const anchor = (name: HintName, value: string, tests: (Test | null)[]): boolean => {
    for (const t of tests) {
      if (!t) continue;
      const next = apply(pool, name, t);
      if (next.length === 0) continue;
      pool = next;
      res.used.push(name);
      anchored = true;
      return true;
    }
    res.unmatched.push({ hint: name, value });
    return false;
  };
  if (hints.certificate) {
    const { byPath, byContent } = certificateTests(hints, options);
    if (!anchor('certificate', hints.certificate, [byPath, byContent])) return res;
  }
  const identity = identityTest(hints, options);
  if (identity) {
    const value = [hints.certSubject, hints.serial, hints.certIssuer].filter(Boolean).join(' / ');
    const hit = anchor(hints.certSubject ? 'certSubject' : hints.serial ? 'serial' : 'certIssuer', value, [identity]);
    if (!hit && !anchored) return res;
  }
  for (const [name, value, tests] of placeTests(hints, options)) anchor(name, value, tests);
  if (!anchored) return res;
  // Only a block that staples writes stapling lines: a certificate shared with blocks that do not (stapling off,
  // the default) leaves those out, unless none of the blocks staples (a configuration older or newer than the log).
  const stapling = pool.filter((w) => staples(w.site));
  if (stapling.length > 0) pool = stapling;
  res.candidates = pool.map((w) => {
    const only = w.idx.length === 1 ? w.idx[0]! : w.site.certificates.length === 1 ? 0 : null;
    return {
      site: w.site,
      config: w.config,
      block: `${w.site.file}:${w.site.line}`,
      certificate: only === null ? null : w.site.certificates[only]!,
      certificateIndex: only,
      matched: w.matched,
    };
  });
  res.differences = siteDifferences(res.candidates);
  return res;
}

// ── the host to confirm against ────────────────────────────────────────────────────────────────────

/** Where a TLS client reaches a block: `openssl s_client -connect HOST:PORT -servername NAME -status`. */
export interface Endpoint {
  /** An address from `listen`/`<VirtualHost>` when it is a specific one, else the server name. */
  host: string;
  port: number;
  /** The name to send as SNI (a usable `server_name`/`ServerName`/`ServerAlias`), or null when the block names none. */
  serverName: string | null;
  /** The address as written (`127.0.0.1:8443 ssl`, `*:443`). */
  listen: string;
}

/** A name a client can send: no wildcard, regex, `_`, variable or empty name. */
function usableName(n: string | null | undefined): n is string {
  return !!n && n !== '_' && !/[*~$]/.test(n) && !n.startsWith('.');
}

/**
 * Where to reach a block over TLS, from its `listen`/`<VirtualHost>` addresses and names (`unix:`
 * sockets left out; only `ssl` listens for nginx when it has any). Empty when neither an address nor
 * a name is configured — the caller keeps its `HOST` placeholder then.
 */
export function endpointsOf(site: SiteCertificates): Endpoint[] {
  const sni = usableName(site.serverName) ? site.serverName : (site.names.find(usableName) ?? null);
  const tlsOnly = site.addresses.some((a) => a.ssl);
  const out: Endpoint[] = [];
  for (const a of site.addresses) {
    if ((tlsOnly && !a.ssl) || a.host?.startsWith('unix:')) continue;
    const host = a.host ?? sni;
    const port = a.port ?? site.port ?? 443;
    if (!host || out.some((e) => e.host === host && e.port === port)) continue;
    out.push({ host, port, serverName: sni, listen: a.raw });
  }
  if (out.length === 0 && sni && site.addresses.length === 0) out.push({ host: sni, port: site.port ?? 443, serverName: sni, listen: '' });
  return out;
}

/**
 * The candidate blocks of a finding: {@link resolveSites} with the finding's own hints ({@link hintsOf}).
 * This is the call for `--inspect`: judge each candidate; when `differences` is not empty the blocks
 * may be judged differently, and the report should say so rather than choose.
 */
export function candidatesFor(
  f: Pick<FindingData, 'subject' | 'server'>,
  configs: readonly ServerConfig[],
  options: ResolveOptions = {},
): Resolution {
  return resolveSites(configs, { ...hintsOf(f), ...options.extra }, options);
}

/**
 * The one candidate a single judgement can stand for: the only one, or the first of several that agree
 * on every compared setting ({@link siteDifferences} empty, so any of them gives the same verdict).
 * Null when there is none or when they differ — then each must be judged.
 */
export function agreeingCandidate(r: Resolution): Candidate | null {
  if (r.candidates.length === 1) return r.candidates[0]!;
  return r.candidates.length > 1 && r.differences.length === 0 ? r.candidates[0]! : null;
}
