/**
 * `stapling-doctor check [--config FILE...] [--probe [--address ADDR...]]`: read the nginx and Apache
 * configurations (default: the system's, where found), predict what will stop OCSP stapling for each
 * certificate of each TLS block with stapling on (`inspect/check.ts`), word the findings with the same
 * render step as the log analysis, and — with `--probe` only — handshake every configured endpoint and
 * say whether a good staple is served (`probe/probe.ts`, which makes a second handshake when the first
 * brings none, as nginx needs). Nothing touches the network without `--probe`.
 *
 * Exit codes: 0 nothing at or above `--fail-on`, no configuration error and every probe good; 1
 * otherwise (a finding at or above `--fail-on`, a configuration the server refuses or part of it that
 * cannot be read, a probe that is not good); 2 usage, no configuration found, or a `--config` that
 * cannot be read or is no configuration (a certificate, a binary file, `apachectl -S` output).
 */
import fs from 'node:fs';
import net from 'node:net';
import { readSmallFileSync } from '../input/files.js';
import { renderFinding } from '../findings/render.js';
import { CAUSES } from '../findings/causes/index.js';
import { colorLevel, type HumanOptions } from '../format/human.js';
import { CHECK_SCHEMA } from '../format/output-schema.js';
import { safeJson } from '../format/sanitize.js';
import { severityRank, type ConfirmEndpoint, type Severity } from '../types.js';
import type { CheckedBlock } from '../inspect/check.js';
import { toRealFollowing, type PathMap } from '../inspect/paths.js';
import type { CheckProbe } from '../format/check.js';
import { errorLine, type Output } from './output.js';
import type { CheckOptions } from './program.js';
import type { RunParams } from './params.js';
import { VERSION } from '../version.js';

/** Where the servers keep their main configuration: Debian/Ubuntu nginx and Apache, RHEL/Fedora httpd. */
export const DEFAULT_CONFIGS = ['/etc/nginx/nginx.conf', '/etc/apache2/apache2.conf', '/etc/httpd/conf/httpd.conf'];

/** Largest `ssl_stapling_file` read (a DER OCSP response is a few KiB). */
const MAX_STAPLING_FILE = 1024 * 1024;

/** Reads an `ssl_stapling_file` through `--map-path`: regular files only, never waiting on a FIFO; never throws. */
function fileReader(paths: PathMap): (named: string) => { bytes: Buffer } | { error: string } {
  return (named) => {
    const real = toRealFollowing(paths, named);
    try {
      return { bytes: readSmallFileSync(real, MAX_STAPLING_FILE) };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code ?? err.message;
      return { error: real !== named ? `${why}, read from ${real}` : why };
    }
  };
}

/** Where to connect for one endpoint: the `--address`es, else the configured address, else loopback. */
function addressesFor(host: string, given: readonly string[]): string[] {
  if (given.length > 0) return [...given];
  return [net.isIP(host.replace(/^\[|\]$/g, '')) !== 0 ? host.replace(/^\[|\]$/g, '') : '127.0.0.1'];
}

/**
 * Where to reach a block: its endpoints; for a block that names neither an address nor a usable name
 * (`listen 443 ssl; server_name _;`), each TLS listen port on loopback, without SNI.
 */
function probeEndpoints(b: CheckedBlock, splitHostPort: (t: string) => { host: string | null; port: number | null }): ConfirmEndpoint[] {
  if (b.endpoints.length > 0) return b.endpoints;
  const out: ConfirmEndpoint[] = [];
  for (const raw of b.listen) {
    const words = raw.split(/\s+/);
    if (b.server === 'nginx' && !words.includes('ssl')) continue;
    const port = splitHostPort(words[0] ?? '').port ?? 443;
    if (!out.some((e) => e.port === port)) out.push({ host: '127.0.0.1', port, serverName: null });
  }
  return out;
}

/** Handshake every endpoint of every block with stapling on. */
async function probeAll(blocks: readonly CheckedBlock[], opts: CheckOptions): Promise<CheckProbe[]> {
  const { probe, ProbeError } = await import('../probe/probe.js');
  const { splitHostPort } = await import('../inspect/config.js');
  const out: CheckProbe[] = [];
  for (const b of blocks.filter((x) => x.stapling === true)) {
    for (const endpoint of probeEndpoints(b, splitHostPort)) {
      for (const address of addressesFor(endpoint.host, opts.address)) {
        try {
          const result = await probe({ host: address, port: endpoint.port, servername: endpoint.serverName, timeoutMs: opts.timeout });
          out.push({ server: b.server, block: b.block, endpoint, address, result });
        } catch (e) {
          if (!(e instanceof ProbeError)) throw e;
          out.push({
            server: b.server,
            block: b.block,
            endpoint,
            address,
            result: { error: e.message, errorCode: e.code ?? null, connectedTo: e.address },
          });
        }
      }
    }
  }
  return out;
}

