/**
 * `--format ecs`: every field name and type of every document is checked against the `@elastic/ecs`
 * package's field list (EcsFlat: type, `normalize: [array]`, allowed values), for the findings of every
 * positive rule sample and of the real captures; our own fields live under `stapling_doctor.*` only.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { EcsFlat, EcsVersion } from '@elastic/ecs';
import { analyze, renderReport } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';
import { ecsDocument, ECS_VERSION } from '../src/format/ecs.js';
import type { Rule } from '../src/types.js';
import { runCli } from './helpers/cli.js';
import { RECORDS_DIR } from './fleet/fixture-records.js';

type Doc = Record<string, unknown>;
type EcsField = { type: string; normalize: string[]; allowed_values?: { name: string }[] };
const FIELDS = EcsFlat as unknown as Record<string, EcsField>;

/** `{a:{b:1}}` → `{'a.b': 1}`; arrays are leaves; our namespace stays whole. */
function flatten(doc: Doc, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (key === 'stapling_doctor') out[key] = v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) Object.assign(out, flatten(v as Doc, key));
    else out[key] = v;
  }
  return out;
}

/** Why a value does not fit an ECS type, or null. */
function typeProblem(type: string, v: unknown): string | null {
  switch (type) {
    case 'keyword':
    case 'wildcard':
    case 'match_only_text':
    case 'text':
    case 'constant_keyword':
      return typeof v === 'string' ? null : 'not a string';
    case 'long':
      return Number.isSafeInteger(v) ? null : 'not an integer';
    case 'float':
    case 'scaled_float':
      return typeof v === 'number' && Number.isFinite(v) ? null : 'not a number';
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(v) && !Number.isNaN(Date.parse(v))
        ? null
        : 'not an ISO date';
    case 'ip':
      return typeof v === 'string' && net.isIP(v) !== 0 ? null : 'not an IP address';
    default:
      return `type ${type} not expected here`;
  }
}

/** Every problem of one document against EcsFlat. */
function problems(doc: Doc): string[] {
  const out: string[] = [];
  for (const [field, value] of Object.entries(flatten(doc))) {
    if (field === 'stapling_doctor') continue;
    const f = FIELDS[field];
    if (!f) {
      out.push(`${field}: not an ECS field`);
      continue;
    }
    const isArray = f.normalize.includes('array');
    if (Array.isArray(value) !== isArray) out.push(`${field}: ${isArray ? 'must' : 'must not'} be an array`);
    for (const v of Array.isArray(value) ? value : [value]) {
      const p = typeProblem(f.type, v);
      if (p) out.push(`${field}: ${p} (${JSON.stringify(v)})`);
      if (f.allowed_values && !f.allowed_values.some((a) => a.name === v)) out.push(`${field}: ${JSON.stringify(v)} not allowed`);
    }
  }
  return out;
}

let rules: Rule[];
let docs: Doc[];
beforeAll(async () => {
  rules = await loadRules();
  const lines = rules.flatMap((r) => r.samples.match.map((s) => s.line));
  const real = fs
    .readdirSync('samples/real')
    .filter((f) => f.endsWith('.log'))
    .flatMap((f) => fs.readFileSync(path.join('samples/real', f), 'utf8').split('\n'));
  const created = new Date('2026-12-01T00:00:00Z');
  docs = [...renderReport(analyze(lines, rules)).findings, ...renderReport(analyze(real, rules)).findings].map((f) =>
    ecsDocument(f, created),
  );
});

test('the ECS version is the one of the @elastic/ecs package the fields are checked against', () => {
  expect(ECS_VERSION).toBe(EcsVersion);
});

test('every field of every document is an ECS field of the right type (or under stapling_doctor.*)', () => {
  expect(docs.length).toBeGreaterThan(50);
  const all = docs.flatMap((d) => problems(d).map((p) => `${(d.stapling_doctor as { id: string }).id}: ${p}`));
  expect(all).toEqual([]);
});

test('the checker catches what it must (a test that can fail)', () => {
  expect(problems({ x509: { serial_number: 'AB' } })).toEqual(['x509.serial_number: not an ECS field']);
  expect(problems({ destination: { ip: 'responder.example' } })).toEqual(['destination.ip: not an IP address ("responder.example")']);
  expect(problems({ event: { category: 'web' } })).toEqual(['event.category: must be an array']);
  expect(problems({ event: { kind: 'finding' } })).toEqual(['event.kind: "finding" not allowed']);
  expect(problems({ process: { pid: '12' } })).toEqual(['process.pid: not an integer ("12")']);
});

test('the fields the issue lists appear, each in some document', () => {
  const seen = new Set(docs.flatMap((d) => Object.keys(flatten(d))));
  const own = new Set(docs.flatMap((d) => Object.keys(d.stapling_doctor as Doc)));
  for (const f of [
    '@timestamp',
    'ecs.version',
    'message',
    'event.kind',
    'event.category',
    'event.type',
    'event.code',
    'rule.id',
    'rule.name',
    'rule.ruleset',
    'service.type',
    'event.start',
    'event.end',
    'tls.server.x509.subject.distinguished_name',
    'tls.server.x509.issuer.distinguished_name',
    'tls.server.x509.serial_number',
    'file.path',
    'server.domain',
    'url.original',
    'destination.domain',
    'destination.ip',
    'destination.port',
    'process.pid',
    'error.code',
    'event.original',
  ])
    expect([f, seen.has(f)]).toEqual([f, true]);
  for (const f of ['id', 'count', 'rule_ids', 'evidence', 'fix']) expect([f, own.has(f)]).toEqual([f, true]);
  expect(
    docs.every(
      (d) => (d.event as Doc).kind === 'alert' && (d.event as Doc).code === (d.stapling_doctor as Doc & { id: string }).id.split(':')[0],
    ),
  ).toBe(true);
});

test('--format ecs from the CLI: one document per finding, host.name from the records', () => {
  const r = runCli(['--no-live', '-f', 'ecs', '--fail-on', 'never', path.join(RECORDS_DIR, 'journalctl-json-two-hosts.ndjson')]);
  expect(r.code).toBe(0);
  const out = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Doc);
  expect(out.map((d) => [(d.host as Doc).name, (d.event as Doc).code])).toEqual([
    ['web01', 'certificate-revoked'],
    ['web01', 'responder-unreachable'],
    ['web02', 'responder-unreachable'],
  ]);
  expect(out.flatMap(problems)).toEqual([]);
});
