/**
 * `--format markup`: one self-contained page for post-incident reviews. An overview table (one row per
 * cause, and per host when the findings name hosts), a timeline per cause and host on the log's own
 * clock (episodes and failures over time, plain SVG), and every finding with its fix and evidence.
 *
 * Self-contained and inert: no script, no external style, font or image; a Content-Security-Policy
 * (`default-src 'none'`, the page's one style block allowed by its hash) makes the browser refuse any
 * request the page might otherwise make. Every value from the log is escaped (`html-escape.ts`).
 *
 * {@link htmlReport} yields the page in pieces (head and overview, timeline, one piece per finding,
 * foot) so a large report is written as it is produced, with backpressure (`src/run/output.ts`).
 */
import { createHash } from 'node:crypto';
import { timeMs } from '../correlate/time.js';
import { CAUSES } from '../findings/causes/index.js';
import { CHECK_TITLES, missingRole, RESULT_WORDS } from '../findings/inspection-wording.js';
import type { Report } from '../findings/analyzer.js';
import { SEVERITIES, type Finding, type FixStep, type Inspection, type Severity } from '../types.js';
import { VERSION } from '../version.js';
import { markup, Markup } from './html-escape.js';
import { HTML_STYLE } from './html-style.js';
import { groupFindings, hostOf, timelineSvg, type Group } from './html-timeline.js';
import { readBeforeError, subjectCountText } from './overview.js';

/** Options of {@link htmlReport}. */
export interface HtmlOptions {
  /** Page title (default `OCSP stapling report`). */
  title?: string;
  /** Findings the filters (`--server`, `--cause`, `--host`, `--min-severity`) hid: said in the headline, never a green all-clear over them. */
  hidden?: number;
}

/** The page's Content-Security-Policy: nothing may load; only the page's own style block applies. */
export const HTML_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(HTML_STYLE).digest('base64')}'; base-uri 'none'; form-action 'none'`;

const SEV_LABEL: Record<Severity, string> = { error: 'ERROR', warning: 'WARNING', notice: 'NOTICE', info: 'INFO' };

const titleOf = (cause: string): string => (CAUSES as Readonly<Record<string, { title: string } | undefined>>)[cause]?.title ?? cause;
/** A time as the log wrote it, without fractions of a second: `2026-11-23 02:17:04`. */
const clock = (t: string | null): string => (t ? t.replace('T', ' ').replace(/\.\d+/, '') : '—');
const span = (first: string | null, last: string | null): string =>
  first === null ? 'no time in the log' : clock(first) === clock(last) ? clock(first) : `${clock(first)} → ${clock(last)}`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
/** How long an episode lasted, from its first failure to its last: `under a minute`, `45 min`, `2 h 5 min`, `3 d 4 h`. */
function duration(start: string, end: string): string {
  const min = Math.round(((timeMs(end) ?? 0) - (timeMs(start) ?? 0)) / 60_000);
  if (min < 1) return 'under a minute';
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ''}`;
}
const badge = (s: Severity): Markup => markup`<span class="sev sev-${s}">${SEV_LABEL[s]}</span>`;
const findingAnchor = (f: Finding): string => `f-${f.id}`;
/** Anchors of groups by position (host names are log content: never part of an id). */
const groupAnchor = (groups: readonly Group[], g: Group): string => `g-${groups.indexOf(g) + 1}`;

/** Earliest and latest time of all findings (log clock). */
function logSpan(findings: readonly Finding[]): [string, string] | null {
  let lo: [number, string] | null = null;
  let hi: [number, string] | null = null;
  for (const f of findings) {
    for (const t of [f.first, f.last]) {
      const ms = timeMs(t);
      if (ms === null) continue;
      if (lo === null || ms < lo[0]) lo = [ms, t!];
      if (hi === null || ms > hi[0]) hi = [ms, t!];
    }
  }
  return lo && hi ? [lo[1], hi[1]] : null;
}

/**
 * What the page did not see, for its headline: inputs that could not be read (or not to their end) and
 * a stopped run; empty when everything was read.
 */
function unseen(report: Report): Markup[] {
  const unread = report.inputs.filter((i) => i.status === 'error' && !i.duplicateOf).length;
  const cut = report.inputs.filter((i) => i.status === 'partial' && i.error !== 'interrupted' && !i.duplicateOf).length;
  return [
    ...(unread ? [markup` \u00b7 <a class="bad" href="#inputs">${plural(unread, 'input')} could not be read</a>`] : []),
    ...(cut ? [markup` \u00b7 <a class="bad" href="#inputs">${plural(cut, 'input')} not read to the end</a>`] : []),
    ...(report.interrupted ? [markup` \u00b7 <span class="bad">interrupted: the inputs were not all read</span>`] : []),
  ];
}

function top(report: Report, title: string, hidden: number): Markup {
  const sev = SEVERITIES.map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  const when = logSpan(report.findings);
  const missed = unseen(report);
  const counts =
    report.findings.length > 0
      ? markup`${plural(report.findings.length, 'finding')}: ${sev.map(([k, n], i) => markup`${i ? ', ' : ''}${badge(k)} ${n}`)}`
      : hidden > 0
        ? markup`No stapling problems shown`
        : missed.length === 0
          ? markup`<span class="ok">No stapling problems found</span>`
          : markup`No stapling problems found in what was read`;
  // As the terminal's summary line says it: the findings are the shown ones; the rest were found and hidden.
  const filtered = hidden > 0 ? markup` \u00b7 <span class="bad">${hidden} more hidden by the filters</span>` : '';
  const read = markup`${plural(report.stats.lines, 'line')} read from ${plural(report.stats.files, 'input')}${missed}${filtered}`;
  return markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${HTML_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="stapling-doctor ${VERSION}">
<title>${title}</title>
<style>${new Markup(HTML_STYLE)}</style>
</head>
<body>
<header class="top">
<h1>${title}</h1>
<p class="summary">${counts} \u00b7 ${read}${when ? ` \u00b7 log time ${span(when[0], when[1])}` : ''}</p>
</header>
`;
}

