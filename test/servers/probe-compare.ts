/**
 * `stapling-doctor probe` next to `openssl s_client -status` on a running scenario server: one s_client
 * handshake, the built CLI's `probe --format json`, another s_client handshake, and a comparison of
 * what each saw (staple sent, response status, cert status, this/next update, revocation). The
 * s_client transcripts are the reference; the probe must agree with the one made right after it (or,
 * when the server's staple changed in between, the one right before).
 */
import { CLI, REPO_ROOT } from './analyze.js';
import { handshake, type HandshakeResult } from './handshake.js';
import { TEST_HOST } from './pki.js';
import { run } from './proc.js';
import type { ProbeResult } from '../../src/probe/probe.js';

/** What `openssl s_client -status` printed about the staple, in the probe's terms. */
export interface SclientView {
  /** The handshake (asking for OCSP status) completed. */
  completed: boolean;
  stapled: boolean;
  /** Lower-case, as s_client prints it (`successful`, `trylater` …). */
  responseStatus: string | null;
  certStatus: string | null;
  /** ms since the epoch, from `This Update:` / `Next Update:` / `Revocation Time:`. */
  thisUpdate: number | null;
  nextUpdate: number | null;
  revocationTime: number | null;
  revocationReason: string | null;
}

/**
 * Read the OCSP part of an s_client transcript. s_client prints every SingleResponse of the staple;
 * when its serial number is not the server certificate's (`leafSerial`), the staple says nothing about
 * the certificate, which the probe reports as `certStatus: null`.
 */
export function sclientView(h: HandshakeResult, leafSerial?: string): SclientView {
  const t = (label: string): number | null => {
    const m = new RegExp(`${label}: (.+ GMT)`).exec(h.output);
    return m ? Date.parse(m[1]!) : null;
  };
  const serial = /Serial Number: ([0-9A-Fa-f]+)/.exec(h.output)?.[1];
  if (leafSerial && serial && serial.replace(/^0+/, '').toUpperCase() !== leafSerial.replace(/^0+/, '').toUpperCase()) {
    return {
      completed: h.completed,
      stapled: true,
      responseStatus: h.responseStatus?.toLowerCase() ?? null,
      certStatus: null,
      thisUpdate: null,
      nextUpdate: null,
      revocationTime: null,
      revocationReason: null,
    };
  }
  return {
    completed: h.completed,
    stapled: h.stapled || (h.responseStatus !== null && h.responseStatus !== 'successful'),
    responseStatus: h.responseStatus?.toLowerCase() ?? null,
    certStatus: h.certStatus,
    thisUpdate: t('This Update'),
    nextUpdate: t('Next Update'),
    revocationTime: t('Revocation Time'),
    revocationReason: /Revocation Reason: (\w+)/.exec(h.output)?.[1] ?? null,
  };
}

/** The same fields from the probe's JSON. */
export function probeView(p: ProbeResult): SclientView {
  const s = p.staple;
  const ms = (x: string | null | undefined) => (x ? Date.parse(x) : null);
  return {
    completed: p.verdict !== 'handshake-aborted',
    stapled: s !== null,
    responseStatus: s ? s.responseStatus.toLowerCase() : null,
    certStatus: s?.certStatus ?? null,
    thisUpdate: ms(s?.thisUpdate),
    nextUpdate: ms(s?.nextUpdate),
    revocationTime: ms(s?.revocationTime),
    revocationReason: s?.revocationReason ?? null,
  };
}

/** One comparison: both s_client handshakes, the probe (exit code and document), and the verdict. */
export interface ProbeComparison {
  sclientBefore: HandshakeResult;
  sclientAfter: HandshakeResult;
  probeCode: number | null;
  probe: ProbeResult | null;
  probeError?: string;
  /** Which s_client handshake the probe agrees with, or null when with neither. */
  agreesWith: 'after' | 'before' | null;
  /** Field by field differences from the s_client handshake after the probe (empty when it agrees). */
  differences: string[];
}

function diff(a: SclientView, b: SclientView): string[] {
  return (Object.keys(a) as (keyof SclientView)[])
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k}: s_client ${String(b[k])} ≠ probe ${String(a[k])}`);
}

/**
 * s_client, probe, s_client against 127.0.0.1:`port` (SNI www.stapling.test).
 * @param caFile the test root, for both tools' trust report
 */
export async function compareProbe(port: number, caFile: string): Promise<ProbeComparison> {
  const sclientBefore = await handshake(port, caFile);
  const r = await run(
    process.execPath,
    [CLI, 'probe', `127.0.0.1:${port}`, '--servername', TEST_HOST, '--ca-file', caFile, '--format', 'json', '--timeout', '15000'],
    { timeoutMs: 60_000, cwd: REPO_ROOT },
  );
  const sclientAfter = await handshake(port, caFile);
  let probe: ProbeResult | null = null;
  let probeError: string | undefined;
  try {
    probe = JSON.parse(r.stdout) as ProbeResult;
    if (!('verdict' in probe)) probeError = r.stderr || r.stdout;
  } catch {
    probeError = `probe printed no JSON (exit ${r.code}): ${r.stderr}`;
  }
  const out: ProbeComparison = { sclientBefore, sclientAfter, probeCode: r.code, probe, agreesWith: null, differences: [] };
  if (probeError) out.probeError = probeError;
  if (probe && !probeError) {
    const pv = probeView(probe);
    const serial = probe.certificate.serial;
    out.differences = diff(pv, sclientView(sclientAfter, serial));
    if (out.differences.length === 0) out.agreesWith = 'after';
    else if (diff(pv, sclientView(sclientBefore, serial)).length === 0) out.agreesWith = 'before';
  }
  return out;
}

/** One-word summary of an s_client view, like the harness's `describeStaple`. */
export function describeView(v: SclientView): string {
  if (!v.completed) return 'handshake failed';
  if (!v.stapled) return 'no staple';
  if (v.responseStatus !== 'successful') return `staple: ${v.responseStatus ?? '?'}`;
  return `staple: ${v.certStatus ?? '(not for this cert)'}`;
}
