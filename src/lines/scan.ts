/**
 * The fast path: finds candidate lines in raw bytes and hands only those to the analyzer.
 *
 * Per chunk it (1) searches the anchors with `Buffer.indexOf` (native; skips at memory speed when the
 * anchor's first byte is rare), (2) walks the line ends with `Buffer.indexOf` to count lines without
 * decoding, (3) checks a line with an anchor for a whole trigger on its bytes, and (4) decodes (UTF-8,
 * invalid bytes become U+FFFD) only lines that contain a trigger. The analyzer then parses and
 * matches them: the same code path as {@link analyze}, so both find the same findings on the same
 * lines. The anchors are chosen per input from its first chunk (see `anchors.ts`).
 *
 * Lines end at LF, CRLF or a lone CR (a CR at a chunk end followed by LF in the next chunk is one CRLF).
 * A line longer than `maxLineLength` bytes is never held in memory: it is counted as skipped with its
 * number, and the lines after it keep exact numbers. Memory is bounded by the chunk size plus
 * `maxLineLength`.
 */
import { provideReadBuffers } from '../input/read.js';
import { scanBuffer, Teddy } from './teddy.js';

// Files are read into the SIMD module's memory, where the scanner finds them without a copy.
provideReadBuffers(scanBuffer);

/**
 * What the scanner needs from the matcher to skip lines without decoding them: byte strings to look for,
 * chosen per input from a sample of its bytes, and how the rule triggers relate to each other. The
 * matcher's anchor planner (`src/rules/prefilter.ts`) implements it; the scanner knows nothing of rules.
 */
export interface Prefilter {
  /** The triggers' UTF-8 bytes as latin1 strings (one char per byte), in the matcher's trigger order. */
  readonly triggerBytes: readonly string[];
  /** For each trigger, the indexes of the longer triggers that contain it … */
  readonly containers: readonly (readonly number[])[];
  /** … and the offsets of each of those containers relative to the contained trigger's occurrence. */
  readonly containerOffsets: readonly (readonly number[])[];
  /** 3–4-byte fingerprints (latin1) for the SIMD filter and their buckets, chosen for a sample of the input (none: the static model). */
  fingerprintPlan(sample?: Uint8Array): FingerprintPlan;
  /** Anchors (UTF-8 text) for the `indexOf` path, chosen likewise; every trigger contains one. */
  anchors(sample?: Uint8Array): string[];
}

/** Fingerprints for the SIMD filter (`teddy.ts`) and the bucket (0–15) of each. */
export interface FingerprintPlan {
  /** 3–4-byte latin1 strings; every trigger contains one. */
  fingerprints: string[];
  /** The bucket of each fingerprint, same order. */
  buckets: number[];
}

/**
 * Earlier physical lines, for a sink that finds a line continuing a message wrapped over several lines
 * (a terminal or forum wrapped it): the `n` lines just before the current one, oldest first; fewer at
 * the start of the input or when they lie further back than the scanner keeps (16 KiB).
 */
export type EarlierLines = (n: number) => string[];

/**
 * The start of the physical line after the current one, for a sink that would otherwise wait for that line
 * to know whether the current message goes on (it cannot go on into a line that starts a log line of its
 * own): its first {@link NEXT_HEAD_BYTES} bytes as latin1 (one char per byte; the whole line when it is
 * shorter), or null when the scanner does not hold them (the chunk ends first, or ends with a CR whose LF
 * may begin the next chunk; the current line is the input's last one).
 */
export type NextLineHead = () => string | null;

/** Bytes of the next line a {@link NextLineHead} gives at most: room for a server's prefix (Apache's time is 33 with microseconds). */
export const NEXT_HEAD_BYTES = 40;

/** Where the scanner delivers lines: the analyzer's input handle implements it. */
export interface LineSink {
  /**
   * A candidate line (it contains a scan key), or a line the sink asked for.
   * @param lineNo 1-based line number in the input
   * @param keys indexes (into the prefilter's keys) of every key the line contains (empty for a line
   *   delivered only because the sink asked for it)
   * @param before the physical lines before this one (see {@link EarlierLines})
   * @param next the start of the physical line after this one, when the scanner holds it (see {@link NextLineHead})
   * @returns how many of the following physical lines the sink wants too, whatever they contain (a
   *   message whose end is on the next line); 0 or nothing: none. The scanner delivers the next line
   *   and asks again, so the sink can stop or go on one line at a time.
   */
  line(text: string, lineNo: number, keys?: readonly number[], before?: EarlierLines, next?: NextLineHead): number | void;
  /** A line not examined (longer than the line-length limit). */
  skip(lineNo: number): void;
  /** How many lines the input has had so far (lines not given to {@link line} are counted here). */
  setLineCount(lines: number): void;
}

const LF = 0x0a;
const CR = 0x0d;
/** A byte that is not ASCII, in a latin1 string (one char per byte). */
const NON_ASCII = /[\x80-\xff]/;

/**
 * The end of the line that holds byte `from` of the chunk: its LF or, in a chunk with CRs (`hasCR`), an
 * earlier CR (a lone CR or a CRLF's CR also ends a line); -1 when the chunk holds none after `from`.
 */
