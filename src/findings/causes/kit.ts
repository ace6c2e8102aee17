/**
 * What every cause module shares: the shape of a cause module, the context its wording functions get
 * (values from the log, what `--inspect` learned, the server's directive names), labels for the things
 * a finding is about, and builders for fix steps.
 *
 * Fixes follow the root-cause → fix map of the reference catalogue (`stapling-messages.md` §5) and the
 * directive documentation of Apache httpd mod_ssl 2.4, nginx `ngx_http_ssl_module` and mod_gnutls 0.8+
 * (doc/mod_gnutls_manual.md, github.com/airtower-luna/mod_gnutls).
 */
import { parseOpensslTime } from '../../parse/apache-cert.js';
import type {
  CauseId,
  FindingAggregate,
  FindingSubject,
  FixStep,
  InspectionCheckId,
  MissingCertificate,
  Server,
  Values,
} from '../../types.js';

/**
 * What `--inspect` learned from the certificate files, for the sentence and the fix: the certificates
 * to add (by subject, with their CA Issuers URL), the files involved, expiry and Let's Encrypt.
 * Derived from a finding's {@link import('../../types.js').Inspection}; absent without `--inspect`.
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
  /** The certificate asks for OCSP Must-Staple (clients refuse it without a staple). */
  mustStaple?: boolean;
  /**
   * Set when the inspection refutes the diagnosis: the detail ids of the refuting checks (`issuerPresent`,
   * `hasOcspUrl` …, see `findings/inspection-wording.ts`). A cause module words a refuted finding and
   * changes its fix with them.
   */
  refuted?: string[];
}

/** The directive names of one server, so that wording never spells a server's name by hand. */
export interface Directives {
  /** The server certificate (and, in Apache 2.4.8+, nginx and mod_gnutls, its chain). */
  certificate: 'ssl_certificate' | 'SSLCertificateFile' | 'GnuTLSCertificateFile';
  /** A forced responder URL; null for mod_gnutls, which always asks the certificate's own OCSP URL. */
  responder: 'ssl_stapling_responder' | 'SSLStaplingForceURL' | null;
  /** Stapling on/off. */
  stapling: 'ssl_stapling' | 'SSLUseStapling' | 'GnuTLSOCSPStapling';
  /** The block a site's directives go in: nginx `server`, Apache `VirtualHost`. */
  site: 'server' | 'VirtualHost';
  /** How the sentence names that block. */
  siteName: 'server block' | '<VirtualHost>';
  /**
   * The file holding CA certificates the issuer can be found in (nginx) or added to (Apache). mod_gnutls
   * verifies responses with the CAs of the certificate file itself, so for it this is `GnuTLSCertificateFile`.
   */
  issuerFile: 'ssl_trusted_certificate' | 'SSLCACertificateFile' | 'GnuTLSCertificateFile';
}

/**
 * The OCSP-stapling implementation whose directives a fix names: a server, or `gnutls` for Apache with
 * mod_gnutls 0.8+ (which staples by itself and reads none of mod_ssl's `SSL*` directives).
 */
export type DirectiveSet = Server | 'gnutls';

/**
 * Directive names per implementation: nginx `ngx_http_ssl_module`; Apache mod_ssl 2.4; mod_gnutls's own
 * (doc/mod_gnutls_manual.md: `GnuTLSCertificateFile` holds the certificate and its chain, whose CAs also
 * verify the OCSP responses; `GnuTLSOCSPStapling` in server config or virtual host; no forced responder URL).
 */
