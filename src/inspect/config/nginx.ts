/**
 * nginx configuration: the tokenizer and parser of `src/core/ngx_conf_file.c` (`ngx_conf_read_token()`,
 * `ngx_conf_parse()`, `ngx_conf_include()`; nginx 1.22–1.27), then the model: every `server {}` in
 * `http {}`, `stream {}` and `mail {}` with the TLS and stapling directives in effect for it
 * (`http {}` values inherited where the server does not set them, as `ngx_http_ssl_merge_srv_conf()`
 * does).
 *
 * Syntax errors are reported with file:line in nginx's own words (`unexpected "}"`, `unexpected end of
 * file, expecting ";" or "}"` …); what was read before the error is kept. Relative paths (`include`,
 * `ssl_certificate`, `ssl_trusted_certificate`, `ssl_stapling_file` …) are relative to the
 * configuration prefix, the directory of the main file (`ngx_conf_full_name(cycle, name, 1)`).
 */
import path from 'node:path';
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
import { expandNginxInclude, IncludeGuard, INCLUDE_LIMITS, type ConfigReader, type IncludeLimits } from './reader.js';

/** One parsed directive; `block` is set for `name … { … }`. */
export interface NginxStatement extends Location {
  name: string;
  args: string[];
  block: NginxStatement[] | null;
  /** Where the block's `}` is. */
  end: Location | null;
  /** Reading order (includes spliced in place): sorts directives from different files. */
  seq: number;
}

type Token = { t: 'word'; v: string; quoted: boolean; line: number } | { t: ';' | '{' | '}' | 'eof'; line: number };

/** A syntax error at a line of the file being read. */
class NginxSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const SPACE = new Set([' ', '\t', '\r', '\n']);

