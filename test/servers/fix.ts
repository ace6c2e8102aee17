/**
 * Apply the fix a finding's JSON describes to a configuration, mechanically, as a script (or a very
 * literal administrator) would: take the steps before the first `alternative` one, keep those with
 * `action: 'set'` and a `directive` that are not `optional` (mitigations that do not restore stapling), and set that directive in the named `context` to the step's
 * `value` — or, when `value` is null, to the throw-away lab's real file/address for its `valueKind`.
 *
 * Whatever cannot be applied that way (no set step, an unknown context or value kind) is returned as
 * a problem, never guessed.
 */
import type { Finding, FixStep } from '../../src/types.js';
import { setDirective, type Site } from './config.js';

/** The lab's concrete value for each `valueKind` of a fix step. */
export type ValueMap = Partial<Record<NonNullable<FixStep['valueKind']>, string>>;

/** One directive change taken from a fix step. */
export interface Change {
  directive: string;
  value: string;
  context: string;
  /** Where the value came from: the step's own `value`, or `valueKind:<kind>` mapped by the lab. */
  from: string;
}

/** The changes to make, and what could not be applied. */
export interface FixPlan {
  changes: Change[];
  /** Why (part of) the fix could not be applied; empty when all of it can. */
  problems: string[];
}

/**
 * The directive changes of `finding`'s fix.
 * @param values the lab's file paths / addresses for value kinds
 */
export function planFix(finding: Finding, values: ValueMap): FixPlan {
  const changes: Change[] = [];
  const problems: string[] = [];
  const firstAlt = finding.fix.steps.findIndex((s) => s.alternative === true);
  const primary = firstAlt === -1 ? finding.fix.steps : finding.fix.steps.slice(0, firstAlt);
  for (const step of primary) {
    if (step.action !== 'set' || !step.directive || step.optional) continue;
    if (!step.context) {
      problems.push(`step "${step.text}" sets ${step.directive} but names no context`);
      continue;
    }
    let value = step.value;
    let from = 'value';
    if (value === null) {
      if (!step.valueKind) {
        problems.push(`step "${step.text}" sets ${step.directive} but has neither a value nor a valueKind`);
        continue;
      }
      const mapped = values[step.valueKind];
      if (mapped === undefined) {
        problems.push(`no lab value for valueKind ${step.valueKind} (step "${step.text}")`);
        continue;
      }
      value = mapped;
      from = `valueKind:${step.valueKind}`;
    }
    changes.push({ directive: step.directive, value, context: step.context, from });
  }
  if (changes.length === 0 && problems.length === 0) {
    const kinds = finding.fix.steps
      .map((s) => `${s.action}${s.directive ? ` ${s.directive}` : ''}${s.alternative ? ' (alternative)' : ''}`)
      .join(', ');
    problems.push(`the fix has no non-alternative "set" step with a directive (steps: ${kinds || 'none'})`);
  }
  return { changes, problems };
}

/**
 * Apply `plan` to `site` in place.
 * @throws when a change names a context the server does not have
 */
export function applyFix(site: Site, plan: FixPlan): void {
  for (const c of plan.changes) setDirective(site, c.context, c.directive, c.value);
}

/** `SSLUseStapling off (VirtualHost)` — one change as a short text for tables. */
export function describeChanges(plan: FixPlan | undefined): string {
  if (!plan) return '-';
  if (plan.changes.length === 0) return 'not applicable';
  return plan.changes.map((c) => `${c.directive} ${c.value}`).join('; ');
}
