/**
 * `stapling-mutex-problem`: mod_ssl could not create, reopen or take its stapling mutex.
 * Sources: Apache mod_ssl (modules/ssl/ssl_util_stapling.c): AH01959 stapling mutex required, AH01946/AH01947
 * reinit failures, AH01948/AH01949 "Failed to acquire/release OCSP … lock", and the 2.3.3-only
 * "Cannot create SSLStaplingMutex"; mod_gnutls's own OCSP mutex `gnutls-ocsp` (src/gnutls_hooks.c "Failed to
 * create/reinit mutex 'gnutls-ocsp'.", its name captured as `detail`), which the same `Mutex` directive configures.
 */
import { step, type CauseModule } from './kit.js';

export const staplingMutexProblem: CauseModule = {
  id: 'stapling-mutex-problem',
  title: 'Stapling mutex failed',
  meaning:
    'mod_ssl could not create, reopen or take its stapling mutex (ssl-stapling / ssl-stapling-refresh), or mod_gnutls its `gnutls-ocsp` mutex: a `Mutex` setting or lock-directory permission problem. Added because the fix (the `Mutex` directive) differs from every other cause.',
  brief: {
    apache:
      'Give the stapling mutexes a working mechanism and a directory the server user can write: `Mutex file:/var/run/apache2 ssl-stapling ssl-stapling-refresh` (or `Mutex default`).',
    nginx: null,
    gnutls:
      'Give the `gnutls-ocsp` mutex a working mechanism and a directory the server user can write: `Mutex file:/var/run/apache2 gnutls-ocsp` (or `Mutex default`).',
  },
  captured: "none (rendered from httpd's format strings)",
  inspections: [],
  messages: {
    default: (c) =>
      `Apache could not create, reopen or take its OCSP stapling mutex${c.d.detail ? ` (${c.d.detail})` : ''}${c.d.file ? ` (lock file ${c.d.file})` : ''}, so stapling cannot work.`,
  },
  fix: (c) => {
    const value = `file:/var/run/apache2 ${c.gnutls || c.d.detail === 'gnutls-ocsp' ? 'gnutls-ocsp' : 'ssl-stapling ssl-stapling-refresh'}`;
    return {
      summary: 'Give the stapling mutexes a working mechanism and a writable directory.',
      steps: [
        step({
          action: 'set',
          directive: 'Mutex',
          value,
          context: 'server config',
          text: `Set \`Mutex ${value}\` (a directory owned by root and writable for the server user; or \`Mutex default\`), then restart (not reload) Apache.`,
        }),
      ],
    };
  },
};
