/**
 * What a caller asks genesys-transmitter to do. Three kinds of outbound request share one
 * transmission lifecycle: a guest's message, a receipt for an agent's message, a typing event.
 */

export type GuestIdType = 'Opaque' | 'Email' | 'Phone';

export interface Guest {
  readonly id: string;
  readonly idType: GuestIdType;
  readonly nickname?: string;
  readonly firstName?: string;
  readonly lastName?: string;
}

export interface Attachment {
  readonly url: string;
  readonly mime: string;
  readonly filename: string;
  readonly sizeBytes: number;
  readonly sha256?: string;
  readonly caption?: string;
}

export type Metadata = Readonly<Record<string, string>>;

export interface TransmitMessage {
  readonly kind: 'message';
  /** Idempotency key: the same commandId is never sent twice. */
  readonly commandId: string;
  readonly guest: Guest;
  /** The caller's key for one conversation; messages with the same key are delivered in order. */
  readonly conversationRef: string;
  readonly text?: string;
  readonly attachments: readonly Attachment[];
  readonly metadata: Metadata;
}

export type ReceiptStatus = 'Delivered' | 'Failed';

export type ReceiptReasonCode =
  | 'MessageExpired'
  | 'RateLimited'
  | 'MessageNotAllowed'
  | 'GeneralError'
  | 'UnsupportedMessage'
  | 'UnknownMessage'
  | 'InvalidMessageStructure'
  | 'InvalidDestination'
  | 'ServerError'
  | 'MediaTypeNotAllowed'
  | 'InvalidMediaContentLength'
  | 'RecipientOptedOut';

export interface ReceiptReason {
  readonly code?: ReceiptReasonCode;
  readonly message: string;
}

/** The real form of a "read receipt": Genesys accepts Delivered and Failed, not Read. */
export interface AcknowledgeAgentMessage {
  readonly kind: 'receipt';
  readonly commandId: string;
  readonly guest: Guest;
  readonly conversationRef: string;
  /** The Genesys id of the agent's message this receipt refers to. */
  readonly messageId: string;
  readonly status: ReceiptStatus;
  readonly reasons: readonly ReceiptReason[];
}

export interface SendTypingIndicator {
  readonly kind: 'typing';
  readonly commandId: string;
  readonly guest: Guest;
  readonly conversationRef: string;
}

export type OutboundCommand = TransmitMessage | AcknowledgeAgentMessage | SendTypingIndicator;
export type OutboundKind = OutboundCommand['kind'];
