/**
 * JSON and NDJSON that scripts can trust (issue 12) and streamed output (issue 16.2, 16.3), through the
 * built CLI: every input listed with its status, a valid document when every input fails, an interrupted
 * run that says so, NDJSON update events that carry only what changed and are the same whatever the
 * output's speed, the JSON document written piece by piece as it would be whole, and a published schema
 * for every machine format, each validated against real output.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { CAUSES_SCHEMA, RULES_SCHEMA } from '../src/format/listing.js';
import { jsonDocumentPieces } from '../src/format/json-stream.js';
import { NDJSON_SCHEMA, OUTPUT_SCHEMA } from '../src/format/output-schema.js';
import { PROBE_SCHEMA } from '../src/format/probe-schema.js';
import { safeJson } from '../src/format/sanitize.js';
import type { Evidence, Finding } from '../src/types.js';
import { CLI, PLAIN_ENV, ROOT, tempDir } from './helpers/cli.js';
import { runCliAsync } from './helpers/robust.js';

const ajv = new Ajv2020({ strict: false });
const validJson = ajv.compile(OUTPUT_SCHEMA);
const validLine = ajv.compile(NDJSON_SCHEMA);

let dir: string;
let cleanup: () => void;
let busy: string;
let noisy: string;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('sd-machine-'));
  busy = path.join(dir, 'busy-error.log');
  fs.writeFileSync(busy, busyLog());
  // About 130 MB without findings after one finding: long enough to be interrupted while it is read.
  noisy = path.join(dir, 'finding-then-noise.log');
  const fd = fs.openSync(noisy, 'w');
  fs.writeSync(fd, `${ngx(0, 0)}\n`);
  const block = Buffer.from(`${NOISE}\n`.repeat(8000));
  for (let i = 0; i < 110; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
});
afterAll(() => cleanup());

const NOISE =
  '2018/09/14 19:03:05 [error] 2035#2035: *9134 access forbidden by rule, client: 12.34.56.78, server: example.com, request: "GET / HTTP/1.1"';

/** nginx refreshing certificate `k`'s staple and timing out, at second `s` (rules/nginx-responder-timeout.yaml sample shape). */
function ngx(k: number, s: number): string {
  const t = new Date(Date.UTC(2026, 10, 23) + s * 1000).toISOString().slice(0, 19).replace(/-/g, '/').replace('T', ' ');
  return `${t} [error] 1043#1043: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp${k % 3}.example.net, peer: 192.0.2.${k}:80, certificate: "/etc/ssl/site-${k}.pem"`;
}

/** 40 certificates failing every 0.4 s of the log's clock for 5 minutes, with noise between: many updates. */
function busyLog(): string {
  const out: string[] = [];
  for (let step = 0; step < 800; step++) {
    for (let k = 0; k < 40; k += 1 + (step % 3)) out.push(ngx(k, step * 0.4));
    out.push(NOISE);
  }
  return `${out.join('\n')}\n`;
}

/** NDJSON text → the findings it describes (new events, then each update applied) and the end event. */
function fold(text: string, maxEvidence = 10): { findings: Map<string, Finding>; end: Record<string, unknown>; seen: Map<string, number> } {
  const findings = new Map<string, Finding>();
  const seen = new Map<string, number>(); // evidence line -> events that carried it
  let end: Record<string, unknown> = {};
  for (const l of text.split('\n')) {
    if (!l) continue;
    const e = JSON.parse(l) as Record<string, unknown> & { event: string; id: string; evidence?: Evidence[] };
    if (!validLine(e)) throw new Error(`not an NDJSON event by the schema: ${JSON.stringify(validLine.errors)}\n${l}`);
    for (const ev of e.evidence ?? []) seen.set(`${ev.file}:${ev.line}`, (seen.get(`${ev.file}:${ev.line}`) ?? 0) + 1);
    if (e.event === 'end') end = e;
    else if (e.event === 'new') findings.set(e.id, e as unknown as Finding);
    else {
      const f = findings.get(e.id)!;
      const { evidence, event: _event, ...rest } = e;
      const all = [...f.evidence, ...(evidence ?? [])];
      Object.assign(f, rest, { evidence: all.length > maxEvidence ? [...all.slice(0, maxEvidence - 1), all[all.length - 1]!] : all });
    }
  }
  return { findings, end, seen };
}

/** Run the CLI with its stdout going through a real pipe to a slow reader (test/helpers/slow-reader.mjs). */
function runSlowly(args: string[]): { code: number; stdout: string } {
  const out = path.join(dir, `slow-${Date.now()}.out`);
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const reader = path.join(ROOT, 'test/helpers/slow-reader.mjs');
  const r = spawnSync(
    'bash',
    ['-c', `set -o pipefail; '${process.execPath}' '${CLI}' ${quoted} | '${process.execPath}' '${reader}' '${out}' 16384 2`],
    {
      env: PLAIN_ENV,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { code: r.status ?? -1, stdout: fs.readFileSync(out, 'utf8') };
}

/** Resolves once process `pid` has read more than `bytes` (Linux /proc/<pid>/io rchar), polled every 20 ms. */
async function readingPast(pid: number, bytes: number): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
    if (Number(/^rchar: (\d+)/m.exec(io)?.[1] ?? 0) > bytes) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`process ${pid} did not read ${bytes} bytes in 30 s`);
}

