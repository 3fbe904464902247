/**
 * A receipt for an agent's message: which message, Delivered or Failed, and for a failure
 * the reasons. Genesys accepts reasons only on Failed receipts.
 */
import type { ReceiptReasonCode, ReceiptStatus } from '../commands.js';
import type { Violation } from '../violation.js';
import { identifierProblem } from './identifier-policy.js';
import { jsonPointer } from './json-pointer.js';
import { FIXED_LIMITS } from './policy-settings.js';
import { field, isRecord } from './runtime-types.js';
import { codePointLength, isBlank } from './text-measure.js';

// Records keyed by the union types, so the compiler flags a value added to commands.ts
// and forgotten here.
const STATUSES: Readonly<Record<ReceiptStatus, true>> = { Delivered: true, Failed: true };
const REASON_CODES: Readonly<Record<ReceiptReasonCode, true>> = {
  MessageExpired: true,
  RateLimited: true,
  MessageNotAllowed: true,
  GeneralError: true,
  UnsupportedMessage: true,
  UnknownMessage: true,
  InvalidMessageStructure: true,
  InvalidDestination: true,
  ServerError: true,
  MediaTypeNotAllowed: true,
  InvalidMediaContentLength: true,
  RecipientOptedOut: true,
};

function isKeyOf(table: object, value: unknown): boolean {
  return typeof value === 'string' && Object.hasOwn(table, value);
}

export function validateReceipt(command: unknown): Violation[] {
  const status = field(command, 'status');
  return [
    ...validateMessageId(field(command, 'messageId')),
    ...validateStatus(status),
    ...validateReasons(field(command, 'reasons'), status),
  ];
}

function validateMessageId(messageId: unknown): Violation[] {
  const problem = identifierProblem(messageId, FIXED_LIMITS.identifierChars);
  if (problem === undefined) return [];
  return [
    { code: 'RECEIPT_MESSAGE_ID_INVALID', field: '/messageId', message: `messageId ${problem}` },
  ];
}

function validateStatus(status: unknown): Violation[] {
  if (isKeyOf(STATUSES, status)) return [];
  return [
    {
      code: 'RECEIPT_STATUS_INVALID',
      field: '/status',
      message: 'status must be Delivered or Failed',
    },
  ];
}

function validateReasons(reasons: unknown, status: unknown): Violation[] {
  if (!Array.isArray(reasons)) {
    return [
      { code: 'RECEIPT_REASONS_INVALID', field: '/reasons', message: 'reasons must be a list' },
    ];
  }
  const violations: Violation[] = [];
  if (status === 'Delivered' && reasons.length > 0) {
    violations.push({
      code: 'RECEIPT_REASONS_INVALID',
      field: '/reasons',
      message: 'a Delivered receipt takes no reasons',
    });
  }
  reasons.forEach((reason: unknown, index) => {
    violations.push(...validateReason(reason, index));
  });
  return violations;
}

function validateReason(reason: unknown, index: number): Violation[] {
  if (!isRecord(reason)) {
    return [
      {
        code: 'RECEIPT_REASONS_INVALID',
        field: jsonPointer('reasons', index),
        message: `reason ${index} must be an object`,
      },
    ];
  }
  const violations: Violation[] = [];
  const messageProblem = reasonMessageProblem(reason.message);
  if (messageProblem !== undefined) {
    violations.push({
      code: 'RECEIPT_REASONS_INVALID',
      field: jsonPointer('reasons', index, 'message'),
      message: `reason ${index} message ${messageProblem}`,
    });
  }
  if (reason.code !== undefined && !isKeyOf(REASON_CODES, reason.code)) {
    violations.push({
      code: 'RECEIPT_REASONS_INVALID',
      field: jsonPointer('reasons', index, 'code'),
      message: `reason ${index} code is not a Genesys receipt reason code`,
    });
  }
  return violations;
}

function reasonMessageProblem(message: unknown): string | undefined {
  if (typeof message !== 'string') return 'must be a string';
  if (isBlank(message)) return 'must not be empty';
  const length = codePointLength(message);
  const limit = FIXED_LIMITS.receiptReasonChars;
  return length > limit ? `must be at most ${limit} characters (got ${length})` : undefined;
}
