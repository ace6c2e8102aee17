/**
 * SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format, the `sarif-2.1.0` schema) for the log
 * report and for `check`: the format code-scanning services (GitHub code scanning, GitLab, Azure DevOps)
 * and editors' SARIF viewers read, so that `stapling-doctor check --format sarif` in a configuration
 * repository's CI puts each predicted failure on the directive's line.
 *
 * One result per finding: `ruleId` its cause (the tool's rules are the causes, with their title, meaning
 * and fix in a few words), `level` from its severity (`error`, `warning`; `notice` and `info` are `note`),
 * its message and fix as the message text, its first evidence line as the location (a configuration
 * directive, a certificate file's `BEGIN CERTIFICATE`, or a log line), the next ones as related
 * locations, and its stable id as the partial fingerprint that keeps an alert's identity from run to run.
 * Locations are `file://` URIs of absolute paths (GitHub's upload relativises those under the checkout);
 * a line read from standard input has none.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import type { CauseRegistry } from '../findings/registry.js';
import type { Evidence, Finding, Severity } from '../types.js';

/** How many evidence lines after the first a result carries as related locations. */
export const SARIF_RELATED_MAX = 10;

/** The partial fingerprint's name: the finding's stable id (`cause:server:hash`) under it. */
export const SARIF_FINGERPRINT = 'staplingDoctorFindingId/v1';

/** What {@link sarifLog} needs besides the findings. */
export interface SarifOptions {
  /** The tool's version (package.json). */
  version: string;
  causes: CauseRegistry;
  /** The file to point at for an evidence path (`check`'s `--map-path`: a path as the server names it → the one on disk); default: as is. */
  toReal?: (file: string) => string;
  /** Relative paths are resolved against this directory. */
  cwd: string;
  /**
   * `check`'s configuration problems (src/inspect/config/model.ts `ConfigProblem`: a file the server
   * refuses, a syntax error, an include not found …), each a result of the rule `config-<kind>` after the
   * findings' results.
   */
  problems?: readonly SarifProblem[];
}

/** A configuration problem as {@link sarifPieces} reports it. */
export interface SarifProblem {
  kind: string;
  severity: 'error' | 'warning' | 'note';
  file: string;
  line: number | null;
  message: string;
}

const LEVEL: Record<Severity, Sarif.ReportingConfiguration.level> = { error: 'error', warning: 'warning', notice: 'note', info: 'note' };

/** Inputs that are not files: standard input and the names the API gives a stream. */
const NOT_A_FILE = new Set(['-', '<stdin>', 'stdin', 'input']);

/** The location of one evidence line, or null when it has no file (standard input) or no line. */
function locationOf(e: Evidence, o: SarifOptions, id?: number): Sarif.Location | null {
  if (NOT_A_FILE.has(e.file) || !(e.line >= 1)) return null;
  const file = path.resolve(o.cwd, o.toReal ? o.toReal(e.file) : e.file);
  return {
    ...(id !== undefined ? { id } : {}),
    physicalLocation: { artifactLocation: { uri: pathToFileURL(file).href }, region: { startLine: e.line } },
    ...(e.source === 'config' || e.source === 'certificate' ? { message: { text: e.text } } : {}),
  };
}

/** How a brief's key is named in a rule's help. */
const BRIEF_NAMES: Record<string, string> = {
  apache: 'Apache httpd (mod_ssl)',
  nginx: 'nginx',
  gnutls: 'Apache httpd (mod_gnutls)',
  lua: 'OpenResty Lua scripts',
};

/** The tool's rule for a cause: its title, meaning and fix in a few words per server. */
function ruleOf(cause: string, o: SarifOptions): Sarif.ReportingDescriptor {
  const m = o.causes[cause];
  if (!m) return { id: cause };
  const briefs = Object.entries(m.brief).filter((e): e is [string, string] => typeof e[1] === 'string');
  return {
    id: cause,
    name: m.title,
    shortDescription: { text: m.title },
    fullDescription: { text: m.meaning },
    help: { text: briefs.map(([server, text]) => `${BRIEF_NAMES[server] ?? server}: ${text}`).join('\n') },
  };
}

