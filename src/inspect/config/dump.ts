/**
 * Saved output of the servers' own configuration dumps, given to `--config` instead of the files:
 *
 * - `nginx -T` (`src/core/nginx.c`: for each file read, `# configuration file NAME:` then its bytes
 *   and a newline; each file once) — read through a memory reader, includes resolved among the
 *   embedded files;
 * - `apachectl -t -D DUMP_CONFIG` (mod_info, `modules/generators/mod_info.c`: `# In file: NAME`,
 *   `#   N:` before each directive, includes spliced, `${VAR}`s replaced, conditions decided) — read
 *   as it stands;
 * - `apachectl -t -D DUMP_INCLUDES` (`server/config.c` `dump_config_name()`: `Included configuration
 *   files:` then `  (*) MAIN` and `(LINE) FILE` indented by include depth) — names the files, not
 *   their text: the files are read from disk (`--map-path` applies), and each `Include` takes the
 *   files httpd listed for its line;
 * - `apachectl -S` (`DUMP_VHOSTS`) names no certificates: reported, not read.
 *
 * Lines the tools write to stderr around the dump (`nginx: … syntax is ok`, `Syntax OK`, `AH00558: …`)
 * are ignored.
 */
import type { ApacheLine } from './apache-read.js';
import { apacheArgs } from './apache-read.js';

/** The kinds of dump recognised. */
export type DumpKind = 'nginx -T' | 'apachectl -D DUMP_CONFIG' | 'apachectl -D DUMP_INCLUDES' | 'apachectl -S';

const NGINX_FILE = /^# configuration file (\/.*):$/;
/**
 * nginx's own error-log prefix (`src/core/ngx_log.c`: `2026/12/07 14:06:30 [warn] 18879#18879: `), which its
 * stderr lines have when the error log is stderr (`error_log stderr`, or the official image's
 * /var/log/nginx/error.log linked to /dev/stderr): `nginx -T > dump 2>&1` then starts with them.
 */
const NGINX_LOGGED = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[(emerg|alert|crit|error|warn|notice|info|debug)\] \d+#\d+: /;
const NOISE = new RegExp(`^(nginx: |Syntax OK$|AH\\d{5}: |\\[[A-Z][a-z]{2} [A-Z][a-z]{2} )|${NGINX_LOGGED.source}`);

/** The first lines that are not the tools' stderr. */
function firstLines(text: string, n: number): string[] {
  const out: string[] = [];
  for (const l of text.split('\n', 200)) {
    if (out.length >= n) break;
    if (l.trim() !== '' && !NOISE.test(l)) out.push(l);
  }
  return out;
}

/** Which dump `text` is, or null for a configuration file. */
export function detectDump(text: string): DumpKind | null {
  const head = firstLines(text, 3);
  if (head[0] !== undefined && NGINX_FILE.test(head[0])) return 'nginx -T';
  if (head[0] === 'Included configuration files:' && /^ {2}\(\*\) /.test(head[1] ?? '')) return 'apachectl -D DUMP_INCLUDES';
  if (head[0] !== undefined && /^# In file: \//.test(head[0])) return 'apachectl -D DUMP_CONFIG';
  if (head[0] === 'VirtualHost configuration:') return 'apachectl -S';
  return null;
}

/**
 * The files embedded in `nginx -T` output, in order (the first is the main file).
 * A file's text is what follows its marker up to the next marker, less the newline nginx adds.
 */
export function parseNginxDump(text: string): Map<string, string> {
  const files = new Map<string, string>();
  const lines = text.split('\n');
  let name: string | null = null;
  let body: string[] = [];
  const flush = () => {
    if (name !== null && !files.has(name)) files.set(name, body.join('\n').replace(/\n$/, ''));
  };
  for (const l of lines) {
    const m = NGINX_FILE.exec(l);
    if (m) {
      flush();
      name = m[1]!;
      body = [];
    } else if (name !== null) body.push(l);
  }
  flush();
  return files;
}

/**
 * The lines of `apachectl -D DUMP_CONFIG` output as the reader's line stream.
 * @returns the lines, the files they come from (the first is the main file)
 */
export function parseApacheDumpConfig(text: string): { lines: ApacheLine[]; files: string[] } {
  const lines: ApacheLine[] = [];
  const files: string[] = [];
  let file = '';
  let line = 0;
  for (const raw of text.split('\n')) {
    const t = raw.trim();
    const inFile = /^# In file: (.+)$/.exec(t);
    const num = /^#\s*(\d+):$/.exec(t);
    if (inFile) {
      file = inFile[1]!;
      if (!files.includes(file)) files.push(file);
    } else if (num) line = Number(num[1]);
    else if (t === '' || t.startsWith('#') || NOISE.test(t) || file === '') continue;
    else lines.push(dumpLine(t, file, line));
  }
  return { lines, files };
}

function dumpLine(t: string, file: string, line: number): ApacheLine {
  const close = /^<\/([^\s>]+)>$/.exec(t);
  if (close) return { kind: 'close', name: close[1]!.toLowerCase(), written: close[1]!, args: [], file, line };
  const open = /^<([^\s>/]+)\s*(.*?)>$/.exec(t);
  if (open) return { kind: 'open', name: open[1]!.toLowerCase(), written: open[1]!, args: apacheArgs(open[2]!), file, line };
  const [written = '', ...args] = apacheArgs(t);
  return { kind: 'directive', name: written.toLowerCase(), written, args, file, line };
}

/**
 * The include tree of `apachectl -D DUMP_INCLUDES` output.
 * @returns the main file and, for each `file:line` of an `Include`, the files httpd read for it
 */
export function parseApacheDumpIncludes(text: string): { main: string | null; includes: Map<string, string[]>; files: string[] } {
  const includes = new Map<string, string[]>();
  const files: string[] = [];
  const stack: string[] = [];
  let main: string | null = null;
  for (const l of text.split('\n')) {
    const m = /^( +)\((\*|\d+)\) (.+)$/.exec(l);
    if (!m) continue;
    const depth = m[1]!.length / 2 - 1;
    const file = m[3]!;
    files.push(file);
    if (m[2] === '*') {
      main ??= file;
      stack.length = 0;
      stack.push(file);
      continue;
    }
    const parent = stack[depth - 1];
    if (parent === undefined) continue;
    const key = `${parent}:${m[2]}`;
    includes.set(key, [...(includes.get(key) ?? []), file]);
    stack.length = depth;
    stack.push(file);
  }
  return { main, includes, files };
}

/** `nginx: [emerg] …` lines of an `nginx -T` that failed (no dump follows them), also with nginx's error-log prefix. */
export function nginxDumpFailure(text: string): string[] {
  if (text.split('\n').some((l) => NGINX_FILE.test(l))) return [];
  return text.split('\n', 50).flatMap((l) => {
    const logged = NGINX_LOGGED.exec(l);
    if (logged) return /^(emerg|alert|crit)$/.test(logged[1]!) ? [`[${logged[1]}] ${l.slice(logged[0].length)}`] : [];
    return /^nginx: \[(emerg|alert|crit)\] /.test(l) ? [l.replace(/^nginx: /, '')] : [];
  });
}
