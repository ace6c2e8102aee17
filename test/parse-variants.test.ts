/**
 * parseLine over generated prefix variants, one table per class, each variant built from the parts the
 * server's own source writes and its expected fields computed from the same parts (no line is listed by
 * hand): Apache's ErrorLogFormat items (httpd `server/log.c` `do_errorlog_default()` / `log_ctime()`,
 * `server/util_time.c` `ap_recent_ctime_ex()`, `docs/manual/mod/core.xml` ErrorLogFormat, and the strftime
 * times of Vector's golden lines) and 2.2's `log_error_core()`; nginx's trailing context for every module
 * that writes one (`ngx_http_log_error()` / `ngx_http_log_error_handler()`, `ngx_stream_log_error()` /
 * `ngx_stream_proxy_log_error()`, `ngx_mail_log_error()`, `ngx_resolver_log_error()`,
 * `ngx_ssl_ocsp_log_error()`, lua-nginx-module's `context:`). Each table prints its variant count.
 */
import { parseLine } from '../src/parse/line.js';
import type { ParsedLine } from '../src/types.js';

const NOW = new Date('2026-03-01T00:00:00');

/** Every combination of the given choices. */
function product<T extends unknown[]>(...lists: { [K in keyof T]: readonly T[K][] }): T[] {
  return lists.reduce<unknown[][]>((acc, list) => acc.flatMap((a) => list.map((x) => [...a, x])), [[]]) as T[];
}

/** JSON with object keys sorted (the context's key order is not compared). */
const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
  );

/** The fields of `p` named in `want` that differ from it, as readable lines. */
function diff(p: ParsedLine, want: Partial<ParsedLine>): string[] {
  const got = p as unknown as Record<string, unknown>;
  return Object.entries(want)
    .filter(([k, v]) => canon(got[k]) !== canon(v))
    .map(([k, v]) => `${k}: want ${canon(v)}, got ${canon(got[k])}`);
}

function check(name: string, variants: [line: string, want: Partial<ParsedLine>][]): void {
  process.stdout.write(`${name}: ${variants.length} variants\n`);
  const bad = variants.map(([line, want]) => [line, diff(parseLine(line, { now: NOW }), want)] as const).filter(([, d]) => d.length > 0);
  expect(bad.slice(0, 5)).toEqual([]);
}

// ---------- Apache ----------

