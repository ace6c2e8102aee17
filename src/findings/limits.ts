/**
 * What keeps a finding store bounded however many lines and identities a log holds, without a finding
 * ever carrying a count or a subject that is not its own:
 * - at most {@link MAX_FINDINGS_PER_CAUSE} findings are listed one by one per cause and server, and at
 *   most {@link MAX_FINDINGS} in all; every later identity (certificate, vhost, responder) of that cause
 *   and server joins one summary finding, which has no subject, exact occurrence counts and first/last,
 *   and counts the identities it stands for ({@link IdentitySet});
 * - evidence: at most 10 lines per finding (`--max-evidence`), fewer once all findings hold
 *   {@link MAX_EVIDENCE_LINES}, never fewer than the first and the latest; episodes: 50 per timeline,
 *   fewer (with a wider gap, exact counts) once all timelines hold {@link MAX_EPISODES_IN_ALL};
 * - every string a finding keeps from a line is its own copy, capped ({@link ownText}): evidence text at
 *   {@link EVIDENCE_TEXT_MAX} characters (with the line's length beside it), other values at
 *   {@link VALUE_MAX}, so that no 64 KiB line stays alive because a finding holds a piece of it.
 */

/** Findings listed one by one per cause and server; later identities are summarised. */
export const MAX_FINDINGS_PER_CAUSE = 1000;
/** Findings listed one by one in all (every cause and server). */
export const MAX_FINDINGS = 10_000;
/**
 * Evidence lines kept in all findings (~7 MB at ~700 bytes a line with its values): past it, every
 * finding keeps one line fewer, down to its first and latest line (the rest are counted in
 * `evidenceOmitted`).
 */
export const MAX_EVIDENCE_LINES = 10_000;
/**
 * Episodes kept in all findings' timelines (~4 MB at ~190 bytes an episode): past it, the episodes each
 * timeline may keep (50) are lowered by a quarter at a time, down to {@link MIN_EPISODES_PER_FINDING},
 * and each timeline widens its gap to fit (counts stay exact).
 */
export const MAX_EPISODES_IN_ALL = 20_000;
/** Episodes a timeline may keep however many findings there are. */
export const MIN_EPISODES_PER_FINDING = 5;
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

/** Bits of the hash that pick a bucket of {@link IdentitySet}; 48 more bits are stored, as three 16-bit words. */
const BUCKET_BITS = 12;
/** Entries a bucket holds when first used. */
const BUCKET_START = 8;

/**
 * Distinct identity keys, as 60-bit hashes: 2^12 buckets picked by 12 bits of the hash, each a sorted
 * Uint16Array of the other 48 bits (three words per key), grown by an eighth when full: ~6.4 bytes per
 * identity (the words, the unused eighth of one growth step and the buckets' own headers), 6.6 MB for a
 * million certificates (the Float64Array buckets it replaced took ~9 bytes, and an open-addressing table
 * at 80 % load 10, and 17 while it grew by half). Growing copies one bucket, never the whole set. Two
 * different keys count once only if 60 bits of their two 32-bit hashes collide (odds about n²/2^61:
 * below 1.3e-6 for 1.6 million keys). It takes at most `LOAD × maxSlots` keys, then stops taking new ones.
 */
export class IdentitySet {
  private readonly buckets: (Uint16Array | undefined)[] = new Array<Uint16Array | undefined>(1 << BUCKET_BITS);
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
    // 48 more bits: the low 16 of `a` (its bits 16–19 are not used), then all 32 of `b`.
    const x = (a & 0xffff) * 0x1_0000_0000 + b;
    const n = this.lengths[bucket]!;
    let ws = this.buckets[bucket];
    const at = ws === undefined ? 0 : lowerBound(ws, n, x);
    if (at < n && wordsAt(ws!, at) === x) return false;
    if (this.used >= this.max) {
      this.full = true;
      return null;
    }
    if (ws === undefined || 3 * n === ws.length) {
      const grown = new Uint16Array(3 * (ws === undefined ? BUCKET_START : n + Math.max(BUCKET_START, n >>> 3)));
      if (ws !== undefined) grown.set(ws);
      ws = this.buckets[bucket] = grown;
    }
    ws.copyWithin(3 * at + 3, 3 * at, 3 * n);
    ws[3 * at] = a & 0xffff;
    ws[3 * at + 1] = b >>> 16;
    ws[3 * at + 2] = b & 0xffff;
    this.lengths[bucket] = n + 1;
    this.used++;
    return true;
  }

  /** Distinct keys held. */
  get size(): number {
    return this.used;
  }
}

/** The 48-bit number stored as the `i`-th three words of `ws`. */
function wordsAt(ws: Uint16Array, i: number): number {
  return ws[3 * i]! * 0x1_0000_0000 + ws[3 * i + 1]! * 0x1_0000 + ws[3 * i + 2]!;
}

/** Index of the first of the `n` sorted numbers stored in `ws` that is >= `x`. */
function lowerBound(ws: Uint16Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (wordsAt(ws, mid) < x) lo = mid + 1;
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
