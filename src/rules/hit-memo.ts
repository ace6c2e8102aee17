/**
 * A memo of rule hits by what they depend on (issue 15, densely failing logs): a failing server writes
 * the same few messages over and over (Apache's AH01974 + AH01941 on every handshake, nginx's refresh
 * failure per certificate), and each differs from the last only in its time, pid, client and connection.
 * The rules' hits on a parsed line (`hitsOn()` in `match.ts`) depend only on the fields that
 * {@link hitKey} lists; two lines with the same key get the same hits, so the second takes a copy of
 * the first's instead of preparing the message and running the patterns again.
 */
import type { ParsedLine, Rule } from '../types.js';

/** The parsed fields a rule's `when` may test (see `whenFailure()` in `match.ts`). */
const WHEN_FIELDS = ['connectionId', 'level', 'module', 'client', 'code'] as const;

/**
 * The key of a parsed line's hits among the rules: everything `hitsOn()` and `prepare()` read of it.
 * - the message, server, status (prepared into values), format, level (severity by level);
 * - not the time, which `prepare()` adds to the values only with a certificate's notAfter (`loggedAt`):
 *   the memo compares it for such entries ({@link timeDependent});
 * - each field a rule's `when` tests: its value when a rule lists values, else only whether it is there
 *   (`absent`/`present`), else nothing (so a new client or connection id does not miss).
 * Whether time and wrapper are missing is for the match's cut (`cutOf()`), computed per line anyway.
 */
export function hitKey(p: ParsedLine, rs: readonly Rule[]): string {
  const spec = specOf(rs);
  const parts: string[] = [spec.ids, p.server ?? '-', p.format ?? '-', p.level ?? '-', p.status ?? '-'];
  for (const [f, values] of spec.fields) {
    const v = p[f];
    parts.push(values ? (v === null ? '\u0001' : String(v)) : v === null ? '0' : '1');
  }
  parts.push(p.message);
  return parts.join('\u0000');
}

/**
 * Do hits prepared with these shared values depend on the line's time? `prepare()` adds the time as
 * `loggedAt` only when an Apache certificate suffix gave a `notAfter`; either value there counts.
 */
export function timeDependent(shared: { notAfter?: string; loggedAt?: string }): boolean {
  return shared.notAfter !== undefined || shared.loggedAt !== undefined;
}

/** What of a rule set goes into {@link hitKey}: its ids, and each `when` field with whether a rule lists values for it. */
interface KeySpec {
  ids: string;
  fields: [(typeof WHEN_FIELDS)[number], boolean][];
}

const specs = new WeakMap<Rule, KeySpec>();

function specOf(rs: readonly Rule[]): KeySpec {
  const one = rs.length === 1 ? specs.get(rs[0]!) : undefined;
  if (one) return one;
  const spec: KeySpec = { ids: rs.map((r) => r.id).join(','), fields: [] };
  for (const f of WHEN_FIELDS) {
    const conds = rs.map((r) => r.when?.[f]).filter((c) => c !== undefined);
    if (conds.length > 0) spec.fields.push([f, conds.some((c) => Array.isArray(c))]);
  }
  if (rs.length === 1) specs.set(rs[0]!, spec);
  return spec;
}

/** A memo that hits fewer than one lookup in this many rests (see {@link Lru}). */
const RARE = 8;
/** How long it rests, in generations. */
const REST = 8;

/**
 * A bounded map that forgets what was not used lately: entries live in a young and an old generation;
 * a hit in the old one moves to the young one, and when the young one is full it becomes the old one
 * (the old one is dropped). At most 2 × `max` entries; no reordering on a young hit (a `Map` delete and
 * re-insert per hit cost more than the memo saved). When fewer than one lookup in {@link RARE} hit over
 * `max` lookups (a log whose messages are all distinct: keys cost more than they save), it rests for
 * {@link REST} × `max` lookups ({@link worth} says so), then tries again.
 */
export class Lru<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private lookups = 0;
  private hits = 0;
  private resting = 0;

  constructor(private readonly max: number) {}

  /** Is the memo worth a lookup now (false while it rests)? */
  worth(): boolean {
    if (this.resting === 0) return true;
    this.resting--;
    return false;
  }

  get(key: string): V | undefined {
    let v = this.young.get(key);
    if (v === undefined) {
      v = this.old.get(key);
      if (v !== undefined) this.set(key, v);
    }
    if (v !== undefined) this.hits++;
    if (++this.lookups >= this.max) {
      if (this.hits * RARE < this.lookups) this.resting = REST * this.max;
      this.lookups = 0;
      this.hits = 0;
    }
    return v;
  }

  set(key: string, value: V): void {
    if (this.young.size >= this.max) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}
