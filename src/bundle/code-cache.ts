/**
 * The single-file bundle (`npm run bundle`) with a V8 code cache. Node 20 compiles a script from its source
 * at every start (Node 22's `module.enableCompileCache()` does not exist there), and for the 2.9 MB bundle that
 * was the largest cost of a run on a small log (callgrind: 0.25 G instructions to compile it, 0.12 G more to
 * compile the functions that run). So the bundle file holds two parts:
 *
 * 1. a small loader (`src/bundle/loader.ts`), the script Node runs;
 * 2. the program itself (the esbuild bundle of `src/cli.ts`) inside one block comment after it, which costs
 *    Node's parser a scan for its end. Each `*` `/` in the program is stored as `*` `\x01`, at byte offsets
 *    the loader is told ({@link EmbeddedMain.slashes}), and put back in the bytes before decoding.
 *
 * The loader reads the program from its own file and compiles it with `vm.Script` and the code cache of the
 * last run, if there is one, from a per-user cache directory ({@link cacheDirectory}). The file name holds a
 * hash of the program, Node's version and the architecture; V8 itself checks its version, the source length
 * and the flags, and refuses (`cachedDataRejected`) a cache that does not fit or is damaged. When there was no
 * cache or V8 refused it, the run writes one as the process ends (`script.createCachedData()` then holds every
 * function that ran), atomically (a temporary file renamed over it). An unwritable directory, no `HOME`, a
 * read-only file system or a cache owned by another user only mean compiling from source as before.
 */
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

/** What the build tells the loader about the embedded program. */
export interface EmbeddedMain {
  /** First 16 hex digits of the SHA-256 of the program's text: names its cache file. */
  id: string;
  /** Byte offsets, from {@link OPEN}'s end, of the `/` of each `*` `/` stored as `*` `\x01`. */
  slashes: number[];
  /** Whether the program is ASCII only (then decoded as latin1, V8's cheaper one-byte string). */
  ascii: boolean;
  /** Length in bytes of the wrapped program ({@link wrapped}), which ends the file before {@link CLOSE}. */
  bytes: number;
}

/** Opens the comment that holds the embedded program (its wrapper function, then the program). */
export const OPEN = '\n/* stapling-doctor: the program, run by the loader above\n';
/** Ends the file. */
export const CLOSE = '\n*/\n';
/** The CommonJS wrapper around the program, on a line of its own so that line and column numbers stay the file's. */
const HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const TAIL = '\n})';

/** The program as the loader compiles it: the wrapper around it (a function of `exports, require, module, __filename, __dirname`). */
export function wrapped(program: string): string {
  return HEAD + program + TAIL;
}

/**
 * The bundle file's text: `loader`, then `program` (a CommonJS script, hashbang removed) in a comment.
 * @returns the text, and what the loader must be told of the program's bytes (`slashes` count from its start)
 */
export function embed(loader: string, program: string): { text: string; slashes: number[]; bytes: number } {
  const body = Buffer.from(wrapped(program), 'utf8');
  const slashes: number[] = [];
  for (let i = body.indexOf('*/'); i !== -1; i = body.indexOf('*/', i + 1)) {
    body[i + 1] = 1;
    slashes.push(i + 1);
  }
  return { text: loader + OPEN + body.toString('utf8') + CLOSE, slashes, bytes: body.length };
}

/**
 * The embedded program's text, from the bundle file's bytes (`file` is changed: the slashes are put back).
 * @throws when the file does not end with the program (it was cut or edited)
 */
export function embeddedProgram(file: Buffer, main: EmbeddedMain): { source: string; line: number } {
  const end = file.length - CLOSE.length;
  const start = end - main.bytes;
  if (start < OPEN.length || file.toString('latin1', start - OPEN.length, start) !== OPEN || file.toString('latin1', end) !== CLOSE) {
    throw new Error('the bundle is damaged: the program after its loader is missing');
  }
  for (const s of main.slashes) {
    if (file[start + s] !== 1) throw new Error('the bundle is damaged: its program was changed');
    file[start + s] = 0x2f;
  }
  let line = 0;
  for (let i = file.indexOf(10); i !== -1 && i < start; i = file.indexOf(10, i + 1)) line++; // the loader's few lines
  return { source: file.toString(main.ascii ? 'latin1' : 'utf8', start, end), line };
}