/** [text, ISO, written by 2.2 too] per time item. */
const TIMES: [string | null, string | null, boolean][] = [
  ['Sat Jun 01 18:02:11 2019', '2019-06-01T18:02:11', true], // %t (2.2's only form)
  ['Sat Jun  1 18:02:11 2019', '2019-06-01T18:02:11', true], // the day space-padded (httpd 1.3's ctime())
  ['Sat Jun 1 18:02:11.467856 2019', '2019-06-01T18:02:11.467856', false], // unpadded: a paste collapsed the blanks
  ['Sat Jun 01 18:02:11.467856 2019', '2019-06-01T18:02:11.467856', false], // %{u}t, the 2.4 default
  ['Sat Jun 01 18:02:11.467856 2019 +0200', '2019-06-01T18:02:11.467856+02:00', false], // %{uz}t
  ['Sat Jun 01 18:02:11 2019 -0430', '2019-06-01T18:02:11-04:30', false], // %{z}t
  ['2019-06-01 18:02:11', '2019-06-01T18:02:11', false], // %{c}t
  ['2019-06-01 18:02:11.467856', '2019-06-01T18:02:11.467856', false], // %{cu}t
  ['2019-06-01 18:02:11.467856 +0200', '2019-06-01T18:02:11.467856+02:00', false], // %{cuz}t
  ['01/Jun/2019:18:02:11 +0000', '2019-06-01T18:02:11+00:00', false], // %{%d/%b/%Y:%H:%M:%S %z}t
  ['2019/06/01 18:02:11', '2019-06-01T18:02:11', false], // %{%Y/%m/%d %H:%M:%S}t
  ['2019-06-01T18:02:11+0200', '2019-06-01T18:02:11+02:00', false], // %{%Y-%m-%dT%H:%M:%S%z}t
  [null, null, true], // no %t (ErrorLog syslog)
];
/** [block, module, level]: `%m:%l`, empty `%m`, `%-m`, and `[%l]` alone (2.2, or 2.4 without %m). */
const LEVEL_BLOCKS: [string, string | null, string][] = [
  ['[ssl:error]', 'ssl', 'error'],
  ['[:error]', null, 'error'],
  ['[-:warn]', null, 'warn'],
  ['[proxy_http2:trace3]', 'proxy_http2', 'trace3'],
  ['[error]', null, 'error'],
];
const PIDS: [string, number | null, string | null][] = [
  ['', null, null],
  ['[pid 4676] ', 4676, null],
  ['[pid 4676:tid 139921007208320] ', 4676, '139921007208320'],
];
const SOURCES = ['', 'ssl_util_ocsp.c(283): '];
const STATUSES: (string | null)[] = [null, '(70007)The timeout specified has expired', '(EAI 2)Name or service not known'];
/** [text in the brackets, address, port]; 2.4's `%a` always has the port, unbracketed even for IPv6. */
const CLIENTS24: [string, string, number][] = [
  ['client 203.0.113.5:51234', '203.0.113.5', 51234],
  ['client 2001:db8::1:443', '2001:db8::1', 443],
  ['client ::ffff:198.51.100.7:8080', '::ffff:198.51.100.7', 8080],
  ['remote 10.0.0.1:80', '10.0.0.1', 80],
];
const CLIENTS22: [string, string][] = [
  ['client 203.0.113.5', '203.0.113.5'],
  ['client 2001:db8::80da:af6b:8b2c', '2001:db8::80da:af6b:8b2c'],
];
const MESSAGES: [code: string | null, text: string][] = [
  ['AH02217', "ssl_stapling_init_cert: can't retrieve issuer certificate!"],
  [null, 'File does not exist: /var/www/favicon.ico'],
];
const REFERERS = ['', ', referer: https://example.com/a?b=c, d'];

/** The parts of one Apache 2.4 line, as the tables below combine them. */
interface Apache24Parts {
  time: string | null;
  iso: string | null;
  block: string;
  module: string | null;
  level: string;
  /** What comes between the level block and the status: pid, log-ID and debug-source blocks as written. */
  head: string;
  pid: number | null;
  tid: string | null;
  status: string | null;
  client: (typeof CLIENTS24)[number] | null;
  code: string | null;
  text: string;
  ref: string;
}

/** One Apache 2.4 line built from its parts (`do_errorlog_default()` order) and the fields it must parse to. */
function apache24Case(a: Apache24Parts): [string, Partial<ParsedLine>] {
  const line =
    (a.time ? `[${a.time}] ` : '') +
    `${a.block} ${a.head}${a.status ? `${a.status}: ` : ''}${a.client ? `[${a.client[0]}] ` : ''}${a.code ? `${a.code}: ` : ''}${a.text}${a.ref}`;
  // Nothing but `[level] ` before the message: what a paste leaves of an nginx line too, so no server.
  const bare = !a.time && a.block === '[error]' && a.head === '' && !a.status && !a.client && !a.code;
  const want: Partial<ParsedLine> = {
    server: bare ? null : 'apache',
    time: a.iso,
    level: a.level,
    module: a.module,
    pid: a.pid,
    tid: a.tid,
    status: a.status,
    code: a.code,
    client: a.client?.[1] ?? null,
    clientPort: a.client?.[2] ?? null,
    message: a.text,
  };
  return [line, want];
}

test('Apache 2.4 ErrorLogFormat variants: time, module, pid, source, status, client, AH tag, referer', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  for (const [[time, iso, by22], [block, module, level], [pidText, pid, tid], src, status, client, [code, text], ref] of product<
    [
      (typeof TIMES)[number],
      (typeof LEVEL_BLOCKS)[number],
      (typeof PIDS)[number],
      string,
      string | null,
      (typeof CLIENTS24)[number] | null,
      (typeof MESSAGES)[number],
      string,
    ]
  >(TIMES, LEVEL_BLOCKS, PIDS, SOURCES, STATUSES, [null, ...CLIENTS24], MESSAGES, REFERERS)) {
    // `[%l]` alone, no pid, a 2.2 time and a client with no status before it and no AH tag: a 2.2 line (next test).
    if (block === '[error]' && pidText === '' && by22 && client !== null && status === null && code === null) continue;
    variants.push(apache24Case({ time, iso, block, module, level, head: pidText + src, pid, tid, status, client, code, text, ref }));
  }
  check('Apache 2.4 ErrorLogFormat', variants);
});

