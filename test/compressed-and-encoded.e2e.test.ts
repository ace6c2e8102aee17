/**
 * No input silently skipped (issue 16, item 5), through the built CLI: rotated logs compressed with
 * bzip2, xz or zstd are decompressed (told by their magic bytes, whatever the file name), several
 * streams in one file included; damaged ones are reported with the lines before the damage kept; a
 * format that is recognised but not read (lz4, zip) is refused with exit 2 and the command to use, never
 * scanned as binary and reported clean, and so is compressed data inside compressed data (a `.gz` of a `.gz`); valid gzip followed by garbage keeps every line and warns (as
 * zcat does); UTF-16 with a byte-order mark is transcoded; a line cut by SIGINT between two chunks is
 * neither counted nor matched. Fixtures: test/fixtures/compressed/ (made by the real tools, see its README).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Report } from '../src/findings/analyzer.js';
import { ROOT, startCli, tempDir, waitForOutput } from './helpers/cli.js';
import { expectCleanStderr, runCliAsync } from './helpers/robust.js';

const FIXTURES = path.join(ROOT, 'test/fixtures/compressed');
const fixture = (name: string): string => path.join(FIXTURES, name);
const PLAIN = fs.readFileSync(fixture('error.log'));

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('sd-compressed-')));
afterAll(() => cleanup());

async function json(args: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runCliAsync(['--format', 'json', '--fail-on', 'never', ...args]);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

/** What the plain log gives: the reference every decoded copy must match. */
let reference: Report;
beforeAll(async () => {
  reference = (await json([fixture('error.log')])).report;
  expect(reference.stats.lines).toBe(300);
  expect(reference.findings.length).toBe(3);
});

const findingsOf = (r: Report) => r.findings.map((f) => ({ id: f.id, count: f.count, lines: f.evidence.map((e) => e.line) }));

