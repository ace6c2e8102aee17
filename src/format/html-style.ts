/**
 * The HTML report's one style block (system fonts only: nothing is loaded). The page's
 * Content-Security-Policy allows exactly this text, by its SHA-256 hash, so keep it a constant.
 */
export const HTML_STYLE = `
:root { color-scheme: light; --error: #c62828; --warning: #b45f06; --notice: #00796b; --info: #607d8b;
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 24px 28px 48px; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 17px; margin: 28px 0 8px; }
h3 small, h4 small { color: var(--muted); font-weight: normal; }
h4 { font-size: 14px; margin: 12px 0 4px; }
a { color: #0b57d0; text-decoration: none; }
a:hover { text-decoration: underline; }
.summary { margin: 0; color: var(--muted); }
.ok { color: #1a7f37; font-weight: 600; }
.bad { color: var(--error); }
.note, .meta { color: var(--muted); font-size: 13px; }
.sev { display: inline-block; min-width: 68px; padding: 1px 6px; border-radius: 4px; color: #fff; font-size: 11px;
  font-weight: 700; letter-spacing: .04em; text-align: center; vertical-align: 1px; }
.sev.sev-error { background: var(--error); } .sev.sev-warning { background: var(--warning); }
.sev.sev-notice { background: var(--notice); } .sev.sev-info { background: var(--info); }
table { border-collapse: collapse; }
table.overview { width: 100%; }
.overview th, .overview td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
.overview thead th { background: var(--soft); font-size: 13px; }
.overview code.cause { color: var(--muted); font-size: 12px; }
table.episode-table { margin-top: 8px; font-size: 13px; }
.episode-table th, .episode-table td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; }
.episode-table thead th { background: var(--soft); }
.episode-table .sev { min-width: 0; font-size: 9px; padding: 0 4px; vertical-align: 1px; }
.fix p { margin: 2px 0 4px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.when { white-space: nowrap; font-variant-numeric: tabular-nums; }
svg.timeline { display: block; margin: 8px 0; font-size: 12px; }
svg.timeline text { fill: var(--ink); }
svg.timeline .tick line { stroke: #e3e8ee; }
svg.timeline .tick text { fill: var(--muted); font-size: 11px; text-anchor: middle; }
svg.timeline .lane-bg { fill: #fff; fill-opacity: 0; }
svg.timeline .lane:nth-of-type(even) .lane-bg { fill: var(--soft); fill-opacity: .6; }
svg.timeline .lane-name { font-weight: 600; }
svg.timeline .lane-sub { fill: var(--muted); font-size: 11px; }
svg.timeline .episode { fill-opacity: .18; stroke-width: 1.5; }
svg.timeline .bucket { fill-opacity: .9; }
.sev-error .episode { fill: var(--error); stroke: var(--error); } .sev-error .bucket { fill: var(--error); }
.sev-warning .episode { fill: var(--warning); stroke: var(--warning); } .sev-warning .bucket { fill: var(--warning); }
.sev-notice .episode { fill: var(--notice); stroke: var(--notice); } .sev-notice .bucket { fill: var(--notice); }
.sev-info .episode { fill: var(--info); stroke: var(--info); } .sev-info .bucket { fill: var(--info); }
article.finding { margin: 10px 0 18px; padding: 10px 16px 8px; border: 1px solid var(--line); border-left-width: 5px; border-radius: 6px; }
article.finding.sev-error { border-left-color: var(--error); } article.finding.sev-warning { border-left-color: var(--warning); }
article.finding.sev-notice { border-left-color: var(--notice); } article.finding.sev-info { border-left-color: var(--info); }
.finding .head { margin: 0; color: var(--muted); font-size: 13px; }
.finding .message { margin: 6px 0; font-size: 16px; font-weight: 500; }
dl.subject { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; font-size: 13px; }
dl.subject dt { color: var(--muted); } dl.subject dd { margin: 0; overflow-wrap: anywhere; }
.episodes ol { margin: 0; padding-left: 22px; font-size: 13px; font-variant-numeric: tabular-nums; }
.steps li { margin: 4px 0; } .steps li.alt { list-style: none; }
.tag { display: inline-block; padding: 0 5px; border-radius: 3px; background: #eef1f4; color: var(--muted); font-size: 11px; }
pre { margin: 4px 0; padding: 8px 10px; background: var(--soft); border-radius: 5px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.cmd { background: #f0f3f6; }
details.evidence summary { cursor: pointer; font-weight: 600; font-size: 14px; margin-top: 8px; }
.evidence .loc { color: #0550ae; }
.inspection table.checks td, .inspection table.checks th { padding: 2px 8px; text-align: left; vertical-align: top; font-size: 13px; }
.res-confirmed > td:first-child { color: #1a7f37; } .res-refuted > td:first-child { color: var(--error); }
table.stats th, table.stats td { padding: 1px 10px; font-size: 13px; text-align: left; }
ul.inputs { font-size: 13px; }
@media print { details.evidence > pre { display: block; } body { max-width: none; } }
`;
