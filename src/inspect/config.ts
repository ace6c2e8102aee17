/**
 * Read the certificate directives of an nginx or Apache httpd configuration (`--config FILE`), so
 * that `--inspect` can pair a certificate with the trusted bundle and chain files of its
 * `server {}` / `<VirtualHost>` block.
 *
 * nginx: `ssl_certificate`, `ssl_trusted_certificate`, `ssl_client_certificate`, `ssl_stapling`,
 * `ssl_stapling_verify`, `ssl_stapling_responder`, `server_name`, `listen`, with `include` globs and
 * `http` → `server` inheritance; relative paths are relative to the directory of the main file (nginx's
 * conf prefix). Apache: `SSLCertificateFile`, `SSLCertificateChainFile`, `SSLCACertificateFile`,
 * `SSLUseStapling`, `SSLStaplingForceURL`, `SSLEngine`, `ServerName`/`ServerAlias`, `<VirtualHost>`,
 * `Include`/`IncludeOptional` (globs and directories, relative to `ServerRoot`, which defaults to the
 * directory of the main file), with the main server's values inherited by virtual hosts.
 * Sections such as `<IfModule>`/`<IfDefine>` are read as if their condition held.
 *
 * Reads files only through the injected {@link ConfigReader}; never writes; never throws for a
 * missing or unreadable file (it becomes a `problem`).
 */
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { NO_PATH_MAP, type PathMap } from './paths.js';
import { readSmallFileSync } from '../input/files.js';

/** How configuration files are read (the CLI passes `fs` with size limits and `--map-path` applied). */
export interface ConfigReader {
  /** Text of a file. @throws when it cannot be read */
  read(file: string): string;
  /** Files matching a glob (absolute pattern), sorted; a plain path that exists matches itself. */
  glob(pattern: string): string[];
  /** Whether a path is a directory. */
  isDirectory(file: string): boolean;
}

/** The certificate-related settings of one nginx `server {}` or Apache `<VirtualHost>` (or main server). */
export interface SiteCertificates {
  server: 'nginx' | 'apache';
  /** Where the block starts. */
  file: string;
  line: number;
  /** `server_name` / `ServerName` + `ServerAlias` values. */
  names: string[];
  /** `listen` values / the `<VirtualHost>` addresses. */
  listen: string[];
  /** `ssl_certificate` / `SSLCertificateFile` (absolute paths as configured, in order). */
  certificates: string[];
  /** Apache `SSLCertificateChainFile`. */
  chainFiles: string[];
  /** `ssl_trusted_certificate` / `SSLCACertificateFile`. */
  trustedFiles: string[];
  /** nginx `ssl_client_certificate` (also part of the store nginx looks issuers up in). */
  clientCaFiles: string[];
  stapling: boolean | null;
  staplingVerify: boolean | null;
  /** `ssl_stapling_responder` / `SSLStaplingForceURL`. */
  forcedResponder: string | null;
}

/** What was read from one `--config` file. */
export interface ServerConfig {
  server: 'nginx' | 'apache';
  file: string;
  sites: SiteCertificates[];
  /** Every file read (the main file and its includes). */
  files: string[];
  /** Files that could not be read, include patterns that matched nothing, values with variables. */
  problems: string[];
}

const MAX_INCLUDE_DEPTH = 16;

/** Guess the server from the text: Apache has `<Sections>` and CamelCase directives. */
export function guessServer(text: string): 'nginx' | 'apache' {
  if (/^\s*<\/?(VirtualHost|IfModule|Directory|Location|IfDefine)\b/im.test(text)) return 'apache';
  if (/^\s*(ServerRoot|LoadModule|SSLCertificateFile|SSLEngine|IncludeOptional)\s/m.test(text)) return 'apache';
  return 'nginx';
}

/**
 * Read a server configuration and the files it includes.
 * @param file the main configuration file (nginx.conf, apache2.conf/httpd.conf, or one site file)
 * @param server which syntax; guessed from the main file's text when omitted
 */