/** Run the CLI, and send it SIGTERM once it has read 8 MiB (it is inside the big input): its exit code and stdout. */
async function terminatedWhileReading(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: PLAIN_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = new Promise<number | null>((resolve) => child.on('close', resolve));
  await readingPast(child.pid!, 8 << 20);
  child.kill('SIGTERM');
  return { code: await code, out };
}

describe('NDJSON events', () => {
  test('updates carry what changed: folded, the events give the JSON report; no evidence line is sent twice', async () => {
    const [n, j] = await Promise.all([runCliAsync(['--format', 'ndjson', busy]), runCliAsync(['--format', 'json', busy])]);
    expect([n.code, j.code]).toEqual([1, 1]);
    const report = JSON.parse(j.stdout) as { findings: Finding[]; stats: unknown; inputs: unknown };
    const { findings, end, seen } = fold(n.stdout);
    expect(n.stdout.split('\n').filter((l) => l.includes('"event":"update"')).length).toBeGreaterThan(1000);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    expect(end).toMatchObject({ stats: report.stats, inputs: report.inputs, interrupted: false });
    const strip = (f: Finding): unknown => [
      f.id,
      f.cause,
      f.count,
      f.first,
      f.last,
      f.evidenceOmitted,
      f.evidence,
      f.subject,
      f.data,
      f.message,
    ];
    expect([...findings.values()].map(strip).sort()).toEqual(report.findings.map(strip).sort());
  }, 120_000);

  test('the same input gives the same event stream whatever the output speed (batch mode is deterministic)', async () => {
    const fast = await runCliAsync(['--format', 'ndjson', busy]);
    const slow = runSlowly(['--format', 'ndjson', busy]);
    expect(fast.stdout.length).toBeGreaterThan(1 << 20); // more than a pipe holds: the slow reader holds the tool back
    expect(slow.stdout).toBe(fast.stdout);
    expect(slow.code).toBe(fast.code);
  }, 120_000);
});