test('Apache ErrorLogFormat with a custom bracketed field (`[%v]` before the level block; `[vhost %v:%p]`, `[-:-]` after the pid block)', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  const BEFORE = ['[www.example.com] ', '[www.example.com:443] ', '[8aXbQoAAQ4AAAC] '];
  const AFTER = ['[vhost www.example.com:443] ', '[-:-] ', '[www.example.com:443] '];
  for (const [[time, iso], [pidText, pid, tid], status, client, [code, text]] of product<
    [(typeof TIMES)[number], (typeof PIDS)[number], string | null, (typeof CLIENTS24)[number] | null, (typeof MESSAGES)[number]]
  >(TIMES, PIDS, STATUSES, [null, ...CLIENTS24], MESSAGES)) {
    const parts = { time, iso, module: 'ssl', level: 'error', pid, tid, status, client, code, text, ref: '' };
    for (const field of BEFORE) variants.push(apache24Case({ ...parts, block: `${field}[ssl:error]`, head: pidText }));
    // After the pid block, a field is told from the message by what follows it (status, client, AH tag).
    if (status || client || code)
      for (const field of AFTER) variants.push(apache24Case({ ...parts, block: '[ssl:error]', head: pidText + field }));
  }
  check('Apache custom bracketed fields', variants);
});

test('Apache status with no colon before the client block (`(13)Permission denied [client …]`, ops-agent’s sample line)', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  for (const [[time, iso], [block, module, level], [pidText, pid, tid], status, client, [code, text]] of product<
    [
      (typeof TIMES)[number],
      (typeof LEVEL_BLOCKS)[number],
      (typeof PIDS)[number],
      string | null,
      (typeof CLIENTS24)[number],
      (typeof MESSAGES)[number],
    ]
  >(TIMES, LEVEL_BLOCKS, PIDS, STATUSES.slice(1), CLIENTS24, MESSAGES)) {
    const [line, want] = apache24Case({ time, iso, block, module, level, head: pidText, pid, tid, status, client, code, text, ref: '' });
    variants.push([line.replace(`${status}: [`, `${status} [`), want]);
  }
  check('Apache status without its colon', variants);
});

test('Apache ctime with its opening bracket lost to a paste (`Sun Aug 5 16:23:04 2001] [error] …`, OSSEC’s log entries)', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  const times = TIMES.filter(([t]) => t !== null && /^[A-Z]/.test(t));
  for (const [[time, iso], [block, module, level], [pidText, pid, tid], client, [code, text]] of product<
    [
      (typeof TIMES)[number],
      (typeof LEVEL_BLOCKS)[number],
      (typeof PIDS)[number],
      (typeof CLIENTS24)[number] | null,
      (typeof MESSAGES)[number],
    ]
  >(times, LEVEL_BLOCKS, PIDS, [null, CLIENTS24[0]!], MESSAGES)) {
    const [line, want] = apache24Case({
      time,
      iso,
      block,
      module,
      level,
      head: pidText,
      pid,
      tid,
      status: null,
      client,
      code,
      text,
      ref: '',
    });
    variants.push([line.slice(1), want]);
  }
  check('Apache ctime without its opening bracket', variants);
});

