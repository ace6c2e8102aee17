/**
 * Human-readable output: an overview (one row per cause, and per host when there are several), then the
 * findings grouped by host (when there is more than one) and by cause, most severe first — a Fix or Confirm
 * block that every finding of a group shares printed once for the group — then a one-line summary. `brief`
 * prints the overview and summary only.
 * Colour comes from chalk at the level the caller decides ({@link colorLevel}); every piece of log
 * content goes through {@link terminalSafe}.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { CAUSES, certificateLabel } from '../findings/causes/index.js';
import { boundedList } from '../findings/causes/kit.js';
import { CHECK_TITLES, missingRole, RESULT_WORDS } from '../findings/inspection-wording.js';
import type { Report } from '../findings/analyzer.js';
import type { Finding, FixStep, Inspection, InspectionCheck, InspectionResult, Severity, Stats } from '../types.js';
import { terminalSafe, terminalSafeCut } from './sanitize.js';
import { overviewRows, readBeforeError, span, subjectCountText, type OverviewRow } from './overview.js';

/**
 * Colour level for a stream: `FORCE_COLOR` wins (`0`/`false` off, empty/`true` basic, `1`–`3`), then
 * `NO_COLOR` (set and non-empty: off), then the stream's terminal colour depth; 0 when not a TTY.
 */
export function colorLevel(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean; getColorDepth?: () => number }): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === 'false' || force === '0') return 0;
    if (force === '' || force === 'true') return 1;
    const n = Number.parseInt(force, 10);
    return Number.isNaN(n) ? 1 : (Math.max(0, Math.min(3, n)) as 0 | 1 | 2 | 3);
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!stream.isTTY) return 0;
  const depth = stream.getColorDepth?.() ?? 4;
  return depth >= 24 ? 3 : depth >= 8 ? 2 : depth > 1 ? 1 : 0;
}

/** Printing context: chalk at a chosen level. */
export interface HumanOptions {
  color: 0 | 1 | 2 | 3;
  /** The terminal's width: evidence and subject lines are cut to fit it. Without it (not a terminal),
   * the log text of each such line is cut at 160 characters. */
  width?: number;
  /** Only the overview and the summary (`--brief`). */
  brief?: boolean;
}

/** What the summary line adds about the run: findings hidden by the filters, the time window. */
export interface SummaryContext {
  /** Findings found but not shown (`--server`, `--cause`, `--host`, `--min-severity`). */
  hidden?: number;
  /** The `--since`/`--until` window, in words. */
  window?: string;
  /** SIGINT/SIGTERM stopped the reading: the summary says so. */
  interrupted?: boolean;
  /** Inputs that could not be read (each named on stderr): the summary counts them, so it is no all-clear for them. */
  unread?: number;
}

/**
 * Which blocks of a finding are printed once for several findings of its group instead (they are the
 * same for them): the pointer line it prints in their place.
 */
interface SharedBlocks {
  fix?: string;
  confirm?: string;
}

const SEV_LABEL: Record<Severity, string> = { error: 'ERROR', warning: 'WARNING', notice: 'NOTICE', info: 'INFO' };

function paintSeverity(c: ChalkInstance, s: Severity, text: string): string {
  switch (s) {
    case 'error':
      return c.bold.red(text);
    case 'warning':
      return c.bold.yellow(text);
    case 'notice':
      return c.bold.cyan(text);
    case 'info':
      return c.dim(text);
  }
}

/** The text made terminal-safe and cut to `width` columns (at least 20, so that something is always shown). */
function cut(text: string, width: number): string {
  return terminalSafeCut(text, Math.max(20, width));
}

function when(f: Finding): string {
  return span(f.first, f.last);
}

function subjectLines(f: Finding): [string, string][] {
  const s = f.subject;
  const rows: [string, string][] = [];
  if (s.certificate) rows.push(['certificate', s.certificate]);
  if (s.certSubject) rows.push(['subject', s.certSubject]);
  if (s.certIssuer) rows.push(['issuer', s.certIssuer]);
  if (s.serial) rows.push(['serial', s.serial]);
  if (s.notAfter) rows.push(['valid until', s.notAfter]);
  if (s.vhost) rows.push(['vhost', s.vhost]);
  if (s.responder) rows.push(['responder', s.responder + (s.peers?.length ? ` (${s.peers.join(', ')})` : '')]);
  else if (s.url) rows.push(['responder', s.url]);
  if (s.host && s.host !== s.responder) rows.push(['host', s.host]);
  if (s.pids?.length) rows.push(['pid', s.pids.join(', ')]);
  return rows;
}

