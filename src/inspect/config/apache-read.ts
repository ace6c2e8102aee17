/**
 * Reading an Apache httpd configuration the way httpd 2.4 does before it applies it
 * (`server/config.c` `ap_build_config()`, `server/core.c`): logical lines (a trailing `\` joins the
 * next line), `#` comment lines, `${VAR}` replaced on the whole line first (`ap_resolve_env()`: a
 * `Define`d value, else Debian's `envvars`, else left as written with a warning), `Define`/`UnDefine`,
 * `ServerRoot`, `LoadModule`, `Include`/`IncludeOptional` spliced in place, and the conditional
 * sections decided while reading (`<IfModule>` against the `LoadModule`s read so far, `<IfDefine>`
 * against the `Define`s). Sections must close in the file they open in; a stray or missing close is
 * a syntax error in httpd's words (`</VirtualHost> without matching <VirtualHost> section`,
 * `Expected </IfModule> but saw </VirtualHost>`, `<VirtualHost> was not closed.`).
 *
 * What cannot be decided here is read as holding, and said: `<IfDefine X>` for an X not `Define`d
 * (httpd may be started with `-D X`), `<IfModule>` in a file read without its `LoadModule`s,
 * `<IfVersion>`, `<IfFile>`, `<If>`. `<Macro>` bodies are kept as templates and each `Use` is expanded
 * in place as mod_macro does ({@link useMacro}).
 */
import path from 'node:path';
import type { Location, ProblemList } from './model.js';
import { expandApacheInclude, type ConfigReader, type IncludeGuard } from './reader.js';

/** One logical line: a directive, a section opening (`<VirtualHost *:443>`) or a closing (`</VirtualHost>`). */
export interface ApacheLine extends Location {
  kind: 'directive' | 'open' | 'close';
  /** Lower-cased name (`sslcertificatefile`, `virtualhost`). */
  name: string;
  /** The name as written (`SSLCertificateFile`). */
  written: string;
  args: string[];
  /**
   * `SSLStaplingCache` only: the socache provider it names (`shmcb` of `shmcb:/run/ocsp(128000)`) when no module
   * the configuration loads (anywhere: httpd looks the provider up after reading) provides it, so httpd refuses the
   * line (see {@link markUnloadedCacheProviders}).
   */
  providerMissing?: string;
}

/** State shared by the files of one configuration. */
export interface ApacheReadState {
  reader: ConfigReader;
  guard: IncludeGuard;
  problems: ProblemList;
  /** `ServerRoot` (default: the main file's directory, as Debian's compiled-in /etc/apache2). */
  serverRoot: string;
  /** `Define NAME [value]`s in effect (a bare `Define` has the value ''). */
  defines: Map<string, string>;
  /**
   * Names `Define`d only inside sections that were skipped (Debian's serve-cgi-bin.conf defines
   * ENABLE_USR_LIB_CGI_BIN under `<IfModule mod_cgi.c>`): the configuration's own condition for them did not
   * hold, so they are known not to be defined. Absent: none yet.
   */
  skippedDefines?: Set<string>;
  /** Variables from Debian's `envvars` (`APACHE_RUN_DIR` …), used for `${VAR}` after `Define`s. */
  env: Map<string, string>;
  /** Modules `LoadModule`d so far (`ssl`, `socache_shmcb` …); null until the first `LoadModule`. */
  modules: Set<string> | null;
  /** From a saved `DUMP_INCLUDES`: `file:line` of an `Include` → the files httpd read for it. */
  includeOracle: Map<string, string[]> | null;
  /** mod_macro's `<Macro>`s defined so far, by lower-cased name. */
  macros: Map<string, MacroDefinition>;
  /** The macros being expanded, innermost last (httpd refuses a recursive `Use`). */
  expanding: string[];
  out: ApacheLine[];
}

/** A mod_macro `<Macro name $arg …>`: its parameters and its body's logical lines as written. */
export interface MacroDefinition {
  written: string;
  params: string[];
  file: string;
  line: number;
  body: [number, number, string][];
}

