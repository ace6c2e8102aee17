/**
 * Types of the parts of unbzip2-stream used by `decompress.ts` (the package ships none): the bzip2 block
 * decoder and its bit reader (unbzip2-stream `lib/bzip2.js`, `lib/bit_iterator.js`, version 1.4.3).
 */
declare module 'unbzip2-stream/lib/bit_iterator.js' {
  /** A function reading `n` bits (null: skip to the next byte boundary), with the count of bytes read. */
  export interface BitReader {
    (n: number | null): number;
    bytesRead: number;
  }
  /** @param nextBuffer returns the next input buffer (undefined when there is none) */
  export default function bitIterator(nextBuffer: () => Uint8Array | undefined): BitReader;
}

declare module 'unbzip2-stream/lib/bzip2.js' {
  import type { BitReader } from 'unbzip2-stream/lib/bit_iterator.js';
  const bzip2: {
    /** Reads a stream header ("BZh" and the block size digit); returns the block size (1–9, × 100 000 bytes). @throws on a bad header */
    header(bits: BitReader): number;
    /**
     * Decodes one block, calling `out` with each byte; returns the running stream CRC, or null at the
     * end of the stream. @throws on corrupt data (and TypeError when the input runs out)
     */
    decompress(bits: BitReader, out: (byte: number) => void, buf: Int32Array, bufsize: number, streamCRC: number | null): number | null;
  };
  export default bzip2;
}
