/**
 * The README's "Check before it breaks" table of the real-server suite names every scenario whose fault
 * lies in the configuration or the certificates, with the cause the suite holds `check` to (issue 13:
 * "check predicts the logged cause on every configuration-caused scenario"). The suite itself needs root
 * and real servers; this reads only the scenario definitions, so a scenario added without its row (as
 * `nginx-trusted-certificate-unreadable` was) fails here in an ordinary `npm test`.
 */
import fs from 'node:fs';
import { SCENARIOS, scenarioId } from './servers/scenarios.js';

const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the table under "Check before it breaks": scenario names (expanded) → [predicted, logged]. */
function checkTable(): Map<string, [string, string]> {
  const section = readme.slice(
    readme.indexOf('## Check before it breaks'),
    readme.indexOf('\n## ', readme.indexOf('## Check before it breaks') + 1),
  );
  const start = section.indexOf('| scenario | check predicted');
  const rows = new Map<string, [string, string]>();
  for (const line of section.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [names, predicted, logged] = line
      .split('|')
      .slice(1, 4)
      .map((c) => c.trim()) as [string, string, string];
    // "nginx-trusted-certificate-missing, -incomplete": a leading '-' replaces the last word of the name before it.
    let previous = '';
    for (const raw of names.replace(/\s*\(.*\)$/, '').split(/,\s*/)) {
      const name = raw.startsWith('-') ? previous.replace(/-[^-]+$/, raw) : raw;
      rows.set(name, [predicted, logged]);
      previous = name;
    }
  }
  return rows;
}

const table = checkTable();
const configCaused = SCENARIOS.filter((s) => s.configCaused);

test('the table is found and the suite has configuration-caused scenarios', () => {
  expect(table.size).toBeGreaterThan(10);
  expect(configCaused.length).toBeGreaterThan(10);
});

test.each(configCaused.map((s) => [scenarioId(s), s] as const))('%s has its row, with the cause the suite requires', (id, s) => {
  const want = [...(s.inspect ? [s.inspect.cause] : s.expected)].sort().join(', ') || '(nothing)';
  expect(table.get(id)).toEqual([want, want]);
});