/** Modules built into Debian's and RHEL's httpd (`apache2 -l`, `httpd -l`), never `LoadModule`d. */
const STATIC_MODULES = new Set(['core', 'so', 'watchdog', 'http', 'http_core', 'log_config', 'logio', 'version', 'unixd']);

/**
 * The modules that make TLS blocks: an `<IfModule>` of one that is not loaded hides its virtual hosts from
 * httpd and from `check` (Debian's sites in `<IfModule mod_ssl.c>` with `a2enmod ssl` not run), said in a
 * note ({@link noteHiddenHosts}). A negated one (`<IfModule !mod_ssl.c>`) hides no TLS block.
 */
const TLS_MODULES = new Set(['ssl', 'gnutls']);

/** `ssl_module`, `mod_ssl.c`, `mod_ssl.so` → `ssl`. */
export function moduleKey(name: string): string {
  return name.replace(/^mod_/, '').replace(/(_module|\.c|\.so)$/, '');
}

/** httpd's word splitting (`ap_getword_conf()`): whitespace-separated, `"…"`/`'…'` quoted, `\"` inside quotes. */
export function apacheArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(\S+)/g;
  for (const m of s.matchAll(re)) {
    if (m[3] !== undefined) out.push(m[3]);
    else out.push((m[1] ?? m[2] ?? '').replace(/\\(["'\\])/g, '$1'));
  }
  return out;
}

/** `ap_resolve_env()` (httpd 2.4): `${NAME}` from `Define`s, then `envvars`; unknown names stay as written (AH00111). */
function resolveVars(line: string, st: ApacheReadState, at: Location): string {
  return line.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    const v = st.defines.get(name) ?? st.env.get(name);
    if (v !== undefined) return v;
    if (!name.includes(':'))
      st.problems.add('variable', 'warning', at, `\${${name}} is not defined (no Define, not in envvars); read as written`);
    return whole;
  });
}

/** Logical lines of a file: `[first line, last line, text]`, continuations joined. */
function logicalLines(text: string): [number, number, string][] {
  const raw = text.split(/\r?\n/);
  const out: [number, number, string][] = [];
  for (let i = 0; i < raw.length; i++) {
    const first = i + 1;
    let l = raw[i]!;
    while (l.endsWith('\\') && i + 1 < raw.length) l = l.slice(0, -1) + raw[++i]!;
    l = l.trim();
    if (l !== '' && !l.startsWith('#')) out.push([first, i + 1, l]);
  }
  return out;
}

type Mode = 'keep' | 'transparent' | 'skip';

/** Whether a conditional section's body is read; `keep` for sections that are not conditions. */
function sectionMode(name: string, args: string[], st: ApacheReadState, at: Location): Mode {
  const arg = args[0] ?? '';
  const negated = arg.startsWith('!');
  const what = negated ? arg.slice(1) : arg;
  if (name === 'macro') return 'skip';
  if (name === 'ifdefine') {
    if (st.defines.has(what)) return negated ? 'skip' : 'transparent';
    if (st.skippedDefines?.has(what)) return negated ? 'transparent' : 'skip';
    if (!negated)
      st.problems.add('note', 'note', at, `<IfDefine ${what}>: ${what} is not Defined here (httpd may get it from -D); read as defined`);
    return 'transparent';
  }
  if (name === 'ifmodule') {
    if (st.modules === null) return 'transparent';
    const loaded = st.modules.has(moduleKey(what)) || STATIC_MODULES.has(moduleKey(what));
    return loaded !== negated ? 'transparent' : 'skip';
  }
  if (['ifversion', 'iffile', 'ifdirective', 'ifsection', 'if', 'elseif', 'else'].includes(name)) return 'transparent';
  return 'keep';
}

interface OpenSection {
  name: string;
  written: string;
  line: number;
  mode: Mode;
  /** For a skipped `<IfModule>` of a TLS module ({@link TLS_MODULES}) that is not loaded: its opening text, until a note said so. */
  hidesTls?: string;
}

/**
 * A `<VirtualHost>` opened inside a skipped section: when that section is an `<IfModule>` of a TLS module
 * that is not loaded, and no TLS module is, say so once (`check` would otherwise report no TLS block
 * without a word).
 */
function noteHiddenHosts(open: OpenSection[], st: ApacheReadState, file: string): void {
  const outer = open.find((s) => s.mode === 'skip');
  // With another TLS module loaded, the skipped section is the other half of a configuration written for either.
  if (!outer?.hidesTls || [...TLS_MODULES].some((m) => st.modules?.has(m))) return;
  st.problems.add(
    'note',
    'note',
    { file, line: outer.line },
    `<${outer.hidesTls}> is skipped with the virtual hosts in it: the module is not loaded (no LoadModule for it read)`,
  );
  outer.hidesTls = undefined;
}

/**
 * Read one file's lines into `st.out`, includes expanded in place.
 * @param file the file (named form); its text already read through `st.guard`
 */
export function readApacheFile(file: string, text: string, st: ApacheReadState): void {
  readApacheLines(file, logicalLines(text), st);
}

/** Read logical lines (a file's, or a macro's body with its arguments in place) into `st.out`. */
function readApacheLines(file: string, lines: readonly [number, number, string][], st: ApacheReadState): void {
  const open: OpenSection[] = [];
  // The <Macro> being read, and its place among the open sections.
  let macro: MacroDefinition | null = null;
  let macroAt = -1;
  for (const [line, last, raw] of lines) {
    const at = { file, line, last };
    if (macro && open.length === macroAt + 1 && closingWord(raw)?.toLowerCase() === '</macro>') {
      st.macros.set(macro.written.toLowerCase(), macro);
      macro = null;
    } else if (macro) macro.body.push([line, last, raw]);
    const skipping = open.some((s) => s.mode === 'skip');
    const l = skipping ? raw : resolveVars(raw, st, at);
    const close = closingWord(l);
    if (close !== null) {
      closeLine(close, l.slice(close.length).trim(), skipping, open, st, at);
      continue;
    }
    const section = /^<([^\s>/]+)(.*)$/.exec(l);
    if (section) {
      const body = section[2]!.trimEnd();
      if (!body.endsWith('>')) st.problems.add('syntax', 'error', at, `<${section[1]}> directive missing closing '>'`);
      const args = apacheArgs(body.replace(/>$/, ''));
      const name = section[1]!.toLowerCase();
      const mode = skipping ? 'skip' : sectionMode(name, args, st, at);
      if (name === 'macro' && !skipping && args[0]) {
        macro = { written: args[0], params: args.slice(1), file, line, body: [] };
        macroAt = open.length;
      }
      if (skipping && name === 'virtualhost') noteHiddenHosts(open, st, file);
      const tls = mode === 'skip' && name === 'ifmodule' && TLS_MODULES.has(moduleKey(args[0] ?? ''));
      open.push({ name, written: section[1]!, line, mode, ...(tls ? { hidesTls: `${section[1]} ${args[0]}` } : {}) });
      if (mode === 'keep') st.out.push({ kind: 'open', name, written: section[1]!, args, file, line });
      continue;
    }
    if (!skipping) directive(l, st, at);
    else {
      const skippedDefine = /^define\s+([^\s"]+)/i.exec(raw);
      if (skippedDefine) (st.skippedDefines ??= new Set()).add(skippedDefine[1]!);
    }
  }
  unclosedAtEnd(file, open, st);
}

/**
 * httpd at the end of a file: a section still open is an error, except a condition that held and
 * what was opened inside it. Its body is read by `ap_build_cont_config()` (`server/config.c`, 2.4),
 * which returns at the end of the file without a word, so `<IfModule loaded_module>` and a
 * `<VirtualHost>` opened in it may both stay open (Syntax OK); a `<VirtualHost>` opened outside any
 * held condition is "not closed".
 */
function unclosedAtEnd(file: string, open: readonly OpenSection[], st: ApacheReadState): void {
  // A skipped section is soaked up to its end (`ap_soak_end_container()`), each section in it by a
  // call of its own: the innermost one open names the error, at the line of the outermost.
  const skipped = open.find((s) => s.mode === 'skip');
  const innermost = open.findLast((s) => s.mode === 'skip');
  if (skipped && innermost)
    st.problems.add('syntax', 'error', { file, line: skipped.line }, `Expected </${innermost.written}> before end of configuration`);
  const held = open.findIndex((s) => s.mode === 'transparent' && HELD_ON_READ.has(s.name));
  for (const s of open
    .slice(0, held === -1 ? open.length : held)
    .reverse()
    .filter((s) => s.mode === 'keep'))
    st.problems.add('syntax', 'error', { file, line: s.line }, `<${s.written}> was not closed.`);
}

/** Conditions httpd decides while reading (`EXEC_ON_READ`), whose body it reads with `ap_build_cont_config()`. */
const HELD_ON_READ = new Set(['ifmodule', 'ifdefine', 'ifversion', 'iffile', 'ifdirective', 'ifsection']);

/** A closing tag's first word (`</VirtualHost>`), null when the line is not a closing tag. */
function closingWord(l: string): string | null {
  return l.startsWith('</') ? /^\S+/.exec(l)![0] : null;
}

/**
 * A line that starts with a closing tag. httpd reads its first word only (`ap_build_config_sub()` and
 * `ap_soak_end_container()` in `server/config.c`, 2.4): the rest of the line is ignored, so
 * `</VirtualHost> </IfModule>` closes the virtual host alone (Syntax OK when the `<IfModule>` held and
 * the file ends: see {@link unclosedAtEnd}) and a section opened after it on the same line is not
 * opened at all; we warn about such text. A first word without its `>` (`</VirtualHost >`) is an error
 * in httpd's words, except inside a skipped section, where httpd drops the word's last character
 * whatever it is. A held condition (`<IfModule loaded_module>`) is closed by its tag alone on a line.
 * @param skipping whether the line is inside a skipped section (as the caller read it)
 */
function closeLine(word: string, rest: string, skipping: boolean, open: OpenSection[], st: ApacheReadState, at: Location): void {
  const top = open.at(-1);
  const held = top?.mode === 'transparent' && HELD_ON_READ.has(top.name);
  // A held condition's body ends only at a line that is its closing tag and nothing else
  // (`ap_build_cont_config()`); any other closing line closes nothing opened in that body.
  if (held && rest === '' && word.toLowerCase() === `</${top.name}>`) return void open.pop();
  if (!skipping && (top === undefined || held))
    return void st.problems.add('syntax', 'error', at, `${word} without matching <${word.slice(2)} section`);
  const closed = word.endsWith('>');
  if (!closed && !skipping) st.problems.add('syntax', 'error', at, `${word}> directive missing closing '>'`);
  closeSection(word.slice(2, closed || skipping ? -1 : undefined), open, st, at);
  if (rest !== '' && !skipping) st.problems.add('syntax', 'warning', at, `httpd ignores what follows ${word} on its line: ${rest}`);
}

/** A closing tag. Inside a skipped section httpd reports the error at the skipped section's opening line. */
function closeSection(written: string, open: OpenSection[], st: ApacheReadState, at: Location): void {
  const name = written.toLowerCase();
  const skipped = open.find((s) => s.mode === 'skip');
  const where = skipped ? { file: at.file, line: skipped.line } : at;
  const top = open.pop();
  if (!top) return;
  if (top.name !== name) st.problems.add('syntax', 'error', where, `Expected </${top.written}> but saw </${written}>`);
  if (top.mode === 'keep') st.out.push({ kind: 'close', name: top.name, written: top.written, args: [], file: at.file, line: at.line });
}

/** A directive line: the ones httpd runs while reading (`EXEC_ON_READ`) act here; all are passed on. */
function directive(l: string, st: ApacheReadState, at: Location & { last: number }): void {
  const [written, ...args] = apacheArgs(l);
  if (!written) return;
  const name = written.toLowerCase();
  if (name === 'define' && args[0]) st.defines.set(args[0], args[1] ?? '');
  else if (name === 'undefine' && args[0]) st.defines.delete(args[0]);
  else if (name === 'serverroot' && args[0]) st.serverRoot = path.resolve(args[0]);
  else if (name === 'loadmodule' && args[0]) {
    st.modules ??= new Set();
    st.modules.add(moduleKey(args[0]));
    if (args[1]) st.modules.add(moduleKey(path.basename(args[1])));
  } else if (name === 'use' && args[0]) {
    useMacro(args[0], args.slice(1), st, at);
    return;
  } else if (name === 'undefmacro' && args[0]) st.macros.delete(args[0].toLowerCase());
  else if ((name === 'include' || name === 'includeoptional') && args[0] !== undefined) {
    include(args[0], name === 'includeoptional', st, at);
    return;
  }
  st.out.push({ kind: 'directive', name, written, args, file: at.file, line: at.line });
}

/**
 * The socache providers each module of httpd 2.4 registers (`modules/cache/mod_socache_*.c`; shmcb, and dbm
 * where shmcb is unavailable, also as `default`, `AP_SOCACHE_DEFAULT_PROVIDER`).
 */
const SOCACHE_PROVIDERS: Record<string, readonly string[]> = {
  socache_shmcb: ['default', 'shmcb'],
  socache_dbm: ['dbm', 'default'],
  socache_dc: ['dc'],
  socache_memcache: ['memcache'],
  socache_redis: ['redis'],
};

/**
 * `SSLStaplingCache name[:args]` names a socache provider (`ssl_cmd_SSLStaplingCache()`,
 * `modules/ssl/ssl_engine_config.c`, httpd 2.4: `ap_lookup_provider()` on the text before the first `:`), run
 * after the whole configuration is read, so every `LoadModule` (run on read) counts, wherever it is. When no
 * loaded module provides it, httpd refuses the configuration with `SSLStaplingCache: 'shmcb' stapling cache not
 * supported (known names: …) Maybe you need to load the appropriate socache module (mod_socache_shmcb?)` — a real
 * failure of layouts that enable mod_ssl without mod_socache_shmcb (the upstream httpd.conf and the official
 * Docker image leave its LoadModule commented out). Each such line gets `providerMissing` and the error. Not
 * judged when no LoadModule was read at all (a site file read alone), nor for a provider name httpd's own
 * modules do not have (a third-party module's).
 */
export function markUnloadedCacheProviders(st: ApacheReadState): void {
  const modules = st.modules;
  if (modules === null) return;
  const known = Object.entries(SOCACHE_PROVIDERS)
    .filter(([m]) => modules.has(m))
    .flatMap(([, names]) => names);
  for (const l of st.out) {
    const arg = l.kind === 'directive' && l.name === 'sslstaplingcache' ? l.args[0] : undefined;
    if (arg === undefined) continue;
    const name = arg.includes(':') ? arg.slice(0, arg.indexOf(':')) : arg;
    if (known.includes(name) || !Object.values(SOCACHE_PROVIDERS).some((names) => names.includes(name))) continue;
    l.providerMissing = name;
    const names = [...new Set(known)].sort().join(',');
    const message = `SSLStaplingCache: '${name}' stapling cache not supported (known names: ${names}) Maybe you need to load the appropriate socache module (mod_socache_${name}?)`;
    st.problems.add('syntax', 'error', l, message);
  }
}

/**
 * mod_macro's `Use name value…` (httpd 2.4.5+, modules/core/mod_macro.c): the macro's body read in place,
 * each parameter replaced by its value wherever it occurs (the first occurrence of any, the longest
 * parameter when two start there; an `@` parameter's value in double quotes with `"` and `\` escaped),
 * then read like any lines (`${VAR}`, sections, includes, other `Use`s). The directives keep the file
 * and line of the macro's body. An undefined macro, a wrong number of values and a recursive use are
 * errors in httpd's words.
 */
function useMacro(name: string, values: string[], st: ApacheReadState, at: Location): void {
  const m = st.macros.get(name.toLowerCase());
  if (!m) return void st.problems.add('syntax', 'error', at, `macro '${name}' undefined`);
  const where = `macro '${m.written}' (defined on line ${m.line} of "${m.file}") used on line ${at.line} of "${at.file}"`;
  if (values.length !== m.params.length)
    return void st.problems.add('syntax', 'error', at, `${where} with ${values.length} arguments instead of ${m.params.length}`);
  if (st.expanding.includes(m.written.toLowerCase()))
    return void st.problems.add('syntax', 'error', at, `${where}: recursive use of macro '${m.written}' is invalid`);
  st.expanding.push(m.written.toLowerCase());
  try {
    readApacheLines(
      m.file,
      m.body.map(([l, last, text]) => [l, last, substituted(text, m.params, values)] as [number, number, string]),
      st,
    );
  } finally {
    st.expanding.pop();
  }
}

/** A macro body line with its parameters replaced (mod_macro.c `substitute_macro_args()`). */
export function substituted(text: string, params: readonly string[], values: readonly string[]): string {
  let out = '';
  let at = 0;
  for (;;) {
    let which = -1;
    let found = -1;
    params.forEach((p, i) => {
      const k = p === '' ? -1 : text.indexOf(p, at);
      if (k >= 0 && (found < 0 || k < found || (k === found && p.length > params[which]!.length))) [found, which] = [k, i];
    });
    if (which < 0) return out + text.slice(at);
    const v = values[which]!;
    out += text.slice(at, found) + (params[which]!.startsWith('@') ? `"${v.replace(/["\\]/g, '\\$&')}"` : v);
    at = found + params[which]!.length;
  }
}

/** `Include`/`IncludeOptional`: relative to ServerRoot; from the saved DUMP_INCLUDES when there is one. */
function include(arg: string, optional: boolean, st: ApacheReadState, at: Location & { last: number }): void {
  const pattern = path.resolve(st.serverRoot, arg);
  let fromDump: string[] | undefined;
  for (let n = at.line; n <= at.last && !fromDump; n++) fromDump = st.includeOracle?.get(`${at.file}:${n}`);
  const { files, errors } = fromDump ? { files: fromDump, errors: [] } : expandApacheInclude(st.reader, pattern, optional);
  for (const e of errors) st.problems.add('include', 'error', at, `${optional ? 'IncludeOptional' : 'Include'} ${arg}: ${e}`);
  for (const f of files) {
    const text = st.guard.open(f, { file: at.file, line: at.line }, optional ? 'IncludeOptional' : 'Include');
    if (text === null) continue;
    try {
      readApacheFile(f, text, st);
    } finally {
      st.guard.close();
    }
  }
}

/**
 * Debian's `/etc/apache2/envvars` (sourced by apache2ctl before httpd starts) as data: `NAME=value`
 * and `export NAME=value` lines with `$NAME`/`${NAME}` expanded. Never executed: lines with other shell
 * (`$(…)`, backquotes, `${X##…}`) are skipped, conditions are not evaluated (each assignment counts).
 * @param initial variables set before (`APACHE_CONFDIR`)
 */
export function parseEnvvars(text: string, initial: Record<string, string> = {}): Map<string, string> {
  const vars = new Map(Object.entries(initial));
  for (const raw of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*?)\s*$/.exec(raw);
    if (!m) continue;
    let v = m[2]!;
    const q = /^"(.*)"$/.exec(v) ?? /^'(.*)'$/.exec(v);
    if (q) v = q[1]!;
    if (/\$\(|`|\$\{[^}]*[^A-Za-z0-9_}][^}]*\}/.test(v) || /[;&|<>]/.test(v)) continue;
    vars.set(
      m[1]!,
      v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a?: string, b?: string) => vars.get((a ?? b)!) ?? ''),
    );
  }
  return vars;
}
