/**
 * Real TLS handshakes that ask for a stapled OCSP response: `openssl s_client -status`.
 *
 * Apache fetches the response inside the handshake that needs it (the client waits); nginx starts the
 * fetch on the first handshake, sends nothing then, and staples from a later one — so callers make
 * several handshakes with pauses.
 */
import { run, sleep } from './proc.js';
import { TEST_HOST } from './pki.js';

/** What one `openssl s_client -status` saw. */
export interface HandshakeResult {
  /** The TLS handshake completed (a cipher was negotiated). */
  completed: boolean;
  /** A stapled response was sent (`OCSP response:` followed by a response, not `no response sent`). */
  stapled: boolean;
  /** `OCSP Response Status` (`successful`, `trylater`, `unauthorized` …), or null. */
  responseStatus: string | null;
  /** `Cert Status` (`good`, `revoked`, `unknown`), or null. */
  certStatus: string | null;
  /** stdout + stderr of s_client. */
  output: string;
}

/** One-word summary for tables: `good`, `revoked`, `trylater`, `none`, `handshake failed`. */
export function describeStaple(h: HandshakeResult | undefined): string {
  if (!h) return '-';
  if (!h.completed) return 'handshake failed';
  if (!h.stapled) return 'no staple';
  if (h.responseStatus !== 'successful') return `staple: ${h.responseStatus ?? '?'}`;
  return `staple: ${h.certStatus ?? '?'}`;
}

/**
 * One handshake with 127.0.0.1:`port`, SNI `www.stapling.test`, asking for OCSP status.
 * @param caFile root CA to verify the server with
 * @param timeoutMs kill s_client after this long (default 20 000 ms)
 */
export async function handshake(port: number, caFile: string, timeoutMs = 20_000, servername = TEST_HOST): Promise<HandshakeResult> {
  const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', servername, '-status', '-CAfile', caFile], {
    timeoutMs,
    input: '',
  });
  const output = r.stdout + r.stderr;
  const completed = /Cipher is (?!\(NONE\))\S+/.test(output);
  const stapled = /OCSP Response Data:/.test(output);
  return {
    completed,
    stapled,
    responseStatus: /OCSP Response Status: (\w+)/.exec(output)?.[1] ?? null,
    certStatus: /Cert Status: (\w+)/.exec(output)?.[1] ?? null,
    output,
  };
}

/**
 * `count` rounds of handshakes, `pauseMs` apart, one per name of `servernames` (default: the test
 * host) in each round; stops early once one sees `Cert Status: good` when `untilGood` is set.
 * @returns every result, in order (the last is of the last name).
 */
export async function handshakes(
  port: number,
  caFile: string,
  opts: { count: number; pauseMs: number; untilGood?: boolean; servernames?: string[] },
): Promise<HandshakeResult[]> {
  const out: HandshakeResult[] = [];
  for (let i = 0; i < opts.count; i++) {
    if (i > 0) await sleep(opts.pauseMs);
    for (const name of opts.servernames ?? [TEST_HOST]) {
      const h = await handshake(port, caFile, 20_000, name);
      out.push(h);
      if (opts.untilGood && h.stapled && h.responseStatus === 'successful' && h.certStatus === 'good') return out;
    }
  }
  return out;
}
