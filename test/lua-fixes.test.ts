/**
 * A finding from an OpenResty Lua stapling script (rules/lua-*.yaml) is fixed with the script's own settings:
 * nginx's stapling directives do nothing for a certificate set from Lua (ingress-nginx issue #4758: "the
 * certificates are handled in lua … Even attempting to directly enable OCSP via putting `ssl_stapling on;` in
 * a server snippet does not enable it"). For every positive sample of every lua-* rule (the rules' own lines:
 * none is written here), the finding's sentence and fix name no nginx stapling or certificate directive, every
 * step's directive is one of the scripts' levers, and the fix names the lever of its script for its cause
 * (the research notes' levers: lua-resty-auto-ssl, ingress-nginx, the ngx.ocsp example and Apache APISIX).
 * The same causes from nginx's own lines keep nginx's directives.
 */
import { analyze } from '../src/findings/analyzer.js';
import { renderFinding } from '../src/findings/render.js';
import { CAUSES, causeContext } from '../src/findings/causes/index.js';
import type { LuaScript } from '../src/findings/causes/kit.js';
import { lokiRules } from '../src/export/loki.js';
import { sigmaRules } from '../src/export/sigma.js';
import { formatFinding } from '../src/format/human.js';
import { possibleCauses } from '../src/rules/cause.js';
import { loadRules } from '../src/rules/load.js';
import type { CauseId, Finding } from '../src/types.js';

const rules = await loadRules();
const luaRules = rules.filter((r) => r.id.startsWith('lua-'));

/**
 * The script of a finding by its rules, as the task defines it (independent of the code's own luaScriptOf(), which
 * the first test compares with it): `lua-auto-ssl-*` lua-resty-auto-ssl, `lua-ingress-*` ingress-nginx, any other
 * `lua-*` rule a script on ngx.ocsp (the lua-resty-core example, one's own, Apache APISIX).
 */
function luaScriptOf(ruleIds: readonly string[]): LuaScript | null {
  if (!ruleIds.some((id) => id.startsWith('lua-'))) return null;
  if (ruleIds.some((id) => id.startsWith('lua-auto-ssl-'))) return 'auto-ssl';
  return ruleIds.some((id) => id.startsWith('lua-ingress-')) ? 'ingress-nginx' : 'ngx.ocsp';
}

/** The script the wording takes a finding for: its cause context's `lua`. */
const contextScript = (ruleIds: string[]): unknown => causeContext('nginx', {}, {}, undefined, false, ruleIds).lua;

/** nginx's stapling and certificate directives, which do nothing for a certificate a Lua script sets. */
const NGINX_DIRECTIVES = /\bssl_(?:stapling\w*|trusted_certificate|certificate)\b/;
/** The four named in the task, checked by name as well. */
const FORBIDDEN = ['ssl_stapling off', 'ssl_stapling_responder', 'ssl_trusted_certificate', 'ssl_stapling_file'];

/** The settings a Lua finding's steps may name (research notes §1-§6). */
const LEVERS = new Set([
  'enable-ocsp', // ingress-nginx ConfigMap
  'lua-shared-dicts', // ingress-nginx ConfigMap
  'tls.crt', // ingress-nginx TLS Secret
  '--enable-ssl-chain-completion', // ingress-nginx controller flag
  'ocsp_stapling_error_level', // lua-resty-auto-ssl option
  'http_proxy_options', // lua-resty-auto-ssl option
  'lua_shared_dict', // nginx, for lua-resty-auto-ssl's dictionary
  'resolver', // nginx: the cosocket's resolver
  'ocsp_stapling.enabled', // APISIX SSL resource
  'cert', // APISIX SSL resource
  'apisix.dns_resolver', // APISIX conf/config.yaml
  'nginx_config.http.lua_shared_dict.ocsp-stapling', // APISIX conf/config.yaml
]);