/** nginx's unescaping of a word (`\"`, `\'`, `\\`, `\t`, `\r`, `\n`; other backslashes stay). */
function unescape(raw: string): string {
  return raw.replace(/\\(["'\\trn])/g, (_, c: string) => (c === 't' ? '\t' : c === 'r' ? '\r' : c === 'n' ? '\n' : c));
}

/** `ngx_conf_read_token()`: words, quoted strings, `;`, `{`, `}`; `#` comments at a token's start. */
class NginxLexer {
  private i = 0;
  line = 1;
  constructor(private readonly s: string) {}

  private skipSpace(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === '\n') this.line++;
      if (SPACE.has(c)) this.i++;
      else if (c === '#') while (this.i < s.length && s[this.i] !== '\n') this.i++;
      else return;
    }
  }

  next(): Token {
    this.skipSpace();
    const s = this.s;
    const line = this.line;
    if (this.i >= s.length) return { t: 'eof', line };
    const c = s[this.i]!;
    if (c === ';' || c === '{' || c === '}') {
      this.i++;
      return { t: c, line };
    }
    if (c === '"' || c === "'") return this.quoted(c, line);
    const start = this.i;
    while (this.i < s.length) {
      const ch = s[this.i]!;
      if (ch === '\\' && this.i + 1 < s.length) {
        if (s[this.i + 1] === '\n') this.line++;
        this.i += 2;
      } else if (ch === '$' && s[this.i + 1] === '{') this.i += 2;
      else if (SPACE.has(ch) || ch === ';' || ch === '{') break;
      else this.i++;
    }
    return { t: 'word', v: unescape(s.slice(start, this.i)), quoted: false, line };
  }

  private quoted(q: string, line: number): Token {
    const s = this.s;
    const start = ++this.i;
    while (this.i < s.length && s[this.i] !== q) {
      if (s[this.i] === '\n') this.line++;
      if (s[this.i] === '\\' && this.i + 1 < s.length) {
        if (s[this.i + 1] === '\n') this.line++;
        this.i++;
      }
      this.i++;
    }
    if (this.i >= s.length) throw new NginxSyntaxError(this.line, 'unexpected end of file, expecting ";" or "}"');
    const v = unescape(s.slice(start, this.i++));
    const after = s[this.i];
    if (after !== undefined && !SPACE.has(after) && after !== ';' && after !== '{' && after !== ')')
      throw new NginxSyntaxError(this.line, `unexpected "${after}"`);
    return { t: 'word', v, quoted: true, line };
  }

  /** Skip the body of a `*_by_lua_block {` (Lua, not nginx syntax) to its closing brace. */
  skipLuaBlock(): void {
    const s = this.s;
    let depth = 1;
    while (this.i < s.length && depth > 0) {
      const c = s[this.i]!;
      const long = /^\[(=*)\[/.exec(s.slice(this.i, this.i + 16));
      if (c === '\n') this.line++;
      if (c === '"' || c === "'") this.skipTo(c, true);
      else if (c === '-' && s[this.i + 1] === '-') {
        const lc = /^--\[(=*)\[/.exec(s.slice(this.i, this.i + 18));
        if (lc) this.skipTo(`]${lc[1]}]`, false, lc[0].length);
        else while (this.i < s.length && s[this.i] !== '\n') this.i++;
        continue;
      } else if (long) this.skipTo(`]${long[1]}]`, false, long[0].length);
      else if (c === '{') depth++;
      else if (c === '}') depth--;
      this.i++;
    }
    if (depth > 0) throw new NginxSyntaxError(this.line, 'unexpected end of file, expecting "}"');
  }

  /** Move to the last character of the closing `end` (a quote honours backslashes). */
  private skipTo(end: string, escapes: boolean, skip = 1): void {
    const s = this.s;
    this.i += skip;
    while (this.i < s.length && !s.startsWith(end, this.i)) {
      if (s[this.i] === '\n') this.line++;
      this.i += escapes && s[this.i] === '\\' ? 2 : 1;
    }
    this.i += end.length - 1;
  }
}

interface ParseContext {
  reader: ConfigReader;
  guard: IncludeGuard;
  problems: ProblemList;
  /** The configuration prefix (the main file's directory). */
  prefix: string;
  seq: number;
}

/** Parse one file's text into `out` (statements of included files are spliced in place). Syntax errors become problems. */
function parseFile(file: string, text: string, ctx: ParseContext, out: NginxStatement[]): void {
  const lx = new NginxLexer(text);
  try {
    parseBlock(lx, file, ctx, out, null);
  } catch (e) {
    if (!(e instanceof NginxSyntaxError)) throw e;
    ctx.problems.add('syntax', 'error', { file, line: e.line }, e.message);
  }
}

/**
 * Blocks whose body nginx reads with a handler of its own (`cf->handler`), where a `{` is an error:
 * `types` (core), `map`, `geo`, `split_clients`, `charset_map` (http and stream modules).
 */
const HANDLER_BLOCKS = new Set(['types', 'map', 'geo', 'split_clients', 'charset_map']);

function parseBlock(lx: NginxLexer, file: string, ctx: ParseContext, out: NginxStatement[], open: NginxStatement | null): void {
  const handler = open !== null && HANDLER_BLOCKS.has(open.name);
  for (;;) {
    const tk = lx.next();
    if (tk.t === 'eof') {
      if (open) throw new NginxSyntaxError(tk.line, 'unexpected end of file, expecting "}"');
      return;
    }
    if (tk.t === '}') {
      if (!open) throw new NginxSyntaxError(tk.line, 'unexpected "}"');
      open.end = { file, line: tk.line };
      return;
    }
    if (tk.t !== 'word') throw new NginxSyntaxError(tk.line, `unexpected "${tk.t}"`);
    const args: string[] = [];
    let end = lx.next();
    for (; end.t === 'word'; end = lx.next()) args.push(end.v);
    if (end.t === 'eof') throw new NginxSyntaxError(end.line, 'unexpected end of file, expecting ";" or "}"');
    // A UTF-8 byte order mark (a Windows editor's) is read as part of the file's first word: nginx knows no such
    // directive, and says so at the line where the statement ends (`ngx_conf_handler()`).
    if (tk.v.startsWith('\ufeff'))
      throw new NginxSyntaxError(
        end.line,
        `unknown directive "${tk.v.replace('\ufeff', '<U+FEFF>')}" (the file starts with a UTF-8 byte order mark, which nginx reads as part of it: save the file without one)`,
      );
    if (end.t === '}') throw new NginxSyntaxError(end.line, 'unexpected "}"');
    if (end.t === '{' && handler) throw new NginxSyntaxError(end.line, 'unexpected "{"');
    const st: NginxStatement = { name: tk.v, args, block: null, file, line: tk.line, end: null, seq: ctx.seq++ };
    if (end.t === '{') {
      st.block = [];
      out.push(st);
      if (tk.v.endsWith('_by_lua_block')) {
        lx.skipLuaBlock();
        st.end = { file, line: lx.line };
      } else parseBlock(lx, file, ctx, st.block, st);
    } else if (tk.v === 'include') {
      if (args.length !== 1) ctx.problems.add('syntax', 'error', st, 'invalid number of arguments in "include" directive');
      else include(args[0]!, st, ctx, out);
    } else out.push(st);
  }
}

/** `include`: a file or glob relative to the prefix; each file parsed in the current block. */
function include(arg: string, at: Location, ctx: ParseContext, out: NginxStatement[]): void {
  const pattern = path.resolve(ctx.prefix, arg);
  for (const f of expandNginxInclude(ctx.reader, pattern).files) {
    const text = ctx.guard.open(f, at);
    if (text === null) continue;
    try {
      parseFile(f, text, ctx, out);
    } finally {
      ctx.guard.close();
    }
  }
}

/**
 * Parse an nginx configuration and the files it includes.
 * @returns the statements (includes spliced in), the files read and the problems met
 */
export function parseNginx(
  file: string,
  reader: ConfigReader,
  options: { prefix?: string; limits?: IncludeLimits; problems?: ProblemList } = {},
): { statements: NginxStatement[]; files: string[]; problems: ProblemList } {
  const problems = options.problems ?? new ProblemList();
  const guard = new IncludeGuard(reader, problems, options.limits ?? INCLUDE_LIMITS);
  const statements: NginxStatement[] = [];
  const text = guard.open(file, null);
  if (text !== null) {
    parseFile(file, text, { reader, guard, problems, prefix: options.prefix ?? path.dirname(file), seq: 0 }, statements);
    guard.close();
  }
  return { statements, files: guard.files, problems };
}

// ── model ───────────────────────────────────────────────────────────────────────────────────────────

/** Directives inherited from `http {}` (or `stream {}`/`mail {}`) by `server {}`. */
const INHERITED = new Set([
  'ssl_certificate',
  'ssl_trusted_certificate',
  'ssl_client_certificate',
  'ssl_stapling',
  'ssl_stapling_verify',
  'ssl_stapling_file',
  'ssl_stapling_responder',
  'resolver',
  'resolver_timeout',
  'ssl',
]);

type Effective = Map<string, NginxStatement[]>;

/** The directives in effect in `block`: its own where it has them, else the inherited ones. */
function merge(block: NginxStatement[], inherited: Effective): Effective {
  const own = new Map<string, NginxStatement[]>();
  for (const s of block) {
    if (!INHERITED.has(s.name)) continue;
    const list = own.get(s.name) ?? [];
    list.push(s);
    own.set(s.name, list);
  }
  return new Map([...inherited, ...own]);
}

/** Every file whose statements are in the block (its own and those of included files). */
function filesOf(st: NginxStatement, into = new Set<string>()): Set<string> {
  into.add(st.file);
  for (const s of st.block ?? []) filesOf(s, into);
  return into;
}

const onOff = (s: NginxStatement | undefined): boolean | null => (s?.args[0] === undefined ? null : s.args[0].toLowerCase() === 'on');

function listenAddress(s: NginxStatement, sslOn: boolean): ListenAddress {
  const raw = s.args.join(' ');
  const first = s.args[0] ?? '';
  const ssl = sslOn || s.args.slice(1).includes('ssl');
  if (first.startsWith('unix:')) return { host: first, port: null, ssl, raw };
  return { ...splitHostPort(first), ssl, raw };
}

/** Build the model of one `server {}` from its statement and the directives it inherits. */
function siteOf(st: NginxStatement, eff: Effective, context: string, prefix: string, problems: ProblemList): SiteCertificates {
  const block = st.block ?? [];
  const one = (name: string) => eff.get(name)?.[0];
  const full = (s: NginxStatement | undefined): string | null => {
    const v = s?.args[0];
    if (v === undefined) return null;
    if (v.includes('$')) {
      problems.add(
        'variable',
        'warning',
        s!,
        `${s!.name} ${v} contains a variable: the file is chosen per connection and cannot be inspected`,
      );
      return v;
    }
    return v.startsWith('data:') ? v : path.resolve(prefix, v);
  };
  const sslOn = onOff(one('ssl')) === true;
  const listens = block.filter((s) => s.name === 'listen');
  const addresses = listens.length > 0 ? listens.map((s) => listenAddress(s, sslOn)) : [{ host: null, port: 80, ssl: sslOn, raw: '*:80' }];
  const names = block.filter((s) => s.name === 'server_name').flatMap((s) => s.args);
  const certificates = (eff.get('ssl_certificate') ?? []).map((s) => full(s)).filter((c): c is string => c !== null);
  const files = (name: string) => [full(one(name))].filter((f): f is string => f !== null);
  const resolver = one('resolver');
  const directives: ConfigDirective[] = [
    ...[...eff.values()].flat(),
    ...block.filter((s) => s.name === 'server_name' || s.name === 'listen'),
  ]
    .sort((a, b) => a.seq - b.seq)
    .map((s) => ({ name: s.name, args: s.args, file: s.file, line: s.line }));
  return {
    server: 'nginx',
    kind: 'server',
    context,
    file: st.file,
    line: st.line,
    end: st.end,
    files: [...filesOf(st)],
    names,
    serverName: names[0] ? names[0] : null,
    port: addresses[0]?.port ?? null,
    listen: listens.map((s) => s.args.join(' ')),
    addresses,
    certificates,
    dynamicCertificates: certificates.some((c) => c.includes('$')),
    chainFiles: [],
    trustedFiles: files('ssl_trusted_certificate'),
    trustedPaths: [],
    clientCaFiles: files('ssl_client_certificate'),
    stapling: onOff(one('ssl_stapling')),
    staplingVerify: onOff(one('ssl_stapling_verify')),
    forcedResponder: one('ssl_stapling_responder')?.args[0] ?? null,
    staplingFile: full(one('ssl_stapling_file')),
    resolver: resolver ? resolver.args.filter((a) => !a.includes('=')) : null,
    staplingCache: null,
    tls: sslOn || addresses.some((a) => a.ssl) || null,
    directives,
  };
}

/** Every `server {}` of `http`, `stream` and `mail`, in order. */
export function nginxSites(statements: NginxStatement[], prefix: string, problems: ProblemList): SiteCertificates[] {
  const sites: SiteCertificates[] = [];
  const main = merge(statements, new Map());
  for (const top of statements) {
    if (!top.block || !['http', 'stream', 'mail'].includes(top.name)) continue;
    const eff = merge(top.block, main);
    for (const s of top.block) if (s.name === 'server' && s.block) sites.push(siteOf(s, merge(s.block, eff), top.name, prefix, problems));
  }
  return sites;
}

/**
 * Read an nginx configuration into the model.
 * @param file the main file (nginx.conf, or a file holding `server {}` blocks or a whole `http {}`)
 * @param options.prefix the configuration prefix (default: the main file's directory, as `nginx -c`)
 * @param options.source what the text is (a saved `nginx -T` is read through a memory reader)
 */
export function readNginxConfig(
  file: string,
  reader: ConfigReader,
  options: { prefix?: string; limits?: IncludeLimits; source?: ConfigSource; problems?: ProblemList } = {},
): ServerConfig {
  const prefix = options.prefix ?? path.dirname(file);
  const parsed = parseNginx(file, reader, { ...options, prefix });
  // A file of bare `server {}` blocks (a sites-enabled file given alone) is read as the inside of `http {}`.
  const top = parsed.statements.some((s) => s.name === 'http' || s.name === 'stream' || s.name === 'mail')
    ? parsed.statements
    : [{ name: 'http', args: [], block: parsed.statements, file, line: 1, end: null, seq: -1 }];
  const sites = nginxSites(top, prefix, parsed.problems);
  const p = parsed.problems;
  const part = !parsed.statements.some((s) => s.name === 'events' && s.block);
  return {
    server: 'nginx',
    file,
    source: options.source ?? 'files',
    sites,
    files: parsed.files,
    problems: p.lines(),
    issues: p.items,
    part,
  };
}
