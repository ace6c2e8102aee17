/**
 * What the rule exports share: the notes on what a target cannot express, the order rules are tried
 * in, the severity names of the engines, and where each captured value goes in ECS.
 */
import { createHash } from 'node:crypto';
import type { Rule, Server, Severity, ValueName } from '../types.js';

/** Export targets of `stapling-doctor rules export --to`. */
export type ExportTarget = 'sigma' | 'elasticsearch' | 'loki';
export const EXPORT_TARGETS = ['sigma', 'elasticsearch', 'loki'] as const satisfies readonly ExportTarget[];

/**
 * Something of a rule the target cannot express, so the exported form is wider or missing:
 * - `not-exported`: the rule (or one pattern) is left out: the regex uses what the dialect lacks;
 * - `condition`: a `when` condition on a parsed field is not checked (the export matches lines the rule
 *   would leave out, e.g. at another level);
 * - `cause`: a cause the CLI decides by the line is not decided by the target (lines of that cause get
 *   another cause, or an alert of one cause may also fire where another applies);
 * - `keywords-only`: the target matches the trigger only (Sigma keywords): lines with the trigger that
 *   the rule's regex rejects are matched too.
 */
export interface ExportNote {
  target: ExportTarget;
  rule: string;
  kind: 'not-exported' | 'condition' | 'cause' | 'keywords-only';
  /** Pattern index, when the note is about one pattern. */
  pattern?: number;
  detail: string;
}

/** The result of an export: the text to write and the notes to report. */
export interface ExportResult {
  text: string;
  notes: ExportNote[];
}

/** Rules in the order the matcher prefers them (highest priority first, then id), for first-match engines. */
export function exportOrder(rules: readonly Rule[]): Rule[] {
  return [...rules].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.id.localeCompare(b.id));
}

/** Rules that speak for a cause on their own (look-alikes, details and followers-only lines are context, not detections). */
export function detecting(rules: readonly Rule[]): Rule[] {
  return rules.filter((r) => r.role !== 'lookalike' && r.role !== 'detail');
}

/** A stable UUID (version 4 layout) from a text: the same rule always gets the same id. */
export function stableUuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Sigma / Loki severity words. */
export const SIGMA_LEVEL: Record<Severity, 'high' | 'medium' | 'low' | 'informational'> = {
  error: 'high',
  warning: 'medium',
  notice: 'low',
  info: 'informational',
};

/** The program / job names of each server, as logs name them. */
export const SERVER_NAMES: Record<Server, { sigma: string; dataset: string; job: string }> = {
  nginx: { sigma: 'nginx', dataset: 'nginx.error', job: 'nginx' },
  apache: { sigma: 'apache', dataset: 'apache.error', job: 'apache' },
};

/**
 * Where a captured value goes in an Elasticsearch document (ECS where a field means the same;
 * `stapling_doctor.values.*` otherwise, e.g. free text or a `host:port` that no single ECS field holds).
 */
export const ECS_FIELD: Partial<Record<ValueName, string>> = {
  certificate: 'file.path',
  certSubject: 'tls.server.x509.subject.distinguished_name',
  certIssuer: 'tls.server.x509.issuer.distinguished_name',
  serial: 'tls.server.x509.serial_number',
  responder: 'destination.address',
  url: 'url.original',
  errno: 'error.code',
  errorText: 'error.message',
};

/** The document field of a captured value. */
export function ecsFieldOf(name: string): string {
  return ECS_FIELD[name as ValueName] ?? `stapling_doctor.values.${name}`;
}