/** What each script's fix for a cause must name (a substring of the fix), by cause and script. */
const OFF: Record<LuaScript, string> = {
  'auto-ssl': 'ocsp_stapling_error_level',
  'ingress-nginx': 'enable-ocsp: "false"',
  'ngx.ocsp': 'ngx.exit(ngx.ERROR)',
};
const CHAIN: Record<LuaScript, string> = {
  'auto-ssl': ':latest',
  'ingress-nginx': 'tls.crt',
  'ngx.ocsp': 'my_load_certificate_chain()',
};
const RESOLVER: Record<LuaScript, string> = {
  'auto-ssl': '`resolver <DNS server IP>;`',
  'ingress-nginx': '/etc/resolv.conf',
  'ngx.ocsp': 'apisix.dns_resolver',
};
const EXPECTED: Partial<Record<CauseId, Record<LuaScript, string[]>>> = {
  'ocsp-url-missing': {
    'auto-ssl': [OFF['auto-ssl'], 'no option to turn stapling off'],
    'ingress-nginx': [OFF['ingress-nginx']],
    'ngx.ocsp': [OFF['ngx.ocsp'], '"ocsp_stapling": {"enabled": false}'],
  },
  'issuer-certificate-missing': {
    'auto-ssl': [CHAIN['auto-ssl'], 'fullchain_pem'],
    'ingress-nginx': [CHAIN['ingress-nginx'], '--enable-ssl-chain-completion'],
    'ngx.ocsp': [CHAIN['ngx.ocsp']],
  },
  'certid-mismatch': { 'auto-ssl': [CHAIN['auto-ssl']], 'ingress-nginx': [CHAIN['ingress-nginx']], 'ngx.ocsp': [CHAIN['ngx.ocsp']] },
  'certificate-status-unknown': {
    'auto-ssl': [CHAIN['auto-ssl']],
    'ingress-nginx': [CHAIN['ingress-nginx']],
    'ngx.ocsp': [CHAIN['ngx.ocsp']],
  },
  'certificate-revoked': {
    'auto-ssl': [CHAIN['auto-ssl'], 'renews certificates only before they expire'],
    'ingress-nginx': ['tls.key'],
    'ngx.ocsp': ['PUT /apisix/admin/ssls/{id}'],
  },
  'resolver-missing': {
    'auto-ssl': [RESOLVER['auto-ssl']],
    'ingress-nginx': [RESOLVER['ingress-nginx']],
    'ngx.ocsp': [RESOLVER['ngx.ocsp']],
  },
  'dns-resolution-failed': {
    'auto-ssl': [RESOLVER['auto-ssl']],
    'ingress-nginx': [RESOLVER['ingress-nginx']],
    'ngx.ocsp': [RESOLVER['ngx.ocsp']],
  },
  'responder-unreachable': {
    'auto-ssl': ['http_proxy_options'],
    'ingress-nginx': [OFF['ingress-nginx'], 'controller pods'],
    'ngx.ocsp': [OFF['ngx.ocsp']],
  },
  'responder-timeout': {
    'auto-ssl': ['http_proxy_options', '(10 s) is fixed'],
    'ingress-nginx': [OFF['ingress-nginx']],
    'ngx.ocsp': ['timeout = 10000'],
  },
  'response-not-current': {
    'auto-ssl': ['timedatectl'],
    'ingress-nginx': ['timedatectl', OFF['ingress-nginx']],
    'ngx.ocsp': ['timedatectl', OFF['ngx.ocsp']],
  },
  'response-signature-invalid': {
    'auto-ssl': ['openssl ocsp'],
    'ingress-nginx': ['openssl ocsp', OFF['ingress-nginx']],
    'ngx.ocsp': ['openssl ocsp', OFF['ngx.ocsp']],
  },
  'responder-error-status': {
    'auto-ssl': ['-ocsp_uri', OFF['auto-ssl']],
    'ingress-nginx': ['-ocsp_uri', OFF['ingress-nginx']],
    'ngx.ocsp': ['-ocsp_uri', OFF['ngx.ocsp']],
  },
  'responder-bad-response': {
    'auto-ssl': ['openssl ocsp', OFF['auto-ssl']],
    'ingress-nginx': ['openssl ocsp', OFF['ingress-nginx']],
    'ngx.ocsp': ['openssl ocsp', OFF['ngx.ocsp']],
  },
  'stapling-cache-problem': {
    'auto-ssl': ['lua_shared_dict auto_ssl'],
    'ingress-nginx': ['lua-shared-dicts: "ocsp_response_cache:'],
    'ngx.ocsp': ['nginx_config.http.lua_shared_dict.ocsp-stapling'],
  },
  'self-signed-certificate': { 'auto-ssl': [OFF['auto-ssl']], 'ingress-nginx': [OFF['ingress-nginx']], 'ngx.ocsp': [OFF['ngx.ocsp']] },
  'stapling-internal-error': {
    'auto-ssl': ['lua-resty-core'],
    'ingress-nginx': ['lua-resty-core', OFF['ingress-nginx']],
    'ngx.ocsp': ['lua-resty-core'],
  },
};

/** The finding's words a reader sees: the sentence and the fix, in the human report (without the evidence lines) and in JSON. */
function wordsOf(f: Finding): string {
  const human = formatFinding(f, { color: 0 }).split('  Evidence')[0]!;
  return `${human}\n${f.message}\n${fixWords(f.fix)}`;
}

