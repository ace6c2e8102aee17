/**
 * `--format ecs`: one NDJSON document per finding in Elastic Common Schema, ready for an Elasticsearch
 * index, a Filebeat `filestream` input with the NDJSON parser, or Elastic Agent's custom logs.
 *
 * The mapping (field names and types checked against the `@elastic/ecs` package's `EcsFlat` list in
 * test/ecs.test.ts; see also shared reference `fleet.md`):
 * - constants: `ecs.version`, `event.kind: alert` (a detection made outside the stack),
 *   `event.category: [web]`, `event.type: [error]`, `event.module`, `event.dataset`, `rule.ruleset`;
 * - cause and sentence: `event.code` (the cause id), `message`, `rule.name` (the cause's title);
 *   severity: `log.level`, `event.severity` (syslog numbers: error 3 … info 6), `event.risk_score`
 *   (Elastic's bands: error 73, warning 47, notice and info 21);
 * - `rule.id` (the rule of the first evidence line), `service.type` (nginx / apache), `host.name`,
 *   `event.start` / `event.end` (first / last occurrence), `@timestamp` (last), `event.created` (now);
 * - certificate: `file.path`, `tls.server.x509.subject.distinguished_name`, `.issuer.distinguished_name`,
 *   `.serial_number`, `.not_after` / `.not_before`; vhost: `server.address` / `server.domain` /
 *   `server.port`; responder: `url.original`, `destination.domain` / `.ip` / `.port` / `.address`;
 *   `related.hosts`, `related.ip`;
 * - `process.pid` (the first pid), `error.code` (the errno, else the first evidence line's AH code),
 *   `error.message`, `event.original` (the first evidence line), `log.file.path` (when one file);
 * - no ECS field: `stapling_doctor.*` (id, count, rule ids, message id, values, evidence, fix, inspection).
 *
 * Times are the log's own (ISO-8601; without an offset when the log has none, which Elasticsearch
 * reads as UTC).
 */
import { CAUSES } from '../findings/causes/index.js';
import type { Finding, Severity } from '../types.js';
import { VERSION } from '../version.js';

/** The ECS version the documents follow (the `@elastic/ecs` package the tests check them against). */
export const ECS_VERSION = '9.4.0';

const SYSLOG_SEVERITY: Record<Severity, number> = { error: 3, warning: 4, notice: 5, info: 6 };
const RISK: Record<Severity, number> = { error: 73, warning: 47, notice: 21, info: 21 };

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const isIp = (h: string): boolean => IPV4.test(h) || (h.includes(':') && /^[0-9a-fA-F:.]+$/.test(h));

/** `host:port`, `[v6]:port`, `host` → parts (port only when all digits). */
export function splitHostPort(s: string): { host: string; port: number | null } {
  const v6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : null };
  const m = /^([^:]+):(\d{1,5})$/.exec(s);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: s, port: null };
}

/** An OpenSSL time (`Nov 23 02:17:04 2026 GMT`) or ISO text as ISO-8601, or null. */
function isoDate(text: string | undefined): string | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

type Doc = Record<string, unknown>;

/** Set `a.b.c` in a nested document when the value is not null/undefined/empty. */
function put(doc: Doc, field: string, value: unknown): void {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return;
  const keys = field.split('.');
  let cur = doc;
  for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Doc;
  cur[keys[keys.length - 1]!] = value;
}

/** Responder and peer → `url.*`, `destination.*`, related IPs and hosts. */
function destination(doc: Doc, f: Finding, related: { ip: Set<string>; hosts: Set<string> }): void {
  const s = f.subject;
  put(doc, 'url.original', s.url);
  const responder = s.responder ? splitHostPort(s.responder) : null;
  const peer = s.peers?.[0] ? splitHostPort(s.peers[0]) : null;
  if (responder && !isIp(responder.host)) put(doc, 'destination.domain', responder.host);
  const ip = peer && isIp(peer.host) ? peer.host : responder && isIp(responder.host) ? responder.host : null;
  put(doc, 'destination.ip', ip);
  put(doc, 'destination.port', peer?.port ?? responder?.port ?? null);
  put(doc, 'destination.address', peer?.host ?? responder?.host ?? null);
  for (const p of s.peers ?? []) if (isIp(splitHostPort(p).host)) related.ip.add(splitHostPort(p).host);
  if (ip) related.ip.add(ip);
  if (responder && !isIp(responder.host)) related.hosts.add(responder.host);
}

