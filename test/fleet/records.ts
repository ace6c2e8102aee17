/**
 * Records that wrap web-server error lines in the formats of engines that do not run on this machine
 * (no Docker engine, no Filebeat / Elastic Agent, no Elasticsearch), built exactly as those engines'
 * source and golden files say, for the decoder fixtures in test/fixtures/records/. Each builder is
 * checked against the engine's own test vectors in records.test.ts.
 *
 * - Docker json-file: moby/moby daemon/logger/jsonfilelog/jsonfilelog.go (marshalMessage: the line
 *   plus "\n" as `log`, `stream`, optional `attrs`, `time`; one record per line) and
 *   jsonlog/jsonlogbytes.go (MarshalJSONBuf, ffjsonWriteJSONBytesAsString: its own escaping, which
 *   writes `<`, `>`, `&` as \u003c \u003e \u0026), jsonlog/time_marshalling.go (RFC 3339 with
 *   nanoseconds, trailing zeros dropped). Docs: https://docs.docker.com/engine/logging/drivers/json-file/
 * - Elastic Agent nginx / Apache integrations: elastic/integrations
 *   packages/nginx/data_stream/error/elasticsearch/ingest_pipeline/default.yml and
 *   packages/apache/data_stream/error/elasticsearch/ingest_pipeline/default.yml (the grok patterns,
 *   date formats, event.* fields), sample_event.json of each data stream (the envelope: agent,
 *   data_stream, host, input, log.file.path, log.offset, tags).
 * - Filebeat module events before the ingest pipeline (what output.file / Logstash get):
 *   elastic/beats filebeat/module/{nginx,apache}/error (config, manifest) and the fields the golden
 *   files test/*-expected.json show next to the pipeline's (event.module, event.dataset, fileset.name,
 *   input.type, log.offset, service.type, event.timezone).
 */
import { parseServerLine } from './server-lines.js';

// ---------------------------------------------------------------- Docker json-file

const HEX = '0123456789abcdef';

/**
 * moby's ffjsonWriteJSONBytesAsString: a JSON string of raw bytes. ASCII control characters other
 * than \n and \r, and `<`, `>`, `&`, become \u00XX; `\` and `"` are backslash-escaped; an invalid
 * UTF-8 byte becomes \ufffd; U+2028 and U+2029 become \u2028 and \u2029; all else is copied.
 */
export function dockerJsonString(bytes: Buffer): string {
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      if (b >= 0x20 && b !== 0x5c && b !== 0x22 && b !== 0x3c && b !== 0x3e && b !== 0x26) out += String.fromCharCode(b);
      else if (b === 0x5c || b === 0x22) out += `\\${String.fromCharCode(b)}`;
      else if (b === 0x0a) out += '\\n';
      else if (b === 0x0d) out += '\\r';
      else out += `\\u00${HEX[b >> 4]}${HEX[b & 0xf]}`;
      i++;
      continue;
    }
    const len = utf8Length(bytes, i);
    if (len === 0) {
      out += '\\ufffd';
      i++;
      continue;
    }
    const ch = bytes.subarray(i, i + len).toString('utf8');
    out += ch === '\u2028' ? '\\u2028' : ch === '\u2029' ? '\\u2029' : ch;
    i += len;
  }
  return `${out}"`;
}

