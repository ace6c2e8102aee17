/**
 * Shared types of stapling-doctor: parsed log lines, rules, matches, findings and fixes.
 *
 * Everything here is plain data. The pure core (`src/engine/`) produces these values; the CLI and the
 * formatters (`src/format/`) only render them. The JSON output (`--format json`) is these same objects,
 * versioned by {@link OUTPUT_VERSION}.
 */

/** The web servers whose error logs are understood. */
export type Server = 'apache' | 'nginx';
export const SERVERS = ['apache', 'nginx'] as const satisfies readonly Server[];

/**
 * Severity of a finding, most severe first. `error`: clients are hurt now (handshakes aborted, server
 * does not start, certificate revoked). `warning`: stapling does not work, clients get no staple.
 * `notice`: stapling works but is fragile. `info`: worth knowing, nothing to change.
 */
export type Severity = 'error' | 'warning' | 'notice' | 'info';
export const SEVERITIES = ['error', 'warning', 'notice', 'info'] as const satisfies readonly Severity[];

const PLAIN_ID = /^[a-z0-9-]*$/;

/**
 * Order two rule ids as `a.localeCompare(b)` does, without starting ICU's collator (~8 % of a small
 * file's start-up instructions) for the ids that need none: over lower-case ASCII letters, digits and
 * `-` (every built-in rule id), ICU's root collation is code-point order (test/rule-order.test.ts).
 * Any other id is compared by `localeCompare`, so the order stays ICU's exactly.
 * @returns negative, zero or positive
 */
