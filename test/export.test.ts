/**
 * `rules export` validated by the engines' own tools, not by eye:
 * - Sigma: every rule against the Sigma specification's JSON schema (test/fixtures/sigma/, Ajv);
 * - Elasticsearch: the pipelines type-checked against `@elastic/elasticsearch`'s `estypes` (tsc), and
 *   every grok expression, expanded as grok does, run by Oniguruma (`vscode-oniguruma`) over the Elastic
 *   `message` of every rule sample;
 * - Loki: every expression parsed by `@grafana/lezer-logql`, every regex run by RE2 (`re2js`) over the
 *   raw sample lines;
 * each exported form must match the rule's positive samples (with the same captures) and reject its
 * negatives, except where a note of the export says what it cannot check.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { RE2JS } from 're2js';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { loadRules } from '../src/rules/load.js';
import { createMatcher, prepare, whenFailure } from '../src/rules/match.js';
import { CAUSES } from '../src/findings/causes/index.js';
import { exportRules, type ExportNote } from '../src/export/index.js';
import { contextGrok, ingestPipelines, pipelineSteps, type IngestPipelineExport, type Step } from '../src/export/elasticsearch.js';
import { lokiRules, type LokiAlert } from '../src/export/loki.js';
import { sigmaRules } from '../src/export/sigma.js';
import { ecsFieldOf } from '../src/export/model.js';
import type { Rule, Server, Values } from '../src/types.js';
import { elasticMessage, grok, lineFilters, loadOniguruma, runPipeline, sigmaLiteral } from './helpers/export-engines.js';
import { ROOT } from './helpers/cli.js';

let rules: Rule[];
let matcher: ReturnType<typeof createMatcher>;
beforeAll(async () => {
  rules = await loadRules();
  matcher = createMatcher(rules);
  await loadOniguruma();
});

/** Why the rule rejects a line, as our matcher decides: the first reason found. */
function rejection(r: Rule, line: string): 'trigger' | 'server' | `when:${string}` | 'regex' | null {
  if (!line.includes(r.trigger)) return 'trigger';
  const p = matcher.parse(line);
  if (p.server !== null && !r.servers.includes(p.server)) return 'server';
  const w = whenFailure(r, p);
  if (w) return `when:${w.field}`;
  return r.compiled.some((c) => c.re.test(prepare(p).message)) ? null : 'regex';
}

/** The rule's own captures (not the shared values) from a positive line. */
/**
 * Does one of the rule's own regexes match the line's message as written? A sample that matches only
 * once normalised (src/parse/normalize.ts: case of a fixed wording, typographic quotes; e.g. APISIX's
 * lower-case `ocsp responder query failed`) cannot be asked of an exported pattern, which sees the raw text.
 */
function matchesRaw(r: Rule, line: string): boolean {
  const msg = matcher.parse(line).message;
  return r.compiled.some((c) => new RegExp(c.re.source, c.re.flags).test(msg));
}

function ownCaptures(r: Rule, line: string): Values {
  const msg = prepare(matcher.parse(line)).message;
  for (const c of r.compiled) {
    const m = c.re.exec(msg);
    if (m) return Object.fromEntries(Object.entries(m.groups ?? {}).filter(([, v]) => v !== undefined && v !== ''));
  }
  return {};
}

/** A negative the export may accept: one its notes say it cannot reject (or another server's stream). */
function excused(notes: ExportNote[], r: Rule, why: string): boolean {
  if (why === 'server') return true; // selectors / pipelines are per server
  if (!why.startsWith('when:')) return false;
  const field = why.slice(5);
  return notes.some((n) => n.rule === r.id && n.kind === 'condition' && n.detail.startsWith(field));
}

