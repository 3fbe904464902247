/**
 * The rules of the inbound endpoints that the JSON schemas cannot express: they compare fields
 * with each other, or narrow a model's enum to what this endpoint takes. They run on the raw
 * body next to the schema, so one 400 still names every problem.
 */
import { ErrorCodes, MODEL_ONLY_RECEIPT_STATUSES } from './inbound-models.js';
import type { MessagingEndpoint } from './types.js';

export interface LocatedIssue {
  /** Property names and array indexes from the body's root; empty for the body itself. */
  readonly path: readonly (string | number)[];
  readonly errorCode: string;
  /** A rule about the body as a whole: listed after every field issue, as Genesys does. */
  readonly last?: boolean;
}

type JsonObject = Readonly<Record<string, unknown>>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A message needs a text or at least one content item; a text of the wrong type is named by the schema. */
function messageChecks(body: JsonObject): LocatedIssue[] {
  const textAbsent = body['text'] === undefined || body['text'] === '';
  const content = body['content'];
  const contentCount = Array.isArray(content) ? content.length : 0;
  return textAbsent && contentCount === 0
    ? [{ path: ['text'], errorCode: ErrorCodes.textOrContentRequired, last: true }]
    : [];
}

function receiptChecks(body: JsonObject): LocatedIssue[] {
  const issues: LocatedIssue[] = [];
  const status = body['status'];
  // A missing, mistyped or blank status is the schema's to name; these rules need a real one.
  const namedStatus = typeof status === 'string' && status.trim() !== '' ? status : undefined;
  if (
    namedStatus !== undefined &&
    (MODEL_ONLY_RECEIPT_STATUSES as readonly string[]).includes(namedStatus)
  ) {
    issues.push({ path: ['status'], errorCode: ErrorCodes.unsupportedReceiptStatus });
  }
  // The model documents reasons as "only with Failed"; refusing them elsewhere catches mix-ups early.
  if (namedStatus !== undefined && namedStatus !== 'Failed' && Array.isArray(body['reasons'])) {
    issues.push({ path: ['reasons'], errorCode: ErrorCodes.reasonsOnlyWithFailed });
  }
  return issues;
}

export function endpointChecks(endpoint: MessagingEndpoint, body: unknown): LocatedIssue[] {
  if (!isJsonObject(body)) return [];
  switch (endpoint) {
    case 'message':
      return messageChecks(body);
    case 'receipt':
      return receiptChecks(body);
    case 'event':
      return [];
  }
}
