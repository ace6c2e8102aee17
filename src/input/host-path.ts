/**
 * The host of an input from its path, for central log trees: rsyslog's per-host tree
 * `/var/log/remote/<host>/<program>.log` (dynaFile on `%HOSTNAME%`), syslog-ng's `$HOST` directories,
 * one directory per machine copied off a fleet.
 *
 * A pattern is a glob with `{host}` standing for the host name: `*` (any characters but `/`), `**`
 * (any directories), `?` (one character but `/`); everything else is literal. `{host}` matches one or
 * more characters but `/`. An absolute pattern matches the whole absolute path; a relative one the end
 * of it (`remote/{host}/*.log` = `**\/remote/{host}/*.log`).
 */
import path from 'node:path';

/** The default pattern: a file anywhere under a `remote/<host>/` directory (rsyslog's usual tree). */
export const DEFAULT_HOST_PATTERN = 'remote/{host}/**';

/** The placeholder a pattern must hold once. */
export const HOST_PLACEHOLDER = '{host}';

/** A pattern that cannot be used: the reason, in one line. */
export class HostPatternError extends Error {}

/** A host-from-path pattern compiled to a regular expression. */
export interface HostPattern {
  readonly pattern: string;
  /** The host this path names under the pattern, or null when it does not match. */
  hostOf(file: string, cwd?: string): string | null;
}

function globToRegExp(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    if (glob.startsWith(HOST_PLACEHOLDER, i)) {
      re += '(?<host>[^/]+)';
      i += HOST_PLACEHOLDER.length - 1;
    } else if (glob.startsWith('**/', i)) {
      re += '(?:[^/]*/)*';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (glob[i] === '*') {
      re += '[^/]*';
    } else if (glob[i] === '?') {
      re += '[^/]';
    } else {
      re += glob[i]!.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return re;
}

/**
 * Compile a pattern.
 * @throws HostPatternError when it does not hold `{host}` exactly once
 */
export function hostPattern(pattern: string): HostPattern {
  const n = pattern.split(HOST_PLACEHOLDER).length - 1;
  if (n !== 1) throw new HostPatternError(`--host-from-path needs ${HOST_PLACEHOLDER} once in the pattern, got "${pattern}"`);
  const posix = pattern.split(path.sep).join('/');
  const absolute = posix.startsWith('/');
  const re = new RegExp(`${absolute ? '^' : '(?:^|/)'}${globToRegExp(posix)}$`);
  return {
    pattern,
    hostOf(file, cwd = process.cwd()) {
      if (file === '-') return null;
      const abs = path.resolve(cwd, file).split(path.sep).join('/');
      const host = re.exec(abs)?.groups?.host;
      return host && host !== '.' && host !== '..' ? host : null;
    },
  };
}
