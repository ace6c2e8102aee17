/**
 * Wording of the `--inspect` checks: the sentence of each check result (by its `detailId`, with its
 * values), of a changed cause, and the note a changed cause adds to the finding's message. `inspect/`
 * produces the ids and values; {@link renderInspection} words them, in the one render step.
 */
import type {
  BlockVerdict,
  CauseChangeReason,
  CauseId,
  Inspection,
  InspectionCheckData,
  InspectionCheckId,
  InspectionData,
  InspectionResult,
  MissingCertificate,
} from '../types.js';
import { boundedList } from './causes/kit.js';

/** How the human output names each check: as the question it answers. */
export const CHECK_TITLES: Record<InspectionCheckId, string> = {
  'self-signed': 'self-signed?',
  'issuer-present': 'issuer present?',
  'trusted-chain': 'trusted chain to a root?',
  'ocsp-url': 'OCSP URL?',
  'lets-encrypt': "Let's Encrypt?",
  expired: 'expired?',
  'must-staple': 'Must-Staple?',
};

/** How the human output says what a check did to the diagnosis. */
/** What a missing certificate is and where it goes, for the `missing:` line: `root CA, for the trusted bundle`. */
export function missingRole(m: Pick<MissingCertificate, 'role' | 'neededIn'>): string {
  const what = m.role === 'root' ? 'root CA' : m.role === 'ca' ? 'CA above the chain: an intermediate or a private root' : 'issuer';
  return `${what}, for the ${m.neededIn === 'trusted-bundle' ? 'trusted bundle' : 'certificate file'}`;
}

export const RESULT_WORDS: Record<InspectionResult, string> = { confirmed: 'confirms', refuted: 'refutes', 'not-checked': 'not checked' };

type Data = Record<string, string | number | readonly string[]>;
const q = (file: unknown): string => `"${String(file)}"`;
const str = (v: unknown): string => (v === undefined ? '' : String(v));
const arr = (v: unknown): readonly string[] => (Array.isArray(v) ? (v as string[]) : []);
const list = (xs: readonly string[]): string => boundedList(xs, Infinity);

/** Name of the trusted-bundle directive of a server (`data.server`: `apache`, `nginx` or empty). */
export function trustedDirective(server: unknown): string {
  return server === 'apache' ? 'SSLCACertificateFile' : 'ssl_trusted_certificate';
}

/** Where else the issuer was looked for (`issuerMissing`'s `elsewhere`). */
function elsewhere(d: Data): string {
  switch (d.elsewhere) {
    case 'unknown':
      return `; the ${trustedDirective(d.server)} of this server is not known (give --config to check it too)`;
    case 'files':
      return `, nor does ${list(arr(d.files).map(q))}`;
    case 'none':
      return `; the block at ${str(d.block)} has no ${trustedDirective(d.server)}${d.server === 'apache' ? ' or SSLCertificateChainFile' : ''}`;
    default:
      return '';
  }
}