describe('Sigma', () => {
  test('every exported rule is valid against the Sigma specification’s JSON schema', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/sigma/sigma-detection-rule-schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    const validate = ajv.compile(schema);
    const text = exportRules(rules, 'sigma', CAUSES, { date: '2026-12-01' }).text;
    const docs: Record<string, unknown>[] = parseAllDocuments(text).map((d) => d.toJSON() as Record<string, unknown>);
    const detecting = rules.filter((r) => r.role !== 'lookalike' && r.role !== 'detail');
    expect(docs.length).toBe(detecting.reduce((n, r) => n + r.servers.length, 0));
    const valid = (d: unknown): boolean => validate(d); // a plain boolean: no narrowing of d
    const bad = docs.flatMap((d) => (valid(d) ? [] : [`${String(d.title)}: ${ajv.errorsText(validate.errors)}`]));
    expect(bad).toEqual([]);
    expect(new Set(docs.map((d) => d.id)).size).toBe(docs.length);
    // the schema rejects what it must (the validation can fail)
    expect(validate({ title: 'x', logsource: {}, detection: { keywords: ['a'] } })).toBe(false);
    expect(validate({ ...docs[0], date: '2026/12/01' })).toBe(false);
  });

  test('keywords: every positive sample holds its rule’s keyword; the keyword-only limit is noted for every rule', () => {
    const { rules: sigma, notes } = sigmaRules(rules, CAUSES, '2026-12-01');
    const keywordOf = new Map(sigma.map((s) => [String(s.name), (s.detection as { keywords: string[] }).keywords[0]!]));
    for (const r of rules.filter((x) => x.role !== 'lookalike' && x.role !== 'detail')) {
      for (const server of r.servers) {
        const kw = keywordOf.get(`stapling_doctor_${r.id.replace(/-/g, '_')}_${server}`)!;
        for (const s of r.samples.match)
          expect([r.id, s.line.toLowerCase().includes(sigmaLiteral(kw)!.toLowerCase())]).toEqual([r.id, true]);
      }
      expect(notes.some((n) => n.rule === r.id && n.kind === 'keywords-only')).toBe(true);
    }
  });

  test('every keyword reads as its rule’s trigger, wildcards and backslashes escaped', () => {
    const { rules: sigma } = sigmaRules(rules, CAUSES, '2026-12-01');
    const triggers = new Map(rules.map((r) => [r.id, r.trigger]));
    const bad = sigma.flatMap((s) => {
      const kw = (s.detection as { keywords: string[] }).keywords[0]!;
      const id = String(s.name)
        .replace(/^stapling_doctor_/, '')
        .replace(/_(nginx|apache)$/, '');
      const trigger = [...triggers].find(([rid]) => rid.replace(/-/g, '_') === id)![1];
      return sigmaLiteral(kw) === trigger ? [] : [`${s.name}: ${kw}`];
    });
    expect(bad).toEqual([]);
    expect(sigma.some((s) => (s.detection as { keywords: string[] }).keywords[0]!.includes('\\?'))).toBe(true);
  });
});

