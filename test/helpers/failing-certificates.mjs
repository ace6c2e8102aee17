#!/usr/bin/env node
/**
 * Writes to stdout an nginx error log in which CERTS certificates (with long paths, as deep
 * configuration trees have) fail their staple refresh in turn, each once a second of the log's clock,
 * LINES lines in all: a log whose NDJSON report is large (an update event per line, each carrying its
 * evidence line). Shape of rules/nginx-responder-timeout.yaml's samples (samples/real captures).
 *
 * Usage: node failing-certificates.mjs LINES [CERTS=1000] [PATH_CHARS=900]
 */
const [lines = '1000', certs = '1000', pathChars = '900'] = process.argv.slice(2);
const N = Number(lines);
const C = Number(certs);
const deep = 'd'.repeat(Math.max(0, Number(pathChars) - 40));
const base = Date.UTC(2026, 10, 23);
let batch = '';
function flush(last) {
  if (batch.length < 1 << 20 && !last) return;
  const ok = process.stdout.write(batch);
  batch = '';
  return ok;
}
async function main() {
  for (let i = 0; i < N; i++) {
    const k = i % C;
    const t = new Date(base + Math.floor(i / C) * 1000).toISOString().slice(0, 19).replace(/-/g, '/').replace('T', ' ');
    batch += `${t} [error] 1043#1043: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.example.net, peer: 192.0.2.${k % 250}:80, certificate: "/etc/nginx/${deep}/site-${k}.pem"\n`;
    if (batch.length >= 1 << 20 && !flush(false)) await new Promise((r) => process.stdout.once('drain', r));
  }
  flush(true);
}
process.stdout.on('error', () => process.exit(0));
await main();
