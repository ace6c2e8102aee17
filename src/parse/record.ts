/**
 * JSON log records: one record per line, decoded before the server's line inside is parsed, with the
 * host, time, pid and unit the record carries. Recognised by their fields (the first shape that fits):
 *
 * - `journald`: `journalctl -o json`, `-o json-seq` (RFC 7464: `\x1e` before each record) and `-o json-sse`
 *   (`data: ` before each record, an empty line after: the HTML Living Standard's server-sent events, as
 *   systemd-journal-gatewayd serves them). `-o export` and `-o json-pretty` reach here one record a line
 *   (`src/lines/record-frames.ts`). `MESSAGE`
 *   (a string, or an array of byte values when it holds control characters or invalid UTF-8; null when
 *   longer than journalctl prints without `--all`), `_HOSTNAME`, `SYSLOG_IDENTIFIER`, `_PID`,
 *   `_SYSTEMD_UNIT`, `__REALTIME_TIMESTAMP` (µs since the epoch). Source: systemd `man systemd.journal-fields`,
 *   `man journalctl` (json, json-seq); checked on systemd 252 (test/fixtures/records/).
 * - `docker`: the json-file logging driver, `{"log":"<line>\n","stream":"stderr","time":"<RFC 3339>"}`
 *   (moby/moby `daemon/logger/jsonfilelog`); it carries no host.
 * - `rsyslog`: the JSON template of the README's Fleets section (`option.jsonf`): `host`, `program`,
 *   `timestamp`, `message`. With RFC 3164 forwarding MSG keeps the one space after the tag: exactly one
 *   leading space is removed.
 * - `ecs`: Filebeat / Elastic Agent documents: `message`, `host.name`, `log.file.path`, `@timestamp`,
 *   and after the integrations' ingest pipelines the prefix fields (`log.level`, `process.pid`,
 *   `process.thread.id`, `nginx.error.connection_id`, `apache.error.module`; elastic/integrations
 *   `packages/{nginx,apache}/data_stream/error`). `event.original`, when kept, is the whole line.
 *
 * - `json`: any other object with a string message under a name log shippers use: `message`, `msg`
 *   (pino, bunyan, logrus, zap), `log` (Fluent Bit / Fluentd's Kubernetes records), `full_message` /
 *   `short_message` (GELF 1.1, Docker's gelf driver; the full one first when a sender gave both),
 *   `textPayload` (Google Cloud Logging), `line` (Loki's `logcli query -o jsonl`, the host and program from its
 *   `labels`), `body` or OTLP's
 *   `body.stringValue` (OpenTelemetry), `text`; with the host and time (ISO-8601 or epoch
 *   s, ms, µs, ns) found under their usual names ({@link HOST_PATHS}, {@link TIME_PATHS}). Not the pid:
 *   a logger's own `pid` (pino, bunyan) is the shipper's process. Also Splunk's `_raw` and Azure Monitor's
 *   Syslog table (`SyslogMessage`, `Computer`, `TimeGenerated`).
 * - any of these inside the envelope a search or export API puts it in ({@link ENVELOPES}: an
 *   Elasticsearch hit's `_source`, Splunk's `result`, Cloud Logging's `jsonPayload`, Datadog's
 *   `attributes`), decoded as its own shape, with the envelope's host and time where it has none.
 * - many of these in one API response on one line (an Elasticsearch `_search`, Loki's query and push
 *   APIs, …) or in an OTLP JSON request (the OpenTelemetry Collector's file exporter): {@link decodeRecords},
 *   oldest first by the times they carry.
 *
 * The server's own time, pid and level win over the record's (the record's time is often when a
 * collector read the line). A line that starts like JSON but is not one of these is "undecoded".
 */
import type { ParsedLine, RecordKind, Server } from '../types.js';
import { parseLine, type ParseOptions } from './line.js';
import { epochToIso as secondsToIso } from './time.js';
import { LABEL_PROGRAMS, unwrap } from './wrappers.js';

