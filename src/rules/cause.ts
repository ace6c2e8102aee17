/**
 * The one place a finding's cause is decided. From a line: the pattern's cause, else the rule's
 * `causeFrom` table over the extracted values, else the rule's cause; then the refinements every cause
 * goes through. From `--inspect`: the same refinements, with what the certificate files showed. No other
 * module picks or changes a cause.
 */
import type { CauseId, CompiledPattern, Rule, Values } from '../types.js';
import { ARTICLES } from './cut.js';

/** What reading the certificate files established (by `--inspect`), for {@link refineCause}. */
export interface CauseFacts {
  /**
   * The certificate is its own issuer (its signature verifies with its own key): `true`; `false` when the
   * file shows it is not (issued by another key, even one whose CA has the same name).
   */
  selfSigned?: boolean;
  /** The trusted bundle holds the complete chain of the certificate's issuer up to a root. */
  trustedChainComplete?: boolean;
}

/**
 * The cause a `causeFrom` table gives: the first listed value that is present and found in the map
 * (keys compare case-insensitively, ignoring `self signed`/`self-signed`, articles and trailing-space differences;
 * an `errno` of FreeBSD, macOS or Windows under its Linux number, {@link linuxErrno}),
 * else the table's default; when none of the listed values is present at all (a paste cut the message
 * before them), the table's `missing` cause, else its default.
 */
export function causeFromValues(cf: NonNullable<Rule['causeFrom']>, values: Values): CauseId | undefined {
  const key = causeFromBranch(cf, values);
  if (key !== undefined) return cf.map[key];
  const names = Array.isArray(cf.value) ? cf.value : [cf.value];
  return cf.missing !== undefined && names.every((n) => values[n] === undefined) ? cf.missing : cf.default;
}

/**
 * Socket errors of other systems under the number Linux gives them (the `errno` keys of the rules' tables are
 * Linux's, as the servers' captures here are). FreeBSD and macOS (sys/sys/errno.h; the texts of their
 * strerror(), FreeBSD lib/libc/gen/errlst.c) count only with their own text: Linux uses these numbers for
 * other errors (60 is ENOSTR). Windows WinSock (winsock2.h `WSAE…`; APR writes `(OS 10060)…`, nginx for
 * Windows `(10060: …)`) by number: no other system has them.
 */
const BSD_ERRNO: Readonly<Record<string, readonly [linux: string, text: string]>> = {
  '51': ['101', 'network is unreachable'],
  '54': ['104', 'connection reset by peer'],
  '60': ['110', 'operation timed out'],
  '61': ['111', 'connection refused'],
  '65': ['113', 'no route to host'],
};
const WINSOCK_ERRNO: Readonly<Record<string, string>> = { '10051': '101', '10054': '104', '10060': '110', '10061': '111', '10065': '113' };

/** The Linux number of another system's socket error ({@link BSD_ERRNO}, {@link WINSOCK_ERRNO}), or undefined. */
export function linuxErrno(errno: string, errorText: string | undefined): string | undefined {
  const n = errno.replace(/^OS\s+/, '');
  const win = WINSOCK_ERRNO[n];
  if (win !== undefined) return win;
  const bsd = BSD_ERRNO[n];
  return bsd && errorText?.trim().toLowerCase() === bsd[1] ? bsd[0] : undefined;
}

/** An article and the blank after it: a value retyped from memory drops one (`No OCSP URI in certificate nor GnuTLSOCSPResponseFile setting`). */
const ARTICLE = new RegExp(`(?<=^|\\s)(?:${ARTICLES.join('|')})\\s+`, 'g');

/** Each `causeFrom` map's keys with their compared form (the map is fixed once a rule is loaded). */
const normalizedKeys = new WeakMap<object, [string, string][]>();

/** The key of a `causeFrom` map that decides for these values (see {@link causeFromValues}), or undefined. */
export function causeFromBranch(cf: NonNullable<Rule['causeFrom']>, values: Values): string | undefined {
  const norm = (x: string): string =>
    x
      .trim()
      .toLowerCase()
      .replace(/self-signed/g, 'self signed')
      .replace(ARTICLE, '');
  const names = Array.isArray(cf.value) ? cf.value : [cf.value];
  let keys = normalizedKeys.get(cf.map);
  if (!keys) normalizedKeys.set(cf.map, (keys = Object.keys(cf.map).map((k) => [k, norm(k)])));
  for (const n of names) {
    const v = values[n];
    if (v === undefined) continue;
    const nv = norm(v);
    const hit = keys.find(([, nk]) => nk === nv)?.[0];
    if (hit !== undefined) return hit;
    const linux = n === 'errno' ? linuxErrno(v, values.errorText) : undefined;
    if (linux !== undefined && Object.hasOwn(cf.map, linux)) return linux;
  }
  return undefined;
}

/**
 * Refine a cause with what is known beyond the rule: an issuer-missing report whose certificate is its
 * own issuer (subject = issuer in the log, or a self-signed file) is a self-signed certificate; a
 * "self-signed" certificate (subject = issuer in Apache's AH02217) whose file shows another key signed it
 * was issued by a CA of the same name, whose certificate is missing; a chain "incomplete" for nginx while
 * the trusted bundle holds the complete chain means the responder signs with a key outside the CA: an
 * invalid signature.
 */
export function refineCause(cause: CauseId, values: Values, facts: CauseFacts = {}): CauseId {
  if (cause === 'issuer-certificate-missing') {
    if (facts.selfSigned || (values.certSubject !== undefined && values.certSubject === values.certIssuer)) return 'self-signed-certificate';
  }
  if (cause === 'self-signed-certificate' && facts.selfSigned === false) return 'issuer-certificate-missing';
  if (cause === 'trusted-chain-incomplete' && facts.trustedChainComplete) return 'response-signature-invalid';
  return cause;
}

/** The cause of a line a rule's pattern matched, with the values it extracted. */
export function causeOfMatch(rule: Rule, pattern: CompiledPattern, values: Values): CauseId {
  let cause: CauseId = pattern.cause ?? rule.cause;
  if (!pattern.cause && rule.causeFrom) cause = causeFromValues(rule.causeFrom, values) ?? rule.cause;
  return refineCause(cause, values);
}

/**
 * Every cause a match of this pattern of the rule can have, whatever values it extracts: what
 * {@link causeOfMatch} can return (the pattern's cause, or every cause of the rule's `causeFrom` table,
 * its default and the rule's cause), with the refinements {@link refineCause} makes without facts. Keep
 * it in step with those two (test/fast-path.test.ts checks every sample's cause is in it).
 */
export function possibleCauses(rule: Rule, pattern: CompiledPattern): CauseId[] {
  const cf = rule.causeFrom;
  const base: CauseId[] = pattern.cause
    ? [pattern.cause]
    : cf
      ? [...Object.values(cf.map), cf.default ?? rule.cause, ...(cf.missing ? [cf.missing] : []), rule.cause]
      : [rule.cause];
  const out = new Set(base);
  if (out.has('issuer-certificate-missing')) out.add('self-signed-certificate');
  return [...out];
}
