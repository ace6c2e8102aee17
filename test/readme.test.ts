/** The README documents the closed vocabulary and the CLI options as they are. */
import fs from 'node:fs';
import { CAUSES } from '../src/findings/causes.js';
import { CAUSE_IDS } from '../src/types.js';

const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test.each(CAUSE_IDS.map((c) => [c]))('the README cause table has a row for %s with its meaning', (id) => {
  const row = readme.split('\n').find((l) => l.startsWith(`| \`${id}\` |`));
  expect(row).toBeDefined();
  expect(row).toContain(CAUSES[id].meaning.replace(/\|/g, '\\|'));
});