/** A record decoded: the server's line and what the record says about it (null: it does not say). */
export interface DecodedRecord {
  kind: RecordKind;
  /** The log line inside the record (line end removed). */
  line: string;
  host: string | null;
  /** ISO-8601 with an offset (`Z`), or as the record wrote it. */
  time: string | null;
  pid: number | null;
  unit: string | null;
  /** Fields an ingest pipeline moved out of the line (ECS documents only). */
  server: Server | null;
  level: string | null;
  tid: string | null;
  module: string | null;
  connectionId: number | null;
}

/** Why a record-like line was not decoded. */
export type UndecodedReason = 'invalid-json' | 'unknown-record' | 'no-message';

export type RecordResult = { ok: true; record: DecodedRecord } | { ok: false; reason: UndecodedReason };

type Json = Record<string, unknown>;

const RS = 0x1e; // RFC 7464 record separator (json-seq)
/** What a server-sent event's data line starts with (`journalctl -o json-sse`: `data: {…}`). */
const SSE_DATA = 'data: ';

/**
 * True when the line starts like a JSON record: `{` (or json-seq's `\x1e{`) after blanks, then blanks and
 * the `"` of the first member's name — every record a log engine writes is an object with members. A
 * stray brace before a text line (`{[Fri May 09 …] [ssl:error] …`) is text, matched as such.
 */
export function isRecordLine(text: string): boolean {
  return startsRecord(text) || headerOf(text) !== null;
}