/** One finding as a SARIF result; `ruleIndex` is its cause's place in the run's rules. */
export function sarifResult(f: Finding, ruleIndex: number, o: SarifOptions): Sarif.Result {
  const located = f.evidence.map((e, i) => locationOf(e, o, i)).filter((l): l is Sarif.Location => l !== null);
  const steps = f.fix.steps.filter((s) => !s.optional && !s.alternative).map((s, i) => `${i + 1}. ${s.text}`);
  return {
    ruleId: f.cause,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: [f.message, `Fix: ${f.fix.summary}`, ...steps].join('\n') },
    ...(located.length > 0 ? { locations: located.slice(0, 1).map(({ id: _id, ...l }) => l) } : {}),
    ...(located.length > 1 ? { relatedLocations: located.slice(1, 1 + SARIF_RELATED_MAX) } : {}),
    partialFingerprints: { [SARIF_FINGERPRINT]: f.id },
    properties: {
      server: f.server,
      host: f.host,
      count: f.count,
      first: f.first,
      last: f.last,
      messageId: f.messageId,
      logRuleIds: f.ruleIds,
      subject: f.subject,
    },
  };
}

/** A configuration problem as a result of the rule `config-<kind>`. */
function problemResult(p: SarifProblem, ruleIndex: number, o: SarifOptions): Sarif.Result {
  const file = path.resolve(o.cwd, o.toReal ? o.toReal(p.file) : p.file);
  const region = p.line !== null && p.line >= 1 ? { region: { startLine: p.line } } : {};
  return {
    ruleId: `config-${p.kind}`,
    ruleIndex,
    level: p.severity,
    message: { text: p.message },
    locations: [{ physicalLocation: { artifactLocation: { uri: pathToFileURL(file).href }, ...region } }],
  };
}

/** The rule of a configuration problem's kind (`config-syntax`, `config-server-check`, …). */
function problemRule(kind: string): Sarif.ReportingDescriptor {
  return {
    id: `config-${kind}`,
    name: `Configuration: ${kind}`,
    shortDescription: { text: `A configuration problem (${kind}) found while reading the server's configuration` },
  };
}

/**
 * The report as a SARIF log, written in pieces: the head, each result as its finding is rendered (the
 * findings are never all held at once), then the tool with its rules, one per cause and problem kind of
 * the results, in order of first use (the members of a run may come in any order). Joined they are one
 * JSON document.
 * @param findings rendered findings, in report order
 * @param json how to write a value (the caller's escaping of control characters)
 */
export function* sarifPieces(findings: Iterable<Finding>, o: SarifOptions, json: (v: unknown) => string): Generator<string> {
  const rules: Sarif.ReportingDescriptor[] = [];
  const indexOf = new Map<string, number>();
  const ruleIndex = (id: string, rule: () => Sarif.ReportingDescriptor): number =>
    indexOf.get(id) ?? (indexOf.set(id, rules.length), rules.push(rule()) - 1);
  yield '{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"results":[';
  let sep = '';
  for (const f of findings) {
    const index = ruleIndex(f.cause, () => ruleOf(f.cause, o));
    yield `${sep}${json(sarifResult(f, index, o))}`;
    sep = ',';
  }
  for (const p of o.problems ?? []) {
    const index = ruleIndex(`config-${p.kind}`, () => problemRule(p.kind));
    yield `${sep}${json(problemResult(p, index, o))}`;
    sep = ',';
  }
  const driver: Sarif.ToolComponent = { name: 'stapling-doctor', version: o.version, semanticVersion: o.version, rules };
  yield `],"tool":${json({ driver })}}]}\n`;
}
