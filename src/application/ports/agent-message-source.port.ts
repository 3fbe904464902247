import type { ServiceIdentifier } from 'inversify';
import type {
  AgentAttachment,
  AgentChannel,
  AgentOrigin,
  AgentTypingEvent,
  GenesysReceiptReason,
  GuestIdType,
} from '../../domain/index.js';

// What a source hands over is part of this port's contract, so its shape lives here.

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

/** Records one arrival; resolves once it is in the ledger. */
export type AgentMessageListener = (arrival: AgentMessageArrival) => Promise<void>;

/**
 * A transport that hears Genesys' side of a conversation on its own connections (a Web Messaging
 * guest's socket carries the agent's replies): it hands each such message to the listener.
 */
export interface AgentMessageSource {
  /** Replaces any earlier listener; returns a function that removes it. */
  listenForAgentMessages(listener: AgentMessageListener): () => void;
}

export const AGENT_MESSAGE_SOURCE: ServiceIdentifier<AgentMessageSource> =
  Symbol.for('gtx.AgentMessageSource');

/** Whether a transport also hears agent messages (the Web Messaging transport does). */
export function isAgentMessageSource(value: unknown): value is AgentMessageSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AgentMessageSource>).listenForAgentMessages === 'function'
  );
}
