import type {
  AgentAttachment,
  AgentChannel,
  AgentMessageEventType,
  AgentOrigin,
  AgentTypingEvent,
  GenesysReceiptReason,
  GuestIdType,
} from '../../domain/index.js';

/**
 * One message from Genesys on the guest's side, as either door (the outbound webhook, a guest's
 * socket) reads it, before anything is recorded: the transport-neutral input of the recorder.
 */
export interface AgentMessageArrival {
  readonly channel: AgentChannel;
  readonly genesysMessageId: string;
  /** `channel.to`: the guest as Genesys names it (the id we sent as `channel.from.id`). */
  readonly guest: { readonly id: string; readonly idType: GuestIdType | null };
  readonly originatingEntity: AgentOrigin;
  /** `channel.time` as sent; kept only when it is an ISO-8601 time. */
  readonly sentAt: string | null;
  readonly body: AgentMessageBody;
}

export type AgentMessageBody =
  | {
      readonly type: 'Text';
      readonly text: string | null;
      readonly attachments: readonly AgentAttachment[];
    }
  | { readonly type: 'Event'; readonly events: readonly AgentTypingEvent[] }
  | {
      readonly type: 'Receipt';
      readonly status: string;
      readonly reasons: readonly GenesysReceiptReason[];
      readonly isFinalReceipt: boolean | null;
    };

/**
 * What the embedding application hears (`Transmitter.onAgentMessage`) once a message is in the
 * ledger: where it was recorded and what it says. It carries the agent's text: the application
 * is the one party that may read it; it is never logged.
 */
export interface AgentMessageNotice {
  readonly type: AgentMessageEventType;
  readonly streamId: string;
  readonly channel: AgentChannel;
  readonly genesysMessageId: string;
  readonly guestId: string;
  /** Null when no conversation of the guest is known in this ledger (unmatched). */
  readonly conversationRef: string | null;
  readonly originatingEntity: AgentOrigin;
  readonly sentAt: string | null;
  readonly receivedAt: string;
  /** Recorded before (a retried webhook, or a frame seen again): told again, recorded once. */
  readonly duplicate: boolean;
  readonly body: AgentMessageBody;
  /** The command id of the receipt requested for it, or null when none is sent. */
  readonly receiptCommandId: string | null;
}

export type AgentMessageHandler = (notice: AgentMessageNotice) => void | Promise<void>;
