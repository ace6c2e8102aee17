/**
 * Variants of a real log line as people paste it (issue 10), generated from the classes of damage
 * seen in public threads, never tuned to one line: the prefix stripped or cut down to nginx's
 * `[level] pid#tid: `, the tail cut, values redacted, typographic quotes, a capitalised first letter,
 * wrapping at 40/60/80 columns (at word boundaries like a forum, or hard like a terminal, or a terminal
 * screen copied with its padded rows joined), and the
 * wrappers log collectors and container tools put in front of the server's own line.
 */
import { parseLine } from '../../src/parse/line.js';
import type { Server, ValueName, Values } from '../../src/types.js';

/** One variant: the physical lines to feed, and the kind of damage (for failure messages and counts). */
export interface Variant {
  kind: string;
  lines: string[];
  /** The host name a wrapper in front of the line carries (syslog/journald headers), which the parse must take. */
  host?: string;
  /** The line the variant holds whole, when it is not the sample itself (the sample without its prefix). */
  of?: string;
}

/** Where the server's prefix ends: the message with Apache's status, client and AH tag kept. */
export function prefixEnd(line: string): number {
  const patterns = [
    /^\[[^\]]*\] \[[^\]]*\] \[pid [^\]]*\] (?:[\w.-]+\(\d+\): )?/, // Apache 2.4 (the debug source is prefix too)
    /^\[[^\]]*\] \[[^\]]*\] (?=\S)(?!\[pid)/, // Apache 2.4 without pid block, Apache 2.2
    /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[\w+\] \d+#\d+: (?:\*\d+ )?/, // nginx
    /^nginx: \[\w+\] /, // nginx stderr
  ];
  for (const p of patterns) {
    const m = p.exec(line);
    if (m) return m[0].length;
  }
  return 0;
}

/** The line with the server's prefix removed (what a fragment-only paste shows). */
export function stripPrefix(line: string): string {
  return line.slice(prefixEnd(line));
}

/** nginx's prefix cut down to `[level] pid#tid: `; Apache's to `[module:level] [pid N] ` (the time lost). */
export function shortPrefix(line: string): string | null {
  const n = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} (\[\w+\] \d+#\d+: .*)$/s.exec(line);
  if (n) return n[1]!;
  const a = /^\[[A-Z][a-z]{2} [^\]]*\] (\[[^\]]*:[^\]]*\] .*)$/s.exec(line);
  return a ? a[1]! : null;
}

/**
 * nginx's prefix cut down to its `[level] ` (issue 10: a deployment guide's `[warn] "ssl_stapling" ignored, no
 * OCSP responder URL`, the time, pid and `nginx: ` lost): a line that Apache 2.2's format reads too.
 */
export function levelOnlyPrefix(line: string): string | null {
  const n = /^(?:\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} |nginx: )(\[\w+\]) (?:\d+#\d+: )?(.*)$/s.exec(line);
  return n ? `${n[1]!} ${n[2]!}` : null;
}

/** Straight quotes to the typographic ones forum software writes (alternating “ ”), apostrophes to ’. */
export function typographic(line: string): string {
  let open = true;
  return line
    .replace(/"/g, () => {
      const q = open ? '\u201c' : '\u201d';
      open = !open;
      return q;
    })
    .replace(/'/g, '\u2019');
}

/**
 * The line's quotes written another way (issue 10): its typographic quotes shown as Windows-1252 or Latin-1
 * (a page stored as UTF-8, read as the other: `â€œ/etc/ssl/a.pem�`), its double quotes retyped as single
 * ones or as Markdown code marks (`` `ssl_stapling` ignored ``). None for a line without quotes.
 */
export function requoted(line: string): Variant[] {
  if (!/["']/.test(line)) return [];
  // (Read back, a mojibake copy is the typographic one: its values are that copy's.)
  const of = typographic(line);
  const utf8 = Buffer.from(of, 'utf8');
  const out: Variant[] = [
    { kind: 'typographic quotes shown as Windows-1252', lines: [new TextDecoder('windows-1252').decode(utf8)], of },
    { kind: 'typographic quotes shown as Latin-1', lines: [utf8.toString('latin1')], of },
  ];
  if (line.includes('"')) {
    out.push({ kind: 'double quotes retyped as single ones', lines: [line.replaceAll('"', "'")] });
    out.push({ kind: 'double quotes retyped as Markdown code marks', lines: [line.replaceAll('"', '`')] });
  }
  return out;
}

/**
 * The quotes around the message's values dropped (issue 10, class 2), as a poster retyping a line or an
 * issue title does: `ssl_stapling ignored, no OCSP responder URL in the certificate /etc/letsencrypt/live/`
 * (github.com/WordOps/WordOps issues/740). Double quotes go; single quotes go where they enclose a value
 * (`'ocsp.comodoca.com'`), not an apostrophe (`can't`). Null when the message has no such quotes.
 */
export function quotesDropped(line: string): string | null {
  const at = prefixEnd(line);
  const rest = line
    .slice(at)
    .replace(/"/g, '')
    .replace(/'([^'\s]*)'/g, '$1');
  return rest === line.slice(at) ? null : line.slice(0, at) + rest;
}

/** The message's first letter capitalised, as a paste or a sentence start does. */
export function capitalised(line: string): string | null {
  const at = prefixEnd(line);
  const rest = line.slice(at);
  const m = /^(\([^)]*\)[^:]*: )?(\[client [^\]]*\] )?(AH\d{5}: )?([a-z])/.exec(rest);
  if (!m) return null;
  const i = at + m[0].length - 1;
  return line.slice(0, i) + line[i]!.toUpperCase() + line.slice(i + 1);
}

/** Word wrap at `width` columns: break at the last space that fits and drop it (forum, editor); a longer word is cut. */
export function wordWrap(line: string, width: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    let at = rest.lastIndexOf(' ', width);
    if (at <= 0) at = width;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^ /, '');
  }
  out.push(rest);
  return out.filter((l) => l !== '');
}

/**
 * Word wrap with a hanging indent: every line after the first begins with `indent` (an editor's or mail
 * client's wrap of a quoted line, a code block's continuation lines, `fold -s` output indented by hand,
 * journalctl's continuation lines aligned under the message).
 */
export function hangingIndentWrap(line: string, width: number, indent: string): string[] {
  return wordWrap(line, width).map((l, i) => (i === 0 ? l : indent + l));
}

/** Hard wrap at `width` columns (a terminal's soft wrap copied as is): spaces kept where they fall. */
export function hardWrap(line: string, width: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < line.length; i += width) out.push(line.slice(i, i + width));
  return out;
}

/**
 * A terminal screen copied with its rows joined: the line hard-wrapped at `width` columns, each row but
 * the last filled with blanks to the screen's `screen` columns, all on one line (as in
 * github.com/nextcloud/nextcloudpi issue 875: rows of 80 characters, 78 blanks after each).
 */
export function terminalPadded(line: string, width: number, screen: number): string {
  const rows = hardWrap(line, width);
  return rows.map((r, i) => (i < rows.length - 1 ? r.padEnd(screen, ' ') : r)).join('');
}

/** Ways a poster redacts a value (issue 10, class 1). */
export const REDACTIONS = ['...', '<...>', '<server domain>', 'xxxxx.com', 'x.x.x.x'];

/** Values that identify a host, file or certificate: what posters redact (the facts of the failure are kept). */
export const REDACTABLE: readonly ValueName[] = [
  'certificate',
  'certSubject',
  'certIssuer',
  'serial',
  'vhost',
  'responder',
  'peer',
  'url',
  'host',
  'resolver',
  'proxy',
  'file',
];

/** The line with one value's first occurrence replaced by each redaction. */
export function redactions(line: string, values: Values): Variant[] {
  const out: Variant[] = [];
  for (const name of REDACTABLE) {
    const v = values[name];
    if (!v || v.length < 3) continue;
    const at = line.indexOf(v, prefixEnd(line));
    if (at === -1) continue;
    for (const r of REDACTIONS) out.push({ kind: `redact ${name} as ${r}`, lines: [line.slice(0, at) + r + line.slice(at + v.length)] });
  }
  return out;
}

