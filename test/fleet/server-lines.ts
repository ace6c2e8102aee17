/**
 * What a record wrapping a web-server error line carries besides the line: its time, pid and thread,
 * level — read off the line the way the log shippers do, so that the records the fleet tests build
 * (journal entries, Docker json-file lines, Elastic documents) agree with the line they wrap.
 *
 * Formats: nginx `YYYY/MM/DD HH:MM:SS [level] PID#TID: [*CONN ]text` (nginx src/core/ngx_log.c
 * ngx_log_error_core); Apache httpd 2.4 default ErrorLogFormat
 * `[Www Mmm DD HH:MM:SS.uuuuuu YYYY] [module:level] [pid PID:tid TID] text` (server/log.c). The times
 * in samples/real/ are UTC (the capturing machine's zone).
 */

/** The parts of a server line a shipper reads. */
export interface ServerLine {
  server: 'nginx' | 'apache';
  /** Time written in the line, µs since the epoch, read as UTC (nginx has whole seconds). */
  micros: bigint;
  level: string;
  /** Apache's module (`ssl`), absent for nginx. */
  module?: string;
  pid: number;
  tid: number;
  /** nginx's `*N` connection number, when the line has one. */
  connection?: number;
  /** The text after the prefix (what Elastic's pipelines keep as `message`). */
  rest: string;
  /** Apache's `[client addr:port]` right after the pid, when present. */
  client?: { address: string; port: number };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const NGINX = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?(.*)$/s;
const APACHE =
  /^\[\w{3} (\w{3}) (\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6}) (\d{4})\] \[(?:([^:\]]+):)?(\w+)\] \[pid (\d+)(?::tid (\d+))?\] (.*)$/s;
const CLIENT = /^\[client ([^\]]+):(\d+)\] (.*)$/s;

/**
 * Read the prefix of an nginx or Apache error line.
 * @throws Error when the line has neither format (every line in samples/real/ has one)
 */
export function parseServerLine(line: string): ServerLine {
  const n = NGINX.exec(line);
  if (n) {
    const ms = Date.UTC(+n[1]!, +n[2]! - 1, +n[3]!, +n[4]!, +n[5]!, +n[6]!);
    return {
      server: 'nginx',
      micros: BigInt(ms) * 1000n,
      level: n[7]!,
      pid: +n[8]!,
      tid: +n[9]!,
      connection: n[10] ? +n[10] : undefined,
      rest: n[11]!,
    };
  }
  const a = APACHE.exec(line);
  if (a) {
    const month = MONTHS.indexOf(a[1]!);
    const ms = Date.UTC(+a[7]!, month, +a[2]!, +a[3]!, +a[4]!, +a[5]!);
    const c = CLIENT.exec(a[12]!);
    return {
      server: 'apache',
      micros: BigInt(ms) * 1000n + BigInt(+a[6]!),
      module: a[8],
      level: a[9]!,
      pid: +a[10]!,
      tid: a[11] ? +a[11] : +a[10]!,
      rest: a[12]!,
      client: c ? { address: c[1]!, port: +c[2]! } : undefined,
    };
  }
  throw new Error(`not an nginx or Apache error line: ${line}`);
}
