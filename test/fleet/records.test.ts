/**
 * The record builders of records.ts replayed over the engines' own test vectors, so that the Docker
 * json-file and Elastic fixtures are what those engines produce, not what we think they produce.
 * Runs everywhere (no engine needed).
 */
import {
  apachePipelineFields,
  dockerJsonFileRecord,
  dockerJsonString,
  fluentBitOutFileLine,
  logcliDefaultLine,
  logcliJsonlLine,
  nginxPipelineFields,
  rfc3339Nano,
} from './records.js';

describe('Docker json-file records (moby/moby daemon/logger/jsonfilelog)', () => {
  // Vectors from moby/moby daemon/logger/jsonfilelog/jsonlog/jsonlogbytes_test.go
  // (commit 035604cca6d6bd9a432268caf7515a35023908ed), TestJSONLogsMarshalJSONBuf.
  test.each([
    ['"A log line with \\\\"', '"\\"A log line with \\\\\\\\\\""'],
    ['A log line', '"A log line"'],
    ['A log line with \r', '"A log line with \\r"'],
    ['A log line with & < >', '"A log line with \\u0026 \\u003c \\u003e"'],
    ['A log line with utf8 : 🚀 ψ ω β', '"A log line with utf8 : 🚀 ψ ω β"'],
    ['\u2028 \u2029', '"\\u2028 \\u2029"'],
    ['\x7f', '"\x7f"'],
  ])('escapes %j as %s', (input, expected) => {
    expect(dockerJsonString(Buffer.from(input, 'utf8'))).toBe(expected);
  });

  test('an invalid UTF-8 byte becomes \\ufffd; other control characters \\u00XX', () => {
    expect(dockerJsonString(Buffer.from([0xaf]))).toBe('"\\ufffd"');
    expect(dockerJsonString(Buffer.from('a\tb\x1b', 'latin1'))).toBe('"a\\u0009b\\u001b"');
  });

  test('time is RFC 3339 with nanoseconds, trailing zeros dropped (Go time.RFC3339Nano)', () => {
    expect(rfc3339Nano(BigInt(Date.UTC(2017, 8, 1, 1, 1, 1)) * 1_000_000n + 1n)).toBe('2017-09-01T01:01:01.000000001Z');
    expect(rfc3339Nano(BigInt(Date.UTC(2017, 8, 1, 1, 1, 1)) * 1_000_000n + 120_000_000n)).toBe('2017-09-01T01:01:01.12Z');
    expect(rfc3339Nano(BigInt(Date.UTC(2017, 8, 1, 1, 1, 1)) * 1_000_000n)).toBe('2017-09-01T01:01:01Z');
  });

  test('a record is log (the line and its newline), stream, attrs, time, in that order, and parses back', () => {
    const line = '2026/11/23 02:17:07 [error] 6172#6172: certificate status "revoked" in the OCSP response';
    const rec = dockerJsonFileRecord(line, 'stderr', 1_795_400_227_123_456_789n, { tag: 'web01-nginx' });
    expect(rec).toBe(
      '{"log":"2026/11/23 02:17:07 [error] 6172#6172: certificate status \\"revoked\\" in the OCSP response\\n","stream":"stderr","attrs":{"tag":"web01-nginx"},"time":"2026-11-23T02:17:07.123456789Z"}',
    );
    expect(JSON.parse(rec)).toEqual({
      log: `${line}\n`,
      stream: 'stderr',
      attrs: { tag: 'web01-nginx' },
      time: '2026-11-23T02:17:07.123456789Z',
    });
  });
});

