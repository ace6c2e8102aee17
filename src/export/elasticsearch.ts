/**
 * Elasticsearch ingest pipelines for Elastic Agent's nginx and Apache integrations: the `@custom`
 * pipelines `logs-nginx.error@custom` and `logs-apache.error@custom`, which the integrations' own
 * pipelines call last (elastic/integrations `packages/{nginx,apache}/data_stream/error/elasticsearch/
 * ingest_pipeline/default.yml`: `pipeline: {name: 'logs-<dataset>@custom', ignore_missing_pipeline: true}`).
 * By then the prefix (time, level, pid, tid, nginx's `*N`) is gone from `message`; the rules' regexes
 * are applied to what is left, with grok (Oniguruma regexes; `%{NAME:field}` captures defined in
 * `pattern_definitions`).
 *
 * Per rule, first match wins (rules in the matcher's order): `set stapling_doctor.rule_id` when the
 * message holds the trigger, no rule matched yet and (rules that want none) the document has no nginx
 * connection number; `grok` the message with the rule's patterns (its named captures go to the ECS
 * fields of `ECS_FIELD`, the rest under `stapling_doctor.values`), and on failure remove the rule id
 * again; on success `set` the cause and severity, each `set` conditioned (painless regexes on the
 * message, `log.level`) on the cause branch it stands for (`causes.ts`). Matched documents get the tag
 * `ocsp-stapling`.
 */
import type { Rule, Server } from '../types.js';
import { VERSION } from '../version.js';
import { detecting, ecsFieldOf, exportOrder, SERVER_NAMES, type ExportNote } from './model.js';
import { MESSAGE_END, MESSAGE_START, rewriteRegex } from './regex.js';
import { causePlan, type CauseBranch } from './causes.js';
import { NGINX_OCSP_CONTEXT } from '../parse/context.js';
import { SUFFIX as APACHE_CERT_SUFFIX } from '../parse/apache-cert.js';

/** A processor as Elasticsearch takes it (`estypes.IngestProcessorContainer`; the tests type-check it). */
export type Processor = Record<string, Record<string, unknown>>;

/** One pipeline: its name (`PUT _ingest/pipeline/<name>`) and its body. */
export interface IngestPipelineExport {
  name: string;
  server: Server;
  body: { description: string; processors: Processor[]; _meta: Record<string, string> };
}

/** A painless string literal. */
const painlessString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A rule's patterns as grok expressions, with their definitions. */
export function grokPatterns(r: Rule, index: number): { patterns: string[]; definitions: Record<string, string> } {
  const definitions: Record<string, string> = {};
  const patterns = r.compiled.map((p, pi) => {
    const { source } = rewriteRegex(p.regex, {
      start: MESSAGE_START,
      end: MESSAGE_END,
      named: (name, inner) => {
        const def = `SD${index}_${pi}_${name.toUpperCase()}`;
        definitions[def] = inner;
        return `%{${def}:${ecsFieldOf(name)}}`;
      },
      unicode: (hex) => `\\u${hex}`,
    });
    return source;
  });
  return { patterns, definitions };
}

/**
 * The values every stapling line of a server carries outside the rule's own pattern, as the parser
 * takes them (`src/parse/context.ts`, `apache-cert.ts`, the same regexes): nginx's context (`responder`,
 * `peer`, `certificate`), Apache's certificate suffix (subject and issuer as Apache escaped them, serial,
 * validity). Applied to matched documents only; a message without them is left as it is.
 */
export function contextGrok(server: Server): { patterns: string[]; pattern_definitions: Record<string, string> } {
  const [re, fields] =
    server === 'nginx'
      ? [NGINX_OCSP_CONTEXT, { responder: 'destination.address', peer: 'stapling_doctor.values.peer', certificate: 'file.path' }]
      : [
          APACHE_CERT_SUFFIX,
          {
            subject: 'tls.server.x509.subject.distinguished_name',
            issuer: 'tls.server.x509.issuer.distinguished_name',
            serial: 'tls.server.x509.serial_number',
            nb: 'stapling_doctor.values.notBefore',
            na: 'stapling_doctor.values.notAfter',
          },
        ];
  const defs: Record<string, string> = {};
  const { source } = rewriteRegex(re.source, {
    start: '^',
    end: '$',
    named: (name, inner) => {
      const def = `SD_${server.toUpperCase()}_${name.toUpperCase()}`;
      defs[def] = inner;
      return `%{${def}:${(fields as Record<string, string>)[name]}}`;
    },
    unicode: (hex) => `\\u${hex}`,
  });
  return { patterns: [source], pattern_definitions: defs };
}

/**
 * A processor's condition as data (the tests evaluate it; {@link painless} writes it): a field (dotted
 * document path) is null or not, equals a text, is a String holding a text, is one of some texts (or
 * null, `orNull`), or a regex (Java syntax) finds a match in it; `not` negates the last two.
 */
