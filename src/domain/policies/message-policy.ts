/** The rules specific to a guest's message: text, content, attachments and metadata. */
import type { Violation } from '../violation.js';
import { validateAttachments } from './attachment-policy.js';
import type { CompiledPolicy } from './compile-policy.js';
import { validateContent } from './content-policy.js';
import { field } from './runtime-types.js';
import { validateNotEmpty, validateTextLength, validateTextType } from './text-policy.js';
import { validateMetadata } from './metadata-policy.js';

export function validateMessage(command: unknown, policy: CompiledPolicy): Violation[] {
  const text = field(command, 'text');
  const attachments = field(command, 'attachments');
  const attachmentCount = Array.isArray(attachments) ? attachments.length : 0;
  return [
    ...validateTextType(text),
    ...validateNotEmpty(text, attachmentCount),
    ...(typeof text === 'string'
      ? [...validateTextLength(text, policy), ...validateContent(text, '/text', 'text', policy)]
      : []),
    ...validateAttachments(attachments, policy),
    ...validateMetadata(field(command, 'metadata'), policy),
  ];
}