/**
 * Wrappers of class 4 in front of the line (the inner line's own time and pid must survive): docker
 * compose, supervisor/forego, a decorated container logger, journald without host and in its other
 * `-o` formats, fail2ban's journal lines, a syslog tag without a colon, kubectl --prefix, stern, docker with
 * a container id, CRI, a bare time (kubectl logs --timestamps, moreutils' ts).
 */
export function wrapped(line: string, server: Server): Variant[] {
  const tag = server === 'apache' ? 'httpd' : 'nginx';
  const prefixes: [string, string][] = [
    ['docker compose', 'proxy     | '],
    ['supervisor/forego process name', `${tag}.1     | `],
    ['compose + forego', 'nginx-proxy_1  | nginx.1    | '],
    ['decorated container logger', '[9/21/2024] [11:16:06 PM] [Nginx    ] \u203a \u2b24  error     '],
    ['journald without host name', `Sep 21 23:16:06 ${tag}[781]: `],
    ['journalctl -o short-precise', `Sep 21 23:16:06.123456 web1 ${tag}[781]: `],
    ['journalctl -o short-full', `Sat 2024-09-21 23:16:06 CEST web1 ${tag}[781]: `],
    ['journalctl -o with-unit', `Sat 2024-09-21 23:16:06 CEST web1 ${tag}.service[781]: `],
    ['journalctl -o short-unix', `1726953366.123456 web1 ${tag}[781]: `],
    ['journalctl -o short-monotonic', `[  123.456789] web1 ${tag}[781]: `],
    ['fail2ban journal line (no date)', `web1 ${tag}[781]: `],
    ['fail2ban 0.9 journal line (leading blank)', ` web1 ${tag}[781]: `],
    ['fail2ban 0.9 journal line (year after the time)', `Sep 21 23:16:06 2024 web1 ${tag}[781]: `],
    ['syslog tag without colon, unpadded day (Vector)', `<131>Sep 1 23:16:06 web1 ${tag}_error `],
    ['kubectl logs --prefix', '[pod/web-7d9c6c6d8-x2x4q/proxy] '],
    ['stern', 'web-7d9c6c6d8-x2x4q proxy '],
    ['docker container id', '9005510e7ca2 '],
    ['CRI', '2024-09-21T23:16:06.123456789Z stderr F '],
    ['kubectl logs --timestamps (docker logs -t)', '2024-09-21T23:16:06.123456789Z '],
    ['a time with its offset (ts -s, a shipper)', '2024-09-21T23:16:06.123+02:00 '],
    ['ts (moreutils)', 'Sep 21 23:16:06 '],
  ];
  // Every syslog/journald header above that names a host names `web1`.
  return prefixes.map(([kind, p]) => ({ kind: `behind ${kind}`, lines: [p + line], ...(/(?:^| )web1 /.test(p) ? { host: 'web1' } : {}) }));
}

/**
 * A fragment of a line (a copy without the server's prefix, or begun inside its message) behind the header a
 * log collector writes in front of it: RFC 5424 (`<131>1 2026-12-08T00:00:00.000000+00:00 web1 nginx 1234 - - `),
 * RFC 3164 with a padded day (`<131>Dec  8 00:00:00 web1 nginx: `) and journalctl's `-o short-iso`. The header is
 * a wrapper; what is behind it must read as the fragment alone does, and the header's host must be taken. None
 * for a line the parser reads with a server prefix or behind a wrapper of its own (it is no fragment).
 */
export function fragmentBehindHeaders(fragment: string, server: Server): Variant[] {
  const p = parseLine(fragment);
  if (p.format !== null || p.wrapper !== null) return [];
  const tag = server === 'apache' ? 'httpd' : 'nginx';
  const headers: [string, string][] = [
    ['RFC 5424', `<131>1 2026-12-08T00:00:00.000000+00:00 web1 ${tag} 1234 - - `],
    ['RFC 3164', `<131>Dec  8 00:00:00 web1 ${tag}: `],
    ['journalctl -o short-iso', `2026-12-08T00:00:00+0000 web1 ${tag}[1234]: `],
  ];
  return headers.map(([name, h]) => ({ kind: `a fragment behind a syslog header (${name})`, lines: [h + fragment], host: 'web1' }));
}

/**
 * The line as rsyslog writes a run of it with `$RepeatedMsgReduction on` (Ubuntu's default rsyslog.conf): ` message
 * repeated N times: [MSG]` after the syslog header, MSG with the blank it came with (runtime/ratelimit.c
 * `ratelimitGenRepMsg()`; captured from rsyslogd 8.2302 in RSYSLOG_TraditionalFileFormat), and in RSYSLOG_FileFormat
 * from an input whose MSG has no leading blank (imudp).
 */
export function repeatedBySyslog(line: string, server: Server): Variant[] {
  const tag = server === 'apache' ? 'apache2' : 'nginx';
  return [
    { kind: "behind rsyslog's repeated-message reduction", lines: [`Sep 21 23:16:06 web1 ${tag}: message repeated 3 times: [ ${line}]`] },
    {
      kind: "behind rsyslog's repeated-message reduction (RSYSLOG_FileFormat, no blank inside)",
      lines: [`2024-09-21T23:16:06.123456+02:00 web1 ${tag}: message repeated 12 times: [${line}]`],
    },
  ].map((v) => ({ ...v, host: 'web1' }));
}

/**
 * The line inside a JSON record of a shipper the tool has no dedicated decoder for (read as a `json`
 * record: `src/parse/record.ts`): GELF 1.1 (Docker's gelf driver), Fluent Bit's Kubernetes filter, and a
 * JSON logger's `msg` (pino, bunyan, zap).
 */
export function jsonRecords(line: string): Variant[] {
  return [
    {
      kind: 'behind a GELF record',
      lines: [JSON.stringify({ version: '1.1', host: 'web1', short_message: line, timestamp: 1726953366.5, level: 3 })],
      host: 'web1',
    },
    {
      kind: 'behind a Fluent Bit Kubernetes record',
      lines: [JSON.stringify({ stream: 'stderr', log: `${line}\n`, kubernetes: { pod_name: 'web-0', host: 'web1' } })],
      host: 'web1',
    },
    {
      kind: "behind a JSON logger's msg",
      lines: [JSON.stringify({ level: 50, time: 1726953366123, hostname: 'web1', msg: line })],
      host: 'web1',
    },
    {
      // A JSON record inside a JSON string: an application's JSON log line as Docker's json-file keeps it.
      kind: "behind a JSON logger's msg, in Docker's json-file",
      lines: [
        JSON.stringify({
          log: `${JSON.stringify({ level: 'error', hostname: 'web1', msg: line })}\n`,
          stream: 'stderr',
          time: '2024-09-21T23:16:06.123456789Z',
        }),
      ],
      host: 'web1',
    },
  ];
}

/**
 * One OpenSSL error entry as a log shows it (`error:` code `:` library `:` function `:` reason). The
 * function field is what the TLS libraries render differently (OpenSSL's err.c / LibreSSL's err.c /
 * BoringSSL's err.c): a name in OpenSSL 1.0.x/1.1.x, empty in 3.x, `func(4095)` in OpenSSL 1.1.x for a
 * function code without a string (0xFFF), `CRYPTO_internal` in LibreSSL (which packs 0xFFF into the
 * code: `27FFF0xx`), `OPENSSL_internal` in BoringSSL.
 */
const OPENSSL_ENTRY = /error:([0-9A-Fa-f]{8}):([A-Za-z0-9 ]+ routines|system library|[A-Za-z0-9 ]+ library):([A-Za-z0-9_()]*):/g;

