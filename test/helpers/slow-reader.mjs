#!/usr/bin/env node
/**
 * A slow reader at the end of a real pipe: reads standard input `CHUNK` bytes at a time with a pause of
 * `PAUSE_MS` between reads (blocking reads, as a slow `| wc` or a congested network writer would), and
 * writes what it read to the file given as argument (or counts it with `-`: prints the byte count).
 *
 * Usage: producer | node slow-reader.mjs OUT|- [CHUNK=65536] [PAUSE_MS=2]
 */
import fs from 'node:fs';

const [out = '-', chunk = '65536', pause = '2'] = process.argv.slice(2);
const buf = Buffer.allocUnsafe(Number(chunk));
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const fd = out === '-' ? null : fs.openSync(out, 'w');
let total = 0;
for (;;) {
  let n;
  try {
    n = fs.readSync(0, buf, 0, buf.length, null);
  } catch (err) {
    if (err.code === 'EAGAIN') {
      Atomics.wait(sleeper, 0, 0, 1);
      continue;
    }
    throw err;
  }
  if (n === 0) break;
  total += n;
  if (fd !== null) fs.writeSync(fd, buf, 0, n);
  Atomics.wait(sleeper, 0, 0, Number(pause));
}
if (fd !== null) fs.closeSync(fd);
else process.stdout.write(`${total}\n`);
