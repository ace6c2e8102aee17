// `node test/tools/longest-functions.mjs [N]`: the N (default 5) longest functions in src/, by lines as
// written and by the lines ESLint's max-lines-per-function counts (no blank or comment lines; the limit
// is 80, issue 14). Reads the sources with TypeScript's parser; no build needed.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const N = Number(process.argv[2] ?? 5);

const files = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });

/** Lines of `lines[a..b]` that are neither blank nor comment. */
function codeLines(lines, a, b) {
  let n = 0;
  let inBlock = false;
  for (let i = a; i <= b; i++) {
    let l = lines[i].trim();
    if (inBlock) {
      if (!l.includes('*/')) continue;
      inBlock = false;
      l = l.slice(l.indexOf('*/') + 2).trim();
    }
    if (l.startsWith('/*')) {
      if (!l.includes('*/')) {
        inBlock = true;
        continue;
      }
      l = l.slice(l.indexOf('*/') + 2).trim();
    }
    if (l !== '' && !l.startsWith('//')) n++;
  }
  return n;
}

const found = [];
for (const file of files(path.join(ROOT, 'src'))) {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  const visit = (n) => {
    if (ts.isFunctionLike(n) && n.body) {
      const a = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const b = sf.getLineAndCharacterOfPosition(n.end).line;
      const named =
        n.name ?? (n.parent && (ts.isVariableDeclaration(n.parent) || ts.isPropertyAssignment(n.parent)) ? n.parent.name : null);
      const name = named ? named.getText(sf) : '(anonymous)';
      found.push({ where: `${path.relative(ROOT, file)}:${a + 1}`, name, raw: b - a + 1, code: codeLines(lines, a, b) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}
for (const [title, key] of [
  ['as written', 'raw'],
  ['as the lint counts (no blank or comment lines)', 'code'],
]) {
  console.log(`Longest ${N} functions in src/, ${title}:`);
  for (const f of [...found].sort((x, y) => y[key] - x[key]).slice(0, N))
    console.log(`  ${String(f[key]).padStart(3)}  ${f.name}  ${f.where}`);
}