describe('Elastic nginx error pipeline (elastic/integrations packages/nginx/data_stream/error)', () => {
  // event.original and the expected fields from _dev/test/pipeline/test-error-raw.log-expected.json
  // (commit 100e61183b87ee7c829b13dc22058037a1fddcf8); no event.timezone there, so UTC.
  const php =
    'FastCGI sent in stderr: "PHP message: PHP Warning:  Declaration of FEE_Field_Terms::wrap($content, $taxonomy, $before, $sep, $after) should be compatible with FEE_Field_Post::wrap($content, $post_id = 0) in /var/www/xxx/web/wp-content/plugins/front-end-editor/php/fields/post.php on line 0\nPHP message: PHP Warning:  Declaration of FEE_Field_Tags::wrap($content, $before, $sep, $after) should be compatible with FEE_Field_Terms::wrap($content, $taxonomy, $before, $sep, $after) in /var/www/xxx/web/wp-content/plugins/front-end-editor/php/fields/post.php on line 0\nPHP message: PHP Warning:  Declaration of FEE_Field_Category::wrap($content, $sep, $parents) should be compatible with FEE_Field_Terms::wrap($content, $taxonomy, $before, $sep, $after) in /var/www/xxx/web/wp-content/plugins/front-end-editor/php/fields/post.php on line 0';
  test.each([
    [
      '2016/10/25 14:49:34 [error] 54053#0: *1 open() "/usr/local/Cellar/nginx/1.10.2_1/html/favicon.ico" failed (2: No such file or directory), client: 127.0.0.1, server: localhost, request: "GET /favicon.ico HTTP/1.1", host: "localhost:8080", referrer: "http://localhost:8080/"',
      {
        '@timestamp': '2016-10-25T14:49:34.000Z',
        'log.level': 'error',
        'process.pid': 54053,
        'process.thread.id': 0,
        'nginx.error.connection_id': 1,
        message:
          'open() "/usr/local/Cellar/nginx/1.10.2_1/html/favicon.ico" failed (2: No such file or directory), client: 127.0.0.1, server: localhost, request: "GET /favicon.ico HTTP/1.1", host: "localhost:8080", referrer: "http://localhost:8080/"',
      },
    ],
    [
      `2019/10/30 23:26:34 [error] 205860#205860: *180289 ${php}`,
      {
        '@timestamp': '2019-10-30T23:26:34.000Z',
        'log.level': 'error',
        'process.pid': 205860,
        'process.thread.id': 205860,
        'nginx.error.connection_id': 180289,
        message: php,
      },
    ],
    [
      '2022/10/24 20:40:32 [warn] 15910#0: *149074 an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/8/65/0000015658 while reading upstream, client: 67.43.156.13, server: service[.]domain[.]com, request: "GET /api/?tkd=343 HTTP/1.1", upstream: "https://2.2.2.2:443/api/?tkd=343", host: "service[.]domain[.]com", referrer: "https://service[.]domain[.]com/api/?tkd=343"',
      {
        '@timestamp': '2022-10-24T20:40:32.000Z',
        'log.level': 'warn',
        'process.pid': 15910,
        'process.thread.id': 0,
        'nginx.error.connection_id': 149074,
        message:
          'an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/8/65/0000015658 while reading upstream, client: 67.43.156.13, server: service[.]domain[.]com, request: "GET /api/?tkd=343 HTTP/1.1", upstream: "https://2.2.2.2:443/api/?tkd=343", host: "service[.]domain[.]com", referrer: "https://service[.]domain[.]com/api/?tkd=343"',
      },
    ],
  ])('%#: grok and date give the golden fields', (original, expected) => {
    expect(nginxPipelineFields(original)).toEqual(expected);
  });
});

describe('Elastic Apache error pipeline (elastic/beats filebeat/module/apache/error)', () => {
  // event.original and the expected fields from filebeat/module/apache/error/test/test.log-expected.json
  // (commit 0d156feb03f9fa5e93601c38de3cf5bfebb3334f). The golden file reads times in -02:00; the
  // builders read UTC, so only the wall-clock part of @timestamp is compared.
  test.each([
    [
      '[Mon Dec 26 16:22:08 2016] [error] [client 192.168.33.1] File does not exist: /var/www/favicon.ico',
      {
        '@timestamp': '2016-12-26T16:22:08.000',
        'log.level': 'error',
        'event.type': ['error'],
        'source.address': '192.168.33.1',
        'source.ip': '192.168.33.1',
        message: 'File does not exist: /var/www/favicon.ico',
      },
    ],
    [
      "[Mon Dec 26 16:15:55.103786 2016] [core:notice] [pid 11379] AH00094: Command line: '/usr/local/Cellar/httpd24/2.4.23_2/bin/httpd'",
      {
        '@timestamp': '2016-12-26T16:15:55.103',
        'apache.error.module': 'core',
        'log.level': 'notice',
        'event.type': ['info'],
        'process.pid': 11379,
        message: "AH00094: Command line: '/usr/local/Cellar/httpd24/2.4.23_2/bin/httpd'",
      },
    ],
    [
      '[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 89.160.20.112] File does not exist: /usr/local/apache2/htdocs/favicon.ico',
      {
        '@timestamp': '2011-09-09T10:42:29.902',
        'apache.error.module': 'core',
        'log.level': 'error',
        'event.type': ['error'],
        'process.pid': 35708,
        'process.thread.id': 4328636416,
        'source.address': '89.160.20.112',
        'source.ip': '89.160.20.112',
        message: 'File does not exist: /usr/local/apache2/htdocs/favicon.ico',
      },
    ],
    [
      "[Thu Jun 27 06:58:09.169510 2019] [include:warn] [pid 15934] [client 67.43.156.12:12345] AH01374: mod_include: Options +Includes (or IncludesNoExec) wasn't set, INCLUDES filter removed: /test.html",
      {
        '@timestamp': '2019-06-27T06:58:09.169',
        'apache.error.module': 'include',
        'log.level': 'warn',
        'event.type': ['error'],
        'process.pid': 15934,
        'source.address': '67.43.156.12',
        'source.ip': '67.43.156.12',
        'source.port': 12345,
        message: "AH01374: mod_include: Options +Includes (or IncludesNoExec) wasn't set, INCLUDES filter removed: /test.html",
      },
    ],
  ])('%#: grok and date give the golden fields', (original, expected) => {
    const got = Object.fromEntries(Object.entries(apachePipelineFields(original)).filter(([, v]) => v !== undefined));
    expect({ ...got, '@timestamp': (got['@timestamp'] as string).slice(0, 23) }).toEqual(expected);
  });
});