export function readServerConfig(file: string, reader: ConfigReader, server?: 'nginx' | 'apache'): ServerConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = reader.read(abs);
  } catch (e) {
    return { server: server ?? 'nginx', file: abs, sites: [], files: [], problems: [`cannot read ${file}: ${errText(e)}`] };
  }
  const kind = server ?? guessServer(text);
  return kind === 'nginx' ? readNginx(abs, text, reader) : readApache(abs, text, reader);
}

function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ?? (e instanceof Error ? e.message : String(e));
}

// ── nginx ──────────────────────────────────────────────────────────────────────────────────────────

interface Stmt {
  name: string;
  args: string[];
  block: Stmt[] | null;
  file: string;
  line: number;
}

interface Token {
  t: string;
  quoted: boolean;
  line: number;
}

/** nginx tokens: words, quoted strings, `{`, `}`, `;`; `#` comments to the end of the line. */
function nginxTokens(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      out.push({ t: c, quoted: false, line });
      i++;
    } else if (c === '"' || c === "'") {
      const start = line;
      let s = '';
      i++;
      while (i < n && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < n) {
          s += text[i + 1];
          i += 2;
          continue;
        }
        if (text[i] === '\n') line++;
        s += text[i];
        i++;
      }
      i++;
      out.push({ t: s, quoted: true, line: start });
    } else {
      let s = '';
      while (i < n && !/[\s;{}]/.test(text[i]!) && !(text[i] === '#' && s === '')) {
        if (text[i] === '\\' && i + 1 < n) {
          s += text[i + 1];
          i += 2;
          continue;
        }
        // `${var}` keeps its braces
        if (text[i] === '$' && text[i + 1] === '{') {
          const end = text.indexOf('}', i);
          if (end > 0) {
            s += text.slice(i, end + 1);
            i = end + 1;
            continue;
          }
        }
        s += text[i];
        i++;
      }
      out.push({ t: s, quoted: false, line });
    }
  }
  return out;
}

function parseNginx(
  file: string,
  text: string,
  reader: ConfigReader,
  prefix: string,
  ctx: { files: string[]; problems: string[] },
  depth: number,
): Stmt[] {
  ctx.files.push(file);
  const toks = nginxTokens(text);
  let i = 0;
  const block = (): Stmt[] => {
    const stmts: Stmt[] = [];
    while (i < toks.length) {
      const tk = toks[i]!;
      if (tk.t === '}' && !tk.quoted) {
        i++;
        return stmts;
      }
      const name = tk.t;
      const line = tk.line;
      i++;
      const args: string[] = [];
      while (i < toks.length && !(!toks[i]!.quoted && (toks[i]!.t === ';' || toks[i]!.t === '{' || toks[i]!.t === '}')))
        args.push(toks[i++]!.t);
      const end = toks[i];
      if (end && !end.quoted && end.t === '{') {
        i++;
        if (name.endsWith('_by_lua_block')) {
          // Lua code, not nginx syntax: skip to the matching brace.
          let level = 1;
          while (i < toks.length && level > 0) {
            if (!toks[i]!.quoted && toks[i]!.t === '{') level++;
            if (!toks[i]!.quoted && toks[i]!.t === '}') level--;
            i++;
          }
          stmts.push({ name, args, block: [], file, line });
        } else {
          stmts.push({ name, args, block: block(), file, line });
        }
      } else {
        if (end && end.t === ';') i++;
        if (name === 'include' && args[0] !== undefined) {
          stmts.push(...nginxInclude(args[0], prefix, reader, ctx, depth, `${file}:${line}`));
        } else {
          stmts.push({ name, args, block: null, file, line });
        }
      }
    }
    return stmts;
  };
  return block();
}

