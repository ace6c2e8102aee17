/**
 * The correlator's open groups: found by their context key, and kept in order of last activity so that
 * the least recently active comes first. The order is a doubly linked list through the groups
 * themselves, so that a line of an open group moves it to the end without touching the map (a `Map`'s
 * own insertion order would need a delete and a set, two lookups of the context key, per line).
 */

/** What {@link OpenGroups} needs of a group: its key and its two links (owned by the list). */
export interface Linked<T> {
  readonly context: string;
  prev: T | null;
  next: T | null;
}

/** Open groups by context, oldest activity first. */
export class OpenGroups<T extends Linked<T>> {
  private readonly byContext = new Map<string, T>();
  private head: T | null = null;
  private tail: T | null = null;

  /** Groups open. */
  get size(): number {
    return this.byContext.size;
  }

  /** The least recently active group, or null. */
  get oldest(): T | null {
    return this.head;
  }

  /** The most recently active group, or null. */
  get newest(): T | null {
    return this.tail;
  }

  /** The open group of a context. */
  get(context: string): T | undefined {
    return this.byContext.get(context);
  }

  /** Open `g` as the most recently active (closing the group its context had). */
  open(g: T): void {
    this.delete(g.context);
    this.byContext.set(g.context, g);
    this.append(g);
  }

  /** `g` is now the most recently active (nothing when it is not open). */
  touch(g: T): void {
    if (this.tail === g || (g.prev === null && this.head !== g)) return;
    this.unlink(g);
    this.append(g);
  }

  /** Close the group of a context, if one is open. */
  delete(context: string): void {
    const g = this.byContext.get(context);
    if (g === undefined) return;
    this.byContext.delete(context);
    this.unlink(g);
  }

  /** The contexts open, oldest first (a copy). */
  contexts(): string[] {
    const out: string[] = [];
    for (let g = this.head; g !== null; g = g.next) out.push(g.context);
    return out;
  }

  /** Close every group. */
  clear(): void {
    this.byContext.clear();
    this.head = this.tail = null;
  }

  private append(g: T): void {
    g.prev = this.tail;
    g.next = null;
    if (this.tail) this.tail.next = g;
    else this.head = g;
    this.tail = g;
  }

  private unlink(g: T): void {
    if (g.prev) g.prev.next = g.next;
    else this.head = g.next;
    if (g.next) g.next.prev = g.prev;
    else this.tail = g.prev;
    g.prev = g.next = null;
  }
}
