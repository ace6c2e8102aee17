/**
 * gzip (RFC 1952), member by member: the header and trailer are read here, the deflate data of each
 * member is inflated by Node's zlib (`InflateRaw`, native speed). Node's `Gunzip` takes any non-zero
 * byte after a member for the start of another member and fails on trailing garbage with "incorrect
 * header check", dropping the output of the inflate step that reached the end of the member — for a
 * small file, all of it. Here every member is delivered whole, and what follows the last one is:
 * zero bytes (padding, as tape and some tools write): ignored; anything else: trailing garbage, reported
 * after everything before it was delivered (gzip's own `zcat` says "decompression OK, trailing garbage
 * ignored" and exits 2).
 */
import zlib from 'node:zlib';
import type { ChunkSink } from './sink.js';

/**
 * Output buffer of one inflate step, bytes (64 KiB): bounds what corruption in the middle can cost,
 * the output of the step that met it. An input that can be read again from its start (a file) is
 * inflated in steps of {@link GUNZIP_STEP_REREADABLE} instead, and a damaged member is read again in
 * steps of this size up to the damage ({@link recoverMember}): the same bound.
 */
export const GUNZIP_CHUNK = 64 * 1024;

/**
 * Output of one inflate step, bytes (256 KiB), for an input that can be read again: each step is a
 * hand-over to libuv's thread pool and back (two thread wake-ups); on the eight 128 MiB `.gz` of the
 * bench with `--jobs 2`, 64 KiB steps made 53 553 context switches and 8.7 s of CPU, 256 KiB steps
 * 18 831 and 7.0 s (`perf stat`, 2 vCPUs).
 */
export const GUNZIP_STEP_REREADABLE = 256 * 1024;

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** Bytes after the last member that are not gzip data. `code` is `ETRAILING`. */
export class TrailingGarbageError extends Error {
  readonly code = 'ETRAILING';
  constructor(readonly bytes: number) {
    super(`decompression OK, trailing garbage ignored (${bytes}${bytes >= 64 ? '+' : ''} bytes after the gzip data, as zcat reports it)`);
    this.name = 'TrailingGarbageError';
  }
}

function zError(code: 'Z_BUF_ERROR' | 'Z_DATA_ERROR', message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, errno: code === 'Z_BUF_ERROR' ? -5 : -3 });
}

/**
 * Length of the gzip member header at the start of `b`: 0 when more bytes are needed, -1 when `b` does
 * not start a gzip member (magic 1f 8b, method 8 = deflate).
 */
export function gzipHeaderLength(b: Buffer): number {
  if (b.length >= 1 && b[0] !== 0x1f) return -1;
  if (b.length >= 2 && b[1] !== 0x8b) return -1;
  if (b.length >= 3 && b[2] !== 8) return -1;
  if (b.length < 10) return 0;
  const flags = b[3]!;
  let at = 10;
  if (flags & FEXTRA) {
    if (b.length < at + 2) return 0;
    at += 2 + b.readUInt16LE(at);
  }
  for (const f of [FNAME, FCOMMENT]) {
    if (!(flags & f)) continue;
    const end = b.indexOf(0, at);
    if (end === -1) return 0;
    at = end + 1;
  }
  if (flags & FHCRC) at += 2;
  return b.length < at ? 0 : at;
}

/** The input after what has been consumed: `buf` (copied: the pieces' buffers may be reused), then the pieces. */
class Pending {
  eof = false;
  /** Bytes taken from the input so far (`buf` holds those of them not consumed yet). */
  pulled: number;
  constructor(
    public buf: Buffer,
    private readonly pieces: AsyncIterator<Buffer>,
  ) {
    this.pulled = buf.length;
  }
  /** The next piece as it is (valid until the next call), or null at the end of the input. */
  async next(): Promise<Buffer | null> {
    if (this.eof) return null;
    const r = await this.pieces.next();
    if (r.done) this.eof = true;
    else this.pulled += r.value.length;
    return r.done ? null : r.value;
  }
  /** Append the next piece to `buf`; false at the end of the input. */
  async more(): Promise<boolean> {
    const piece = await this.next();
    if (piece) this.buf = Buffer.concat([this.buf, piece]);
    return piece !== null;
  }
}

