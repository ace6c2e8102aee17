/**
 * `--inspect`, `--config`, `--map-path`: build the step that reads a finding's certificate files and
 * adds what they show. It runs between the core and the render step, outside the pure analyzer; its
 * modules are imported only when asked for.
 */
import type { CauseRegistry } from '../findings/registry.js';
import type { ServerConfig } from '../inspect/config/model.js';
import type { ConfigTie } from '../rules/tie.js';
import type { FindingData } from '../types.js';
import type { AnalyzeOptions } from './program.js';

/** A finding in, the same finding with its inspection (and possibly another cause) out. */
export type Enrich = (f: FindingData) => FindingData;

/** The identity step, when nothing is to be inspected. */
export const NO_INSPECTION: Enrich = (f) => f;

/** The inspection step, and the files the configuration ties rules to (`src/rules/tie.ts`; empty without `--config`). */
export interface InspectionSetup {
  enrich: Enrich;
  tie: ConfigTie;
}

/**
 * The files each tie directive names in the configurations, as nginx logs them: `ssl_stapling_file`, and
 * `ssl_trusted_certificate` of the blocks with stapling on (elsewhere it serves client certificates only).
 */
export function configTie(configs: readonly ServerConfig[]): ConfigTie {
  const sites = configs.flatMap((c) => c.sites.filter((s) => s.server === 'nginx'));
  const tie: ConfigTie = {};
  const stapling = [...new Set(sites.flatMap((s) => (s.staplingFile ? [s.staplingFile] : [])))];
  const trusted = [...new Set(sites.flatMap((s) => (s.stapling === true ? s.trustedFiles : [])))];
  if (stapling.length > 0) tie.ssl_stapling_file = stapling;
  if (trusted.length > 0) tie.ssl_trusted_certificate = trusted;
  return tie;
}

/**
 * The inspection step the options ask for.
 * @param warn reports a configuration problem (syntax, an include it could not read) with its file:line
 * @returns the step and the configuration's ties; or an error message for an unusable `--map-path`; or
 *   `{ error: null }` when a `--config` cannot be read at all (already reported through `warn`): exit 2
 */
export async function inspectionStep(
  opts: Pick<AnalyzeOptions, 'inspect' | 'config' | 'mapPath'>,
  cwd: string,
  causes: CauseRegistry,
  warn: (msg: string) => void,
): Promise<InspectionSetup | { error: string | null }> {
  if (!opts.inspect && opts.config.length === 0 && opts.mapPath.length === 0) return { enrich: NO_INSPECTION, tie: {} };
  // One after the other: inspect.js imports config.js too, and jest's ESM loader fails on two imports of one module at once.
  const { loadServerConfigs, formatProblem } = await import('../inspect/config.js');
  const { createInspector } = await import('../inspect/inspect.js');
  const { createPathMap } = await import('../inspect/paths.js');
  let paths;
  try {
    paths = createPathMap(opts.mapPath, cwd);
  } catch (e) {
    return { error: (e as Error).message };
  }
  // An unreadable --config is exit 2; other configuration problems are reported and reading goes on.
  const loaded = await loadServerConfigs(opts.config, { paths, cwd });
  for (const p of loaded.problems) warn(`--config: ${p.severity}: ${formatProblem(p)}`);
  if (loaded.fatal) return { error: null };
  const inspector = createInspector({ configs: loaded.configs, paths, causes });
  return { enrich: (f) => inspector.inspect(f), tie: configTie(loaded.configs) };
}
