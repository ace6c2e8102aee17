/**
 * parseLine on every prefix form, with real lines (sources in each case name). Wrapped forms
 * (syslog/journald, container logs) put a real server line behind the wrapper's own documented prefix.
 */
import { parseLine } from '../src/parse/line.js';
import type { ParsedLine } from '../src/types.js';

const NOW = new Date('2024-12-01T00:00:00');

type Case = [name: string, line: string, expected: Partial<ParsedLine>];

const cases: Case[] = [
  [
    'apache 2.4 with tid (issue 2 seed)',
    "[Fri May 09 23:36:44.055900 2014] [ssl:error] [pid 1491:tid 139921007208320] AH02217: ssl_stapling_init_cert: Can't retrieve issuer certificate!",
    {
      server: 'apache',
      format: 'apache24',
      time: '2014-05-09T23:36:44.055900',
      level: 'error',
      module: 'ssl',
      pid: 1491,
      tid: '139921007208320',
      code: 'AH02217',
      message: "ssl_stapling_init_cert: Can't retrieve issuer certificate!",
      client: null,
      status: null,
    },
  ],
  [
    'apache 2.4 prefork, no tid (packetfence#2103)',
    '[Wed Apr 12 19:33:43.309609 2017] [ssl:error] [pid 19319] AH02235: Unable to configure server certificate for stapling',
    {
      server: 'apache',
      format: 'apache24',
      pid: 19319,
      tid: null,
      code: 'AH02235',
      message: 'Unable to configure server certificate for stapling',
    },
  ],
  [
    'apache 2.4 with IPv6 client (httpd docs, ErrorLogFormat example)',
    '[Thu May 12 08:28:57.652118 2011] [core:error] [pid 8777:tid 4326490112] [client ::1:58619] File does not exist: /usr/local/apache2/htdocs/favicon.ico',
    {
      server: 'apache',
      format: 'apache24',
      client: '::1:58619',
      code: null,
      message: 'File does not exist: /usr/local/apache2/htdocs/favicon.ico',
    },
  ],
  [
    'apache 2.4 client ip:port (lnav error_log.json sample)',
    '[Tue Apr 04 06:28:08.605341 2017] [core:error] [pid 17962] [client 127.0.0.1:60444] AH00135: Invalid method in request FOO /',
    {
      server: 'apache',
      client: '127.0.0.1:60444',
      code: 'AH00135',
      message: 'Invalid method in request FOO /',
      time: '2017-04-04T06:28:08.605341',
    },
  ],
  [
    'apache 2.4 status prefix and client (frankfoerster.com, elided prefix as quoted)',
    '... [ssl:error] ... (70007)The timeout specified has expired: [client 1.2.3.4:23726] AH01977: failed reading line from OCSP server',
    { server: 'apache', format: null, status: '(70007)The timeout specified has expired', client: '1.2.3.4:23726', code: 'AH01977' },
  ],
  [
    'apache 2.4 debug level with source file (httpd ErrorLogFormat %F)',
    '[Sat Jun 01 18:02:11.467856 2019] [ssl:debug] [pid 4676:tid 664] ssl_util_stapling.c(868): AH01951: stapling_cb: OCSP Stapling callback called',
    { server: 'apache', level: 'debug', code: 'AH01951', message: 'stapling_cb: OCSP Stapling callback called' },
  ],
  [
    'apache 2.4 with referer suffix (httpd docs)',
    '[Thu May 12 08:28:57.652118 2011] [core:error] [pid 8777:tid 4326490112] [client ::1:58619] File does not exist: /x.ico, referer: https://example.com/',
    { message: 'File does not exist: /x.ico' },
  ],
  [
    'apache 2.2 (httpd 2.2 docs)',
    '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration: /export/home/live/ap/htdocs/test',
    {
      server: 'apache',
      format: 'apache22',
      time: '2000-10-11T14:32:52',
      level: 'error',
      client: '127.0.0.1',
      module: null,
      pid: null,
      message: 'client denied by server configuration: /export/home/live/ap/htdocs/test',
    },
  ],
  [
    'apache start-up line without prefix (server/config.c)',
    'AH00526: Syntax error on line 12 of /etc/httpd/conf.d/ssl.conf:',
    {
      server: 'apache',
      format: 'apache-startup',
      code: 'AH00526',
      time: null,
      level: null,
      message: 'Syntax error on line 12 of /etc/httpd/conf.d/ssl.conf:',
    },
  ],
  [
    'nginx without *cid (issue 2 seed)',
    '2014/05/09 17:38:16 [error] 1580#0: OCSP_basic_verify() failed (SSL: error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error:Verify error:unable to get local issuer certificate) while requesting certificate status, responder: ocsp.startssl.com',
    { server: 'nginx', format: 'nginx', time: '2014-05-09T17:38:16', level: 'error', pid: 1580, tid: '0', connectionId: null },
  ],
  [
    'nginx with *cid (fail2ban nginx-forbidden test log)',
    '2018/09/14 19:03:05 [error] 2035#2035: *9134 access forbidden by rule, client: 12.34.56.78, server: example.com, request: "GET / HTTP/1.1"',
    {
      server: 'nginx',
      connectionId: 9134,
      pid: 2035,
      tid: '2035',
      message: 'access forbidden by rule, client: 12.34.56.78, server: example.com, request: "GET / HTTP/1.1"',
    },
  ],
  [
    'nginx warn level (engintron#1213 style, catalogue §1.5)',
    '2020/07/09 10:21:18 [warn] 14419#14419: "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ssl/x.pem"',
    { level: 'warn', pid: 14419 },
  ],
  [
    'nginx stderr form (acme.sh#2231)',
    'nginx: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate "/path/to/fullchain.cer"',
    {
      server: 'nginx',
      format: 'nginx-stderr',
      level: 'warn',
      time: null,
      message: '"ssl_stapling" ignored, issuer certificate not found for certificate "/path/to/fullchain.cer"',
    },
  ],
  [
    'syslog/journald wrapping nginx (issue 2 form)',
    'Nov 21 10:00:00 web1 nginx[123]: 2024/11/21 10:00:00 [warn] 123#123: no resolver defined to resolve r3.o.lencr.org while requesting certificate status, responder: r3.o.lencr.org',
    { server: 'nginx', wrapper: 'syslog', format: 'nginx', pid: 123, level: 'warn', time: '2024-11-21T10:00:00' },
  ],
  [
    'syslog/journald wrapping Apache ErrorLog syslog output (no time of its own)',
    "Nov 21 10:00:00 host httpd[22034]: [ssl:error] [pid 22034] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate!",
    { server: 'apache', wrapper: 'syslog', format: 'apache24', pid: 22034, time: '2024-11-21T10:00:00', code: 'AH02217' },
  ],
  [
    'syslog with a message nginx did not prefix (stderr captured by journald)',
    'Nov 21 10:00:00 web1 nginx[123]: nginx: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate "/path/to/fullchain.cer"',
    { server: 'nginx', wrapper: 'syslog', format: 'nginx-stderr', level: 'warn', pid: 123 },
  ],
  [
    'journalctl -o short-iso',
    '2024-11-21T10:00:00+0100 web1 nginx[123]: 2024/11/21 10:00:00 [error] 123#123: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: r3.o.lencr.org',
    { server: 'nginx', wrapper: 'syslog', level: 'error' },
  ],
  [
    'docker logs -t (ISO timestamp) before an nginx line',
    '2024-11-21T10:00:00.123456789Z 2024/11/21 10:00:00 [error] 1#1: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: r3.o.lencr.org',
    { server: 'nginx', wrapper: 'container', format: 'nginx', pid: 1 },
  ],
  [
    'CRI container log (timestamp, stream, tag)',
    '2024-11-21T10:00:00.123456789Z stderr F 2024/11/21 10:00:00 [warn] 1#1: no resolver defined to resolve r3.o.lencr.org while requesting certificate status, responder: r3.o.lencr.org',
    { server: 'nginx', wrapper: 'container', level: 'warn' },
  ],
  [
    'docker compose service prefix',
    "web-1  | [Fri May 09 23:36:44.055900 2014] [ssl:error] [pid 1491:tid 139921007208320] AH02217: ssl_stapling_init_cert: Can't retrieve issuer certificate!",
    { server: 'apache', wrapper: 'container', format: 'apache24', code: 'AH02217' },
  ],
  [
    'docker container id prefix',
    '3f4e8d2c1b0a 2014/05/09 17:38:16 [error] 1580#0: OCSP_basic_verify() failed (SSL: x) while requesting certificate status, responder: ocsp.startssl.com',
    { server: 'nginx', wrapper: 'container', format: 'nginx', pid: 1580 },
  ],
  [
    'a line that fits no prefix keeps its whole text',
    'OCSP_basic_verify() failed (SSL: error:27FFF065:OCSP routines:CRYPTO_internal:certificate verify error:Verify error:unable to get issuer certificate) while requesting certificate status, responder: gp.symcd.com',
    {
      server: null,
      format: null,
      time: null,
      message:
        'OCSP_basic_verify() failed (SSL: error:27FFF065:OCSP routines:CRYPTO_internal:certificate verify error:Verify error:unable to get issuer certificate) while requesting certificate status, responder: gp.symcd.com',
    },
  ],
];

test.each(cases)('%s', (_name, line, expected) => {
  expect(parseLine(line, { now: NOW })).toMatchObject(expected);
});

test('every field is present, null when absent', () => {
  const p = parseLine('anything at all', { now: NOW });
  expect(Object.keys(p).sort()).toEqual(
    ['client', 'code', 'connectionId', 'format', 'level', 'message', 'module', 'pid', 'server', 'status', 'tid', 'time', 'wrapper'].sort(),
  );
  expect(p).toMatchObject({
    server: null,
    time: null,
    level: null,
    module: null,
    pid: null,
    tid: null,
    connectionId: null,
    client: null,
    status: null,
    code: null,
    message: 'anything at all',
  });
});

test('a trailing CR (CRLF file) is not part of the message', () => {
  expect(parseLine('2014/05/09 17:38:16 [error] 1580#0: x\r').message).toBe('x');
});

test('a syslog time more than a day ahead of "now" belongs to the year before', () => {
  expect(parseLine('Dec 31 23:00:00 h nginx[1]: x', { now: new Date('2025-01-02T00:00:00') }).time).toBe('2024-12-31T23:00:00');
});