describe('Elasticsearch ingest pipelines', () => {
  let pipelines: IngestPipelineExport[];
  let notes: ExportNote[];
  const steps = new Map<Server, Step[]>();
  beforeAll(() => {
    ({ pipelines, notes } = ingestPipelines(rules));
    for (const server of ['nginx', 'apache'] as const) steps.set(server, pipelineSteps(rules, server));
  });

  test('the pipelines type-check against @elastic/elasticsearch’s estypes.IngestPutPipelineRequest (and a wrong one does not)', () => {
    const dir = fs.mkdtempSync(path.join(ROOT, '.typecheck-'));
    try {
      const file = (name: string, body: string) => {
        const f = path.join(dir, name);
        fs.writeFileSync(
          f,
          `import type { estypes } from '@elastic/elasticsearch';\nexport const pipelines: estypes.IngestPutPipelineRequest[] = ${body};\n`,
        );
        return f;
      };
      const good = file(
        'good.ts',
        JSON.stringify(
          pipelines.map((p) => ({ id: p.name, ...p.body })),
          null,
          1,
        ),
      );
      const bad = file('bad.ts', JSON.stringify([{ id: 'x', processors: [{ grok: { field: 'message', pattern: 'x' } }] }]));
      const tsc = (...files: string[]) => {
        try {
          execFileSync(
            process.execPath,
            [
              path.join(ROOT, 'node_modules/typescript/bin/tsc'),
              '--noEmit',
              '--strict',
              '--skipLibCheck',
              '--module',
              'nodenext',
              '--moduleResolution',
              'nodenext',
              '--target',
              'es2022',
              ...files,
            ],
            { cwd: ROOT, encoding: 'utf8' },
          );
          return '';
        } catch (e) {
          return String((e as { stdout?: string }).stdout ?? e);
        }
      };
      // one tsc run for both (loading the client's types is the slow part): errors in bad.ts only
      const out = tsc(good, bad);
      expect(out.split('\n').filter((l) => l.includes('good.ts'))).toEqual([]);
      expect(out).toMatch(/bad\.ts.*'"pattern"' does not exist in type 'IngestGrokProcessor'/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('each rule’s grok (Oniguruma) matches its positive samples with the same captures and rejects its negatives', () => {
    const problems: string[] = [];
    for (const p of pipelines) {
      const procs = p.body.processors;
      for (const r of rules.filter((x) => x.servers.includes(p.server) && x.role !== 'lookalike' && x.role !== 'detail')) {
        const g = procs.find((x) => (x.grok as { tag?: string } | undefined)?.tag === `stapling-doctor:${r.id}:grok`)?.grok as
          { patterns: string[]; pattern_definitions?: Record<string, string> } | undefined;
        if (!g) {
          problems.push(`${r.id}: no grok in ${p.name}`);
          continue;
        }
        const run = (line: string) => {
          const message = elasticMessage(line);
          return message.includes(r.trigger) ? grok(g.patterns, g.pattern_definitions ?? {}, message) : null;
        };
        for (const s of r.samples.match) {
          const sv = matcher.parse(s.line).server;
          if (sv !== null && sv !== p.server) continue; // the other server's pipeline
          const got = run(s.line);
          if (!got && !matchesRaw(r, s.line)) continue;
          if (!got) {
            problems.push(`${r.id}: misses ${s.line}`);
            continue;
          }
          for (const [name, value] of Object.entries(ownCaptures(r, s.line)))
            if (got[ecsFieldOf(name)] !== value)
              problems.push(`${r.id}: ${ecsFieldOf(name)} = ${got[ecsFieldOf(name)]} instead of ${value}`);
        }
        for (const s of r.samples.nomatch) {
          const why = rejection(r, s.line);
          if (why === null || excused(notes, r, why)) continue;
          // the whole pipeline: the rule's conditions on the document (nginx's connection number) come first
          const doc = runPipeline(steps.get(p.server)!, s.line).doc as { stapling_doctor?: { rule_id?: string } };
          if (run(s.line) && doc.stapling_doctor?.rule_id === r.id) problems.push(`${r.id}: accepts (${why}) ${s.line}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

test('the context grok gives the values the parser takes from nginx’s context and Apache’s certificate suffix', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const r of rules) {
    for (const smp of r.samples.match) {
      const p = matcher.parse(smp.line);
      if (p.server === null) continue;
      const shared = prepare(p).shared;
      const g = contextGrok(p.server);
      const got = grok(g.patterns, g.pattern_definitions, elasticMessage(smp.line));
      const want: Record<string, string | undefined> =
        p.server === 'nginx'
          ? { 'destination.address': shared.responder, 'stapling_doctor.values.peer': shared.peer, 'file.path': shared.certificate }
          : {
              'tls.server.x509.serial_number': shared.serial,
              // Apache escapes DNs (\\, \xHH); the parser unescapes them, the pipeline keeps them as written
              ...(smp.line.includes('\\') ? {} : { 'tls.server.x509.subject.distinguished_name': shared.certSubject }),
            };
      const expected = Object.fromEntries(Object.entries(want).filter(([, v]) => v !== undefined));
      if (Object.keys(expected).length === 0) continue;
      checked++;
      for (const [field, value] of Object.entries(expected))
        if (got?.[field] !== value) problems.push(`${r.id}: ${field} = ${got?.[field]} instead of ${value}`);
    }
  }
  expect(checked).toBeGreaterThan(50);
  expect(problems).toEqual([]);
});

describe('Loki ruler alerts', () => {
  let alerts: LokiAlert[];
  let notes: ExportNote[];
  beforeAll(() => {
    const l = lokiRules(rules, CAUSES);
    alerts = l.groups.flatMap((g) => g.rules);
    notes = l.notes;
  });

  test('every expression parses as LogQL (@grafana/lezer-logql), and a broken one does not', () => {
    const errors = (expr: string): number => {
      let n = 0;
      logqlParser.parse(expr).iterate({ enter: (node) => void (node.type.isError && n++) });
      return n;
    };
    expect(alerts.length).toBeGreaterThan(100);
    expect(alerts.filter((a) => errors(a.expr) > 0).map((a) => a.alert)).toEqual([]);
    expect(errors('sum by (host (count_over_time({job="nginx"} |~ `a` [5m]))')).toBeGreaterThan(0);
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
    expect(alerts.every((a) => /^[A-Za-z_:][A-Za-z0-9_:]*$/.test(a.alert))).toBe(true);
  });

  test('each regex (RE2) over the raw sample lines: positives matched with the same captures, negatives rejected', () => {
    const problems: string[] = [];
    for (const r of rules.filter((x) => x.role !== 'lookalike' && x.role !== 'detail')) {
      const mine = alerts.filter((a) => a.labels.rule_id === r.id);
      const exported = r.compiled.length - notes.filter((n) => n.rule === r.id && n.kind === 'not-exported').length;
      // one alert per pattern, cause branch and server (a branch RE2 cannot express is left out, with a note)
      const branchNotes = notes.some((n) => n.rule === r.id && n.kind === 'cause');
      if (mine.length < exported * r.servers.length && !branchNotes)
        problems.push(`${r.id}: ${mine.length} alerts for ${exported} patterns`);
      const queries = mine.map((a) => lineFilters(a.expr));
      /** The first query whose filters all pass: the matcher of its `|~` regex (for the captures). */
      const run = (line: string) => {
        for (const q of queries) {
          let last = null;
          const pass = q.every((f) => {
            if (f.op === '|=') return line.includes(f.text);
            if (f.op === '!=') return !line.includes(f.text);
            const m = f.re!.matcher(line);
            const found = m.find();
            if (f.op === '|~') last = m;
            return f.op === '|~' ? found : !found;
          });
          if (pass) return last as ReturnType<RE2JS['matcher']> | null;
        }
        return null;
      };
      const partial = notes.some((n) => n.rule === r.id && n.kind === 'not-exported');
      for (const s of r.samples.match) {
        const m = run(s.line);
        if (!m) {
          if (!partial && matchesRaw(r, s.line)) problems.push(`${r.id}: misses ${s.line}`);
          continue;
        }
        for (const [name, value] of Object.entries(ownCaptures(r, s.line))) {
          const label = name === 'host' ? 'lookup_host' : name;
          if (m.group(label) !== value) problems.push(`${r.id}: ${label} = ${m.group(label)} instead of ${value}`);
        }
      }
      for (const s of r.samples.nomatch) {
        const why = rejection(r, s.line);
        if (why === null || excused(notes, r, why)) continue;
        if (run(s.line)) problems.push(`${r.id}: accepts (${why}) ${s.line}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('patterns RE2 cannot express are reported and left out, never silently dropped', () => {
    const dropped = notes.filter((n) => n.kind === 'not-exported');
    expect(dropped.length).toBeGreaterThan(0);
    for (const n of dropped) {
      const r = rules.find((x) => x.id === n.rule)!;
      expect(/\(\?[=!]|\(\?<[=!]/.test(r.compiled[n.pattern!]!.regex)).toBe(true);
      const names = alerts.filter((a) => a.labels.rule_id === r.id).map((a) => a.alert);
      expect(names.some((a) => a.endsWith(`_${n.pattern! + 1}`) && r.compiled.length > 1)).toBe(false);
    }
  });
});

test('--server: every target exports only that server’s rules', () => {
  for (const server of ['nginx', 'apache'] as const) {
    const loki = exportRules(rules, 'loki', CAUSES, { server }).text;
    expect(loki).toContain(`server: ${server}`);
    expect(loki).not.toContain(`server: ${server === 'nginx' ? 'apache' : 'nginx'}`);
    const sigma = exportRules(rules, 'sigma', CAUSES, { server, date: '2026-12-01' }).text;
    expect(sigma).toContain(`service: ${server}`);
    expect(sigma).not.toContain(`service: ${server === 'nginx' ? 'apache' : 'nginx'}`);
  }
});
