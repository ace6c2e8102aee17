/**
 * The engines of `rules export`, as far as the tests need them, run here without the engines:
 * - a Sigma string read as Sigma reads it.
 */
/**
 * A Sigma string read as the specification (and pySigma's `SigmaString`) reads it: `\` escapes `*`, `?`
 * and `\`, and stays a backslash before anything else; null when it holds a wildcard (unescaped `*` / `?`).
 */
export function sigmaLiteral(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && '*?\\'.includes(s[i + 1] ?? '')) out += s[++i];
    else if (c === '*' || c === '?') return null;
    else out += c;
  }
  return out;
}