export type EsCondition =
  | { field: string; isNull: boolean }
  | { field: string; equals: string }
  | { field: string; contains: string }
  | { field: string; oneOf: string[]; not?: boolean; orNull?: boolean }
  | { field: string; find: string; not?: boolean };

/** A field as painless reads it, null-safe: `ctx.a?.b?.c`. */
const ctxPath = (field: string): string => `ctx.${field.split('.').join('?.')}`;

/** A painless regex literal (`/…/`, a `/` escaped). */
const painlessRegex = (re: string): string => `/${re.replace(/\\.|\//g, (m) => (m === '/' ? '\\/' : m))}/`;

/** The painless `if` of these conditions, joined by `&&`. */
export function painless(conditions: readonly EsCondition[]): string {
  return conditions
    .map((c) => {
      const at = ctxPath(c.field);
      if ('isNull' in c) return `${at} ${c.isNull ? '==' : '!='} null`;
      if ('equals' in c) return `${at} == ${painlessString(c.equals)}`;
      if ('contains' in c) return `${at} instanceof String && ctx.${c.field}.contains(${painlessString(c.contains)})`;
      if ('oneOf' in c) {
        const list = `[${c.oneOf.map(painlessString).join(', ')}].contains(${at})`;
        return c.orNull ? `(${at} == null || ${list})` : `${c.not ? '!' : ''}${list}`;
      }
      return c.not ? `!(${at} =~ ${painlessRegex(c.find)})` : `${at} =~ ${painlessRegex(c.find)}`;
    })
    .join(' && ');
}

/** A processor with its condition as data; the processor's `if` is `painless(when)`. */
export interface Step {
  processor: Processor;
  when: EsCondition[];
}

/** A rule-syntax regex (`^`/`$` the message's ends) in Java syntax over Elastic's `message`. */
const javaRegex = (re: string): string =>
  rewriteRegex(re, { start: MESSAGE_START, end: MESSAGE_END, named: (_n, inner) => `(?:${inner})`, unicode: (hex) => `\\u${hex}` }).source;

/** A cause branch's conditions (see `causePlan`) on the document. */
export function branchConditions(b: CauseBranch): EsCondition[] {
  const level: EsCondition[] = !b.level
    ? []
    : 'in' in b.level
      ? [{ field: 'log.level', oneOf: b.level.in }]
      : [{ field: 'log.level', oneOf: b.level.notIn, not: true }];
  return [
    ...b.all.map((x): EsCondition => ({ field: 'message', find: javaRegex(x) })),
    ...b.none.map((x): EsCondition => ({ field: 'message', find: javaRegex(x), not: true })),
    ...level,
  ];
}

/** A `set` processor with its condition. */
const setStep = (when: EsCondition[], field: string, value: string, tag?: string): Step => ({
  processor: { set: { ...(tag ? { tag } : {}), if: painless(when), field, value } },
  when,
});

/**
 * A rule's processors on a server's pipeline: mark the document with the rule's id when it holds the
 * trigger and meets the rule's `when` conditions the document can answer (see {@link WHEN_FIELD}; e.g.
 * no `nginx.error.connection_id` for a rule that wants no nginx connection number), grok it, then set the cause and severity of the
 * branch (`causePlan`) whose conditions hold.
 */
export function ruleSteps(r: Rule, index: number, server: Server): Step[] {
  const is: EsCondition = { field: 'stapling_doctor.rule_id', equals: r.id };
  const { patterns, definitions } = grokPatterns(r, index);
  const mark: EsCondition[] = [
    { field: 'stapling_doctor.rule_id', isNull: true },
    { field: 'message', contains: r.trigger },
    ...whenConditions(r, server),
  ];
  const grok: Step = {
    processor: {
      grok: {
        tag: `stapling-doctor:${r.id}:grok`,
        if: painless([is]),
        field: 'message',
        patterns,
        ...(Object.keys(definitions).length > 0 ? { pattern_definitions: definitions } : {}),
        on_failure: [{ remove: { field: 'stapling_doctor.rule_id', ignore_missing: true } }],
      },
    },
    when: [is],
  };
  return [setStep(mark, 'stapling_doctor.rule_id', r.id, `stapling-doctor:${r.id}`), grok, ...decisionSteps(causePlan(r).branches, is)];
}

/**
 * The `set`s of the cause and severity: one each when every branch gives the same, else one per branch,
 * conditioned on it (the branches are exclusive).
 */
