/** The README documents the closed vocabulary as the cause modules define it (`npm run readme` regenerates it). */
import fs from 'node:fs';
import { causeTable, withCauseTable } from '../src/format/cause-table.js';
import { CAUSES } from '../src/findings/causes/index.js';
import { CAUSE_IDS } from '../src/types.js';

const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('the README cause table is the one generated from src/findings/causes/ (run `npm run readme`)', () => {
  expect(withCauseTable(readme)).toBe(readme);
});

test.each(CAUSE_IDS.map((c) => [c]))('the cause table has a row for %s with its meaning', (id) => {
  const row = causeTable()
    .split('\n')
    .find((l) => l.startsWith(`| \`${id}\` |`));
  expect(row).toContain(CAUSES[id].meaning.replace(/\|/g, '\\|'));
});
