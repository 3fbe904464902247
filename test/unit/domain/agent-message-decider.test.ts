import { describe, expect, it } from 'vitest';
import {
  agentMessageStreamId,
  decideAgentMessage,
  evolveAgentMessage,
  initialAgentMessageState,
  isAgentMessageStream,
  type AgentMessageEvent,
  type AgentMessageReceivedV1,
  type GenesysReceiptReceivedV1,
} from '../../../src/domain/index.js';

const address = {
  genesysMessageId: 'gm-1',
  channel: 'open-messaging',
  guestId: 'guest-1',
  conversationRef: 'conv-1',
  originatingEntity: 'Human',
  sentAt: '2026-12-02T09:00:00.000Z',
  receivedAt: '2026-12-02T09:00:01.000Z',
} as const;

const message: AgentMessageReceivedV1 = {
  type: 'AgentMessageReceived',
  schemaVersion: 1,
  data: {
    ...address,
    contentSha256: 'a'.repeat(64),
    attachmentCount: 0,
    content: { kind: 'agentMessage', guestId: 'guest-1', text: 'hello', attachments: [] },
  },
};

function receipt(status: string): GenesysReceiptReceivedV1 {
  return {
    type: 'GenesysReceiptReceived',
    schemaVersion: 1,
    data: { ...address, status, reasons: [], isFinalReceipt: null },
  };
}

function spec(given: readonly AgentMessageEvent[], when: AgentMessageEvent) {
  const state = given.reduce(evolveAgentMessage, initialAgentMessageState);
  return decideAgentMessage({ type: 'RecordAgentMessage', event: when }, state);
}

describe('the agent message decider', () => {
  it('records a message the first time it arrives', () => {
    expect(spec([], message)).toEqual([message]);
  });

  it('records nothing when the same message arrives again (a retried webhook)', () => {
    expect(spec([message], message)).toEqual([]);
  });

  it('remembers what was recorded', () => {
    expect(evolveAgentMessage(initialAgentMessageState, message)).toEqual({
      status: 'recorded',
      type: 'AgentMessageReceived',
    });
  });
});

describe('agent message streams', () => {
  it('are named by the Genesys message id', () => {
    expect(agentMessageStreamId(message)).toBe('agent-message-gm-1');
    expect(isAgentMessageStream(agentMessageStreamId(message))).toBe(true);
    expect(isAgentMessageStream('transmission-gm-1')).toBe(false);
  });

  it('give each receipt status of one message a stream of its own', () => {
    const delivered = agentMessageStreamId(receipt('Delivered'));
    const read = agentMessageStreamId(receipt('Read'));
    expect(delivered).not.toBe(read);
    expect(delivered).not.toBe(agentMessageStreamId(message));
    expect(isAgentMessageStream(read)).toBe(true);
  });
});