function lineEndFrom(chunk: Buffer, from: number, hasCR: boolean): number {
  const lf = chunk.indexOf(LF, from);
  if (!hasCR) return lf;
  const cr = chunk.indexOf(CR, from);
  return cr !== -1 && (lf === -1 || cr < lf) ? cr : lf;
}

/** Where the line after the one whose end is at `end` starts: past both bytes of a CRLF. */
function afterLineEnd(chunk: Buffer, end: number): number {
  return chunk[end] === CR && chunk[end + 1] === LF ? end + 2 : end + 1;
}

/** {@link NextLineHead} of the line whose line end is at `end` in `buf` (`end` ≥ the length: nothing follows in `buf`). */
function nextHead(buf: Buffer, end: number): string | null {
  if (end >= buf.length || (buf[end] === CR && end + 1 === buf.length)) return null;
  const start = afterLineEnd(buf, end);
  const limit = Math.min(buf.length, start + NEXT_HEAD_BYTES);
  let e = start;
  while (e < limit && buf[e] !== LF && buf[e] !== CR) e++;
  // The chunk ends inside the head: the rest of the line is not here yet.
  if (e === limit && e - start < NEXT_HEAD_BYTES) return null;
  return buf.toString('latin1', start, e);
}

/** Default longest line examined, in bytes (Apache caps an entry at 8 KiB, nginx at 2 KiB; wrappers add little). */
export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

/** Chunks at least this long (bytes) are sampled to choose anchors; shorter first chunks use the static model. */
const SAMPLE_MIN = 64 * 1024;
/** Bytes of the first chunk sampled. */
const SAMPLE_BYTES = 256 * 1024;
/**
 * An input that starts with a short chunk (a pipe) starts on the static plan and is planned again from a
 * sample of {@link SAMPLE_BYTES} of it that came within this many ms (at least 5 MiB/s, wall time); a
 * window that takes longer is dropped and the next one tried. Planning is CPU work on the chunk that
 * fills the sample (about 30 ms warm, 90–130 ms the first time in a process, on this project's 2-core
 * test machines), and every line that arrives meanwhile waits: at 10 000 lines/s (`tail -f … |`, ~1.5
 * MiB/s) the findings of the lines behind it came up to 130 ms late, which alone put the live goal's p99
 * (issue 15) near 50 ms. Such an input keeps the static plan, which costs more CPU per line (a sustained
 * 10 000 lines/s of nginx noise: ~0.28 against ~0.23 of a core), but the scanner waits on it almost all
 * the time either way. A bulk pipe (`zcat … |`) delivers a window within a few ms, once the scanner is
 * past its first chunks (their first run in a process is slow enough to miss the first window).
 */
export const SAMPLE_FAST_MS = 50;
/** Bytes of complete lines kept from earlier chunks, for {@link EarlierLines}. */
const TAIL_BYTES = 16 * 1024;

/**
 * Push onto `out` the whole lines of buf[from, to), last first, at most `n` in all; `from` and `to` are
 * line starts. Returns where the last line taken starts (`from` when the range was used up).
 */
function linesBefore(buf: Buffer, from: number, to: number, n: number, out: string[]): number {
  let end = to;
  // Step over the line end just before `to` (LF, CRLF or CR).
  while (out.length < n && end > from) {
    let e = end;
    if (buf[e - 1] === LF) e--;
    if (e > from && buf[e - 1] === CR) e--;
    if (e === end) break; // `to` was not at a line start
    let start = e;
    while (start > from && buf[start - 1] !== LF && buf[start - 1] !== CR) start--;
    out.push(buf.toString('utf8', start, e));
    end = start;
  }
  return end;
}

/** What a plan decides: the anchors (fingerprints for the SIMD filter, or `indexOf` anchors) and, per anchor, the triggers to verify. */
interface Plan {
  teddy: Teddy | null;
  anchors: Buffer[];
  /** The anchors' bytes as latin1 strings (one char per byte). */
  anchorText: string[];
  verify: number[][];
  /**
   * Per anchor k, where each trigger of `verify[k]` first holds the anchor: an occurrence of trigger
   * `verify[k][n]` holds it at `anchorAt[k][n]`, so it is found by comparing the trigger at p - that offset
   * for every hit p of the anchor ({@link LineScanner.addPresentAt}); a trigger holding the anchor twice
   * needs no second offset, as each occurrence has its hit at the first.
   */
  anchorAt: Int32Array[];
  /** The triggers' bytes as latin1 strings, in the prefilter's order. */
  triggerText: readonly string[];
  /** Bits of an anchor index in an encoded hit. */
  shift: number;
}

