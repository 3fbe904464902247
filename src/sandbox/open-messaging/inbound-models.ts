/**
 * The three inbound Open Messaging bodies as the SDK's models declare them (contract §3.2:
 * `OpenInboundNormalizedMessage`, `OpenInboundNormalizedReceipt`, `OpenInboundNormalizedEvent`
 * and the models they use), narrowed to what the sandbox accepts. The JSON schemas that check
 * them are in inbound-schemas.ts; the checks a schema cannot express in inbound-checks.ts.
 */

export const ID_TYPES = ['Email', 'Phone', 'Opaque'] as const;
export const MEDIA_TYPES = ['Image', 'Video', 'Audio', 'File', 'Link'] as const;
/** Only these two are accepted by the inbound receipt endpoint (contract §3.4). */
export const ACCEPTED_RECEIPT_STATUSES = ['Delivered', 'Failed'] as const;
/** Valid in the model but refused by this endpoint, so they get their own error code. */
export const MODEL_ONLY_RECEIPT_STATUSES = ['Sent', 'Published', 'Removed'] as const;
export const RECEIPT_STATUSES = [...ACCEPTED_RECEIPT_STATUSES, ...MODEL_ONLY_RECEIPT_STATUSES];
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
export const TYPING_TYPES = ['On'] as const;

/** The `details[].errorCode` values of a 400, one per bad field. */
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

/** `OpenMessagingFromRecipient`. */
export interface FromRecipient {
  readonly id: string;
  readonly idType: (typeof ID_TYPES)[number];
  readonly nickname?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly image?: string;
  readonly email?: string;
}

/** `OpenMessagingToRecipient`. */
export interface ToRecipient {
  readonly id: string;
  readonly idType?: (typeof ID_TYPES)[number];
  readonly nickname?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly image?: string;
  readonly email?: string;
}

/** `OpenContentAttachment`. */
export interface ContentAttachment {
  readonly mediaType: (typeof MEDIA_TYPES)[number];
  readonly url: string;
  readonly mime: string;
  readonly id?: string;
  readonly text?: string;
  readonly sha256?: string;
  readonly filename?: string;
}

/** `OpenInboundMessageContent`: the SDK types `attachment` optional; the endpoint requires it. */
export interface InboundContent {
  readonly attachment: ContentAttachment;
}

/** `ConversationChannelMetadata`, as far as the sandbox reads it. */
export interface ChannelMetadata {
  readonly subType?: string;
}

/** `OpenInboundMessageMessagingChannel`. */
export interface MessageChannel {
  readonly from: FromRecipient;
  readonly time: string;
  readonly messageId?: string;
  readonly metadata?: ChannelMetadata;
}

/** `OpenInboundNormalizedMessage`. */
export interface InboundMessage {
  readonly channel: MessageChannel;
  readonly text?: string;
  readonly content?: readonly InboundContent[];
  readonly metadata?: Readonly<Record<string, string>>;
}

/** `OpenInboundMessagingReceiptChannel`. */
export interface ReceiptChannel {
  readonly to: ToRecipient;
  readonly time: string;
}

/** `ConversationReason`. */
export interface ReceiptReason {
  readonly message: string;
  readonly code?: (typeof REASON_CODES)[number];
}

/** `OpenInboundNormalizedReceipt`. */
export interface InboundReceipt {
  readonly id: string;
  readonly channel: ReceiptChannel;
  readonly status: (typeof ACCEPTED_RECEIPT_STATUSES)[number];
  readonly reasons?: readonly ReceiptReason[];
  readonly isFinalReceipt?: boolean;
}

/** `OpenInboundMessagingChannel`. */
export interface EventChannel {
  readonly from: FromRecipient;
  readonly time: string;
}

export interface TypingEvent {
  readonly type: (typeof TYPING_TYPES)[number];
  readonly duration?: number;
}

/** `OpenEvent`, with the typing details the endpoint reads. */
export interface InboundEventItem {
  readonly eventType: (typeof EVENT_TYPES)[number];
  readonly typing?: TypingEvent;
}

/** `OpenInboundNormalizedEvent`. */
export interface InboundEvent {
  readonly channel: EventChannel;
  readonly events: readonly InboundEventItem[];
}

// ISO-8601 date-time with a zone, as Genesys documents `channel.time` (yyyy-MM-ddTHH:mm:ss[.mmm]Z).
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export function isIsoDateTime(value: string): boolean {
  return ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}
