/**
 * The HTML report without a browser: escaping of any text, the page written in pieces, the CSP that
 * allows exactly the page's style, hosts (fleet inputs) as rows and lanes, and the chunk writer's
 * backpressure. test/html-report.e2e.test.ts opens the page in Chromium.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyze, renderReport, type Report } from '../src/findings/analyzer.js';
import { escapeHtml } from '../src/format/html-escape.js';
import { htmlReport, HTML_CSP } from '../src/format/html.js';
import { terminalSafe } from '../src/format/sanitize.js';
import { loadRules } from '../src/rules/load.js';
import { Output, writeChunks, type OutStream } from '../src/run/output.js';
import type { Inspection } from '../src/types.js';
import { HOSTILE, writeIncident } from './helpers/incident-log.js';

const decode = (s: string): string =>
  s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

/** Characters a page must never carry raw from a log: markup, quotes, controls, bidi and invisible formatting. */
const UNSAFE_RAW = /[<>"'\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;

let incident: Report;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sd-html-'));
  try {
    const [nginx] = writeIncident(dir).filter((f) => f.endsWith('nginx-error.log'));
    incident = renderReport(analyze(fs.readFileSync(nginx!, 'utf8'), await loadRules(), { name: 'nginx-error.log' }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const page = (r: Report): string => [...htmlReport(r)].join('');

describe('escaping', () => {
  test('any text becomes inert HTML that reads as the terminal-safe text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const out = escapeHtml(s);
        expect(out).not.toMatch(UNSAFE_RAW);
        expect(decode(out)).toBe(terminalSafe(s));
      }),
    );
  });

  test('the hostile line’s markup, quotes, terminal escapes and bidi override reach the page only as visible text', () => {
    const html = page(incident);
    expect(JSON.stringify(incident.findings)).toContain(HOSTILE.certificate.slice(0, 20));
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;&#39;\\u202e.pem');
    expect(html).not.toMatch(/[\u001b\u0007\u202e]/);
  });
});