function overviewRow(groups: readonly Group[], g: Group, hosts: boolean): Markup {
  const cause = markup`<a href="#${groupAnchor(groups, g)}">${titleOf(g.cause)}</a><br><code class="cause">${g.cause}</code>`;
  return markup`<tr class="sev-${g.severity}" data-cause="${g.cause}" data-host="${g.host ?? ''}">
<td>${badge(g.severity)}</td><td>${cause}</td>${hosts ? markup`<td>${g.host ?? '(unknown)'}</td>` : ''}<td>${g.servers.join(', ') || '?'}</td>
<td class="num">${g.count}</td><td class="num">${subjectCountText(g.subjects, g.subjectsAtLeast)}</td><td class="num">${g.timeline.episodes.length}</td><td class="when">${span(g.first, g.last)}</td></tr>
`;
}

function overview(groups: readonly Group[]): Markup {
  if (groups.length === 0) return markup``;
  const hosts = groups.some((g) => g.host !== null);
  return markup`<section id="overview">
<h2>Overview</h2>
<table class="overview">
<thead><tr><th>Severity</th><th>Cause</th>${hosts ? markup`<th>Host</th>` : ''}<th>Server</th><th title="failures counted in the log">Failures</th><th title="distinct certificates, vhosts or responders">Certificates / vhosts</th><th>Episodes</th><th>First \u2192 last (log clock)</th></tr></thead>
<tbody>
${groups.map((g) => overviewRow(groups, g, hosts))}</tbody>
</table>
</section>
`;
}

/** Most rows of the episode table (the timeline above shows them all). */
const EPISODE_ROWS = 100;

/** Every group's episodes in time order: when stapling broke, where, and when it recovered. */
function episodeTable(groups: readonly Group[]): Markup {
  const hosts = groups.some((g) => g.host !== null);
  const all = groups.flatMap((g) => g.timeline.episodes.map((e) => ({ g, e, ms: timeMs(e.start) ?? 0 })));
  if (all.length === 0) return markup``;
  all.sort((a, b) => a.ms - b.ms);
  const rows = all.slice(0, EPISODE_ROWS).map(
    ({ g, e }) => markup`<tr class="sev-${g.severity}" data-cause="${g.cause}" data-host="${g.host ?? ''}">
<td class="when">${clock(e.start)}</td><td class="when">${clock(e.end)}</td><td>${duration(e.start, e.end)}</td><td>${badge(g.severity)} ${g.cause}</td>${hosts ? markup`<td>${g.host ?? '(unknown)'}</td>` : ''}<td class="num">${e.count}</td></tr>
`,
  );
  const more = all.length - EPISODE_ROWS;
  return markup`<h3>Episodes, in time order</h3>
<table class="episode-table">
<thead><tr><th>Started</th><th>Last failure</th><th>Lasted</th><th>Cause</th>${hosts ? markup`<th>Host</th>` : ''}<th>Failures</th></tr></thead>
<tbody>
${rows}</tbody>
</table>
${more > 0 ? markup`<p class="note">${plural(more, 'more episode')} in the timeline above and in the findings below.</p>` : ''}`;
}