test('Apache `ErrorLogFormat "[%{cu}t] [%-m:%-l] %-a %-L %M"` (netnea, OWASP CRS): bare client and request log ID', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  const times = TIMES.filter(([t]) => t !== null && !t.startsWith('Sat Jun  1'));
  const clients: [string, string | null, number | null][] = [
    ['127.0.0.1:36126', '127.0.0.1', 36126],
    ['2001:db8::1:5555', '2001:db8::1', 5555],
    ['-', null, null],
  ];
  const logIds: [string, string | undefined][] = [
    ['Y3AZUo3Gja4gB-tPE9uasgAAAA4', 'Y3AZUo3Gja4gB-tPE9uasgAAAA4'],
    ['XkX2bQoAAQ4AAAC', 'XkX2bQoAAQ4AAAC'],
    ['-', undefined],
  ];
  const messages: [string | null, string][] = [
    ['AH00128', 'File does not exist: /apache/htdocs/status/200'],
    [null, '[client 127.0.0.1] ModSecurity: Warning. Unconditional match in SecAction. [id "999999"]'],
  ];
  for (const [[time, iso], [block, module, level], [client, address, port], [logId, rid], [code, text]] of product<
    [(typeof TIMES)[number], (typeof LEVEL_BLOCKS)[number], (typeof clients)[number], (typeof logIds)[number], (typeof messages)[number]]
  >(
    times,
    LEVEL_BLOCKS.filter(([b]) => b.includes(':')),
    clients,
    logIds,
    messages,
  )) {
    const line = `[${time}] ${block} ${client} ${logId} ${code ? `${code}: ` : ''}${text}`;
    variants.push([
      line,
      {
        server: 'apache',
        format: 'apache24',
        time: iso,
        module,
        level,
        pid: null,
        client: address,
        clientPort: port,
        code,
        message: text,
        requestLogId: rid,
      },
    ]);
  }
  check('Apache bare client and log ID', variants);
});

// 2.2 writes no AH tag (APLOGNO() came with 2.4; httpd 2.2.34 has none): a `[level]`-only line with one is 2.4's.
const MESSAGES_22 = MESSAGES.filter(([code]) => code === null);

test('Apache 2.2 lines (log_error_core @ 2.2.34): [time] [level] (file(n): )?([client ip] )?((status)text: )?message', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  const times = TIMES.filter(([, , by22]) => by22);
  for (const [[time, iso], src, client, status, [, text], ref] of product<
    [(typeof TIMES)[number], string, (typeof CLIENTS22)[number] | null, string | null, (typeof MESSAGES)[number], string]
  >(times, SOURCES, [null, ...CLIENTS22], STATUSES, MESSAGES_22, REFERERS)) {
    const line = (time ? `[${time}] ` : '') + `[error] ${src}${client ? `[${client[0]}] ` : ''}${status ? `${status}: ` : ''}${text}${ref}`;
    variants.push([
      line,
      {
        // Nothing but `[level] ` before the message: what a paste leaves of an nginx line too, so no server.
        server: time || src || client || status ? 'apache' : null,
        format: 'apache22',
        time: iso,
        level: 'error',
        module: null,
        pid: null,
        status,
        client: client?.[1] ?? null,
        clientPort: null,
        message: text,
      },
    ]);
  }
  check('Apache 2.2', variants);
});

// ---------- nginx ----------

const PREFIXES: [string, Partial<ParsedLine>][] = [
  ['2019/06/01 18:02:11 [error] 1234#0: *56 ', { time: '2019-06-01T18:02:11', pid: 1234, tid: '0', connectionId: 56 }],
  ['2019/06/01 18:02:11 [warn] 1234#1234: ', { time: '2019-06-01T18:02:11', level: 'warn', pid: 1234, connectionId: null }],
  ['[error] 35#35: *7 ', { time: null, pid: 35, connectionId: 7 }],
  // What a paste leaves of it without time and pid: nginx's by its connection number (levelOnlyNginx()).
  ['[info] *7 ', { time: null, level: 'info', pid: null, tid: null, connectionId: 7 }],
];
const BODIES = [
  'open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory)',
  'epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too (104: Connection reset by peer) while reading upstream',
  'user "a, client: b": password mismatch',
];
type Pair = [key: string, value: string, written: string];
/** One optional context key: absent, or one of its written values ([key, value as read, as written]). */
const opt = (key: string, ...values: [string, string][]): (Pair | null)[] => [null, ...values.map(([v, w]): Pair => [key, v, w])];
const HTTP_CLIENTS: [string, string, string][] = [
  ['203.0.113.5', '203.0.113.5', '203.0.113.5'],
  ['2001:db8::1', '2001:db8::1', '2001:db8::1'],
  ['unix:', 'unix:', 'unix:'],
];

