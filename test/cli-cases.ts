/**
 * The one table of CLI cases (markdownlint-cli2's way): each case is run in-process through `run()`
 * (fast, with coverage; test/cli-inprocess.test.ts) and through the built binary (real process, real
 * exit code; test/cli-binary.e2e.test.ts). Inputs are the repository's real samples.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { OUTPUT_SCHEMA } from '../src/format/output-schema.js';
import type { Report } from '../src/findings/analyzer.js';
import path from 'node:path';
import { ROOT } from './helpers/cli.js';
import { fileOf, sarifOf } from './helpers/sarif.js';

/** What a run printed. */
export interface CliOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** One case: arguments (and stdin), the exit code, and what stdout and stderr must show. */
export interface CliCase {
  name: string;
  args: string[];
  stdin?: string;
  exitCode: number;
  /** A pattern stdout must match, or a check of it. */
  stdout?: RegExp | ((out: string) => void);
  /** A pattern stderr must match; '' for nothing at all. Default: nothing. */
  stderr?: RegExp | '';
}

const validate = new Ajv2020({ strict: false }).compile(OUTPUT_SCHEMA);

/** Parse a JSON report and check it against the published schema. */
export function report(out: string): Report {
  const r = JSON.parse(out) as Report;
  if (!validate(r)) throw new Error(`output does not match the schema: ${JSON.stringify(validate.errors)}`);
  return r;
}

const causes = (out: string): string[] => [...new Set(report(out).findings.map((f) => f.cause))].sort();
const expectEqual = (a: unknown, b: unknown): void => {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);
};
/** One piece of a finding's evidence, as the JSON report writes it (the fields the cases read). */
type Evidence = { pid?: number; values: Record<string, string>; cut?: { prefix?: string } };
/** Each finding's first evidence, the findings in the order of their causes. */
const firstEvidence = (out: string): Evidence[] =>
  (JSON.parse(out) as { findings: { cause: string; evidence: Evidence[] }[] }).findings
    .sort((x, y) => x.cause.localeCompare(y.cause))
    .map((f) => f.evidence[0]!);
const NGINX_VERIFY = 'samples/seed/nginx-ocsp-verify-issuer-not-trusted.log';
const APACHE_ISSUER = 'samples/seed/apache-issuer-missing-httpd-2.4.7.log';
const NGINX_RESOLVER = 'samples/seed/nginx-no-resolver.log';
const TIED = 'test/fixtures/config/nginx-stapling-file-without-ocsp-name';
const TIED_LOG = `${TIED}/error.log`;
const TRUSTED = 'test/fixtures/config/nginx-trusted-certificate-missing';
/** Only what `--config` reports (nginx -t's verdict where nginx is installed), or nothing. */
const CONFIG_NOTES = /^(?:stapling-doctor: --config: [^\n]*\n)*$/;
const NOISE =
  '[Tue Apr 04 06:28:08.605341 2017] [core:error] [pid 17962] [client 127.0.0.1:60444] AH00135: Invalid method in request FOO /\n' +
  '2018/09/14 19:03:05 [error] 2035#2035: *9134 access forbidden by rule, client: 12.34.56.78, server: example.com, request: "GET / HTTP/1.1"\n';

/** The same Apache failure in the last µs of one second, the last of the next, and the first of the one after. */
const APACHE_SECONDS = ['01:56:39.999999', '01:56:40.999999', '01:56:41.000001']
  .map((t) => `[Mon Nov 23 ${t} 2026] [ssl:error] [pid 4242:tid 4243] AH01941: stapling_renew_response: responder error\n`)
  .join('');
/** How many lines a JSON report's only finding counts, and its first and last time (`[0]` when there is none). */
const window = (out: string): unknown[] => {
  const f = report(out).findings;
  return f.length === 0 ? [0] : [f.length === 1 ? f[0]!.count : NaN, f[0]!.first, f[0]!.last];
};

