/**
 * Build step (`npm run build`, after tsc): validate the built-in rules and write
 * `dist/builtin-rules.json`, which the CLI loads at start-up instead of parsing YAML.
 * Exits non-zero with the rule file and field when a rule is invalid.
 */
import { RuleLoadError, writeBuiltinPlan, writeBuiltinRulesJson } from './load.js';

try {
  const n = await writeBuiltinRulesJson();
  process.stdout.write(`builtin-rules.json: ${n} rules\n`);
  process.stdout.write(`builtin-plan.json: static prefilter plan of ${await writeBuiltinPlan()} scan keys\n`);
} catch (err) {
  process.stderr.write(`${err instanceof RuleLoadError ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
