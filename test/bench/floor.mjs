#!/usr/bin/env node
/**
 * Node's newline-scan floor: what a Node process needs to read the same bytes and find every line end,
 * the least any Node line scanner can cost. Run as its own process, like the tool.
 *
 *   node test/bench/floor.mjs FILE…            read 1 MiB chunks (the tool's chunk size), count LF with indexOf(10)
 *   node test/bench/floor.mjs --gunzip FILE…   the same over Node's zlib inflate stream (64 KiB output chunks, as the tool)
 *
 * Prints the number of lines.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

const args = process.argv.slice(2);
const gunzip = args[0] === '--gunzip';
const files = gunzip ? args.slice(1) : args;
let lines = 0;

function count(buf) {
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
}

const chunk = Buffer.allocUnsafe(1 << 20);
for (const f of files) {
  if (gunzip) {
    for await (const c of fs.createReadStream(f, { highWaterMark: 1 << 20 }).pipe(zlib.createGunzip({ chunkSize: 64 * 1024 }))) count(c);
  } else {
    const fd = fs.openSync(f, 'r');
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0;) count(n === chunk.length ? chunk : chunk.subarray(0, n));
    fs.closeSync(fd);
  }
}
console.log(lines);
