/**
 * rsyslog configurations of the fleet harness (RainerScript, rsyslog 8.2302 as in Debian bookworm):
 * an edge that tails one web-server error log (imfile) and forwards it over TCP (omfwd) with a
 * disk-assisted queue, and a central that receives (imtcp), writes the per-host tree (omfile dynaFile)
 * and runs a program through omprog. Pure functions: nothing here starts a process.
 *
 * Every instance is self-contained: its own work directory (queue and imfile state files), its own
 * internal log (rsyslogd's own messages, `processInternalMessages="on"`, so nothing goes to syslog(3)
 * or /dev/log), inputs bound to their own ruleset so rsyslogd's own messages never enter the tree.
 *
 * Sources: rsyslog/rsyslog doc/source/configuration/modules/{imfile,omfwd,imtcp,omfile,omprog}.rst,
 * doc/source/configuration/templates.rst (option.jsonf), plugins/omprog/omprog.c and
 * runtime/srutils.c (split_binary_parameters) at tag v8.2302.0.
 */

/**
 * Name of the JSON template the central's omprog action uses by default.
 * @see STAPLING_JSON_TEMPLATE
 */
export const STAPLING_JSON_TEMPLATE_NAME = 'stapling_json';

/**
 * The JSON template for omprog: one JSON object per message, one line each (`option.jsonf` renders
 * `{"host":"web01", "program":"nginx", "timestamp":"…", "message":"…"}` and ends it with a LF, which
 * omprog needs as the message delimiter). Fields:
 * - `host`: the HOSTNAME property, i.e. the sender's `localHostname` (web01), not a DNS name;
 * - `program`: PROGRAMNAME, the imfile `tag` up to the colon (nginx, apache2);
 * - `timestamp`: TIMEREPORTED in RFC 3339 with microseconds. imfile stamps the time it READ the line,
 *   not the time written in it: take event times from the message itself;
 * - `message`: MSG, the log line as written by the server (JSON-escaped; rsyslog's jsonf also escapes
 *   `/` as `\/`). With RFC 3164 forwarding (omfwd's default template) MSG keeps the one space that
 *   follows the tag, so the line may start with a space.
 */
export const STAPLING_JSON_TEMPLATE = `template(name="${STAPLING_JSON_TEMPLATE_NAME}" type="list" option.jsonf="on") {
  property(outname="host" name="hostname" format="jsonf")
  property(outname="program" name="programname" format="jsonf")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
}`;

/**
 * A RainerScript string literal for a path or word. Refuses what would need escaping, so that a
 * configuration never silently means something else.
 * @throws Error when `s` holds `"`, `\`, a control character, or is empty
 */
