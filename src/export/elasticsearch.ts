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
 * message holds the trigger and no rule matched yet; `grok` the message with the rule's patterns (its
 * named captures go to the ECS fields of `ECS_FIELD`, the rest under `stapling_doctor.values`), and on
 * failure remove the rule id again; on success `set` the cause and severity. Matched documents get the
 * tag `ocsp-stapling`.
 */
import type { Rule, Server } from '../types.js';
import { VERSION } from '../version.js';
import { detecting, ecsFieldOf, exportOrder, SERVER_NAMES, type ExportNote } from './model.js';
import { MESSAGE_END, MESSAGE_START, rewriteRegex } from './regex.js';
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
const painless = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

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

function ruleProcessors(r: Rule, index: number): Processor[] {
  const is = `ctx.stapling_doctor?.rule_id == ${painless(r.id)}`;
  const { patterns, definitions } = grokPatterns(r, index);
  return [
    {
      set: {
        tag: `stapling-doctor:${r.id}`,
        if: `ctx.stapling_doctor?.rule_id == null && ctx.message instanceof String && ctx.message.contains(${painless(r.trigger)})`,
        field: 'stapling_doctor.rule_id',
        value: r.id,
      },
    },
    {
      grok: {
        tag: `stapling-doctor:${r.id}:grok`,
        if: is,
        field: 'message',
        patterns,
        ...(Object.keys(definitions).length > 0 ? { pattern_definitions: definitions } : {}),
        on_failure: [{ remove: { field: 'stapling_doctor.rule_id', ignore_missing: true } }],
      },
    },
    { set: { if: is, field: 'stapling_doctor.cause', value: r.cause } },
    { set: { if: is, field: 'stapling_doctor.severity', value: r.severity } },
  ];
}

/** What grok cannot check of a rule. */
function notesOf(r: Rule): ExportNote[] {
  const notes: ExportNote[] = [];
  for (const [field, cond] of Object.entries(r.when ?? {}))
    notes.push({
      target: 'elasticsearch',
      rule: r.id,
      kind: 'condition',
      detail: `${field} ${JSON.stringify(cond)} is not checked (the pipeline sees only the message)`,
    });
  if (r.causeFrom || r.compiled.some((p) => p.cause))
    notes.push({
      target: 'elasticsearch',
      rule: r.id,
      kind: 'cause',
      detail: `the cause is always ${r.cause} (its variants by value are not decided)`,
    });
  if (r.role === 'transport')
    notes.push({
      target: 'elasticsearch',
      rule: r.id,
      kind: 'condition',
      detail: 'a transport line is stapling only when AH01941 follows; alone it also matches client-certificate OCSP',
    });
  return notes;
}

/** The `@custom` pipelines of a rule set, one per server. */
export function ingestPipelines(rules: readonly Rule[]): { pipelines: IngestPipelineExport[]; notes: ExportNote[] } {
  const ordered = exportOrder(detecting(rules));
  const notes = ordered.flatMap(notesOf);
  const pipelines = (['nginx', 'apache'] as const).map((server) => {
    const mine = ordered.filter((r) => r.servers.includes(server));
    const processors = mine.flatMap((r) => ruleProcessors(r, ordered.indexOf(r)));
    processors.push({
      grok: {
        tag: `stapling-doctor:${server}-context`,
        if: 'ctx.stapling_doctor?.rule_id != null',
        field: 'message',
        ...contextGrok(server),
        ignore_failure: true,
      },
    });
    processors.push({
      append: { if: 'ctx.stapling_doctor?.rule_id != null', field: 'tags', value: ['ocsp-stapling'], allow_duplicates: false },
    });
    return {
      name: `logs-${SERVER_NAMES[server].dataset}@custom`,
      server,
      body: {
        description: `stapling-doctor ${VERSION}: OCSP-stapling failures in ${server} error logs (${mine.length} rules)`,
        processors,
        _meta: { generator: 'stapling-doctor', version: VERSION },
      },
    };
  });
  return { pipelines, notes };
}