/**
 * Inflate one member's deflate data: first `start`, then pieces, until the deflate stream ends.
 * @returns the bytes after the deflate data (trailer and beyond) that were read, and the output's size
 *   and CRC-32 (when `zlib.crc32` exists: Node ≥ 20.15)
 * @throws zlib's error (`Z_DATA_ERROR`), or `Z_BUF_ERROR` "unexpected end of file" when the input ends first
 */
async function inflateMember(
  start: Buffer,
  src: Pending,
  sink: ChunkSink,
  signal?: AbortSignal,
  step = GUNZIP_CHUNK,
): Promise<{ rest: Buffer; size: number; crc: number | null }> {
  const z = zlib.createInflateRaw({ chunkSize: step });
  const crc32 = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;
  let size = 0;
  let crc: number | null = crc32 ? 0 : null;
  let failure: Error | null = null;
  let sinkError: unknown = null;
  let done = false;
  // The sink runs after zlib has started the next inflate step on the thread pool, not inside its
  // 'data' event (emitted before that step is issued): the scan of one chunk and the inflate of the
  // next overlap on two cores instead of taking turns. At most one chunk waits: the next one's event
  // cannot come while the scan runs. `drain()` at the end hands on whatever is still queued.
  const queue: Buffer[] = [];
  const drain = (): void => {
    for (const c of queue.splice(0)) {
      size += c.length;
      if (crc32) crc = crc32(c, crc!);
      if (sinkError !== null) continue;
      try {
        sink(c);
      } catch (err) {
        sinkError = err;
      }
    }
  };
  z.on('data', (c: Buffer) => {
    if (queue.push(c) === 1) queueMicrotask(drain);
  });
  const ended = new Promise<void>((resolve) => {
    z.once('end', () => {
      done = true;
      resolve();
    });
    z.on('error', (err) => {
      failure ??= err;
      resolve();
    });
  });
  let written = 0;
  let last = start;
  // A write whose inflate step ends the stream or fails may call back late or never: the end decides.
  const write = (piece: Buffer): Promise<void> => {
    written += piece.length;
    last = piece;
    return Promise.race([new Promise<void>((resolve) => z.write(piece, () => resolve())), ended]);
  };
  if (start.length > 0) await write(start);
  while (!done && !failure && sinkError === null && !signal?.aborted) {
    const r = await src.next();
    if (r === null) break;
    await write(r);
  }
  if (!done && !failure && sinkError === null && !signal?.aborted) {
    z.end(); // the input ended inside the member
    await ended;
    if (!done) failure ??= zError('Z_BUF_ERROR', 'unexpected end of file');
  }
  if (!done) z.destroy();
  drain();
  if (sinkError !== null) throw sinkError;
  if (failure) throw Object.assign(failure, { delivered: size });
  const unconsumed = written - z.bytesWritten;
  return { rest: Buffer.from(last.subarray(Math.max(0, last.length - unconsumed))), size, crc };
}

/** A zlib failure of {@link inflateMember}, with the bytes of output handed on before it. */
type InflateFailure = Error & { delivered: number };

function isInflateFailure(err: unknown): err is InflateFailure {
  return err instanceof Error && typeof (err as Partial<InflateFailure>).delivered === 'number';
}

/**
 * After an inflate step of {@link GUNZIP_STEP_REREADABLE} bytes failed (corrupt or truncated data),
 * read the input again from the member's deflate data (byte `at`), inflate it in steps of
 * {@link GUNZIP_CHUNK}, and hand on what follows the `delivered` bytes already handed on, up to the
 * step that meets the damage again: what a first reading in small steps would have kept. Anything
 * else going wrong on the second reading (the file changed or went away) ends it quietly: the first
 * failure is the one reported.
 * @throws only what `sink` throws
 */