/** The line's OpenSSL error entries in each TLS library's rendering of the function field (issue 10, class 5). */
export function dialects(line: string): Variant[] {
  if (!OPENSSL_ENTRY.test(line)) return [];
  OPENSSL_ENTRY.lastIndex = 0;
  // The code's library byte kept; the function bits as each library packs them (3.x has none in the string).
  const render = (fn: (code: string, lib: string, func: string) => string): string =>
    line.replace(OPENSSL_ENTRY, (_m, code: string, lib: string, func: string) => `error:${fn(code, lib, func)}:`);
  const libreCode = (code: string): string => `${code.slice(0, 2)}FFF${code.slice(5)}`;
  return [
    { kind: 'OpenSSL 3.x error rendering (no function)', lines: [render((c, l) => `${c}:${l}:`)] },
    { kind: 'OpenSSL 1.1.x unknown function func(4095)', lines: [render((c, l) => `${libreCode(c)}:${l}:func(4095)`)] },
    { kind: 'LibreSSL error rendering (CRYPTO_internal)', lines: [render((c, l) => `${libreCode(c)}:${l}:CRYPTO_internal`)] },
    { kind: 'BoringSSL error rendering (OPENSSL_internal)', lines: [render((c, l) => `${c}:${l}:OPENSSL_internal`)] },
  ];
}

/**
 * A poster's prose after a complete message on the same line (issue 10, class 1): a stray closing quote
 * and a word, as an issue title quoted `…in the certificate" Warning` (github.com/nginx-proxy/acme-companion
 * issues/1197); a sentence after a full stop; inline code closed with a backtick and words after it;
 * words in another script after a blank (`… not found 报错`, a title on www.dtcms.com/a/341661.html).
 */
export function prosed(line: string): Variant[] {
  return [
    { kind: 'prose after the message: stray quote and a word', lines: [`${line}" Warning`] },
    { kind: 'prose after the message: a sentence', lines: [`${line}. Any idea what this means?`] },
    { kind: 'prose after the message: closing backtick and words', lines: [`${line}\` in my error log`] },
    { kind: 'prose after the message: words in another script', lines: [`${line} 报错`] },
    // A line quoted in Chinese prose: a full-width full stop, or inline code closed before a full-width question mark
    // (issue 10: github.com/isno/theByteBook `…OCSP_basic_verify() failed。`; a zh-TW install FAQ `…not found\`？`).
    { kind: 'prose after the message: full-width full stop', lines: [`${line}。`] },
    { kind: 'prose after the message: closing backtick and full-width question mark', lines: [`${line}\`？`] },
    // A shell comment added in a code block (issue 10: `nginx: [warn] "ssl_stapling" ignored, not supported # 可参考[…](…)`).
    { kind: 'prose after the message: a shell comment', lines: [`${line} # see https://example.com/why`] },
    // Words in Latin script after a blank, with no quote or full stop before them: a poster's remark, arrow or
    // count, or a column a tool writes after the message (`aws logs … --output text`: a tab and the epoch).
    { kind: 'prose after the message: Latin words after a blank', lines: [`${line} and nothing else happens`] },
    { kind: 'prose after the message: a dash and a question', lines: [`${line} -- why?`] },
    { kind: 'prose after the message: an arrow', lines: [`${line} <== here`] },
    { kind: 'prose after the message: a repeat count in brackets', lines: [`${line} (repeated 5 times)`] },
    { kind: 'prose after the message: a tab and a column', lines: [`${line}\tsrv-42`] },
  ];
}

/** Socket errors as Linux writes them (errno and strerror text) and as FreeBSD/macOS and Windows write the same error. */
const OTHER_SYSTEM_ERRNO: readonly (readonly [linux: string, text: string, bsd: string, bsdText: string, win: string, winText: string])[] =
  [
    // FreeBSD sys/sys/errno.h and lib/libc/gen/errlst.c (macOS alike); Windows winsock2.h WSAE* and FormatMessage texts.
    [
      '101',
      'Network is unreachable',
      '51',
      'Network is unreachable',
      '10051',
      'A socket operation was attempted to an unreachable network',
    ],
    [
      '104',
      'Connection reset by peer',
      '54',
      'Connection reset by peer',
      '10054',
      'An existing connection was forcibly closed by the remote host',
    ],
    [
      '110',
      'Connection timed out',
      '60',
      'Operation timed out',
      '10060',
      'A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond',
    ],
    [
      '111',
      'Connection refused',
      '61',
      'Connection refused',
      '10061',
      'No connection could be made because the target machine actively refused it',
    ],
    ['113', 'No route to host', '65', 'No route to host', '10065', 'A socket operation was attempted to an unreachable host'],
  ];

/**
 * A line with a Linux socket error, as a server on FreeBSD/macOS or Windows writes the same error: nginx's
 * `(110: Connection timed out)` as `(60: Operation timed out)` / `(10060: A connection attempt failed …)`, APR's
 * `(110)Connection timed out:` as `(60)Operation timed out:` / `(OS 10060)A connection attempt failed …:`. None
 * for a line without one.
 */
export function otherSystemErrno(line: string): Variant[] {
  for (const [linux, text, bsd, bsdText, win, winText] of OTHER_SYSTEM_ERRNO) {
    const nginx = `(${linux}: ${text})`;
    const apr = `(${linux})${text}:`;
    if (line.includes(nginx))
      return [
        { kind: 'socket error of FreeBSD/macOS', lines: [line.replace(nginx, `(${bsd}: ${bsdText})`)] },
        { kind: 'socket error of Windows', lines: [line.replace(nginx, `(${win}: ${winText})`)] },
      ];
    if (line.includes(apr))
      return [
        { kind: 'socket error of FreeBSD/macOS', lines: [line.replace(apr, `(${bsd})${bsdText}:`)] },
        { kind: 'socket error of Windows', lines: [line.replace(apr, `(OS ${win})${winText}:`)] },
      ];
  }
  return [];
}

/**
 * The message quoted in a markdown code span inside a poster's prose, words before and after it (issue 10: an
 * audit report's ``nginx logs `ssl_stapling ignored, host not found in OCSP responder` and stapling does
 * nothing``; a troubleshooting list's ``- `…` → DNS resolution failure for OCSP``): the prefix stripped, and the
 * whole line.
 */
export function inCodeSpan(line: string): Variant[] {
  const message = stripPrefix(line);
  return [
    { kind: 'quoted in a code span of prose', lines: [`The log says \`${message}\` and stapling does nothing.`] },
    { kind: 'quoted in a code span of a list item, arrow after it', lines: [`- \`${line}\` → what this means`] },
  ];
}

/**
 * A sentence's full stop right after the message at the end of the line, bare or after inline code closed with
 * a backtick (issue 10: ``… log messages like this can appear: `…`.``, trimstray/nginx-admins-handbook). Not
 * among {@link prosed}: a cut-tolerant twin reads a full stop after a cut message too, so a must-not-match
 * sample (a complete message of another rule) may match with one.
 */
export function fullStopped(line: string): Variant[] {
  return [
    { kind: 'prose after the message: the full stop of a sentence', lines: [`${line}.`] },
    { kind: 'prose after the message: closing backtick and full stop', lines: [`${line}\`.`] },
  ];
}

/**
 * A message that opens with a quote, quoted in prose with a poster's bracketed cut marks at both ends: its
 * prefix replaced by `[...]` inside the opening quote, its last quoted value by a trailing `[...]`, inside
 * inline code closed before the sentence's full stop (issue 10: trimstray/nginx-admins-handbook, ``log
 * messages like this can appear: `"[...] ssl_stapling" ignored, host not found in OCSP responder [...]`.``).
 */
export function quotedWithCuts(line: string): Variant[] {
  const message = stripPrefix(line);
  const at = message.lastIndexOf(' "');
  if (!message.startsWith('"') || at <= 0) return [];
  return [
    {
      kind: 'quoted in prose with [...] cut marks at both ends',
      lines: [`log messages like this can appear: \`"[...] ${message.slice(1, at)} [...]\`.`],
    },
  ];
}

/**
 * The message retyped without its articles (`the`, `a`, `an` between blanks) from `from` on (the end of the
 * rule's trigger in the line: a line must hold the trigger to be read at all): each article dropped alone,
 * then all of them (github.com certxa.com server notes: `"ssl_stapling" ignored, no OCSP responder URL in
 * certificate`). None when the message has no article there.
 */
