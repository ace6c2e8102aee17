/**
 * JSON log records and hosts (issue 11): records decoded before parsing give the findings of the plain
 * lines they wrap, with the host they name; findings of different hosts never merge.
 *
 * The acceptance runs on the record fixtures of test/fixtures/records/ (real engines' output around the
 * real lines of samples/real/); the generalisation runs on every positive rule sample wrapped by each
 * encoder (journald, Docker json-file, rsyslog jsonf, Elastic), through the byte scanner.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { loadRules } from '../src/rules/load.js';
import { analyze, type Report } from '../src/findings/analyzer.js';
import { analyzeStream } from '../src/run/stream.js';
import { decodeRecord, decodeRecords, isRecordLine, jsonEscapedForms } from '../src/parse/record.js';
import { hostPattern, HostPatternError } from '../src/input/host-path.js';
import { parseLine } from '../src/parse/line.js';
import { unwrap } from '../src/parse/wrappers.js';
import type { FindingData, Rule } from '../src/types.js';
import { dockerJsonFileRecord, fluentBitOutFileLine, logcliDefaultLine, logcliJsonlLine } from './fleet/records.js';
import { RECORDS_DIR } from './fleet/fixture-records.js';
import { realLines } from './fleet/real-lines.js';

let rules: Rule[];
beforeAll(async () => {
  rules = await loadRules();
});

const read = (name: string): string => fs.readFileSync(path.join(RECORDS_DIR, name), 'utf8');

async function scan(text: string, name = 'input'): Promise<Report<FindingData>> {
  return analyzeStream(Readable.from([Buffer.from(text)]), rules, { name });
}

/** What must be equal between a record input and the plain lines it wraps. */
function essence(f: FindingData, withTimes = true, withTexts = true) {
  return {
    cause: f.cause,
    severity: f.severity,
    server: f.server,
    ruleIds: f.ruleIds,
    count: f.count,
    messageId: f.messageId,
    data: f.data,
    subject: f.subject,
    ...(withTimes ? { first: f.first, last: f.last, times: f.evidence.map((e) => e.time) } : {}),
    ...(withTexts ? { texts: f.evidence.map((e) => e.text) } : {}),
  };
}