describe('Loki logcli output (grafana/loki pkg/logcli/output)', () => {
  // Vectors from pkg/logcli/output/jsonl_test.go and default_test.go (commit 65e30f8488e8a5ea2013c6881675f8103a8f6bc7):
  // TestJSONLOutput_Format, TestDefaultOutput_Format (the line end left out).
  const some = { type: 'test' };
  test.each([
    ['2006-01-02T08:04:05Z', {}, '', '{"labels":{},"line":"","timestamp":"2006-01-02T08:04:05Z"}'],
    ['2006-01-02T08:04:05Z', some, '', '{"labels":{"type":"test"},"line":"","timestamp":"2006-01-02T08:04:05Z"}'],
    ['2006-01-02T10:04:05+02:00', some, 'Hello', '{"labels":{"type":"test"},"line":"Hello","timestamp":"2006-01-02T10:04:05+02:00"}'],
    ['2006-01-02T08:04:05Z', null, 'Hello', '{"line":"Hello","timestamp":"2006-01-02T08:04:05Z"}'],
  ] as const)('-o jsonl: %s %j %j', (ts, labels, line, expected) => {
    expect(logcliJsonlLine(ts, labels, line)).toBe(expected);
  });

  test.each([
    ['2006-01-02T08:04:05Z', {}, 0, '', '2006-01-02T08:04:05Z {} '],
    ['2006-01-02T08:04:05Z', some, 13, '', '2006-01-02T08:04:05Z {type="test"} '],
    ['2006-01-02T08:04:05Z', some, 0, 'Hello', '2006-01-02T08:04:05Z {type="test"} Hello'],
    ['2006-01-02T08:04:05Z', some, 20, 'Hello', '2006-01-02T08:04:05Z {type="test"}        Hello'],
    ['2006-01-02T10:04:05+02:00', some, 0, 'Hello', '2006-01-02T10:04:05+02:00 {type="test"} Hello'],
    ['2006-01-02T08:04:05Z', null, 0, 'Hello', '2006-01-02T08:04:05Z Hello'],
    ['2006-01-02T08:04:05.123456789Z', {}, 0, 'Hello', '2006-01-02T08:04:05.123456789Z {} Hello'],
  ] as const)('-o default: %s %j %d %j', (ts, labels, max, line, expected) => {
    expect(logcliDefaultLine(ts, labels, max, line)).toBe(expected);
  });

  test('-o default: several labels sorted, comma and blank between them (LabelSet.String)', () => {
    expect(logcliDefaultLine('2026-12-07T17:20:00Z', { job: 'nginx', host: 'web01' }, 0, ' a ')).toBe(
      '2026-12-07T17:20:00Z {host="web01", job="nginx"} a',
    );
  });
});

describe('Fluent Bit out_file, format json (fluent/fluent-bit plugins/out_file/file.c)', () => {
  test('`TAG: [SEC.NSEC, {record}]`: nine digits of ns since 1.6, six decimals before', () => {
    const rec = { log: 'a "b"/c', hostname: 'web01' };
    expect(fluentBitOutFileLine('nginx.error', 1_796_664_000_012_345_678n, rec)).toBe(
      'nginx.error: [1796664000.012345678, {"log":"a \\"b\\"/c","hostname":"web01"}]',
    );
    expect(fluentBitOutFileLine('nginx.error', 1_796_664_000_012_345_678n, rec, true)).toMatch(/^nginx\.error: \[1796664000\.012345, \{/);
  });
});