test('nginx http context (ngx_http_log_error_handler order): client, server, request, subrequest, upstream, host, referrer', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  for (const [[prefix, fields], body, ctx, [client], server, request, subrequest, upstream, host, referrer] of product<
    [
      (typeof PREFIXES)[number],
      string,
      Pair | null,
      (typeof HTTP_CLIENTS)[number],
      Pair,
      Pair | null,
      Pair | null,
      Pair | null,
      Pair | null,
      Pair | null,
    ]
  >(
    PREFIXES,
    BODIES,
    opt('context', ['ssl_certificate_by_lua*', 'ssl_certificate_by_lua*']),
    HTTP_CLIENTS,
    [
      ['server', 'example.com', 'example.com'],
      ['server', '', ''],
      ['server', '0.0.0.0:443', '0.0.0.0:443'],
    ],
    opt('request', ['GET /a?b=c, d HTTP/2.0', '"GET /a?b=c, d HTTP/2.0"']),
    opt('subrequest', ['/auth', '"/auth"']),
    opt('upstream', ['http://[::1]:8080/x', '"http://[::1]:8080/x"'], ['fastcgi://unix:/run/php.sock:', '"fastcgi://unix:/run/php.sock:"']),
    opt('host', ['', '""'], ['example.com:8443', '"example.com:8443"']),
    opt('referrer', ['https://example.com/?x=1, 2', '"https://example.com/?x=1, 2"']),
  )) {
    const pairs: Pair[] = [ctx, ['client', client, client], server, request, subrequest, upstream, host, referrer].filter(
      (p): p is Pair => p !== null,
    );
    const line = prefix + body + pairs.map(([k, , w]) => `, ${k}: ${w}`).join('');
    variants.push([
      line,
      { ...fields, server: 'nginx', client, clientPort: null, context: Object.fromEntries(pairs.map(([k, v]) => [k, v])) },
    ]);
  }
  check('nginx http context', variants);
});

test('nginx messages that name the client without a context (keepalive close, stream/mail connect)', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  const forms: [string, string | null, number | null][] = [
    ['client 172.17.0.27 closed keepalive connection', '172.17.0.27', null],
    ['client ::1 closed keepalive connection', '::1', null],
    ['kevent() reported that client 127.0.0.1 closed keepalive connection', '127.0.0.1', null],
    ['kevent() reported that client 2001:db8::7 closed idle connection', '2001:db8::7', null],
    ['client 192.0.2.1:51234 connected to 0.0.0.0:25', '192.0.2.1', 51234],
    ['udp client [2001:db8::7]:5353 connected to [::]:53', '2001:db8::7', 5353],
    ['client unix: connected to unix:/run/s.sock', 'unix:', null],
    // Not the client's own: a context after it wins, and other messages that start with `client` name none.
    ['client sent invalid request while reading client request line, client: 10.0.0.9, server: _', '10.0.0.9', null],
    ['client closed connection while waiting for request', null, null],
  ];
  for (const [[prefix, fields], [body, client, clientPort]] of product<[(typeof PREFIXES)[number], (typeof forms)[number]]>(
    PREFIXES,
    forms,
  )) {
    variants.push([prefix + body, { ...fields, server: 'nginx', client, clientPort, message: body }]);
  }
  check('nginx client named in the message', variants);
});