describe('the page', () => {
  test('is written in pieces: head and overview, timeline, one piece per finding and group, foot', () => {
    const chunks = [...htmlReport(incident)];
    const causes = new Set(incident.findings.map((f) => f.cause)).size;
    expect(chunks.length).toBe(2 + 1 + causes + incident.findings.length + 1 + 1);
    expect(chunks[0]!.startsWith('<!doctype html>')).toBe(true);
    expect(chunks[chunks.length - 1]!.endsWith('</html>\n')).toBe(true);
    for (const f of incident.findings) expect(chunks.filter((c) => c.includes(`id="f-${f.id}"`))).toHaveLength(1);
  });

  test('its CSP forbids every request and allows exactly its own style block', () => {
    const html = page(incident);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = createHash('sha256').update(style).digest('base64');
    expect(HTML_CSP).toContain(`style-src 'sha256-${hash}'`);
    expect(HTML_CSP).toMatch(/^default-src 'none';/);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${escapeHtml(HTML_CSP)}">`);
    // Nothing that could load: no tag with a src/srcset/action, no link but to the page itself, no url() in the style.
    expect(html).not.toMatch(/<[a-z]+\s[^>]*\b(src|srcset|action|xlink:href)=/i);
    expect(html).not.toMatch(/<[a-z]+\s[^>]*\bhref="(?!#)/i);
    expect(style).not.toMatch(/url\(|@import/i);
  });

  test('a report without findings is a page that says so', () => {
    const html = page({ ...incident, findings: [] });
    expect(html).toContain('No stapling problems found');
    expect(html).not.toContain('<svg');
    expect(html.endsWith('</html>\n')).toBe(true);
  });

  test('an input that could not be read, or a stopped run, is said at the top: no green all-clear for what was not read', () => {
    const clean = (html: string): string => /<p class="summary">[^\n]*/.exec(html)![0];
    const failed = { file: 'error.log.2.lz4', files: 1, lines: 0, parsed: 0, unparsed: 0, skipped: 0, undecoded: 0, matched: 0 };
    const unread = page({
      ...incident,
      findings: [],
      inputs: [...incident.inputs, { ...failed, error: 'lz4-compressed data', status: 'error' }],
    });
    expect(clean(unread)).not.toContain('class="ok"');
    expect(clean(unread)).toMatch(/1 input could not be read/);
    const stopped = page({ ...incident, findings: [], interrupted: true });
    expect(clean(stopped)).not.toContain('class="ok"');
    expect(clean(stopped)).toMatch(/interrupted: the inputs were not all read/);
    expect(clean(page({ ...incident, findings: [] }))).toContain('<span class="ok">No stapling problems found</span>');
  });

  test('findings the filters hid are said at the top: "shown", never the green all-clear, and how many more', () => {
    const clean = (html: string): string => /<p class="summary">[^\n]*/.exec(html)![0];
    const none = clean([...htmlReport({ ...incident, findings: [] }, { hidden: 2 })].join(''));
    expect(none).not.toContain('class="ok"');
    expect(none).toMatch(/^<p class="summary">No stapling problems shown · .*<span class="bad">2 more hidden by the filters<\/span>/);
    const some = clean([...htmlReport(incident, { hidden: 1 })].join(''));
    expect(some).toMatch(/^<p class="summary">\d+ findings: .*<span class="bad">1 more hidden by the filters<\/span>/);
    expect(clean(page(incident))).not.toContain('hidden');
  });

  test('findings of several hosts: a Host column, one row and one lane per cause and host, host names escaped and never an id', () => {
    const hosts = ['web-1', `web-2<b>"'`];
    const findings = incident.findings.flatMap((f) => hosts.map((host) => ({ ...f, id: f.id, host })));
    const html = page({ ...incident, findings });
    expect(html).toContain('<th>Host</th>');
    const rows = [...html.matchAll(/<tr class="sev-\w+" data-cause="([^"]+)" data-host="([^"]*)">\n<td>/g)].map((m) => `${m[1]} ${m[2]}`);
    const lanes = [...html.matchAll(/<g class="lane sev-\w+" data-cause="([^"]+)" data-host="([^"]*)"/g)].map((m) => `${m[1]} ${m[2]}`);
    const want = [...new Set(incident.findings.map((f) => f.cause))].flatMap((c) => hosts.map((h) => `${c} ${escapeHtml(h)}`));
    expect(rows).toEqual(want);
    expect(lanes).toEqual(want);
    expect(html).not.toContain('<b>');
    expect(html).not.toMatch(/id="[^"]*web-2/);
  });

  test('what --inspect found is shown with the finding, escaped', () => {
    const f = incident.findings[0]!;
    const inspection: Inspection = {
      result: 'refuted',
      checks: [{ check: 'issuer-present', result: 'refuted', detailId: 'x', data: {}, detail: 'found <b>the issuer</b> in "chain.pem"' }],
      missing: [{ subject: 'CN=<Intermediate>', role: 'issuer', caIssuersUrl: 'http://ca.test/i.der', neededIn: 'certificate-file' }],
      causeChange: 'The cause changed.',
    };
    const html = page({ ...incident, findings: [{ ...f, inspection }] });
    expect(html).toContain('<h4>Inspection: refuted</h4>');
    expect(html).toContain('found &lt;b&gt;the issuer&lt;/b&gt; in &quot;chain.pem&quot;');
    expect(html).toContain('CN=&lt;Intermediate&gt; (issuer, for the certificate file) — <code>http://ca.test/i.der</code>');
  });

  test('a lane’s episodes are its findings’ episodes merged on one clock', () => {
    const html = page(incident);
    for (const cause of new Set(incident.findings.map((f) => f.cause))) {
      const lane = new RegExp(`<g class="lane sev-\\w+" data-cause="${cause}"[^>]*data-episodes="(\\d+)"`).exec(html);
      const starts = new Set(incident.findings.filter((f) => f.cause === cause).flatMap((f) => f.timeline.episodes.map((e) => e.start)));
      // The incident's findings of one cause never overlap in time, so the lane has each of their episodes.
      expect(Number(lane![1])).toBe(starts.size);
    }
  });
});

describe('writeChunks', () => {
  test('writes the next piece only after the reader drained the last one, and stops when the output closed', async () => {
    const written: string[] = [];
    let drain: (() => void) | null = null;
    const stream: OutStream = {
      write: (c) => {
        written.push(c);
        return false; // always full: every write must wait for 'drain'
      },
      once: (_e, cb) => {
        drain = cb;
      },
    };
    const out = new Output(stream, () => undefined);
    const done = writeChunks(out, ['a', 'b', 'c']);
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual(['a']);
    drain!();
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual(['a', 'b']);
    out.closed = true;
    drain!();
    await done;
    expect(written).toEqual(['a', 'b']);
  });
});
