/**
 * Preloaded into the measured process (`node --import rss-hook.mjs dist/cli.js …`): at exit, writes its
 * own peak resident set size (VmHWM from /proc/self/status, kB) as JSON to $STAPLING_RSS_FILE. Read by the
 * process itself, so the peak is exact whatever the timing (no polling from outside).
 */
import fs from 'node:fs';

const file = process.env.STAPLING_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const kB = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    fs.writeFileSync(file, JSON.stringify({ vmHWMkB: kB('VmHWM'), vmRSSkB: kB('VmRSS') }));
  });
}