function makePlan(prefilter: Prefilter, model: Uint8Array | undefined, useSimd: boolean): Plan {
  const fp = useSimd ? prefilter.fingerprintPlan(model) : null;
  const fingerprints = fp ? fp.fingerprints.map((f) => Buffer.from(f, 'latin1')) : null;
  const teddy = fingerprints ? Teddy.create(fingerprints, fp!.buckets) : null;
  const anchors = teddy ? fingerprints! : prefilter.anchors(model).map((a) => Buffer.from(a, 'utf8'));
  const bytes = prefilter.triggerBytes;
  const anchorText = anchors.map((a) => a.toString('latin1'));
  // Shortest first, so that an absent trigger rules out the longer ones containing it. Compared as
  // latin1 strings (one char per byte, the same test as on the bytes): Buffer#includes is a call into
  // C++ per pair, and anchors x triggers pairs were ~5 % of a small file's start (callgrind).
  // A trigger that is not all ASCII (a form with no-break spaces) and holds such an anchor is verified
  // only under those: under an ASCII anchor it shares with the plain triggers (`OCSP`), it would be
  // searched for in every candidate line of a log, where it never is (+15–25 % instructions in the
  // byte filter on the look-alike-heavy log (b), callgrind).
  const nonAscii = anchorText.map((a) => NON_ASCII.test(a));
  const ownAnchor = bytes.map((t) => NON_ASCII.test(t) && anchorText.some((a, k) => nonAscii[k] && t.includes(a)));
  const verify = anchorText.map((a, k) => {
    const found: number[] = [];
    for (let i = 0; i < bytes.length; i++) if (bytes[i]!.includes(a) && (nonAscii[k] || !ownAnchor[i])) found.push(i);
    return found.sort((x, y) => bytes[x]!.length - bytes[y]!.length || x - y);
  });
  let shift = 1;
  while (1 << shift <= anchors.length) shift++;
  const anchorAt = anchorText.map((a, k) => Int32Array.from(verify[k]!, (ti) => bytes[ti]!.indexOf(a)));
  return { teddy, anchors, anchorText, verify, anchorAt, triggerText: bytes, shift };
}

/**
 * The plan of the static model (no sample) is the same for every short input — a small file, the
 * first chunk of a pipe — so it is made once per prefilter and kind of filter: 20 000 small files
 * plan once, not 20 000 times (planning costs about 1 ms).
 */
const staticPlans = new WeakMap<Prefilter, Map<boolean, Plan>>();
function staticPlan(prefilter: Prefilter, useSimd: boolean): Plan {
  let byKind = staticPlans.get(prefilter);
  if (!byKind) staticPlans.set(prefilter, (byKind = new Map()));
  let p = byKind.get(useSimd);
  if (!p) byKind.set(useSimd, (p = makePlan(prefilter, undefined, useSimd)));
  return p;
}

/**
 * The last plan made from an input's sample, per prefilter, and its fingerprint occurrences per byte
 * of that sample ({@link sampledPlan}).
 */
const sampledPlans = new WeakMap<Prefilter, { plan: Plan; rate: number }>();

/** A later input keeps the last sampled plan while its sample has at most this many times its occurrences per byte, … */
const REUSE_FACTOR = 2;
/** … plus one per 64 KiB (a sample with almost none). */
const REUSE_SLACK = 1 / 65536;

/**
 * The plan for an input with this sample. Planning from a sample costs ~14 ms (choosing the
 * fingerprints, then grouping them into buckets on the sample's 4-grams): 36 % of a scan of 33 files
 * of 2 MiB (`--cpu-prof`), where every file chose another list. So an input keeps the plan the
 * previous sampled input got when its own sample holds that plan's fingerprints not much more often
 * (one pass of the SIMD kernel over the sample, ~0.2 ms): rotated logs of one server. Another kind of
 * log (an nginx log after Apache's) gets its own plan. Speed only: every plan finds every trigger.
 */
function sampledPlan(prefilter: Prefilter, sample: Buffer, useSimd: boolean): Plan {
  if (!useSimd) return makePlan(prefilter, sample, false);
  // (A copy: the kernel pads what follows a buffer lent from its own memory, here the rest of the chunk.)
  const own = Buffer.from(sample);
  const last = sampledPlans.get(prefilter);
  if (last && occurrenceRate(last.plan.teddy!, own) <= REUSE_FACTOR * last.rate + REUSE_SLACK) return last.plan;
  const plan = makePlan(prefilter, sample, true);
  if (plan.teddy) sampledPlans.set(prefilter, { plan, rate: occurrenceRate(plan.teddy, own) });
  return plan;
}

/** Fingerprint occurrences per byte of `sample`. */
function occurrenceRate(teddy: Teddy, sample: Buffer): number {
  let n = 0;
  teddy.find(sample, 0, sample.length, () => void n++);
  return n / Math.max(1, sample.length);
}

/**
 * A cursor over the line ends of one chunk: LF, CRLF or a lone CR end a line. After {@link advance},
 * the line ends at `end` and the following line starts at `next`. A CR that is the chunk's last byte
 * ends a line, and `crAtEnd` is called (the next chunk may begin with its LF).
 */
class LineEnds {
  readonly hasCR: boolean;
  private nextLF: number;
  private nextCR: number;
  end = -1;
  next = -1;

  constructor(
    private readonly chunk: Buffer,
    pos: number,
    private readonly crAtEnd: () => void,
  ) {
    this.hasCR = chunk.indexOf(CR, pos) !== -1;
    this.nextLF = chunk.indexOf(LF, pos);
    this.nextCR = this.hasCR ? chunk.indexOf(CR, pos) : -1;
  }

  /** Look for line ends from `pos` on (after the SIMD pass delivered the lines before it). */
  seek(pos: number): void {
    this.nextLF = this.chunk.indexOf(LF, pos);
    this.nextCR = this.hasCR ? this.chunk.indexOf(CR, pos) : -1;
  }

