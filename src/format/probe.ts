/**
 * Output of `stapling-doctor probe`, and all its wording: the probe (`probe/`) returns a verdict, notes
 * and the signature check as data; this module words them, for the human output (the connection, the
 * certificate, the staple field by field, the verdict) and for the JSON document (`message`, `notes`,
 * `staple.signature.detail`). Every value from the network goes through {@link terminalSafe} in human
 * output.
 */
import { Chalk } from 'chalk';
import type { SignatureCheck, SignatureDetailId, StapleReport } from '../probe/ocsp.js';
import { hostPort, type ProbeNote, type ProbeResult, type ProbeVerdict } from '../probe/probe.js';
import type { HumanOptions } from './human.js';
import { terminalSafe } from './sanitize.js';

/** Time left until nextUpdate (negative: since it passed), in days/hours/minutes. */
export function timeLeft(seconds: number): string {
  const neg = seconds < 0;
  let s = Math.abs(seconds);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3_600);
  s -= h * 3_600;
  const m = Math.floor(s / 60);
  const text = d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
  return neg ? `expired ${text} ago` : `${text} left`;
}

/** The sentence of each probe note. */
export function noteText(n: ProbeNote): string {
  switch (n.id) {
    case 'stapled-on-second':
      return 'The first handshake brought no staple, the second one did: nginx fetches the OCSP response when the first client asks and staples it from the next handshake on (Apache fetches it during the first handshake).';
    case 'no-staple-twice':
      return "Neither handshake brought a staple (the second came after a pause, in case the server fetches the response on the first, as nginx does). Run stapling-doctor on the server's error log to see why.";
    case 'handshake-aborted':
      return `The handshake that asked for OCSP status failed (${n.error}); a second one without asking succeeded, so the server's stapling breaks the handshake for every client that asks for a staple (Apache does this when its stapling callback fails, e.g. AH01955 after an unusable responder URL).`;
    case 'no-ocsp-url':
      return 'The certificate carries no OCSP URL: a server can staple for it only with a responder URL set in its configuration.';
    default:
      return certificateNoteText(n);
  }
}

const FROM = { 'ca-file': '--ca-file', 'ca-store': "Node's CA store" } as const;

/** The sentence of a note about the served certificate (its name, validity, issuer). */
function certificateNoteText(
  n: Exclude<ProbeNote, { id: 'stapled-on-second' | 'no-staple-twice' | 'handshake-aborted' | 'no-ocsp-url' }>,
): string {
  const whatever = 'whatever the staple says (the verdict is about the staple only)';
  switch (n.id) {
    case 'name-not-covered':
      return `The certificate does not cover the name sent (SNI ${n.name}): its subjectAltName is ${n.sans.join(', ') || '(none)'}. The server answered with the certificate of another site (usually its default one, when no block serves this name); clients asking for ${n.name} refuse it ${whatever}.`;
    case 'name-by-common-name-only':
      return `The certificate covers ${n.name} only by its subject CN and has no DNS subjectAltName: browsers and most current clients ignore the CN and refuse it.`;
    case 'certificate-expired':
      return `The certificate expired at ${n.notAfter}: clients refuse it ${whatever}. Renew it (check finds this as certificate-expired).`;
    case 'certificate-not-yet-valid':
      return `The certificate is not valid before ${n.notBefore}: clients refuse it until then ${whatever}, unless this machine's clock is wrong.`;
    case 'issuer-not-sent':
      return `The server does not send its certificate's issuer ${n.issuer}${n.completedFrom ? ` (the chain above was completed from ${FROM[n.completedFrom]}, not sent)` : ''}: clients that do not have that intermediate already cached cannot build the chain and fail. Send the intermediate after the certificate (nginx: in the ssl_certificate file; Apache: in SSLCertificateFile).`;
  }
}

/** Where the issuer that checked the staple came from when the server did not send it; null when it did. */
function issuerFrom(r: Pick<ProbeResult, 'notes'>): string | null {
  const n = r.notes.find((x) => x.id === 'issuer-not-sent');
  return n?.id === 'issuer-not-sent' && n.completedFrom ? FROM[n.completedFrom] : null;
}

