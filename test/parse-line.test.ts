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
      client: '::1',
      clientPort: 58619,
      code: null,
      message: 'File does not exist: /usr/local/apache2/htdocs/favicon.ico',
    },
  ],
  [
    'apache 2.4 client ip:port (lnav error_log.json sample)',
    '[Tue Apr 04 06:28:08.605341 2017] [core:error] [pid 17962] [client 127.0.0.1:60444] AH00135: Invalid method in request FOO /',
    {
      server: 'apache',
      client: '127.0.0.1',
      clientPort: 60444,
      code: 'AH00135',
      message: 'Invalid method in request FOO /',
      time: '2017-04-04T06:28:08.605341',
    },
  ],
  [
    'apache 2.4 status prefix and client (frankfoerster.com, elided prefix as quoted)',
    '... [ssl:error] ... (70007)The timeout specified has expired: [client 1.2.3.4:23726] AH01977: failed reading line from OCSP server',
    {
      server: 'apache',
      format: null,
      status: '(70007)The timeout specified has expired',
      client: '1.2.3.4',
      clientPort: 23726,
      code: 'AH01977',
    },
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
    // rsyslogd 8.2302 (Debian 12), `$RepeatedMsgReduction on`, imuxsock, RSYSLOG_TraditionalFileFormat: four
    // identical messages from `logger -t apache2` written as the first and this line (runtime/ratelimit.c).
    "rsyslog's repeated-message reduction: the message inside, N occurrences",
    'Dec  6 15:28:06 vm apache2: message repeated 3 times: [ [Mon Nov 23 02:17:03.236717 2026] [ssl:error] [pid 5868:tid 5871] AH01941: stapling_renew_response: responder error]',
    {
      server: 'apache',
      wrapper: 'syslog',
      format: 'apache24',
      pid: 5868,
      code: 'AH01941',
      host: 'vm',
      repeated: 3,
      time: '2026-11-23T02:17:03.236717',
      message: 'stapling_renew_response: responder error',
    },
  ],
  [
    "rsyslog's repeated-message reduction around a message without a leading blank (imudp), nginx's",
    'Nov 21 10:00:00 web1 nginx: message repeated 2 times: [2024/11/21 10:00:00 [error] 123#123: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: r3.o.lencr.org, peer: 192.0.2.8:80, certificate: "/etc/ssl/site.pem"]',
    {
      server: 'nginx',
      wrapper: 'syslog',
      format: 'nginx',
      pid: 123,
      host: 'web1',
      repeated: 2,
      context: { responder: 'r3.o.lencr.org', peer: '192.0.2.8:80', certificate: '/etc/ssl/site.pem' },
    },
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
  // ErrorLogFormat variants (httpd docs, core.xml ErrorLogFormat: %{cu}t, %-m), real AH02217 text.
  [
    'apache ErrorLogFormat %{cu}t time (compact ISO with microseconds)',
    "[2019-06-01 18:02:11.467856] [ssl:error] [pid 4676:tid 664] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate!",
    { server: 'apache', format: 'apache24', time: '2019-06-01T18:02:11.467856', module: 'ssl', pid: 4676, code: 'AH02217' },
  ],
  [
    'apache ErrorLogFormat %-m:%l with no module ([-:error])',
    "[Sat Jun 01 18:02:11.467856 2019] [-:error] [pid 4676] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate!",
    { server: 'apache', module: null, level: 'error', pid: 4676, code: 'AH02217' },
  ],
  [
    'apache ErrorLogFormat without %P (no pid block)',
    "[Sat Jun 01 18:02:11.467856 2019] [ssl:error] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate!",
    { server: 'apache', module: 'ssl', pid: null, code: 'AH02217' },
  ],
  // journald's other output formats (systemd `man journalctl`, OUTPUT FORMATS) before a real nginx line.
  [
    'journalctl -o short-precise',
    'Nov 21 10:00:00.123456 web1 nginx[123]: 2024/11/21 10:00:00 [warn] 123#123: no resolver defined to resolve r3.o.lencr.org while requesting certificate status, responder: r3.o.lencr.org',
    { server: 'nginx', wrapper: 'syslog', format: 'nginx', pid: 123, time: '2024-11-21T10:00:00' },
  ],
  [
    'journalctl --no-hostname (tag right after the time), the server line without its own time',
    'Sep 21 23:16:06 nginx[781]: nginx: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate "/path/to/fullchain.cer"',
    { server: 'nginx', wrapper: 'syslog', format: 'nginx-stderr', pid: 781, time: '2024-09-21T23:16:06' },
  ],
  [
    'journalctl -o short-full',
    'Thu 2024-11-21 10:00:00 CET web1 nginx[123]: nginx: [warn] "ssl_stapling" ignored, not supported',
    { server: 'nginx', wrapper: 'syslog', format: 'nginx-stderr', pid: 123, time: '2024-11-21T10:00:00' },
  ],
  [
    'journalctl -o with-unit (unit name as the identifier)',
    'Thu 2024-11-21 10:00:00 CET web1 nginx.service[123]: nginx: [warn] "ssl_stapling" ignored, not supported',
    { server: 'nginx', wrapper: 'syslog', pid: 123, level: 'warn' },
  ],
  [
    'journalctl -o short-unix',
    "1732179600.123456 web1 httpd[22034]: [ssl:error] [pid 22034] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate!",
    { server: 'apache', wrapper: 'syslog', pid: 22034, time: '2024-11-21T09:00:00.123456Z', code: 'AH02217' },
  ],
  [
    'journalctl -o short-monotonic (no wall time: the inner line keeps its own)',
    '[  123.456789] web1 nginx[123]: 2024/11/21 10:00:00 [error] 123#123: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: r3.o.lencr.org',
    { server: 'nginx', wrapper: 'syslog', format: 'nginx', time: '2024-11-21T10:00:00', pid: 123 },
  ],
  [
    'syslog tag left alone when a paste cut the date (packetfence#2103)',
    "httpd_webservices_err[19891]: [Wed Apr 12 19:33:43.309590 2017] [ssl:error] [pid 19319] AH02217: ssl_stapling_init_cert: Can't retrieve issuer certificate!",
    { server: 'apache', wrapper: 'syslog', format: 'apache24', pid: 19319, time: '2017-04-12T19:33:43.309590' },
  ],
  // Containers and process managers.
  [
    'kubectl logs --prefix',
    '[pod/ingress-nginx-controller-7d9c6c6d8-x2x4q/controller] 2021/11/03 16:54:31 [notice] 184#184: *10735 [lua] certificate.lua:171: fetch_and_cache_ocsp_response(): OCSP response validation failed: certificate status "revoked" in the OCSP response, context: ngx.timer, client: 192.168.1.19, server: 0.0.0.0:443',
    { server: 'nginx', wrapper: 'container', format: 'nginx', pid: 184, connectionId: 10735, client: '192.168.1.19' },
  ],
  [
    'stern (pod and container names in front)',
    'ingress-nginx-controller-7d9c6c6d8-x2x4q controller 2021/11/03 16:54:31 [notice] 184#184: *10735 [lua] certificate.lua:171: fetch_and_cache_ocsp_response(): OCSP response validation failed: certificate status "revoked" in the OCSP response, context: ngx.timer, client: 192.168.1.19, server: 0.0.0.0:443',
    { server: 'nginx', wrapper: 'text', format: 'nginx', pid: 184, time: '2021-11-03T16:54:31' },
  ],
  [
    'docker compose service, then a forego process name (acme-companion#553 shape)',
    'nginx-proxy_1  | nginx.1    | 2019/03/21 15:48:15 [warn] 9#9: no resolver defined to resolve ocsp.int-x3.letsencrypt.org while requesting certificate status, responder: ocsp.int-x3.letsencrypt.org',
    { server: 'nginx', wrapper: 'container', format: 'nginx', pid: 9, level: 'warn' },
  ],
  [
    'a decorated container logger: bracketed tags, a glyph and a padded level before nginx: [warn]',
    '[9/21/2024] [11:16:06 PM] [Nginx    ] › ⬤  warn      nginx: [warn] "ssl_stapling" ignored, no OCSP responder URL in the certificate "/etc/letsencrypt/live/npm-1/fullchain.pem"',
    { server: 'nginx', wrapper: 'text', format: 'nginx-stderr', level: 'warn' },
  ],
  [
    'a word of prose in front (WordOps#445)',
    'FIX: nginx: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate "/var/www/22222/cert/22222.crt"',
    { server: 'nginx', wrapper: 'text', format: 'nginx-stderr', level: 'warn' },
  ],
  // Prefixes cut by a paste.
  [
    'nginx prefix cut to [level] pid#tid: (nginx-le#44)',
    '[error] 35#35: ocsp.int-x3.letsencrypt.org could not be resolved (110: Operation timed out) while requesting certificate status, responder: ocsp.int-x3.letsencrypt.org, certificate: "/etc/nginx/ssl/le-crt.pem',
    { server: 'nginx', format: 'nginx', time: null, level: 'error', pid: 35, tid: '35' },
  ],
  [
    'nginx year with its first digit lost (lua-resty-auto-ssl#263): no time, the rest kept',
    '021/09/23 13:38:14 [error] 32#0: *2831 [lua] ssl_certificate.lua:260: set_response_cert(): auto-ssl: failed to set ocsp stapling for academiamedica.com.br - continuing anyway - failed to get ocsp response: OCSP responder query failed (http://r3.o.lencr.org): timeout, context: ssl_certificate_by_lua*, client: xxx.xxx.xxx.xxx, server: 0.0.0.0:443',
    { server: 'nginx', format: 'nginx', time: null, level: 'error', pid: 32, connectionId: 2831, client: 'xxx.xxx.xxx.xxx' },
  ],
  [
    'nginx stapling context as fields (serverpilot-letsencrypt#79)',
    '2018/09/27 10:38:51 [error] 1043#0: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.int-x3.letsencrypt.org, peer: 2.21.67.65:80, certificate: "/etc/letsencrypt/live/subdomain.example.com/fullchain.pem"',
    {
      context: {
        responder: 'ocsp.int-x3.letsencrypt.org',
        peer: '2.21.67.65:80',
        certificate: '/etc/letsencrypt/live/subdomain.example.com/fullchain.pem',
      },
    },
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
  // Nothing but `[level] ` before the message (issue 10: a deployment guide's `[warn] "ssl_stapling" ignored, no
  // OCSP responder URL`, an nginx line with its time and pid lost): either server's, unless more tells.
  [
    'only [level] before the message: no server',
    '[warn] "ssl_stapling" ignored, no OCSP responder URL',
    { server: null, level: 'warn', time: null, message: '"ssl_stapling" ignored, no OCSP responder URL' },
  ],
  [
    "only [level] and nginx's connection number: nginx's, with its context",
    '[alert] *8812 OPENSSL_malloc() failed (SSL:) while SSL handshaking, client: 203.0.113.9, server: 0.0.0.0:443',
    {
      server: 'nginx',
      level: 'alert',
      connectionId: 8812,
      client: '203.0.113.9',
      message: 'OPENSSL_malloc() failed (SSL:) while SSL handshaking, client: 203.0.113.9, server: 0.0.0.0:443',
    },
  ],
  [
    "only [level], behind a syslog tag that names Apache: Apache's",
    'Jun  1 18:02:11 web1 httpd[123]: [error] File does not exist: /var/www/favicon.ico',
    { server: 'apache', host: 'web1', level: 'error' },
  ],
  [
    "only [level], behind a syslog tag that names nginx: nginx's",
    'Jun  1 18:02:11 web1 nginx[123]: [warn] "ssl_stapling" ignored, no OCSP responder URL',
    { server: 'nginx', host: 'web1', level: 'warn' },
  ],
  ["a trace level, Apache's alone: Apache's", '[trace3] ssl_engine_io.c(2135): OpenSSL: I/O error', { server: 'apache', level: 'trace3' }],
  [
    "only [level] with Apache's client block: Apache's",
    '[error] [client 203.0.113.5] File does not exist: /var/www/favicon.ico',
    { server: 'apache', client: '203.0.113.5' },
  ],
];

test.each(cases)('%s', (_name, line, expected) => {
  expect(parseLine(line, { now: NOW })).toMatchObject(expected);
});

test('every field is present, null when absent', () => {
  const p = parseLine('anything at all', { now: NOW });
  expect(Object.keys(p).sort()).toEqual(
    [
      'client',
      'clientPort',
      'code',
      'connectionId',
      'context',
      'format',
      'level',
      'message',
      'module',
      'pid',
      'server',
      'status',
      'tid',
      'time',
      'wrapper',
    ].sort(),
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
    clientPort: null,
    status: null,
    code: null,
    context: null,
    message: 'anything at all',
  });
});

