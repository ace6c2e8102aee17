/**
 * Rotated logs compressed with something else than gzip (logrotate's `compresscmd`): recognised by
 * their magic bytes, never by the file name, and decompressed as a stream with well-kept pure-JS or
 * WebAssembly decoders (they bundle into the single-file build and run on Node 20, whose zlib has no
 * zstd):
 *
 * - bzip2 (`BZh1`–`BZh9`): the block decoder of unbzip2-stream, driven here so that its output goes to
 *   the sink through a 64 KiB buffer (the package's own stream collects a whole block, up to ~45 MB of
 *   output, in a JavaScript array);
 * - xz (`FD 37 7A 58 5A 00`): xz-decompress (xz-embedded compiled to WebAssembly);
 * - zstd (`28 B5 2F FD`): fzstd, after checking each frame's window size: fzstd allocates the declared
 *   window whole, so a frame asking for more than {@link ZSTD_MAX_WINDOW} is refused (zstd itself refuses
 *   windows over 128 MiB unless told `--memory`).
 *
 * Formats recognised but not decoded (lz4, lzip, lzma, compress `.Z`, zip archives) are refused with the
 * command that decompresses them, so that such a file is never scanned as binary and reported as clean;
 * so is compressed data found again after decompressing ({@link refusingNested}: a `.gz` of a `.gz`).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type * as XzModule from 'xz-decompress';
import type { ChunkSink } from './sink.js';

/** A compressed input in a format that is recognised but not read. `code` is `EUNSUPPORTED`. */
export class UnsupportedCompressionError extends Error {
  readonly code = 'EUNSUPPORTED';
  constructor(
    readonly format: string,
    readonly command: string,
  ) {
    super(`${format}-compressed data, which is not read: decompress it first (${command} FILE | stapling-doctor -)`);
    this.name = 'UnsupportedCompressionError';
  }
}

/**
 * Compressed data whose decompressed bytes are compressed again (a `.gz` of a `.gz`, a zip inside
 * gzip): refused like a format that is not read, never scanned as binary and reported clean. One layer
 * is read; the message gives the pipeline that takes off both. `code` is `EUNSUPPORTED`.
 */
export class NestedCompressionError extends Error {
  readonly code = 'EUNSUPPORTED';
  constructor(outer: Format, inner: Format) {
    const pipeline = `${outer.command} FILE | ${inner.pipeCommand ?? inner.command} | stapling-doctor -`;
    super(`${inner.name}-compressed data inside ${outer.name} data, which is not read: decompress it first (${pipeline})`);
    this.name = 'NestedCompressionError';
  }
}

/** Damaged compressed data. `code` is `EDECOMPRESS`; the message names the format. */
export class DecompressError extends Error {
  readonly code = 'EDECOMPRESS';
  constructor(format: string, detail: string) {
    super(`${format} data is truncated or corrupt (${detail})`);
    this.name = 'DecompressError';
  }
}

/** Largest zstd window accepted, bytes (32 MiB: every level up to `--ultra -20`; zstd's default is 8 MiB at most below level 20). */
export const ZSTD_MAX_WINDOW = 32 * 1024 * 1024;

/** A stream decoder: `first` (the input's first bytes, with the magic), then `pieces`, decoded into `sink`. */
type Decoder = (first: Buffer, pieces: AsyncIterator<Buffer>, sink: ChunkSink, signal?: AbortSignal) => Promise<void>;

interface Format {
  name: string;
  magic: number[];
  decode?: Decoder;
  /** The command that decompresses a file of this format to stdout (`FILE` after it). */
  command: string;
  /** The same reading standard input, when it differs from {@link command}. */
  pipeCommand?: string;
}

