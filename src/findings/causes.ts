/**
 * The cause vocabulary: what each cause means, the sentence a finding says, and the fix in each
 * server's own directives. All wording of findings lives here (formatters only lay it out).
 *
 * Fixes follow the root-cause → fix map of the reference catalogue (`stapling-messages.md` §5) and
 * the directive documentation of Apache httpd mod_ssl 2.4 and nginx `ngx_http_ssl_module`.
 */
import type { CauseId, Fix, FixStep, FindingSubject, MissingCertificate, Server, Severity, Values } from '../types.js';
import { parseOpensslTime } from '../parse/apache-cert.js';
import { MISSING } from '../confirm-wording.js';

/**
 * What `--inspect` learned from the certificate files, for the sentence and the fix: the certificates
 * to add (by subject, with their CA Issuers URL), the files involved, expiry and Let's Encrypt.
 * Produced by `inspect/inspect.ts`; absent without `--inspect`.
 */
export interface InspectionFacts {
  missing: MissingCertificate[];
  /** The certificate file inspected, as named. */
  certificateFile?: string;
  /** The configured trusted bundle files (empty when none is configured or no config was given). */
  trustedFiles: string[];
  /** A configuration was given, so an empty `trustedFiles` means none is configured. */
  haveConfig: boolean;
  /** The certificate's notAfter when it has expired. */
  expiredOn?: string;
  /** The certificate was issued by Let's Encrypt. */
  letsEncrypt?: boolean;
}

/** Static description of a cause (README cause table, `--list-causes`). */
export interface CauseInfo {
  id: CauseId;
  /** Short title. */
  title: string;
  /** What it means, one or two sentences. */
  meaning: string;
  /** The fix in a few words, per server (`-` when the server cannot produce the cause). */
  fixApache: string;
  fixNginx: string;
  /** Severity most rules signalling it use. */
  severity: Severity;
}

