import { clearGuestIds } from '../../../../src/application/privacy/guest-pseudonyms.js';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type {
  AgentMessageArrival,
  AgentMessageNotice,
} from '../../../../src/application/agent-replies/agent-message-arrival.js';
import { selectRows } from '../../../../src/application/audit/ledger-export.js';
import { AnalyticsEventMapper } from '../../../../src/application/feed/analytics-mapper.js';
import { ANALYTICS_EVENT_SCHEMA } from '../../../../src/application/feed/analytics-schema.js';
import { readAllPages } from '../../../../src/application/ledger/ledger-pages.js';
import { verifyChainAsync } from '../../../../src/application/ledger/hash-chain.js';
import { GuestPrivacy } from '../../../../src/application/privacy/guest-privacy.js';
import { openRecordedEvent } from '../../../../src/application/privacy/open-recorded-event.js';
import { PersonalDataRowViewer } from '../../../../src/application/privacy/personal-data-row-viewer.js';
import { WebMessagingGuestSessionEraser } from '../../../../src/adapters/genesys/web-messaging/guest-session-eraser.js';
import { InMemoryGuestSessionStore } from '../../../../src/adapters/genesys/web-messaging/guest-session-store.js';
import { AesGcmPersonalDataVault } from '../../../../src/adapters/crypto/aes-gcm-personal-data-vault.js';
import { MasterKey } from '../../../../src/adapters/crypto/master-key.js';
import { InMemoryGuestKeyStore } from '../../../../src/adapters/memory/in-memory-guest-key-store.js';
import { pipelineHarness, type HarnessOptions } from '../../../support/pipeline-harness.js';

const AGENT_TEXT = 'your refund of 42 EUR is on its way';

function arrival(id: string, guestId: string): AgentMessageArrival {
  return {
    channel: 'open-messaging',
    genesysMessageId: id,
    guest: { id: guestId, idType: 'Opaque' },
    originatingEntity: 'Human',
    sentAt: null,
    body: { type: 'Text', text: AGENT_TEXT, attachments: [] },
  };
}

async function withConversation(options: HarnessOptions, guestId = 'g1', conversation = 'c1') {
  const h = pipelineHarness(options);
  await h.settle([
    h.transmitter.submit({ id: `m-${guestId}`, guest: { id: guestId }, conversation, text: 'hi' }),
  ]);
  return h;
}

describe('receipts for agent messages', () => {
  it('are not sent when turned off', async () => {
    const h = await withConversation({ agentReceipts: 'off' });
    const recorded = await h.transmitter.recordAgentMessage(arrival('a1', 'g1'));
    expect(recorded).toMatchObject({
      duplicate: false,
      conversationRef: 'c1',
      receiptCommandId: null,
    });
    expect((await h.transmitter.status('agent-receipt-a1')).status).toBe('unknown');
  });

  it('are what the application decides, e.g. Failed with reasons, asked once per message', async () => {
    const asked: AgentMessageNotice[] = [];
    const h = await withConversation({
      agentReceipts: (notice) => {
        asked.push(notice);
        return {
          status: 'Failed',
          reasons: [{ code: 'UnsupportedMessage', message: 'cannot show it' }],
        };
      },
    });
    await h.transmitter.recordAgentMessage(arrival('a2', 'g1'));
    await h.transmitter.recordAgentMessage(arrival('a2', 'g1'));
    expect(asked).toHaveLength(1);
    const [outcome] = await h.settle([h.transmitter.outcome('agent-receipt-a2')]);
    expect(outcome?.status).toBe('delivered');
    const sent = h.transport.delivered().find((r) => r.commandId === 'agent-receipt-a2');
    expect(sent?.content).toMatchObject({
      kind: 'receipt',
      messageId: 'a2',
      status: 'Failed',
      reasons: [{ code: 'UnsupportedMessage', message: 'cannot show it' }],
    });
  });
});

describe('onAgentMessage', () => {
  it('hears each message after it is recorded; a handler that throws is logged and changes nothing', async () => {
    const h = await withConversation({});
    h.transmitter.onAgentMessage(() => {
      throw new Error('the application failed');
    });
    const heard = new Promise<AgentMessageNotice>((resolve) => {
      h.transmitter.onAgentMessage(async (notice) => {
        // Heard after the record: the message is already in the ledger.
        expect(await h.ledger.events.readStream(notice.streamId)).toHaveLength(1);
        resolve(notice);
      });
    });
    await h.transmitter.recordAgentMessage(arrival('a3', 'g1'));
    expect(await heard).toMatchObject({ body: { text: AGENT_TEXT }, conversationRef: 'c1' });
    expect(h.logger.records.some((r) => r.message === 'an onAgentMessage handler failed')).toBe(
      true,
    );
    expect(JSON.stringify(h.logger.records)).not.toContain(AGENT_TEXT);
  });
});

