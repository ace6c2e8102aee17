/**
 * A journald central for the fleet tests: `systemd-journal-remote --listen-http=127.0.0.1:PORT
 * --output=DIR/` started by the test (no systemd as PID 1 needed), entries POSTed to it in the
 * journal export format, and `journalctl --directory=DIR` to read them back.
 *
 * Sources: the export format — systemd docs "Journal Export Formats"
 * (https://systemd.io/JOURNAL_EXPORT_FORMATS/, systemd/systemd: docs/JOURNAL_EXPORT_FORMATS.md);
 * systemd-journal-remote(8) (`--listen-http`, `--output`, `--split-mode=host` names the file after the
 * uploader's address: `remote-127.0.0.1.journal`); journalctl(1) (`--directory`, `-o`, `--cursor-file`).
 * Checked with systemd 252 (Debian bookworm).
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, isListening, run, startProcess, stopProcess, waitFor, type Proc } from '../servers/proc.js';
import { enginePath } from './prereq.js';

/**
 * One journal entry: field name → value. Names are journal field names (`MESSAGE`, `_HOSTNAME`,
 * `__REALTIME_TIMESTAMP` in µs since the epoch …). A Buffer value is sent as it is (binary form).
 */
export type JournalEntry = Record<string, string | Buffer>;

/**
 * Serialize entries in the journal export format: per field `NAME=value\n`, or, when the value holds
 * a newline or is not printable UTF-8 text, the binary form `NAME\n` + 64-bit little-endian length +
 * bytes + `\n`; an empty line after each entry.
 */
export function toExportFormat(entries: JournalEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    for (const [name, value] of Object.entries(entry)) {
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
      const text = typeof value === 'string' && !/[\x00-\x1f\x7f]/.test(value);
      if (text) {
        parts.push(Buffer.from(`${name}=`, 'utf8'), bytes, Buffer.from('\n'));
      } else {
        const len = Buffer.alloc(8);
        len.writeBigUInt64LE(BigInt(bytes.length));
        parts.push(Buffer.from(`${name}\n`, 'utf8'), len, bytes, Buffer.from('\n'));
      }
    }
    parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** A running systemd-journal-remote. */
export interface JournalRemote {
  port: number;
  /** The directory it writes journal files to. */
  dir: string;
  proc: Proc;
  /**
   * POST entries to `/upload` (Content-Type application/vnd.fdo.journal).
   * @returns the HTTP status and body (`OK.` when accepted)
   */
  upload(entries: JournalEntry[]): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

/**
 * Start systemd-journal-remote listening on 127.0.0.1 (plain HTTP) and writing to `dir` (created).
 * @throws Error when it is not installed or does not listen within 10 s
 */
export async function startJournalRemote(dir: string): Promise<JournalRemote> {
  const bin = enginePath('journal-remote');
  if (!bin) throw new Error('systemd-journal-remote is not installed (apt-get install systemd-journal-remote)');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const proc = startProcess('journal-remote', bin, [`--listen-http=127.0.0.1:${port}`, `--output=${dir}/`], {
    logFile: path.join(path.dirname(dir), 'journal-remote.out'),
  });
  const up = await waitFor(async () => proc.hasExited() || (await isListening(port)), 10_000, 50);
  if (!up || proc.hasExited()) {
    await stopProcess(proc);
    throw new Error(`systemd-journal-remote did not listen on 127.0.0.1:${port}:\n${proc.stderr()}${proc.stdout()}`);
  }
  return {
    port,
    dir,
    proc,
    upload: (entries) => post(port, toExportFormat(entries)),
    stop: () => stopProcess(proc),
  };
}

function post(port: number, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/upload',
        method: 'POST',
        headers: { 'Content-Type': 'application/vnd.fdo.journal', 'Content-Length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Run `journalctl --directory=DIR --no-pager ARGS` with TZ=UTC (journalctl prints local time) and no
 * colours. @returns stdout @throws Error with stderr on a non-zero exit
 */
export async function journalctl(dir: string, args: string[]): Promise<string> {
  const bin = enginePath('journalctl');
  if (!bin) throw new Error('journalctl is not installed');
  const env = { ...process.env, TZ: 'UTC', SYSTEMD_COLORS: '0', LANG: 'C.UTF-8', SYSTEMD_PAGER: 'cat' };
  const r = await run(bin, [`--directory=${dir}`, '--no-pager', ...args], { env, timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`journalctl ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}
