/**
 * JSON log records: one record per line, decoded before the server's line inside is parsed, with the
 * host, time, pid and unit the record carries. Recognised by their fields (the first shape that fits):
 *
 * - `journald`: `journalctl -o json` and `-o json-seq` (RFC 7464: `\x1e` before each record). `MESSAGE`
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
 * The server's own time, pid and level win over the record's (the record's time is often when a
 * collector read the line). A line that starts like JSON but is not one of these is "undecoded".
 */
import type { ParsedLine, RecordKind, Server } from '../types.js';
import { parseLine, type ParseOptions } from './line.js';

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

/**
 * True when the line starts like a JSON record: `{` (or json-seq's `\x1e{`) after blanks, then blanks and
 * the `"` of the first member's name — every record a log engine writes is an object with members. A
 * stray brace before a text line (`{[Fri May 09 …] [ssl:error] …`) is text, matched as such.
 */
export function isRecordLine(text: string): boolean {
  const blank = (c: number): boolean => c === 0x20 || c === 0x09;
  let i = 0;
  while (i < text.length && blank(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === RS) i++;
  if (text.charCodeAt(i) !== 0x7b /* { */) return false;
  i++;
  while (i < text.length && blank(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 0x22; /* " */
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
  return { ok: true, record: r };
}

function ecs(doc: Json): RecordResult {
  const original = str(at(doc, 'event.original'));
  const r = blank('ecs', original ?? (doc.message as string));
  r.host = str(at(doc, 'host.name')) ?? str(at(doc, 'host.hostname'));
  r.time = isoTime(doc['@timestamp']);
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

/**
 * Decode one record line. Never throws.
 * @param text one line (a json-seq `\x1e` in front is allowed)
 * @returns the record, or why it is not one (only meaningful when {@link isRecordLine} is true)
 */
export function decodeRecord(text: string): RecordResult {
  let doc: Json | null;
  try {
    doc = obj(JSON.parse(text.replace(/^[ \t]*\x1e?/, '')));
  } catch {
    return { ok: false, reason: 'invalid-json' };
  }
  if (!doc) return { ok: false, reason: 'invalid-json' };
  if ('MESSAGE' in doc && ('__REALTIME_TIMESTAMP' in doc || '__CURSOR' in doc || '_HOSTNAME' in doc)) return journald(doc);
  if (typeof doc.log === 'string' && typeof doc.time === 'string') return docker(doc);
  if (typeof doc.message === 'string' && typeof doc.host === 'string') return rsyslog(doc);
  if (typeof doc.message === 'string' && (typeof doc['@timestamp'] === 'string' || obj(doc.host) || obj(doc.log) || obj(doc.ecs)))
    return ecs(doc);
  return { ok: false, reason: 'unknown-record' };
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
