/**
 * `stapling-doctor omprog --output FILE`: stapling-doctor as rsyslog's omprog program (the central
 * server of a fleet runs it; see the README's Fleets section and /work/notes/omprog-contract.md).
 *
 * The contract (rsyslog/rsyslog `plugins/external/INTERFACE.md`, `doc/source/configuration/modules/
 * omprog.rst`, observed on rsyslog 8.2302 by test/fleet/):
 * - stdin: one message per line, rendered by the action's template (the README's JSON template, or any
 *   text template: lines are decoded like any input's). Read as bytes, decoded leniently.
 * - stdout (`confirmMessages="on"`): `OK` once ready, then `OK` after each message, and nothing else
 *   ever. Every message is answered `OK`, also one that could not be handled (never a negative answer,
 *   which would make rsyslog retry it for ever and hold the action's queue).
 * - each new finding and each change of its count, severity or wording is appended at once to the
 *   output file as one NDJSON line (`--format ndjson`: the finding with `event` new/update, as
 *   `--format ndjson` prints it; `--format ecs`: an ECS document). The finding id is a hash of host,
 *   cause and subject, so the same failure keeps its id across restarts.
 * - restarts (rsyslog restarts a program that died or timed out): a state file (`--state`, default
 *   `<output>.state`) keeps each finding's count, first and last time, so counts go on after a restart,
 *   and the digest of the last message whose findings were written, so that this message, when rsyslog
 *   delivers it again (it was not confirmed), is not counted twice.
 * - SIGHUP (rsyslog's `hup.signal="HUP"`, from logrotate's postrotate): the output file is reopened.
 *   EOF on stdin or SIGTERM/SIGINT: the state is saved and the program exits 0.
 * - output that cannot be written (disk full): the lines are kept in memory (at most
 *   {@link PENDING_MAX}) and written with the next ones or after a reopen; stderr says so once.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createAnalyzer, type AnalyzerEvent, type InputHandle } from '../findings/analyzer.js';
import { renderFinding } from '../findings/render.js';
import { ecsDocument } from '../format/ecs.js';
import { safeJson } from '../format/sanitize.js';
import { rsyslogUnescaped } from '../parse/rsyslog-escapes.js';
import { describeReadError } from '../input/read.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../lines/scan.js';
import { loadRules, RuleLoadError } from '../rules/load.js';
import type { Finding, Rule } from '../types.js';
import { errorLine, type OutStream } from './output.js';
import { saveMemoryWhenLarge } from '../v8-flags.js';

/** Options of the `omprog` subcommand. */
export interface OmprogOptions {
  /** The NDJSON file findings are appended to. */
  output: string;
  format: 'ndjson' | 'ecs';
  /** The state file (default `<output>.state`). */
  state?: string;
  rules: string[];
  maxEvidence: number;
}

/** What the omprog program touches, injected (the process's own streams and signals in the bin). */
export interface OmprogIo {
  stdin: AsyncIterable<Buffer | string>;
  /** The protocol channel: only `OK\n` is ever written to it. */
  stdout: OutStream;
  stderr: OutStream;
  /** Subscribe to a signal; returns the unsubscribe. */
  onSignal(signal: 'SIGHUP' | 'SIGTERM' | 'SIGINT', handler: () => void): () => void;
  /** Stop reading stdin (TERM while waiting for a message): the reading loop then ends. */
  interrupt(): void;
}

/** Lines kept in memory while the output file cannot be written. */
export const PENDING_MAX = 10_000;

/** A finding's totals before this process started (from the state file). */
interface Known {
  count: number;
  first: string | null;
  last: string | null;
}

interface State {
  version: 1;
  findings: Record<string, Known>;
  /** Digest of the last message whose findings were written. */
  lastMessage: string | null;
}

function readState(file: string, warn: (m: string) => void): State {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as State;
    if (s && s.version === 1 && typeof s.findings === 'object' && s.findings !== null) return s;
    warn(`${file}: not a state file of this version; starting afresh`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(`${file}: ${describeReadError(err)}; starting afresh`);
  }
  return { version: 1, findings: {}, lastMessage: null };
}

function writeState(file: string, s: State): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s));
  fs.renameSync(tmp, file);
}

