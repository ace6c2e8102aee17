/**
 * Reading inputs as byte chunks, never whole into memory. Gzip (rotated `.gz` logs, or gzip piped to
 * stdin) is recognised by its magic bytes `1f 8b` and decompressed with Node's zlib as a stream
 * (multi-member files included; zero padding after the last member is ignored, as zlib does).
 *
 * Delivery is push-based ({@link readInput} calls a synchronous sink) so that a damaged input keeps
 * what was read before the damage: zlib's output goes to the sink as each inflate step produces it,
 * and the next compressed piece is written only after the previous one was processed. A truncated
 * `.gz` therefore delivers every byte that can be decoded; corruption in the middle loses at most
 * the output of the one inflate step that hit it ({@link GUNZIP_CHUNK} bytes).
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

/**
 * Bytes read per chunk from a file (1 MiB; two buffers are in use). 4 MiB reads were no faster on a
 * quiet machine and raised the peak RSS of a 10 GiB scan from ~92 to ~109 MB.
 */
export const CHUNK_SIZE = 1 << 20;

// Read buffers are reused across inputs: a fresh 1 MiB buffer per file would only be released by a
// major GC, so a run over many files would grow by ~2 MiB per file. Concurrent readers take their own.
const pool: Buffer[] = [];
function acquire(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafe(CHUNK_SIZE);
}
function release(...bufs: Buffer[]): void {
  for (const b of bufs) if (pool.length < 4) pool.push(b);
}

/**
 * Output buffer of one inflate step, bytes (64 KiB): bounds what corruption can cost. zlib's default
 * of 16 KiB made the scanner's per-chunk work dominate on gzip input.
 */
export const GUNZIP_CHUNK = 64 * 1024;

/** Receives the bytes of an input in order. The buffer may be reused after the call returns. */
export type ChunkSink = (chunk: Buffer) => void;

/** Options of {@link readInput}. */
export interface ReadOptions {
  /** Stop reading (without error) once aborted; checked before every chunk. */
  signal?: AbortSignal;
  /**
   * Awaited before every chunk is read (and before every compressed piece is inflated): the consumer's
   * backpressure, e.g. until its output has drained. Reading pauses while it is pending.
   */
  ready?: () => Promise<void> | void;
}

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Raw chunks of a file. Two buffers: the next read runs (in libuv's thread pool) while the consumer
 * works on the current chunk; a chunk is valid until the consumer asks for the next one (the sink
 * and the gunzip writer are both done with it by then).
 */
async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const fh = await fs.promises.open(path, 'r');
  let cur = acquire();
  let spare: Buffer | null = null;
  try {
    let n = (await fh.read(cur, 0, CHUNK_SIZE, null)).bytesRead;
    if (n === 0) return;
    spare = acquire();
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
    await fh.close(); // waits for a read still in flight
    release(cur, ...(spare ? [spare] : []));
  }
}

async function* streamChunks(stream: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
    if (b.length > 0) yield b;
  }
}

/**
 * Inflate `pieces` into `sink`. Resolves at the end of the gzip data; rejects with zlib's error
 * (`code` `Z_BUF_ERROR` for truncated data, `Z_DATA_ERROR` for corrupt data) after everything decoded
 * before it went to the sink.
 */
async function gunzipInto(
  pieces: AsyncIterable<Buffer>,
  sink: ChunkSink,
  signal?: AbortSignal,
  ready?: ReadOptions['ready'],
): Promise<void> {
  const z = zlib.createGunzip({ chunkSize: GUNZIP_CHUNK });
  let failure: Error | null = null;
  let sinkError: unknown = null;
  // Flowing mode with an empty buffer: each push() of an inflate step reaches the sink at once.
  z.on('data', (c: Buffer) => {
    if (sinkError !== null) return;
    try {
      sink(c);
    } catch (err) {
      sinkError = err;
    }
  });
  const ended = new Promise<void>((resolve) => {
    z.once('end', resolve);
    z.on('error', (err) => {
      failure ??= err;
      resolve();
    });
    z.once('close', resolve);
  });
  // A write whose inflate step fails may never call back: the error ends the wait instead.
  const write = (piece: Buffer): Promise<void> => Promise.race([new Promise<void>((resolve) => z.write(piece, () => resolve())), ended]);
  try {
    for await (const piece of pieces) {
      if (signal?.aborted || failure || sinkError !== null) break;
      await write(piece); // zlib is done with `piece` (which may be reused) when this resolves
      await ready?.();
    }
  } catch (err) {
    z.destroy();
    throw err;
  }
  if (signal?.aborted || sinkError !== null) z.destroy();
  else if (!failure) z.end();
  await ended;
  if (sinkError !== null) throw sinkError;
  if (failure) throw failure;
}

/**
 * Read an input and hand its bytes, decompressed when gzip, to `sink` in order.
 *
 * @param source a file path, or a stream (stdin) of Buffers/strings
 * @param sink called synchronously with each chunk (at most {@link CHUNK_SIZE} bytes)
 * @throws the file's open/read error (ENOENT, EACCES, EISDIR …), zlib's error for truncated or corrupt
 *   gzip, or an error of the stream — always after the bytes read before it were given to `sink`.
 *   An abort is not an error: reading stops and the promise resolves.
 */
export async function readInput(
  source: string | AsyncIterable<Buffer | string>,
  sink: ChunkSink,
  options: ReadOptions = {},
): Promise<void> {
  const { signal, ready } = options;
  const chunks = typeof source === 'string' ? fileChunks(source) : streamChunks(source);
  try {
    let first = await chunks.next();
    if (first.done || signal?.aborted) return;
    let head = first.value;
    if (head.length === 1 && head[0] === 0x1f) {
      // One byte so far (a pipe can deliver that): look at the next before deciding.
      const copy = Buffer.from(head);
      first = await chunks.next();
      head = first.done ? copy : Buffer.concat([copy, first.value]);
    }
    if (isGzip(head)) {
      const firstPiece = head;
      async function* pieces(): AsyncGenerator<Buffer> {
        yield firstPiece;
        for (;;) {
          const r = await chunks.next();
          if (r.done) return;
          yield r.value;
        }
      }
      await gunzipInto(pieces(), sink, signal, ready);
      return;
    }
    sink(head);
    for (;;) {
      await ready?.();
      if (signal?.aborted) return;
      const r = await chunks.next();
      if (r.done) return;
      sink(r.value);
    }
  } catch (err) {
    if (signal?.aborted) return; // stdin destroyed on Ctrl-C: the end of reading, not a failure
    throw err;
  } finally {
    await chunks.return(undefined);
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory (a part of the path is a file)',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
};

/**
 * One short line for an error met while opening or reading an input: `permission denied`,
 * `gzip data is truncated or corrupt (unexpected end of file)`, else the error's own message.
 */
export function describeReadError(err: unknown): string {
  const e = err as NodeJS.ErrnoException | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('Z_')) return `gzip data is truncated or corrupt (${e!.message})`;
  const known = ERRNO_TEXT[code];
  if (known) return known;
  return (e instanceof Error ? e.message : String(err)).split('\n')[0]!;
}
