/**
 * Apache httpd configuration → the model: the main server and every `<VirtualHost>` with the mod_ssl
 * and stapling directives in effect for it. Inheritance is mod_ssl's (`modules/ssl/ssl_engine_config.c`
 * `ssl_config_server_merge()`, httpd 2.4): a virtual host's `SSLCertificateFile`s are the main
 * server's followed by its own (`cfgMergeArray`: `apr_array_append(base, add)`), single values
 * (`SSLCertificateChainFile`, `SSLCACertificateFile`, `SSLUseStapling`, `SSLStaplingForceURL`,
 * `SSLEngine`) are its own when set, else the main server's. `SSLStaplingCache`, and mod_md's `MDStapling`
 * and `MDStaplingOthers`, are server-wide.
 * Relative paths are relative to `ServerRoot`.
 */
import path from 'node:path';
import { readApacheFile, markUnloadedCacheProviders, parseEnvvars, type ApacheLine, type ApacheReadState } from './apache-read.js';
import {
  ProblemList,
  splitHostPort,
  type ConfigDirective,
  type ConfigSource,
  type ListenAddress,
  type Location,
  type ServerConfig,
  type SiteCertificates,
} from './model.js';
import { IncludeGuard, INCLUDE_LIMITS, type ConfigReader, type IncludeLimits } from './reader.js';

/** The directives the model keeps (lower-cased). */
const RELEVANT =
  /^(sslengine|sslcertificate(file|keyfile|chainfile)|sslcacertificate(file|path)|sslusestapling|sslstapling\w*|sslocspproxyurl|mdstapling(others)?|servername|serveralias|listen)$/;

/** The lines of the main server or of one `<VirtualHost>`. */
interface Scope {
  open: ApacheLine | null;
  end: Location | null;
  own: ApacheLine[];
  files: Set<string>;
}

/** Split the line stream into the main server and the virtual hosts (directives inside `<Directory>` etc. are not server-level). */
function scopes(lines: ApacheLine[], problems: ProblemList): { main: Scope; vhosts: Scope[] } {
  const main: Scope = { open: null, end: null, own: [], files: new Set() };
  const vhosts: Scope[] = [];
  let cur: Scope | null = null;
  let nested = 0;
  for (const l of lines) {
    if (cur) cur.files.add(l.file);
    if (l.kind === 'open' && l.name === 'virtualhost') {
      if (cur) problems.add('syntax', 'error', l, '<VirtualHost> cannot occur within <VirtualHost> section');
      cur = { open: l, end: null, own: [], files: new Set([l.file]) };
      vhosts.push(cur);
      nested = 0;
    } else if (l.kind === 'close' && l.name === 'virtualhost' && cur) {
      cur.end = { file: l.file, line: l.line };
      cur = null;
    } else if (l.kind === 'open') nested++;
    else if (l.kind === 'close') nested = Math.max(0, nested - 1);
    else if (nested === 0 && RELEVANT.test(l.name)) (cur ?? main).own.push(l);
  }
  return { main, vhosts };
}

const last = (s: Scope, name: string) => s.own.filter((l) => l.name === name).at(-1);
const all = (s: Scope, name: string) => s.own.filter((l) => l.name === name);

