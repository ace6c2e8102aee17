/**
 * Apache's certificate suffix, appended by `ssl_log_xerror()` (httpd `modules/ssl/ssl_engine_log.c`,
 * 2.4.11+ i.e. release 2.4.12+) to AH02217, AH02218, AH02814, AH02815:
 * ` [subject: DN / issuer: DN / serial: HEX / notbefore: TIME / notafter: TIME]`, or
 * ` [certificate: -not available-]`. DNs are RFC 2253 (`X509_NAME_print_ex(…, XN_FLAG_RFC2253)`,
 * `ssl_util_ssl.c`), and the whole message then went through `ap_escape_errorlog_item()` which doubles
 * backslashes and writes other non-printable bytes as `\xHH` (reference catalogue §1.1, §1.3).
 */
import type { Values, ValuesCut } from '../types.js';
import { withoutCutMarker } from './normalize.js';

/** The certificate suffix (exported for the rule export's pipelines). */
export const SUFFIX =
  / \[subject: (?<subject>.*?) \/ issuer: (?<issuer>.*?) \/ serial: (?<serial>[0-9A-Fa-f]+|\(ERROR\)|[^\s/\]]+) \/ notbefore: (?<nb>.*?) \/ notafter: (?<na>.*?)\]$/;
// The suffix cut short by a paste: the fields before the cut (the last one possibly partial).
const PARTIAL =
  / \[subject: (?<subject>.*?)(?: \/ issuer: (?<issuer>.*?)(?: \/ serial: (?<serial>[^\s/\]]*)(?: \/ notbefore: (?<nb>.*?)(?: \/ notafter: (?<na>[^\]]*))?)?)?)?$/;
/** The start of the separator before the suffix's next field (` / `, ` / iss`), where a paste cut it. */
const SEPARATOR_BEGUN = / \/(?: [a-z]*:?)?$/;
/** Longest cut certificate suffix read (two DNs of a few hundred characters, serial, two times). */
const MAX_SUFFIX_CHARS = 4096;
const NOT_AVAILABLE = / \[certificate: -not available-\]$/;
/** What {@link unescapeApacheDn} would change: a backslash, a U+E000–U+E0FF character (its byte marker), a surrogate. */
const NEEDS_UNESCAPE = /[\\\ue000-\ue0ff\ud800-\udfff]/;

/**
 * Undo Apache's error-log escaping and then RFC 2253's, turning `CN=Caf\\C3\\A9` into `CN=Café`.
 * Bytes that do not form valid UTF-8 become U+FFFD. Never throws.
 */
