/**
 * `stapling-doctor rules export --to sigma|elasticsearch|loki`: the rule set in the languages of the
 * engines fleets run, with the notes of what each cannot express (never silently dropped).
 * - `sigma`: Sigma rules, one YAML document each (`---` between them);
 * - `elasticsearch`: the `@custom` ingest pipelines of Elastic Agent's nginx and Apache integrations, as
 *   Kibana Dev Tools requests (`PUT _ingest/pipeline/<name>` + body), or one body as JSON with `server`;
 * - `loki`: a Loki ruler rules file (YAML, `groups:`).
 */
import { stringify } from 'yaml';
import type { CauseRegistry } from '../findings/registry.js';
import type { Rule, Server } from '../types.js';
import { ingestPipelines } from './elasticsearch.js';
import { lokiRules, type LokiOptions } from './loki.js';
import type { ExportNote, ExportResult, ExportTarget } from './model.js';
import { sigmaRules } from './sigma.js';

export type { ExportNote, ExportResult, ExportTarget } from './model.js';
export { EXPORT_TARGETS } from './model.js';

/** Options of {@link exportRules}. */
export interface ExportOptions extends LokiOptions {
  /**
   * Only this server's rules: Elasticsearch prints that server's pipeline body alone, as JSON (for curl);
   * Loki its rule group alone; Sigma its rules alone.
   */
  server?: Server;
  /** Sigma: the rules' `date` (default today, UTC). */
  date?: string;
}

const yaml = (v: unknown): string => stringify(v, { lineWidth: 0 });

/** Export a rule set. */
export function exportRules(rules: readonly Rule[], to: ExportTarget, causes: CauseRegistry, o: ExportOptions = {}): ExportResult {
  switch (to) {
    case 'sigma': {
      const s = sigmaRules(rules, causes, o.date ?? new Date().toISOString().slice(0, 10), o.server);
      return { text: s.rules.map(yaml).join('---\n'), notes: s.notes };
    }
    case 'elasticsearch': {
      const e = ingestPipelines(rules);
      const text = o.server
        ? `${JSON.stringify(e.pipelines.find((p) => p.server === o.server)!.body, null, 2)}\n`
        : e.pipelines.map((p) => `PUT _ingest/pipeline/${p.name}\n${JSON.stringify(p.body, null, 2)}\n`).join('\n');
      const mine = (n: ExportNote) => !o.server || rules.some((r) => r.id === n.rule && r.servers.includes(o.server!));
      return { text, notes: e.notes.filter(mine) };
    }
    case 'loki': {
      const l = lokiRules(o.server ? rules.filter((r) => r.servers.includes(o.server!)) : rules, causes, o);
      return { text: yaml({ groups: l.groups.filter((g) => !o.server || g.name.endsWith(`-${o.server}`)) }), notes: l.notes };
    }
  }
}

/** One note as a line (`--notes`, stderr). */
export function noteLine(n: ExportNote): string {
  return `${n.target}: ${n.rule}: ${n.kind}: ${n.detail}`;
}