/** `ServerName [scheme://]host[:port]` (`server/core.c` `server_hostname_port()`). */
function serverNameOf(l: ApacheLine | undefined): { host: string; port: number | null } | null {
  const v = l?.args[0];
  if (!v) return null;
  const { host, port } = splitHostPort(v.replace(/^[a-z][a-z0-9+.-]*:\/\//i, ''));
  return host ? { host, port } : null;
}

/** `staplingCacheProviderMissing` of a block, from the server-wide `SSLStaplingCache` line (none: nothing). */
function providerMissing(l: ApacheLine | undefined): { staplingCacheProviderMissing?: string } {
  return l?.providerMissing === undefined ? {} : { staplingCacheProviderMissing: l.providerMissing };
}

function flag(l: ApacheLine | undefined): boolean | null {
  const v = l?.args[0]?.toLowerCase();
  return v === undefined ? null : v === 'on' || v === 'optional';
}

/** Build one block from its scope and the main server's. */
function siteOf(kind: 'main' | 'virtualhost', s: Scope, main: Scope, at: Location, serverRoot: string): SiteCertificates {
  const eff = (name: string) => last(s, name) ?? last(main, name);
  const rel = (l: ApacheLine | undefined) => (l?.args[0] === undefined ? null : path.resolve(serverRoot, l.args[0]));
  const files = (name: string) => [rel(eff(name))].filter((f): f is string => f !== null);
  const tls = flag(eff('sslengine')) === true;
  const vhostArgs = s.open?.args ?? [];
  const addresses: ListenAddress[] =
    kind === 'virtualhost'
      ? vhostArgs.map((a) => ({ ...splitHostPort(a), ssl: tls, raw: a }))
      : all(main, 'listen').map((l) => ({ ...splitHostPort(l.args[0] ?? ''), ssl: tls || l.args[1] === 'https', raw: l.args.join(' ') }));
  const own = serverNameOf(last(s, 'servername'));
  const inherited = kind === 'main' || vhostArgs.some((a) => a.startsWith('_default_')) ? serverNameOf(last(main, 'servername')) : null;
  const name = own ?? inherited;
  const certLines =
    kind === 'main' ? all(main, 'sslcertificatefile') : [...all(main, 'sslcertificatefile'), ...all(s, 'sslcertificatefile')];
  const inheritedLines =
    kind === 'main' ? [] : main.own.filter((l) => l.name !== 'servername' && l.name !== 'serveralias' && l.name !== 'listen');
  const directives: ConfigDirective[] = [...inheritedLines, ...s.own.filter((l) => l.name !== 'listen' || kind === 'main')].map((l) => ({
    name: l.written,
    args: l.args,
    file: l.file,
    line: l.line,
  }));
  const names = [...(name ? [name.host] : []), ...all(s, 'serveralias').flatMap((l) => l.args)];
  return {
    server: 'apache',
    kind,
    context: null,
    file: at.file,
    line: at.line,
    end: s.end,
    files: [...(kind === 'main' ? new Set([at.file, ...s.own.map((l) => l.file)]) : s.files)],
    names,
    serverName: name?.host ?? null,
    // mod_ssl's vhost id takes the port of the block's own ServerName, else 443 (SSLEngine on) or 80: never the
    // <VirtualHost> address's (`ssl_util_vhostid()`; Apache 2.4.71 logs `www.stapling.test:443:0` for a
    // <VirtualHost 127.0.0.1:43097>, samples/real/apache-issuer-missing.log).
    port: (kind === 'main' ? name?.port : own?.port) ?? (tls ? 443 : 80),
    listen: kind === 'virtualhost' ? vhostArgs : addresses.map((a) => a.raw),
    addresses,
    certificates: certLines.map((l) => rel(l)).filter((f): f is string => f !== null),
    dynamicCertificates: false,
    chainFiles: files('sslcertificatechainfile'),
    trustedFiles: files('sslcacertificatefile'),
    trustedPaths: files('sslcacertificatepath'),
    clientCaFiles: [],
    stapling: flag(eff('sslusestapling')),
    staplingVerify: null,
    forcedResponder: eff('sslstaplingforceurl')?.args[0] ?? null,
    staplingFile: null,
    resolver: null,
    staplingCache: last(main, 'sslstaplingcache')?.args[0] ?? null,
    ...providerMissing(last(main, 'sslstaplingcache')),
    // (Server config only: `MDStapling` inside an `<MDomain>` is that domain's, whose certificate mod_md keeps.)
    mdStapling: flag(last(main, 'mdstapling')) === true && flag(last(main, 'mdstaplingothers')) !== false,
    tls,
    directives,
  };
}

/**
 * The blocks of a read configuration: the main server when it has a certificate or `SSLEngine on`,
 * then every `<VirtualHost>` in order (TLS or not).
 */
export function apacheSites(lines: ApacheLine[], mainFile: string, serverRoot: string, problems: ProblemList): SiteCertificates[] {
  const { main, vhosts } = scopes(lines, problems);
  for (const l of vhosts.flatMap((v) => all(v, 'sslstaplingcache')))
    problems.add('syntax', 'error', l, 'SSLStaplingCache cannot occur within <VirtualHost> section');
  const sites: SiteCertificates[] = [];
  const mainCert = all(main, 'sslcertificatefile')[0];
  if (mainCert || flag(last(main, 'sslengine')) === true)
    sites.push(siteOf('main', main, main, mainCert ?? { file: mainFile, line: 1 }, serverRoot));
  for (const v of vhosts) sites.push(siteOf('virtualhost', v, main, v.open!, serverRoot));
  return sites;
}

/** Options of {@link readApacheConfig}. */
export interface ApacheReadOptions {
  /** `ServerRoot` before the configuration sets one (default: the main file's directory; `-d`). */
  serverRoot?: string;
  /** Names given with `-D` (as `Define`d). */
  defines?: Record<string, string>;
  /** Variables for `${VAR}` (default: the `envvars` file beside the main file, when there is one). */
  env?: Map<string, string>;
  /** From a saved `apachectl -D DUMP_INCLUDES`: `file:line` of an `Include` → the files httpd read for it. */
  includeOracle?: Map<string, string[]>;
  limits?: IncludeLimits;
  source?: ConfigSource;
  problems?: ProblemList;
}

/** Debian's `envvars` beside the main file, read as data (never executed); empty when absent. */
function envvarsBeside(file: string, reader: ConfigReader, read: string[]): Map<string, string> {
  const confdir = path.dirname(file);
  const envFile = path.join(confdir, 'envvars');
  if (reader.stat(envFile)?.kind !== 'file') return new Map();
  try {
    const vars = parseEnvvars(reader.read(envFile), { APACHE_CONFDIR: confdir });
    read.push(envFile);
    return vars;
  } catch {
    return new Map();
  }
}

/**
 * Read an Apache httpd configuration into the model.
 * @param file the main file (apache2.conf / httpd.conf, or a single site file)
 */
export function readApacheConfig(file: string, reader: ConfigReader, options: ApacheReadOptions = {}): ServerConfig {
  const problems = options.problems ?? new ProblemList();
  const guard = new IncludeGuard(reader, problems, options.limits ?? INCLUDE_LIMITS);
  const extraFiles: string[] = [];
  const st: ApacheReadState = {
    reader,
    guard,
    problems,
    serverRoot: options.serverRoot ?? path.dirname(file),
    defines: new Map(Object.entries(options.defines ?? {})),
    env: options.env ?? envvarsBeside(file, reader, extraFiles),
    modules: null,
    includeOracle: options.includeOracle ?? null,
    macros: new Map(),
    expanding: [],
    out: [],
  };
  const text = guard.open(file, null);
  if (text !== null) {
    readApacheFile(file, text, st);
    guard.close();
  }
  markUnloadedCacheProviders(st);
  const sites = apacheSites(st.out, file, st.serverRoot, problems);
  const files = [...guard.files, ...extraFiles];
  const part = st.modules === null;
  return {
    server: 'apache',
    file,
    source: options.source ?? 'files',
    sites,
    files,
    problems: problems.lines(),
    issues: problems.items,
    part,
  };
}
