/**
 * The switch for the recognition shortcuts (issue 15): cheap tests that decide, for the lines that
 * allow it, what the full normalisation, matching and joining would decide, without doing them
 * (`normalize.ts`: a plain printable-ASCII line skips the regex cascade; `rules/match.ts` and
 * `rules/join.ts`: work whose outcome is known in advance is skipped, results of pure steps are reused).
 * Every shortcut must give exactly what the full path gives: test/fast-path.test.ts turns them off
 * with {@link setFastPaths} and compares the two over every rule sample, the mutation test's variants,
 * the public pastes and slices of the benchmark inputs. Nothing else turns them off.
 */

let enabled = true;

/** Are the shortcuts on (the default)? */
export function fastPathsOn(): boolean {
  return enabled;
}

/**
 * Turn the shortcuts on or off (for the differential test; process-wide).
 * @returns the previous setting
 */
export function setFastPaths(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}
