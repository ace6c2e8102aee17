/**
 * Output of `stapling-doctor check`: the JSON document ({@link checkDocument}, schema `CHECK_SCHEMA` in
 * `output-schema.ts`) and the human report ({@link formatCheck}): the findings in the log report's
 * layout (`formatFinding`), the certificates that could not be checked, the probes of `--probe`, and a
 * summary line. Every piece of configuration or certificate text goes through {@link terminalSafe}.
 */
import { Chalk } from 'chalk';
import { CAUSES } from '../findings/causes/index.js';
import type { CheckedBlock, CheckNotChecked } from '../inspect/check.js';
import type { ConfigProblem } from '../inspect/config.js';
import { hostPort, type ProbeResult } from '../probe/probe.js';
import { OUTPUT_VERSION, type ConfirmEndpoint, type Finding, type Severity } from '../types.js';
import { formatFinding, type HumanOptions } from './human.js';
import { handshakeList, noteText, probeDocument, resultText } from './probe.js';
import { terminalSafe } from './sanitize.js';

/** One handshake target of `check --probe` and what the probe found there (or why no handshake completed). */
export interface CheckProbe {
  server: 'nginx' | 'apache';
  /** The block (`file:line`) the endpoint is configured in. */
  block: string;
  endpoint: ConfirmEndpoint;
  /** The address connected to (the configured one, loopback, or a `--address`). */
  address: string;
  /** The probe, or its error (`connectedTo`: the address the TCP connection reached, when it did). */
  result: ProbeResult | { error: string; errorCode: string | null; connectedTo: string | null };
}

/** What `check` reports, before it is laid out. */
export interface CheckOutcome {
  configs: { file: string; server: 'nginx' | 'apache'; source: string }[];
  blocks: CheckedBlock[];
  findings: Finding[];
  notChecked: CheckNotChecked[];
  problems: ConfigProblem[];
  probes?: CheckProbe[];
}

/** The `check --format json` document, version {@link OUTPUT_VERSION}. */
export function checkDocument(o: CheckOutcome): object {
  const probes = o.probes?.map((p) => ({
    server: p.server,
    block: p.block,
    endpoint: p.endpoint,
    address: p.address,
    result:
      'verdict' in p.result
        ? probeDocument(p.result)
        : {
            version: OUTPUT_VERSION,
            target: { host: p.address, port: p.endpoint.port, servername: p.endpoint.serverName, address: p.result.connectedTo },
            error: p.result.error,
            errorCode: p.result.errorCode,
          },
  }));
  return { version: OUTPUT_VERSION, kind: 'check', ...o, ...(probes ? { probes } : {}) };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function probeLine(c: InstanceType<typeof Chalk>, p: CheckProbe): string {
  const target = `${hostPort(p.address, p.endpoint.port)}${p.endpoint.serverName ? ` (SNI ${p.endpoint.serverName})` : ''}`;
  const where = `${p.server} ${p.block}`;
  if (!('verdict' in p.result))
    return `  ${c.bold.red('NO HANDSHAKE')}  ${terminalSafe(target)}  ${c.dim(terminalSafe(where))}\n   ${terminalSafe(p.result.error)}`;
  const r = p.result;
  const head = r.verdict === 'good' ? c.bold.green('GOOD') : c.bold.yellow(r.verdict.toUpperCase());
  const lines = [
    `  ${head}  ${terminalSafe(target)}  ${c.dim(terminalSafe(where))}`,
    `   ${terminalSafe(resultText(r))} (${handshakeList(r)})`,
  ];
  for (const n of r.notes) lines.push(`   ${c.dim('note:')} ${terminalSafe(noteText(n))}`);
  return lines.join('\n');
}

/** The summary line: blocks read, findings by severity, probes. */
export function checkSummary(o: CheckOutcome, opts: HumanOptions): string {
  const c = new Chalk({ level: opts.color });
  const stapling = o.blocks.filter((b) => b.stapling === true).length;
  const by = (s: Severity) => o.findings.filter((f) => f.severity === s).length;
  const sev = (['error', 'warning', 'notice', 'info'] as const).filter((s) => by(s) > 0).map((s) => plural(by(s), s));
  const errors = o.problems.filter((p) => p.severity === 'error').length;
  // "Nothing will stop stapling" only when everything was read and checked, and there was something to check.
  const clean = errors === 0 && o.notChecked.length === 0 && stapling > 0;
  const found =
    o.findings.length > 0
      ? `${plural(o.findings.length, 'finding')} (${sev.join(', ')})`
      : clean
        ? c.green('nothing will stop stapling')
        : 'no finding';
  const good = o.probes?.filter((p) => 'verdict' in p.result && p.result.verdict === 'good').length;
  const probes = o.probes ? `; ${good} of ${plural(o.probes.length, 'probe')} good` : '';
  const unread = o.notChecked.length > 0 ? `; ${plural(o.notChecked.length, 'certificate')} not checked` : '';
  const refused = errors > 0 ? `; ${c.red(plural(errors, 'configuration error'))} (on standard error)` : '';
  // No TLS block at all (an empty file, a site file without one, a server without TLS): said, not taken for a pass.
  const none = o.blocks.length === 0 && errors === 0 ? '; no TLS block with a certificate in what was read' : '';
  return `${c.bold('stapling-doctor check:')} ${found} in ${plural(stapling, 'TLS block')} with stapling on (${plural(o.blocks.length, 'TLS block')} in ${plural(o.configs.length, 'configuration')})${unread}${refused}${probes}${none}.`;
}

/** The human report of `check` (ends with a newline). */
export function formatCheck(o: CheckOutcome, opts: HumanOptions): string {
  const c = new Chalk({ level: opts.color });
  const parts: string[] = [];
  let cause: string | null = null;
  for (const f of o.findings) {
    if (f.cause !== cause) {
      cause = f.cause;
      const title = (CAUSES as Readonly<Record<string, { title: string } | undefined>>)[f.cause]?.title ?? f.cause;
      parts.push(c.bold(`━━ ${title} (${f.cause})`));
    }
    parts.push(formatFinding(f, opts));
  }
  if (o.notChecked.length > 0) {
    parts.push(
      [c.bold('Not checked:'), ...o.notChecked.map((n) => `  ${terminalSafe(`${n.block}: ${n.certificate}: ${n.reason}`)}`)].join('\n'),
    );
  }
  if (o.probes)
    parts.push([c.bold(`━━ Probes (${plural(o.probes.length, 'endpoint')})`), ...o.probes.map((p) => probeLine(c, p))].join('\n'));
  parts.push(checkSummary(o, opts));
  return `${parts.join('\n\n')}\n`;
}