export function articlesDropped(line: string, from: number): Variant[] {
  const at = [...line.matchAll(/(?<= )(?:the|an|a) (?=\S)/g)].filter((m) => m.index >= from);
  if (at.length === 0) return [];
  const drop = (ms: RegExpExecArray[]): string => ms.reduceRight((l, m) => l.slice(0, m.index) + l.slice(m.index + m[0].length), line);
  const out = at.map((m) => ({ kind: 'retyped without an article', lines: [drop([m])] }));
  if (at.length > 1) out.push({ kind: 'retyped without its articles', lines: [drop(at)] });
  return out;
}

/**
 * The line as a markdown list item (issue 10: a README's troubleshooting list,
 * `* r3.o.lencr.org could not be resolved (5: Operation refused) while requesting certificate status  `, with
 * the two blanks of a markdown line break): a bullet, a dash, a number.
 */
export function listed(line: string): Variant[] {
  return [
    { kind: 'markdown list item: star bullet and line-break blanks', lines: [`* ${line}  `] },
    { kind: 'markdown list item: dash', lines: [`- ${line}`] },
    { kind: 'markdown list item: number', lines: [`1. ${line}`] },
  ];
}

/**
 * The line followed by the lines the configuration test prints after it (issue 10: a DigitalOcean tutorial's
 * `nginx -t` output, `nginx: [warn] "ssl_stapling" ignored, issuer certificate not found` then nginx's
 * `nginx: the configuration file /etc/nginx/nginx.conf syntax is ok` and `nginx: configuration file
 * /etc/nginx/nginx.conf test is successful`, src/core/nginx.c; Apache's `Syntax OK`, server/main.c).
 */
export function configTested(line: string, server: Server): Variant[] {
  const after =
    server === 'nginx'
      ? [
          'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok',
          'nginx: configuration file /etc/nginx/nginx.conf test is successful',
        ]
      : ['Syntax OK'];
  return [{ kind: "followed by the configuration test's closing lines", lines: [line, ...after] }];
}

/**
 * The line with more lines under it that are not log lines of their own: the configuration test's closing
 * lines in a block indented as a whole (a Markdown code block, an outline's tab-indented item: issue 10,
 * `nginx: [warn] "ssl_stapling" ignored, issuer certificate not found` over an indented `nginx: the
 * configuration file … syntax is ok`), and a line of prose. Whatever the joiner makes of them, the line's
 * own message must still be read.
 */
export function followedByOtherLines(line: string, server: Server): Variant[] {
  const after = configTested(line, server)[0]!.lines.slice(1);
  return [
    { kind: "in an indented block with the configuration test's closing lines", lines: [line, ...after].map((l) => `    ${l}`) },
    {
      kind: "in a tab-indented outline item with the configuration test's closing lines",
      lines: [line, ...after].map((l) => `\t\t\t  ${l}`),
    },
    { kind: 'followed by a line of prose', lines: [line, 'This shows up after every reload.'] },
  ];
}

/**
 * Apache's log-ID blocks (`ErrorLogFormat` `[R:%L] [C:%{C}L]`, httpd's own advanced example; `log_log_id()` in
 * `server/log.c`) put into an Apache line's prefix: a connection id after the pid block, and a request and a
 * connection id before it. None for a line without Apache's `[module:level]` block.
 */
export function logIdBlocks(line: string): Variant[] {
  const m = /^((?:\[[^\]]*\] )?\[[\w-]*:\w+\] )(\[pid [^\]]*\] )?/.exec(line);
  if (!m) return [];
  const [head, level, pid = ''] = [m[0], m[1]!, m[2]];
  const rest = line.slice(head.length);
  return [
    { kind: 'log-ID block [C:%{c}L] after the pid', lines: [`${level}${pid}[C:yLqZ2+/AAAA] ${rest}`] },
    { kind: 'log-ID blocks [R:%L] [C:%{C}L] before the pid', lines: [`${level}[R:XkX2bQoAAQ4AAAC] [C:yLqZ2+/AAAA] ${pid}${rest}`] },
  ];
}

/** The kinds of {@link customFieldBlocks}' variants start so: the line's own time, pid, tid and level must be read. */
export const CUSTOM_FIELD_KIND = 'a custom ErrorLogFormat field';

/**
 * A custom `ErrorLogFormat` field in brackets of its own put into an Apache 2.4 line's prefix: the virtual host
 * (`[%v]`, `[%v:%p]`) before the level block, `[vhost %v:%p]` and `[%-L:%-{c}L]` without ids (`[-:-]`) after the pid
 * block. None for a line without Apache's `[module:level]` block.
 */
export function customFieldBlocks(line: string): Variant[] {
  const m = /^(\[[^\]]*\] )?(\[[\w-]*:\w+\] )(\[pid [^\]]*\] )?/.exec(line);
  if (!m) return [];
  const [head, time = '', level, pid = ''] = [m[0], m[1], m[2]!, m[3]];
  const rest = line.slice(head.length);
  return [
    { kind: `${CUSTOM_FIELD_KIND} [%v] before the level`, lines: [`${time}[www.example.com] ${level}${pid}${rest}`] },
    { kind: `${CUSTOM_FIELD_KIND} [%v:%p] before the level`, lines: [`${time}[www.example.com:443] ${level}${pid}${rest}`] },
    { kind: `${CUSTOM_FIELD_KIND} [vhost %v:%p] after the pid`, lines: [`${time}${level}${pid}[vhost www.example.com:443] ${rest}`] },
    { kind: `${CUSTOM_FIELD_KIND} [%-L:%-{c}L] after the pid, no ids`, lines: [`${time}${level}${pid}[-:-] ${rest}`] },
  ];
}

/**
 * The line enclosed whole by a paste: inline code (`` ` ``), Markdown's emphasis (`*…*`, `**…**`, `_…_`: a
 * table cell of github.com Primero ops docs), quotes plain and typographic, brackets and parentheses, some
 * followed by the poster's full stop or comma; a line without the server's prefix only in inline code or
 * emphasis (the other marks may begin or end a message).
 */
export function enclosed(line: string): Variant[] {
  const around: [string, string, string][] = [
    ['`', '`', ''],
    ['*', '*', ''],
    ['**', '**', '.'],
    ['_', '_', ''],
    ['\u201c', '\u201d', ''],
    ['"', '"', '.'],
    ["'", "'", ','],
    ['[', ']', ''],
    ['(', ')', '.'],
    ['<', '>', ''],
  ];
  // Quotes, brackets and parentheses only around a line with the server's prefix: a message may begin with them.
  // Brackets around a line whose own are unbalanced (`uri http://[zz::bad/x`) cannot tell whose the last one is.
  const count = (ch: string): number => line.split(ch).length - 1;
  const marks = (parseLine(line).format === null ? around.slice(0, 4) : around).filter(([o, c]) => o === c || count(o) === count(c));
  const out: Variant[] = marks.map(([o, c, after]) => ({ kind: `enclosed in ${o}${c}${after}`, lines: [`${o}${line}${c}${after}`] }));
  const stripped = stripPrefix(line);
  if (stripped !== line) {
    out.push({ kind: 'prefix stripped, enclosed in ``', lines: [`\`${stripped}\``], of: stripped });
  }
  return out;
}

/**
 * The line as an export or a program's output holds it in a row or a list: a CSV field with its quotes
 * doubled (a spreadsheet's or a log UI's CSV export), first or last in its row; an element of a JSON array;
 * an element of a Python list as `repr()` writes it (single quotes, `\'` inside; double quotes when the line
 * holds a `'` and no `"`); a value of a JSON object after text of a program's (Ansible's `fatal: [web01]: FAILED!
 * => {"msg": …}`) or of a Python dict. Only a line with the server's prefix: that is where the container's quote is told.
 */