export function unescapeApacheDn(dn: string): string {
  // Nothing to undo (the usual DN): no escape, no private-use byte marker, no surrogate to normalise.
  if (!NEEDS_UNESCAPE.test(dn)) return dn;
  // Layer 1 (Apache): `\\` → `\`, `\xHH` → byte. Layer 2 (RFC 2253): `\HH` → byte, `\c` → c.
  const bytes: number[] = [];
  const pushText = (s: string): void => {
    for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
  };
  let s = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\' && dn[i + 1] === '\\') {
      s += '\\';
      i++;
    } else if (c === '\\' && dn[i + 1] === 'x' && /^[0-9A-Fa-f]{2}$/.test(dn.slice(i + 2, i + 4))) {
      s += String.fromCharCode(0xe000 + parseInt(dn.slice(i + 2, i + 4), 16)); // private-use marker for a raw byte
      i += 3;
    } else {
      s += c;
    }
  }
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    if (code >= 0xe000 && code <= 0xe0ff) {
      bytes.push(code - 0xe000);
    } else if (c === '\\' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '\\' && i + 1 < s.length) {
      pushText(s[i + 1]!);
      i++;
    } else {
      pushText(c);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Split Apache's certificate suffix off a message.
 *
 * @returns the message without the suffix, and the certificate values found in it (`certSubject`,
 *   `certIssuer`, `serial`, `notBefore`, `notAfter`); no values when there is no suffix.
 */
export function splitApacheCertSuffix(message: string): { message: string; values: Values } {
  if (!message.endsWith(']')) return { message, values: {} };
  const m = SUFFIX.exec(message);
  if (m?.groups) {
    const g = m.groups;
    const values: Values = {
      certSubject: unescapeApacheDn(g.subject!),
      certIssuer: unescapeApacheDn(g.issuer!),
      notBefore: g.nb!,
      notAfter: g.na!,
    };
    // A serial a poster redacted (`...`) is kept as written.
    if (g.serial !== '(ERROR)') values.serial = /^[0-9A-Fa-f]+$/.test(g.serial!) ? g.serial!.toUpperCase() : g.serial!;
    return { message: message.slice(0, m.index), values };
  }
  const n = NOT_AVAILABLE.exec(message);
  if (n) return { message: message.slice(0, n.index), values: {} };
  return { message, values: {} };
}

/** The suffix's fields in Apache's order (`ssl_log_cxerror()`, httpd `modules/ssl/ssl_engine_log.c`): group, value. */
const SUFFIX_FIELDS = [
  ['subject', 'certSubject'],
  ['issuer', 'certIssuer'],
  ['serial', 'serial'],
  ['nb', 'notBefore'],
  ['na', 'notAfter'],
] as const;

/**
 * Where a poster's own words begin after a cut suffix: a letter of another script than Latin (with the
 * blanks and a dash before it), or a full-width mark, which Apache never writes raw there
 * (`ap_escape_errorlog_item()` writes every byte outside printable ASCII as `\xHH`): `[subject: 警告`,
 * `serial: 04AB 报错`, `/ iss... 这是什么意思？`, `CN=x — ошибка`.
 */
const POSTER_WORDS = /(?:\s+[\u2014\u2013-])?\s*(?:(?!\p{Script=Latin})\p{L}|[\u3000-\u303f\uff01-\uff60])/u;

/** The cut suffix without a poster's words after it ({@link POSTER_WORDS}). */
function withoutPosterWords(suffix: string): string {
  const m = POSTER_WORDS.exec(suffix);
  return m ? suffix.slice(0, m.index) : suffix;
}

/**
 * {@link splitApacheCertSuffix} for a message that may have been cut inside the suffix (a paste):
 * a whole suffix as there; a cut one (` [`, ` [subj…`, ` [subject: CN=x / iss…`) split off with the
 * fields that precede the cut (the last one as far as it goes, without a poster's marker), and `cut`:
 * the fields it took whole, or left nothing of (a serial no longer hex), and the one it ran into, kept as
 * far as it goes.
 */
export function splitApacheCertSuffixCut(message: string): { message: string; values: Values; cut?: ValuesCut } {
  // The whole suffix ends the message with `]`; only then is the full split worth its cost on a long line.
  const whole = message.endsWith(']') ? splitApacheCertSuffix(message) : { message, values: {} };
  if (whole.message !== message) return whole;
  const i = message.lastIndexOf(' [');
  if (i === -1) return whole;
  const rest = message.slice(i + 2);
  // A certificate suffix is a few hundred characters (DNs are capped by X.509's upper bounds).
  if (rest.length > MAX_SUFFIX_CHARS || rest.includes(']')) return whole;
  const isCut = (full: string): boolean => full.startsWith(rest) || rest.startsWith(full.slice(0, 9));
  const subjectForm = isCut('subject: ');
  if (!subjectForm && !isCut('certificate: -not available-')) return whole;
  // A poster's marker where the paste ended is no part of the last field (`serial: 3A5F0C19 ...`), unless
  // it is all there is of it (`[subject: ...`: it stands for the value, a redaction read as written); a
  // separator begun after the last field (`CN=x / iss`) shows that field whole.
  const suffix = withoutPosterWords(message.slice(i));
  const unmarked = withoutCutMarker(suffix).trimEnd();
  const sep = SEPARATOR_BEGUN.exec(unmarked);
  const read = PARTIAL.exec(sep ? unmarked.slice(0, sep.index) : unmarked);
  const g: Record<string, string | undefined> = { ...(read ?? PARTIAL.exec(suffix))?.groups };
  const last = SUFFIX_FIELDS.findLastIndex(([group]) => g[group] !== undefined);
  // (Whole when a separator followed it; the marker itself when it was all of it: a redaction, not a cut value.)
  const closed = sep !== null || read === null;
  const values: Values = {};
  if (g.subject) values.certSubject = unescapeApacheDn(g.subject);
  if (g.issuer) values.certIssuer = unescapeApacheDn(g.issuer);
  if (g.serial && /^[0-9A-Fa-f]+$/.test(g.serial)) values.serial = g.serial.toUpperCase();
  if (g.nb) values.notBefore = g.nb;
  if (g.na) values.notAfter = g.na;
  if (!subjectForm) return { message: message.slice(0, i), values };
  const names = SUFFIX_FIELDS.map(([, name]) => name);
  const partial = last !== -1 && !closed && values[names[last]!] !== undefined ? [names[last]!] : [];
  return { message: message.slice(0, i), values, cut: { lost: names.filter((n) => values[n] === undefined), partial } };
}

/**
 * Parse an OpenSSL ASN.1 time as Apache prints it (`Jun 12 19:48:11 2019 GMT`, `Sep  1 00:00:00 2024 GMT`).
 * @returns milliseconds since the epoch, or null when it is not that shape.
 */
export function parseOpensslTime(t: string): number | null {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4}) GMT$/.exec(t.trim());
  if (!m) return null;
  const months = 'JanFebMarAprMayJunJulAugSepOctNovDec';
  const mon = months.indexOf(m[1]!) / 3;
  if (!Number.isInteger(mon) || mon < 0) return null;
  return Date.UTC(Number(m[6]), mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}
