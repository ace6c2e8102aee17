/**
 * `--since` / `--until`: which matched lines an analysis takes, by the time the line carries. Times are
 * compared on the scale of {@link timeMs} (a time without an offset is the log's own clock).
 */
import { timeMs } from '../correlate/time.js';

/** Bounds in ms on the {@link timeMs} scale; a line at `since` or at `until` is inside. */
export interface TimeWindow {
  since?: number;
  until?: number;
}

/**
 * A filter for one input: true when a line with this time is inside the window. A line without a time
 * (or with one that cannot be read) takes the time of the last timed line of the same input; before the
 * first timed line it is kept, as nothing places it.
 */
export function windowFilter(w: TimeWindow): (time: string | null) => boolean {
  let last: number | null = null;
  return (time) => {
    const t = timeMs(time) ?? last;
    if (t === null) return true;
    last = t;
    return (w.since === undefined || t >= w.since) && (w.until === undefined || t <= w.until);
  };
}
