/**
 * JSON Schema (draft 2020-12 subset, checked with Ajv) of a rule file `rules/<id>.yaml`.
 * The TypeScript shape is {@link RuleSpec} in `src/types.ts`; the README's "How to add a rule" explains it.
 */
import { CAUSE_IDS, RULE_ROLES, SERVERS, SEVERITIES, TIE_DIRECTIVES, VALUE_NAMES } from '../types.js';

const sample = {
  type: 'object',
  additionalProperties: false,
  required: ['line', 'from'],
  properties: {
    line: { type: 'string', minLength: 1 },
    from: { type: 'string', minLength: 1 },
    values: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(VALUE_NAMES.map((n) => [n, { type: 'string' }])),
    },
    cause: { $ref: '#/$defs/cause' },
    severity: { enum: [...SEVERITIES] },
  },
} as const;

const whenValue = {
  anyOf: [{ enum: ['absent', 'present'] }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
} as const;

/** The rule-file schema object, as given to Ajv. */
export const RULE_SCHEMA = {
  $id: 'https://stapling-doctor.invalid/rule.schema.json',
  $defs: { cause: { enum: [...CAUSE_IDS] as string[] } },
  type: 'object',
  additionalProperties: false,
  required: ['id', 'summary', 'servers', 'severity', 'cause', 'role', 'phase', 'trigger', 'patterns', 'source', 'samples'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$' },
    summary: { type: 'string', minLength: 10 },
    servers: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...SERVERS] } },
    severity: { enum: [...SEVERITIES] },
    cause: { $ref: '#/$defs/cause' },
    role: { enum: [...RULE_ROLES] },
    phase: { enum: ['config', 'runtime'] },
    trigger: { type: 'string', minLength: 3 },
    patterns: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['regex'],
        properties: {
          regex: { type: 'string', minLength: 1 },
          name: { type: 'string' },
          cause: { $ref: '#/$defs/cause' },
          severity: { enum: [...SEVERITIES] },
        },
      },
    },
    causeFrom: {
      type: 'object',
      additionalProperties: false,
      required: ['value', 'map'],
      properties: {
        value: { anyOf: [{ enum: [...VALUE_NAMES] }, { type: 'array', minItems: 1, items: { enum: [...VALUE_NAMES] } }] },
        map: { type: 'object', minProperties: 1, additionalProperties: { $ref: '#/$defs/cause' } },
        default: { $ref: '#/$defs/cause' },
        missing: { $ref: '#/$defs/cause' },
      },
    },
    when: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectionId: whenValue,
        level: whenValue,
        module: whenValue,
        client: whenValue,
        code: whenValue,
      },
    },
    severityByLevel: { type: 'object', additionalProperties: { enum: [...SEVERITIES] } },
    follows: { type: 'array', items: { $ref: '#/$defs/cause' }, uniqueItems: true },
    closes: { type: 'boolean' },
    priority: { type: 'integer' },
    fragmentNeeds: { type: 'string', minLength: 1 },
    tiedTo: {
      type: 'object',
      additionalProperties: false,
      required: ['directive', 'value'],
      properties: { directive: { enum: [...TIE_DIRECTIVES] }, value: { enum: [...VALUE_NAMES] } },
    },
    source: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['server', 'file', 'versions'],
        properties: {
          server: { enum: [...SERVERS, 'openssl', 'mod_md', 'lua', 'mod_gnutls'] },
          file: { type: 'string', minLength: 1 },
          function: { type: 'string' },
          versions: { type: 'string', minLength: 1 },
          ref: { type: 'string' },
        },
      },
    },
    samples: {
      type: 'object',
      additionalProperties: false,
      required: ['match', 'nomatch'],
      properties: {
        match: { type: 'array', minItems: 1, items: sample },
        nomatch: { type: 'array', items: sample },
      },
    },
  },
} as const;

/**
 * The rule-file schema for a larger cause vocabulary: the built-in ids plus an API user's own cause
 * modules' ids (see `LoadRulesOptions.causes`).
 */
export function ruleSchema(extraCauses: readonly string[]): object {
  return { ...RULE_SCHEMA, $id: `${RULE_SCHEMA.$id}?causes=${encodeURIComponent(extraCauses.join(','))}`, $defs: { cause: { enum: [...CAUSE_IDS, ...extraCauses] } } };
}
