/**
 * Journal entries for real web-server error lines, as journald would store them for a server that
 * logs to stderr under systemd (nginx: Debian builds it with `--error-log-path=stderr` and
 * `error_log stderr;` keeps it there; Apache: `ErrorLog /dev/stderr`): the line is MESSAGE verbatim,
 * `_TRANSPORT=stdout`, PRIORITY 6 (journald's default `SyslogLevel=info` for a stream: the `[error]`
 * in the line does not change it), SYSLOG_IDENTIFIER the program name, and the trusted fields
 * journald adds (`_PID`, `_COMM`, `_EXE`, `_SYSTEMD_UNIT`, `_HOSTNAME`, `_BOOT_ID`, `_MACHINE_ID` …).
 * Field meanings: systemd.journal-fields(7).
 *
 * Times: `__REALTIME_TIMESTAMP` is the time written in the line (µs, UTC); nginx writes whole seconds,
 * so the n-th nginx line of a batch gets n µs more to keep the order. `__MONOTONIC_TIMESTAMP` counts
 * from a fixed boot time per host (below). Ids are fixed so that the recorded fixtures are stable.
 */
import type { JournalEntry } from './journal.js';
import { parseServerLine } from './server-lines.js';

/** A host of the journald fleet: its ids and boot time. */
export interface JournalHost {
  hostname: string;
  machineId: string;
  bootId: string;
  /** Boot time, µs since the epoch. */
  bootMicros: bigint;
}

export const JOURNAL_HOSTS: Record<'web01' | 'web02', JournalHost> = {
  web01: {
    hostname: 'web01',
    machineId: '5f0c2a3e9b8d4c71a6e4d2b1c0f9e8d7',
    bootId: '0b6f3d9e2c1a4f58b7e6d5c4b3a29180',
    bootMicros: BigInt(Date.UTC(2026, 10, 23, 0, 0, 0)) * 1000n,
  },
  web02: {
    hostname: 'web02',
    machineId: '9a8b7c6d5e4f40312f1e0d9c8b7a6958',
    bootId: 'e1d2c3b4a5964877a8b9cadbecfd0e1f',
    bootMicros: BigInt(Date.UTC(2026, 10, 22, 23, 30, 0)) * 1000n,
  },
};

const PROGRAM = {
  nginx: { comm: 'nginx', exe: '/usr/sbin/nginx', unit: 'nginx.service' },
  apache: { comm: 'apache2', exe: '/usr/sbin/apache2', unit: 'apache2.service' },
} as const;

/**
 * The journal entries of `lines` (nginx or Apache error lines) logged on `host`.
 * @throws Error when a line is neither an nginx nor an Apache error line
 */
export function journalEntries(host: JournalHost, lines: string[]): JournalEntry[] {
  return lines.map((line, i) => {
    const p = parseServerLine(line);
    const prog = PROGRAM[p.server];
    const realtime = p.micros + (p.server === 'nginx' ? BigInt(i) : 0n);
    return {
      __REALTIME_TIMESTAMP: String(realtime),
      __MONOTONIC_TIMESTAMP: String(realtime - host.bootMicros),
      _BOOT_ID: host.bootId,
      _MACHINE_ID: host.machineId,
      _HOSTNAME: host.hostname,
      _TRANSPORT: 'stdout',
      _STREAM_ID: `${host.bootId.slice(0, 16)}${prog.comm === 'nginx' ? '6e67696e78000001' : '6170616368650002'}`,
      PRIORITY: '6',
      SYSLOG_FACILITY: '3',
      SYSLOG_IDENTIFIER: prog.comm,
      _PID: String(p.pid),
      _UID: '0',
      _GID: '0',
      _COMM: prog.comm,
      _EXE: prog.exe,
      _SYSTEMD_CGROUP: `/system.slice/${prog.unit}`,
      _SYSTEMD_UNIT: prog.unit,
      _SYSTEMD_SLICE: 'system.slice',
      MESSAGE: line,
    };
  });
}
