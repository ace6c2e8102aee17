/**
 * The configuration model `--config` builds from an nginx or Apache httpd configuration: every nginx
 * `server {}` block and every Apache `<VirtualHost>` (and the main server when it has a certificate),
 * each with the files and the stapling directives in effect for it and the file:line of each.
 *
 * Paths are absolute and in their *named* form (as the configuration names them, before `--map-path`).
 */

/** The server a configuration is for. */
export type ServerKind = 'nginx' | 'apache';

/** A place in a configuration file: the file (absolute, named form) and the 1-based line. */
export interface Location {
  file: string;
  line: number;
}

/**
 * One directive as it applies to a block: its name as written (nginx `ssl_stapling`, Apache
 * `SSLUseStapling`), its arguments after variable expansion (Apache `${VAR}`), and where it is written.
 * A directive inherited from `http {}` / the main server keeps the place where it is written.
 */
export interface ConfigDirective extends Location {
  name: string;
  args: string[];
}

/**
 * An address a block accepts connections on: nginx `listen`, Apache `<VirtualHost addr:port>` (or
 * `Listen` for the main server).
 * - `host`: the IP address or name written, `null` for any address (`*`, `_default_`, `0.0.0.0`,
 *   `[::]`, a bare port);
 * - `port`: the TCP port, `null` when not written (Apache `<VirtualHost *>`);
 * - `ssl`: nginx `listen … ssl` (or `ssl on;` in the block); Apache: `SSLEngine on` for the block;
 * - `raw`: the text as written (`127.0.0.1:8443 ssl`, `*:443`), `unix:` sockets included.
 */
export interface ListenAddress {
  host: string | null;
  port: number | null;
  ssl: boolean;
  raw: string;
}

/**
 * One nginx `server {}` block or Apache `<VirtualHost>` / main server, with what it uses for TLS and
 * stapling. Inherited values (nginx `http {}` → `server {}`, Apache main server → `<VirtualHost>`) are
 * filled in, so each block is complete on its own. Field names are the server-neutral ones; `directives`
 * keeps the real directives.
 */
