/**
 * Ask the server itself whether it accepts a configuration: `nginx -t -q -e stderr -c FILE` (without
 * `-e` before nginx 1.19.5) or `apachectl -t -d SERVERROOT -f FILE` (`apache2ctl` on Debian, `httpd`
 * when no control script is there). Test mode parses and loads the configuration but starts no server
 * and binds no port. Bounded: the command runs in its own process group and is killed after the timeout.
 *
 * A test run loads the modules the configuration names (`load_module`, `LoadModule`), i.e. runs their
 * code. So it is run only for a configuration that the server would run anyway: read from its own
 * files (not a dump, no `--map-path`), every file owned by root or by the current user and writable
 * by no one else. Otherwise it is skipped with the reason.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ConfigProblem, ServerConfig } from './model.js';

/** What {@link checkWithServer} did. */
export interface ServerCheck {
  /** The command run (argv), or null when none was run. */
  command: string[] | null;
  /** True when the server accepted the configuration, false when it refused it, null when not run or timed out. */
  ok: boolean | null;
  /** The server's own messages (file:line where it gives them), as `server-check` problems. */
  problems: ConfigProblem[];
  /** Why nothing was run (no binary, not trusted, a dump …). */
  skipped?: string;
}

/** Options of {@link checkWithServer}. */
export interface ServerCheckOptions {
  /** Kill the command after this many milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Where to look for the binaries (default: PATH plus /usr/sbin, /usr/local/sbin, /sbin). */
  searchPath?: string[];
  /** Whether `--map-path` is in use (then the configuration is not this machine's; nothing is run). */
  mapped?: boolean;
}

const SYSTEM_SBIN = ['/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/local/nginx/sbin', '/usr/local/apache2/bin'];

function findBinary(names: string[], dirs: string[]): string | null {
  for (const n of names)
    for (const d of dirs) {
      const p = path.join(d, n);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        if (fs.statSync(p).isFile()) return p;
      } catch {
        // not here
      }
    }
  return null;
}

/** Why the files may not be handed to the server binary, or null when they may. */
export function untrustedFile(files: readonly string[]): string | null {
  const uid = process.getuid?.() ?? 0;
  for (const f of files) {
    let st: fs.Stats;
    try {
      st = fs.statSync(f);
    } catch {
      return `${f} cannot be examined`;
    }
    if (st.uid !== 0 && st.uid !== uid) return `${f} is owned by uid ${st.uid}, not by root or you`;
    if ((st.mode & 0o022) !== 0) return `${f} is writable by group or others`;
  }
  return null;
}

/** Run argv with a time limit in its own process group; combined stdout+stderr (first 64 KiB). */
function runBounded(
  argv: string[],
  timeoutMs: number,
): Promise<{ code: number | null; signal: string | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, LANG: 'C' } });
    let output = '';
    let timedOut = false;
    const take = (d: Buffer) => {
      if (output.length < 65536) output += d.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, output: e.message, timedOut: false });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, timedOut });
    });
  });
}

/** nginx's `[emerg] MESSAGE in FILE:LINE` lines (stderr form or error-log form). */
export function parseNginxTest(output: string, mainFile: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const l of output.split('\n')) {
    const m = /\[(emerg|alert|crit)\] (?:\d+#\d+: )?(.*?)(?: in (\/.*):(\d+))?$/.exec(l);
    if (m)
      out.push({
        kind: 'server-check',
        severity: 'error',
        file: m[3] ?? mainFile,
        line: m[4] ? Number(m[4]) : null,
        message: `nginx -t: ${m[2]}`,
      });
  }
  return out;
}

