/**
 * The decoder fixtures of test/fixtures/records/: which real lines they wrap, and the fixtures built
 * without an engine (Docker json-file, Elastic Agent / Filebeat documents), deterministically, so that
 * records.test.ts can check the files on disk against the builders. The fixtures captured from real
 * engines (rsyslog, journald) are written by capture-records.test.ts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { realLines } from './real-lines.js';
import { dockerJsonFileRecord, elasticAgentDocument, filebeatModuleEvent, type Shipped } from './records.js';
import { parseServerLine } from './server-lines.js';

/** Absolute path of test/fixtures/records/. */
export const RECORDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/records');

/**
 * The two hosts of every record fixture and the real lines each logged: web01 runs nginx, web02 Apache;
 * both hosts' OCSP responder is down (the same cause on two hosts: findings must not merge), web01
 * also staples a revoked certificate.
 */
export const FIXTURE_HOSTS = {
  web01: { program: 'nginx', path: '/var/log/nginx/error.log', files: ['nginx-responder-down.log', 'nginx-revoked.log'] },
  web02: { program: 'apache2', path: '/var/log/apache2/error.log', files: ['apache-responder-down.log'] },
} as const;

export type FixtureHost = keyof typeof FIXTURE_HOSTS;

/** The real lines `host` logged, in order. */
export function fixtureLines(host: FixtureHost): string[] {
  return FIXTURE_HOSTS[host].files.flatMap((f) => realLines(f));
}

/** The plain-line files: what every record fixture wraps, for comparing findings. */
export function plainFixtures(): Record<string, string> {
  return Object.fromEntries(
    (Object.keys(FIXTURE_HOSTS) as FixtureHost[]).map((h) => [`plain-${h}-${FIXTURE_HOSTS[h].program}.log`, lines(fixtureLines(h))]),
  );
}

const lines = (ls: string[]) => ls.map((l) => `${l}\n`).join('');

/** Docker: the line's own time plus 0.417 ms (+1 µs per line), as the daemon reads it a moment later. */
function dockerNanos(line: string, i: number): bigint {
  return parseServerLine(line).micros * 1000n + 417_000n + BigInt(i) * 1_000n;
}

/** Shipping details of the i-th line of `host`: offsets as bytes in the file, read 1 s after the line's time. */
function shipped(host: FixtureHost, preserveOriginal: boolean): (line: string, i: number, all: string[]) => Shipped {
  return (line, i, all) => {
    const offset = all.slice(0, i).reduce((n, l) => n + Buffer.byteLength(l, 'utf8') + 1, 0);
    const ms = Number(parseServerLine(line).micros / 1000n);
    return {
      host,
      path: FIXTURE_HOSTS[host].path,
      offset,
      readAt: new Date(ms + 1_000).toISOString(),
      ingestedAt: new Date(ms + 3_000).toISOString(),
      preserveOriginal,
    };
  };
}

/** The fixtures built from the engines' documented formats: file name → content. */
export function builtFixtures(): Record<string, string> {
  const hosts = Object.keys(FIXTURE_HOSTS) as FixtureHost[];
  const docs = (make: typeof elasticAgentDocument, preserve: boolean) =>
    hosts
      .flatMap((h) => fixtureLines(h).map((l, i, all) => JSON.stringify(make(l, shipped(h, preserve)(l, i, all)))))
      .map((d) => `${d}\n`)
      .join('');
  return {
    ...plainFixtures(),
    'docker-json-file-web01-nginx.log': lines(fixtureLines('web01').map((l, i) => dockerJsonFileRecord(l, 'stderr', dockerNanos(l, i)))),
    'docker-json-file-web02-apache2-with-tag.log': lines(
      fixtureLines('web02').map((l, i) => dockerJsonFileRecord(l, 'stderr', dockerNanos(l, i), { tag: 'web02/httpd' })),
    ),
    'elastic-agent-error-two-hosts.ndjson': docs(elasticAgentDocument, false),
    'elastic-agent-error-two-hosts-preserve-original.ndjson': docs(elasticAgentDocument, true),
    'filebeat-module-error-two-hosts-before-pipeline.ndjson': docs(filebeatModuleEvent, false),
  };
}
