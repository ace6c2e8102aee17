/**
 * Which server a `--config` file is written for (`guessServer()`), for files that name no `<Section>`
 * and none of the directives only httpd has: a rewrite snippet, an `.htaccess`-style `SSLRequire`, a
 * file of comments continued with `\` (httpd joins before it drops comments), an empty site file.
 *
 * Proved on every file of real configuration trees: this repository's fixtures and, where the
 * packages are installed, Debian's own /etc/nginx and /etc/apache2. Each file is guessed as it is,
 * and again with every line that decides at once taken out, so that the rest of its lines (or, when
 * none is left, its path) must still tell.
 */
import fs from 'node:fs';
import path from 'node:path';
import { guessServer } from '../src/inspect/config.js';
import { APACHE_DIRECTIVE, APACHE_SECTION } from '../src/inspect/config/load.js';
import { CONFIG_FIXTURES } from './helpers/config-lab.js';

/**
 * Every regular file under `dir`, symbolic links not followed (the RHEL fixture's `logs` and `modules` point
 * into the system, and /var/log/apache2 is root's), directories this user may not read skipped.
 */
function filesOf(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const f = path.join(dir, e.name);
    return e.isDirectory() ? filesOf(f) : e.isFile() ? [f] : [];
  });
}

const serverOfTree = (file: string): 'nginx' | 'apache' | null =>
  /[/](nginx)[/]|nginx[^/]*\.conf$/.test(file) ? 'nginx' : /[/](apache2|httpd)[/]/.test(file) ? 'apache' : null;

const TREES = [CONFIG_FIXTURES, '/etc/nginx', '/etc/apache2'];
/** Configuration files: `*.conf`, `*.load`, and nginx's own files without a suffix (`fastcgi_params`, `koi-utf`, `mime.types`). */
const isConfig = (f: string, server: 'nginx' | 'apache') =>
  /\.(conf|load)$/.test(f) || (server === 'nginx' && /[/](fastcgi_params|[a-z]+_params|koi-\w+|win-utf|mime\.types)$/.test(f));
const FILES = TREES.flatMap(filesOf)
  .map((f) => [f, serverOfTree(f)] as const)
  .filter((x): x is readonly [string, 'nginx' | 'apache'] => x[1] !== null && !/[/]dumps[/]/.test(x[0]) && isConfig(x[0], x[1]));

/** The lines that decide at once: Apache's sections and its own directives, as guessServer() reads them. */
const deciding = (l: string): boolean => APACHE_SECTION.test(l) || APACHE_DIRECTIVE.test(l);
const hasDirective = (text: string) => text.split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('#'));

test('the trees hold files of both servers', () => {
  expect(FILES.filter(([, s]) => s === 'nginx').length).toBeGreaterThan(3);
  expect(FILES.filter(([, s]) => s === 'apache').length).toBeGreaterThan(10);
});

test.each(FILES)('%s is read as %s, as written and with its deciding lines taken out', (file, server) => {
  const text = fs.readFileSync(file, 'latin1');
  expect(guessServer(text, file)).toBe(server);
  const rest = text
    .split('\n')
    .filter((l) => !deciding(l))
    .join('\n');
  expect(guessServer(rest, file)).toBe(server);
  if (hasDirective(rest)) expect(guessServer(rest)).toBe(server);
});

test.each([
  [
    'a rewrite snippet',
    'RewriteEngine on\nRewriteCond %{HTTPS} off\nRewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n',
    'apache',
  ],
  ['an escaped blank in a rewrite', 'RewriteCond %{THE_REQUEST} ^[A-Z]{3,9}\\ /old/\\ HTTP/ [NC]\n', 'apache'],
  ['SSLRequire with a word list in braces', 'SSLRequire %{SSL_CLIENT_S_DN_O} in {"Example Ltd", "Example Inc"}\n', 'apache'],
  ['comments continued with a backslash', '# a commented rule \\\n  "id:1, \\\n  phase:1, \\\n  pass"\n', 'apache'],
  ['an nginx map whose values are capitalised', 'map $http_user_agent $bot {\n  default 0;\n  ~*Googlebot 1;\n}\n', 'nginx'],
  ['an nginx location snippet', 'location /.well-known/ {\n  root /var/www/acme;\n}\n', 'nginx'],
  ['nginx lines with comments after them', 'ssl_stapling on; # staple\nssl_stapling_verify on;\n', 'nginx'],
  ['a file of comments only', '# nothing here yet\n', 'nginx'],
])('%s: %s', (_, text, server) => {
  expect(guessServer(text)).toBe(server);
});

test.each([
  ['/etc/apache2/sites-available/empty.conf', 'apache'],
  ['/etc/httpd/conf.d/empty.conf', 'apache'],
  ['/srv/www/.htaccess', 'apache'],
  ['/etc/nginx/conf.d/empty.conf', 'nginx'],
  ['/home/me/empty.conf', 'nginx'],
])('a file without a directive takes its server from its path: %s is %s', (file, server) => {
  expect(guessServer('\n# empty\n', file)).toBe(server);
});
