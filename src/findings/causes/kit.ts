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
  ValueName,
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
  /**
   * A certificate the server sends that is not valid yet (the `notYetValid` check): its subject, the file it was
   * read from, its notBefore as OpenSSL prints it, the time it was checked at (ISO-8601, UTC), and whether it is
   * the server's own certificate or an intermediate sent after it.
   */
  notYetValid?: {
    subject: string;
    file: string;
    notBefore: string;
    now: string;
    role: 'certificate' | 'intermediate';
    /** `trusted-file` when it was taken from the trusted files (not sent to clients); see `ChainEntry.from`. */
    from?: string;
  };
  /**
   * An expired CA certificate after the leaf (the `expiredIntermediate` / `expiredUnneeded` checks): its subject,
   * file, notAfter as OpenSSL prints it and the time checked (ISO-8601, UTC); `needed` when the chain goes through
   * it (then `caIssuers`: the leaf's CA Issuers URL, when it has one); else `twin` — where a valid certificate with
   * its subject and key is (a file, or `trust-store`) — or nothing (no certificate of the chain is issued by it);
   * `from`: the kind of file (`certificate-file`, `chain-file`, `trusted-file`: `ChainEntry.from` of inspect/chain-validity.ts).
   */
  expiredInChain?: {
    subject: string;
    file: string;
    from: string;
    notAfter: string;
    now: string;
    needed: boolean;
    caIssuers?: string;
    twin?: string;
  };
  /**
   * The configuration blocks the finding stands for when there are several (`inspection.verdictFor`: blocks that
   * share the certificate and get this verdict), each `file:line`, with its first name (` (a.example)`) when the
   * inspection names it; absent for one block. A fix step that goes in a block is for each of them.
   */
  blocks?: string[];
  /** The server names those blocks are reached by (their confirm endpoints' SNI names), when `blocks` carry none. */
  blockNames?: string[];
  /** The certificate was issued by Let's Encrypt. */
  letsEncrypt?: boolean;
  /** The certificate asks for OCSP Must-Staple (clients refuse it without a staple). */
  mustStaple?: boolean;
  /** The block forces a responder URL (`SSLStaplingForceURL`, `ssl_stapling_responder`): the URL and the block (`file:line`). */
  forcedResponder?: { url: string; block: string };
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

/**
 * The OpenResty Lua script that staples a finding's certificate, by the prefix of its rules. nginx's own
 * stapling directives do nothing for a certificate set from Lua (ingress-nginx issue #4758: "the
 * certificates are handled in lua … Even attempting to directly enable OCSP via putting `ssl_stapling on;`
 * in a server snippet does not enable it"), so such a finding's fix names the script's own setting.
 * - `auto-ssl`: lua-resty-auto-ssl, rules `lua-auto-ssl-*` (lib/resty/auto-ssl/ssl_certificate.lua,
 *   github.com/auto-ssl/lua-resty-auto-ssl at 71259605, v0.13.1 with fixes);
 * - `ingress-nginx`: kubernetes/ingress-nginx, rules `lua-ingress-*` (rootfs/etc/nginx/lua/certificate.lua
 *   at dbb11b92, 2026-03-20);
 * - `ngx.ocsp`: any other script on lua-resty-core's ngx.ocsp, rules `lua-ocsp-*` and `lua-crash-in-ocsp`:
 *   the lib/ngx/ocsp.md example (lua-resty-core a103a6fc) or one's own, or Apache APISIX's ocsp-stapling
 *   plugin (apisix/plugins/ocsp-stapling.lua at f519a0f0), whose lines the log alone does not tell apart.
 *
 * Kong's rule `lua-kong-client-cert-ocsp` is a look-alike (the control plane's `cluster_ocsp` check of a data
 * plane's client certificate, kong/clustering/tls.lua at 22246ef2), never reported, so it is worded nowhere.
 */
export type LuaScript = 'auto-ssl' | 'ingress-nginx' | 'ngx.ocsp';