function timeline(groups: readonly Group[]): Markup {
  if (groups.length === 0) return markup``;
  const gaps = [...new Set(groups.map((g) => g.timeline.episodeGapMs))].map((ms) => `${ms / 60_000} min`);
  return markup`<section id="timeline">
<h2>Timeline</h2>
<p class="note">Failures over time on the log\u2019s own clock. A band is an episode: from its first failure to its last, with no pause longer than ${gaps.join(' or ')}; bars show how many failures fell in each stretch of time.</p>
${timelineSvg(groups)}
${episodeTable(groups)}
</section>
`;
}

function subjectRows(f: Finding): [string, string][] {
  const s = f.subject;
  const rows: [string, string | undefined][] = [
    ['host', hostOf(f) ?? undefined],
    ['certificate', s.certificate],
    ['subject', s.certSubject],
    ['issuer', s.certIssuer],
    ['serial', s.serial],
    ['valid until', s.notAfter],
    ['vhost', s.vhost],
    ['responder', s.responder ? s.responder + (s.peers?.length ? ` (${s.peers.join(', ')})` : '') : s.url],
    ['DNS name', s.host && s.host !== s.responder ? s.host : undefined],
    ['pid', s.pids?.length ? s.pids.join(', ') : undefined],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined);
}

function steps(list: readonly FixStep[]): Markup {
  const items = list.map((st) => {
    const cmd = st.command ? markup`<pre class="cmd"><code>${st.command}</code></pre>` : '';
    const tag = st.alternative ? markup`<span class="tag">or</span> ` : st.optional ? markup`<span class="tag">optional</span> ` : '';
    return markup`<li${st.alternative ? markup` class="alt"` : ''}>${tag}${st.text}${cmd}</li>\n`;
  });
  return markup`<ol class="steps">${items}</ol>`;
}

function inspection(ins: Inspection): Markup {
  const checks = ins.checks.map(
    (c) =>
      markup`<tr class="res-${c.result}"><td>${RESULT_WORDS[c.result]}</td><th>${CHECK_TITLES[c.check]}</th><td>${c.detail}</td></tr>\n`,
  );
  const missing = ins.missing.map((m) => {
    const where = missingRole(m);
    return markup`<li>${m.subject} (${where})${m.caIssuersUrl && m.role === 'issuer' ? markup` \u2014 <code>${m.caIssuersUrl}</code>` : ''}</li>`;
  });
  const cert = ins.certificate;
  const read = cert
    ? markup`<p>Read <code>${cert.file ?? ''}</code>: ${cert.subject}, issuer ${cert.issuer}, serial ${cert.serial}, valid until ${cert.notAfter}</p>`
    : '';
  const result = `${ins.result === 'not-checked' ? 'not checked' : ins.result}${ins.causeBefore ? ` — cause changed from ${ins.causeBefore}` : ''}`;
  return markup`<div class="inspection res-${ins.result}"><h4>Inspection: ${result}</h4>
${ins.causeChange ? markup`<p>${ins.causeChange}</p>` : ''}${read}${ins.configBlock ? markup`<p>Configuration: <code>${ins.configBlock}</code></p>` : ''}
<table class="checks">${checks}</table>${missing.length ? markup`<p>Missing:</p><ul>${missing}</ul>` : ''}${ins.error ? markup`<p class="bad">Inspection failed: ${ins.error}</p>` : ''}</div>
`;
}

function episodeList(f: Finding): Markup {
  const tl = f.timeline;
  if (tl.episodes.length === 0) return markup``;
  const items = tl.episodes.map(
    (e) => markup`<li>${span(e.start, e.end)}: ${plural(e.count, 'failure')}, ${duration(e.start, e.end)}</li>`,
  );
  const untimed = tl.untimed ? markup`<p>${plural(tl.untimed, 'failure')} without a time.</p>` : '';
  return markup`<div class="episodes"><h4>${plural(tl.episodes.length, 'episode')} <small>(pauses of at most ${tl.episodeGapMs / 60_000} min)</small></h4><ol>${items}</ol>${untimed}</div>
`;
}