  /** Move to the next line end; false when the chunk has no more. */
  advance(): boolean {
    const { chunk } = this;
    const len = chunk.length;
    if (this.nextLF === -1 && this.nextCR === -1) return false;
    if (this.nextCR !== -1 && (this.nextLF === -1 || this.nextCR < this.nextLF)) {
      this.end = this.nextCR;
      if (this.nextCR + 1 < len) {
        this.next = chunk[this.nextCR + 1] === LF ? this.nextCR + 2 : this.nextCR + 1;
      } else {
        this.next = len;
        this.crAtEnd();
      }
      this.nextCR = chunk.indexOf(CR, this.nextCR + 1);
      if (this.nextLF !== -1 && this.nextLF < this.next) this.nextLF = chunk.indexOf(LF, this.next);
    } else {
      this.end = this.nextLF;
      this.next = this.nextLF + 1;
      this.nextLF = chunk.indexOf(LF, this.next);
    }
    return true;
  }
}

/**
 * A sorted copy of a line's few key indexes (the first `n` of `a`), by insertion: `[...a].sort(cmp)` allocates V8's TimSort
 * state (a work array and its pending-runs stack, ~700 bytes) on every call, which on a densely failing
 * log was ~5 % of all allocation (bench (c): 32 MB of 638 MB sampled on 100 MB).
 */
function sortedCopy(a: readonly number[], n: number): number[] {
  const out = a.slice(0, n); // packed, exact in size
  for (let i = 1; i < out.length; i++) {
    const v = out[i]!;
    let j = i;
    for (; j > 0 && out[j - 1]! > v; j--) out[j] = out[j - 1]!;
    out[j] = v;
  }
  return out;
}

/**
 * The SIMD pass's hits in one chunk, in ascending position: the position (bytes from the chunk's start),
 * the fingerprint's index and the line's index among the chunk's lines, in three reused `Int32Array`s.
 * Arrays emptied per chunk and pushed to again reallocated ~65 bytes per hit, 5.6 % of what the engine
 * allocated on nginx's refresh failures (bench (c), 4.7 hits per line; issue 15). Past
 * {@link HIT_LIST_KEPT} hits they shrink back when emptied, so one chunk dense with hits holds no memory.
 */
class HitList {
  pos: Int32Array = new Int32Array(HIT_LIST_FIRST);
  fp: Int32Array = new Int32Array(HIT_LIST_FIRST);
  line: Int32Array = new Int32Array(HIT_LIST_FIRST);
  count = 0;

  clear(): void {
    this.count = 0;
    if (this.pos.length > HIT_LIST_KEPT) this.resize(HIT_LIST_FIRST);
  }

  add(pos: number, fp: number, line: number): void {
    const n = this.count;
    if (n === this.pos.length) this.resize(2 * n);
    this.pos[n] = pos;
    this.fp[n] = fp;
    this.line[n] = line;
    this.count = n + 1;
  }

  private resize(size: number): void {
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(size);
      b.set(a.subarray(0, Math.min(this.count, size)));
      return b;
    };
    this.pos = grow(this.pos);
    this.fp = grow(this.fp);
    this.line = grow(this.line);
  }
}
/** Hits a {@link HitList} makes room for at first. */
const HIT_LIST_FIRST = 4096;
/** Hits a {@link HitList} keeps room for once emptied (3 × 256 KiB). */
const HIT_LIST_KEPT = 65536;

/** Splits a byte stream into lines and feeds candidate lines to an input handle. */
export class LineScanner {
  private anchors: Buffer[] = [];
  private anchorText: string[] = [];
  /** For each anchor, the indexes (into the planner's triggers) of the triggers that contain it. */
  private verify: number[][] = [];
  private anchorAt: Int32Array[] = [];
  private triggerText: readonly string[] = [];
  /** The triggers of the line being read: the first {@link presentCount} of this list (which keeps its room: `length = 0` would free it and a push per candidate line allocate it again). */
  private readonly present: number[] = [];
  private presentCount = 0;
  /** Per trigger: the line (stamp) in which it is known to be absent, or checked. */
  private absentIn = new Int32Array(0);
  private checkedIn = new Int32Array(0);
  private stamp = 0;
  private containers: readonly (readonly number[])[] = [];
  private containerOffsets: readonly (readonly number[])[] = [];
  private shift = 1;
  private planned = false;
  /** Bytes kept from the first chunks while the plan is the static one, to re-plan from a real sample. */
  private sample: Buffer | null = null;
  private sampling = false;
  private sampleLen = 0;
  /** When (ms, the constructor's `now`) the first chunk of the sample being filled came. */
  private sampleFrom = 0;
  private teddy: Teddy | null = null;
  private readonly maxLine: number;
  private carry: Buffer[] = [];
  private carryLen = 0;
  private overflow = false;
  private pendingCR = false;
  private lineNo = 0;
  private readonly hits: number[] = [];
  /** The SIMD pass's hits in the current chunk (see {@link HitList}). */
  private readonly simdHits = new HitList();
  /** Following physical lines the sink asked for (a wrapped message), delivered whatever they contain. */
  private want = 0;
  /** The last complete lines of earlier chunks (starts at a line start, ends with a line end). */
  private tail: Buffer = Buffer.alloc(0);
  /**
   * The current line as UTF-8 text, once {@link bytesOf} has decoded it for the trigger test, and the
   * bytes it was decoded from: {@link emit} hands the sink this string instead of decoding the line again.
   */
  private decoded: string | null = null;
  private decodedFrom: Buffer | null = null;
  private decodedAt = 0;
  private decodedEnd = 0;