/** A fix's words, as its steps say them (not JSON-escaped): summary, directive, value, text and command. */
function fixWords(fix: { summary: string; steps: Finding['fix']['steps'] }): string {
  return [fix.summary, ...fix.steps.map((s) => `${s.directive ?? ''} ${s.value ?? ''} ${s.text} ${s.command ?? ''}`)].join('\n');
}

/** Every check of a Lua finding's words and steps, for its script. */
function expectLuaFix(cause: CauseId, script: LuaScript, words: string, directives: (string | null)[]): void {
  const label = `${cause} (${script})`;
  expect([label, words]).toEqual([label, expect.not.stringMatching(NGINX_DIRECTIVES)]);
  for (const bad of FORBIDDEN) expect([label, words.includes(bad)]).toEqual([label, false]);
  for (const d of directives) if (d !== null) expect([label, d, LEVERS.has(d)]).toEqual([label, d, true]);
  const expected = EXPECTED[cause]?.[script];
  expect([label, expected !== undefined]).toEqual([label, true]);
  for (const lever of expected!) expect([label, lever, words.includes(lever)]).toEqual([label, lever, true]);
}

const cases = luaRules
  .filter((r) => r.role !== 'lookalike')
  .flatMap((r) => r.samples.match.map((s, i) => [`${r.id} #${i + 1}`, s.line] as const));

test('the lua-* rules give the scripts the doctor tells apart', () => {
  expect(cases.length).toBeGreaterThan(60);
  expect(contextScript(['lua-auto-ssl-ocsp-stapling-failed', 'lua-ocsp-responder-query-failed'])).toBe('auto-ssl');
  expect(contextScript(['lua-ingress-ocsp-fetch-failed'])).toBe('ingress-nginx');
  expect(contextScript(['lua-ocsp-responder-query-failed'])).toBe('ngx.ocsp');
  expect(contextScript(['lua-crash-in-ocsp'])).toBe('ngx.ocsp');
  expect(contextScript(['nginx-no-resolver'])).toBeNull();
  expect(causeContext('apache', {}, {}, undefined, false, ['gnutls-ocsp-response-expired']).lua).toBeNull();
});

test.each(cases)("%s: the script's own levers, no nginx stapling directive", (_name, line) => {
  const findings = analyze([line], rules).findings.map((f) => renderFinding(f));
  expect(findings.length).toBeGreaterThan(0);
  for (const f of findings) {
    const script = luaScriptOf(f.ruleIds);
    expect(script).not.toBeNull();
    expectLuaFix(
      f.cause,
      script!,
      wordsOf(f),
      f.fix.steps.map((s) => s.directive),
    );
  }
});

test("the confirmation: ingress-nginx applies a changed ConfigMap or Secret itself (no reload command in its pod); the other scripts' nginx is reloaded", () => {
  const verified = cases.flatMap(([, line]) =>
    analyze([line], rules).findings.map((f) => [luaScriptOf(f.ruleIds), renderFinding(f).fix.verify] as const),
  );
  const scripts = new Set(verified.map(([script]) => script));
  expect([...scripts].sort()).toEqual(['auto-ssl', 'ingress-nginx', 'ngx.ocsp']);
  for (const [script, verify] of verified) {
    expect([script, verify.some((v) => v.includes('nginx -s reload'))]).toEqual([script, script !== 'ingress-nginx']);
    expect([script, verify.some((v) => v.startsWith('openssl s_client'))]).toEqual([script, true]);
  }
});

test('the samples reach every cause the lua-* rules can signal, for each script that logs it', () => {
  const seen = new Set(cases.flatMap(([, line]) => analyze([line], rules).findings.map((f) => `${f.cause} ${luaScriptOf(f.ruleIds)}`)));
  expect(seen.size).toBeGreaterThanOrEqual(38);
  for (const cause of [
    'ocsp-url-missing',
    'issuer-certificate-missing',
    'resolver-missing',
    'certificate-revoked',
    'stapling-cache-problem',
  ])
    expect([cause, [...seen].some((k) => k.startsWith(`${cause} ingress-nginx`))]).toEqual([cause, true]);
});

/** Every cause a lua-* rule can signal (its patterns' and `causeFrom`'s), not only its samples'. */
const possible = [
  ...new Set(
    luaRules
      .filter((r) => r.role !== 'lookalike')
      .flatMap((r) => r.compiled.flatMap((p) => possibleCauses(r, p).map((c) => `${c} ${r.id}`))),
  ),
].map((x) => x.split(' ') as [CauseId, string]);