export const DIRECTIVES: Record<DirectiveSet, Directives> = {
  nginx: {
    certificate: 'ssl_certificate',
    responder: 'ssl_stapling_responder',
    stapling: 'ssl_stapling',
    site: 'server',
    siteName: 'server block',
    issuerFile: 'ssl_trusted_certificate',
  },
  apache: {
    certificate: 'SSLCertificateFile',
    responder: 'SSLStaplingForceURL',
    stapling: 'SSLUseStapling',
    site: 'VirtualHost',
    siteName: '<VirtualHost>',
    issuerFile: 'SSLCACertificateFile',
  },
  gnutls: {
    certificate: 'GnuTLSCertificateFile',
    responder: null,
    stapling: 'GnuTLSOCSPStapling',
    site: 'VirtualHost',
    siteName: '<VirtualHost>',
    issuerFile: 'GnuTLSCertificateFile',
  },
};

/**
 * True when a finding's lines come from mod_gnutls: one of its rules is a `gnutls-*` rule (rules/gnutls-*.yaml,
 * the messages of mod_gnutls's src/gnutls_*.c; a test keeps that prefix and the rules' source in step).
 * A finding with both mod_ssl's and mod_gnutls's lines (both modules loaded, one responder) counts as
 * mod_gnutls's, so that it is never told to set a directive mod_gnutls ignores.
 */
export function fromGnutls(ruleIds: readonly string[] | undefined): boolean {
  return ruleIds?.some((id) => id.startsWith('gnutls-')) === true;
}

/** A directive with a value as the server writes it, in backquotes: `` `ssl_stapling off;` `` / `` `SSLUseStapling off` ``. */
export function setting(server: Server | null, name: string, value: string): string {
  return server === 'nginx' ? `\`${name} ${value};\`` : `\`${name} ${value}\``;
}

/** Everything a cause's wording functions may use. Built once per rendering by {@link causeContext}. */
export interface CauseContext {
  server: Server | null;
  /** True for nginx; the wording of every other server (Apache, or unknown) is Apache's. */
  nginx: boolean;
  /** True when the finding's lines come from mod_gnutls ({@link fromGnutls}): its fix names mod_gnutls's directives, never mod_ssl's. */
  gnutls: boolean;
  /** The finding's subject: what it is about, from the log. */
  s: FindingSubject;
  /** The finding's other values (OCSP status, verify error, HTTP status …), first seen wins. */
  d: Values;
  /** What `--inspect` learned; undefined without it. */
  facts: InspectionFacts | undefined;
  /** The server's directive names (Apache mod_ssl's when the server is unknown, mod_gnutls's when {@link gnutls}). */
  dir: Directives;
  /** `Apache`, `nginx` or `The server`. */
  srv: string;
  /** The certificate, named as precisely as the log allows. */
  cert: string;
  /** The responder, with up to three peer addresses. */
  resp: string;
  /** ` (virtual host …)` when a vhost is known next to the certificate, else empty. */
  vhost: string;
  /** ` for <vhost>` / ` that uses <certificate>` for "turn it off for …", else empty. */
  where: string;
  /** The certificate is from Let's Encrypt (by issuer, path, or inspection). */
  le: boolean;
  /** The finding comes from `stapling-doctor check` (a prediction from the configuration), not from a log. */
  check: boolean;
  /** The issuer `--inspect` found missing from the certificate file, if any. */
  missingIssuer: MissingCertificate | undefined;
  /** The certificate file: the one inspected, else the one the log names. */
  file: string | undefined;
  /** Set when the finding is a summary finding (see {@link SummaryFacts}); its subject `s` is then empty. */
  summary?: SummaryFacts;
}

/**
 * What a summary finding stands for, for its sentence (`messages.summary`): the identities past the
 * per-cause limit (`src/findings/limits.ts`) of one cause and server, and their own failures and times.
 */
export interface SummaryFacts extends FindingAggregate {
  /** Occurrences of those identities (exact). */
  failures: number;
  /** Earliest and latest time of those failures (log's clock, ISO-8601), or null. */
  first: string | null;
  last: string | null;
}

const NOUNS: Record<FindingAggregate['of'], string> = {
  certificate: 'certificates',
  vhost: 'virtual hosts',
  responder: 'responders',
  mixed: 'certificates, virtual hosts or responders',
};