  /**
   * @param prefilter the matcher's prefilter (its triggers and how to choose anchors)
   * @param sink where candidate lines, skipped lines and the line count go
   * @param maxLineLength longest line examined, bytes
   * @param useSimd use the WebAssembly SIMD filter when available (default true; false forces the
   *   `indexOf` path, for comparison)
   * @param now a monotonic clock in ms (default `process.hrtime`; `performance.now` would load a module on
   *   the first chunk): only {@link SAMPLE_FAST_MS} reads it
   */
  constructor(
    private readonly prefilter: Prefilter,
    private readonly sink: LineSink,
    maxLineLength: number = DEFAULT_MAX_LINE_LENGTH,
    private readonly useSimd = true,
    private readonly now: () => number = () => Number(process.hrtime.bigint()) / 1e6,
  ) {
    this.maxLine = maxLineLength;
  }

  /**
   * Choose the anchors for this input from its first chunk (or the static model when it is short):
   * 3–4 byte fingerprints for the SIMD filter when WebAssembly SIMD is there, else `indexOf` anchors.
   */
  private plan(sample: Buffer): void {
    this.planned = true;
    const model = sample.length >= SAMPLE_MIN ? sample.subarray(0, SAMPLE_BYTES) : undefined;
    // Too little to sample (a pipe, a short first output of a decompressor): start with the static
    // model, re-plan once SAMPLE_BYTES have come in within SAMPLE_FAST_MS (the buffer is taken when a
    // second chunk comes: a small file has none). The plan only changes speed, never what is found.
    this.sampling = !model && !this.sampling;
    if (!this.sampling) this.sample = null;
    const p = model ? sampledPlan(this.prefilter, model, this.useSimd) : staticPlan(this.prefilter, this.useSimd);
    this.teddy = p.teddy;
    this.anchors = p.anchors;
    this.anchorText = p.anchorText;
    this.verify = p.verify;
    this.anchorAt = p.anchorAt;
    this.triggerText = p.triggerText;
    this.shift = p.shift;
    this.containers = this.prefilter.containers;
    this.containerOffsets = this.prefilter.containerOffsets;
    this.absentIn = new Int32Array(this.triggerText.length);
    this.checkedIn = new Int32Array(this.triggerText.length);
  }

  /** Lines completed so far. */
  get lines(): number {
    return this.lineNo;
  }

  /**
   * Collect into `present` the triggers of anchor k that a line contains (each once). Every trigger
   * contains an anchor, so doing this for every anchor found in a line gives exactly the set of
   * triggers the line contains.
   * @param line the line's bytes as a latin1 string (one char per byte: the same test as on the
   *   bytes). V8's string search runs in JavaScript's own code, where `Buffer#indexOf` and
   *   `Buffer#compare` are a call into C++ each, several per candidate line: on the look-alike-heavy
   *   benchmark (b) they were 28 % of the byte filter's time (`test/bench/filter.mjs`, --cpu-prof).
   */
  private addPresent(line: string, k: number): void {
    const stamp = this.stamp;
    for (const ti of this.verify[k]!) {
      if (this.checkedIn[ti] === stamp || this.absentIn[ti] === stamp) continue;
      this.checkedIn[ti] = stamp;
      const t = this.triggerText[ti]!;
      let q = line.indexOf(t);
      const containers = this.containers[ti]!;
      if (q === -1) {
        for (const c of containers) this.absentIn[c] = stamp; // a line without X lacks what contains X
        continue;
      }
      this.present[this.presentCount++] = ti;
      if (containers.length === 0) continue;
      // A trigger Y containing X occurs only where X does, at Y's first offset of X: compare there.
      const offsets = this.containerOffsets[ti]!;
      for (; q !== -1; q = line.indexOf(t, q + 1)) {
        for (let n = 0; n < containers.length; n++) {
          const c = containers[n]!;
          if (this.checkedIn[c] === stamp) continue;
          const y = this.triggerText[c]!;
          const at = q - offsets[n]!;
          if (at >= 0 && line.startsWith(y, at)) {
            this.checkedIn[c] = stamp;
            this.present[this.presentCount++] = c;
          }
        }
      }
      for (const c of containers) if (this.checkedIn[c] !== stamp) this.absentIn[c] = stamp;
    }
  }

