/**
 * Reading inputs as byte chunks, never whole into memory. What the bytes are is told by their first
 * bytes, never by the file name:
 * - gzip (`1f 8b`: rotated `.gz` logs, or gzip piped to stdin), member by member with Node's zlib
 *   (`gzip.ts`): every member whole, zero padding ignored, trailing garbage reported after the data;
 * - bzip2, xz and zstd, decompressed as streams (`decompress.ts`); lz4, lzip, lzma, compress and zip
 *   are recognised and refused with the command that decompresses them, and so is compressed data
 *   inside compressed data (a `.gz` of a `.gz`);
 * - text with a byte-order mark: UTF-16 (LE or BE) is transcoded to UTF-8, a UTF-8 BOM is dropped.
 *
 * Delivery is push-based ({@link readInput} calls a synchronous sink) so that a damaged input keeps
 * what was read before the damage: decoded output goes to the sink as it is produced, and the next
 * compressed piece is read only after the previous one was processed. A truncated `.gz` therefore
 * delivers every byte that can be decoded; corruption in the middle loses at most the output of the one
 * inflate step that hit it ({@link GUNZIP_CHUNK} bytes; a file is inflated in larger steps and read
 * again up to the damage in steps of that size, `gzip.ts`).
 */
import { TextDecoder } from 'node:util';
import { openRegularFile } from './files.js';
import { GUNZIP_CHUNK, gunzipInto } from './gzip.js';
import type { ChunkSink } from './sink.js';
import { compressedFormat, decompressInto, MAGIC_BYTES, refusingNested } from './decompress.js';
import { collectYoungGarbage } from '../v8-flags.js';

/**
 * Bytes read per chunk from a file (1 MiB; three buffers are in use, see {@link READS_AHEAD}). 4 MiB reads were no faster on a
 * quiet machine and raised the peak RSS of a 10 GiB scan from ~92 to ~109 MB.
 */
export const CHUNK_SIZE = 1 << 20;

// Read buffers are reused across inputs: a fresh 1 MiB buffer per file would only be released by a
// major GC, so a run over many files would grow by ~2 MiB per file. Concurrent readers take their own.
const pool: Buffer[] = [];
let provider: ((size: number) => Buffer | null) | null = null;
function acquire(): Buffer {
  return pool.pop() ?? provider?.(CHUNK_SIZE) ?? Buffer.allocUnsafe(CHUNK_SIZE);
}

/**
 * Take file read buffers from `provide` (called with the size, CHUNK_SIZE bytes) before allocating
 * them: the byte scanner lends buffers in its SIMD module's memory, so that a chunk read there needs
 * no copy (`lines/teddy.ts`, `scanBuffer`). `provide` returns null when it has none left.
 */
export function provideReadBuffers(provide: (size: number) => Buffer | null): void {
  provider = provide;
}
function release(...bufs: Buffer[]): void {
  for (const b of bufs) if (pool.length < 4) pool.push(b);
}

export { GUNZIP_CHUNK };

export type { ChunkSink } from './sink.js';

/** Options of {@link readInput}. */
export interface ReadOptions {
  /** Stop reading (without error) once aborted; checked before every chunk. */
  signal?: AbortSignal;
  /** Told the size of every chunk as read from the input, before decompression (progress). */
  onRead?: (bytes: number) => void;
  /**
   * Awaited before every chunk is read (so before every compressed piece is decompressed too): the
   * consumer's backpressure, e.g. until its output has drained. Reading pauses while it is pending.
   */
  ready?: () => Promise<void> | void;
}

