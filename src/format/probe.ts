/**
 * Human output of `stapling-doctor probe`: the connection, the certificate, the staple field by field,
 * and the verdict. Wording comes from `confirm-wording.ts`; every value from the network goes through
 * {@link terminalSafe}.
 */
import { Chalk } from 'chalk';
import { PROBE } from '../confirm-wording.js';
import type { ProbeResult } from '../probe/probe.js';
import type { HumanOptions } from './human.js';
import { terminalSafe } from './sanitize.js';

/** The probe result as lines of text (ends with a newline). */
export function formatProbe(r: ProbeResult, opts: HumanOptions): string {
  const c = new Chalk({ level: opts.color });
  const rows: [string, string][] = [];
  const cert = r.certificate;
  rows.push(['certificate', `${cert.subject}, serial ${cert.serial}, issuer ${cert.issuer}, valid until ${cert.notAfter}`]);
  rows.push(['OCSP URL', cert.ocspUrls.join(', ') || '(none)']);
  rows.push(['chain', r.chain.map((x) => x.subject).join(' → ') || '(only the certificate)']);
  rows.push([
    'TLS',
    `${r.tls.protocol ?? '?'}, ${r.tls.cipher ?? '?'}; ${r.tls.authorized ? 'chain trusted' : `chain not trusted here (${r.tls.authorizationError ?? '?'})`}`,
  ]);
  rows.push(['handshakes', r.stapledPerHandshake.map((s, i) => `#${i + 1} ${s ? 'staple' : 'no staple'}`).join(', ')]);
  const s = r.staple;
  if (!s) {
    rows.push(['staple', 'none']);
  } else {
    rows.push(['staple', `${s.bytes} bytes, response status ${s.responseStatus}${s.parseError ? ` (${s.parseError})` : ''}`]);
    if (s.responseStatus === 'successful') {
      rows.push([
        'cert status',
        s.certStatus === null
          ? `(not in the response: ${s.responses} other response${s.responses === 1 ? '' : 's'})`
          : s.certStatus +
            (s.certStatus === 'revoked'
              ? ` at ${s.revocationTime ?? '?'}${s.revocationReason ? `, reason ${s.revocationReason}` : ''}`
              : ''),
      ]);
      if (s.thisUpdate) rows.push(['this update', s.thisUpdate]);
      if (s.thisUpdate)
        rows.push(['next update', s.nextUpdate ? `${s.nextUpdate} (${PROBE.timeLeft(s.secondsLeft ?? 0)})` : '(none given)']);
      if (s.producedAt) rows.push(['produced at', s.producedAt]);
      if (s.responderId)
        rows.push(['responder id', 'byName' in s.responderId ? s.responderId.byName : `key SHA-1 ${s.responderId.byKeySha1}`]);
      rows.push(['signature', `${s.signature.result} — ${s.signature.detail}`]);
    }
  }
  const pad = Math.max(...rows.map(([k]) => k.length));
  const target = `${r.target.host}:${r.target.port}${r.target.servername ? ` (SNI ${r.target.servername})` : ''}`;
  const head = r.verdict === 'good' ? c.bold.green('GOOD') : c.bold.yellow(r.verdict.toUpperCase());
  const out = [
    `${c.bold('probe')} ${terminalSafe(target)}${r.target.address && r.target.address !== r.target.host ? ` → ${terminalSafe(r.target.address)}` : ''}`,
    ...rows.map(([k, v]) => `  ${c.dim(`${k}:`.padEnd(pad + 1))} ${terminalSafe(v)}`),
    `${head}  ${terminalSafe(r.message)}`,
    ...r.notes.map((n) => `  ${c.dim('note:')} ${terminalSafe(n)}`),
  ];
  return `${out.join('\n')}\n`;
}
