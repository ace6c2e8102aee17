/**
 * Loki ruler alerting rules (Prometheus rule-group format, LogQL expressions; grafana/loki
 * `docs/sources/alert/_index.md`): one alert per rule pattern and server,
 *
 *   sum by (host[, captured identity]) (count_over_time({selector} |= `trigger` |~ `re2` [| regexp `re2`] [5m])) > 0
 *
 * on the raw error-log lines of the selector's streams (Promtail / Alloy tailing `error.log`). The
 * regex is the rule's in RE2 syntax (Go's regexp: named groups `(?P<name>…)`, no lookarounds or
 * backreferences: such patterns are not exported and are reported), with the message's start and end
 * as they stand in a raw line. `sum by (host)` needs `host` as a stream label.
 */
import { briefFor, type CauseRegistry } from '../findings/registry.js';
import type { Rule, Server } from '../types.js';
import { detecting, exportOrder, SERVER_NAMES, type ExportNote } from './model.js';
import { MESSAGE_END, MESSAGE_START, MESSAGE_START_WITH_CONNECTION, rewriteRegex } from './regex.js';

/** A Loki (Prometheus-style) alerting rule. */
export interface LokiAlert {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Options of {@link lokiRules}. */
export interface LokiOptions {
  /** Stream selector per server (default `{job="nginx"}` / `{job="apache"}`). */
  selectors?: Partial<Record<Server, string>>;
  /** The range of `count_over_time` (default `5m`). */
  range?: string;
}

/** Values that name what a finding is about: extracted as labels and kept in `sum by`. */
const IDENTITY = ['certificate', 'certSubject', 'vhost', 'responder', 'url', 'lookup_host'];

/** An nginx line whose message carries a connection number (`… 123#123: *45 …`). */
export const NGINX_CONNECTION = '^\\S+ \\S+ \\[\\w+\\] \\d+#\\d+: \\*\\d+ ';

/** A LogQL string: backticks (raw) unless the text holds one. */
const logql = (s: string): string => (s.includes('`') ? JSON.stringify(s) : `\`${s}\``);

const alertName = (r: Rule, server: Server, pi: number, n: number): string =>
  `StaplingDoctor_${r.id.replace(/[^A-Za-z0-9]+/g, '_')}_${server}${n > 1 ? `_${pi + 1}` : ''}`;

/** A rule pattern in RE2, as it stands in a raw line; null when RE2 cannot express it. */
export function re2Pattern(r: Rule, regex: string): { source: string; names: string[] } | { unsupported: string } {
  const names: string[] = [];
  const start = r.when?.connectionId === 'absent' ? MESSAGE_START : MESSAGE_START_WITH_CONNECTION;
  const { source, features } = rewriteRegex(regex, {
    start,
    end: MESSAGE_END,
    named: (name, inner) => {
      const label = name === 'host' ? 'lookup_host' : name; // `host` is the stream label of the machine
      names.push(label);
      return `(?P<${label}>${inner})`;
    },
    unicode: (hex) => `\\x{${hex}}`,
  });
  if (features.lookaround) return { unsupported: 'a lookaround, which RE2 (Go regexp) does not have' };
  if (features.backreference) return { unsupported: 'a backreference, which RE2 (Go regexp) does not have' };
  return { source, names };
}

function alertsOf(r: Rule, causes: CauseRegistry, o: LokiOptions, notes: ExportNote[]): LokiAlert[] {
  const out: LokiAlert[] = [];
  r.compiled.forEach((p, pi) => {
    const re = re2Pattern(r, p.regex);
    if ('unsupported' in re) {
      notes.push({ target: 'loki', rule: r.id, pattern: pi, kind: 'not-exported', detail: `pattern ${pi + 1} uses ${re.unsupported}` });
      return;
    }
    for (const server of r.servers) {
      const selector = o.selectors?.[server] ?? `{job="${SERVER_NAMES[server].job}"}`;
      const by = ['host', ...re.names.filter((n) => IDENTITY.includes(n))];
      const extract = re.names.length > 0 ? ` | regexp ${logql(re.source)}` : '';
      // nginx's `*N ` connection number before the message: client-certificate OCSP, not stapling
      const noConnection = r.when?.connectionId === 'absent' ? ` !~ ${logql(NGINX_CONNECTION)}` : '';
      const query = `${selector} |= ${logql(r.trigger)}${noConnection} |~ ${logql(re.source)}${extract}`;
      const cause = causes[r.cause];
      const fix = cause ? briefFor(cause, server, [r.id]) : null; // mod_gnutls's words for a gnutls-* rule
      out.push({
        alert: alertName(r, server, pi, r.compiled.length),
        expr: `sum by (${by.join(', ')}) (count_over_time(${query} [${o.range ?? '5m'}])) > 0`,
        for: '0m',
        labels: { severity: r.severity, cause: r.cause, rule_id: r.id, server },
        annotations: {
          summary: `OCSP stapling: ${cause?.title ?? r.cause} on {{ $labels.host }}`,
          description: [r.summary, fix ? `Fix: ${fix}` : ''].filter(Boolean).join(' '),
        },
      });
    }
  });
  return out;
}

/** The Loki rule groups of a rule set (one group per server). */
export function lokiRules(
  rules: readonly Rule[],
  causes: CauseRegistry,
  o: LokiOptions = {},
): { groups: { name: string; rules: LokiAlert[] }[]; notes: ExportNote[] } {
  const notes: ExportNote[] = [];
  const ordered = exportOrder(detecting(rules));
  const alerts = ordered.flatMap((r) => alertsOf(r, causes, o, notes));
  for (const r of ordered) {
    for (const [field, cond] of Object.entries(r.when ?? {}))
      if (field !== 'connectionId')
        notes.push({ target: 'loki', rule: r.id, kind: 'condition', detail: `${field} ${JSON.stringify(cond)} is not checked` });
    if (r.causeFrom || r.compiled.some((p) => p.cause))
      notes.push({ target: 'loki', rule: r.id, kind: 'cause', detail: `the cause label is always ${r.cause}` });
  }
  const groups = (['nginx', 'apache'] as const).map((server) => ({
    name: `stapling-doctor-${server}`,
    rules: alerts.filter((a) => a.labels.server === server),
  }));
  return { groups, notes };
}
