/**
 * What keeps a finding store bounded however many lines and identities a log holds, without a finding
 * ever carrying a count or a subject that is not its own:
 * - at most {@link MAX_FINDINGS_PER_CAUSE} findings are listed one by one per cause and server, and at
 *   most {@link MAX_FINDINGS} in all; every later identity (certificate, vhost, responder) of that cause
 *   and server joins one summary finding, which has no subject, exact occurrence counts and first/last,
 *   and counts the identities it stands for ({@link IdentitySet});
 * - every string a finding keeps from a line is its own copy, capped ({@link ownText}): evidence text at
 *   {@link EVIDENCE_TEXT_MAX} characters (with the line's length beside it), other values at
 *   {@link VALUE_MAX}, so that no 64 KiB line stays alive because a finding holds a piece of it.
 */

/** Findings listed one by one per cause and server; later identities are summarised. */
export const MAX_FINDINGS_PER_CAUSE = 1000;
/** Findings listed one by one in all (every cause and server). */
export const MAX_FINDINGS = 10_000;
/**
 * Slots of the identity set at most: it counts distinct identities exactly while it holds at most
 * {@link LOAD} × this many, {@link IDENTITIES_COUNTED_MAX}; past that a summary says "at least".
 */
const MAX_SLOTS = 1 << 21;
/** Share of the slots an identity set fills at most (kept from the open-addressing table it replaced, so the limits stay). */
const LOAD = 0.8;
/** Distinct summarised identities counted exactly (1 677 721). */
export const IDENTITIES_COUNTED_MAX = Math.floor(MAX_SLOTS * LOAD);

export { EVIDENCE_TEXT_MAX, keepableAsIs, ownText, VALUE_MAX } from '../lines/retain.js';

/** Bits of the hash that pick a bucket of {@link IdentitySet}; the other 21 + 32 bits are stored (below 2^53, exact in a double). */
const BUCKET_BITS = 11;
/** Entries a bucket holds when first used. */
const BUCKET_START = 8;

/**
 * Distinct identity keys, as 64-bit hashes: 2^11 buckets picked by 11 bits of the hash, each a sorted
 * Float64Array of the other 53 bits, grown by a quarter when full: ~9 bytes per identity (the hashes and
 * the unused quarter of one growth step), and growing copies one bucket, never the whole set (an
 * open-addressing table at 80 % load took 10 bytes per identity and 17 while it grew by half: 20 MB
 * for a million certificates). Two different keys count once only if both 32-bit hashes collide (odds
 * about n²/2^65: below 1e-7 for 1.6 million keys). It takes at most `LOAD × maxSlots` keys, then stops
 * taking new ones.
 */
export class IdentitySet {
  private readonly buckets: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(1 << BUCKET_BITS);
  private readonly lengths = new Uint32Array(1 << BUCKET_BITS);
  private used = 0;
  private readonly max: number;
  /** True once a new key could not be added (the counts from then on are lower bounds). */
  full = false;

  /** @param maxSlots the key limit is {@link LOAD} × this (at least 1024; default {@link MAX_SLOTS}) */
  constructor(maxSlots = MAX_SLOTS) {
    this.max = Math.floor(Math.max(1024, maxSlots) * LOAD);
  }

  /** @returns true when the key is new, false when it was seen, null when the set is full and it was not seen */
  add(key: string): boolean | null {
    const [a, b] = hash2(key);
    const bucket = a >>> (32 - BUCKET_BITS);
    const x = (a & ((1 << (32 - BUCKET_BITS)) - 1)) * 0x1_0000_0000 + b;
    const n = this.lengths[bucket]!;
    let xs = this.buckets[bucket];
    const at = xs === undefined ? 0 : lowerBound(xs, n, x);
    if (at < n && xs![at] === x) return false;
    if (this.used >= this.max) {
      this.full = true;
      return null;
    }
    if (xs === undefined || n === xs.length) {
      const grown = new Float64Array(xs === undefined ? BUCKET_START : n + Math.max(BUCKET_START, n >>> 2));
      if (xs !== undefined) grown.set(xs);
      xs = this.buckets[bucket] = grown;
    }
    xs.copyWithin(at + 1, at, n);
    xs[at] = x;
    this.lengths[bucket] = n + 1;
    this.used++;
    return true;
  }

  /** Distinct keys held. */
  get size(): number {
    return this.used;
  }
}

/** Index of the first of the `n` sorted numbers of `xs` that is >= `x`. */
function lowerBound(xs: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Two independent 32-bit hashes of a string's UTF-16 code units (FNV-1a finalised, and a multiplicative mix); never both 0. */
function hash2(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x2545f491 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // MurmurHash3's finaliser on FNV-1a, so that its high bits (they pick the slot) depend on every character.
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a = (a ^ (a >>> 16)) >>> 0;
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35) >>> 0;
  return a === 0 && b === 0 ? [0, 1] : [a, b];
}