/** The sentence of each check result, by `detailId`. */
export const CHECK_DETAILS: Record<string, (d: Data) => string> = {
  noCertificateNamed: (d) =>
    d.server === 'apache'
      ? d.haveConfig
        ? 'No certificate file of --config matches the subject/serial or virtual host the log names.'
        : 'Apache names no certificate file in this message: give --config with the Apache configuration to find it by subject and serial.'
      : 'The log names no certificate file for this finding.',
  unreadable: (d) =>
    arr(d.files)
      .map((f, i) => `Cannot read ${q(f)} (${arr(d.reasons)[i] ?? ''}), so this was not checked.`)
      .join(' '),
  noCertificateInFile: (d) => `${q(d.file)} holds no PEM certificate, so this was not checked.`,
  selfSigned: (d) =>
    `${q(d.file)} holds a self-signed certificate (${str(d.subject)}; its signature verifies with its own key): there is no issuing CA and no OCSP responder.`,
  selfSignedDnOnly: (d) =>
    `${q(d.file)}: ${str(d.subject)} names itself as issuer but its signature does not verify with its own key: a CA with the same name issued it, so it is not self-signed.`,
  notSelfSigned: (d) => `${q(d.file)}: ${str(d.subject)} is issued by ${str(d.issuer)}, not self-signed.`,
  issuerMissing: (d) =>
    `${q(d.file)} holds ${d.count === 1 ? 'only the server certificate' : `${str(d.count)} certificates`} and not its issuer ${str(d.issuer)}${elsewhere(d)}.`,
  issuerPresent: (d) =>
    `The issuer ${str(d.issuer)} is in ${q(d.file)} and did sign the certificate: the running server did not read these files as they are now (reload it) or reads other files.`,
  noOcspUrl: (d) =>
    `${q(d.file)}: ${str(d.subject)} carries no OCSP responder URL (no AIA OCSP entry)${arr(d.caIssuers).length > 0 ? `; its AIA has only a CA Issuers URL (${arr(d.caIssuers)[0]})` : ''}.`,
  hasOcspUrl: (d) =>
    `${q(d.file)} carries the OCSP URL ${arr(d.urls).join(', ')}: the running server did not read this certificate as it is now (reload it) or reads another file.`,
  ocspUrlMatches: (d) => `The certificate's OCSP URL ${arr(d.urls).join(', ')} is the responder the log names (${str(d.responder)}).`,
  ocspUrlForced: (d) => `The configuration forces the responder ${str(d.forced)} (${str(d.block)}), which the log names.`,
  ocspUrlForcedOther: (d) =>
    `The configuration forces the responder ${str(d.forced)} (${str(d.block)}), not the certificate's own OCSP URL${arr(d.urls).length > 0 ? ` ${arr(d.urls).join(', ')}` : ' (it has none)'}: the server asks that responder, which must be the issuing CA's.`,
  ocspUrlDiffers: (d) =>
    `The log names the responder ${str(d.responder)}, but the certificate's OCSP URL is ${arr(d.urls).join(', ') || '(none)'}: a forced responder URL (SSLStaplingForceURL / ssl_stapling_responder) or another certificate.`,
  forcedUrlRejected: (d) =>
    `The configuration forces the responder URL ${str(d.forced)} (${str(d.block)}), the one the log rejects${arr(d.own).length > 0 ? `; the certificate's own OCSP URL is ${arr(d.own).join(', ')}` : ''}.`,
  certUrlRejected: (d) => `The certificate's own OCSP URL is ${str(d.url)}, the one the log rejects: the server cannot use it.`,
  ocspUrlInfo: (d) =>
    arr(d.urls).length > 0 ? `The certificate's OCSP URL is ${arr(d.urls).join(', ')}.` : 'The certificate carries no OCSP URL.',
  letsEncrypt: (d) =>
    `Issued by Let's Encrypt (${str(d.issuer)}), which stopped putting OCSP URLs in certificates in May 2025 and shut its responders down in August 2025: turn stapling off for it.`,
  expired: (d) => `The certificate expired on ${str(d.notAfter)}: replace it.`,
  notYetValid: (d) =>
    d.subject === undefined
      ? `The certificate is not valid before ${str(d.notBefore)}: check the server clock.`
      : `${d.role === 'intermediate' ? 'The intermediate' : 'The certificate'} ${str(d.subject)} in ${q(d.file)} is not valid before ${str(d.notBefore)}; it is ${str(d.now)} here: OpenSSL refuses it ("certificate is not yet valid"). Check the server clock.`,
  expiredIntermediate: (d) =>
    `The ${d.from === 'trusted-file' ? 'CA certificate' : 'intermediate'} ${str(d.subject)} in ${q(d.file)} expired on ${str(d.notAfter)}; it is ${str(d.now)} here, and the chain goes through it: OpenSSL refuses it (verify error 10, "certificate has expired"). Replace it with the CA's current one${d.caIssuers === undefined ? '' : ` (CA Issuers URL ${str(d.caIssuers)})`}.`,
  expiredUnneeded: (d) =>
    `The certificate ${str(d.subject)} in ${q(d.file)} expired on ${str(d.notAfter)} (it is ${str(d.now)} here), but the chain does not go through it: ${d.reason === 'twin' ? `a valid certificate with the same subject and key is ${d.where === 'trust-store' ? 'in the root store' : `in ${q(d.where)}`}` : 'no certificate of the chain is issued by it'}. Remove it.`,
  expiresSoon: (d) => `The certificate expires on ${str(d.notAfter)}, in ${str(d.days)} day${d.days === 1 ? '' : 's'}.`,
  mustStaple: (d) =>
    `${q(d.file)} asks for OCSP Must-Staple (TLS Feature status_request): clients that honour it (Firefox) refuse the connection when no valid staple comes with it.`,
  trustedUnloadable: (d) =>
    `${q(d.file)}, the file ssl_trusted_certificate names, cannot be read here either (${str(d.reason)}): nginx cannot load the trusted certificates from it.`,
  trustedNone: (d) =>
    `The block at ${str(d.block)} has no ${trustedDirective(d.server)}${d.server === 'nginx' ? ' (nor ssl_client_certificate)' : ''}: nginx has no CA certificate to verify the signer of the OCSP response with.`,
  trustedNotKnown: (d) =>
    `The log does not say which ${trustedDirective(d.server)} this server uses: give --config with the server's configuration to check it.`,
  trustedStopsBelowRoot: (d) =>
    `${list(arr(d.files).map(q))} ${arr(d.files).length === 1 ? 'chains' : 'chain'} the issuer only up to ${str(d.top)}, whose issuer ${str(d.missing)} is missing: the chain does not reach a root.`,
  trustedRootOutside: (d) =>
    `The root ${str(d.root)} is found, but not in ${list(arr(d.files).map(q))}: nginx trusts only the trusted bundle, so the chain has no anchor.`,
  trustedComplete: (d) =>
    `${list(arr(d.files).map(q))} ${arr(d.files).length === 1 ? 'holds' : 'hold'} the complete chain of the server certificate's issuer up to its root (${arr(d.chain).join(' → ')}). So a response that still fails to verify is signed by a key outside that chain: the responder signs with a foreign or unauthorised certificate.`,
  certidWrongIntermediate: (d) =>
    `In ${q(d.file)} the certificate after the server certificate is ${str(d.second)}, not its issuer ${str(d.issuer)}: the OCSP request is built with the wrong issuer.`,
  certidRightChain: (d) =>
    `The chain in ${q(d.file)} is right (${str(d.issuer)} issued the server certificate): the responder answers about another certificate.`,
};