/**
 * The Lua script of a finding ({@link LuaScript}), or null when none of its rules is a `lua-*` rule. A finding
 * with lines of several scripts counts as lua-resty-auto-ssl's, then ingress-nginx's (their own lines name
 * them; the `lua-ocsp-*` rules also read auto-ssl's embedded messages).
 */
export function luaScriptOf(ruleIds: readonly string[] | undefined): LuaScript | null {
  if (!ruleIds?.some((id) => id.startsWith('lua-'))) return null;
  if (ruleIds.some((id) => id.startsWith('lua-auto-ssl-'))) return 'auto-ssl';
  if (ruleIds.some((id) => id.startsWith('lua-ingress-'))) return 'ingress-nginx';
  return 'ngx.ocsp';
}

/** How a sentence names each script. */
export const LUA_NAMES: Record<LuaScript, string> = {
  'auto-ssl': 'lua-resty-auto-ssl',
  'ingress-nginx': 'ingress-nginx',
  'ngx.ocsp': 'the ngx.ocsp stapling script',
};

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
  /**
   * The OpenResty Lua script that staples the certificate ({@link luaScriptOf}), or null: its fix names the
   * script's own settings, never nginx's stapling directives (which do nothing for it).
   */
  lua: LuaScript | null;
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
  /** Values a cut took from the finding's evidence lines (their `cut.tail.missing`): a fragment's, never a whole line's. */
  lost: ReadonlySet<ValueName>;
  /** The rules whose lines make up the finding (`FindingData.ruleIds`); empty for a prediction of `check`. */
  rules: ReadonlySet<string>;
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
   * produce; absent when mod_gnutls cannot produce the cause. `lua`: the same for nginx's OpenResty Lua
   * stapling scripts ({@link LuaScript}: their own settings, never nginx's stapling directives), set by every
   * cause a `lua-*` rule can produce.
   */
  brief: Record<Server, string | null> & { gnutls?: string; lua?: string };
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
 * @param ruleIds the finding's rules: `gnutls-*` ones make it mod_gnutls's ({@link fromGnutls}), `lua-*` ones a
 * Lua script's ({@link luaScriptOf})
 * @param lost values a cut took from the finding's evidence lines ({@link CauseContext.lost})
 */
export function causeContext(
  server: Server | null,
  s: FindingSubject,
  d: Values,
  facts?: InspectionFacts,
  check = false,
  ruleIds: readonly string[] = [],
  lost: ReadonlySet<ValueName> = new Set(),
): CauseContext {
  const nginx = server === 'nginx';
  const gnutls = !nginx && fromGnutls(ruleIds);
  return {
    server,
    nginx,
    gnutls,
    lua: server === 'apache' ? null : luaScriptOf(ruleIds),
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
    lost,
    rules: new Set(ruleIds),
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

/** How many items {@link boundedList} names one by one before it counts the rest. */
export const LIST_NAMED = 5;

/**
 * Items as a sentence names them, the first {@link LIST_NAMED} one by one and the rest counted:
 * `a`, `a and b`, `a, b and c`, `a, b, c, d, e and 3 more`.
 */
export function boundedList(xs: readonly string[], max = LIST_NAMED): string {
  if (xs.length > max) return `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

/**
 * The sentence a fix step that goes in a block ends with when the finding stands for several blocks (a
 * certificate file several vhosts or configuration files share): every block named, bounded by
 * {@link boundedList}; empty for one block.
 */
export function everyBlock(c: CauseContext): string {
  const blocks = c.facts?.blocks ?? [];
  if (blocks.length < 2) return '';
  const names = c.facts?.blockNames ?? [];
  const used = c.file ? ` that use "${c.file}"` : '';
  return `It is for each of the ${blocks.length} ${c.dir.siteName}s${used}: ${boundedList(blocks)}${names.length > 0 ? ` (server names ${boundedList(names)})` : ''}.`;
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
  /** The step's sentence for a CA certificate above the chain that may be an intermediate or a private root. */
  caText: (subject: string): string =>
    `Get the CA certificate ${subject} from your CA: the command finds it if this machine's CA store has it; else take it from your CA's own website or PKI over HTTPS and compare its SHA-256 fingerprint with the one the CA publishes. Never trust a certificate fetched over plain HTTP from a URL in a certificate.`,
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

/**
 * The record lua-resty-auto-ssl keeps a certificate under: `<domain>:latest` (lib/resty/auto-ssl/storage.lua:42-65
 * at 71259605), with the domain from the log (its vhost value) when it can be written as it is.
 */
function autoSslRecord(c: CauseContext): string {
  const domain = c.s.vhost && /^[\w.-]+$/.test(c.s.vhost) ? c.s.vhost : 'DOMAIN';
  return `\`${domain}:latest\``;
}

/** Where lua-resty-auto-ssl stores that record: storage_adapters/file.lua:5-7 (`dir` default /etc/resty-auto-ssl), redis.lua:5-7. */
const AUTO_SSL_STORAGE =
  'file storage: a file under `<dir>/storage/file/` named by the URL-escaped key, `dir` being /etc/resty-auto-ssl by default; Redis storage: that key, after the configured prefix';

/**
 * The steps that stop, or only quiet, a Lua script's stapling, which nginx's own stapling directive cannot do:
 * - ingress-nginx: ConfigMap key `enable-ocsp: "false"` (the default; internal/ingress/controller/config/config.go
 *   `EnableOCSP`, docs/user-guide/nginx-configuration/configmap.md at dbb11b92), global: certificate.lua:73-79
 *   "TODO: implement per ingress OCSP stapling control";
 * - lua-resty-auto-ssl: no switch (issue #302, "I couldn't find any params to set stapling to false"); it serves
 *   the certificate anyway ("continuing anyway", ssl_certificate.lua:260), and the undocumented option
 *   `ocsp_stapling_error_level` (lib/resty/auto-ssl.lua:48-50, default `ngx.ERR`; `set()` at lines 63-71) lowers
 *   the level of that line;
 * - an ngx.ocsp script: the lib/ngx/ocsp.md example ends the handshake with `ngx.exit(ngx.ERROR)` on an OCSP error
 *   (lua-nginx-module README.markdown:3042 at bbed32a6: "so does the ngx.exit call with an error code like
 *   `ngx.ERROR`"), so the script should return instead; APISIX: `"ocsp_stapling": {"enabled": false}` on the SSL
 *   resource (apisix docs/en/latest/plugins/ocsp-stapling.md at f519a0f0).
 * @param why what the steps are for, the start of their sentence ("To stop these messages")
 * @param alternative whether the steps replace the ones before them rather than add to them
 */
export function luaStaplingOff(c: CauseContext, why: string, alternative = false): FixStep[] {
  if (c.lua === 'ingress-nginx')
    return [
      step({
        action: 'set',
        directive: 'enable-ocsp',
        value: '"false"',
        context: 'ingress-nginx ConfigMap',
        alternative,
        text: `${why}: set \`enable-ocsp: "false"\` in the ConfigMap of the ingress-nginx controller (the default; it applies to every Ingress, ingress-nginx has no per-Ingress OCSP switch).`,
      }),
    ];
  if (c.lua === 'auto-ssl')
    return [
      step({
        action: 'set',
        directive: 'ocsp_stapling_error_level',
        value: 'ngx.INFO',
        context: 'init_by_lua_block',
        optional: true,
        text: `${why}: lua-resty-auto-ssl has no option to turn stapling off (its issue #302) and serves the certificate anyway ("continuing anyway"); its undocumented option \`ocsp_stapling_error_level\` only lowers the level of this log line: \`auto_ssl:set("ocsp_stapling_error_level", ngx.INFO)\` in init_by_lua_block, or pass it to \`new()\`.`,
      }),
    ];
  return [ngxOcspNoAbort(why, alternative), apisixStaplingOff()];
}

/**
 * A script built on the lua-resty-core lib/ngx/ocsp.md example (a103a6fc) calls `ngx.exit(ngx.ERROR)` after every
 * OCSP error, which ends the TLS handshake (lua-nginx-module README.markdown:3042 at bbed32a6); it should log and
 * return instead, once the certificate and key are set (an inference from the two, not a documented fix).
 * @param why the start of the sentence
 */
export function ngxOcspNoAbort(why: string, alternative = false): FixStep {
  return step({
    action: 'check',
    alternative,
    text: `${why}, in a script built on the ngx.ocsp example (lua-resty-core lib/ngx/ocsp.md): once the certificate and key are set, log the OCSP error and \`return\` instead of calling \`ngx.exit(ngx.ERROR)\`, which ends the TLS handshake (lua-nginx-module README); the handshake then goes on without a staple.`,
  });
}

/**
 * Apache APISIX's ocsp-stapling plugin turned off for one SSL resource: `"ocsp_stapling": {"enabled": false}`
 * through the Admin API (docs/en/latest/plugins/ocsp-stapling.md, "To disable…", at f519a0f0).
 */
export function apisixStaplingOff(): FixStep {
  return step({
    action: 'set',
    directive: 'ocsp_stapling.enabled',
    value: 'false',
    context: 'APISIX SSL resource',
    alternative: true,
    text: 'With Apache APISIX\'s ocsp-stapling plugin: set `"ocsp_stapling": {"enabled": false}` on the SSL resource (`PUT /apisix/admin/ssls/{id}` through the Admin API).',
  });
}

/**
 * The steps that put the issuer next to the leaf in the chain a Lua script hands to ngx.ocsp (which needs it
 * there: "no issuer certificate in chain", "issuer certificate not next to leaf", lua-nginx-module
 * src/ngx_http_lua_ssl_ocsp.c:97,110 at bbed32a6):
 * - lua-resty-auto-ssl: the `fullchain_pem` dehydrated delivered, stored under `<domain>:latest`
 *   (servers/hook.lua:40-51, storage.lua:42-60 at 71259605) and cached as DER in `lua_shared_dict auto_ssl`
 *   for 3600 s (ssl_certificate.lua:22): delete the record so that auto-ssl issues the certificate again;
 * - ingress-nginx: the TLS Secret's `tls.crt` only (internal/ingress/controller/store/backend_ssl.go:82-104;
 *   `ca.crt` is for client authentication), leaf → intermediate → root (docs/user-guide/tls.md), or the
 *   controller flag `--enable-ssl-chain-completion` (docs/user-guide/cli-arguments.md at dbb11b92);
 * - an ngx.ocsp script: what it loads (`my_load_certificate_chain()` in lib/ngx/ocsp.md); APISIX: the SSL
 *   resource's `cert` (the last of `certs` when set; apisix/plugins/ocsp-stapling.lua:153-166 at f519a0f0).
 * @param need what the chain must hold, e.g. "the intermediate that issued it directly after it"
 */
export function luaChainSteps(c: CauseContext, need: string): FixStep[] {
  if (c.lua === 'auto-ssl')
    return [
      step({
        action: 'replace-certificate',
        text: `lua-resty-auto-ssl hands ngx.ocsp the full chain it stored when dehydrated issued the certificate (\`fullchain_pem\` in the record ${autoSslRecord(c)}), which should hold ${need}. If it does not, delete that record (${AUTO_SSL_STORAGE}) so that auto-ssl issues the certificate again on the next request for that name, and restart nginx: the old chain stays cached in \`lua_shared_dict auto_ssl\` for up to an hour.`,
      }),
    ];
  if (c.lua === 'ingress-nginx')
    return [
      step({
        action: 'set',
        directive: 'tls.crt',
        valueKind: 'file:leaf-and-chain',
        context: 'TLS Secret',
        text: `ingress-nginx hands ngx.ocsp only the \`tls.crt\` of the TLS Secret (the Secret \`spec.tls[].secretName\` names, or the one of \`--default-ssl-certificate\`): make it hold ${need}, in the order leaf, intermediate, root. The Secret's \`ca.crt\` is for client certificates, not this chain.`,
      }),
      step({
        action: 'set',
        directive: '--enable-ssl-chain-completion',
        context: 'ingress-nginx controller arguments',
        alternative: true,
        text: "Start the controller with `--enable-ssl-chain-completion` instead: it adds missing intermediates, fetched from the URL in the certificate's Authority Information Access extension.",
      }),
    ];
  return [
    step({
      action: 'check',
      text: `Make the chain the script passes to ngx.ocsp (what \`my_load_certificate_chain()\` returns in the lib/ngx/ocsp.md example) hold ${need}.`,
    }),
    step({
      action: 'set',
      directive: 'cert',
      valueKind: 'file:leaf-and-chain',
      context: 'APISIX SSL resource',
      alternative: true,
      text: `With Apache APISIX's ocsp-stapling plugin: put ${need} into the \`cert\` of the SSL resource (\`PUT /apisix/admin/ssls/{id}\`; with \`certs\`, the plugin uses the last entry).`,
    }),
  ];
}

/**
 * The steps that replace a certificate a Lua script serves (revoked, or unknown to its CA for good):
 * - lua-resty-auto-ssl renews only within 30 days of expiry (jobs/renewal.lua:136-141 at 71259605), not on
 *   revocation; deleting `<domain>:latest` (storage.lua:63-65 `delete_cert`) makes it issue a new one on the
 *   next request (ssl_certificate.lua:143-150, when `allow_domain` allows), the DER copy cached up to 3600 s;
 * - ingress-nginx: a new `tls.crt`/`tls.key` in the TLS Secret;
 * - an ngx.ocsp script: where it loads the certificate from; APISIX: `PUT /apisix/admin/ssls/{id}` with a new
 *   `cert` and `key` (the plugin's cache key is the chain, ocsp-stapling.lua:99, so the old entry is bypassed).
 * @param why the start of the sentence ("Replace the revoked certificate")
 */
export function luaReplaceCertificate(c: CauseContext, why: string): FixStep[] {
  if (c.lua === 'auto-ssl')
    return [
      step({
        action: 'replace-certificate',
        text: `${why}: lua-resty-auto-ssl renews certificates only before they expire, never on revocation. Delete its stored record ${autoSslRecord(c)} (${AUTO_SSL_STORAGE}) so that it issues a new certificate on the next request for that name (if \`allow_domain\` allows it), and restart nginx or wait up to an hour: the old chain stays cached in \`lua_shared_dict auto_ssl\`.`,
      }),
    ];
  if (c.lua === 'ingress-nginx')
    return [
      step({
        action: 'replace-certificate',
        directive: 'tls.crt',
        valueKind: 'file:leaf-and-chain',
        context: 'TLS Secret',
        text: `${why}: put a new certificate and key into \`tls.crt\` and \`tls.key\` of the Ingress's TLS Secret.`,
      }),
    ];
  return [
    step({ action: 'replace-certificate', text: `${why}: replace or renew it where the script loads it from.` }),
    step({
      action: 'replace-certificate',
      directive: 'cert',
      valueKind: 'file:leaf-and-chain',
      context: 'APISIX SSL resource',
      alternative: true,
      text: `With Apache APISIX's ocsp-stapling plugin: ${why.charAt(0).toLowerCase()}${why.slice(1)} with \`PUT /apisix/admin/ssls/{id}\` and a new \`cert\` and \`key\`.`,
    }),
  ];
}

/**
 * The steps that let a Lua script resolve the responder's name. A cosocket resolves with nginx's `resolver`
 * (lua-nginx-module README.markdown, tcpsock:connect: "it is required to configure the resolver directive in
 * the nginx.conf file"), so for lua-resty-auto-ssl (README.md:60-66: "A DNS resolver must be defined for OCSP
 * stapling to function", `ipv6=off` when the network has no IPv6) and an ngx.ocsp script that directive is the
 * lever; APISIX writes it from `apisix.dns_resolver` in conf/config.yaml (else /etc/resolv.conf; cli/ops.lua:785-796);
 * ingress-nginx has no setting for it: the controller writes it from the pod's /etc/resolv.conf
 * (internal/ingress/controller/nginx.go:83-91, template.go:460-496 at dbb11b92) and looks the name up itself
 * with the same name servers (rootfs/etc/nginx/lua/util/dns.lua).
 * @param host the name to resolve, in words
 */
export function luaResolverSteps(c: CauseContext, host: string): FixStep[] {
  if (c.lua === 'ingress-nginx')
    return [
      step({
        action: 'check',
        text: `ingress-nginx has no ConfigMap key for the DNS server: the controller takes the name servers of its pod's /etc/resolv.conf for nginx's resolver and for its own lookup of ${host}. Make the DNS server the controller pod uses resolve external names such as ${host}.`,
      }),
    ];
  const steps = [
    step({
      action: 'set',
      directive: 'resolver',
      valueKind: 'dns-server',
      context: 'http',
      text: `Add \`resolver <DNS server IP>;\` to the http block (with \`ipv6=off\` if this host has no IPv6 route): ${LUA_NAMES[c.lua ?? 'ngx.ocsp']} asks the responder through an nginx cosocket, which looks up ${host} with nginx's \`resolver\`${c.lua === 'auto-ssl' ? ' (lua-resty-auto-ssl README: "A DNS resolver must be defined for OCSP stapling to function")' : ''}.`,
    }),
  ];
  if (c.lua === 'ngx.ocsp')
    steps.push(
      step({
        action: 'set',
        directive: 'apisix.dns_resolver',
        valueKind: 'dns-server',
        context: 'APISIX conf/config.yaml',
        alternative: true,
        text: `With Apache APISIX: it writes nginx's resolver from \`apisix.dns_resolver\` in conf/config.yaml (else from /etc/resolv.conf): list a DNS server there that resolves ${host}, and reload APISIX.`,
      }),
    );
  return steps;
}

/**
 * lua-resty-auto-ssl's way round an egress that only a proxy may pass: its option `http_proxy_options` (README.md
 * "http_proxy_options": "Configure an HTTP proxy to use when making OCSP stapling requests"; ssl_certificate.lua:175-178
 * at 71259605). ingress-nginx and the ngx.ocsp example have no proxy setting: none for them.
 */
export function luaProxySteps(c: CauseContext): FixStep[] {
  if (c.lua !== 'auto-ssl') return [];
  return [
    step({
      action: 'set',
      directive: 'http_proxy_options',
      valueKind: 'url:http-proxy',
      context: 'init_by_lua_block',
      alternative: true,
      text: 'Where only a proxy may reach the internet: `auto_ssl:set("http_proxy_options", { http_proxy = "http://proxy:3128" })` (lua-resty-auto-ssl README, "http_proxy_options").',
    }),
  ];
}

/**
 * lua-resty-auto-ssl only: a certificate it has just issued may not be known to the CA's responder yet. Its code
 * waits a second for new certificates because "Let's Encrypt seems to return an Unauthorized response"
 * (ssl_certificate.lua:215-220 at 71259605), and its maintainer (issue #70): the OCSP response for newly issued
 * certificates may be unavailable, "check if this behavior vanishes a few minutes or hours after".
 */
export function autoSslNewCertificate(c: CauseContext): FixStep[] {
  if (c.lua !== 'auto-ssl') return [];
  return [
    step({
      action: 'check',
      text: "If lua-resty-auto-ssl has just issued the certificate, the CA's responder may not answer for it yet: see whether the message stops after a few minutes or hours (it retries on later handshakes).",
    }),
  ];
}