/** The configurations to read: `--config`, else the system's that exist. */
function configFiles(opts: CheckOptions, paths: PathMap): string[] {
  if (opts.config.length > 0) return opts.config;
  return DEFAULT_CONFIGS.filter((f) => fs.existsSync(paths.toReal(f)));
}

/**
 * Run `check`.
 * @param errOut stderr, for one-line reports (configuration problems, usage errors)
 * @returns the exit code
 */
export async function runCheck(opts: CheckOptions, params: RunParams, errOut: Output): Promise<number> {
  const fail = (msg: string): number => {
    errOut.write(errorLine(msg));
    return 2;
  };
  if (opts.schema) {
    params.stdout.write(`${JSON.stringify(CHECK_SCHEMA, null, 2)}\n`);
    return 0;
  }
  const { loadServerConfigs, formatProblem } = await import('../inspect/config.js');
  const { createInspector } = await import('../inspect/inspect.js');
  const { createPathMap } = await import('../inspect/paths.js');
  const { checkConfigs } = await import('../inspect/check.js');
  let paths: PathMap;
  try {
    paths = createPathMap(opts.mapPath, params.cwd);
  } catch (e) {
    return fail((e as Error).message);
  }
  const files = configFiles(opts, paths);
  if (files.length === 0) return fail(`check: no configuration found (looked for ${DEFAULT_CONFIGS.join(', ')}): give --config FILE`);
  const loaded = await loadServerConfigs(files, { paths, cwd: params.cwd });
  for (const p of loaded.problems) errOut.write(errorLine(`--config: ${p.severity}: ${formatProblem(p)}`));
  if (loaded.fatal) return 2;
  const { checkStaple } = await import('../probe/ocsp.js');
  const report = checkConfigs(loaded.configs, {
    readPem: createInspector({ paths }).readPem,
    readFile: fileReader(paths),
    readStaple: checkStaple,
    now: Date.now(),
    expiryDays: opts.expiryDays,
  });
  const probes = opts.probe ? await probeAll(report.blocks, opts) : undefined;
  return writeCheck(opts, params, paths, {
    configs: loaded.configs.map((c) => ({ file: c.file, server: c.server, source: c.source })),
    blocks: report.blocks,
    findings: report.findings.map((f) => renderFinding(f, CAUSES)),
    notChecked: report.notChecked,
    problems: loaded.problems,
    ...(probes ? { probes } : {}),
  });
}

/**
 * Print the outcome; the exit code by `--fail-on` and the probes.
 * @param paths `--map-path`: SARIF points at the files on disk, not at the paths the server names
 */
async function writeCheck(
  opts: CheckOptions,
  params: RunParams,
  paths: PathMap,
  o: import('../format/check.js').CheckOutcome,
): Promise<number> {
  const { checkDocument, formatCheck } = await import('../format/check.js');
  const human: HumanOptions = { color: colorLevel(params.env, params.stdout) };
  if (opts.format === 'sarif') {
    const { sarifPieces } = await import('../format/sarif.js');
    const toReal = (f: string): string => paths.toReal(f);
    for (const piece of sarifPieces(
      o.findings,
      { version: VERSION, causes: CAUSES, cwd: params.cwd, toReal, problems: o.problems },
      safeJson,
    ))
      params.stdout.write(piece);
  } else params.stdout.write(opts.format === 'json' ? `${safeJson(checkDocument(o), 2)}\n` : formatCheck(o, human));
  const threshold = opts.failOn === 'never' ? Infinity : severityRank(opts.failOn as Severity);
  const bad = o.findings.some((f) => severityRank(f.severity) >= threshold);
  const badProbe = (o.probes ?? []).some((p) => !('verdict' in p.result) || p.result.verdict !== 'good');
  // A configuration the server refuses (syntax, `nginx -t`/`apachectl -t`, a missing include) fails the check too.
  const refused = o.problems.some((p) => p.severity === 'error');
  return bad || badProbe || refused ? 1 : 0;
}