function nginxInclude(
  arg: string,
  prefix: string,
  reader: ConfigReader,
  ctx: { files: string[]; problems: string[] },
  depth: number,
  where: string,
): Stmt[] {
  if (depth >= MAX_INCLUDE_DEPTH) {
    ctx.problems.push(`${where}: include nested deeper than ${MAX_INCLUDE_DEPTH} levels, not followed`);
    return [];
  }
  const pattern = path.resolve(prefix, arg);
  const files = reader.glob(pattern);
  if (files.length === 0 && !/[*?[]/.test(arg)) ctx.problems.push(`${where}: include ${arg}: no such file`);
  const out: Stmt[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = reader.read(f);
    } catch (e) {
      ctx.problems.push(`${where}: cannot read included ${f}: ${errText(e)}`);
      continue;
    }
    out.push(...parseNginx(f, text, reader, prefix, ctx, depth + 1));
  }
  return out;
}

interface NginxInherited {
  certificates: string[];
  trusted: string | null;
  client: string | null;
  stapling: boolean | null;
  staplingVerify: boolean | null;
  responder: string | null;
}

function readNginx(file: string, text: string, reader: ConfigReader): ServerConfig {
  const prefix = path.dirname(file);
  const ctx = { files: [] as string[], problems: [] as string[] };
  const stmts = parseNginx(file, text, reader, prefix, ctx, 0);
  const sites: SiteCertificates[] = [];
  const onOff = (v: string | undefined) => (v === undefined ? null : v.toLowerCase() === 'on');
  const full = (v: string, s: Stmt) => {
    if (v.includes('$'))
      ctx.problems.push(
        `${s.file}:${s.line}: ${s.name} ${v} contains a variable: the file is chosen per connection and cannot be inspected`,
      );
    return v.startsWith('data:') ? v : path.resolve(prefix, v);
  };
  /** Apply a block's own directives over what it inherits. */
  const own = (block: Stmt[], inh: NginxInherited): NginxInherited => {
    const res = { ...inh };
    const certs = block.filter((s) => s.name === 'ssl_certificate' && s.args[0] !== undefined).map((s) => full(s.args[0]!, s));
    if (certs.length > 0) res.certificates = certs;
    for (const s of block) {
      const v = s.args[0];
      if (v === undefined) continue;
      if (s.name === 'ssl_trusted_certificate') res.trusted = full(v, s);
      if (s.name === 'ssl_client_certificate') res.client = full(v, s);
      if (s.name === 'ssl_stapling') res.stapling = onOff(v);
      if (s.name === 'ssl_stapling_verify') res.staplingVerify = onOff(v);
      if (s.name === 'ssl_stapling_responder') res.responder = v;
    }
    return res;
  };
  const walk = (block: Stmt[], inh: NginxInherited): void => {
    const here = own(block, inh);
    for (const s of block) {
      if (!s.block) continue;
      if (s.name === 'server') {
        const conf = own(s.block, here);
        sites.push({
          server: 'nginx',
          file: s.file,
          line: s.line,
          names: s.block.filter((x) => x.name === 'server_name').flatMap((x) => x.args),
          listen: s.block.filter((x) => x.name === 'listen').map((x) => x.args.join(' ')),
          certificates: conf.certificates,
          chainFiles: [],
          trustedFiles: conf.trusted ? [conf.trusted] : [],
          clientCaFiles: conf.client ? [conf.client] : [],
          stapling: conf.stapling,
          staplingVerify: conf.staplingVerify,
          forcedResponder: conf.responder,
        });
      } else if (s.name === 'http' || s.name === 'stream' || s.name === 'mail') {
        walk(s.block, here);
      }
    }
  };
  walk(stmts, { certificates: [], trusted: null, client: null, stapling: null, staplingVerify: null, responder: null });
  return { server: 'nginx', file, sites, files: ctx.files, problems: ctx.problems };
}

// ── Apache ─────────────────────────────────────────────────────────────────────────────────────────

