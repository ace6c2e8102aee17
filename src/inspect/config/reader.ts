/**
 * How configuration files are found and read: the {@link ConfigReader} over the file system (with
 * `--map-path` and size limits) or over the files embedded in a saved dump, the include patterns of
 * each server (nginx `include`: glob(3); Apache `Include`/`IncludeOptional`: fnmatch per path
 * component, directories read recursively), and the {@link IncludeGuard} that keeps an include from
 * running forever: a cycle (same device+inode already on the include stack) is reported and not
 * followed, nesting is limited, and so are the files and bytes read for one configuration.
 */
import type fs from 'node:fs';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { describeReadError } from '../../input/read.js';
import { NO_PATH_MAP, toRealFollowing, type PathMap } from '../paths.js';
import type { Location, ProblemList } from './model.js';

/** What {@link ConfigReader.stat} says about a path. `id` identifies the file (`dev:ino` on disk). */
export interface FileInfo {
  kind: 'file' | 'directory' | 'other';
  id: string;
  size: number;
}

/** How configuration files are read. Paths in and out are in their named form. */
export interface ConfigReader {
  /**
   * Text of a regular file.
   * @throws an Error with `code` (`ENOENT`, `EACCES`, `EISDIR`, `ENOTREG` for a FIFO/device, `EFBIG`)
   */
  read(file: string): string;
  /** What the path is (symbolic links followed), or null when it does not exist or cannot be examined. */
  stat(file: string): FileInfo | null;
  /** Entry names of a directory (unsorted). @throws the directory's open error */
  list(dir: string): string[];
  /** The path actually read for a named path (differs under `--map-path`); for messages. */
  realPath(file: string): string;
}

/** Default limit on one configuration file (4 MiB). */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;

function refused(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Read at most `max` bytes (+1 to tell "too large") from an open descriptor, whatever `st.size` says (/proc files say 0). */
function readBounded(fsMod: typeof fs, fd: number, max: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(1 << 16, max + 1 - total));
    const n = fsMod.readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total > max) throw refused('EFBIG', `larger than ${max} bytes`);
  }
  return Buffer.concat(chunks, total);
}

/**
 * A {@link ConfigReader} over the real file system. Opens with `O_NONBLOCK` and checks the opened
 * descriptor, so a FIFO or device is refused (`ENOTREG`) without waiting; reads at most `maxBytes`.
 * @param paths `--map-path`: named paths are read from their mapped place (symbolic links in the mapped tree
 *   followed in named form: {@link toRealFollowing})
 * @param maxBytes files larger than this are refused (`EFBIG`), default {@link MAX_CONFIG_FILE_BYTES}
 */
