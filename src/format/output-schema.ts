/**
 * JSON Schema (draft 2020-12) of the `--format json` document, version {@link OUTPUT_VERSION}.
 * `stapling-doctor --schema json` prints it; the README documents it; a test validates real output with
 * Ajv. {@link NDJSON_SCHEMA} (`--schema ndjson`) is the schema of each `--format ndjson` line.
 */
import { MAX_EPISODES, TIMELINE_BASE_MS, TIMELINE_MAX_BUCKETS } from '../findings/timeline.js';
import {
  CAUSE_IDS,
  EVIDENCE_SOURCES,
  INSPECTION_CHECKS,
  INSPECTION_RESULTS,
  OUTPUT_VERSION,
  SERVERS,
  SEVERITIES,
  VALUE_NAMES,
} from '../types.js';
import { PROBE_SCHEMA } from './probe-schema.js';

const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const count = { type: 'integer', minimum: 0 } as const;

const values = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(VALUE_NAMES.map((n) => [n, str])),
} as const;

const stats = {
  type: 'object',
  additionalProperties: false,
  required: ['files', 'lines', 'parsed', 'unparsed', 'skipped', 'undecoded', 'matched'],
  properties: { files: count, lines: count, parsed: count, unparsed: count, skipped: count, undecoded: count, matched: count },
} as const;

const checks = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['check', 'result', 'detailId', 'data', 'detail'],
    properties: {
      check: { enum: [...INSPECTION_CHECKS] },
      result: { enum: [...INSPECTION_RESULTS] },
      detailId: str,
      data: { type: 'object', additionalProperties: { type: ['string', 'number', 'array'], items: str } },
      detail: str,
    },
  },
} as const;

const missing = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['subject', 'role', 'caIssuersUrl', 'neededIn'],
    properties: {
      subject: str,
      role: { enum: ['issuer', 'root', 'ca'] },
      caIssuersUrl: strOrNull,
      neededIn: { enum: ['certificate-file', 'trusted-bundle'] },
    },
  },
} as const;

/** `--inspect --config`: the blocks a certificate is used by, each with its verdict (see `BlockVerdict`). */
const blocks = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['block', 'names', 'listen', 'certificate', 'cause', 'result', 'checks', 'missing', 'trustedFiles'],
    properties: {
      block: str,
      names: { type: 'array', items: str },
      listen: { type: 'array', items: str },
      certificate: strOrNull,
      cause: { enum: [...CAUSE_IDS] },
      result: { enum: [...INSPECTION_RESULTS] },
      checks,
      missing,
      trustedFiles: { type: 'array', items: str },
    },
  },
} as const;

/** `--inspect`: what the certificate files said (optional; absent without --inspect). */
const inspection = {
  type: 'object',
  additionalProperties: false,
  required: ['result', 'checks', 'missing'],
  properties: {
    result: { enum: [...INSPECTION_RESULTS] },
    checks,
    causeBefore: { enum: [...CAUSE_IDS] },
    causeChangeReason: { enum: ['self-signed', 'trusted-chain-complete', 'not-self-signed'] },
    causeChange: str,
    certificate: {
      type: 'object',
      additionalProperties: false,
      required: ['subject', 'issuer', 'serial', 'notBefore', 'notAfter', 'selfSigned', 'ocspUrls', 'caIssuersUrls'],
      properties: {
        file: str,
        subject: str,
        issuer: str,
        serial: str,
        notBefore: str,
        notAfter: str,
        selfSigned: { type: 'boolean' },
        ocspUrls: { type: 'array', items: str },
        caIssuersUrls: { type: 'array', items: str },
      },
    },
    configBlock: str,
    trustedFiles: { type: 'array', items: str },
    haveConfig: { type: 'boolean' },
    missing,
    error: str,
    blocks,
    blockJudgement: { enum: ['one', 'each'] },
    blockDifferences: { type: 'array', items: str },
    verdictFor: { type: 'array', items: str },
    endpoints: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['host', 'port', 'serverName'],
        properties: { host: str, port: { type: 'integer', minimum: 1, maximum: 65535 }, serverName: strOrNull },
      },
    },
    blocksNote: str,
  },
} as const;