/** Does the text start like a JSON record (see {@link isRecordLine})? */
function startsRecord(text: string): boolean {
  const blank = (c: number): boolean => c === 0x20 || c === 0x09;
  let i = 0;
  while (i < text.length && blank(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === RS) i++;
  else if (text.startsWith(SSE_DATA, i)) i += SSE_DATA.length;
  if (text.charCodeAt(i) !== 0x7b /* { */) return false;
  i++;
  while (i < text.length && blank(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 0x22; /* " */
}

/** A log engine's text header in front of a record: where the record starts and what the header says. */
interface RecordHeader {
  at: number;
  /** Where the record ends (the line's end, or the `]` Fluent Bit closes its array with). */
  end: number;
  host: string | null;
  time: string | null;
  pid: number | null;
  server: Server | null;
}

/** The last line {@link headerOf} was asked about (the analyzer, the joiner and the matcher ask in turn). */
let lastHeader: { text: string; header: RecordHeader | null } = { text: '', header: null };

/**
 * The text header a log engine wrote in front of a JSON record on the same line, or null: syslog's (rsyslog
 * or syslog-ng forwarding Docker's json-file lines, `Nov 23 02:16:56 web1 dockerd: {"log":…}`), fluentd's
 * stdout and file outputs (`2026-11-23 02:16:56.123456789 +0000 nginx.error: {"log":…}`,
 * `2026-11-23T02:16:56+00:00<TAB>nginx.error<TAB>{"log":…}`), a container runtime's or `kubectl --prefix`'s:
 * every header `wrappers.ts` removes, when what it leaves is a record; and Fluent Bit's file output
 * (`nginx.error: [1796664000.123456789, {"log":…}]`, {@link fluentBitFileHeader}). Linear; a line without `{"`
 * costs one search.
 */
function headerOf(text: string): RecordHeader | null {
  const brace = text.indexOf('{"');
  if (brace <= 0 || !/[\s:]/.test(text[brace - 1]!)) return null;
  if (lastHeader.text === text) return lastHeader.header;
  let header = fluentBitFileHeader(text, brace);
  if (!header) {
    const u = unwrap(text, () => new Date());
    const found = u.wrapper !== null && u.rest.length < text.length && text.endsWith(u.rest) && startsRecord(u.rest);
    const at = text.length - u.rest.length;
    header = found ? { at, end: text.length, host: u.host, time: u.time, pid: u.pid, server: u.server } : null;
  }
  lastHeader = { text, header };
  return header;
}

/** Fluent Bit's out_file header up to its record (`nginx.error: [1796664000.123456789, `), and the `]` after the record. */
const FLUENT_BIT_FILE = /^(?<tag>[A-Za-z0-9_.@/-]{1,256}): \[(?<sec>\d{1,20})\.(?<frac>\d{9}|\d{6}), $/;

/**
 * Fluent Bit's `out_file` output in its default format (`json`): `TAG: [SEC.NSEC, {record}]`, one event a
 * line (fluent/fluent-bit `plugins/out_file/file.c`, `fprintf(fp, "%s: [%"PRIu64".%09lu, %s]" NEWLINE, tag,
 * tv_sec, tv_nsec, json)` since 1.6, commit 421fed9a5; `"%s: [%f, %s]"`, six decimals, before): where the
 * record starts and ends, the event's time, the server its tag names.
 * The host is the record's (`hostname`, with the record_modifier filter). Null when the line is not one.
 * @param brace where the line's first `{"` is
 */
function fluentBitFileHeader(text: string, brace: number): RecordHeader | null {
  const g = brace <= 300 ? FLUENT_BIT_FILE.exec(text.slice(0, brace))?.groups : undefined;
  const end = g ? text.trimEnd().length - 1 : -1;
  if (!g || text.charCodeAt(end) !== 0x5d /* ] */) return null;
  return { at: brace, end, host: null, time: secondsToIso(`${g.sec}.${g.frac}`), pid: null, server: serverOfName(g.tag!) };
}

/** The object a record line holds ({@link documentOf}) after its header, if it has one ({@link headerOf}), and that header. */
function headedDocument(text: string): { doc: Json | null; header: RecordHeader | null } {
  const header = startsRecord(text) ? null : headerOf(text);
  return { doc: documentOf(header ? text.slice(header.at, header.end) : text), header };
}

/** A decoded record with what its line's header says where the record says nothing. */
function withHeader(r: DecodedRecord, h: RecordHeader | null): DecodedRecord {
  if (!h) return r;
  return { ...r, host: r.host ?? h.host, time: r.time ?? h.time, pid: r.pid ?? h.pid, server: r.server ?? h.server };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const obj = (v: unknown): Json | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null);
function int(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}
/** `a.b.c` in a document, nested (`{"a":{"b":…}}`) or flat (`{"a.b":…}`). */
function at(doc: Json, path: string): unknown {
  if (path in doc) return doc[path];
  let cur: unknown = doc;
  for (const k of path.split('.')) cur = obj(cur)?.[k];
  return cur;
}

/** The server a program, unit or dataset names (`nginx`, `apache2.service`, `apache.error`, `httpd`). */
export function serverOfName(name: string | null): Server | null {
  if (!name) return null;
  const n = name.toLowerCase().replace(/^.*\//, '');
  if (n.startsWith('nginx') || n.startsWith('openresty')) return 'nginx';
  if (n.startsWith('apache') || n.startsWith('httpd')) return 'apache';
  return null;
}

const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?$/;
/** A record's own time field when it is an ISO-8601 time (`T` between date and time), else null. */
function isoTime(v: unknown): string | null {
  return typeof v === 'string' && ISO.test(v) ? v.replace(' ', 'T').replace(',', '.') : null;
}

/**
 * An Elasticsearch / ECS `@timestamp` (ISO-8601, {@link isoTime}), read as Elasticsearch reads it: its date
 * format `strict_date_optional_time` takes a time without an offset as UTC (Elasticsearch reference, "date
 * field type" and "format"; ECS: `@timestamp` is UTC), so such a time gets its `Z`.
 */
function esTime(v: unknown): string | null {
  const t = isoTime(v);
  return t && !/(?:Z|[+-]\d{2}:?\d{2})$/.test(t) ? `${t}Z` : t;
}

/** µs since the epoch (journald) → `2026-11-23T02:17:04.000001Z`. */
function microsToIso(v: unknown): string | null {
  const s = typeof v === 'string' && /^\d{1,17}$/.test(v) ? v : null;
  if (!s) return null;
  const us = BigInt(s);
  const ms = Number(us / 1000n);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.toISOString().slice(0, 19)}.${String(us % 1_000_000n).padStart(6, '0')}Z`;
}

/** A journald MESSAGE: a string, or the bytes of one (decoded as UTF-8, invalid bytes U+FFFD). */
function journalMessage(m: unknown): string | null {
  if (typeof m === 'string') return m;
  if (!Array.isArray(m) || !m.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return null;
  return Buffer.from(m as number[]).toString('utf8');
}

function blank(kind: RecordKind, line: string): DecodedRecord {
  return {
    kind,
    line,
    host: null,
    time: null,
    pid: null,
    unit: null,
    server: null,
    level: null,
    tid: null,
    module: null,
    connectionId: null,
  };
}

function journald(doc: Json): RecordResult {
  const line = journalMessage(doc.MESSAGE);
  if (line === null) return { ok: false, reason: 'no-message' };
  const r = blank('journald', line);
  r.host = str(doc._HOSTNAME);
  r.time = microsToIso(doc.__REALTIME_TIMESTAMP);
  r.pid = int(doc._PID) ?? int(doc.SYSLOG_PID);
  r.unit = str(doc._SYSTEMD_UNIT);
  r.server = serverOfName(str(doc.SYSLOG_IDENTIFIER)) ?? serverOfName(r.unit) ?? serverOfName(str(doc._COMM));
  return { ok: true, record: r };
}

function docker(doc: Json): RecordResult {
  const r = blank('docker', (doc.log as string).replace(/\r?\n$/, ''));
  r.time = isoTime(doc.time);
  return { ok: true, record: r };
}

function rsyslog(doc: Json): RecordResult {
  const msg = doc.message as string;
  const r = blank('rsyslog', msg.startsWith(' ') ? msg.slice(1) : msg);
  r.host = str(doc.host);
  r.time = isoTime(doc.timestamp);
  r.server = serverOfName(str(doc.program));
  hostAndTime(r, doc); // the same shape from another sender: a time in ms (CloudWatch Logs' events), under another name
  return { ok: true, record: r };
}

function ecs(doc: Json): RecordResult {
  const original = str(at(doc, 'event.original'));
  const r = blank('ecs', original ?? (doc.message as string));
  r.host = str(at(doc, 'host.name')) ?? str(at(doc, 'host.hostname'));
  r.time = esTime(doc['@timestamp']);
  r.pid = int(at(doc, 'process.pid'));
  const dataset = str(at(doc, 'data_stream.dataset')) ?? str(at(doc, 'event.dataset'));
  r.server = serverOfName(str(at(doc, 'service.type'))) ?? serverOfName(dataset);
  if (original === null) {
    // After the integration's pipeline the prefix is gone from `message`: take its fields back.
    r.level = str(at(doc, 'log.level'));
    const tid = at(doc, 'process.thread.id');
    r.tid = typeof tid === 'number' || typeof tid === 'string' ? String(tid) : null;
    r.module = str(at(doc, 'apache.error.module'));
    r.connectionId = int(at(doc, 'nginx.error.connection_id'));
  }
  return { ok: true, record: r };
}

/** Where shippers put the message of a record of no known shape, in the order tried. */
const MESSAGE_PATHS = [
  'message',
  'msg',
  'log',
  'MESSAGE',
  // GELF 1.1: `full_message` is the whole message when a sender also gave a short one (Docker's gelf driver gives only `short_message`).
  'full_message',
  'short_message',
  'textPayload',
  'line',
  'body',
  'body.stringValue',
  'Body',
  'text',
  '@message',
  '_raw',
  'SyslogMessage',
];
/** Where they put the host: syslog-style names, ECS, GELF, Kubernetes' node. */
export const HOST_PATHS = [
  'host',
  'hostname',
  'host.name',
  'host.hostname',
  '_HOSTNAME',
  'HOSTNAME',
  'kubernetes.host',
  'syslog.hostname',
  'Computer',
];
/** Where they put the time: ISO-8601 strings, or numbers since the epoch. */
export const TIME_PATHS = [
  '@timestamp',
  'timestamp',
  'time',
  'ts',
  'date',
  'Timestamp',
  'TimeGenerated',
  'timeUnixNano',
  'observedTimeUnixNano',
  '_time', // Splunk's results and export
];
/** The program or container that wrote the line, to tell the server when the line does not. */
const PROGRAM_PATHS = [
  'program',
  'SYSLOG_IDENTIFIER',
  'appname',
  'syslog.appname',
  'tag',
  'service',
  'container_name',
  '_container_name',
  'kubernetes.container_name',
];

/**
 * A time since the epoch as ISO-8601 UTC, its unit told by its size (s with a fraction, ms, µs, ns),
 * or null outside 2001–2286. A string of µs or ns (Loki's `[ns, line]`, OTLP's `timeUnixNano`) keeps
 * every digit (`1796664000123456789` → `2026-12-07T17:20:00.123456789Z`): entries a collector read in the
 * same millisecond keep their order ({@link inTimeOrder}).
 */
function epochToIso(v: unknown): string | null {
  if (typeof v === 'string' && /^\d{16}$|^\d{19}$/.test(v)) return secondsToIso(`${v.slice(0, 10)}.${v.slice(10)}`);
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{10}(?:\.\d+)?$|^\d{13}$|^\d{16}$|^\d{19}$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 1e9) return null;
  const ms = n < 1e10 ? n * 1000 : n < 1e13 ? n : n < 1e16 ? n / 1e3 : n / 1e6;
  const d = new Date(ms);
  return ms < 1e13 && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
}

/** The host and time the document holds under their usual names ({@link HOST_PATHS}, {@link TIME_PATHS}), where the record has none. */
function hostAndTime(r: DecodedRecord, doc: Json): void {
  for (const k of HOST_PATHS) r.host ??= str(at(doc, k));
  for (const k of TIME_PATHS) r.time ??= (k === '@timestamp' ? esTime : isoTime)(at(doc, k)) ?? epochToIso(at(doc, k));
}

/**
 * Members under which a search or export API hands over the record itself, in the order tried:
 * Elasticsearch/OpenSearch search hits (`_source`), Splunk's export (`output_mode=json`: `result`, with
 * `_raw`), Google Cloud Logging's `jsonPayload` (a structured entry: `jsonPayload.message`), Datadog's Logs
 * API (v2 `attributes`, v1 `content`), Graylog's search results (`message`, an object there).
 */
const ENVELOPES = ['_source', 'result', 'jsonPayload', 'attributes', 'content', 'message'];

/** Envelopes opened at most, one inside the other (a hostile line may nest thousands). */
const MAX_ENVELOPES = 2;

/** The record an API envelope holds, with the envelope's own host and time where the record has none. */
function enveloped(doc: Json, depth: number): RecordResult | null {
  if (depth >= MAX_ENVELOPES) return null;
  for (const k of ENVELOPES) {
    const inner = obj(doc[k]);
    if (!inner) continue;
    const r = decodeObject(inner, depth + 1);
    if (!r.ok) continue;
    hostAndTime(r.record, doc);
    return r;
  }
  return null;
}

function generic(doc: Json, depth: number): RecordResult {
  const path = MESSAGE_PATHS.find((k) => typeof at(doc, k) === 'string');
  if (path === undefined) return enveloped(doc, depth) ?? { ok: false, reason: 'unknown-record' };
  const r = blank('json', (at(doc, path) as string).replace(/\r?\n$/, ''));
  hostAndTime(r, doc);
  // No pid: a logger's own `pid` member (pino, bunyan) is the shipper's process, not the server's.
  for (const k of PROGRAM_PATHS) r.server ??= serverOfName(str(at(doc, k)));
  const labels = obj(doc.labels);
  if (labels) fromLabels(r, labels);
  return { ok: true, record: r };
}

/**
 * What a Loki label set says of its entry, where the entry says nothing: the host (`host`, `hostname`, …:
 * {@link HOST_PATHS}) and the program (`job`, `service_name`, `container`, …: {@link LOKI_PROGRAM_LABELS}).
 * The labels of a `query_range` stream (`{"stream":{labels},"values":[…]}`) and of a `logcli query -o jsonl`
 * line (`{"labels":{"host":"web01","job":"nginx"},"line":"…","timestamp":"…"}`: grafana/loki
 * `pkg/logcli/output/jsonl.go`, `JSONLOutput.FormatAndPrintln`, and its `jsonl_test.go`).
 */
function fromLabels(r: DecodedRecord, labels: Json): void {
  for (const k of HOST_PATHS) r.host ??= str(at(labels, k));
  for (const k of LOKI_PROGRAM_LABELS) r.server ??= serverOfName(str(labels[k]));
}

/** The object a record line holds, or null when it is not valid JSON or not an object. */
function documentOf(text: string): Json | null {
  try {
    return obj(JSON.parse(text.replace(/^[ \t]*(?:\x1e|data: )?/, '')));
  } catch {
    return null;
  }
}

/**
 * Decode one record line. Never throws.
 * @param text one line (a json-seq `\x1e` or a json-sse `data: ` in front is allowed)
 * @returns the record, or why it is not one (only meaningful when {@link isRecordLine} is true)
 */
export function decodeRecord(text: string): RecordResult {
  const { doc, header: h } = headedDocument(text);
  const r = doc ? decodeObject(doc, 0) : null;
  if (!r) return { ok: false, reason: 'invalid-json' };
  return r.ok ? { ok: true, record: withHeader(r.record, h) } : r;
}

/** The records one line holds: one record, or the many of an API's response ({@link decodeRecords}). */
export type RecordsResult = { ok: true; records: DecodedRecord[] } | { ok: false; reason: UndecodedReason };

/** Objects and arrays opened at most, one inside the other, looking for a response's records. */
const MAX_BATCH_DEPTH = 4;
/** Records taken from one line at most (the line itself is bounded by the scanner's longest line). */
export const MAX_BATCH_RECORDS = 10_000;

/**
 * Decode a record line that may be a whole API response holding many records, as `curl` writes it on
 * one line: an Elasticsearch/OpenSearch `_search` response (`hits.hits[]._source`), Loki's query API
 * (`/loki/api/v1/query_range`: `data.result[]`, each a stream of `values` `[ns, line]` with its labels)
 * and push API (`streams[]`, the same streams; the older `entries[]` of `{ts, line}`), Datadog's Logs API
 * v2 list (`data[].attributes`), CloudWatch Logs' `filter-log-events` (`events[].message`), Graylog's search
 * (`messages[].message`), Splunk's search results (`results[]._raw`). A record of a response is an element
 * of an array that decodes as a record on its own ({@link decodeRecord}'s shapes, one envelope deep), or a
 * Loki stream's entry with the stream's labels as its host (`host`, `hostname`) and program (`job`,
 * `service_name`, `container`, `app`, `unit`, …). Sources: Elasticsearch Search API reference; Grafana Loki
 * HTTP API reference (query_range, push); Datadog Logs API v2 `ListLogs`; AWS CLI `logs filter-log-events`;
 * Graylog REST `search/universal`; Splunk REST `search/jobs/{sid}/results` (`output_mode=json`).
 * Never throws; at most {@link MAX_BATCH_RECORDS} records, {@link MAX_BATCH_DEPTH} levels deep.
 * @returns the line's one record, else the records its response holds, oldest first where they carry times
 *   ({@link inTimeOrder}; else in document order), else why it is not a record (the reason a single record gave)
 */
export function decodeRecords(text: string): RecordsResult {
  const { doc, header: h } = headedDocument(text);
  if (!doc) return { ok: false, reason: 'invalid-json' };
  const one = decodeObject(doc, 0);
  if (one.ok) return { ok: true, records: [withHeader(one.record, h)] };
  const records: DecodedRecord[] = [];
  collectRecords(doc, 0, records);
  return records.length > 0 ? { ok: true, records: inTimeOrder(records).map((r) => withHeader(r, h)) } : one;
}

/**
 * A response's records oldest first, by the time each carries (a Loki entry's ns, a hit's `@timestamp`, …):
 * APIs answer newest first by default (Loki's `direction=backward`, `logcli` without `--forward`, a search
 * sorted `@timestamp desc`), and a failure the server writes as several lines (Apache's AH01977, AH01980,
 * AH01941) is told by their order. Records of equal times (an ingest pipeline's `@timestamp` has ms, Apache
 * writes µs) are ordered by the times their lines write, when both lines write one; else they keep the
 * response's order. Records without a time keep their places (the timed ones are ordered among those places).
 */
function inTimeOrder(records: DecodedRecord[]): DecodedRecord[] {
  const timed = records.flatMap((r, i) => {
    const k = timeKey(r.time);
    return k ? [{ r, i, k }] : [];
  });
  if (timed.length < 2) return records;
  const own = new Map<number, string>(); // the line's own time, read only for records of equal times
  const ownTime = (x: { r: DecodedRecord; i: number }): string => {
    if (!own.has(x.i)) own.set(x.i, parseLine(x.r.line).time ?? '');
    return own.get(x.i)!;
  };
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  const sorted = [...timed].sort(
    (a, b) => a.k.ms - b.k.ms || cmp(a.k.frac, b.k.frac) || (ownTime(a) && ownTime(b) ? cmp(ownTime(a), ownTime(b)) : 0) || a.i - b.i,
  );
  const out = records.slice();
  timed.forEach((place, j) => (out[place.i] = sorted[j]!.r));
  return out;
}

const TIME_KEY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;
/** A record's time as whole seconds (ms since the epoch; a time without a zone read as UTC) and its fraction's digits (9). */
function timeKey(time: string | null): { ms: number; frac: string } | null {
  const m = time ? TIME_KEY.exec(time) : null;
  if (!m) return null;
  const zone = !m[3] || m[3] === 'Z' ? 'Z' : m[3].length === 5 ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : m[3];
  const ms = Date.parse(`${m[1]}${zone}`);
  return Number.isNaN(ms) ? null : { ms, frac: (m[2] ?? '').padEnd(9, '0') };
}

/** The records under `v` (a response's member, array or element), appended to `out`. */
function collectRecords(v: unknown, depth: number, out: DecodedRecord[]): void {
  if (depth > MAX_BATCH_DEPTH || out.length >= MAX_BATCH_RECORDS) return;
  const o = obj(v);
  if (o && (lokiStream(o, out) || otlpResourceLogs(o, out))) return;
  const list = Array.isArray(v);
  for (const item of list ? (v as unknown[]) : o ? Object.values(o) : []) {
    if (out.length >= MAX_BATCH_RECORDS) return;
    if (typeof item !== 'object' || item === null) continue;
    const el = list ? obj(item) : null;
    const r = el ? decodeObject(el, MAX_ENVELOPES - 1) : null;
    if (r?.ok) out.push(r.record);
    else collectRecords(item, depth + 1, out);
  }
}

/** Loki labels that name the program: promtail's `job`, Loki 3's `service_name`, Kubernetes and journal labels. */
const LOKI_PROGRAM_LABELS = [...LABEL_PROGRAMS, ...PROGRAM_PATHS];

/** A Loki stream (`{"stream": {labels}, "values": [[ns, line, metadata?], …]}`): its entries appended; false when `o` is none. */
/**
 * An OTLP JSON `ResourceLogs` (opentelemetry-proto `opentelemetry/proto/logs/v1/logs.proto` in its JSON mapping: the
 * OpenTelemetry Collector's file exporter writes one `ExportLogsServiceRequest` per line,
 * `{"resourceLogs":[{"resource":{"attributes":[…]},"scopeLogs":[{"logRecords":[…]}]}]}`): each log record
 * (`body.stringValue`, `timeUnixNano`) with the resource's `host.name` as its host. True when `o` is one.
 */
function otlpResourceLogs(o: Json, out: DecodedRecord[]): boolean {
  if (!Array.isArray(o.scopeLogs)) return false;
  const attributes = at(o, 'resource.attributes');
  const hostAttribute = Array.isArray(attributes) ? attributes.map(obj).find((a) => a?.key === 'host.name') : undefined;
  const host = hostAttribute ? str(at(hostAttribute, 'value.stringValue')) : null;
  for (const scope of o.scopeLogs as unknown[]) {
    const records = obj(scope)?.logRecords;
    for (const lr of Array.isArray(records) ? records : []) {
      if (out.length >= MAX_BATCH_RECORDS) return true;
      const el = obj(lr);
      const r = el ? decodeObject(el, MAX_ENVELOPES - 1) : null;
      if (r?.ok) out.push({ ...r.record, host: r.record.host ?? host });
    }
  }
  return true;
}

function lokiStream(o: Json, out: DecodedRecord[]): boolean {
  const labels = obj(o.stream);
  if (!labels || !Array.isArray(o.values)) return false;
  for (const v of o.values as unknown[]) {
    if (out.length >= MAX_BATCH_RECORDS) break;
    if (!Array.isArray(v) || typeof v[1] !== 'string') continue;
    const r = blank('json', v[1].replace(/\r?\n$/, ''));
    r.time = epochToIso(v[0]);
    hostAndTime(r, labels);
    fromLabels(r, labels);
    out.push(r);
  }
  return true;
}

/**
 * A parsed record object decoded by its shape (see the module's comment).
 * @param depth how many envelopes it lies in
 */
function decodeObject(doc: Json, depth: number): RecordResult {
  const r = decodeShape(doc, depth);
  return r.ok ? innerRecord(r.record, depth) : r;
}

/**
 * The record a record's line is itself, when it is one: an application's JSON log line caught by Docker's
 * json-file (`{"log":"{\"level\":\"error\",\"msg\":\"…\"}\n","stream":"stderr",…}`) or a shipper, decoded as
 * its own shape (one level: {@link MAX_ENVELOPES}), with the outer record's host, time, unit, pid and
 * server where it has none. The record itself otherwise.
 */
function innerRecord(outer: DecodedRecord, depth: number): RecordResult {
  const own: RecordResult = { ok: true, record: outer };
  if (depth + 1 >= MAX_ENVELOPES || !isRecordLine(outer.line)) return own;
  const doc = documentOf(outer.line);
  const inner = doc ? decodeShape(doc, depth + 1) : null;
  if (!inner?.ok) return own;
  const r = inner.record;
  r.host ??= outer.host;
  r.time ??= outer.time;
  r.unit ??= outer.unit;
  r.pid ??= outer.pid;
  r.server ??= outer.server;
  return inner;
}

/** A record decoded by its shape (journald, Docker, rsyslog, ECS, a generic logger's, an envelope's). */
function decodeShape(doc: Json, depth: number): RecordResult {
  if ('MESSAGE' in doc && ('__REALTIME_TIMESTAMP' in doc || '__CURSOR' in doc || '_HOSTNAME' in doc)) return journald(doc);
  if (typeof doc.log === 'string' && typeof doc.time === 'string') return docker(doc);
  if (typeof doc.message === 'string' && typeof doc.host === 'string') return rsyslog(doc);
  if (typeof doc.message === 'string' && (typeof doc['@timestamp'] === 'string' || obj(doc.host) || obj(doc.log) || obj(doc.ecs)))
    return ecs(doc);
  return generic(doc, depth);
}

/**
 * Parse a record's line ({@link parseLine}) and complete it with what the record says: the host
 * always, the unit, and time, pid, server, level, tid, module, connection id where the line has none.
 */
export function parseRecord(r: DecodedRecord, options: ParseOptions = {}): ParsedLine {
  const p = parseLine(r.line, options);
  p.record = r.kind;
  if (r.host) p.host = r.host;
  if (r.unit) p.unit = r.unit;
  p.time = p.time ?? r.time;
  p.pid = p.pid ?? r.pid;
  p.server = p.server ?? r.server;
  p.level = p.level ?? r.level;
  p.tid = p.tid ?? r.tid;
  p.module = p.module ?? r.module;
  p.connectionId = p.connectionId ?? r.connectionId;
  return p;
}

/**
 * How engines write a literal inside a JSON string, beyond the literal itself: `"` and `\` escaped
 * (every encoder), `/` as `\/` (rsyslog's `jsonf`), `<` `>` `&` as `\u003c` `\u003e` `\u0026`
 * (Go's encoder: Docker json-file). The byte scanner looks for these too, so that a record whose
 * trigger was escaped is still a candidate; plus `"MESSAGE":[`, journald's byte-array message.
 * @returns the distinct escaped forms that differ from the literals
 */
export function jsonEscapedForms(literals: readonly string[]): string[] {
  const out = new Set<string>();
  for (const t of literals) {
    const json = JSON.stringify(t).slice(1, -1);
    const forms = [json, json.replace(/\//g, '\\/'), json.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)];
    for (const f of forms) if (f !== t) out.add(f);
  }
  out.add(JOURNAL_BYTE_MESSAGE);
  for (const t of literals) out.delete(t);
  return [...out];
}

/** What journalctl writes before a MESSAGE given as bytes. */
export const JOURNAL_BYTE_MESSAGE = '"MESSAGE":[';
