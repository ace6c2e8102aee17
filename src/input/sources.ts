/**
 * Input expansion: turn the CLI's positional arguments into a list of inputs to read.
 *
 * - `-` is standard input.
 * - An existing file is read as is (gzip is detected by its magic bytes, so `.gz` works transparently).
 * - An existing directory contributes its error logs, searched recursively, by name
 *   ({@link isErrorLogName}: Debian's `error.log*`, RHEL's `error_log*`, `*_error_log`, any `*.log`;
 *   never an access log).
 * - Anything else is a glob (fast-glob syntax: `*`, `**`, `{a,b}`, `?`, `[…]`).
 * Rotated files are put oldest first (`error.log.3.gz`, `error.log.2.gz`, `error.log.1`, `error.log`),
 * so that first/last times and evidence follow the log's own order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeReadError, readErrorCode } from './read.js';
import { fileIdentity, SpecialFileError, specialFileKind } from './files.js';
import { isErrorLogName } from './log-names.js';

/** One input: a file path or standard input. */
export type InputSource = { kind: 'file'; path: string } | { kind: 'stdin'; path: '-' };

/** An argument that gave no input. `code` is stable for scripts and tests. */
export interface InputProblem {
  arg: string;
  code: 'ENOENT' | 'NOMATCH' | 'EACCES' | 'ENOTDIR' | 'EMPTYDIR' | 'NOTFILE' | 'ERROR';
  message: string;
}

/** An argument (or a glob's match) naming a file already taken under another name: read once, as `of`. */
export interface InputDuplicate {
  /** The name given second (a symbolic link, a hard link, a path through another directory). */
  arg: string;
  /** The name the file is read as: the first one given. */
  of: string;
}

/**
 * Sort key for rotation: the base name and an age order (a compression suffix — `.gz`, `.bz2`, `.xz`,
 * `.zst`, `.lz4`, `.Z` — aside). `error.log.3.gz` → (`error.log`, -3): logrotate
 * numbers grow with age; `error.log-20241121` (dateext: 8 digits) → (`error.log`, 20241121): dates grow
 * with time; the live file `error.log` comes last.
 */
function rotation(file: string): { base: string; order: number } {
  const m = /^(.*?)(?:[.-](\d+))?(?:\.(?:gz|bz2|xz|zst|lz4|Z))?$/.exec(file);
  const base = m?.[1] ?? file;
  if (m?.[2] === undefined) return { base, order: Infinity };
  const n = Number(m[2]);
  return { base, order: m[2].length >= 8 ? n : -n };
}

