/**
 * Real stapling log lines for the fleet tests: the lines Apache httpd and nginx really wrote, from
 * samples/real/*.log (captured by test/servers/, see samples/real/README.md). Never invented.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of samples/real/. */
export const SAMPLES_REAL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../samples/real');

/** The non-empty lines of samples/real/`name` (e.g. `nginx-revoked.log`), in order. */
export function realLines(name: string): string[] {
  return fs
    .readFileSync(path.join(SAMPLES_REAL, name), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

/** Every non-empty line of every samples/real/*.log, as a set (to check that a record wraps a real line). */
export function allRealLines(): Set<string> {
  const all = new Set<string>();
  for (const f of fs.readdirSync(SAMPLES_REAL).filter((n) => n.endsWith('.log'))) for (const l of realLines(f)) all.add(l);
  return all;
}