/** `1 234 567`: digits grouped by thousands, as the README writes numbers. */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/**
 * The sentence of a summary finding: `<lead>: and 19 000 more certificates, not listed one by one:
 * 20 900 failures, 2026-11-23 00:16:40 → 2026-11-23 11:06:30.` ("at least 1 677 721" once the identity
 * set is full). A cause module words its summary with it (`messages.summary`), with its own lead; a
 * module without one gets its title as the lead.
 * @param lead what failed, for the identities summarised (a cause's title, or its own words)
 * @throws Error when `c` is not the context of a summary finding (a programming error)
 */
export function summaryMessage(c: CauseContext, lead: string): string {
  const a = c.summary;
  if (!a) throw new Error('summaryMessage: not a summary finding');
  const fmt = (t: string): string => t.replace('T', ' ').replace(/\.\d+/, '');
  const span = a.first && a.last ? (a.first === a.last ? `, at ${fmt(a.first)}` : `, ${fmt(a.first)} → ${fmt(a.last)}`) : '';
  const n = `${a.exact ? '' : 'at least '}${grouped(a.findings)}`;
  return `${lead}: and ${n} more ${NOUNS[a.of]}, not listed one by one: ${grouped(a.failures)} failure${a.failures === 1 ? '' : 's'}${span}.`;
}

/** One cause: its title, meaning, message variants and fix. One file per cause under `causes/`. */
export interface CauseModule {
  /** The cause id: one of {@link CauseId} for the built-in modules; an API user's own module may add an id. */
  id: CauseId | (string & {});
  /** Short title (report headings, README table). */
  title: string;
  /** What it means, one or two sentences (`--list-causes`, README table). */
  meaning: string;
  /**
   * The fix in a few words per server for the README table; null when the server cannot produce the cause.
   * `gnutls`: the same for Apache with mod_gnutls (its directives), set by every cause a `gnutls-*` rule can
   * produce; absent when mod_gnutls cannot produce the cause.
   */
  brief: Record<Server, string | null> & { gnutls?: string };
  /** Where real lines of this cause were captured (README table): server versions, or why none. */
  captured: string;
  /** The `--inspect` checks that speak to this cause (see `inspect/judge.ts`). */
  inspections: readonly InspectionCheckId[];
  /** The message variant for these values (a key of {@link messages}); default `default`. Pure. */
  variant?(c: CauseContext): string;
  /**
   * The sentence of each variant, with the values from the log. `summary` words a summary finding (many
   * identities past the per-cause limit; `c.summary` is set, `c.s` is empty), usually with
   * {@link summaryMessage}; without it the module's title leads the shared summary sentence.
   */
  messages: Record<string, (c: CauseContext) => string>;
  /** The fix: a summary and steps in the server's own directives. */
  fix(c: CauseContext): { summary: string; steps: FixStep[] };
}

const LE_ISSUER = /Let's Encrypt|O=Let\\?'s Encrypt/i;

/** True when the certificate comes from Let's Encrypt (by issuer DN or by a certbot/Let's Encrypt path). */
export function isLetsEncrypt(s: FindingSubject | Values): boolean {
  return (
    (s.certIssuer !== undefined && LE_ISSUER.test(s.certIssuer)) || (s.certificate !== undefined && /letsencrypt/i.test(s.certificate))
  );
}

/**
 * Whether the certificate had expired when the line that printed it was written.
 *
 * Pure: compares the Apache suffix's `notafter` (OpenSSL time, GMT) with the time of that same line
 * (`loggedAt`, from {@link import('../../types.js').ParsedLine.time}; read as UTC because Apache error
 * logs carry no zone, so the answer may be off by the server's UTC offset on the day of expiry). Never
 * uses the wall clock.
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

/**
 * The context of a finding's wording.
 * @param ruleIds the finding's rules: `gnutls-*` ones make it mod_gnutls's ({@link fromGnutls})
 */
