/**
 * Which trigger texts hold which: one computation for the two users that need it, the matcher's sharing
 * of scan keys (`match.ts`, a trigger that holds another takes its keys) and the prefilter's absence
 * propagation (`prefilter.ts`, a line that lacks a trigger lacks every trigger that holds it).
 */

/** Characters by which {@link holdersOf} files the texts: their first four. */
const HEAD = 4;

/**
 * For each text, the indexes of the other, strictly longer texts that contain it, ascending.
 * The texts are filed by their first {@link HEAD} characters and looked up at each position of every
 * text (a text shorter than that is tried against every text): about linear in the total length,
 * where a pairwise `includes` of 1 932 triggers was ~30 ms of a start with that many rules.
 * Works on any string form: UTF-16 text, or UTF-8 bytes as latin1 strings (containment is the same
 * in both, UTF-8 being self-synchronising; lengths are those of the form given).
 * @param texts the triggers, distinct or not (a text never holds an equal one)
 * @returns `holders[i]`: indexes `j` with `texts[j].length > texts[i].length` and `texts[j].includes(texts[i])`
 */
export function holdersOf(texts: readonly string[]): number[][] {
  const byHead = new Map<string, number[]>();
  const short: number[] = [];
  texts.forEach((t, i) => {
    if (t.length < HEAD) short.push(i);
    else {
      const list = byHead.get(t.slice(0, HEAD));
      if (list) list.push(i);
      else byHead.set(t.slice(0, HEAD), [i]);
    }
  });
  const holders: number[][] = texts.map(() => []);
  texts.forEach((t, j) => {
    const held = new Set<number>();
    for (const i of short) if (texts[i]!.length < t.length && t.includes(texts[i]!)) held.add(i);
    for (let p = 0; p + HEAD <= t.length; p++) {
      const list = byHead.get(t.slice(p, p + HEAD));
      if (list) for (const i of list) if (texts[i]!.length < t.length && t.startsWith(texts[i]!, p)) held.add(i);
    }
    for (const i of held) holders[i]!.push(j);
  });
  return holders;
}

/**
 * Per text, the longest other text it holds (of two as long, the one with the higher index), or -1:
 * {@link holdersOf} read the other way round.
 * @returns one index per text
 */
export function longestHeld(texts: readonly string[]): Int32Array {
  const held = new Int32Array(texts.length).fill(-1);
  holdersOf(texts).forEach((holders, i) => {
    for (const j of holders) {
      const h = held[j]!;
      const n = texts[i]!.length;
      if (h < 0 || n > texts[h]!.length || (n === texts[h]!.length && i > h)) held[j] = i;
    }
  });
  return held;
}
