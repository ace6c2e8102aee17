/**
 * A memo of rule hits by what they depend on (issue 15, densely failing logs): a failing server writes
 * the same few messages over and over (Apache's AH01974 + AH01941 on every handshake, nginx's refresh
 * failure per certificate), and each differs from the last only in its time, pid, client and connection.
 * The rules' hits on a parsed line (`hitsOn()` in `match.ts`) depend only on the fields that
 * {@link hitKeyRest} lists; two lines with the same key get the same hits, so the second takes a copy of
 * the first's instead of preparing the message and running the patterns again.
 */
import type { ParsedLine, Rule } from '../types.js';

/** The parsed fields a rule's `when` may test (see `whenFailure()` in `match.ts`). */
const WHEN_FIELDS = ['connectionId', 'level', 'module', 'client', 'code'] as const;

/**
 * The key of a parsed line's hits among the rules is everything `hitsOn()` and `prepare()` read of it,
 * in two parts: the message (the line's own string, not copied: {@link Lru} looks it up as it is) and
 * this, the rest (a few dozen characters; a key copied with the message, hundreds of characters per
 * line, made the memo's lookups a tenth of the time of a densely failing log's matched lines, issue 15):
 * - the message (its part), the rules' ids, server, status (prepared into values), format, level
 *   (severity by level);
 * - not the time, which `prepare()` adds to the values only with a certificate's notAfter (`loggedAt`):
 *   the memo compares it for such entries ({@link timeDependent});
 * - each field a rule's `when` tests: its value when a rule lists values, else only whether it is there
 *   (`absent`/`present`), else nothing (so a new client or connection id does not miss).
 * Whether time and wrapper are missing is for the match's cut (`cutOf()`), computed per line anyway.
 */
export function hitKeyRest(p: ParsedLine, rs: readonly Rule[]): string {
  const spec = specOf(rs);
  const l = spec.last;
  if (l !== null && l.server === p.server && l.format === p.format && l.level === p.level && l.status === p.status && sameFields(spec, p, l.fields)) {
    return l.key;
  }
  let key = `${spec.ids}\u0000${p.server ?? '-'}\u0000${p.format ?? '-'}\u0000${p.level ?? '-'}\u0000${p.status ?? '-'}`;
  const fields: unknown[] = [];
  for (const [f, values] of spec.fields) {
    const v = p[f];
    fields.push(v);
    key += `\u0000${values ? (v === null ? '\u0001' : String(v)) : v === null ? '0' : '1'}`;
  }
  spec.last = { server: p.server, format: p.format, level: p.level, status: p.status, fields, key };
  return key;
}

/** Do the line's `when` fields give the key part `last.fields` was read for (the value, or only whether there is one)? */
function sameFields(spec: KeySpec, p: ParsedLine, last: readonly unknown[]): boolean {
  for (let i = 0; i < spec.fields.length; i++) {
    const [f, values] = spec.fields[i]!;
    const v = p[f];
    if (values ? v !== last[i] : (v === null) !== (last[i] === null)) return false;
  }
  return true;
}

/**
 * Do hits prepared with these shared values depend on the line's time? `prepare()` adds the time as
 * `loggedAt` only when an Apache certificate suffix gave a `notAfter`; either value there counts.
 */
export function timeDependent(shared: { notAfter?: string; loggedAt?: string }): boolean {
  return shared.notAfter !== undefined || shared.loggedAt !== undefined;
}

/** What of a rule set goes into {@link hitKeyRest}: its rules (by object), and each `when` field with whether a rule lists values for it. */
interface KeySpec {
  ids: string;
  fields: [(typeof WHEN_FIELDS)[number], boolean][];
  /**
   * The last key built for this rule set and what it was built of: a line with the same parts gets that
   * same string (most lines of a failing server have the key of the last line of their rules), so no key
   * is built, and the maps it is looked up in find its hash already computed.
   */
  last: LastKey | null;
}