/** The three seed failures (issue 2): each diagnosed with its cause and the directive of its first fix step. */
const SEEDS = [
  { file: APACHE_ISSUER, cause: 'issuer-certificate-missing', directive: 'SSLCertificateFile', exitCode: 1 },
  { file: NGINX_VERIFY, cause: 'trusted-chain-incomplete', directive: 'ssl_trusted_certificate', exitCode: 1 },
  // resolver-missing at [warn] is a notice: below the default --fail-on warning
  { file: NGINX_RESOLVER, cause: 'resolver-missing', directive: 'resolver', exitCode: 0 },
];

export const CASES: CliCase[] = [
  { name: '--version', args: ['--version'], exitCode: 0, stdout: /^\d+\.\d+\.\d+\n$/ },
  { name: '--help', args: ['--help'], exitCode: 0, stdout: /Usage: stapling-doctor \[options\] \[command\] \[inputs\.\.\.\]/ },
  {
    name: 'an unknown option',
    args: ['--frobnicate'],
    exitCode: 2,
    stdout: /^$/,
    stderr: /^stapling-doctor: error: unknown option '--frobnicate'/,
  },
  { name: 'a bad --format', args: ['--format', 'xml', NGINX_VERIFY], exitCode: 2, stderr: /argument 'xml' is invalid/ },
  {
    name: 'a bad --max-evidence',
    args: ['--max-evidence', '0', NGINX_VERIFY],
    exitCode: 2,
    stderr: /^stapling-doctor: --max-evidence must be a positive integer, got "0"\n$/,
  },
  {
    name: 'a missing file',
    args: ['no/such/file.log'],
    exitCode: 2,
    stderr: /^stapling-doctor: no\/such\/file\.log: no such file or directory\n$/,
  },
  {
    name: 'a missing file, --format html: still a page, which names the input and gives no all-clear (`> report.html` is never empty)',
    args: ['--format', 'html', 'no/such/file.log'],
    exitCode: 2,
    stdout: (out) => {
      if (!/^<!doctype html>[\s\S]*no\/such\/file\.log: no such file or directory[\s\S]*<\/html>\n$/.test(out))
        throw new Error(`not a page naming the input's error: ${out.slice(0, 200)}`);
      if (/class="ok"/.test(out)) throw new Error('the page gives an all-clear');
      if (!/1 input could not be read/.test(out)) throw new Error('the headline does not say that the input was not read');
    },
    stderr: /^stapling-doctor: no\/such\/file\.log: no such file or directory\n$/,
  },
  {
    // Sweep 60, M9: the second name of a file (a link, a path through `..`) was dropped without a word.
    name: 'one file given under two names: read once, both named in inputs[] (the second with duplicateOf), a note on stderr',
    args: ['--format', 'json', NGINX_VERIFY, NGINX_VERIFY.replace('seed/', 'seed/../seed/'), NGINX_VERIFY],
    exitCode: 1,
    stdout: (out) => {
      const r = report(out);
      expectEqual(
        r.inputs.map((i) => [i.file, i.status, i.lines > 0, i.duplicateOf ?? null]),
        [
          [NGINX_VERIFY, 'read', true, null],
          [NGINX_VERIFY.replace('seed/', 'seed/../seed/'), 'read', false, NGINX_VERIFY],
        ],
      );
      expectEqual(r.stats.files, 1);
    },
    stderr:
      /^stapling-doctor: samples\/seed\/\.\.\/seed\/nginx-ocsp-verify-issuer-not-trusted\.log: the same file as samples\/seed\/nginx-ocsp-verify-issuer-not-trusted\.log; read once, as samples\/seed\/nginx-ocsp-verify-issuer-not-trusted\.log\n$/,
  },
  ...SEEDS.map((seed): CliCase => ({
    name: `${seed.file}, JSON: ${seed.cause}, every fix starts with ${seed.directive}, evidence names the file`,
    args: ['--format', 'json', seed.file],
    exitCode: seed.exitCode,
    stdout: (out) => {
      const r = report(out);
      expectEqual(causes(out), [seed.cause]);
      for (const f of r.findings) {
        expectEqual([f.fix.steps[0]!.directive, f.evidence[0]!.file, f.messageId.split('.')[0]], [seed.directive, seed.file, seed.cause]);
      }
    },
  })),
  ...SEEDS.map((seed): CliCase => ({
    name: `${seed.file}, SARIF: results of ${seed.cause} at the file's lines, the JSON run's exit code`,
    args: ['--format', 'sarif', seed.file],
    exitCode: seed.exitCode,
    stdout: (out) => {
      const results = sarifOf(out).runs[0]!.results!;
      if (results.length === 0) throw new Error('no results');
      for (const r of results) {
        expectEqual([r.ruleId, fileOf(r.locations![0]!).file], [seed.cause, path.resolve(ROOT, seed.file)]);
      }
    },
  })),
  {
    name: 'human output: cause, fix directive, confirmation command, evidence file:line, summary, no colour',
    args: [NGINX_VERIFY],
    exitCode: 1,
    stdout: (out) => {
      for (const s of ['trusted-chain-incomplete', 'ssl_trusted_certificate', 'openssl s_client -connect', `${NGINX_VERIFY}:1`]) {
        if (!out.includes(s)) throw new Error(`missing ${s}`);
      }
      if (!/2 findings \(2 warnings\) in 2 lines of 1 input/.test(out) || out.includes('\u001b[')) throw new Error(out);
    },
  },
  {
    name: 'an Apache log, human: the cause, the fix directive, evidence file:line',
    args: [APACHE_ISSUER],
    exitCode: 1,
    stdout:
      /WARNING {2}issuer-certificate-missing {2}apache[\s\S]*SSLCertificateFile[\s\S]*samples\/seed\/apache-issuer-missing-httpd-2\.4\.7\.log:\d+/,
  },
  {
    name: '--since with an impossible date (month 13): a usage error, not an empty report',
    args: ['--since', '2026-13-40', NGINX_VERIFY],
    exitCode: 2,
    stdout: /^$/,
    stderr: /^stapling-doctor: --since: "2026-13-40" is not a time: give ISO-8601/,
  },
  // Sweep (CLI filters): a whole second given to --until left out that second's Apache lines with microseconds.
  {
    name: '--until a whole second (no fraction): the lines of that second with microseconds are inside, the next second is not',
    args: ['-f', 'json', '--no-live', '--fail-on', 'never', '--until', '2026-11-23 01:56:40'],
    stdin: APACHE_SECONDS,
    exitCode: 0,
    stdout: (out) => expectEqual(window(out), [2, '2026-11-23T01:56:39.999999', '2026-11-23T01:56:40.999999']),
  },
  {
    name: '--until an ISO time without a fraction, with Z: the same whole second',
    args: ['-f', 'json', '--no-live', '--fail-on', 'never', '--until', '2026-11-23T01:56:40Z'],
    stdin: APACHE_SECONDS,
    exitCode: 0,
    stdout: (out) => expectEqual(window(out), [2, '2026-11-23T01:56:39.999999', '2026-11-23T01:56:40.999999']),
  },
  {
    name: '--since a whole second: from its start (the second before is outside)',
    args: ['-f', 'json', '--no-live', '--fail-on', 'never', '--since', '2026-11-23 01:56:40'],
    stdin: APACHE_SECONDS,
    exitCode: 0,
    stdout: (out) => expectEqual(window(out), [2, '2026-11-23T01:56:40.999999', '2026-11-23T01:56:41.000001']),
  },
  {
    name: '--until with a fraction of a second: exact, not widened to the end of the second',
    args: ['-f', 'json', '--no-live', '--fail-on', 'never', '--until', '2026-11-23T01:56:40.9'],
    stdin: APACHE_SECONDS,
    exitCode: 0,
    stdout: (out) => expectEqual(window(out), [1, '2026-11-23T01:56:39.999999', '2026-11-23T01:56:39.999999']),
  },
  { name: '--fail-on never', args: ['--fail-on', 'never', 'samples/seed'], exitCode: 0, stdout: /trusted-chain-incomplete/ },
  { name: '--fail-on error with warnings only', args: ['--fail-on', 'error', NGINX_VERIFY], exitCode: 0 },
  { name: '--fail-on notice with a notice', args: ['--fail-on', 'notice', NGINX_RESOLVER], exitCode: 1 },
  {
    name: 'no finding: exit 0',
    args: ['-'],
    stdin: NOISE,
    exitCode: 0,
    stdout: /^stapling-doctor: no stapling problems found in 2 lines of 1 input\.\n$/,
  },
  {
    name: 'an unreadable input among good ones: reported, the others scanned, exit 2 after the report',
    args: ['--format', 'json', NGINX_VERIFY, 'no/such/file.log'],
    exitCode: 2,
    stderr: /^stapling-doctor: no\/such\/file\.log: no such file or directory\n$/,
    stdout: (out) => expectEqual(report(out).findings.length, 2),
  },
  {
    name: 'an unreadable input among good ones, human: the summary line counts it, no all-clear for it',
    args: ['--brief', NGINX_RESOLVER, 'no/such/file.log'],
    exitCode: 2,
    stderr: /^stapling-doctor: no\/such\/file\.log: no such file or directory\n$/,
    stdout: /\nstapling-doctor: 1 finding \(1 notice\) in 1 line of 1 input \(1 with unknown prefix\); 1 input could not be read\.\n$/,
  },
  {
    // A file the open refused (EACCES; even root may not read this one): one line on stderr, and the report
    // (which may be saved to a file) names it next to its summary, with nothing read, as for lz4 or zip.
    name: 'a file that cannot be opened (permission denied) among good ones, human: stderr names it, the report too (nothing read), counted',
    args: ['--brief', NGINX_RESOLVER, '/proc/sys/vm/drop_caches'],
    exitCode: 2,
    stderr: /^stapling-doctor: \/proc\/sys\/vm\/drop_caches: permission denied\n$/,
    stdout: (out) => {
      const named = out.split('\n').filter((l) => l.includes('drop_caches'));
      expectEqual(named, ['/proc/sys/vm/drop_caches: permission denied — nothing read.']);
      if (
        !/\nstapling-doctor: 1 finding \(1 notice\) in 1 line of 2 inputs \(1 with unknown prefix\); 1 input could not be read\.\n$/.test(
          out,
        )
      )
        throw new Error(`the summary line does not count the unread input:\n${out}`);
    },
  },
  {
    name: 'a file that cannot be opened, alone, human: the report says nothing was read, the summary counts it, exit 2',
    args: ['/proc/sys/vm/drop_caches'],
    exitCode: 2,
    stderr: /^stapling-doctor: \/proc\/sys\/vm\/drop_caches: permission denied\n$/,
    stdout:
      /^\/proc\/sys\/vm\/drop_caches: permission denied — nothing read\.\n\nstapling-doctor: no stapling problems found in 0 lines of 1 input; 1 input could not be read\.\n$/,
  },
  {
    name: 'a file that cannot be opened, JSON: in inputs[] with status error and EACCES',
    args: ['-f', 'json', '/proc/sys/vm/drop_caches'],
    exitCode: 2,
    stderr: /^stapling-doctor: \/proc\/sys\/vm\/drop_caches: permission denied\n$/,
    stdout: (out) =>
      expectEqual(
        report(out).inputs.map((i) => [i.file, i.status, i.code, i.error]),
        [['/proc/sys/vm/drop_caches', 'error', 'EACCES', 'permission denied']],
      ),
  },
  {
    name: 'HTML, the filters hide every finding: the headline says how many, never the green all-clear',
    args: ['--format', 'html', '--server', 'nginx', 'samples/real/apache-revoked.log'],
    exitCode: 0,
    stdout: (out) => {
      const headline = /<p class="summary">[^\n]*/.exec(out)![0];
      if (headline.includes('class="ok"') || headline.includes('No stapling problems found'))
        throw new Error(`a green all-clear over a hidden finding: ${headline}`);
      expectEqual(/No stapling problems shown .* <span class="bad">1 more hidden by the filters<\/span>/.test(headline), true);
    },
  },
  {
    name: 'HTML, the filters hide some findings: the headline counts the shown ones and says how many more were hidden',
    args: ['--format', 'html', '--fail-on', 'never', '--cause', 'resolver-missing', 'samples/seed'],
    exitCode: 0,
    stdout: (out) => {
      const headline = /<p class="summary">[^\n]*/.exec(out)![0];
      expectEqual(/^<p class="summary">\d+ findings?: .* <span class="bad">\d+ more hidden by the filters<\/span>/.test(headline), true);
    },
  },
  {
    name: 'NDJSON, the filters hide every finding: the end line says how many ("hidden"), as the summary line does',
    args: ['--format', 'ndjson', '--server', 'nginx', 'samples/real/apache-revoked.log'],
    exitCode: 0,
    stdout: (out) => {
      const lines = out.trimEnd().split('\n');
      expectEqual(lines.length, 1);
      expectEqual((JSON.parse(lines[0]!) as { event: string; hidden?: number }).hidden, 1);
    },
  },
  {
    name: 'NDJSON without filters: the end line has no "hidden"',
    args: ['--format', 'ndjson', 'samples/real/apache-revoked.log'],
    exitCode: 1,
    stdout: (out) => expectEqual('hidden' in (JSON.parse(out.trimEnd().split('\n').at(-1)!) as object), false),
  },
  {
    name: 'stdin, batch (--no-live)',
    args: ['--no-live', '--format', 'json', '-'],
    stdin:
      '2014/05/09 17:38:16 [warn] 1#1: no resolver defined to resolve ocsp.startssl.com while requesting certificate status, responder: ocsp.startssl.com\n',
    exitCode: 0,
    stdout: (out) => expectEqual(causes(out), ['resolver-missing']),
  },
  {
    name: 'stdin, a paste begun inside the prefix and one after a label: both read, with what is left of the prefix',
    args: ['--no-live', '--format', 'json', '-'],
    stdin:
      '...34#1234: ocsp.comodoca.com could not be resolved (110: Operation timed out) while requesting certificate status, responder: ocsp.comodoca.com, certificate: "/etc/ssl/a.pem"\n' +
      'I get this in the log: recv() failed (111: Connection refused) while requesting certificate status, responder: r3.o.lencr.org, peer: 192.0.2.7:80, certificate: "/etc/ssl/b.pem"\n',
    exitCode: 1,
    stdout: (out) => {
      expectEqual(causes(out), ['dns-resolution-failed', 'responder-unreachable']);
      // Neither line has the server's whole prefix; what the first kept of it (nginx's pid) is read.
      expectEqual(
        firstEvidence(out).map((e) => [e.cut?.prefix, e.pid ?? null]),
        [
          ['missing', 34],
          ['missing', null],
        ],
      );
    },
  },
  {
    name: 'stdin, lines pasted from a Markdown editor (every `[`, `]`, `_` escaped): read as the server wrote them',
    args: ['--no-live', '--format', 'json', '-'],
    stdin:
      "\\[Fri May 09 23:36:44.055900 2014\\] \\[ssl:error\\] \\[pid 1491:tid 139921007208320\\] AH02217: ssl\\_stapling\\_init\\_cert: Can't retrieve issuer certificate! \\[subject: CN=www.my\\_site.example / issuer: CN=R3,O=Let's Encrypt,C=US / serial: 03AB / notbefore: May  1 00:00:00 2014 GMT / notafter: Jul 30 00:00:00 2014 GMT\\]\n" +
      '2021/01/05 10:00:00 [warn] 811#811: "ssl\\_stapling" ignored, no OCSP responder URL in the certificate "/etc/ssl/my\\_site.pem"\n',
    exitCode: 1,
    stdout: (out) => {
      expectEqual(causes(out), ['issuer-certificate-missing', 'ocsp-url-missing']);
      // The values without the editor's backslashes, the Apache line's prefix read (its pid).
      expectEqual(
        firstEvidence(out).map((e) => [e.pid, e.values.certSubject ?? e.values.certificate]),
        [
          [1491, 'CN=www.my_site.example'],
          [811, '/etc/ssl/my_site.pem'],
        ],
      );
    },
  },
  {
    name: 'stdin, a line retyped with single quotes and one whose typographic quotes became mojibake: both read with their paths',
    args: ['--no-live', '--format', 'json', '-'],
    stdin:
      "nginx: [warn] 'ssl_stapling' ignored, issuer certificate not found for certificate '/etc/ssl/a.pem'\n" +
      '2026/11/23 01:55:04 [error] 8491#8491: certificate status \u00e2\u20ac\u0153revoked\u00e2\u20ac\u009d in the OCSP response while requesting certificate status, responder: ocsp.example.com, peer: 192.0.2.7:80, certificate: \u00e2\u20ac\u0153/etc/ssl/b.pem\u00e2\u20ac\u009d\n',
    exitCode: 1,
    stdout: (out) => {
      expectEqual(causes(out), ['certificate-revoked', 'issuer-certificate-missing']);
      expectEqual(
        firstEvidence(out).map((e) => e.values.certificate),
        ['/etc/ssl/b.pem', '/etc/ssl/a.pem'],
      );
    },
  },
  {
    name: 'a directory: its error logs, recursively',
    args: ['--format', 'json', '--fail-on', 'never', 'samples/seed'],
    exitCode: 0,
    stdout: (out) => expectEqual(causes(out), ['issuer-certificate-missing', 'resolver-missing', 'trusted-chain-incomplete']),
  },
  {
    name: 'ndjson: finding events, then the end line with the statistics',
    args: ['--format', 'ndjson', NGINX_VERIFY],
    exitCode: 1,
    stdout: (out) => {
      const events = out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; stats?: { lines: number } });
      expectEqual(events[0]!.event, 'new');
      expectEqual(events[events.length - 1]!.event, 'end');
    },
  },
  { name: '--list-causes', args: ['--list-causes'], exitCode: 0, stdout: /^issuer-certificate-missing {2,}The server cannot find/ },
  {
    name: '--list-rules',
    args: ['--list-rules'],
    exitCode: 0,
    stdout: /nginx-ocsp-verify-failed +warning +response-signature-invalid +nginx\n[\s\S]*\d+ rules, \d+ samples\n$/,
  },
  {
    name: '--list-rules names the rules that apply only with --config, and says so',
    args: ['--list-rules'],
    exitCode: 0,
    stdout: /\nnginx-stapling-file-configured-unreadable +error +stapling-file-error +nginx \(with --config: ssl_stapling_file\)\n/,
  },
  {
    name: '--schema',
    args: ['--schema'],
    exitCode: 0,
    stdout: (out) => expectEqual((JSON.parse(out) as { $schema: string }).$schema, 'https://json-schema.org/draft/2020-12/schema'),
  },
  {
    name: 'explain a line',
    args: [
      'explain',
      '2016/02/09 22:20:21 [error] 2417#0: OCSP_basic_verify() failed (SSL: error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error:Verify error:unable to get local issuer certificate) while requesting certificate status, responder: gv.symcd.com',
    ],
    exitCode: 0,
    stdout: /cause: +trusted-chain-incomplete \(rule nginx-ocsp-verify-failed, warning\)/,
  },
  {
    name: 'explain without lines and a closed stdin: nothing to explain',
    args: ['explain', '--format', 'json'],
    stdin: '',
    exitCode: 0,
    stdout: (out) => expectEqual((JSON.parse(out) as { lines: unknown[] }).lines, []),
  },
  {
    name: 'explain - reads the lines from stdin, as the main command does',
    args: ['explain', '-'],
    stdin:
      '2016/02/09 22:20:21 [error] 2417#0: OCSP_basic_verify() failed (SSL: error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error:Verify error:unable to get local issuer certificate) while requesting certificate status, responder: gv.symcd.com\n',
    exitCode: 0,
    stdout: /cause: +trusted-chain-incomplete \(rule nginx-ocsp-verify-failed, warning\)/,
  },
  { name: 'probe without a target', args: ['probe'], exitCode: 2, stderr: /missing required argument 'target'/ },
  {
    name: 'probe with a bad port',
    args: ['probe', 'example.org:99999'],
    exitCode: 2,
    stderr: /^stapling-doctor: probe: port must be 1-65535, got "99999"\n$/,
  },
  {
    name: '--config that cannot be read: exit 2 with the path and the reason',
    args: ['--config', 'no/such.conf', NGINX_VERIFY],
    exitCode: 2,
    stderr: /--config: error: .*no\/such\.conf.*no such file/,
  },
  // A message that names any file (nginx's BIO_new_file for a certificate, dhparam or stapling file) is
  // stapling only when --config ties the file to ssl_stapling_file (issue 10, family 7). Captured lines;
  // nginx -t, where installed, refuses these configurations and says so on stderr.
  {
    name: 'BIO_new_file for a file without an OCSP-like name, no --config: silent',
    args: ['-f', 'json', TIED_LOG],
    exitCode: 0,
    stdout: (out) => expectEqual(causes(out), []),
  },
  {
    name: 'BIO_new_file for the file --config names in ssl_stapling_file: stapling-file-error, that line only',
    args: ['-f', 'json', '--config', `${TIED}/nginx.conf`, TIED_LOG],
    exitCode: 1,
    stdout: (out) =>
      expectEqual(
        report(out).findings.map((f) => [f.cause, f.ruleIds, f.evidence.map((e) => e.line)]),
        [['stapling-file-error', ['nginx-stapling-file-configured-unreadable'], [1]]],
      ),
    stderr: CONFIG_NOTES,
  },
  {
    name: 'BIO_new_file for the file --config names in ssl_dhparam: silent',
    args: ['-f', 'json', '--config', `${TIED}/nginx-dhparam.conf`, TIED_LOG],
    exitCode: 0,
    stdout: (out) => expectEqual(causes(out), []),
    stderr: CONFIG_NOTES,
  },
  {
    name: 'SSL_CTX_load_verify_locations for the ssl_trusted_certificate of a stapling block (--config): trusted-chain-incomplete, an error',
    args: ['-f', 'json', '--config', `${TRUSTED}/nginx.conf`, `${TRUSTED}/error.log`],
    exitCode: 1,
    stdout: (out) =>
      expectEqual(
        report(out).findings.map((f) => [f.cause, f.severity, f.ruleIds, f.evidence.map((e) => e.line)]),
        [['trusted-chain-incomplete', 'error', ['nginx-trusted-certificate-unreadable'], [1]]],
      ),
    stderr: CONFIG_NOTES,
  },
  {
    name: 'SSL_CTX_load_verify_locations for an ssl_client_certificate (--config): silent, client certificates are not stapling',
    args: ['-f', 'json', '--config', `${TRUSTED}/nginx-client-ca.conf`, `${TRUSTED}/error.log`],
    exitCode: 0,
    stdout: (out) => expectEqual(causes(out), []),
    stderr: CONFIG_NOTES,
  },
  // nginx's resolver unreachable (test/fixtures/resolver): its socket errors are every resolver user's.
  {
    name: "nginx's resolver refused for a proxy_pass lookup: no finding (the socket errors are not stapling's)",
    args: ['-f', 'json', 'test/fixtures/resolver/nginx-proxy-resolver-refused.log'],
    exitCode: 0,
    stdout: (out) => expectEqual(causes(out), []),
  },
  {
    name: "nginx's resolver refused for the OCSP responder: dns-resolution-failed, from the stapling line",
    args: ['-f', 'json', 'test/fixtures/resolver/nginx-stapling-resolver-refused.log'],
    exitCode: 1,
    stdout: (out) =>
      expectEqual(
        report(out).findings.map((f) => [f.cause, f.count, f.subject.responder]),
        [['dns-resolution-failed', 1, 'localhost']],
      ),
  },
  // Fleets (issue 11)
  {
    name: 'journalctl -o json of two hosts: findings carry their host',
    args: ['-f', 'json', '--fail-on', 'never', 'test/fixtures/records/journalctl-json-two-hosts.ndjson'],
    exitCode: 0,
    stdout: (out) => expectEqual([...new Set(report(out).findings.map((f) => f.host))], ['web01', 'web02']),
  },
  {
    // Sweep (CLI filters): --host compared case-sensitively; host names are not (RFC 4343).
    name: '--host in capitals, in a comma list: the findings of the host the log names in lower case',
    args: ['-f', 'json', '--fail-on', 'never', '--host', 'WEB02,Nowhere', 'test/fixtures/records/journalctl-json-two-hosts.ndjson'],
    exitCode: 0,
    stdout: (out) => expectEqual([...new Set(report(out).findings.map((f) => f.host))], ['web02']),
  },
  {
    name: '--host in lower case: the findings of a host the log names in capitals, its name shown as the log wrote it',
    args: ['-f', 'json', '--no-live', '--fail-on', 'never', '--host', 'web03.example.com'],
    stdin:
      '{"MESSAGE":"2026/11/23 02:17:04 [error] 5929#5929: recv() failed (111: Connection refused) while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:34713, certificate: \\"/etc/a.pem\\"","_HOSTNAME":"Web03.Example.COM","SYSLOG_IDENTIFIER":"nginx"}\n',
    exitCode: 0,
    stdout: (out) =>
      expectEqual(
        report(out).findings.map((f) => [f.cause, f.host]),
        [['responder-unreachable', 'Web03.Example.COM']],
      ),
  },
  {
    name: 'a record line that cannot be decoded is counted, not matched',
    args: ['-f', 'json', '--no-live', '--fail-on', 'never'],
    stdin: '{"MESSAGE":"2026/11/23 02:17:07 [error] 6172#6172: certificate status \\"revoked\\" in the OCSP resp\n',
    exitCode: 0,
    stdout: (out) => expectEqual([report(out).stats.undecoded, report(out).findings.length], [1, 0]),
  },
  {
    name: '--format ecs: one ECS document per finding',
    args: ['-f', 'ecs', '--fail-on', 'never', NGINX_VERIFY],
    exitCode: 0,
    stdout: (out) =>
      expectEqual(
        out
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { event: { kind: string; code: string } }).event.code),
        ['trusted-chain-incomplete', 'trusted-chain-incomplete'], // two certificates
      ),
  },
  {
    name: '--host-from-path without {host}',
    args: ['--host-from-path', '/var/log/*.log', NGINX_VERIFY],
    exitCode: 2,
    stderr: /needs \{host\} once/,
  },
  { name: 'omprog without --output', args: ['omprog'], exitCode: 2, stderr: /required option '--output <file>' not specified/ },
  { name: 'rules export to an unknown engine', args: ['rules', 'export', '--to', 'splunk'], exitCode: 2, stderr: /'splunk' is invalid/ },
  {
    name: 'rules export --to loki: the rules file, and the patterns RE2 cannot express on stderr',
    args: ['rules', 'export', '--to', 'loki'],
    exitCode: 0,
    stdout: /^groups:\n {2}- name: stapling-doctor-nginx\n/,
    stderr: /loki: nginx-responder-http-status: not-exported: pattern 1 uses a lookaround/,
  },
];

/** Check a run against its case (jest's expect). */
export function check(c: CliCase, r: CliOutput): void {
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: c.exitCode });
  if (c.stderr === undefined || c.stderr === '') expect(r.stderr).toBe('');
  else expect(r.stderr).toMatch(c.stderr);
  if (c.stdout instanceof RegExp) expect(r.stdout).toMatch(c.stdout);
  else c.stdout?.(r.stdout);
}
