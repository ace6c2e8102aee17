/**
 * Facts a finding's wording needs that the rule's cause alone does not say, read from a match's
 * values. The cause vocabulary stays as it is (an HTTP error from a responder is
 * `responder-error-status`); these tell the wording which case of the cause it is.
 */
import type { Values } from '../types.js';

/**
 * HTTP statuses that mean the URL is not an OCSP responder at all, rather than a responder that
 * failed: a responder takes a POST of `application/ocsp-request` at its URL (RFC 6960 appendix A.1),
 * so 404 (no such resource), 405 (POST not allowed there) and 501 (method not implemented) say the
 * URL (the certificate's AIA, SSLStaplingForceURL, ssl_stapling_responder, a proxy) is wrong: a
 * configuration to correct, not an outage to wait out. Other statuses (400, 403, 5xx) are the
 * responder refusing or failing.
 */
export const NOT_A_RESPONDER_STATUSES: readonly number[] = [404, 405, 501];

/**
 * The HTTP status code of a match's `httpStatus` value, which rules capture as the server wrote it:
 * `404` (nginx debug, Lua scripts), `404 Not Found` (Apache AH01980), `405 Method Not Allowed`
 * (mod_gnutls), a number in mod_md's `status=404`.
 * @returns the three-digit code, or null when there is no `httpStatus` or it does not start with one
 */
export function httpStatusCode(values: Values): number | null {
  const m = /^\s*(\d{3})\b/.exec(values.httpStatus ?? '');
  return m ? Number(m[1]) : null;
}

/** Does the match's HTTP status say the URL is not an OCSP responder (see {@link NOT_A_RESPONDER_STATUSES})? */
export function notAnOcspResponder(values: Values): boolean {
  const code = httpStatusCode(values);
  return code !== null && NOT_A_RESPONDER_STATUSES.includes(code);
}