/** Apache arguments: whitespace-separated, `"…"`/`'…'` quoted. */
function apacheArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(\S+)/g;
  for (const m of s.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
  return out;
}

interface ApacheLine {
  kind: 'directive' | 'open' | 'close';
  name: string;
  args: string[];
  file: string;
  line: number;
}

interface ApacheState {
  serverRoot: string;
  files: string[];
  problems: string[];
}

/** Logical lines of an Apache file (continuations joined), with includes expanded in place. */
function apacheLines(file: string, text: string, reader: ConfigReader, st: ApacheState, depth: number): ApacheLine[] {
  st.files.push(file);
  const out: ApacheLine[] = [];
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    const lineNo = i + 1;
    let l = raw[i]!;
    while (l.endsWith('\\') && i + 1 < raw.length) l = l.slice(0, -1) + raw[++i]!;
    l = l.trim();
    if (l === '' || l.startsWith('#')) continue;
    const close = /^<\/([^\s>]+)\s*>$/.exec(l);
    if (close) {
      out.push({ kind: 'close', name: close[1]!.toLowerCase(), args: [], file, line: lineNo });
      continue;
    }
    const open = /^<([^\s>/]+)\s*(.*?)>$/.exec(l);
    if (open) {
      out.push({ kind: 'open', name: open[1]!.toLowerCase(), args: apacheArgs(open[2]!), file, line: lineNo });
      continue;
    }
    const [name, ...args] = apacheArgs(l);
    if (!name) continue;
    const lname = name.toLowerCase();
    if (lname === 'serverroot' && args[0]) st.serverRoot = path.resolve(args[0]);
    if ((lname === 'include' || lname === 'includeoptional') && args[0]) {
      out.push(...apacheInclude(args[0], lname === 'includeoptional', reader, st, depth, `${file}:${lineNo}`));
      continue;
    }
    out.push({ kind: 'directive', name: lname, args, file, line: lineNo });
  }
  return out;
}

