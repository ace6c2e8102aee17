/**
 * The README's Fleets section shows the rsyslog configuration the fleet tests run: its central and edge
 * blocks are the lines `test/fleet/rsyslog-config.ts` renders (after the instance's own preamble), with
 * only the loopback address and the central's name put back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { centralConfig, edgeConfig } from './fleet/rsyslog-config.js';
import { ROOT } from './helpers/cli.js';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### rsyslog: stapling-doctor as the central'));
const blocks = [...section.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** The configuration lines of a block or rendering: no comments, no blank lines, no preamble. */
function lines(text: string): string[] {
  const all = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  return all.slice(all.findIndex((l) => l.startsWith('module(')));
}

test('the central block is the tested central configuration', () => {
  const rendered = centralConfig({
    dir: '/var/spool/rsyslog',
    port: 514,
    treeRoot: '/var/log/remote',
    omprog: {
      argv: ['/usr/local/bin/stapling-doctor', 'omprog', '--output', '/var/lib/stapling-doctor/findings.ndjson'],
      stderrFile: '/var/log/stapling-doctor.stderr',
    },
  }).replace(' address="127.0.0.1"', '');
  expect(lines(blocks[0]!)).toEqual(lines(rendered));
});

test('the edge block is the tested edge configuration', () => {
  const rendered = edgeConfig({
    dir: '/var/spool/rsyslog',
    hostname: 'web01',
    logFile: '/var/log/nginx/error.log',
    program: 'nginx',
    centralPort: 514,
  });
  expect(lines(blocks[1]!)).toEqual(lines(rendered.replace('target="127.0.0.1"', 'target="central.example.net"')));
});
