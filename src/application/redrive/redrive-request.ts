import { RedriveInputInvalidError } from './redrive-errors.js';

/** What a caller asks of a redrive, untrusted: the CLI's options or an HTTP body. */
export interface RedriveInput {
  readonly commandId: string;
  readonly reason: string;
  readonly operator: string;
  /** Names the redrive so that repeating it re-opens nothing; default: the dead letter's. */
  readonly redriveId?: string | undefined;
}

export interface RedriveRequest {
  readonly commandId: string;
  readonly reason: string;
  readonly operator: string;
  readonly redriveId: string | null;
}

export const MAX_REDRIVE_REASON_CHARS = 500;
const MAX_NAME_CHARS = 200;
// Control characters would let a reason forge lines in a log or a table.
const CONTROL = /\p{Cc}/u;

function checkedText(field: string, value: unknown, maxChars: number): string {
  if (typeof value !== 'string') throw new RedriveInputInvalidError(field, 'must be a string');
  const text = value.trim();
  if (text.length === 0) throw new RedriveInputInvalidError(field, 'must not be empty');
  if (text.length > maxChars) {
    throw new RedriveInputInvalidError(field, `must be at most ${String(maxChars)} characters`);
  }
  if (CONTROL.test(text)) {
    throw new RedriveInputInvalidError(field, 'must not contain control characters');
  }
  return text;
}

/** Checks a redrive request field by field (REDRIVE_INPUT_INVALID naming the first bad one). */
export function parseRedriveInput(input: RedriveInput): RedriveRequest {
  return {
    commandId: checkedText('commandId', input.commandId, MAX_NAME_CHARS),
    reason: checkedText('reason', input.reason, MAX_REDRIVE_REASON_CHARS),
    operator: checkedText('operator', input.operator, MAX_NAME_CHARS),
    redriveId:
      input.redriveId === undefined
        ? null
        : checkedText('redriveId', input.redriveId, MAX_NAME_CHARS),
  };
}
