/**
 * Human-readable output: findings grouped by cause, most severe first, then a one-line summary.
 * Colour comes from chalk at the level the caller decides ({@link colorLevel}); every piece of log
 * content goes through {@link terminalSafe}.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { CAUSES } from '../findings/causes/index.js';
import { CHECK_TITLES, RESULT_WORDS } from '../findings/inspection-wording.js';
import type { Report } from '../findings/analyzer.js';
import type { Finding, FixStep, Inspection, InspectionResult, Severity, Stats } from '../types.js';
import { terminalSafe, terminalSafeCut } from './sanitize.js';

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
  /** Width evidence lines are cut to (default 160 characters). */
  width?: number;
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

function when(f: Finding): string {
  if (!f.first) return '';
  const fmt = (t: string): string => t.replace('T', ' ').replace(/\.\d+/, '');
  return !f.last || fmt(f.first) === fmt(f.last) ? fmt(f.first) : `${fmt(f.first)} → ${fmt(f.last)}`;
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

/** The `Inspection:` block of a finding (`--inspect`). */
function inspectionLines(c: ChalkInstance, ins: Inspection): string[] {
  const out: string[] = [];
  const label = ins.result === 'not-checked' ? 'not checked' : ins.result;
  out.push(
    `  ${c.bold('Inspection:')} ${paintResult(c, ins.result, label)}${ins.causeBefore ? ` — cause changed from ${terminalSafe(ins.causeBefore)}` : ''}`,
  );
  if (ins.causeChange) out.push(`   ${terminalSafe(ins.causeChange)}`);
  if (ins.certificate) {
    const cert = ins.certificate;
    out.push(
      `   ${c.dim('read:')} ${terminalSafe(cert.file ?? '')}: ${terminalSafe(cert.subject)}, issuer ${terminalSafe(cert.issuer)}, serial ${terminalSafe(cert.serial)}, valid until ${terminalSafe(cert.notAfter)}`,
    );
  }
  if (ins.configBlock) out.push(`   ${c.dim('config:')} ${terminalSafe(ins.configBlock)}`);
  const w = Math.max(0, ...ins.checks.map((ch) => CHECK_TITLES[ch.check].length));
  for (const ch of ins.checks)
    out.push(
      `   ${paintResult(c, ch.result, RESULT_WORDS[ch.result].padEnd(11))} ${c.bold(CHECK_TITLES[ch.check].padEnd(w))}  ${terminalSafe(ch.detail)}`,
    );
  for (const m of ins.missing)
    out.push(
      `   ${c.bold('missing:')} ${terminalSafe(m.subject)} (${m.role === 'root' ? 'root CA' : 'issuer'}, for the ${m.neededIn === 'trusted-bundle' ? 'trusted bundle' : 'certificate file'})${m.caIssuersUrl ? ` — ${terminalSafe(m.caIssuersUrl)}` : ''}`,
    );
  if (ins.error) out.push(`   ${c.red('inspection failed:')} ${terminalSafe(ins.error)}`);
  return out;
}

/** One finding as a block of lines. */
export function formatFinding(f: Finding, opts: HumanOptions): string {
  const c = new Chalk({ level: opts.color });
  const width = opts.width ?? 160;
  const out: string[] = [];
  const head = [
    paintSeverity(c, f.severity, SEV_LABEL[f.severity]),
    c.bold(f.cause),
    f.server ?? 'server?',
    f.count > 1 ? `×${f.count}` : '',
    c.dim(when(f)),
  ].filter(Boolean);
  out.push(head.join('  '));
  out.push(`  ${terminalSafe(f.message)}`);
  const rows = subjectLines(f);
  const pad = Math.max(0, ...rows.map(([k]) => k.length));
  for (const [k, v] of rows) out.push(`  ${c.dim(`${k}:`.padEnd(pad + 1))} ${terminalSafeCut(v, width)}`);
  if (f.inspection) out.push(...inspectionLines(c, f.inspection));
  out.push(`  ${c.bold('Fix:')} ${terminalSafe(f.fix.summary)}`);
  let n = 0;
  for (const st of f.fix.steps) out.push(stepLine(c, st, st.alternative ? n : ++n));
  out.push(`  ${c.bold('Confirm:')}`);
  for (const v of f.fix.verify) out.push(`   ${c.dim('$')} ${terminalSafe(v)}`);
  const total = f.evidence.length + f.evidenceOmitted;
  out.push(`  ${c.bold('Evidence')}${total > f.evidence.length ? ` (${f.evidence.length} of ${total} lines)` : ''}:`);
  for (const e of f.evidence) out.push(`   ${c.cyan(`${terminalSafe(e.file)}:${e.line}`)}  ${terminalSafeCut(e.text, width)}`);
  out.push(`  ${c.dim(`rules: ${f.ruleIds.join(', ')}  id: ${f.id}`)}`);
  return out.join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The one-line summary: lines read, files, findings by severity. */
export function formatSummary(findings: readonly Finding[], stats: Stats, opts: HumanOptions): string {
  const c = new Chalk({ level: opts.color });
  const by = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  const sev = (['error', 'warning', 'notice', 'info'] as const).filter((s) => by(s) > 0).map((s) => paintSeverity(c, s, plural(by(s), s)));
  const extra = [
    stats.unparsed ? `${stats.unparsed} with unknown prefix` : '',
    stats.skipped ? `${plural(stats.skipped, 'line')} skipped (too long)` : '',
  ].filter(Boolean);
  return (
    `${c.bold('stapling-doctor:')} ${findings.length === 0 ? c.green('no stapling problems found') : `${plural(findings.length, 'finding')} (${sev.join(', ')})`}` +
    ` in ${plural(stats.lines, 'line')} of ${plural(stats.files, 'input')}${extra.length ? ` (${extra.join('; ')})` : ''}.`
  );
}

/** The whole batch report: findings grouped by cause, then the summary and per-input problems. */
export function formatReport(report: Report, opts: HumanOptions): string {
  const c = new Chalk({ level: opts.color });
  const parts: string[] = [];
  let cause: string | null = null;
  for (const f of report.findings) {
    if (f.cause !== cause) {
      cause = f.cause;
      const n = report.findings.filter((g) => g.cause === f.cause).length;
      parts.push(
        c.bold(
          `━━ ${(CAUSES as Readonly<Record<string, { title: string } | undefined>>)[f.cause]?.title ?? f.cause} (${f.cause})${n > 1 ? ` — ${n} findings` : ''}`,
        ),
      );
    }
    parts.push(formatFinding(f, opts));
  }
  for (const i of report.inputs) {
    if (i.error) parts.push(c.red(`${terminalSafe(i.file)}: ${terminalSafe(i.error)} — read ${plural(i.lines, 'line')} before that.`));
    if (i.skippedLines?.length)
      parts.push(
        c.yellow(
          `${terminalSafe(i.file)}: skipped ${plural(i.skipped, 'line')} longer than the limit: line ${i.skippedLines.slice(0, 10).join(', ')}${i.skipped > 10 ? ', …' : ''}.`,
        ),
      );
  }
  parts.push(formatSummary(report.findings, report.stats, opts));
  return `${parts.join('\n\n')}\n`;
}