async function recoverMember(
  reread: () => AsyncIterator<Buffer>,
  at: number,
  delivered: number,
  sink: ChunkSink,
  signal?: AbortSignal,
): Promise<void> {
  let sinkError: { err: unknown } | null = null;
  let seen = 0;
  const rest: ChunkSink = (c) => {
    const from = Math.max(0, delivered - seen);
    seen += c.length;
    if (from >= c.length || sinkError) return;
    try {
      sink(c.subarray(from));
    } catch (err) {
      sinkError = { err };
    }
  };
  let pieces: AsyncIterator<Buffer> | null = null;
  try {
    pieces = reread();
    let skipped = 0;
    for (;;) {
      const r = await pieces.next();
      if (r.done) break;
      if (skipped + r.value.length > at) {
        await inflateMember(Buffer.from(r.value.subarray(at - skipped)), new Pending(Buffer.alloc(0), pieces), rest, signal);
        break;
      }
      skipped += r.value.length;
    }
  } catch {
    // the damage met again, or the second reading failed: the first failure stands
  } finally {
    await pieces?.return?.(undefined).catch(() => undefined);
  }
  if (sinkError) throw (sinkError as { err: unknown }).err;
}

/**
 * Decompress gzip data (one or more members) into `sink`, each member's output as it is inflated.
 * @param first the input's first bytes (they start with the gzip magic)
 * @param pieces the rest of the input
 * @param reread the input again from its first byte, when it can be read again (a file): then it is
 *   inflated in larger steps ({@link GUNZIP_STEP_REREADABLE}) and a damaged member read again up to the damage
 * @throws zlib's error for corrupt data (`Z_DATA_ERROR`) or a truncated member (`Z_BUF_ERROR`), a
 *   `Z_DATA_ERROR` for a trailer whose CRC-32 or size does not match, or {@link TrailingGarbageError}
 *   — always after every byte decoded before the problem went to the sink
 */
export async function gunzipInto(
  first: Buffer,
  pieces: AsyncIterator<Buffer>,
  sink: ChunkSink,
  signal?: AbortSignal,
  reread?: () => AsyncIterator<Buffer>,
): Promise<void> {
  const src = new Pending(Buffer.from(first), pieces);
  for (let member = 0; !signal?.aborted; member++) {
    // Zero padding after a member is ignored, as gzip and zlib do.
    while (member > 0 && src.buf.length > 0 && src.buf.every((b) => b === 0)) {
      src.buf = Buffer.alloc(0);
      if (!(await src.more())) return;
    }
    if (member > 0 && src.buf.length === 0 && !(await src.more())) return;
    let h = gzipHeaderLength(src.buf);
    while (h === 0 && (await src.more())) h = gzipHeaderLength(src.buf);
    if (h <= 0) {
      const firstNonZero = src.buf.findIndex((b) => b !== 0);
      if (member === 0)
        throw zError(h === 0 ? 'Z_BUF_ERROR' : 'Z_DATA_ERROR', h === 0 ? 'unexpected end of file' : 'incorrect header check');
      throw new TrailingGarbageError(src.buf.length - Math.max(0, firstNonZero));
    }
    const at = src.pulled - src.buf.length + h; // the input's byte where this member's deflate data starts
    const { rest, size, crc } = await inflateMember(
      src.buf.subarray(h),
      src,
      sink,
      signal,
      reread ? GUNZIP_STEP_REREADABLE : GUNZIP_CHUNK,
    ).catch(async (err: unknown) => {
      if (reread && isInflateFailure(err) && !signal?.aborted) await recoverMember(reread, at, err.delivered, sink, signal);
      throw err;
    });
    if (signal?.aborted) return;
    src.buf = rest;
    while (src.buf.length < 8 && (await src.more()));
    if (src.buf.length < 8) throw zError('Z_BUF_ERROR', 'unexpected end of file');
    // zlib's own words for these (inflate.c)
    if (crc !== null && src.buf.readUInt32LE(0) !== crc >>> 0) throw zError('Z_DATA_ERROR', 'incorrect data check');
    if (src.buf.readUInt32LE(4) !== size % 2 ** 32) throw zError('Z_DATA_ERROR', 'incorrect length check');
    src.buf = src.buf.subarray(8);
  }
}