test('a pipe that delivers to its end (`cat error.log |`) gives the file’s NDJSON stream byte for byte (only the input name differs)', () => {
  const { dir, cleanup } = tempDir('sd-ndjson-pipe-');
  try {
    // Every real capture in one log: Apache pairs (AH01941 after AH01974) whose updates a wall clock would merge.
    const real = path.join(ROOT, 'samples/real');
    const logs = fs
      .readdirSync(real)
      .filter((n) => n.endsWith('.log'))
      .sort();
    fs.writeFileSync(path.join(dir, 'error.log'), logs.map((n) => fs.readFileSync(path.join(real, n), 'utf8')).join(''));
    const sd = (shell: string): string => {
      const r = spawnSync('bash', ['-c', shell], {
        cwd: dir,
        env: { ...PLAIN_ENV, SD: `${process.execPath} ${CLI}` },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).toBe(0);
      return r.stdout;
    };
    const file = sd('$SD --format ndjson --fail-on never error.log');
    const piped = sd('cat error.log | $SD --format ndjson --fail-on never');
    expect(file.split('\n').length).toBeGreaterThan(40);
    expect(piped).toBe(file.replaceAll('"file":"error.log"', '"file":"-"'));
  } finally {
    cleanup();
  }
}, 120_000);

describe('inputs, failures and interruptions', () => {
  test('every input failing: JSON and NDJSON still print a valid document naming each, exit 2', async () => {
    const missing = path.join(dir, 'missing.log');
    const none = path.join(dir, 'none-*.log');
    const [j, n] = await Promise.all([
      runCliAsync(['--format', 'json', missing, none]),
      runCliAsync(['--format', 'ndjson', missing, none]),
    ]);
    expect([j.code, n.code]).toEqual([2, 2]);
    const doc = JSON.parse(j.stdout) as { inputs: { file: string; status: string; code: string }[]; findings: unknown[] };
    expect(validJson(doc)).toBe(true);
    expect(doc.findings).toEqual([]);
    expect(doc.inputs.map((i) => [i.file, i.status, i.code])).toEqual([
      [missing, 'error', 'ENOENT'],
      [none, 'error', 'NOMATCH'],
    ]);
    const { end } = fold(n.stdout);
    expect(end.inputs).toEqual(doc.inputs);
  });

  // Read one after the other (--jobs 1): the input being read is partial, the next one not read.
  test.each([
    ['json', ['--format', 'json', '--jobs', '1']],
    ['human', ['--no-live', '--jobs', '1']],
  ])(
    'SIGTERM while reading (%s): the report says it was interrupted, and which inputs were not read',
    async (format, flags) => {
      const second = path.join(dir, 'second.log');
      fs.writeFileSync(second, `${ngx(5, 5)}\n`);
      const { code, out } = await terminatedWhileReading([...flags, noisy, second]); // inside the 130 MB file
      expect(code).toBe(1); // the finding in the first line was seen
      if (format === 'json') {
        const doc = JSON.parse(out) as { interrupted: boolean; inputs: { file: string; status: string; error?: string; lines: number }[] };
        expect(validJson(doc)).toBe(true);
        expect(doc.interrupted).toBe(true);
        expect(doc.inputs.map((i) => [i.file, i.status, i.error])).toEqual([
          [noisy, 'partial', 'interrupted'],
          [second, 'not-read', 'interrupted'],
        ]);
        expect(doc.inputs[0]!.lines).toBeGreaterThan(0);
      } else {
        expect(out).toMatch(
          /^stapling-doctor: 1 finding \(1 warning\) in \d+ lines of 1 input — interrupted: the inputs were not all read\.$/m,
        );
      }
    },
    60_000,
  );

  test('SIGTERM while --jobs 2 workers read: the input stopped in is partial, none is called read that was not', async () => {
    const second = path.join(dir, 'second-jobs.log');
    fs.writeFileSync(second, `${ngx(5, 5)}\n`);
    const { code, out } = await terminatedWhileReading(['--format', 'json', '--jobs', '2', noisy, second]);
    expect(code).toBe(1);
    const doc = JSON.parse(out) as { interrupted: boolean; inputs: { file: string; status: string; error?: string; lines: number }[] };
    expect(validJson(doc)).toBe(true);
    expect(doc.interrupted).toBe(true);
    expect(doc.inputs.map((i) => i.file)).toEqual([noisy, second]);
    expect([doc.inputs[0]!.status, doc.inputs[0]!.error]).toEqual(['partial', 'interrupted']);
    // The small file was read whole by its worker: applied (read), or left unapplied behind the first (not-read).
    expect([
      ['read', undefined],
      ['not-read', 'interrupted'],
    ]).toContainEqual([doc.inputs[1]!.status, doc.inputs[1]!.error]);
  }, 60_000);

  test('a run that is not interrupted says so too', async () => {
    const j = await runCliAsync(['--format', 'json', busy]);
    expect((JSON.parse(j.stdout) as { interrupted: boolean }).interrupted).toBe(false);
  });
});

describe('the JSON document is written piece by piece, exactly as whole', () => {
  test('generated documents: the pieces concatenate to safeJson(document, 2)', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), json),
        fc.array(json, { maxLength: 5 }),
        fc.dictionary(fc.string(), json),
        (rawHead, items, rawTail) => {
          // Member names as the report has them (not array indexes, which JavaScript orders first).
          const named = (o: Record<string, unknown>): Record<string, unknown> =>
            Object.fromEntries(Object.entries(o).map(([k, v]) => [`m${k}`, v]));
          const key = 'findings';
          const head = named(rawHead);
          const tail = named(rawTail);
          for (const k of Object.keys(tail)) delete head[k];
          const whole = `${safeJson({ ...head, [key]: items, ...tail }, 2)}\n`;
          expect([...jsonDocumentPieces(head, key, items, tail)].join('')).toBe(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('one piece per finding: no piece holds two findings', () => {
    const items = [{ a: 1 }, { b: [1, 2] }, { c: 'x' }];
    const pieces = [...jsonDocumentPieces({ version: 1 }, 'findings', items, { stats: {} })];
    expect(pieces).toHaveLength(items.length + 2);
  });
});

describe('published schemas, validated against real output', () => {
  test.each([
    ['json', OUTPUT_SCHEMA],
    ['ndjson', NDJSON_SCHEMA],
    ['probe', PROBE_SCHEMA],
    ['causes', CAUSES_SCHEMA],
    ['rules', RULES_SCHEMA],
  ])('--schema %s prints the schema', async (name, schema) => {
    const r = await runCliAsync(['--schema', name]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(schema);
  });

  test('--schema alone is the JSON document; an unknown name is a usage error', async () => {
    const [plain, bad] = await Promise.all([runCliAsync(['--schema']), runCliAsync(['--schema', 'yaml'])]);
    expect(JSON.parse(plain.stdout)).toEqual(OUTPUT_SCHEMA);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--schema: no schema "yaml" \(one of: json, ndjson, probe, causes, rules\)/);
  });

  test.each([
    ['--list-causes', CAUSES_SCHEMA, 'causes'],
    ['--list-rules', RULES_SCHEMA, 'rules'],
  ])('%s honours --format json (a document) and --format ndjson (one item a line)', async (flag, schema, key) => {
    const [j, n] = await Promise.all([runCliAsync([flag, '--format', 'json']), runCliAsync([flag, '--format', 'ndjson'])]);
    const doc = JSON.parse(j.stdout) as Record<string, unknown[]>;
    expect(ajv.validate(schema, doc)).toBe(true);
    expect(doc[key]!.length).toBeGreaterThan(10);
    expect(
      n.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual(doc[key]);
  });
});
