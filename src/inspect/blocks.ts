/**
 * `--inspect --config`: judge a finding against every configuration block its certificate is used by.
 *
 * A certificate may be used by several blocks (two nginx `server {}`s sharing `ssl_certificate` with
 * different `ssl_trusted_certificate` files; two `<VirtualHost>`s with the same `SSLCertificateFile`),
 * and nginx's stapling lines name only the certificate. The candidates come from `candidatesFor`
 * (`config/resolve.ts`), narrowed by what the log says (certificate path or subject/serial, vhost id,
 * responder URL, and — read from the evidence lines — nginx's `server:` and a configuration `FILE:LINE`).
 * Then:
 * - one candidate: judged on its own;
 * - several that agree on every compared setting: one judgement stands for all (`blockJudgement: 'one'`);
 * - several that differ: each is judged (`blockJudgement: 'each'`), every verdict is kept in
 *   `inspection.blocks`, and the top-level verdict is that of the blocks whose verdict is the log's
 *   cause (`verdictFor`) — never the first block's silently. When none bears the log's cause out, the
 *   cause stays the log's and the result says so (`refuted` when every block refutes it, else `not-checked`).
 *
 * Pure apart from the injected PEM reader.
 */
import type { CauseRegistry } from '../findings/registry.js';
import type { BlockVerdict, ConfirmEndpoint, FindingData, InspectionData, MissingCertificate } from '../types.js';
import {
  candidatesFor,
  endpointsOf,
  type Candidate,
  type Resolution,
  type ServerConfig,
  type SiteCertificates,
  type SiteHints,
} from './config.js';
import { judge, type Judgement, type Materials, type PemFile } from './judge.js';
import type { PathMap } from './paths.js';

/** What {@link judgeByBlocks} needs besides the finding. */
export interface BlockJudgeContext {
  configs: readonly ServerConfig[];
  paths: PathMap;
  readPem: (named: string) => PemFile;
  now: number;
  causes: CauseRegistry;
}

/** One block and one of its certificates: what a single judgement is made on. */
interface Unit {
  candidate: Candidate;
  certificate: string;
}

/**
 * Hints the evidence lines carry beyond the finding's subject: nginx's `server: …` (a listen address in
 * handshake lines, the first `server_name` in request lines; `ngx_http_log_error()`,
 * src/http/ngx_http_request.c) and a configuration `in FILE:LINE` (`ngx_conf_log_error()`,
 * src/core/ngx_conf_file.c), plus the `ssl_stapling_file` or `ssl_trusted_certificate` a start-up line names.
 */
