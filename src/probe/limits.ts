/**
 * Bounds of the probe's options, in a module of their own so that the CLI can check them while parsing
 * arguments without loading the probe (and its ASN.1 libraries).
 */

/**
 * Longest per-handshake timeout, ms: 2^31 − 1 (about 24.8 days). Node's timers hold a signed 32-bit
 * delay; a longer one is replaced by 1 ms with a TimeoutOverflowWarning (Node `lib/internal/timers.js`),
 * so `--timeout 2147483648` would time out at once.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Largest `--ca-file`, bytes (16 MiB): Debian's whole CA bundle (`/etc/ssl/certs/ca-certificates.crt`)
 * is about 220 KB.
 */
export const MAX_CA_FILE_BYTES = 16 * 1024 * 1024;