/** Occurrences over time (`src/findings/timeline.ts`): bounded buckets and episodes, exact counts. */
const timeline = {
  type: 'object',
  additionalProperties: false,
  required: ['bucketMs', 'buckets', 'untimed', 'episodeGapMs', 'episodes'],
  properties: {
    bucketMs: { type: 'integer', minimum: TIMELINE_BASE_MS },
    buckets: {
      type: 'array',
      maxItems: TIMELINE_MAX_BUCKETS,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['start', 'count'],
        properties: { start: str, count: { type: 'integer', minimum: 1 } },
      },
    },
    untimed: count,
    episodeGapMs: { type: 'integer', minimum: 1 },
    episodes: {
      type: 'array',
      maxItems: MAX_EPISODES,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['start', 'end', 'count'],
        properties: { start: str, end: str, count: { type: 'integer', minimum: 1 } },
      },
    },
  },
} as const;

const finding = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'cause',
    'severity',
    'server',
    'host',
    'ruleIds',
    'count',
    'first',
    'last',
    'message',
    'messageId',
    'data',
    'subject',
    'evidence',
    'evidenceOmitted',
    'timeline',
    'fix',
  ],
  properties: {
    id: { type: 'string', pattern: '^[a-z-]+:(apache|nginx|unknown):[0-9a-f]{10}$' },
    cause: { enum: [...CAUSE_IDS] },
    severity: { enum: [...SEVERITIES] },
    server: { enum: [...SERVERS, null] },
    host: strOrNull,
    ruleIds: { type: 'array', minItems: 1, items: str },
    count: { type: 'integer', minimum: 1 },
    first: strOrNull,
    last: strOrNull,
    message: str,
    messageId: { type: 'string', pattern: '^[a-z-]+\\.[a-z-]+$' },
    data: values,
    subject: {
      type: 'object',
      additionalProperties: false,
      properties: {
        certificate: str,
        certSubject: str,
        certIssuer: str,
        serial: str,
        notBefore: str,
        notAfter: str,
        vhost: str,
        responder: str,
        url: str,
        host: str,
        peers: { type: 'array', items: str },
        pids: { type: 'array', items: { type: 'integer' } },
      },
    },
    evidence: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['file', 'line', 'text', 'ruleId', 'time', 'pid', 'values'],
        properties: {
          file: str,
          line: { type: 'integer', minimum: 1 },
          text: str,
          textLength: { type: 'integer', minimum: 1 },
          ruleId: str,
          time: strOrNull,
          pid: { type: ['integer', 'null'] },
          values,
          source: { enum: [...EVIDENCE_SOURCES] },
          cut: {
            type: 'object',
            additionalProperties: false,
            properties: {
              prefix: { enum: ['missing', 'partial'] },
              head: {
                type: 'object',
                additionalProperties: false,
                required: ['missing'],
                properties: { missing: { type: 'array', items: str } },
              },
              tail: {
                type: 'object',
                additionalProperties: false,
                required: ['missing'],
                properties: { missing: { type: 'array', items: str }, partial: { type: 'array', items: str } },
              },
              redacted: { type: 'array', items: str },
              lines: { type: 'integer', minimum: 2 },
              follower: { enum: ['missing'] },
            },
          },
        },
      },
    },
    evidenceOmitted: count,
    timeline,
    fix: {
      type: 'object',
      additionalProperties: false,
      required: ['summary', 'steps', 'verify'],
      properties: {
        summary: str,
        steps: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['action', 'directive', 'value', 'valueKind', 'context', 'text'],
            properties: {
              action: { enum: ['set', 'remove', 'check', 'run', 'replace-certificate'] },
              directive: strOrNull,
              value: strOrNull,
              valueKind: {
                enum: [
                  'file:leaf-and-chain',
                  'file:issuer-chain',
                  'file:issuer',
                  'dns-server',
                  'url:http-responder',
                  'url:http-proxy',
                  'seconds',
                  null,
                ],
              },
              context: strOrNull,
              command: str,
              alternative: { type: 'boolean' },
              optional: { type: 'boolean' },
              text: str,
            },
          },
        },
        verify: { type: 'array', items: str },
      },
    },
    inspection,
    aggregate: {
      type: 'object',
      additionalProperties: false,
      required: ['findings', 'exact', 'of'],
      properties: {
        findings: { type: 'integer', minimum: 1 },
        exact: { type: 'boolean' },
        of: { enum: ['certificate', 'vhost', 'responder', 'mixed'] },
      },
    },
    origin: { enum: ['log', 'check'] },
  },
} as const;

/** Every input the run was given, with its status (see `FileStats.status`). */
const inputs = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['file', 'files', 'lines', 'parsed', 'unparsed', 'skipped', 'undecoded', 'matched'],
    properties: {
      file: str,
      ...stats.properties,
      error: str,
      skippedLines: { type: 'array', items: { type: 'integer' } },
      undecodedLines: { type: 'array', items: { type: 'integer' } },
      status: { enum: ['read', 'partial', 'error', 'not-read'] },
      code: str,
      duplicateOf: str,
    },
  },
} as const;

