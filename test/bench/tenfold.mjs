/**
 * A copy of the package with ten times the rules, built the normal way, for the rule-growth row of the
 * benchmark (issue 5: ten times the rules ≤ 1.2× the time). Each real rule gets nine copies whose
 * trigger is the real one followed by `#N` (distinct triggers that real lines never contain), with the
 * patterns changed the same way. The copies go straight into the package's `dist/builtin-rules.json`
 * (as the build writes it): the build now runs every rule's samples, which a copy's rewritten regexes
 * cannot honour for every capture and branch; the copies are compiled and linted at load like any rule.
 * The build's plan step then runs on them as on any rule set (`dist/builtin-plan.json`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function copies(rules) {
  const out = [];
  for (const r of rules) {
    for (let i = 1; i <= 9; i++) {
      const id = `${r.id}-copy-${i}`;
      const spec = {
        id,
        summary: r.summary,
        servers: r.servers,
        severity: r.severity,
        cause: r.cause,
        role: r.role,
        phase: r.phase,
        trigger: `${r.trigger}#${i}`,
        patterns: r.patterns.map((p) => ({ ...p, regex: `(?:${p.regex.replace(/\$$/, '')})#${i}` })),
        source: r.source,
        samples: {
          match: [
            { line: r.samples.match[0].line.replace(r.trigger, `${r.trigger}#${i}`), from: `generated copy of ${r.id} for the benchmark` },
          ],
          nomatch: [],
        },
        ...(r.when ? { when: r.when } : {}),
        ...(r.follows ? { follows: r.follows } : {}),
      };
      out.push({ file: `rules/${id}.json`, spec });
    }
  }
  return out;
}

/**
 * Build the tenfold package under `dir` (rebuilt every run: it follows dist/ and rules/).
 * @returns the path of its CLI and its number of rules
 * @throws when the build rejects a copy
 */
export function buildTenfold(root, rules, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.cpSync(path.join(root, 'rules'), path.join(dir, 'rules'), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  const json = path.join(dir, 'dist/builtin-rules.json');
  const built = JSON.parse(fs.readFileSync(json, 'utf8'));
  const extra = copies(rules);
  fs.writeFileSync(json, JSON.stringify([...built, ...extra]));
  const later = new Date(Date.now() + 1000); // newer than rules/, so that it is loaded as built
  fs.utimesSync(json, later, later);
  // The build's second step, as for any rule set: the static prefilter plan and scan keys of these rules
  // (without it every run of the package would plan at start-up, which no built package does).
  const load = path.join(dir, 'dist/rules/load.js');
  const p = spawnSync(process.execPath, ['--input-type=module', '-e', `await (await import(${JSON.stringify(load)})).writeBuiltinPlan()`], {
    encoding: 'utf8',
  });
  if (p.status !== 0) throw new Error(`the tenfold rule set's plan was not written: ${p.stderr}`);
  const plan = path.join(dir, 'dist/builtin-plan.json');
  fs.utimesSync(plan, later, later); // not older than the rules it was made from, so that it is used
  const b = spawnSync(process.execPath, [path.join(dir, 'dist/cli.js'), '--format', 'json', '--fail-on', 'never', '-'], {
    encoding: 'utf8',
    input: '',
  });
  if (b.status !== 0) throw new Error(`the tenfold rule set does not load: ${b.stderr}`);
  return { cli: path.join(dir, 'dist/cli.js'), rules: built.length + extra.length };
}
