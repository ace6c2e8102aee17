/**
 * The parts of the rule-regex lint that scslre does not cover (see `backtrackingProblem` in load.ts):
 *
 * - **Backreferences** (`\1`, `\k<name>`): V8's linear-time engine, which the CLI falls back to for a
 *   regex that backtracks excessively, cannot run them (V8 `regexp/experimental`: "backreferences are
 *   not supported"), so such a regex has no bound at all. Rules have named groups for values instead.
 * - **Ambiguity between alternatives** in a repeated group (`(\w|\d)+`, `(a|aa)*`): when two
 *   alternatives can start the same text, a backtracking engine tries both at every repetition —
 *   2^n attempts on a run of n characters that then fails to match. scslre builds its attacks from one
 *   repeated character and reports nested quantifiers only, so it misses these.
 *
 * The ambiguity check is exact on the regular part of a pattern: for a quantifier `(A1|…|An){m,}` with a
 * maximum above 1, the alternatives Ai and Aj (i < j) are ambiguous when some text starts with Ai and
 * then repeats the group, and also starts with Aj and then repeats the group:
 * L(Ai · B*) ∩ L(Aj · B*) ≠ ∅ with B the group. Automata by refa (the library scslre is built on).
 * Assertions and lookarounds inside the group are left out of the languages (so the check can miss,
 * never wrongly refuse, through them).
 */
import { RegExpParser, visitRegExpAST, type AST } from '@eslint-community/regexpp';
import { isDisjointWith, JS, NFA } from 'refa';

/** States an automaton of the check may have; a larger pattern is not checked (the linear fallback remains). */
const MAX_NODES = 20_000;

/**
 * Why a rule regex's matching time could not be bounded, in one line, or null.
 * @param source a regex source that compiles (without flags: rules use none)
 * @returns `backreference \1 …` or `catastrophic backtracking (ReDoS): the alternatives … can match the same text …`
 */
export function unboundedRegexProblem(source: string, flags = ''): string | null {
  const parser = new RegExpParser({ ecmaVersion: 2025 });
  const ast = { pattern: parser.parsePattern(source, 0, source.length, { unicode: flags.includes('u') }), flags: parser.parseFlags(flags) };
  let backreference: AST.Backreference | undefined;
  const repeatedAlternations: { q: AST.Quantifier; group: AST.Group | AST.CapturingGroup }[] = [];
  visitRegExpAST(ast.pattern, {
    onBackreferenceEnter: (b) => void (backreference ??= b),
    onQuantifierEnter: (q) => {
      const e = q.element;
      if (q.max > 1 && (e.type === 'Group' || e.type === 'CapturingGroup') && e.alternatives.length > 1)
        repeatedAlternations.push({ q, group: e });
    },
  });
  if (backreference) {
    return `backreference ${backreference.raw}: V8's linear-time fallback cannot run it, so its matching time has no bound; capture values with named groups instead`;
  }
  const js = JS.Parser.fromAst(ast);
  const options = { backreferences: 'disable', assertions: 'disable', maxNodes: MAX_NODES } as const;
  const nfaOf = (el: JS.ParsableElement): NFA => {
    const { expression, maxCharacter } = js.parseElement(el, options);
    return NFA.fromRegex(expression, { maxCharacter });
  };
  for (const { q, group } of repeatedAlternations) {
    try {
      const repeated = nfaOf(group);
      repeated.quantify(0, Infinity);
      const starts = group.alternatives.map((a) => {
        const n = nfaOf(a);
        n.append(repeated);
        return n;
      });
      for (let i = 0; i < starts.length; i++) {
        for (let j = i + 1; j < starts.length; j++) {
          if (!isDisjointWith(starts[i]!, starts[j]!, MAX_NODES)) {
            const [a, b] = [group.alternatives[i]!.raw, group.alternatives[j]!.raw];
            return `catastrophic backtracking (ReDoS): the alternatives ${a} and ${b} of the repeated ${q.raw} can match the same text, so each repetition is tried both ways (2^n attempts on a line that then fails to match); make them exclusive, e.g. one character class or distinct first characters`;
          }
        }
      }
    } catch {
      // too large to check: left to V8's linear-time fallback
    }
  }
  return null;
}
