import type { FieldIssue } from './genesys-errors.js';

/**
 * Validation of the three inbound Open Messaging bodies, as the real models in contract §3.2
 * declare them. Hand-written rather than ajv: the sandbox must name every bad field the way
 * Genesys does (`details[].fieldName` in dotted form) and stay cheap per request under
 * benchmark load; the product's own edge validation is a separate concern.
 */

export const ID_TYPES = ['Email', 'Phone', 'Opaque'] as const;
export const MEDIA_TYPES = ['Image', 'Video', 'Audio', 'File', 'Link'] as const;
/** Only these two are accepted by the inbound receipt endpoint (contract §3.4). */
export const ACCEPTED_RECEIPT_STATUSES = ['Delivered', 'Failed'] as const;
/** Valid in the model but refused by this endpoint, so they get their own error code. */
const MODEL_ONLY_RECEIPT_STATUSES = ['Sent', 'Published', 'Removed'] as const;
export const REASON_CODES = [
  'MessageExpired',
  'RateLimited',
  'MessageNotAllowed',
  'GeneralError',
  'UnsupportedMessage',
  'UnknownMessage',
  'InvalidMessageStructure',
  'InvalidDestination',
  'ServerError',
  'MediaTypeNotAllowed',
  'InvalidMediaContentLength',
  'RecipientOptedOut',
] as const;
export const EVENT_TYPES = ['Typing'] as const;
const TYPING_TYPES = ['On'] as const;

export const ErrorCodes = {
  required: 'field.required',
  invalidType: 'invalid.type',
  invalidValue: 'invalid.enum.value',
  invalidDateTime: 'invalid.date.time',
  empty: 'field.empty',
  unsupportedReceiptStatus: 'unsupported.receipt.status',
  reasonsOnlyWithFailed: 'reasons.only.with.failed',
  textOrContentRequired: 'text.or.content.required',
} as const;

export interface FromRecipient {
  readonly id: string;
  readonly idType: (typeof ID_TYPES)[number];
  readonly nickname?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly image?: string;
  readonly email?: string;
}

export interface ContentAttachment {
  readonly mediaType: (typeof MEDIA_TYPES)[number];
  readonly url: string;
  readonly mime: string;
  readonly id?: string;
  readonly text?: string;
  readonly sha256?: string;
  readonly filename?: string;
}

export interface InboundMessage {
  readonly channel: {
    readonly from: FromRecipient;
    readonly time: string;
    readonly messageId?: string;
    readonly metadata?: { readonly subType?: string };
  };
  readonly text?: string;
  readonly content?: readonly { readonly attachment: ContentAttachment }[];
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface InboundReceipt {
  readonly id: string;
  readonly channel: {
    readonly to: { readonly id: string; readonly idType?: string };
    readonly time: string;
  };
  readonly status: (typeof ACCEPTED_RECEIPT_STATUSES)[number];
  readonly reasons?: readonly { readonly message: string; readonly code?: string }[];
  readonly isFinalReceipt?: boolean;
}

export interface InboundEvent {
  readonly channel: { readonly from: FromRecipient; readonly time: string };
  readonly events: readonly {
    readonly eventType: (typeof EVENT_TYPES)[number];
    readonly typing?: { readonly type: string; readonly duration?: number };
  }[];
}

export type Validation<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly FieldIssue[] };

type JsonObject = Readonly<Record<string, unknown>>;

/** Collects every problem rather than stopping at the first, so one 400 names all bad fields. */
class IssueList {
  readonly issues: FieldIssue[] = [];

  add(fieldName: string, errorCode: string): void {
    this.issues.push({ errorCode, fieldName });
  }

