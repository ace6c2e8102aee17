/**
 * `stapling-doctor probe`: connect, print the result, and return 0 for a good staple, 1 for none or a
 * bad one, 2 when no handshake completed (or usage). The probe and its formatter are imported only here,
 * so that log analysis never loads the ASN.1 libraries.
 */
import path from 'node:path';
import { colorLevel } from '../format/human.js';
import { safeJson } from '../format/sanitize.js';
import { OUTPUT_VERSION } from '../types.js';
import type { ProbeOptions } from './program.js';
import type { RunParams } from './params.js';

/**
 * Run `probe`.
 * @param fail reports a one-line error on stderr and returns 2
 * @returns the exit code
 */
export async function runProbe(target: string, opts: ProbeOptions, params: RunParams, fail: (msg: string) => number): Promise<number> {
  // One after the other: both import node:net and node:tls, and jest's ESM loader (tests run run() in
  // process) fails to link a built-in that two concurrent dynamic imports request ("not in cache").
  const { parseTarget, probe, ProbeError } = await import('../probe/probe.js');
  const { formatProbe, probeDocument } = await import('../format/probe.js');
  let where: { host: string; port: number };
  try {
    where = parseTarget(target);
  } catch (e) {
    return fail(`probe: ${(e as Error).message}`);
  }
  try {
    const r = await probe({
      ...where,
      ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
      timeoutMs: opts.timeout,
      ...(opts.caFile ? { caFile: path.resolve(params.cwd, opts.caFile) } : {}),
    });
    const text =
      opts.format === 'json' ? `${safeJson(probeDocument(r), 2)}\n` : formatProbe(r, { color: colorLevel(params.env, params.stdout) });
    params.stdout.write(text);
    return r.verdict === 'good' ? 0 : 1;
  } catch (e) {
    if (!(e instanceof ProbeError)) throw e;
    if (opts.format === 'json') {
      const doc = {
        version: OUTPUT_VERSION,
        target: { host: where.host, port: where.port, servername: opts.servername ?? null, address: e.address },
        error: e.message,
        errorCode: e.code ?? null,
      };
      params.stdout.write(`${safeJson(doc, 2)}\n`);
    }
    return fail(`probe ${target}: ${e.message}`);
  }
}
