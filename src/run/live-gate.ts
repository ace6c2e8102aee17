/**
 * When a pipe is live. `tail -f error.log | stapling-doctor` keeps its stdin open and goes quiet between
 * lines; `zcat big.gz | stapling-doctor` delivers without pause until EOF. So, reading stdin without
 * `--live`/`--no-live`, the report starts as a batch scan and turns live once the stream, after having
 * delivered data, stays open and quiet for {@link QUIET_MS}: then what was found so far is printed and
 * each later finding as its line arrives. A stream that ends first gets the grouped batch report.
 */

/** A quiet period this long (ms) on an open stream that has delivered data makes it live. */
export const QUIET_MS = 1000;

/** `live`: from the start (`--live`); `batch`: never (`--no-live`, files); `auto`: decided by {@link QUIET_MS}. */
export type LiveMode = 'live' | 'batch' | 'auto';

/** The decision, kept up to date while reading. */
export interface LiveGate {
  readonly live: boolean;
  /** Data arrived. */
  activity(): void;
  /** Reading ended: no more decisions. */
  stop(): void;
}

/**
 * @param onLive called once, when an `auto` stream turns live (not for `live`, which starts so)
 * @param quietMs the quiet period (tests use a shorter one through the same code)
 */
export function createLiveGate(mode: LiveMode, onLive: () => void, quietMs: number = QUIET_MS): LiveGate {
  let live = mode === 'live';
  let last: number | null = null;
  let timer: NodeJS.Timeout | null = null;
  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  if (mode === 'auto') {
    timer = setInterval(
      () => {
        if (last === null || Date.now() - last < quietMs) return;
        stop();
        // What was found so far first, then live: a finding that settling the analyzer completes in `onLive` is in
        // what it prints, and is not printed again as a live event.
        onLive();
        live = true;
      },
      Math.max(20, Math.floor(quietMs / 4)),
    );
    timer.unref();
  }
  return {
    get live() {
      return live;
    },
    activity() {
      last = Date.now();
    },
    stop,
  };
}
