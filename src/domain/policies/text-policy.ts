/**
 * The message text: present or not, and within the Genesys limits, which count Unicode
 * code points and, separately, UTF-8 bytes. An emoji family such as 👨‍👩‍👧 is 5 code
 * points and 18 bytes, though it shows as one character.
 */
import type { Violation } from '../violation.js';
import type { CompiledPolicy } from './compile-policy.js';
import { normaliseForContentPolicy } from './content-normalisation.js';
import { codePointLength, isBlank, utf8ByteLength } from './text-measure.js';

export function validateTextType(text: unknown): Violation[] {
  if (text === undefined || typeof text === 'string') return [];
  return [{ code: 'TEXT_INVALID', field: '/text', message: 'text must be a string' }];
}

/**
 * A message needs something to show. Text made only of white space or of invisible
 * characters (a lone zero-width space) counts as no text.
 */
export function validateNotEmpty(text: unknown, attachmentCount: number): Violation[] {
  if (attachmentCount > 0) return [];
  if (typeof text === 'string' && !isBlank(normaliseForContentPolicy(text))) return [];
  if (text !== undefined && typeof text !== 'string') return []; // reported as TEXT_INVALID
  return [
    { code: 'MESSAGE_EMPTY', field: '/text', message: 'message needs text or an attachment' },
  ];
}

export function validateTextLength(text: string, policy: CompiledPolicy): Violation[] {
  const violations: Violation[] = [];
  const { maxTextChars, maxTextBytes } = policy.settings;
  const chars = codePointLength(text);
  if (chars > maxTextChars) {
    violations.push({
      code: 'TEXT_TOO_MANY_CHARS',
      field: '/text',
      message: `text has ${chars} characters; the limit is ${maxTextChars}`,
    });
  }
  const bytes = utf8ByteLength(text);
  if (bytes > maxTextBytes) {
    violations.push({
      code: 'TEXT_TOO_MANY_BYTES',
      field: '/text',
      message: `text is ${bytes} bytes in UTF-8; the limit is ${maxTextBytes}`,
    });
  }
  return violations;
}
