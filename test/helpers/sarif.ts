/**
 * A SARIF 2.1.0 log as the OASIS specification requires it of what stapling-doctor writes (§3.13 sarifLog,
 * §3.14 run, §3.19 toolComponent, §3.27 result, §3.28 location, §3.30 region, §3.49 reportingDescriptor),
 * and what GitHub code scanning's upload requires on top (a `ruleId`, a message, at most one primary
 * location, `partialFingerprints` strings): checked field by field, with the reason when it is not.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Sarif from 'sarif';

const LEVELS = new Set(['none', 'note', 'warning', 'error']);

function must(ok: boolean, what: string): void {
  if (!ok) throw new Error(`not a valid SARIF log: ${what}`);
}

/** A location's file, which must exist, and its line (null without a region). */
export function fileOf(l: Sarif.Location): { file: string; line: number | null } {
  const uri = l.physicalLocation?.artifactLocation?.uri ?? '';
  must(uri.startsWith('file:///'), `a location's URI is not an absolute file URI: ${uri}`);
  const file = fileURLToPath(uri);
  must(fs.existsSync(file), `a location names a file that does not exist: ${file}`);
  const line = l.physicalLocation?.region?.startLine;
  must(line === undefined || (Number.isInteger(line) && line >= 1), `a region's startLine is not a line number: ${line}`);
  return { file, line: line ?? null };
}

/**
 * Parse stapling-doctor's SARIF output and check it.
 * @throws Error saying what is wrong
 */
export function sarifOf(out: string): Sarif.Log {
  const log = JSON.parse(out) as Sarif.Log;
  must(log.version === '2.1.0', 'version is not 2.1.0');
  must(Array.isArray(log.runs) && log.runs.length === 1, 'not exactly one run');
  const run = log.runs[0]!;
  const driver = run.tool.driver;
  must(driver.name === 'stapling-doctor' && typeof driver.version === 'string', 'the driver is not named and versioned');
  const rules = driver.rules ?? [];
  const ids = rules.map((r) => r.id);
  must(new Set(ids).size === ids.length, 'rule ids repeat');
  must(
    rules.every(
      (r) => typeof r.id === 'string' && r.id.length > 0 && (r.shortDescription === undefined || r.shortDescription.text.length > 0),
    ),
    'a rule without an id or with an empty description',
  );
  for (const r of run.results ?? []) {
    must(typeof r.ruleId === 'string' && ids.includes(r.ruleId), `a result's ruleId is not a rule of the driver: ${r.ruleId}`);
    must(r.ruleIndex === ids.indexOf(r.ruleId!), `a result's ruleIndex does not point at its rule: ${r.ruleId} ${r.ruleIndex}`);
    must(r.level !== undefined && LEVELS.has(r.level), `a result's level is not a SARIF level: ${r.level}`);
    must(typeof r.message.text === 'string' && r.message.text.length > 0, 'a result without message text');
    must((r.locations ?? []).length <= 1, 'more than one primary location');
    for (const l of [...(r.locations ?? []), ...(r.relatedLocations ?? [])]) fileOf(l);
    for (const v of Object.values(r.partialFingerprints ?? {}))
      must(typeof v === 'string' && v.length > 0, 'a fingerprint is not a string');
  }
  return log;
}
