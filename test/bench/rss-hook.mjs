/**
 * Preloaded into the measured process (`node --import rss-hook.mjs dist/cli.js …`): at exit, writes its
 * own peak resident set size (VmHWM from /proc/self/status, kB) as JSON to $STAPLING_RSS_FILE. Read by the
 * process itself, so the peak is exact whatever the timing (no polling from outside).
 *
 * With $STAPLING_RSS_SAMPLE_MS set (a number of ms), it also reads what the resident set is made of every
 * that many ms (an unref'd timer: it never keeps the process alive) and keeps the reading of the largest
 * VmRSS seen, written as `atPeak`: RssFile and RssAnon (kB, /proc/self/status: pages mapped from files —
 * node's own binary and libraries — and anonymous memory) and V8's `process.memoryUsage()` figures (bytes:
 * heapTotal, heapUsed, external, arrayBuffers). Near the peak, not at it: VmHWM stays the exact peak.
 */
import fs from 'node:fs';

const file = process.env.STAPLING_RSS_FILE;
const every = Number(process.env.STAPLING_RSS_SAMPLE_MS);

/** Fields of /proc/self/status in kB, by name. */
function status(...names) {
  const text = fs.readFileSync('/proc/self/status', 'utf8');
  return Object.fromEntries(names.map((n) => [n, Number(new RegExp(`^${n}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN)]));
}

let atPeak = null;
if (file && every > 0) {
  const sample = () => {
    const s = status('VmRSS', 'RssAnon', 'RssFile');
    if (atPeak !== null && !(s.VmRSS > atPeak.VmRSS)) return;
    const { heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    atPeak = { ...s, heapTotal, heapUsed, external, arrayBuffers };
  };
  setInterval(sample, every).unref();
}

if (file) {
  process.on('exit', () => {
    const s = status('VmHWM', 'VmRSS');
    fs.writeFileSync(file, JSON.stringify({ vmHWMkB: s.VmHWM, vmRSSkB: s.VmRSS, ...(atPeak ? { atPeak } : {}) }));
  });
}