export function inContainers(line: string): Variant[] {
  if (parseLine(line).format === null) return [];
  const csv = `"${line.replaceAll('"', '""')}"`;
  const python =
    line.includes("'") && !line.includes('"')
      ? `"${line.replaceAll('\\', '\\\\')}"`
      : `'${line.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return [
    { kind: 'a CSV field, last in its row', lines: [`web01,error,${csv}`] },
    { kind: 'a CSV field, first in its row', lines: [`${csv},2026-06-01T00:00:00Z,web01`] },
    { kind: 'an element of a JSON array', lines: [`[${JSON.stringify(line)}, "next"]`] },
    { kind: 'an element of a Python list', lines: [`[${python}, 'next']`] },
    // A value of an object after text that keeps it from being read as a log record: Ansible's failure report.
    {
      kind: "a JSON object's value after text (Ansible's FAILED! => {…})",
      lines: [`fatal: [web01]: FAILED! => {"msg": ${JSON.stringify(line)}}`],
    },
    { kind: "a Python dict's value", lines: [`{'host': 'web01', 'line': ${python}}`] },
  ];
}

/**
 * The line in the markup it was pasted in: a page's or forum editor's HTML (`<code>…</code>`, `<pre>`,
 * `…<br>` and `…<br />` per line, a table's row, a list's item), BBCode (`[code]…[/code]`), a Markdown
 * table row (`| … |`), a table a terminal program draws with box characters (`│ … │`, `║ … ║`: Python's
 * rich and tabulate, psql's unicode border), a shell continuation (`… \`).
 */
export function markedUp(line: string): Variant[] {
  return [
    { kind: 'in <code>…</code>', lines: [`<code>${line}</code>`] },
    { kind: 'in <pre>…</pre>', lines: [`<pre>${line}</pre>`] },
    { kind: 'followed by <br>', lines: [`${line}<br>`] },
    { kind: 'followed by <br />', lines: [`${line}<br />`] },
    { kind: 'in [code]…[/code]', lines: [`[code]${line}[/code]`] },
    { kind: 'a Markdown table row', lines: [`| ${line} |`] },
    { kind: 'in an HTML table row (<tr><td>…</td></tr>)', lines: [`<tr><td>${line}</td></tr>`] },
    { kind: 'in an HTML list (<ul><li>…</li></ul>)', lines: [`<ul><li>${line}</li></ul>`] },
    { kind: 'a row of a table drawn with box characters (│ … │)', lines: [`│ ${line} │`] },
    { kind: 'a row of a double-lined box (║ … ║)', lines: [`║ ${line} ║`] },
    { kind: 'followed by a shell continuation', lines: [`${line} \\`] },
    ...forumMarkup(line),
  ];
}

/**
 * The line in the markup of an issue tracker or a forum the HTML and BBCode of {@link markedUp} do not cover:
 * Jira's and Confluence's wiki markup (Atlassian's text formatting notation: `{{monospace}}`, an inline
 * `{code}`, `{code:java}`, `{code:title=…|…}`, `{noformat}`, `{quote}`), and the BBCode XenForo, vBulletin and
 * phpBB add (`[ICODE]`, `[CODE=text]`, `[PLAIN]`, `[SPOILER=…]`, any case).
 */
export function forumMarkup(line: string): Variant[] {
  return [
    { kind: 'in Jira {{monospace}}', lines: [`{{${line}}}`] },
    { kind: 'in an inline Jira {code}', lines: [`{code}${line}{code}`] },
    { kind: 'in an inline Jira {code:java}', lines: [`{code:java}${line}{code}`] },
    { kind: 'in an inline Jira {code:title=…}', lines: [`{code:title=error.log|borderStyle=solid}${line}{code}`] },
    { kind: 'in an inline Jira {noformat}', lines: [`{noformat}${line}{noformat}`] },
    { kind: 'in an inline Jira {quote}', lines: [`{quote}${line}{quote}`] },
    { kind: 'in [icode]…[/icode]', lines: [`[icode]${line}[/icode]`] },
    { kind: 'in [ICODE]…[/ICODE]', lines: [`[ICODE]${line}[/ICODE]`] },
    { kind: 'in [CODE=text]…[/CODE]', lines: [`[CODE=text]${line}[/CODE]`] },
    { kind: 'in [plain]…[/plain]', lines: [`[plain]${line}[/plain]`] },
    { kind: 'in [SPOILER=log]…[/SPOILER]', lines: [`[SPOILER=log]${line}[/SPOILER]`] },
  ];
}

/**
 * The message quoted in a poster's prose in an issue tracker's or a forum's inline markup, words before and after
 * it, the server's prefix stripped (as {@link inCodeSpan} does for Markdown): Jira's `{{monospace}}` (`I get
 * {{OCSP responder returns …}} in my log`), an inline Jira `{code}`, XenForo's `[icode]` (`the log says
 * [icode]ssl_stapling ignored, …[/icode] every time`) in either case, BBCode's `[code]`, and HTML's `<code>`,
 * `<kbd>` and `<tt>` in a page's source.
 */
export function inProseMarkup(line: string): Variant[] {
  const m = stripPrefix(line);
  return [
    { kind: 'in prose, in Jira {{monospace}}', lines: [`I get {{${m}}} in my log`] },
    { kind: 'in prose, in an inline Jira {code}', lines: [`after the renewal {code}${m}{code} shows up`] },
    { kind: 'in prose, in [icode]…[/icode]', lines: [`the log says [icode]${m}[/icode] every time`] },
    { kind: 'in prose, in [ICODE]…[/ICODE]', lines: [`Getting [ICODE]${m}[/ICODE] since yesterday.`] },
    { kind: 'in prose, in [code]…[/code]', lines: [`nginx shows [code]${m}[/code] after reload`] },
    { kind: 'in prose, in <code>…</code>', lines: [`The log says <code>${m}</code> and stapling does nothing.`] },
    { kind: 'in prose, in <kbd>…</kbd>', lines: [`I see <kbd>${m}</kbd> in error.log`] },
    { kind: 'in prose, in <tt>…</tt>', lines: [`error.log: <tt>${m}</tt>, any idea?`] },
  ];
}

/** A poster's marks for a cut at the start of what they copied (none: the cut is only seen in what is missing). */
const HEAD_CUT_MARKS = ['...', '\u2026', '[...] '];

/**
 * The line copied from inside the server's prefix, at every character of it up to the message (a
 * terminal selection or a quote begun mid-prefix: `...34#1234: ocsp.example.com could not be resolved
 * (110: …) while requesting certificate status, …`), each bare and after a poster's cut mark (the marks in
 * turn). nginx's connection number (`*12 `) is kept whole: it is what keeps a client connection's OCSP
 * check off the stapling rules, and a cut through it takes that away. None for a line without a prefix.
 */
export function headCuts(line: string): Variant[] {
  const connection = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[\w+\] \d+#\d+: (\*\d+ )/.exec(line)?.[1]?.length ?? 0;
  const end = prefixEnd(line) - connection;
  const out: Variant[] = [];
  for (let at = 1; at < end; at++) {
    const mark = HEAD_CUT_MARKS[at % HEAD_CUT_MARKS.length]!;
    // What is left of the prefix holds no letter or digit (`): `, `] `): it says no more than none would.
    const stripped = /[\p{L}\p{N}]/u.test(line.slice(at, end)) ? '' : ', prefix stripped but for punctuation';
    out.push({ kind: `head cut${stripped} at ${at}`, lines: [line.slice(at)] });
    out.push({ kind: `head cut after a cut mark${stripped} at ${at}`, lines: [mark + line.slice(at)] });
  }
  return out;
}

/**
 * The message alone after a poster's label or words of their own (`Error: AH01941: …`, `I get: ocsp.example.com
 * could not be resolved …`): the server's prefix is gone, so the kinds say `prefix stripped` (a must-not-match
 * sample may read as its rule's look-alike without it). None for a line without a prefix.
 */
export function labelled(line: string): Variant[] {
  const message = stripPrefix(line);
  if (message === line) return [];
  return ['Error: ', 'nginx error.log: ', 'I get this in the log: '].map((label) => ({
    kind: `prefix stripped, a label before the message (${label.trim()})`,
    lines: [label + message],
  }));
}

/** The whole line with a poster's cut marker after it (`…`, `...`, ` [...]`): nothing of the line is cut. */
export function ellipsisAfter(line: string): Variant[] {
  return [
    { kind: 'followed by …', lines: [`${line}\u2026`] },
    { kind: 'followed by ...', lines: [`${line}...`] },
    { kind: 'followed by [...]', lines: [`${line} [...]`] },
  ];
}

/**
 * The message quoted from one of its clauses on (`src/rules/tail-reading.ts`): the line from `tail` (the
 * clause a tail reading's trigger is) to its end, as a poster quotes the part that says what went wrong:
 * bare, after a label of their own, in quotes in a sentence (plain and typographic), in a code span of prose
 * (github.com/KR8MER/eas-station pull 2665: ``only logged a `"no OCSP responder URL in the certificate"`
 * warning on every reload``). None when the line does not hold the clause.
 */
export function quotedFromClause(line: string, tail: string): Variant[] {
  const at = line.toLowerCase().indexOf(tail.toLowerCase());
  if (at < 0) return [];
  const q = line.slice(at);
  return [
    { kind: 'quoted from a clause on', lines: [q] },
    { kind: 'quoted from a clause on, after a label', lines: [`error: ${q}`] },
    { kind: 'quoted from a clause on, in a sentence', lines: [`The log says "${q}" after every reload.`] },
    { kind: 'quoted from a clause on, typographic quotes', lines: [`I keep getting \u201c${q}\u201d since the renewal`] },
    { kind: 'quoted from a clause on, in a code span', lines: [`only logged a \`"${q}"\` warning on every reload`] },
  ];
}