test('nginx stream, mail, resolver and stapling contexts', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  for (const [[prefix, fields], udp, upstream, bytes] of product<[(typeof PREFIXES)[number], boolean, boolean, boolean]>(
    PREFIXES,
    [false, true],
    [false, true],
    [false, true],
  )) {
    // ngx_stream_log_error() then ngx_stream_proxy_log_error().
    const line =
      `${prefix}recv() failed (111: Connection refused) while proxying and reading from upstream, ${udp ? 'udp ' : ''}client: 10.0.0.9, server: 0.0.0.0:53` +
      (upstream ? ', upstream: "8.8.8.8:53"' : '') +
      (bytes ? ', bytes from/to client:40/0, bytes from/to upstream:0/40' : '');
    const context: Record<string, string> = { client: '10.0.0.9', server: '0.0.0.0:53' };
    if (upstream) context.upstream = '8.8.8.8:53';
    if (bytes) Object.assign(context, { 'bytes from/to client': '40/0', 'bytes from/to upstream': '0/40' });
    variants.push([line, { ...fields, client: '10.0.0.9', context }]);
  }
  for (const [[prefix, fields], starttls, login, upstream] of product<[(typeof PREFIXES)[number], boolean, boolean, boolean]>(
    PREFIXES,
    [false, true],
    [false, true],
    [false, true],
  )) {
    // ngx_mail_log_error(): `, client: %V`, `%s, server: %V` (" using starttls"), `, login: "%V"`, `, upstream: %V`.
    const line =
      `${prefix}upstream sent invalid response: "500 x" while reading response from upstream, client: 2001:db8::7${starttls ? ' using starttls' : ''}, server: 0.0.0.0:587` +
      (login ? ', login: "bob@example.com"' : '') +
      (upstream ? ', upstream: 10.0.0.5:25' : '');
    const context: Record<string, string> = { client: '2001:db8::7', server: '0.0.0.0:587' };
    if (login) context.login = 'bob@example.com';
    if (upstream) context.upstream = '10.0.0.5:25';
    variants.push([line, { ...fields, client: '2001:db8::7', context }]);
  }
  for (const [[prefix, fields], peer] of product<[(typeof PREFIXES)[number], boolean]>(PREFIXES, [false, true])) {
    variants.push([
      `${prefix}send() failed (111: Connection refused) while resolving, resolver: 127.0.0.53:53`,
      { ...fields, client: null, context: { resolver: '127.0.0.53:53' } },
    ]);
    // ngx_ssl_ocsp_log_error(): responder, then peer once connected, then certificate.
    const line = `${prefix}OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: r3.o.lencr.org${peer ? ', peer: [2600:1406:3f::1]:80' : ''}, certificate: "/etc/ssl/a, b.pem"`;
    const context: Record<string, string> = { responder: 'r3.o.lencr.org', certificate: '/etc/ssl/a, b.pem' };
    if (peer) context.peer = '[2600:1406:3f::1]:80';
    variants.push([line, { ...fields, client: null, context }]);
  }
  check('nginx stream/mail/resolver/stapling context', variants);
});

// ---------- syslog / journald headers in front of the server's line ----------

/**
 * [header date as written, its time as read, may it come without a tag pid]: RFC 3164 (`Mmm DD`, space-padded or,
 * as Vector writes it, unpadded; with a priority), `journalctl -o short-precise / short-iso / short-iso-precise /
 * short-full / short-unix / short-monotonic` (systemd `man journalctl`), fail2ban 0.9's `%b %d %H:%M:%S %Y`, and
 * fail2ban's journal lines with no date at all (`filtersystemd.py` `formatJournalEntry()`, with 0.9's leading blank).
 */
