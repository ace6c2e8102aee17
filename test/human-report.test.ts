/**
 * The human report people read: an overview first (one row per cause, per host when there are several),
 * details grouped by cause with blocks shared by several findings printed once, `--brief`, evidence cut
 * to the terminal's width, filters for what is shown (the exit code follows them) and `--since`/`--until`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { formatOverview } from '../src/format/human.js';
import { createTimeline } from '../src/findings/timeline.js';
import { groupFindings } from '../src/format/html-timeline.js';
import { overviewRows, type OverviewFinding } from '../src/format/overview.js';
import type { Report } from '../src/findings/analyzer.js';
import { run } from '../src/run/run.js';
import { parseTimeBound } from '../src/run/show-options.js';
import type { Finding } from '../src/types.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

/** The CLI in-process, stdout a terminal of `columns` columns when given. */
async function inProcess(args: string[], columns?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run({
    argv: args,
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
    stdout: { write: (s: string) => ((stdout += s), true), ...(columns ? { isTTY: true, columns } : {}) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    env: { NO_COLOR: '1' },
    cwd: ROOT,
  });
  return { code, stdout, stderr };
}

const json = async (args: string[]): Promise<Report> => JSON.parse((await inProcess(['--format', 'json', ...args])).stdout) as Report;

describe('the overview', () => {
  test('`npm start` opens with the overview: one row per cause, its severity, count, certificates/vhosts and first → last', async () => {
    const script = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const args = script.replace(/^node dist\/cli\.js /, '').split(' ');
    const r = runCli(args);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^━━ Overview: \d+ findings, \d+ causes$/);
    const report = await json(args);
    const causes = [...new Set(report.findings.map((f) => f.cause))];
    const rows = lines.slice(2, 2 + causes.length);
    expect(lines[2 + causes.length]).toBe(''); // the table ends where the causes end
    causes.forEach((cause, i) => {
      const mine = report.findings.filter((f) => f.cause === cause);
      const count = mine.reduce((n, f) => n + f.count, 0);
      const cells = rows[i]!.trim().split(/\s{2,}/);
      expect(cells[1]).toBe(cause);
      expect(cells[0]).toBe(mine.some((f) => f.severity === 'error') ? 'ERROR' : mine[0]!.severity.toUpperCase());
      expect(cells[2]).toBe(`×${count}`);
    });
  });

  const f = (over: Partial<OverviewFinding>): OverviewFinding => ({
    cause: 'issuer-certificate-missing',
    severity: 'warning',
    count: 1,
    first: '2026-11-21T12:00:00',
    last: '2026-11-21T12:00:00',
    subject: {},
    ...over,
  });

  test('one row per cause and host when the findings come from several hosts; certificates counted once', () => {
    const findings = [
      f({ host: 'web01', count: 2, subject: { certificate: '/a.pem' }, first: '2026-11-22T10:00:00', last: '2026-11-23T10:00:00' }),
      f({ host: 'web01', count: 1, subject: { certificate: '/a.pem' }, severity: 'error', first: '2026-11-20T10:00:00' }),
      f({ host: 'web02', count: 5, subject: { vhost: 'www.example.com:443:0' } }),
      f({ host: 'web02', cause: 'resolver-missing', severity: 'notice', subject: { responder: 'ocsp.example.com' } }),
    ];
    const rows = overviewRows(findings);
    expect(rows).toEqual([
      expect.objectContaining({
        cause: 'issuer-certificate-missing',
        host: 'web01',
        severity: 'error',
        count: 3,
        subjects: 1,
        first: '2026-11-20T10:00:00',
        last: '2026-11-23T10:00:00',
      }),
      expect.objectContaining({ cause: 'issuer-certificate-missing', host: 'web02', count: 5, subjects: 1 }),
      expect.objectContaining({ cause: 'resolver-missing', host: 'web02', count: 1, subjects: 0 }),
    ]);
    const text = formatOverview(findings as unknown as Finding[], { color: 0 });
    expect(text.split('\n')[1]).toMatch(/severity\s+cause\s+host\s+count/);
    expect(text).toContain('2026-11-20 10:00:00 → 2026-11-23 10:00:00');
  });

  test('one host (or none known): one row per cause, no host column', () => {
    const rows = overviewRows([f({ host: 'web01' }), f({ host: 'web01', subject: { certificate: '/b.pem' } })]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.host).toBeUndefined();
    expect(formatOverview([f({})] as unknown as Finding[], { color: 0 }).split('\n')[1]).not.toMatch(/\bhost\b/);
  });
});

