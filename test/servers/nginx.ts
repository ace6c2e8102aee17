/**
 * nginx (Debian's `nginx-light`/`nginx` 1.22 package) as a server under test: one instance per
 * scenario with its own prefix (`-p`), pid file, temp paths, `listen 127.0.0.1:port ssl` and
 * `error_log … warn`, run with `daemon off;` and stopped with SIGTERM.
 *
 * `error_log` is at `warn` (not the default `error`) so that the warn-level stapling lines — the
 * run-time `no resolver defined to resolve …` among them — reach the log. Config-time warnings at
 * start-up (`"ssl_stapling" ignored, …`) go to stderr, because Debian builds nginx with
 * `--error-log-path=stderr`; the harness captures that stderr in front of the error log.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderDirectives, type NginxSite } from './config.js';
import { TEST_HOST } from './pki.js';

export const NGINX_BIN = '/usr/sbin/nginx';

/** Paths of one nginx instance. */
export interface NginxLayout {
  dir: string;
  configFile: string;
  errorLog: string;
  pidFile: string;
}

/** The file layout of an instance whose prefix is `dir` (nginx.conf, logs/error.log, nginx.pid). */
export function nginxLayout(dir: string): NginxLayout {
  return {
    dir,
    configFile: path.join(dir, 'nginx.conf'),
    errorLog: path.join(dir, 'logs', 'error.log'),
    pidFile: path.join(dir, 'nginx.pid'),
  };
}

/**
 * Write `nginx.conf` for `site` listening on 127.0.0.1:`port` into `layout.dir` (creating `logs/`
 * and `tmp/`). @returns the configuration text.
 */
export function writeNginxConfig(layout: NginxLayout, port: number, site: NginxSite): string {
  for (const sub of ['logs', 'tmp']) fs.mkdirSync(path.join(layout.dir, sub), { recursive: true, mode: 0o755 });
  fs.chmodSync(layout.dir, 0o755);
  const tmp = path.join(layout.dir, 'tmp');
  const text = `# stapling-doctor server test: ${path.basename(layout.dir)}
daemon off;
worker_processes 1;
pid ${layout.pidFile};
error_log ${layout.errorLog} warn;

events {
    worker_connections 128;
}

http {
    access_log off;
    client_body_temp_path ${tmp}/body;
    proxy_temp_path ${tmp}/proxy;
    fastcgi_temp_path ${tmp}/fastcgi;
    uwsgi_temp_path ${tmp}/uwsgi;
    scgi_temp_path ${tmp}/scgi;
    ssl_protocols TLSv1.2 TLSv1.3;
${renderDirectives(site, site.http, '    ')}
    server {
        listen 127.0.0.1:${port} ssl;
        server_name ${TEST_HOST};
${renderDirectives(site, site.server_, '        ')}
        location / {
            return 200 "stapling test\\n";
        }
    }
${(site.servers ?? [])
  .map(
    (b) => `
    server {
        listen 127.0.0.1:${port} ssl;
        server_name ${b.name};
${renderDirectives(site, b.directives, '        ')}    }
`,
  )
  .join('')}}
`;
  fs.writeFileSync(layout.configFile, text);
  return text;
}

/** The command line that runs this instance in the foreground. */
export function nginxCommand(layout: NginxLayout): { cmd: string; args: string[] } {
  return { cmd: NGINX_BIN, args: ['-p', `${layout.dir}/`, '-c', layout.configFile] };
}