describe("an agent message and the guest's privacy", () => {
  it('is sealed under the guest key, readable until the guest is forgotten, then erased; the chain verifies', async () => {
    const guestKeys = new InMemoryGuestKeyStore();
    const masterKey = MasterKey.generate();
    const h = await withConversation({ guestKeys, masterKey });
    const { streamId } = await h.transmitter.recordAgentMessage(arrival('a4', 'g1'));
    await h.transmitter.recordAgentMessage(arrival('a5', 'g-unknown'));
    const vault = new AesGcmPersonalDataVault(guestKeys, masterKey, h.clock);
    const [row] = await h.ledger.events.readStream(streamId);
    if (row === undefined) throw new Error('not recorded');
    expect(JSON.stringify(row)).not.toContain(AGENT_TEXT);
    expect((await openRecordedEvent(row, vault)).data).toMatchObject({
      content: { kind: 'agentMessage', text: AGENT_TEXT },
    });
    const privacy = new GuestPrivacy({
      ledger: h.ledger.events,
      keys: guestKeys,
      sessions: new WebMessagingGuestSessionEraser(new InMemoryGuestSessionStore(), 'deployment-1'),
      clock: h.clock,
      pseudonymiser: clearGuestIds,
    });
    expect(await privacy.status('g1')).toMatchObject({
      agentMessages: { total: 1, readable: 1, erased: 0 },
    });
    await privacy.forget('g1');
    expect(await privacy.status('g1')).toMatchObject({
      agentMessages: { total: 1, readable: 0, erased: 1 },
    });
    expect(await new PersonalDataRowViewer(vault).view(row)).toMatchObject({
      content: { erased: true },
    });
    // The unmatched guest's message is sealed under its own key and forgotten with it.
    expect(await privacy.status('g-unknown')).toMatchObject({
      agentMessages: { total: 1, readable: 1 },
    });
    expect((await verifyChainAsync(readAllPages(h.ledger.events))).ok).toBe(true);
  });
});

describe('the audit export of one guest', () => {
  it("includes the agent's messages to that guest, and no other guest's", async () => {
    const h = await withConversation({});
    await h.transmitter.recordAgentMessage(arrival('a8', 'g1'));
    await h.transmitter.recordAgentMessage(arrival('a9', 'g2'));
    const head = await h.ledger.events.head();
    const rows = [];
    for await (const row of selectRows(h.ledger.events, { guests: ['g1'] }, head)) rows.push(row);
    const streams = rows.map((row) => row.streamId);
    expect(streams).toContain('agent-message-a8');
    expect(streams).not.toContain('agent-message-a9');
  });
});

describe('the analytics feed', () => {
  it('maps agent messages, typing and Genesys receipts to schema-valid events without content', async () => {
    const h = await withConversation({});
    await h.transmitter.recordAgentMessage(arrival('a6', 'g1'));
    await h.transmitter.recordAgentMessage(arrival('a7', 'nobody'));
    await h.transmitter.recordAgentMessage({
      ...arrival('m-g1-genesys', 'g1'),
      body: { type: 'Receipt', status: 'Read', reasons: [], isFinalReceipt: true },
    });
    const ajv = new Ajv({ strict: false });
    addFormats.default(ajv);
    const valid = ajv.compile(ANALYTICS_EVENT_SCHEMA);
    const mapper = new AnalyticsEventMapper(h.ledger.events);
    const mapped = [];
    for await (const row of readAllPages(h.ledger.events)) {
      const event = await mapper.map(row);
      if (event !== null && !event.type.startsWith('Transmission')) mapped.push(event);
    }
    for (const event of mapped) expect(valid(event), JSON.stringify(valid.errors)).toBe(true);
    expect(mapped.map((e) => [e.type, e.status, e.conversation.conversationRef])).toEqual([
      ['AgentMessageReceived', 'received', 'c1'],
      ['AgentMessageReceived', 'unmatched', null],
      ['GenesysReceiptReceived', 'received', 'c1'],
    ]);
    expect(JSON.stringify(mapped)).not.toContain(AGENT_TEXT);
  });
});