/** httpd's `Syntax error on line N of FILE:` (+ the message, on the same or the next line). */
export function parseApacheTest(output: string, mainFile: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const lines = output.split('\n');
  lines.forEach((l, i) => {
    const m = /Syntax error on line (\d+) of (.+?):(?: (.*))?$/.exec(l);
    if (!m) return;
    const message = m[3] ?? lines[i + 1] ?? '';
    out.push({ kind: 'server-check', severity: 'error', file: m[2]!, line: Number(m[1]), message: `apachectl -t: ${message.trim()}` });
  });
  if (out.length === 0) {
    const other = lines.find((l) => /^(AH\d{5}: |\S+: )?(Invalid|Could not|Cannot|Unable)/.test(l));
    if (other) out.push({ kind: 'server-check', severity: 'error', file: mainFile, line: null, message: `apachectl -t: ${other.trim()}` });
  }
  return out;
}

function commandFor(config: ServerConfig, dirs: string[], serverRoot: string): string[][] | null {
  if (config.server === 'nginx') {
    const bin = findBinary(['nginx'], dirs);
    return bin
      ? [
          [bin, '-t', '-q', '-e', 'stderr', '-c', config.file],
          [bin, '-t', '-q', '-c', config.file],
        ]
      : null;
  }
  const bin = findBinary(['apache2ctl', 'apachectl', 'httpd', 'apache2'], dirs);
  return bin ? [[bin, '-t', '-d', serverRoot, '-f', config.file]] : null;
}

/**
 * Run the server's configuration test on a configuration read from files, where allowed (see the module note).
 * @param serverRoot Apache's ServerRoot before the file sets one (the directory the reader used)
 */
export async function checkWithServer(config: ServerConfig, serverRoot: string, options: ServerCheckOptions = {}): Promise<ServerCheck> {
  const skip = (why: string): ServerCheck => ({ command: null, ok: null, problems: [], skipped: why });
  if (config.source !== 'files') return skip(`${config.source} output is a dump, not this machine's files`);
  if (options.mapped) return skip('--map-path is in use: the configuration is not this machine’s');
  if (config.part)
    return skip(
      `${config.file} is a part of a configuration (${config.server === 'nginx' ? 'no events {}' : 'no LoadModule'}): the server tests the whole one from its main file`,
    );
  const dirs = [...(options.searchPath ?? (process.env.PATH ?? '').split(':').filter((d) => d !== '')), ...SYSTEM_SBIN];
  const commands = commandFor(config, dirs, serverRoot);
  if (!commands) return skip(`no ${config.server === 'nginx' ? 'nginx' : 'apachectl/apache2ctl/httpd'} binary found`);
  const distrust = untrustedFile(config.files);
  if (distrust) return skip(`${distrust}; the test would load the modules it names`);
  let argv = commands[0]!;
  let r = await runBounded(argv, options.timeoutMs ?? 10_000);
  if (commands[1] && /invalid option: "?-?e/.test(r.output)) r = await runBounded((argv = commands[1]), options.timeoutMs ?? 10_000);
  if (r.timedOut) return { command: argv, ok: null, problems: [], skipped: `${path.basename(argv[0]!)} -t did not finish in time` };
  if (r.code === 0) return { command: argv, ok: true, problems: [] };
  const problems = config.server === 'nginx' ? parseNginxTest(r.output, config.file) : parseApacheTest(r.output, config.file);
  if (problems.length === 0) {
    // nginx 1.22 dies of a stack overflow (SIGSEGV) on an include cycle, printing nothing.
    const first = r.output.split('\n').find((l) => l.trim() !== '') ?? (r.signal ? `killed by ${r.signal}` : `exit status ${r.code}`);
    problems.push({
      kind: 'server-check',
      severity: 'error',
      file: config.file,
      line: null,
      message: `${path.basename(argv[0]!)} -t: ${first.trim()}`,
    });
  }
  return { command: argv, ok: false, problems: problems.map(asUser) };
}

/**
 * Run as a user other than root, the server's test fails on what only root may open (its pid file,
 * error log, a root-only key): not a fault of the configuration, so a warning that says why.
 */
function asUser(p: ConfigProblem): ConfigProblem {
  if ((process.getuid?.() ?? 0) === 0 || !/Permission denied/.test(p.message)) return p;
  return { ...p, severity: 'warning', message: `${p.message} (not root: the server's own test could not open it)` };
}
