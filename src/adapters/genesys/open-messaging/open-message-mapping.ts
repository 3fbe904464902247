import type { RateLimitHint } from '../../../application/ports/index.js';
import type {
  Attachment,
  Guest,
  ReceiptReason,
  TransmissionContent,
} from '../../../domain/index.js';
import { correlationIdOf, rateLimitHintOf } from './response-headers.js';
import type {
  ConversationReason,
  OpenEvent,
  OpenInboundMessageContent,
  OpenInboundNormalizedEvent,
  OpenInboundNormalizedMessage,
  OpenInboundNormalizedReceipt,
  OpenMessagingFromRecipient,
  OpenMessagingToRecipient,
} from './sdk-models.js';

/**
 * TransmissionContent → the Open Messaging inbound request bodies (contract §3.2), and the
 * SDK's extended success response → what the ledger records. Pure. Optional fields that are
 * absent are left out, never sent as `undefined` or `null`.
 */

export type OpenMessagingCall =
  | { readonly endpoint: 'message'; readonly body: OpenInboundNormalizedMessage }
  | { readonly endpoint: 'receipt'; readonly body: OpenInboundNormalizedReceipt }
  | { readonly endpoint: 'event'; readonly body: OpenInboundNormalizedEvent };

export interface CallContext {
  /** Becomes `channel.messageId`: stable across retries so Genesys can tell a resend. */
  readonly commandId: string;
  /** ISO-8601 UTC instant of this attempt. */
  readonly timeIso: string;
}

export type OpenMediaType = 'Image' | 'Video' | 'Audio' | 'File';

export function toOpenMessagingCall(
  content: TransmissionContent,
  context: CallContext,
): OpenMessagingCall {
  switch (content.kind) {
    case 'message':
      return { endpoint: 'message', body: toInboundMessage(content, context) };
    case 'receipt':
      return { endpoint: 'receipt', body: toInboundReceipt(content, context) };
    case 'typing':
      return { endpoint: 'event', body: toTypingEvent(content.guest, context) };
    default: {
      const unexpected: never = content;
      throw new Error(`unknown content kind ${JSON.stringify(unexpected)}`);
    }
  }
}

type MessageContent = Extract<TransmissionContent, { kind: 'message' }>;
type ReceiptContent = Extract<TransmissionContent, { kind: 'receipt' }>;

export function toInboundMessage(
  content: MessageContent,
  context: CallContext,
): OpenInboundNormalizedMessage {
  const body: OpenInboundNormalizedMessage = {
    channel: {
      from: fromRecipient(content.guest),
      time: context.timeIso,
      messageId: context.commandId,
    },
  };
  if (content.text !== undefined) body.text = content.text;
  if (content.attachments.length > 0) body.content = content.attachments.map(toAttachmentContent);
  if (Object.keys(content.metadata).length > 0) body.metadata = { ...content.metadata };
  return body;
}

export function toInboundReceipt(
  content: ReceiptContent,
  context: CallContext,
): OpenInboundNormalizedReceipt {
  const body: OpenInboundNormalizedReceipt = {
    id: content.messageId,
    channel: { to: toRecipient(content.guest), time: context.timeIso },
    status: content.status,
    isFinalReceipt: true,
  };
  if (content.reasons.length > 0) body.reasons = content.reasons.map(toConversationReason);
  return body;
}

/**
 * The v262 JS type `OpenEvent` has only `eventType`, but Genesys' model (ConversationEventTyping,
 * other SDKs and the outbound examples) carries `typing: {type: 'On'}`. The wider object is
 * assigned through a named variable, which TypeScript accepts without a cast because only fresh
 * object literals get the excess-property check; the SDK serialises the whole object as is.
 */
interface TypingOpenEvent extends OpenEvent {
  readonly eventType: 'Typing';
  readonly typing: { readonly type: 'On' };
}

export function toTypingEvent(guest: Guest, context: CallContext): OpenInboundNormalizedEvent {
  const typing: TypingOpenEvent = { eventType: 'Typing', typing: { type: 'On' } };
  return { channel: { from: fromRecipient(guest), time: context.timeIso }, events: [typing] };
}

export function fromRecipient(guest: Guest): OpenMessagingFromRecipient {
  const from: OpenMessagingFromRecipient = { id: guest.id, idType: guest.idType };
  if (guest.nickname !== undefined) from.nickname = guest.nickname;
  if (guest.firstName !== undefined) from.firstName = guest.firstName;
  if (guest.lastName !== undefined) from.lastName = guest.lastName;
  return from;
}

function toRecipient(guest: Guest): OpenMessagingToRecipient {
  return { id: guest.id, idType: guest.idType };
}

function toAttachmentContent(attachment: Attachment): OpenInboundMessageContent {
  return {
    attachment: {
      mediaType: mediaTypeForMime(attachment.mime),
      url: attachment.url,
      mime: attachment.mime,
      filename: attachment.filename,
      ...(attachment.sha256 === undefined ? {} : { sha256: attachment.sha256 }),
      ...(attachment.caption === undefined ? {} : { text: attachment.caption }),
    },
  };
}

function toConversationReason(reason: ReceiptReason): ConversationReason {
  return reason.code === undefined
    ? { message: reason.message }
    : { code: reason.code, message: reason.message };
}

/** Genesys' attachment `mediaType` from the IANA type; anything not image/video/audio is a File. */
export function mediaTypeForMime(mime: string): OpenMediaType {
  const topLevel = (mime.split('/')[0] ?? '').trim().toLowerCase();
  switch (topLevel) {
    case 'image':
      return 'Image';
    case 'video':
      return 'Video';
    case 'audio':
      return 'Audio';
    default:
      return 'File';
  }
}

export interface Delivery {
  readonly genesysMessageId: string;
  readonly genesysConversationId: string | null;
  readonly correlationId: string | null;
  readonly rateLimit?: RateLimitHint;
}

/**
 * Reads the SDK's extended success `{status, headers, body}`. The body `id` is Genesys' message
 * id; an answer without one (the success body is not documented for events) yields '' rather
 * than a failure, because Genesys did accept the request and a retry would send it twice.
 */
export function deliveryOf(response: unknown): Delivery {
  const record = isRecord(response) ? response : {};
  const body = isRecord(record['body']) ? record['body'] : {};
  const delivery: Delivery = {
    genesysMessageId: nonEmptyString(body['id']) ?? '',
    genesysConversationId: nonEmptyString(body['conversationId']),
    correlationId: correlationIdOf(record['headers']),
  };
  const rateLimit = rateLimitHintOf(record['headers']);
  return rateLimit === undefined ? delivery : { ...delivery, rateLimit };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
