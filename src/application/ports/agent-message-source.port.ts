import type { ServiceIdentifier } from 'inversify';
import type { AgentMessageArrival } from '../agent-replies/agent-message-arrival.js';

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
