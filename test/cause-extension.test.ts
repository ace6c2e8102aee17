/**
 * A new cause is one file: a cause module (test/fixtures/causes/example-cause.ts), given to the loader
 * (its id becomes valid in rules) and to the analyzer (its wording renders the finding). Nothing in src/
 * changes. The built-in registry is complete and consistent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { analyze, renderReport } from '../src/findings/analyzer.js';
import { CAUSES } from '../src/findings/causes/index.js';
import { causeRegistry } from '../src/findings/registry.js';
import { loadRules, RuleLoadError } from '../src/rules/load.js';
import { CAUSE_IDS, type CauseId } from '../src/types.js';
import { exampleCause } from './fixtures/causes/example-cause.js';
import { tempDir } from './helpers/cli.js';

const tmp = tempDir('sd-cause-ext-');
afterAll(() => tmp.cleanup());

const RULE = `id: user-proxy-auth
summary: made-up proxy line for the cause-extension test
servers: [apache]
severity: warning
cause: example-proxy-auth-required
role: cause
phase: runtime
trigger: 'zzq proxy auth'
patterns:
  - regex: 'zzq proxy auth required by (?<proxy>[\\w.:]+)'
source:
  - server: apache
    file: test/cause-extension.test.ts
    versions: any
samples:
  match:
    - line: 'zzq proxy auth required by proxy.example:3128'
      from: made up for this test
      values: { proxy: 'proxy.example:3128' }
  nomatch: []
`;

function ruleDir(): string {
  const d = path.join(tmp.dir, 'rules');
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, 'user-proxy-auth.yaml'), RULE);
  return d;
}

test('a rule naming the new cause is refused without its module, accepted with it', async () => {
  const dir = ruleDir();
  await expect(loadRules({ dirs: [dir] })).rejects.toThrow(RuleLoadError);
  const rules = await loadRules({ dirs: [dir], causes: [exampleCause.id] });
  expect(rules.map((r) => r.id)).toContain('user-proxy-auth');
});

test('the finding carries the new cause and its message id, and renders with its wording', async () => {
  const rules = await loadRules({ dirs: [ruleDir()], causes: [exampleCause.id] });
  const line = '[Wed Mar 01 10:00:00.000001 2017] [ssl:error] [pid 1200:tid 140001] zzq proxy auth required by proxy.example:3128';
  const data = analyze([line], rules, { extraCauses: [exampleCause] });
  const f = data.findings[0]!;
  expect(f.cause as string).toBe('example-proxy-auth-required');
  expect(f.messageId).toBe('example-proxy-auth-required.named-proxy');
  expect(f.data).toEqual({ proxy: 'proxy.example:3128' });
  const worded = renderReport(data, causeRegistry([exampleCause])).findings[0]!;
  expect(worded.message).toBe(
    'Apache is asked for proxy credentials by proxy.example:3128, so its OCSP requests never reach the OCSP responder.',
  );
  expect(worded.fix.steps[0]).toMatchObject({ directive: 'SSLOCSPProxyURL', context: 'VirtualHost' });
});

test('an extra module may not redefine a built-in cause', () => {
  expect(() => causeRegistry([{ ...exampleCause, id: 'responder-timeout' }])).toThrow(/already defined/);
});

test.each(CAUSE_IDS.map((id) => [id]))('the built-in module of %s is registered under its own id and words every variant', (id) => {
  const m = CAUSES[id as CauseId];
  expect(m.id).toBe(id);
  expect(m.messages.default).toBeDefined();
  expect(m.title.length).toBeGreaterThan(0);
});
