/**
 * The scenario table: for each server, one way to break stapling (or none), the cause the analyzer
 * must report for the log the server really writes, the directive its fix must name, and whether
 * applying that fix must make stapling work again ("close the loop").
 *
 * Expected causes follow the reference catalogue (`shared/reference/stapling-messages.md`, § cited
 * in `why`). Where the log cannot tell two causes apart the expectation is what the log supports,
 * and `why` says so.
 */
import type { CauseId, InspectionResult } from '../../src/types.js';
import { d, type ApacheSite, type Directive, type NginxSite, type Site } from './config.js';
import { TEST_HOST, type Leaf, type LeafSpec, type Pki } from './pki.js';
import type { responderUrls } from './responders.js';

export type Urls = ReturnType<typeof responderUrls>;

/** What a scenario's configuration may use. */
export interface LabEnv {
  pki: Pki;
  urls: Urls;
  /** `host:port` of the site DNS (NXDOMAIN for every test name) and of the DNS that knows them. */
  siteDns: string;
  goodDns: string;
}

/** After the fix: a good staple, or (for "turn stapling off") no staple and no warning. */
export type AfterFix = 'staple-good' | 'stapling-off';

/** One row of the scenario table. */
export interface Scenario {
  server: 'apache' | 'nginx';
  /** Short name; the sample is `samples/real/<server>-<name>.log`. */
  name: string;
  /** What is broken, in one line. */
  title: string;
  /** The leaf the configuration serves (its `fullchain` is the lab value for `file:leaf-and-chain`). */
  leaf: string;
  /** Exactly the causes the analyzer must report (empty: no finding). */
  expected: CauseId[];
  /**
   * The cause lies in the configuration or the certificates (or nothing is wrong): `stapling-doctor
   * check` on the configuration, before the server starts, must predict exactly the causes the server
   * then logs, as the analyzer with `--inspect` reads that log (nothing for the healthy ones). Absent:
   * a network, responder or CA fault, which `check` cannot see without the network — its prediction is
   * shown in the table, not asserted.
   */
  configCaused?: true;
  /**
   * Several blocks share the certificate: the verdict `--inspect --config` must give for each block, by
   * its server name, as `cause result` (a block judged alone, when the log names it, must be that block).
   */
  blockVerdicts?: Record<string, `${CauseId} ${InspectionResult}`>;
  /** Why these causes: the catalogue section and the line the server writes. */
  why: string;
  /** A step of the fix must name this directive; null: no directive expected (a network/CA matter). */
  fixDirective?: string | null;
  /** Build the broken configuration. */
  site(env: LabEnv): Site;
  /** The server must refuse to start with this configuration. */
  refusesToStart?: boolean;
  /** Handshakes to make (default: Apache 2 × 500 ms, nginx 3 × 1 000 ms) and a raw log line to wait for. */
  traffic?: { count?: number; pauseMs?: number; waitForLog?: RegExp; waitMs?: number; servernames?: string[] };
  /** Stapling must work before anything is changed (healthy scenarios and silent ones). */
  stapleBefore?: 'good';
  /** Close the loop: apply the fix, restart, and expect this. A string says why the loop stays open. */
  closeLoop: AfterFix | { open: string };
  /**
   * `--inspect --config <the scenario's configuration>` on the captured log: the finding must become
   * `confirmed` with this cause and name these certificates (by subject) as missing. Absent: the
   * inspection must keep the log's cause and refute nothing.
   */
  inspect?: { cause: CauseId; missing?: string[] };
}

/** The name of the second block of the shared-certificate scenarios (sent as SNI; no DNS needed). */
export const SECOND_HOST = 'b.stapling.test';

/** Subjects of the test PKI's CA certificates, as `--inspect` names them. */
export const INTERMEDIATE_SUBJECT = 'CN=Stapling Test Intermediate CA,O=stapling-doctor tests';
export const ROOT_SUBJECT = 'CN=Stapling Test Root CA,O=stapling-doctor tests';

/**
 * The leaves to issue, one per responder variant, named after what their OCSP URI points at
 * (`responder-down`: a closed port, `stale-response`: the 3-days-old response …).
 */
