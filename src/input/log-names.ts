/**
 * Which file names a directory walk reads as error logs, by base name:
 * - Debian/Ubuntu and nginx: `error.log`, rotated `error.log.1`, `error.log.2.gz`, `error.log-20241121`,
 *   and per-site names with `error` before `.log` (`www.example.com-error.log`, `ssl_error.log`);
 * - RHEL/Fedora/Amazon Linux httpd (`/var/log/httpd/`): `error_log`, `ssl_error_log`, rotated by date
 *   `error_log-20241121` (logrotate's `dateext`, the default there), per-site `*_error_log` / `*-error_log`;
 * - any other `*.log` (a custom `ErrorLog` name);
 * never an access log (`access.log`, `access_log`, `ssl_access_log`, `other_vhosts_access.log`,
 * RHEL's `ssl_request_log`: `access` or `request_log` in a name without `error`), and never a dot file.
 */

const ACCESS = /access|request_log/i;
const ERROR_LOG = /error.*\.log|error_log|\.log$/i;

/** True when a directory walk should read the file named `name` (a base name, not a path). */
export function isErrorLogName(name: string): boolean {
  // `access` without `error` is an access log; a name with both (`access-error.log`) is taken as an error log.
  return !name.startsWith('.') && ERROR_LOG.test(name) && (!ACCESS.test(name) || /error/i.test(name));
}
