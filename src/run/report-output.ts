/**
 * The end of a run: every input with its status, the findings inspected, ordered and worded one at a
 * time, and the report written in the chosen format with the output drained between findings — the
 * JSON document piece by piece ({@link jsonDocumentPieces}), never one string of the whole report.
 */
import type { Report } from '../findings/analyzer.js';
import { renderFinding } from '../findings/render.js';
import { severityOf, type CauseRegistry } from '../findings/registry.js';
import { sortFindings } from '../findings/store.js';
import { ecsDocument } from '../format/ecs.js';
import { formatReport, formatSummary, type HumanOptions, type SummaryContext } from '../format/human.js';
import { jsonDocumentPieces } from '../format/json-stream.js';
import { safeJson } from '../format/sanitize.js';
import { sarifPieces } from '../format/sarif.js';
import type { InputDuplicate, InputProblem, InputSource } from '../input/sources.js';
import { OUTPUT_VERSION, type FileStats, type Finding, type FindingData } from '../types.js';
import type { Enrich } from './inspect-setup.js';
import type { LivePrinter } from './live.js';
import type { Output } from './output.js';
import type { FormatName } from './program.js';
import { VERSION } from '../version.js';

/** Zero counts, for an input nothing was read from. */
const NOTHING = { files: 0, lines: 0, parsed: 0, unparsed: 0, skipped: 0, undecoded: 0, matched: 0 };

/**
 * Every input the run was given, with its status: those read (in read order; `partial` when an error or
 * the stop ended one early), the arguments that gave no input (`error`, with the reason and a code),
 * and the sources an interruption left unread (`not-read`); a name given for a file already taken
 * under another name comes right after that name's entry, with `duplicateOf` ({@link withDuplicates}).
 */
export function inputList(
  read: readonly FileStats[],
  problems: readonly InputProblem[],
  unread: readonly Pick<InputSource, 'path'>[],
  interrupted: boolean,
  duplicates: readonly InputDuplicate[] = [],
): FileStats[] {
  return withDuplicates(inputStatuses(read, problems, unread, interrupted), duplicates);
}

/**
 * Each name of a file given again under another name, right after the entry of the name it was read
 * as: that entry's status, `duplicateOf` its name, no lines of its own (they are counted once, there).
 */
function withDuplicates(inputs: FileStats[], duplicates: readonly InputDuplicate[]): FileStats[] {
  if (duplicates.length === 0) return inputs;
  const out: FileStats[] = [];
  for (const entry of inputs) {
    out.push(entry);
    for (const d of duplicates.filter((x) => x.of === entry.file))
      out.push({ file: d.arg, ...NOTHING, status: entry.status ?? 'read', duplicateOf: d.of });
  }
  return out;
}

function inputStatuses(
  read: readonly FileStats[],
  problems: readonly InputProblem[],
  unread: readonly Pick<InputSource, 'path'>[],
  interrupted: boolean,
): FileStats[] {
  // Read one after the other, the interrupted input is the last one reached; --jobs workers mark each input they stopped in.
  const marked = read.some((s) => s.error === 'interrupted');
  const out: FileStats[] = read.map((s, i) => {
    const last = i === read.length - 1;
    const stopped = interrupted && last && !s.error && !marked;
    const cut = s.error === 'interrupted' && s.lines === 0 ? 'not-read' : 'partial';
    const status = s.error ? (s.error === 'interrupted' ? cut : s.lines > 0 ? 'partial' : 'error') : stopped ? 'partial' : 'read';
    const { code, ...counts } = s; // the code after the status, as for an argument that gave no input
    return { ...counts, ...(stopped ? { error: 'interrupted' } : {}), status, ...(code ? { code } : {}) };
  });
  for (const p of problems) {
    out.push({
      file: p.arg,
      ...NOTHING,
      error: p.message.startsWith(`${p.arg}: `) ? p.message.slice(p.arg.length + 2) : p.message,
      status: 'error',
      code: p.code,
    });
  }
  for (const src of unread) out.push({ file: src.path, ...NOTHING, error: 'interrupted', status: 'not-read' });
  return out;
}