/** Length of the valid UTF-8 sequence at `i` (as Go's utf8.DecodeRune accepts it), or 0. */
function utf8Length(b: Buffer, i: number): number {
  const c = b[i]!;
  const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > b.length) return 0;
  for (let k = 1; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 0;
  const cp = n === 2 ? 0 : n === 3 ? ((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) : ((c & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12);
  if (n === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return 0; // overlong or surrogate
  if (n === 4 && (cp < 0x10000 || cp > 0x10ffff)) return 0;
  return n;
}

/**
 * Go's time.Format(time.RFC3339Nano) in UTC: `2026-11-23T02:17:04.123456789Z`, the fraction without
 * trailing zeros and without the dot when it is zero.
 * @param nanos nanoseconds since the epoch
 */
export function rfc3339Nano(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const frac = (nanos % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}

/** Go's encoding/json for map[string]string: keys sorted, HTML characters escaped (as attrs is built). */
function goJsonMap(m: Record<string, string>): string {
  const esc = (s: string) => JSON.stringify(s).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return `{${Object.keys(m)
    .sort()
    .map((k) => `${esc(k)}:${esc(m[k]!)}`)
    .join(',')}}`;
}

/**
 * One json-file record (without its trailing LF) for one complete line a container wrote.
 * @param line the line without its newline (the driver adds "\n" to `log` for a complete line)
 * @param stream `stdout` or `stderr`
 * @param nanos the time the daemon read it, ns since the epoch
 * @param attrs extra attributes (`--log-opt tag=…` gives `{tag}`; `labels`/`env` give those)
 */
export function dockerJsonFileRecord(line: string, stream: 'stdout' | 'stderr', nanos: bigint, attrs?: Record<string, string>): string {
  const parts = [`"log":${dockerJsonString(Buffer.from(`${line}\n`, 'utf8'))}`, `"stream":${dockerJsonString(Buffer.from(stream))}`];
  if (attrs && Object.keys(attrs).length > 0) parts.push(`"attrs":${goJsonMap(attrs)}`);
  parts.push(`"time":"${rfc3339Nano(nanos)}"`);
  return `{${parts.join(',')}}`;
}

// ---------------------------------------------------------------- Elastic (grok as in the pipelines)

const NUMBER = '[+-]?(?:\\d+(?:\\.\\d+)?|\\.\\d+)';
/** nginx pipeline grok: `%{DATA:nginx.error.time} \[%{DATA:log.level}\] %{NUMBER:pid}#%{NUMBER:tid}: (\*%{NUMBER:conn} )?%{GREEDYMULTILINE:message}`. */
const NGINX_GROK = new RegExp(`(.*?) \\[(.*?)\\] (${NUMBER})#(${NUMBER}): (?:\\*(${NUMBER}) )?((?:.|\\n|\\t)*)`);
const LOGLEVEL =
  '(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo?(?:rmation)?|INFO?(?:RMATION)?|[Ww]arn?(?:ing)?|WARN?(?:ING)?|[Ee]rr?(?:or)?|ERR?(?:OR)?|[Cc]rit?(?:ical)?|CRIT?(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?)';
const APACHE_TIME = '\\w{3} \\w{3} \\d{1,2} \\d{1,2}:\\d{1,2}:\\d{1,2}(?:[.,:]\\d+)? \\d{4}';
const CLIENT = '(?: \\[client ([^\\]:\\s]+|\\[[^\\]]+\\])(?::(\\d+))?\\])?';
/** Apache pipeline grok, first pattern: `\[TIME\] \[LOGLEVEL\]( \[client …\])? %{GREEDYDATA:message}`. */
const APACHE_GROK_1 = new RegExp(`\\[(${APACHE_TIME})\\] \\[(${LOGLEVEL})\\]${CLIENT} (.*)`);
/** Second pattern: `(\[TIME\] )?(\[%{DATA:module}:%{APACHE_LOGLEVEL:level}\] \[pid N(:tid N)?\]( \[client …\])? )?%{GREEDYDATA:message}`. */
const APACHE_GROK_2 = new RegExp(
  `(?:\\[(${APACHE_TIME})\\] )?(?:\\[(.*?):(${LOGLEVEL}[0-9]*)\\] \\[pid (${NUMBER})(?::tid (${NUMBER}))?\\]${CLIENT} )?(.*)`,
);

/** Where a line came from, for the envelope of its document. */
export interface Shipped {
  host: string;
  /** log.file.path */
  path: string;
  /** Byte offset of the line in the file (log.offset). */
  offset: number;
  /** When the agent read the line (ISO 8601). */
  readAt: string;
  /** When Elasticsearch ingested it (ISO 8601). */
  ingestedAt: string;
  /** Keep the raw line in event.original (integration setting "Preserve original event"). */
  preserveOriginal?: boolean;
}

/** ES date processor output (`yyyy-MM-dd'T'HH:mm:ss.SSSXXX`) for a wall time read in UTC. */
const esDate = (ms: number) => new Date(ms).toISOString(); // ms precision, `Z` for UTC

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The nginx error pipeline's fields for a line (event.timezone UTC). @returns null when grok fails */
export function nginxPipelineFields(line: string): Record<string, unknown> | null {
  const m = NGINX_GROK.exec(line);
  if (!m) return null;
  const t = /^(\d{4})\/(\d{1,2})\/(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(m[1]!);
  return {
    '@timestamp': t ? esDate(Date.UTC(+t[1]!, +t[2]! - 1, +t[3]!, +t[4]!, +t[5]!, +t[6]!)) : undefined,
    'log.level': m[2],
    'process.pid': Number(m[3]),
    'process.thread.id': Number(m[4]),
    'nginx.error.connection_id': m[5] === undefined ? undefined : Number(m[5]),
    message: m[6],
  };
}

/** The Apache error pipeline's fields for a line (event.timezone UTC). @returns null when grok fails */
export function apachePipelineFields(line: string): Record<string, unknown> {
  const one = APACHE_GROK_1.exec(line);
  const m = one ? null : APACHE_GROK_2.exec(line)!;
  const time = one ? one[1] : m![1];
  const level = one ? one[2] : m![3];
  const client = one ? [one[3], one[4]] : [m![6], m![7]];
  const t = time && /^\w{3} (\w{3}) (\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))? (\d{4})$/.exec(time);
  const ms = t
    ? Date.UTC(+t[7]!, MONTHS.indexOf(t[1]!), +t[2]!, +t[3]!, +t[4]!, +t[5]!) + Math.floor(Number((t[6] ?? '0').padEnd(6, '0')) / 1000)
    : null;
  const address = client[0];
  return {
    '@timestamp': ms === null ? undefined : esDate(ms),
    'apache.error.module': one ? undefined : m![2] || undefined,
    'log.level': level,
    'process.pid': one || m![4] === undefined ? undefined : Number(m![4]),
    'process.thread.id': one || m![5] === undefined ? undefined : Number(m![5]),
    'source.address': address,
    'source.ip': address && /^[\d.]+$|:/.test(address) ? address : undefined,
    'source.domain': address && !/^[\d.]+$|:/.test(address) ? address : undefined,
    'source.port': client[1] === undefined ? undefined : Number(client[1]),
    'event.type': level === undefined ? undefined : ['emerg', 'alert', 'crit', 'error', 'warn'].includes(level) ? ['error'] : ['info'],
    message: one ? one[5] : m![8],
  };
}

/** Turn `{"a.b": 1}` into `{a: {b: 1}}`, dropping undefined values (as the pipelines' null-removal does). */
export function nest(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    if (value === undefined) continue;
    const path = key.split('.');
    let at = out;
    for (const p of path.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[path[path.length - 1]!] = value;
  }
  return out;
}

const AGENT = {
  ephemeral_id: '3c0b1a8e-5d2f-4f61-9b7a-0e4d6c2a1f90',
  id: '8f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
  type: 'filebeat',
  version: '8.11.0',
};

/**
 * The document Elasticsearch stores for an nginx or Apache error line shipped by Elastic Agent's
 * nginx / Apache integration (data streams logs-nginx.error-default, logs-apache.error-default).
 */
export function elasticAgentDocument(line: string, s: Shipped): Record<string, unknown> {
  const server = parseServerLine(line).server;
  const dataset = server === 'nginx' ? 'nginx.error' : 'apache.error';
  const fields = server === 'nginx' ? nginxPipelineFields(line)! : apachePipelineFields(line);
  const tags = [server === 'nginx' ? 'nginx-error' : 'apache-error', ...(s.preserveOriginal ? ['preserve_original_event'] : [])];
  return nest({
    ...fields,
    'agent.ephemeral_id': AGENT.ephemeral_id,
    'agent.id': AGENT.id,
    'agent.name': s.host,
    'agent.type': AGENT.type,
    'agent.version': AGENT.version,
    'data_stream.dataset': dataset,
    'data_stream.namespace': 'default',
    'data_stream.type': 'logs',
    'ecs.version': server === 'nginx' ? '8.5.1' : '8.11.0',
    'elastic_agent.id': AGENT.id,
    'elastic_agent.snapshot': false,
    'elastic_agent.version': AGENT.version,
    'event.agent_id_status': 'verified',
    'event.category': ['web'],
    'event.created': server === 'nginx' ? s.readAt : undefined, // nginx renames the read time; Apache drops it
    'event.dataset': dataset,
    'event.ingested': s.ingestedAt,
    'event.kind': 'event',
    'event.original': s.preserveOriginal ? line : undefined,
    'event.timezone': '+00:00',
    'event.type': server === 'nginx' ? ['error'] : fields['event.type'],
    'host.hostname': s.host,
    'host.name': s.host,
    'input.type': 'log',
    'log.file.path': s.path,
    'log.offset': s.offset,
    tags,
  });
}

/**
 * The event the Filebeat nginx / Apache module ships for a line BEFORE the ingest pipeline (what
 * `output.file`, `output.console` or Logstash receive): `message` is the raw line, `@timestamp` the
 * read time.
 */
export function filebeatModuleEvent(line: string, s: Shipped): Record<string, unknown> {
  const server = parseServerLine(line).server;
  const module = server === 'nginx' ? 'nginx' : 'apache';
  return nest({
    '@timestamp': s.readAt,
    '@metadata.beat': 'filebeat',
    '@metadata.type': '_doc',
    '@metadata.version': AGENT.version,
    '@metadata.pipeline': `filebeat-${AGENT.version}-${module}-error-pipeline`,
    'agent.ephemeral_id': AGENT.ephemeral_id,
    'agent.id': AGENT.id,
    'agent.name': s.host,
    'agent.type': AGENT.type,
    'agent.version': AGENT.version,
    'ecs.version': '1.12.0',
    'event.dataset': `${module}.error`,
    'event.module': module,
    'event.timezone': '+00:00',
    'fileset.name': 'error',
    'host.name': s.host,
    'input.type': 'log',
    'log.file.path': s.path,
    'log.offset': s.offset,
    message: line,
    'service.type': module,
  });
}

// ---------------------------------------------------------------- Loki logcli, Fluent Bit out_file

/**
 * Go's encoding/json for a string (json.Marshal, HTML escaping on): JSON with `<` `>` `&` as \u003c \u003e
 * \u0026 and U+2028, U+2029 escaped. (The lines here are valid UTF-8 without control characters, where
 * JSON.stringify and Go agree otherwise.)
 */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * grafana/loki `pkg/loghttp/labels.go` `LabelSet.String()`: `{k="v", k2="v2"}`, names sorted, values
 * `strconv.Quote`d (as JSON.stringify for the printable ASCII values used here).
 */
export function lokiLabelSet(labels: Record<string, string>): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k]!)}`)
    .join(', ')}}`;
}

