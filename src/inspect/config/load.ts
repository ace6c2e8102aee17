/**
 * `--config FILE`: read an nginx or Apache httpd configuration — its files in a Debian or RHEL layout,
 * a single site file, or the saved output of `nginx -T` / `apachectl -t -D DUMP_CONFIG|DUMP_INCLUDES` —
 * into {@link ServerConfig}, and (in {@link loadServerConfigs}) ask the server's own `-t` where allowed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { apacheSites, readApacheConfig } from './apache.js';
import { detectDump, nginxDumpFailure, parseApacheDumpConfig, parseApacheDumpIncludes, parseNginxDump } from './dump.js';
import { formatProblem, ProblemList, type ConfigProblem, type ServerConfig, type ServerKind } from './model.js';
import { readNginxConfig } from './nginx.js';
import { fsConfigReader, memoryConfigReader, readErrorText, type ConfigReader, type IncludeLimits } from './reader.js';
import { checkWithServer, type ServerCheck } from './server-check.js';
import { NO_PATH_MAP, type PathMap } from '../paths.js';

/** Lines that only Apache's syntax has: `<Section>` tags, and directives only httpd knows. */
export const APACHE_SECTION = /^\s*<\/?(VirtualHost|IfModule|Directory|Location|IfDefine|Files|Macro)\b/im;
export const APACHE_DIRECTIVE =
  /^\s*(ServerRoot|ServerName|LoadModule|SSLCertificateFile|SSLEngine|SSLUseStapling|Include|IncludeOptional|Listen|Define)\s/m;

/**
 * Guess the server from a configuration's text, then its path. Apache's `<Sections>` and its own
 * directives decide at once. Otherwise each line that is not a comment counts for the syntax it can
 * only be: nginx ends every directive with `;`, `{` or `}` (a `# comment` may follow); Apache ends
 * none with `;` or `{`, may continue a line with a trailing `\` (a comment's too: httpd joins before
 * it drops comments), and its directives are capitalised (`RewriteCond`, `SSLRequire … {"a", "b"}`,
 * whose `}` is Apache's: a capitalised first word counts before a closing brace). When
 * the lines do not tell (none, or as many each way), the path does (`apache2/`, `httpd/`,
 * `.htaccess`, `apache2.conf`, `httpd.conf`); else nginx.
 * @param text the file's text
 * @param file its path, for the tie-break (optional)
 */