export const CAUSES: Record<CauseId, CauseInfo> = {
  'issuer-certificate-missing': {
    id: 'issuer-certificate-missing',
    title: 'Issuer certificate missing',
    severity: 'warning',
    meaning:
      'The server cannot find the certificate of the CA that issued its certificate (the intermediate), so it cannot build an OCSP request and staples nothing.',
    fixApache:
      'Append the intermediate(s) to `SSLCertificateFile` (2.4.8+) or set `SSLCertificateChainFile`; or put the issuer into `SSLCACertificateFile`.',
    fixNginx: 'Point `ssl_certificate` at the full chain (certificate + intermediates), or put the issuer into `ssl_trusted_certificate`.',
  },
  'self-signed-certificate': {
    id: 'self-signed-certificate',
    title: 'Self-signed certificate',
    severity: 'warning',
    meaning: 'The certificate is its own issuer: there is no CA and no OCSP responder, so it can never be stapled.',
    fixApache: '`SSLUseStapling off` in that virtual host.',
    fixNginx: '`ssl_stapling off;` in that server block.',
  },
  'ocsp-url-missing': {
    id: 'ocsp-url-missing',
    title: 'No OCSP URL in the certificate',
    severity: 'warning',
    meaning:
      "The certificate has no OCSP responder URL (AIA extension) and none is configured. Let's Encrypt certificates issued since May 2025 have none: it ended its OCSP service in 2025.",
    fixApache: '`SSLUseStapling off`; only for a CA that runs a responder: `SSLStaplingForceURL http://…`.',
    fixNginx: '`ssl_stapling off;`; only for a CA that runs a responder: `ssl_stapling_responder http://…;`.',
  },
  'stapling-unsupported': {
    id: 'stapling-unsupported',
    title: 'Stapling not supported by this build',
    severity: 'warning',
    meaning: 'The server or its TLS library was built without OCSP stapling support, so the stapling directives are ignored or rejected.',
    fixApache: 'Load mod_ssl from httpd 2.4 built with OCSP support, or remove `SSLUseStapling`.',
    fixNginx: 'Use an nginx built against OpenSSL with OCSP, or remove `ssl_stapling`.',
  },
  'trusted-chain-incomplete': {
    id: 'trusted-chain-incomplete',
    title: 'Trusted chain incomplete',
    severity: 'warning',
    meaning:
      "The OCSP response's signer could not be verified: the trusted certificates lack the intermediate and/or root CA that issued it.",
    fixApache: '- (mod_ssl does not verify stapled responses)',
    fixNginx: 'Put the intermediate(s) and the root CA into `ssl_trusted_certificate`; or `ssl_stapling_verify off;`.',
  },
  'response-signature-invalid': {
    id: 'response-signature-invalid',
    title: 'Response signature or signer invalid',
    severity: 'warning',
    meaning:
      'The OCSP response is signed by a key or certificate the CA did not authorise for this certificate (bad signature, missing OCSP-signing usage, untrusted root, foreign responder).',
    fixApache: "Check `SSLStaplingForceURL` points at the issuing CA's responder; otherwise a CA problem.",
    fixNginx: "Check `ssl_stapling_responder` points at the issuing CA's responder; otherwise a CA problem.",
  },
  'responder-url-invalid': {
    id: 'responder-url-invalid',
    title: 'Responder URL unusable',
    severity: 'warning',
    meaning: 'The OCSP responder URL (from the certificate or the configuration) is not a plain http:// URL the server can use.',
    fixApache: '`SSLStaplingForceURL http://…` with an http URL, or `SSLUseStapling off`.',
    fixNginx: '`ssl_stapling_responder http://…;` with an http URL, or `ssl_stapling off;`.',
  },
  'resolver-missing': {
    id: 'resolver-missing',
    title: 'No resolver for the responder',
    severity: 'notice',
    meaning:
      'nginx has no `resolver`, so it cannot look up the responder host at run time and keeps using the addresses it resolved at start-up.',
    fixApache: '-',
    fixNginx: '`resolver <DNS server>;` (and `resolver_timeout 5s;`) in `http` or `server`.',
  },
  'dns-resolution-failed': {
    id: 'dns-resolution-failed',
    title: 'Responder name did not resolve',
    severity: 'warning',
    meaning: "The responder host name could not be resolved by the server's DNS resolver.",
    fixApache: 'Fix the system resolver (`/etc/resolv.conf`), allow DNS egress, or `SSLOCSPProxyURL`.',
    fixNginx: 'Point `resolver` at a working recursive DNS server; make DNS available before nginx starts.',
  },
  'responder-unreachable': {
    id: 'responder-unreachable',
    title: 'Responder unreachable',
    severity: 'warning',
    meaning:
      'The server could not connect to the OCSP responder (refused, no route, network unreachable), usually an egress firewall or broken IPv6.',
    fixApache: 'Allow outbound TCP/80 to the responder, fix IPv6, or set `SSLOCSPProxyURL`.',
    fixNginx: 'Allow outbound TCP/80 to the responder; `resolver … ipv6=off;` when IPv6 is broken.',
  },
  'responder-timeout': {
    id: 'responder-timeout',
    title: 'Responder timed out',
    severity: 'warning',
    meaning: 'The OCSP responder did not answer in time (packets dropped by a firewall, or a slow responder).',
    fixApache: 'Allow outbound TCP/80; raise `SSLStaplingResponderTimeout`.',
    fixNginx: "Allow outbound TCP/80 to the responder (nginx's 60 s responder timeout is fixed).",
  },
  'responder-bad-response': {
    id: 'responder-bad-response',
    title: 'Responder sent no OCSP response',
    severity: 'warning',
    meaning:
      'What came back was not an OCSP response (empty, not HTTP, an HTML page, wrong Content-Type): a wrong URL or an intercepting proxy.',
    fixApache: 'Check the URL with `openssl ocsp`; fix `SSLStaplingForceURL` or the proxy.',
    fixNginx: 'Check the URL with `openssl ocsp`; fix `ssl_stapling_responder` or the proxy.',
  },
  'responder-error-status': {
    id: 'responder-error-status',
    title: 'Responder refused',
    severity: 'warning',
    meaning:
      'The responder answered with an error: an HTTP error status, or an OCSP status such as unauthorized (it does not serve this certificate) or tryLater (CA outage).',
    fixApache: 'Check the responder URL and issuer; `SSLStaplingReturnResponderErrors off`.',
    fixNginx: 'Check the responder URL and issuer; `ssl_stapling off;` if the CA stopped OCSP.',
  },
  'response-not-current': {
    id: 'response-not-current',
    title: 'Response not current',
    severity: 'warning',
    meaning: "The OCSP response's thisUpdate/nextUpdate do not cover the current time: a stale responder or a wrong server clock.",
    fixApache: 'Check the clock (NTP); `SSLStaplingResponseTimeSkew`/`SSLStaplingResponseMaxAge`.',
    fixNginx: 'Check the clock (NTP); otherwise the CA serves stale responses.',
  },
  'certificate-revoked': {
    id: 'certificate-revoked',
    title: 'Certificate revoked',
    severity: 'error',
    meaning: "The CA's responder says the server certificate is revoked. Clients that check will refuse it.",
    fixApache: 'Replace the certificate now.',
    fixNginx: 'Replace the certificate now.',
  },
  'certificate-status-unknown': {
    id: 'certificate-status-unknown',
    title: 'Certificate unknown to the responder',
    severity: 'warning',
    meaning:
      "The responder does not know the certificate: a responder of another CA, a wrong issuer, or a certificate too new for the CA's OCSP data.",
    fixApache: 'Check `SSLStaplingForceURL` and the issuer; `SSLStaplingReturnResponderErrors off`.',
    fixNginx: 'Check `ssl_stapling_responder` and the issuer certificate.',
  },
  'certid-mismatch': {
    id: 'certid-mismatch',
    title: 'CertID mismatch',
    severity: 'warning',
    meaning:
      "The response does not contain the certificate asked about: the request was built with the wrong issuer (wrong intermediate in the chain) or sent to another CA's responder.",
    fixApache: 'Put the real issuing intermediate first in the chain; fix `SSLStaplingForceURL`.',
    fixNginx: 'Put the real issuing intermediate in `ssl_certificate`; fix `ssl_stapling_responder`.',
  },
  'stapling-cache-problem': {
    id: 'stapling-cache-problem',
    title: 'Stapling cache missing or failing',
    severity: 'warning',
    meaning:
      'Apache has no usable `SSLStaplingCache` (httpd does not start without one when `SSLUseStapling on`), or the cache is full or broken.',
    fixApache: '`SSLStaplingCache shmcb:…(32768)` in the server config (not in a VirtualHost); load mod_socache_shmcb.',
    fixNginx: '-',
  },
  'stapling-file-error': {
    id: 'stapling-file-error',
    title: 'Stapling file unusable',
    severity: 'error',
    meaning: 'The file named by `ssl_stapling_file` cannot be read or is not a DER OCSP response.',
    fixApache: '-',
    fixNginx: 'Fix the path or regenerate the file with `openssl ocsp … -respout FILE`.',
  },
  'stapling-init-failed': {
    id: 'stapling-init-failed',
    title: 'Stapling disabled at start-up (reason not in the log)',
    severity: 'warning',
    meaning:
      'Apache turned stapling off for a certificate at start-up, but the line that says why (AH02217, AH02218, …) is not in the input. Added to the vocabulary because the summary line alone still means clients get no staple.',
    fixApache: "Read the lines just before it in that virtual host's ErrorLog; fix what they name.",
    fixNginx: '-',
  },
  'stapling-config-invalid': {
    id: 'stapling-config-invalid',
    title: 'Stapling configuration rejected',
    severity: 'error',
    meaning:
      'A stapling directive has a value or a combination the server refuses (a negative timeout, ssl_stapling with ssl_certificate_compression, MDStapling without mod_watchdog), so it does not start or does not staple. Added because none of the other causes names a rejected directive, and its fix is to correct that directive.',
    fixApache:
      'Correct the directive named in the message (non-negative seconds for the SSLStapling* timeouts; load mod_watchdog for MDStapling).',
    fixNginx: 'Turn off one of `ssl_stapling` and `ssl_certificate_compression`.',
  },
  'stapling-mutex-problem': {
    id: 'stapling-mutex-problem',
    title: 'Stapling mutex failed',
    severity: 'warning',
    meaning:
      'mod_ssl could not create, reopen or take its stapling mutex (ssl-stapling / ssl-stapling-refresh): a `Mutex` setting or lock-directory permission problem. Added because the fix (the `Mutex` directive) differs from every other cause.',
    fixApache:
      'Give the stapling mutexes a working mechanism and a directory the server user can write: `Mutex file:/var/run/apache2 ssl-stapling ssl-stapling-refresh` (or `Mutex default`).',
    fixNginx: '-',
  },
  'stapling-internal-error': {
    id: 'stapling-internal-error',
    title: 'TLS library failed inside stapling',
    severity: 'warning',
    meaning:
      'OpenSSL (or the stapling module) failed internally: out of memory, an unavailable digest/provider, a broken or mismatched build, or a server bug. Not a configuration mistake the log can pin down. Added so that these messages are reported without a misleading configuration fix.',
    fixApache: 'Check memory and the OpenSSL error in the line; check OpenSSL provider/FIPS configuration; update httpd and OpenSSL.',
    fixNginx: 'Check memory and the OpenSSL error in the line; make sure nginx runs with the OpenSSL it was built for; update.',
  },
};

