import {
  isoToEpochMs,
  TRANSMISSION_EVENT_TYPES,
  type TransmissionEvent,
  type TransmissionEventType,
} from '../../domain/index.js';
import { isSealedContent } from '../privacy/sealed-content.js';

/**
 * Events are stored in the shape and schema version they were written with, and turned into
 * the current domain shape on read. Only version 1 exists; a version 2 adds an entry to the
 * type's map that converts the old data (and keeps `events.v1.ts`-style types for its tests).
 */

export const CURRENT_SCHEMA_VERSION = 1;

/** Why stored data cannot become a domain event; callers add the stream and position. */
export class UpcastError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UpcastError';
  }
}

type Upcaster = (data: unknown) => TransmissionEvent;
type FieldCheck = readonly [test: (value: unknown) => boolean, expected: string];

const isString = (v: unknown): boolean => typeof v === 'string';
const isNonEmptyString = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const isBoolean = (v: unknown): boolean => typeof v === 'boolean';
const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIso = (v: unknown): boolean => typeof v === 'string' && isoToEpochMs(v) !== null;
const orNull =
  (test: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    v === null || test(v);
const oneOf =
  (...values: readonly string[]) =>
  (v: unknown): boolean =>
    typeof v === 'string' && values.includes(v);

const NON_EMPTY: FieldCheck = [isNonEmptyString, 'a non-empty string'];
const STRING_OR_NULL: FieldCheck = [orNull(isString), 'a string or null'];
const ISO: FieldCheck = [isIso, 'an ISO-8601 UTC time'];
const COUNT: FieldCheck = [isCount, 'a non-negative integer'];
const KIND: FieldCheck = [oneOf('message', 'receipt', 'typing'), 'message, receipt or typing'];

const CONTENT_KINDS = oneOf('message', 'receipt', 'typing', 'erased');

const REQUEST_FIELDS: Readonly<Record<string, FieldCheck>> = {
  commandId: NON_EMPTY,
  kind: KIND,
  guestId: [isString, 'a string'],
  conversationRef: NON_EMPTY,
  contentSha256: [isString, 'a string'],
  content: [
    (v) => isSealedContent(v) || (isObject(v) && CONTENT_KINDS((v as { kind?: unknown }).kind)),
    'a content object (message, receipt, typing or erased) or a sealed envelope',
  ],
};

/** The v1 fields of each event: the ones the domain reads, checked before it reads them. */
const V1_FIELDS: Readonly<Record<TransmissionEventType, Readonly<Record<string, FieldCheck>>>> = {
  TransmissionRequested: { ...REQUEST_FIELDS, requestedAt: ISO },
  TransmissionRejected: {
    ...REQUEST_FIELDS,
    violations: [Array.isArray, 'an array'],
    rejectedAt: ISO,
  },
  TransmissionAttemptStarted: {
    attempt: [(v) => isCount(v) && v !== 0, 'an integer >= 1'],
    startedAt: ISO,
  },
  TransmissionAttemptFailed: {
    attempt: COUNT,
    failureKind: [
      oneOf('rateLimited', 'transient', 'authExpired', 'permanent'),
      'rateLimited, transient, authExpired or permanent',
    ],
    retryable: [isBoolean, 'a boolean'],
    status: [orNull(isNumber), 'a number or null'],
    code: STRING_OR_NULL,
    message: STRING_OR_NULL,
    correlationId: STRING_OR_NULL,
    retryAfterMs: [orNull(isNumber), 'a number or null'],
    retryAt: [orNull(isIso), 'an ISO-8601 UTC time or null'],
    failedAt: ISO,
  },
  TransmissionDelivered: {
    genesysMessageId: [isString, 'a string'],
    genesysConversationId: STRING_OR_NULL,
    correlationId: STRING_OR_NULL,
    attempts: COUNT,
    latencyMs: [isNumber, 'a number'],
    deliveredAt: ISO,
  },
  TransmissionDeadLettered: {
    reason: [
      oneOf('permanentFailure', 'attemptsExhausted', 'deadlineExceeded', 'contentErased'),
      'permanentFailure, attemptsExhausted, deadlineExceeded or contentErased',
    ],
    detail: [isString, 'a string'],
    attempts: COUNT,
    deadLetteredAt: ISO,
  },
  TransmissionRedriven: {
    redriveId: NON_EMPTY,
    reason: NON_EMPTY,
    operator: NON_EMPTY,
    previousReason: [
      oneOf('permanentFailure', 'attemptsExhausted', 'deadlineExceeded'),
      'permanentFailure, attemptsExhausted or deadlineExceeded',
    ],
    attemptsBefore: COUNT,
    redrivenAt: ISO,
  },
};

// Listed once, not per row: every event read runs these checks.
const V1_FIELD_LISTS: ReadonlyMap<string, readonly (readonly [string, FieldCheck])[]> = new Map(
  TRANSMISSION_EVENT_TYPES.map((type) => [type, Object.entries(V1_FIELDS[type])]),
);

function checkFields(type: TransmissionEventType, data: unknown): void {
  if (!isObject(data)) throw new UpcastError(`${type} data is not an object`);
  const record = data as Readonly<Record<string, unknown>>;
  for (const [name, [test, expected]] of V1_FIELD_LISTS.get(type) ??
    Object.entries(V1_FIELDS[type])) {
    if (!test(record[name])) throw new UpcastError(`${type}.data.${name} must be ${expected}`);
  }
}

function v1(type: TransmissionEventType): Upcaster {
  return (data) => {
    checkFields(type, data);
    // Sealed content is not opened here (no keys): state-only readers see it as `unopened`;
    // readers that need it open the recorded event first (`openRecordedEvent`).
    const record = data as Readonly<Record<string, unknown>>;
    const shaped = isSealedContent(record['content'])
      ? { ...record, content: { kind: 'unopened' } }
      : data;
    // Checked field by field above; the cast names the shape those checks establish.
    return { type, schemaVersion: 1, data: shaped } as TransmissionEvent;
  };
}

const UPCASTERS: ReadonlyMap<string, ReadonlyMap<number, Upcaster>> = new Map(
  TRANSMISSION_EVENT_TYPES.map((type) => [type, new Map([[1, v1(type)]])]),
);

/** Turns a stored transmission event of any known version into the current domain event. */
export function upcast(type: string, schemaVersion: number, data: unknown): TransmissionEvent {
  const versions = UPCASTERS.get(type);
  if (versions === undefined) throw new UpcastError(`unknown transmission event type ${type}`);
  const upcaster = versions.get(schemaVersion);
  if (upcaster === undefined) {
    throw new UpcastError(`${type} has no schema version ${String(schemaVersion)}`);
  }
  return upcaster(data);
}
