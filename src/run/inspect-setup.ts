/**
 * `--inspect`, `--config`, `--map-path`: build the step that reads a finding's certificate files and
 * adds what they show. It runs between the core and the render step, outside the pure analyzer; its
 * modules are imported only when asked for.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CauseRegistry } from '../findings/registry.js';
import type { FindingData } from '../types.js';
import type { AnalyzeOptions } from './program.js';

/** A finding in, the same finding with its inspection (and possibly another cause) out. */
export type Enrich = (f: FindingData) => FindingData;

/** The identity step, when nothing is to be inspected. */
export const NO_INSPECTION: Enrich = (f) => f;

/**
 * The inspection step the options ask for.
 * @param warn reports a problem that does not stop the run (a `--config` it could not fully read)
 * @returns the step, or an error message for an unusable `--map-path`
 */
export async function inspectionStep(
  opts: Pick<AnalyzeOptions, 'inspect' | 'config' | 'mapPath'>,
  cwd: string,
  causes: CauseRegistry,
  warn: (msg: string) => void,
): Promise<Enrich | { error: string }> {
  if (!opts.inspect && opts.config.length === 0 && opts.mapPath.length === 0) return NO_INSPECTION;
  const [{ fsConfigReader, readServerConfig }, { createInspector }, { createPathMap }] = await Promise.all([
    import('../inspect/config.js'),
    import('../inspect/inspect.js'),
    import('../inspect/paths.js'),
  ]);
  let paths;
  try {
    paths = createPathMap(opts.mapPath, cwd);
  } catch (e) {
    return { error: (e as Error).message };
  }
  const reader = fsConfigReader(fs, paths);
  const configs = opts.config.map((c) => readServerConfig(path.resolve(cwd, c), reader));
  for (const c of configs) for (const p of c.problems) warn(`--config: ${p}`);
  const inspector = createInspector({ configs, paths, causes });
  return (f) => inspector.inspect(f);
}
