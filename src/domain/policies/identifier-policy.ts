/**
 * The shared rule for identifiers (guest ids, conversation refs, message ids, command ids):
 * a non-blank string of bounded length with no control characters, which could otherwise
 * corrupt logs, headers or the ledger's canonical encoding.
 */
import { codePointLength, containsControlCharacter, isBlank } from './text-measure.js';

/** Why the value is not an acceptable identifier, or undefined when it is. */
export function identifierProblem(value: unknown, maxChars: number): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (isBlank(value)) return 'must not be empty';
  const length = codePointLength(value);
  if (length > maxChars) return `must be at most ${maxChars} characters (got ${length})`;
  if (containsControlCharacter(value)) return 'must not contain control characters';
  return undefined;
}

/** Like `identifierProblem`, for optional free-text fields such as a guest's first name. */
export function boundedTextProblem(value: unknown, maxChars: number): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  const length = codePointLength(value);
  if (length > maxChars) return `must be at most ${maxChars} characters (got ${length})`;
  if (containsControlCharacter(value)) return 'must not contain control characters';
  return undefined;
}
