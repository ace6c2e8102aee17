/**
 * Anchor selection for the byte-level prefilter.
 *
 * Every rule trigger is a literal; the scanner searches the input for a few short *anchors* instead,
 * chosen so that every trigger contains one. Two things make an anchor cheap:
 * - its first byte is rare in the input: `Buffer.indexOf` jumps from one occurrence of the first byte
 *   to the next at memory speed (memchr), so each occurrence costs a comparison;
 * - the anchor itself is rare: every line containing it has to be checked for a whole trigger.
 * Both are estimated from a {@link ByteModel} of a sample of the input itself (byte and byte-pair
 * frequencies of its first chunk), so a log full of "certificate" does not get "ficate" as an anchor.
 * Without a sample a static model of error-log text is used. The choice affects speed only: findings
 * are the same for any anchor set that covers every trigger.
 */
import type { FingerprintPlan, Prefilter } from '../lines/scan.js';
import { MAX_PER_BUCKET, TEDDY_BUCKETS } from '../lines/teddy.js';
import { countGrams, groupFingerprints, type Grams } from './fingerprint-groups.js';
import { holdersOf } from './containment.js';

/**
 * Frequencies of a text sample: bytes, byte pairs, and (hashed) 4-byte grams. Error logs are made of
 * repeated templates, so a substring's frequency is estimated from its rarest 4-gram rather than
 * from a Markov chain, which underestimates repeated phrases by orders of magnitude.
 */
export interface ByteModel {
  /** P(byte). */
  unigram(b: number): number;
  /** P(byte pair `b0 b1` at a position). */
  bigram(b0: number, b1: number): number;
  /** Occurrences of the 4-byte gram (hashed: collisions only overcount; saturates at 65 535), or null: no counts. */
  quad(v: number): number | null;
  /** Sample length in bytes. */
  readonly n: number;
  /** The sample's distinct 4-byte grams (counted on first use), for grouping the SIMD fingerprints; none without a sample. */
  readonly grams?: Grams;
}

const QUAD_BITS = 18;
/** Bytes of the sample whose 4-grams are counted for grouping the SIMD fingerprints. */
const GRAM_SAMPLE = 64 * 1024;
const quadIndex = (v: number): number => Math.imul(v, 0x9e3779b1) >>> (32 - QUAD_BITS);

// One set of count tables, reused by every call: a model is used at once to choose anchors and then
// dropped, and fresh tables per input (≈1 MB) would only be freed by a major GC.
const UNI = new Uint32Array(256);
const BI = new Uint32Array(65536);
const QUAD = new Uint16Array(1 << QUAD_BITS);

/**
 * Frequencies of a sample (at most its first 1 MiB). Cost: one pass over the sample, a few ms per MiB.
 * The returned model is valid until the next call (the count tables are reused).
 */
export function byteModel(sample: Uint8Array): ByteModel {
  const n = Math.min(sample.length, 1 << 20);
  UNI.fill(0);
  BI.fill(0);
  QUAD.fill(0);
  let v = 0;
  for (let i = 0; i < n; i++) {
    const b = sample[i]!;
    UNI[b]!++;
    v = ((v << 8) | b) >>> 0;
    if (i >= 1) BI[v & 0xffff]!++;
    if (i >= 3) {
      const q = quadIndex(v);
      if (QUAD[q]! < 0xffff) QUAD[q]!++;
    }
  }
  let grams: Grams | undefined;
  return {
    n,
    unigram: (b) => (UNI[b]! + 0.01) / (n + 2.56),
    bigram: (b0, b1) => (BI[(b0 << 8) | b1]! + 0.0001) / (n + 6.5536),
    quad: (q) => QUAD[quadIndex(q)]!,
    get grams() {
      return (grams ??= countGrams(sample.subarray(0, Math.min(n, GRAM_SAMPLE))));
    },
  };
}

