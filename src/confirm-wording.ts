/**
 * Wording of the source checks: the sentences `--inspect` adds to a finding (check details, a changed
 * cause) and the sentences of `stapling-doctor probe`. Like `causes.ts` for the log diagnosis, this is
 * the one place these texts live; the formatters only lay them out.
 */
import type { CauseId, InspectionCheckId, InspectionResult, Server } from './types.js';
import type { StapleReport } from './probe/ocsp.js';
import type { ProbeVerdict } from './probe/probe.js';

/** How the human output names each check: as the question it answers. */
export const CHECK_TITLES: Record<InspectionCheckId, string> = {
  'self-signed': 'self-signed?',
  'issuer-present': 'issuer present?',
  'trusted-chain': 'trusted chain to a root?',
  'ocsp-url': 'OCSP URL?',
  'lets-encrypt': "Let's Encrypt?",
  expired: 'expired?',
};

/** How the human output says what a check did to the diagnosis. */
export const RESULT_WORDS: Record<InspectionResult, string> = { confirmed: 'confirms', refuted: 'refutes', 'not-checked': 'not checked' };

const q = (file: string): string => `"${file}"`;
const list = (xs: readonly string[]): string => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

/** Name of the trusted-bundle directive of a server. */
export function trustedDirective(server: Server | null): string {
  return server === 'apache' ? 'SSLCACertificateFile' : 'ssl_trusted_certificate';
}

/** Sentences of the `--inspect` checks. */
export const INSPECT = {
  noCertificateNamed: (server: Server | null, haveConfig: boolean): string =>
    server === 'apache'
      ? haveConfig
        ? 'No certificate file of --config matches the subject/serial or virtual host the log names.'
        : 'Apache names no certificate file in this message: give --config with the Apache configuration to find it by subject and serial.'
      : 'The log names no certificate file for this finding.',
  unreadable: (file: string, why: string): string => `Cannot read ${q(file)} (${why}), so this was not checked.`,
  noCertificateInFile: (file: string): string => `${q(file)} holds no PEM certificate, so this was not checked.`,

  selfSigned: (file: string, subject: string): string =>
    `${q(file)} holds a self-signed certificate (${subject}; its signature verifies with its own key): there is no issuing CA and no OCSP responder.`,
  selfSignedDnOnly: (file: string, subject: string): string =>
    `${q(file)}: ${subject} names itself as issuer but its signature does not verify with its own key: a CA with the same name issued it, so it is not self-signed.`,
  notSelfSigned: (file: string, subject: string, issuer: string): string =>
    `${q(file)}: ${subject} is issued by ${issuer}, not self-signed.`,

  issuerMissing: (file: string, count: number, issuer: string, elsewhere: string): string =>
    `${q(file)} holds ${count === 1 ? 'only the server certificate' : `${count} certificates`} and not its issuer ${issuer}${elsewhere}.`,
  issuerElsewhereUnknown: (server: Server | null): string =>
    `; the ${trustedDirective(server)} of this server is not known (give --config to check it too)`,
  issuerNotInFiles: (files: readonly string[]): string => `, nor does ${list(files.map(q))}`,
  issuerNoTrusted: (server: Server | null, block: string): string =>
    `; the block at ${block} has no ${trustedDirective(server)}${server === 'apache' ? ' or SSLCertificateChainFile' : ''}`,
  issuerPresent: (file: string, issuer: string): string =>
    `The issuer ${issuer} is in ${q(file)} and did sign the certificate: the running server did not read these files as they are now (reload it) or reads other files.`,

  noOcspUrl: (file: string, subject: string, caIssuers: readonly string[]): string =>
    `${q(file)}: ${subject} carries no OCSP responder URL (no AIA OCSP entry)${caIssuers.length > 0 ? `; its AIA has only a CA Issuers URL (${caIssuers[0]})` : ''}.`,
  hasOcspUrl: (file: string, urls: readonly string[]): string =>
    `${q(file)} carries the OCSP URL ${urls.join(', ')}: the running server did not read this certificate as it is now (reload it) or reads another file.`,
  ocspUrlMatches: (urls: readonly string[], responder: string): string =>
    `The certificate's OCSP URL ${urls.join(', ')} is the responder the log names (${responder}).`,
  ocspUrlForced: (forced: string, block: string): string =>
    `The configuration forces the responder ${forced} (${block}), which the log names.`,
  ocspUrlDiffers: (urls: readonly string[], responder: string): string =>
    `The log names the responder ${responder}, but the certificate's OCSP URL is ${urls.join(', ') || '(none)'}: a forced responder URL (SSLStaplingForceURL / ssl_stapling_responder) or another certificate.`,
  forcedUrlRejected: (forced: string, block: string, own: readonly string[]): string =>
    `The configuration forces the responder URL ${forced} (${block}), the one the log rejects${own.length > 0 ? `; the certificate's own OCSP URL is ${own.join(', ')}` : ''}.`,
  certUrlRejected: (url: string): string => `The certificate's own OCSP URL is ${url}, the one the log rejects: the server cannot use it.`,
  ocspUrlInfo: (urls: readonly string[]): string =>
    urls.length > 0 ? `The certificate's OCSP URL is ${urls.join(', ')}.` : 'The certificate carries no OCSP URL.',

  letsEncrypt: (issuer: string): string =>
    `Issued by Let's Encrypt (${issuer}), which stopped putting OCSP URLs in certificates in May 2025 and shut its responders down in August 2025: turn stapling off for it.`,

  expired: (notAfter: string): string => `The certificate expired on ${notAfter}: replace it.`,
  notYetValid: (notBefore: string): string => `The certificate is not valid before ${notBefore}: check the server clock.`,

  trustedNone: (server: Server | null, block: string): string =>
    `The block at ${block} has no ${trustedDirective(server)}${server === 'nginx' ? ' (nor ssl_client_certificate)' : ''}: nginx has no CA certificate to verify the signer of the OCSP response with.`,
  trustedNotKnown: (server: Server | null): string =>
    `The log does not say which ${trustedDirective(server)} this server uses: give --config with the server's configuration to check it.`,
  trustedStopsBelowRoot: (files: readonly string[], top: string, missing: string): string =>
    `${list(files.map(q))} ${files.length === 1 ? 'chains' : 'chain'} the issuer only up to ${top}, whose issuer ${missing} is missing: the chain does not reach a root.`,
  trustedRootOutside: (root: string, files: readonly string[]): string =>
    `The root ${root} is found, but not in ${list(files.map(q))}: nginx trusts only the trusted bundle, so the chain has no anchor.`,
  trustedComplete: (files: readonly string[], chain: readonly string[]): string =>
    `${list(files.map(q))} ${files.length === 1 ? 'holds' : 'hold'} the complete chain of the server certificate's issuer up to its root (${chain.join(' → ')}).`,
  trustedCompleteSoSigner:
    'So a response that still fails to verify is signed by a key outside that chain: the responder signs with a foreign or unauthorised certificate.',

  certidWrongIntermediate: (file: string, second: string, issuer: string): string =>
    `In ${q(file)} the certificate after the server certificate is ${second}, not its issuer ${issuer}: the OCSP request is built with the wrong issuer.`,
  certidRightChain: (file: string, issuer: string): string =>
    `The chain in ${q(file)} is right (${issuer} issued the server certificate): the responder answers about another certificate.`,

  /** Why the cause changed, for {@link Inspection.causeChange}. */
  causeChange: (from: CauseId, to: CauseId, why: string): string => `Inspection changed the cause from ${from} to ${to}: ${why}`,
  becauseSelfSigned: 'the certificate is self-signed, so there is no issuer certificate to add.',
  becauseChainComplete: (server: Server | null): string =>
    `the ${trustedDirective(server)} chain is complete, so the signer of the OCSP response does not belong to the certificate's CA.`,
  /** Appended to the finding's message when the cause changed. */
  messageNote: (from: CauseId): string => `(The log alone suggested ${from}; inspecting the files changed the diagnosis.)`,
};