const BECAUSE: Record<CauseChangeReason, (server: string) => string> = {
  'self-signed': () => 'the certificate is self-signed, so there is no issuer certificate to add.',
  'trusted-chain-complete': (server) =>
    `the ${trustedDirective(server)} chain is complete, so the signer of the OCSP response does not belong to the certificate's CA.`,
  'not-self-signed': () =>
    'the certificate names itself as issuer but is signed by another key: a CA with the same name issued it, and that CA certificate is what is missing.',
};

/** The directive each compared block setting (`SiteSetting` of `inspect/config/resolve.ts`) stands for. */
const SETTING_DIRECTIVES: Record<string, [nginx: string, apache: string]> = {
  certificate: ['ssl_certificate', 'SSLCertificateFile'],
  chainFiles: ['ssl_certificate', 'SSLCertificateChainFile'],
  trustedFiles: ['ssl_trusted_certificate', 'SSLCACertificateFile'],
  trustedPaths: ['ssl_trusted_certificate', 'SSLCACertificatePath'],
  clientCaFiles: ['ssl_client_certificate', 'SSLCACertificateFile'],
  stapling: ['ssl_stapling', 'SSLUseStapling'],
  staplingVerify: ['ssl_stapling_verify', 'SSLUseStapling'],
  forcedResponder: ['ssl_stapling_responder', 'SSLStaplingForceURL'],
  staplingFile: ['ssl_stapling_file', 'SSLUseStapling'],
  resolver: ['resolver', 'SSLOCSPProxyURL'],
  staplingCache: ['ssl_stapling', 'SSLStaplingCache'],
};

