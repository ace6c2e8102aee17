/**
 * Rule files from users (`--rules DIR`, issue 6): every way a rule file can be unusable gives one line
 * on stderr that names the file and the field (or the line and column of a syntax error), no stack
 * trace, nothing on stdout, exit 2. A good user rule loads and matches. Regexes whose time cannot be
 * bounded — backreferences (V8's linear-time fallback cannot run them) and repeated groups with
 * ambiguous alternatives, which scslre misses (issue 16) — are refused by the load-time lint.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers/cli.js';
import { expectCleanStderr, runCliAsync } from './helpers/robust.js';

let root: string;
let cleanup: () => void;
beforeAll(() => ({ dir: root, cleanup } = tempDir('sd-rule-files-')));
afterAll(() => cleanup());

/** A complete, valid rule (YAML) for a made-up message, to be broken one field at a time. */
const GOOD = `id: user-lookup-failed
summary: A user rule for a made-up lookup failure, used to test the rule loader.
servers: [nginx]
severity: warning
cause: dns-resolution-failed
role: cause
phase: runtime
trigger: 'zzq-lookup'
patterns:
  - regex: 'zzq-lookup \\w+!'
source:
  - server: nginx
    file: test/rule-files.e2e.test.ts
    versions: 'any'
samples:
  match:
    - line: 'zzq-lookup abc!'
      from: made up for this test
  nomatch: []
`;

/** Make a rule directory named after the case, holding the given files. */
function ruleDir(name: string, files: Record<string, string>): string {
  const d = path.join(root, name);
  fs.mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(d, f), text);
  return d;
}

const LOG = '2014/05/09 17:38:16 [error] 1580#0: zzq-lookup abc!\n';

test('a valid user rule loads next to the built-in ones and finds its line', async () => {
  const d = ruleDir('valid', { 'user-lookup-failed.yaml': GOOD });
  const r = await runCliAsync(['--rules', d, '--format', 'json', '-'], { input: LOG });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(1);
  const report = JSON.parse(r.stdout) as { findings: { ruleIds: string[]; cause: string }[] };
  expect(report.findings.map((f) => [f.ruleIds, f.cause])).toEqual([[['user-lookup-failed'], 'dns-resolution-failed']]);
});

/** JSON with a trailing comma: the error is at the `}` on line 4, column 1. */
const BAD_JSON = '{\n  "id": "user-json-rule",\n  "summary": "a trailing comma follows",\n}\n';