  /**
   * Collect into `present` the triggers of anchor k that hold its hit at `at` (a position in `line`):
   * one comparison at the one place each could start, instead of a search of the whole line for each
   * (the trigger's occurrence holds the anchor there, and the filter reports every occurrence of an
   * anchor). Over all the hits of a line, the same set as {@link addPresent}: used only when every hit
   * of the line is at hand (the SIMD pass and the walk over a chunk's hits), never mixed with it in one
   * line (here `checkedIn` marks a trigger found).
   */
  private addPresentAt(line: string, k: number, at: number): void {
    const stamp = this.stamp;
    const tis = this.verify[k]!;
    const offsets = this.anchorAt[k]!;
    for (let n = 0; n < tis.length; n++) {
      const ti = tis[n]!;
      if (this.checkedIn[ti] === stamp) continue;
      const s = at - offsets[n]!;
      if (s >= 0 && line.startsWith(this.triggerText[ti]!, s)) {
        this.checkedIn[ti] = stamp;
        this.present[this.presentCount++] = ti;
      }
    }
  }

  /**
   * buf[start, end) as a string of one character per byte, for the trigger tests ({@link addPresentAt}):
   * the line's UTF-8 text when that is the same string (each byte ASCII: the text's length is the byte
   * count and it holds no U+FFFD, which would stand for an invalid byte; a trigger with a non-ASCII
   * character is then not in the bytes either), kept for {@link emit}; else the latin1 string. On a
   * candidate line this is the only decoding (two before: ~100 ns and ~250 bytes more per line, 5 % of
   * what the nginx refresh failures allocated, issue 15).
   */
  private bytesOf(buf: Buffer, start: number, end: number): string {
    const text = buf.toString('utf8', start, end);
    this.decoded = text;
    this.decodedFrom = buf;
    this.decodedAt = start;
    this.decodedEnd = end;
    return text.length === end - start && text.indexOf('\ufffd') === -1 ? text : buf.toString('latin1', start, end);
  }

  /** Start collecting the triggers of a new line. */
  private newLine(): void {
    this.decoded = null;
    this.decodedFrom = null;
    this.presentCount = 0;
    this.stamp = (this.stamp + 1) | 0 || 1;
  }

  /** The triggers buf[start, end) contains, looking for every anchor (lines outside the chunk scan). */
  private triggersIn(buf: Buffer, start: number, end: number): void {
    const line = buf.toString('latin1', start, end);
    this.newLine();
    for (let k = 0; k < this.anchorText.length; k++) if (line.includes(this.anchorText[k]!)) this.addPresent(line, k);
  }

  /**
   * Emit the line when it contains a key or the sink asked for it, with the keys it contains.
   * @param base offset in `buf` where whole lines begin (earlier lines come from the tail)
   */
  private emit(buf: Buffer, start: number, end: number, lineNo: number, base = 0): void {
    if (this.presentCount === 0 && this.want === 0) return;
    const before = (n: number): string[] => {
      const out: string[] = [];
      if (linesBefore(buf, base, start, n, out) === base && out.length < n) linesBefore(this.tail, 0, this.tail.length, n, out);
      return out.reverse();
    };
    const same = this.decoded !== null && this.decodedFrom === buf && this.decodedAt === start && this.decodedEnd === end;
    const text = same ? this.decoded! : buf.toString('utf8', start, end);
    this.decoded = null;
    this.decodedFrom = null;
    const next = (): string | null => nextHead(buf, end);
    const w = this.sink.line(text, lineNo, sortedCopy(this.present, this.presentCount), before, next);
    this.want = typeof w === 'number' && w > 0 ? w : 0;
  }

  /** Keep the whole lines of buf[from, to) (to ends a line) as the tail for {@link EarlierLines}. */
  private keepTail(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    const joined = Buffer.concat([this.tail, buf.subarray(Math.max(from, to - TAIL_BYTES), to)]);
    if (joined.length <= TAIL_BYTES && to - from <= TAIL_BYTES) {
      this.tail = joined;
      return;
    }
    // Cut to the last TAIL_BYTES, then drop the partial line the cut left at the front.
    const t = joined.subarray(joined.length - TAIL_BYTES);
    let i = 0;
    while (i < t.length && t[i] !== LF && t[i] !== CR) i++;
    while (i < t.length && (t[i] === LF || t[i] === CR)) i++;
    this.tail = Buffer.from(t.subarray(i));
  }

  /** Finish a line held (partly) in the carry, whose last part is chunk[start, end). */
  private finishCarried(chunk: Buffer, start: number, end: number): void {
    this.lineNo++;
    const len = this.carryLen + (end - start);
    if (this.overflow || len > this.maxLine) {
      this.skipped(this.lineNo);
    } else {
      const line = Buffer.concat([...this.carry, chunk.subarray(start, end)], len);
      this.triggersIn(line, 0, line.length);
      this.emit(line, 0, line.length, this.lineNo);
      this.keepTail(Buffer.concat([line, Buffer.from('\n')]), 0, line.length + 1);
    }
    this.carry = [];
    this.carryLen = 0;
    this.overflow = false;
  }

  /** A line too long to examine: the sink is told, and no earlier line is adjacent to the next one. */
  private skipped(lineNo: number): void {
    this.sink.skip(lineNo);
    this.want = 0;
    this.tail = Buffer.alloc(0);
  }

  private hold(chunk: Buffer, start: number): void {
    if (start >= chunk.length) return;
    if (this.overflow) return;
    const add = chunk.length - start;
    if (this.carryLen + add > this.maxLine) {
      this.overflow = true; // too long: drop what we hold, wait for the line end
      this.carry = [];
      this.carryLen = 0;
      return;
    }
    this.carry.push(Buffer.from(chunk.subarray(start))); // copy: the caller may reuse its buffer
    this.carryLen += add;
  }

