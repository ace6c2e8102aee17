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
import { describeReadError } from './read.js';
import { isErrorLogName } from './log-names.js';

/** One input: a file path or standard input. */
export type InputSource = { kind: 'file'; path: string } | { kind: 'stdin'; path: '-' };

/** An argument that gave no input. `code` is stable for scripts and tests. */
export interface InputProblem {
  arg: string;
  code: 'ENOENT' | 'NOMATCH' | 'EACCES' | 'ENOTDIR' | 'EMPTYDIR' | 'ERROR';
  message: string;
}

/** Every file of the walk; {@link isErrorLogName} picks the error logs by name. */
const DIR_PATTERNS = ['**/*'];

/**
 * Sort key for rotation: the base name and an age order. `error.log.3.gz` → (`error.log`, -3): logrotate
 * numbers grow with age; `error.log-20241121` (dateext: 8 digits) → (`error.log`, 20241121): dates grow
 * with time; the live file `error.log` comes last.
 */
function rotation(file: string): { base: string; order: number } {
  const m = /^(.*?)(?:[.-](\d+))?(?:\.gz)?$/.exec(file);
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

/**
 * Find the error logs under a directory. A subdirectory that cannot be read is reported (not silently
 * left out, as fast-glob's `suppressErrors` would) and the search goes on without it.
 */
async function logsUnder(arg: string, abs: string, problems: InputProblem[]): Promise<string[]> {
  const fg = await fastGlob();
  const ignore: string[] = [];
  for (;;) {
    try {
      const all = await fg(DIR_PATTERNS, {
        cwd: abs,
        onlyFiles: true,
        dot: false,
        followSymbolicLinks: true,
        suppressErrors: false,
        ignore,
      });
      return all.filter((f) => isErrorLogName(path.posix.basename(f)));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const rel = typeof e.path === 'string' ? path.relative(abs, e.path) : '';
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || ignore.length >= 1000) {
        problems.push({ arg, code: problemCode(e), message: `${arg}: ${describeReadError(e)}` });
        return [];
      }
      const shown = path.join(arg, rel);
      problems.push({ arg: shown, code: problemCode(e), message: `${shown}: ${describeReadError(e)} (the logs under it were not read)` });
      const pattern = fg.escapePath(rel.split(path.sep).join('/'));
      ignore.push(pattern, `${pattern}/**`);
    }
  }
}

/** fast-glob, loaded on first use: plain file arguments (and stdin) never need it. */
let fgModule: typeof import('fast-glob') | undefined;
async function fastGlob(): Promise<typeof import('fast-glob')> {
  return (fgModule ??= (await import('fast-glob')).default);
}

function problemCode(e: NodeJS.ErrnoException): InputProblem['code'] {
  return e.code === 'EACCES' || e.code === 'EPERM' ? 'EACCES' : e.code === 'ENOTDIR' ? 'ENOTDIR' : 'ERROR';
}

/**
 * Expand arguments into inputs, in order, without duplicates.
 * @returns the inputs and the arguments that gave none (each with a one-line reason)
 */
export async function expandInputs(
  args: readonly string[],
  cwd: string = process.cwd(),
): Promise<{ sources: InputSource[]; problems: InputProblem[] }> {
  const sources: InputSource[] = [];
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  const addFile = (p: string): void => {
    const abs = path.resolve(cwd, p);
    if (seen.has(abs)) return;
    seen.add(abs);
    sources.push({ kind: 'file', path: p });
  };
  for (const arg of args) {
    if (arg === '-') {
      if (!seen.has('-')) sources.push({ kind: 'stdin', path: '-' });
      seen.add('-');
      continue;
    }
    const abs = path.resolve(cwd, arg);
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(abs);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOTDIR') {
        // `error.log/x`: a part of the path is a file. (A glob would not match there either.)
        problems.push({ arg, code: 'ENOTDIR', message: `${arg}: ${describeReadError(e)}` });
        continue;
      }
      if (e.code !== 'ENOENT') {
        problems.push({ arg, code: problemCode(e), message: `${arg}: ${describeReadError(e)}` });
        continue;
      }
    }
    if (st?.isDirectory()) {
      try {
        fs.accessSync(abs, fs.constants.R_OK | fs.constants.X_OK);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        problems.push({ arg, code: problemCode(e), message: `${arg}: ${describeReadError(e)}` });
        continue;
      }
      const before = problems.length;
      const found = await logsUnder(arg, abs, problems);
      if (found.length === 0) {
        if (problems.length === before)
          problems.push({
            arg,
            code: 'EMPTYDIR',
            message: `${arg}: directory has no error logs (error.log*, *error*.log*, error_log*, *_error_log*, *.log; access logs are never read)`,
          });
        continue;
      }
      for (const f of sortRotated(found)) addFile(path.join(arg, f));
      continue;
    }
    if (st) {
      addFile(arg);
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
      });
      if (found.length === 0) {
        problems.push({ arg, code: 'NOMATCH', message: `${arg}: the pattern matches no file` });
        continue;
      }
      for (const f of sortRotated(found)) addFile(f);
      continue;
    }
    problems.push({ arg, code: 'ENOENT', message: `${arg}: no such file or directory` });
  }
  return { sources, problems };
}