export function compareIds(a: string, b: string): number {
  if (PLAIN_ID.test(a) && PLAIN_ID.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}

/** Rank of a severity: higher is more severe (error = 3 … info = 0). */
export function severityRank(s: Severity): number {
  return 3 - SEVERITIES.indexOf(s);
}

/**
 * The closed vocabulary of root causes. Each has a meaning, a fix per server and the wording in
 * `src/findings/causes.ts`; the README's cause table lists them. Add one only with a reason written there.
 */
export type CauseId =
  | 'issuer-certificate-missing'
  | 'self-signed-certificate'
  | 'ocsp-url-missing'
  | 'stapling-unsupported'
  | 'trusted-chain-incomplete'
  | 'response-signature-invalid'
  | 'responder-url-invalid'
  | 'resolver-missing'
  | 'dns-resolution-failed'
  | 'responder-unreachable'
  | 'responder-timeout'
  | 'responder-bad-response'
  | 'responder-error-status'
  | 'response-nonce-rejected'
  | 'response-not-current'
  | 'certificate-revoked'
  | 'certificate-status-unknown'
  | 'certid-mismatch'
  | 'stapling-cache-problem'
  | 'stapling-file-error'
  | 'stapling-init-failed'
  | 'stapling-config-invalid'
  | 'stapling-mutex-problem'
  | 'stapling-internal-error'
  | 'certificate-expired';

export const CAUSE_IDS = [
  'issuer-certificate-missing',
  'self-signed-certificate',
  'ocsp-url-missing',
  'stapling-unsupported',
  'trusted-chain-incomplete',
  'response-signature-invalid',
  'responder-url-invalid',
  'resolver-missing',
  'dns-resolution-failed',
  'responder-unreachable',
  'responder-timeout',
  'responder-bad-response',
  'responder-error-status',
  'response-nonce-rejected',
  'response-not-current',
  'certificate-revoked',
  'certificate-status-unknown',
  'certid-mismatch',
  'stapling-cache-problem',
  'stapling-file-error',
  'stapling-init-failed',
  'stapling-config-invalid',
  'stapling-mutex-problem',
  'stapling-internal-error',
  'certificate-expired',
] as const satisfies readonly CauseId[];

/** Which log format the line prefix was recognised as (`null`: none; the message is the whole line). */
export type LineFormat = 'apache24' | 'apache22' | 'apache-startup' | 'nginx' | 'nginx-stderr';

/** An outer wrapper recognised in front of the server's own line: syslog/journald, a container or
 * process manager (docker, compose, kubectl, supervisor), or other `text` in front of a server prefix
 * (stern's pod and container names, a decorated logger's tag and level, a word of prose in a paste). */
export type LineWrapper = 'syslog' | 'container' | 'text';

/**
 * One error-log line split into its fields by {@link parseLine}. Absent fields are `null`.
 *
 * Sources: Apache httpd 2.4 `do_errorlog_default()` and 2.2 `log_error_core()` in `server/log.c`;
 * nginx `ngx_log_error_core()` in `src/core/ngx_log.c` (see the reference catalogue §1).
 */
export interface ParsedLine {
  /** Server that wrote the line, from its format, syslog tag or AH code; `null` when unknown. */
  server: Server | null;
  /** Prefix format recognised; `null` when the line fits no known prefix. */
  format: LineFormat | null;
  /** Wrapper stripped in front of the server's own line (syslog/journald, container log). */
  wrapper: LineWrapper | null;
  /** Time of the line as ISO-8601 local time without offset (`2014-05-09T23:36:44.055900`), or with
   * the offset when the log carries one (container/RFC 5424 timestamps); `null` when absent. */
  time: string | null;
  /** Log level as written (`error`, `warn`, `trace3`, …). */
  level: string | null;
  /** Apache module (`ssl`, `core`, `md`); nginx lines have none. */
  module: string | null;
  /** Process id. */
  pid: number | null;
  /** Thread id as a decimal string (pthread ids exceed 2^53 on some systems). */
  tid: string | null;
  /** nginx connection number (`*123`); stapling fetch lines never carry one. */
  connectionId: number | null;
  /** Client address without its port (ECS `client.ip`): from Apache's `[client 203.0.113.5:51234]`
   * (`203.0.113.5`; `[2001:db8::1]:443` and `::1:58619` give `2001:db8::1` and `::1`) or nginx's
   * `, client: 203.0.113.5`. */
  client: string | null;
  /** Client port (ECS `client.port`), when the line gives one (Apache 2.4 always does). */
  clientPort: number | null;
  /** Apache status prefix, e.g. `(111)Connection refused` or `(EAI 2)Name or service not known`. */
  status: string | null;
  /** Apache message tag `AHnnnnn`. */
  code: string | null;
  /** nginx's trailing context in nginx's own names (`client`, `server`, `request`, `subrequest`,
   * `upstream`, `host`, `referrer`, `login`, `resolver`, the stream module's `bytes from/to client` and
   * `bytes from/to upstream`, lua's `context`, and the stapling `responder`, `peer`, `certificate`), quotes
   * removed; the stream module's `udp client` is `client`; null when the message has none. The message
   * keeps it too. */
  context: Readonly<Partial<Record<string, string>>> | null;
  /** The message text after all prefixes (Apache: without the `AHnnnnn: ` tag and `, referer: …`). */
  message: string;
  /** The machine that wrote the line: the HOSTNAME of a syslog header (RFC 3164, RFC 5424), or the
   * host of a JSON log record (journald `_HOSTNAME`, ECS `host.name`, rsyslog template `host`).
   * Absent when the line does not say (the input's path may then tell: `--host-from-path`). */
  host?: string;
  /** How many times the server wrote the message this one line stands for: N of rsyslog's
   * `message repeated N times: [ … ]` (`src/parse/wrappers.ts`); absent for a line that stands for itself. */
  repeated?: number;
  /** The JSON log record the line was decoded from (`src/parse/record.ts`); absent for a text line. */
  record?: RecordKind;
  /** The systemd unit of a journald record (`_SYSTEMD_UNIT`, e.g. `nginx.service`). */
  unit?: string;
  /** Apache's request log ID (`ErrorLogFormat` `[R:%L]`: 11 base64 characters, or mod_unique_id's id);
   * absent when the line has none. */
  requestLogId?: string;
  /** Apache's connection log ID (`[C:%{c}L]` / `[C:%{C}L]`); absent when the line has none. */
  connectionLogId?: string;
}

/**
 * JSON log records decoded before parsing (one record per line): `journald` (`journalctl -o json` /
 * `-o json-seq`), `docker` (the json-file logging driver), `ecs` (Filebeat / Elastic Agent documents),
 * `rsyslog` (the rsyslog JSON template of the README's Fleets section), `json` (any other object with a
 * message under a shipper's usual name: GELF, Fluent Bit, pino, Cloud Logging, Loki's jsonl; `parse/record.ts`).
 */
export type RecordKind = 'journald' | 'docker' | 'ecs' | 'rsyslog' | 'json';

/** Named values a rule may capture from a line (regex group names) and findings carry. */
export const VALUE_NAMES = [
  'certificate', // certificate file path (nginx ssl_certificate, Apache SSLCertificateFile)
  'certSubject', // certificate subject DN (Apache suffix)
  'certIssuer', // certificate issuer DN (Apache suffix)
  'serial', // certificate serial number, hex
  'notBefore', // certificate notBefore as printed by OpenSSL
  'notAfter', // certificate notAfter as printed by OpenSSL
  'loggedAt', // time of the line that carried notAfter (ParsedLine.time), to tell an expired certificate
  'vhost', // Apache virtual host id `host:port` (AH02604/AH02567/AH02814)
  'responder', // OCSP responder host name
  'peer', // responder address `ip:port`
  'url', // responder URL as written
  'host', // DNS name that failed to resolve
  'resolver', // DNS resolver address
  'proxy', // SSLOCSPProxyURL host
  'errno', // OS error number
  'errorText', // OS/APR/resolver error text
  'responseStatus', // OCSPResponseStatus name (trylater, unauthorized, …)
  'certStatus', // good/revoked/unknown
  'revocationReason', // CRL reason
  'verifyError', // X.509 verify error string inside an OpenSSL error
  'opensslReason', // OpenSSL reason string (certificate verify error, status expired, …)
  'opensslError', // whole OpenSSL error block
  'httpStatus', // HTTP status line from the responder
  'contentType', // Content-Type header from the responder
  'bytes', // a size in bytes
  'file', // a file named by the message (config file, stapling file)
  'configLine', // a configuration line number
  'directive', // a directive named by the message
  'detail', // any other detail text
] as const;
export type ValueName = (typeof VALUE_NAMES)[number];
/** Values captured from a line. Only names from {@link VALUE_NAMES} appear. */
export type Values = Partial<Record<ValueName, string>>;

/**
 * How a rule's line takes part in correlation:
 * - `cause`: states a cause; opens a new occurrence at once (and may receive followers).
 * - `transport`: a line shared with another use of the same code: an Apache responder-transport line
 *   (`ssl_util_ocsp.c`) shared with client-certificate OCSP, nginx's resolver socket errors (`… while
 *   resolving, resolver: …`) shared with every user of `resolver`; it becomes a stapling occurrence only when
 *   confirmed by a follower (AH01941), or, for a fragment, as a notice; further transport lines of the same
 *   failure join it as evidence.
 * - `follower`: a summary line that belongs to the failure just before it in the same process/thread
 *   (AH02604 after AH02217, AH01941 after AH01974); alone, it stands for its own fallback cause.
 * - `detail`: adds evidence to an open failure (Apache `SSL Library Error:` lines); alone, ignored.
 * - `lookalike`: a line that proves the open transport failure was not stapling (client-certificate
 *   OCSP, AH01925 …); it cancels it and is never reported.
 */
export type RuleRole = 'cause' | 'transport' | 'follower' | 'detail' | 'lookalike';
/** Directives a rule can be tied to (see {@link RuleSpec.tiedTo}): nginx's OCSP response file and trusted bundle. */
export const TIE_DIRECTIVES = ['ssl_stapling_file', 'ssl_trusted_certificate'] as const;
export type TieDirective = (typeof TIE_DIRECTIVES)[number];

export const RULE_ROLES = ['cause', 'transport', 'follower', 'detail', 'lookalike'] as const satisfies readonly RuleRole[];

/** When in a server's life the message is written. `config`: start-up/reload, `runtime`: handshakes. */
export type RulePhase = 'config' | 'runtime';

/** Where a rule's message comes from in a server's source code. */
export interface RuleSource {
  server: Server | 'openssl' | 'mod_md' | 'lua' | 'mod_gnutls';
  /** Source file in the server's repository, e.g. `modules/ssl/ssl_util_stapling.c`. */
  file: string;
  /** Function that logs it. */
  function?: string;
  /** Versions that write this wording, e.g. `2.4.11+` or `1.3.7-1.11.6`. */
  versions: string;
  /** Where the wording was confirmed (catalogue section, issue URL, captured log). */
  ref?: string;
}

/** One example line of a rule, positive or negative. */
export interface RuleSample {
  line: string;
  /** Where the line comes from (catalogue §, public issue URL, `samples/real/<file>`). */
  from: string;
  /** For positive samples: values the match must extract (subset check). */
  values?: Values;
  /** For positive samples: the cause the match must signal when it differs from the rule's. */
  cause?: CauseId;
  /** For positive samples: the severity the match must have when it differs from the rule's. */
  severity?: Severity;
}

/** One regular expression of a rule, with optional overrides. */
export interface RulePatternSpec {
  /** Regular expression (JavaScript syntax, named groups from {@link VALUE_NAMES}) over the message. */
  regex: string;
  /** Short name of the wording this pattern covers, e.g. `2.4.11+` or `openssl-3`. */
  name?: string;
  cause?: CauseId;
  severity?: Severity;
}

/** A rule as written in `rules/<id>.yaml`. The JSON schema is `src/rules/rule.schema.json`. */
export interface RuleSpec {
  id: string;
  /** One sentence: what the message means. */
  summary: string;
  servers: Server[];
  severity: Severity;
  cause: CauseId;
  role: RuleRole;
  phase: RulePhase;
  /** Literal text every matching line contains (case-sensitive). Used as the cheap prefilter. */
  trigger: string;
  patterns: RulePatternSpec[];
  /** Map extracted values (case-insensitively) to a cause, e.g. an X.509 verify reason. With several
   * value names, the first one present and found in the map decides; `default` when a value is there but
   * not in the map; `missing` (else `default`) when none of them is there: a paste cut the message before
   * the reason, and the cause is the one the public record shows for the bare message. */
  causeFrom?: { value: ValueName | ValueName[]; map: Record<string, CauseId>; default?: CauseId; missing?: CauseId };
  /** Conditions on parsed fields: `absent`/`present`, or a list of allowed values (e.g. levels), which
   * may name `absent` too (the field may also be missing, as in a fragment without its prefix). */
  when?: Partial<Record<'connectionId' | 'level' | 'module' | 'client' | 'code', 'absent' | 'present' | string[]>>;
  /** Severity by the line's level, e.g. `{ error: warning }` for a warn-level rule escalated at error. */
  severityByLevel?: Record<string, Severity>;
  /** For followers: the causes of the open failure they may attach to (default: any). */
  follows?: CauseId[];
  /** A follower or look-alike that ends the failure it attaches to (default true). */
  closes?: boolean;
  /** Wins over other rules that match the same line (default 0). */
  priority?: number;
  /**
   * The rule applies only to lines about a file the server's configuration names in this directive
   * (`--config`): its pattern's `value` group is narrowed to those files when the rules are loaded
   * (`src/rules/tie.ts`), and without a configuration that names one the rule is left out. For messages
   * that name any file (nginx writes `BIO_new_file("…") failed` for a certificate, key, dhparam or
   * stapling file alike), so that only the stapling one is reported.
   */
  tiedTo?: { directive: TieDirective; value: ValueName };
  /**
   * For a rule whose trigger other programs write too (nginx's `no resolver defined to resolve ` is also
   * proxy_pass's and a Lua cosocket's): a regular expression (case-insensitive) that a message read as a
   * fragment (cut short, retyped without quotes, `src/rules/cut.ts`) must hold to count. Tested on the
   * message with the line's level in front when the prefix gave one (`[warn] no resolver …`). A whole
   * message is matched by the rule's own patterns, which say what identifies it.
   */
  fragmentNeeds?: string;
  source: RuleSource[];
  samples: { match: RuleSample[]; nomatch: RuleSample[] };
}

/** A rule ready to run: its spec plus compiled patterns. Produced by `loadRules`. */
export interface Rule extends RuleSpec {
  /** File it was loaded from (for error messages); `<builtin>/…` for bundled rules. */
  file: string;
  compiled: CompiledPattern[];
  /** {@link RuleSpec.fragmentNeeds} compiled. */
  fragmentNeedsRe?: RegExp;
  /**
   * Set on a head reading (`src/rules/head-reading.ts`, derived by the matcher, never in a rule file): the
   * whole trigger of the rule it reads for, whose head is this reading's `trigger`.
   */
  headOf?: string;
  /**
   * Set on a tail reading (`src/rules/tail-reading.ts`, derived by the matcher, never in a rule file): the
   * whole trigger of the rule it reads for, and the values that rule's patterns take before the clause
   * that is this reading's `trigger` (a message quoted from the clause on does not hold them).
   */
  tailOf?: { trigger: string; missing: ValueName[] };
}

export interface CompiledPattern extends RulePatternSpec {
  re: RegExp;
}

/** Where a line was read: input name (file path or `-` for stdin) and 1-based line number. */
export interface LineLocation {
  file: string;
  line: number;
}

/**
 * What of a matched message could not be read (issue 10: a finding from a fragment names what it could
 * read and says what was cut). Absent when the line was whole.
 */
export interface LineCut {
  /** The server's own prefix: `missing` (no time, level or pid at all) or `partial` (some of them lost). */
  prefix?: 'missing' | 'partial';
  /**
   * The message begins after the server's text did: quoted from a clause on, without the head that names the
   * function or directive (`src/rules/tail-reading.ts`).
   */
  head?: {
    /** Values the rule's patterns take from the head the quote does not hold. */
    missing: ValueName[];
  };
  /** The message ends before the server's text did (a paste cut it, or a poster's `...`). */
  tail?: {
    /** Values the rule's pattern names but the cut message no longer holds. */
    missing: ValueName[];
    /** Values the cut marker touched (`responder: ocsp.digic…`): kept as written, as the cut may have shortened them. */
    partial?: ValueName[];
  };
  /** Values the poster redacted (`...`, `<server domain>`, `xxxxx.com`, `x.x.x.x`): kept as written. */
  redacted?: ValueName[];
  /** Physical lines joined into this message (a wrapped paste), when more than one. */
  lines?: number;
  /**
   * The line that would confirm this one was not in the input: an Apache transport failure of a
   * fragment without its AH01941, which may be client-certificate OCSP (SSLOCSPEnable) instead.
   */
  follower?: 'missing';
}

/**
 * What a paste's cut did to the values it ran through (nginx's stapling context, `nginxOcspContextCut()`;
 * Apache's certificate suffix, `splitApacheCertSuffixCut()`), before it is a match's {@link LineCut}.
 */
export interface ValuesCut {
  /** The values the cut took (not read at all, or left unreadable), in the order the server writes them. */
  lost: ValueName[];
  /** The value the cut may have shortened, kept as written (`responder: ocsp.digic…`, `[subject: CN=www.exa`). */
  partial: ValueName[];
}

/** One line a rule matched. */
export interface LineMatch {
  rule: Rule;
  pattern: CompiledPattern;
  parsed: ParsedLine;
  values: Values;
  cause: CauseId;
  severity: Severity;
  location: LineLocation;
  /**
   * The line as read (decoded, line end removed; physical lines of a wrapped message joined by a space),
   * or its start when {@link textLength} is set.
   */
  text: string;
  /**
   * Set on a line the correlator keeps while its failure waits for confirmation: `text` then holds only
   * the start of the line (see `src/correlate/correlator.ts`, `retained`), and this is the line's length.
   */
  textLength?: number;
  /** What could not be read, when the line was a fragment (see {@link LineCut}). */
  cut?: LineCut;
}

/** One evidence line of a finding. */
export interface Evidence {
  file: string;
  line: number;
  /** The line, or its start when it is longer than the stored width (then {@link textLength} is set). */
  text: string;
  /** The line's length in characters (UTF-16 code units), set only when {@link text} holds its start. */
  textLength?: number;
  ruleId: string;
  time: string | null;
  pid: number | null;
  /** Values this line contributed. */
  values: Values;
  /**
   * What the line is: absent or `log` for a log line; `config` for a configuration directive
   * (`file:line` of the directive, `text` as written, `ruleId` the `check` test that read it);
   * `certificate` for a certificate a `check` read (`file:line` of its `BEGIN CERTIFICATE`, `text` its
   * subject, issuer, serial and validity). `time` and `pid` are null for both.
   */
  source?: EvidenceSource;
  /** What of this line could not be read, when it was a fragment (a paste cut it, a prefix lost, values redacted). */
  cut?: LineCut;
}

/** Where an evidence line comes from (see {@link Evidence.source}). */
export type EvidenceSource = 'log' | 'config' | 'certificate';
export const EVIDENCE_SOURCES = ['log', 'config', 'certificate'] as const satisfies readonly EvidenceSource[];

/**
 * What a finding is about: the identity values, taken from the log. Absent ones are omitted.
 * Certificate details come from nginx's `certificate: "…"` context or Apache's
 * `[subject: … / issuer: … / serial: …]` suffix; `vhost` from AH02604/AH02567/AH02814.
 */
export interface FindingSubject {
  certificate?: string;
  certSubject?: string;
  certIssuer?: string;
  serial?: string;
  notBefore?: string;
  notAfter?: string;
  vhost?: string;
  responder?: string;
  url?: string;
  host?: string;
  /** Every distinct responder address seen (capped). */
  peers?: string[];
  /** Every distinct process id seen (capped). */
  pids?: number[];
}

/**
 * One machine-readable step of a fix. A step that changes configuration names the server's own
 * directive and the value to give it; when the tool cannot know the value (a file path on the
 * administrator's machine), `value` is null and `valueKind` says what it must be.
 */
export interface FixStep {
  /** `set`: give the directive this value (add it when absent); `remove`: delete the directive;
   * `check`: inspect something; `run`: run a command; `replace-certificate`: get a new certificate. */
  action: 'set' | 'remove' | 'check' | 'run' | 'replace-certificate';
  directive: string | null;
  value: string | null;
  /** What the value must be when `value` is null:
   * `file:leaf-and-chain` (the certificate followed by its intermediates),
   * `file:issuer-chain` (issuing intermediate(s) and the root),
   * `file:issuer` (the issuing CA certificate), `dns-server`, `url:http-responder`, `url:http-proxy`
   * (an HTTP proxy for OCSP requests), `seconds`. */
  valueKind:
    'file:leaf-and-chain' | 'file:issuer-chain' | 'file:issuer' | 'dns-server' | 'url:http-responder' | 'url:http-proxy' | 'seconds' | null;
  /** Where the directive goes: nginx `http`/`server`, Apache `server config`/`VirtualHost`. */
  context: string | null;
  /** A command to run (for `run`/`check`). */
  command?: string;
  /** True when this step replaces the non-alternative steps before it (another way to the same end). */
  alternative?: boolean;
  /** True for a mitigation that limits the harm but does not restore stapling (not needed for the fix). */
  optional?: boolean;
  /** The step as one plain sentence, with the values from the log. */
  text: string;
}

/** What to change and how to confirm it. */
export interface Fix {
  summary: string;
  steps: FixStep[];
  /** How to confirm after the change (reload, then `openssl s_client … -status`). */
  verify: string[];
}

/** A run of occurrences with no pause longer than {@link FindingTimeline.episodeGapMs}. */
export interface Episode {
  /** Time of its first and last occurrence, as the log wrote them (see {@link ParsedLine.time}). */
  start: string;
  end: string;
  /** Occurrences in it. */
  count: number;
}

/**
 * A finding's occurrences over time on the log's own clock, bounded in size whatever the input
 * (at most 64 buckets and 50 episodes; `src/findings/timeline.ts` says how). Counts are exact: the
 * buckets' counts plus `untimed` make the finding's `count`, and so do the episodes' counts plus `untimed`.
 */
export interface FindingTimeline {
  /** Width of every bucket, ms: 1000 × 2^k. */
  bucketMs: number;
  /** Non-empty buckets in time order: start (ISO-8601 on the log's clock, `Z` when its times carry an offset) and occurrences in it. */
  buckets: { start: string; count: number }[];
  /** Occurrences whose line carried no time. */
  untimed: number;
  /** Longest pause within one episode, ms (30 min, doubled while there would be more than 50 episodes). */
  episodeGapMs: number;
  /** Episodes in time order. */
  episodes: Episode[];
}

/**
 * One diagnosis as data, as the core emits it: one cause for one certificate/vhost/responder, with all
 * its occurrences, a message id and the values its wording needs. No prose: {@link Finding} adds the
 * sentence and the fix (`renderFinding` in `src/findings/render.ts`).
 */
export interface FindingData {
  /** Stable id: `<cause>:<server>:<hash of the host and the identity>`; the same input gives the same id
   * (and the same failure on the same host gives the same id in another run: omprog restarts). */
  id: string;
  cause: CauseId;
  severity: Severity;
  server: Server | null;
  /** The machine whose log it is (see {@link ParsedLine.host}); null when unknown. Findings of different
   * hosts never merge. Not to be confused with `subject.host`, the DNS name that failed to resolve. */
  host: string | null;
  /** Rules whose lines make up this finding. */
  ruleIds: string[];
  /** How many times the failure happened (duplicate start-up passes of one process count once). */
  count: number;
  /** Time of the first and last occurrence (ISO-8601, see {@link ParsedLine.time}). */
  first: string | null;
  last: string | null;
  /** Which wording of the cause applies: `<cause>.<variant>` (e.g. `dns-resolution-failed.proxy`). */
  messageId: string;
  /** Values of the finding's lines beyond its subject (OCSP status, verify error, HTTP status …), first seen wins. */
  data: Values;
  subject: FindingSubject;
  evidence: Evidence[];
  /** Evidence lines not kept (the list is capped). */
  evidenceOmitted: number;
  /** The occurrences over time, bounded in size (`src/findings/timeline.ts`). */
  timeline: FindingTimeline;
  /** What `--inspect` found in the certificate files the finding names (absent without `--inspect`). */
  inspection?: InspectionData;
  /**
   * Where the finding comes from: absent or `log` for the log analysis; `check` for `stapling-doctor
   * check`, which predicts it from the configuration and the certificates (its evidence is
   * configuration directives and certificates, its `first`/`last` are null).
   */
  origin?: 'log' | 'check';
  /** Set on a summary finding (see {@link FindingAggregate}); absent on every finding listed one by one. */
  aggregate?: FindingAggregate;
}

/**
 * A summary finding: past the number of findings listed per cause and server (`src/findings/limits.ts`),
 * the occurrences of further identities of that cause and server are counted here. Its `count`, `first`,
 * `last` and evidence are exactly those of the identities it stands for; its subject is empty.
 */
export interface FindingAggregate {
  /** Distinct identities (certificates, vhosts, responders) summarised. */
  findings: number;
  /** False when more identities were seen than the store counts exactly: then `findings` is a lower bound. */
  exact: boolean;
  /** What the summarised identities are: all name a certificate, else all a vhost, else all a responder; else `mixed`. */
  of: 'certificate' | 'vhost' | 'responder' | 'mixed';
}

/** A finding with its wording: the JSON output's findings. */
export interface Finding extends Omit<FindingData, 'inspection'> {
  /** The cause in one plain sentence, with the values from the log. */
  message: string;
  fix: Fix;
  /** What `--inspect` found, worded. */
  inspection?: Inspection;
}

/**
 * The checks `--inspect` runs on the certificate files (and, with `--config`, the trusted bundle and
 * chain files) of a finding:
 * - `self-signed`: is the certificate its own issuer (signature verified with its own key);
 * - `issuer-present`: is the certificate that issued it in the certificate file, the chain file or the
 *   trusted bundle (signature verified);
 * - `trusted-chain`: does the trusted bundle (`ssl_trusted_certificate`) chain the issuer to a root;
 * - `ocsp-url`: does the certificate carry an AIA OCSP URI (and is it the responder the log names);
 * - `lets-encrypt`: is the issuer Let's Encrypt (which ended OCSP in 2025);
 * - `expired`: is the certificate outside its validity dates;
 * - `must-staple`: does the certificate ask for OCSP Must-Staple (TLS Feature `status_request`, RFC 7633),
 *   so that clients refuse it without a staple (`stapling-doctor check`).
 */
export type InspectionCheckId =
  'self-signed' | 'issuer-present' | 'trusted-chain' | 'ocsp-url' | 'lets-encrypt' | 'expired' | 'must-staple';
export const INSPECTION_CHECKS = [
  'self-signed',
  'issuer-present',
  'trusted-chain',
  'ocsp-url',
  'lets-encrypt',
  'expired',
  'must-staple',
] as const satisfies readonly InspectionCheckId[];

/** What a check says about the finding's diagnosis: it supports it, contradicts it, or could not run. */
export type InspectionResult = 'confirmed' | 'refuted' | 'not-checked';
export const INSPECTION_RESULTS = ['confirmed', 'refuted', 'not-checked'] as const satisfies readonly InspectionResult[];

/** One check of an inspection, as data: which sentence says what was found, and its values. */
export interface InspectionCheckData {
  check: InspectionCheckId;
  result: InspectionResult;
  /** Which sentence describes the finding of the check (`src/findings/inspection-wording.ts`). */
  detailId: string;
  /** The values of that sentence (file names, subjects, URLs). */
  data: Record<string, string | number | readonly string[]>;
}

/** One check of {@link Inspection}, worded. */
export interface InspectionCheck extends InspectionCheckData {
  /** What was found (or why it could not be checked), as one or two plain sentences. */
  detail: string;
}

/** A certificate the fix must add, named by subject; `caIssuersUrl` says where its CA publishes it. */
export interface MissingCertificate {
  /** Subject DN of the missing certificate (`CN=…,O=…`, most specific first). */
  subject: string;
  /**
   * `issuer`: the CA certificate that issued the server certificate; `root`: a root CA of the public CA
   * store (Mozilla's list, as Node carries it) above the chain; `ca`: the CA certificate above a chain that
   * stops below a root, when it is no public root: the next intermediate, or a private root (nothing read
   * tells which).
   */
  role: 'issuer' | 'root' | 'ca';
  /** The CA Issuers URL (AIA) of the certificate it issued, where it can be downloaded (usually DER); null when none. */
  caIssuersUrl: string | null;
  /** Where it must go: the certificate file (after the chain) or the trusted bundle. */
  neededIn: 'certificate-file' | 'trusted-bundle';
}

/** The certificate `--inspect` read: the first certificate of the file. */
export interface CertificateSummary {
  /** The file as the log or configuration names it. */
  file?: string;
  subject: string;
  issuer: string;
  /** Upper-case hex, as OpenSSL prints it. */
  serial: string;
  notBefore: string;
  notAfter: string;
  selfSigned: boolean;
  ocspUrls: string[];
  caIssuersUrls: string[];
}

/** Why `--inspect` changed a finding's cause. */
export type CauseChangeReason = 'self-signed' | 'trusted-chain-complete' | 'not-self-signed';

/** The result of `--inspect` on one finding, as data (see {@link Inspection} for the worded form). */
export interface InspectionData {
  /** `refuted` when a check contradicts the diagnosis; else `confirmed` when one supports it; else `not-checked`. */
  result: InspectionResult;
  checks: InspectionCheckData[];
  /** Set when a confirmed check changed the cause: the cause the log alone gave. `cause` is the new one. */
  causeBefore?: CauseId;
  /** Why the cause changed (set with {@link causeBefore}). */
  causeChangeReason?: CauseChangeReason;
  /** The certificate inspected (absent when no file could be found or read). */
  certificate?: CertificateSummary;
  /** The `server {}`/`<VirtualHost>` of `--config` the certificate belongs to (`file:line`). */
  configBlock?: string;
  /** Certificates the fix must add, by subject. */
  missing: MissingCertificate[];
  /** The trusted bundle files (`ssl_trusted_certificate` + `ssl_client_certificate`, `SSLCACertificateFile`) of the block. */
  trustedFiles?: string[];
  /** A configuration (`--config`) was given, so an empty {@link trustedFiles} means none is configured. */
  haveConfig?: boolean;
  /** Set when the inspection itself failed unexpectedly (the finding is otherwise unchanged). */
  error?: string;
  /**
   * With `--config`, when several blocks use the certificate and the log does not tell them apart: each
   * block and its verdict, in configuration order. Absent when one block (or none) fits.
   */
  blocks?: BlockVerdict[];
  /**
   * How the blocks of {@link blocks} were judged: `one` when they agree on every setting that matters
   * (one judgement stands for all of them); `each` when they differ ({@link blockDifferences}).
   */
  blockJudgement?: 'one' | 'each';
  /** The settings the blocks differ in (`trustedFiles`, `chainFiles`, `stapling` …; see `SiteSetting`). */
  blockDifferences?: string[];
  /**
   * The blocks (`file:line`) the top-level verdict (`result`, `checks`, `missing`) is for: all of
   * {@link blocks}, or, when their verdicts differ, those whose verdict is the finding's cause (empty when none).
   */
  verdictFor?: string[];
  /** Where to confirm the fix, from the blocks' `listen`/`server_name`/`ServerName`/`<VirtualHost>`. */
  endpoints?: ConfirmEndpoint[];
}

/** A TLS endpoint of a configuration block, for the Confirm commands. */
export interface ConfirmEndpoint {
  /** The address to connect to (a configured address, else the server name). */
  host: string;
  port: number;
  /** The name to send as SNI, or null when the block names none. */
  serverName: string | null;
}

/** One configuration block a finding's certificate is used by, and what inspecting it gave. */
export interface BlockVerdict {
  /** `file:line` of the `server {}` / `<VirtualHost>`. */
  block: string;
  /** Its names: nginx `server_name`s, Apache `ServerName` then `ServerAlias`es. */
  names: string[];
  /** Its addresses as written (`listen`, `<VirtualHost addr:port>`). */
  listen: string[];
  /** The certificate file judged for it (null when none could be named). */
  certificate: string | null;
  /** The cause for this block after inspection (the finding's cause, or another one a check established). */
  cause: CauseId;
  result: InspectionResult;
  /** The checks for this block; empty when one judgement stands for all blocks (`blockJudgement: 'one'`). */
  checks: InspectionCheckData[];
  missing: MissingCertificate[];
  trustedFiles: string[];
}

/** One block of {@link Inspection.blocks}, worded. */
export interface BlockVerdictWorded extends Omit<BlockVerdict, 'checks'> {
  checks: InspectionCheck[];
}

/** The result of `--inspect` on one finding, worded. */
export interface Inspection extends Omit<InspectionData, 'checks' | 'blocks'> {
  checks: InspectionCheck[];
  /** Why the cause changed, one sentence (set with {@link InspectionData.causeBefore}). */
  causeChange?: string;
  blocks?: BlockVerdictWorded[];
  /** How the blocks were judged and how their verdicts compare, one or two sentences (set with `blocks`). */
  blocksNote?: string;
}

/** Line accounting. Always `lines = parsed + unparsed + skipped + undecoded`. */
export interface Stats {
  /** Inputs read. */
  files: number;
  /** Lines read (LF, CRLF and lone CR end a line; a last line without an end counts). */
  lines: number;
  /** Lines read whole and examined: ruled out by the trigger prefilter, or parsed into fields. */
  parsed: number;
  /** Lines containing a rule trigger whose prefix fits no known format (matched on their text). */
  unparsed: number;
  /** Lines not examined: longer than the line-length limit. */
  skipped: number;
  /** Lines holding a rule trigger (or a JSON-escaped one) that look like a JSON log record (start with
   * `{`) but could not be decoded: invalid JSON, an unknown record shape, or no message in it. They
   * are not matched as text. */
  undecoded: number;
  /** Lines a rule matched. */
  matched: number;
}

/** Per-input accounting plus the input's name. */
export interface FileStats extends Stats {
  file: string;
  /** Set when the input could not be read completely: what went wrong. */
  error?: string;
  /** Numbers of the skipped lines (the first 100). */
  skippedLines?: number[];
  /**
   * Set by the CLI for every input it was given: `read` (to the end), `partial` (an error or a stop
   * ended it early: {@link error} says which), `error` (nothing could be read: {@link error} says why),
   * `not-read` (the run was interrupted before it).
   */
  status?: 'read' | 'partial' | 'error' | 'not-read';
  /**
   * With `error` (not `interrupted`): a stable code, the same whether the argument gave no input or the
   * input failed when read (`ENOENT`, `NOMATCH`, `EACCES`, `NOTFILE`, `EDECOMPRESS`, `EUNSUPPORTED` …).
   */
  code?: string;
  /** Numbers of the undecoded lines (the first 100). */
  undecodedLines?: number[];
  /**
   * Set by the CLI on a name given for a file already given under another name (a symbolic or hard
   * link to it): that name, under which the file was read once. Such an entry counts no lines of its
   * own and carries the status of that name's entry.
   */
  duplicateOf?: string;
}

/** Version of the JSON output document; bumped on incompatible changes. */
export const OUTPUT_VERSION = 1;