describe('compressed rotated logs', () => {
  test.each(['error.log.gz', 'error.log.bz2', 'error.log.xz', 'error.log.zst'])(
    '%s: the same findings, lines and statistics as the plain log',
    async (name) => {
      const r = await json([fixture(name)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.report.stats).toEqual(reference.stats);
      expect(findingsOf(r.report)).toEqual(findingsOf(reference));
    },
  );

  test.each(['two-members.log.gz', 'two-streams.log.bz2', 'two-streams.log.xz', 'two-streams.log.zst'])(
    '%s (two streams in one file): every line of both',
    async (name) => {
      const r = await json([fixture(name)]);
      expect(r.stderr).toBe('');
      expect(r.report.stats.lines).toBe(600);
      expect(r.report.findings.reduce((n, f) => n + f.count, 0)).toBe(60);
    },
  );

  test('told by magic bytes, not by name: a bzip2 file named error.log.1 is decompressed', async () => {
    const f = path.join(dir, 'error.log.1');
    fs.copyFileSync(fixture('error.log.bz2'), f);
    expect((await json([f])).report.stats.lines).toBe(300);
  });

  test('a directory of rotations in every format: all read, oldest first', async () => {
    const d = path.join(dir, 'rotations');
    fs.mkdirSync(d);
    const names = ['error.log', 'error.log.1', 'error.log.2.gz', 'error.log.3.bz2', 'error.log.4.xz', 'error.log.5.zst'];
    const sources = ['error.log', 'error.log', 'error.log.gz', 'error.log.bz2', 'error.log.xz', 'error.log.zst'];
    names.forEach((n, i) => fs.copyFileSync(fixture(sources[i]!), path.join(d, n)));
    const r = await json([d]);
    expect(r.stderr).toBe('');
    expect(r.report.inputs.map((i) => path.basename(i.file))).toEqual([...names].reverse());
    expect(r.report.stats.lines).toBe(6 * 300);
  });

  test.each([
    ['bzip2', 'error.log.bz2'],
    ['xz', 'error.log.xz'],
    ['zstd', 'error.log.zst'],
  ])('truncated %s: reported as truncated or corrupt, exit 2, the next file still read', async (format, name) => {
    const whole = fs.readFileSync(fixture(name));
    const f = path.join(dir, `truncated-${name}`);
    fs.writeFileSync(f, whole.subarray(0, Math.floor(whole.length * 0.7)));
    const r = await json([f, fixture('error.log')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^stapling-doctor: ${f}: ${format} data is truncated or corrupt \\(.+\\)( (in|after) line \\d+)?\\n$`),
    );
    expect(r.report.inputs[1]!.lines).toBe(300);
  });

  test('lz4 (recognised, not read): exit 2 with the command to use; never scanned as binary and reported clean', async () => {
    const r = await runCliAsync([fixture('error.log.lz4')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `stapling-doctor: ${fixture('error.log.lz4')}: lz4-compressed data, which is not read: decompress it first (lz4 -dc FILE | stapling-doctor -)\n`,
    );
    expect(r.stdout).toContain('lz4-compressed data, which is not read'); // next to the summary, in red
  });

  test('a zip archive (sweep 60, M3): refused like lz4, exit 2, never scanned as binary and reported clean', async () => {
    const r = await json([fixture('error.log.zip'), fixture('error.log')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `stapling-doctor: ${fixture('error.log.zip')}: zip-compressed data, which is not read: decompress it first (unzip -p FILE | stapling-doctor -)\n`,
    );
    expect(r.report.inputs.map((i) => [i.status, i.code ?? null, i.lines])).toEqual([
      ['error', 'EUNSUPPORTED', 0],
      ['read', null, 300],
    ]);
  });

  test.each([
    ['a gzip of a gzip', 'error.log.gz.gz', (b: Buffer) => zlib.gzipSync(b), 'error.log.gz', 'gzip', 'gzip -dc FILE | gzip -dc'],
    ['a gzip of a zip', 'error.log.zip.gz', (b: Buffer) => zlib.gzipSync(b), 'error.log.zip', 'zip', 'gzip -dc FILE | funzip'],
    ['an xz of a gzip', 'error.log.gz.xz', (b: Buffer) => b, 'error.log.gz', 'gzip', 'xz -dc FILE | gzip -dc'],
  ])(
    '%s (sweep 60, M3): compressed data inside compressed data is refused with the pipeline to use, exit 2',
    async (_, name, wrap, inner, innerName, pipeline) => {
      const f = path.join(dir, name);
      const data = fs.readFileSync(fixture(inner));
      if (name.endsWith('.xz')) fs.writeFileSync(f, execFileSync('xz', ['-c'], { input: data }));
      else fs.writeFileSync(f, wrap(data));
      const outer = name.endsWith('.xz') ? 'xz' : 'gzip';
      const r = await json([f]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `stapling-doctor: ${f}: ${innerName}-compressed data inside ${outer} data, which is not read: decompress it first (${pipeline} | stapling-doctor -)\n`,
      );
      expect(r.report.inputs[0]).toMatchObject({ status: 'error', code: 'EUNSUPPORTED', lines: 0 });
    },
  );

  test('a zstd frame that asks for a 1 GiB window: refused before the decoder allocates it', async () => {
    // Frame header (RFC 8878): magic, descriptor 0x00 (window descriptor present), window exponent 30 - 10.
    const f = path.join(dir, 'huge-window.log.zst');
    fs.writeFileSync(f, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (30 - 10) << 3, 0x01, 0x00, 0x00]));
    const r = await runCliAsync([f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /zstd data is truncated or corrupt \(a frame needs a 1024 MiB window, more than the 32 MiB read here; decompress it first: zstd -dc/,
    );
  });
});

describe('gzip followed by garbage', () => {
  test('every line before the garbage is kept, a warning names it, exit 2 (zcat: "trailing garbage ignored", exit 2)', async () => {
    const f = path.join(dir, 'garbage-after.log.gz');
    fs.writeFileSync(f, Buffer.concat([fs.readFileSync(fixture('error.log.gz')), Buffer.from('this is not gzip\n')]));
    const r = await json([f]);
    expect(r.code).toBe(2);
    expect(r.report.stats.lines).toBe(300);
    expect(findingsOf(r.report)).toEqual(findingsOf(reference));
    expect(r.stderr).toBe(
      `stapling-doctor: ${f}: decompression OK, trailing garbage ignored (17 bytes after the gzip data, as zcat reports it) after line 300\n`,
    );
  });

  test('zero padding after the data is not garbage', async () => {
    const f = path.join(dir, 'padded.log.gz');
    fs.writeFileSync(f, Buffer.concat([fs.readFileSync(fixture('error.log.gz')), Buffer.alloc(4096)]));
    const r = await json([f]);
    expect(r.stderr).toBe('');
    expect(r.report.stats.lines).toBe(300);
  });
});

describe('text encodings', () => {
  test.each([
    ['UTF-16LE', (t: Buffer) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t.toString('utf8'), 'utf16le')])],
    ['UTF-16BE', (t: Buffer) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t.toString('utf8'), 'utf16le').swap16()])],
    ['UTF-8 with a BOM', (t: Buffer) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), t])],
  ])('%s with a byte-order mark: the same findings and statistics as UTF-8', async (name, encode) => {
    const f = path.join(dir, `${name.replace(/\W+/g, '-')}.log`);
    fs.writeFileSync(f, encode(PLAIN));
    const r = await json([f]);
    expect(r.stderr).toBe('');
    expect(r.report.stats).toEqual({ ...reference.stats });
    expect(findingsOf(r.report)).toEqual(findingsOf(reference));
  });

  test('UTF-16 gzip-compressed: decompressed, then transcoded', async () => {
    const f = path.join(dir, 'utf16.log.gz');
    fs.writeFileSync(f, zlib.gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(PLAIN.toString('utf8'), 'utf16le')])));
    expect((await json([f])).report.stats).toEqual(reference.stats);
  });
});

describe('a line cut by SIGINT', () => {
  test('the part of a line read before Ctrl-C is neither counted nor matched', async () => {
    const child = startCli(['--format', 'ndjson', '-']);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      const lines = PLAIN.toString('utf8').split('\n');
      const timeout = lines.find((l) => l.includes('timed out'))!;
      // A whole finding line, then the start of another one: it would match if it were taken for a line.
      const first = waitForOutput(child, (out) => out.includes('"event":"new"'));
      child.stdin.write(`${timeout}\n`);
      await first;
      child.stdin.write(timeout.replace('site1', 'site-cut').slice(0, 120));
      await new Promise((r) => setTimeout(r, 300));
      const end = waitForOutput(child, (out) => out.includes('"event":"end"'));
      child.kill('SIGINT');
      await end;
      expect(await exited).toBe(1);
      const events = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; stats?: { lines: number; matched: number } });
      expect(events.filter((e) => e.event === 'new')).toHaveLength(1);
      expect(events.at(-1)!.stats).toMatchObject({ lines: 1, matched: 1 });
      expectCleanStderr(stderr);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