/** The chunks, each asked for only once `ready()` has resolved. */
async function* paced(chunks: AsyncGenerator<Buffer>, ready: () => Promise<void> | void): AsyncGenerator<Buffer> {
  try {
    for (;;) {
      await ready();
      const r = await chunks.next();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await chunks.return(undefined);
  }
}

/** The chunks, each counted as it passes. */
async function* counted(chunks: AsyncGenerator<Buffer>, onRead: (bytes: number) => void): AsyncGenerator<Buffer> {
  try {
    for (;;) {
      const r = await chunks.next();
      if (r.done) return;
      onRead(r.value.length);
      yield r.value;
    }
  } finally {
    await chunks.return(undefined);
  }
}

/**
 * Reads of a file in flight while the consumer works on the current chunk ({@link fileChunks}): 2, so
 * three buffers are in use. With one, the JavaScript thread waited for the next chunk ~10 % of a scan of
 * the 1 GiB mixed log already in the page cache (`--cpu-prof`: idle 187 of 1 920 ms): on two cores the
 * read's thread-pool thread competes with V8's compiler and GC threads, and one late read stalls the scan.
 * The 1 GiB mixed log, min of 3 alternated runs: 1.94 s with one read ahead, 1.83 s with two (1.80 s
 * with three in an earlier trial); the look-alike and densely failing logs, whose scan waits on no read,
 * the same within the noise (9.32 against 9.38 s, 10.34 against 10.56 s).
 */
export const READS_AHEAD = 2;

/** A read of {@link fileChunks} in flight: into `buf`, at byte `at` of the file. */
interface InFlight {
  buf: Buffer;
  at: number;
  done: Promise<{ bytesRead: number }>;
}

/**
 * Raw chunks of a file, read at explicit offsets with {@link READS_AHEAD} reads running (in libuv's
 * thread pool) while the consumer works on the current chunk; a chunk is valid until the consumer asks
 * for the next one (the sink and the gunzip writer are both done with it by then). A short read (the end
 * of the file, for now) drops the reads issued past it and goes on from where it ended, so a file that
 * grows while it is read is read on without a gap, as one read after the other would.
 */
async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const fh = await openRegularFile(path); // refuses a FIFO or device without waiting on it
  const free: Buffer[] = [];
  const inFlight: InFlight[] = [];
  let next = 0;
  const issue = (): void => {
    const buf = free.pop() ?? acquire();
    const done = fh.read(buf, 0, CHUNK_SIZE, next);
    done.catch(() => undefined); // a read that fails while an earlier chunk is scanned is reported when its turn comes
    inFlight.push({ buf, at: next, done });
    next += CHUNK_SIZE;
  };
  const settle = async (): Promise<void> => {
    for (const r of inFlight.splice(0)) {
      await r.done.catch(() => undefined);
      free.push(r.buf);
    }
  };
  let held: Buffer | null = null; // the buffer of the read awaited, then of the chunk the consumer works on
  try {
    issue();
    for (;;) {
      const head = inFlight.shift()!;
      held = head.buf;
      const n = (await head.done).bytesRead;
      if (n === 0) return;
      if (n < CHUNK_SIZE) {
        await settle();
        next = head.at + n;
      }
      while (inFlight.length < READS_AHEAD) issue();
      yield head.buf.subarray(0, n);
      free.push(head.buf);
      held = null;
    }
  } finally {
    await settle(); // waits for the reads still in flight before the file is closed
    await fh.close();
    release(...free, ...(held ? [held] : []));
  }
}

async function* streamChunks(stream: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
    if (b.length > 0) yield b;
  }
}

/**
 * Whether the bytes after a UTF-16 byte-order mark look like UTF-16 text: a log is mostly ASCII, whose
 * code units have a zero high byte (at odd offsets for little-endian, `high` = 1; even for big-endian),
 * so at least half of the first 128 code units must have one. A byte file that merely starts with FF FE
 * (binary, invalid UTF-8, or a UTF-32 byte-order mark FF FE 00 00 before ASCII text) has few such zeros.
 */
function looksUtf16(b: Buffer, high: 0 | 1): boolean {
  const end = Math.min(b.length, 2 + 256);
  let units = 0;
  let zeros = 0;
  for (let i = 2 + high; i < end; i += 2) {
    units++;
    if (b[i] === 0) zeros++;
  }
  return units > 0 && zeros * 2 >= units;
}

/**
 * A sink that reads a byte-order mark first: UTF-16 (FF FE little-endian, FE FF big-endian, followed by
 * text that looks like UTF-16: {@link looksUtf16}) is decoded and handed on as UTF-8 (invalid sequences become U+FFFD); a UTF-8 BOM (EF BB BF) is dropped; anything
 * else passes through unchanged. `end()` hands on what is still held.
 */
function textSink(sink: ChunkSink): ChunkSink & { end(): void } {
  let decided = false;
  let held: Buffer | null = null;
  let decoder: TextDecoder | null = null;
  const decode = (chunk: Buffer): void => {
    const text = decoder!.decode(chunk, { stream: true });
    if (text) sink(Buffer.from(text, 'utf8'));
  };
  const decide = (b: Buffer): void => {
    decided = true;
    held = null;
    if (b[0] === 0xff && b[1] === 0xfe && looksUtf16(b, 1)) decoder = new TextDecoder('utf-16le');
    else if (b[0] === 0xfe && b[1] === 0xff && looksUtf16(b, 0)) decoder = new TextDecoder('utf-16be');
    if (decoder) decode(b.subarray(2));
    else sink(b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.subarray(3) : b);
  };
  const push = (chunk: Buffer): void => {
    if (decoder) return decode(chunk);
    if (decided) return sink(chunk);
    const b = held ? Buffer.concat([held, chunk]) : chunk;
    const maybeBom = b.length < 3 && (b[0] === 0xff || b[0] === 0xfe || (b[0] === 0xef && (b.length < 2 || b[1] === 0xbb)));
    if (maybeBom) held = Buffer.from(b);
    else decide(b);
  };
  return Object.assign(push, {
    end(): void {
      if (held) decide(held);
      const rest = decoder?.decode();
      if (rest) sink(Buffer.from(rest, 'utf8'));
    },
  });
}

