/**
 * nginx configuration reading: the tokenizer and parser against nginx's own rules
 * (`src/core/ngx_conf_file.c`), on hand-picked cases and on generated configurations (fast-check:
 * random trees rendered with random spacing, comments, quoting and include files must read back as
 * the same tree); syntax errors where nginx 1.22 itself puts them (`nginx -t` on mutated
 * configurations); includes that never run away (cycles by device+inode, depth, budget).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import {
  fsConfigReader,
  memoryConfigReader,
  parseNginx,
  readNginxConfig,
  readServerConfig,
  type NginxStatement,
} from '../src/inspect/config.js';
import { tempDir } from './helpers/cli.js';
import { describeWithRealServers } from './helpers/config-lab.js';

const tmp = tempDir('sd-config-nginx-');
afterAll(() => tmp.cleanup());

function write(name: string, text: string): string {
  const f = path.join(tmp.dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

const read = (file: string) => readServerConfig(file, fsConfigReader(fs), 'nginx');

describe('reading', () => {
  test('include globs relative to the main file, http inheritance, quotes, comments, Lua blocks', () => {
    write(
      'inc/conf.d/a.conf',
      `server {\n  server_name a.example;\n  ssl_certificate "certs/a.pem"; # relative to the prefix\n  ssl_trusted_certificate /x/t.pem;\n  ssl_stapling_responder http://ocsp.example/;\n}\n`,
    );
    write(
      'inc/conf.d/b.conf',
      `server {\n  server_name b.example;\n  ssl_certificate /y/b.pem;\n  ssl_certificate /y/b-ecdsa.pem;\n  init_by_lua_block { local t = { a = "}" } -- a '}' in a comment\n  local s = [[ } ]] }\n  ssl_stapling_file /y/b.der;\n}\n`,
    );
    const main = write(
      'inc/nginx.conf',
      `events {}\nhttp {\n  ssl_trusted_certificate /etc/ssl/chain.pem;\n  ssl_stapling on;\n  include conf.d/*.conf;\n}\n`,
    );
    const c = read(main);
    expect(c.issues).toEqual([]);
    expect(c.files).toHaveLength(3);
    expect(
      c.sites.map((s) => [s.names, s.certificates, s.trustedFiles, s.stapling, s.forcedResponder, s.staplingFile, `${s.line}`]),
    ).toEqual([
      [['a.example'], [path.join(tmp.dir, 'inc/certs/a.pem')], ['/x/t.pem'], true, 'http://ocsp.example/', null, '1'],
      [['b.example'], ['/y/b.pem', '/y/b-ecdsa.pem'], ['/etc/ssl/chain.pem'], true, null, '/y/b.der', '1'],
    ]);
    expect(c.sites[1]!.file).toBe(path.join(tmp.dir, 'inc/conf.d/b.conf'));
    expect(c.sites[1]!.end).toEqual({ file: path.join(tmp.dir, 'inc/conf.d/b.conf'), line: 8 });
  });

  test('words as nginx cuts them: "}" and "#" inside a word, ${var}, escapes (an unknown escape keeps its backslash)', () => {
    const main = write('words/nginx.conf', `http { server { server_name a#b c}d \${host}x "q\\"t" 'sp ace' "tab\\t" back\\;slash; } }\n`);
    const parsed = parseNginx(main, fsConfigReader(fs));
    expect(parsed.problems.items).toEqual([]);
    const server = parsed.statements[0]!.block![0]!;
    expect(server.block![0]!.args).toEqual(['a#b', 'c}d', '${host}x', 'q"t', 'sp ace', 'tab\t', 'back\\;slash']);
  });

  test('a file of bare server {} blocks (one site file) is read as the inside of http {}', () => {
    const c = read(write('site-only/example.conf', 'server { listen 443 ssl; ssl_certificate /c/x.pem; }\n'));
    expect(c.sites).toHaveLength(1);
    expect(c.sites[0]!.addresses).toEqual([{ host: null, port: 443, ssl: true, raw: '443 ssl' }]);
  });

  test('ssl_certificate with a variable: a warning with file:line, and the path kept as a pattern', () => {
    const main = write('var/nginx.conf', 'http {\n  server {\n    ssl_certificate /c/$ssl_server_name.pem;\n  }\n}\n');
    const c = read(main);
    expect(c.issues).toEqual([expect.objectContaining({ kind: 'variable', file: main, line: 3 })]);
    expect(c.sites[0]!.dynamicCertificates).toBe(true);
  });

  test('a missing include file is a problem with the including file:line; a glob that matches nothing is not', () => {
    const main = write('missing/nginx.conf', 'http {\n  include none/*.conf;\n  include missing.conf;\n}\n');
    const c = read(main);
    expect(c.problems).toEqual([
      `${main}:3: cannot read included ${path.join(tmp.dir, 'missing/missing.conf')}: no such file or directory`,
    ]);
  });
});

// ── generated configurations ────────────────────────────────────────────────────────────────────

interface Tree {
  name: string;
  args: string[];
  block: Tree[] | null;
}

const SAFE = /^[A-Za-z0-9_./:=*~^-]+$/;
const word = fc.oneof(
  fc.stringMatching(/^[a-z0-9_./:*-]{1,12}$/),
  fc.string({ unit: fc.constantFrom('a', ' ', ';', '{', '}', '#', '"', "'", '\\', '$', '\n', 'é'), minLength: 1, maxLength: 8 }),
);
const name = fc.constantFrom('listen', 'server_name', 'ssl_certificate', 'ssl_stapling', 'root', 'add_header', 'return');
const blockName = fc.constantFrom('server', 'location', 'if', 'upstream', 'limit_except');
const tree: fc.Arbitrary<Tree[]> = fc.letrec<{ list: Tree[]; node: Tree }>((tie) => ({
  node: fc.oneof(
    { weight: 3, arbitrary: fc.record({ name, args: fc.array(word, { minLength: 1, maxLength: 3 }), block: fc.constant(null) }) },
    { weight: 1, arbitrary: fc.record({ name: blockName, args: fc.array(word, { maxLength: 2 }), block: tie('list') }) },
  ),
  list: fc.array(tie('node'), { maxLength: 4 }),
})).list;

/** Render one word as nginx reads it back: bare when safe, else double-quoted with `\"` and `\\`. */
function renderWord(w: string, quote: boolean): string {
  if (SAFE.test(w) && !quote) return w;
  return `"${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Render with random separators/comments; returns the text and the expected line of each statement (pre-order). */
function render(list: Tree[], seps: () => string, quoteAll: boolean): { text: string; lines: number[] } {
  let text = '';
  const lines: number[] = [];
  const emit = (s: string) => (text += s);
  const line = () => text.split('\n').length;
  const walk = (l: Tree[]) => {
    for (const t of l) {
      emit(seps());
      lines.push(line());
      emit(t.name);
      for (const a of t.args) emit(` ${renderWord(a, quoteAll)}`);
      if (t.block) {
        emit(` {${seps()}`);
        walk(t.block);
        emit(`${seps()}}`);
      } else emit(';');
    }
  };
  walk(list);
  return { text: `${text}\n`, lines };
}

function shape(list: NginxStatement[]): Tree[] {
  return list.map((s) => ({ name: s.name, args: s.args, block: s.block ? shape(s.block) : null }));
}

const separators = fc
  .array(fc.constantFrom(' ', '\t', '\n', '\r\n', '  # a comment ; { } "\n', '\n#\n'), { minLength: 1, maxLength: 3 })
  .map((a) => a.join(''));

describe('generated configurations read back as written', () => {
  test('any tree, any spacing, comments and quoting: the same statements at the lines they start on', () => {
    fc.assert(
      fc.property(tree, fc.array(separators, { minLength: 1, maxLength: 8 }), fc.boolean(), (t, seps, quoteAll) => {
        let i = 0;
        const { text, lines } = render(t, () => seps[i++ % seps.length]!, quoteAll);
        const parsed = parseNginx('/gen/nginx.conf', memoryConfigReader(new Map([['/gen/nginx.conf', text]])));
        expect(parsed.problems.items).toEqual([]);
        expect(shape(parsed.statements)).toEqual(t);
        const got: number[] = [];
        const collect = (l: NginxStatement[]) => l.forEach((s) => (got.push(s.line), s.block && collect(s.block)));
        collect(parsed.statements);
        expect(got).toEqual(lines);
      }),
      { numRuns: 300 },
    );
  });

  test('a block moved into an include file (relative to the prefix, through a glob) reads the same', () => {
    fc.assert(
      fc.property(
        tree.filter((t) => t.length > 0),
        fc.nat(),
        (t, pick) => {
          const files = new Map<string, string>();
          const blocks = t.filter((x) => x.block !== null);
          const target = blocks[pick % Math.max(1, blocks.length)];
          // Inline form, and the same with `target`'s body in conf.d/part.conf.
          const inline = render(t, () => '\n', false).text;
          const moved = target
            ? t.map((x) => (x === target ? { ...x, block: [{ name: 'include', args: ['conf.d/*.conf'], block: null }] } : x))
            : t;
          files.set('/gen/nginx.conf', render(moved, () => '\n', false).text);
          files.set('/gen/conf.d/part.conf', target ? render(target.block!, () => '\n', false).text : '');
          const a = parseNginx('/gen/nginx.conf', memoryConfigReader(new Map([['/gen/nginx.conf', inline]])));
          const b = parseNginx('/gen/nginx.conf', memoryConfigReader(files));
          expect(shape(b.statements)).toEqual(shape(a.statements));
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ── includes that could run forever ─────────────────────────────────────────────────────────────────

describe('includes never run away', () => {
  test('a file that includes itself: the cycle is reported once at the include, not followed (nginx 1.22 itself dies of SIGSEGV)', () => {
    const self = write('cycle/self.conf', 'include self.conf;\n');
    const main = write('cycle/nginx.conf', 'http {\n  include self.conf;\n}\n');
    const c = read(main);
    expect(c.issues).toEqual([expect.objectContaining({ kind: 'include-cycle', file: self, line: 1 })]);
    expect(c.issues[0]!.message).toBe(`include cycle: ${self} → ${self}; not followed again`);
  });

  test('a cycle through two files and a symbolic link (another name, same device+inode) is caught', () => {
    write('cycle2/a.conf', 'include sub/b.conf;\n');
    write('cycle2/sub/b.conf', 'include sub/alias-of-a.conf; # relative to the prefix, not to this file\n');
    fs.symlinkSync('../a.conf', path.join(tmp.dir, 'cycle2/sub/alias-of-a.conf'));
    const c = read(write('cycle2/nginx.conf', 'include a.conf;\n'));
    expect(c.issues.map((p) => p.kind)).toEqual(['include-cycle']);
    expect(c.issues[0]!.message).toContain(
      `${path.join(tmp.dir, 'cycle2/a.conf')} → ${path.join(tmp.dir, 'cycle2/sub/b.conf')} → ${path.join(tmp.dir, 'cycle2/sub/alias-of-a.conf')}`,
    );
  });

  test('a directory symlinked into itself and matched by a glob: each level is a new file only until the depth limit', () => {
    write('dirloop/conf.d/x.conf', 'include conf.d/loop/*.conf;\n');
    fs.symlinkSync('.', path.join(tmp.dir, 'dirloop/conf.d/loop'));
    const c = read(write('dirloop/nginx.conf', 'include conf.d/*.conf;\n'));
    // conf.d/loop/x.conf is conf.d/x.conf (same inode): a cycle at the first step.
    expect(c.issues.map((p) => p.kind)).toEqual(['include-cycle']);
  });

  test('a chain deeper than the limit stops there, with the place it stopped', () => {
    for (let i = 0; i < 40; i++) write(`deep/f${i}.conf`, `include f${i + 1}.conf;\n`);
    write('deep/f40.conf', '');
    const c = readNginxConfig(write('deep/nginx.conf', 'include f0.conf;\n'), fsConfigReader(fs));
    expect(c.issues).toEqual([expect.objectContaining({ kind: 'include-depth', file: path.join(tmp.dir, 'deep/f30.conf'), line: 1 })]);
  });

  test('the same snippet in two blocks is read twice (not a cycle); a fan-out past the budget stops with a problem', () => {
    write('fan/snip.conf', 'ssl_stapling on;\n');
    const ok = read(write('fan/nginx.conf', 'http { server { include snip.conf; } server { include snip.conf; } }\n'));
    expect(ok.issues).toEqual([]);
    expect(ok.sites.map((s) => s.stapling)).toEqual([true, true]);
    // Each level includes the next twice: 2^21 reads without a budget.
    for (let i = 0; i < 20; i++) write(`fan/l${i}.conf`, `include l${i + 1}.conf;\ninclude l${i + 1}.conf;\n`);
    write('fan/l20.conf', '');
    const c = readNginxConfig(write('fan/big.conf', 'include l0.conf;\n'), fsConfigReader(fs), {
      limits: { maxDepth: 32, maxFiles: 1000, maxBytes: 1 << 20 },
    });
    expect(c.issues.length).toBeGreaterThan(0);
    expect(new Set(c.issues.map((p) => p.kind))).toEqual(new Set(['include-budget']));
  });
});

// ── syntax errors, against nginx itself ─────────────────────────────────────────────────────────────

const BASE_MAIN = `worker_processes 1;
pid PREFIX/nginx.pid;
error_log PREFIX/error.log;
events { worker_connections 64; }
http {
    access_log off;
    map $host $m {
        default 0;
        "~^x" 1;
    }
    include conf.d/*.conf;
    server {
        listen 127.0.0.1:8080;
        server_name "a.example" 'b.example' c.example;
        location / { return 200 "ok;{}#"; }
        location /x {
            add_header X-A "1 2";
            return 204;
        }
    }
}
`;
const BASE_SITE = `server {
    listen 127.0.0.1:8081;
    server_name site.example;
    location = /q { return 301 'https://$host$request_uri'; }
}
`;

/**
 * The parser-level messages of `ngx_conf_parse()`/`ngx_conf_read_token()`. Others need the directive
 * tables of nginx's modules (`directive "x" is not terminated by ";"`, `unknown directive`, `invalid
 * number of arguments`): we do not claim those.
 */
const PARSER_MESSAGE = /^(unexpected |too long parameter)/;

/** Mutations that break syntax: drop or add a punctuation character at a token boundary. */
function mutate(text: string, kind: number, at: number): string {
  const spots = [...text.matchAll(/[;{}"']/g)].map((m) => m.index!);
  const i = spots[at % spots.length]!;
  switch (kind % 4) {
    case 0:
      return text.slice(0, i) + text.slice(i + 1); // drop one
    case 1:
      return `${text.slice(0, i)}}${text.slice(i)}`; // a stray }
    case 2:
      return `${text.slice(0, i)}{${text.slice(i)}`; // a stray {
    default:
      return `${text.slice(0, i)}"${text.slice(i)}`; // an unbalanced quote
  }
}

describeWithRealServers('syntax errors where nginx -t puts them', () => {
  test('mutated configurations: a parser error of nginx is ours, at the same file:line with the same words; ours is never invented', async () => {
    const dir = path.join(tmp.dir, 'mutants');
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat(), fc.nat(), async (inSite, kind, at) => {
        fs.rmSync(dir, { recursive: true, force: true });
        const main = write('mutants/nginx.conf', BASE_MAIN.replaceAll('PREFIX', dir));
        const site = write('mutants/conf.d/site.conf', BASE_SITE);
        fs.writeFileSync(inSite ? site : main, mutate(fs.readFileSync(inSite ? site : main, 'utf8'), kind, at));
        const ngx = spawnSync('nginx', ['-t', '-q', '-e', 'stderr', '-c', main], { encoding: 'utf8', timeout: 10_000 });
        const theirs = /\[emerg\] \d+#\d+: (.*) in (\/\S+):(\d+)$/m.exec(ngx.stderr);
        const ours = readNginxConfig(main, fsConfigReader(fs)).issues.filter((p) => p.kind === 'syntax');
        if (theirs && PARSER_MESSAGE.test(theirs[1]!)) {
          compared++;
          expect(ours[0]).toMatchObject({ message: theirs[1], file: theirs[2], line: Number(theirs[3]) });
        }
        if (ours.length > 0) {
          expect(ngx.status).not.toBe(0);
          // nginx stops at its first error, which may be a semantic one before ours.
          if (theirs && theirs[2] === ours[0]!.file) expect(Number(theirs[3])).toBeLessThanOrEqual(ours[0]!.line!);
        }
      }),
      { numRuns: 80, seed: 20261201 },
    );
    expect(compared).toBeGreaterThan(20);
  }, 120_000);

  test.each([false, true])(
    'a UTF-8 byte order mark at the start of a file (in an included one: %s): nginx refuses it where its first statement ends, and so do we',
    (inSite) => {
      const dir = path.join(tmp.dir, `bom-${inSite}`);
      const main = write(`bom-${inSite}/nginx.conf`, BASE_MAIN.replaceAll('PREFIX', dir));
      const site = write(`bom-${inSite}/conf.d/site.conf`, `# a comment first\n${BASE_SITE}`);
      const file = inSite ? site : main;
      fs.writeFileSync(file, `\ufeff${fs.readFileSync(file, 'utf8')}`);
      const ngx = spawnSync('nginx', ['-t', '-q', '-e', 'stderr', '-c', main], { encoding: 'utf8', timeout: 10_000 });
      // (nginx names the line where the statement the mark begins ends: the comment's words run into `server {`.)
      const theirs = /\[emerg\] \d+#\d+: unknown directive "\ufeff(\S*)" in (\/\S+):(\d+)$/m.exec(ngx.stderr);
      expect(theirs && [theirs[2], theirs[3]]).toEqual([file, inSite ? '2' : '1']);
      const ours = readNginxConfig(main, fsConfigReader(fs)).issues.filter((p) => p.kind === 'syntax');
      expect(ours.map((p) => [p.file, p.line])).toEqual([[file, Number(theirs![3])]]);
      expect(ours[0]!.message.startsWith(`unknown directive "<U+FEFF>${theirs![1]}" (the file starts with a UTF-8 byte order mark`)).toBe(
        true,
      );
    },
  );
});