export const leafSpecs = (u: Urls): LeafSpec[] => [
  { name: 'good', ocspUrl: u.ca, status: 'good' },
  { name: 'revoked', ocspUrl: u.ca, status: 'revoked' },
  { name: 'unlisted', ocspUrl: u.ca, status: 'unknown' },
  { name: 'foreign-signed', ocspUrl: u.foreign, status: 'good' },
  { name: 'signed-without-ocsp-usage', ocspUrl: u.noEku, status: 'good' },
  { name: 'responder-down', ocspUrl: u.closed, status: 'good' },
  { name: 'responder-silent', ocspUrl: u.blackhole, status: 'good' },
  { name: 'responder-slow', ocspUrl: u.slow, status: 'good' },
  { name: 'responder-nxdomain', ocspUrl: u.caNxdomain, status: 'good' },
  { name: 'responder-hosts-only', ocspUrl: u.caByHostsOnlyName, status: 'good' },
  { name: 'captive-portal', ocspUrl: u.portal, status: 'good' },
  { name: 'responder-404', ocspUrl: u.missing, status: 'good' },
  { name: 'responder-unauthorized', ocspUrl: u.unauthorized, status: 'good' },
  { name: 'stale-response', ocspUrl: u.stale, status: 'good' },
  { name: 'other-cert-response', ocspUrl: u.otherCert, status: 'good' },
  { name: 'no-ocsp-url', ocspUrl: null, status: 'good' },
];

const leafOf = (env: LabEnv, name: string): Leaf => {
  if (name === 'self-signed') return env.pki.selfSigned;
  const l = env.pki.leaves[name];
  if (!l) throw new Error(`no leaf ${name}`);
  return l;
};

/** The stapling cache of every Apache scenario (relative to DefaultRuntimeDir). */
const STAPLING_CACHE = '"shmcb:ssl_stapling(32768)"';

/** A Debian-style TLS vhost with stapling on, serving `leaf` with its full chain. */
function apache(
  env: LabEnv,
  leaf: string,
  o: { global?: Directive[]; vhost?: Directive[]; leafOnly?: boolean; noCache?: boolean } = {},
): ApacheSite {
  const l = leafOf(env, leaf);
  return {
    server: 'apache',
    'server config': [...(o.noCache ? [] : [d('SSLStaplingCache', STAPLING_CACHE)]), ...(o.global ?? [])],
    VirtualHost: [
      d('SSLCertificateFile', o.leafOnly ? l.cert : l.fullchain),
      d('SSLCertificateKeyFile', l.key),
      d('SSLUseStapling', 'on'),
      ...(o.vhost ?? []),
    ],
  };
}

/**
 * An nginx TLS server with stapling on. By default the admin also verifies the responses with the
 * CA chain in `ssl_trusted_certificate` (what the nginx docs recommend); `verify: false` leaves out
 * both, `trusted` names another file (or none with null).
 */
function nginx(
  env: LabEnv,
  leaf: string,
  o: { http?: Directive[]; server?: Directive[]; leafOnly?: boolean; verify?: boolean; trusted?: string | null } = {},
): NginxSite {
  const l = leafOf(env, leaf);
  const verify = o.verify ?? true;
  const trusted = o.trusted === undefined ? env.pki.issuerChain : o.trusted;
  return {
    server: 'nginx',
    http: [...(o.http ?? [])],
    server_: [
      d('ssl_certificate', o.leafOnly ? l.cert : l.fullchain),
      d('ssl_certificate_key', l.key),
      d('ssl_stapling', 'on'),
      ...(verify ? [d('ssl_stapling_verify', 'on'), ...(trusted ? [d('ssl_trusted_certificate', trusted)] : [])] : []),
      ...(o.server ?? []),
    ],
  };
}

const NGINX_FETCH_WAIT = { count: 3, pauseMs: 1_000 };

