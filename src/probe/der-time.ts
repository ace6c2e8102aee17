/**
 * Strict checking of the GeneralizedTime values in DER (RFC 5280 §4.1.2.5.2, which RFC 6960 §4.2.1
 * follows for producedAt, thisUpdate, nextUpdate and revocationTime): `YYYYMMDDHHMMSSZ`, optionally
 * with fractional seconds (X.690 §11.7: DER allows them, without trailing zeros), always in UTC (`Z`).
 * The ASN.1 library decodes leniently — month 13 becomes January of the next year, a missing `Z` means
 * local time — so a malformed time could turn a stale OCSP response into a "current" one.
 */

const GENERALIZED_TIME = 0x18;
const FORMAT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d*[1-9])?Z$/;

/** Days in a month of the proleptic Gregorian calendar. */
function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Whether a GeneralizedTime string is well formed and names a real instant.
 * @param text the value's characters (latin1)
 */
export function validGeneralizedTime(text: string): boolean {
  const m = FORMAT.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && h <= 23 && mi <= 59 && s <= 59;
}

/** Tag, header length and content length of the DER element at `at`, or null when it does not fit in `end`. */
function header(der: Uint8Array, at: number, end: number): { tag: number; start: number; length: number } | null {
  if (at + 2 > end) return null;
  const tag = der[at]!;
  if ((tag & 0x1f) === 0x1f) return null; // high tag numbers do not occur in OCSP responses
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4 || start + n > end) return null;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[start + i]!;
    start += n;
  }
  return start + length > end ? null : { tag, start, length };
}

/**
 * The first GeneralizedTime in a DER structure that is not well formed (see {@link validGeneralizedTime}),
 * looking into every constructed element (SEQUENCE, SET, explicit tags) but not into OCTET STRINGs.
 * @param der a DER encoding (e.g. an OCSP ResponseData)
 * @returns the malformed value's text, or null when every GeneralizedTime is well formed
 * @throws nothing: a structure that cannot be walked is left to the ASN.1 decoder to reject
 */
export function malformedGeneralizedTime(der: Uint8Array): string | null {
  const walk = (from: number, end: number, depth: number): string | null => {
    for (let at = from; at < end;) {
      const h = header(der, at, end);
      if (!h || depth > 32) return null;
      if (h.tag === GENERALIZED_TIME) {
        const text = Buffer.from(der.subarray(h.start, h.start + h.length)).toString('latin1');
        if (!validGeneralizedTime(text)) return text;
      } else if (h.tag & 0x20) {
        const found = walk(h.start, h.start + h.length, depth + 1);
        if (found !== null) return found;
      }
      at = h.start + h.length;
    }
    return null;
  };
  return walk(0, der.length, 0);
}
