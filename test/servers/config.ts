/**
 * The part of a server configuration an administrator writes, as data, so that a fix from the
 * analyzer's JSON (`{action: 'set', directive, value, context}`) can be applied to it mechanically.
 *
 * The fixed scaffolding of each instance (ServerRoot/prefix, pid file, Listen, ErrorLog, modules) is
 * added by the renderer (`apache.ts`, `nginx.ts`) and never changed by a fix.
 */

/** One directive line: its name and its arguments as written (`SSLUseStapling` `on`). */
export interface Directive {
  name: string;
  value: string;
}

/** Apache: `server config` (global) and `VirtualHost`. nginx: `http` and `server`. */
export type ApacheContext = 'server config' | 'VirtualHost';
export type NginxContext = 'http' | 'server';

/**
 * One more `server {}` / `<VirtualHost>` on the same address, told apart by its name (SNI): for the
 * cases where two blocks share a certificate with different settings. A fix never changes it.
 */
export interface ExtraBlock {
  name: string;
  directives: Directive[];
}

/** An Apache site: global (`server config`) directives and those of its `<VirtualHost>` (and of `vhosts`, after it). */
export interface ApacheSite {
  server: 'apache';
  'server config': Directive[];
  VirtualHost: Directive[];
  vhosts?: ExtraBlock[];
}

/** An nginx site: `http {}` directives and those of its `server {}` (`server_`, as `server` names the kind), then `servers`. */
export interface NginxSite {
  server: 'nginx';
  http: Directive[];
  server_: Directive[];
  servers?: ExtraBlock[];
}

export type Site = ApacheSite | NginxSite;

/** Shorthand: `d('ssl_stapling', 'on')`. */
export const d = (name: string, value: string): Directive => ({ name, value });

/** The directive list of `context` in `site`, or undefined when the server has no such context. */
export function contextOf(site: Site, context: string): Directive[] | undefined {
  if (site.server === 'apache') {
    if (context === 'server config') return site['server config'];
    if (context === 'VirtualHost') return site.VirtualHost;
    return undefined;
  }
  if (context === 'http') return site.http;
  if (context === 'server') return site.server_;
  return undefined;
}

/**
 * Give `name` the value `value` in `context`: replace every occurrence there (Apache directive names
 * compare case-insensitively), or append it when absent.
 * @throws when the server has no such context
 */
export function setDirective(site: Site, context: string, name: string, value: string): void {
  const list = contextOf(site, context);
  if (!list) throw new Error(`${site.server} has no configuration context "${context}"`);
  const same = (n: string) => (site.server === 'apache' ? n.toLowerCase() === name.toLowerCase() : n === name);
  const at = list.findIndex((x) => same(x.name));
  const rest = list.filter((x) => !same(x.name));
  list.length = 0;
  list.push(...rest);
  list.splice(at === -1 ? list.length : at, 0, { name, value });
}

/** Deep copy, so the broken configuration can be kept beside the fixed one. */
export function cloneSite<T extends Site>(site: T): T {
  return JSON.parse(JSON.stringify(site)) as T;
}

/** One directive per line in the server's syntax (nginx lines end with `;`). */
export function renderDirectives(site: Site, list: Directive[], indent: string): string {
  return list.map((x) => `${indent}${x.name} ${x.value}${site.server === 'nginx' ? ';' : ''}\n`).join('');
}