// Static model of error-log text when there is no sample (live input arriving line by line).
function staticUnigram(b: number): number {
  if (b === 0x20) return 0.14;
  if (b >= 0x61 && b <= 0x7a) return 'etaoinsrhlcdum'.includes(String.fromCharCode(b)) ? 0.05 : 0.012;
  if (b >= 0x30 && b <= 0x39) return 0.03;
  if (b >= 0x41 && b <= 0x5a) return 'ACEST'.includes(String.fromCharCode(b)) ? 0.004 : 0.0015;
  if (b === 0x2f || b === 0x2e || b === 0x3a || b === 0x2c) return 0.015;
  if (b === 0x5b || b === 0x5d || b === 0x2d || b === 0x5f || b === 0x22) return 0.005;
  return 0.002;
}

const STATIC: ByteModel = {
  n: 0,
  unigram: staticUnigram,
  bigram: (b0, b1) => staticUnigram(b0) * staticUnigram(b1),
  quad: () => null,
};

/** Expected occurrences of `key` (a byte string: one char per byte) per byte of text under the model. */
function frequency(key: string, m: ByteModel): number {
  const a = (i: number): number => key.charCodeAt(i);
  if (key.length === 1) return m.unigram(a(0));
  if (key.length >= 4 && m.quad(0) !== null) {
    let min = Infinity;
    for (let i = 0; i + 4 <= key.length; i++) {
      const v = ((a(i) << 24) | (a(i + 1) << 16) | (a(i + 2) << 8) | a(i + 3)) >>> 0;
      min = Math.min(min, m.quad(v)!);
    }
    return (min + 0.01) / m.n;
  }
  // Without 4-gram counts: first-order Markov estimate.
  let p = m.bigram(a(0), a(1));
  for (let i = 1; i + 1 < key.length; i++) p *= m.bigram(a(i), a(i + 1)) / m.unigram(a(i));
  return p;
}

// Relative costs, calibrated on Node 20 (V8's Buffer.indexOf): a pass over the input at memchr speed
// (~20 GB/s for a rare first byte), a stop at each occurrence of the anchor's first byte (~100 passes'
// worth per byte), and a candidate line checked for a whole trigger (~6000). Patterns of 8 bytes and
// more switch V8 to Boyer-Moore-Horspool, which runs at ~2 GB/s here, so anchors stay at 7 bytes or less.
const PASS = 1;
const STOP = 100;
const CANDIDATE = 6000;
/** Cost of one more SIMD fingerprint (it widens its bucket's masks: more false candidates). */
const FINGERPRINT = 0.5;
/**
 * Cost of a fingerprint's first two bytes, per occurrence of that pair: the kernel tests offsets 0 and
 * 1 of every block and the other two only when those pass, so `"xpir"` is cheaper than `"expi"`.
 */
const LEAD = 200;

const MIN_LEN = 4;
const MAX_LEN = 7;

interface Candidate {
  /** The substring as matched: text for `choose()`, a byte string (latin1) for fingerprints. */
  anchor: string;
  /** Its bytes as a latin1 string (one char per byte). */
  key: string;
  /** Indexes of the triggers containing it. */
  covers: number[];
}

/**
 * The static-model choices of a trigger set, computed at build time for the built-in rules
 * (`dist/builtin-plan.json`, embedded in the bundle) so that start-up does not plan: choosing the
 * fingerprints alone was most of a small file's run (0.38 G of 1.07 G instructions).
 */
export interface PrecomputedPlan {
  /** The distinct triggers, in the matcher's order; the plan applies only to exactly this list. */
  triggers: string[];
  /** {@link AnchorPlanner.chooseFingerprints} without a model. */
  fingerprints: string[];
  /** The SIMD bucket of each fingerprint ({@link AnchorPlanner.fingerprintPlan} without a sample); absent: grouped at start. */
  buckets?: number[];
  /** {@link AnchorPlanner.choose} without a model. */
  anchors: string[];
  /** {@link AnchorPlanner.containers}. */
  containers: number[][];
  /** {@link AnchorPlanner.containerOffsets}. */
  containerOffsets: number[][];
  /** The matcher's scan keys of the rules the plan was made for (`rules/match.ts`), when the build stored them. */
  scanKeys?: PrecomputedKeys;
}

