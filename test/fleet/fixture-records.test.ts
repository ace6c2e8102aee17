/**
 * The committed decoder fixtures (test/fixtures/records/) are what their README says: every file is
 * described there; the built ones equal what the builders make now; every record, in every format,
 * wraps exactly the real lines of its host (fixture-records.ts FIXTURE_HOSTS), in order. Runs
 * everywhere; `npm run records:capture` rewrites the files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { builtFixtures, FIXTURE_HOSTS, fixtureLines, RECORDS_DIR, type FixtureHost } from './fixture-records.js';

const HOSTS = Object.keys(FIXTURE_HOSTS) as FixtureHost[];
const read = (name: string) => fs.readFileSync(path.join(RECORDS_DIR, name), 'utf8');
const nonEmpty = (text: string) => text.split('\n').filter((l) => l !== '');

function allFiles(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? allFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]))
    .sort();
}

/** Pairs (host, wrapped line) in file order → the lines of each host, to compare with the fixture lines. */
function byHost(pairs: [string, string][]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [h, l] of pairs) (out[h] ??= []).push(l);
  return out;
}

const expected = Object.fromEntries(HOSTS.map((h) => [h, fixtureLines(h)]));

describe('test/fixtures/records/', () => {
  test('every file is described in the README', () => {
    const readme = read('README.md');
    const undocumented = allFiles(RECORDS_DIR).filter((f) => f !== 'README.md' && !readme.includes(f.split(path.sep)[0]!));
    expect(undocumented).toEqual([]);
  });

  test.each(Object.keys(builtFixtures()))('%s equals what its builder makes', (name) => {
    expect(read(name)).toBe(builtFixtures()[name]);
  });

  test('rsyslog omprog JSON: host and message of every record (RFC 3164 keeps one space before the line)', () => {
    for (const variant of ['rfc3164', 'rfc5424']) {
      const recs = nonEmpty(read(`rsyslog-omprog-json-${variant}-two-hosts.ndjson`)).map((l) => JSON.parse(l) as Record<string, string>);
      const strip = (m: string) => (variant === 'rfc3164' ? m.replace(/^ /, '') : m);
      expect(byHost(recs.map((r) => [r.host!, strip(r.message!)]))).toEqual(expected);
      expect(new Set(recs.map((r) => `${r.host}/${r.program}`))).toEqual(new Set(HOSTS.map((h) => `${h}/${FIXTURE_HOSTS[h].program}`)));
    }
  });

  test('rsyslog central trees: one file per host and program, each line ends with the line it carries', () => {
    for (const tree of ['rsyslog-tree-fileformat', 'rsyslog-tree-traditional']) {
      for (const h of HOSTS) {
        const got = nonEmpty(read(path.join(tree, h, `${FIXTURE_HOSTS[h].program}.log`)));
        expect(got.map((t, i) => t.endsWith(` ${expected[h]![i]}`) && t.includes(` ${h} `))).toEqual(expected[h]!.map(() => true));
      }
    }
  });

  test('journalctl -o json and -o json-seq: _HOSTNAME and MESSAGE', () => {
    const json = nonEmpty(read('journalctl-json-two-hosts.ndjson')).map((l) => JSON.parse(l) as Record<string, string>);
    expect(byHost(json.map((r) => [r._HOSTNAME!, r.MESSAGE!]))).toEqual(expected);
    const seq = read('journalctl-json-seq-two-hosts.json-seq').split('\x1e').slice(1);
    expect(seq.map((r) => JSON.parse(r))).toEqual(json);
  });

  test('journalctl one-line formats: `host ident[pid]: line`, boot separators between hosts', () => {
    const files = allFiles(RECORDS_DIR).filter((f) => /^journalctl-(short.*|with-unit)-two-hosts\.log$/.test(f));
    expect(files).toHaveLength(8);
    for (const f of files) {
      const ls = nonEmpty(read(f));
      const entries = ls.filter((l) => !/^-- Boot [0-9a-f]{32} --$/.test(l));
      expect(ls.length - entries.length).toBe(HOSTS.length - 1);
      const pairs = entries.map((l): [string, string] => {
        const m = / (web\d\d) [\w.-]+\[\d+\]: (.*)$/.exec(l);
        return m ? [m[1]!, m[2]!] : ['?', l];
      });
      expect(byHost(pairs)).toEqual(expected);
    }
    expect(nonEmpty(read('journalctl-cat-two-hosts.log'))).toEqual(HOSTS.flatMap((h) => expected[h]!));
  });

  test('journalctl -o export: MESSAGE and _HOSTNAME fields', () => {
    const entries = read('journalctl-export-two-hosts.export')
      .split('\n\n')
      .filter((b) => b.trim() !== '')
      .map((b) => Object.fromEntries(b.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])));
    expect(byHost(entries.map((e) => [e._HOSTNAME!, e.MESSAGE!]))).toEqual(expected);
  });

  test('journalctl -o json hostile cases: MESSAGE as a byte array, and null past 4096 bytes', () => {
    const [bytes, long] = nonEmpty(read('journalctl-json-control-bytes-and-long-message.ndjson')).map(
      (l) => (JSON.parse(l) as { MESSAGE: unknown }).MESSAGE,
    );
    expect(Buffer.from(bytes as number[]).toString('utf8')).toBe(`${expected.web01![0]!}\t\x1b[31m`);
    expect(long).toBeNull();
  });

  test('Docker json-file: `log` is the line and its newline; stream stderr', () => {
    const files: Record<FixtureHost, string> = {
      web01: 'docker-json-file-web01-nginx.log',
      web02: 'docker-json-file-web02-apache2-with-tag.log',
    };
    for (const h of HOSTS) {
      const recs = nonEmpty(read(files[h])).map((l) => JSON.parse(l) as { log: string; stream: string });
      expect(recs.map((r) => r.log)).toEqual(expected[h]!.map((l) => `${l}\n`));
      expect(new Set(recs.map((r) => r.stream))).toEqual(new Set(['stderr']));
    }
  });

  test('Elastic documents: host.name; the line in event.original (preserved) or message (Filebeat), its tail in message (pipeline)', () => {
    type Doc = { host: { name: string }; message: string; event: { original?: string } };
    const docs = (f: string) => nonEmpty(read(f)).map((l) => JSON.parse(l) as Doc);
    expect(byHost(docs('elastic-agent-error-two-hosts-preserve-original.ndjson').map((d) => [d.host.name, d.event.original!]))).toEqual(
      expected,
    );
    expect(byHost(docs('filebeat-module-error-two-hosts-before-pipeline.ndjson').map((d) => [d.host.name, d.message]))).toEqual(expected);
    const tails = docs('elastic-agent-error-two-hosts.ndjson');
    const lines = HOSTS.flatMap((h) => expected[h]!);
    expect(tails.map((d, i) => d.event.original === undefined && lines[i]!.endsWith(` ${d.message}`))).toEqual(lines.map(() => true));
  });
});
