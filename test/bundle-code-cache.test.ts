/**
 * The bundle's two parts in one file (src/bundle/code-cache.ts): whatever the program's text (comment ends
 * `*` `/`, non-ASCII, control characters, newlines), the loader gets it back exactly, at the line it sits on
 * in the file; and where the code cache lives for each environment.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { cacheDirectory, cacheFile, compile, embed, embeddedProgram, readCache, wrapped, writeCache } from '../src/bundle/code-cache.js';
import { tempDir } from './helpers/cli.js';

/** Pieces a minified program is made of, the awkward ones over-represented. */
const piece = fc.constantFrom('*/', '*', '/', '/*', '**/', '\n', '\x01', 'é', '·', '→', '😀', 'a', '"x"', '`t`', ' ', '\r\n');
const programText = fc.array(piece, { maxLength: 60 }).map((p) => p.join(''));
const loaderText = fc
  .array(fc.constantFrom('0;', '\n', 'var a=`\n/*`;', ' ', 'é'), { maxLength: 10 })
  .map((p) => `#!/usr/bin/env node\n${p.join('')}`);

test('the program comes back exactly from the file, on its own line after the loader', () => {
  fc.assert(
    fc.property(loaderText, programText, (loader, program) => {
      const { text, slashes, bytes } = embed(loader, program);
      expect(text.indexOf('*/', loader.length)).toBe(text.length - 3); // the comment holding the program ends only at the end
      const ascii = !/[^\x00-\x7f]/.test(program);
      const back = embeddedProgram(Buffer.from(text, 'utf8'), { id: 'x', slashes, bytes, ascii });
      expect(back.source).toBe(wrapped(program));
      expect(text.split('\n')[back.line]).toBe(wrapped(program).split('\n')[0]);
    }),
  );
});

test('the file is valid JavaScript whose only code is the loader', () => {
  fc.assert(
    fc.property(programText, (program) => {
      const { text } = embed('globalThis.__ran = (globalThis.__ran ?? 0) + 1;', program);
      vm.runInNewContext(text.replace(/^#!.*/, ''));
    }),
  );
  const ctx = vm.createContext({});
  vm.runInContext(embed('globalThis.ran = 1;', 'globalThis.ran = 2; */ globalThis.ran = 3;').text, ctx);
  expect(ctx.ran).toBe(1);
});

test('a cut or edited file is refused with a message, not run', () => {
  const { text, slashes, bytes } = embed('0;', 'a = "*/";\nb = 1;');
  const main = { id: 'x', slashes, bytes, ascii: true };
  expect(() => embeddedProgram(Buffer.from(text.slice(0, -10)), main)).toThrow(/damaged/);
  expect(() => embeddedProgram(Buffer.from(text.replace('\x01', '/')), main)).toThrow(/damaged/);
  expect(() => embeddedProgram(Buffer.from(`${text}\n`), main)).toThrow(/damaged/);
});

// (Whether a cache is taken is seen across processes, test/bundle.e2e.test.ts: within one, V8's own
// compilation cache answers a source compiled before without looking at the code cache.)
test('the compiled program runs; V8 refuses a damaged cache or one of a text of another length, but not of the same length', () => {
  const data = compile(wrapped('module.exports = 1;'), '/x/one.cjs', 0, undefined).script.createCachedData();
  const exported = (p: ReturnType<typeof compile>): unknown => {
    const module = { exports: {} } as NodeJS.Module;
    p.run(module.exports, createRequire(import.meta.url), module, '/x/b.cjs', '/x');
    return module.exports;
  };
  // V8 checks the source's length, not its text: the cache of another program of the same length is taken and
  // runs the old code. Hence the program's hash in the cache file's name (cacheFile).
  const sameLength = compile(wrapped('module.exports = 2;'), '/x/two.cjs', 0, data);
  expect([sameLength.stale, exported(sameLength)]).toEqual([false, 1]);
  expect(compile(wrapped('module.exports = 33;'), '/x/three.cjs', 0, data).stale).toBe(true);
  expect(compile(wrapped('module.exports = 4;'), '/x/four.cjs', 0, Buffer.from('not a code cache')).stale).toBe(true);
  const ran = compile(
    wrapped('module.exports = "ran: " + __filename + " " + new Error().stack.split("\\n")[1];'),
    '/x/b.cjs',
    3,
    undefined,
  );
  expect(ran.stale).toBe(true);
  expect(exported(ran)).toMatch(/^ran: \/x\/b\.cjs .*\/x\/b\.cjs:5:/); // the program's first line is the file's line 5
});

test('the cache directory: own setting, XDG, HOME, or none', () => {
  expect(cacheDirectory({ STAPLING_DOCTOR_CODE_CACHE: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/c');
  expect(cacheDirectory({ STAPLING_DOCTOR_CODE_CACHE: '0', XDG_CACHE_HOME: '/x', HOME: '/h' })).toBeUndefined();
  expect(cacheDirectory({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/stapling-doctor');
  expect(cacheDirectory({ XDG_CACHE_HOME: 'relative', HOME: '/h' })).toBe('/h/.cache/stapling-doctor');
  expect(cacheDirectory({ STAPLING_DOCTOR_CODE_CACHE: 'relative', HOME: '/h' })).toBe('/h/.cache/stapling-doctor');
  expect(cacheDirectory({})).toBeUndefined();
  expect(cacheDirectory({ HOME: '' })).toBeUndefined();
  expect(path.basename(cacheFile('/c', 'abc'))).toBe(`bundle-abc-node${process.versions.node}-${process.arch}.v8cache`);
});

test('writing the cache: atomic, private, the newest few kept, never an error', () => {
  const { dir, cleanup } = tempDir('sd-code-cache-');
  try {
    const d = path.join(dir, 'a', 'b');
    for (let i = 0; i < 6; i++) {
      const f = cacheFile(d, `id${i}`);
      writeCache(f, Buffer.from(`cache ${i}`));
      fs.utimesSync(f, 1000 + i, 1000 + i);
    }
    expect(fs.statSync(d).mode & 0o777).toBe(0o700);
    const left = fs.readdirSync(d).sort();
    expect(left).toEqual([2, 3, 4, 5].map((i) => path.basename(cacheFile(d, `id${i}`))));
    expect(readCache(cacheFile(d, 'id5'))?.toString()).toBe('cache 5');
    expect(fs.statSync(cacheFile(d, 'id5')).mode & 0o777).toBe(0o600);
    expect(readCache(cacheFile(d, 'id0'))).toBeUndefined();
    expect(readCache(d)).toBeUndefined(); // a directory is no cache
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, '');
    expect(() => writeCache(cacheFile(path.join(file, 'sub'), 'x'), Buffer.from('x'))).not.toThrow(); // ENOTDIR
    expect(() => writeCache(cacheFile('/proc/self/no-such-dir', 'x'), Buffer.from('x'))).not.toThrow();
  } finally {
    cleanup();
  }
});