export function rsString(s: string): string {
  if (s === '' || /["\\\x00-\x1f]/.test(s)) throw new Error(`cannot put ${JSON.stringify(s)} in an rsyslog string`);
  return `"${s}"`;
}

/**
 * omprog's `binary` value for an argv. rsyslog splits it on spaces, keeps quote characters inside the
 * arguments and execve()s argv[0] without a PATH lookup (runtime/srutils.c split_binary_parameters).
 * @throws Error when argv[0] is not absolute or an argument holds a space, a quote or a backslash
 */
export function omprogBinary(argv: string[]): string {
  if (argv.length === 0 || !argv[0]!.startsWith('/')) throw new Error(`omprog needs an absolute program path, got ${argv[0]}`);
  for (const a of argv) if (a === '' || /[\s"'\\]/.test(a)) throw new Error(`omprog cannot pass ${JSON.stringify(a)} as one argument`);
  return argv.join(' ');
}

/** Settings of the parts every instance shares. */
interface Common {
  /** Absolute directory of the instance (its work directory and internal log live under it). */
  dir: string;
}

/** The global block and the internal log: rsyslogd's own messages go to `<dir>/internal.log`. */
function preamble(c: Common, extra: string): string {
  return [
    `global(workDirectory=${rsString(`${c.dir}/work`)} net.enableDNS="off" processInternalMessages="on"${extra})`,
    '',
    '# rsyslogd’s own messages (start, suspended/resumed actions, omprog restarts): the default ruleset',
    `action(type="omfile" file=${rsString(`${c.dir}/internal.log`)} template="RSYSLOG_FileFormat")`,
    '',
  ].join('\n');
}

/** An edge: one web server's error log, forwarded to the central. */
export interface EdgeConfig extends Common {
  /** `localHostname`: the host name the edge puts in every message (web01). */
  hostname: string;
  /** Absolute path of the error log imfile tails. */
  logFile: string;
  /** imfile `tag` without the colon: the program name at the central (nginx, apache2). */
  program: string;
  /** The central's imtcp port on 127.0.0.1. */
  centralPort: number;
  /**
   * omfwd `template`. Default: none, i.e. omfwd's own default RSYSLOG_TraditionalForwardFormat
   * (RFC 3164, what a plain Debian edge sends). `RSYSLOG_SyslogProtocol23Format` sends RFC 5424.
   */
  forwardTemplate?: string;
}

/**
 * The edge configuration. The forwarding action has a disk-assisted queue (LinkedList in memory,
 * spilled to `<dir>/work/fwd*` when full, saved there on shutdown), retries for ever every second, so
 * that lines survive a stopped central and a restarted edge.
 */
export function edgeConfig(c: EdgeConfig): string {
  const template = c.forwardTemplate ? ` template=${rsString(c.forwardTemplate)}` : '';
  return [
    preamble(c, ` localHostname=${rsString(c.hostname)}`),
    'module(load="imfile" mode="inotify")',
    `input(type="imfile" file=${rsString(c.logFile)} tag=${rsString(`${c.program}:`)} ruleset="forward")`,
    '',
    'ruleset(name="forward") {',
    `  action(type="omfwd" name="to-central" target="127.0.0.1" port="${c.centralPort}" protocol="tcp"${template}`,
    '         queue.type="LinkedList" queue.filename="fwd" queue.saveOnShutdown="on" queue.size="10000"',
    '         action.resumeRetryCount="-1" action.resumeInterval="1")',
    '}',
    '',
  ].join('\n');
}

/** The omprog action of a central. */
export interface OmprogConfig {
  /** argv of the program (absolute program path; see {@link omprogBinary}). */
  argv: string[];
  /** Template definition (RainerScript) and its name. Default: {@link STAPLING_JSON_TEMPLATE}. */
  template?: { name: string; text: string };
  /** `confirmTimeout` in ms (rsyslog's default is 10 000). */
  confirmTimeoutMs?: number;
  /** `action.resumeInterval` in s: wait before a retry / restart (rsyslog's default is 30). */
  resumeIntervalS?: number;
  /** omprog `output`: where the program's stderr goes (default `<dir>/omprog.stderr`). */
  stderrFile?: string;
}

/** A central: receives over TCP, writes the per-host tree, runs a program through omprog. */
export interface CentralConfig extends Common {
  /** imtcp port on 127.0.0.1. */
  port: number;
  /** Root of the per-host tree: files are `<treeRoot>/<host>/<program>.log`. */
  treeRoot: string;
  /** omfile template of the tree files. Default RSYSLOG_FileFormat (Debian bookworm's default). */
  fileTemplate?: string;
  /** The omprog action, if any. */
  omprog?: OmprogConfig;
}

function omprogAction(c: CentralConfig, o: OmprogConfig): string {
  const tpl = o.template?.name ?? STAPLING_JSON_TEMPLATE_NAME;
  return [
    `  action(type="omprog" name="analyzer" binary=${rsString(omprogBinary(o.argv))} template=${rsString(tpl)}`,
    `         confirmMessages="on" confirmTimeout="${o.confirmTimeoutMs ?? 10_000}" reportFailures="on"`,
    '         forceSingleInstance="on" signalOnClose="on" closeTimeout="5000" hup.signal="HUP"',
    `         output=${rsString(o.stderrFile ?? `${c.dir}/omprog.stderr`)}`,
    '         queue.type="LinkedList" queue.filename="omprog" queue.saveOnShutdown="on"',
    `         action.resumeRetryCount="-1" action.resumeInterval="${o.resumeIntervalS ?? 1}")`,
  ].join('\n');
}

/** The central configuration. */
export function centralConfig(c: CentralConfig): string {
  const tree = `${c.treeRoot}/%HOSTNAME:::secpath-replace%/%PROGRAMNAME:::secpath-replace%.log`;
  return [
    preamble(c, ''),
    'module(load="imtcp")',
    ...(c.omprog ? ['module(load="omprog")'] : []),
    `input(type="imtcp" address="127.0.0.1" port="${c.port}" ruleset="remote")`,
    '',
    `template(name="per_host_tree" type="string" string=${rsString(tree)})`,
    ...(c.omprog ? [c.omprog.template?.text ?? STAPLING_JSON_TEMPLATE] : []),
    '',
    'ruleset(name="remote") {',
    `  action(type="omfile" name="tree" dynaFile="per_host_tree" template=${rsString(c.fileTemplate ?? 'RSYSLOG_FileFormat')} dirCreateMode="0755")`,
    ...(c.omprog ? [omprogAction(c, c.omprog)] : []),
    '}',
    '',
  ].join('\n');
}