/** See {@link KeySpec.last}: the parts of a key ({@link hitKeyRest}), the `when` fields' raw values in `fields`. */
interface LastKey {
  server: ParsedLine['server'];
  format: ParsedLine['format'];
  level: ParsedLine['level'];
  status: ParsedLine['status'];
  fields: readonly unknown[];
  key: string;
}

/** Key specs by the first rule of their set: the sets seen with it (a line's rules are a new array each time, mostly the same few sets). */
const specs = new WeakMap<Rule, { rules: readonly Rule[]; spec: KeySpec }[]>();

/** A number per rule object: a rule's code and head readings share its id (`code-reading.ts`, `head-reading.ts`). */
const numbers = new WeakMap<Rule, number>();
let lastNumber = 0;
const ruleNumber = (r: Rule): number => {
  let n = numbers.get(r);
  if (n === undefined) numbers.set(r, (n = ++lastNumber));
  return n;
};

function specOf(rs: readonly Rule[]): KeySpec {
  const seen = rs.length > 0 ? specs.get(rs[0]!) : undefined;
  if (seen) for (const s of seen) if (sameRules(s.rules, rs)) return s.spec;
  const spec: KeySpec = { ids: rs.map(ruleNumber).join(','), fields: [], last: null };
  for (const f of WHEN_FIELDS) {
    const conds = rs.map((r) => r.when?.[f]).filter((c) => c !== undefined);
    if (conds.length > 0) spec.fields.push([f, conds.some((c) => Array.isArray(c))]);
  }
  // (Bounded: a rule set is a subset of one line's candidates, which are few.)
  if (rs.length > 0 && (seen?.length ?? 0) < 64) {
    if (seen) seen.push({ rules: rs.slice(), spec });
    else specs.set(rs[0]!, [{ rules: rs.slice(), spec }]);
  }
  return spec;
}