/**
 * Decompressed bytes handed on between two young-generation collections (1 MiB): the decoders' output
 * buffers, each dropped once scanned, are then freed while few are dead ({@link collectYoungGarbage}).
 * Measured on an 800 000-line log (peak RSS, 3 runs): every 4 MiB left `.zst` at 95–97 MB, every 1 MiB
 * 88–89 MB; one scavenge costs ~0.15 ms, ~30 ms per 180 MB of output.
 */
export const COLLECT_EVERY = 1024 * 1024;

/** `sink`, with a young-generation collection after every {@link COLLECT_EVERY} bytes it was handed. */
function collecting(sink: ChunkSink): ChunkSink {
  let since = 0;
  return (chunk) => {
    sink(chunk);
    since += chunk.length;
    if (since >= COLLECT_EVERY) {
      since = 0;
      collectYoungGarbage();
    }
  };
}

/** How reading ended: at the end of the input, or stopped by the signal before it. */
export type ReadEnd = 'eof' | 'aborted';

/**
 * Read an input and hand its bytes, decompressed and transcoded as needed, to `sink` in order.
 *
 * @param source a file path, or a stream (stdin) of Buffers/strings
 * @param sink called synchronously with each chunk (at most {@link CHUNK_SIZE} bytes)
 * @returns `'aborted'` when the signal stopped reading before the end (the last line handed on may then
 *   be cut short), else `'eof'`
 * @throws the file's open/read error (ENOENT, EACCES, EISDIR, ENOTREG for a FIFO or device …), zlib's
 *   error for truncated or corrupt gzip, `ETRAILING` for trailing garbage after gzip data,
 *   `EDECOMPRESS`/`EUNSUPPORTED` for other compressed data, or an error of the stream — always after
 *   the bytes read before it were given to `sink`. An abort is not an error.
 */
export async function readInput(
  source: string | AsyncIterable<Buffer | string>,
  sink: ChunkSink,
  options: ReadOptions = {},
): Promise<ReadEnd> {
  const { signal } = options;
  const raw = typeof source === 'string' ? fileChunks(source) : streamChunks(source);
  const seen = options.onRead ? counted(raw, options.onRead) : raw;
  const chunks = options.ready ? paced(seen, options.ready) : seen;
  const out = textSink(sink);
  try {
    const first = await chunks.next();
    if (first.done) return 'eof';
    if (signal?.aborted) return 'aborted';
    let head = first.value;
    // A pipe can deliver a few bytes at a time: gather enough to tell the formats apart.
    while (head.length < MAGIC_BYTES) {
      const copy = Buffer.from(head); // the reader may reuse the buffer once asked for the next chunk
      const r = await chunks.next();
      head = r.done ? copy : Buffer.concat([copy, r.value]);
      if (r.done) break;
    }
    const format = compressedFormat(head);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      const reread = typeof source === 'string' ? (): AsyncIterator<Buffer> => fileChunks(source) : undefined;
      const inner = refusingNested('gzip', collecting(out));
      await gunzipInto(head, chunks, inner, signal, reread).catch((err: unknown) => {
        throw inner.failure() ?? err;
      });
      inner.end();
    } else if (format) await decompressInto(format, head, chunks, collecting(out), signal);
    else {
      out(head);
      for (;;) {
        if (signal?.aborted) return 'aborted';
        const r = await chunks.next();
        if (r.done) break;
        out(r.value);
      }
    }
    out.end();
    return signal?.aborted ? 'aborted' : 'eof';
  } catch (err) {
    out.end();
    // stdin destroyed on Ctrl-C: the end of reading, not a failure. A file is never destroyed so: its
    // error (damaged data met before the stop) is the file's, whenever the signal came.
    if (signal?.aborted && typeof source !== 'string') return 'aborted';
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
  ENAMETOOLONG: 'file name too long',
  EAGAIN: 'no data without waiting (a device-like file that blocks): not read',
};

/**
 * The stable code of an error met while opening or reading an input, as `inputs[].code` gives it: the
 * system error code (`ENOENT`, `EACCES` — EPERM too, as the message says "permission denied" for both —,
 * `EISDIR`, `EIO` …), `NOTFILE` for a FIFO, device or socket (as when one is named as an argument),
 * `EDECOMPRESS` for damaged compressed data (zlib's `Z_*` codes too), `EUNSUPPORTED`, `ETRAILING`.
 * @returns the code, or undefined for an error without one (a stream's own error)
 */
export function readErrorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null | undefined)?.code;
  if (typeof code !== 'string' || code === '') return undefined;
  if (code === 'EPERM') return 'EACCES';
  if (code === 'ENOTREG') return 'NOTFILE';
  if (code.startsWith('Z_')) return 'EDECOMPRESS';
  return code;
}

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
