/**
 * `--map-path FROM=TO`: read files that a log or configuration names under FROM from TO instead —
 * for logs and configurations copied from another machine or a container, or captured with paths
 * rewritten (`samples/real/` names `/etc/stapling-test/…`). Paths keep their named form everywhere
 * in the output; only reading uses the mapped form.
 */
import path from 'node:path';

/** A two-way mapping between the paths a log/config names and the paths to read. */
export interface PathMap {
  /** The path to read for a named path (the longest matching FROM prefix wins). */
  toReal(named: string): string;
  /** The named form of a path found on disk (e.g. by an include glob). */
  toNamed(real: string): string;
  /** Whether any mapping is configured. */
  readonly active: boolean;
}

/** Prefix replacement on whole path components (`/etc/a` maps `/etc/a/x`, not `/etc/ab`). */
function replacePrefix(p: string, from: string, to: string): string | null {
  if (p === from) return to;
  const withSep = from.endsWith('/') ? from : `${from}/`;
  return p.startsWith(withSep) ? path.join(to, p.slice(withSep.length)) : null;
}

/**
 * Parse `FROM=TO` specifications (both absolute after `path.resolve` against `cwd`).
 * @throws Error with a usage message for a specification without `=` or with an empty side
 */
export function createPathMap(specs: readonly string[], cwd: string = process.cwd()): PathMap {
  const pairs = specs.map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0 || eq === s.length - 1) throw new Error(`--map-path wants FROM=TO, got "${s}"`);
    return { from: path.resolve(cwd, s.slice(0, eq)), to: path.resolve(cwd, s.slice(eq + 1)) };
  });
  const byFrom = [...pairs].sort((a, b) => b.from.length - a.from.length);
  const byTo = [...pairs].sort((a, b) => b.to.length - a.to.length);
  return {
    active: pairs.length > 0,
    toReal(named) {
      for (const p of byFrom) {
        const r = replacePrefix(named, p.from, p.to);
        if (r !== null) return r;
      }
      return named;
    },
    toNamed(real) {
      for (const p of byTo) {
        const r = replacePrefix(real, p.to, p.from);
        if (r !== null) return r;
      }
      return real;
    },
  };
}

/** The identity map. */
export const NO_PATH_MAP: PathMap = createPathMap([]);