  result<T>(body: unknown): Validation<T> {
    // Every field of T was checked above, so the cast restates what the checks proved.
    return this.issues.length === 0
      ? { ok: true, value: body as T }
      : { ok: false, issues: this.issues };
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Array.isArray narrows to any[]; this keeps the elements unknown. */
function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

// ISO-8601 date-time with a zone, as Genesys documents `channel.time` (yyyy-MM-ddTHH:mm:ss[.mmm]Z).
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export function isIsoDateTime(value: string): boolean {
  return ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

function objectField(
  parent: JsonObject,
  key: string,
  path: string,
  issues: IssueList,
  required: boolean,
): JsonObject | undefined {
  const value = parent[key];
  if (value === undefined) {
    if (required) issues.add(path, ErrorCodes.required);
    return undefined;
  }
  if (!isObject(value)) {
    issues.add(path, ErrorCodes.invalidType);
    return undefined;
  }
  return value;
}

function stringField(
  parent: JsonObject,
  key: string,
  path: string,
  issues: IssueList,
  required: boolean,
): string | undefined {
  const value = parent[key];
  if (value === undefined) {
    if (required) issues.add(path, ErrorCodes.required);
    return undefined;
  }
  if (typeof value !== 'string') {
    issues.add(path, ErrorCodes.invalidType);
    return undefined;
  }
  if (required && value.trim() === '') {
    issues.add(path, ErrorCodes.empty);
    return undefined;
  }
  return value;
}

function enumField(
  parent: JsonObject,
  key: string,
  path: string,
  allowed: readonly string[],
  issues: IssueList,
  required: boolean,
): void {
  const value = stringField(parent, key, path, issues, required);
  if (value !== undefined && !allowed.includes(value)) issues.add(path, ErrorCodes.invalidValue);
}

function timeField(parent: JsonObject, path: string, issues: IssueList): void {
  const time = stringField(parent, 'time', fieldPath(path, 'time'), issues, true);
  if (time !== undefined && !isIsoDateTime(time)) {
    issues.add(fieldPath(path, 'time'), ErrorCodes.invalidDateTime);
  }
}

function arrayField(
  parent: JsonObject,
  key: string,
  path: string,
  issues: IssueList,
  required: boolean,
): readonly unknown[] | undefined {
  const value = parent[key];
  if (value === undefined) {
    if (required) issues.add(path, ErrorCodes.required);
    return undefined;
  }
  if (!isArray(value)) {
    issues.add(path, ErrorCodes.invalidType);
    return undefined;
  }
  return value;
}

const OPTIONAL_RECIPIENT_STRINGS = ['nickname', 'firstName', 'lastName', 'image', 'email'] as const;

function checkOptionalStrings(
  parent: JsonObject,
  keys: readonly string[],
  path: string,
  issues: IssueList,
): void {
  for (const key of keys) stringField(parent, key, fieldPath(path, key), issues, false);
}

function checkFromRecipient(channel: JsonObject, path: string, issues: IssueList): void {
  const fromPath = fieldPath(path, 'from');
  const from = objectField(channel, 'from', fromPath, issues, true);
  if (from === undefined) return;
  stringField(from, 'id', fieldPath(fromPath, 'id'), issues, true);
  enumField(from, 'idType', fieldPath(fromPath, 'idType'), ID_TYPES, issues, true);
  checkOptionalStrings(from, OPTIONAL_RECIPIENT_STRINGS, fromPath, issues);
}

function checkToRecipient(channel: JsonObject, path: string, issues: IssueList): void {
  const toPath = fieldPath(path, 'to');
  const to = objectField(channel, 'to', toPath, issues, true);
  if (to === undefined) return;
  stringField(to, 'id', fieldPath(toPath, 'id'), issues, true);
  enumField(to, 'idType', fieldPath(toPath, 'idType'), ID_TYPES, issues, false);
  checkOptionalStrings(to, OPTIONAL_RECIPIENT_STRINGS, toPath, issues);
}

function checkStringMap(parent: JsonObject, key: string, issues: IssueList): void {
  const map = objectField(parent, key, key, issues, false);
  if (map === undefined) return;
  for (const [entryKey, entryValue] of Object.entries(map)) {
    if (typeof entryValue !== 'string') issues.add(`${key}.${entryKey}`, ErrorCodes.invalidType);
  }
}

function checkMessageChannel(body: JsonObject, issues: IssueList): void {
  const channel = objectField(body, 'channel', 'channel', issues, true);
  if (channel === undefined) return;
  checkFromRecipient(channel, 'channel', issues);
  timeField(channel, 'channel', issues);
  stringField(channel, 'messageId', 'channel.messageId', issues, false);
  const metadata = objectField(channel, 'metadata', 'channel.metadata', issues, false);
  if (metadata !== undefined)
    stringField(metadata, 'subType', 'channel.metadata.subType', issues, false);
}

function checkAttachment(item: JsonObject, path: string, issues: IssueList): void {
  const attachmentPath = fieldPath(path, 'attachment');
  const attachment = objectField(item, 'attachment', attachmentPath, issues, true);
  if (attachment === undefined) return;
  enumField(
    attachment,
    'mediaType',
    fieldPath(attachmentPath, 'mediaType'),
    MEDIA_TYPES,
    issues,
    true,
  );
  stringField(attachment, 'url', fieldPath(attachmentPath, 'url'), issues, true);
  stringField(attachment, 'mime', fieldPath(attachmentPath, 'mime'), issues, true);
  checkOptionalStrings(attachment, ['id', 'text', 'sha256', 'filename'], attachmentPath, issues);
}

/** Returns how many content items there are, so the caller can tell "text or content" apart. */
function checkContent(body: JsonObject, issues: IssueList): number {
  const content = arrayField(body, 'content', 'content', issues, false);
  if (content === undefined) return 0;
  content.forEach((item, index) => {
    const itemPath = `content[${index}]`;
    if (isObject(item)) checkAttachment(item, itemPath, issues);
    else issues.add(itemPath, ErrorCodes.invalidType);
  });
  return content.length;
}

export function validateInboundMessage(body: unknown): Validation<InboundMessage> {
  const issues = new IssueList();
  if (!isObject(body)) {
    issues.add('body', ErrorCodes.invalidType);
    return issues.result(body);
  }
  checkMessageChannel(body, issues);
  stringField(body, 'text', 'text', issues, false);
  const contentCount = checkContent(body, issues);
  checkStringMap(body, 'metadata', issues);
  // A text of the wrong type is already named above; only flag what is truly absent.
  const textAbsent = body['text'] === undefined || body['text'] === '';
  if (textAbsent && contentCount === 0) issues.add('text', ErrorCodes.textOrContentRequired);
  return issues.result(body);
}

function checkReceiptStatus(body: JsonObject, issues: IssueList): string | undefined {
  const status = stringField(body, 'status', 'status', issues, true);
  if (status === undefined) return undefined;
  if ((MODEL_ONLY_RECEIPT_STATUSES as readonly string[]).includes(status)) {
    issues.add('status', ErrorCodes.unsupportedReceiptStatus);
  } else if (!(ACCEPTED_RECEIPT_STATUSES as readonly string[]).includes(status)) {
    issues.add('status', ErrorCodes.invalidValue);
  }
  return status;
}

function checkReasons(body: JsonObject, status: string | undefined, issues: IssueList): void {
  const reasons = arrayField(body, 'reasons', 'reasons', issues, false);
  if (reasons === undefined) return;
  // The model documents reasons as "only with Failed"; refusing them elsewhere catches mix-ups early.
  if (status !== undefined && status !== 'Failed')
    issues.add('reasons', ErrorCodes.reasonsOnlyWithFailed);
  reasons.forEach((reason, index) => {
    const reasonPath = `reasons[${index}]`;
    if (!isObject(reason)) {
      issues.add(reasonPath, ErrorCodes.invalidType);
      return;
    }
    stringField(reason, 'message', fieldPath(reasonPath, 'message'), issues, true);
    enumField(reason, 'code', fieldPath(reasonPath, 'code'), REASON_CODES, issues, false);
  });
}

export function validateInboundReceipt(body: unknown): Validation<InboundReceipt> {
  const issues = new IssueList();
  if (!isObject(body)) {
    issues.add('body', ErrorCodes.invalidType);
    return issues.result(body);
  }
  stringField(body, 'id', 'id', issues, true);
  const channel = objectField(body, 'channel', 'channel', issues, true);
  if (channel !== undefined) {
    checkToRecipient(channel, 'channel', issues);
    timeField(channel, 'channel', issues);
  }
  const status = checkReceiptStatus(body, issues);
  checkReasons(body, status, issues);
  if (body['isFinalReceipt'] !== undefined && typeof body['isFinalReceipt'] !== 'boolean') {
    issues.add('isFinalReceipt', ErrorCodes.invalidType);
  }
  return issues.result(body);
}

function checkTyping(event: JsonObject, eventPath: string, issues: IssueList): void {
  const typingPath = fieldPath(eventPath, 'typing');
  const typing = objectField(event, 'typing', typingPath, issues, false);
  if (typing === undefined) return;
  enumField(typing, 'type', fieldPath(typingPath, 'type'), TYPING_TYPES, issues, true);
  const duration = typing['duration'];
  if (duration !== undefined && (typeof duration !== 'number' || duration < 0)) {
    issues.add(fieldPath(typingPath, 'duration'), ErrorCodes.invalidType);
  }
}

function checkEvents(body: JsonObject, issues: IssueList): void {
  const events = arrayField(body, 'events', 'events', issues, true);
  if (events === undefined) return;
  if (events.length === 0) issues.add('events', ErrorCodes.empty);
  events.forEach((event, index) => {
    const eventPath = `events[${index}]`;
    if (!isObject(event)) {
      issues.add(eventPath, ErrorCodes.invalidType);
      return;
    }
    enumField(event, 'eventType', fieldPath(eventPath, 'eventType'), EVENT_TYPES, issues, true);
    checkTyping(event, eventPath, issues);
  });
}

export function validateInboundEvent(body: unknown): Validation<InboundEvent> {
  const issues = new IssueList();
  if (!isObject(body)) {
    issues.add('body', ErrorCodes.invalidType);
    return issues.result(body);
  }
  const channel = objectField(body, 'channel', 'channel', issues, true);
  if (channel !== undefined) {
    checkFromRecipient(channel, 'channel', issues);
    timeField(channel, 'channel', issues);
  }
  checkEvents(body, issues);
  return issues.result(body);
}
