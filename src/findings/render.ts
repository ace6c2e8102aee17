/**
 * The one render step: findings as data (a message id and values, plus what `--inspect` found) in,
 * findings with their sentence and fix out. It runs after `--inspect` and before every formatter, and
 * is the only place the cause modules' wording is called.
 */
import { CAUSES, expiredNotAfter, type CauseContext, type CauseModule } from './causes/index.js';
import { shq, step } from './causes/kit.js';
import { contextOf, messageIdOf, moduleOf, type CauseRegistry } from './registry.js';
import { causeChangeNote, renderInspection } from './inspection-wording.js';
import type { CauseId, Finding, FindingData, FindingSubject, Fix, Server, Values } from '../types.js';

/** The confirmation commands after a change: reload, then ask for a staple (twice for nginx). */
function verifySteps(server: Server | null, s: FindingSubject): string[] {
  const m = s.vhost ? /^(.+?):(\d+)(?::\d+)?$/.exec(s.vhost) : null;
  const named = m && m[1] !== '_default_' && m[1] !== '*';
  const host = named ? m[1]! : 'HOST';
  const port = named ? m[2]! : (m?.[2] ?? '443');
  const probe = `openssl s_client -connect ${shq(`${host}:${port}`)} -servername ${shq(host)} -status </dev/null 2>/dev/null | grep -A2 'OCSP Response Status'`;
  if (server === 'nginx') {
    return [
      'nginx -t && nginx -s reload',
      `${probe}   # run it twice: nginx fetches the response on the first handshake and staples it from the next`,
    ];
  }
  if (server === 'apache') return ['apachectl configtest && apachectl -k graceful   # apache2ctl on Debian', probe];
  return [probe];
}

function sentence(m: CauseModule, variant: string, c: CauseContext, expired: string | null): string {
  const word = m.messages[variant] ?? m.messages.default;
  if (!word) throw new Error(`cause "${m.id}" has no message "${variant}"`);
  const raw = word(c);
  // Sentences may start with a label ("the server certificate …"); nginx keeps its lower-case name.
  const text = raw.startsWith('nginx') ? raw : raw.charAt(0).toUpperCase() + raw.slice(1);
  return expired ? `${text} The certificate itself expired on ${expired}: replace it.` : text;
}

function fixOf(m: CauseModule, c: CauseContext, expired: string | null): Fix {
  const { summary, steps } = m.fix(c);
  if (expired) {
    steps.unshift(
      step({
        action: 'replace-certificate',
        directive: c.dir.certificate,
        valueKind: 'file:leaf-and-chain',
        context: c.dir.site,
        text: `The certificate expired on ${expired}: get and install a new one first.`,
      }),
    );
  }
  return { summary, steps, verify: verifySteps(c.server, c.s) };
}

/**
 * Word one finding: its sentence (the variant its message id names), its fix, and its inspection.
 * @throws Error for a cause or message id no module defines (a programming error, never input)
 */
export function renderFinding(f: FindingData, registry: CauseRegistry = CAUSES): Finding {
  const m = moduleOf(f.cause, registry);
  const c = contextOf(f);
  const expired = expiredNotAfter(f.subject, f.data) ?? c.facts?.expiredOn ?? null;
  const variant = f.messageId.startsWith(`${f.cause}.`) ? f.messageId.slice(f.cause.length + 1) : 'default';
  let message = sentence(m, variant, c, expired);
  if (f.inspection?.causeBefore) message = `${message} ${causeChangeNote(f.inspection.causeBefore)}`;
  const { inspection, ...rest } = f;
  const out: Finding = {
    id: rest.id,
    cause: rest.cause,
    severity: rest.severity,
    server: rest.server,
    host: rest.host,
    ruleIds: rest.ruleIds,
    count: rest.count,
    first: rest.first,
    last: rest.last,
    message,
    messageId: rest.messageId,
    data: rest.data,
    subject: rest.subject,
    evidence: rest.evidence,
    evidenceOmitted: rest.evidenceOmitted,
    timeline: rest.timeline,
    fix: fixOf(m, c, expired),
  };
  if (inspection) out.inspection = renderInspection(inspection, f.cause, f.server);
  return out;
}

/** The sentence alone, for a cause, server and values (README examples, `explain`). */
export function describeCause(cause: CauseId, server: Server | null, subject: FindingSubject, data: Values = {}): string {
  const f = { cause, server, subject, data };
  const m = moduleOf(cause, CAUSES);
  const id = messageIdOf(f);
  return sentence(m, id.slice(cause.length + 1), contextOf(f), expiredNotAfter(subject, data));
}