const SYSLOG_DATES: [string, string | null, boolean][] = [
  ['Sep 21 23:16:06 ', '2025-09-21T23:16:06', true],
  ['Sep  1 23:16:06 ', '2025-09-01T23:16:06', true],
  ['Sep 1 23:16:06 ', '2025-09-01T23:16:06', true],
  ['<27>Sep 21 23:16:06 ', '2025-09-21T23:16:06', true],
  ['Sep 21 23:16:06.123456 ', '2025-09-21T23:16:06.123456', true],
  ['Sep 21 23:16:06 2015 ', '2015-09-21T23:16:06', true],
  ['2025-09-21T23:16:06+0200 ', '2025-09-21T23:16:06+02:00', true],
  ['2025-09-21T23:16:06.123456+02:00 ', '2025-09-21T23:16:06.123456+02:00', true],
  ['Sun 2025-09-21 23:16:06 CEST ', '2025-09-21T23:16:06', true],
  ['1758489366.123456 ', `${new Date(1758489366000).toISOString().slice(0, 19)}.123456Z`, true],
  ['[  123.456789] ', null, true],
  ['', null, false],
  [' ', null, false],
];
const SYSLOG_HOSTS = [null, 'web01', 'web-01.example.com'];
/** [tag after the host, its pid]: `tag[pid]: `, `with-unit`'s `unit[pid]: `, no pid, and a tag without a colon. */
const SYSLOG_TAGS = (t: string): [string, number | null][] => [
  [`${t}[781]: `, 781],
  [`${t}.service[781]: `, 781],
  [`${t}: `, null],
  [`${t} `, null],
];
/** [server's own line, tag, its fields]: with and without its own time and pid. */
const INNER: [string, string, Partial<ParsedLine>][] = [
  [
    '2026/02/21 10:00:01 [error] 35#35: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: r3.o.lencr.org',
    'nginx',
    { server: 'nginx', format: 'nginx', time: '2026-02-21T10:00:01', pid: 35 },
  ],
  ['[error] 35#35: *3 no OCSP responder URL in the certificate "/etc/ssl/a.pem"', 'nginx', { server: 'nginx', format: 'nginx', pid: 35 }],
  [
    'nginx: [warn] "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ssl/a.pem"',
    'nginx',
    { server: 'nginx', format: 'nginx-stderr' },
  ],
  [
    "[Sat Feb 21 10:00:01.123456 2026] [ssl:error] [pid 22034:tid 7] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate!",
    'apache2',
    { server: 'apache', format: 'apache24', time: '2026-02-21T10:00:01.123456', pid: 22034, code: 'AH02217' },
  ],
  [
    '[ssl:error] [pid 22034] AH01941: stapling_renew_response: responder error',
    'httpd',
    { server: 'apache', format: 'apache24', pid: 22034, code: 'AH01941' },
  ],
  [
    "AH00558: apache2: Could not reliably determine the server's fully qualified domain name",
    'apache2',
    { server: 'apache', format: 'apache-startup', code: 'AH00558' },
  ],
  // No prefix of its own (a start-up error on stderr): the tag that names the server says whose it is.
  ['SSLStaplingCache: Invalid argument: size has to be >= 8192 bytes', 'apache2', { server: 'apache', format: null }],
  ['nginx: configuration file /etc/nginx/nginx.conf test failed', 'nginx', { server: 'nginx', format: null }],
];

test('syslog/journald headers (and fail2ban journal lines) before a server line: host taken, the inner time and pid kept', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  for (const [[date, dateIso, needsDate], host, [inner, tagName, fields]] of product<
    [(typeof SYSLOG_DATES)[number], string | null, (typeof INNER)[number]]
  >(SYSLOG_DATES, SYSLOG_HOSTS, INNER)) {
    for (const [tag, tagPid] of SYSLOG_TAGS(tagName)) {
      // Without a date a header needs `tag[pid]: ` (else `word word: ` is prose as often as a header).
      if (!needsDate && tagPid === null) continue;
      // A tag without a colon comes with a host (Vector): without one, `nginx nginx: [warn] …` reads as host `nginx`.
      if (host === null && !tag.includes(':')) continue;
      const line = `${date}${host ? `${host} ` : ''}${tag}${inner}`;
      variants.push([
        line,
        { ...fields, wrapper: 'syslog', host: host ?? undefined, time: fields.time ?? dateIso, pid: fields.pid ?? tagPid },
      ]);
    }
  }
  check('syslog/journald headers', variants);
});

// ---------- Apache log-ID blocks ----------

/** [blocks as written, request id, connection id]: `[R:%L]`, `[C:%{c}L]`, both in either order, `%-L`'s `-`,
 * core_generate_log_id()'s 11 base64 characters and mod_unique_id's alphabet (`@`, `-`). */