export function causeContext(
  server: Server | null,
  s: FindingSubject,
  d: Values,
  facts?: InspectionFacts,
  check = false,
  ruleIds: readonly string[] = [],
): CauseContext {
  const nginx = server === 'nginx';
  const gnutls = !nginx && fromGnutls(ruleIds);
  return {
    server,
    nginx,
    gnutls,
    check,
    s,
    d,
    facts,
    dir: DIRECTIVES[nginx ? 'nginx' : gnutls ? 'gnutls' : 'apache'],
    srv: server === 'apache' ? 'Apache' : server === 'nginx' ? 'nginx' : 'The server',
    cert: certificateLabel(s),
    resp: responderLabel(s),
    vhost: s.vhost && !s.certificate && !s.certSubject ? '' : s.vhost ? ` (virtual host ${s.vhost})` : '',
    where: s.vhost ? ` for ${s.vhost}` : s.certificate ? ` that uses ${s.certificate}` : '',
    le: isLetsEncrypt(s) || facts?.letsEncrypt === true,
    missingIssuer: facts?.missing.find((m) => m.role === 'issuer' && m.neededIn === 'certificate-file'),
    file: facts?.certificateFile ?? s.certificate,
  };
}

/** `text` in parentheses after a space, or nothing when the value is absent: ` (value)`. */
export function paren(value: string | undefined, prefix = ''): string {
  return value ? ` (${prefix}${value})` : '';
}

/**
 * A value from the log as one shell word: plain words stay as they are, anything else is single-quoted,
 * so that a copied command never runs text a log line carried (`$(…)`, `;`, backquotes). Prefer
 * {@link shellWord}, which also refuses what quoting cannot make safe.
 */
