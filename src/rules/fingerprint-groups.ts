/**
 * Which fingerprints share a bucket of the SIMD filter (`lines/teddy.ts`). A bucket tests each of the
 * fingerprint's four offsets with two nibble masks, so it lets through every byte whose low nibble
 * and high nibble each occur at that offset in one of its fingerprints: two fingerprints `"OCSP"` and
 * `"ocsp"` cost no more than one, `"vali"` and `"stry"` together pass `"valy"`, `"stri"`, … and the
 * cost of a grouping is the positions of the input that some bucket lets through. Error logs repeat
 * a few templates, so that is counted on the distinct 4-byte grams of a sample of the input itself
 * (with no sample: estimated from byte frequencies, offsets taken as independent).
 *
 * Greedy agglomeration (as Hyperscan's Teddy compiler does): every fingerprint starts alone; the pair
 * of groups whose merge adds the least cost is merged until the kernel's 16 buckets suffice.
 */

/** The distinct 4-byte grams of a sample and their counts, ordered by their first two bytes. */
export interface Grams {
  /** Grams whose first two bytes are (b0, b1) are at [start[b0·256 + b1], start[b0·256 + b1 + 1]) of `gram`. */
  readonly start: Uint32Array;
  /** The grams, big-endian (first byte in the top 8 bits), ascending. */
  readonly gram: Uint32Array;
  /** Running total of the counts: grams [i, j) occur cum[j] − cum[i] times. */
  readonly cum: Float64Array;
  /** Positions counted (sample length − 3). */
  readonly n: number;
  /** For each first byte, the second bytes that follow it in some gram. */
  readonly next: readonly Uint8Array[];
}

/** What the grouping needs to know of the input. */
export interface GroupModel {
  /** P(byte), used when there are no grams. */
  unigram(b: number): number;
  /** The sample's grams, when there is a sample. */
  readonly grams?: Grams;
}

/**
 * Count the distinct 4-byte grams of a sample: every gram of the sample sorted (a native typed-array
 * sort), then counted run by run and indexed by the first two bytes. Cost: a few ms for 64 KiB.
 */
export function countGrams(sample: Uint8Array): Grams {
  const all = new Uint32Array(Math.max(0, sample.length - 3));
  let v = 0;
  for (let i = 0; i < sample.length; i++) {
    v = ((v << 8) | sample[i]!) >>> 0;
    if (i >= 3) all[i - 3] = v;
  }
  all.sort();
  const gram = new Uint32Array(all.length);
  const cum = new Float64Array(all.length + 1);
  const start = new Uint32Array(65537);
  const rows: number[][] = Array.from({ length: 256 }, () => []);
  let distinct = 0;
  let pair = -1;
  for (let i = 0; i < all.length; i++) {
    const q = all[i]!;
    if (i > 0 && q === all[i - 1]) {
      cum[distinct]!++;
      continue;
    }
    if (q >>> 16 !== pair) {
      start.fill(distinct, pair + 1, (q >>> 16) + 1); // pairs up to this one start here
      pair = q >>> 16;
      rows[q >>> 24]!.push((q >>> 16) & 255);
    }
    gram[distinct++] = q;
    cum[distinct] = cum[distinct - 1]! + 1;
  }
  start.fill(distinct, pair + 1);
  return { start, gram: gram.slice(0, distinct), cum: cum.slice(0, distinct + 1), n: Math.max(1, sample.length - 3), next: rows.map((r) => Uint8Array.from(r)) };
}

/**
 * A group's masks at offsets 0–3, each the set of low nibbles allowed there (bits 0–15) and of high
 * nibbles (bits 16–31); its fingerprints; its cost.
 */
interface Group {
  masks: number[];
  members: number[];
  cost: number;
}

// Relative costs per position of the input, in the kernel's terms: a position that passes offsets 0
// and 1 makes its block test offsets 2 and 3 too (and a branch the CPU cannot predict); one that
// passes all four is looked at lane by lane and compared with each fingerprint of the bucket.
const STAGE_TWO = 5;
const LANE = 30;
const ENTRY = 5;

/** Whether an offset's masks (low-nibble set | high-nibble set << 16) let byte x through. */
const passes = (mask: number, x: number): boolean => ((mask >>> (x & 15)) & (mask >>> (16 + (x >>> 4))) & 1) === 1;

const ctz = (x: number): number => 31 - Math.clz32(x & -x);

const FIRST = new Uint8Array(256);
const SECOND = new Uint8Array(256);

/** Write the bytes an offset's masks let through into `out`; returns how many. */
function bytesOf(mask: number, out: Uint8Array): number {
  let n = 0;
  for (let h = mask >>> 16; h !== 0; h &= h - 1) for (let l = mask & 0xffff; l !== 0; l &= l - 1) out[n++] = (ctz(h) << 4) | ctz(l);
  return n;
}

