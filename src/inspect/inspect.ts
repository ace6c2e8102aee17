/**
 * `--inspect`: confirm a finding at the source. For the certificate a finding names (nginx's
 * `certificate: "…"`, a start-up warning's `for certificate "…"`, or — through `--config` — the
 * Apache `SSLCertificateFile` whose subject/serial the log prints), read the PEM files and check what
 * the log says (see `judge.ts`). The inspection is added to the finding as data; a confirmed check that
 * contradicts the log's cause changes the cause (and the message id); the render step words it all.
 *
 * This is the I/O half: it reads files (never writes, never touches the network) and caches what it read.
 */
import fs from 'node:fs';
import { messageIdOf, severityOf, type CauseRegistry } from '../findings/registry.js';
import { CAUSES } from '../findings/causes/index.js';
import type { FindingData } from '../types.js';
import type { ServerConfig } from './config.js';
import { judgeByBlocks } from './blocks.js';
import { judge, type Judgement, type Materials, type PemFile } from './judge.js';
import { NO_PATH_MAP, toRealFollowing, type PathMap } from './paths.js';
import { readSmallFileSync } from '../input/files.js';
import { splitPem } from '../x509/x509.js';

export type { Judgement, Materials, PemFile } from './judge.js';
export { judge } from './judge.js';

/**
 * Apply a judgement to a finding: inspection attached, cause, message id and severity (an expired
 * certificate is an error) updated. The finding's `id` stays (it identifies the log's finding across live
 * updates).
 */
export function applyJudgement(f: FindingData, j: Judgement, causes: CauseRegistry = CAUSES): FindingData {
  const out: FindingData = { ...f, cause: j.cause, inspection: j.inspection };
  return { ...out, severity: severityOf(out), messageId: messageIdOf(out, causes) };
}

/** Options of {@link createInspector}. */
export interface InspectorOptions {
  /** Configurations read from `--config` (see `readServerConfig`). */
  configs?: ServerConfig[];
  /** `--map-path`. */
  paths?: PathMap;
  /** Time to check validity at (default: now), ms since the epoch. */
  now?: () => number;
  /** File system to read with (tests inject one); default `node:fs`. */
  fs?: Pick<typeof fs, 'statSync' | 'readFileSync'>;
  /** PEM files larger than this are not read (default 1 MiB). */
  maxPemBytes?: number;
  /** The cause modules (default: the built-in ones). */
  causes?: CauseRegistry;
}

/** Inspects findings; caches file reads (by path, size and mtime). */
export interface Inspector {
  /** The finding with {@link FindingData.inspection} added (and cause and message id updated). Never throws. */
  inspect(f: FindingData): FindingData;
  /** Read (or reuse) one PEM file. Never throws. */
  readPem(named: string): PemFile;
}

/**
 * A PEM reader: reads (or reuses, by path, size and mtime) the certificates of a file named in the log or
 * configuration, through `--map-path`. Reads only regular files up to `maxBytes`. Never throws.
 */
function pemReader(fsm: Pick<typeof fs, 'statSync' | 'readFileSync'>, paths: PathMap, maxBytes: number): (named: string) => PemFile {
  const cache = new Map<string, { key: string; pem: PemFile }>();
  return (named: string): PemFile => {
    const real = toRealFollowing(paths, named);
    // With --map-path, a reason names the path actually tried: the named one may not exist here at all.
    const failed = (why: string): PemFile => ({ file: named, certs: [], error: real !== named ? `${why}, read from ${real}` : why });
    try {
      const st = fsm.statSync(real);
      if (!st.isFile()) return failed('not a regular file');
      if (st.size > maxBytes) return failed(`larger than ${maxBytes} bytes`);
      const key = `${st.size}:${st.mtimeMs}`;
      const hit = cache.get(real);
      if (hit && hit.key === key) return hit.pem;
      // Read in a bounded loop, never waiting (a /proc file has size 0; a FIFO may replace the file).
      const blocks = splitPem(fsm === fs ? readSmallFileSync(real, maxBytes).toString('utf8') : fsm.readFileSync(real, 'utf8'));
      const certs = blocks.flatMap((b) => (b.cert ? [b.cert] : []));
      const lines = blocks.flatMap((b) => (b.cert ? [b.line] : []));
      const bad = blocks.find((b) => !b.cert);
      const pem: PemFile = {
        file: named,
        certs,
        lines,
        ...(certs.length === 0 && bad ? { error: `unparsable certificate: ${bad.error}` } : {}),
      };
      cache.set(real, { key, pem });
      return pem;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return failed(err.code ?? err.message);
    }
  };
}

/**
 * Create the I/O side of `--inspect`: finds the certificate file of a finding (from the log, or from
 * `--config` by certificate path, subject/serial or virtual host), reads it and the configured chain
 * and trusted files, and runs {@link judge}. Reads only regular files up to `maxPemBytes`; never writes.
 */
export function createInspector(options: InspectorOptions = {}): Inspector {
  const fsm = options.fs ?? fs;
  const paths = options.paths ?? NO_PATH_MAP;
  const configs = options.configs ?? [];
  const now = options.now ?? (() => Date.now());
  const causes = options.causes ?? CAUSES;

  const readPem = pemReader(fsm, paths, options.maxPemBytes ?? 1024 * 1024);
  /** Without a block: the certificate file the log names, if any. */
  const fileOnly = (f: FindingData): Materials => ({
    haveConfig: configs.length > 0,
    chainFiles: [],
    trustedFiles: [],
    site: null,
    block: null,
    certFile: f.subject.certificate ? readPem(f.subject.certificate) : null,
  });
  const judgement = (f: FindingData): Judgement => {
    const t = now();
    const byBlocks = configs.length > 0 ? judgeByBlocks(f, { configs, paths, readPem, now: t, causes }) : null;
    return byBlocks ?? judge(f, fileOnly(f), t, causes);
  };

  return {
    readPem,
    inspect(f) {
      try {
        return applyJudgement(f, judgement(f), causes);
      } catch (e) {
        // Never let an inspection problem cost the report: say what went wrong instead.
        return { ...f, inspection: { result: 'not-checked', checks: [], missing: [], error: e instanceof Error ? e.message : String(e) } };
      }
    },
  };
}