/** Order files by name with rotated copies oldest first and the live file last. */
export function sortRotated(files: string[]): string[] {
  return [...files].sort((a, b) => {
    const ra = rotation(a);
    const rb = rotation(b);
    if (ra.base !== rb.base) return ra.base < rb.base ? -1 : 1;
    if (ra.order !== rb.order) return ra.order < rb.order ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** A directory still to walk: its path as shown (under the argument), as opened, and whether a symbolic link led there. */
interface WalkDir {
  shown: string;
  abs: string;
  linked: boolean;
  /** Device and inode. */
  id: string;
}

/** A log file a walk found, with its identity and whether a symbolic link led to it. */
interface Found {
  shown: string;
  id: string;
  linked: boolean;
}

/**
 * Read one directory of a walk: its subdirectories to walk and its log files, in name order. An entry
 * that cannot be looked at is reported when it is named like a log (a dangling link), else passed over.
 * @param top whether this is the directory given as the argument (its own error then needs no "under it")
 */
function walkOne(dir: WalkDir, problems: InputProblem[], top: boolean): { subdirs: WalkDir[]; files: Found[] } {
  const subdirs: WalkDir[] = [];
  const files: Found[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir.abs, { withFileTypes: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = `${describeReadError(e)}${top ? '' : ' (the logs under it were not read)'}`;
    problems.push({ arg: dir.shown, code: problemCode(e), message: `${dir.shown}: ${why}` });
    return { subdirs, files };
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const ent of entries) {
    const isLog = isErrorLogName(ent.name);
    if (ent.name.startsWith('.') || (!isLog && !ent.isDirectory() && !ent.isSymbolicLink())) continue;
    const shown = path.join(dir.shown, ent.name);
    const abs = path.join(dir.abs, ent.name);
    const linked = dir.linked || ent.isSymbolicLink();
    let st: fs.Stats;
    try {
      st = ent.isSymbolicLink() ? fs.statSync(abs) : fs.lstatSync(abs);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (isLog) problems.push({ arg: shown, code: problemCode(e), message: `${shown}: ${describeReadError(e)}` });
      continue;
    }
    if (st.isDirectory()) subdirs.push({ shown, abs, linked, id: fileIdentity(st) });
    else if (!isLog) continue;
    else {
      const kind = specialFileKind(st);
      if (kind) problems.push(specialFileProblem(shown, kind));
      else files.push({ shown, id: fileIdentity(st), linked });
    }
  }
  return { subdirs, files };
}

/**
 * Find the error logs under a directory, following symbolic links. Each directory and each file is
 * taken once, by identity (device and inode): a symbolic link loop (`logs/again -> ..`), a second link
 * to a directory already walked, or a link farm (2^n paths to one directory) adds nothing. The real tree
 * is walked first (depth first, in name order), then what only symbolic links lead to, and a file with
 * several names is shown by its first name without a link. A subdirectory that cannot be read is
 * reported, with the reason, and everything else is still read; so is a log-named FIFO, device,
 * socket or dangling link.
 * @param arg the directory as given (paths found are under it)
 * @param seen identities of the files already taken, with the name each was taken as (shared with the
 *   other arguments); updated
 * @returns the files found, as paths under `arg`, in walk order
 */
function logsUnder(arg: string, abs: string, st: fs.Stats, seen: Map<string, string>, problems: InputProblem[]): string[] {
  const rootId = fileIdentity(st);
  const real: WalkDir[] = [{ shown: arg, abs, linked: false, id: rootId }];
  const viaLinks: WalkDir[] = [];
  const dirsSeen = new Set<string>();
  const found: Found[] = [];
  const next = (): WalkDir | undefined => real.pop() ?? viaLinks.pop();
  for (let dir = next(); dir; dir = next()) {
    if (dirsSeen.has(dir.id)) continue; // taken when walked, not when found: the real path wins over a link
    dirsSeen.add(dir.id);
    const { subdirs, files } = walkOne(dir, problems, dir.id === rootId);
    found.push(...files);
    for (const sub of subdirs.reverse()) if (!dirsSeen.has(sub.id)) (sub.linked ? viaLinks : real).push(sub); // first name on top
  }
  const chosen = new Map<string, Found>();
  for (const f of found) {
    const prev = chosen.get(f.id);
    if (!prev || (prev.linked && !f.linked)) chosen.set(f.id, f);
  }
  const out: string[] = [];
  for (const f of found) {
    if (chosen.get(f.id) !== f || seen.has(f.id)) continue;
    seen.set(f.id, f.shown);
    out.push(f.shown);
  }
  return out;
}

/** fast-glob, loaded on first use: plain file arguments (and stdin) never need it. */
let fgModule: typeof import('fast-glob') | undefined;
async function fastGlob(): Promise<typeof import('fast-glob')> {
  return (fgModule ??= (await import('fast-glob')).default);
}

/** The code of an argument's (or a walked entry's) error: the same as a read error's ({@link readErrorCode}) where the union has it, else `ERROR`. */
function problemCode(e: NodeJS.ErrnoException): InputProblem['code'] {
  const code = readErrorCode(e);
  return code === 'EACCES' || code === 'ENOTDIR' || code === 'ENOENT' || code === 'NOTFILE' ? code : 'ERROR';
}

/** The identity of standard input when it is a pipe, terminal or device (so `/dev/stdin` reads it), else null. */
function stdinIdentity(): string | null {
  try {
    const st = fs.fstatSync(0);
    return specialFileKind(st) ? fileIdentity(st) : null;
  } catch {
    return null;
  }
}

/** Why a FIFO, device or socket named as an input is not read, with what to do instead. */
function specialFileProblem(arg: string, kind: string): InputProblem {
  const hint = kind.startsWith('a FIFO') ? `; to read a pipe, give it on standard input (stapling-doctor < ${arg})` : '';
  return { arg, code: 'NOTFILE', message: `${arg}: ${new SpecialFileError(arg, kind).message}${hint}` };
}

/** `stat` of an argument, or the problem it has; null when it does not exist (it may be a glob). */
function statArg(arg: string, abs: string): fs.Stats | InputProblem | null {
  try {
    return fs.statSync(abs);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // `error.log/x`: a part of the path is a file. (A glob would not match there either.)
    if (e.code === 'ENOTDIR') return { arg, code: 'ENOTDIR', message: `${arg}: ${describeReadError(e)}` };
    if (e.code !== 'ENOENT') return { arg, code: problemCode(e), message: `${arg}: ${describeReadError(e)}` };
    return null;
  }
}

/**
 * Expand arguments into inputs, in order, each file once (by device and inode, so a symbolic link and
 * its target, or a file reached through two directories, are read once). A file named again under
 * another name (a file argument or a glob's match: a link to a file given before, a hard link) is not
 * dropped in silence: it is listed in `duplicates` with the name it is read as. (Inside a directory walk
 * a file is taken by its name in the real tree, see {@link logsUnder}.) A FIFO, device or socket named
 * as an input is refused with a reason — except standard input itself named as a path (`/dev/stdin`).
 * @returns the inputs, the arguments that gave none (each with a one-line reason), and the names of
 *   files already taken under another name
 */
export async function expandInputs(
  args: readonly string[],
  cwd: string = process.cwd(),
): Promise<{ sources: InputSource[]; problems: InputProblem[]; duplicates: InputDuplicate[] }> {
  const sources: InputSource[] = [];
  const problems: InputProblem[] = [];
  const duplicates: InputDuplicate[] = [];
  const seen = new Map<string, string>();
  let stdinTaken = false;
  let stdinId: string | null | undefined;
  const addStdin = (): void => {
    if (!stdinTaken) sources.push({ kind: 'stdin', path: '-' });
    stdinTaken = true;
  };
  const addFile = (p: string, st: fs.Stats): void => {
    const id = fileIdentity(st);
    const of = seen.get(id);
    if (of !== undefined) {
      // The same name again is the same input; another name for it is listed, never dropped in silence.
      if (of !== p && !duplicates.some((d) => d.arg === p)) duplicates.push({ arg: p, of });
      return;
    }
    seen.set(id, p);
    sources.push({ kind: 'file', path: p });
  };
  for (const arg of args) {
    if (arg === '-') {
      addStdin();
      continue;
    }
    const abs = path.resolve(cwd, arg);
    const st = statArg(arg, abs);
    if (st && !(st instanceof fs.Stats)) {
      problems.push(st);
      continue;
    }
    if (st?.isDirectory()) {
      const before = problems.length;
      const found = logsUnder(arg, abs, st, seen, problems);
      if (found.length === 0 && problems.length === before)
        problems.push({
          arg,
          code: 'EMPTYDIR',
          message: `${arg}: directory has no error logs (error.log*, *error*.log*, error_log*, *_error_log*, *.log; access logs are never read)`,
        });
      for (const f of sortRotated(found)) sources.push({ kind: 'file', path: f });
      continue;
    }
    if (st) {
      const kind = specialFileKind(st);
      if (kind && fileIdentity(st) === (stdinId ??= stdinIdentity())) addStdin();
      else if (kind) problems.push(specialFileProblem(arg, kind));
      else addFile(arg, st);
      continue;
    }
    const fg = await fastGlob();
    if (fg.isDynamicPattern(arg)) {
      const found = await fg(arg.split(path.sep).join('/'), {
        cwd,
        onlyFiles: true,
        dot: true,
        suppressErrors: true,
        absolute: path.isAbsolute(arg),
        stats: true,
      });
      if (found.length === 0) {
        problems.push({ arg, code: 'NOMATCH', message: `${arg}: the pattern matches no file` });
        continue;
      }
      const byPath = new Map(found.map((e) => [e.path, e.stats!]));
      for (const f of sortRotated([...byPath.keys()])) addFile(f, byPath.get(f)!);
      continue;
    }
    problems.push({ arg, code: 'ENOENT', message: `${arg}: no such file or directory` });
  }
  return { sources, problems, duplicates };
}