test.each([
  ['invalid YAML', 'user-lookup-failed.yaml', `${GOOD}patterns: [unclosed\n  nested: {\n`, / line \d+, column \d+: not valid YAML: .+/],
  ['invalid JSON', 'user-json-rule.json', BAD_JSON, / line 4, column 1: not valid JSON: Expected double-quoted property name$/],
  ['an empty file', 'user-lookup-failed.yaml', '', / \/: must be a mapping of rule fields .*not empty$/],
  ['a list instead of a rule', 'user-lookup-failed.yaml', '- id: x\n', / \/: must be a mapping of rule fields .*not a list$/],
  [
    'a missing field',
    'user-lookup-failed.yaml',
    GOOD.replace('cause: dns-resolution-failed\n', ''),
    / \/cause: missing required field "cause"$/,
  ],
  ['an unknown field', 'user-lookup-failed.yaml', `${GOOD}priorty: 3\n`, / \/priorty: unknown field "priorty"$/],
  [
    'a value outside its vocabulary',
    'user-lookup-failed.yaml',
    GOOD.replace('cause: dns-resolution-failed', 'cause: dns-broken'),
    / \/cause: must be one of "issuer-certificate-missing", .*/,
  ],
  [
    'a regex that does not compile',
    'user-lookup-failed.yaml',
    GOOD.replace("'zzq-lookup \\w+!'", "'zzq-lookup (unclosed'"),
    / \/patterns\/0\/regex: Invalid regular expression: .*Unterminated group$/,
  ],
  [
    'a regex with catastrophic backtracking',
    'user-lookup-failed.yaml',
    GOOD.replace("'zzq-lookup \\w+!'", "'zzq-lookup (?:a+)+!'"),
    / \/patterns\/0\/regex: catastrophic backtracking \(ReDoS\): .*exponentially on a long run of "a"/,
  ],
  [
    'an unknown value name',
    'user-lookup-failed.yaml',
    GOOD.replace("'zzq-lookup \\w+!'", "'zzq-lookup (?<hostname>\\w+)!'"),
    / \/patterns\/0\/regex: named group "hostname" is not a known value name/,
  ],
  ['a file name that is not the id', 'other-name.yaml', GOOD, / \/id: id "user-lookup-failed" does not match the file name "other-name"$/],
  [
    'a positive sample the rule does not match',
    'user-lookup-failed.yaml',
    GOOD.replace("- line: 'zzq-lookup abc!'", "- line: 'zzq-lookup abc?'"),
    / \/samples\/match\/0: positive sample does not match: "zzq-lookup abc\?"$/,
  ],
  [
    'a negative sample the rule matches',
    'user-lookup-failed.yaml',
    GOOD.replace('  nomatch: []', "  nomatch:\n    - line: 'zzq-lookup xyz!'\n      from: made up for this test"),
    / \/samples\/nomatch\/0: negative sample matches: "zzq-lookup xyz!"$/,
  ],
  [
    'a sample whose severity differs from what it states',
    'user-lookup-failed.yaml',
    GOOD.replace('      from: made up for this test\n  nomatch', '      from: made up for this test\n      severity: error\n  nomatch'),
    / \/samples\/match\/0\/severity: the sample gives severity warning, not error: "zzq-lookup abc!"$/,
  ],
  [
    'a capture no sample pins',
    'user-lookup-failed.yaml',
    GOOD.replace("'zzq-lookup \\w+!'", "'zzq-lookup (?<host>\\w+)!'"),
    / \/patterns\/0: no positive sample pins the capture "host" \(state it in a sample's values\)$/,
  ],
  [
    'a causeFrom branch no sample takes',
    'user-lookup-failed.yaml',
    GOOD.replace("'zzq-lookup \\w+!'", "'zzq-lookup (?<errno>\\w+)!'")
      .replace(
        'phase: runtime\n',
        'phase: runtime\ncauseFrom:\n  value: errno\n  map:\n    abc: dns-resolution-failed\n    xyz: responder-timeout\n',
      )
      .replace('      from: made up for this test\n', "      from: made up for this test\n      values: { errno: 'abc' }\n"),
    / \/causeFrom\/map: no positive sample takes the branch "xyz"$/,
  ],
])('%s: one line naming the file and the field, exit 2', async (name, file, text, expected) => {
  const d = ruleDir(name.replace(/\W+/g, '-'), { [file]: text });
  const r = await runCliAsync(['--rules', d, '-'], { input: LOG });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expectCleanStderr(r.stderr);
  expect(r.stderr.split('\n')).toHaveLength(2); // one line and its end
  expect(r.stderr.startsWith(`stapling-doctor: invalid rule file: ${path.join(d, file)} `)).toBe(true);
  expect(r.stderr.trimEnd()).toMatch(expected);
});

test('a duplicate id (a user rule named like a built-in one) names both files', async () => {
  const builtin = fs.readFileSync(
    path.join(path.dirname(new URL(import.meta.url).pathname), '../rules/nginx-issuer-not-found.yaml'),
    'utf8',
  );
  const d = ruleDir('duplicate-id', { 'nginx-issuer-not-found.yaml': builtin });
  const r = await runCliAsync(['--rules', d, '-'], { input: LOG });
  expect(r.code).toBe(2);
  expectCleanStderr(r.stderr);
  expect(r.stderr).toMatch(
    new RegExp(
      `^stapling-doctor: invalid rule file: ${path.join(d, 'nginx-issuer-not-found.yaml')} /id: duplicate rule id "nginx-issuer-not-found" \\(also in .*rules/nginx-issuer-not-found\\.yaml\\)\\n$`,
    ),
  );
});

test.each([
  [
    'a file instead of a directory',
    (d: string): string => {
      fs.writeFileSync(path.join(d, 'rules.yaml'), GOOD);
      return path.join(d, 'rules.yaml');
    },
    /: cannot read rule directory: is a file; --rules takes a directory of rule files/,
  ],
  ['a missing directory', (d: string): string => path.join(d, 'no-such-dir'), /: cannot read rule directory: no such directory$/],
  [
    'a directory without rule files',
    (d: string): string => {
      fs.mkdirSync(path.join(d, 'empty'));
      return path.join(d, 'empty');
    },
    /: no rule files \(\*\.yaml, \*\.yml, \*\.json\) in this directory$/,
  ],
  [
    'a directory named like a rule file',
    (d: string): string => {
      fs.mkdirSync(path.join(d, 'dir-rule', 'x.yaml'), { recursive: true });
      return path.join(d, 'dir-rule');
    },
    /x\.yaml: cannot read: is a directory$/,
  ],
])('--rules with %s: one clear line, exit 2', async (name, make, expected) => {
  const d = path.join(root, `arg-${name.replace(/\W+/g, '-')}`);
  fs.mkdirSync(d, { recursive: true });
  const arg = make(d);
  const r = await runCliAsync(['--rules', arg, '-'], { input: LOG });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expectCleanStderr(r.stderr);
  expect(r.stderr).toMatch(/^stapling-doctor: invalid rule file: [^\n]+\n$/);
  expect(r.stderr.trimEnd()).toMatch(expected);
});

test.each([
  [
    'ambiguous alternatives in a repeated group',
    "'zzq-lookup (?:\\w|\\d)+!'",
    /the alternatives \\w and \\d of the repeated \(\?:\\w\|\\d\)\+ can match the same text/,
  ],
  [
    'alternatives where one repeats the other',
    "'zzq-lookup x(?:a|aa)*!'",
    /the alternatives a and aa of the repeated \(\?:a\|aa\)\* can match the same text/,
  ],
  ['a numbered backreference', "'zzq-lookup (\\w+) \\1!'", /backreference \\1: V8's linear-time fallback cannot run it/],
  ['a named backreference', "'zzq-lookup (?<host>\\w+) \\k<host>!'", /backreference \\k<host>: V8's linear-time fallback cannot run it/],
])('a user regex with %s (which scslre does not see): refused by the load-time lint, exit 2', async (name, regex, expected) => {
  const d = ruleDir(`unbounded-${name.replace(/\W+/g, '-')}`, { 'user-lookup-failed.yaml': GOOD.replace("'zzq-lookup \\w+!'", regex) });
  const r = await runCliAsync(['--rules', d, '-'], { input: LOG });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(new RegExp(`^stapling-doctor: invalid rule file: ${d}/user-lookup-failed\\.yaml /patterns/0/regex: `));
  expect(r.stderr).toMatch(expected);
});

test('the ambiguity lint refuses only what is ambiguous: exclusive alternatives and the built-in rules pass', async () => {
  const { unboundedRegexProblem } = await import('../src/rules/ambiguity.js');
  for (const ok of ['(?:foo|fab)+', '(?:[^,]|,(?! ))+', '(?:ab|a)+c', '(?:a|b)+', '[\\w\\d]+', '(?:, peer: (\\S+))?'])
    expect(unboundedRegexProblem(ok)).toBeNull();
  const { loadRules } = await import('../src/rules/load.js');
  for (const r of await loadRules()) for (const p of r.patterns) expect([r.id, unboundedRegexProblem(p.regex)]).toEqual([r.id, null]);
});
