/**
 * parseLine against the peers' golden lines (Filebeat / Elastic integrations, Logstash patterns, lnav,
 * fail2ban, Vector, DataDog, fluentd, Loki, OWASP go-ftw, Google ops-agent, OSSEC / Wazuh, nginx agent:
 * `test/fixtures/parser-golden-lines.ts`, each line cited). Every listed field of every line
 * is compared; the share of fields matched is printed and must be at least 98 % (issue 10), and each
 * line's own mismatches are listed so a failure says what was read wrong.
 */
import { parseLine } from '../src/parse/line.js';
import type { ParsedLine } from '../src/types.js';
import { GOLDEN_LINES } from './fixtures/parser-golden-lines.js';

const NOW = new Date('2026-03-01T00:00:00');

/** The value of a field name of the golden table (`context.<key>` reads nginx's trailing context). */
function field(p: ParsedLine, name: string): unknown {
  if (name.startsWith('context.')) return p.context?.[name.slice('context.'.length)] ?? null;
  return (p as unknown as Record<string, unknown>)[name];
}

function mismatches(line: string, fields: Record<string, unknown>): string[] {
  const p = parseLine(line, { now: NOW });
  return Object.entries(fields)
    .filter(([k, want]) => field(p, k) !== want)
    .map(([k, want]) => `${k}: want ${JSON.stringify(want)}, got ${JSON.stringify(field(p, k))}`);
}

const total = GOLDEN_LINES.reduce((n, g) => n + Object.keys(g.fields).length, 0);
const wrong = GOLDEN_LINES.reduce((n, g) => n + mismatches(g.line, g.fields).length, 0);
const share = (100 * (total - wrong)) / total;
process.stdout.write(
  `parser golden lines: ${GOLDEN_LINES.length} lines, ${total - wrong}/${total} fields matched (${share.toFixed(1)} %)\n`,
);

test('at least 98 % of the peers’ golden fields are read as they are written', () => {
  expect(GOLDEN_LINES.length).toBeGreaterThanOrEqual(40);
  expect(share).toBeGreaterThanOrEqual(98);
});

test.each(GOLDEN_LINES.map((g) => [g.from, g.line, g.fields] as const))('%s: %s', (_from, line, fields) => {
  expect(mismatches(line, fields)).toEqual([]);
});