test("rsyslog's repeated-message reduction: a message cut at 800 bytes inside the brackets is read as a line cut there; a line that only says so is not that wrapper", () => {
  const line = `2024/11/21 10:00:00 [warn] 123#123: "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ssl/${'x'.repeat(900)}.pem"`;
  const cut = line.slice(0, 800); // ratelimitGenRepMsg(): "[%.800s]"
  const p = parseLine(`Nov 21 10:00:00 web1 nginx:  message repeated 5 times: [${cut}]`, { now: NOW });
  expect(p).toMatchObject({ format: 'nginx', repeated: 5, message: cut.slice(cut.indexOf('"ssl_stapling"')) });
  // Not the wrapper: no count or bracket after it, or words in front of it.
  for (const other of [
    'Nov 21 10:00:00 web1 nginx: message repeated many times: [2024/11/21 10:00:00 [error] 123#123: x]',
    'Nov 21 10:00:00 web1 rsyslogd: last message repeated 3 times',
    'Nov 21 10:00:00 web1 nginx: the message repeated 3 times: [2024/11/21 10:00:00 [error] 123#123: x]',
  ]) {
    expect(parseLine(other, { now: NOW }).repeated).toBeUndefined();
  }
});

test('a trailing CR (CRLF file) is not part of the message', () => {
  expect(parseLine('2014/05/09 17:38:16 [error] 1580#0: x\r').message).toBe('x');
});