/**
 * The matcher's scan keys of a rule set, computed at build time: finding them (every trigger's rare
 * words, ranked) was ~7 ms of a small file's start and the only user of the ICU collator there.
 */
export interface PrecomputedKeys {
  /** Identifies the rule set the keys belong to (`rules/match.ts`, `keySignature`). */
  signature: string;
  /** The keys, in the matcher's order (the plan's `triggers`). */
  keys: string[];
  /** Per key, the indexes of the triggers that have it. */
  keyTriggers: number[][];
  /** The heads of the rule set's head readings (`rules/head-reading.ts`, `findHeads`): (index of the rule, head). */
  heads?: [number, string][];
  /** The tails of the rule set's tail readings (`rules/tail-reading.ts`, `findTails`): (index of the rule, clause). */
  tails?: [number, string][];
}

const precomputed = new Map<string, PrecomputedPlan>();
const precomputedKeys = new Map<string, PrecomputedKeys>();

/** Use a plan computed at build time for planners of exactly its trigger list (and its scan keys for exactly its rules). */
export function usePrecomputedPlan(plan: PrecomputedPlan): void {
  precomputed.set(plan.triggers.join('\n'), plan);
  if (plan.scanKeys) precomputedKeys.set(plan.scanKeys.signature, plan.scanKeys);
}

/** The build's scan keys of the rule set with this signature, if there are any. */
export function precomputedScanKeys(signature: string): PrecomputedKeys | undefined {
  return precomputedKeys.get(signature);
}

/** Compute the static-model plan of a trigger list (the build's step; see {@link PrecomputedPlan}). */
export function computePlan(triggers: readonly string[]): PrecomputedPlan {
  const planner = new AnchorPlanner(triggers);
  const { fingerprints, buckets } = planner.fingerprintPlan();
  return {
    triggers: [...triggers],
    fingerprints,
    buckets,
    anchors: planner.choose(),
    containers: planner.containers,
    containerOffsets: planner.containerOffsets,
  };
}

/**
 * The candidate anchors of a trigger set (every printable-ASCII substring of 4–7 bytes of every
 * trigger, or the whole trigger when shorter or not ASCII), computed once; {@link AnchorPlanner.choose}
 * then picks a cover for a given input model.
 */
export class AnchorPlanner implements Prefilter {
  private readonly cands: Candidate[] = [];
  private staticChoice: string[] | null = null;
  private fpCands: Candidate[] | null = null;
  private windows: Map<string, Candidate> | null = null;

  /** Every 4-byte window of the triggers' bytes (a shorter trigger: itself) with the triggers containing it. */
  private windowIndex(): Map<string, Candidate> {
    if (this.windows) return this.windows;
    const byWindow = new Map<string, Candidate>();
    const bytes = this.triggerBytes;
    bytes.forEach((t, i) => {
      const windows = t.length <= 4 ? [t] : Array.from({ length: t.length - 3 }, (_, j) => t.slice(j, j + 4));
      for (const w of windows) {
        let c = byWindow.get(w);
        if (!c) byWindow.set(w, (c = { anchor: w, key: w, covers: [] }));
        if (c.covers[c.covers.length - 1] !== i) c.covers.push(i);
      }
    });
    // A 3-byte trigger (its own fingerprint) may lie inside longer triggers too.
    for (const c of byWindow.values()) if (c.anchor.length < 4) c.covers = bytes.flatMap((t, i) => (t.includes(c.anchor) ? [i] : []));
    return (this.windows = byWindow);
  }

  constructor(readonly triggers: readonly string[]) {}

  private prebuilt: PrecomputedPlan | null | undefined;
  /** The build's plan for this trigger list, if there is one. */
  private built(): PrecomputedPlan | null {
    return this.prebuilt !== undefined ? this.prebuilt : (this.prebuilt = precomputed.get(this.triggers.join('\n')) ?? null);
  }

  /** {@link chooseFingerprints} under the byte model of the sample (none: the static model). */
  fingerprints(sample?: Uint8Array): string[] {
    return this.chooseFingerprints(sample ? byteModel(sample) : undefined);
  }