const LE_ISSUER = /Let's Encrypt|O=Let\\?'s Encrypt/i;

/** True when the certificate comes from Let's Encrypt (by issuer DN or by a certbot/Let's Encrypt path). */
export function isLetsEncrypt(s: FindingSubject | Values): boolean {
  return (
    (s.certIssuer !== undefined && LE_ISSUER.test(s.certIssuer)) || (s.certificate !== undefined && /letsencrypt/i.test(s.certificate))
  );
}

/**
 * Cause refinements that need the extracted values rather than the rule:
 * an issuer-missing report whose certificate has subject = issuer is a self-signed certificate.
 */
export function refineCause(cause: CauseId, values: Values): CauseId {
  if (cause === 'issuer-certificate-missing' && values.certSubject !== undefined && values.certSubject === values.certIssuer) {
    return 'self-signed-certificate';
  }
  return cause;
}

/**
 * Whether the certificate had expired when the line that printed it was written.
 *
 * Pure: compares the Apache suffix's `notafter` (OpenSSL time, GMT) with the time of that same line
 * (`loggedAt`, from {@link ParsedLine.time}; read as UTC because Apache error logs carry no zone, so
 * the answer may be off by the server's UTC offset on the day of expiry). Never uses the wall clock.
 * @returns the notAfter text when it lies before the line's time, else null (also when either is unparsable)
 */
export function expiredNotAfter(s: FindingSubject, details: Values): string | null {
  if (!s.notAfter || !details.loggedAt) return null;
  const na = parseOpensslTime(s.notAfter);
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(details.loggedAt);
  if (na === null || !m) return null;
  const at = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return na < at ? s.notAfter : null;
}

/** True when the finding is about Apache's missing SSLStaplingCache (AH01958). */
function cacheMissing(details: Values): boolean {
  return details.detail === 'missing' || details.detail === 'no stapling cache';
}

/** Name the certificate as precisely as the log allows. */
export function certificateLabel(s: FindingSubject): string {
  if (s.certificate) return `certificate "${s.certificate}"`;
  if (s.certSubject) {
    const extra = [s.certIssuer ? `issuer ${s.certIssuer}` : '', s.serial ? `serial ${s.serial}` : ''].filter(Boolean).join(', ');
    return `certificate ${s.certSubject}${extra ? ` (${extra})` : ''}`;
  }
  if (s.vhost) return `the certificate of virtual host ${s.vhost}`;
  return 'the server certificate';
}

function responderLabel(s: FindingSubject): string {
  const r = s.responder ?? s.host ?? s.url;
  if (!r) return 'the OCSP responder';
  const peers = s.peers && s.peers.length > 0 ? ` (${s.peers.slice(0, 3).join(', ')}${s.peers.length > 3 ? ', …' : ''})` : '';
  return `the OCSP responder ${r}${peers}`;
}

function serverName(server: Server | null): string {
  return server === 'apache' ? 'Apache' : server === 'nginx' ? 'nginx' : 'The server';
}

/**
 * A value from the log as one shell word: plain words stay as they are, anything else is single-quoted,
 * so that a copied command never runs text a log line carried (`$(…)`, `;`, backquotes).
 */
