import type { ErasedContent, UnopenedContent } from '../transmission/events.js';

/**
 * What Genesys sends the guest's side of a conversation: an agent's (or bot's) message, typing
 * events, and Genesys' receipts for the guest's own messages. Each is recorded once, in a stream
 * of its own named by the Genesys message id, so a webhook Genesys retries (up to 5 times) or a
 * frame seen twice finds its stream taken and records nothing new.
 */

/** Which door it came through: the Open Messaging outbound webhook, or a guest's socket. */
export type AgentChannel = 'open-messaging' | 'web-messaging';

/** Who answered, as Genesys says (`originatingEntity`); null when Genesys does not say. */
export type AgentOrigin = 'Human' | 'Bot' | null;

export interface AgentAttachment {
  /** Genesys' `mediaType`: Image, Video, Audio, File, Link. */
  readonly mediaType: string;
  readonly mime: string | null;
  /** Where Genesys serves it; can carry a token, so it is sealed with the rest. */
  readonly url: string | null;
  readonly filename: string | null;
}

/** The personal part of an agent's message: sealed per guest like a guest's own content. */
export interface AgentMessageContent {
  readonly kind: 'agentMessage';
  /**
   * The guest it was sent to, as Genesys names it (`channel.to.id`): sealed with the rest, so
   * the guest's key is found by it even where the event's clear fields hold a keyed hash.
   */
  readonly guestId: string;
  readonly text?: string;
  readonly attachments: readonly AgentAttachment[];
}

export type RecordedAgentContent = AgentMessageContent | ErasedContent | UnopenedContent;

/** Where a message from Genesys belongs: both null-free when the guest's conversation is known. */
export interface AgentMessageAddress {
  /** The Genesys id of this message (for a receipt: of the guest message it refers to). */
  readonly genesysMessageId: string;
  readonly channel: AgentChannel;
  /** The guest it is addressed to (`channel.to.id`), as the ledger names guests. */
  readonly guestId: string;
  /**
   * The conversation of that guest in this ledger; null when no conversation of the guest is
   * known here (an unmatched message: recorded all the same, never dropped).
   */
  readonly conversationRef: string | null;
  readonly originatingEntity: AgentOrigin;
  /** Genesys' `channel.time`; null when it sent none or one that is not a time. */
  readonly sentAt: string | null;
  /** When this process recorded it. */
  readonly receivedAt: string;
}

export interface AgentMessageReceivedV1 {
  readonly type: 'AgentMessageReceived';
  readonly schemaVersion: 1;
  readonly data: AgentMessageAddress & {
    /** SHA-256 of the canonical content: names the message in logs and analytics without text. */
    readonly contentSha256: string;
    readonly attachmentCount: number;
    readonly content: RecordedAgentContent;
  };
}

export interface AgentTypingEvent {
  /** `Typing`, or whatever other event type Genesys sends. */
  readonly eventType: string;
  /** `typing.type` (`On`), null for other events. */
  readonly typingType: string | null;
  readonly durationMs: number | null;
}

export interface AgentEventReceivedV1 {
  readonly type: 'AgentEventReceived';
  readonly schemaVersion: 1;
  readonly data: AgentMessageAddress & { readonly events: readonly AgentTypingEvent[] };
}

export interface GenesysReceiptReason {
  readonly code: string | null;
  readonly message: string;
}

/** Genesys' receipt for a guest message we transmitted: its delivery state on the agent's side. */
export interface GenesysReceiptReceivedV1 {
  readonly type: 'GenesysReceiptReceived';
  readonly schemaVersion: 1;
  readonly data: AgentMessageAddress & {
    /** Sent, Delivered, Read, Failed, Published, Removed: as Genesys sends it. */
    readonly status: string;
    readonly reasons: readonly GenesysReceiptReason[];
    readonly isFinalReceipt: boolean | null;
  };
}

export type AgentMessageEvent =
  AgentMessageReceivedV1 | AgentEventReceivedV1 | GenesysReceiptReceivedV1;

export type AgentMessageEventType = AgentMessageEvent['type'];

export const AGENT_MESSAGE_EVENT_TYPES: readonly AgentMessageEventType[] = [
  'AgentMessageReceived',
  'AgentEventReceived',
  'GenesysReceiptReceived',
];

const AGENT_MESSAGE_STREAM_PREFIX = 'agent-message-';

/**
 * The stream of one message from Genesys. A receipt shares its id with the guest message it is
 * about, and Genesys sends several for one message (Delivered, then Read): its status is part of
 * the key, so each status is recorded once.
 */
export function agentMessageStreamId(
  event: Pick<AgentMessageEvent, 'type'> & {
    readonly data: { readonly genesysMessageId: string; readonly status?: string };
  },
): string {
  const { genesysMessageId } = event.data;
  if (event.type === 'GenesysReceiptReceived') {
    return `${AGENT_MESSAGE_STREAM_PREFIX}receipt:${event.data.status ?? ''}:${genesysMessageId}`;
  }
  return `${AGENT_MESSAGE_STREAM_PREFIX}${genesysMessageId}`;
}

export function isAgentMessageStream(streamId: string): boolean {
  return streamId.startsWith(AGENT_MESSAGE_STREAM_PREFIX);
}