export function guessServer(text: string, file?: string): ServerKind {
  if (APACHE_SECTION.test(text) || APACHE_DIRECTIVE.test(text)) return 'apache';
  let apache = 0;
  let nginx = 0;
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (l.endsWith('\\')) apache++;
    else if (l === '' || l.startsWith('#')) continue;
    else if (/[;{]\s*(#.*)?$/.test(l)) nginx++;
    else if (/^[A-Z][A-Za-z0-9_]*(\s|$)/.test(l)) apache++;
    else if (/}\s*(#.*)?$/.test(l)) nginx++;
  }
  if (apache !== nginx) return apache > nginx ? 'apache' : 'nginx';
  return file !== undefined && APACHE_PATH.test(file) ? 'apache' : 'nginx';
}

/** Paths of Apache configurations: Debian's and RHEL's directories, and httpd's own file names. */
const APACHE_PATH = /(^|[\\/])(apache2?|httpd)[\\/]|(^|[\\/])(\.htaccess|apache2?\.conf|httpd\.conf)$/i;

/**
 * Apache's ServerRoot before the configuration sets one: the main file's directory (Debian's
 * compiled-in /etc/apache2 holds apache2.conf), or its parent for RHEL's `conf/httpd.conf`.
 */
export function defaultServerRoot(mainFile: string): string {
  const dir = path.dirname(mainFile);
  return path.basename(dir) === 'conf' && path.basename(mainFile) === 'httpd.conf' ? path.dirname(dir) : dir;
}

/** Options of {@link readServerConfig}. */
export interface ReadConfigOptions {
  /** Which syntax (guessed from the text when absent). */
  server?: ServerKind;
  /** Apache ServerRoot / nginx prefix before the configuration says (default: from the main file's place). */
  root?: string;
  /** Reads files that a DUMP_INCLUDES names (default: the reader given). */
  limits?: IncludeLimits;
}

function emptyConfig(server: ServerKind, file: string, problems: ProblemList, source: ServerConfig['source'] = 'files'): ServerConfig {
  return { server, file, source, sites: [], files: [], problems: problems.lines(), issues: problems.items };
}

/** A saved dump given as `--config`. */
function readDump(file: string, text: string, reader: ConfigReader, options: ReadConfigOptions): ServerConfig | null {
  const kind = detectDump(text);
  const problems = new ProblemList();
  if (kind === 'nginx -T') {
    const files = parseNginxDump(text);
    const main = [...files.keys()][0]!;
    const c = readNginxConfig(main, memoryConfigReader(files), {
      source: kind,
      problems,
      ...(options.root ? { prefix: options.root } : {}),
    });
    return { ...c, file };
  }
  if (kind === 'apachectl -D DUMP_CONFIG') {
    const { lines, files } = parseApacheDumpConfig(text);
    const root = options.root ?? defaultServerRoot(files[0] ?? file);
    if (lines.some((l) => /^ssl(certificate|cacertificate)/.test(l.name) && l.args[0] !== undefined && !path.isAbsolute(l.args[0])))
      problems.add('note', 'note', { file }, `relative paths are read against ServerRoot ${root} (DUMP_CONFIG does not show ServerRoot)`);
    const sites = apacheSites(lines, files[0] ?? file, root, problems);
    return { server: 'apache', file, source: kind, sites, files, problems: problems.lines(), issues: problems.items };
  }
  if (kind === 'apachectl -D DUMP_INCLUDES') {
    const { main, includes } = parseApacheDumpIncludes(text);
    const root = options.root ?? defaultServerRoot(main!);
    const c = readApacheConfig(main!, reader, { serverRoot: root, includeOracle: includes, source: kind, problems });
    return { ...c, file };
  }
  if (kind === 'apachectl -S') {
    problems.add(
      'dump',
      'error',
      { file },
      'this is apachectl -S (DUMP_VHOSTS) output: it names the virtual hosts but not their certificates; give the configuration file or apachectl -t -D DUMP_CONFIG output (needs mod_info)',
    );
    return emptyConfig('apache', file, problems, kind);
  }
  const failed = nginxDumpFailure(text);
  if (failed.length > 0) {
    for (const l of failed) problems.add('dump', 'error', { file }, `this is the output of an nginx -T that failed: ${l}`);
    return emptyConfig('nginx', file, problems, 'nginx -T');
  }
  return null;
}

/**
 * Read a configuration given to `--config`. Never throws: an unreadable file is a problem of kind
 * `unreadable` (the CLI exits 2 on it), and so on (see {@link ConfigProblem}).
 * @param file the main configuration file, a saved dump, or a directory holding nginx.conf,
 *   apache2.conf or conf/httpd.conf (relative to the working directory)
 * @param reader how files are read (`fsConfigReader(fs, paths)`)
 * @param options the server, when it should not be guessed from the text (or the server kind alone)
 */
export function readServerConfig(file: string, reader: ConfigReader, options: ReadConfigOptions | ServerKind = {}): ServerConfig {
  const opts = typeof options === 'string' ? { server: options } : options;
  const abs = path.resolve(file);
  const inDir = mainFileIn(abs, reader);
  if (inDir) {
    const c = readServerConfig(inDir, reader, opts);
    const note = { kind: 'note', severity: 'note', file: abs, line: null, message: `a directory: read ${inDir}` } as const;
    return { ...c, issues: [note, ...c.issues], problems: [formatProblem(note), ...c.problems] };
  }
  let text: string;
  try {
    text = reader.read(abs);
  } catch (e) {
    const problems = new ProblemList();
    const tried = reader.realPath(abs);
    problems.add(
      'unreadable',
      'error',
      { file: abs },
      `cannot read --config ${abs}: ${readErrorText(e)}`,
      tried !== abs ? tried : undefined,
    );
    return emptyConfig(opts.server ?? 'nginx', abs, problems);
  }
  const notConfig = notAConfiguration(text);
  if (notConfig) {
    const problems = new ProblemList();
    problems.add('unreadable', 'error', { file: abs }, `not a server configuration: ${notConfig}`);
    return emptyConfig(opts.server ?? 'nginx', abs, problems);
  }
  const dump = readDump(abs, text, reader, opts);
  if (dump) return dump;
  const kind = opts.server ?? guessServer(text, abs);
  if (kind === 'nginx')
    return readNginxConfig(abs, reader, { ...(opts.root ? { prefix: opts.root } : {}), ...(opts.limits ? { limits: opts.limits } : {}) });
  return readApacheConfig(abs, reader, {
    serverRoot: opts.root ?? defaultServerRoot(abs),
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
}

/**
 * Why a `--config` file is plainly no server configuration (a mistake on the command line, exit 2), or null:
 * PEM data (a certificate or key given instead of the configuration that names it), or binary data (a NUL, or
 * mostly bytes that are not UTF-8: the reader's U+FFFD; a Latin-1 comment's few are a configuration's).
 * Neither server reads either as a configuration.
 */
function notAConfiguration(text: string): string | null {
  if (/^\s*-----BEGIN [A-Z0-9 ]+-----/.test(text))
    return 'it holds PEM data (a certificate or key); give the nginx or Apache configuration that names it';
  const head = text.slice(0, 8192);
  const undecoded = head.match(/\ufffd/g)?.length ?? 0;
  if (head.includes('\u0000') || (undecoded > 8 && undecoded > head.length / 10))
    return 'it is not a text file; give the nginx or Apache configuration (or a saved nginx -T / apachectl -D DUMP_CONFIG)';
  return null;
}

/**
 * A server's word without a line (nginx names the file it could not load, `SSL_CTX_load_verify_locations("…")
 * failed`, `d2i_OCSP_RESPONSE_bio("…") failed`, not where it is named): placed at the TLS directive that names
 * that file, when one does; else as it is.
 */
function placed(p: ConfigProblem, c: ServerConfig): ConfigProblem {
  if (p.line !== null) return p;
  const named = [...p.message.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  const names = (a: string): boolean => named.some((n) => n === a || n.endsWith(`/${a}`));
  for (const s of c.sites) for (const d of s.directives) if (d.args.some(names)) return { ...p, file: d.file, line: d.line };
  return p;
}

/** The main files looked for when `--config` names a directory (/etc/nginx, /etc/apache2, /etc/httpd). */
const MAIN_FILES = ['nginx.conf', 'apache2.conf', 'conf/httpd.conf', 'httpd.conf'];

function mainFileIn(dir: string, reader: ConfigReader): string | null {
  if (reader.stat(dir)?.kind !== 'directory') return null;
  return MAIN_FILES.map((f) => path.join(dir, f)).find((f) => reader.stat(f)?.kind === 'file') ?? null;
}

/** Options of {@link loadServerConfigs}. */
export interface LoadConfigOptions {
  /** `--map-path` (default none). */
  paths?: PathMap;
  /** Working directory for relative `--config` paths. */
  cwd?: string;
  /** Ask `nginx -t` / `apachectl -t` where allowed (default true). */
  serverCheck?: boolean;
  /** Time limit for each server check, ms (default 10 000). */
  serverCheckTimeoutMs?: number;
  /** File system module (tests). */
  fs?: typeof fs;
}

/** What {@link loadServerConfigs} read. */
export interface LoadedConfigs {
  configs: ServerConfig[];
  /** Every problem of every configuration, server checks included, in order. */
  problems: ConfigProblem[];
  /** The server checks run or skipped, one per configuration read from files. */
  checks: ServerCheck[];
  /** True when a `--config` file itself could not be read, or was refused (no configuration, `apachectl -S` output): the CLI exits 2. */
  fatal: boolean;
}

/**
 * Read every `--config` and run the server's own test on each where allowed (see `server-check.ts`).
 * A configuration the server refuses is still read (its problems say where); only an unreadable
 * `--config` is fatal.
 */
export async function loadServerConfigs(files: readonly string[], options: LoadConfigOptions = {}): Promise<LoadedConfigs> {
  const paths = options.paths ?? NO_PATH_MAP;
  const reader = fsConfigReader(options.fs ?? fs, paths);
  const out: LoadedConfigs = { configs: [], problems: [], checks: [], fatal: false };
  for (const f of files) {
    const c = readServerConfig(path.resolve(options.cwd ?? process.cwd(), f), reader);
    out.configs.push(c);
    out.problems.push(...c.issues);
    // (A saved `apachectl -S` is refused like an unreadable file: what was given is not what check reads.)
    if (c.source === 'apachectl -S' || c.issues.some((p) => p.kind === 'unreadable' && p.file === c.file)) {
      out.fatal = true;
      continue;
    }
    if (options.serverCheck === false || c.source !== 'files') continue;
    const check = await checkWithServer(c, defaultServerRoot(c.file), {
      mapped: paths.active,
      ...(options.serverCheckTimeoutMs ? { timeoutMs: options.serverCheckTimeoutMs } : {}),
    });
    out.checks.push(check);
    // The server's word on a line our parser already reported adds nothing.
    const fresh = check.problems
      .map((p) => placed(p, c))
      .filter((p) => !c.issues.some((q) => q.kind === 'syntax' && q.file === p.file && q.line === p.line));
    out.problems.push(...fresh);
    c.issues.push(...fresh);
    c.problems.push(...fresh.map(formatProblem));
  }
  return out;
}
