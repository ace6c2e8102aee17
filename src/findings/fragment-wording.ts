/**
 * The note a finding read only from fragments carries: what could not be read (issue 10: "a finding from
 * a fragment names what it could read and says what was cut"). The matcher records it per line
 * ({@link LineCut}, `src/rules/match.ts`); this words it once, in the render step.
 */
import type { Evidence, LineCut } from '../types.js';

/** Value names as a reader says them (the rest are plain words already: certificate, responder, peer). */
const VALUE_WORDS: Readonly<Record<string, string>> = {
  certSubject: 'certificate subject',
  certIssuer: 'certificate issuer',
  serial: 'serial number',
  url: 'responder URL',
  vhost: 'virtual host',
};

/** The values as a reader lists them (`responder`, `responder and certificate`, `a, b and c`). */
function words(names: readonly string[]): string {
  const w = names.map((n) => VALUE_WORDS[n] ?? n);
  return w.length < 2 ? w.join('') : `${w.slice(0, -1).join(', ')} and ${w[w.length - 1]!}`;
}

/** The verb after {@link words} of these names. */
const is = (names: readonly string[]): string => (names.length > 1 ? 'are' : 'is');

/**
 * What the missing stapling line after a transport line would have shown, per server: Apache's AH01941 after an
 * `ssl_util_ocsp.c` line, nginx's `… while requesting certificate status` after a resolver line (rule ids carry
 * the server, `nginx-resolver-socket-error`).
 */
function followerMissing(ruleId: string): string {
  return ruleId.startsWith('nginx-')
    ? "nginx's stapling line that follows it (`… could not be resolved … while requesting certificate status`) was not there, so this may be another user of nginx's resolver (proxy_pass with a variable) instead"
    : "mod_ssl's AH01941 line that follows it for stapling was not there, so this may be client-certificate OCSP (SSLOCSPEnable) instead";
}

/** The parts of one cut, in words; empty when nothing was lost (a wrapped line joined whole is not a loss). */
function cutParts(cut: LineCut, ruleId: string): string[] {
  const parts: string[] = [];
  if (cut.prefix === 'missing') parts.push("the server's prefix (time, level, pid) was missing");
  if (cut.prefix === 'partial') parts.push("part of the server's prefix was missing");
  if (cut.head) {
    const missing = cut.head.missing.length > 0 ? `, so its ${words(cut.head.missing)} ${is(cut.head.missing)} not known` : '';
    parts.push(`the message was quoted without its beginning${missing}`);
  }
  if (cut.tail) {
    const missing = cut.tail.missing.length > 0 ? `, so its ${words(cut.tail.missing)} ${is(cut.tail.missing)} not known` : '';
    const partial = cut.tail.partial?.length ? `, and its ${words(cut.tail.partial)} may be incomplete (kept as written)` : '';
    parts.push(`the message was cut short${missing}${partial}`);
  }
  if (cut.redacted?.length) parts.push(`the ${words(cut.redacted)} ${cut.redacted.length > 1 ? 'were' : 'was'} redacted (kept as written)`);
  if (cut.follower === 'missing') parts.push(followerMissing(ruleId));
  return parts;
}

/**
 * A sentence when every evidence line of the finding is a fragment, else null (one whole line gives the
 * finding every value it has).
 * @param evidence the finding's evidence lines (as kept: the first ones and the latest)
 * @returns `(Read from a fragment: … .)` naming what the first such line lost, or null
 */
export function fragmentNote(evidence: readonly Evidence[]): string | null {
  if (evidence.length === 0 || evidence.some((e) => !e.cut || cutParts(e.cut, e.ruleId).length === 0)) return null;
  return `(Read from a fragment of the log: ${cutParts(evidence[0]!.cut!, evidence[0]!.ruleId).join('; ')}.)`;
}