test.each(possible)('%s from %s: the fix names the script’s levers only', (cause, ruleId) => {
  const m = CAUSES[cause];
  const subjects = [{}, { vhost: 'example.com', url: 'http://r3.o.lencr.org', host: 'r3.o.lencr.org' }];
  for (const s of subjects) {
    const c = causeContext('nginx', s, {}, undefined, false, [ruleId]);
    expect(c.lua).toBe(luaScriptOf([ruleId]));
    const fix = m.fix(c);
    const sentence = m.messages[m.variant?.(c) ?? 'default']!(c);
    expectLuaFix(
      cause,
      luaScriptOf([ruleId])!,
      `${sentence}\n${fixWords(fix)}`,
      fix.steps.map((st) => st.directive),
    );
  }
});

test.each([...new Set(possible.map(([cause]) => cause))])('%s: its brief for the Lua scripts names their settings only', (cause) => {
  const brief = CAUSES[cause].brief.lua;
  expect([cause, typeof brief]).toEqual([cause, 'string']);
  expect([cause, brief]).toEqual([cause, expect.not.stringMatching(NGINX_DIRECTIVES)]);
});

test('the Sigma and Loki exports of the lua-* rules give the scripts’ fix, nginx’s rules nginx’s', () => {
  const sigma = sigmaRules(rules, CAUSES, '2026-12-06').rules.map((r) => [String(r.title), String(r.description)] as const);
  const loki = lokiRules(rules, CAUSES).groups.flatMap((g) => g.rules.map((a) => [a.labels.rule_id, a.annotations.description] as const));
  const lua = [...sigma, ...loki].filter(([name]) => /\blua-/.test(String(name)));
  expect(lua.length).toBeGreaterThan(20);
  for (const [name, text] of lua) {
    // The fix: Sigma's `Fix (nginx): …` line, Loki's description after `Fix: ` (the rest is the rule's summary and source).
    const fix = /\bFix(?: \(nginx\))?: ([^\n]*)/.exec(String(text))?.[1];
    expect([name, typeof fix]).toEqual([name, 'string']);
    expect([name, fix]).toEqual([name, expect.not.stringMatching(NGINX_DIRECTIVES)]);
  }
  expect(loki.some(([name, text]) => name === 'lua-ingress-ocsp-url-missing' && String(text).includes('enable-ocsp'))).toBe(true);
  expect(loki.some(([name, text]) => name === 'nginx-ocsp-url-missing' && String(text).includes('ssl_stapling off;'))).toBe(true);
});

test('the Kong client-certificate check is a look-alike: no finding, so no stapling advice', () => {
  const kong = luaRules.find((r) => r.id === 'lua-kong-client-cert-ocsp')!;
  expect(kong.role).toBe('lookalike');
  for (const s of kong.samples.match) expect(analyze([s.line], rules).findings).toEqual([]);
});

describe('nginx’s own lines keep nginx’s directives', () => {
  /** A sample of an nginx-* rule of the cause, worded: the same causes as the Lua findings above. */
  function nginxFinding(ruleId: string, cause: CauseId): Finding {
    const rule = rules.find((r) => r.id === ruleId)!;
    const sample = rule.samples.match.find((s) => (s.cause ?? rule.cause) === cause)!;
    const f = analyze([sample.line], rules).findings.map((x) => renderFinding(x));
    expect(f.map((x) => x.cause)).toContain(cause);
    const out = f.find((x) => x.cause === cause)!;
    expect(luaScriptOf(out.ruleIds)).toBeNull();
    return out;
  }
  test.each([
    ['nginx-ocsp-url-missing', 'ocsp-url-missing', '`ssl_stapling off;`'],
    ['nginx-issuer-not-found', 'issuer-certificate-missing', 'ssl_trusted_certificate'],
    ['nginx-no-resolver', 'resolver-missing', 'resolver_timeout'],
  ] as const)('%s (%s): %s', (ruleId, cause, directive) => {
    const f = nginxFinding(ruleId, cause);
    expect(wordsOf(f)).toContain(directive);
  });

  test.each(Object.keys(EXPECTED) as CauseId[])('%s without a lua-* rule is worded as before (no Lua lever)', (cause) => {
    const m = CAUSES[cause];
    const c = causeContext('nginx', { vhost: 'example.com', certificate: '/etc/nginx/cert.pem' }, {}, undefined, false, ['nginx-x']);
    expect(c.lua).toBeNull();
    const words = JSON.stringify(m.fix(c));
    for (const lever of ['enable-ocsp', 'ocsp_stapling_error_level', 'ngx.exit', 'apisix', 'tls.crt', 'lua-shared-dicts'])
      expect([cause, lever, words.includes(lever)]).toEqual([cause, lever, false]);
  });
});