describe('past the per-cause limit: the certs/vhosts column counts the summary finding’s own identities', () => {
  /** An nginx log in which `certs` certificates are each revoked once, one a second. */
  const revokedLog = (certs: number): string =>
    Array.from({ length: certs }, (_, k) => {
      const t = new Date(Date.UTC(2026, 10, 23) + k * 1000).toISOString().slice(0, 19).replace(/-/g, '/').replace('T', ' ');
      return `${t} [error] 6172#6172: certificate status "revoked" in the OCSP response while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:42963, certificate: "/etc/ssl/c${k}.pem"\n`;
    }).join('');

  test('1 200 certificates of one cause: JSON, the human overview and the HTML overview all say 1200', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'error.log');
      fs.writeFileSync(file, revokedLog(1200));
      const report = await json([file]);
      const summary = report.findings.find((x) => x.aggregate)!;
      expect(report.findings).toHaveLength(1001);
      expect(summary.aggregate).toEqual({ findings: 200, exact: true, of: 'certificate' });
      const human = (await inProcess(['--brief', file])).stdout;
      expect(human).toMatch(/ERROR\s+certificate-revoked\s+×1200\s+1200\s/);
      const html = (await inProcess(['--format', 'html', file])).stdout;
      expect(html).toMatch(/<td class="num">1200<\/td><td class="num">1200<\/td>/);
    } finally {
      cleanup();
    }
  }, 120_000);

  test('a summary whose number of identities is a lower bound is shown as "at least N", in both overviews', () => {
    const base = { cause: 'certificate-revoked', severity: 'error', count: 1, first: null, last: null } as const;
    const listed = { ...base, subject: { certificate: '/a.pem' } };
    const summary = { ...base, count: 7, subject: {}, aggregate: { findings: 5, exact: false, of: 'certificate' } } as const;
    const row = overviewRows([listed, summary])[0]!;
    expect(row).toMatchObject({ subjects: 6, subjectsAtLeast: true });
    expect(formatOverview([listed, summary] as unknown as Finding[], { color: 0 })).toMatch(/×8\s+at least 6\s/);
    const group = groupFindings(
      [listed, summary].map((x) => ({
        ...x,
        server: 'nginx',
        id: x.count === 1 ? 'a' : 's',
        timeline: createTimeline().snapshot(),
      })) as unknown as Finding[],
    )[0]!;
    expect(group).toMatchObject({ subjects: 6, subjectsAtLeast: true });
  });

  test('a summary of responders (no certificate or vhost of every identity) makes the certs/vhosts count a lower bound', () => {
    const summary = { cause: 'responder-timeout', severity: 'warning', count: 3, first: null, last: null, subject: {} } as const;
    const row = overviewRows([{ ...summary, aggregate: { findings: 3, exact: true, of: 'responder' } }])[0]!;
    expect(row).toMatchObject({ subjects: 0, subjectsAtLeast: true });
  });
});

describe('details', () => {
  // three certificates of one nginx: the same Confirm commands, three times before
  const lines = ['a', 'b', 'c']
    .map(
      (n) =>
        `2026/11/23 02:16:56 [warn] 5354#5354: "ssl_stapling" ignored, issuer certificate not found for certificate "/etc/ssl/${n}.pem"`,
    )
    .join('\n');
  test('a Confirm block every finding of a group shares is printed once for the group', () => {
    const { dir, cleanup } = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'error.log'), `${lines}\n`);
      const out = runCli(['--fail-on', 'never', path.join(dir, 'error.log')]).stdout;
      expect(out.match(/\$ nginx -t && nginx -s reload/g)).toHaveLength(1);
      expect(out.match(/Confirm: below, the same for all 3 findings/g)).toHaveLength(3);
      expect(out).toContain('Confirm for all 3 findings above:');
    } finally {
      cleanup();
    }
  });

  test('--brief prints the overview and the summary only', async () => {
    const r = await inProcess(['--brief', '--fail-on', 'never', 'samples/']);
    expect(r.stdout.startsWith('━━ Overview')).toBe(true);
    expect(r.stdout).not.toMatch(/Evidence|Fix:|Confirm/);
    expect(r.stdout.trimEnd().split('\n').pop()).toMatch(/^stapling-doctor: 37 findings/);
  });

  test.each([80, 100, 132])('evidence and subject lines fit a terminal of %i columns', async (columns) => {
    const r = await inProcess(['--fail-on', 'never', 'samples/real/'], columns);
    const evidence = r.stdout.split('\n').filter((l) => /^ {3}samples\/real\/\S+:\d+ {2}/.test(l));
    expect(evidence.length).toBeGreaterThan(20);
    for (const l of evidence) expect([...l].length).toBeLessThanOrEqual(columns);
    expect(evidence.some((l) => [...l].length === columns)).toBe(true); // cut at the edge, not before
  });
});

