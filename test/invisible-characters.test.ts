/**
 * Invisible characters (issue 16, item 7): the characters that still passed raw after issue 6 — the
 * soft hyphen, the combining grapheme joiner, the Hangul fillers, the Khmer inherent vowels, the
 * Mongolian free variation selectors, the variation selectors and their supplement — must reach the
 * terminal (human output, stderr) as visible escapes, and JSON as `\uXXXX`. The set is checked by
 * Unicode class (every Default_Ignorable_Code_Point, format, control and separator character), not
 * only by this list. Human output cuts long values before escaping, so an escape is never cut in half.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import * as sanitize from '../src/format/sanitize.js';

const { safeJson, terminalSafe } = sanitize;
/** Looked up at call time, so that the other tests still run against a build without it. */
const terminalSafeCut = (text: string, width: number): string => sanitize.terminalSafeCut(text, width);
import { tempDir } from './helpers/cli.js';
import { runCliAsync } from './helpers/robust.js';

/** The list of issue 16, item 7. */
const LISTED = [0xad, 0x34f, 0x115f, 0x1160, 0x3164, 0xffa0, 0x17b4, 0x180b];
for (let c = 0xfe00; c <= 0xfe0f; c++) LISTED.push(c);
for (let c = 0xe0100; c <= 0xe01ef; c++) LISTED.push(c);

/** Characters a terminal does not show as themselves, by class (Unicode data as V8 has it). */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const ALL_INVISIBLE: number[] = [];
for (let c = 0; c < 0x110000; c++) if ((c < 0xd800 || c > 0xdfff) && INVISIBLE.test(String.fromCodePoint(c))) ALL_INVISIBLE.push(c);

const escapeOf = (c: number): string =>
  c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : c > 0xffff ? `\\u{${c.toString(16)}}` : `\\u${c.toString(16).padStart(4, '0')}`;

describe('terminalSafe and safeJson', () => {
  test('every listed character is a visible escape', () => {
    for (const c of LISTED) expect(terminalSafe(`a${String.fromCodePoint(c)}b`)).toBe(`a${escapeOf(c)}b`);
  });

  test.each([
    ['terminalSafe', (s: string) => terminalSafe(s)],
    ['safeJson', (s: string) => safeJson(s)],
  ])('%s leaves no character of the class raw (%#)', (_name, fn) => {
    expect(ALL_INVISIBLE.length).toBeGreaterThan(4000); // the class is really there (Cf + DI + Cc …)
    const text = String.fromCodePoint(...ALL_INVISIBLE);
    const out = fn(text);
    expect(out).not.toMatch(INVISIBLE);
  });

  test('safeJson parses back to the original text', () => {
    const text = LISTED.map((c) => `x${String.fromCodePoint(c)}`).join('');
    expect(JSON.parse(safeJson({ text })) as unknown).toEqual({ text });
  });
});

describe('terminalSafeCut: cut before escaping', () => {
  test('an escape at the cut is left out whole, never cut in half', () => {
    // 'abc' + RLO: the escaped text is `abc\u202e…`; width 6 leaves room for `abc`, `…` and 2 more.
    expect(terminalSafeCut(`abc\u202edef`, 6)).toBe('abc…');
    expect(terminalSafeCut(`abc\u202edef`, 10)).toBe('abc\\u202e…');
    expect(terminalSafeCut(`ab\u{1f600}cd`, 3)).toBe('ab…'); // a surrogate pair is not split
  });

  test('property: the result is a prefix of the escaped text, ends at an escape boundary, and fits the width', () => {
    const piece = fc.oneof(
      fc.string({ maxLength: 5 }),
      fc.constantFrom('\u001b[31m', '\u202e', '\u{e0041}', '\u00ad', '\u{fe0f}', '\u3164', '\u{1f600}', '\\u202e'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.integer({ min: 1, max: 80 }), (parts, width) => {
        const text = parts.join('');
        const full = terminalSafe(text);
        const cut = terminalSafeCut(text, width);
        if (full.length <= width) return cut === full;
        if (!cut.endsWith('…') || cut.length > width) return false;
        const kept = cut.slice(0, -1);
        // The kept part is the escape of a prefix of the original text (so no escape is cut).
        const chars = [...text];
        return chars.some((_, i) => terminalSafe(chars.slice(0, i).join('')) === kept) || kept === '';
      }),
    );
  });
});

describe('through the CLI', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('sd-invisible-')));
  afterAll(() => cleanup());

  // A file name holds 255 bytes and human output cuts values at 160 characters: the single characters
  // of the list and both ends of its two ranges (the unit tests above take every one).
  const some = [...LISTED.slice(0, 8), 0xfe00, 0xfe0f, 0xe0100, 0xe01ef];
  const hidden = String.fromCodePoint(...some);
  const line = (cert: string): string =>
    `2018/09/27 10:38:51 [error] 1043#0: OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ocsp.example.org, peer: 2.21.67.65:80, certificate: "${cert}"`;

  test('human output: a certificate path and a file name with every listed character show them escaped', async () => {
    const log = path.join(dir, `error${String.fromCodePoint(0x3164)}${String.fromCodePoint(0xfe0f)}.log`);
    fs.writeFileSync(log, `${line(`/etc/ssl/x${hidden}y/fullchain.pem`)}\n`);
    const r = await runCliAsync(['--no-live', '--fail-on', 'never', log]);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\n/g, '')).not.toMatch(INVISIBLE);
    expect(r.stdout).toContain(`certificate: /etc/ssl/x${some.map(escapeOf).join('')}y/fullchain.pem`);
    expect(r.stdout).toContain('error\\u3164\\ufe0f.log:1');
  });

  test('human output: an evidence line cut at the width never ends in half an escape', async () => {
    // The responder starts at column 137: an RLO after 10–19 x puts its 6-character escape across the cut at 159.
    const lines = Array.from({ length: 10 }, (_, i) =>
      line('/etc/ssl/cut/fullchain.pem').replace('ocsp.example.org', `ocsp${'x'.repeat(10 + i)}\u202e.example`),
    );
    const log = path.join(dir, 'evidence-cut.log');
    fs.writeFileSync(log, `${lines.join('\n')}\n`);
    const r = await runCliAsync(['--no-live', '--fail-on', 'never', log]);
    expect(r.code).toBe(0);
    const evidence = r.stdout.split('\n').filter((l) => l.includes('evidence-cut.log:'));
    expect(evidence).toHaveLength(10);
    for (const l of evidence) {
      expect(l).toMatch(/…$/);
      // What precedes the ellipsis is x, a whole escape, or text after it: never `\`, `\u`, `\u2`, `\u20`, `\u202`.
      expect(l).not.toMatch(/\\(?:u[0-9a-f]{0,3})?…$/);
    }
  });

  test('stderr: a missing file whose name holds every listed character is named with escapes', async () => {
    const missing = path.join(dir, `missing-${hidden}.log`);
    const r = await runCliAsync([missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`stapling-doctor: ${dir}/missing-${some.map(escapeOf).join('')}.log: no such file or directory\n`);
  });
});