/** Fix texts that name a missing certificate (used by `fixFor` in causes.ts). */
export const MISSING = {
  where: (url: string | null): string => (url ? ` (its CA publishes it at ${url}, usually in DER form)` : ''),
  /** A command that downloads a CA certificate (DER, as CA Issuers URLs usually serve) and writes it as PEM. */
  downloadCommand: (url: string, out: string): string => `curl -fsS ${url} | openssl x509 -inform DER -out ${out}`,
  /** Said next to the download command. */
  downloadNote: ' (use `-inform PEM` if the CA serves PEM)',
};

/** Sentences of `stapling-doctor probe`. */
export const PROBE = {
  stapledOnSecond:
    'The first handshake brought no staple, the second one did: nginx fetches the OCSP response when the first client asks and staples it from the next handshake on (Apache fetches it during the first handshake).',
  noStapleTwice:
    "Neither handshake brought a staple (the second came after a pause, in case the server fetches the response on the first, as nginx does). Run stapling-doctor on the server's error log to see why.",
  abortedNote: (error: string): string =>
    `The handshake that asked for OCSP status failed (${error}); a second one without asking succeeded, so the server's stapling breaks the handshake for every client that asks for a staple (Apache does this when its stapling callback fails, e.g. AH01955 after an unusable responder URL).`,
  noOcspUrl: 'The certificate carries no OCSP URL: a server can staple for it only with a responder URL set in its configuration.',
  timeLeft: (seconds: number): string => {
    const neg = seconds < 0;
    let s = Math.abs(seconds);
    const d = Math.floor(s / 86_400);
    s -= d * 86_400;
    const h = Math.floor(s / 3_600);
    s -= h * 3_600;
    const m = Math.floor(s / 60);
    const text = d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
    return neg ? `expired ${text} ago` : `${text} left`;
  },
};

/** The probe's verdict as one sentence. */
export function probeVerdict(verdict: ProbeVerdict, staple: StapleReport | null): string {
  switch (verdict) {
    case 'handshake-aborted':
      return 'The server aborts the TLS handshake of clients that ask for a stapled OCSP response (browsers do ask): fix stapling or turn it off.';
    case 'good':
      return 'The server staples a current OCSP response that says "good" and whose signature verifies against the served chain.';
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
      return `The stapled OCSP response says "${staple?.certStatus ?? '?'}" but its signature does not verify against the served chain: clients that check will reject it.`;
    case 'unverifiable':
      return `The stapled OCSP response says "${staple?.certStatus ?? '?'}", but its signature could not be checked against the served chain.`;
  }
}