export function fsConfigReader(fsMod: typeof fs, paths: PathMap = NO_PATH_MAP, maxBytes = MAX_CONFIG_FILE_BYTES): ConfigReader {
  const real = (file: string) => toRealFollowing(paths, file, fsMod);
  return {
    read(file) {
      const fd = fsMod.openSync(real(file), fsMod.constants.O_RDONLY | fsMod.constants.O_NONBLOCK);
      try {
        const st = fsMod.fstatSync(fd);
        if (st.isDirectory()) throw refused('EISDIR', 'is a directory');
        if (!st.isFile()) throw refused('ENOTREG', 'not a regular file (a FIFO, socket or device)');
        if (st.size > maxBytes) throw refused('EFBIG', `larger than ${maxBytes} bytes`);
        return readBounded(fsMod, fd, maxBytes).toString('utf8');
      } finally {
        fsMod.closeSync(fd);
      }
    },
    stat(file) {
      try {
        const st = fsMod.statSync(real(file));
        return { kind: st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other', id: `${st.dev}:${st.ino}`, size: st.size };
      } catch {
        return null;
      }
    },
    list(dir) {
      return fsMod.readdirSync(real(dir));
    },
    realPath: real,
  };
}

/**
 * A {@link ConfigReader} over files held in memory (the files embedded in `nginx -T` output):
 * directories are the parents of the files; a file's id is its path.
 */
export function memoryConfigReader(files: ReadonlyMap<string, string>): ConfigReader {
  const dirs = new Map<string, Set<string>>();
  for (const f of files.keys()) {
    for (let child = f, dir = path.dirname(f); child !== dir; child = dir, dir = path.dirname(dir)) {
      let set = dirs.get(dir);
      if (!set) dirs.set(dir, (set = new Set()));
      set.add(path.basename(child));
    }
  }
  return {
    read(file) {
      const text = files.get(file);
      if (text !== undefined) return text;
      throw refused(dirs.has(file) ? 'EISDIR' : 'ENOENT', dirs.has(file) ? 'is a directory' : 'not in the dump');
    },
    stat(file) {
      const text = files.get(file);
      if (text !== undefined) return { kind: 'file', id: `dump:${file}`, size: Buffer.byteLength(text) };
      return dirs.has(file) ? { kind: 'directory', id: `dump-dir:${file}`, size: 0 } : null;
    },
    list(dir) {
      const set = dirs.get(dir);
      if (!set) throw refused('ENOENT', 'not in the dump');
      return [...set];
    },
    realPath: (file) => file,
  };
}

/** `code: text` of a read error, e.g. `no such file or directory`. */
export function readErrorText(e: unknown): string {
  return describeReadError(e);
}

// ── include patterns ────────────────────────────────────────────────────────────────────────────────

/** fnmatch(3)/glob(3) on one path component: `*`, `?`, `[…]`/`[!…]`, `\` escapes; a leading `.` must be matched literally. */
const FNMATCH = { dot: false, nobrace: true, noext: true, noglobstar: true, nonegate: true, nocomment: true } as const;

/** Whether a pattern has glob characters (nginx: `strpbrk(file, "*?[")`, `ngx_conf_file.c` `ngx_conf_include()`). */
export function hasWildcard(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The result of expanding an include pattern: files in the order the server reads them, and errors the server would report. */
export interface Expansion {
  files: string[];
  errors: string[];
}

/**
 * Expand an nginx `include` argument (absolute): a plain path is itself; a pattern is glob(3) with
 * flags 0 (sorted, dot files only when the pattern says `.`, no match is not an error — `gl.test = 1`
 * in `ngx_conf_include()`). A directory matched by the last component is returned (nginx then fails to read it).
 */
export function expandNginxInclude(reader: ConfigReader, pattern: string): Expansion {
  if (!hasWildcard(pattern)) return { files: [pattern], errors: [] };
  const all = pattern.split('/').filter((p) => p !== '');
  // The directories before the first wildcard are a path, not a search: glob(3) opens it without examining
  // each parent (under --map-path the parents of FROM need not exist on this machine).
  const literal = all.findIndex(hasWildcard);
  const parts = all.slice(literal);
  let current = [path.join('/', ...all.slice(0, literal))];
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!hasWildcard(part)) {
        const p = path.join(dir, part);
        if (last || reader.stat(p)?.kind === 'directory') next.push(p);
        continue;
      }
      let names: string[];
      try {
        names = reader.list(dir);
      } catch {
        continue;
      }
      for (const n of names.filter((n) => minimatch(n, part, FNMATCH)).sort(byteOrder)) {
        const p = path.join(dir, n);
        if (last || reader.stat(p)?.kind === 'directory') next.push(p);
      }
    }
    current = next;
  });
  return { files: current.filter((f) => reader.stat(f) !== null).sort(byteOrder), errors: [] };
}

/** Apache's limit on directory recursion in Include (`AP_MAX_FNMATCH_DIR_DEPTH`, `server/util.c`). */
const APACHE_MAX_DIR_DEPTH = 128;

/**
 * Expand an Apache `Include`/`IncludeOptional` argument (absolute), as `ap_process_fnmatch_configs()`
 * (`server/config.c`) with `ap_dir_nofnmatch()`/`ap_dir_fnmatch()` (`server/util.c`, httpd 2.4) do:
 * a directory is read recursively (every entry but `.`/`..`, sorted by strcmp); wildcards may be in
 * any component (components before the last match directories only, `APR_FNM_PERIOD`); `Include` with
 * a wildcard that matches nothing is an error, `IncludeOptional` tolerates it and a missing path.
 */
export function expandApacheInclude(reader: ConfigReader, pattern: string, optional: boolean): Expansion {
  const out: Expansion = { files: [], errors: [] };
  if (!hasWildcard(pattern)) {
    apacheNoFnmatch(reader, pattern, optional, out, 0);
    return out;
  }
  apacheFnmatch(
    reader,
    '/',
    pattern.split('/').filter((p) => p !== ''),
    optional,
    out,
  );
  return out;
}

function apacheNoFnmatch(reader: ConfigReader, file: string, optional: boolean, out: Expansion, depth: number): void {
  const st = reader.stat(file);
  if (st?.kind !== 'directory') {
    if (!(optional && st === null)) out.files.push(file);
    return;
  }
  if (depth >= APACHE_MAX_DIR_DEPTH) {
    out.errors.push(`Directory '${file}' exceeds the maximum include directory nesting level of ${APACHE_MAX_DIR_DEPTH}`);
    return;
  }
  let names: string[];
  try {
    names = reader.list(file);
  } catch (e) {
    out.errors.push(`Could not open directory ${file}: ${readErrorText(e)}`);
    return;
  }
  for (const n of names.sort(byteOrder)) apacheNoFnmatch(reader, path.join(file, n), optional, out, depth + 1);
}

