/**
 * Loki ruler alerting rules (Prometheus rule-group format, LogQL expressions; grafana/loki
 * `docs/sources/alert/_index.md`): one alert per rule pattern, cause branch (`causes.ts`) and server,
 *
 *   sum by (host[, captured identity]) (count_over_time({selector} |= `trigger` [branch filters] |~ `re2` [| regexp `re2`] [5m])) > 0
 *
 * on the raw error-log lines of the selector's streams (Promtail / Alloy tailing `error.log`), labelled
 * with the branch's cause and severity. The regex is the rule's in RE2 syntax (Go's regexp: named groups
 * `(?P<name>…)`), with the message's start and end as they stand in a raw line; the branch filters
 * (`|~` / `!~` / `!=`) choose the lines of the branch's cause. RE2 has no lookarounds or backreferences:
 * a leading negative lookahead of a literal becomes a `!=` filter, any other pattern using them is not
 * exported, and a branch condition using them is left out; each is reported. `sum by (host)` needs
 * `host` as a stream label.
 */
import { briefFor, type CauseRegistry } from '../findings/registry.js';
import type { Rule, Server } from '../types.js';
import { detecting, exportOrder, SERVER_NAMES, type ExportNote } from './model.js';
import { leadingNegativeLiterals, MESSAGE_END, MESSAGE_START, MESSAGE_START_WITH_CONNECTION, rewriteRegex } from './regex.js';
import { causePlan, type CauseBranch } from './causes.js';

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

/** A regex in RE2 as it stands in a raw line, or why RE2 cannot express it. */
type Re2 = { source: string; names: string[]; literals: string[] } | { unsupported: string };

/**
 * A rule regex in RE2, as it stands in a raw line: named groups `(?P<name>…)` (`keepNames`) or plain
 * groups, a leading negative lookahead of a literal as a `!=` literal (see `leadingNegativeLiterals`,
 * `negated`: not allowed, as the negation of the regex would then be wrong).
 */
export function re2Pattern(r: Rule, regex: string, keepNames = true, negated = false): Re2 {
  const names: string[] = [];
  const start = r.when?.connectionId === 'absent' ? MESSAGE_START : MESSAGE_START_WITH_CONNECTION;
  const cut = negated ? { source: regex, literals: [] } : leadingNegativeLiterals(regex);
  const { source, features } = rewriteRegex(cut.source, {
    start,
    end: MESSAGE_END,
    named: (name, inner) => {
      if (!keepNames) return `(?:${inner})`;
      const label = name === 'host' ? 'lookup_host' : name; // `host` is the stream label of the machine
      names.push(label);
      return `(?P<${label}>${inner})`;
    },
    unicode: (hex) => `\\x{${hex}}`,
  });
  if (features.lookaround) return { unsupported: 'a lookaround, which RE2 (Go regexp) does not have' };
  if (features.backreference) return { unsupported: 'a backreference, which RE2 (Go regexp) does not have' };
  return { source, names, literals: cut.literals };
}

/** A line's level in a raw line: nginx's `[warn]`, Apache's `[ssl:warn]` / `[warn]`. */
const levelRegex = (levels: readonly string[]): string => `\\[(?:[\\w-]*:)?(?:${levels.join('|')})\\] `;

/**
 * The line filters of a cause branch, after the trigger and before the pattern's own `|~`: `|~` for each
 * regex it needs (and `!=` for their literal lookaheads), `!~` for each it excludes, the level. Null when
 * RE2 cannot express a regex the branch needs; an exclusion it cannot express is left out and noted.
 */
function branchFilters(r: Rule, b: CauseBranch, own: string, note: (detail: string) => void): string[] | null {
  const out: string[] = [];
  for (const x of b.all.filter((a) => a !== own)) {
    const re = re2Pattern(r, x, false);
    if ('unsupported' in re) {
      note(`lines of cause ${b.cause} are not alerted on: their condition uses ${re.unsupported}`);
      return null;
    }
    out.push(...re.literals.map((l) => `!= ${logql(l)}`), `|~ ${logql(re.source)}`);
  }
  for (const x of b.none) {
    const re = re2Pattern(r, x, false, true);
    if ('unsupported' in re)
      note(
        `the alert of cause ${b.cause} also fires where an earlier pattern or another cause applies: that condition uses ${re.unsupported}`,
      );
    else out.push(`!~ ${logql(re.source)}`);
  }
  if (b.level) out.push('in' in b.level ? `|~ ${logql(levelRegex(b.level.in))}` : `!~ ${logql(levelRegex(b.level.notIn))}`);
  return out;
}

