/**
 * Single-pass multi-literal search with WebAssembly SIMD (the kernel is `teddy.wat`): finds every
 * position where one of up to a few hundred short *fingerprints* (3–4 bytes) may start, in one pass
 * over the input whatever the number of fingerprints, then confirms each candidate exactly in
 * JavaScript. The fingerprints are distributed over 16 buckets; fingerprints that share a bucket widen
 * its nibble masks (a bucket passes every byte whose low and high nibbles each occur at that offset in
 * one of its fingerprints), so the caller groups them: the planner (`rules/prefilter.ts`) chooses the
 * grouping that lets the fewest positions of a sample of the input through.
 *
 * Used by the scanner when the runtime has WebAssembly SIMD (Node ≥ 16.4) and the module can be
 * instantiated (not under a tight `ulimit -v`); otherwise the scanner falls back to one
 * `Buffer.indexOf` pass per anchor.
 */
import { TEDDY_WASM_BASE64 } from './teddy-wasm.js';

/** Buckets of the kernel (two result vectors of 8 bits per byte). */
export const TEDDY_BUCKETS = 16;
const MASKS = 256;
const FP_COUNTS = 256;
const FP_TABLE = 512;
/** Fingerprints per bucket the kernel's table holds (12 bytes each). */
export const MAX_PER_BUCKET = 32;
const OUT = 8192;
const RECORD = 12;
const OUT_END = OUT + RECORD * 16384;
const INPUT = 1 << 20;
/** Largest input segment copied into the module per call (bytes). */
const SEGMENT = 1 << 20;
const PAD = 32;
/** Read buffers lent out of the module's memory ({@link scanBuffer}): how many, and where. */
const REGIONS = 4;
const REGION_SIZE = 1 << 20;
const REGION_STRIDE = REGION_SIZE + 4096;
const REGION_BASE = INPUT + SEGMENT + 4096;

// The part of the WebAssembly JS API used here (TypeScript declares it only in the DOM library).
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}
const WASM = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;
let shared: Exports | null | undefined;

function wasmModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  try {
    if (!WASM) throw new Error('no WebAssembly');
    compiled = new WASM.Module(Buffer.from(TEDDY_WASM_BASE64, 'base64'));
  } catch {
    compiled = null; // no WebAssembly SIMD in this runtime
  }
  return compiled;
}

/**
 * The one instance of the kernel, made on first use; null when it cannot be made. Instantiating reserves
 * the module's memory with V8's guard regions (about 10 GiB of address space on 64-bit), which fails
 * under an address-space limit (`ulimit -v`): "WebAssembly.Instance(): Out of memory: Cannot allocate
 * Wasm memory for new instance". The scanner then uses its `indexOf` path, which finds the same lines.
 */
function instance(mod: WasmModule): Exports | null {
  if (shared !== undefined) return shared;
  try {
    shared = new WASM!.Instance(mod, {}).exports as Exports;
  } catch {
    shared = null;
  }
  return shared;
}

interface Exports {
  memory: { buffer: ArrayBuffer };
  resume: { value: number };
  count: { value: number };
  last: { value: number };
  gap: { value: number };
  scan(p: number, end: number, out: number, outEnd: number, reserve: number): number;
}

let lent = 0;

/**
 * A buffer of `size` bytes (at most 1 MiB) inside the kernel's memory, for reading an input into: a
 * chunk read there is scanned where it is, without the copy into the module (a memmove of every byte,
 * ~4 % of a large file's scan). At most 4 are ever lent (the reader keeps and reuses its buffers);
 * null when they are gone or the module cannot be made: the reader then allocates its own.
 */
export function scanBuffer(size: number): Buffer | null {
  if (size > REGION_SIZE || lent >= REGIONS) return null;
  const mod = wasmModule();
  const ex = mod ? instance(mod) : null;
  if (!ex) return null;
  return Buffer.from(ex.memory.buffer, REGION_BASE + REGION_STRIDE * lent++, size);
}