function sameRules(a: readonly Rule[], b: readonly Rule[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A memo that hits fewer than one lookup in this many rests (see {@link Lru}). */
const RARE = 8;
/** How long it rests after a trial that failed, in generations; twice as long after each further one in a row, up to 2^{@link MAX_BACKOFF} times. */
const REST = 8;
const MAX_BACKOFF = 3;
/** Trials (one per rest of a key) kept at most (then forgotten all at once). */
const TRIALS_KEPT = 256;

/**
 * Entries per generation a memo grows to at most (see {@link Lru}): 8 192, room for nginx's refresh
 * failures of 5 000 certificates (6 667 messages). Each entry holds its message and values (~1 KB):
 * the 176 563 nginx refresh lines peak at 114 MB RSS instead of 105 MB, and take 5.0–5.2 s instead of
 * 6.0–6.6 s (alternated runs, the same report).
 */
const GROWN_MAX = 8192;
/** Keys a {@link Ghost} remembers (the last ones its memo did not answer), and how many it judges at a time (a quarter). */
const GHOST_KEYS = 16384;

/** Slots of a {@link Ghost}'s table: twice {@link GHOST_KEYS}, so that few of the keys it remembers share one. */
const GHOST_SLOTS = 2 * GHOST_KEYS;

/**
 * What a memo did not answer lately (see {@link Lru}): a table of {@link GHOST_SLOTS} slots, each with
 * the 32-bit hash (FNV-1a) of the last key told in it and when (the count of keys told then): 256 KB.
 * It says when, of the last {@link GHOST_KEYS} / 4 keys told, one in {@link RARE} (or `rare`) had been
 * told within the {@link GHOST_KEYS} before it: then a memo that held that many would have hit. Two keys
 * in one slot forget each other (too few comebacks, never too many, but for a 32-bit hash's collisions).
 * Also the joiner's shape memo's (`ShapeMemo` in `join.ts`), which tells it every fourth line it skips.
 */
export class Ghost {
  private readonly hashes = new Int32Array(GHOST_SLOTS);
  private readonly when = new Uint32Array(GHOST_SLOTS);
  private told = 0;
  private back = 0;

  /** @param rare the keys come back when one in this many did (default {@link RARE}) */
  constructor(private readonly rare = RARE) {}

  /** Tell one key; true when the judgement of the last quarter is that the keys come back. */
  cameBack(message: string, rest: string): boolean {
    return this.cameBackHash(fnv(rest, fnv(message, 0x811c9dc5)));
  }

  /** {@link cameBack} for a key told by its own 32-bit hash. */
  cameBackHash(h: number): boolean {
    const i = h & (GHOST_SLOTS - 1);
    // (Counts wrap at 2^32; 0 is an empty slot.)
    const now = (this.told = (this.told + 1) >>> 0 || 1);
    const then = this.when[i]!;
    if (then !== 0 && this.hashes[i] === h && (now - then) >>> 0 <= GHOST_KEYS) this.back++;
    this.hashes[i] = h;
    this.when[i] = now;
    if (now % (GHOST_KEYS / 4) !== 0) return false;
    const verdict = this.back * this.rare >= GHOST_KEYS / 4;
    this.back = 0;
    return verdict;
  }
}

/** FNV-1a over a string's UTF-16 code units, from `h`. */
function fnv(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** One entry of {@link Lru}: the rest of its key, its value, and the next entry with the same message. */
interface Slot<V> {
  rest: string;
  value: V;
  next: Slot<V> | null;
}

/** How {@link Lru} fares for the keys of one rest: lookups and hits over `max` lookups, then resting or not. */
interface Trial {
  lookups: number;
  hits: number;
  /** Lookups still to skip. */
  resting: number;
  /** Trials in a row that found too few hits. */
  failed: number;
}

/**
 * Longest message (characters) a memo keeps an entry for: 2 048. An entry keeps its message and values,
 * which are pieces of the line (V8 keeps a slice's whole string alive): 512 entries of 60 KiB lines held
 * ~30 MB (test/bench/memory.mjs `long`). Stapling messages are a few hundred characters; a longer one
 * (an Apache certificate suffix with a huge subject) is matched afresh each time.
 */
export const MEMO_MESSAGE_MAX = 2048;

/**
 * A bounded map that forgets what was not used lately: entries live in a young and an old generation;
 * a hit in the old one moves to the young one, and when the young one is full it becomes the old one
 * (the old one is dropped). At most 2 × `max` entries; no reordering on a young hit (a `Map` delete and
 * re-insert per hit cost more than the memo saved).
 *
 * A key is in two parts, a message and the rest ({@link hitKeyRest}): the maps are by the message
 * itself (the line's string: no key is built from it), the few entries of one message in a chain.
 * Each rest is tried on its own: when fewer than one lookup in {@link RARE} of its keys hit over `max`
 * lookups (messages that are all distinct: nginx's refresh failures name the certificate, a busy
 * server's thousands of them; keys and entries cost more than they save), it rests for {@link REST} ×
 * `max` lookups ({@link worth} says so), then tries again, and rests twice as long after each further
 * failed trial in a row (up to 64 × `max`: such lines stayed in trial one lookup in 9, 3 % of their
 * time on 80 000 nginx refresh failures); the lines of another rest (Apache's AH01974 of one
 * responder, on every handshake) keep the memo (issue 15).
 *
 * A memo too small for the messages that come back (nginx's refresh failures for 5 000 certificates
 * come back every ~6 700 lines) fails its trials like one whose messages never do (10⁶ certificates,
 * each named once). In a memo made to grow, a {@link Ghost} of the keys the memo did not answer
 * (missed, or not looked up while resting) tells the two apart: when one in {@link RARE} of them came
 * back within its last {@link GHOST_KEYS}, the memo grows fourfold (up to {@link GROWN_MAX}) and every
 * rest is tried again. Measured on the 176 563 nginx refresh lines of the densely failing benchmark:
 * 91 % of their messages come back within 16 384 lines, none of the 10⁶-certificate log's.
 */
export class Lru<V> {
  private young = new Map<string, Slot<V>>();
  private old = new Map<string, Slot<V>>();
  private youngSize = 0;
  private readonly trials = new Map<string, Trial>();
  /** Keys the memo did not answer (made at the first); null once the memo has grown all it may, or when it may not. */
  private ghost: Ghost | null = null;
  private grows: boolean;

  /**
   * @param max entries per generation
   * @param grows whether the memo may grow when what it missed comes back (see {@link Lru})
   */
  constructor(
    private max: number,
    grows = false,
  ) {
    this.grows = grows && max < GROWN_MAX;
  }

  /** The most entries a generation keeps now (the `max` constructed with, or grown, see {@link Lru}). */
  get size(): number {
    return this.max;
  }

  /**
   * Is the memo worth a lookup now for a key with this rest (false while that rest rests)? A key not
   * looked up is told to the ghost (see {@link Lru}), which may grow the memo and end every rest.
   */
  worth(message: string, rest: string): boolean {
    const t = this.trialOf(rest);
    if (t.resting === 0) return true;
    t.resting--;
    this.tell(message, rest);
    return false;
  }

  /** A key the memo does not answer (resting, or missed) goes to the ghost, which may grow the memo. */
  private tell(message: string, rest: string): void {
    // (A message longer than any entry may be is not told: it would not be kept.)
    if (!this.grows || message.length > MEMO_MESSAGE_MAX) return;
    if ((this.ghost ??= new Ghost()).cameBack(message, rest)) this.grow();
  }

  /** Four times the entries per generation (up to {@link GROWN_MAX}); every rest ends, so every rest is tried again. */
  private grow(): void {
    this.max = Math.min(this.max * 4, GROWN_MAX);
    this.trials.clear();
    if (this.max === GROWN_MAX) {
      this.grows = false;
      this.ghost = null;
    }
  }

  private trialOf(rest: string): Trial {
    let t = this.trials.get(rest);
    if (t === undefined) {
      if (this.trials.size >= TRIALS_KEPT) this.trials.clear();
      this.trials.set(rest, (t = { lookups: 0, hits: 0, resting: 0, failed: 0 }));
    }
    return t;
  }

  get(message: string, rest: string): V | undefined {
    let s = slotOf(this.young, message, rest);
    if (s === null) {
      s = slotOf(this.old, message, rest);
      if (s !== null) this.set(message, rest, s.value);
    }
    const t = this.trialOf(rest);
    if (s !== null) t.hits++;
    else this.tell(message, rest);
    if (++t.lookups >= this.max) {
      if (t.hits * RARE >= t.lookups) t.failed = 0;
      else t.resting = REST * this.max * 2 ** Math.min(t.failed++, MAX_BACKOFF);
      t.lookups = 0;
      t.hits = 0;
    }
    return s === null ? undefined : s.value;
  }

  set(message: string, rest: string, value: V): void {
    // A long message is not kept: it would keep its whole line alive, and is rarely written twice.
    if (message.length > MEMO_MESSAGE_MAX) return;
    if (this.youngSize >= this.max) {
      this.old = this.young;
      this.young = new Map();
      this.youngSize = 0;
    }
    const first = this.young.get(message);
    const s = first === undefined ? null : first.rest === rest ? first : slotOf(this.young, message, rest);
    if (s !== null) {
      s.value = value;
      return;
    }
    this.young.set(message, { rest, value, next: first ?? null });
    this.youngSize++;
  }
}

/** The entry of a generation with this message and rest, or null. */
function slotOf<V>(gen: Map<string, Slot<V>>, message: string, rest: string): Slot<V> | null {
  for (let s = gen.get(message) ?? null; s !== null; s = s.next) if (s.rest === rest) return s;
  return null;
}