/**
 * The findings as the report shows them: inspected, with the severity an expired certificate gives
 * ({@link severityOf}: the same the render step words), and re-sorted when that changed a cause or a
 * severity. The exit code and `--min-severity` then see the severity the report shows.
 */
export function inspectAll(findings: readonly FindingData[], enrich: Enrich): FindingData[] {
  const inspected = findings.map((f) => {
    const e = enrich(f);
    const severity = severityOf(e);
    return severity === e.severity ? e : { ...e, severity };
  });
  const changed = inspected.some((f, i) => f.cause !== findings[i]!.cause || f.severity !== findings[i]!.severity);
  return changed ? sortFindings(inspected) : inspected;
}

/** What {@link writeReport} needs. */
export interface ReportParts {
  format: FormatName;
  findings: readonly FindingData[];
  stats: Report['stats'];
  inputs: FileStats[];
  interrupted: boolean;
  causes: CauseRegistry;
  human: HumanOptions;
  /** What the human summary line adds: findings hidden by the filters, the time window, an interruption. */
  ctx: SummaryContext;
  /** The live printer of a streaming run (NDJSON, live human): it prints what it has not printed yet. */
  live: LivePrinter | null;
  /** The directory relative input paths are resolved against (SARIF's file URIs). */
  cwd: string;
}

function* rendered(findings: readonly FindingData[], causes: CauseRegistry): Generator<Finding> {
  for (const f of findings) yield renderFinding(f, causes);
}

/** Print the report in the chosen format, waiting for the output to drain between pieces. */
export async function writeReport(p: ReportParts, out: Output): Promise<void> {
  const tail = { version: OUTPUT_VERSION, stats: p.stats, inputs: p.inputs, interrupted: p.interrupted };
  switch (p.format) {
    case 'json':
      for (const piece of jsonDocumentPieces({ version: OUTPUT_VERSION }, 'findings', rendered(p.findings, p.causes), {
        stats: p.stats,
        inputs: p.inputs,
        interrupted: p.interrupted,
      })) {
        out.write(piece);
        await out.drained();
      }
      break;
    case 'sarif':
      for (const piece of sarifPieces(rendered(p.findings, p.causes), { version: VERSION, causes: p.causes, cwd: p.cwd }, safeJson)) {
        out.write(piece);
        await out.drained();
      }
      break;
    case 'ndjson':
      await p.live?.flush(p.findings);
      // The stream's summary line says, as the terminal's does, how many findings the filters hid (when any).
      out.write(`${safeJson({ event: 'end', ...tail, ...(p.ctx.hidden ? { hidden: p.ctx.hidden } : {}) })}\n`);
      break;
    case 'ecs':
      if (p.live) await p.live.flush(p.findings);
      else {
        for (const f of rendered(p.findings, p.causes)) {
          out.write(`${safeJson(ecsDocument(f))}\n`);
          await out.drained();
        }
      }
      break;
    case 'human':
      if (p.live) {
        await p.live.flush(p.findings);
        out.write(`${formatSummary([...rendered(p.findings, p.causes)], p.stats, p.human, p.ctx)}\n`);
      } else {
        // Arguments that gave no input were reported on stderr already: the report names the inputs, read or
        // not (an input that could not be read is named with why, next to the summary: a report saved to a
        // file must say what it lacks).
        const inputs = p.inputs.filter((i) => i.files > 0);
        out.write(
          formatReport(
            { version: OUTPUT_VERSION, findings: [...rendered(p.findings, p.causes)], stats: p.stats, inputs, interrupted: p.interrupted },
            p.human,
            p.ctx,
          ),
        );
      }
      break;
  }
  await out.drained();
}