/** The output file: appended to, reopened on HUP, lines held while it cannot be written. */
class OutputFile {
  private fd: number | null = null;
  private pending: string[] = [];
  private complained = false;
  constructor(
    readonly file: string,
    private readonly warn: (m: string) => void,
  ) {}
  open(): void {
    this.fd = fs.openSync(this.file, 'a');
  }
  reopen(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    try {
      this.open();
    } catch (err) {
      this.warn(`cannot reopen ${this.file}: ${describeReadError(err)}`);
    }
    this.write('');
  }
  /** Append a line (with its LF); false when it is held in memory. */
  write(line: string): boolean {
    if (line !== '') this.pending.push(line);
    if (this.pending.length > PENDING_MAX) this.pending.splice(0, this.pending.length - PENDING_MAX);
    if (this.fd === null || this.pending.length === 0) return this.pending.length === 0;
    try {
      fs.writeSync(this.fd, this.pending.join(''));
      this.pending = [];
      this.complained = false;
      return true;
    } catch (err) {
      if (!this.complained) this.warn(`cannot write ${this.file}: ${describeReadError(err)}; keeping findings in memory`);
      this.complained = true;
      return false;
    }
  }
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** The analyzer's events → output lines, counts continued from the state. */
function emitter(o: OmprogOptions, state: State, out: OutputFile) {
  const emitted = new Map<string, string>();
  let wrote = false;
  const onEvent = (e: AnalyzerEvent): void => {
    const f = renderFinding(e.finding);
    const known = state.findings[f.id];
    const total: Finding = known ? { ...f, count: known.count + f.count, first: known.first ?? f.first, last: f.last ?? known.last } : f;
    const mark = `${total.count}|${total.severity}|${total.messageId}`;
    if (emitted.get(f.id) === mark) return;
    const kind = emitted.has(f.id) || known ? 'update' : 'new';
    emitted.set(f.id, mark);
    out.write(`${o.format === 'ecs' ? safeJson(ecsDocument(total)) : safeJson({ event: kind, ...total })}\n`);
    wrote = true;
  };
  /** The totals of every finding seen by this process, for the state file. */
  const totals = (findings: readonly { id: string; count: number; first: string | null; last: string | null }[]) => {
    const all = { ...state.findings };
    for (const f of findings) {
      const k = state.findings[f.id];
      all[f.id] = k
        ? { count: k.count + f.count, first: k.first ?? f.first, last: f.last ?? k.last }
        : { count: f.count, first: f.first, last: f.last };
    }
    return all;
  };
  /** True when output was written since the last call. */
  const takeWrote = (): boolean => {
    const w = wrote;
    wrote = false;
    return w;
  };
  return { onEvent, totals, takeWrote };
}

/** Bytes → LF-terminated lines; the last partial line is kept until its end comes. */
async function* linesOf(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of input) {
    let buf = rest.length > 0 ? Buffer.concat([rest, Buffer.from(chunk)]) : Buffer.from(chunk);
    for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a)) {
      yield buf.subarray(0, nl);
      buf = buf.subarray(nl + 1);
    }
    rest = Buffer.from(buf);
  }
  if (rest.length > 0) yield rest;
}

/** Set up output, state and analyzer. @returns null (after a stderr line) when the output cannot be opened */
async function setUp(o: OmprogOptions, io: OmprogIo, rules: Rule[]) {
  const warn = (m: string): void => void io.stderr.write(errorLine(`omprog: ${m}`));
  const out = new OutputFile(o.output, warn);
  try {
    out.open();
  } catch (err) {
    warn(`cannot open ${o.output}: ${describeReadError(err)}`);
    return null;
  }
  const stateFile = o.state ?? `${o.output}.state`;
  const state = readState(stateFile, warn);
  const em = emitter(o, state, out);
  const analyzer = createAnalyzer(rules, { maxEvidence: o.maxEvidence, onEvent: em.onEvent });
  return { out, state, stateFile, em, analyzer, handle: analyzer.input('omprog'), warn, lastWritten: state.lastMessage };
}

/** Handle one message: analyse it unless it is the replay of the last one written. */
function handleMessage(
  s: NonNullable<Awaited<ReturnType<typeof setUp>>>,
  handle: InputHandle,
  bytes: Buffer,
  n: number,
  first: boolean,
): void {
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  if (first && digest === s.state.lastMessage) return; // delivered again after a restart: counted already
  if (bytes.length > DEFAULT_MAX_LINE_LENGTH) return handle.skip(n);
  handle.line(rsyslogUnescaped(bytes.toString('utf8')), n);
  // rsyslog delivers a server's own log in order (never a paste in reverse), and each finding must be
  // written before the message is confirmed: nothing is held for a later message.
  s.analyzer.settle();
  saveMemoryWhenLarge();
  if (s.em.takeWrote()) {
    try {
      s.lastWritten = digest;
      writeState(s.stateFile, { version: 1, findings: s.em.totals(s.analyzer.findings()), lastMessage: digest });
    } catch (err) {
      s.warn(`cannot save ${s.stateFile}: ${describeReadError(err)}`);
    }
  }
}

/**
 * Run the omprog program until EOF or TERM.
 * @returns the exit code: 0 after a clean end; 2 when the rules or the output file cannot be used
 */
export async function runOmprog(o: OmprogOptions, io: OmprogIo): Promise<number> {
  let rules: Rule[];
  try {
    rules = await loadRules({ dirs: o.rules });
  } catch (err) {
    if (err instanceof RuleLoadError) return (io.stderr.write(errorLine(`omprog: invalid rule file: ${err.message}`)), 2);
    throw err;
  }
  const s = await setUp(o, io, rules);
  if (!s) return 2;
  let stopping = false;
  const stop = (): void => {
    stopping = true;
    io.interrupt();
  };
  const offs = [io.onSignal('SIGHUP', () => s.out.reopen()), io.onSignal('SIGTERM', stop), io.onSignal('SIGINT', stop)];
  io.stdout.write('OK\n');
  let n = 0;
  try {
    for await (const bytes of linesOf(io.stdin)) {
      n++;
      try {
        handleMessage(s, s.handle, bytes, n, n === 1);
      } catch (err) {
        s.warn(`message ${n}: ${err instanceof Error ? err.message : String(err)}`);
      }
      io.stdout.write('OK\n');
      if (stopping) break;
    }
  } catch (err) {
    if (!stopping) s.warn(`reading stdin: ${describeReadError(err)}`);
  }
  s.handle.end();
  s.analyzer.end();
  try {
    writeState(s.stateFile, { version: 1, findings: s.em.totals(s.analyzer.findings()), lastMessage: s.lastWritten });
  } catch (err) {
    s.warn(`cannot save ${s.stateFile}: ${describeReadError(err)}`);
  }
  s.out.write('');
  s.out.close();
  for (const off of offs) off();
  return 0;
}
