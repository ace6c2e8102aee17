/**
 * Single-pass multi-literal search with WebAssembly SIMD (the kernel is `teddy.wat`): finds every
 * position where one of up to a few hundred short *fingerprints* (3–4 bytes) may start, in one pass
 * over the input whatever the number of fingerprints, then confirms each candidate exactly in
 * JavaScript. The fingerprints are distributed over 8 buckets; similar fingerprints share a bucket so
 * that the nibble masks stay sparse and false candidates rare.
 *
 * Used by the scanner when the runtime has WebAssembly SIMD (Node ≥ 16.4) and the module can be
 * instantiated (not under a tight `ulimit -v`); otherwise the scanner falls back to one
 * `Buffer.indexOf` pass per anchor.
 */
import { TEDDY_WASM_BASE64 } from './teddy-wasm.js';

const FP_COUNTS = 128;
const FP_TABLE = 256;
/** Fingerprints per bucket the kernel's table holds (12 bytes each). */
const MAX_PER_BUCKET = 32;
const OUT = 4096;
const RECORD = 12;
const OUT_END = OUT + RECORD * 16384;
const INPUT = 1 << 20;
/** Largest input segment copied into the module per call (bytes). */
const SEGMENT = 1 << 20;
const PAD = 32;

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
 * 2.5 MiB); each writes its 128 bytes of masks into it when it searches. Not re-entrant (JavaScript
 * is single-threaded and `find` does not yield).
 */
export class Teddy {
  private readonly exports: Exports;
  private readonly mem: Uint8Array;
  private readonly view: DataView;
  /** Masks, per-bucket counts and fingerprint table, as written into the module's memory [0, FP_TABLE + 8·32·12). */
  private readonly tables = new Uint8Array(FP_TABLE + 8 * MAX_PER_BUCKET * 12);
  /** Fingerprint indexes per bucket. */
  private readonly buckets: number[][] = Array.from({ length: 8 }, () => []);

  /**
   * @param fingerprints 3- or 4-byte strings (each char one byte, latin1)
   * @throws Error when a fingerprint is not 3–4 bytes
   */
  private constructor(
    mod: WasmModule,
    readonly fingerprints: readonly Buffer[],
  ) {
    this.exports = instance(mod)!;
    this.mem = new Uint8Array(this.exports.memory.buffer);
    this.view = new DataView(this.exports.memory.buffer);
    // Similar fingerprints in one bucket keep its masks sparse: sort, then cut into 8 runs.
    const order = fingerprints.map((_, i) => i).sort((a, b) => Buffer.compare(fingerprints[a]!, fingerprints[b]!));
    const per = Math.ceil(order.length / 8) || 1;
    order.forEach((fi, k) => this.buckets[Math.min(7, Math.floor(k / per))]!.push(fi));
    const masks = this.tables.subarray(0, 128);
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
        for (let j = 0; j < 4; j++) {
          const lo = masks.subarray(32 * j, 32 * j + 16);
          const hi = masks.subarray(32 * j + 16, 32 * j + 32);
          if (j < f.length) {
            lo[f[j]! & 15]! |= 1 << b;
            hi[f[j]! >> 4]! |= 1 << b;
          } else {
            for (let n = 0; n < 16; n++) {
              lo[n]! |= 1 << b;
              hi[n]! |= 1 << b;
            }
          }
        }
      }
    });
  }

  /**
   * A Teddy for these fingerprints, or null when WebAssembly SIMD is not available, its memory cannot
   * be reserved (an address-space limit), or there are more than 8 × 32 fingerprints (the caller then
   * uses its fallback).
   */
  static create(fingerprints: readonly Buffer[]): Teddy | null {
    if (fingerprints.length === 0 || fingerprints.length > 8 * MAX_PER_BUCKET) return null;
    const mod = wasmModule();
    if (!mod || !instance(mod)) return null;
    return new Teddy(mod, fingerprints);
  }

  /**
   * Scan buf[from, to): every occurrence of a fingerprint starting there, and the line ends.
   * Calls `hit(position, fingerprint index, line index)` in ascending order of position (several
   * fingerprints at one position: in bucket order), where the line index is the number of line ends
   * in [from, position). Bytes after `to` are read only to tell a lone CR from a CRLF. Allocates
   * nothing per candidate.
   */
  scan(buf: Buffer, from: number, to: number, hit: (pos: number, fp: number, line: number) => void): LineEnds {
    const mem = this.mem;
    const view = this.view;
    const ex = this.exports;
    mem.set(this.tables, 0);
    const reserve = 16 * this.fingerprints.length * RECORD; // the most hits one block can produce
    let base = 0;
    let lastAbs = from - 1;
    let maxGap = 0;
    for (let s = from; s < to; s += SEGMENT) {
      const segEnd = Math.min(to, s + SEGMENT);
      const copyEnd = Math.min(buf.length, segEnd + 3); // fingerprints starting near segEnd, and CR/LF
      mem.set(buf.subarray(s, copyEnd), INPUT);
      mem.fill(0, INPUT + (copyEnd - s), INPUT + (copyEnd - s) + PAD);
      ex.count.value = 0;
      ex.last.value = INPUT + (lastAbs - s);
      ex.gap.value = maxGap;
      let p = INPUT;
      const end = INPUT + (segEnd - s);
      while (p < end) {
        const outEnd = ex.scan(p, end, OUT, OUT_END, reserve);
        p = ex.resume.value;
        for (let o = OUT; o < outEnd; o += RECORD) {
          const pos = s + (view.getUint32(o, true) - INPUT);
          const fp = view.getUint32(o + 4, true);
          // Past the end of the buffer the module sees zero padding, which a fingerprint with a NUL byte could match.
          if (pos + this.fingerprints[fp]!.length <= buf.length) hit(pos, fp, base + view.getUint32(o + 8, true));
        }
      }
      base += ex.count.value;
      lastAbs = s + (ex.last.value - INPUT);
      maxGap = ex.gap.value;
    }
    return { count: base, last: lastAbs, maxGap };
  }

  /**
   * Every occurrence of a fingerprint starting in buf[from, to): `hit(position, fingerprint index)`
   * in ascending order of position.
   */
  find(buf: Buffer, from: number, to: number, hit: (pos: number, fp: number) => void): void {
    this.scan(buf, from, to, hit);
  }
}
