/**
 * The real-suite gate: what counts as missing, the one line it prints, and that the CI variable turns
 * a skip into a failure. Executables are real files in a temporary directory (made executable or not),
 * looked up the way the gate does for any suite; uid and environment are passed in.
 */
import fg from 'fast-glob';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  checkPrerequisites,
  commandProbe,
  PRETEND_MISSING_ENV,
  REQUIRE_REAL_ENV,
  whichOnPath,
  type CheckContext,
  type Needs,
} from './prerequisites.js';

let dir: string;
let binDir: string;
let absTool: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prerequisites-'));
  binDir = path.join(dir, 'bin');
  fs.mkdirSync(binDir);
  for (const name of ['tool-a', 'tool-b']) fs.writeFileSync(path.join(binDir, name), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(binDir, 'not-executable'), 'data\n', { mode: 0o644 });
  fs.mkdirSync(path.join(binDir, 'a-directory'));
  absTool = path.join(dir, 'sbin-tool');
  fs.writeFileSync(absTool, '#!/bin/sh\n', { mode: 0o755 });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const needs = (over: Partial<Needs> = {}): Needs => ({
  suite: 'example suite (test/example)',
  run: 'npm run test:example',
  executables: [
    { name: 'tool-a', package: 'pkg-a' },
    { name: 'sbin-tool', path: absTool, package: 'pkg-sbin' },
  ],
  root: 'it binds port 53',
  ...over,
});

const ctx = (env: NodeJS.ProcessEnv = {}, euid: number | undefined = 0): CheckContext => ({ env: { PATH: binDir, ...env }, euid });

test('everything present: run, no line', () => {
  expect(checkPrerequisites(needs(), ctx())).toEqual({ action: 'run', missing: [], line: '' });
});

test.each([
  ['an executable absent from PATH', { name: 'tool-z', package: 'pkg-z' }, 'tool-z (not in PATH)'],
  ['a file in PATH that is not executable', { name: 'not-executable', package: 'pkg-n' }, 'not-executable (not in PATH)'],
  ['a directory with the executable name', { name: 'a-directory', package: 'pkg-d' }, 'a-directory (not in PATH)'],
  [
    'an absolute path that does not exist',
    { name: 'gone', path: '/nonexistent/sbin/gone', package: 'pkg-g' },
    'gone (no /nonexistent/sbin/gone)',
  ],
])('missing: %s is named with its package and the way to run the suite', (_case, exe, text) => {
  const v = checkPrerequisites(needs({ executables: [{ name: 'tool-b', package: 'pkg-b' }, exe] }), ctx());
  expect(v.action).toBe('skip');
  expect(v.missing.map((m) => m.text)).toEqual([text]);
  expect(v.line).not.toContain('\n');
  expect(v.line).toMatch(/^⚠ SKIPPED: the example suite \(test\/example\) cannot run here, missing /);
  expect(v.line).toContain(`apt-get install -y ${exe.package} && npm run test:example`);
  expect(v.line).toContain('.ci/run');
  expect(v.line).toContain(`${REQUIRE_REAL_ENV}=1`);
});

test('PATH is searched in order, and an empty or unset PATH finds nothing', () => {
  expect(whichOnPath('tool-a', ['/nonexistent', binDir].join(path.delimiter))).toBe(path.join(binDir, 'tool-a'));
  expect(whichOnPath('tool-a', '')).toBeNull();
  expect(whichOnPath('tool-a', undefined)).toBeNull();
});

test('not root: root is named with the uid and the reason, and the line says to run as root', () => {
  const v = checkPrerequisites(needs(), ctx({}, 1000));
  expect(v.missing.map((m) => m.name)).toEqual(['root']);
  expect(v.missing[0]!.text).toBe('root (running as uid 1000: it binds port 53)');
  expect(v.line).toContain('To run it, as root: npm run test:example');
});

test('a suite that does not need root runs for any uid', () => {
  expect(checkPrerequisites(needs({ root: false }), ctx({}, 1000)).action).toBe('run');
});

test('several missing: all named once, packages de-duplicated, in the order declared', () => {
  const v = checkPrerequisites(
    needs({
      executables: [
        { name: 'x1', package: 'pkg-x' },
        { name: 'x2', package: 'pkg-x' },
        { name: 'y', package: 'pkg-y' },
      ],
    }),
    ctx({}, 1000),
  );
  expect(v.missing.map((m) => m.name)).toEqual(['x1', 'x2', 'y', 'root']);
  expect(v.line).toContain('apt-get install -y pkg-x pkg-y && npm run test:example');
});

test.each([
  ['=1', 'fail', '1'],
  ['=yes', 'fail', 'yes'],
  ['=0', 'skip', '0'],
  ['= (empty)', 'skip', ''],
  [' unset', 'skip', undefined],
] as const)(`${REQUIRE_REAL_ENV}%s with something missing: %s`, (_label, action, value) => {
  const v = checkPrerequisites(needs(), ctx(value === undefined ? {} : { [REQUIRE_REAL_ENV]: value }, 1000));
  expect(v.action).toBe(action);
  expect(v.line.startsWith(action === 'fail' ? `⚠ FAILED (${REQUIRE_REAL_ENV} is set` : '⚠ SKIPPED:')).toBe(true);
});

