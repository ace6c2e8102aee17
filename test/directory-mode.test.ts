/**
 * Directory mode reads the error logs of every common layout — Debian/Ubuntu `error.log*`, and RHEL,
 * Fedora and Amazon Linux httpd's `error_log`, `ssl_error_log`, dateext rotations `error_log-YYYYMMDD`
 * and per-site `*_error_log` — and never an access log.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { expandInputs } from '../src/input/sources.js';
import { isErrorLogName } from '../src/input/log-names.js';
import { tempDir } from './helpers/cli.js';

/** A directory holding these files (gzip for `.gz`), removed afterwards. */
async function filesFound(names: string[]): Promise<string[]> {
  const { dir, cleanup } = tempDir('sd-dirmode-');
  try {
    for (const n of names) {
      const f = path.join(dir, n);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, n.endsWith('.gz') ? zlib.gzipSync('x\n') : 'x\n');
    }
    const { sources } = await expandInputs([dir]);
    return sources.map((s) => path.relative(dir, s.path));
  } finally {
    cleanup();
  }
}

test('/var/log/httpd of RHEL/Fedora/Amazon Linux: error_log, ssl_error_log, dateext rotations, per-site logs — oldest first, no access log', async () => {
  // the names httpd's default configuration (ErrorLog logs/error_log, ssl.conf logs/ssl_error_log) and
  // logrotate's dateext give, beside the access logs of the same configuration
  const found = await filesFound([
    'httpd/error_log',
    'httpd/error_log-20241117',
    'httpd/error_log-20241110.gz',
    'httpd/ssl_error_log',
    'httpd/ssl_error_log-20241117',
    'httpd/www.example.com-error_log',
    'httpd/shop_error_log',
    'httpd/access_log',
    'httpd/access_log-20241117',
    'httpd/ssl_access_log',
    'httpd/ssl_request_log',
    'httpd/ssl_request_log-20241117',
  ]);
  expect(found).toEqual([
    'httpd/error_log-20241110.gz',
    'httpd/error_log-20241117',
    'httpd/error_log',
    'httpd/shop_error_log',
    'httpd/ssl_error_log-20241117',
    'httpd/ssl_error_log',
    'httpd/www.example.com-error_log',
  ]);
});

test('/var/log/apache2 and /var/log/nginx of Debian: error logs in, access logs out', async () => {
  const found = await filesFound([
    'apache2/error.log',
    'apache2/error.log.1',
    'apache2/error.log.2.gz',
    'apache2/access.log',
    'apache2/access.log.1',
    'apache2/other_vhosts_access.log',
    'apache2/ssl_access.log',
    'nginx/error.log',
    'nginx/access.log',
    'nginx/shop.example.com.error.log',
    'nginx/shop.example.com.access.log',
  ]);
  expect(found).toEqual([
    'apache2/error.log.2.gz',
    'apache2/error.log.1',
    'apache2/error.log',
    'nginx/error.log',
    'nginx/shop.example.com.error.log',
  ]);
});

test('no generated access-log name is ever taken, whatever its prefix, separator or rotation suffix', () => {
  const part = fc.stringMatching(/^[a-z0-9.]{0,12}$/);
  const rotation = fc.constantFrom('', '.1', '.2.gz', '-20241121', '-20241121.gz');
  fc.assert(
    fc.property(
      part,
      fc.constantFrom('access.log', 'access_log', 'request_log', 'Access.log'),
      fc.constantFrom('', '_', '-', '.'),
      rotation,
      (pre, base, sep, rot) => {
        fc.pre(!pre.includes('error'));
        expect(isErrorLogName(`${pre}${pre ? sep : ''}${base}${rot}`)).toBe(false);
      },
    ),
  );
  fc.assert(
    fc.property(part, fc.constantFrom('error.log', 'error_log'), fc.constantFrom('', '_', '-', '.'), rotation, (pre, base, sep, rot) => {
      fc.pre(!/access|request/.test(pre) && !pre.startsWith('.'));
      expect(isErrorLogName(`${pre}${pre ? sep : ''}${base}${rot}`)).toBe(true);
    }),
  );
});
