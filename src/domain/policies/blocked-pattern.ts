/**
 * Blocked patterns run on RE2, an engine whose matching time grows linearly with the text,
 * whatever the pattern: a guest's text can never make a check take longer than one pass.
 * JavaScript's own engine backtracks, and patterns as plain as `a*a*a*b` take seconds on a few
 * thousand characters while the event loop waits. RE2 buys that with its syntax: no
 * backreferences, no lookaround. A pattern it cannot compile is refused when the policy is
 * compiled, with RE2's own reason (docs/policy.md lists what is not supported).
 */
import RE2 from 're2';
import { oneLine } from './one-line.js';

/** One compiled blocked pattern: stateless (no `g` flag), so `test` has no side effect. */
export interface BlockedPattern {
  readonly source: string;
  test(text: string): boolean;
}

export type BlockedPatternCompilation =
  { readonly pattern: BlockedPattern } | { readonly problem: string };

/** Case-insensitive, on code points rather than UTF-16 units. */
const FLAGS = 'iu';

export function compileBlockedPattern(source: string): BlockedPatternCompilation {
  if (source === '') return { problem: 'must not be empty' };
  let pattern: RE2;
  try {
    pattern = new RE2(source, FLAGS);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { problem: `${quoted(source)} is not a pattern RE2 can compile (${oneLine(reason)})` };
  }
  if (pattern.test('')) {
    return { problem: `${quoted(source)} matches empty text, so it would block everything` };
  }
  return { pattern };
}

const SHOWN_PATTERN_CHARS = 80;

/** The pattern as it would be written in JSON, shortened: an error message stays one line. */
function quoted(source: string): string {
  const shown = Array.from(source);
  return shown.length <= SHOWN_PATTERN_CHARS
    ? oneLine(JSON.stringify(source))
    : `${oneLine(JSON.stringify(shown.slice(0, SHOWN_PATTERN_CHARS).join('')))}…`;
}