const FORMATS: Format[] = [
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68], decode: (...a) => bunzipInto(...a), command: 'bzip2 -dc' },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], decode: (...a) => unxzInto(...a), command: 'xz -dc' },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], decode: (...a) => unzstdInto(...a), command: 'zstd -dc' },
  { name: 'lz4', magic: [0x04, 0x22, 0x4d, 0x18], command: 'lz4 -dc' },
  { name: 'lzip', magic: [0x4c, 0x5a, 0x49, 0x50], command: 'lzip -dc' },
  { name: 'compress (.Z)', magic: [0x1f, 0x9d], command: 'uncompress -c' },
  { name: 'lzma', magic: [0x5d, 0x00, 0x00], command: 'xz --format=lzma -dc' },
  // A zip archive (a local file header, or the end record of an empty one): its members are compressed
  // one by one, so scanned as bytes it would look like a clean binary file. `funzip` reads the first
  // member from a pipe, `unzip -p` every member of a file.
  { name: 'zip', magic: [0x50, 0x4b, 0x03, 0x04], command: 'unzip -p', pipeCommand: 'funzip' },
  { name: 'zip', magic: [0x50, 0x4b, 0x05, 0x06], command: 'unzip -p', pipeCommand: 'funzip' },
];

/** gzip's magic: gzip itself is read by `gzip.ts`, but is recognised here too inside other compressed data. */
const GZIP: Format = { name: 'gzip', magic: [0x1f, 0x8b], command: 'gzip -dc' };

/** The longest magic: the bytes needed to tell the formats apart. */
export const MAGIC_BYTES = Math.max(...FORMATS.map((f) => f.magic.length));

/**
 * The compressed format the input starts with, or null. bzip2 needs its block size digit too, so that a
 * text line starting "BZh" is not taken for it.
 */
export function compressedFormat(head: Buffer): Format | null {
  for (const f of FORMATS) {
    if (head.length < f.magic.length || !f.magic.every((b, i) => head[i] === b)) continue;
    if (f.name === 'bzip2' && !(head.length > 3 && head[3]! >= 0x31 && head[3]! <= 0x39)) continue;
    return f;
  }
  return null;
}

/** The compressed format (gzip included) decompressed bytes start with, or null. */
function innerFormat(head: Buffer): Format | null {
  if (head.length >= 2 && head[0] === GZIP.magic[0] && head[1] === GZIP.magic[1]) return GZIP;
  return compressedFormat(head);
}

/**
 * A sink for the output of a decoder of `outer` data (`'gzip'` or a {@link compressedFormat}) that
 * looks at the first {@link MAGIC_BYTES} decompressed bytes before handing anything on: when they are
 * compressed again, nothing is handed on and {@link NestedCompressionError} is thrown (from the sink,
 * and kept for `failure()`: some decoders wrap what their sink throws). `end()` decides on fewer bytes.
 */
export function refusingNested(
  outer: Format | 'gzip',
  sink: ChunkSink,
): ChunkSink & { end(): void; failure(): NestedCompressionError | null } {
  const outerFormat = outer === 'gzip' ? GZIP : outer;
  let held: Buffer | null = Buffer.alloc(0);
  let error: NestedCompressionError | null = null;
  const decide = (head: Buffer): void => {
    held = null;
    const inner = innerFormat(head);
    if (inner) throw (error = new NestedCompressionError(outerFormat, inner));
    if (head.length > 0) sink(head);
  };
  const push = (chunk: Buffer): void => {
    if (error) throw error;
    if (!held) return sink(chunk);
    const head = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
    if (head.length >= MAGIC_BYTES) decide(head);
    else held = Buffer.from(head); // the decoder may reuse its buffer
  };
  return Object.assign(push, {
    end(): void {
      if (held && !error) decide(held);
    },
    failure: () => error,
  });
}

/**
 * Decompress an input in the given format into `sink`.
 * @throws {@link UnsupportedCompressionError} for a format that is only recognised, {@link DecompressError}
 *   for damaged data — after every byte decoded before it went to the sink
 */
export async function decompressInto(
  format: Format,
  first: Buffer,
  pieces: AsyncIterator<Buffer>,
  sink: ChunkSink,
  signal?: AbortSignal,
): Promise<void> {
  if (!format.decode) throw new UnsupportedCompressionError(format.name, format.command);
  const out = refusingNested(format, sink);
  try {
    await format.decode(first, pieces, out, signal);
    out.end();
  } catch (err) {
    throw out.failure() ?? err;
  }
}