test('a syslog time more than a day ahead of "now" belongs to the year before', () => {
  expect(parseLine('Dec 31 23:00:00 h nginx[1]: x', { now: new Date('2025-01-02T00:00:00') }).time).toBe('2024-12-31T23:00:00');
});

test.each([
  ['no-break spaces (HTML &nbsp; made plain)', '\u00a0'],
  ['narrow no-break spaces', '\u202f'],
  ['ideographic spaces', '\u3000'],
])('a line copied with %s parses as the line with spaces', (_what, blank) => {
  for (const line of [
    '2016/02/09 22:20:21 [error] 2417#0: OCSP_basic_verify() failed (SSL: error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error:Verify error:unable to get local issuer certificate) while requesting certificate status, responder: gv.symcd.com',
    '[Tue Mar 08 04:05:06.070809 2016] [ssl:error] [pid 8810:tid 140200] [client 192.0.2.7:443] AH01941: stapling_renew_response: responder error',
  ]) {
    expect(parseLine(line.replaceAll(' ', blank))).toEqual(parseLine(line));
  }
});

test('odd blanks in a line whose prefix parses are kept: they are part of what the log holds (a path, a quoted value)', () => {
  const line =
    '2016/02/09 22:20:25 [warn] 2417#0: "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/a\u00a0b\u3000c.pem"';
  expect(parseLine(line).message).toBe('"ssl_stapling" ignored, issuer certificate not found for certificate "/etc/a\u00a0b\u3000c.pem"');
});