  /**
   * Anchor hits in chunk[pos, …), ascending, each encoded as position << shift | anchor.
   * @param fromSimd simdLines() left (the rest of) this chunk to the line walk: reuse its hits
   */
  private anchorHits(chunk: Buffer, pos: number, fromSimd: boolean): number[] {
    const hits = this.hits;
    hits.length = 0;
    const shift = this.shift;
    if (fromSimd) {
      const { pos: hp, fp: hk, count } = this.simdHits;
      for (let i = 0; i < count; i++) if (hp[i]! >= pos) hits.push(hp[i]! * (1 << shift) + hk[i]!); // ascending
      return hits;
    }
    for (let k = 0; k < this.anchors.length; k++) {
      const a = this.anchors[k]!;
      let i = chunk.indexOf(a, pos);
      while (i !== -1) {
        hits.push(i * (1 << shift) + k);
        i = chunk.indexOf(a, i + 1);
      }
    }
    if (this.anchors.length > 1 && hits.length > 1) hits.sort((x, y) => x - y);
    return hits;
  }

  /**
   * What the current plan was made from: `'static'` (the static model: a short first chunk, and a pipe
   * until a sample of it comes within {@link SAMPLE_FAST_MS}), `'sample'` (a sample of the input), or
   * null before the first chunk. Speed only: every plan finds every trigger.
   */
  get plannedFrom(): 'static' | 'sample' | null {
    // A plan from a sample ends the sampling; the static plan is kept while it goes on.
    return !this.planned ? null : this.sampling ? 'static' : 'sample';
  }

  /**
   * Plan the anchors on the first chunk, and again once a sample of the input came within
   * {@link SAMPLE_FAST_MS} (a window that took longer starts again from the chunk at hand).
   */
  private sampleChunk(chunk: Buffer): void {
    if (!this.planned) {
      this.sampleFrom = this.now();
      this.plan(chunk);
    } else if (this.sampling) {
      const now = this.now();
      if (now - this.sampleFrom > SAMPLE_FAST_MS) {
        this.sampleLen = 0; // this window came too slowly: the next starts with this chunk
        this.sampleFrom = now;
      }
      this.sample ??= Buffer.allocUnsafe(SAMPLE_BYTES);
      const n = Math.min(chunk.length, SAMPLE_BYTES - this.sampleLen);
      chunk.copy(this.sample, this.sampleLen, 0, n);
      this.sampleLen += n;
      if (this.sampleLen === SAMPLE_BYTES) {
        const sample = this.sample;
        this.plan(sample);
        this.sample = null;
      }
    }
  }

  /**
   * Start a line and record the keys of the anchor hits in it: hits[h…] that lie in [pos, end)
   * (hits up to `next`, the start of the following line, are used up).
   * @returns the index of the first hit of the following lines
   */
  private keysOfLine(chunk: Buffer, hits: readonly number[], h: number, pos: number, end: number, next: number): number {
    const shift = this.shift;
    this.newLine();
    let line: string | null = null;
    for (; h < hits.length; h++) {
      const at = Math.floor(hits[h]! / (1 << shift));
      if (at >= next) break;
      if (at < end) this.addPresentAt((line ??= this.bytesOf(chunk, pos, end)), hits[h]! & ((1 << shift) - 1), at - pos);
    }
    return h;
  }

  /** Feed the next chunk of bytes. */
  push(chunk: Buffer): void {
    let pos = 0;
    if (chunk.length === 0) return;
    this.sampleChunk(chunk);
    if (this.pendingCR) {
      this.pendingCR = false;
      if (chunk[0] === LF) pos = 1; // the LF of a CRLF split across chunks
    }
    const ends = new LineEnds(chunk, pos, () => (this.pendingCR = true));
    if (this.carryLen > 0 || this.overflow) {
      if (!ends.advance()) {
        this.hold(chunk, pos);
        return;
      }
      this.finishCarried(chunk, pos, ends.end);
      pos = ends.next;
    }
    const base = pos; // whole lines of this chunk begin here
    const rest = this.walk(chunk, ends, pos, base);
    if (rest === null) return;
    this.keepTail(chunk, base, rest);
    this.hold(chunk, rest);
    this.sink.setLineCount(this.lineNo);
  }

  /**
   * The whole lines of a chunk from `pos`: the SIMD pass, which also delivers the lines the sink asks for
   * within the chunk; a line it asks for past the chunk's last whole line is left to the walk, which
   * delivers it and hands the rest back to the SIMD pass.
   * @returns where the unfinished last line starts, or null when the SIMD pass took the rest of the chunk
   */
  private walk(chunk: Buffer, ends: LineEnds, pos: number, base: number): number | null {
    let simdHits = false;
    for (;;) {
      let resume = false;
      if (this.teddy && (this.want === 0 || !simdHits)) {
        const r = this.simdLines(chunk, pos, ends.hasCR, base);
        if (r === true) return null;
        simdHits = true;
        resume = r !== false;
        if (r !== false) ends.seek((pos = r));
      }
      const done = this.walkLines(chunk, ends, pos, base, this.anchorHits(chunk, pos, simdHits), resume);
      pos = done.pos;
      if (!done.resume) return pos;
    }
  }