/** A sink behind a 64 KiB buffer: bytes are collected and handed on in 64 KiB chunks. */
function byteWriter(sink: ChunkSink): { put: (b: number) => void; flush: () => void } {
  const out = Buffer.allocUnsafe(64 * 1024);
  let n = 0;
  return {
    put(b) {
      out[n++] = b;
      if (n === out.length) {
        sink(out);
        n = 0;
      }
    },
    flush() {
      if (n > 0) sink(out.subarray(0, n));
      n = 0;
    },
  };
}

/** bzip2 streams (one or more, as pbzip2 writes them), block by block; see the module comment. */
async function bunzipInto(first: Buffer, pieces: AsyncIterator<Buffer>, sink: ChunkSink, signal?: AbortSignal): Promise<void> {
  const [{ default: bz2 }, { default: bitIterator }] = await Promise.all([
    import('unbzip2-stream/lib/bzip2.js'),
    import('unbzip2-stream/lib/bit_iterator.js'),
  ]);
  const queue: Buffer[] = [Buffer.from(first)];
  let has = first.length;
  let eof = false;
  const bits = bitIterator(() => queue.shift());
  const out = byteWriter(sink);
  let blockSize = 0;
  let streamCRC: number | null = null;
  let streams = 0;
  let block: Int32Array | null = null;
  for (;;) {
    // A whole block of the largest size is buffered before decoding one (the decoder does not wait).
    while (!eof && has - bits.bytesRead + 1 < (blockSize ? 25_000 + 100_000 * blockSize : 4)) {
      const r = await pieces.next();
      if (r.done) eof = true;
      else {
        queue.push(Buffer.from(r.value));
        has += r.value.length;
      }
    }
    if (signal?.aborted || has <= bits.bytesRead) break;
    try {
      if (!blockSize) {
        blockSize = bz2.header(bits);
        streamCRC = 0;
        if (block?.length !== 100_000 * blockSize) block = new Int32Array(100_000 * blockSize);
        continue;
      }
      streamCRC = bz2.decompress(bits, out.put, block!, block!.length, streamCRC);
    } catch (err) {
      out.flush();
      if (streams > 0 && !blockSize)
        throw new DecompressError('bzip2', `trailing garbage after the last stream, ${has - bits.bytesRead + 1}+ bytes`);
      throw new DecompressError('bzip2', err instanceof TypeError ? 'unexpected end of file' : (err as Error).message);
    }
    if (streamCRC === null) {
      blockSize = 0; // the end of a stream: another may follow
      streams++;
    }
  }
  out.flush();
  if (!signal?.aborted && (streamCRC !== null || streams === 0)) throw new DecompressError('bzip2', 'unexpected end of file');
}

/** xz streams, through xz-decompress's web stream (it pulls the input as it needs it). */
async function unxzInto(first: Buffer, pieces: AsyncIterator<Buffer>, sink: ChunkSink, signal?: AbortSignal): Promise<void> {
  const { XzReadableStream } = (await import('xz-decompress')).default as typeof XzModule;
  let sentFirst = false;
  let ended = false;
  const input = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentFirst) {
        sentFirst = true;
        controller.enqueue(Buffer.from(first));
        return;
      }
      const r = await pieces.next();
      if (r.done) {
        ended = true;
        controller.close();
      } else controller.enqueue(Buffer.from(r.value));
    },
  });
  const xz = new XzReadableStream(input);
  try {
    for await (const chunk of Readable.fromWeb(xz as WebReadableStream<Uint8Array>)) {
      if (signal?.aborted) break;
      sink(chunk as Buffer);
    }
  } catch (err) {
    const detail = ended && err instanceof TypeError ? 'unexpected end of file' : (err as Error).message;
    throw new DecompressError('xz', detail);
  }
}

/**
 * Follows the frame structure of a zstd stream (RFC 8878 §3.1) to check each frame's window before the
 * decoder sees the frame: fzstd allocates it whole.
 */
class ZstdFrames {
  private state: 'magic' | 'header' | 'block' | 'skip' = 'magic';
  private hdr: number[] = [];
  private skip = 0;
  private after: 'block' | 'magic' = 'magic';
  private checksum = false;

