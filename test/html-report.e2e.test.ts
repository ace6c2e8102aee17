/**
 * The HTML report in a real browser: Debian's headless Chromium, driven by playwright-core (never a
 * browser download), opens the report of a three-day incident built from real server lines
 * (test/helpers/incident-log.ts) and the test reads the DOM: one overview row per cause, one timeline
 * band per planned episode at its planned start and end, every finding, the hostile text shown as text,
 * no script, no console error, no request beyond the file itself. A screenshot is saved in
 * test-output/html-report/ (git-ignored) for a person to look at.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, runCli } from './helpers/cli.js';
import { expectedEpisodes, HOSTILE, writeIncident } from './helpers/incident-log.js';
import { describeIfPresent } from './helpers/prerequisites.js';
import { terminalSafe } from '../src/format/sanitize.js';
import type { Finding } from '../src/types.js';

const CHROMIUM = '/usr/bin/chromium';
const describeBrowser = describeIfPresent({
  suite: 'headless-browser suite (test/html-report.e2e.test.ts)',
  run: 'npm run test:browser',
  executables: [{ name: 'chromium', path: CHROMIUM, package: 'chromium' }],
});

/** The flags this machine needs: no GPU, no sandbox (root), and no background connections of Chromium's own. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const OUT = path.join(ROOT, 'test-output/html-report');

describeBrowser('the HTML report in headless Chromium', () => {
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  let findings: Finding[];
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const reportFile = path.join(OUT, 'report.html');

  beforeAll(async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    const logs = writeIncident(path.join(OUT, 'logs'));
    const html = runCli(['--format', 'html', '--fail-on', 'never', ...logs]);
    expect(html.stderr).toBe('');
    expect(html.code).toBe(0);
    fs.writeFileSync(reportFile, html.stdout);
    findings = JSON.parse(runCli(['--format', 'json', '--fail-on', 'never', ...logs]).stdout).findings;

    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sd-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
      timeout: 60_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    context.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(reportFile).href, { waitUntil: 'load', timeout: 30_000 });
    await page.screenshot({ path: path.join(OUT, 'report.png'), fullPage: true });
    await page.screenshot({ path: path.join(OUT, 'report-top.png') });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  test('the incident is what the plan says: the JSON report has the planned causes', () => {
    expect(new Set(findings.map((f) => f.cause))).toEqual(new Set(expectedEpisodes().keys()));
  });

  test('the overview has one row per cause, in report order, with the failures counted', async () => {
    const rows = await page.$$eval('table.overview tbody tr', (trs) =>
      trs.map((tr) => ({ cause: tr.getAttribute('data-cause'), failures: Number(tr.querySelectorAll('td.num')[0]?.textContent) })),
    );
    const causes = [...new Set(findings.map((f) => f.cause))];
    expect(rows.map((r) => r.cause)).toEqual(causes);
    for (const r of rows) expect(r.failures).toBe(findings.filter((f) => f.cause === r.cause).reduce((n, f) => n + f.count, 0));
  });

  test('the timeline has a band per planned episode, from its first failure to its last', async () => {
    for (const [cause, planned] of expectedEpisodes()) {
      const marks = await page.$$eval(`svg.timeline g.lane[data-cause="${cause}"] rect.episode`, (rs) =>
        rs.map((r) => ({
          start: r.getAttribute('data-start'),
          end: r.getAttribute('data-end'),
          count: Number(r.getAttribute('data-count')),
        })),
      );
      expect({ cause, marks }).toEqual({ cause, marks: planned });
    }
    // Bands are drawn where their times are: later episodes further right, inside the plot.
    const xs = await page.$$eval('svg.timeline g.lane[data-cause="responder-unreachable"] rect.episode', (rs) =>
      rs.map((r) => r.getBoundingClientRect().x),
    );
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(new Set(xs).size).toBe(xs.length);
  });

  test('every finding has its details with its fix', async () => {
    const articles = await page.$$eval('article.finding', (as) =>
      as.map((a) => ({ id: a.id, fix: a.querySelector('.fix ol.steps li') !== null, message: a.querySelector('.message')?.textContent })),
    );
    expect(articles.map((a) => a.id).sort()).toEqual(findings.map((f) => `f-${f.id}`).sort());
    for (const a of articles) expect(a.fix).toBe(true);
    // The sentence as the terminal shows it too: escapes visible.
    expect(articles.map((a) => a.message).sort()).toEqual(findings.map((f) => terminalSafe(f.message)).sort());
  });

  test('hostile log text is shown as text: no script or element from the log, escapes visible, bidi override neutralised', async () => {
    // Evaluated in the page (the test's TypeScript has no DOM types).
    const dom = (await page.evaluate(
      '({ scripts: document.scripts.length, images: document.images.length, text: document.body.innerText })',
    )) as {
      scripts: number;
      images: number;
      text: string;
    };
    expect(dom.scripts).toBe(0);
    expect(dom.images).toBe(0);
    // Shown as the terminal shows them: markup as text, escapes and the bidi override as visible \e, \x07, \u202e.
    expect(dom.text).toContain(terminalSafe(HOSTILE.responder));
    expect(dom.text).toContain(terminalSafe(HOSTILE.certificate));
    expect(dom.text).toContain('<script>alert(1)</script>');
    expect(dom.text).not.toMatch(/[\u001b\u0007\u202e]/);
    // The hostile value is in the findings the report is made of (so the check above is not vacuous).
    expect(JSON.stringify(findings)).toContain('alert(1)');
  });

  test('no console error, no request but the file itself; the style applied under the page’s CSP', async () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(reportFile).href]);
    const h1 = await page.evaluate("getComputedStyle(document.querySelector('h1')).fontSize");
    expect(h1).toBe('26px');
    const svgWidth = await page.$eval('svg.timeline', (s) => s.getBoundingClientRect().width);
    expect(svgWidth).toBeGreaterThan(1000);
    expect(fs.statSync(path.join(OUT, 'report.png')).size).toBeGreaterThan(10_000);
  });
});
