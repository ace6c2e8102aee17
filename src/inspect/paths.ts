/**
 * `--map-path FROM=TO`: read files that a log or configuration names under FROM from TO instead —
 * for logs and configurations copied from another machine or a container, or captured with paths
 * rewritten (`samples/real/` names `/etc/stapling-test/…`). Paths keep their named form everywhere
 * in the output; only reading uses the mapped form.
 */
import fs from 'node:fs';
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

/** Symbolic links followed at most (Linux's `MAXSYMLINKS`, `include/linux/namei.h`: 40). */
const MAX_LINKS = 40;

/**
 * The path to read for a named path under `--map-path`, with symbolic links in the copied tree followed
 * as they would be on the machine the tree comes from: an absolute target names that machine's path, so it
 * is mapped again (`/etc/nginx/certs/site.pem -> /etc/letsencrypt/live/site/fullchain.pem` in a tree copied
 * to TO is read from TO/letsencrypt/…, not from this machine's /etc); a relative target is resolved from the
 * link's directory in named form. Without a mapping, or when a component cannot be examined, the plain
 * {@link PathMap.toReal} answer (the OS follows the links). Links are followed at most 40 times.
 * @param named an absolute path in named form
 * @param fsm the file system (`lstatSync`, `readlinkSync`)
 */
export function toRealFollowing(map: PathMap, named: string, fsm: Pick<typeof fs, 'lstatSync' | 'readlinkSync'> = fs): string {
  if (!map.active || !path.isAbsolute(named)) return map.toReal(named);
  let parts = named.split('/').filter((p) => p !== '');
  let done = '/';
  for (let hops = 0, i = 0; i < parts.length;) {
    const next = path.join(done, parts[i]!);
    const real = map.toReal(next);
    let target: string | null = null;
    try {
      // (Only inside a mapped tree: FROM itself, or anything outside it, is this machine's.)
      if (real !== next && map.toReal(done) !== done && fsm.lstatSync(real).isSymbolicLink()) target = fsm.readlinkSync(real, 'utf8');
    } catch {
      return map.toReal(path.join(next, ...parts.slice(i + 1)));
    }
    if (target === null || ++hops > MAX_LINKS) {
      done = next;
      i++;
      continue;
    }
    // The rest of the path continues from the link's target (named form), resolved against the link's directory.
    parts = [
      ...path
        .resolve(done, target)
        .split('/')
        .filter((p) => p !== ''),
      ...parts.slice(i + 1),
    ];
    done = '/';
    i = 0;
  }
  return map.toReal(done);
}