describe('filters choose what is shown; the exit code follows what is shown', () => {
  test('--server, --cause, --min-severity each keep exactly the matching findings', async () => {
    const all = (await json(['--fail-on', 'never', 'samples/'])).findings;
    const apache = await json(['--server', 'apache', 'samples/']);
    expect(apache.findings.map((f) => f.id)).toEqual(all.filter((f) => f.server === 'apache').map((f) => f.id));
    const two = await json(['--cause', 'certificate-revoked,resolver-missing', 'samples/']);
    expect(two.findings.map((f) => f.id)).toEqual(
      all.filter((f) => ['certificate-revoked', 'resolver-missing'].includes(f.cause)).map((f) => f.id),
    );
    const errors = await json(['--min-severity', 'error', 'samples/']);
    expect(errors.findings.map((f) => f.id)).toEqual(all.filter((f) => f.severity === 'error').map((f) => f.id));
    expect(errors.stats).toEqual((await json(['samples/'])).stats); // everything is still analysed
  });

  test('the exit code and the summary follow what is shown', async () => {
    expect((await inProcess(['samples/real/nginx-resolver-missing.log'])).code).toBe(0); // a notice
    expect((await inProcess(['samples/real/nginx-revoked.log'])).code).toBe(1);
    const hidden = await inProcess(['--cause', 'resolver-missing', 'samples/real/nginx-revoked.log']);
    expect(hidden.code).toBe(0);
    expect(hidden.stdout).toMatch(/no stapling problems shown .* 1 more hidden by the filters\.$/m);
  });

  test('--host shows only findings of that host; logs that name no host show none', async () => {
    const r = await inProcess(['--host', 'web01', 'samples/real/nginx-revoked.log']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 more hidden by the filters/);
  });

  test('an unknown server or cause is a usage error', async () => {
    expect((await inProcess(['--server', 'iis', 'samples/'])).code).toBe(2);
    const r = await inProcess(['--cause', 'nope', 'samples/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--cause: unknown cause "nope"/);
  });
});

describe('--since / --until bound the scan by line time', () => {
  const line = (t: string): string =>
    `${t} [error] 5929#5929: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.example.com, peer: 192.0.2.1:80, certificate: "/etc/ssl/a.pem"`;
  const stamp = (d: Date): string => {
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  };

  test('ISO-8601 bounds on the log’s clock: only the lines inside count, first/last from them', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const days = [20, 21, 22, 23, 24].map((d) => line(`2026/11/${d} 12:00:00`));
      fs.writeFileSync(path.join(dir, 'error.log'), `${days.join('\n')}\n`);
      const r = await json(['--since', '2026-11-21', '--until', '2026-11-23T12:00', path.join(dir, 'error.log')]);
      expect(r.findings[0]).toMatchObject({ count: 3, first: '2026-11-21T12:00:00', last: '2026-11-23T12:00:00' });
      expect(r.stats.lines).toBe(5);
      expect((await json(['--since', '2026-11-25', path.join(dir, 'error.log')])).findings).toEqual([]);
    } finally {
      cleanup();
    }
  });

  test('relative bounds count back from now on this machine’s clock', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const now = Date.now();
      const lines = [5, 3, 1].map((h) => line(stamp(new Date(now - h * 3_600_000))));
      fs.writeFileSync(path.join(dir, 'error.log'), `${lines.join('\n')}\n`);
      expect((await json(['--since', '2h', path.join(dir, 'error.log')])).findings[0]!.count).toBe(1);
      expect((await json(['--since', '4h', '--until', '2h', path.join(dir, 'error.log')])).findings[0]!.count).toBe(1);
      expect((await json(['--until', '4h', path.join(dir, 'error.log')])).findings[0]!.count).toBe(1);
    } finally {
      cleanup();
    }
  });

  test('bad bounds are usage errors that say which forms work', async () => {
    const r = await inProcess(['--since', 'yesterday', 'samples/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--since: "yesterday" is not a time/);
    expect((await inProcess(['--since', '2026-11-23', '--until', '2026-11-21', 'samples/'])).code).toBe(2);
  });

  test('an impossible date or time is a usage error, never a bound moved to another day', () => {
    // Date.UTC runs them on: month 13 was January of the next year (no finding, exit 0), February 30 was March 2.
    for (const bad of [
      '2026-13-01',
      '2026-02-30',
      '2026-04-31',
      '2027-02-29',
      '2026-11-21T24:00',
      '2026-11-21T12:60',
      '2026-11-21T12:00:60',
    ])
      expect(parseTimeBound(bad)).toEqual({ error: expect.stringMatching(/is not a time/) as unknown as string });
    expect(parseTimeBound('2028-02-29')).toBe(Date.UTC(2028, 1, 29));
    expect(parseTimeBound('2026-12-31T23:59:59')).toBe(Date.UTC(2026, 11, 31, 23, 59, 59));
  });

  test('parseTimeBound: the forms it takes', () => {
    const base = Date.UTC(2026, 10, 23, 12, 0, 0);
    expect(parseTimeBound('2026-11-21')).toBe(Date.UTC(2026, 10, 21));
    expect(parseTimeBound('2026-11-21 08:30')).toBe(Date.UTC(2026, 10, 21, 8, 30));
    expect(parseTimeBound('2026-11-21T08:30:15Z')).toBe(Date.UTC(2026, 10, 21, 8, 30, 15));
    expect(parseTimeBound('2026-11-21T08:30+01:00')).toBe(Date.UTC(2026, 10, 21, 7, 30));
    const local = base - new Date(base).getTimezoneOffset() * 60_000;
    expect(parseTimeBound('2h', base)).toBe(local - 7_200_000);
    expect(parseTimeBound('3d', base)).toBe(local - 3 * 86_400_000);
  });
});
