/**
 * Attachments: how many, and for each one its URL, media type, file name, size, checksum
 * and caption. Captions and file names are shown to the agent, so the content policy
 * applies to them as it does to the text.
 */
import type { Violation } from '../violation.js';
import type { CompiledPolicy } from './compile-policy.js';
import { validateContent } from './content-policy.js';
import { jsonPointer } from './json-pointer.js';
import { mediaTypeMatches, parseMediaType } from './media-type.js';
import { FIXED_LIMITS } from './policy-settings.js';
import { isRecord, type UnknownRecord } from './runtime-types.js';
import { codePointLength, containsControlCharacter, isBlank } from './text-measure.js';
import { validateAttachmentUrl } from './url-policy.js';

const SHA256_HEX = /^[0-9a-fA-F]{64}$/u;
// Bidirectional overrides and isolates make `evil‮fdp.exe` display as `evilexe.pdf`.
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;

export function validateAttachments(attachments: unknown, policy: CompiledPolicy): Violation[] {
  if (!Array.isArray(attachments)) {
    return [
      { code: 'ATTACHMENTS_INVALID', field: '/attachments', message: 'attachments must be a list' },
    ];
  }
  const violations: Violation[] = [];
  const { maxAttachments } = policy.settings;
  if (attachments.length > maxAttachments) {
    violations.push({
      code: 'ATTACHMENTS_TOO_MANY',
      field: '/attachments',
      message: `message has ${attachments.length} attachments; the limit is ${maxAttachments}`,
    });
  }
  attachments.forEach((attachment: unknown, index) => {
    violations.push(...validateAttachment(attachment, index, policy));
  });
  return violations;
}

function validateAttachment(
  attachment: unknown,
  index: number,
  policy: CompiledPolicy,
): Violation[] {
  const at = (name: string): string => jsonPointer('attachments', index, name);
  if (!isRecord(attachment)) {
    return [
      {
        code: 'ATTACHMENTS_INVALID',
        field: jsonPointer('attachments', index),
        message: `attachment ${index} must be an object`,
      },
    ];
  }
  return [
    ...validateAttachmentUrl(attachment.url, at('url'), policy),
    ...validateMediaType(attachment.mime, at('mime'), policy),
    ...validateFilename(attachment.filename, at('filename'), index, policy),
    ...validateSize(attachment.sizeBytes, at('sizeBytes'), policy),
    ...validateSha256(attachment.sha256, at('sha256')),
    ...validateCaption(attachment, at('caption'), index, policy),
  ];
}

function validateMediaType(mime: unknown, pointer: string, policy: CompiledPolicy): Violation[] {
  const parsed = typeof mime === 'string' ? parseMediaType(mime) : undefined;
  if (typeof mime !== 'string' || parsed === undefined) {
    return [
      {
        code: 'ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED',
        field: pointer,
        message: 'mime is not a well-formed media type',
      },
    ];
  }
  if (policy.settings.supportedMediaTypes.some((pattern) => mediaTypeMatches(mime, pattern))) {
    return [];
  }
  return [
    {
      code: 'ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED',
      field: pointer,
      message: `media type ${parsed.type}/${parsed.subtype} is not supported`,
    },
  ];
}

function validateFilename(
  filename: unknown,
  pointer: string,
  index: number,
  policy: CompiledPolicy,
): Violation[] {
  const problem = filenameProblem(filename);
  if (problem !== undefined) {
    return [
      { code: 'ATTACHMENT_FILENAME_INVALID', field: pointer, message: `filename ${problem}` },
    ];
  }
  return typeof filename === 'string'
    ? validateContent(filename, pointer, `attachment ${index} filename`, policy)
    : [];
}

function filenameProblem(filename: unknown): string | undefined {
  if (typeof filename !== 'string') return 'must be a string';
  if (isBlank(filename)) return 'must not be empty';
  const length = codePointLength(filename);
  if (length > FIXED_LIMITS.filenameChars) {
    return `must be at most ${FIXED_LIMITS.filenameChars} characters (got ${length})`;
  }
  if (filename.includes('/') || filename.includes('\\')) return 'must not contain path separators';
  if (filename === '.' || filename === '..') return 'must name a file';
  if (containsControlCharacter(filename)) return 'must not contain control characters';
  if (BIDI_CONTROL.test(filename)) return 'must not contain bidirectional control characters';
  return undefined;
}

function validateSize(sizeBytes: unknown, pointer: string, policy: CompiledPolicy): Violation[] {
  if (typeof sizeBytes !== 'number' || !Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    return [
      {
        code: 'ATTACHMENT_SIZE_INVALID',
        field: pointer,
        message: 'sizeBytes must be a whole number of bytes greater than 0',
      },
    ];
  }
  const { maxAttachmentBytes } = policy.settings;
  if (sizeBytes <= maxAttachmentBytes) return [];
  return [
    {
      code: 'ATTACHMENT_TOO_LARGE',
      field: pointer,
      message: `attachment is ${sizeBytes} bytes; the limit is ${maxAttachmentBytes}`,
    },
  ];
}

function validateSha256(sha256: unknown, pointer: string): Violation[] {
  if (sha256 === undefined) return [];
  if (typeof sha256 === 'string' && SHA256_HEX.test(sha256)) return [];
  return [
    {
      code: 'ATTACHMENT_SHA256_INVALID',
      field: pointer,
      message: 'sha256 must be 64 hexadecimal characters',
    },
  ];
}

function validateCaption(
  attachment: UnknownRecord,
  pointer: string,
  index: number,
  policy: CompiledPolicy,
): Violation[] {
  const caption = attachment.caption;
  if (caption === undefined) return [];
  if (typeof caption !== 'string') {
    return [
      { code: 'ATTACHMENT_CAPTION_INVALID', field: pointer, message: 'caption must be a string' },
    ];
  }
  const violations: Violation[] = [];
  const { maxTextChars } = policy.settings;
  const length = codePointLength(caption);
  if (length > maxTextChars) {
    violations.push({
      code: 'ATTACHMENT_CAPTION_INVALID',
      field: pointer,
      message: `caption has ${length} characters; the limit is ${maxTextChars}`,
    });
  }
  violations.push(...validateContent(caption, pointer, `attachment ${index} caption`, policy));
  return violations;
}