export interface SiteCertificates {
  server: ServerKind;
  /** nginx `server` (in `http {}`, `stream {}` or `mail {}`, see `context`); Apache `virtualhost` or `main`. */
  kind: 'server' | 'virtualhost' | 'main';
  /** nginx: the block the `server {}` is in (`http`, `stream`, `mail`); Apache: `null`. */
  context: string | null;
  /** Where the block starts (`server {` / `<VirtualHost …>`; line 1 of the main file for Apache's main server). */
  file: string;
  line: number;
  /** Where the block ends (`}` / `</VirtualHost>`); `null` for Apache's main server or a block cut by a syntax error. */
  end: Location | null;
  /** Files whose lines are part of the block (its own file and those included inside it). */
  files: string[];
  /** nginx `server_name` values (all, as written: wildcards and `~regex` included); Apache `ServerName` then `ServerAlias`. */
  names: string[];
  /**
   * The name the server calls this block by: nginx's first `server_name` (what `server:` shows in
   * request lines); Apache's `ServerName` host (own, or the main server's for `_default_`), which with
   * `port` makes the vhost id of mod_ssl's messages (`www.example.com:443`). `null` when the
   * configuration does not say (Apache then uses reverse DNS of the address).
   */
  serverName: string | null;
  /**
   * Apache: the port of the vhost id (the block's own `ServerName` port, else 443 with `SSLEngine on`,
   * 80 without; the `<VirtualHost>` address's port does not count) — `modules/ssl/ssl_util.c`
   * `ssl_util_vhostid()` (httpd 2.4; real Apache 2.4.71 logs `…:443:0` for a `<VirtualHost *:43097>`,
   * samples/real/apache-issuer-missing.log). nginx: the first `listen` port.
   */
  port: number | null;
  /** `listen` values / `<VirtualHost>` addresses as written (compatibility; see `addresses`). */
  listen: string[];
  addresses: ListenAddress[];
  /** `ssl_certificate` / `SSLCertificateFile`, absolute, in order (Apache's certificate index `:N` counts in it). */
  certificates: string[];
  /** True when a certificate path holds an nginx variable (`$ssl_server_name`): chosen per connection. */
  dynamicCertificates: boolean;
  /** Apache `SSLCertificateChainFile`. */
  chainFiles: string[];
  /** `ssl_trusted_certificate` / `SSLCACertificateFile`. */
  trustedFiles: string[];
  /** Apache `SSLCACertificatePath` (a hashed directory, also searched for the issuer). */
  trustedPaths: string[];
  /** nginx `ssl_client_certificate` (also part of the store nginx looks issuers up in). */
  clientCaFiles: string[];
  /** `ssl_stapling` / `SSLUseStapling` (null: not set, the server's default: off). */
  stapling: boolean | null;
  /** nginx `ssl_stapling_verify`. */
  staplingVerify: boolean | null;
  /** `ssl_stapling_responder` / `SSLStaplingForceURL`. */
  forcedResponder: string | null;
  /** nginx `ssl_stapling_file` (a DER OCSP response served instead of asking the responder). */
  staplingFile: string | null;
  /** nginx `resolver` addresses (parameters such as `valid=30s` left out); null when not set. */
  resolver: string[] | null;
  /** Apache `SSLStaplingCache` (server config only); null when not set. */
  staplingCache: string | null;
  /**
   * Apache: the socache provider `SSLStaplingCache` names (`shmcb`) when no module the configuration loads provides
   * it, so httpd refuses the configuration (`apache-read.ts` `markUnloadedCacheProviders()`); absent otherwise.
   */
  staplingCacheProviderMissing?: string;
  /**
   * Apache: mod_md staples the block's certificates when it can, `SSLUseStapling` or not: `MDStapling on` in
   * the server config with `MDStaplingOthers` not off. mod_ssl's `ssl_stapling_init_cert()` (httpd 2.4.48+,
   * `modules/ssl/ssl_util_stapling.c`) hands every certificate whose issuer it finds to `ap_ssl_ocsp_prime()`
   * first, and mod_md takes it (AH10177 `OCSP stapling added via hook`). Absent: no.
   */
  mdStapling?: boolean;
  /** nginx `listen … ssl`/`ssl on`, Apache `SSLEngine on|optional` (inherited); null when not said. */
  tls: boolean | null;
  /**
   * Every TLS and stapling directive in effect for the block, own and inherited, in the order the
   * server applies them: nginx `ssl_certificate`, `ssl_trusted_certificate`, `ssl_client_certificate`,
   * `ssl_stapling*`, `resolver`, `resolver_timeout`, `server_name`, `listen`; Apache `SSLEngine`,
   * `SSLCertificate*`, `SSLCACertificate*`, `SSLUseStapling`, `SSLStapling*`, `SSLOCSPProxyURL`,
   * `ServerName`, `ServerAlias`.
   */
  directives: ConfigDirective[];
}

/**
 * Kinds of {@link ConfigProblem}:
 * - `unreadable`: the `--config` file itself cannot be read (the CLI exits 2);
 * - `syntax`: the server would refuse the file (our parser's error, in the server's words where it has them);
 * - `server-check`: `nginx -t` / `apachectl -t` rejected the configuration (its own message);
 * - `include`: an included file is missing or unreadable, a pattern matched nothing;
 * - `include-cycle`, `include-depth`, `include-budget`: an include not followed (a cycle, nested too
 *   deep, or past the total number of files/bytes read for one configuration);
 * - `variable`: a value with a variable that cannot be resolved here;
 * - `dump`: a saved `nginx -T` / `apachectl -D DUMP_…` output that cannot be used as it is;
 * - `note`: something read in a way the user should know about (a condition assumed true).
 */