test(`${REQUIRE_REAL_ENV}=1 with everything present: run`, () => {
  expect(checkPrerequisites(needs(), ctx({ [REQUIRE_REAL_ENV]: '1' })).action).toBe('run');
});

test(`${PRETEND_MISSING_ENV} hides present executables and root, and says so`, () => {
  const v = checkPrerequisites(needs(), ctx({ [PRETEND_MISSING_ENV]: 'sbin-tool, root' }));
  expect(v.missing.map((m) => m.text)).toEqual(['sbin-tool (pretended)', 'root (pretended)']);
  expect(v.line).toContain(`("pretended": present, but named in ${PRETEND_MISSING_ENV}.)`);
  expect(checkPrerequisites(needs(), ctx({ [PRETEND_MISSING_ENV]: 'sbin-tool', [REQUIRE_REAL_ENV]: '1' })).action).toBe('fail');
  const probe = { name: 'namespace', check: () => null };
  expect(checkPrerequisites(needs({ probes: [probe] }), ctx({ [PRETEND_MISSING_ENV]: 'namespace' })).missing).toEqual([
    { name: 'namespace', text: 'namespace: pretended', pretended: true },
  ]);
});

test('a real absence is not marked as pretended, even when the variable names it', () => {
  const v = checkPrerequisites(
    needs({ executables: [{ name: 'tool-z', package: 'pkg-z' }] }),
    ctx({ [PRETEND_MISSING_ENV]: 'tool-z' }, 1000),
  );
  expect(v.missing.map((m) => [m.text, m.pretended ?? false])).toEqual([
    ['tool-z (not in PATH)', false],
    ['root (running as uid 1000: it binds port 53)', false],
  ]);
  expect(v.line).not.toContain('pretended');
});

describe('probes', () => {
  const failing = { name: 'namespace', check: () => 'unshare: Operation not permitted', hint: 'grant CAP_SYS_ADMIN' };

  test('a failing probe is named with its problem and hint', () => {
    const v = checkPrerequisites(needs({ probes: [failing] }), ctx());
    expect(v.missing).toEqual([{ name: 'namespace', text: 'namespace: unshare: Operation not permitted', hint: 'grant CAP_SYS_ADMIN' }]);
    expect(v.line).toContain('as root: grant CAP_SYS_ADMIN && npm run test:example');
  });

  test('probes are not run while an executable or root is missing', () => {
    let calls = 0;
    const probe = { name: 'counted', check: () => (calls++, null) };
    checkPrerequisites(needs({ probes: [probe] }), ctx({}, 1000));
    checkPrerequisites(needs({ probes: [probe], executables: [{ name: 'tool-z', package: 'pkg-z' }] }), ctx());
    expect(calls).toBe(0);
    expect(checkPrerequisites(needs({ probes: [probe] }), ctx()).action).toBe('run');
    expect(calls).toBe(1);
  });

  test('commandProbe: exit 0 is fine; a non-zero exit and a missing command are named with the command', () => {
    expect(commandProbe('true', 'true', []).check()).toBeNull();
    expect(commandProbe('sh', 'sh', ['-c', 'echo "no namespace for you" >&2; exit 3']).check()).toBe(
      '`sh -c echo "no namespace for you" >&2; exit 3` exited 3: no namespace for you',
    );
    expect(commandProbe('gone', '/nonexistent/cmd', ['--x']).check()).toMatch(/^`\/nonexistent\/cmd --x` could not run \(.*ENOENT.*\)$/);
  });
});

describe('every real-part suite decides through this module', () => {
  test(`the --config tests' real parts (nginx -t, apache2ctl -t) fail under ${REQUIRE_REAL_ENV} when a prerequisite is missing`, async () => {
    const { CONFIG_SERVER_NEEDS } = await import('./config-lab.js');
    const env = { PATH: process.env.PATH, [REQUIRE_REAL_ENV]: '1', [PRETEND_MISSING_ENV]: 'nginx' };
    const v = checkPrerequisites(CONFIG_SERVER_NEEDS, { env, euid: 0 });
    expect(v.action).toBe('fail');
    expect(v.line).toMatch(/^⚠ FAILED .*missing nginx .*apt-get install -y nginx-light/);
  });

  test('no test file skips a real-part suite by its own test (process.env.CI, describe.skip)', () => {
    // fixtures hold symlinks to system directories (a RHEL layout's logs -> /var/log/…), unreadable without root
    const files = fg.sync('**/*.{ts,mjs}', { cwd: path.resolve('test'), followSymbolicLinks: false });
    expect(files.length).toBeGreaterThan(50);
    const own = files.filter((f) => {
      const text = fs.readFileSync(path.resolve('test', f), 'utf8');
      return !/prerequisites(\.test)?\.ts$/.test(f) && !f.includes('capture-records') && /describe\.skip\b|process\.env\.CI\b/.test(text);
    });
    expect(own).toEqual([]);
  });
});