/** Every scenario, in table order (healthy first). */
export const SCENARIOS: Scenario[] = [
  // ── healthy ──────────────────────────────────────────────────────────────────────────────
  {
    server: 'apache',
    name: 'healthy',
    title: 'full chain, responder up: stapling works',
    leaf: 'good',
    expected: [],
    configCaused: true,
    why: 'nothing is wrong; Apache logs only start-up notices',
    site: (e) => apache(e, 'good'),
    stapleBefore: 'good',
    closeLoop: { open: 'nothing to fix' },
  },
  {
    server: 'nginx',
    name: 'healthy',
    title: 'full chain, verified responses, responder up: stapling works',
    leaf: 'good',
    expected: [],
    configCaused: true,
    why: 'nothing is wrong; nginx logs nothing',
    site: (e) => nginx(e, 'good'),
    stapleBefore: 'good',
    closeLoop: { open: 'nothing to fix' },
  },
  // ── issuer / chain missing ───────────────────────────────────────────────────────────────
  {
    server: 'apache',
    name: 'issuer-missing',
    title: 'SSLCertificateFile holds the leaf only (no intermediate)',
    leaf: 'good',
    expected: ['issuer-certificate-missing'],
    configCaused: true,
    fixDirective: 'SSLCertificateFile',
    why: '§2.1/§2.8 seq. 1: AH02217 "can\'t retrieve issuer certificate!" (subject ≠ issuer) + AH02604',
    site: (e) => apache(e, 'good', { leafOnly: true }),
    closeLoop: 'staple-good',
    inspect: { cause: 'issuer-certificate-missing', missing: [INTERMEDIATE_SUBJECT] },
  },
  {
    server: 'nginx',
    name: 'issuer-missing',
    title: 'ssl_certificate holds the leaf only (no intermediate), ssl_stapling on',
    leaf: 'good',
    expected: ['issuer-certificate-missing'],
    configCaused: true,
    fixDirective: 'ssl_certificate',
    why: '§3.1: start-up warn "\\"ssl_stapling\\" ignored, issuer certificate not found for certificate …" (on stderr)',
    site: (e) => nginx(e, 'good', { leafOnly: true, verify: false }),
    closeLoop: 'staple-good',
    inspect: { cause: 'issuer-certificate-missing', missing: [INTERMEDIATE_SUBJECT] },
  },
  // ── self-signed ──────────────────────────────────────────────────────────────────────────
  {
    server: 'apache',
    name: 'self-signed',
    title: 'a self-signed certificate with SSLUseStapling on',
    leaf: 'self-signed',
    expected: ['self-signed-certificate'],
    configCaused: true,
    fixDirective: 'SSLUseStapling',
    why: '§1.3/§5: AH02217 whose [subject … / issuer …] suffix has subject = issuer',
    site: (e) => apache(e, 'self-signed'),
    closeLoop: 'stapling-off',
    inspect: { cause: 'self-signed-certificate' },
  },
  {
    server: 'nginx',
    name: 'self-signed',
    title: 'a self-signed certificate with ssl_stapling on',
    leaf: 'self-signed',
    expected: ['issuer-certificate-missing'],
    configCaused: true,
    fixDirective: 'ssl_certificate',
    why: '§3.1/§5: nginx writes the same "issuer certificate not found" warning as for a missing intermediate and prints no subject/issuer, so the log supports only issuer-certificate-missing',
    site: (e) => nginx(e, 'self-signed', { verify: false }),
    closeLoop: {
      open: 'the log cannot show that the certificate is self-signed; the issuer-missing fix (full chain) does not apply to a self-signed certificate',
    },
    inspect: { cause: 'self-signed-certificate' },
  },
  // ── no OCSP URL ──────────────────────────────────────────────────────────────────────────
  {
    server: 'apache',
    name: 'no-ocsp-url',
    title: "the certificate has no AIA OCSP URI (like Let's Encrypt since 2025)",
    leaf: 'no-ocsp-url',
    expected: ['ocsp-url-missing'],
    configCaused: true,
    fixDirective: 'SSLUseStapling',
    why: '§2.1/§2.8 seq. 2: AH02218 "no OCSP URI in certificate and no SSLStaplingForceURL set" + AH02604',
    site: (e) => apache(e, 'no-ocsp-url'),
    closeLoop: 'stapling-off',
    inspect: { cause: 'ocsp-url-missing' },
  },
  {
    server: 'nginx',
    name: 'no-ocsp-url',
    title: "the certificate has no AIA OCSP URI (like Let's Encrypt since 2025)",
    leaf: 'no-ocsp-url',
    expected: ['ocsp-url-missing'],
    configCaused: true,
    fixDirective: 'ssl_stapling',
    why: '§3.1: start-up warn "\\"ssl_stapling\\" ignored, no OCSP responder URL in the certificate …"',
    site: (e) => nginx(e, 'no-ocsp-url'),
    closeLoop: 'stapling-off',
    inspect: { cause: 'ocsp-url-missing' },
  },
  // ── trusted chain (nginx verifies responses) ─────────────────────────────────────────────
  {
    server: 'nginx',
    name: 'trusted-certificate-missing',
    title: 'ssl_stapling_verify on without ssl_trusted_certificate',
    leaf: 'good',
    expected: ['trusted-chain-incomplete'],
    configCaused: true,
    fixDirective: 'ssl_trusted_certificate',
    why: '§3.2/§4.2: "OCSP_basic_verify() failed (… Verify error: unable to get local issuer certificate)"',
    site: (e) => nginx(e, 'good', { trusted: null }),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: 'staple-good',
    inspect: { cause: 'trusted-chain-incomplete', missing: [ROOT_SUBJECT] },
  },
  {
    server: 'nginx',
    name: 'trusted-certificate-incomplete',
    title: 'ssl_trusted_certificate holds the intermediate but not the root',
    leaf: 'good',
    expected: ['trusted-chain-incomplete'],
    configCaused: true,
    fixDirective: 'ssl_trusted_certificate',
    why: '§3.2/§4.2: "OCSP_basic_verify() failed (… Verify error: unable to get issuer certificate)"',
    site: (e) => nginx(e, 'good', { trusted: e.pki.inter.cert }),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: 'staple-good',
    inspect: { cause: 'trusted-chain-incomplete', missing: [ROOT_SUBJECT] },
  },
  {
    server: 'nginx',
    name: 'trusted-certificate-unreadable',
    title: 'ssl_trusted_certificate names a file that does not exist: nginx refuses to start',
    leaf: 'good',
    // The same words serve ssl_client_certificate: the line is a stapling finding only with --config.
    expected: [],
    configCaused: true,
    why: '§3.1: emerg "SSL_CTX_load_verify_locations("…") failed (SSL: … No such file or directory …)" at start-up, on stderr; tied to stapling by --config (rule nginx-trusted-certificate-unreadable)',
    site: (e) => nginx(e, 'good', { trusted: `${e.pki.dir}/no-such-trusted-bundle.pem` }),
    refusesToStart: true,
    closeLoop: { open: 'reported only with --config (the plain analysis has no finding, so no fix to apply)' },
    inspect: { cause: 'trusted-chain-incomplete' },
  },
  // ── responder down / timeout ─────────────────────────────────────────────────────────────
  {
    server: 'apache',
    name: 'responder-down',
    title: 'nothing listens on the responder port',
    leaf: 'responder-down',
    expected: ['responder-unreachable'],
    fixDirective: null,
    why: '§2.3/§2.8 seq. 3: "(111)Connection refused: [client …] AH01974: could not connect to OCSP responder …" + AH01941',
    site: (e) => apache(e, 'responder-down'),
    closeLoop: { open: 'a network fault: the fix is to let the server reach the responder, not a directive' },
  },
  {
    server: 'nginx',
    name: 'responder-down',
    title: 'nothing listens on the responder port',
    leaf: 'responder-down',
    expected: ['responder-unreachable'],
    fixDirective: null,
    why: '§3.2: on loopback the refusal arrives after the non-blocking connect, so nginx writes "recv() failed (111: Connection refused) while requesting certificate status …" then "OCSP responder prematurely closed connection …" (not "connect() … failed")',
    site: (e) => nginx(e, 'responder-down'),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: { open: 'a network fault: the fix is to let the server reach the responder, not a directive' },
  },
  {
    server: 'apache',
    name: 'responder-timeout',
    title: 'the responder accepts and never answers (SSLStaplingResponderTimeout 2)',
    leaf: 'responder-silent',
    expected: ['responder-timeout'],
    fixDirective: 'SSLStaplingResponderTimeout',
    why: '§2.3/§2.8 seq. 4: "(70007)The timeout specified has expired: … AH01977: failed reading line from OCSP server" + AH01980 "(none)" + AH01941',
    site: (e) => apache(e, 'responder-silent', { global: [d('SSLStaplingResponderTimeout', '2')] }),
    closeLoop: { open: 'the responder never answers: a longer SSLStaplingResponderTimeout cannot help' },
  },
  {
    server: 'apache',
    name: 'responder-slow',
    title: 'the responder answers after 4 s, SSLStaplingResponderTimeout is 2',
    leaf: 'responder-slow',
    expected: ['responder-timeout'],
    fixDirective: 'SSLStaplingResponderTimeout',
    why: '§2.3/§5 "slow responder": the same AH01977 (70007) + AH01980 "(none)" + AH01941 as a silent one; the fix raises SSLStaplingResponderTimeout',
    site: (e) => apache(e, 'responder-slow', { global: [d('SSLStaplingResponderTimeout', '2')] }),
    closeLoop: 'staple-good',
  },
  {
    server: 'nginx',
    name: 'responder-timeout',
    title: 'the responder accepts and never answers (nginx waits its fixed 60 s)',
    leaf: 'responder-silent',
    expected: ['responder-timeout'],
    fixDirective: null,
    why: '§3.2: "OCSP responder timed out (110: Connection timed out) while requesting certificate status …" after nginx\'s fixed 60 s',
    site: (e) => nginx(e, 'responder-silent'),
    traffic: { count: 2, pauseMs: 1_000, waitForLog: /timed out/, waitMs: 80_000 },
    closeLoop: { open: 'the responder never answers; nginx has no directive for it' },
  },
  // ── DNS ──────────────────────────────────────────────────────────────────────────────────
  {
    server: 'apache',
    name: 'dns-failure',
    title: 'the responder host name does not resolve (NXDOMAIN)',
    leaf: 'responder-nxdomain',
    expected: ['dns-resolution-failed'],
    fixDirective: null,
    why: '§2.3/§5: "(EAI 2)Name or service not known: [client …] AH01972: could not resolve address of OCSP responder …" + AH01941',
    site: (e) => apache(e, 'responder-nxdomain'),
    closeLoop: { open: 'Apache uses the system resolver; the fix is DNS itself (or SSLOCSPProxyURL, an alternative step)' },
  },
  {
    server: 'nginx',
    name: 'dns-failure-at-start',
    title: 'the responder host name does not resolve when nginx starts (NXDOMAIN)',
    leaf: 'responder-nxdomain',
    expected: ['dns-resolution-failed'],
    fixDirective: null,
    why: '§3.1/§5: start-up warn "\\"ssl_stapling\\" ignored, host not found in OCSP responder \\"…\\" in the certificate …" (getaddrinfo at start)',
    site: (e) => nginx(e, 'responder-nxdomain'),
    closeLoop: { open: 'nginx resolves the responder with the system resolver at start-up; a resolver directive does not change that' },
  },
  {
    server: 'nginx',
    name: 'dns-failure-resolver',
    title: 'the configured resolver does not know the responder name (NXDOMAIN)',
    leaf: 'responder-hosts-only',
    expected: ['dns-resolution-failed'],
    fixDirective: 'resolver',
    why: '§3.2: "ocsp.stapling.test could not be resolved (3: Host not found) while requesting certificate status …"',
    site: (e) => nginx(e, 'responder-hosts-only', { http: [d('resolver', e.siteDns)] }),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: 'staple-good',
  },
  {
    server: 'nginx',
    name: 'resolver-missing',
    title: 'no resolver directive; the responder name is only in /etc/hosts',
    leaf: 'responder-hosts-only',
    expected: ['resolver-missing'],
    configCaused: true,
    fixDirective: 'resolver',
    why: '§3.2/§3.6: warn "no resolver defined to resolve ocsp.stapling.test while requesting certificate status …" (stapling still works with the start-up address)',
    site: (e) => nginx(e, 'responder-hosts-only'),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: 'staple-good',
  },
  // ── not an OCSP responder / responder refuses ────────────────────────────────────────────
  {
    server: 'apache',
    name: 'not-ocsp-responder',
    title: 'the OCSP URL answers with an HTML page (captive portal)',
    leaf: 'captive-portal',
    expected: ['responder-bad-response'],
    fixDirective: 'SSLStaplingForceURL',
    why: '§2.3/§2.8 seq. 5: "AH01988: failed to decode OCSP response data" + "SSL Library Error: …" + AH01941',
    site: (e) => apache(e, 'captive-portal'),
    closeLoop: { open: 'the fix is to check the URL / proxy (a "check" step), nothing to set' },
  },
  {
    server: 'nginx',
    name: 'not-ocsp-responder',
    title: 'the OCSP URL answers with an HTML page (captive portal)',
    leaf: 'captive-portal',
    expected: ['responder-bad-response'],
    fixDirective: 'ssl_stapling_responder',
    why: '§3.2: "OCSP responder sent invalid \\"Content-Type\\" header: \\"text/html\\" while requesting certificate status …"',
    site: (e) => nginx(e, 'captive-portal'),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: { open: 'the fix is to check the URL / proxy (a "check" step), nothing to set' },
  },
  {
    server: 'apache',
    name: 'responder-refuses',
    title: 'the OCSP URL answers HTTP 404',
    leaf: 'responder-404',
    expected: ['responder-error-status'],
    fixDirective: 'SSLStaplingForceURL',
    why: '§2.3: "AH01980: bad response from OCSP server: 404 Not Found" + AH01941 (an OCSP "unauthorized" would be invisible: AH01944 is debug-only)',
    site: (e) => apache(e, 'responder-404'),
    closeLoop: { open: 'the responder refuses; the fix is to check the URL, nothing to set' },
  },
  {
    server: 'nginx',
    name: 'responder-refuses',
    title: 'the responder answers OCSP status "unauthorized"',
    leaf: 'responder-unauthorized',
    expected: ['responder-error-status'],
    fixDirective: 'ssl_stapling_responder',
    why: '§3.2: "OCSP response not successful (6: unauthorized) while requesting certificate status …" (an HTTP 404 would be silent in nginx)',
    site: (e) => nginx(e, 'responder-unauthorized'),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: { open: 'the responder refuses; the fix is to check the URL, nothing to set' },
  },
  // ── certificate status ───────────────────────────────────────────────────────────────────
  {
    server: 'apache',
    name: 'revoked',
    title: 'the CA has revoked the certificate (keyCompromise)',
    leaf: 'revoked',
    expected: ['certificate-revoked'],
    fixDirective: 'SSLCertificateFile',
    why: '§2.2: "AH02969: stapling_check_response: response has certificate status revoked (reason: keyCompromise) for serial number …" — alone: 2.4.68 writes no AH01943 after it (the catalogue\'s seq. 6 has one), and staples the revoked response',
    site: (e) => apache(e, 'revoked'),
    closeLoop: { open: 'the fix is a new certificate (replace-certificate), not a directive value' },
  },
  {
    server: 'nginx',
    name: 'revoked',
    title: 'the CA has revoked the certificate (keyCompromise)',
    leaf: 'revoked',
    expected: ['certificate-revoked'],
    fixDirective: 'ssl_certificate',
    why: '§3.2: "certificate status \\"revoked\\" in the OCSP response while requesting certificate status …"',
    site: (e) => nginx(e, 'revoked'),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: { open: 'the fix is a new certificate (replace-certificate), not a directive value' },
  },
  {
    server: 'apache',
    name: 'status-unknown',
    title: 'the responder does not know the certificate (not in its index)',
    leaf: 'unlisted',
    expected: ['certificate-status-unknown'],
    fixDirective: 'SSLStaplingForceURL',
    why: '§2.2: "AH02969: stapling_check_response: response has certificate status unknown (reason: n/a) for serial number …" (alone, no AH01943 in 2.4.68)',
    site: (e) => apache(e, 'unlisted'),
    closeLoop: { open: 'the CA must know the certificate; nothing to set' },
  },
  {
    server: 'nginx',
    name: 'status-unknown',
    title: 'the responder does not know the certificate (not in its index)',
    leaf: 'unlisted',
    expected: ['certificate-status-unknown'],
    fixDirective: 'ssl_stapling_responder',
    why: '§3.2: "certificate status \\"unknown\\" in the OCSP response while requesting certificate status …"',
    site: (e) => nginx(e, 'unlisted'),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: { open: 'the CA must know the certificate; nothing to set' },
  },
  {
    server: 'apache',
    name: 'foreign-signer',
    title: "the responder signs with a foreign CA's key (Apache does not verify)",
    leaf: 'foreign-signed',
    expected: [],
    why: '§1.4: mod_ssl\'s stapling code never calls OCSP_basic_verify, so it staples the foreign-signed "good" response silently — nothing in the log',
    site: (e) => apache(e, 'foreign-signed'),
    stapleBefore: 'good',
    closeLoop: { open: 'Apache logs nothing to act on' },
  },
  {
    server: 'nginx',
    name: 'foreign-signer',
    title: "the responder signs with a foreign CA's key; ssl_trusted_certificate is complete",
    leaf: 'foreign-signed',
    expected: ['trusted-chain-incomplete'],
    fixDirective: 'ssl_trusted_certificate',
    why: '§4.2: the foreign signer cannot be chained to the trusted store, so nginx writes the same "OCSP_basic_verify() failed (… unable to get local issuer certificate)" line as for a missing trusted chain — the log supports only trusted-chain-incomplete',
    site: (e) => nginx(e, 'foreign-signed'),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: { open: 'ssl_trusted_certificate is already complete: the real fault is the responder, which the log cannot show' },
    inspect: { cause: 'response-signature-invalid' },
  },
  {
    server: 'nginx',
    name: 'signer-not-delegated',
    title: 'the responder signs with a certificate of the CA that lacks the OCSPSigning usage',
    leaf: 'signed-without-ocsp-usage',
    expected: ['response-signature-invalid'],
    fixDirective: null,
    why: '§4.1: "OCSP_basic_verify() failed (SSL: …missing ocspsigning usage … root ca not trusted)": the chain verifies, the signer is not a valid delegate (Apache would staple it silently, as for the foreign signer)',
    site: (e) => nginx(e, 'signed-without-ocsp-usage'),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: { open: 'a CA/responder fault: nothing in the server configuration to set' },
    inspect: { cause: 'response-signature-invalid' },
  },
  {
    server: 'apache',
    name: 'stale-response',
    title: 'the responder serves a response that expired two days ago',
    leaf: 'stale-response',
    expected: ['response-not-current'],
    fixDirective: null,
    why: '§2.2: "AH01936: stapling_check_response: response times invalid" + AH01943',
    site: (e) => apache(e, 'stale-response'),
    closeLoop: { open: 'the responder serves stale data; the server clock is right' },
  },
  {
    server: 'nginx',
    name: 'stale-response',
    title: 'the responder serves a response that expired two days ago',
    leaf: 'stale-response',
    expected: ['response-not-current'],
    fixDirective: null,
    why: '§3.2/§4.1: "OCSP_check_validity() failed (SSL: error:1380007D:OCSP routines::status expired) while requesting certificate status …"',
    site: (e) => nginx(e, 'stale-response'),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: { open: 'the responder serves stale data; the server clock is right' },
  },
  {
    server: 'apache',
    name: 'certid-mismatch',
    title: 'the responder answers about another certificate',
    leaf: 'other-cert-response',
    expected: ['certid-mismatch'],
    fixDirective: 'SSLCertificateFile',
    why: '§2.2: "AH01935: stapling_check_response: certificate ID not present in response!" + AH01943 on the fetch, AH01935 alone when the cached response is checked again',
    site: (e) => apache(e, 'other-cert-response'),
    closeLoop: { open: 'the chain is right; the responder answers for the wrong certificate' },
  },
  {
    server: 'nginx',
    name: 'certid-mismatch',
    title: 'the responder answers about another certificate',
    leaf: 'other-cert-response',
    expected: ['certid-mismatch'],
    fixDirective: 'ssl_certificate',
    why: '§3.2: "certificate status not found in the OCSP response while requesting certificate status …"',
    site: (e) => nginx(e, 'other-cert-response'),
    traffic: NGINX_FETCH_WAIT,
    closeLoop: { open: 'the chain is right; the responder answers for the wrong certificate' },
  },
  // ── configuration of stapling itself ─────────────────────────────────────────────────────
  {
    server: 'apache',
    name: 'stapling-cache-missing',
    title: 'SSLUseStapling on without SSLStaplingCache: httpd refuses to start',
    leaf: 'good',
    expected: ['stapling-cache-problem'],
    configCaused: true,
    fixDirective: 'SSLStaplingCache',
    why: '§2.1: "AH01958: SSLStapling: no stapling cache available" (emerg) + AH02311 "Fatal error initialising mod_ssl, exiting."',
    site: (e) => apache(e, 'good', { noCache: true }),
    refusesToStart: true,
    closeLoop: 'staple-good',
  },
  {
    server: 'nginx',
    name: 'stapling-file-invalid',
    title: 'ssl_stapling_file names a PEM certificate, not a DER OCSP response: nginx refuses to start',
    leaf: 'good',
    expected: ['stapling-file-error'],
    configCaused: true,
    fixDirective: null,
    why: '§3.1: emerg "d2i_OCSP_RESPONSE_bio("…") failed (SSL: …)" at start-up, on stderr',
    site: (e) => nginx(e, 'good', { server: [d('ssl_stapling_file', e.pki.leaves.good!.cert)] }),
    refusesToStart: true,
    closeLoop: { open: 'the fix is to regenerate the file with a command (a "run" step with placeholders), not a directive value' },
  },
  {
    server: 'apache',
    name: 'https-responder-url',
    title: 'SSLStaplingForceURL names an https:// responder',
    leaf: 'good',
    expected: ['responder-url-invalid'],
    configCaused: true,
    fixDirective: 'SSLStaplingForceURL',
    why: '§2.2/§2.8 seq. 3b: "AH01940: stapling_renew_response: Unsupported uri https://…" + AH01955 (the handshake is aborted)',
    site: (e) => apache(e, 'good', { vhost: [d('SSLStaplingForceURL', e.urls.caHttps)] }),
    closeLoop: 'staple-good',
    inspect: { cause: 'responder-url-invalid' },
  },
  {
    server: 'nginx',
    name: 'https-responder-url',
    title: 'ssl_stapling_responder names an https:// responder',
    leaf: 'good',
    expected: ['responder-url-invalid'],
    configCaused: true,
    fixDirective: 'ssl_stapling_responder',
    why: '§3.1: start-up warn "\\"ssl_stapling\\" ignored, invalid URL prefix in OCSP responder \\"https://…\\" in the certificate …"',
    site: (e) => nginx(e, 'good', { server: [d('ssl_stapling_responder', e.urls.caHttps)] }),
    closeLoop: 'staple-good',
    inspect: { cause: 'responder-url-invalid' },
  },
  // ── one certificate, two blocks (issue 13) ──────────────────────────────────────────────
  {
    server: 'nginx',
    name: 'shared-certificate',
    title: `two server blocks share the certificate; ${SECOND_HOST} trusts only the intermediate`,
    leaf: 'good',
    expected: ['trusted-chain-incomplete'],
    configCaused: true,
    fixDirective: 'ssl_trusted_certificate',
    why: `§3.2/§4.2: each server block staples on its own and verifies with its own ssl_trusted_certificate; the fetch for ${SECOND_HOST} fails with "OCSP_basic_verify() failed (… unable to get issuer certificate)", a line that names only the certificate both blocks use`,
    site: (e) => {
      const l = leafOf(e, 'good');
      const second = [d('ssl_certificate', l.fullchain), d('ssl_certificate_key', l.key), d('ssl_stapling', 'on')];
      second.push(d('ssl_stapling_verify', 'on'), d('ssl_trusted_certificate', e.pki.inter.cert));
      return { ...nginx(e, 'good'), servers: [{ name: SECOND_HOST, directives: second }] };
    },
    traffic: { ...NGINX_FETCH_WAIT, servernames: [TEST_HOST, SECOND_HOST] },
    closeLoop: {
      open: `the fix appends the root to the file the ${SECOND_HOST} block names; the harness sets directive values of the first block only`,
    },
    inspect: { cause: 'trusted-chain-incomplete', missing: [ROOT_SUBJECT] },
    blockVerdicts: { [TEST_HOST]: 'response-signature-invalid confirmed', [SECOND_HOST]: 'trusted-chain-incomplete confirmed' },
  },
  {
    server: 'apache',
    name: 'shared-certificate',
    title: `two VirtualHosts share the leaf-only certificate; ${SECOND_HOST}'s SSLCACertificateFile holds a foreign CA`,
    leaf: 'good',
    expected: ['issuer-certificate-missing'],
    configCaused: true,
    fixDirective: 'SSLCertificateFile',
    why: `§2.1: mod_ssl looks for the issuer per VirtualHost (the chain, then its SSLCACertificateFile): AH02217 + AH02604 "Unable to configure certificate ${SECOND_HOST}:PORT:0 for stapling" for the second one only`,
    site: (e) => {
      const l = leafOf(e, 'good');
      const second = [d('SSLCertificateFile', l.cert), d('SSLCertificateKeyFile', l.key), d('SSLUseStapling', 'on')];
      second.push(d('SSLCACertificateFile', e.pki.foreignRoot.cert));
      return {
        ...apache(e, 'good', { leafOnly: true, vhost: [d('SSLCACertificateFile', e.pki.issuerChain)] }),
        vhosts: [{ name: SECOND_HOST, directives: second }],
      };
    },
    traffic: { servernames: [TEST_HOST, SECOND_HOST] },
    closeLoop: {
      open: `the fix completes the certificate file of the ${SECOND_HOST} VirtualHost; the harness sets directive values of the first one only`,
    },
    inspect: { cause: 'issuer-certificate-missing', missing: [INTERMEDIATE_SUBJECT] },
    blockVerdicts: { [SECOND_HOST]: 'issuer-certificate-missing confirmed' },
  },
];

/** `apache-issuer-missing`. */
export const scenarioId = (s: Scenario): string => `${s.server}-${s.name}`;
