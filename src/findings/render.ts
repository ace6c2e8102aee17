/**
 * The one render step: findings as data (a message id and values, plus what `--inspect` found) in,
 * findings with their sentence and fix out. It runs after `--inspect` and before every formatter, and
 * is the only place the cause modules' wording is called.
 */
import { CAUSES, expiredNotAfter, type CauseContext, type CauseModule } from './causes/index.js';
import { everyBlock, pastable, replaceCertificate, shellWord, summaryMessage, type LuaScript } from './causes/kit.js';
import { contextOf, messageIdOf, moduleOf, severityOf, type CauseRegistry } from './registry.js';
import { causeChangeNote, renderInspection } from './inspection-wording.js';
import { fragmentNote } from './fragment-wording.js';
import type { CauseId, ConfirmEndpoint, Finding, FindingData, FindingSubject, Fix, Server, Values } from '../types.js';

/** Where to ask for a staple: the configured endpoints (`--config`), else the vhost id of the log, else `HOST`. */
function confirmTargets(s: FindingSubject, endpoints: readonly ConfirmEndpoint[] | undefined): ConfirmEndpoint[] {
  if (endpoints && endpoints.length > 0) return endpoints.slice(0, 3);
  const m = s.vhost ? /^(.+?):(\d+)(?::\d+)?$/.exec(s.vhost) : null;
  // A host from the log becomes one shell word, or HOST when it cannot be one safely (see shellWord).
  const named = m && m[1] !== '_default_' && m[1] !== '*' && pastable(m[1]!) && !m[1]!.startsWith('-');
  const host = named ? m[1]! : 'HOST';
  return [{ host, port: Number(named ? m[2]! : (m?.[2] ?? '443')), serverName: host }];
}

/**
 * The confirmation commands after a change: reload, then ask for a staple (twice for nginx). ingress-nginx's
 * controller applies a changed ConfigMap or Secret by itself (kubernetes/ingress-nginx docs/e2e-tests.md at
 * dbb11b92: test/e2e/settings/configmap_change.go "should reload after an update in the configuration",
 * test/e2e/lua/dynamic_certificates.go "picks up the updated certificate without reloading"), and its nginx
 * runs in a pod: no reload command there, only the handshakes.
 */
function verifySteps(server: Server | null, s: FindingSubject, endpoints?: readonly ConfirmEndpoint[], lua?: LuaScript | null): string[] {
  const probes = confirmTargets(s, endpoints).map((e) => {
    // An IPv6 address goes in brackets (`[::1]:443`); a name is used as written.
    const host = /^[0-9a-f:.]+$/i.test(e.host) && e.host.includes(':') ? `[${e.host}]` : e.host;
    const sni = e.serverName ? ` -servername ${shellWord(e.serverName, 'HOST')}` : '';
    return `openssl s_client -connect ${shellWord(`${host}:${e.port}`, 'HOST:443')}${sni} -status </dev/null 2>/dev/null | grep -A2 'OCSP Response Status'`;
  });
  if (server === 'nginx') {
    return [
      ...(lua === 'ingress-nginx' ? [] : ['nginx -t && nginx -s reload']),
      ...probes.map((p) => `${p}   # run it twice: nginx fetches the response on the first handshake and staples it from the next`),
    ];
  }
  if (server === 'apache') return ['apachectl configtest && apachectl -k graceful   # apache2ctl on Debian', ...probes];
  return probes;
}

function sentence(m: CauseModule, variant: string, c: CauseContext, expired: string | null): string {
  const word = m.messages[variant] ?? m.messages.default;
  if (!word) throw new Error(`cause "${m.id}" has no message "${variant}"`);
  const raw = word(c);
  // Sentences may start with a label ("the server certificate …"); nginx keeps its lower-case name.
  const text = raw.startsWith('nginx') ? raw : raw.charAt(0).toUpperCase() + raw.slice(1);
  // (Not said twice: a Must-Staple message says it already, as the expired certificate's own message its date.)
  const must =
    c.facts?.mustStaple && !variant.startsWith('must-staple')
      ? ' The certificate asks for OCSP Must-Staple: clients that honour it refuse the connection without a valid staple.'
      : '';
  const also = expired && !text.includes(expired) ? ` The certificate itself expired on ${expired}: replace it.` : '';
  return `${text}${also}${must}`;
}

function fixOf(m: CauseModule, c: CauseContext, expired: string | null, endpoints?: readonly ConfirmEndpoint[]): Fix {
  const { summary, steps } = m.fix(c);
  // A change in a block is for every block the finding stands for (a certificate file they share).
  const every = everyBlock(c);
  if (every) for (const s of steps) if (s.context === c.dir.site) s.text = `${s.text} ${every}`;
  if (expired) {
    steps.unshift(replaceCertificate(c, `The certificate expired on ${expired}: get and install a new one first.`));
  }
  return { summary, steps, verify: verifySteps(c.server, c.s, endpoints, c.lua) };
}

/**
 * Word one finding: its sentence (the variant its message id names), its fix, and its inspection.
 * @throws Error for a cause or message id no module defines (a programming error, never input)
 */
export function renderFinding(f: FindingData, registry: CauseRegistry = CAUSES): Finding {
  const m = moduleOf(f.cause, registry);
  const c = contextOf(f);
  if (f.aggregate) c.summary = { ...f.aggregate, failures: f.count, first: f.first, last: f.last };
  const expired = expiredNotAfter(f.subject, f.data) ?? c.facts?.expiredOn ?? null;
  const variant = f.messageId.startsWith(`${f.cause}.`) ? f.messageId.slice(f.cause.length + 1) : 'default';
  let message = c.summary ? (m.messages.summary ?? ((x) => summaryMessage(x, m.title)))(c) : sentence(m, variant, c, expired);
  if (f.inspection?.causeBefore) message = `${message} ${causeChangeNote(f.inspection.causeBefore)}`;
  const fragment = fragmentNote(f.evidence);
  if (fragment) message = `${message} ${fragment}`;
  const { inspection, ...rest } = f;
  const out: Finding = {
    id: rest.id,
    cause: rest.cause,
    severity: severityOf(f),
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
    fix: fixOf(m, c, expired, f.inspection?.endpoints),
  };
  if (rest.aggregate) out.aggregate = rest.aggregate;
  if (inspection) out.inspection = renderInspection(inspection, f.cause, f.server);
  if (rest.origin) out.origin = rest.origin;
  return out;
}

/** The sentence alone, for a cause, server and values (README examples, `explain`). */
export function describeCause(cause: CauseId, server: Server | null, subject: FindingSubject, data: Values = {}): string {
  const f = { cause, server, subject, data };
  const m = moduleOf(cause, CAUSES);
  const id = messageIdOf(f);
  return sentence(m, id.slice(cause.length + 1), contextOf(f), expiredNotAfter(subject, data));
}