/**
 * The line cut inside a trigger, after `head` (a beginning of the trigger): at every character from the
 * head's end to the trigger's, as a terminal at that width shows it: systemd's `systemctl status` and
 * `journalctl` behind their journal prefix, with `…` in the last column (src/shared/logs-show.c,
 * print_multiline(): `ellipsize_mem(…, 100)` for a one-line message), and with a poster's `...`. None when the
 * line does not hold the head followed by the rest of the trigger.
 */
export function cutInsideTrigger(line: string, head: string, trigger: string, server: Server): Variant[] {
  const at = line.indexOf(trigger);
  if (at < 0 || !trigger.startsWith(head)) return [];
  const journal = `Dec 06 12:00:01 web1 ${server === 'apache' ? 'apache2' : 'nginx'}[812]: `;
  const out: Variant[] = [];
  for (let end = at + head.length; end < at + trigger.trimEnd().length; end++) {
    out.push({
      kind: `cut inside the trigger, a terminal's … (systemctl status) at ${end}`,
      lines: [`${journal}${line.slice(0, end)}\u2026`],
    });
    out.push({ kind: `cut inside the trigger, a poster's ... at ${end}`, lines: [`${line.slice(0, end)}...`] });
  }
  return out;
}

/** Ordinary entries of each server (nginx src/os/unix/ngx_process_cycle.c, httpd server/mpm/event/event.c AH00489). */
const OTHER_ENTRY = {
  nginx: '2024/09/21 23:16:05 [notice] 781#781: signal process started',
  apache:
    '[Sat Sep 21 23:16:05.000001 2024] [mpm_event:notice] [pid 781:tid 781] AH00489: Apache/2.4.62 (Debian) OpenSSL/3.0.15 configured -- resuming normal operations',
} as const;

/**
 * The line among other entries on one physical line, as a paste that lost its line breaks shows it
 * (joined by a blank, ` | `, or a literal `\n` of an escaped copy); only for a line with the server's own
 * prefix, which is what tells where an entry starts.
 */
export function onOneLine(line: string): Variant[] {
  const p = parseLine(line);
  if (p.time === null || (p.format !== 'nginx' && p.format !== 'apache24' && p.format !== 'apache22')) return [];
  const other = OTHER_ENTRY[p.server === 'apache' ? 'apache' : 'nginx'];
  return [
    { kind: 'after another entry on one line (a blank)', lines: [`${other} ${line}`] },
    { kind: 'before another entry on one line ( | )', lines: [`${line} | ${other}`] },
    { kind: 'between entries on one line (literal \\n)', lines: [`${other}\\n${line}\\n${other}`] },
  ];
}

/** Line breaks kept as text on one physical line: HTML's (plain and escaped once), an escaped copy's. */
const TEXT_BREAKS: [string, string][] = [
  ['<br>', '<br>'],
  ['<br />', '<br />'],
  ['<BR/>', '<BR/>'],
  ['&lt;br&gt;', '&lt;br&gt;'],
  ['literal \\n', '\\n'],
  ['literal \\r\\n', '\\r\\n'],
];

/**
 * The line among the lines pasted with it, all on one physical line with their breaks kept as text (issue 10,
 * class 3): a Markdown table cell or a page's source joins them with `<br>` (github.com Primero ops docs: a
 * `systemctl status nginx` output in one cell, each line in `*…*`), a page's source escaped once with
 * `&lt;br&gt;`, an escaped copy with a literal `\n` or `\r\n`. The command before it and the
 * configuration test's closing lines after it; the line whole, without the server's prefix, and behind
 * journald's syslog-style prefix.
 */
export function joinedByTextBreaks(line: string, server: Server): Variant[] {
  const tag = server === 'apache' ? 'httpd' : 'nginx';
  const around = [`$ sudo systemctl reload ${tag}`, ...configTested(line, server)[0]!.lines.slice(1)];
  const all = (l: string): string[] => [around[0]!, l, ...around.slice(1)];
  const join = (br: string, l: string): string => all(l).join(br);
  const out: Variant[] = TEXT_BREAKS.map(([name, br]) => ({ kind: `among other lines joined by ${name}`, lines: [join(br, line)] }));
  const cell = all(line).map((l) => `*${l}*`);
  out.push({ kind: 'in a Markdown table cell, each line in *…*, joined by <br>', lines: [`| Status | ${cell.join('<br>')} |`] });
  out.push({
    kind: 'behind journald, among other lines joined by <br>',
    lines: [join('<br>', `Sep 21 23:16:06 web1 ${tag}[781]: ${line}`)],
    host: 'web1',
  });
  const stripped = stripPrefix(line);
  if (stripped !== line)
    out.push({ kind: 'prefix stripped, among other lines joined by literal \\n', lines: [join('\\n', stripped)], of: stripped });
  return out;
}

/**
 * The line with the colour codes a terminal tool writes (issue 10, class 4): journalctl's colour for an error
 * priority around the whole line, ccze/grc colouring the level, `grep --color -i ocsp` around the word it
 * searched for (SGR then erase-line, `ESC[01;31mESC[K…ESC[mESC[K`), docker compose's coloured service name;
 * each also as a copy shows it, in caret notation (`^[[`, `cat -v`, `less`) and with the ESC byte lost (`[1;31m`,
 * a pasted issue).
 */
export function coloured(line: string): Variant[] {
  const forms: [string, (code: string) => string][] = [
    ['', (c) => `\u001b[${c}`],
    [' (caret notation)', (c) => `^[[${c}`],
    [' (ESC lost)', (c) => `[${c}`],
  ];
  const level = /\[((?:[\w-]+:)?)(emerg|alert|crit|error|warn|notice|info|debug)\]/.exec(line);
  const word = /ocsp|stapl\w*|responder|issuer/i.exec(line);
  const out: Variant[] = [];
  for (const [how, esc] of forms) {
    out.push({ kind: `coloured whole${how}`, lines: [`${esc('1;31m')}${line}${esc('0m')}`] });
    out.push({ kind: `behind a coloured docker compose name${how}`, lines: [`${esc('36m')}proxy_1  |${esc('0m')} ${line}`] });
    if (level) {
      const [all, module, name] = level;
      const painted = `[${module}${esc('31m')}${name}${esc('0m')}]`;
      out.push({ kind: `level coloured${how}`, lines: [line.slice(0, level.index) + painted + line.slice(level.index + all.length)] });
    }
    if (word) {
      const lit = `${esc('01;31m')}${esc('K')}${word[0]}${esc('m')}${esc('K')}`;
      out.push({
        kind: `grep --color around "${word[0].toLowerCase()}"${how}`,
        lines: [line.slice(0, word.index) + lit + line.slice(word.index + word[0].length)],
      });
    }
  }
  return out;
}

