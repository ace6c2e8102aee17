/**
 * Wording of `stapling-doctor explain`: for each line, the parsed fields, the message the rules see,
 * each rule whose trigger the line holds with what happened to it, and the cause; for a line without a
 * trigger, the rules that come closest. Every value from the line goes through {@link terminalSafe}.
 */
import { Chalk } from 'chalk';
import type { Explanation, RuleVerdict } from '../rules/explain.js';
import type { RuleRole } from '../types.js';
import type { HumanOptions } from './human.js';
import { terminalSafe } from './sanitize.js';

const FIELDS = [
  'server',
  'format',
  'wrapper',
  'time',
  'level',
  'module',
  'pid',
  'tid',
  'connectionId',
  'client',
  'status',
  'code',
] as const;

function values(v: Readonly<Record<string, string>>): string {
  const parts = Object.entries(v).map(([k, x]) => `${k}=${JSON.stringify(x)}`);
  return parts.length > 0 ? parts.join(', ') : '(none)';
}

function wanted(w: 'absent' | 'present' | readonly string[]): string {
  return w === 'absent' ? 'absent' : w === 'present' ? 'present' : `one of ${w.join(', ')}`;
}

/** What a match of each role means for the report. */
const ROLE_NOTE: Record<RuleRole, string> = {
  cause: '',
  transport: ', a responder-transport line: reported only when the AH01941 that follows confirms it was stapling',
  follower: ', a summary line: joins the failure before it, alone it stands for this cause',
  detail: ', a detail line: evidence for the failure before it, never reported alone',
  lookalike: ', a look-alike: it shows the failure around it was not stapling (client-certificate OCSP), never reported',
};

function verdictLine(c: InstanceType<typeof Chalk>, v: RuleVerdict): string {
  switch (v.outcome) {
    case 'matched':
      return `${c.green(v.winner ? '✔' : '•')} ${v.ruleId}  matched (pattern ${v.pattern}${v.reading === 'fragment' ? ', read as a fragment' : ''}) → ${v.cause} (${v.severity})${ROLE_NOTE[v.role]}${v.winner ? '' : ', but a rule of higher priority wins'}; captures: ${values(v.values)}`;
    case 'server':
      return `${c.red('✘')} ${v.ruleId}  not for this server: the line is ${v.lineServer}, the rule is for ${v.servers.join(', ')}`;
    case 'when':
      return `${c.red('✘')} ${v.ruleId}  its condition failed: ${v.failed.field} must be ${wanted(v.failed.wanted)}, the line has ${v.failed.actual === null ? 'none' : JSON.stringify(v.failed.actual)}`;
    case 'pattern':
      return `${c.red('✘')} ${v.ruleId}  its trigger is there, but no pattern matched the message (${v.patterns.length} tried)`;
    case 'code':
      return `${c.red('✘')} ${v.ruleId}  its trigger is in source code (a string literal of a logging call or a concatenation, or a comment after code): code that writes or annotates the message, not a log of it`;
  }
}

/** One line explained, as text (ends with a newline). */
export function formatExplanation(e: Explanation, n: number, opts: HumanOptions): string {
  const c = new Chalk({ level: opts.color });
  const p = e.parsed as unknown as Record<string, unknown>;
  const fields = FIELDS.filter((f) => p[f] !== null && p[f] !== undefined).map((f) => `${f} ${String(p[f])}`);
  const out = [
    `${c.bold(`line ${n}:`)} ${e.line}`,
    `  parsed:    ${fields.join(', ') || '(no known prefix: the whole line is the message)'}`,
    `  message:   ${e.message}`,
    `  extracted: ${values(e.shared)}`,
  ];
  if (e.triggers.length === 0) {
    out.push('  triggers:  none: no rule looks at this line');
  } else {
    out.push(`  triggers:  ${e.triggers.map((t) => JSON.stringify(t)).join(', ')}`);
    for (const v of e.rules) out.push(`  ${verdictLine(c, v)}`);
  }
  const win = e.rules.find((v) => v.outcome === 'matched' && v.winner);
  if (win?.outcome === 'matched' && win.role === 'lookalike')
    out.push(`  ${c.bold('cause:')}     none: a look-alike, not stapling (rule ${win.ruleId})`);
  else if (win?.outcome === 'matched') out.push(`  ${c.bold('cause:')}     ${win.cause} (rule ${win.ruleId}, ${win.severity})`);
  else out.push(`  ${c.bold('cause:')}     none: no rule matched`);
  for (const m of e.nearMisses)
    out.push(`  closest:   ${m.ruleId} wants ${JSON.stringify(m.trigger)}; the line has only ${JSON.stringify(m.found)}`);
  return `${out.map(terminalSafe).join('\n')}\n`;
}