function shq(value: string): string {
  return /^[\w.\/:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `host` and `port` to use in the confirmation command, from the vhost (`www.example.com:443:0`). */
function hostPort(s: FindingSubject): { host: string; port: string } {
  const m = s.vhost ? /^(.+?):(\d+)(?::\d+)?$/.exec(s.vhost) : null;
  if (m && m[1] !== '_default_' && m[1] !== '*') return { host: m[1]!, port: m[2]! };
  return { host: 'HOST', port: m?.[2] ?? '443' };
}

/**
 * The cause in one plain sentence, with the values taken from the log.
 * @param details values of the finding's lines (OCSP status, verify error, HTTP status …)
 */
export function describe(cause: CauseId, server: Server | null, s: FindingSubject, details: Values = {}, facts?: InspectionFacts): string {
  const expired = expiredNotAfter(s, details) ?? facts?.expiredOn ?? null;
  const raw = describeCause(cause, server, s, details, facts);
  // Sentences may start with a label ("the server certificate …"); nginx keeps its lower-case name.
  const sentence = raw.startsWith('nginx') ? raw : raw.charAt(0).toUpperCase() + raw.slice(1);
  return expired ? `${sentence} The certificate itself expired on ${expired}: replace it.` : sentence;
}

function describeCause(cause: CauseId, server: Server | null, s: FindingSubject, details: Values, facts?: InspectionFacts): string {
  const srv = serverName(server);
  const cert = certificateLabel(s);
  const resp = responderLabel(s);
  const vhost = s.vhost && !s.certificate && !s.certSubject ? '' : s.vhost ? ` (virtual host ${s.vhost})` : '';
  switch (cause) {
    case 'issuer-certificate-missing':
      return `${srv} cannot find the issuer (intermediate CA) certificate of ${cert}${vhost}, so it staples no OCSP response for it.`;
    case 'self-signed-certificate':
      return `${cert}${vhost} is self-signed (its subject is its issuer): there is no CA responder to ask, so it can never be stapled.`;
    case 'ocsp-url-missing':
      return isLetsEncrypt(s) || facts?.letsEncrypt
        ? `${cert}${vhost} has no OCSP responder URL: Let's Encrypt stopped putting OCSP URLs in certificates in May 2025 and shut its responders down in August 2025, so there is nothing to staple.`
        : `${cert}${vhost} has no OCSP responder URL (no AIA OCSP entry) and none is configured, so there is nothing to staple.`;
    case 'stapling-unsupported':
      return `${srv} ignores OCSP stapling: this build (or its TLS library) has no stapling support.`;
    case 'trusted-chain-incomplete':
      return `${srv} could not verify the signer of the OCSP response for ${cert} from ${resp}${details.verifyError ? ` (${details.verifyError})` : ''}: the trusted certificates lack the CA chain that issued it, so nothing is stapled.`;
    case 'response-signature-invalid':
      return `The OCSP response for ${cert} from ${resp} is not validly signed for it${details.opensslReason ? ` (${details.opensslReason}${details.verifyError ? `: ${details.verifyError}` : ''})` : ''}, so ${srv === 'The server' ? 'the server' : srv} does not staple it.`;
    case 'responder-url-invalid':
      return `${srv} cannot use the OCSP responder URL${s.url ? ` ${s.url}` : ''} for ${cert}${details.detail ? ` (${details.detail}): it must be a well-formed plain http:// URL` : ': only plain http:// responder URLs work'}.`;
    case 'resolver-missing':
      return `nginx has no resolver to look up ${s.host ?? s.responder ?? 'the OCSP responder'} at run time; it keeps using the addresses resolved at start-up, which breaks stapling when the CA's addresses change.`;
    case 'dns-resolution-failed':
      if (!s.host && !s.responder && details.proxy)
        return `${srv} could not resolve the name of its OCSP proxy (SSLOCSPProxyURL) ${details.proxy}${details.errorText ? ` (${details.errorText})` : ''}, so it cannot fetch a response to staple.`;
      if (!s.host && !s.responder && details.resolver)
        return `${srv} could not reach its DNS resolver ${details.resolver}${details.errorText ? ` (${details.errorText})` : ''}, so it cannot resolve the OCSP responder.`;
      return `${srv} could not resolve the OCSP responder name ${s.host ?? s.responder ?? ''}${details.errorText ? ` (${details.errorText})` : ''}, so it cannot fetch a response to staple.`.replace(
        'name  ',
        'name ',
      );
    case 'responder-unreachable':
      if (!s.responder && !s.host && details.proxy)
        return `${srv} could not connect to its OCSP proxy (SSLOCSPProxyURL) ${details.proxy}${details.errorText ? ` (${details.errorText})` : ''}, so it has no fresh OCSP response to staple.`;
      return `${srv} could not connect to ${resp}${details.errorText ? ` (${details.errorText})` : ''}, so it has no fresh OCSP response to staple.`;
    case 'responder-timeout':
      return `${resp} did not answer ${srv === 'The server' ? 'the server' : srv} in time, so it has no fresh OCSP response to staple.`;
    case 'responder-bad-response':
      if (details.bytes && !details.httpStatus)
        return `${resp} sent an OCSP response of ${details.bytes} bytes, more than the server accepts, so it is not stapled (the CA embeds too many certificates).`;
      return `${resp} sent something that is not an OCSP response${details.httpStatus ? ` (${details.httpStatus})` : details.contentType ? ` (Content-Type ${details.contentType})` : ''}: the URL is wrong or a proxy intercepts the request.`;
    case 'responder-error-status':
      return `${resp} refused the OCSP request${details.responseStatus ? ` with status ${details.responseStatus}` : details.httpStatus ? ` with HTTP ${details.httpStatus}` : ''}${cert !== 'the server certificate' ? ` for ${cert}` : ''}, so nothing valid is stapled.`;
    case 'response-not-current':
      return `The OCSP response for ${cert} from ${resp} is not valid now${details.opensslReason ? ` (${details.opensslReason})` : ''}: the responder serves stale data or this server's clock is wrong.`;
    case 'certificate-revoked':
      return `The CA's responder says ${cert}${s.serial && !s.certSubject ? ` (serial ${s.serial})` : ''} is REVOKED${details.revocationReason && details.revocationReason !== 'n/a' ? ` (reason: ${details.revocationReason})` : ''}: clients that check revocation will refuse it.`;
    case 'certificate-status-unknown':
      return `${resp} does not know ${cert}${s.serial && !s.certSubject ? ` (serial ${s.serial})` : ''} (status unknown): it is another CA's responder, the issuer is wrong, or the certificate is too new for it.`;
    case 'certid-mismatch':
      return `The OCSP response from ${resp} does not contain ${cert}: the request was built with the wrong issuer certificate or sent to another CA's responder.`;
    case 'stapling-cache-problem':
      return cacheMissing(details)
        ? 'Apache has SSLUseStapling on but no SSLStaplingCache, so mod_ssl refuses to start.'
        : `Apache's OCSP stapling cache is missing or failing${details.detail ? ` (${details.detail})` : ''}, so responses cannot be stored and stapled.`;
    case 'stapling-file-error':
      return `nginx cannot use the ssl_stapling_file${s.certificate ? '' : ''}${details.file ? ` "${details.file}"` : ''}: it is missing, unreadable or not a DER OCSP response.`;
    case 'stapling-init-failed':
      return `Apache turned OCSP stapling off for ${cert} at start-up; the line that says why is not in the input.`;
    case 'stapling-config-invalid':
      return `${srv} rejects the stapling configuration${details.directive ? ` (${details.directive})` : ''}, so it does not start or does not staple.`;
    case 'stapling-mutex-problem':
      return `Apache could not create, reopen or take its OCSP stapling mutex${details.detail ? ` (${details.detail})` : ''}${details.file ? ` (lock file ${details.file})` : ''}, so stapling cannot work.`;
    case 'stapling-internal-error':
      return `${srv} failed internally while stapling ${cert}${details.opensslReason ? ` (${details.opensslReason})` : details.detail ? ` (${details.detail})` : ''}: out of memory, a broken or mismatched TLS library, or a server bug.`;
  }
}

function step(p: Partial<FixStep> & Pick<FixStep, 'action' | 'text'>): FixStep {
  return { directive: null, value: null, valueKind: null, context: null, ...p };
}

function staplingOff(server: Server | null, where: string): FixStep {
  return server === 'nginx'
    ? step({
        action: 'set',
        directive: 'ssl_stapling',
        value: 'off',
        context: 'server',
        text: `Turn stapling off for it: \`ssl_stapling off;\` in the server block${where}.`,
      })
    : step({
        action: 'set',
        directive: 'SSLUseStapling',
        value: 'off',
        context: 'VirtualHost',
        text: `Turn stapling off for it: \`SSLUseStapling off\` in the <VirtualHost>${where}.`,
      });
}

/** Derive the full-chain path certbot writes next to `cert.pem`. */
function letsEncryptSibling(cert: string | undefined, name: string): string | null {
  if (!cert) return null;
  const m = /^(.*\/letsencrypt\/live\/[^/]+\/)(cert|fullchain|chain|privkey)\.pem$/.exec(cert);
  return m ? `${m[1]}${name}.pem` : null;
}

function verifySteps(server: Server | null, s: FindingSubject): string[] {
  const { host, port } = hostPort(s);
  const probe = `openssl s_client -connect ${shq(`${host}:${port}`)} -servername ${shq(host)} -status </dev/null 2>/dev/null | grep -A2 'OCSP Response Status'`;
  if (server === 'nginx') {
    return [
      'nginx -t && nginx -s reload',
      `${probe}   # run it twice: nginx fetches the response on the first handshake and staples it from the next`,
    ];
  }
  if (server === 'apache') return ['apachectl configtest && apachectl -k graceful   # apache2ctl on Debian', probe];
  return [probe];
}

/** Steps that add a known missing issuer certificate, by subject, to the certificate file. */
function issuerSteps(server: Server | null, m: MissingCertificate, file: string | undefined, cert: string): FixStep[] {
  const nginx = server === 'nginx';
  const directive = nginx ? 'ssl_certificate' : 'SSLCertificateFile';
  const target = file ? `"${file}"` : `the file named by \`${directive}\``;
  const out: FixStep[] = [
    step({
      action: 'set',
      directive,
      valueKind: 'file:leaf-and-chain',
      context: nginx ? 'server' : 'VirtualHost',
      text: `Append the issuing intermediate certificate ${m.subject}${MISSING.where(m.caIssuersUrl)} after ${file ? 'the server certificate' : cert} — in ${target} itself, or in a new full-chain file that \`${directive}\` then names${nginx ? '' : ' (httpd 2.4.8+; older versions: `SSLCertificateChainFile`)'}.`,
    }),
  ];
  if (m.caIssuersUrl) {
    out.push(
      step({
        action: 'run',
        command: `${MISSING.downloadCommand(m.caIssuersUrl, 'issuer.pem')} && cat ${file ?? 'CERT.pem'} issuer.pem > fullchain.pem`,
        text: `Download ${m.subject} from the CA Issuers URL in the certificate and build the full chain${MISSING.downloadNote}.`,
      }),
    );
  }
  out.push(
    nginx
      ? step({
          action: 'set',
          directive: 'ssl_trusted_certificate',
          valueKind: 'file:issuer-chain',
          context: 'server',
          alternative: true,
          text: `Keep the certificate file and name a file holding ${m.subject} (and its root) in \`ssl_trusted_certificate\`.`,
        })
      : step({
          action: 'set',
          directive: 'SSLCACertificateFile',
          valueKind: 'file:issuer',
          context: 'VirtualHost',
          alternative: true,
          text: `Put ${m.subject} into the file named by \`SSLCACertificateFile\`.`,
        }),
  );
  return out;
}

/**
 * The fix for a cause on a server, as concrete steps in the server's own directives, with the values
 * from the log. Steps marked `alternative` replace the ones before them.
 * @param facts what `--inspect` found: when it names a missing certificate, the steps name it by
 *   subject and say where its CA publishes it
 */
export function fixFor(cause: CauseId, server: Server | null, s: FindingSubject, details: Values = {}, facts?: InspectionFacts): Fix {
  const cert = certificateLabel(s);
  const where = s.vhost ? ` for ${s.vhost}` : s.certificate ? ` that uses ${s.certificate}` : '';
  const steps: FixStep[] = [];
  let summary: string;
  const nginx = server === 'nginx';
  const le = isLetsEncrypt(s) || facts?.letsEncrypt === true;
  const missingIssuer = facts?.missing.find((m) => m.role === 'issuer' && m.neededIn === 'certificate-file');
  const file = facts?.certificateFile ?? s.certificate;
  switch (cause) {
    case 'issuer-certificate-missing': {
      if (missingIssuer) {
        steps.push(...issuerSteps(server, missingIssuer, file, cert));
        if (le)
          steps.push(
            step({
              action: 'check',
              text: "Let's Encrypt ended OCSP in 2025: once the chain is complete nginx/Apache may report that the certificate has no OCSP URL; then turn stapling off instead.",
            }),
          );
        summary = `Add the issuing certificate ${missingIssuer.subject} to the certificate file.`;
        break;
      }
      summary = nginx
        ? 'Give nginx the intermediate certificate(s): use the full-chain file.'
        : 'Give Apache the intermediate certificate(s) of the server certificate.';
      const full = letsEncryptSibling(s.certificate, 'fullchain');
      if (nginx) {
        steps.push(
          step({
            action: 'set',
            directive: 'ssl_certificate',
            value: full,
            valueKind: full ? null : 'file:leaf-and-chain',
            context: 'server',
            text: full
              ? `Use the full chain: \`ssl_certificate ${full};\` instead of ${s.certificate}.`
              : `Point \`ssl_certificate\` at a file holding ${cert} followed by its intermediate certificate(s) (a "fullchain" file).`,
          }),
        );
        steps.push(
          step({
            action: 'set',
            directive: 'ssl_trusted_certificate',
            valueKind: 'file:issuer-chain',
            context: 'server',
            alternative: true,
            text: 'Keep the certificate file and name the issuing intermediate (and the root) in `ssl_trusted_certificate`.',
          }),
        );
        // nginx writes the same warning for a self-signed certificate (catalogue §3.1); only the file tells.
        steps.push(
          step({
            action: 'set',
            directive: 'ssl_stapling',
            value: 'off',
            context: 'server',
            alternative: true,
            text: 'If the certificate is self-signed (the command below prints the same subject and issuer; `--inspect` checks it), there is nothing to staple: `ssl_stapling off;`.',
          }),
        );
      } else {
        steps.push(
          step({
            action: 'set',
            directive: 'SSLCertificateFile',
            value: full,
            valueKind: full ? null : 'file:leaf-and-chain',
            context: 'VirtualHost',
            text: full
              ? `Use the full chain: \`SSLCertificateFile ${full}\` (httpd 2.4.8+).`
              : `Append the issuing intermediate certificate(s) after ${cert} in the file named by \`SSLCertificateFile\` (httpd 2.4.8+; older versions: \`SSLCertificateChainFile\`).`,
          }),
        );
        steps.push(
          step({
            action: 'set',
            directive: 'SSLCACertificateFile',
            valueKind: 'file:issuer',
            context: 'VirtualHost',
            alternative: true,
            text: 'Put the issuing CA certificate into the file named by `SSLCACertificateFile`.',
          }),
        );
      }
      steps.push(
        step({
          action: 'check',
          command: `openssl x509 -noout -subject -issuer -in ${shq(s.certificate ?? 'CERT.pem')}`,
          text: 'The issuer printed is the certificate to add; its CA publishes it (the "CA Issuers" URL in the certificate says where).',
        }),
      );
      if (le)
        steps.push(
          step({
            action: 'check',
            text: "Let's Encrypt ended OCSP in 2025: once the chain is complete nginx/Apache may report that the certificate has no OCSP URL; then turn stapling off instead.",
          }),
        );
      break;
    }
    case 'self-signed-certificate':
      summary = 'Turn stapling off for the self-signed certificate.';
      steps.push(staplingOff(server, where));
      break;
    case 'ocsp-url-missing':
      summary = le
        ? "Turn stapling off: Let's Encrypt no longer runs OCSP responders."
        : 'Turn stapling off for this certificate (nothing to staple).';
      steps.push(staplingOff(server, where));
      if (!le) {
        steps.push(
          nginx
            ? step({
                action: 'set',
                directive: 'ssl_stapling_responder',
                valueKind: 'url:http-responder',
                context: 'server',
                alternative: true,
                text: 'Only if the CA really runs an OCSP responder: name it with `ssl_stapling_responder http://…;`.',
              })
            : step({
                action: 'set',
                directive: 'SSLStaplingForceURL',
                valueKind: 'url:http-responder',
                context: 'VirtualHost',
                alternative: true,
                text: 'Only if the CA really runs an OCSP responder: name it with `SSLStaplingForceURL http://…`.',
              }),
        );
      }
      break;
    case 'stapling-unsupported':
      summary = nginx
        ? 'Use an nginx built with OCSP support, or remove ssl_stapling.'
        : 'Load mod_ssl of httpd 2.4 built with OCSP support, or remove SSLUseStapling.';
      steps.push(
        nginx
          ? step({
              action: 'remove',
              directive: 'ssl_stapling',
              context: 'server',
              text: 'Remove `ssl_stapling on;` (this build cannot staple), or install an nginx built against OpenSSL with OCSP.',
            })
          : step({
              action: 'remove',
              directive: 'SSLUseStapling',
              context: 'VirtualHost',
              text: 'Remove `SSLUseStapling` (or load mod_ssl from httpd 2.4 built with OCSP stapling).',
            }),
      );
      break;
    case 'trusted-chain-incomplete': {
      summary = 'Trust the CA chain that signs the OCSP responses.';
      const needed = facts?.missing.filter((m) => m.neededIn === 'trusted-bundle') ?? [];
      if (needed.length > 0) {
        const names = needed
          .map((m) => `the ${m.role === 'root' ? 'root CA' : 'issuing CA'} certificate ${m.subject}${MISSING.where(m.caIssuersUrl)}`)
          .join(' and ');
        const bundle = facts!.trustedFiles[0];
        summary = `Add ${needed.map((m) => m.subject).join(' and ')} to the trusted bundle.`;
        steps.push(
          step({
            action: 'set',
            directive: 'ssl_trusted_certificate',
            value: bundle ?? null,
            valueKind: bundle ? null : 'file:issuer-chain',
            context: 'server',
            text: bundle
              ? `Append ${names} to "${bundle}", the file \`ssl_trusted_certificate\` names (nginx verifies the responder's certificate up to a root found there).`
              : `Create a PEM file with the intermediate certificate(s) that issued ${cert} and ${names}, and name it in \`ssl_trusted_certificate\` (nginx does not use the system CA store).`,
          }),
        );
        for (const m of needed)
          if (m.caIssuersUrl)
            steps.push(
              step({
                action: 'run',
                command: MISSING.downloadCommand(m.caIssuersUrl, m.role === 'root' ? 'root.pem' : 'issuer.pem'),
                text: `Download ${m.subject} from its CA Issuers URL as PEM${MISSING.downloadNote}.`,
              }),
            );
        steps.push(
          step({
            action: 'set',
            directive: 'ssl_stapling_verify',
            value: 'off',
            context: 'server',
            alternative: true,
            text: 'Stop verifying the responses: `ssl_stapling_verify off;` (clients still verify them).',
          }),
        );
        break;
      }
      const chain = letsEncryptSibling(s.certificate, 'chain');
      steps.push(
        step({
          action: 'set',
          directive: 'ssl_trusted_certificate',
          valueKind: 'file:issuer-chain',
          context: 'server',
          text: `Name a PEM file with the intermediate certificate(s) that issued ${cert} and their root CA in \`ssl_trusted_certificate\` (nginx does not use the system CA store)${chain ? `; certbot's ${chain} holds the intermediate, append the root to it` : ''}.`,
        }),
      );
      steps.push(
        step({
          action: 'set',
          directive: 'ssl_stapling_verify',
          value: 'off',
          context: 'server',
          alternative: true,
          text: 'Stop verifying the responses: `ssl_stapling_verify off;` (clients still verify them).',
        }),
      );
      break;
    }
    case 'response-signature-invalid':
      summary = "Make sure the responses come from the issuing CA's own responder.";
      steps.push(
        step({
          action: 'check',
          directive: nginx ? 'ssl_stapling_responder' : 'SSLStaplingForceURL',
          text: `If \`${nginx ? 'ssl_stapling_responder' : 'SSLStaplingForceURL'}\` is set, point it at the responder of the CA that issued ${cert} (or remove it to use the certificate's own OCSP URL).`,
        }),
      );
      steps.push(
        step({
          action: 'run',
          command: `openssl ocsp -issuer ISSUER.pem -cert ${shq(s.certificate ?? 'CERT.pem')} -url ${shq(`http://${s.responder ?? 'RESPONDER'}/`)} -CAfile CHAIN.pem -resp_text`,
          text: "Ask the responder yourself and read who signed the answer; if the CA's own responder signs wrongly, report it to the CA.",
        }),
      );
      steps.push(staplingOff(server, where));
      steps[steps.length - 1]!.alternative = true;
      break;
    case 'responder-url-invalid':
      summary = 'Use a plain http:// responder URL, or turn stapling off.';
      steps.push(
        nginx
          ? step({
              action: 'set',
              directive: 'ssl_stapling_responder',
              valueKind: 'url:http-responder',
              context: 'server',
              text: `Name an http:// responder in \`ssl_stapling_responder\`${s.url ? ` (not ${s.url})` : ''}.`,
            })
          : step({
              action: 'set',
              directive: 'SSLStaplingForceURL',
              valueKind: 'url:http-responder',
              context: 'VirtualHost',
              text: `Set \`SSLStaplingForceURL\` to an http:// responder URL${s.url ? ` instead of ${s.url}` : ''} (mod_ssl speaks only plain HTTP to responders).`,
            }),
      );
      steps.push({ ...staplingOff(server, where), alternative: true });
      break;
    case 'resolver-missing':
      summary = 'Give nginx a DNS resolver for the responder.';
      steps.push(
        step({
          action: 'set',
          directive: 'resolver',
          valueKind: 'dns-server',
          context: 'http',
          text: `Add \`resolver <DNS server IP> valid=300s;\` (a recursive DNS server this host can reach, e.g. the one in /etc/resolv.conf) in the http block so nginx can look up ${s.host ?? s.responder ?? 'the responder'} at run time.`,
        }),
      );
      steps.push(
        step({
          action: 'set',
          directive: 'resolver_timeout',
          value: '5s',
          context: 'http',
          text: 'Add `resolver_timeout 5s;` next to it.',
        }),
      );
      break;
    case 'dns-resolution-failed':
      summary = nginx
        ? "Make the responder name resolvable through nginx's resolver."
        : 'Make the responder name resolvable on the server.';
      if (nginx && details.detail === 'host not found') {
        // Config-time "host not found in OCSP responder": nginx resolved the name with the system
        // resolver (getaddrinfo) at start-up; its `resolver` directive plays no part there.
        summary = 'Make the responder name resolvable by the system when nginx starts.';
        steps.push(
          step({
            action: 'check',
            command: `getent hosts ${shq(s.host ?? s.responder ?? 'RESPONDER')}`,
            text: `nginx resolves ${s.host ?? 'the responder'} with the system resolver when it starts: fix /etc/resolv.conf or /etc/hosts, allow DNS egress, and start nginx after network-online.target; then reload.`,
          }),
        );
        break;
      }
      if (nginx) {
        steps.push(
          step({
            action: 'set',
            directive: 'resolver',
            valueKind: 'dns-server',
            context: 'http',
            text: `Point \`resolver\` at a recursive DNS server that resolves ${s.host ?? s.responder ?? 'the responder'} (allow UDP/TCP 53 to it); raise \`resolver_timeout\` if it is slow.`,
          }),
        );
      }
      steps.push(
        step({
          action: 'check',
          command: `getent hosts ${shq(s.host ?? s.responder ?? 'RESPONDER')}`,
          text: `Check that ${s.host ?? s.responder ?? 'the responder name'} resolves on the server (fix /etc/resolv.conf, allow DNS egress; at boot, start the server after network-online.target).`,
        }),
      );
      if (!nginx)
        steps.push(
          step({
            action: 'set',
            directive: 'SSLOCSPProxyURL',
            valueKind: 'url:http-proxy',
            context: 'VirtualHost',
            alternative: true,
            text: 'Send responder requests through an HTTP proxy that can resolve it: `SSLOCSPProxyURL http://proxy:3128/` (httpd 2.4.19+).',
          }),
        );
      break;
    case 'responder-unreachable':
      summary = 'Let the server reach the OCSP responder over HTTP.';
      steps.push(
        step({
          action: 'check',
          command: `curl -sv -o /dev/null ${shq(`http://${s.responder ?? 'RESPONDER'}/`)}`,
          text: `Allow outbound TCP port 80 from this server to ${s.responder ?? 'the responder'}${s.peers?.some((p) => p.startsWith('[')) ? '; the failing addresses are IPv6: fix IPv6 routing or add `ipv6=off` to `resolver`' : ''}.`,
        }),
      );
      if (!nginx)
        steps.push(
          step({
            action: 'set',
            directive: 'SSLOCSPProxyURL',
            valueKind: 'url:http-proxy',
            context: 'VirtualHost',
            alternative: true,
            text: 'Where only a proxy may reach the internet: `SSLOCSPProxyURL http://proxy:3128/` (httpd 2.4.19+).',
          }),
        );
      break;
    case 'responder-timeout':
      summary = 'Let the responder answer in time.';
      steps.push(
        step({
          action: 'check',
          command: `curl -sv -o /dev/null --max-time 10 ${shq(`http://${s.responder ?? 'RESPONDER'}/`)}`,
          text: `Check that ${s.responder ?? 'the responder'} answers from this server (a firewall that drops packets causes timeouts).`,
        }),
      );
      if (!nginx)
        steps.push(
          step({
            action: 'set',
            directive: 'SSLStaplingResponderTimeout',
            value: '15',
            valueKind: null,
            context: 'server config',
            text: 'For a slow responder, raise `SSLStaplingResponderTimeout 15` (seconds; default 10).',
          }),
        );
      break;
    case 'responder-bad-response':
      summary = 'Send OCSP requests to a real OCSP responder.';
      steps.push(
        step({
          action: 'check',
          directive: nginx ? 'ssl_stapling_responder' : 'SSLStaplingForceURL',
          text: `Check the responder URL${s.url ? ` ${s.url}` : ''}: ${nginx ? '`ssl_stapling_responder`' : '`SSLStaplingForceURL`'} if set, else the certificate's OCSP URL; an intercepting proxy can also cause this.`,
        }),
      );
      steps.push(
        step({
          action: 'run',
          command: `openssl ocsp -issuer ISSUER.pem -cert ${shq(s.certificate ?? 'CERT.pem')} -url ${shq(`http://${s.responder ?? 'RESPONDER'}/`)} -resp_text`,
          text: 'Ask the responder yourself to see what it returns.',
        }),
      );
      break;
    case 'responder-error-status':
      summary = "Ask the right responder, or wait out the CA's outage.";
      steps.push(
        step({
          action: 'check',
          directive: nginx ? 'ssl_stapling_responder' : 'SSLStaplingForceURL',
          text: `${/unauthorized/i.test(details.responseStatus ?? '') ? 'unauthorized: the responder does not serve this certificate; ' : /trylater|internalerror/i.test(details.responseStatus ?? '') ? "tryLater/internalError: the CA's responder has trouble, wait; " : ''}check that the responder URL belongs to the CA that issued ${cert}.`,
        }),
      );
      if (!nginx)
        steps.push(
          step({
            action: 'set',
            directive: 'SSLStaplingReturnResponderErrors',
            value: 'off',
            context: 'server config',
            optional: true,
            text: 'Meanwhile, do not staple error responses to clients: `SSLStaplingReturnResponderErrors off` (limits the harm; stapling stays off until the responder answers).',
          }),
        );
      break;
    case 'response-not-current':
      summary = 'Check the server clock; otherwise the CA serves stale responses.';
      steps.push(step({ action: 'run', command: 'timedatectl status', text: 'Make sure the clock is right (NTP synchronised).' }));
      if (!nginx)
        steps.push(
          step({
            action: 'set',
            directive: 'SSLStaplingResponseTimeSkew',
            value: '600',
            context: 'server config',
            optional: true,
            text: "Only if the responder's clock is a few minutes off: allow more skew than the default 300 s, `SSLStaplingResponseTimeSkew 600` (seconds). A stale responder needs the CA to fix it.",
          }),
        );
      break;
    case 'certificate-revoked':
      summary = 'Replace the revoked certificate now.';
      steps.push(
        step({
          action: 'replace-certificate',
          directive: nginx ? 'ssl_certificate' : 'SSLCertificateFile',
          valueKind: 'file:leaf-and-chain',
          context: nginx ? 'server' : 'VirtualHost',
          text: `Get a new certificate (and key) to replace ${cert}${s.serial ? ` (serial ${s.serial})` : ''} and install it.`,
        }),
      );
      break;
    case 'certificate-status-unknown':
      summary = "Ask the issuing CA's own responder about this certificate.";
      steps.push(
        step({
          action: 'check',
          directive: nginx ? 'ssl_stapling_responder' : 'SSLStaplingForceURL',
          text: `Check that the responder is the one of the CA that issued ${cert} and that the chain names the right issuer; a freshly issued certificate may need a few minutes.`,
        }),
      );
      if (!nginx)
        steps.push(
          step({
            action: 'set',
            directive: 'SSLStaplingReturnResponderErrors',
            value: 'off',
            context: 'server config',
            optional: true,
            text: 'Meanwhile, do not staple unknown-status responses: `SSLStaplingReturnResponderErrors off` (limits the harm only).',
          }),
        );
      break;
    case 'certid-mismatch':
      summary = "Ask the issuing CA's own responder, with the real issuing intermediate.";
      steps.push(
        step({
          action: 'check',
          directive: nginx ? 'ssl_stapling_responder' : 'SSLStaplingForceURL',
          text: `If \`${nginx ? 'ssl_stapling_responder' : 'SSLStaplingForceURL'}\` is set, make it the responder of the CA that issued ${cert} (or remove it to use the certificate's own OCSP URL): another CA's responder answers about other certificates.`,
        }),
      );
      steps.push(
        step({
          action: 'set',
          directive: nginx ? 'ssl_certificate' : 'SSLCertificateFile',
          valueKind: 'file:leaf-and-chain',
          context: nginx ? 'server' : 'VirtualHost',
          alternative: true,
          text: `If no responder is forced: put the intermediate that really issued ${cert}${missingIssuer ? ` (${missingIssuer.subject}${MISSING.where(missingIssuer.caIssuersUrl)})` : ''} directly after it in the certificate file (not a cross-signed or older intermediate).`,
        }),
      );
      break;
    case 'stapling-cache-problem':
      summary = cacheMissing(details)
        ? 'Add an SSLStaplingCache in the global server config.'
        : 'Give Apache a working, large enough stapling cache.';
      steps.push(
        step({
          action: 'set',
          directive: 'SSLStaplingCache',
          value: 'shmcb:/var/run/ssl_stapling(32768)',
          context: 'server config',
          text: 'Set `SSLStaplingCache "shmcb:/var/run/ssl_stapling(32768)"` in the global server config, outside any <VirtualHost> (any directory the server can write, e.g. next to `SSLSessionCache`; raise the size if the cache fills).',
        }),
      );
      steps.push(
        step({
          action: 'run',
          command: 'a2enmod socache_shmcb   # or: LoadModule socache_shmcb_module modules/mod_socache_shmcb.so',
          text: 'Make sure mod_socache_shmcb is loaded.',
        }),
      );
      break;
    case 'stapling-file-error':
      summary = 'Fix or regenerate the ssl_stapling_file.';
      steps.push(
        step({
          action: 'run',
          command: `openssl ocsp -issuer ISSUER.pem -cert CERT.pem -url http://RESPONDER/ -respout ${shq(details.file ?? 'stapling.der')}`,
          text: `Regenerate${details.file ? ` ${details.file}` : ' the file'} as a DER OCSP response, readable by nginx, and refresh it by cron before nextUpdate (nginx never refreshes it).`,
        }),
      );
      break;
    case 'stapling-init-failed':
      summary = 'Find the reason in the lines before the summary line.';
      steps.push(
        step({
          action: 'check',
          text: `Look just above this line in ${s.vhost ? `the ErrorLog of ${s.vhost}` : 'the ErrorLog'} for AH02217/AH02218/AH02814/AH02815 and fix what it names; run stapling-doctor on the whole log.`,
        }),
      );
      break;
    case 'stapling-config-invalid':
      if (nginx) {
        summary = 'Do not combine ssl_stapling with ssl_certificate_compression.';
        steps.push(
          step({
            action: 'remove',
            directive: 'ssl_certificate_compression',
            context: 'server',
            text: 'Remove `ssl_certificate_compression on;` where `ssl_stapling on;` is set (or turn stapling off there).',
          }),
        );
      } else if (details.directive) {
        summary = `Give ${details.directive} a valid value.`;
        steps.push(
          step({
            action: 'set',
            directive: details.directive,
            valueKind: 'seconds',
            context: 'server config',
            text: `Set \`${details.directive}\` to a non-negative number of seconds (or remove it to use the default).`,
          }),
        );
      } else {
        summary = 'Load mod_watchdog for MDStapling, or turn MDStapling off.';
        steps.push(
          step({
            action: 'run',
            command: 'a2enmod watchdog   # or: LoadModule watchdog_module modules/mod_watchdog.so',
            text: "Load mod_watchdog (mod_md's stapling runs in a watchdog), or set `MDStapling off`.",
          }),
        );
      }
      break;
    case 'stapling-mutex-problem':
      summary = 'Give the stapling mutexes a working mechanism and a writable directory.';
      steps.push(
        step({
          action: 'set',
          directive: 'Mutex',
          value: 'file:/var/run/apache2 ssl-stapling ssl-stapling-refresh',
          context: 'server config',
          text: 'Set `Mutex file:/var/run/apache2 ssl-stapling ssl-stapling-refresh` (a directory owned by root and writable for the server user; or `Mutex default`), then restart (not reload) Apache.',
        }),
      );
      break;
    case 'stapling-internal-error':
      summary = 'Check memory and the TLS library; update the server.';
      steps.push(
        step({
          action: 'check',
          text: `Check free memory and the OpenSSL error in the line${details.opensslReason ? ` (${details.opensslReason})` : ''}; check the OpenSSL provider/FIPS configuration.`,
        }),
      );
      steps.push(
        step({
          action: 'check',
          command: nginx ? 'nginx -V' : 'apachectl -V',
          text: 'Make sure the server runs with the OpenSSL it was built for, and update it (httpd before 2.4.12 could not share one certificate between virtual hosts for stapling).',
        }),
      );
      break;
  }
  const expired = expiredNotAfter(s, details) ?? facts?.expiredOn ?? null;
  if (expired)
    steps.unshift(
      step({
        action: 'replace-certificate',
        directive: nginx ? 'ssl_certificate' : 'SSLCertificateFile',
        valueKind: 'file:leaf-and-chain',
        context: nginx ? 'server' : 'VirtualHost',
        text: `The certificate expired on ${expired}: get and install a new one first.`,
      }),
    );
  return { summary, steps, verify: verifySteps(server, s) };
}
