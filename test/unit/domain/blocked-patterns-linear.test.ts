/**
 * Blocked patterns that make a backtracking engine take seconds to minutes on 4,000 characters
 * (issue 14: 9 to 30 s per match with JavaScript's RegExp), checked through the policy on their
 * worst-case texts. There is no clock in here: with a backtracking engine this file would not
 * finish within the test timeout; with RE2 each check is one pass over the text.
 */
import { describe, expect, it } from 'vitest';
import {
  compileBlockedPattern,
  compilePolicy,
  validateCommand,
} from '../../../src/domain/policies/index.js';
import { aMessage, codesOf } from './policy-fixtures.js';

const TEXT_CHARS = 4000;

/** A pattern, its worst case (the longest near miss), and a text it does match. */
const WORST_CASES = [
  ['\\s+\\s+$', `${' '.repeat(TEXT_CHARS - 1)}x`, 'ends in  \t '],
  ['.*.*=.*', 'a'.repeat(TEXT_CHARS), 'key=value'],
  ['\\d+\\d+x', '1'.repeat(TEXT_CHARS), 'order 12x'],
  ['x+x+y', 'x'.repeat(TEXT_CHARS), 'xxy'],
  ['a*a*a*b', 'a'.repeat(TEXT_CHARS), 'aab'],
] as const;

describe('blocked patterns run in linear time (RE2)', () => {
  it.each(WORST_CASES)(
    '%s: its worst-case text is checked, a matching text blocked',
    (source, worst, matching) => {
      expect(Array.from(worst)).toHaveLength(TEXT_CHARS);
      const policy = compilePolicy({ blockedPatterns: [source] });
      expect(validateCommand(aMessage({ text: worst }), policy)).toEqual([]);
      expect(codesOf(validateCommand(aMessage({ text: matching }), policy))).toEqual([
        'CONTENT_BLOCKED',
      ]);
    },
  );

  it('checks all five worst cases against all five patterns in one policy', () => {
    const policy = compilePolicy({ blockedPatterns: WORST_CASES.map(([source]) => source) });
    for (const [, worst] of WORST_CASES) {
      expect(validateCommand(aMessage({ text: worst }), policy)).toEqual([]);
    }
  });

  it('\\s*\\s*$ is refused at start (it matches empty text); matched directly it still completes', () => {
    expect(() => compilePolicy({ blockedPatterns: ['\\s*\\s*$'] })).toThrow(
      'blockedPatterns[0]: "\\\\s*\\\\s*$" matches empty text, so it would block everything',
    );
    // The same pattern behind a required character compiles, and its near miss completes.
    const compiled = compileBlockedPattern('!\\s*\\s*$');
    if (!('pattern' in compiled)) throw new Error(compiled.problem);
    expect(compiled.pattern.test(`!${' '.repeat(TEXT_CHARS - 2)}x`)).toBe(false);
    expect(compiled.pattern.test(`!${' '.repeat(TEXT_CHARS - 1)}`)).toBe(true);
  });
});
