/**
 * Correlation of pasted lines (issue 10), generated from the rules' positive samples, never from one
 * paste: the classes of the dev set's former known misses (test/public-pastes.test.ts).
 *
 * - A paste in reverse: a follower (AH01941, AH02604, …) quoted before the line of its failure, the
 *   times showing the real order. It must give what the pair gives in order; a follower timed before
 *   the line (an earlier failure's, in a real log) must not take it.
 * - A syslog paste that lost one line's date and host: the pair must give what it gives with both
 *   hosts; lines of two named hosts must never meet.
 * - An Apache transport failure pasted without its AH01941: a fragment (prefix lost or cut, or only the
 *   code and message left) is a notice whose evidence says the follower is missing; a whole log line stays silent, and so does a
 *   fragment in an input that shows client-certificate OCSP (a look-alike rule's line).
 *
 * The number of cases is printed.
 */
import { analyze } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';
import { createMatcher } from '../src/rules/match.js';
import type { CauseId, Rule } from '../src/types.js';
import { prefixEnd, shortPrefix, stripPrefix } from './helpers/variants.js';

const rules = await loadRules();
const matcher = createMatcher(rules);
const now = new Date('2026-06-01T00:00:00Z');
const analyzed = new Map<string, ReturnType<typeof analyze>['findings']>();
/** The findings of the lines as one input (each input analysed once: the cases share many). */
const findings = (lines: readonly string[]): ReturnType<typeof analyze>['findings'] => {
  const key = lines.join('\n');
  let f = analyzed.get(key);
  if (!f) analyzed.set(key, (f = analyze(lines, rules, { now }).findings));
  return f;
};
const causes = (lines: readonly string[]): CauseId[] => [...new Set(findings(lines).map((f) => f.cause))].sort();

/** An Apache 2.4 line with its time to the microsecond and a pid: `[time.µs year] [module:level] [pid …] message`. */
const APACHE = /^\[(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d)\.(\d{6}) (\d{4})\] (\[[^\]]*\] \[pid [^\]]*\] )(.*)$/;

/** The line at its own time plus `us` microseconds (within the same second), or null when it is not an {@link APACHE} line. */
function shifted(line: string, us: number): string | null {
  const m = APACHE.exec(line);
  if (!m) return null;
  const n = Number(m[2]) + us;
  if (n < 0 || n > 999_999) return null;
  return `[${m[1]}.${String(n).padStart(6, '0')} ${m[3]}] ${m[4]}${m[5]}`;
}

/** The follower's message written by the process of `line`, `us` microseconds after it. */
function followerOf(line: string, follower: string, us: number): string | null {
  const at = shifted(line, us);
  return at && at.replace(APACHE, (_all, t: string, f: string, y: string, head: string) => `[${t}.${f} ${y}] ${head}${follower}`);
}

const apache = (r: Rule): boolean => r.servers.includes('apache');
/** The message of each Apache follower rule (from a whole sample), with the causes it follows. */
const followers = rules
  .filter((r) => apache(r) && r.role === 'follower')
  .flatMap((r) => {
    const s = r.samples.match.find((x) => APACHE.test(x.line));
    return s ? [{ rule: r, message: stripPrefix(s.line) }] : [];
  });
/** Whole Apache samples of transport and cause rules, with the followers that follow their cause. */
const pairs = rules
  .filter((r) => apache(r) && (r.role === 'transport' || r.role === 'cause'))
  .flatMap((r) =>
    r.samples.match.flatMap((s) => {
      const cause = s.cause ?? r.cause;
      if (!APACHE.test(s.line) || shifted(s.line, 2) === null || shifted(s.line, -2) === null) return [];
      return followers
        .filter((f) => !f.rule.follows?.length || f.rule.follows.includes(cause))
        .map((f) => ({
          rule: r,
          line: s.line,
          cause,
          after: followerOf(s.line, f.message, 1)!,
          before: followerOf(s.line, f.message, -1)!,
        }));
    }),
  );

const failures: string[] = [];
let cases = 0;
const check = (what: string, got: unknown, want: unknown): void => {
  cases++;
  if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${what}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
};

