/**
 * `--config`: read nginx and Apache httpd configurations into a model of every `server {}` /
 * `<VirtualHost>` with its certificate, chain and trusted files, stapling directives, names and
 * addresses (file:line of each), and find the blocks a finding is about. The parts:
 *
 * - `config/model.ts`: the model ({@link SiteCertificates}, {@link ServerConfig}, {@link ConfigProblem});
 * - `config/reader.ts`: reading files (`--map-path`, size limits, FIFOs refused), include patterns,
 *   the include guard (cycles by device+inode, depth and size limits);
 * - `config/nginx.ts`, `config/apache-read.ts` + `config/apache.ts`: the two syntaxes;
 * - `config/dump.ts`: saved `nginx -T` and `apachectl -t -D DUMP_CONFIG|DUMP_INCLUDES` output;
 * - `config/server-check.ts`: `nginx -t` / `apachectl -t` where allowed;
 * - `config/load.ts`: {@link readServerConfig} (one `--config`), {@link loadServerConfigs} (all, for the CLI);
 * - `config/resolve.ts`: {@link resolveSites} (the candidate blocks of a finding), {@link endpointsOf}
 *   (where to reach a block, for Confirm commands).
 */
export * from './config/model.js';
export {
  expandApacheInclude,
  expandNginxInclude,
  fsConfigReader,
  INCLUDE_LIMITS,
  IncludeGuard,
  MAX_CONFIG_FILE_BYTES,
  memoryConfigReader,
  type ConfigReader,
  type Expansion,
  type FileInfo,
  type IncludeLimits,
} from './config/reader.js';
export { parseNginx, readNginxConfig, type NginxStatement } from './config/nginx.js';
export { apacheArgs, parseEnvvars, type ApacheLine } from './config/apache-read.js';
export { readApacheConfig, type ApacheReadOptions } from './config/apache.js';
export { detectDump, parseApacheDumpConfig, parseApacheDumpIncludes, parseNginxDump, type DumpKind } from './config/dump.js';
export {
  checkWithServer,
  parseApacheTest,
  parseNginxTest,
  untrustedFile,
  type ServerCheck,
  type ServerCheckOptions,
} from './config/server-check.js';
export {
  defaultServerRoot,
  guessServer,
  loadServerConfigs,
  readServerConfig,
  type LoadConfigOptions,
  type LoadedConfigs,
  type ReadConfigOptions,
} from './config/load.js';
export {
  agreeingCandidate,
  candidatesFor,
  endpointsOf,
  hintsOf,
  resolveSites,
  serverNameMatches,
  siteDifferences,
  type Candidate,
  type Endpoint,
  type HintName,
  type Resolution,
  type ResolveOptions,
  type SiteHints,
  type SiteSetting,
} from './config/resolve.js';