  /**
   * {@link Prefilter.fingerprintPlan}: {@link chooseFingerprints} under the byte model of the sample,
   * grouped into the SIMD filter's buckets so that the fewest positions of the sample pass a bucket
   * (`fingerprint-groups.ts`). Without a sample: the build's plan, or the static model.
   */
  fingerprintPlan(sample?: Uint8Array): FingerprintPlan {
    const built = sample ? null : this.built();
    if (built?.buckets) return { fingerprints: [...built.fingerprints], buckets: [...built.buckets] };
    const model = sample ? byteModel(sample) : undefined;
    const fingerprints = this.chooseFingerprints(model);
    return { fingerprints, buckets: groupFingerprints(fingerprints, model ?? STATIC, TEDDY_BUCKETS, MAX_PER_BUCKET) };
  }

  /** {@link Prefilter.anchors}: {@link choose} under the byte model of the sample. */
  anchors(sample?: Uint8Array): string[] {
    return this.choose(sample ? byteModel(sample) : undefined);
  }

  /** The 4–7-byte candidates of {@link choose} (built on first use: the byte scanner uses fingerprints). */
  private anchorCandidates(): Candidate[] {
    if (this.cands.length > 0 || this.triggers.length === 0) return this.cands;
    const triggers = this.triggers;
    // Every candidate is a window of some trigger, so enumerating each trigger's own windows finds
    // exactly the triggers that contain each candidate (linear, not candidates × triggers).
    const byAnchor = new Map<string, Candidate>();
    const add = (a: string, key: string, i: number): void => {
      let c = byAnchor.get(a);
      if (!c) {
        c = { anchor: a, key, covers: [] };
        byAnchor.set(a, c);
        this.cands.push(c);
      }
      if (c.covers[c.covers.length - 1] !== i) c.covers.push(i);
    };
    const printable = /^[\x20-\x7e]*$/;
    triggers.forEach((t, i) => {
      const bytes = Buffer.from(t, 'utf8').toString('latin1');
      const ascii = printable.test(bytes);
      if (bytes.length <= MIN_LEN || !ascii) add(t, bytes, i);
      for (let len = MIN_LEN; len <= Math.min(MAX_LEN, bytes.length); len++) {
        for (let j = 0; j + len <= bytes.length; j++) {
          const sub = bytes.slice(j, j + len);
          if (ascii || printable.test(sub)) add(sub, sub, i);
        }
      }
    });
    // A whole trigger added as its own candidate (short or non-ASCII) may lie inside longer triggers too.
    for (const c of this.cands) {
      if (c.key.length < MIN_LEN || !printable.test(c.key)) c.covers = triggers.flatMap((t, i) => (t.includes(c.anchor) ? [i] : []));
    }
    return this.cands;
  }

  private containersCache: number[][] | null = null;
  private offsetsCache: number[][] | null = null;
  private bytesCache: string[] | null = null;

  /** The distinct byte strings of the triggers (UTF-8 bytes as latin1 strings). */
  get triggerBytes(): string[] {
    return (this.bytesCache ??= this.triggers.map((t) => Buffer.from(t, 'utf8').toString('latin1')));
  }

  /**
   * For each trigger, the other triggers that contain it ({@link holdersOf} on their bytes): when a line
   * lacks a trigger it lacks all of these too.
   */
  get containers(): number[][] {
    if (!this.containersCache && this.built()) {
      this.containersCache = this.built()!.containers;
      this.offsetsCache = this.built()!.containerOffsets;
    }
    if (!this.containersCache) {
      const bytes = this.triggerBytes;
      this.containersCache = holdersOf(bytes);
      this.offsetsCache = this.containersCache.map((cs, i) => cs.map((j) => bytes[j]!.indexOf(bytes[i]!)));
    }
    return this.containersCache;
  }

  /** For each trigger, where it first occurs in each of its {@link containers} (bytes). */
  get containerOffsets(): number[][] {
    void this.containers;
    return this.offsetsCache!;
  }