export function shq(value: string): string {
  return /^[\w./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Characters a pasted command must not carry even quoted: controls (a newline or CR ends the command
 * line in a terminal's paste), format and invisible characters (they hide what is pasted).
 */
const UNPASTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

/** True when a value can appear in a printed command or directive at all (no control or invisible characters). */
export function pastable(value: string): boolean {
  return !UNPASTABLE.test(value);
}

/**
 * A value from a log line or a certificate as one shell word for a printed command, or `placeholder`
 * (an upper-case name the reader fills in) when it is absent or cannot be one safely: it holds a control
 * or invisible character, or starts with `-` (a command would read it as an option).
 * @returns a word bash reads back as exactly `value` (single-quoted unless plain), or `placeholder`
 */
export function shellWord(value: string | null | undefined, placeholder: string): string {
  if (value === undefined || value === null || value === '' || !pastable(value) || value.startsWith('-')) return placeholder;
  return shq(value);
}

/** An `http://` or `https://` URL (a CA Issuers or responder URL) as one shell word, or `placeholder`. */
export function shellUrl(url: string | null | undefined, placeholder: string): string {
  return url && /^https?:\/\/\S+$/i.test(url) ? shellWord(url, placeholder) : placeholder;
}

/**
 * A value from the log as a directive value to write into nginx or Apache configuration as it is
 * (a file path), or null when it holds anything either syntax would read otherwise (spaces, quotes,
 * `;`, `{`, `#`, `$`, controls) or starts with `-`: then the step names the kind of value instead.
 */
export function configValue(value: string | null | undefined): string | null {
  return value && /^[\w./@%+=,:~-]+$/.test(value) && !value.startsWith('-') ? value : null;
}

/** A fix step with the fields it does not set left null. */
export function step(p: Partial<FixStep> & Pick<FixStep, 'action' | 'text'>): FixStep {
  return { directive: null, value: null, valueKind: null, context: null, ...p };
}

/** "Turn stapling off for it" in the site's block. */
export function staplingOff(c: CauseContext): FixStep {
  return step({
    action: 'set',
    directive: c.dir.stapling,
    value: 'off',
    context: c.dir.site,
    text: `Turn stapling off for it: ${setting(c.server, c.dir.stapling, 'off')} in the ${c.dir.siteName}${c.where}.`,
  });
}

/** "Get a new certificate and install it" for the site's certificate directive (the text says which and why). */
export function replaceCertificate(c: CauseContext, text: string): FixStep {
  return step({ action: 'replace-certificate', directive: c.dir.certificate, valueKind: 'file:leaf-and-chain', context: c.dir.site, text });
}

/** Check that a forced responder URL points at the issuing CA's responder (mod_gnutls has none: the step names no directive). */
export function checkResponder(c: CauseContext, text: string): FixStep {
  return step({ action: 'check', directive: c.dir.responder, text });
}

/**
 * For mod_gnutls, in place of a forced responder URL: it always asks the URL in the certificate, so the way
 * around a wrong or unusable responder is to fetch responses by other means into `GnuTLSOCSPResponseFile`
 * (a list of DER files, the server certificate's first; manual: "The response files must be updated externally").
 */
export function gnutlsResponseFile(c: CauseContext, why: string, alternative = true): FixStep {
  return step({
    action: 'set',
    directive: 'GnuTLSOCSPResponseFile',
    valueKind: null,
    context: 'server config, virtual host',
    alternative,
    text: `${why}, fetch the response for ${c.cert} by other means (mod_gnutls always asks the OCSP URL in the certificate and has no setting for another one), e.g. \`ocsptool --ask --load-issuer ISSUER.pem --load-cert ${shellWord(c.file, 'CERT.pem')} --outfile /etc/apache2/ocsp/response.der\` from cron well before its nextUpdate, and name the file with \`GnuTLSOCSPResponseFile /etc/apache2/ocsp/response.der\` in the <VirtualHost>: mod_gnutls then staples it instead of asking the responder.`,
  });
}

/** The responder the server asks, in words: a forced one if set, else the certificate's OCSP URL (mod_gnutls always asks that one). */
export function askedResponder(c: CauseContext): string {
  return c.dir.responder
    ? `\`${c.dir.responder}\` if set, else the certificate's OCSP URL`
    : "the certificate's OCSP URL, which mod_gnutls always asks";
}

/** Apache mod_ssl only: an optional mitigation, `SSLStaplingReturnResponderErrors off` (the text says what it limits); mod_gnutls never staples an error. */
export function apacheNoErrorStaples(c: CauseContext, text: string): FixStep[] {
  if (c.nginx || c.gnutls) return [];
  return [
    step({ action: 'set', directive: 'SSLStaplingReturnResponderErrors', value: 'off', context: 'server config', optional: true, text }),
  ];
}

/** Apache mod_ssl only: the alternative of sending responder requests through an HTTP proxy (`SSLOCSPProxyURL`, 2.4.19+); mod_gnutls has no proxy setting. */
export function apacheOcspProxy(c: CauseContext, text: string): FixStep[] {
  if (c.nginx || c.gnutls) return [];
  return [
    step({ action: 'set', directive: 'SSLOCSPProxyURL', valueKind: 'url:http-proxy', context: 'VirtualHost', alternative: true, text }),
  ];
}

/** Derive the file certbot writes next to `cert.pem` (`fullchain`, `chain`); null when none, or when it is no {@link configValue}. */
export function letsEncryptSibling(cert: string | undefined, name: string): string | null {
  if (!cert) return null;
  const m = /^(.*\/letsencrypt\/live\/[^/]+\/)(cert|fullchain|chain|privkey)\.pem$/.exec(cert);
  return m ? configValue(`${m[1]}${name}.pem`) : null;
}

/**
 * A distinguished name as `dnLine` writes it (`CN=Root,O=Org,C=US`, most specific first) in the slash
 * form `openssl storeutl -subject` takes (`/C=US/O=Org/CN=Root`, in certificate order).
 */
export function slashDn(dn: string): string {
  return dn
    .split(/,(?=[A-Za-z][\w.-]*=)/)
    .reverse()
    .map((p) => `/${p.replace(/\//g, '\\/')}`)
    .join('');
}

/**
 * Where a missing root CA certificate comes from: this machine's CA store (Debian/Ubuntu `/etc/ssl/certs/`,
 * RHEL/Fedora `/etc/pki/ca-trust/extracted/pem/directory-hash/`) or the CA's own HTTPS website — never a
 * URL written in a certificate and fetched over plain HTTP, which anyone on the path could answer with a
 * root of their own.
 */
export const ROOT_SOURCE = {
  /** Said after the root's name. */
  where: ' (a root CA: take it from the system CA store, not from a URL written in a certificate)',
  /** Prints the file of the hashed CA directory that holds the root with this subject (OpenSSL 1.1.1+). */
  findCommand: (subject: string): string =>
    `openssl storeutl -noout -certs -subject ${shellWord(slashDn(subject), '/SUBJECT')} /etc/ssl/certs/`,
  /** The step's sentence. */
  text: (subject: string): string =>
    `Find the root CA certificate ${subject} in this machine's CA store: the command prints the file that holds it (Debian/Ubuntu /etc/ssl/certs/; RHEL/Fedora /etc/pki/ca-trust/extracted/pem/directory-hash/). If the store does not have it, download it over HTTPS from the CA's own website and compare its SHA-256 fingerprint with the one the CA publishes; never trust a root fetched over plain HTTP from a URL in a certificate.`,
};

/** Fix texts that name a missing certificate found by `--inspect`. */
export const MISSING = {
  where: (url: string | null): string => (url ? ` (its CA publishes it at ${url}, usually in DER form)` : ''),
  /**
   * A command that downloads a CA certificate (DER, as CA Issuers URLs usually serve) and writes it as
   * PEM. The URL comes from a certificate: quoted, and replaced by `CA_ISSUERS_URL` unless it is a plain
   * http(s) URL ({@link shellUrl}).
   */
  downloadCommand: (url: string, out: string): string =>
    `curl -fsS ${shellUrl(url, 'CA_ISSUERS_URL')} | openssl x509 -inform DER -out ${out}`,
  /** Said next to the download command. */
  downloadNote: ' (use `-inform PEM` if the CA serves PEM)',
};

/** Where the responder listens, as far as the log says (see {@link responderEndpoint}). */
export interface ResponderEndpoint {
  /** Host name or address (an IPv6 address in brackets); null when the log names none. */
  host: string | null;
  /** TCP port; null when the log does not say. */
  port: number | null;
  /** The URL to ask: the logged URL, else `http://host[:port]/`. */
  url: string;
}

const HOST_PORT = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/;

/**
 * The responder's host, its real TCP port and a URL for commands: from the URL the log names (its port,
 * or 80/443 by scheme), else from a `host:port` responder (Apache AH01974 `'127.0.0.1:34713'`), else the
 * port of the peer address nginx connected to (`peer: 127.0.0.1:34713`). Never assumes port 80 when the
 * log says another.
 */
export function responderEndpoint(s: FindingSubject): ResponderEndpoint {
  if (s.url) {
    try {
      const u = new URL(s.url);
      if (u.protocol === 'http:' || u.protocol === 'https:')
        return { host: u.hostname, port: u.port ? Number(u.port) : u.protocol === 'http:' ? 80 : 443, url: s.url };
    } catch {
      // not a URL: fall back to the responder and peer values
    }
  }
  const named = s.responder ?? s.host ?? null;
  const own = named ? HOST_PORT.exec(named) : null;
  const peer = s.peers?.map((p) => HOST_PORT.exec(p)).find((m) => m !== null) ?? null;
  const bare = own ? own[1]! : named;
  const host = bare && /^[\da-f:.]*:[\da-f:.]*$/i.test(bare) ? `[${bare}]` : bare; // a bare IPv6 address
  const port = own ? Number(own[2]) : peer ? Number(peer[2]) : null;
  return { host, port, url: `http://${host ?? 'RESPONDER'}${port !== null && port !== 80 ? `:${port}` : ''}/` };
}

/**
 * The host name of a logged `host`, `host:port` or `[v6]:port` value, for a name lookup (`getent hosts`
 * answers nothing for `name:443`); a value without a port is returned as it is.
 */
export function hostOfHostPort(value: string): string {
  const m = HOST_PORT.exec(value);
  return m ? m[1]!.replace(/^\[(.*)\]$/, '$1') : value;
}

/** The responder's URL for a command ({@link responderEndpoint}), one shell word ({@link shellUrl}), or `http://RESPONDER/`. */
export function responderUrl(s: FindingSubject): string {
  return shellUrl(responderEndpoint(s).url, 'http://RESPONDER/');
}

/** The responder's port in words: `TCP port 34713`, or where to look it up when the log does not say (never a guessed 80). */
export function responderPortWords(s: FindingSubject): string {
  const port = responderEndpoint(s).port;
  return port !== null ? `TCP port ${port}` : "TCP on the port of the responder's URL (80 when an http:// URL names none)";
}

/** `openssl ocsp` asking the responder about the certificate, shell-quoted values. */
export function ocspQuery(s: FindingSubject, extra: string): string {
  return `openssl ocsp -issuer ISSUER.pem -cert ${shellWord(s.certificate, 'CERT.pem')} -url ${responderUrl(s)}${extra} -resp_text`;
}

/** True when `--inspect` refuted the diagnosis with this check detail (see {@link InspectionFacts.refuted}). */
export function refutedBy(c: CauseContext, detailId: string): boolean {
  return c.facts?.refuted?.includes(detailId) === true;
}

/**
 * The fix when the files as they are now contradict the log: the running server read them before they
 * changed (reload it), or it reads other files than those inspected (compare with its own dump).
 */
export function reloadSteps(c: CauseContext, what: string): FixStep[] {
  return [
    step({
      action: 'run',
      command: c.nginx ? 'nginx -t && nginx -s reload' : 'apachectl configtest && apachectl -k graceful   # apache2ctl on Debian',
      text: `Reload ${c.nginx ? 'nginx' : 'Apache'} so that it reads the files as they are now (${what}).`,
    }),
    step({
      action: 'check',
      directive: c.dir.certificate,
      command: c.nginx
        ? "nginx -T 2>/dev/null | grep -nE 'ssl_certificate|ssl_trusted_certificate|ssl_stapling'"
        : c.gnutls
          ? "apachectl -t -D DUMP_CONFIG 2>/dev/null | grep -niE 'GnuTLSCertificateFile|GnuTLSOCSP'"
          : "apachectl -t -D DUMP_CONFIG 2>/dev/null | grep -niE 'SSLCertificate|SSLCACertificate|SSLUseStapling'",
      text: `If the message comes back after the reload, the running configuration names other files than those inspected: compare the files its \`${c.dir.certificate}\` lines name with ${c.file ? `"${c.file}"` : 'the inspected file'}, and give that configuration to --config.`,
    }),
  ];
}

/** Regenerate an nginx `ssl_stapling_file` (a DER OCSP response) and keep it fresh: nginx never refreshes it. */
export function staplingFileSteps(c: CauseContext): FixStep[] {
  const file = c.d.file ?? 'stapling.der';
  return [
    step({
      action: 'run',
      command: `openssl ocsp -issuer ISSUER.pem -cert ${shellWord(c.file, 'CERT.pem')} -url http://RESPONDER/ -respout ${shellWord(c.d.file, 'stapling.der')} && nginx -s reload`,
      text: `Fetch a fresh response from the certificate's OCSP responder into ${file}, then reload nginx; do it by cron well before nextUpdate (nginx never refreshes the file), or remove \`ssl_stapling_file\` to let nginx fetch responses itself.`,
    }),
  ];
}