/**
 * One `logcli query -o jsonl` line (without its LF): grafana/loki `pkg/logcli/output/jsonl.go`
 * `JSONLOutput.FormatAndPrintln` marshals `map[string]interface{}{"timestamp", "line", "labels"}` (labels
 * left out with `--no-labels`), so the members come sorted: labels, line, timestamp (RFC 3339 with ns,
 * as Go marshals a time.Time). Checked against `jsonl_test.go`.
 * @param labels the stream's labels, or null for `--no-labels`
 */
export function logcliJsonlLine(timestamp: string, labels: Record<string, string> | null, line: string): string {
  const members = [
    labels ? `"labels":${goJsonMap(labels)}` : null,
    `"line":${goJsonString(line)}`,
    `"timestamp":${goJsonString(timestamp)}`,
  ];
  return `{${members.filter((m) => m !== null).join(',')}}`;
}

/**
 * One `logcli query` line in the default output, without colours (fatih/color turns them off when stdout
 * is not a terminal; without its LF): grafana/loki `pkg/logcli/output/default.go`
 * `DefaultOutput.FormatAndPrintln`: `"%s %s %s\n"` of the time (RFC 3339), the label set padded with blanks
 * to `maxLabelsLen` ({@link lokiLabelSet}) and the line with blanks trimmed; `"%s %s\n"` with `--no-labels`.
 * Checked against `default_test.go`.
 */
export function logcliDefaultLine(timestamp: string, labels: Record<string, string> | null, maxLabelsLen: number, line: string): string {
  if (!labels) return `${timestamp} ${line.trim()}`;
  const set = lokiLabelSet(labels);
  return `${timestamp} ${set.padEnd(maxLabelsLen, ' ')} ${line.trim()}`;
}

/**
 * One Fluent Bit `out_file` line in the default `json` format (without its LF): fluent/fluent-bit
 * `plugins/out_file/file.c` `fprintf(fp, "%s: [%"PRIu64".%09lu, %s]" NEWLINE, tag, tv_sec, tv_nsec, json)`,
 * the record as `flb_msgpack_to_json_str` writes it (compact JSON, `/` not escaped). Before 1.6 (commit
 * 421fed9a5) the time was `%f` of the double: six decimals (`legacy`; cut here, where printf rounds).
 * @param nanos the event's time, ns since the epoch
 */
export function fluentBitOutFileLine(tag: string, nanos: bigint, record: Record<string, unknown>, legacy = false): string {
  const sec = nanos / 1_000_000_000n;
  const ns = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${tag}: [${sec}.${legacy ? ns.slice(0, 6) : ns}, ${JSON.stringify(record)}]`;
}