/** Certificate and vhost → `file.path`, `tls.server.x509.*`, `server.*`. */
function certificate(doc: Doc, f: Finding, related: { ip: Set<string>; hosts: Set<string> }): void {
  const s = f.subject;
  put(doc, 'file.path', s.certificate);
  put(doc, 'tls.server.x509.subject.distinguished_name', s.certSubject);
  put(doc, 'tls.server.x509.issuer.distinguished_name', s.certIssuer);
  put(doc, 'tls.server.x509.serial_number', s.serial);
  put(doc, 'tls.server.x509.not_after', isoDate(s.notAfter));
  put(doc, 'tls.server.x509.not_before', isoDate(s.notBefore));
  if (s.vhost) {
    const v = splitHostPort(s.vhost);
    put(doc, 'server.address', v.host);
    if (isIp(v.host)) put(doc, 'server.ip', v.host);
    else {
      put(doc, 'server.domain', v.host);
      related.hosts.add(v.host);
    }
    put(doc, 'server.port', v.port);
  }
}

/** Our own fields: what ECS has no field for. */
function ours(f: Finding): Doc {
  const own: Doc = {
    id: f.id,
    count: f.count,
    severity: f.severity,
    rule_ids: f.ruleIds,
    message_id: f.messageId,
    values: f.data,
    subject: f.subject,
    evidence: f.evidence.map((e) => ({ file: e.file, line: e.line, text: e.text, rule_id: e.ruleId, time: e.time })),
    evidence_omitted: f.evidenceOmitted,
    fix: f.fix,
  };
  if (f.inspection) own.inspection = f.inspection;
  return own;
}

/**
 * One finding as an ECS document.
 * @param created when the document is made (`event.created`; default now)
 */
export function ecsDocument(f: Finding, created: Date = new Date()): Doc {
  const doc: Doc = {};
  const related = { ip: new Set<string>(), hosts: new Set<string>() };
  put(doc, '@timestamp', f.last ?? f.first ?? created.toISOString());
  put(doc, 'ecs.version', ECS_VERSION);
  put(doc, 'message', f.message);
  put(doc, 'event', {
    kind: 'alert',
    category: ['web'],
    type: ['error'],
    module: 'stapling_doctor',
    dataset: 'stapling_doctor.findings',
    code: f.cause,
    severity: SYSLOG_SEVERITY[f.severity],
    risk_score: RISK[f.severity],
    created: created.toISOString(),
  });
  put(doc, 'event.start', f.first);
  put(doc, 'event.end', f.last);
  put(doc, 'event.original', f.evidence[0]?.text);
  put(doc, 'log.level', f.severity);
  const files = [...new Set(f.evidence.map((e) => e.file))];
  if (files.length === 1 && files[0] !== '-') put(doc, 'log.file.path', files[0]);
  put(doc, 'rule', {
    id: f.evidence[0]?.ruleId ?? f.ruleIds[0],
    name: CAUSES[f.cause]?.title ?? f.cause,
    ruleset: 'stapling-doctor',
    version: VERSION,
  });
  put(doc, 'service.type', f.server);
  put(doc, 'host.name', f.host);
  if (f.host !== null) related.hosts.add(f.host);
  certificate(doc, f, related);
  destination(doc, f, related);
  put(doc, 'process.pid', f.subject.pids?.[0]);
  const ah = f.evidence.map((e) => /\bAH\d{5}\b/.exec(e.text)?.[0]).find((c) => c !== undefined);
  put(doc, 'error.code', f.data.errno ?? ah);
  put(doc, 'error.message', f.data.errorText);
  put(doc, 'related.hosts', [...related.hosts]);
  put(doc, 'related.ip', [...related.ip]);
  doc.stapling_doctor = ours(f);
  return doc;
}
