#!/usr/bin/env node
/**
 * A slow reader at the end of a real pipe: reads standard input `CHUNK` bytes at a time with a pause of
 * `PAUSE_MS` between reads (blocking reads, as a slow `| wc` or a congested network writer would), and
 * writes what it read to the file given as argument (or counts it with `-`: prints the byte count).
 *
 * With TAIL, the last 64 KiB read are written there at the end (to check how the stream ended).
 *
 * Usage: producer | node slow-reader.mjs OUT|- [CHUNK=65536] [PAUSE_MS=2] [TAIL]
 */
import fs from 'node:fs';

const [out = '-', chunk = '65536', pause = '2', tailFile] = process.argv.slice(2);
let tail = Buffer.alloc(0);
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
  if (tailFile) tail = Buffer.concat([tail, buf.subarray(0, n)]).subarray(-65536);
  if (fd !== null) fs.writeSync(fd, buf, 0, n);
  Atomics.wait(sleeper, 0, 0, Number(pause));
}
if (tailFile) fs.writeFileSync(tailFile, tail);
if (fd !== null) fs.closeSync(fd);
else process.stdout.write(`${total}\n`);