/** The schema of the whole `--format json` document. */
export const OUTPUT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://stapling-doctor.invalid/output-v${OUTPUT_VERSION}.schema.json`,
  title: 'stapling-doctor report',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'findings', 'stats', 'inputs'],
  properties: {
    version: { const: OUTPUT_VERSION },
    findings: { type: 'array', items: finding },
    stats,
    inputs,
    interrupted: { type: 'boolean' },
  },
} as const;

/** An NDJSON `update` event: what changed since the finding's previous event (see `src/run/live.ts`). */
const updateEvent = {
  type: 'object',
  additionalProperties: false,
  required: ['event', 'id', 'cause', 'severity', 'host', 'count', 'first', 'last', 'messageId', 'evidenceOmitted', 'evidence'],
  properties: {
    event: { const: 'update' },
    id: finding.properties.id,
    cause: finding.properties.cause,
    severity: finding.properties.severity,
    host: finding.properties.host,
    count: finding.properties.count,
    first: strOrNull,
    last: strOrNull,
    messageId: finding.properties.messageId,
    evidenceOmitted: count,
    evidence: { type: 'array', items: finding.properties.evidence.items },
    subject: finding.properties.subject,
    data: values,
    ruleIds: finding.properties.ruleIds,
    message: str,
    fix: finding.properties.fix,
    inspection,
    aggregate: finding.properties.aggregate,
  },
} as const;

/**
 * The schema of one line of `--format ndjson`: a `new` event (a whole finding), an `update` event (what
 * changed), or the last line, `end` (version, stats, inputs, interrupted).
 */
export const NDJSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://stapling-doctor.invalid/ndjson-v${OUTPUT_VERSION}.schema.json`,
  title: 'stapling-doctor NDJSON event (one per line)',
  oneOf: [
    {
      ...finding,
      required: ['event', ...finding.required],
      properties: { event: { const: 'new' }, ...finding.properties },
    },
    updateEvent,
    {
      type: 'object',
      additionalProperties: false,
      required: ['event', 'version', 'stats', 'inputs', 'interrupted'],
      properties: {
        event: { const: 'end' },
        version: { const: OUTPUT_VERSION },
        stats,
        inputs,
        interrupted: { type: 'boolean' },
        hidden: {
          type: 'integer',
          minimum: 1,
          description: 'Findings the filters (--server, --cause, --host, --min-severity) hid; absent when none.',
        },
      },
    },
  ],
} as const;

const endpoint = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'port', 'serverName'],
  properties: { host: str, port: { type: 'integer', minimum: 1, maximum: 65535 }, serverName: strOrNull },
} as const;

/**
 * The schema of the `check --format json` document: the configurations read, every TLS block, the
 * findings (the same finding objects as the log report's, `origin: "check"`, evidence from the
 * configuration and the certificates), what could not be checked, the configuration problems, and with
 * `--probe` one probe document per endpoint (the `probe --format json` document).
 */
export const CHECK_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://stapling-doctor.invalid/check-v${OUTPUT_VERSION}.schema.json`,
  title: 'stapling-doctor check report',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'kind', 'configs', 'blocks', 'findings', 'notChecked', 'problems'],
  properties: {
    version: { const: OUTPUT_VERSION },
    kind: { const: 'check' },
    configs: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['file', 'server', 'source'],
        properties: { file: str, server: { enum: [...SERVERS] }, source: str },
      },
    },
    blocks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['server', 'block', 'names', 'listen', 'stapling', 'certificates', 'endpoints'],
        properties: {
          server: { enum: [...SERVERS] },
          block: str,
          names: { type: 'array', items: str },
          listen: { type: 'array', items: str },
          stapling: { type: ['boolean', 'null'] },
          certificates: { type: 'array', items: str },
          endpoints: { type: 'array', items: endpoint },
        },
      },
    },
    findings: { type: 'array', items: finding },
    notChecked: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['block', 'certificate', 'reason'],
        properties: { block: str, certificate: str, reason: str },
      },
    },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'severity', 'file', 'line', 'message'],
        properties: {
          kind: str,
          severity: { enum: ['error', 'warning', 'note'] },
          file: str,
          line: { type: ['integer', 'null'] },
          message: str,
          tried: str,
        },
      },
    },
    probes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['server', 'block', 'endpoint', 'address', 'result'],
        properties: { server: { enum: [...SERVERS] }, block: str, endpoint, address: str, result: { oneOf: PROBE_SCHEMA.oneOf } },
      },
    },
  },
} as const;