/** Estimated cost per input position of one bucket with these masks (lo[j] | hi[j] << 16 per offset j) and this many fingerprints. */
function bucketCost(m0: number, m1: number, m2: number, m3: number, size: number, m: GroupModel): number {
  let p01 = 0;
  let p = 0;
  const g = m.grams;
  if (g) {
    // Every byte pair (x0, x1) that offsets 0 and 1 let through and the sample has, then its grams one by one.
    const n1 = bytesOf(m1, SECOND);
    for (let i0 = 0, n0 = bytesOf(m0, FIRST); i0 < n0; i0++) {
      const x0 = FIRST[i0]!;
      const next = g.next[x0]!;
      const few = next.length < n1;
      for (let i = 0, n = few ? next.length : n1; i < n; i++) {
        const x1 = few ? next[i]! : SECOND[i]!;
        if (few && !passes(m1, x1)) continue;
        const from = g.start[(x0 << 8) | x1]!;
        const to = g.start[((x0 << 8) | x1) + 1]!;
        if (from === to) continue;
        p01 += g.cum[to]! - g.cum[from]!;
        for (let k = from; k < to; k++) {
          const q = g.gram[k]!;
          if (passes(m2, (q >>> 8) & 255) && passes(m3, q & 255)) p += g.cum[k + 1]! - g.cum[k]!;
        }
      }
    }
    p01 /= g.n;
    p /= g.n;
  } else {
    const at = [m0, m1, m2, m3].map((mj) => {
      let s = 0;
      for (let x = 0; x < 256; x++) if (passes(mj, x)) s += m.unigram(x);
      return s;
    });
    p01 = at[0]! * at[1]!;
    p = p01 * at[2]! * at[3]!;
  }
  return STAGE_TWO * p01 + p * (LANE + ENTRY * size);
}

function single(fi: number, f: string, m: GroupModel): Group {
  // A 3-byte fingerprint allows any fourth byte.
  const masks = [0, 1, 2, 3].map((j) => (j < f.length ? ((1 << (f.charCodeAt(j) & 15)) | (1 << (16 + (f.charCodeAt(j) >>> 4)))) >>> 0 : 0xffffffff));
  return { masks, members: [fi], cost: bucketCost(masks[0]!, masks[1]!, masks[2]!, masks[3]!, 1, m) };
}

/** The cost of the union of two groups. */
function unionCost(a: Group, b: Group, m: GroupModel): number {
  const [x, y] = [a.masks, b.masks];
  return bucketCost(x[0]! | y[0]!, x[1]! | y[1]!, x[2]! | y[2]!, x[3]! | y[3]!, a.members.length + b.members.length, m);
}

function merged(a: Group, b: Group, m: GroupModel): Group {
  return { masks: a.masks.map((x, j) => x | b.masks[j]!), members: [...a.members, ...b.members], cost: unionCost(a, b, m) };
}

/**
 * Group fingerprints into at most `buckets` buckets of at most `perBucket` each, cheapest first.
 * Deterministic for given fingerprints and model. Cost: one estimate per pair of fingerprints, then
 * one per remaining group for each merge.
 * @param fingerprints 3–4-byte latin1 strings
 * @returns the bucket (0 … buckets − 1) of each fingerprint
 */
export function groupFingerprints(fingerprints: readonly string[], m: GroupModel, buckets: number, perBucket: number): number[] {
  const n = fingerprints.length;
  const slots: (Group | null)[] = fingerprints.map((f, i) => single(i, f, m));
  // delta[i·n + j] (i < j): what merging the groups in slots i and j adds to the cost (Infinity: too big).
  const delta = new Float64Array(n * n);
  const rate = (i: number, j: number): void => {
    const [a, b] = [slots[i]!, slots[j]!];
    delta[i * n + j] = a.members.length + b.members.length > perBucket ? Infinity : unionCost(a, b, m) - a.cost - b.cost;
  };
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) rate(i, j);
  for (let left = n; left > buckets; left--) {
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < n; i++) {
      if (!slots[i]) continue;
      for (let j = i + 1; j < n; j++) if (slots[j] && (bi < 0 || delta[i * n + j]! < delta[bi * n + bj]!)) [bi, bj] = [i, j];
    }
    if (bi < 0 || delta[bi * n + bj] === Infinity) break; // cannot happen while buckets × perBucket ≥ fingerprints
    slots[bi] = merged(slots[bi]!, slots[bj]!, m);
    slots[bj] = null;
    for (let k = 0; k < n; k++) if (k !== bi && slots[k]) rate(Math.min(k, bi), Math.max(k, bi));
  }
  const bucketOf = new Array<number>(n).fill(0);
  slots.filter((g): g is Group => g !== null).forEach((g, b) => g.members.forEach((fi) => (bucketOf[fi] = b)));
  return bucketOf;
}