function apacheFnmatch(reader: ConfigReader, dir: string, rest: string[], optional: boolean, out: Expansion): void {
  const [part, ...more] = rest;
  if (part === undefined) return;
  if (!hasWildcard(part)) {
    const p = path.join(dir, part);
    if (more.length === 0) apacheNoFnmatch(reader, p, optional, out, 0);
    else apacheFnmatch(reader, p, more, optional, out);
    return;
  }
  let names: string[];
  try {
    names = reader.list(dir);
  } catch (e) {
    if (!(optional && reader.stat(dir) === null)) out.errors.push(`Could not open directory ${dir}: ${readErrorText(e)}`);
    return;
  }
  const matched = names
    .filter((n) => minimatch(n, part, FNMATCH))
    .sort(byteOrder)
    .filter((n) => more.length === 0 || reader.stat(path.join(dir, n))?.kind === 'directory');
  if (matched.length === 0 && !optional) out.errors.push(`No matches for the wildcard '${part}' in '${dir}', failing`);
  for (const n of matched) {
    if (more.length === 0) apacheNoFnmatch(reader, path.join(dir, n), optional, out, 0);
    else apacheFnmatch(reader, path.join(dir, n), more, optional, out);
  }
}

// ── include guard ───────────────────────────────────────────────────────────────────────────────────

/** Limits on reading one configuration (main file and includes). */
export interface IncludeLimits {
  /** Files open at once on the include stack (the main file counts 1). */
  maxDepth: number;
  /** Files read in all (a file included twice counts twice). */
  maxFiles: number;
  /** Bytes read in all. */
  maxBytes: number;
}

/**
 * Default {@link IncludeLimits}: 32 levels (Debian and RHEL layouts use 3; Apache stops at 128,
 * nginx has no limit), 10 000 file reads, 64 MiB.
 */
export const INCLUDE_LIMITS: IncludeLimits = { maxDepth: 32, maxFiles: 10_000, maxBytes: 64 * 1024 * 1024 };

/**
 * Keeps includes finite: the files on the include stack by identity (device+inode, so a symbolic link
 * or a second name of the same file is caught), the depth, and a budget of files and bytes. A file
 * included again *outside* its own include chain (the same snippet in two `server {}` blocks) is read
 * again, as the servers do.
 */
export class IncludeGuard {
  private readonly stack: { file: string; id: string; from: Location | null }[] = [];
  private reads = 0;
  private bytes = 0;
  private readonly seen = new Set<string>();
  /** Every distinct file read, in order. */
  readonly files: string[] = [];

  constructor(
    private readonly reader: ConfigReader,
    private readonly problems: ProblemList,
    private readonly limits: IncludeLimits = INCLUDE_LIMITS,
  ) {}

  /**
   * Read `file` for inclusion from `from` (null for the main file) and push it on the stack.
   * @returns its text, or null when it is not followed (the problem is recorded)
   */
  open(file: string, from: Location | null, what = 'include'): string | null {
    const at = from ?? { file, line: null };
    const tried = this.reader.realPath(file);
    const st = this.reader.stat(file);
    const onStack = st ? this.stack.findIndex((f) => f.id === st.id) : -1;
    if (onStack >= 0) {
      const chain = [...this.stack.slice(onStack).map((f) => f.file), file].join(' → ');
      this.problems.add('include-cycle', 'error', at, `${what} cycle: ${chain}; not followed again`);
      return null;
    }
    if (this.stack.length >= this.limits.maxDepth) {
      this.problems.add('include-depth', 'error', at, `${what} ${file}: nested deeper than ${this.limits.maxDepth} levels; not followed`);
      return null;
    }
    if (this.reads >= this.limits.maxFiles || this.bytes + (st?.size ?? 0) > this.limits.maxBytes) {
      const budget = `${this.limits.maxFiles} files or ${this.limits.maxBytes} bytes`;
      this.problems.add('include-budget', 'error', at, `${what} ${file}: more than ${budget} read for this configuration; not followed`);
      return null;
    }
    let text: string;
    try {
      text = this.reader.read(file);
    } catch (e) {
      const kind = from ? 'include' : 'unreadable';
      const message = `cannot read ${from ? `included ${file}` : file}: ${readErrorText(e)}`;
      this.problems.add(kind, 'error', at, message, tried !== file ? tried : undefined);
      return null;
    }
    this.reads++;
    this.bytes += Buffer.byteLength(text);
    if (!this.seen.has(file)) {
      this.seen.add(file);
      this.files.push(file);
    }
    this.stack.push({ file, id: st?.id ?? `path:${file}`, from });
    return text;
  }

  /** Pop the file opened last. */
  close(): void {
    this.stack.pop();
  }
}
