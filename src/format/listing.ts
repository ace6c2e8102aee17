/**
 * `--list-causes` and `--list-rules` as data, for `--format json` (one document) and `--format ndjson`
 * (one object a line), with their JSON Schemas (`--schema causes`, `--schema rules`).
 */
import type { CauseRegistry } from '../findings/registry.js';
import { CAUSE_IDS, OUTPUT_VERSION, SERVERS, SEVERITIES, type Rule } from '../types.js';

/** One cause as `--list-causes --format json` lists it. */
export interface CauseListing {
  id: string;
  title: string;
  meaning: string;
  /**
   * The fix in a few words per server; null when the server cannot produce the cause. `gnutls`: Apache's
   * with mod_gnutls (its own directives), present for the causes mod_gnutls's lines can have; `lua`: nginx's
   * OpenResty Lua stapling scripts (their own settings), present for the causes their lines can have.
   */
  brief: { apache: string | null; nginx: string | null; gnutls?: string; lua?: string };
  /** The `--inspect` checks that speak to it. */
  inspections: string[];
}

/** One rule as `--list-rules --format json` lists it. */
export interface RuleListing {
  id: string;
  summary: string;
  servers: string[];
  severity: string;
  cause: string;
  role: string;
  phase: string;
  trigger: string;
  /** `<builtin>/…` for bundled rules, else the file it was loaded from. */
  file: string;
  samples: { match: number; nomatch: number };
  /** For a rule tied to the configuration (`src/rules/tie.ts`): the directive; it applies only with `--config`. */
  tiedTo?: string;
}

/** The built-in causes in vocabulary order (and any extra ones of the registry after them). */
export function causeListing(causes: CauseRegistry): CauseListing[] {
  const ids = [...CAUSE_IDS, ...Object.keys(causes).filter((id) => !(CAUSE_IDS as readonly string[]).includes(id))];
  return ids.map((id) => {
    const m = causes[id]!;
    return { id, title: m.title, meaning: m.meaning, brief: { ...m.brief }, inspections: [...m.inspections] };
  });
}

/** The loaded rules, in load order. */
export function ruleListing(rules: readonly Rule[]): RuleListing[] {
  return rules.map((r) => ({
    id: r.id,
    summary: r.summary,
    servers: [...r.servers],
    severity: r.severity,
    cause: r.cause,
    role: r.role,
    phase: r.phase,
    trigger: r.trigger,
    file: r.file,
    samples: { match: r.samples.match.length, nomatch: r.samples.nomatch.length },
    ...(r.tiedTo ? { tiedTo: r.tiedTo.directive } : {}),
  }));
}

const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;

const causeItem = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'meaning', 'brief', 'inspections'],
  properties: {
    id: str,
    title: str,
    meaning: str,
    brief: {
      type: 'object',
      additionalProperties: false,
      required: [...SERVERS],
      properties: { apache: strOrNull, nginx: strOrNull, gnutls: str, lua: str },
    },
    inspections: { type: 'array', items: str },
  },
} as const;

const ruleItem = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'summary', 'servers', 'severity', 'cause', 'role', 'phase', 'trigger', 'file', 'samples'],
  properties: {
    id: str,
    summary: str,
    servers: { type: 'array', items: { enum: [...SERVERS] } },
    severity: { enum: [...SEVERITIES] },
    cause: str,
    role: str,
    phase: str,
    trigger: str,
    file: str,
    samples: {
      type: 'object',
      additionalProperties: false,
      required: ['match', 'nomatch'],
      properties: { match: { type: 'integer', minimum: 0 }, nomatch: { type: 'integer', minimum: 0 } },
    },
    tiedTo: str,
  },
} as const;

function listSchema(name: 'causes' | 'rules', item: object) {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://stapling-doctor.invalid/${name}-v${OUTPUT_VERSION}.schema.json`,
    title: `stapling-doctor --list-${name} --format json (with --format ndjson: one item a line)`,
    type: 'object',
    additionalProperties: false,
    required: ['version', name],
    properties: { version: { const: OUTPUT_VERSION }, [name]: { type: 'array', items: item } },
  } as const;
}

/** Schema of `--list-causes --format json`; each NDJSON line is one item of `causes`. */
export const CAUSES_SCHEMA = listSchema('causes', causeItem);
/** Schema of `--list-rules --format json`; each NDJSON line is one item of `rules`. */
export const RULES_SCHEMA = listSchema('rules', ruleItem);