/** The default grouping: the fingerprints sorted, cut into {@link TEDDY_BUCKETS} runs. */
function sortedRuns(fingerprints: readonly Buffer[]): number[] {
  const order = fingerprints.map((_, i) => i).sort((a, b) => Buffer.compare(fingerprints[a]!, fingerprints[b]!));
  const per = Math.ceil(order.length / TEDDY_BUCKETS) || 1;
  const bucketOf = new Array<number>(fingerprints.length);
  order.forEach((fi, k) => (bucketOf[fi] = Math.min(TEDDY_BUCKETS - 1, Math.floor(k / per))));
  return bucketOf;
}

/** What {@link Teddy.scan} found out about the line ends of the range it scanned. */
export interface LineEnds {
  /** Line ends in the range: LF, and CR not followed by LF. */
  count: number;
  /** Position of the last line end in the range, or `from - 1` when there is none. */
  last: number;
  /** Longest distance between consecutive line ends, counting from `from - 1` (a line's length + 1). */
  maxGap: number;
}

/**
 * A compiled set of fingerprints. All Teddy objects share one WebAssembly instance (its memory is
 * 6.25 MiB, 4 of them read buffers only touched once lent); each writes its masks and table into it
 * when it searches. Not re-entrant (JavaScript
 * is single-threaded and `find` does not yield).
 */
export class Teddy {
  private readonly exports: Exports;
  private readonly mem: Uint8Array;
  private readonly view: DataView;
  /** Masks, per-bucket counts and fingerprint table, as written into the module's memory [0, FP_TABLE + 16·32·12). */
  private readonly tables = new Uint8Array(FP_TABLE + TEDDY_BUCKETS * MAX_PER_BUCKET * 12);
  /** Fingerprint indexes per bucket. */
  private readonly buckets: number[][] = Array.from({ length: TEDDY_BUCKETS }, () => []);

  /**
   * @param fingerprints 3- or 4-byte strings (each char one byte, latin1)
   * @param bucketOf the bucket (0–15) of each fingerprint
   * @throws Error when a fingerprint is not 3–4 bytes
   */
  private constructor(
    mod: WasmModule,
    readonly fingerprints: readonly Buffer[],
    bucketOf: readonly number[],
  ) {
    this.exports = instance(mod)!;
    this.mem = new Uint8Array(this.exports.memory.buffer);
    this.view = new DataView(this.exports.memory.buffer);
    fingerprints.forEach((_, fi) => this.buckets[bucketOf[fi]!]!.push(fi));
    const masks = this.tables.subarray(0, MASKS);
    const table = new DataView(this.tables.buffer);
    this.buckets.forEach((list, b) => {
      table.setInt32(FP_COUNTS + 4 * b, list.length, true);
      list.forEach((fi, i) => {
        const f = fingerprints[fi]!;
        const at = FP_TABLE + (b * MAX_PER_BUCKET + i) * 12;
        table.setUint32(at, (f[0]! | (f[1]! << 8) | (f[2]! << 16) | ((f.length === 4 ? f[3]! : 0) << 24)) >>> 0, true);
        table.setUint32(at + 4, f.length === 4 ? 0xffffffff : 0x00ffffff, true);
        table.setInt32(at + 8, fi, true);
      });
    });
    this.buckets.forEach((list, b) => {
      for (const fi of list) {
        const f = fingerprints[fi]!;
        if (f.length < 3 || f.length > 4) throw new Error(`fingerprint must be 3-4 bytes: ${JSON.stringify(f.toString('latin1'))}`);
        // Offset j's 64 bytes of masks: lo and hi of buckets 0-7, then lo and hi of buckets 8-15.
        const at = b < 8 ? 0 : 32;
        const bit = 1 << (b % 8);
        for (let j = 0; j < 4; j++) {
          const lo = masks.subarray(64 * j + at, 64 * j + at + 16);
          const hi = masks.subarray(64 * j + at + 16, 64 * j + at + 32);
          if (j < f.length) {
            lo[f[j]! & 15]! |= bit;
            hi[f[j]! >> 4]! |= bit;
          } else {
            for (let n = 0; n < 16; n++) {
              lo[n]! |= bit;
              hi[n]! |= bit;
            }
          }
        }
      }
    });
  }

