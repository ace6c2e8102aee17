/**
 * Prerequisites of the real-engine fleet suites (rsyslog, systemd-journal-remote), checked once per
 * suite. Without them a suite skips with ONE loud line on stderr saying what is missing and how to run
 * it; under CI (`CI` set, as CI services and `.ci/run`'s callers do) a skip is a failure instead.
 *
 * TODO(prereq helper): replace with the shared prerequisites helper being written on another branch
 * (servers-skip); this local guard only exists so that the fleet suites can land first.
 */
import fs from 'node:fs';

/** What a fleet suite may need. */
export type Need = 'root' | 'rsyslogd' | 'journal-remote' | 'journalctl';

/** Where Debian (bookworm) installs the engines; the first path that exists is used. */
export const ENGINE_PATHS: Record<Exclude<Need, 'root'>, string[]> = {
  rsyslogd: ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'],
  'journal-remote': ['/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote'],
  journalctl: ['/usr/bin/journalctl', '/bin/journalctl'],
};

/** The Debian package that provides each need, for the skip line. */
const PACKAGE: Record<Need, string> = {
  root: 'run as root',
  rsyslogd: 'apt-get install rsyslog',
  'journal-remote': 'apt-get install systemd-journal-remote',
  journalctl: 'apt-get install systemd',
};

/** Absolute path of an engine binary, or null when it is not installed. */
export function enginePath(need: Exclude<Need, 'root'>): string | null {
  return ENGINE_PATHS[need].find((p) => fs.existsSync(p)) ?? null;
}

/** The needs that are not met on this machine (empty when the suite can run). */
export function missingNeeds(needs: Need[]): Need[] {
  return needs.filter((n) => (n === 'root' ? process.getuid?.() !== 0 : enginePath(n) === null));
}

/**
 * `describe` when every need is met; otherwise `describe.skip` after one loud stderr line, or, under
 * CI, a suite with one failing test that names what is missing.
 * @param title the suite title
 * @param needs what the suite needs
 * @param body the suite (as for `describe`)
 */
export function describeWithEngines(title: string, needs: Need[], body: () => void): void {
  const missing = missingNeeds(needs);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const what = missing.map((m) => `${m} (${PACKAGE[m]})`).join(', ');
  const line = `${title}: needs ${what}; run \`npm test\` as root on Debian with those packages (\`.ci/run\` installs them)`;
  if (process.env.CI) {
    describe(title, () => {
      test('prerequisites', () => {
        throw new Error(`under CI a skip is a failure: ${line}`);
      });
    });
    return;
  }
  process.stderr.write(`\n!!! SKIPPED ${line}\n`);
  describe.skip(title, body);
}
