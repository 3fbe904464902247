import type { AgentChannel, AgentMessageEventType, AgentOrigin } from '../../domain/index.js';
import type { AgentMessageBody } from '../ports/agent-message-source.port.js';

export type { AgentMessageArrival, AgentMessageBody } from '../ports/agent-message-source.port.js';

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