  /**
   * Choose fingerprints for the single-pass SIMD filter (`teddy.ts`): 4-byte windows of the
   * triggers' UTF-8 bytes (a 3-byte trigger is its own fingerprint) such that every trigger contains
   * one, preferring windows that are rare in the input and shared by many triggers. The cost is
   * that of the candidates each fingerprint brings (plus a little per fingerprint, which fills the
   * masks); there is one pass whatever the number.
   * @returns latin1 strings (one char per byte), sorted
   */
  chooseFingerprints(model?: ByteModel): string[] {
    if (!model && this.built()) return [...this.built()!.fingerprints];
    const m = model ?? STATIC;
    this.fpCands ??= [...this.windowIndex().values()];
    const cands = this.fpCands;
    const lead = (k: string): number => (k.length < 2 ? 0 : LEAD * m.bigram(k.charCodeAt(0), k.charCodeAt(1)));
    const cost = cands.map((c) => FINGERPRINT + CANDIDATE * frequency(c.key, m) + lead(c.key));
    return greedyCover(cands, cost, this.triggers.length);
  }

  /**
   * Choose anchors: a small set of candidates such that every trigger contains one, minimising the
   * estimated scan cost under the model. Greedy weighted set cover (cost per newly covered trigger).
   * Deterministic for a given model.
   * @param model frequencies of the input (default: a static model of error-log text)
   * @returns the anchors, sorted
   */
  choose(model?: ByteModel): string[] {
    if (!model && this.staticChoice) return this.staticChoice;
    if (!model && this.built()) return (this.staticChoice = [...this.built()!.anchors]);
    const m = model ?? STATIC;
    const cands = this.anchorCandidates();
    const cost = cands.map((c) => PASS + STOP * m.unigram(c.key.charCodeAt(0)) + CANDIDATE * frequency(c.key, m));
    const chosen = greedyCover(cands, cost, this.triggers.length);
    if (!model) this.staticChoice = chosen;
    return chosen;
  }
}

/**
 * Greedy weighted set cover of `n` triggers by candidates (cost per newly covered trigger), sorted
 * result. Lazy evaluation: a candidate's score only gets worse as triggers get covered, so the heap's
 * top is re-scored and taken when it still beats the next one — the same choice as re-scoring every
 * candidate each round (ties broken by the candidate's text), in far fewer steps.
 */
function greedyCover(cands: readonly Candidate[], cost: readonly number[], n: number): string[] {
  const covered = new Uint8Array(n);
  let left = n;
  const gainOf = (k: number): number => {
    let g = 0;
    for (const t of cands[k]!.covers) if (!covered[t]) g++;
    return g;
  };
  type Entry = { k: number; score: number };
  const better = (a: Entry, b: Entry): boolean => a.score < b.score || (a.score === b.score && cands[a.k]!.anchor < cands[b.k]!.anchor);
  const heap: Entry[] = [];
  const push = (e: Entry): void => {
    heap.push(e);
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!better(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = (): Entry => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && better(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && better(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  cands.forEach((c, k) => c.covers.length > 0 && push({ k, score: cost[k]! / c.covers.length }));
  const chosen: string[] = [];
  while (left > 0 && heap.length > 0) {
    const e = pop();
    const gain = gainOf(e.k);
    if (gain === 0) continue;
    const score = cost[e.k]! / gain;
    if (score !== e.score && heap.length > 0 && better(heap[0]!, { k: e.k, score })) {
      push({ k: e.k, score }); // it got worse: let the next candidate compete
      continue;
    }
    chosen.push(cands[e.k]!.anchor);
    for (const t of cands[e.k]!.covers) {
      if (!covered[t]) {
        covered[t] = 1;
        left--;
      }
    }
  }
  return chosen.sort();
}

/** Anchors for a trigger set under a model (see {@link AnchorPlanner}). */
export function chooseAnchors(triggers: readonly string[], model?: ByteModel): string[] {
  return new AnchorPlanner(triggers).choose(model);
}
