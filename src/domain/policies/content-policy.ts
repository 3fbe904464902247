/**
 * Blocked content: every configured pattern is tried against the normalised form of a
 * field, and each one that matches is a separate violation. Messages name the pattern by
 * its index, never the text (which may be sensitive) nor the pattern (which would teach
 * a sender what to rephrase).
 */
import type { Violation } from '../violation.js';
import type { CompiledPolicy } from './compile-policy.js';
import { normaliseForContentPolicy } from './content-normalisation.js';

export function validateContent(
  text: string,
  pointer: string,
  description: string,
  policy: CompiledPolicy,
): Violation[] {
  const normalised = normaliseForContentPolicy(text);
  const violations: Violation[] = [];
  policy.blockedPatterns.forEach((pattern, index) => {
    if (pattern.test(normalised)) {
      violations.push({
        code: 'CONTENT_BLOCKED',
        field: pointer,
        message: `${description} matches blocked pattern #${index}`,
      });
    }
  });
  return violations;
}