/**
 * The probe's verdict as one sentence.
 * @param from where the certificate's issuer came from when the server did not send it (`--ca-file` …);
 *   null: the server sent it, the check was against the served chain
 */
export function verdictText(verdict: ProbeVerdict, staple: StapleReport | null, from: string | null = null): string {
  const chain = from ? `the certificate's issuer from ${from} (the server did not send it)` : 'the served chain';
  switch (verdict) {
    case 'handshake-aborted':
      return 'The server aborts the TLS handshake of clients that ask for a stapled OCSP response (browsers do ask): fix stapling or turn it off.';
    case 'good':
      return `The server staples a current OCSP response that says "good" and whose signature verifies against ${chain}.`;
    case 'no-staple':
      return 'The server sent no OCSP response (no staple).';
    case 'bad-status':
      return `The server staples an OCSP response with status ${staple?.responseStatus ?? '?'}${staple?.responseStatus === 'tryLater' ? ' (Apache staples such a response when its responder fails)' : ''}: it says nothing about the certificate.`;
    case 'no-status-for-certificate':
      return 'The stapled OCSP response does not contain the server certificate (CertID mismatch): it is about another certificate.';
    case 'revoked':
      return `The stapled OCSP response says the certificate is REVOKED${staple?.revocationReason ? ` (${staple.revocationReason})` : ''}${staple?.revocationTime ? ` since ${staple.revocationTime}` : ''}: replace it now.`;
    case 'unknown':
      return 'The stapled OCSP response says the certificate is unknown to the responder.';
    case 'not-current':
      return `The stapled OCSP response is not current (this update ${staple?.thisUpdate ?? '?'}, next update ${staple?.nextUpdate ?? '?'}).`;
    case 'not-verified':
      return `The stapled OCSP response says "${staple?.certStatus ?? '?'}" but its signature does not verify against ${chain}: clients that check will reject it.`;
    case 'unverifiable':
      return `The stapled OCSP response says "${staple?.certStatus ?? '?'}", but its signature could not be checked against ${chain}.`;
  }
}

const SIGNATURE: Record<SignatureDetailId, (d: Record<string, string>) => string> = {
  'no-response': () => 'No response to check.',
  'not-successful': (d) => `A ${d.status} response carries no signed data.`,
  'signer-unknown': () => 'Neither the issuer nor a certificate included in the response matches the responder id: the signer is unknown.',
  'signer-unknown-no-issuer': () =>
    'The server did not send the issuer of its certificate, and no certificate in the response matches the responder id.',
  'cannot-verify': (d) => `Cannot verify: ${d.error}.`,
  'issuer-verified': (d) => `Signed by the certificate's issuer ${d.subject}; the signature verifies.`,
  'issuer-bad-signature': (d) => `Claims to be signed by the issuer ${d.subject}, but the signature does not verify.`,
  'bad-signature': (d) => `The signature does not verify with the key of ${d.subject}.`,
  'delegation-unchecked': (d) =>
    `Signed by ${d.subject}, but the server did not send its certificate's issuer, so the delegation cannot be checked.`,
  'signer-not-issued-by-issuer': (d) =>
    `Signed by ${d.subject} (issuer ${d.signerIssuer}), which the certificate's issuer ${d.issuer} did not issue: not an authorised responder.`,
  'signer-without-ocsp-signing': (d) =>
    `Signed by ${d.subject}, issued by the certificate's issuer but without the OCSPSigning extended key usage: not an authorised responder.`,
  'signer-not-valid-now': (d) =>
    `Signed by the delegated responder ${d.subject}, whose certificate is not valid now (${d.validFrom} – ${d.validTo}).`,
  'delegated-verified': (d) =>
    `Signed by the delegated responder ${d.subject} (issued by the certificate's issuer, OCSPSigning); the signature verifies.`,
};

/** The signature check as one sentence. */
export function signatureText(sig: SignatureCheck): string {
  return SIGNATURE[sig.detailId](sig.data);
}

/** The probe's JSON document (`probe --format json`, schema in `probe-schema.ts`): the result, worded. */
export function probeDocument(r: ProbeResult): object {
  const { notes, staple, ...rest } = r;
  const worded = staple ? { ...staple, signature: { ...staple.signature, detail: signatureText(staple.signature) } } : null;
  return { ...rest, staple: worded, message: verdictText(r.verdict, staple, issuerFrom(r)), notes: notes.map(noteText) };
}