function blockLabel(b: Pick<BlockVerdict, 'block' | 'names'>): string {
  return b.names.length > 0 ? `${b.block} (${b.names[0]})` : b.block;
}

/**
 * How the blocks of an inspection were judged, and how their verdicts compare (see
 * `inspect/blocks.ts`): one judgement for blocks with the same settings; each judged when they differ,
 * naming the blocks the log's diagnosis holds for and what the others gave.
 */
export function blocksSentence(i: InspectionData, cause: CauseId, server: string | null): string {
  const blocks = i.blocks ?? [];
  const n = blocks.length;
  if (i.blockJudgement === 'one') {
    return `The certificate is used by ${n} blocks with the same settings (${boundedList(blocks.map((b) => b.block))}): this judgement stands for all of them.`;
  }
  const idx = server === 'apache' ? 1 : 0;
  const diffs = [...new Set((i.blockDifferences ?? []).map((d) => (SETTING_DIRECTIVES[d] ? SETTING_DIRECTIVES[d][idx] : d)))];
  const head = `The certificate is used by ${n} blocks that differ${diffs.length > 0 ? ` in ${list(diffs.map((d) => `\`${d}\``))}` : ''}; the log does not say which one it is about, so each was judged`;
  const for_ = new Set(i.verdictFor ?? []);
  if (for_.size === n) return `${head}, with the same verdict for all.`;
  const others = blocks.filter((b) => !for_.has(b.block)).map((b) => `${blockLabel(b)} gives ${b.cause} (${b.result})`);
  if (for_.size === 0) return `${head}, and none bears the log's diagnosis out: ${others.join('; ')}.`;
  const holds = blocks.filter((b) => for_.has(b.block)).map(blockLabel);
  return `${head}: the log's diagnosis (${cause}) holds for ${list(holds)}; ${others.join('; ')} — if the log is about ${others.length === 1 ? 'that block' : 'those blocks'}, that is the cause there.`;
}

/** Why the cause changed, for {@link Inspection.causeChange}. */
export function causeChangeSentence(from: CauseId, to: CauseId, reason: CauseChangeReason, server: string | null): string {
  return `Inspection changed the cause from ${from} to ${to}: ${BECAUSE[reason](server ?? '')}`;
}

/** Appended to the finding's message when the cause changed. */
export function causeChangeNote(from: CauseId): string {
  return `(The log alone suggested ${from}; inspecting the files changed the diagnosis.)`;
}

/**
 * Word an inspection: each check's sentence and, when the cause changed, why.
 * @throws Error when a check names a `detailId` that has no sentence (a programming error)
 */
export function renderInspection(i: InspectionData, cause: CauseId, server: string | null): Inspection {
  const word = (c: InspectionCheckData) => {
    const w = CHECK_DETAILS[c.detailId];
    if (!w) throw new Error(`no wording for inspection detail "${c.detailId}"`);
    return { ...c, detail: w(c.data) };
  };
  const { blocks, ...rest } = i;
  const out: Inspection = { ...rest, checks: i.checks.map(word) };
  if (i.causeBefore && i.causeChangeReason) out.causeChange = causeChangeSentence(i.causeBefore, cause, i.causeChangeReason, server);
  if (blocks) {
    out.blocks = blocks.map((b) => ({ ...b, checks: b.checks.map(word) }));
    out.blocksNote = blocksSentence(i, cause, server);
  }
  return out;
}
