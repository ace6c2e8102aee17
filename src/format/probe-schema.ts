/**
 * JSON Schema (draft 2020-12) of `stapling-doctor probe --format json`, version {@link OUTPUT_VERSION}:
 * either a probe result, or (exit code 2) `{version, target, error, errorCode}`. The README documents
 * it; a test validates real output with Ajv.
 */
import { OUTPUT_VERSION } from '../types.js';

const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const target = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'port', 'servername', 'address'],
  properties: { host: str, port: { type: 'integer', minimum: 1, maximum: 65535 }, servername: strOrNull, address: strOrNull },
} as const;

const staple = {
  type: 'object',
  additionalProperties: false,
  required: [
    'bytes',
    'responseStatus',
    'responderId',
    'producedAt',
    'responses',
    'certStatus',
    'revocationTime',
    'revocationReason',
    'thisUpdate',
    'nextUpdate',
    'secondsLeft',
    'current',
    'signature',
  ],
  properties: {
    bytes: { type: 'integer', minimum: 1 },
    responseStatus: {
      type: 'string',
      pattern: '^(successful|malformedRequest|internalError|tryLater|sigRequired|unauthorized|unparsable|status-\\d+)$',
    },
    parseError: str,
    responderId: {
      oneOf: [
        { type: 'null' },
        { type: 'object', additionalProperties: false, required: ['byName'], properties: { byName: str } },
        {
          type: 'object',
          additionalProperties: false,
          required: ['byKeySha1'],
          properties: { byKeySha1: { type: 'string', pattern: '^[0-9a-f]{40}$' } },
        },
      ],
    },
    producedAt: strOrNull,
    responses: { type: 'integer', minimum: 0 },
    certStatus: { enum: ['good', 'revoked', 'unknown', null] },
    revocationTime: strOrNull,
    revocationReason: strOrNull,
    thisUpdate: strOrNull,
    nextUpdate: strOrNull,
    secondsLeft: { type: ['integer', 'null'] },
    current: { type: ['boolean', 'null'] },
    signature: {
      type: 'object',
      additionalProperties: false,
      required: ['result', 'signer', 'signerSubject', 'detailId', 'data', 'detail'],
      properties: {
        result: { enum: ['verified', 'failed', 'not-checked'] },
        signer: { enum: ['issuer', 'delegated', null] },
        signerSubject: strOrNull,
        detailId: str,
        data: { type: 'object', additionalProperties: str },
        detail: str,
      },
    },
  },
} as const;

const result = {
  type: 'object',
  additionalProperties: false,
  required: [
    'version',
    'target',
    'handshakes',
    'stapledPerHandshake',
    'tls',
    'certificate',
    'chain',
    'name',
    'validity',
    'staple',
    'verdict',
    'message',
    'notes',
  ],
  properties: {
    version: { const: OUTPUT_VERSION },
    target,
    handshakes: { type: 'integer', minimum: 1, maximum: 3 },
    stapledPerHandshake: { type: 'array', items: { type: 'boolean' } },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['protocol', 'cipher', 'authorized', 'authorizationError', 'trustStore'],
      properties: {
        protocol: strOrNull,
        cipher: strOrNull,
        authorized: { type: 'boolean' },
        authorizationError: strOrNull,
        trustStore: { enum: ['ca-file', 'ca-store'] },
      },
    },
    certificate: {
      type: 'object',
      additionalProperties: false,
      required: ['subject', 'issuer', 'serial', 'notBefore', 'notAfter', 'selfSigned', 'ocspUrls', 'caIssuersUrls'],
      properties: {
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
    chain: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['subject', 'issuer', 'serial', 'sent'],
        properties: { subject: str, issuer: str, serial: str, sent: { type: ['boolean', 'null'] } },
      },
    },
    name: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'coveredBy'],
          properties: { name: str, coveredBy: { enum: ['subjectAltName', 'commonName', null] } },
        },
      ],
    },
    validity: {
      type: 'object',
      additionalProperties: false,
      required: ['state', 'notBefore', 'notAfter', 'checkedAt'],
      properties: {
        state: { enum: ['valid', 'expired', 'not-yet-valid', 'unknown'] },
        notBefore: strOrNull,
        notAfter: strOrNull,
        checkedAt: str,
      },
    },
    staple: { oneOf: [{ type: 'null' }, staple] },
    verdict: {
      enum: [
        'good',
        'handshake-aborted',
        'no-staple',
        'bad-status',
        'no-status-for-certificate',
        'revoked',
        'unknown',
        'not-current',
        'not-verified',
        'unverifiable',
      ],
    },
    message: str,
    notes: { type: 'array', items: str },
  },
} as const;

const failure = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'target', 'error', 'errorCode'],
  properties: { version: { const: OUTPUT_VERSION }, target, error: str, errorCode: strOrNull },
} as const;

/** The schema of the probe document. */
export const PROBE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://stapling-doctor.invalid/probe-v${OUTPUT_VERSION}.schema.json`,
  title: 'stapling-doctor probe result',
  oneOf: [result, failure],
} as const;