const byKey = (fs: FindingData[], withTimes = true, withTexts = true) =>
  fs.map((f) => ({ host: f.host, ...essence(f, withTimes, withTexts) })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
/** For text wrappers (syslog headers) the evidence is the whole line, wrapper included. */
const noTexts = (k: ReturnType<typeof byKey>) => k.map(({ texts: _t, ...rest }) => rest);

describe('record fixtures give the findings of the plain lines they wrap, with their host', () => {
  let plain: ReturnType<typeof byKey>;
  beforeAll(async () => {
    const web01 = (await scan(read('plain-web01-nginx.log'))).findings.map((f) => ({ ...f, host: 'web01' }));
    const web02 = (await scan(read('plain-web02-apache2.log'))).findings.map((f) => ({ ...f, host: 'web02' }));
    plain = byKey([...web01, ...web02]);
    expect(plain.map((f) => [f.host, f.cause])).toEqual([
      ['web01', 'certificate-revoked'],
      ['web01', 'responder-unreachable'],
      ['web02', 'responder-unreachable'],
    ]);
  });

  test.each([
    'journalctl-json-two-hosts.ndjson',
    'journalctl-json-seq-two-hosts.json-seq',
    'rsyslog-omprog-json-rfc3164-two-hosts.ndjson',
    'rsyslog-omprog-json-rfc5424-two-hosts.ndjson',
    'elastic-agent-error-two-hosts-preserve-original.ndjson',
    'filebeat-module-error-two-hosts-before-pipeline.ndjson',
    'journalctl-short-two-hosts.log',
    'journalctl-short-iso-two-hosts.log',
  ])('%s: same causes, values and times, per host', async (name) => {
    const r = await scan(read(name), name);
    if (name.endsWith('.log')) expect(noTexts(byKey(r.findings))).toEqual(noTexts(plain));
    else expect(byKey(r.findings)).toEqual(plain);
    expect(r.stats.undecoded).toBe(0);
    expect(new Set(r.findings.map((f) => f.id)).size).toBe(3);
  });

  test('Docker json-file (no host in the record): the same findings as the plain lines, host null', async () => {
    for (const [docker, plainFile] of [
      ['docker-json-file-web01-nginx.log', 'plain-web01-nginx.log'],
      ['docker-json-file-web02-apache2-with-tag.log', 'plain-web02-apache2.log'],
    ] as const) {
      const got = await scan(read(docker));
      const want = await scan(read(plainFile));
      expect(byKey(got.findings)).toEqual(byKey(want.findings));
      expect(got.findings.every((f) => f.host === null)).toBe(true);
    }
  });

  test('Elastic Agent documents after the pipeline (prefix moved to fields): causes and values per host, times from @timestamp', async () => {
    const r = await scan(read('elastic-agent-error-two-hosts.ndjson'));
    expect(byKey(r.findings, false).map(({ texts: _t, ...rest }) => rest)).toEqual(
      plain.map(({ first: _f, last: _l, times: _x, texts: _t, ...rest }) => rest),
    );
    const revoked = r.findings.find((f) => f.cause === 'certificate-revoked')!;
    expect(revoked.first).toBe('2026-11-23T02:17:07.000Z');
  });

  test('the central tree: the host from the path (--host-from-path) and from the syslog header agree', async () => {
    const root = path.join(RECORDS_DIR, 'rsyslog-tree-fileformat');
    const pattern = hostPattern('rsyslog-tree-fileformat/{host}/*.log');
    const findings: FindingData[] = [];
    for (const host of ['web01', 'web02']) {
      const file = fs.readdirSync(path.join(root, host))[0]!;
      const p = path.join(root, host, file);
      expect(pattern.hostOf(p)).toBe(host);
      findings.push(...(await analyzeStream(Readable.from([fs.readFileSync(p)]), rules, { name: p, host: 'from-path' })).findings);
    }
    // The syslog header names the host, and wins over the path's.
    expect(noTexts(byKey(findings))).toEqual(noTexts(plain));
    // Lines that name no host take the path's.
    const bare = read('plain-web02-apache2.log');
    const r = await analyzeStream(Readable.from([bare]), rules, {
      name: 'x',
      host: pattern.hostOf(path.join(root, 'web02', 'apache2.log')),
    });
    expect(r.findings.map((f) => f.host)).toEqual(['web02']);
  });

  test('journald MESSAGE as an array of bytes (control characters) is decoded and matched', async () => {
    const r = await scan(read('journalctl-json-control-bytes-and-long-message.ndjson'));
    expect(r.findings.map((f) => [f.host, f.cause])).toEqual([['web03', 'responder-unreachable']]);
    expect(r.findings[0]!.evidence[0]!.text).toMatch(/\t/);
  });
});

describe('hosts never merge', () => {
  const lines = read('plain-web01-nginx.log').trim().split('\n');
  const as = (host: string) =>
    lines.map((l) => JSON.stringify({ host, program: 'nginx', timestamp: '2026-12-01T00:00:00+00:00', message: l }));

  test('the same failures on two hosts are two findings each, with different ids; the id is stable', () => {
    const r = analyze([...as('web01'), ...as('web02')], rules);
    expect(r.findings.map((f) => [f.cause, f.host]).sort()).toEqual([
      ['certificate-revoked', 'web01'],
      ['certificate-revoked', 'web02'],
      ['responder-unreachable', 'web01'],
      ['responder-unreachable', 'web02'],
    ]);
    expect(new Set(r.findings.map((f) => f.id)).size).toBe(4);
    const again = analyze(as('web02'), rules, { name: 'another-file' });
    const ids = (rep: Report<FindingData>, h: string) =>
      rep.findings
        .filter((f) => f.host === h)
        .map((f) => f.id)
        .sort();
    expect(ids(again, 'web02')).toEqual(ids(r, 'web02'));
  });

  test('the API: analyze(lines, rules, {host}) gives lines that name no host that host', () => {
    expect(analyze(lines, rules, { host: 'web09' }).findings.map((f) => f.host)).toEqual(['web09', 'web09']);
    expect(analyze(as('web01'), rules, { host: 'web09' }).findings.map((f) => f.host)).toEqual(['web01', 'web01']);
  });

  test('without a host the id is the one of a plain run (unchanged for plain logs)', () => {
    const plain = analyze(lines, rules);
    const docker = analyze(
      lines.map((l) => dockerJsonFileRecord(l, 'stderr', 1n)),
      rules,
    );
    expect(docker.findings.map((f) => f.id).sort()).toEqual(plain.findings.map((f) => f.id).sort());
  });

  test('the syslog HOSTNAME of RFC 3164 and RFC 5424 lines', () => {
    expect(parseLine(`Nov 23 02:17:04 web07 nginx: ${lines[0]}`).host).toBe('web07');
    expect(parseLine(`<27>1 2026-11-23T02:17:04Z web08 nginx 5929 - - ${lines[0]}`).host).toBe('web08');
    expect(parseLine(`<27>1 2026-11-23T02:17:04Z - nginx 5929 - - ${lines[0]}`).host).toBeUndefined();
    expect(parseLine(lines[0]!).host).toBeUndefined();
  });

  test('the host a logfmt line names before its message (Vector, Loki, Go services), for every positive sample', async () => {
    // Vector's logfmt encoder writes the event's fields sorted by name; a Go service puts its own first.
    const logfmt = [
      (host: string, line: string) => `host=${host} message=${JSON.stringify(line)} source_type=file timestamp=2026-11-23T02:17:04Z`,
      (host: string, line: string) => `ts=2026-11-23T02:17:04Z level=error hostname="${host}" msg=${JSON.stringify(line)}`,
    ];
    const samples = rules.flatMap((r) => r.samples.match.map((s) => s.line)).filter((l) => !/[\n\r]/.test(l));
    const plain = noTexts(byKey((await scan(samples.join('\n'))).findings.map((f) => ({ ...f, host: 'web07' }))));
    expect(plain.length).toBeGreaterThan(100);
    for (const wrap of logfmt) {
      const got = await scan(samples.map((l) => wrap('web07', l)).join('\n'));
      expect(noTexts(byKey(got.findings))).toEqual(plain);
    }
    expect(parseLine(`host=- msg=${JSON.stringify(lines[0])}`).host).toBeUndefined();
  });
});

describe('undecodable record lines are counted, never matched as text', () => {
  const line = read('plain-web01-nginx.log').split('\n')[2]!;
  test.each([
    ['invalid JSON (cut short)', `{"MESSAGE":${JSON.stringify(line)}`.slice(0, -5)],
    ["an object without a message under any shipper's name", JSON.stringify({ payload: line, hostname: 'web01' })],
    ['journald without MESSAGE text', JSON.stringify({ MESSAGE: null, _HOSTNAME: 'web01', X: line })],
    // Envelopes are opened two deep at most: a search hit in an export, not a hostile nest of them.
    ['the line three envelopes deep', JSON.stringify({ result: { _source: { attributes: { message: line } } } })],
    ['a thousand envelopes deep', `${'{"_source":'.repeat(1000)}{"message":${JSON.stringify(line)}}${'}'.repeat(1000)}`],
  ])('%s', async (_what, text) => {
    for (const r of [await scan(`${text}\n${line}\n`), analyze([text, line], rules)]) {
      expect(r.stats).toMatchObject({ lines: 2, undecoded: 1, parsed: 1 });
      expect(r.inputs[0]!.undecodedLines).toEqual([1]);
      expect(r.findings.map((f) => f.count)).toEqual([1]); // only the plain line
    }
    expect(decodeRecord(text).ok).toBe(false);
  });

  test('a JSON line without any trigger is not examined (as the byte scanner leaves it)', async () => {
    const r = await scan('{"log":"nothing to see\\n","time":"x"}\n{broken\n');
    expect(r.stats).toMatchObject({ lines: 2, parsed: 2, undecoded: 0 });
  });
});

describe('every rule sample, wrapped by each encoder, gives the findings of the plain line (through the byte scanner)', () => {
  const rsyslogJsonf = (host: string, line: string, program: string) =>
    `{"host":"${host}", "program":"${program}", "timestamp":"2026-12-01T23:18:54+00:00", "message":${JSON.stringify(` ${line}`).replace(/\//g, '\\/')}}`;
  // journalctl prints a field with control characters (other than none) as an array of bytes.
  const journald = (host: string, line: string) =>
    JSON.stringify({
      __CURSOR: 's=1',
      __REALTIME_TIMESTAMP: '1795400224000000',
      _HOSTNAME: host,
      MESSAGE: /[\x00-\x1f\x7f]/.test(line) ? [...Buffer.from(line)] : line,
    });
  const ecs = (host: string, line: string) =>
    JSON.stringify({ '@timestamp': '2026-11-23T02:17:04.000Z', host: { name: host }, message: line });
  const docker = (_host: string, line: string) => dockerJsonFileRecord(line, 'stderr', 1_795_400_224_000_000_000n);
  // Shapes of other shippers (decoded as `json` records): GELF 1.1 (Docker's gelf driver), Fluent Bit's
  // Kubernetes filter, pino/bunyan, Google Cloud Logging, Loki's `logcli query -o jsonl`.
  // GELF 1.1 from a sender that cuts short_message and puts the whole line in full_message.
  const gelfFull = (host: string, line: string) =>
    JSON.stringify({ version: '1.1', host, short_message: line.slice(0, 40), full_message: line, timestamp: 1795400224.5, level: 3 });
  const gelf = (host: string, line: string) =>
    JSON.stringify({ version: '1.1', host, short_message: line, timestamp: 1795400224.5, level: 3, _container_name: 'proxy' });
  const fluentBit = (host: string, line: string) =>
    JSON.stringify({ stream: 'stderr', logtag: 'F', log: line, kubernetes: { pod_name: 'web-0', host } });
  const pino = (host: string, line: string) => JSON.stringify({ level: 50, time: 1795400224000, pid: 7, hostname: host, msg: line });
  const cloudLogging = (host: string, line: string) =>
    JSON.stringify({
      textPayload: line,
      resource: { type: 'k8s_container' },
      timestamp: '2026-11-23T02:17:04.000000Z',
      'kubernetes.host': host,
    });
  // Loki's logcli (test/fleet/records.ts, checked against logcli's own tests): the host and program are labels.
  const lokiLabels = (host: string, program: string) => ({ filename: '/var/log/error.log', host, job: program });
  const logcli = (host: string, line: string, program: string) =>
    logcliJsonlLine('2026-11-23T02:17:04.123456789Z', lokiLabels(host, program), line);
  const logcliHostname = (host: string, line: string, program: string) =>
    logcliJsonlLine('2026-11-23T02:17:04.123456789Z', { hostname: host, service_name: program }, line);
  const logcliDefault = (host: string, line: string, program: string) =>
    logcliDefaultLine('2026-11-23T02:17:04Z', lokiLabels(host, program), 70, line);
  // What search and export APIs hand over: an Elasticsearch hit around a Filebeat document, Splunk's export
  // (`output_mode=json`), Google Cloud Logging's structured entry, Datadog's Logs API v2, Azure Monitor's Syslog table.
  const elasticHit = (host: string, line: string) =>
    JSON.stringify({
      _index: '.ds-logs-nginx.error-default',
      _id: 'x1',
      _source: { '@timestamp': '2026-11-23T02:17:04.000Z', host: { name: host }, message: line },
    });
  const splunk = (host: string, line: string) =>
    JSON.stringify({
      preview: false,
      offset: 0,
      result: { _raw: line, _time: '2026-11-23T02:17:04.000+00:00', host, source: '/var/log/nginx/error.log' },
    });
  const cloudLoggingJson = (host: string, line: string) =>
    JSON.stringify({
      insertId: 'a1',
      jsonPayload: { message: line },
      labels: {},
      'kubernetes.host': host,
      timestamp: '2026-11-23T02:17:04.000000Z',
    });
  const datadog = (host: string, line: string) =>
    JSON.stringify({ id: 'AQ1', type: 'log', attributes: { message: line, host, service: 'web', timestamp: '2026-11-23T02:17:04.000Z' } });
  const azureSyslog = (host: string, line: string) =>
    JSON.stringify({
      TimeGenerated: '2026-11-23T02:17:04Z',
      Computer: host,
      Facility: 'daemon',
      SeverityLevel: 'err',
      SyslogMessage: line,
    });

  // A log engine's text header in front of a record on the same line: rsyslog forwarding a container's
  // json-file log (imfile), fluentd's stdout output and its file output in the default format (time, tag, record).
  const syslogDocker = (host: string, line: string) => `Nov 23 02:17:04 ${host} docker-json: ${docker(host, line)}`;
  const fluentdStdout = (_host: string, line: string, program: string) =>
    `2026-11-23 02:17:04.123456789 +0000 ${program}.error: ${JSON.stringify({ log: line, stream: 'stderr' })}`;
  const fluentdFile = (_host: string, line: string, program: string) =>
    `2026-11-23T02:17:04+00:00\t${program}.error\t${JSON.stringify({ log: line, stream: 'stderr' })}`;
  // Fluent Bit's out_file in its default format (`TAG: [SEC.NSEC, {record}]`), the host added by record_modifier.
  const fluentBitFile = (host: string, line: string, program: string) =>
    fluentBitOutFileLine(`${program}.error`, 1_795_400_224_123_456_789n, { log: line, hostname: host });
  const fluentBitFileLegacy = (host: string, line: string, program: string) =>
    fluentBitOutFileLine(`${program}.error`, 1_795_400_224_123_456_789n, { log: line, hostname: host }, true);

  // The CRI format of a kubelet's log files (/var/log/pods/…), each line split into parts as containerd and CRI-O split
  // a line longer than their buffer: `P` parts, then the `F` one that ends them; split in its message, in its prefix
  // too, and with another stream's line between its parts.
  const criParts = (line: string, cuts: readonly number[], stream = 'stderr'): string[] => {
    const at = [0, ...cuts.map((c) => Math.floor(line.length * c)), line.length];
    return at
      .slice(1)
      .map((end, i) => `2026-11-23T02:17:04.${100 + i}000000Z ${stream} ${end === line.length ? 'F' : 'P'} ${line.slice(at[i], end)}`);
  };
  const criSplit = (_host: string, line: string) => criParts(line, [0.5]).join('\n');
  const criThreeParts = (_host: string, line: string) => criParts(line, [0.2, 0.6]).join('\n');
  const criInterleaved = (_host: string, line: string) => {
    const [first, last] = criParts(line, [0.7]);
    return [first, '2026-11-23T02:17:04.150000000Z stdout F GET /healthz 200', last].join('\n');
  };

  test.each([
    ['CRI (kubelet), each line split into a P and an F part', criSplit, null],
    ['CRI (kubelet), each line in three parts, the prefix split too', criThreeParts, null],
    ['CRI (kubelet), a stdout line between the parts', criInterleaved, null],
    ['syslog header before Docker json-file', syslogDocker, 'web01'],
    ['fluentd stdout (time, zone, tag, record)', fluentdStdout, null],
    ['fluentd file, default format (time, tag, record, tab-separated)', fluentdFile, null],
    ['journald', journald, 'web01'],
    ['rsyslog jsonf', rsyslogJsonf, 'web01'],
    ['Elastic (whole line in message)', ecs, 'web01'],
    ['Docker json-file', docker, null],
    ['GELF', gelf, 'web01'],
    ['GELF with a short and a full message', gelfFull, 'web01'],
    ['Fluent Bit (Kubernetes)', fluentBit, 'web01'],
    ['pino', pino, 'web01'],
    ['Google Cloud Logging', cloudLogging, 'web01'],
    ['logcli -o jsonl (host and job labels)', logcli, 'web01'],
    ['logcli -o jsonl (hostname and service_name labels)', logcliHostname, 'web01'],
    ['logcli -o default (time, label set, line)', logcliDefault, 'web01'],
    ['Fluent Bit out_file (tag, time, record)', fluentBitFile, 'web01'],
    ['Fluent Bit out_file before 1.6 (six decimals)', fluentBitFileLegacy, 'web01'],
    ['Elasticsearch search hit', elasticHit, 'web01'],
    ['Splunk export', splunk, 'web01'],
    ['Google Cloud Logging jsonPayload', cloudLoggingJson, 'web01'],
    ['Datadog Logs API', datadog, 'web01'],
    ['Azure Monitor Syslog', azureSyslog, 'web01'],
  ] as const)('%s', async (_name, wrap, host) => {
    // The program a collector would name: the rule's server (either, when the rule is for both).
    const program = (r: Rule) => (r.servers.length > 1 ? 'web' : r.servers[0] === 'apache' ? 'apache2' : 'nginx');
    const samples = rules.flatMap((r) => r.samples.match.map((s) => ({ line: s.line, program: program(r) })));
    const lines = samples.filter((s) => !s.line.includes('\n') && !s.line.includes('\r'));
    const plain = await scan(lines.map((s) => s.line).join('\n'));
    const wrapped = asLines(
      await scan(lines.map((s) => wrap(host ?? '', s.line, s.program)).join('\n')),
      isRecordLine(wrap('web01', lines[0]!.line, lines[0]!.program)),
    );
    expect(wrapped.stats.undecoded).toBe(0);
    expect(wrapped.stats.matched).toBe(plain.stats.matched);
    // Times: the record's time stands in only where the line has none of its own.
    const timed = (r: Report<FindingData>) =>
      byKey(
        r.findings.map((f) => ({ ...f, host: null })),
        false,
      );
    expect(timed(wrapped)).toEqual(timed(plain));
    expect(wrapped.findings.every((f) => f.host === host)).toBe(true);
    // Only findings whose every line is in their evidence (it keeps a few) and has a time of its own.
    const withTimes = (r: Report<FindingData>) =>
      r.findings.filter((f) => f.evidence.length === f.count && f.evidence.every((e) => plainTimeOf(e.text) !== null));
    expect(withTimes(plain).length).toBeGreaterThan(plain.findings.length / 2); // not a vacuous comparison
    expect(byKey(withTimes(wrapped).map((f) => ({ ...f, host: null })))).toEqual(
      byKey(withTimes(plain).map((f) => ({ ...f, host: null }))),
    );
  });
});

const plainTimeOf = (line: string): string | null => parseLine(line).time;

/** A report whose evidence is the server's lines: a text wrapper's (logcli's default output) removed from each. */
function asLines(r: Report<FindingData>, records: boolean): Report<FindingData> {
  if (records) return r;
  const line = (t: string) => unwrap(t, () => new Date()).rest;
  return { ...r, findings: r.findings.map((f) => ({ ...f, evidence: f.evidence.map((e) => ({ ...e, text: line(e.text) })) })) };
}

/**
 * What search and query APIs answer, as `curl` writes it: one line holding many records. Shapes from the
 * APIs' references (Elasticsearch Search API, Grafana Loki HTTP API query_range and push, Datadog Logs API v2
 * ListLogs, AWS CLI `logs filter-log-events`, Graylog REST search, Splunk REST search results).
 */
describe('every rule sample, in the responses of search and query APIs (many records on one line), gives the findings of the plain lines', () => {
  /** A record to answer with; `t` its time (ms after a fixed one; its place in the answer when not given). */
  type Entry = { host: string; line: string; program: string; t?: number };
  const ns = (e: Entry, i: number) => String(1_795_400_224_000_000_000n + BigInt(e.t ?? i) * 1_000_000n + 123n);
  const ms = (e: Entry, i: number) => 1_795_400_224_000 + (e.t ?? i);
  const iso = (e: Entry, i: number) => new Date(ms(e, i)).toISOString();
  const elasticSearch = (es: Entry[]) =>
    JSON.stringify({
      took: 4,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: {
        total: { value: es.length, relation: 'eq' },
        max_score: 1,
        hits: es.map((e, i) => ({
          _index: '.ds-logs-nginx.error-default',
          _id: `x${i}`,
          _score: 1,
          _source: { '@timestamp': iso(e, i), host: { name: e.host }, message: e.line },
        })),
      },
    });
  // One stream for each run of entries with the same labels, its values in the answer's order.
  const lokiStreams = (es: Entry[]) => {
    const streams: { stream: Record<string, string>; values: string[][] }[] = [];
    es.forEach((e, i) => {
      const last = streams.at(-1);
      if (last?.stream.host === e.host && last.stream.job === e.program) last.values.push([ns(e, i), e.line]);
      else streams.push({ stream: { host: e.host, job: e.program, filename: '/var/log/error.log' }, values: [[ns(e, i), e.line]] });
    });
    return streams;
  };
  const lokiQuery = (es: Entry[]) =>
    JSON.stringify({
      status: 'success',
      data: { resultType: 'streams', result: lokiStreams(es), stats: { summary: { bytesProcessedPerSecond: 1 } } },
    });
  const lokiPush = (es: Entry[]) => JSON.stringify({ streams: lokiStreams(es) });
  const lokiPushEntries = (es: Entry[]) =>
    JSON.stringify({
      streams: es.map((e, i) => ({ labels: `{job="${e.program}"}`, entries: [{ ts: iso(e, i), line: e.line, host: e.host }] })),
    });
  const datadogList = (es: Entry[]) =>
    JSON.stringify({
      data: es.map((e, i) => ({
        id: `AQ${i}`,
        type: 'log',
        attributes: { message: e.line, host: e.host, service: e.program, timestamp: iso(e, i) },
      })),
      links: {},
      meta: { page: {} },
    });
  const cloudWatch = (es: Entry[]) =>
    JSON.stringify({
      events: es.map((e, i) => ({ logStreamName: 'i-0abc', timestamp: ms(e, i), message: e.line, host: e.host, eventId: `${i}` })),
      searchedLogStreams: [{ logStreamName: 'i-0abc', searchedCompletely: true }],
    });
  const graylog = (es: Entry[]) =>
    JSON.stringify({
      query: 'OCSP',
      total_results: es.length,
      messages: es.map((e, i) => ({
        message: { _id: `m${i}`, message: e.line, hostname: e.host, timestamp: iso(e, i) },
        index: 'graylog_0',
      })),
    });
  const splunkResults = (es: Entry[]) =>
    JSON.stringify({
      preview: false,
      init_offset: 0,
      messages: [],
      fields: [{ name: '_raw' }, { name: 'host' }],
      results: es.map((e, i) => ({ _raw: e.line, host: e.host, _time: iso(e, i).replace('Z', '+00:00') })),
    });

  // The OpenTelemetry Collector's file exporter: one OTLP JSON ExportLogsServiceRequest a line (opentelemetry-proto
  // logs.proto, JSON mapping), the host a resource attribute, each line a log record's body.
  const otlp = (es: Entry[]) =>
    JSON.stringify({
      resourceLogs: [
        {
          resource: {
            attributes: [
              { key: 'host.name', value: { stringValue: es[0]!.host } },
              { key: 'service.name', value: { stringValue: es[0]!.program } },
            ],
          },
          scopeLogs: [
            {
              scope: { name: 'filelog' },
              logRecords: es.map((e, i) => ({
                timeUnixNano: ns(e, i),
                observedTimeUnixNano: ns(e, i),
                body: { stringValue: e.line },
                attributes: [{ key: 'log.file.name', value: { stringValue: 'error.log' } }],
              })),
            },
          ],
        },
      ],
    });

  const answers = [
    ['OpenTelemetry Collector file exporter (OTLP JSON)', otlp],
    ['Elasticsearch _search', elasticSearch],
    ['Loki query_range', lokiQuery],
    ['Loki push (values)', lokiPush],
    ['Loki push (entries)', lokiPushEntries],
    ['Datadog Logs API v2 list', datadogList],
    ['CloudWatch Logs filter-log-events', cloudWatch],
    ['Graylog search', graylog],
    ['Splunk search results', splunkResults],
  ] as const;

  test.each(answers)('%s', async (_name, respond) => {
    const program = (r: Rule) => (r.servers.length > 1 ? 'web' : r.servers[0] === 'apache' ? 'apache2' : 'nginx');
    const entries = rules.flatMap((r) =>
      r.samples.match.filter((s) => !/[\n\r]/.test(s.line)).map((s) => ({ host: 'web01', line: s.line, program: program(r) })),
    );
    // Seven records a response, each response on its own line.
    const responses: string[] = [];
    for (let i = 0; i < entries.length; i += 7) responses.push(respond(entries.slice(i, i + 7)));
    const plain = await scan(entries.map((e) => e.line).join('\n'));
    const answered = await scan(responses.join('\n'));
    expect(answered.stats).toMatchObject({ lines: responses.length, undecoded: 0 });
    expect(answered.stats.matched).toBe(plain.stats.matched);
    const essences = (r: Report<FindingData>) =>
      byKey(
        r.findings.map((f) => ({ ...f, host: null })),
        false,
        false,
      );
    expect(essences(answered)).toEqual(essences(plain));
    expect(answered.findings.every((f) => f.host === 'web01' || respond === cloudWatch)).toBe(true);
  });

  // Newest first, as Loki answers by default (`direction=backward`; logcli without `--forward`) and as a search sorted
  // `@timestamp desc` does: the records are matched oldest first, by the times they carry, so that a failure the
  // server writes as several lines (Apache's AH01977, AH01980, AH01941) keeps its cause.
  const realDir = path.join(RECORDS_DIR, '..', '..', '..', 'samples', 'real');
  const realFiles = fs.readdirSync(realDir).filter((f) => f.endsWith('.log'));
  test.each(answers)('%s, newest first: each real sample file gives the findings of its lines in their order', async (_name, respond) => {
    expect(realFiles.length).toBeGreaterThan(30);
    const noHost = (r: Report<FindingData>) =>
      byKey(
        r.findings.map((f) => ({ ...f, host: null })),
        false,
      );
    for (const file of realFiles) {
      const lines = fs
        .readFileSync(path.join(realDir, file), 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      if (lines.length < 2) continue;
      const program = file.startsWith('apache') ? 'apache2' : 'nginx';
      const newestFirst = lines.map((line, t) => ({ host: 'web01', line, program, t })).reverse();
      const plain = await scan(lines.join('\n'), file);
      const answered = await scan(`${respond(newestFirst)}\n`, file);
      expect({ file, findings: noHost(answered) }).toEqual({ file, findings: noHost(plain) });
    }
  });

  test('records are ordered by time only within a response, stably; records without a time keep their places', () => {
    const line = (n: number) => `2026/11/23 02:17:0${n} [error] 1#1: line ${n}`;
    const hit = (n: number, t?: string) => ({ _source: { ...(t ? { '@timestamp': t } : {}), message: line(n) } });
    const response = {
      hits: {
        hits: [
          hit(1, '2026-11-23T02:17:04.000000002Z'),
          hit(2),
          hit(3, '2026-11-23T03:17:04.000000001+01:00'), // the same second as 1 and 4, in another zone
          hit(4, '2026-11-23T02:17:04.000000001Z'),
          hit(5, '2026-11-23T02:17:03.9Z'),
        ],
      },
    };
    const got = decodeRecords(JSON.stringify(response));
    expect(got.ok && got.records.map((r) => r.line.slice(-1))).toEqual(['5', '2', '3', '4', '1']);
    // Loki's ns: entries a collector read in the same millisecond keep their order (backward: newest first).
    const loki = {
      data: {
        result: [
          {
            stream: { host: 'web01' },
            values: [
              ['1795400224000000002', line(2)],
              ['1795400224000000001', line(1)],
            ],
          },
        ],
      },
    };
    const byNs = decodeRecords(JSON.stringify(loki));
    expect(byNs.ok && byNs.records.map((r) => [r.line.slice(-1), r.time])).toEqual([
      ['1', '2026-11-23T02:17:04.000000001Z'],
      ['2', '2026-11-23T02:17:04.000000002Z'],
    ]);
    // Equal times (a pipeline's @timestamp has ms; Apache writes µs): the times the lines write decide.
    const apache = realLines('apache-responder-timeout.log').filter((l) => l.includes('02:17:06.48'));
    expect(apache.length).toBe(3); // .483927, .483978 (one ms), .484068
    const pipelineTime = (l: string) => `2026-11-23T02:17:06.${/02:17:06\.(\d{3})/.exec(l)![1]}Z`;
    const hits = [...apache].reverse().map((message) => ({ _source: { '@timestamp': pipelineTime(message), message } }));
    const tied = decodeRecords(JSON.stringify({ hits: { hits } }));
    expect(tied.ok && tied.records.map((r) => r.line)).toEqual(apache);
    const untimed = { hits: { hits: [hit(3), hit(1), hit(2)] } };
    const kept = decodeRecords(JSON.stringify(untimed));
    expect(kept.ok && kept.records.map((r) => r.line.slice(-1))).toEqual(['3', '1', '2']);
  });

  test("each record keeps its own host: one response's records of two hosts are two findings", async () => {
    const line = read('plain-web01-nginx.log').split('\n')[2]!;
    const r = await scan(
      `${elasticSearch([
        { host: 'web01', line, program: 'nginx' },
        { host: 'web02', line, program: 'nginx' },
      ])}\n`,
    );
    expect(r.findings.map((f) => [f.host, f.count]).sort()).toEqual([
      ['web01', 1],
      ['web02', 1],
    ]);
  });

  test('a response without records, or with them deeper than any API puts them, is undecoded', async () => {
    const line = read('plain-web01-nginx.log').split('\n')[2]!;
    const deep = { a: { b: { c: { d: { e: [{ message: line }] } } } } };
    for (const text of [JSON.stringify({ status: 'success', data: { result: [] }, note: line }), JSON.stringify(deep)]) {
      const r = await scan(`${text}\n`);
      expect(r.stats).toMatchObject({ lines: 1, undecoded: 1, matched: 0 });
    }
  });
});

describe('record detection and escaping', () => {
  test('isRecordLine: JSON objects and json-seq, not server lines', () => {
    expect(isRecordLine('{"a":1}')).toBe(true);
    expect(isRecordLine('\x1e{"a":1}')).toBe(true);
    expect(isRecordLine('  {"a":1}')).toBe(true);
    expect(isRecordLine('[Mon Nov 23 02:17:03.236717 2026] [ssl:error] …')).toBe(false);
    expect(isRecordLine('2026/11/23 02:17:04 [error] 1#1: {…}')).toBe(false);
    expect(isRecordLine('{ "a":1}')).toBe(true);
    expect(isRecordLine('{[Mon Nov 23 02:17:03.236717 2026] [ssl:error] …')).toBe(false); // a stray brace: text
    expect(isRecordLine('{}')).toBe(false);
  });
  test('isRecordLine: a record behind a log engine’s header, not a server line or prose with a JSON object in it', () => {
    expect(isRecordLine('Nov 23 02:17:04 web01 docker-json: {"log":"x"}')).toBe(true);
    expect(isRecordLine('2026-11-23 02:17:04.123456789 +0000 nginx.error: {"log":"x"}')).toBe(true);
    expect(isRecordLine('2026-11-23T02:17:04+00:00\tnginx.error\t{"log":"x"}')).toBe(true);
    expect(isRecordLine('nginx.error: [1796664000.123456789, {"log":"x"}]')).toBe(true); // Fluent Bit's out_file
    expect(isRecordLine('nginx.error: [1796664000.123456789, {"log":"x"}] and more')).toBe(false);
    expect(decodeRecord('nginx.error: [1796664000.123456789, {"log":"x","hostname":"web01"}]\r')).toMatchObject({
      ok: true,
      record: { line: 'x', host: 'web01', time: '2026-12-07T17:20:00.123456789Z', server: 'nginx' },
    });
    expect(isRecordLine('2026/11/23 02:17:04 [error] 1#1: *5 upstream sent {"a":1}, client: 10.0.0.1')).toBe(false);
    expect(isRecordLine('the record was {"log":"x"}')).toBe(false);
    expect(isRecordLine('Nov 23 02:17:04 web01 nginx: sent {"log":"x"}')).toBe(false);
  });
  test('a header’s host and time stand in where the record has none; the record’s own win', () => {
    const docker = decodeRecord('Nov 23 02:17:04 web01 docker-json: {"log":"a\\n","stream":"stderr","time":"2026-11-23T02:17:03.5Z"}');
    expect(docker).toMatchObject({ ok: true, record: { kind: 'docker', host: 'web01', time: '2026-11-23T02:17:03.5Z', line: 'a' } });
    const fluentd = decodeRecord('2026-11-23 02:17:04.123456789 +0100 nginx.error: {"log":"a"}');
    expect(fluentd).toMatchObject({ ok: true, record: { host: null, time: '2026-11-23T02:17:04.123456789+01:00', server: 'nginx' } });
    const own = decodeRecord(
      'Nov 23 02:17:04 web01 rsyslogd: {"host":"web02","program":"nginx","timestamp":"2026-11-23T02:17:01Z","message":"a"}',
    );
    expect(own).toMatchObject({ ok: true, record: { host: 'web02', time: '2026-11-23T02:17:01Z' } });
  });
  test('a stray brace before a stapling line: the line is text, found as it would be without the brace', async () => {
    const lines = read('plain-web02-apache2.log').split('\n');
    const from = lines.findIndex((l) => l.includes('AH01974')); // the transport failure, then its AH01941
    const text = lines.slice(from, lines.findIndex((l) => l.includes('AH01941')) + 1);
    const line = text.join('\n');
    const braced = await scan(`{${line}\n`);
    expect(braced.stats.undecoded).toBe(0);
    expect(braced.findings.map((f) => f.cause)).toEqual((await scan(`${line}\n`)).findings.map((f) => f.cause));
    expect(braced.findings.length).toBe(1);
  });
  test('escaped forms: quotes and backslashes, rsyslog slashes, Go HTML escapes, journald byte messages', () => {
    const forms = jsonEscapedForms(['"ssl_stapling" ignored', 'BIO_new_file("', 'a/b', 'x<y', 'plain']);
    expect(forms).toEqual(expect.arrayContaining(['\\"ssl_stapling\\" ignored', 'BIO_new_file(\\"', 'a\\/b', 'x\\u003cy', '"MESSAGE":[']));
    expect(forms).not.toContain('plain');
  });
  test('host patterns: {host} once, absolute and relative', () => {
    expect(hostPattern('/var/log/remote/{host}/*.log').hostOf('/var/log/remote/web01/nginx.log')).toBe('web01');
    expect(hostPattern('/var/log/remote/{host}/*.log').hostOf('/var/log/remote/web01/x/nginx.log')).toBeNull();
    expect(hostPattern('remote/{host}/**').hostOf('remote/web02/apache2.log.1.gz', '/srv')).toBe('web02');
    expect(hostPattern('hosts/{host}.log').hostOf('/x/hosts/db1.example.com.log')).toBe('db1.example.com');
    expect(hostPattern('remote/{host}/**').hostOf('/var/log/nginx/error.log')).toBeNull();
    expect(hostPattern('remote/{host}/**').hostOf('-')).toBeNull();
    expect(() => hostPattern('/var/log/*.log')).toThrow(HostPatternError);
    expect(() => hostPattern('{host}/{host}')).toThrow(HostPatternError);
  });
});

describe('ECS @timestamp without a UTC offset', () => {
  // Elasticsearch's default date format (strict_date_optional_time) reads a time without an offset as UTC.
  const withZ = fs.readFileSync(path.join(RECORDS_DIR, 'elastic-agent-error-two-hosts.ndjson'), 'utf8').split('\n')[0]!;
  const stamp = /"@timestamp":"([^"]+)Z"/.exec(withZ)![1]!;
  const withoutZ = withZ.replace(`"@timestamp":"${stamp}Z"`, `"@timestamp":"${stamp}"`);

  test('is read as UTC: the record, and the findings, as with its Z', async () => {
    expect(withoutZ).not.toBe(withZ);
    const r = decodeRecord(withoutZ);
    expect(r.ok && r.record.time).toBe(`${stamp}Z`);
    const rules = await loadRules();
    const essence = (rep: Report<FindingData>) => rep.findings.map((f) => ({ first: f.first, last: f.last, cause: f.cause, host: f.host }));
    const want = essence(analyze([withZ], rules));
    expect(want.length).toBeGreaterThan(0);
    expect(essence(analyze([withoutZ], rules))).toEqual(want);
    expect(essence(await analyzeStream(Readable.from([`${withoutZ}\n`]), rules))).toEqual(want);
  });

  test('inside a search hit (_source) too', () => {
    const hit = `{"_index":"logs-nginx.error-default","_source":${withoutZ}}`;
    const r = decodeRecord(hit);
    expect(r.ok && r.record.time).toBe(`${stamp}Z`);
  });
});