function stepLine(c: ChalkInstance, st: FixStep, n: number): string {
  const lead = st.alternative ? '   or: ' : `   ${n}. `;
  const cmd = st.command ? `\n        ${c.dim('$')} ${terminalSafe(st.command)}` : '';
  return `${lead}${terminalSafe(st.text)}${cmd}`;
}

function paintResult(c: ChalkInstance, r: InspectionResult, text: string): string {
  return r === 'confirmed' ? c.green(text) : r === 'refuted' ? c.red(text) : c.dim(text);
}

function checkLines(c: ChalkInstance, checks: readonly InspectionCheck[], indent: string): string[] {
  const w = Math.max(0, ...checks.map((ch) => CHECK_TITLES[ch.check].length));
  return checks.map(
    (ch) =>
      `${indent}${paintResult(c, ch.result, RESULT_WORDS[ch.result].padEnd(11))} ${c.bold(CHECK_TITLES[ch.check].padEnd(w))}  ${terminalSafe(ch.detail)}`,
  );
}

/** The blocks a certificate is used by (`--config`), each with its verdict and, when judged each, its checks. */
function blockLines(c: ChalkInstance, ins: Inspection): string[] {
  if (!ins.blocks) return [];
  const out = [`   ${terminalSafe(ins.blocksNote ?? '')}`];
  for (const b of ins.blocks) {
    const names = b.names.length > 0 ? ` (${b.names.join(' ')})` : '';
    out.push(`   ${c.dim('block:')} ${terminalSafe(b.block + names)} → ${paintResult(c, b.result, `${b.cause}, ${b.result}`)}`);
    out.push(...checkLines(c, b.checks, '     '));
  }
  return out;
}

/** The `Inspection:` block of a finding (`--inspect`); `Checked:` for a finding of `check` (what its prediction rests on). */
function inspectionLines(c: ChalkInstance, ins: Inspection, check: boolean): string[] {
  const out: string[] = [];
  const label = ins.result === 'not-checked' ? 'not checked' : ins.result;
  out.push(
    check
      ? `  ${c.bold('Checked:')}`
      : `  ${c.bold('Inspection:')} ${paintResult(c, ins.result, label)}${ins.causeBefore ? ` — cause changed from ${terminalSafe(ins.causeBefore)}` : ''}`,
  );
  if (ins.causeChange) out.push(`   ${terminalSafe(ins.causeChange)}`);
  if (ins.certificate) {
    const cert = ins.certificate;
    out.push(
      `   ${c.dim('read:')} ${terminalSafe(cert.file ?? '')}: ${terminalSafe(cert.subject)}, issuer ${terminalSafe(cert.issuer)}, serial ${terminalSafe(cert.serial)}, valid until ${terminalSafe(cert.notAfter)}`,
    );
  }
  // (Several blocks without a judgement each — `check`'s shared certificate: every one, bounded.)
  const blocks = !ins.blocks && (ins.verdictFor?.length ?? 0) > 1 ? boundedList(ins.verdictFor!) : ins.configBlock;
  if (blocks && ins.blockJudgement !== 'each') out.push(`   ${c.dim('config:')} ${terminalSafe(blocks)}`);
  if (ins.blockJudgement !== 'each') out.push(...checkLines(c, ins.checks, '   '));
  out.push(...blockLines(c, ins));
  for (const m of ins.missing)
    out.push(
      `   ${c.bold('missing:')} ${terminalSafe(m.subject)} (${missingRole(m)})${m.caIssuersUrl && m.role === 'issuer' ? ` — ${terminalSafe(m.caIssuersUrl)}` : ''}`,
    );
  if (ins.error) out.push(`   ${c.red('inspection failed:')} ${terminalSafe(ins.error)}`);
  return out;
}