test('invisible characters a copy adds go wherever they are (zero-width, bidirectional marks); a soft hyphen and an override stay', () => {
  const plain = '2016/02/09 22:20:25 [warn] 2417#0: "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ab.pem"';
  // In the prefix they hid the time and the pid; in a value a page's copy put them there, not the server.
  for (const mark of ['\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u202a', '\u202c', '\u2060', '\u2066', '\u2069', '\ufeff']) {
    const copied = `${mark}2016/02/09 22:20:25 ${mark}[warn] 2417#0: "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/a${mark}b.pem"${mark}`;
    expect(parseLine(copied)).toEqual(parseLine(plain));
  }
  for (const own of ['\u00ad', '\u202e']) {
    expect(parseLine(plain.replace('/etc/ab', `/etc/a${own}b`)).message).toContain(`/etc/a${own}b.pem`);
  }
});

test.each([
  ['no-break', '\u00a0'],
  ['narrow no-break', '\u202f'],
  ['ideographic', '\u3000'],
])('a fragment without a prefix copied with %s spaces for every blank reads as with spaces', (_what, blank) => {
  const fragment = '(70007)The timeout specified has expired: [client 1.2.3.4:23726] AH01977: failed reading line from OCSP server';
  expect(parseLine(fragment.replaceAll(' ', blank))).toEqual(parseLine(fragment));
});

test('a fragment that has spaces keeps its odd blanks: only a copy that has none of its own was made so', () => {
  const fragment = 'OCSP_basic_verify() failed while requesting certificate status, certificate: "/etc/a\u00a0b.pem"';
  expect(parseLine(fragment).message).toBe(fragment);
});
