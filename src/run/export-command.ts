/**
 * `stapling-doctor rules export --to sigma|elasticsearch|loki`: the rule set for another engine on
 * stdout; on stderr, what the target cannot express (patterns not exported always; the other notes as
 * a count, or each with `--notes`).
 */
import { exportRules, noteLine } from '../export/index.js';
import { CAUSES } from '../findings/causes/index.js';
import { loadRules, RuleLoadError } from '../rules/load.js';
import type { Rule, Server } from '../types.js';
import { errorLine } from './output.js';
import type { ExportCommandOptions } from './program.js';
import type { RunParams } from './params.js';

/** `nginx={job="x"}` → `{nginx: '{job="x"}'}`. @throws Error naming the bad argument */
function selectors(args: readonly string[]): Partial<Record<Server, string>> {
  const out: Partial<Record<Server, string>> = {};
  for (const a of args) {
    const m = /^(nginx|apache)=(\{.*\})$/s.exec(a);
    if (!m) throw new Error(`--selector wants nginx={…} or apache={…}, got "${a}"`);
    out[m[1] as Server] = m[2]!;
  }
  return out;
}

/** Run `rules export`. @returns 0, or 2 for a usage error or an unusable rule file */
export async function runExport(o: ExportCommandOptions, params: RunParams, fail: (m: string) => number): Promise<number> {
  let rules: Rule[];
  let sel: Partial<Record<Server, string>>;
  try {
    sel = selectors(o.selector);
    rules = await loadRules({ dirs: o.rules });
  } catch (err) {
    if (err instanceof RuleLoadError) return fail(`invalid rule file: ${err.message}`);
    if (err instanceof Error && err.message.startsWith('--selector')) return fail(err.message);
    throw err;
  }
  if (o.date !== undefined && !/^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12]\d|3[01])$/.test(o.date))
    return fail(`--date wants YYYY-MM-DD, got "${o.date}"`);
  const r = exportRules(rules, o.to, CAUSES, {
    selectors: sel,
    range: o.range,
    ...(o.server ? { server: o.server } : {}),
    ...(o.date ? { date: o.date } : {}),
  });
  params.stdout.write(r.text);
  const shown = o.notes ? r.notes : r.notes.filter((n) => n.kind === 'not-exported');
  for (const n of shown) params.stderr.write(errorLine(`export: ${noteLine(n)}`));
  const rest = r.notes.length - shown.length;
  if (rest > 0)
    params.stderr.write(errorLine(`export: ${o.to}: ${rest} more notes (conditions, causes, keywords) not shown; --notes lists them`));
  return 0;
}