export function evidenceHints(f: Pick<FindingData, 'evidence' | 'server' | 'data' | 'cause'>): SiteHints {
  const h: SiteHints = {};
  for (const e of f.evidence) {
    const server = /, server: ([^\s,]+)/.exec(e.text)?.[1];
    if (server && !h.listen && !h.serverName) {
      if (/^(?:\[[0-9a-fA-F:.]+\]|[0-9.]+|\*):\d+$/.test(server)) h.listen = server;
      else h.serverName = server;
    }
    const at = / in (\/[^\s:"]+:\d+)\s*$/.exec(e.text)?.[1];
    if (at && !h.configFile) h.configFile = at;
  }
  // The file a start-up line names: the trusted bundle (SSL_CTX_load_verify_locations) or the stapling file.
  if (f.server === 'nginx' && f.data.file) {
    if (f.cause === 'trusted-chain-incomplete') h.trustedFile = f.data.file;
    else h.staplingFile = f.data.file;
  }
  return h;
}

/** The blocks (and certificates) a finding may be about. */
function unitsOf(r: Resolution): Unit[] {
  return r.candidates.flatMap((candidate) =>
    candidate.certificate !== null
      ? [{ candidate, certificate: candidate.certificate }]
      : candidate.site.certificates.map((certificate) => ({ candidate, certificate })),
  );
}

function materialsOf(u: Unit, readPem: BlockJudgeContext['readPem'], paths: PathMap): Materials {
  const site = u.candidate.site;
  return {
    haveConfig: true,
    sameFile: (logged, configured) => paths.toReal(logged) === paths.toReal(configured),
    certFile: readPem(u.certificate),
    site,
    block: u.candidate.block,
    chainFiles: site.chainFiles.map(readPem),
    trustedFiles: [...site.trustedFiles, ...site.clientCaFiles].map(readPem),
  };
}

function verdictOf(u: Unit, j: Judgement, withChecks: boolean): BlockVerdict {
  const site = u.candidate.site;
  return {
    block: u.candidate.block,
    names: site.names,
    listen: site.listen,
    certificate: u.certificate,
    cause: j.cause,
    result: j.inspection.result,
    checks: withChecks ? j.inspection.checks : [],
    missing: j.inspection.missing,
    trustedFiles: j.inspection.trustedFiles ?? [],
  };
}

/** The TLS endpoints of one block (`endpointsOf` without the `listen` text). */
export function siteEndpoints(site: SiteCertificates): ConfirmEndpoint[] {
  return confirmEndpoints([{ candidate: { site } }]);
}

/** The TLS endpoints of some blocks, for the Confirm commands (duplicates removed). */
export function confirmEndpoints(units: readonly { candidate: Pick<Candidate, 'site'> }[]): ConfirmEndpoint[] {
  const out: ConfirmEndpoint[] = [];
  for (const u of units) {
    for (const e of endpointsOf(u.candidate.site)) {
      if (out.some((o) => o.host === e.host && o.port === e.port && o.serverName === e.serverName)) continue;
      out.push({ host: e.host, port: e.port, serverName: e.serverName });
    }
  }
  return out;
}

function unionMissing(lists: readonly MissingCertificate[][]): MissingCertificate[] {
  const out: MissingCertificate[] = [];
  for (const m of lists.flat()) if (!out.some((o) => o.subject === m.subject && o.neededIn === m.neededIn)) out.push(m);
  return out;
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** Several blocks, judged each: the top-level verdict is that of the blocks that bear the log's cause out. */
function combine(f: FindingData, units: Unit[], judged: Judgement[], r: Resolution): Judgement {
  const verdicts = units.map((u, i) => verdictOf(u, judged[i]!, true));
  const same = new Set(judged.map((j) => `${j.cause} ${j.inspection.result}`)).size === 1;
  const support = same
    ? units.map((_, i) => i)
    : units.map((_, i) => i).filter((i) => judged[i]!.cause === f.cause && judged[i]!.inspection.result === 'confirmed');
  const lead = judged[support[0] ?? 0]!;
  const picked = support.map((i) => judged[i]!);
  const inspection: InspectionData = {
    ...lead.inspection,
    missing: unionMissing(picked.map((j) => j.inspection.missing)),
    trustedFiles: unique(picked.flatMap((j) => j.inspection.trustedFiles ?? [])),
    blocks: verdicts,
    blockJudgement: 'each',
    blockDifferences: r.differences,
    verdictFor: unique(support.map((i) => units[i]!.candidate.block)),
    endpoints: confirmEndpoints(support.map((i) => units[i]!)),
  };
  if (support.length > 0) return { cause: lead.cause, inspection };
  // No block bears the log's diagnosis out: keep the log's cause; say whether every block refutes it.
  const { causeBefore: _b, causeChangeReason: _r, configBlock: _c, certificate: _cert, ...rest } = inspection;
  const result = judged.every((j) => j.inspection.result === 'refuted') ? 'refuted' : 'not-checked';
  return { cause: f.cause, inspection: { ...rest, result, checks: [], missing: [], trustedFiles: [] } };
}

/**
 * Judge a finding against the blocks of `--config` that use its certificate (see the module note).
 * @returns null when no block fits (the caller judges the certificate file the log names, without a block)
 */
export function judgeByBlocks(f: FindingData, ctx: BlockJudgeContext): Judgement | null {
  const leafOf = (file: string) => ctx.readPem(file).certs[0] ?? null;
  const r = candidatesFor(f, ctx.configs, { leafOf, paths: ctx.paths, extra: evidenceHints(f) });
  const units = unitsOf(r);
  if (units.length === 0) return null;
  const first = judge(f, materialsOf(units[0]!, ctx.readPem, ctx.paths), ctx.now, ctx.causes);
  if (units.length === 1) return { ...first, inspection: { ...first.inspection, endpoints: confirmEndpoints(units) } };
  const sameCertificate = new Set(units.map((u) => u.certificate)).size === 1;
  if (r.differences.length === 0 && sameCertificate) {
    const blocks = units.map((u) => verdictOf(u, first, false));
    const all = units.map((u) => u.candidate.block);
    return {
      ...first,
      inspection: {
        ...first.inspection,
        blocks,
        blockJudgement: 'one',
        blockDifferences: [],
        verdictFor: all,
        endpoints: confirmEndpoints(units),
      },
    };
  }
  const judged = [first, ...units.slice(1).map((u) => judge(f, materialsOf(u, ctx.readPem, ctx.paths), ctx.now, ctx.causes))];
  return combine(f, units, judged, r);
}