/** The alert name of a branch: the pattern's, then the cause when the pattern has several branches. */
function branchName(base: string, b: CauseBranch, mine: readonly CauseBranch[], bi: number): string {
  if (mine.length === 1) return base;
  const same = mine.filter((x) => x.cause === b.cause).length > 1;
  return `${base}_${b.cause.replace(/-/g, '_')}${same ? `_${bi + 1}` : ''}`;
}

/**
 * The alerts of one rule: one per pattern, cause branch (`causePlan`) and server, labelled with the
 * branch's cause and severity. Patterns or branches RE2 cannot express are noted in `notes`.
 */
function alertsOf(r: Rule, causes: CauseRegistry, o: LokiOptions, notes: ExportNote[]): LokiAlert[] {
  const out: LokiAlert[] = [];
  const plan = causePlan(r);
  for (const u of plan.undecided) notes.push({ target: 'loki', rule: r.id, kind: 'cause', detail: u });
  r.compiled.forEach((p, pi) => {
    const re = re2Pattern(r, p.regex);
    if ('unsupported' in re) {
      notes.push({ target: 'loki', rule: r.id, pattern: pi, kind: 'not-exported', detail: `pattern ${pi + 1} uses ${re.unsupported}` });
      return;
    }
    const mine = plan.branches.filter((b) => b.pattern === pi);
    // (The same note for each pattern of a rule says nothing more: once per rule.)
    const note = (detail: string) =>
      notes.some((n) => n.rule === r.id && n.detail === detail) ||
      notes.push({ target: 'loki', rule: r.id, pattern: pi, kind: 'cause', detail });
    mine.forEach((b, bi) => {
      const filters = branchFilters(r, b, p.regex, note);
      if (!filters) return;
      const head = [...re.literals.map((l) => `!= ${logql(l)}`), ...filters];
      for (const server of r.servers)
        out.push(alert(r, b, server, `${branchName(alertName(r, server, pi, r.compiled.length), b, mine, bi)}`, re, head, causes, o));
    });
  });
  return out;
}

/** One alert of a rule's branch on a server. */
function alert(
  r: Rule,
  b: CauseBranch,
  server: Server,
  name: string,
  re: { source: string; names: string[] },
  filters: string[],
  causes: CauseRegistry,
  o: LokiOptions,
): LokiAlert {
  const selector = o.selectors?.[server] ?? `{job="${SERVER_NAMES[server].job}"}`;
  const by = ['host', ...re.names.filter((n) => IDENTITY.includes(n))];
  const extract = re.names.length > 0 ? ` | regexp ${logql(re.source)}` : '';
  // nginx's `*N ` connection number before the message: client-certificate OCSP, not stapling
  const noConnection = r.when?.connectionId === 'absent' ? ` !~ ${logql(NGINX_CONNECTION)}` : '';
  const more = filters.map((f) => ` ${f}`).join('');
  const query = `${selector} |= ${logql(r.trigger)}${noConnection}${more} |~ ${logql(re.source)}${extract}`;
  const cause = causes[b.cause];
  const fix = cause ? briefFor(cause, server, [r.id]) : null; // mod_gnutls's words for a gnutls-* rule
  return {
    alert: name,
    expr: `sum by (${by.join(', ')}) (count_over_time(${query} [${o.range ?? '5m'}])) > 0`,
    for: '0m',
    labels: { severity: b.severity, cause: b.cause, rule_id: r.id, server },
    annotations: {
      summary: `OCSP stapling: ${cause?.title ?? b.cause} on {{ $labels.host }}`,
      description: [r.summary, fix ? `Fix: ${fix}` : ''].filter(Boolean).join(' '),
    },
  };
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
  }
  const groups = (['nginx', 'apache'] as const).map((server) => ({
    name: `stapling-doctor-${server}`,
    rules: alerts.filter((a) => a.labels.server === server),
  }));
  return { groups, notes };
}
