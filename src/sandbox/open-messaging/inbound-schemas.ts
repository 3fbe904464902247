/**
 * JSON schemas of the three inbound bodies, derived from the SDK's models (inbound-models.ts)
 * and as strict as the endpoint: required strings must not be blank, enums are closed, types
 * are never coerced, extra properties are allowed (the models are open). Ajv checks them with
 * `allErrors`, so one 400 names every bad field; inbound-issues.ts turns its errors into the
 * Genesys `details` and inbound-checks.ts adds what a schema cannot say.
 *
 * Typed with `ObjectSchema<Model>` rather than ajv's `JSONSchemaType`: the latter wants
 * `nullable: true` on every optional property, which would let `null` through where the
 * endpoint refuses it. `ObjectSchema` still fails to compile when a model property has no
 * schema or a required list names an optional property.
 */
import { Ajv } from 'ajv';
import {
  EVENT_TYPES,
  ID_TYPES,
  MEDIA_TYPES,
  REASON_CODES,
  RECEIPT_STATUSES,
  TYPING_TYPES,
  isIsoDateTime,
} from './inbound-models.js';
import type {
  ChannelMetadata,
  ContentAttachment,
  EventChannel,
  FromRecipient,
  InboundContent,
  InboundEvent,
  InboundEventItem,
  InboundMessage,
  InboundReceipt,
  MessageChannel,
  ReceiptChannel,
  ReceiptReason,
  ToRecipient,
  TypingEvent,
} from './inbound-models.js';
import type { MessagingEndpoint } from './types.js';

/** The name of the ajv format that `isIsoDateTime` implements. */
const ISO_DATE_TIME_FORMAT = 'genesys-date-time';

/** A string that is not only whitespace: `\S` is exactly what `String.prototype.trim` keeps. */
const NOT_BLANK = '\\S';

export type PropertySchema = Readonly<Record<string, unknown>>;

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

// A type alias, not an interface, so that it stays assignable to PropertySchema.
export type ObjectSchema<T> = {
  readonly type: 'object';
  readonly required?: readonly RequiredKeys<T>[];
  /** In the order Genesys lists the fields of a 400. */
  readonly properties: { readonly [K in keyof T]-?: PropertySchema };
};

const requiredString = { type: 'string', pattern: NOT_BLANK } as const;
const optionalString = { type: 'string' } as const;
const dateTime = { type: 'string', pattern: NOT_BLANK, format: ISO_DATE_TIME_FORMAT } as const;

function requiredEnum(values: readonly string[]): PropertySchema {
  return { type: 'string', pattern: NOT_BLANK, enum: values };
}

/** An optional enum has no blank check: an empty value is simply not one of the values. */
function optionalEnum(values: readonly string[]): PropertySchema {
  return { type: 'string', enum: values };
}

function arrayOf(items: PropertySchema, minItems?: number): PropertySchema {
  return minItems === undefined ? { type: 'array', items } : { type: 'array', minItems, items };
}

const recipientDetails = {
  nickname: optionalString,
  firstName: optionalString,
  lastName: optionalString,
  image: optionalString,
  email: optionalString,
} as const;

const fromRecipient: ObjectSchema<FromRecipient> = {
  type: 'object',
  required: ['id', 'idType'],
  properties: { id: requiredString, idType: requiredEnum(ID_TYPES), ...recipientDetails },
};

const toRecipient: ObjectSchema<ToRecipient> = {
  type: 'object',
  required: ['id'],
  properties: { id: requiredString, idType: optionalEnum(ID_TYPES), ...recipientDetails },
};

const channelMetadata: ObjectSchema<ChannelMetadata> = {
  type: 'object',
  properties: { subType: optionalString },
};

const messageChannel: ObjectSchema<MessageChannel> = {
  type: 'object',
  required: ['from', 'time'],
  properties: {
    from: fromRecipient,
    time: dateTime,
    messageId: optionalString,
    metadata: channelMetadata,
  },
};

const attachment: ObjectSchema<ContentAttachment> = {
  type: 'object',
  required: ['mediaType', 'url', 'mime'],
  properties: {
    mediaType: requiredEnum(MEDIA_TYPES),
    url: requiredString,
    mime: requiredString,
    id: optionalString,
    text: optionalString,
    sha256: optionalString,
    filename: optionalString,
  },
};

const content: ObjectSchema<InboundContent> = {
  type: 'object',
  required: ['attachment'],
  properties: { attachment },
};

export const inboundMessageSchema: ObjectSchema<InboundMessage> = {
  type: 'object',
  required: ['channel'],
  properties: {
    channel: messageChannel,
    text: optionalString,
    content: arrayOf(content),
    metadata: { type: 'object', additionalProperties: optionalString },
  },
};

const receiptChannel: ObjectSchema<ReceiptChannel> = {
  type: 'object',
  required: ['to', 'time'],
  properties: { to: toRecipient, time: dateTime },
};

const reason: ObjectSchema<ReceiptReason> = {
  type: 'object',
  required: ['message'],
  properties: { message: requiredString, code: optionalEnum(REASON_CODES) },
};

/** `status` lists every status of the model; the endpoint's narrower choice is a check. */
export const inboundReceiptSchema: ObjectSchema<InboundReceipt> = {
  type: 'object',
  required: ['id', 'channel', 'status'],
  properties: {
    id: requiredString,
    channel: receiptChannel,
    status: requiredEnum(RECEIPT_STATUSES),
    reasons: arrayOf(reason),
    isFinalReceipt: { type: 'boolean' },
  },
};

const eventChannel: ObjectSchema<EventChannel> = {
  type: 'object',
  required: ['from', 'time'],
  properties: { from: fromRecipient, time: dateTime },
};

const typing: ObjectSchema<TypingEvent> = {
  type: 'object',
  required: ['type'],
  properties: { type: requiredEnum(TYPING_TYPES), duration: { type: 'number', minimum: 0 } },
};

const eventItem: ObjectSchema<InboundEventItem> = {
  type: 'object',
  required: ['eventType'],
  properties: { eventType: requiredEnum(EVENT_TYPES), typing },
};

export const inboundEventSchema: ObjectSchema<InboundEvent> = {
  type: 'object',
  required: ['channel', 'events'],
  properties: { channel: eventChannel, events: arrayOf(eventItem, 1) },
};

export const INBOUND_SCHEMAS: Readonly<Record<MessagingEndpoint, PropertySchema>> = {
  message: inboundMessageSchema,
  receipt: inboundReceiptSchema,
  event: inboundEventSchema,
};

/**
 * The ajv that checks these schemas, each compiled once (fastify compiles a route's schema when
 * it gets ready): every error (`allErrors`), no coercion, no defaults, nothing removed, since
 * the body is recorded as it was sent.
 */
export function inboundAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true });
  ajv.addFormat(ISO_DATE_TIME_FORMAT, { type: 'string', validate: isIsoDateTime });
  return ajv;
}