for (const p of pairs) {
  const inOrder = causes([p.line, p.after]);
  const n = findings([p.line, p.after]).length;
  // Reversed: the follower first, timed after the line.
  check(`reversed ${p.rule.id}: ${p.after} / ${p.line}`, [causes([p.after, p.line]), findings([p.after, p.line]).length], [inOrder, n]);
  // A follower timed before the line is not its failure's: each stands alone.
  const alone = [...new Set([...causes([p.before]), ...causes([p.line])])].sort();
  check(`follower earlier ${p.rule.id}: ${p.before} / ${p.line}`, causes([p.before, p.line]), alone);

  // Syslog: one line's date and host lost (either one); two named hosts never meet.
  const tag = 'httpd[19891]: ';
  const host = (h: string, l: string): string => `Apr 12 19:33:43 ${h} ${tag}${l}`;
  const hosted = causes([host('web1', p.line), host('web1', p.after)]);
  check(`syslog, both hosts ${p.rule.id}`, hosted, inOrder);
  check(`syslog, first host lost ${p.rule.id}: ${p.line}`, causes([tag + p.line, host('web1', p.after)]), hosted);
  check(`syslog, second host lost ${p.rule.id}: ${p.line}`, causes([host('web1', p.line), tag + p.after]), hosted);
  const apart = [...new Set([...causes([host('web2', p.after)]), ...causes([host('web1', p.line)])])].sort();
  check(`syslog, two hosts ${p.rule.id}`, causes([host('web1', p.line), host('web2', p.after)]), apart);
}

/** One line of each Apache client-certificate OCSP look-alike rule (their positive samples). */
const clientOcsp = rules.filter((r) => apache(r) && r.role === 'lookalike').map((r) => r.samples.match[0]!.line);
const ah01941 = followers.find((f) => f.rule.id === 'apache-responder-error')!.message;
for (const r of rules.filter((x) => apache(x) && x.role === 'transport')) {
  for (const s of r.samples.match) {
    const want = s.cause ?? r.cause;
    const whole = APACHE.test(s.line);
    // The prefix stripped, cut down, and the line from its AH code on (`AH01974: could not connect to …`, status and client lost too).
    const code = /\bAH\d{5}: /.exec(s.line);
    const fromCode = code ? s.line.slice(code.index) : '';
    const fragments = [...new Set([stripPrefix(s.line), shortPrefix(s.line) ?? '', fromCode, whole ? '' : s.line])].filter(
      (l) => l && l !== s.line,
    );
    if (!whole) fragments.push(s.line);
    if (whole) check(`whole line alone ${r.id}: ${s.line}`, causes([s.line]), []);
    for (const f of fragments) {
      const got = findings([f]);
      // (With its status lost, `AH01974: …` alone, the cause is the one its words give: the line matched by itself.)
      const wanted = f === fromCode ? (matcher.match(f, { file: '-', line: 1 }).match?.cause ?? want) : want;
      check(
        `fragment alone ${r.id}: ${f}`,
        got.map((x) => [x.cause, x.severity, x.evidence.every((e) => e.cut?.follower === 'missing')]),
        [[wanted, 'notice', true]],
      );
      // Each fragment with one of the look-alikes (in turn, so that every look-alike is used).
      const c = clientOcsp[cases % clientOcsp.length]!;
      check(`fragment with client-certificate OCSP ${r.id}: ${c} / ${f}`, causes([c, f]), []);
      // AH01941 written by the same process, its prefix cut the same way.
      const confirmed = findings([f, f.slice(0, prefixEnd(f)) + ah01941]);
      check(
        `fragment with AH01941 ${r.id}: ${f}`,
        confirmed.map((x) => [x.cause, x.severity === 'notice']),
        [[wanted, false]],
      );
    }
  }
}

process.stdout.write(
  `paste correlation: ${cases} cases (${pairs.length} follower pairs reversed, timed earlier and syslog-wrapped; ${clientOcsp.length} client-certificate look-alikes); ${failures.length} failed\n`,
);

test('pastes in reverse, with a host lost, and transport fragments without AH01941 give the causes the whole log gives', () => {
  expect(pairs.length).toBeGreaterThan(20);
  expect(clientOcsp.length).toBeGreaterThan(3);
  expect(failures.slice(0, 25)).toEqual([]);
});