function apacheInclude(arg: string, optional: boolean, reader: ConfigReader, st: ApacheState, depth: number, where: string): ApacheLine[] {
  if (depth >= MAX_INCLUDE_DEPTH) {
    st.problems.push(`${where}: Include nested deeper than ${MAX_INCLUDE_DEPTH} levels, not followed`);
    return [];
  }
  if (arg.includes('${')) {
    st.problems.push(`${where}: Include ${arg} uses a variable, not followed`);
    return [];
  }
  const target = path.resolve(st.serverRoot, arg);
  let files: string[];
  if (!/[*?[]/.test(target) && reader.isDirectory(target)) files = reader.glob(path.join(target, '*'));
  else files = reader.glob(target);
  if (files.length === 0 && !optional && !/[*?[]/.test(arg)) st.problems.push(`${where}: Include ${arg}: no such file`);
  const out: ApacheLine[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = reader.read(f);
    } catch (e) {
      st.problems.push(`${where}: cannot read included ${f}: ${errText(e)}`);
      continue;
    }
    out.push(...apacheLines(f, text, reader, st, depth + 1));
  }
  return out;
}

interface ApacheValues {
  certificates: string[];
  chain: string[];
  ca: string[];
  stapling: boolean | null;
  sslEngine: boolean | null;
  forceUrl: string | null;
  names: string[];
}

function readApache(file: string, text: string, reader: ConfigReader): ServerConfig {
  const st: ApacheState = { serverRoot: path.dirname(file), files: [], problems: [] };
  const lines = apacheLines(file, text, reader, st, 0);
  const fresh = (): ApacheValues => ({ certificates: [], chain: [], ca: [], stapling: null, sslEngine: null, forceUrl: null, names: [] });
  const main = fresh();
  const vhosts: { file: string; line: number; listen: string[]; v: ApacheValues }[] = [];
  let cur: ApacheValues = main;
  let curVhost: (typeof vhosts)[number] | null = null;
  const rel = (p: string) => {
    if (p.includes('${')) st.problems.push(`${p}: uses a variable (\${…}); read as written`);
    return path.resolve(st.serverRoot, p);
  };
  for (const l of lines) {
    if (l.kind === 'open' && l.name === 'virtualhost') {
      curVhost = { file: l.file, line: l.line, listen: l.args, v: fresh() };
      vhosts.push(curVhost);
      cur = curVhost.v;
      continue;
    }
    if (l.kind === 'close' && l.name === 'virtualhost') {
      curVhost = null;
      cur = main;
      continue;
    }
    if (l.kind !== 'directive') continue;
    const v = l.args[0];
    if (v === undefined) continue;
    switch (l.name) {
      case 'sslcertificatefile':
        cur.certificates.push(rel(v));
        break;
      case 'sslcertificatechainfile':
        cur.chain = [rel(v)];
        break;
      case 'sslcacertificatefile':
        cur.ca = [rel(v)];
        break;
      case 'sslusestapling':
        cur.stapling = v.toLowerCase() === 'on';
        break;
      case 'sslengine':
        cur.sslEngine = v.toLowerCase() === 'on' || v.toLowerCase() === 'optional';
        break;
      case 'sslstaplingforceurl':
        cur.forceUrl = v;
        break;
      case 'servername':
        cur.names.unshift(v.replace(/^[a-z]+:\/\//i, '').replace(/:\d+$/, ''));
        break;
      case 'serveralias':
        cur.names.push(...l.args);
        break;
    }
  }
  const site = (where: { file: string; line: number; listen: string[] }, v: ApacheValues): SiteCertificates => ({
    server: 'apache',
    file: where.file,
    line: where.line,
    names: v.names.length > 0 ? v.names : main.names,
    listen: where.listen,
    certificates: v.certificates.length > 0 ? v.certificates : main.certificates,
    chainFiles: v.chain.length > 0 ? v.chain : main.chain,
    trustedFiles: v.ca.length > 0 ? v.ca : main.ca,
    clientCaFiles: [],
    stapling: v.stapling ?? main.stapling,
    staplingVerify: null,
    forcedResponder: v.forceUrl ?? main.forceUrl,
  });
  const sites: SiteCertificates[] = [];
  if (main.certificates.length > 0) sites.push(site({ file, line: 1, listen: [] }, main));
  for (const vh of vhosts) {
    if (vh.v.certificates.length > 0 || vh.v.sslEngine === true) sites.push(site(vh, vh.v));
  }
  return { server: 'apache', file, sites, files: st.files, problems: st.problems };
}

/**
 * A {@link ConfigReader} over the real file system with a size limit per file.
 * @param paths `--map-path`: named paths are read from their mapped place, globs answer in named form
 * @param maxBytes files larger than this are refused (default 4 MiB)
 */
export function fsConfigReader(fsMod: typeof import('node:fs'), paths: PathMap = NO_PATH_MAP, maxBytes = 4 * 1024 * 1024): ConfigReader {
  return {
    read(file) {
      const real = paths.toReal(file);
      const st = fsMod.statSync(real);
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      if (st.size > maxBytes) throw Object.assign(new Error(`larger than ${maxBytes} bytes`), { code: 'EFBIG' });
      return fsMod === fs ? readSmallFileSync(real, maxBytes).toString('utf8') : fsMod.readFileSync(real, 'utf8'); // bounded, never waiting
    },
    glob(pattern) {
      const real = paths.toReal(pattern);
      return fg
        .sync(real, { onlyFiles: true, dot: false, followSymbolicLinks: true, suppressErrors: true })
        .sort()
        .map((f) => paths.toNamed(f));
    },
    isDirectory(file) {
      try {
        return fsMod.statSync(paths.toReal(file)).isDirectory();
      } catch {
        return false;
      }
    },
  };
}
