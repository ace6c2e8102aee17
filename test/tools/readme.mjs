// `npm run readme`: regenerate the README's generated parts (the cause table) from the built sources.
import fs from 'node:fs';
import { withCauseTable } from '../../dist/format/cause-table.js';

const file = new URL('../../README.md', import.meta.url);
const before = fs.readFileSync(file, 'utf8');
const after = withCauseTable(before);
if (after !== before) fs.writeFileSync(file, after);
console.log(after === before ? 'README.md is current' : 'README.md: cause table regenerated');
