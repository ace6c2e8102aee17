/**
 * Sigma rules (SigmaHQ/sigma-specification, Sigma rule specification V2.0.0): one rule per rule and
 * server, `logsource: {service: apache|nginx}` with `detection: keywords`, as SigmaHQ's own web-server
 * error-log rules (SigmaHQ/sigma `rules/web/product/apache/web_apache_segfault.yml`,
 * `rules/web/product/nginx/web_nginx_core_dump.yml`). Sigma detects, it does not extract:
 * the keyword is the rule's trigger (Sigma keywords are case-insensitive substrings), the level comes
 * from the severity, the fix from the cause module. Each rule's `id` is a stable UUID of its rule id and
 * server, so re-exports update the same Sigma rules.
 */
import { briefFor, type CauseRegistry } from '../findings/registry.js';
import type { Rule, Server } from '../types.js';
import { detecting, exportOrder, SERVER_NAMES, SIGMA_LEVEL, stableUuid, type ExportNote } from './model.js';

/** One Sigma rule as data (serialised as YAML by the caller). */
export type SigmaRule = Record<string, unknown>;

/**
 * A text as a Sigma string that matches it literally: `*` and `?` are Sigma's wildcards and `\` its
 * escape character, so each is escaped with `\` (Sigma specification V2.0.0, "Wildcards" / "Escape
 * character"; pySigma's `SigmaString` reads `\*`, `\?` and `\\` as the character itself).
 */
export const sigmaEscape = (s: string): string => s.replace(/[\\*?]/g, '\\$&');

/** The Sigma rule of one rule on one server. */
function sigmaRule(r: Rule, server: Server, causes: CauseRegistry, date: string): SigmaRule {
  const cause = causes[r.cause];
  const fix = cause ? briefFor(cause, server, [r.id]) : null;
  const description = [
    r.summary,
    cause ? `Cause ${r.cause}: ${cause.meaning}` : `Cause ${r.cause}.`,
    fix ? `Fix (${server}): ${fix}` : '',
    `From stapling-doctor rule ${r.id}; the source of the message: ${r.source.map((s) => `${s.server} ${s.file}`).join('; ')}.`,
  ]
    .filter(Boolean)
    .join('\n');
  return {
    title: `OCSP stapling: ${cause?.title ?? r.cause} (${server}, ${r.id})`.slice(0, 256),
    id: stableUuid(`stapling-doctor/${r.id}/${server}`),
    name: `stapling_doctor_${r.id.replace(/-/g, '_')}_${server}`,
    status: 'experimental',
    description,
    author: 'stapling-doctor',
    date,
    logsource: { service: SERVER_NAMES[server].sigma, definition: `Requirements: the ${server} error log` },
    detection: { keywords: [sigmaEscape(r.trigger)], condition: 'keywords' },
    falsepositives: ['Lines with the same text that the rule’s own pattern rejects (Sigma matches the trigger only)'],
    level: SIGMA_LEVEL[r.severity],
    tags: ['detection.threat-hunting'],
  };
}

/**
 * The Sigma rules of a rule set: one per rule and server (`only`: that server's rules only).
 * @param date the rules' `date` (YYYY-MM-DD)
 */
export function sigmaRules(
  rules: readonly Rule[],
  causes: CauseRegistry,
  date: string,
  only?: Server,
): { rules: SigmaRule[]; notes: ExportNote[] } {
  const out: SigmaRule[] = [];
  const notes: ExportNote[] = [];
  for (const r of exportOrder(detecting(rules)).filter((x) => !only || x.servers.includes(only))) {
    for (const server of r.servers.filter((x) => !only || x === only)) out.push(sigmaRule(r, server, causes, date));
    notes.push({
      target: 'sigma',
      rule: r.id,
      kind: 'keywords-only',
      detail: `keyword ${JSON.stringify(r.trigger)}: no regex, no captures, no conditions (Sigma detects by keywords)`,
    });
  }
  return { rules: out, notes };
}
