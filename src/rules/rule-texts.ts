/**
 * The texts a derived reading's trigger must not be found in (`head-reading.ts`, `tail-reading.ts`): every
 * rule's trigger and sample lines.
 */
import type { Rule } from '../types.js';

const lower = (s: string): string => s.toLowerCase();

/**
 * Every rule's trigger and sample lines in lower case, searched as one text (one `indexOf` per head instead
 * of one `includes` per line: ~800 texts for the built-in rules).
 */
export class RuleTexts {
  private readonly texts: string[] = [];
  /** Per text: the index of its rule. */
  private readonly owner: number[] = [];
  /** Per text: whether it is its rule's trigger or a line it must match (not a must-not-match line). */
  private readonly ownLine: boolean[] = [];
  private readonly starts: number[] = [];
  private readonly all: string;

  constructor(rules: readonly Rule[]) {
    let at = 0;
    const add = (text: string, i: number, own: boolean): void => {
      const low = lower(text); // (its own length: lower case may be longer, `İ`)
      this.texts.push(low);
      this.owner.push(i);
      this.ownLine.push(own);
      this.starts.push(at);
      at += low.length + 1;
    };
    rules.forEach((r, i) => {
      add(r.trigger, i, true);
      for (const s of r.samples.match) add(s.line, i, true);
      for (const s of r.samples.nomatch) add(s.line, i, false);
    });
    this.all = this.texts.join('\n');
  }

  text(t: number): string {
    return this.texts[t]!;
  }

  /** Is text `t` rule `i`'s trigger or one of its lines that must match? */
  isOwn(t: number, i: number): boolean {
    return this.owner[t] === i && this.ownLine[t]!;
  }

  /** Does a text for which `counts` holds contain `h` (lower case, no line break)? */
  someHolds(h: string, counts: (t: number) => boolean): boolean {
    for (let p = this.all.indexOf(h); p !== -1; p = this.all.indexOf(h, p + 1)) {
      const t = this.textAt(p);
      if (counts(t)) return true;
      p = this.starts[t]! + this.texts[t]!.length; // the next text
    }
    return false;
  }

  private textAt(p: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= p) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