  /**
   * Deliver lines one by one with the keys of the anchor hits in them (`hits`, from `pos`); lines
   * longer than the limit are skipped. With `resume`, stop as soon as the sink wants no more lines.
   * @returns where the walk stopped, and whether the SIMD pass should take over from there
   */
  private walkLines(
    chunk: Buffer,
    ends: LineEnds,
    pos: number,
    base: number,
    hits: readonly number[],
    resume: boolean,
  ): { pos: number; resume: boolean } {
    const shift = this.shift;
    let h = 0;
    while (ends.advance()) {
      const { end, next } = ends;
      this.lineNo++;
      if (end - pos > this.maxLine) {
        this.skipped(this.lineNo);
        while (h < hits.length && Math.floor(hits[h]! / (1 << shift)) < next) h++;
      } else {
        h = this.keysOfLine(chunk, hits, h, pos, end, next);
        this.emit(chunk, pos, end, this.lineNo, base);
      }
      pos = next;
      if (resume && this.want === 0) return { pos, resume: true }; // the wanted lines are delivered: back to SIMD
    }
    return { pos, resume: false };
  }

  /** The line of chunk[pos, …) that holds byte `p`: where it starts and where its line end is. */
  private lineAround(chunk: Buffer, p: number, pos: number, hasCR: boolean): { start: number; end: number } {
    let start = chunk.lastIndexOf(LF, p) + 1;
    if (hasCR) start = Math.max(start, chunk.lastIndexOf(CR, p) + 1);
    if (start < pos) start = pos;
    return { start, end: lineEndFrom(chunk, p, hasCR) };
  }

  /**
   * The SIMD path for the complete lines of chunk[pos, …): the kernel counts the line ends and
   * reports candidates with their line index, so only candidate lines are looked at in JavaScript.
   * Returns false (having emitted nothing; the hits stay in `simdHits`) when a line may be longer
   * than the limit: then the per-line walk handles the chunk. A line the sink asks for (after an emitted
   * one, or, on entry, after the last line of the chunk before: a message that may go on) is delivered
   * from the same pass; when it is not a whole line of the chunk, returns where it starts: the walk goes
   * on from there.
   * @param base where whole lines of the chunk begin
   */
  private simdLines(chunk: Buffer, pos: number, hasCR: boolean, base: number): boolean | number {
    const len = chunk.length;
    const found = this.simdHits;
    found.clear();
    const ends = this.teddy!.scan(chunk, pos, len, (p, k, line) => found.add(p, k, line));
    if (ends.maxGap - 1 > this.maxLine) return false;
    const { pos: hp, fp: hk, line: hl, count: n } = found;
    // Hits come in position order, so the hits of one line are consecutive. A line the sink asked for
    // (the one after a message that may go on) is delivered from here with the hits already found, as
    // long as it is a whole line of the chunk: no new pass over the rest of the chunk.
    let line = -1; // the last line emitted, by its index among the chunk's lines from pos
    let end = pos - 1;
    for (let i = 0; ;) {
      const asked = this.want > 0; // at the start too: the line after the last one of the chunk before
      if (asked && line + 1 >= ends.count) {
        if (line === -1) return pos;
        this.lineNo += line + 1;
        if (chunk[end] === CR && end + 1 === len) this.pendingCR = true;
        return afterLineEnd(chunk, end);
      }
      if (!asked && (i >= n || hl[i]! >= ends.count)) break; // the rest is unterminated: held for the next chunk
      let start: number;
      if (asked) {
        start = line === -1 ? pos : afterLineEnd(chunk, end);
        line++;
        end = lineEndFrom(chunk, start, hasCR);
      } else {
        line = hl[i]!;
        ({ start, end } = this.lineAround(chunk, hp[i]!, pos, hasCR));
      }
      this.newLine();
      if (i < n && hl[i] === line) {
        const bytes = this.bytesOf(chunk, start, end);
        for (; i < n && hl[i] === line; i++) this.addPresentAt(bytes, hk[i]!, hp[i]! - start);
      }
      this.emit(chunk, start, end, this.lineNo + line + 1, base);
    }
    this.lineNo += ends.count;
    let next = pos;
    if (ends.count > 0) {
      next = ends.last + 1;
      if (chunk[ends.last] === CR && next === len) this.pendingCR = true; // a CR ending the chunk: maybe the CR of a CRLF
    }
    this.keepTail(chunk, base, next);
    this.hold(chunk, next);
    this.sink.setLineCount(this.lineNo);
    return true;
  }

  /**
   * The input ended: finish a last line without a line end — unless reading was stopped (`cut`: Ctrl-C
   * between two chunks), when that line may be cut short: it is then neither counted nor matched.
   */
  end(cut = false): void {
    if (cut) {
      this.carry = [];
      this.carryLen = 0;
      this.overflow = false;
    } else if (this.carryLen > 0 || this.overflow) this.finishCarried(Buffer.alloc(0), 0, 0);
    this.pendingCR = false;
    this.sink.setLineCount(this.lineNo);
  }
}
