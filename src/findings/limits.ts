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
 * Slots of the identity set at most (8 bytes each: 16 MiB). It counts distinct identities exactly while
 * it is at most {@link LOAD} full, {@link IDENTITIES_COUNTED_MAX}; past that a summary says "at least".
 */
const MAX_SLOTS = 1 << 21;
/** Highest fill of the identity table before it grows (by half: the old and new tables coexist while it grows). */
const LOAD = 0.8;
/** Distinct summarised identities counted exactly (1 677 721). */
export const IDENTITIES_COUNTED_MAX = Math.floor(MAX_SLOTS * LOAD);

export { EVIDENCE_TEXT_MAX, ownText, VALUE_MAX } from '../lines/retain.js';

/**
 * Distinct identity keys, as 64-bit hashes in an open-addressing table of 32-bit words (8 bytes a slot,
 * at most {@link LOAD} full): ~10 bytes per identity instead of the key itself, ~17 while the table grows
 * by half. Two different keys count once only if both 32-bit hashes collide (odds about n²/2^65: below
 * 1e-7 for 1.6 million keys). The table grows to {@link MAX_SLOTS} slots and then stops taking new keys.
 */
export class IdentitySet {
  private table = new Uint32Array(2 * 1024);
  private used = 0;
  /** True once a new key could not be added (the counts from then on are lower bounds). */
  full = false;

  /** @param maxSlots slots at most (at least 1024; default {@link MAX_SLOTS}) */
  constructor(private readonly maxSlots = MAX_SLOTS) {}

  /** @returns true when the key is new, false when it was seen, null when the set is full and it was not seen */
  add(key: string): boolean | null {
    const [a, b] = hash2(key);
    const slot = this.find(a, b);
    if (this.table[2 * slot] !== 0 || this.table[2 * slot + 1] !== 0) return false;
    if ((this.used + 1) / (this.table.length / 2) > LOAD) {
      if (this.table.length / 2 >= this.maxSlots) {
        this.full = true;
        return null;
      }
      this.grow();
      return this.add(key);
    }
    this.table[2 * slot] = a;
    this.table[2 * slot + 1] = b;
    this.used++;
    return true;
  }

  /** Distinct keys held. */
  get size(): number {
    return this.used;
  }

  /** The slot holding (a, b), or the empty slot where it would go (linear probing from a's place in the table). */
  private find(a: number, b: number): number {
    const slots = this.table.length / 2;
    let i = Math.floor((a / 0x1_0000_0000) * slots);
    for (;;) {
      const x = this.table[2 * i]!;
      const y = this.table[2 * i + 1]!;
      if ((x === 0 && y === 0) || (x === a && y === b)) return i;
      i = i + 1 === slots ? 0 : i + 1;
    }
  }

  /** Grow by half (at most to `maxSlots`), so that the old and the new table together stay small. */
  private grow(): void {
    const old = this.table;
    const slots = Math.min(this.maxSlots, Math.ceil((old.length / 2) * 1.5));
    this.table = new Uint32Array(2 * slots);
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i]!;
      const b = old[i + 1]!;
      if (a === 0 && b === 0) continue;
      const slot = this.find(a, b);
      this.table[2 * slot] = a;
      this.table[2 * slot + 1] = b;
    }
  }
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