  /** Check the frames in `piece`. @throws DecompressError for a window over {@link ZSTD_MAX_WINDOW} */
  check(piece: Uint8Array): void {
    for (let i = 0; i < piece.length;) {
      if (this.state === 'skip') {
        const n = Math.min(this.skip, piece.length - i);
        i += n;
        this.skip -= n;
        if (this.skip === 0) this.state = this.after;
        continue;
      }
      this.hdr.push(piece[i++]!);
      this.step();
    }
  }

  private step(): void {
    const h = this.hdr;
    if (this.state === 'magic' && h.length === 4) {
      const m = (h[0]! | (h[1]! << 8) | (h[2]! << 16) | (h[3]! << 24)) >>> 0;
      if (m === 0xfd2fb528) this.state = 'header';
      else if ((m & 0xfffffff0) >>> 0 === 0x184d2a50)
        this.state = 'header'; // skippable: its size follows
      else throw new DecompressError('zstd', 'not a zstd frame');
      if (m !== 0xfd2fb528) this.hdr = [-1];
      else this.hdr = [];
    } else if (this.state === 'header') this.frameHeader();
    else if (this.state === 'block' && h.length === 3) {
      const b = h[0]! | (h[1]! << 8) | (h[2]! << 16);
      const last = b & 1;
      const rle = ((b >> 1) & 3) === 1;
      this.hdr = [];
      this.skip = (rle ? 1 : b >>> 3) + (last && this.checksum ? 4 : 0); // an RLE block holds one byte
      this.after = last ? 'magic' : 'block';
      this.state = this.skip > 0 ? 'skip' : this.after;
    }
  }

  private frameHeader(): void {
    const h = this.hdr;
    if (h[0] === -1) {
      // skippable frame: 4 bytes of size, then that many bytes
      if (h.length === 5) {
        this.skip = (h[1]! | (h[2]! << 8) | (h[3]! << 16) | (h[4]! << 24)) >>> 0;
        this.after = 'magic';
        this.hdr = [];
        this.state = this.skip > 0 ? 'skip' : 'magic';
      }
      return;
    }
    const fhd = h[0]!;
    const single = (fhd >> 5) & 1;
    const fcsBytes = [single, 2, 4, 8][fhd >> 6]!;
    const didBytes = [0, 1, 2, 4][fhd & 3]!;
    const need = 1 + (single ? 0 : 1) + didBytes + fcsBytes;
    if (h.length < need) return;
    let window: number;
    if (single) {
      const at = 1 + didBytes;
      window = 0;
      for (let k = fcsBytes - 1; k >= 0; k--) window = window * 256 + h[at + k]!;
      if (fcsBytes === 2) window += 256;
    } else {
      const exp = 10 + (h[1]! >> 3);
      window = 2 ** exp + (2 ** exp / 8) * (h[1]! & 7);
    }
    if (window > ZSTD_MAX_WINDOW)
      throw new DecompressError(
        'zstd',
        `a frame needs a ${Math.round(window / 2 ** 20)} MiB window, more than the ${ZSTD_MAX_WINDOW / 2 ** 20} MiB read here; decompress it first: zstd -dc --memory=2048MB FILE | stapling-doctor -`,
      );
    this.checksum = Boolean(fhd & 4);
    this.hdr = [];
    this.state = 'block';
  }
}

/** zstd frames (one or more), with fzstd, each frame's window checked first. */
async function unzstdInto(first: Buffer, pieces: AsyncIterator<Buffer>, sink: ChunkSink, signal?: AbortSignal): Promise<void> {
  const { Decompress } = await import('fzstd');
  const frames = new ZstdFrames();
  let sinkError: unknown = null;
  const d = new Decompress((chunk) => {
    if (sinkError !== null) return;
    try {
      sink(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (err) {
      sinkError = err;
    }
  });
  const push = (piece: Uint8Array, final: boolean): void => {
    frames.check(piece);
    try {
      d.push(piece, final);
    } catch (err) {
      throw new DecompressError('zstd', (err as Error).message);
    }
    if (sinkError !== null) throw sinkError;
  };
  push(Buffer.from(first), false);
  for (;;) {
    if (signal?.aborted) return;
    const r = await pieces.next();
    if (r.done) break;
    push(Buffer.from(r.value), false);
  }
  push(new Uint8Array(0), true);
}
