/**
 * The progress line: on stderr while a scan runs on a terminal (a real pseudo-terminal from util-linux
 * `script`), never when stderr is not a terminal, never with `--no-progress`; cleared before the report.
 * Its text (inputs, bytes, rate, time left for files) is checked on a fake clock.
 */
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { SingleBar } from 'cli-progress';
import { createProgress, PROGRESS_DELAY_MS, progressText } from '../src/run/progress.js';
import { CLI, PLAIN_ENV, ROOT, tempDir } from './helpers/cli.js';
import { whichOnPath } from './helpers/prerequisites.js';
import path from 'node:path';
import fs from 'node:fs';

const LOG = path.join(ROOT, 'samples/real/nginx-revoked.log');
/** A shell pipeline whose stdin stalls for 1.5 s after its data, as a slow producer does (no read after the stall). */
const stalled = (args: string) => `(cat '${LOG}'; sleep 1.5) | '${process.execPath}' '${CLI}' --no-live --format json ${args} > "$OUT"`;

const haveScript = whichOnPath('script', process.env.PATH) !== null;
if (!haveScript) process.stderr.write('⚠ SKIPPED: the pseudo-terminal progress tests need `script` (Debian: apt-get install bsdutils)\n');

describe('on a real terminal and off it', () => {
  const tmp = tempDir('sd-progress-');
  afterAll(() => tmp.cleanup());
  const out = path.join(tmp.dir, 'report.json');

  /** Run the pipeline with stderr on a pseudo-terminal (script -qfec); @returns what the terminal received. */
  const onPty = (args: string): string => {
    const r = spawnSync('script', ['-qfec', `sh -c '${stalled(args).replace(/'/g, `'\\''`)}'`, '/dev/null'], {
      env: { ...PLAIN_ENV, OUT: out },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1); // the revoked certificate: the exit code of the contract, through the pty
    return r.stdout;
  };

  (haveScript ? test : test.skip)('stderr a terminal: a progress line while reading (input, bytes, rate), cleared at the end', () => {
    const tty = onPty('');
    expect(tty).toMatch(/scanning 1\/1 - · \d+ B read · \d+(\.\d)? [KM]?B\/s/);
    // the line is taken away (line cleared) after the last redraw, before anything else is written
    expect(tty.slice(tty.lastIndexOf('scanning'))).toMatch(/\u001b\[2K$/);
    expect((JSON.parse(fs.readFileSync(out, 'utf8')) as { findings: unknown[] }).findings).toHaveLength(1);
  });

  (haveScript ? test : test.skip)('--no-progress: nothing on the terminal', () => {
    expect(onPty('--no-progress')).not.toContain('scanning');
  });

  test('stderr not a terminal (a pipe): never a progress line', () => {
    const r = spawnSync('sh', ['-c', stalled('')], { env: { ...PLAIN_ENV, OUT: out }, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
  });
});

describe('the progress text', () => {
  test('files: done of total, percentage, rate and time left', () => {
    const t = progressText({ input: 3, inputs: 41, name: 'error.log.2.gz', bytes: 1.2e9, totalBytes: 3e9, elapsedMs: 6000 });
    expect(t).toBe('scanning 3/41 error.log.2.gz · 1.2 GB of 3.0 GB (40 %) · 200 MB/s · 9 s left');
  });
  test('stdin: bytes and rate, no total and no time left', () => {
    expect(progressText({ input: 1, inputs: 1, name: '-', bytes: 5e6, totalBytes: null, elapsedMs: 2000 })).toBe(
      'scanning 1/1 - · 5.0 MB read · 2.5 MB/s',
    );
  });

  test('drawn through cli-progress on a terminal stream only after the delay, with the file name made safe', () => {
    let now = 0;
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let written = '';
    tty.on('data', (d: Buffer) => (written += d.toString()));
    const p = createProgress(SingleBar, tty, ['a.log', 'b\u001b]0;x\u0007.log'], [1000, 3000], () => now);
    try {
      p.startInput(0, 'a.log');
      p.read(1000);
      p.startInput(1, 'b\u001b]0;x\u0007.log');
      expect(written).toBe(''); // a scan shorter than the delay shows nothing
      now = PROGRESS_DELAY_MS + 700;
      p.read(1000);
      expect(written).toContain('scanning 2/2 b\\e]0;x\\x07.log · 2.0 KB of 4.0 KB (50 %) · 2.0 KB/s · 1 s left');
    } finally {
      p.stop();
    }
    expect(written.endsWith('\u001b[2K')).toBe(true);
    const after = written.length;
    p.read(10);
    expect(written.length).toBe(after); // stopped for good
  });
});