function fixLines(c: ChalkInstance, f: Finding): string[] {
  const out = [`  ${c.bold('Fix:')} ${terminalSafe(f.fix.summary)}`];
  let n = 0;
  for (const st of f.fix.steps) out.push(stepLine(c, st, st.alternative ? n : ++n));
  return out;
}

function confirmLines(c: ChalkInstance, f: Finding): string[] {
  return [`  ${c.bold('Confirm:')}`, ...f.fix.verify.map((v) => `   ${c.dim('$')} ${terminalSafe(v)}`)];
}

/**
 * One finding as a block of lines.
 * @param shared blocks printed once for the finding's group instead of here
 */
export function formatFinding(f: Finding, opts: HumanOptions, shared: SharedBlocks = {}): string {
  const c = new Chalk({ level: opts.color });
  // On a terminal the whole line fits its width; elsewhere the log text is cut at 160 characters.
  const fit = (prefix: number): number => (opts.width === undefined ? 160 : opts.width - prefix);
  const out: string[] = [];
  const head = [
    paintSeverity(c, f.severity, SEV_LABEL[f.severity]),
    c.bold(f.cause),
    `${f.server ?? 'server?'}${f.host !== null ? ` on ${terminalSafe(f.host)}` : ''}`,
    f.count > 1 ? `×${f.count}` : '',
    c.dim(when(f)),
  ].filter(Boolean);
  out.push(head.join('  '));
  out.push(`  ${terminalSafe(f.message)}`);
  const rows = subjectLines(f);
  const pad = Math.max(0, ...rows.map(([k]) => k.length));
  for (const [k, v] of rows) out.push(`  ${c.dim(`${k}:`.padEnd(pad + 1))} ${cut(v, fit(pad + 4))}`);
  if (f.inspection) out.push(...inspectionLines(c, f.inspection, f.origin === 'check'));
  out.push(...(shared.fix ? [`  ${c.bold('Fix:')} ${c.dim(shared.fix)}`] : fixLines(c, f)));
  out.push(...(shared.confirm ? [`  ${c.bold('Confirm:')} ${c.dim(shared.confirm)}`] : confirmLines(c, f)));
  const total = f.evidence.length + f.evidenceOmitted;
  out.push(`  ${c.bold('Evidence')}${total > f.evidence.length ? ` (${f.evidence.length} of ${total} lines)` : ''}:`);
  for (const e of f.evidence) {
    const where = `${terminalSafe(e.file)}:${e.line}`;
    out.push(`   ${c.cyan(where)}  ${cut(e.text, fit(where.length + 5))}`);
  }
  out.push(`  ${c.dim(`rules: ${f.ruleIds.join(', ')}  id: ${f.id}`)}`);
  return out.join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What a finding is about, in a few words, never empty: its certificate or vhost, else its responder, else its server. */
export function findingLabel(f: Finding): string {
  const s = f.subject;
  if (s.certificate || s.certSubject || s.vhost) return certificateLabel(s);
  return s.responder ?? s.host ?? s.url ?? `on ${f.server ?? 'the server'}`;
}

/** The short line the live output prints when a finding printed before has changed. */
export function formatUpdate(f: Finding): string {
  const last = f.last ? `, last ${f.last.replace('T', ' ')}` : '';
  const on = f.host !== null ? ` on ${f.host}` : '';
  return `  ↻ ${terminalSafe(f.cause)} ${terminalSafe(findingLabel(f))}${terminalSafe(on)}: now ×${f.count}${terminalSafe(last)}`;
}

/** The distinct hosts of the findings, sorted; null (unknown) last. */
export function hostsOf(findings: readonly Pick<Finding, 'host'>[]): (string | null)[] {
  const hosts = [...new Set(findings.map((f) => f.host))];
  return hosts.sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
}

/** The one-line summary: lines read, files, findings by severity (and what the filters hid, the time window; that the run was interrupted, when it was). */
export function formatSummary(findings: readonly Finding[], stats: Stats, opts: HumanOptions, context: SummaryContext = {}): string {
  const c = new Chalk({ level: opts.color });
  const by = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  const sev = (['error', 'warning', 'notice', 'info'] as const).filter((s) => by(s) > 0).map((s) => paintSeverity(c, s, plural(by(s), s)));
  const hosts = hostsOf(findings).length;
  const extra = [
    stats.unparsed ? `${stats.unparsed} with unknown prefix` : '',
    stats.undecoded ? `${plural(stats.undecoded, 'JSON line')} not decoded` : '',
    stats.skipped ? `${plural(stats.skipped, 'line')} skipped (too long)` : '',
  ].filter(Boolean);
  const hidden = context.hidden ? ` ${context.hidden} more hidden by the filters.` : '';
  const none = context.hidden ? 'no stapling problems shown' : 'no stapling problems found';
  return (
    `${c.bold('stapling-doctor:')} ${findings.length === 0 ? c.green(none) : `${plural(findings.length, 'finding')} (${sev.join(', ')})`}` +
    (hosts > 1 ? ` on ${hosts} hosts` : '') +
    ` in ${plural(stats.lines, 'line')} of ${plural(stats.files, 'input')}${extra.length ? ` (${extra.join('; ')})` : ''}` +
    `${context.window ? `, ${context.window}` : ''}` +
    (context.unread ? `; ${c.yellow(`${plural(context.unread, 'input')} could not be read`)}` : '') +
    (context.interrupted ? ` — ${c.yellow('interrupted')}: the inputs were not all read.` : '.') +
    hidden
  );
}

const CAUSE_TITLES = CAUSES as Readonly<Record<string, { title: string } | undefined>>;

/** One row of the overview table as cells (unpainted). */
function overviewCells(r: OverviewRow): string[] {
  return [
    SEV_LABEL[r.severity],
    r.cause,
    ...(r.host !== undefined ? [r.host === null ? '(unknown)' : terminalSafe(r.host)] : []),
    `×${r.count}`,
    r.subjects === 0 && !r.subjectsAtLeast ? '—' : subjectCountText(r.subjects, r.subjectsAtLeast),
    span(r.first, r.last) || '—',
  ];
}

/**
 * The overview table: one row per cause (per cause and host when there are several hosts) with
 * severity, occurrences, certificates/vhosts affected and first → last. Empty when there are no findings.
 */
export function formatOverview(findings: readonly Finding[], opts: HumanOptions): string {
  const rows = overviewRows(findings);
  if (rows.length === 0) return '';
  const c = new Chalk({ level: opts.color });
  const perHost = rows[0]!.host !== undefined;
  const head = ['severity', 'cause', ...(perHost ? ['host'] : []), 'count', 'certs/vhosts', 'first → last'];
  const cells = rows.map(overviewCells);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[], paint: (i: number, t: string) => string): string =>
    `  ${r.map((t, i) => paint(i, i === r.length - 1 ? t : t.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const title = `━━ Overview: ${plural(findings.length, 'finding')}, ${plural(rows.length, perHost ? 'cause × host row' : 'cause')}`;
  return [
    c.bold(title),
    line(head, (_, t) => c.dim(t)),
    ...cells.map((r, k) => line(r, (i, t) => (i === 0 ? paintSeverity(c, rows[k]!.severity, t) : i === 1 ? c.bold(t) : t))),
  ].join('\n');
}

/** A block's text as a key, per kind. */
const BLOCK_KEYS = {
  fix: (f: Finding): string => JSON.stringify([f.fix.summary, f.fix.steps]),
  confirm: (f: Finding): string => JSON.stringify(f.fix.verify),
};

/** `the 3 nginx findings` / `3 of the findings`: the findings that share a block, named for the pointer and the heading. */
function whoShares(members: readonly Finding[], group: readonly Finding[]): string {
  if (members.length === group.length) return `all ${members.length} findings`;
  const servers = new Set(members.map((f) => f.server));
  const server = servers.size === 1 ? [...servers][0] : undefined;
  const others = group.filter((f) => !members.includes(f) && f.server === server);
  return server && others.length === 0
    ? `the ${members.length} ${server} findings`
    : `${members.length} of these findings (${members.map((f) => f.id).join(', ')})`;
}

/**
 * The Fix and Confirm blocks that several findings of a group have alike: each is printed once after
 * the group, and the findings point to it.
 * @returns per finding, its pointers; and the blocks to print once, with their heading
 */
function sharedBlocks(c: ChalkInstance, group: readonly Finding[]): { per: Map<Finding, SharedBlocks>; once: string[] } {
  const per = new Map<Finding, SharedBlocks>(group.map((f) => [f, {}]));
  const once: string[] = [];
  for (const kind of ['fix', 'confirm'] as const) {
    const byKey = new Map<string, Finding[]>();
    for (const f of group) byKey.set(BLOCK_KEYS[kind](f), [...(byKey.get(BLOCK_KEYS[kind](f)) ?? []), f]);
    for (const members of byKey.values()) {
      if (members.length < 2) continue;
      const who = whoShares(members, group);
      for (const f of members) per.get(f)![kind] = `below, the same for ${who}`;
      const lines = kind === 'fix' ? fixLines(c, members[0]!) : confirmLines(c, members[0]!);
      once.push([c.bold(`  ${kind === 'fix' ? 'Fix' : 'Confirm'} for ${who} above:`), ...lines.slice(kind === 'fix' ? 0 : 1)].join('\n'));
    }
  }
  return { per, once };
}

/** Findings grouped by cause (in report order), each group under its title; shared blocks once per group. */
function causeGroups(c: ChalkInstance, findings: readonly Finding[], opts: HumanOptions): string[] {
  const parts: string[] = [];
  const causes = [...new Set(findings.map((f) => f.cause))];
  for (const cause of causes) {
    const group = findings.filter((g) => g.cause === cause);
    const title = `━━ ${CAUSE_TITLES[cause]?.title ?? cause} (${cause})${group.length > 1 ? ` — ${group.length} findings` : ''}`;
    parts.push(c.bold(title));
    const shared = sharedBlocks(c, group);
    for (const f of group) parts.push(formatFinding(f, opts, shared.per.get(f)));
    parts.push(...shared.once);
  }
  return parts;
}

/** The findings of several hosts: one section per host (sorted; unknown last), cause groups inside. */
function hostSections(c: ChalkInstance, findings: readonly Finding[], opts: HumanOptions): string[] {
  const hosts = hostsOf(findings);
  if (hosts.length <= 1) return causeGroups(c, findings, opts);
  return hosts.flatMap((h) => {
    const mine = findings.filter((f) => f.host === h);
    const title = h === null ? 'host unknown' : `host ${terminalSafe(h)}`;
    return [c.bold.inverse(` ${title} — ${plural(mine.length, 'finding')} `), ...causeGroups(c, mine, opts)];
  });
}

/**
 * The whole batch report: the overview, the findings grouped by host and cause (not with `brief`), the per-input
 * problems, then the summary.
 */
export function formatReport(report: Report, opts: HumanOptions, context: SummaryContext = {}): string {
  const c = new Chalk({ level: opts.color });
  const overview = formatOverview(report.findings, opts);
  const parts: string[] = overview ? [overview] : [];
  if (!opts.brief) parts.push(...hostSections(c, report.findings, opts));
  for (const i of report.inputs) {
    if (i.error) parts.push(c.red(`${terminalSafe(i.file)}: ${terminalSafe(i.error)} — ${readBeforeError(i.lines)}`));
    if (i.skippedLines?.length)
      parts.push(
        c.yellow(
          `${terminalSafe(i.file)}: skipped ${plural(i.skipped, 'line')} longer than the limit: line ${i.skippedLines.slice(0, 10).join(', ')}${i.skipped > 10 ? ', …' : ''}.`,
        ),
      );
    if (i.undecodedLines?.length)
      parts.push(
        c.yellow(
          `${terminalSafe(i.file)}: ${plural(i.undecoded, 'line')} looked like JSON log records but could not be decoded (not matched as text): line ${i.undecodedLines.slice(0, 10).join(', ')}${i.undecoded > 10 ? ', …' : ''}.`,
        ),
      );
  }
  parts.push(formatSummary(report.findings, report.stats, opts, { ...context, ...(report.interrupted ? { interrupted: true } : {}) }));
  return `${parts.join('\n\n')}\n`;
}
