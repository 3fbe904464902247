import type { AgentMessageEvent, AgentMessageEventType } from './events.js';

/**
 * The decider of one message from Genesys: it is recorded once. Everything about it is known
 * when it arrives, so the command carries the event to record; a second arrival (a retried
 * webhook, the same frame again) decides nothing.
 */
export interface AgentMessageState {
  readonly status: 'none' | 'recorded';
  readonly type: AgentMessageEventType | null;
}

export const initialAgentMessageState: AgentMessageState = { status: 'none', type: null };

export interface RecordAgentMessage {
  readonly type: 'RecordAgentMessage';
  readonly event: AgentMessageEvent;
}

export function decideAgentMessage(
  command: RecordAgentMessage,
  state: AgentMessageState,
): readonly AgentMessageEvent[] {
  return state.status === 'recorded' ? [] : [command.event];
}

export function evolveAgentMessage(
  state: AgentMessageState,
  event: AgentMessageEvent,
): AgentMessageState {
  if (state.status === 'recorded') return state;
  return { status: 'recorded', type: event.type };
}
