/**
 * Single-pass multi-literal search with WebAssembly SIMD (the kernel is `teddy.wat`): finds every
 * position where one of up to a few hundred short *fingerprints* (3–4 bytes) may start, in one pass
 * over the input whatever the number of fingerprints, then confirms each candidate exactly in
 * JavaScript. The fingerprints are distributed over 8 buckets; similar fingerprints share a bucket so
 * that the nibble masks stay sparse and false candidates rare.
 *
 * Used by the scanner when the runtime has WebAssembly SIMD (Node ≥ 16.4); otherwise the scanner
 * falls back to one `Buffer.indexOf` pass per anchor.
 */
import { TEDDY_WASM_BASE64 } from './teddy-wasm.js';

const OUT = 1024;
const RECORD = 28;
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
let shared: Exports | null = null;

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

interface Exports {
  memory: { buffer: ArrayBuffer };
  resume: { value: number };
  count: { value: number };
  last: { value: number };
  gap: { value: number };
  scan(p: number, end: number, out: number, outEnd: number): number;
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
  private readonly masks = new Uint8Array(128);
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
    shared ??= new WASM!.Instance(mod, {}).exports as Exports;
    this.exports = shared;
    this.mem = new Uint8Array(this.exports.memory.buffer);
    this.view = new DataView(this.exports.memory.buffer);
    // Similar fingerprints in one bucket keep its masks sparse: sort, then cut into 8 runs.
    const order = fingerprints.map((_, i) => i).sort((a, b) => Buffer.compare(fingerprints[a]!, fingerprints[b]!));
    const per = Math.ceil(order.length / 8) || 1;
    order.forEach((fi, k) => this.buckets[Math.min(7, Math.floor(k / per))]!.push(fi));
    const masks = this.masks;
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

  /** A Teddy for these fingerprints, or null when WebAssembly SIMD is not available. */
  static create(fingerprints: readonly Buffer[]): Teddy | null {
    const mod = wasmModule();
    return mod ? new Teddy(mod, fingerprints) : null;
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
    mem.set(this.masks, 0);
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
        const outEnd = ex.scan(p, end, OUT, OUT_END);
        p = ex.resume.value;
        for (let o = OUT; o < outEnd; o += RECORD) {
          const block = view.getUint32(o, true);
          const before = view.getUint32(o + 4, true);
          const ends = view.getUint32(o + 8, true);
          for (let k = 0; k < 16; k++) {
            const bits = mem[o + 12 + k]!;
            if (bits === 0) continue;
            const at = block + k;
            if (at >= end) break;
            const pos = s + (at - INPUT);
            const line = base + before + popcount(ends & ((1 << k) - 1));
            for (let b = 0; b < 8; b++) {
              if ((bits & (1 << b)) === 0) continue;
              const list = this.buckets[b]!;
              for (let q = 0; q < list.length; q++) {
                const fi = list[q]!;
                const f = this.fingerprints[fi]!;
                if (pos + f.length <= buf.length && buf[pos] === f[0] && buf[pos + 1] === f[1] && buf[pos + 2] === f[2] && (f.length === 3 || buf[pos + 3] === f[3])) hit(pos, fi, line);
              }
            }
          }
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

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