export type ConfigProblemKind =
  | 'unreadable'
  | 'syntax'
  | 'server-check'
  | 'include'
  | 'include-cycle'
  | 'include-depth'
  | 'include-budget'
  | 'variable'
  | 'dump'
  | 'note';

/** Something about a configuration the user can act on, with where it is. */
export interface ConfigProblem {
  kind: ConfigProblemKind;
  /** `error`: part of the configuration could not be read (or the server rejects it); `warning`; `note`. */
  severity: 'error' | 'warning' | 'note';
  /** The file the problem is in (named form) and the line, when known. */
  file: string;
  line: number | null;
  message: string;
  /** With `--map-path`: the path that was actually tried for `file` (or for the file the message names). */
  tried?: string;
}

/** Where a configuration was read from: its files, or a saved dump of the server's own reading. */
export type ConfigSource = 'files' | 'nginx -T' | 'apachectl -D DUMP_CONFIG' | 'apachectl -D DUMP_INCLUDES' | 'apachectl -S';

/** What was read from one `--config` argument. */
export interface ServerConfig {
  server: ServerKind;
  /** The main file (named form): nginx.conf, apache2.conf/httpd.conf, a site file, or the dump. */
  file: string;
  source: ConfigSource;
  /** Every block, in configuration order (nginx `server {}`s; Apache main server first, then `<VirtualHost>`s). */
  sites: SiteCertificates[];
  /** Every configuration file read, in order (each once). */
  files: string[];
  /** Problems as one line each, `file:line: message` (compatibility; see `issues`). */
  problems: string[];
  issues: ConfigProblem[];
  /**
   * True when the file is a part of a configuration given alone (a site file), not one the server
   * starts from: nginx's has an `events {}` at its top level (`nginx -t` fails without one), Apache's
   * loads modules (an MPM at least: `apachectl -t` fails with "No MPM loaded"). The server's own test
   * is not run on a part.
   */
  part?: boolean;
}

/** Does the block staple: `ssl_stapling`/`SSLUseStapling` on, or (Apache) mod_md's `MDStapling` ({@link SiteCertificates.mdStapling})? */
export function staples(s: Pick<SiteCertificates, 'stapling' | 'mdStapling'>): boolean {
  return s.stapling === true || s.mdStapling === true;
}

/** One line for a problem: `file:line: message (read from TRIED)`. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line === null ? p.file : `${p.file}:${p.line}`;
  const tried = p.tried && p.tried !== p.file ? ` (read from ${p.tried})` : '';
  return `${where}: ${p.message}${tried}`;
}

/** Collects problems while a configuration is read. */
export class ProblemList {
  readonly items: ConfigProblem[] = [];
  add(
    kind: ConfigProblemKind,
    severity: ConfigProblem['severity'],
    at: { file: string; line?: number | null },
    message: string,
    tried?: string,
  ) {
    const p: ConfigProblem = { kind, severity, file: at.file, line: at.line ?? null, message };
    if (tried !== undefined && tried !== at.file) p.tried = tried;
    this.items.push(p);
  }
  /** The problems as {@link ServerConfig.problems} strings. */
  lines(): string[] {
    return this.items.map(formatProblem);
  }
}

/** Port of a `host:port`, `[v6]:port` or bare port text; null when none. */
export function splitHostPort(text: string): { host: string | null; port: number | null } {
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: anyAddress(v6[1]!) ? null : `[${v6[1]}]`, port: v6[2] ? Number(v6[2]) : null };
  if (/^\d+$/.test(text)) return { host: null, port: Number(text) };
  const m = /^(.*?)(?::(\d+|\*))?$/.exec(text)!;
  const host = m[1]!;
  const port = m[2] && m[2] !== '*' ? Number(m[2]) : null;
  return { host: host === '' || anyAddress(host) ? null : host, port };
}

/** Whether an address text means "any address": `*`, `_default_`, `0.0.0.0`, `::`. */
export function anyAddress(host: string): boolean {
  return host === '*' || host === '_default_' || host === '0.0.0.0' || host === '::' || host === '[::]';
}
