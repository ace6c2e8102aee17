/**
 * Apache httpd (Debian's `apache2` package, mod_ssl + mod_socache_shmcb) as a server under test: one
 * instance per scenario with its own ServerRoot, PidFile, runtime dir, `Listen 127.0.0.1:port` and
 * ErrorLog, started in the foreground (`-DFOREGROUND`) and stopped with SIGTERM.
 *
 * The configuration is what an administrator writes for one TLS virtual host on Debian (event MPM,
 * `User www-data`, `LogLevel warn`, an SSL session cache), plus the scenario's own directives.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderDirectives, type ApacheSite } from './config.js';
import { TEST_HOST } from './pki.js';

export const APACHE_BIN = '/usr/sbin/apache2';
export const APACHE_MODULES = '/usr/lib/apache2/modules';

/** Paths of one Apache instance. */
export interface ApacheLayout {
  dir: string;
  configFile: string;
  errorLog: string;
  pidFile: string;
}

/** The file layout of an instance whose ServerRoot is `dir` (config, logs/error.log, run/httpd.pid). */
export function apacheLayout(dir: string): ApacheLayout {
  return {
    dir,
    configFile: path.join(dir, 'httpd.conf'),
    errorLog: path.join(dir, 'logs', 'error.log'),
    pidFile: path.join(dir, 'run', 'httpd.pid'),
  };
}

/**
 * Write `httpd.conf` for `site` listening on 127.0.0.1:`port` into `layout.dir` (creating `logs/`,
 * `run/`, `htdocs/`). @returns the configuration text.
 */
export function writeApacheConfig(layout: ApacheLayout, port: number, site: ApacheSite): string {
  for (const sub of ['logs', 'run', 'htdocs']) fs.mkdirSync(path.join(layout.dir, sub), { recursive: true, mode: 0o755 });
  fs.chmodSync(layout.dir, 0o755);
  fs.writeFileSync(path.join(layout.dir, 'htdocs', 'index.html'), 'stapling test\n');
  const text = `# stapling-doctor server test: ${path.basename(layout.dir)}
ServerRoot "${layout.dir}"
DefaultRuntimeDir "${layout.dir}/run"
PidFile "${layout.pidFile}"

LoadModule mpm_event_module ${APACHE_MODULES}/mod_mpm_event.so
LoadModule authz_core_module ${APACHE_MODULES}/mod_authz_core.so
LoadModule socache_shmcb_module ${APACHE_MODULES}/mod_socache_shmcb.so
LoadModule ssl_module ${APACHE_MODULES}/mod_ssl.so

User www-data
Group www-data
StartServers 1
ServerLimit 2
ThreadsPerChild 10
MaxRequestWorkers 20
MinSpareThreads 5
MaxSpareThreads 20

ServerName ${TEST_HOST}
Listen 127.0.0.1:${port}
ErrorLog "${layout.errorLog}"
LogLevel warn
DocumentRoot "${layout.dir}/htdocs"
<Directory "${layout.dir}/htdocs">
    Require all granted
</Directory>

SSLSessionCache "shmcb:${layout.dir}/run/ssl_scache(512000)"
SSLProtocol -all +TLSv1.2 +TLSv1.3
${renderDirectives(site, site['server config'], '')}
<VirtualHost 127.0.0.1:${port}>
    ServerName ${TEST_HOST}
    SSLEngine on
${renderDirectives(site, site.VirtualHost, '    ')}</VirtualHost>
${(site.vhosts ?? [])
  .map(
    (b) => `
<VirtualHost 127.0.0.1:${port}>
    ServerName ${b.name}
    SSLEngine on
${renderDirectives(site, b.directives, '    ')}</VirtualHost>
`,
  )
  .join('')}`;
  fs.writeFileSync(layout.configFile, text);
  return text;
}

/** The command line that runs this instance in the foreground. */
export function apacheCommand(layout: ApacheLayout): { cmd: string; args: string[] } {
  return { cmd: APACHE_BIN, args: ['-d', layout.dir, '-f', layout.configFile, '-DFOREGROUND'] };
}