  /**
   * A Teddy for these fingerprints, or null when WebAssembly SIMD is not available, its memory cannot
   * be reserved (an address-space limit), or a bucket would hold more than 32 fingerprints (the
   * caller then uses its fallback).
   * @param bucketOf the bucket (0–15) of each fingerprint, as the planner grouped them; default: the
   *   fingerprints sorted and cut into 16 runs (similar fingerprints together)
   */
  static create(fingerprints: readonly Buffer[], bucketOf: readonly number[] = sortedRuns(fingerprints)): Teddy | null {
    if (fingerprints.length === 0 || bucketOf.length !== fingerprints.length) return null;
    const per = new Array<number>(TEDDY_BUCKETS).fill(0);
    for (const b of bucketOf) if (!(b >= 0 && b < TEDDY_BUCKETS) || ++per[b]! > MAX_PER_BUCKET) return null;
    const mod = wasmModule();
    if (!mod || !instance(mod)) return null;
    return new Teddy(mod, fingerprints, bucketOf);
  }

  /**
   * Scan buf[from, to): every occurrence of a fingerprint starting there, and the line ends.
   * Calls `hit(position, fingerprint index, line index)` in ascending order of position (several
   * fingerprints at one position: in bucket order), where the line index is the number of line ends
   * in [from, position). Bytes after `to` are read only to tell a lone CR from a CRLF. Allocates
   * nothing per candidate.
   */
  scan(buf: Buffer, from: number, to: number, hit: (pos: number, fp: number, line: number) => void): LineEnds {
    this.mem.set(this.tables, 0);
    const state = { count: 0, last: from - 1, maxGap: 0 };
    if (buf.buffer === this.exports.memory.buffer && buf.byteOffset >= REGION_BASE) {
      // Read straight into the module's memory (scanBuffer): scanned where it is. What follows it in
      // its region is zero, as after a copy.
      this.mem.fill(0, buf.byteOffset + buf.length, buf.byteOffset + buf.length + PAD);
      this.segment(buf, buf.byteOffset, from, to, state, hit);
      return state;
    }
    for (let s = from; s < to; s += SEGMENT) {
      const segEnd = Math.min(to, s + SEGMENT);
      const copyEnd = Math.min(buf.length, segEnd + 3); // fingerprints starting near segEnd, and CR/LF
      this.mem.set(buf.subarray(s, copyEnd), INPUT);
      this.mem.fill(0, INPUT + (copyEnd - s), INPUT + (copyEnd - s) + PAD);
      this.segment(buf, INPUT - s, s, segEnd, state, hit);
    }
    return state;
  }

  /**
   * Scan buf[s, segEnd), whose byte i is at address `at + i` of the module's memory, carrying the
   * line-end state (`count` line ends before s, the `last` one, the longest gap) in `state`.
   */
  private segment(
    buf: Buffer,
    at: number,
    s: number,
    segEnd: number,
    state: LineEnds,
    hit: (pos: number, fp: number, line: number) => void,
  ): void {
    const view = this.view;
    const ex = this.exports;
    const reserve = 16 * this.fingerprints.length * RECORD; // the most hits one block can produce
    const base = state.count;
    ex.count.value = 0;
    ex.last.value = at + state.last;
    ex.gap.value = state.maxGap;
    let p = at + s;
    const end = at + segEnd;
    while (p < end) {
      const outEnd = ex.scan(p, end, OUT, OUT_END, reserve);
      p = ex.resume.value;
      for (let o = OUT; o < outEnd; o += RECORD) {
        const pos = view.getUint32(o, true) - at;
        const fp = view.getUint32(o + 4, true);
        // Past the end of the buffer the module sees zero padding, which a fingerprint with a NUL byte could match.
        if (pos + this.fingerprints[fp]!.length <= buf.length) hit(pos, fp, base + view.getUint32(o + 8, true));
      }
    }
    state.count = base + ex.count.value;
    state.last = ex.last.value - at;
    state.maxGap = ex.gap.value;
  }

  /**
   * Every occurrence of a fingerprint starting in buf[from, to): `hit(position, fingerprint index)`
   * in ascending order of position.
   */
  find(buf: Buffer, from: number, to: number, hit: (pos: number, fp: number) => void): void {
    this.scan(buf, from, to, hit);
  }
}
