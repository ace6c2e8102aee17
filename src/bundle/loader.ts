#!/usr/bin/env node
/**
 * The script Node runs in the single-file bundle: it compiles the program embedded after it with the code cache
 * of an earlier run (see `code-cache.ts`) and runs it as this module. Built by `esbuild.config.mjs`, which
 * defines `__STAPLING_DOCTOR_MAIN__` (not part of the package build).
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import {
  cacheDirectory,
  cacheFile,
  compile,
  embeddedProgram,
  flagsFingerprint,
  readCache,
  writeCache,
  type EmbeddedMain,
} from './code-cache.js';
import { untuneV8 } from '../v8-flags.js';

declare const __STAPLING_DOCTOR_MAIN__: EmbeddedMain;

/**
 * Compile and run the program. A --jobs worker thread (the bundle is its own worker script) starts under the main
 * thread's tuned V8 flags, so a cache would be refused there: it compiles from source and writes nothing.
 */
function start(): void {
  const main = __STAPLING_DOCTOR_MAIN__;
  let embedded: ReturnType<typeof embeddedProgram>;
  try {
    embedded = embeddedProgram(fs.readFileSync(__filename), main);
  } catch (err) {
    // as src/cli.ts reports an internal error: one line, exit code 2
    process.stderr.write(`stapling-doctor: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
    return;
  }
  const { source, line } = embedded;
  const dir = isMainThread ? cacheDirectory(process.env) : undefined;
  const file = dir === undefined ? undefined : cacheFile(dir, main.id);
  const flags = file === undefined ? undefined : flagsFingerprint();
  const program = compile(source, __filename, line, file === undefined ? undefined : readCache(file));
  if (file !== undefined && flags !== undefined && program.stale) {
    process.once('exit', () => {
      untuneV8(); // the flags of src/cli.ts, set after the program was compiled: back to those at start
      if (flagsFingerprint().equals(flags)) writeCache(file, program.script.createCachedData());
    });
  }
  program.run(module.exports, require, module, __filename, path.dirname(__filename));
}

start();