/**
 * The line in the escaped forms people copy it in (issue 10, class 1): HTML character references from a
 * page's source or a scraper (named, numeric, and escaped twice by a forum), and JSON string escapes from
 * a record shown pretty-printed (Kibana's and `jq`'s JSON view: one `"message": "…",` line among the
 * record's other lines, no braces on the line), rsyslog's (`\/` for every slash), a logfmt value
 * (`msg="…"`, as Loki's and Vector's logfmt output quote it), and a single-quoted string literal in source
 * code (`'… can\'t retrieve issuer certificate!',`: a web app's array of sample log lines).
 */
export function escapedCopies(line: string): Variant[] {
  const out: Variant[] = [];
  const html = (t: string, refs: Record<string, string>): string => t.replace(/[&"'<>]/g, (c) => refs[c]!);
  const named = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;' };
  if (/["'<>&]/.test(line)) {
    out.push({ kind: 'HTML-escaped (named references)', lines: [html(line, named)] });
    out.push({
      kind: 'HTML-escaped (numeric references)',
      lines: [html(line, { '&': '&#38;', '"': '&#34;', "'": '&#x27;', '<': '&#60;', '>': '&#62;' })],
    });
    out.push({ kind: 'HTML-escaped twice', lines: [html(html(line, named), named)] });
    out.push({ kind: 'HTML-escaped (&apos; for apostrophes)', lines: [html(line, { ...named, "'": '&apos;' })] });
  }
  out.push(...blankReferences(line));
  const json = JSON.stringify(line);
  const doc = ['{', '  "@timestamp": "2026-11-23T02:17:04.000Z",', `  "message": ${json},`, '  "host": { "name": "web01" }', '}'];
  out.push({ kind: 'JSON-escaped, in a pretty-printed record', lines: doc });
  if (line.includes('/'))
    out.push({ kind: "JSON-escaped with rsyslog's \\/", lines: [`"msg":${json.replace(/\//g, '\\/')},"syslogtag":"nginx:"`] });
  out.push({ kind: 'logfmt value (Loki, Vector)', lines: [`ts=2026-11-23T02:17:04Z level=error msg=${json}`] });
  // A Markdown copy: a rich-text editor escapes every `\ _ * [ ] < >` of text pasted outside code (Reddit's),
  // a poster the underscores that would start emphasis (`ssl\_stapling`).
  if (/[_*[\]<>]/.test(line)) out.push({ kind: 'Markdown-escaped by an editor', lines: [line.replace(/[\\_*[\]<>]/g, '\\$&')] });
  if (line.includes('_') && !line.includes('\\'))
    out.push({ kind: 'underscores Markdown-escaped by the poster', lines: [line.replaceAll('_', '\\_')] });
  if (line.includes("'")) {
    // A single-quoted string literal in source code or a test (a JavaScript array of sample lines).
    const literal = `'${line.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
    out.push({ kind: 'in a single-quoted string literal', lines: [`  ${literal},`] });
  }
  return out;
}

/**
 * The line as a page's source writes it with HTML references for its blanks (issue 10, class 1): `&nbsp;` for
 * every blank (an editor's or a scraper's copy), `&#160;` and `&#xA0;` (numeric), `&nbsp;` for every other
 * blank (how a page keeps a run of blanks: `a&nbsp; b`), and with its quotes escaped too. A reference inside a
 * trigger (`OCSP&nbsp;responder`) hides the scan keys that hold a blank.
 */
export function blankReferences(line: string): Variant[] {
  if (!line.includes(' ')) return [];
  let n = 0;
  return [
    { kind: 'HTML source, &nbsp; for every blank', lines: [line.replaceAll(' ', '&nbsp;')] },
    { kind: 'HTML source, &#160; for every blank', lines: [line.replaceAll(' ', '&#160;')] },
    { kind: 'HTML source, &#xA0; for every blank', lines: [line.replaceAll(' ', '&#xA0;')] },
    { kind: 'HTML source, &nbsp; for every other blank', lines: [line.replace(/ /g, () => (n++ % 2 ? '&nbsp;' : ' '))] },
    { kind: 'HTML source, &nbsp; for blanks and &quot; for quotes', lines: [line.replaceAll('"', '&quot;').replaceAll(' ', '&nbsp;')] },
    ...otherBlankReferences(line),
  ];
}

/**
 * The line's blanks as other HTML references a page's source or an editor writes (WHATWG HTML, named character
 * references; numeric ones in either case of `x`): `&#32;` and `&#x20;` (a space written as a number), `&#Xa0;`
 * and `&#XA0;` (a no-break space, the `x` upper-case), `&ensp;`, `&emsp;`, `&thinsp;` (typographic spaces); and
 * its double quotes as `&QUOT;` (HTML defines the upper-case name too; `&NBSP;` it does not: no form here).
 */
export function otherBlankReferences(line: string): Variant[] {
  if (!line.includes(' ')) return [];
  const out = ['&#32;', '&#x20;', '&#Xa0;', '&#XA0;', '&ensp;', '&emsp;', '&thinsp;'].map((r) => ({
    kind: `HTML source, ${r} for every blank`,
    lines: [line.replaceAll(' ', r)],
  }));
  out.push({
    kind: 'HTML source, &thinsp; for blanks and &QUOT; for quotes',
    lines: [line.replaceAll('"', '&QUOT;').replaceAll(' ', '&thinsp;')],
  });
  return out;
}

/**
 * The line word-wrapped with a marker in front of every row (issue 10: a shell comment in NLnet Labs' docker
 * test scripts, `# Work around error: "ssl_stapling" ignored, host not found in OCSP responder` then
 * `# "ca-ocsp.test.nlnetlabs.tk:8080" in the certificate "/etc/ssl/certs/xxx.crt"`; a quoted e-mail's `> `).
 */
export function markedRows(line: string): Variant[] {
  if (line.length <= 60) return [];
  return [
    { kind: 'word-wrapped at 60 behind shell comment marks', lines: wordWrap(line, 60).map((l) => `# ${l}`) },
    { kind: 'word-wrapped at 60 behind e-mail quote marks', lines: wordWrap(line, 60).map((l) => `> ${l}`) },
  ];
}

/**
 * A line copied with odd blanks for every space (issue 10, class 2): a web page's no-break spaces
 * (`&nbsp;` made plain), a narrow no-break space, an ideographic space (a CJK input method); the
 * no-break copy also without the server's prefix (a fragment). `of` names the plain line whose values
 * the copy must give.
 */
export function oddBlanks(line: string): Variant[] {
  const out: Variant[] = [
    { kind: 'copied with no-break spaces', lines: [line.replaceAll(' ', '\u00a0')] },
    { kind: 'copied with narrow no-break spaces', lines: [line.replaceAll(' ', '\u202f')] },
    { kind: 'copied with ideographic spaces', lines: [line.replaceAll(' ', '\u3000')] },
  ];
  const stripped = stripPrefix(line);
  if (stripped !== line)
    out.push({ kind: 'prefix stripped, copied with no-break spaces', lines: [stripped.replaceAll(' ', '\u00a0')], of: stripped });
  return out;
}

/**
 * A line copied with the invisible characters a web page adds (Unicode format characters, `INVISIBLE_CHARS` in
 * src/parse/normalize.ts): a zero-width space at a page's wrapping points (every 16 characters, inside words
 * and the server's prefix), and the bidirectional marks a right-to-left page (a Persian, Arabic or Hebrew
 * forum) puts around a quoted left-to-right line: a mark at both ends (LRM), an isolate (LRI … PDI), an
 * embedding (LRE … PDF).
 */
export function invisibleMarks(line: string): Variant[] {
  return [
    { kind: 'copied with zero-width spaces at wrapping points', lines: [line.replace(/(.{16})(?=.)/gs, '$1\u200b')] },
    { kind: 'quoted on a right-to-left page (LRM at both ends)', lines: [`\u200e${line}\u200e`] },
    { kind: 'quoted on a right-to-left page (an isolate)', lines: [`\u2066${line}\u2069`] },
    { kind: 'quoted on a right-to-left page (an embedding)', lines: [`\u202a${line}\u202c`] },
  ];
}

/**
 * A tag the server's own message holds (`<VirtualHost>` of httpd's `… cannot occur within <VirtualHost> section`)
 * lost the ways copies lose it: its brackets dropped by a poster retyping it (`within VirtualHost section`, two
 * troubleshooting pages, index file ids 32815318172 and 32374645881), and the tag gone whole where a page
 * rendered the paste as HTML and dropped an unknown tag (`within  section`). Only tags of the trigger: a poster's
 * placeholder (`<domain>`) stands for a value, and a value gone is another class.
 */
export function tagsLost(line: string, trigger: string): Variant[] {
  const tags = [...new Set(trigger.match(/<[A-Za-z][\w.-]*>/g) ?? [])].filter((t) => line.includes(t));
  if (tags.length === 0) return [];
  const each = (f: (tag: string) => string): string => tags.reduce((l, t) => l.replaceAll(t, f(t)), line);
  return [
    { kind: "a tag's brackets dropped (retyped)", lines: [each((t) => t.slice(1, -1))] },
    { kind: 'a tag gone (an HTML page dropped it)', lines: [each(() => '')] },
  ];
}

/** Every single-line and multi-line variant of a sample except the tail cuts (which the test makes itself). */
export function variantsOf(line: string, values: Values, server: Server): Variant[] {
  const out: Variant[] = [];
  // The server the line itself names (a rule for several servers gives the first of them).
  const own = parseLine(line).server ?? server;
  const stripped = stripPrefix(line);
  if (stripped !== line) out.push({ kind: 'prefix stripped', lines: [stripped] });
  const short = shortPrefix(line);
  if (short) out.push({ kind: 'prefix cut to [level] pid', lines: [short] });
  const level = levelOnlyPrefix(line);
  if (level) out.push({ kind: 'prefix cut to [level]', lines: [level] });
  out.push(...redactions(line, values));
  out.push({ kind: 'typographic quotes', lines: [typographic(line)] });
  if (stripped !== line) out.push({ kind: 'typographic quotes, prefix stripped', lines: [typographic(stripped)] });
  if (/["']/.test(line))
    out.push({ kind: 'full-width quotes (a CJK input method)', lines: [line.replace(/"/g, '\uff02').replace(/'/g, '\uff07')] });
  const unquoted = quotesDropped(line);
  if (unquoted) out.push({ kind: 'quotes dropped', lines: [unquoted] });
  const cap = capitalised(line);
  if (cap) out.push({ kind: 'first letter capitalised', lines: [cap] });
  const capStripped = capitalised(stripped);
  if (capStripped && stripped !== line) out.push({ kind: 'first letter capitalised, prefix stripped', lines: [capStripped] });
  for (const w of [40, 60, 80]) {
    if (line.length > w) out.push({ kind: `word-wrapped at ${w}`, lines: wordWrap(line, w) });
    if (line.length > w) out.push({ kind: `hard-wrapped at ${w}`, lines: hardWrap(line, w) });
  }
  for (const [name, indent] of [
    ['four blanks', '    '],
    ['a tab', '\t'],
  ]) {
    if (line.length > 60)
      out.push({ kind: `word-wrapped at 60, a hanging indent of ${name}`, lines: hangingIndentWrap(line, 60, indent!) });
  }
  // Three rows or more: the shortest padding tells the bare padding (a line of two rows cannot tell, see `unpadded()`).
  if (line.length > 160) out.push({ kind: 'terminal-padded, wrapped at 80 on 158 columns', lines: [terminalPadded(line, 80, 158)] });
  // Two rows: one run of padding, which cannot tell whether it held a blank (github.com/nextcloud/nextcloudpi issue 1012).
  for (const at of [Math.ceil(line.length / 2), Math.ceil((2 * line.length) / 3)]) {
    if (line.length > 40) out.push({ kind: 'terminal-padded, two rows', lines: [terminalPadded(line, at, at + 96)] });
  }
  out.push(...dialects(line));
  out.push(...nginxPrefixDamaged(line));
  out.push(...apachePrefixDamaged(line));
  out.push(...logIdBlocks(line));
  out.push(...customFieldBlocks(line));
  out.push(...escapedCopies(line));
  out.push(...fullStopped(line));
  out.push(...listed(line));
  out.push(...markedRows(line));
  out.push(...configTested(line, own));
  out.push(...followedByOtherLines(line, own));
  out.push(...wrapped(line, own));
  out.push(...repeatedBySyslog(line, own));
  out.push(...jsonRecords(line));
  out.push(...enclosed(line));
  out.push(...markedUp(line));
  out.push(...onOneLine(line));
  out.push(...joinedByTextBreaks(line, own));
  out.push(...ellipsisAfter(line));
  out.push(...labelled(line));
  out.push(...coloured(line));
  out.push(...oddBlanks(line));
  out.push(...invisibleMarks(line));
  out.push(...requoted(line));
  return out;
}

/**
 * nginx's prefix damaged the ways logs and pastes damage it (issue 10): a tab or two blanks where nginx
 * writes one (a shipper's or an editor's reformatting), the time cut off, a label in front of the pid, the
 * pid taken out, or only the connection number left before the message. Each keeps the connection number
 * (`*N`) where the line has one: it is what keeps a client connection's OCSP check off the stapling rules.
 * None for a line that is not nginx's.
 */
export function nginxPrefixDamaged(line: string): Variant[] {
  const m = /^(\d{4}\/\d{2}\/\d{2}) (\d{2}:\d{2}:\d{2}) \[(\w+)\] (\d+#\d+): (\*\d+ )?(.*)$/s.exec(line);
  if (!m) return [];
  const [, day, time, level, ids, cid = '', msg] = m;
  const v = (kind: string, text: string): Variant => ({ kind, lines: [text] });
  return [
    v('a tab after the level', `${day} ${time} [${level}]\t${ids}: ${cid}${msg}`),
    v('tabs for the blanks of the prefix', `${day}\t${time}\t[${level}]\t${ids}:\t${cid.replace(' ', '\t')}${msg}`),
    v('blanks doubled in the prefix', `${day}  ${time}  [${level}]  ${ids}:  ${cid.replace(' ', '  ')}${msg}`),
    v('the time cut off', `${ids}: ${cid}${msg}`),
    v('a label in front of the pid', `web-7f9c error.log ${ids}: ${cid}${msg}`),
    v('the pid taken out', `${day} ${time} [${level}] ${cid}${msg}`),
    ...(cid ? [v('the connection number alone before the message', `${cid}${msg}`)] : []),
  ];
}

/**
 * Apache's prefix damaged the ways logs and pastes damage it: a tab or two blanks between its bracketed
 * fields, the time cut off, the pid cut out, a label in front, the message alone with its source mark
 * (`ssl_util_ocsp.c(97): `, written at debug level and finer) and the status, client and tag after it.
 * None for a line that is not Apache 2.4's.
 */
export function apachePrefixDamaged(line: string): Variant[] {
  const m = /^\[([^\]]+)\] \[([^\]]+)\] \[(pid [^\]]+)\] (.*)$/s.exec(line);
  if (!m) return [];
  const [, time, level, pid, msg] = m;
  const v = (kind: string, text: string): Variant => ({ kind, lines: [text] });
  return [
    v('tabs between the bracketed fields', `[${time}]\t[${level}]\t[${pid}]\t${msg}`),
    v('blanks doubled between the bracketed fields', `[${time}]  [${level}]  [${pid}]  ${msg}`),
    v('the time cut off (Apache)', `[${level}] [${pid}] ${msg}`),
    v('the pid cut out (Apache)', `[${time}] [${level}] ${msg}`),
    v('a label in front (Apache)', `web-7f9c error.log [${level}] [${pid}] ${msg}`),
    ...(/^[\w./-]+\.c\(\d+\): /.test(msg!) ? [v('the message alone with its source mark', msg!)] : []),
  ];
}