/** The handshakes in order (`#1 aborted, #2 no staple`): a handshake aborted by the server is not one without a staple. */
export function handshakeList(r: Pick<ProbeResult, 'stapledPerHandshake' | 'notes'>): string {
  const aborted = r.notes.some((n) => n.id === 'handshake-aborted');
  return r.stapledPerHandshake
    .map((s, i) => `#${i + 1} ${aborted && i === 0 ? 'aborted by the server' : s ? 'staple' : 'no staple'}`)
    .join(', ');
}

/** The verdict sentence of a result (see {@link verdictText}). */
export function resultText(r: Pick<ProbeResult, 'verdict' | 'staple' | 'notes'>): string {
  return verdictText(r.verdict, r.staple, issuerFrom(r));
}

/** The certificate line: subject, serial, issuer, validity, and what is wrong with its dates or name. */
function certificateLine(r: ProbeResult): string {
  const cert = r.certificate;
  const v = r.validity;
  const dates =
    v.state === 'expired'
      ? `valid until ${cert.notAfter} — EXPIRED`
      : v.state === 'not-yet-valid'
        ? `valid from ${cert.notBefore} — NOT VALID YET`
        : `valid until ${cert.notAfter}`;
  const name = r.name && r.name.coveredBy === null ? `; does not cover ${r.name.name}` : '';
  return `${cert.subject}, serial ${cert.serial}, issuer ${cert.issuer}, ${dates}${name}`;
}

/** The chain line: each certificate above the server's, marked when the server did not send it. */
function chainLine(r: ProbeResult): string {
  const marks = r.chain.map((x) => (x.sent === false ? `${x.subject} (not sent: from ${FROM[r.tls.trustStore]})` : x.subject));
  return marks.join(' → ') || '(only the certificate)';
}

/** The probe result as lines of text (ends with a newline). */
export function formatProbe(r: ProbeResult, opts: HumanOptions): string {
  const c = new Chalk({ level: opts.color });
  const rows: [string, string][] = [];
  rows.push(['certificate', certificateLine(r)]);
  rows.push(['OCSP URL', r.certificate.ocspUrls.join(', ') || '(none)']);
  rows.push(['chain', chainLine(r)]);
  rows.push([
    'TLS',
    `${r.tls.protocol ?? '?'}, ${r.tls.cipher ?? '?'}; ${r.tls.authorized ? 'chain trusted' : `chain not trusted here (${r.tls.authorizationError ?? '?'})`}`,
  ]);
  rows.push(['handshakes', handshakeList(r)]);
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
      if (s.thisUpdate) rows.push(['next update', s.nextUpdate ? `${s.nextUpdate} (${timeLeft(s.secondsLeft ?? 0)})` : '(none given)']);
      if (s.producedAt) rows.push(['produced at', s.producedAt]);
      if (s.responderId)
        rows.push(['responder id', 'byName' in s.responderId ? s.responderId.byName : `key SHA-1 ${s.responderId.byKeySha1}`]);
      rows.push(['signature', `${s.signature.result} — ${signatureText(s.signature)}`]);
    }
  }
  const pad = Math.max(...rows.map(([k]) => k.length));
  const target = `${hostPort(r.target.host, r.target.port)}${r.target.servername ? ` (SNI ${r.target.servername})` : ''}`;
  const head = r.verdict === 'good' ? c.bold.green('GOOD') : c.bold.yellow(r.verdict.toUpperCase());
  const out = [
    `${c.bold('probe')} ${terminalSafe(target)}${r.target.address && r.target.address !== r.target.host ? ` → ${terminalSafe(r.target.address)}` : ''}`,
    ...rows.map(([k, v]) => `  ${c.dim(`${k}:`.padEnd(pad + 1))} ${terminalSafe(v)}`),
    `${head}  ${terminalSafe(resultText(r))}`,
    ...r.notes.map((n) => `  ${c.dim('note:')} ${terminalSafe(noteText(n))}`),
  ];
  return `${out.join('\n')}\n`;
}