function evidence(f: Finding): Markup {
  const total = f.evidence.length + f.evidenceOmitted;
  const lines = f.evidence.map((e) => markup`<span class="loc">${e.file}:${e.line}</span> ${e.text}\n`);
  const count = total > f.evidence.length ? `${f.evidence.length} of ${total} lines` : plural(total, 'line');
  return markup`<details class="evidence"><summary>Evidence (${count})</summary><pre>${lines}</pre></details>
`;
}

/** One finding: what, where, when, the fix, how to confirm it, the evidence. */
export function findingHtml(f: Finding): Markup {
  const rows = subjectRows(f).map(([k, v]) => markup`<dt>${k}</dt><dd><code>${v}</code></dd>`);
  const head = markup`${badge(f.severity)} <code class="cause">${f.cause}</code> \u00b7 ${f.server ?? 'server?'} \u00b7 ${plural(f.count, 'failure')} \u00b7 ${span(f.first, f.last)}`;
  return markup`<article class="finding sev-${f.severity}" id="${findingAnchor(f)}" data-cause="${f.cause}" data-host="${hostOf(f) ?? ''}">
<p class="head">${head}</p>
<p class="message">${f.message}</p>
${rows.length ? markup`<dl class="subject">${rows}</dl>\n` : ''}${episodeList(f)}${f.inspection ? inspection(f.inspection) : ''}<div class="fix"><h4>Fix</h4><p>${f.fix.summary}</p>${steps(f.fix.steps)}
<h4>Confirm</h4><pre class="cmd"><code>${f.fix.verify.map((v) => markup`$ ${v}\n`)}</code></pre></div>
${evidence(f)}<p class="meta">rules: ${f.ruleIds.join(', ')} \u00b7 id: <code>${f.id}</code></p>
</article>
`;
}

function inputsAndStats(report: Report): Markup {
  const problems = report.inputs.flatMap((i) => [
    ...(i.error ? [markup`<li class="bad">${i.file}: ${i.error} \u2014 ${readBeforeError(i.lines)}</li>`] : []),
    ...(i.skipped ? [markup`<li>${i.file}: skipped ${plural(i.skipped, 'line')} longer than the limit.</li>`] : []),
  ]);
  const s = report.stats as unknown as Record<string, number>;
  const stats = Object.keys(s).map((k) => markup`<tr><th>${k}</th><td class="num">${s[k]}</td></tr>`);
  const inputs = report.inputs.map((i) => markup`<li><code>${i.file}</code>: ${plural(i.lines, 'line')}, ${i.matched} matched</li>\n`);
  return markup`<section id="inputs">
<h2>Inputs</h2>
${problems.length ? markup`<ul class="problems">${problems}</ul>\n` : ''}<ul class="inputs">${inputs}</ul>
<table class="stats">${stats}</table>
<p class="meta">stapling-doctor ${VERSION} \u00b7 report format ${report.version}</p>
</section>
</body>
</html>
`;
}

/**
 * The HTML page of a rendered report, in pieces to write one after the other.
 * @param report the findings shown (after the filters), stats and inputs
 * @param opts page title; `hidden`: how many findings the filters hid (0 when none)
 * @returns an iterator of HTML text chunks (their concatenation is the page)
 */
export function* htmlReport(report: Report, opts: HtmlOptions = {}): Generator<string> {
  const title = opts.title ?? 'OCSP stapling report';
  const groups = groupFindings(report.findings);
  yield top(report, title, opts.hidden ?? 0).text + overview(groups).text;
  yield timeline(groups).text;
  if (report.findings.length > 0) yield '<section id="findings">\n<h2>Findings</h2>\n';
  for (const g of groups) {
    const where = g.host === null ? '' : ` on ${g.host}`;
    const what = `(${g.cause}, ${plural(g.findings.length, 'finding')})`;
    yield markup`<h3 id="${groupAnchor(groups, g)}">${badge(g.severity)} ${titleOf(g.cause)}${where} <small>${what}</small></h3>\n`.text;
    for (const f of g.findings) yield findingHtml(f).text;
  }
  if (report.findings.length > 0) yield '</section>\n';
  yield inputsAndStats(report).text;
}
