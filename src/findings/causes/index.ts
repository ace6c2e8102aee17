/**
 * The cause vocabulary: one module per cause (`causes/<cause-id>.ts`) with its title, meaning, message
 * variants, fix per server and the `--inspect` checks that speak to it. All wording of findings lives in
 * these modules; the core emits findings as a message id plus values, and {@link renderFinding}
 * (`findings/render.ts`) words them once.
 *
 * Adding a cause: add its id to {@link CauseId} (`src/types.ts`) and write its module; the compiler then
 * points at this registry until the module is listed.
 */
import type { CauseId } from '../../types.js';
import type { CauseModule } from './kit.js';
import { certidMismatch } from './certid-mismatch.js';
import { certificateExpired } from './certificate-expired.js';
import { certificateRevoked } from './certificate-revoked.js';
import { certificateStatusUnknown } from './certificate-status-unknown.js';
import { dnsResolutionFailed } from './dns-resolution-failed.js';
import { issuerCertificateMissing } from './issuer-certificate-missing.js';
import { ocspUrlMissing } from './ocsp-url-missing.js';
import { resolverMissing } from './resolver-missing.js';
import { responderBadResponse } from './responder-bad-response.js';
import { responderErrorStatus } from './responder-error-status.js';
import { responderTimeout } from './responder-timeout.js';
import { responderUnreachable } from './responder-unreachable.js';
import { responderUrlInvalid } from './responder-url-invalid.js';
import { responseNonceRejected } from './response-nonce-rejected.js';
import { responseNotCurrent } from './response-not-current.js';
import { responseSignatureInvalid } from './response-signature-invalid.js';
import { selfSignedCertificate } from './self-signed-certificate.js';
import { staplingCacheProblem } from './stapling-cache-problem.js';
import { staplingConfigInvalid } from './stapling-config-invalid.js';
import { staplingFileError } from './stapling-file-error.js';
import { staplingInitFailed } from './stapling-init-failed.js';
import { staplingInternalError } from './stapling-internal-error.js';
import { staplingMutexProblem } from './stapling-mutex-problem.js';
import { staplingUnsupported } from './stapling-unsupported.js';
import { trustedChainIncomplete } from './trusted-chain-incomplete.js';

/** Every cause module, by id. */
export const CAUSES: Readonly<Record<CauseId, CauseModule>> = {
  'certid-mismatch': certidMismatch,
  'certificate-expired': certificateExpired,
  'certificate-revoked': certificateRevoked,
  'certificate-status-unknown': certificateStatusUnknown,
  'dns-resolution-failed': dnsResolutionFailed,
  'issuer-certificate-missing': issuerCertificateMissing,
  'ocsp-url-missing': ocspUrlMissing,
  'resolver-missing': resolverMissing,
  'responder-bad-response': responderBadResponse,
  'responder-error-status': responderErrorStatus,
  'responder-timeout': responderTimeout,
  'responder-unreachable': responderUnreachable,
  'responder-url-invalid': responderUrlInvalid,
  'response-nonce-rejected': responseNonceRejected,
  'response-not-current': responseNotCurrent,
  'response-signature-invalid': responseSignatureInvalid,
  'self-signed-certificate': selfSignedCertificate,
  'stapling-cache-problem': staplingCacheProblem,
  'stapling-config-invalid': staplingConfigInvalid,
  'stapling-file-error': staplingFileError,
  'stapling-init-failed': staplingInitFailed,
  'stapling-internal-error': staplingInternalError,
  'stapling-mutex-problem': staplingMutexProblem,
  'stapling-unsupported': staplingUnsupported,
  'trusted-chain-incomplete': trustedChainIncomplete,
};

export type { CauseContext, CauseModule, Directives, DirectiveSet, InspectionFacts, LuaScript } from './kit.js';
export { causeContext, certificateLabel, DIRECTIVES, expiredNotAfter, fromGnutls, isLetsEncrypt, luaScriptOf } from './kit.js';