/**
 * Where the code cache lives: `$STAPLING_DOCTOR_CODE_CACHE` when it is an absolute path, none when it is `0`,
 * else `$XDG_CACHE_HOME/stapling-doctor` or `$HOME/.cache/stapling-doctor` (XDG Base Directory Specification).
 * No `HOME` (and no `XDG_CACHE_HOME`): none, rather than a guess that could land in someone else's directory.
 */
export function cacheDirectory(env: NodeJS.ProcessEnv): string | undefined {
  const own = env.STAPLING_DOCTOR_CODE_CACHE;
  if (own === '0') return undefined;
  if (own && path.isAbsolute(own)) return own;
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'stapling-doctor');
  if (env.HOME && path.isAbsolute(env.HOME)) return path.join(env.HOME, '.cache', 'stapling-doctor');
  return undefined;
}

/** The cache file of program `id` under this Node (its V8) and architecture. */
export function cacheFile(dir: string, id: string): string {
  return path.join(dir, `bundle-${id}-node${process.versions.node}-${process.arch}.v8cache`);
}

/** The cache file's bytes when it is a regular file of this user (else, or on any error, undefined). */
export function readCache(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    if (!st.isFile() || (typeof process.getuid === 'function' && st.uid !== process.getuid())) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Create `dir` (mode 0700) and up to `parents` missing directories above it. Not `mkdirSync`'s `recursive`: it
 * never ends when the parent exists but refuses new entries with ENOENT, as /proc does (Node 20).
 */
function makeDirectory(dir: string, parents: number): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || parents === 0 || path.dirname(dir) === dir) throw err;
    makeDirectory(path.dirname(dir), parents - 1);
    fs.mkdirSync(dir, { mode: 0o700 });
  }
}

/** At most this many cache files stay in the directory (other versions of the bundle, other Nodes): the newest. */
const KEEP = 4;

/**
 * Write `data` as `file`: a temporary file beside it renamed over it (a reader sees the old file or the new one),
 * then the oldest cache files beyond {@link KEEP} removed. Never throws (a cache that cannot be written is no cache).
 */
export function writeCache(file: string, data: Buffer): void {
  const dir = path.dirname(file);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    makeDirectory(dir, 1); // ~/.cache/stapling-doctor: .cache may be missing too (never HOME itself)
    fs.writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
    const caches = fs
      .readdirSync(dir)
      .filter((f) => /^bundle-.*\.v8cache$/.test(f))
      .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const old of caches.slice(KEEP)) fs.rmSync(path.join(dir, old.f), { force: true });
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // no directory to leave it in either
    }
  }
}

/**
 * A fingerprint of the V8 flags in force: the code cache of a fixed tiny script, whose header holds V8's hash of
 * the flags. A code cache made under other flags than the next run starts with is refused by V8, so the cache is
 * written only when the flags at exit are those the run started with.
 */
export function flagsFingerprint(): Buffer {
  return new vm.Script('"stapling-doctor: V8 flags"').createCachedData();
}

/** The compiled program, and whether its code cache should be written as the process ends. */
export interface CompiledProgram {
  script: vm.Script;
  /** The program's CommonJS wrapper function. */
  run: (exports: unknown, require: NodeJS.Require, module: NodeJS.Module, filename: string, dirname: string) => void;
  /** No cache, or V8 refused it. */
  stale: boolean;
}

/** Compile `source` (the wrapped program, at `line` of `filename`) with `cachedData` when given. */
export function compile(source: string, filename: string, line: number, cachedData: Buffer | undefined): CompiledProgram {
  const script = new vm.Script(source, { filename, lineOffset: line, cachedData });
  const run = script.runInThisContext() as CompiledProgram['run'];
  return { script, run, stale: cachedData === undefined || script.cachedDataRejected === true };
}
