/**
 * Reading a file with reads ahead (`src/input/read.ts`, `fileChunks`, READS_AHEAD): every byte is
 * handed on once and in order whatever the file's size against the chunk size, a short read (the end of
 * the file for now: it grows while it is read) goes on from where it ended without a gap, and a read
 * that fails is reported after the chunks before it were handed on.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHUNK_SIZE, READS_AHEAD, readInput } from '../src/input/read.js';
import { ROOT } from './helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sd-file-reads-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `size` bytes of log-like text in which every position differs from its neighbours' chunks (numbered lines). */
function content(size: number): Buffer {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < size; i++) {
    const l = `line ${i} of a file read in chunks\n`;
    lines.push(l);
    n += l.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

/** Everything readInput hands on for the file, copied as it comes (the reader reuses its buffers). */
async function readAll(file: string): Promise<Buffer> {
  const got: Buffer[] = [];
  await readInput(file, (chunk) => void got.push(Buffer.from(chunk)));
  return Buffer.concat(got);
}

/** `FileHandle#read` in the form the reader calls it: into `buf` at `offset`, `length` bytes from `position`. */
type Read = (this: FileHandle, buf: Buffer, offset: number, length: number, position: number | null) => Promise<{ bytesRead: number }>;
/** Replace `FileHandle#read` for the duration of `fn` (every file handle shares the prototype; `file` is opened to reach it). */
async function withReads(file: string, wrap: (original: Read) => Read, fn: () => Promise<void>): Promise<void> {
  const probe = await open(file);
  const proto = Object.getPrototypeOf(probe) as { read: unknown };
  await probe.close();
  const original = proto.read as Read;
  proto.read = wrap(original);
  try {
    await fn();
  } finally {
    proto.read = original;
  }
}

test(`while the first chunk is handed on, the next ${READS_AHEAD} reads are already issued`, async () => {
  const file = path.join(dir, 'ahead.log');
  fs.writeFileSync(file, content(6 * CHUNK_SIZE));
  const issued: number[] = [];
  let atFirstChunk: number[] | null = null;
  await withReads(
    file,
    (original) =>
      function (this: FileHandle, buf, offset, length, position) {
        issued.push(position ?? -1);
        return original.call(this, buf, offset, length, position);
      },
    async () => {
      await readInput(file, () => void (atFirstChunk ??= [...issued]));
    },
  );
  expect(READS_AHEAD).toBeGreaterThanOrEqual(2);
  expect(atFirstChunk).toEqual(Array.from({ length: READS_AHEAD + 1 }, (_, i) => i * CHUNK_SIZE));
});

test.each([0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 3.5 * CHUNK_SIZE, 4 * CHUNK_SIZE + 17])(
  'a file of %i bytes is handed on whole, once, in order',
  async (size) => {
    const file = path.join(dir, `size-${size}.log`);
    const want = content(size);
    fs.writeFileSync(file, want);
    expect((await readAll(file)).equals(want)).toBe(true);
  },
);

test('a short read (the end of the file for now) goes on from where it ended: no gap, nothing twice', async () => {
  const file = path.join(dir, 'short.log');
  const want = content(4 * CHUNK_SIZE + 100);
  fs.writeFileSync(file, want);
  // The first read at 1 MiB stops half way, as at the end of a file that then grows; the reads issued after
  // it (at 2 and 3 MiB) come back whole, and must not be handed on after the missing half.
  let cut = false;
  const half = CHUNK_SIZE / 2;
  await withReads(
    file,
    (original) =>
      function (this: FileHandle, buf, offset, length, position) {
        const cutHere = !cut && position === CHUNK_SIZE;
        if (cutHere) cut = true;
        return original.call(this, buf, offset, cutHere ? half : length, position);
      },
    async () => {
      const got = await readAll(file);
      expect(cut).toBe(true);
      expect(got.length).toBe(want.length);
      expect(got.equals(want)).toBe(true);
    },
  );
});

test('a read that fails is reported after every chunk before it was handed on, and never crashes the process before', () => {
  // In a process of its own (built module): the failed read waits its turn while two chunks are handed on,
  // and a rejection nobody has handled yet would end Node there (--unhandled-rejections=throw, the default).
  const file = path.join(dir, 'eio.log');
  fs.writeFileSync(file, content(5 * CHUNK_SIZE));
  const script = `
    import { open } from 'node:fs/promises';
    const { readInput, CHUNK_SIZE } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/input/read.js')).href)});
    const file = ${JSON.stringify(file)};
    const probe = await open(file);
    const proto = Object.getPrototypeOf(probe);
    await probe.close();
    const original = proto.read;
    proto.read = async function (...args) {
      if (args[3] === 3 * CHUNK_SIZE) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
      return original.apply(this, args);
    };
    let bytes = 0;
    await readInput(file, (chunk) => { bytes += chunk.length; }).then(
      () => console.log('no error'),
      (err) => console.log(err.code, bytes / CHUNK_SIZE),
    );`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe('EIO 3');
});