function decisionSteps(branches: readonly CauseBranch[], is: EsCondition): Step[] {
  const steps: Step[] = [];
  for (const field of ['cause', 'severity'] as const) {
    const first = branches[0]![field];
    if (branches.every((b) => b[field] === first)) {
      steps.push(setStep([is], `stapling_doctor.${field}`, first));
      continue;
    }
    // (Patterns that decide alike give the same conditions: one set for them.)
    const seen = new Set<string>();
    for (const b of branches) {
      const when = [is, ...branchConditions(b)];
      const key = JSON.stringify([when, b[field]]);
      if (!seen.has(key)) steps.push(setStep(when, `stapling_doctor.${field}`, b[field]));
      seen.add(key);
    }
  }
  return steps;
}

/**
 * Where Elastic's integrations put what a rule's `when` tests (`src/rules/match.ts` whenFailure), per
 * server: nginx's `*N` in `nginx.error.connection_id`, the level in `log.level`, Apache's module in
 * `apache.error.module` (elastic/integrations `packages/{nginx,apache}/data_stream/error/elasticsearch/
 * ingest_pipeline/default.yml`). An Apache line has no connection number. Apache's AH code stays in the
 * message (no field), and is not checked.
 */
const WHEN_FIELD: Partial<Record<string, Partial<Record<Server, string | null>>>> = {
  connectionId: { nginx: 'nginx.error.connection_id', apache: null },
  level: { nginx: 'log.level', apache: 'log.level' },
  module: { apache: 'apache.error.module' },
};

/** Whether the pipeline checks a rule's `when` condition on this field, on every server of the rule. */
const checked = (r: Rule, name: string): boolean => r.servers.every((s) => WHEN_FIELD[name]?.[s] !== undefined);

/** A rule's `when` conditions on the document of a server's line (see {@link WHEN_FIELD}). */
function whenConditions(r: Rule, server: Server): EsCondition[] {
  return Object.entries(r.when ?? {}).flatMap(([name, cond]): EsCondition[] => {
    const field = WHEN_FIELD[name]?.[server];
    if (!field) return [];
    if (cond === 'absent' || cond === 'present') return [{ field, isNull: cond === 'absent' }];
    return [{ field, oneOf: cond.filter((c) => c !== 'absent'), ...(cond.includes('absent') ? { orNull: true } : {}) }];
  });
}

/** What the pipeline cannot check of a rule. */
function notesOf(r: Rule): ExportNote[] {
  const notes: ExportNote[] = [];
  for (const [field, cond] of Object.entries(r.when ?? {}))
    if (!checked(r, field))
      notes.push({
        target: 'elasticsearch',
        rule: r.id,
        kind: 'condition',
        detail: `${field} ${JSON.stringify(cond)} is not checked`,
      });
  for (const u of causePlan(r).undecided) notes.push({ target: 'elasticsearch', rule: r.id, kind: 'cause', detail: u });
  if (r.role === 'transport')
    notes.push({
      target: 'elasticsearch',
      rule: r.id,
      kind: 'condition',
      detail: 'a transport line is stapling only when AH01941 follows; alone it also matches client-certificate OCSP',
    });
  return notes;
}

/**
 * The steps of a server's pipeline for a rule set: each rule's (in the matcher's order, see
 * {@link ruleSteps}), then the context grok and the `ocsp-stapling` tag on matched documents.
 */
export function pipelineSteps(rules: readonly Rule[], server: Server): Step[] {
  const ordered = exportOrder(detecting(rules));
  const matched: EsCondition[] = [{ field: 'stapling_doctor.rule_id', isNull: false }];
  return [
    ...ordered.filter((r) => r.servers.includes(server)).flatMap((r) => ruleSteps(r, ordered.indexOf(r), server)),
    {
      processor: {
        grok: {
          tag: `stapling-doctor:${server}-context`,
          if: painless(matched),
          field: 'message',
          ...contextGrok(server),
          ignore_failure: true,
        },
      },
      when: matched,
    },
    {
      processor: { append: { if: painless(matched), field: 'tags', value: ['ocsp-stapling'], allow_duplicates: false } },
      when: matched,
    },
  ];
}

/** The `@custom` pipelines of a rule set, one per server. */
export function ingestPipelines(rules: readonly Rule[]): { pipelines: IngestPipelineExport[]; notes: ExportNote[] } {
  const ordered = exportOrder(detecting(rules));
  const notes = ordered.flatMap(notesOf);
  const pipelines = (['nginx', 'apache'] as const).map((server) => {
    const count = ordered.filter((r) => r.servers.includes(server)).length;
    return {
      name: `logs-${SERVER_NAMES[server].dataset}@custom`,
      server,
      body: {
        description: `stapling-doctor ${VERSION}: OCSP-stapling failures in ${server} error logs (${count} rules)`,
        processors: pipelineSteps(rules, server).map((st) => st.processor),
        _meta: { generator: 'stapling-doctor', version: VERSION },
      },
    };
  });
  return { pipelines, notes };
}
