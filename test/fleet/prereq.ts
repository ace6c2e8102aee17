/**
 * Prerequisites of the real-engine fleet suites (rsyslog, systemd-journal-remote), checked once per
 * suite.
 *
 * The skip-or-fail decision is the shared one (test/helpers/prerequisites.ts); this file knows where
 * Debian installs each engine.
 */
import fs from 'node:fs';
import { describeIfPresent } from '../helpers/prerequisites.js';

/** What a fleet suite may need. */
export type Need = 'root' | 'rsyslogd' | 'journal-remote' | 'journalctl' | 'logger';

/** Where Debian (bookworm) installs the engines; the first path that exists is used. */
export const ENGINE_PATHS: Record<Exclude<Need, 'root'>, string[]> = {
  rsyslogd: ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'],
  'journal-remote': ['/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote'],
  journalctl: ['/usr/bin/journalctl', '/bin/journalctl'],
  logger: ['/usr/bin/logger', '/bin/logger'],
};

/** The Debian package that provides each engine. */
const PACKAGE: Record<Exclude<Need, 'root'>, string> = {
  rsyslogd: 'rsyslog',
  'journal-remote': 'systemd-journal-remote',
  journalctl: 'systemd',
  logger: 'bsdutils',
};

/** Absolute path of an engine binary, or null when it is not installed. */
export function enginePath(need: Exclude<Need, 'root'>): string | null {
  return ENGINE_PATHS[need].find((p) => fs.existsSync(p)) ?? null;
}

/**
 * `describe` when every need is met; otherwise the shared prerequisites rule
 * (test/helpers/prerequisites.ts): one loud line and a skip, or a failure under `.ci/run`
 * (`STAPLING_DOCTOR_REQUIRE_REAL=1`); `STAPLING_DOCTOR_PRETEND_MISSING=rsyslogd` shows it.
 * @param title the suite title
 * @param needs what the suite needs
 * @param body the suite (as for `describe`)
 */
export function describeWithEngines(title: string, needs: Need[], body: () => void): void {
  const engines = needs.filter((n): n is Exclude<Need, 'root'> => n !== 'root');
  describeIfPresent({
    suite: `fleet suite (${title})`,
    run: 'npm test -- test/fleet',
    executables: engines.map((n) => ({ name: n, path: enginePath(n) ?? ENGINE_PATHS[n][0]!, package: PACKAGE[n] })),
    ...(needs.includes('root') ? { root: 'the engines run as root and bind 127.0.0.1' } : {}),
  })(title, body);
}