const LOG_ID_BLOCKS: [string, string | undefined, string | undefined][] = [
  ['[R:XkX2bQoAAQ4AAAC] ', 'XkX2bQoAAQ4AAAC', undefined],
  ['[C:yLqZ2+/AAAA] ', undefined, 'yLqZ2+/AAAA'],
  ['[R:XkX2bQoAAQ4AAAC] [C:yLqZ2+/AAAA] ', 'XkX2bQoAAQ4AAAC', 'yLqZ2+/AAAA'],
  ['[C:yLqZ2+/AAAA] [R:Zq1@ab-cdEFgh0123AAAAAA] ', 'Zq1@ab-cdEFgh0123AAAAAA', 'yLqZ2+/AAAA'],
  ['[R:-] [C:yLqZ2+/AAAA] ', undefined, 'yLqZ2+/AAAA'],
];

test('Apache log-ID blocks ([R:%L] [C:%{C}L], httpd log_log_id()) before or after the pid block are fields, not message', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  const times = TIMES.filter(([t]) => t === null || t.startsWith('Sat') || t.startsWith('2019-06-01 18:02:11.4'));
  for (const [[time, iso], [block, module, level], [pidText, pid, tid], [ids, rid, cid], afterPid, status, client, [code, text]] of product<
    [
      (typeof TIMES)[number],
      (typeof LEVEL_BLOCKS)[number],
      (typeof PIDS)[number],
      (typeof LOG_ID_BLOCKS)[number],
      boolean,
      string | null,
      (typeof CLIENTS24)[number] | null,
      (typeof MESSAGES)[number],
    ]
  >(times, LEVEL_BLOCKS, PIDS, LOG_ID_BLOCKS, [false, true], STATUSES, [null, ...CLIENTS24], MESSAGES)) {
    if (afterPid && pidText === '') continue;
    const head = afterPid ? `${pidText}${ids}` : `${ids}${pidText}`;
    const [line, want] = apache24Case({ time, iso, block, module, level, head, pid, tid, status, client, code, text, ref: '' });
    variants.push([line, { ...want, format: 'apache24', requestLogId: rid, connectionLogId: cid }]);
  }
  check('Apache log-ID blocks', variants);
});

// ---------- `[level]`-only lines: 2.2's client address, or 2.4's `%a` with its port ----------

/**
 * [client as written, as 2.4's `%a` (`log_remote_address()`: `%s:%d`, IPv6 unbracketed), as 2.2 (`[client %s]`,
 * the address alone)]. The bracketed form is no httpd's, but posters and proxies write it; it is read the same
 * in both.
 */
const CLIENTS_EITHER: [string, [string, number | null], [string, number | null]][] = [
  ['2001:db8::1:5555', ['2001:db8::1', 5555], ['2001:db8::1:5555', null]],
  ['::ffff:198.51.100.7:8080', ['::ffff:198.51.100.7', 8080], ['::ffff:198.51.100.7:8080', null]],
  ['[2001:db8::1]:5555', ['2001:db8::1', 5555], ['2001:db8::1', 5555]],
  ['192.0.2.1:5555', ['192.0.2.1', 5555], ['192.0.2.1', 5555]],
  ['2001:db8::80da:af6b:8b2c', ['2001:db8::80da:af6b:8b2c', null], ['2001:db8::80da:af6b:8b2c', null]],
];

test('[level]-only Apache lines with an IPv6 client: 2.4 (AH tag, pid block, 2.4 time) splits the port, 2.2 keeps the address', () => {
  const variants: [string, Partial<ParsedLine>][] = [];
  const times = TIMES.filter(([t]) => t === null || t.startsWith('Sat Jun 01 18:02:11'));
  for (const [[time, iso, by22], [pidText, pid], [written, as24, as22], [code, text]] of product<
    [(typeof TIMES)[number], (typeof PIDS)[number], (typeof CLIENTS_EITHER)[number], (typeof MESSAGES)[number]]
  >(times, PIDS, CLIENTS_EITHER, MESSAGES)) {
    const is24 = code !== null || pid !== null || (time !== null && !by22);
    const [client, clientPort] = is24 ? as24 : as22;
    const line = `${time ? `[${time}] ` : ''}[error] ${pidText}[client ${written}] ${code ? `${code}: ` : ''}${text}`;
    variants.push([
      line,
      { server: 'apache', format: is24 ? 'apache24' : 'apache22', time: iso, pid, client, clientPort, code, message: text },
    ]);
  }
  check('[level]-only lines with a client', variants);
});
