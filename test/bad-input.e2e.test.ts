/**
 * Bad inputs through the built CLI (issue 6): binary data, NUL bytes, invalid UTF-8, CR line ends,
 * giant lines, empty files, damaged gzip, missing/unreadable paths and empty globs. Each case runs in
 * the three output formats (json, ndjson, human) and checks the accounting invariant
 * lines = parsed + unparsed + skipped in all of them, per input and in total ({@link runAllFormats}).
 * Fixtures are generated in a temporary directory, named after the case they show.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Report } from '../src/findings/analyzer.js';
import { CLI, PLAIN_ENV, ROOT, tempDir } from './helpers/cli.js';
import { expectCleanStderr, noDacOverridePrefix, runAllFormats, runCliAsync } from './helpers/robust.js';

// Real lines (rule samples and the seeds of issue 2). The certificate path is varied so that each
// line is its own finding and its line number shows in the evidence.
const timeoutLine = (cert: string): string =>
  `2018/09/27 10:38:51 [error] 1043#0: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.int-x3.letsencrypt.org, peer: 2.21.67.65:80, certificate: "${cert}"`;
const VERIFY =
  '2014/05/09 17:38:16 [error] 1580#0: OCSP_basic_verify() failed (SSL: error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error:Verify error:unable to get local issuer certificate) while requesting certificate status, responder: ocsp.startssl.com';
const NOISE =
  '2018/09/14 19:03:05 [error] 2035#2035: *9134 access forbidden by rule, client: 12.34.56.78, server: example.com, request: "GET / HTTP/1.1"';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('sd-bad-input-')));
afterAll(() => cleanup());

/** Write a fixture named after its case; returns its path. */
function fixture(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

/** `file:line` of every evidence line, sorted. */
function evidence(report: Report): string[] {
  return report.findings
    .flatMap((f) => f.evidence.map((e) => `${path.basename(e.file)}:${e.line}`))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Deterministic pseudo-random bytes (xorshift), without LF and CR so that line numbers are known. */
function junk(seed: number, length: number): Buffer {
  let x = seed >>> 0 || 1;
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    let v = (x >>> 0) & 0xff;
    if (v === 0x0a || v === 0x0d) v = 0;
    b[i] = v;
  }
  return b;
}

describe('binary data and NUL bytes', () => {
  test('binary lines are counted, NULs inside matching lines neither crash nor shift line numbers', async () => {
    const file = fixture(
      'binary-with-nul.log',
      Buffer.concat([
        junk(1, 3000),
        Buffer.from('\n'),
        Buffer.from(`${timeoutLine('/etc/ssl/plain.pem')}\n`),
        junk(2, 70),
        Buffer.from([0, 0, 0]),
        Buffer.from('\n'),
        Buffer.from([0, 0, 0x1b, 0]),
        Buffer.from(`${timeoutLine('/etc/ssl/after-nul-prefix.pem')}\n`),
        Buffer.from(timeoutLine('/etc/ssl/nul\u0000inside.pem')),
        Buffer.from('\n'),
      ]),
    );
    const r = await runAllFormats([file]);
    expect(r.code).toBe(1);
    expect(r.report.stats).toMatchObject({ files: 1, lines: 5, skipped: 0 });
    expect(evidence(r.report)).toEqual(['binary-with-nul.log:2', 'binary-with-nul.log:4', 'binary-with-nul.log:5']);
    // A NUL-prefixed line is matched; its nginx prefix is found behind the junk (issue 10: text in front
    // of a server line), so its time and pid are kept and it is not counted as unparsed.
    expect(r.report.stats.unparsed).toBe(0);
    expect(r.report.findings.flatMap((f) => f.evidence).find((e) => e.line === 4)).toMatchObject({ pid: expect.any(Number) });
    const certs = r.report.findings.map((f) => f.subject.certificate);
    expect(certs).toContain('/etc/ssl/nul\u0000inside.pem');
    expect(r.human).toContain('/etc/ssl/nul\\x00inside.pem');
    expect(r.human).not.toContain('\u0000');
    expect(r.stderr).toBe('');
  });
});

describe('invalid UTF-8', () => {
  test('invalid sequences become U+FFFD in values, evidence and output; line numbers stay exact', async () => {
    const bad = (s: string): Buffer => Buffer.from(s, 'latin1');
    const file = fixture(
      'invalid-utf8.log',
      Buffer.concat([
        Buffer.from([0xff, 0xfe, 0xfd, 0x0a]),
        // 0xff (never valid), 0xc3 0x28 (lead byte without continuation), 0xed 0xa0 0x80 (surrogate), 0xc0 0xaf (overlong)
        bad(timeoutLine('/etc/ssl/ab\xffcd\xc3(e\xed\xa0\x80f\xc0\xaf.pem')),
        Buffer.from('\n'),
        Buffer.from(`${VERIFY}\n`),
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(`${timeoutLine('/etc/ssl/after-bom.pem')}\n`),
      ]),
    );
    const r = await runAllFormats([file]);
    expect(r.report.stats).toMatchObject({ lines: 4, skipped: 0 });
    expect(evidence(r.report)).toEqual(['invalid-utf8.log:2', 'invalid-utf8.log:3', 'invalid-utf8.log:4']);
    const cert = r.report.findings.map((f) => f.subject.certificate).find((c) => c?.startsWith('/etc/ssl/ab'));
    expect(cert).toBe('/etc/ssl/ab\uFFFDcd\uFFFD(e\uFFFD\uFFFD\uFFFDf\uFFFD\uFFFD.pem');
    expect(r.human).toContain('/etc/ssl/ab\uFFFDcd\uFFFD(e');
  });
});

describe('line ends', () => {
  test('LF, CRLF and lone CR all end a line; no CR reaches the output; the last line may lack an end', async () => {
    const file = fixture(
      'crlf-and-lone-cr.log',
      `${timeoutLine('/a.pem')}\r\n${timeoutLine('/b.pem')}\r${NOISE}\n${timeoutLine('/c.pem')}\r\n\r\n${timeoutLine('/d.pem')}\r`,
    );
    const r = await runAllFormats([file]);
    expect(r.report.stats).toMatchObject({ lines: 6 });
    expect(evidence(r.report)).toEqual([
      'crlf-and-lone-cr.log:1',
      'crlf-and-lone-cr.log:2',
      'crlf-and-lone-cr.log:4',
      'crlf-and-lone-cr.log:6',
    ]);
    for (const f of r.report.findings) {
      expect(f.subject.certificate).toMatch(/^\/[a-d]\.pem$/);
      for (const e of f.evidence) expect(e.text).not.toMatch(/[\r\n]/);
    }
    expect(r.human).not.toContain('\r');
  });
});

describe('giant lines', () => {
  const MB10 = 10 * 1024 * 1024;

  test('a 10 MB line is skipped with its number, also without a final newline; later lines keep exact numbers', async () => {
    // The giant lines contain a rule trigger: they would match if they were examined.
    const giant = `OCSP responder timed out (110: Connection timed out) while requesting certificate status${'x'.repeat(MB10)}`;
    const file = fixture('giant-10mb-lines.log', `${timeoutLine('/first.pem')}\n${giant}\n${timeoutLine('/third.pem')}\n${giant}`);
    const r = await runAllFormats([file]);
    expect(r.report.stats).toMatchObject({ lines: 4, skipped: 2 });
    expect(r.report.inputs[0]!.skippedLines).toEqual([2, 4]);
    expect(evidence(r.report)).toEqual(['giant-10mb-lines.log:1', 'giant-10mb-lines.log:3']);
    expect(r.human).toContain('skipped 2 lines longer than the limit: line 2, 4');
    expect(r.stderr).toBe('');
  });

  test('memory stays bounded: a 192 MiB line streamed through stdin is not held', async () => {
    const child = spawn(process.execPath, [CLI, '--format', 'ndjson', '-'], { cwd: ROOT, env: PLAIN_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const write = (b: Buffer | string): Promise<void> =>
      new Promise((resolve, reject) => child.stdin.write(b, (e) => (e ? reject(e) : resolve())));
    const peakRss = (): number => {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return Number(m![1]) * 1024;
    };
    const until = async (cond: () => boolean): Promise<void> => {
      for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
      if (!cond()) throw new Error(`timed out; stdout so far:\n${out}\n${err}`);
    };
    try {
      await write(`${timeoutLine('/before.pem')}\n`);
      await until(() => out.includes('"event":"new"'));
      const base = peakRss();
      const piece = Buffer.alloc(1 << 20, 'y');
      for (let i = 0; i < 192; i++) await write(piece);
      await write(`\n${timeoutLine('/after.pem')}\n`);
      await until(() => out.includes('/after.pem'));
      const grown = peakRss() - base;
      child.stdin.end();
      expect(await exited).toBe(1);
      const end = JSON.parse(out.trim().split('\n').pop()!) as {
        stats: { lines: number; skipped: number };
        inputs: { skippedLines: number[] }[];
      };
      expect(end.stats).toMatchObject({ lines: 3, skipped: 1 });
      expect(end.inputs[0]!.skippedLines).toEqual([2]);
      expect(out).toMatch(/"line":3,/);
      // Holding the line would take at least 192 MiB more. The scanner keeps at most a chunk plus the
      // line limit; what grows is garbage (read buffers) that the GC has not collected yet.
      expect(grown).toBeLessThan(96 * 1024 * 1024);
      expectCleanStderr(err);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('empty inputs', () => {
  test('an empty file, an empty .gz and a file of bare line ends: no error, no finding, exact counts', async () => {
    const empty = fixture('empty.log', '');
    const emptyGz = fixture('empty.log.gz', zlib.gzipSync(''));
    const blank = fixture('only-line-ends.log', '\n\r\n\r');
    const r = await runAllFormats([empty, emptyGz, blank]);
    expect(r.code).toBe(0);
    expect(r.report.inputs.map((i) => [path.basename(i.file), i.lines, i.error ?? null])).toEqual([
      ['empty.log', 0, null],
      ['empty.log.gz', 0, null],
      ['only-line-ends.log', 3, null],
    ]);
    expect(r.report.findings).toEqual([]);
    expect(r.human).toContain('no stapling problems found in 3 lines of 3 inputs');
    expect(r.stderr).toBe('');
  });
});

describe('damaged gzip', () => {
  // Distinct certificate paths keep the data from compressing to almost nothing.
  const lines = Array.from({ length: 600 }, (_, i) =>
    i % 3 === 2 ? NOISE : timeoutLine(`/etc/ssl/site-${i}-${(i * 7919).toString(36)}/fullchain.pem`),
  );
  const text = `${lines.join('\n')}\n`;
  const gz = zlib.gzipSync(text);

  test('truncated: names the file and the line reached, keeps every decodable line, goes on with the next file, exit 2', async () => {
    const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
    const file = fixture('truncated-rotation.log.1.gz', cut);
    const other = fixture('after-truncated.log', `${VERIFY}\n`);
    // Oracle independent of the CLI's reader: everything zlib can decode from the prefix.
    const decodable = zlib.gunzipSync(cut, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
    const complete = decodable.split('\n').length - 1;
    const partial = decodable.endsWith('\n') ? 0 : 1;
    expect(complete).toBeGreaterThan(100);

    const r = await runAllFormats([file, other]);
    expect(r.code).toBe(2);
    const input = r.report.inputs.find((i) => i.file === file)!;
    const reached = complete + partial;
    const where = partial ? `in line ${reached}` : `after line ${complete}`;
    expect(input.error).toBe(`gzip data is truncated or corrupt (unexpected end of file) ${where}`);
    expect(input.lines).toBe(reached);
    expect(r.stderr).toBe(`stapling-doctor: ${file}: gzip data is truncated or corrupt (unexpected end of file) ${where}\n`);
    // Every complete matching line read before the damage is a finding (the fragment may be one too).
    const expected = decodable
      .split('\n')
      .slice(0, complete)
      .filter((l) => l.includes('timed out')).length;
    const fromFile = r.report.findings.filter((f) => f.evidence.some((e) => e.file === file)).length;
    expect(fromFile).toBeGreaterThanOrEqual(expected);
    expect(fromFile).toBeLessThanOrEqual(expected + 1);
    expect(evidence(r.report)).toContain('after-truncated.log:1');
    expect(r.human).toContain(`${file}: gzip data is truncated or corrupt`);
  });

  test('corrupt in the middle: reported with the line reached, the lines before it kept, the next file read, exit 2', async () => {
    const bad = Buffer.from(gz);
    bad.fill(0xa5, Math.floor(bad.length / 2), Math.floor(bad.length / 2) + 64);
    const file = fixture('corrupt-middle.log.2.gz', bad);
    const other = fixture('after-corrupt.log', `${VERIFY}\n`);
    const r = await runAllFormats([file, other]);
    expect(r.code).toBe(2);
    const input = r.report.inputs.find((i) => i.file === file)!;
    expect(input.error).toMatch(/^gzip data is truncated or corrupt \([a-z ]+\) (?:in|after) line \d+$/);
    const n = Number(/line (\d+)$/.exec(input.error!)![1]);
    expect(input.lines).toBe(n);
    // Half of the compressed data holds about half of the 600 lines; at most 64 KiB of output (GUNZIP_CHUNK) before the damage may be lost.
    expect(n).toBeGreaterThan(150);
    expect(evidence(r.report)).toEqual(expect.arrayContaining(['corrupt-middle.log.2.gz:1', 'after-corrupt.log:1']));
    expect(r.stderr).toMatch(
      new RegExp(`^stapling-doctor: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: gzip data is truncated or corrupt`),
    );
  });

  test('a deflate block damaged far into a large file: every line before the inflate step that met it is kept', async () => {
    // Over a megabyte of output, and bytes that make zlib fail in the middle ("invalid block type"),
    // not only at the trailer's check: a file is inflated in 256 KiB steps and read again in 64 KiB
    // steps up to the damage, so it must keep what a gunzip in 64 KiB steps keeps.
    const many = Array.from({ length: 8000 }, (_, i) => timeoutLine(`/etc/ssl/site-${i}-${(i * 7919).toString(36)}/fullchain.pem`));
    const big = zlib.gzipSync(`${many.join('\n')}\n`);
    const bad = Buffer.from(big);
    bad.fill(0xff, Math.floor(bad.length / 2), Math.floor(bad.length / 2) + 64);
    // Oracle: Node's own gunzip in 64 KiB steps, counting the lines it delivers before its error.
    const { kept, error } = await new Promise<{ kept: string; error: Error | null }>((resolve) => {
      const parts: Buffer[] = [];
      const g = zlib.createGunzip({ chunkSize: 64 * 1024 });
      g.on('data', (c: Buffer) => parts.push(c));
      g.on('error', (err) => resolve({ kept: Buffer.concat(parts).toString('utf8'), error: err }));
      g.on('end', () => resolve({ kept: Buffer.concat(parts).toString('utf8'), error: null }));
      g.end(bad);
    });
    expect(error?.message).toBe('invalid block type');
    const before = kept.split('\n').length - 1;
    expect(before).toBeGreaterThan(1000);
    const file = fixture('damaged-block.log.3.gz', bad);
    const r = await runCliAsync(['--format', 'json', file]);
    const input = (JSON.parse(r.stdout) as Report).inputs[0]!;
    expect(input.error).toMatch(/^gzip data is truncated or corrupt \(invalid block type\) (?:in|after) line \d+$/);
    expect(input.lines).toBeGreaterThanOrEqual(before);
  });

  test('gzip on stdin that is cut short is reported the same way', async () => {
    const r = await runAllFormats(['-'], { input: gz.subarray(0, Math.floor(gz.length / 3)) });
    expect(r.code).toBe(2);
    expect(r.report.inputs[0]!.error).toMatch(/^gzip data is truncated or corrupt \(unexpected end of file\) (?:in|after) line \d+$/);
    expect(r.report.inputs[0]!.code).toBe('EDECOMPRESS');
    expect(r.stderr).toMatch(/^stapling-doctor: -: gzip data is truncated/);
  });
});

describe('paths that give no input', () => {
  test('missing file, a path through a file, an empty glob: one line each naming the path; the rest is scanned; exit 2', async () => {
    const present = fixture('present.log', `${VERIFY}\n`);
    const missing = path.join(dir, 'missing.log');
    const throughFile = path.join(present, 'error.log');
    const glob = path.join(dir, 'nothing-here-*.log');
    const r = await runAllFormats([missing, present, throughFile, glob]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `stapling-doctor: ${missing}: no such file or directory\n` +
        `stapling-doctor: ${throughFile}: not a directory (a part of the path is a file)\n` +
        `stapling-doctor: ${glob}: the pattern matches no file\n`,
    );
    // Every input is listed with its status (issue 12): the one read, then each argument that gave none.
    expect(r.report.inputs.map((i) => [i.file, i.status, i.code ?? null, i.error ?? null])).toEqual([
      [present, 'read', null, null],
      [missing, 'error', 'ENOENT', 'no such file or directory'],
      [throughFile, 'error', 'ENOTDIR', 'not a directory (a part of the path is a file)'],
      [glob, 'error', 'NOMATCH', 'the pattern matches no file'],
    ]);
    expect(evidence(r.report)).toEqual(['present.log:1']);
  });

  test('only bad paths: exit 2 after the report, nothing on stdout', async () => {
    const r = await runCliAsync([path.join(dir, 'nothing-*.gz')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`stapling-doctor: ${path.join(dir, 'nothing-*.gz')}: the pattern matches no file\n`);
  });

  // Tests run as root (CI too), and root reads any file whatever its mode. The CLI is therefore run
  // without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH (setpriv), which makes file modes apply to root.
  test('unreadable file, unreadable directory, unreadable subdirectory: named, the rest scanned, exit 2', async () => {
    const prefix = noDacOverridePrefix();
    const secret = fixture('perm/secret-error.log', `${VERIFY}\n`);
    const readable = fixture('perm/readable-error.log', `${timeoutLine('/readable.pem')}\n`);
    const lockedDir = path.join(dir, 'perm/locked-dir');
    fixture('perm/locked-dir/error.log', `${VERIFY}\n`);
    const tree = path.join(dir, 'perm/tree');
    fixture('perm/tree/open/error.log', `${timeoutLine('/tree-open.pem')}\n`);
    fixture('perm/tree/closed/error.log', `${VERIFY}\n`);
    fs.chmodSync(secret, 0o000);
    fs.chmodSync(lockedDir, 0o000);
    fs.chmodSync(path.join(tree, 'closed'), 0o000);
    try {
      const r = await runAllFormats([secret, readable, lockedDir, tree], { prefix });
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n').filter(Boolean)).toEqual([
        // problems found while expanding the arguments come first, read errors when the file is read
        `stapling-doctor: ${lockedDir}: permission denied`,
        `stapling-doctor: ${path.join(tree, 'closed')}: permission denied (the logs under it were not read)`,
        `stapling-doctor: ${secret}: permission denied`,
      ]);
      expect(evidence(r.report)).toEqual(['error.log:1', 'readable-error.log:1']);
      expect(r.report.findings.map((f) => f.subject.certificate).sort()).toEqual(['/readable.pem', '/tree-open.pem']);
      const s = r.report.inputs.find((i) => i.file === secret)!;
      // The same code whichever path met the error (sweep 60, M1: the file's open dropped it).
      expect(s).toMatchObject({ lines: 0, error: 'permission denied', status: 'error', code: 'EACCES' });
      expect(r.report.inputs.find((i) => i.file === lockedDir)).toMatchObject({ status: 'error', code: 'EACCES' });
    } finally {
      fs.chmodSync(secret, 0o644);
      fs.chmodSync(lockedDir, 0o755);
      fs.chmodSync(path.join(tree, 'closed'), 0o755);
    }
  });
});
