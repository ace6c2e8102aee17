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

/** The same cause, from a line that names the responder (an identity: one finding per responder). */
function responderRuleDir(): string {
  const d = path.join(tmp.dir, 'rules-responder');
  fs.mkdirSync(d, { recursive: true });
  const rule = RULE.replace('id: user-proxy-auth', 'id: user-proxy-auth-responder')
    .replace("trigger: 'zzq proxy auth'", "trigger: 'zzq proxy auth for'")
    .replace("'zzq proxy auth required by (?<proxy>[\\w.:]+)'", "'zzq proxy auth for (?<responder>[\\w.:-]+)'")
    .replace("'zzq proxy auth required by proxy.example:3128'", "'zzq proxy auth for ocsp.example'")
    .replace("values: { proxy: 'proxy.example:3128' }", "values: { responder: 'ocsp.example' }");
  fs.writeFileSync(path.join(d, 'user-proxy-auth-responder.yaml'), rule);
  return d;
}

test('past the per-cause limit, the summary finding is worded by its cause module, with exact counts and no subject', async () => {
  const rules = await loadRules({ dirs: [responderRuleDir()], causes: [exampleCause.id] });
  const line = (k: number): string =>
    `[Wed Mar 01 10:00:0${k}.000001 2017] [ssl:error] [pid 1200:tid 140001] zzq proxy auth for ocsp-${k}.example`;
  const data = analyze([0, 1, 2, 3, 4, 4].map(line), rules, { extraCauses: [exampleCause], maxFindingsPerCause: 2 });
  const worded = renderReport(data, causeRegistry([exampleCause])).findings;
  expect(worded.map((f) => [f.subject.responder ?? null, f.count])).toEqual([
    ['ocsp-0.example', 1],
    ['ocsp-1.example', 1],
    [null, 4],
  ]);
  const s = worded[2]!;
  expect(s.messageId).toBe('example-proxy-auth-required.summary');
  expect(s.subject).toEqual({});
  expect(s.message).toBe(
    "Apache's OCSP requests stopped at an authenticating proxy: and 3 more responders, not listed one by one: 4 failures, 2017-03-01 10:00:02 → 2017-03-01 10:00:04.",
  );
  // A module without its own summary wording gets its title as the lead.
  const { summary: _omitted, ...plain } = exampleCause.messages;
  const titled = renderReport(data, causeRegistry([{ ...exampleCause, messages: plain }])).findings[2]!;
  expect(titled.message).toMatch(/^OCSP proxy wants authentication: and 3 more responders, not listed one by one: 4 failures, /);
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
