/**
 * Reading inputs as byte chunks, never whole into memory. Gzip (rotated `.gz` logs, or gzip piped to
 * stdin) is recognised by its magic bytes `1f 8b` and decompressed with Node's zlib as a stream
 * (multi-member files included).
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** Bytes read per chunk from a file (4 MiB: fewer thread-pool round trips; two buffers are in use). */
export const CHUNK_SIZE = 4 << 20;

// Read buffers are reused across inputs: a fresh 1 MiB buffer per file would only be released by a
// major GC, so a run over many files would grow by ~2 MiB per file. Concurrent readers take their own.
const pool: Buffer[] = [];
function acquire(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafe(CHUNK_SIZE);
}
function release(...bufs: Buffer[]): void {
  for (const b of bufs) if (pool.length < 4) pool.push(b);
}

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

async function* gunzip(first: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  async function* all(): AsyncGenerator<Buffer> {
    yield first;
    yield* rest;
  }
  const z = Readable.from(all(), { objectMode: false }).pipe(zlib.createGunzip({ chunkSize: 256 * 1024 }));
  for await (const c of z) yield c as Buffer;
}

async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const fh = await fs.promises.open(path, 'r');
  const buf = acquire();
  let spare: Buffer | null = null;
  let cur = buf;
  try {
    const { bytesRead } = await fh.read(buf, 0, CHUNK_SIZE, null);
    if (bytesRead === 0) return;
    if (isGzip(buf.subarray(0, bytesRead))) {
      const first = Buffer.from(buf.subarray(0, bytesRead));
      async function* rest(): AsyncGenerator<Buffer> {
        for (;;) {
          const b = Buffer.allocUnsafe(CHUNK_SIZE);
          const r = await fh.read(b, 0, CHUNK_SIZE, null);
          if (r.bytesRead === 0) return;
          yield b.subarray(0, r.bytesRead);
        }
      }
      yield* gunzip(first, rest());
      return;
    }
    // Two buffers: the next read runs (in libuv's thread pool) while the consumer scans the current
    // chunk; the consumer is done with a chunk when it asks for the next one.
    spare = acquire();
    let n = bytesRead;
    for (;;) {
      const pending = fh.read(spare, 0, CHUNK_SIZE, null);
      try {
        yield cur.subarray(0, n);
      } catch (err) {
        await pending.catch(() => undefined);
        throw err;
      }
      const r = await pending;
      if (r.bytesRead === 0) return;
      [cur, spare] = [spare, cur];
      n = r.bytesRead;
    }
  } finally {
    await fh.close();
    release(cur, ...(spare ? [spare] : []));
  }
}

async function* streamChunks(stream: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const it = stream[Symbol.asyncIterator]();
  const toBuf = (c: Buffer | string): Buffer => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  let first = await it.next();
  while (!first.done && toBuf(first.value).length === 0) first = await it.next();
  if (first.done) return;
  const head = toBuf(first.value);
  const rest: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const r = await it.next();
        return r.done ? { done: true, value: undefined } : { done: false, value: toBuf(r.value) };
      },
    }),
  };
  if (isGzip(head)) {
    yield* gunzip(head, rest);
    return;
  }
  yield head;
  yield* rest;
}

/**
 * The bytes of an input, chunk by chunk, decompressed when gzip.
 * @param source a file path, or a stream (stdin) of Buffers/strings
 * @throws the file's open/read error (ENOENT, EACCES, EISDIR …) or zlib's error for corrupt/truncated gzip,
 *   raised while iterating, after the chunks read so far were yielded
 */
export function readChunks(source: string | AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  return typeof source === 'string' ? fileChunks(source) : streamChunks(source);
}
