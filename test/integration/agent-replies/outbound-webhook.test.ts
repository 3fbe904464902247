import { createHmac, createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { startHarness, waitFinal, type ServiceHarness } from '../http/service-harness.js';

const SECRET = 'outbound-secret-0123456789';
const PATH = '/v1/genesys/outbound';
const AGENT_TEXT = 'agent says 9c1e7d';

/** Genesys' signature, computed here independently as its documentation describes it. */
function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('base64')}`;
}

function agentMessage(id: string, guestId: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    channel: {
      id: 'integration-1',
      platform: 'Open',
      type: 'Private',
      to: { id: guestId, idType: 'Opaque' },
      from: { id: 'agent-1', idType: 'Opaque', nickname: 'Agent' },
      time: '2026-12-02T09:00:00.000Z',
    },
    type: 'Text',
    text: AGENT_TEXT,
    direction: 'Outbound',
    originatingEntity: 'Human',
    ...extra,
  };
}

interface EventRow {
  position: number;
  streamId: string;
  type: string;
  data: Record<string, unknown>;
}

let h: ServiceHarness;

async function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.url}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

async function postSigned(value: unknown): Promise<Response> {
  const body = JSON.stringify(value);
  return post(body, { 'x-hub-signature-256': sign(body) });
}

async function events(types: string[] = []): Promise<EventRow[]> {
  const query = types.map((type) => `&type=${type}`).join('');
  const page = (await (await h.call(`/v1/events?after=0&limit=1000${query}`)).json()) as {
    events: EventRow[];
  };
  return page.events;
}

async function guestConversation(guestId: string, conversation: string): Promise<void> {
  const response = await h.post('/v1/messages', {
    id: `guest-msg-${guestId}`,
    guest: { id: guestId },
    conversation,
    text: 'hello from the guest',
  });
  expect(response.status).toBe(202);
  await waitFinal(h, `guest-msg-${guestId}`);
}

beforeAll(async () => {
  h = await startHarness({
    GENESYS_OUTBOUND_WEBHOOK_SECRET: SECRET,
    GTX_OUTBOUND_WEBHOOK_BODY_LIMIT_BYTES: '2048',
  });
});
afterAll(async () => {
  await h.close();
});

describe('the outbound webhook signature', () => {
  it('is required: no header is 401 and nothing is recorded', async () => {
    const before = (await events()).length;
    const response = await post(JSON.stringify(agentMessage('unsigned-1', 'guest-x')));
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'WEBHOOK_SIGNATURE_REQUIRED',
    );
    expect(await events()).toHaveLength(before);
  });

  it('made with another secret is 401 and nothing is recorded', async () => {
    const before = (await events()).length;
    const body = JSON.stringify(agentMessage('wrong-secret-1', 'guest-x'));
    const response = await post(body, {
      'x-hub-signature-256': sign(body, 'another-secret-0123456789'),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'WEBHOOK_SIGNATURE_INVALID',
    );
    expect(await events()).toHaveLength(before);
  });

  it('over a tampered body is 401 and nothing is recorded', async () => {
    const before = (await events()).length;
    const body = JSON.stringify(agentMessage('tampered-1', 'guest-x'));
    const tampered = body.replace(AGENT_TEXT, 'agent says something else');
    const response = await post(tampered, { 'x-hub-signature-256': sign(body) });
    expect(response.status).toBe(401);
    expect(await events()).toHaveLength(before);
  });

  it('in hex instead of base64 is refused', async () => {
    const body = JSON.stringify(agentMessage('hex-1', 'guest-x'));
    const hex = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    expect((await post(body, { 'x-hub-signature-256': hex })).status).toBe(401);
  });

  it('lets the route through without an API key, while every other route still needs one', async () => {
    expect((await postSigned(agentMessage('no-key-1', 'guest-no-key'))).status).toBe(200);
    expect((await h.call('/v1/events?after=0&limit=1', { key: null })).status).toBe(401);
  });
});

describe('the outbound webhook body', () => {
  it('is read as raw bytes whatever its content type says, or without one', async () => {
    const plain = JSON.stringify(agentMessage('ctype-1', 'guest-ctype'));
    const asText = await fetch(`${h.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-hub-signature-256': sign(plain) },
      body: plain,
    });
    expect(asText.status).toBe(200);
    const bytes = JSON.stringify(agentMessage('ctype-2', 'guest-ctype'));
    const untyped = await fetch(`${h.url}${PATH}`, {
      method: 'POST',
      headers: { 'x-hub-signature-256': sign(bytes) },
      body: new TextEncoder().encode(bytes),
    });
    expect(untyped.status).toBe(200);
  });
});

describe('an agent message', () => {
  it('is recorded in the conversation of its guest, sealed, and acknowledged with one receipt', async () => {
    await guestConversation('guest-a', 'conv-a');
    const response = await postSigned(agentMessage('agent-msg-a1', 'guest-a'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      recorded: true,
      duplicate: false,
      type: 'AgentMessageReceived',
      matched: true,
      receiptCommandId: 'agent-receipt-agent-msg-a1',
    });
    const recorded = (await events(['AgentMessageReceived'])).filter(
      (e) => e.data['genesysMessageId'] === 'agent-msg-a1',
    );
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.data).toMatchObject({
      conversationRef: 'conv-a',
      guestId: 'guest-a',
      channel: 'open-messaging',
      originatingEntity: 'Human',
      sentAt: '2026-12-02T09:00:00.000Z',
      attachmentCount: 0,
    });
    expect(JSON.stringify(recorded[0]?.data)).not.toContain(AGENT_TEXT);
    expect(recorded[0]?.data['content']).toHaveProperty('sealed');
    const receipt = await waitFinal(h, 'agent-receipt-agent-msg-a1');
    expect(receipt.status).toBe('delivered');
    expect(receipt.events[0]?.data).toMatchObject({ kind: 'receipt', conversationRef: 'conv-a' });
    expect(h.logs()).not.toContain(AGENT_TEXT);
  });

  it('retried five times, some at once, is recorded once and acknowledged once', async () => {
    await guestConversation('guest-storm', 'conv-storm');
    const message = agentMessage('agent-storm-1', 'guest-storm');
    const first = await Promise.all([
      postSigned(message),
      postSigned(message),
      postSigned(message),
    ]);
    const later = [await postSigned(message), await postSigned(message)];
    const answers = await Promise.all(
      [...first, ...later].map(async (r) => ({
        status: r.status,
        body: (await r.json()) as { duplicate: boolean },
      })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1);
    const recorded = (await events()).filter((e) => e.streamId === 'agent-message-agent-storm-1');
    expect(recorded).toHaveLength(1);
    const receipts = (await events(['TransmissionRequested'])).filter(
      (e) => e.data['commandId'] === 'agent-receipt-agent-storm-1',
    );
    expect(receipts).toHaveLength(1);
    expect((await waitFinal(h, 'agent-receipt-agent-storm-1')).status).toBe('delivered');
  });

  it('recorded by a process that crashed before its 2xx is, when Genesys retries, recorded once and acknowledged once', async () => {
    await guestConversation('guest-crash', 'conv-crash');
    // What the crashed process left: the message in the ledger, no answer, no receipt yet.
    const other = openSqliteLedger({ path: h.ledgerPath, clock: new SystemClock() });
    await other.events.append({
      streamId: 'agent-message-agent-crash-1',
      expectedVersion: 'noStream',
      events: [
        {
          type: 'AgentMessageReceived',
          schemaVersion: 1,
          data: {
            genesysMessageId: 'agent-crash-1',
            channel: 'open-messaging',
            guestId: 'guest-crash',
            conversationRef: 'conv-crash',
            originatingEntity: 'Human',
            sentAt: null,
            receivedAt: '2026-12-02T09:00:01.000Z',
            contentSha256: 'b'.repeat(64),
            attachmentCount: 0,
            content: { kind: 'agentMessage', text: 'before the crash', attachments: [] },
          },
          metadata: { causationId: 'agent-crash-1' },
        },
      ],
    });
    await other.close();
    const retried = await postSigned(agentMessage('agent-crash-1', 'guest-crash'));
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({
      duplicate: true,
      receiptCommandId: 'agent-receipt-agent-crash-1',
    });
    expect(
      await (await postSigned(agentMessage('agent-crash-1', 'guest-crash'))).json(),
    ).toMatchObject({ duplicate: true });
    const rows = (await events()).filter((e) => e.streamId === 'agent-message-agent-crash-1');
    expect(rows).toHaveLength(1);
    const receipts = (await events(['TransmissionRequested'])).filter(
      (e) => e.data['commandId'] === 'agent-receipt-agent-crash-1',
    );
    expect(receipts).toHaveLength(1);
    expect((await waitFinal(h, 'agent-receipt-agent-crash-1')).status).toBe('delivered');
  });

  it('for a guest this ledger does not know is recorded as unmatched, never dropped, with no receipt', async () => {
    const response = await postSigned(agentMessage('agent-unknown-1', 'guest-nobody'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ matched: false, receiptCommandId: null });
    const recorded = (await events(['AgentMessageReceived'])).find(
      (e) => e.data['genesysMessageId'] === 'agent-unknown-1',
    );
    expect(recorded?.data).toMatchObject({ conversationRef: null, guestId: 'guest-nobody' });
  });

  it('with attachments keeps their names and URLs sealed, and counts them in the clear', async () => {
    await guestConversation('guest-files', 'conv-files');
    const response = await postSigned(
      agentMessage('agent-files-1', 'guest-files', {
        text: undefined,
        content: [
          {
            contentType: 'Attachment',
            attachment: {
              mediaType: 'Image',
              url: 'https://media.example/secret-token/photo.png',
              mime: 'image/png',
              filename: 'private-photo.png',
            },
          },
        ],
      }),
    );
    expect(response.status).toBe(200);
    const recorded = (await events(['AgentMessageReceived'])).find(
      (e) => e.data['genesysMessageId'] === 'agent-files-1',
    );
    expect(recorded?.data['attachmentCount']).toBe(1);
    expect(JSON.stringify(recorded?.data)).not.toContain('private-photo');
    expect(JSON.stringify(recorded?.data)).not.toContain('secret-token');
  });
});

describe("Genesys' typing events and receipts", () => {
  it('are recorded in the conversation, each receipt status once', async () => {
    await guestConversation('guest-r', 'conv-r');
    const base = agentMessage('guest-msg-genesys-id', 'guest-r');
    const receipt = (status: string) => ({
      ...base,
      type: 'Receipt',
      text: undefined,
      status,
      isFinalReceipt: status === 'Read',
    });
    expect((await postSigned(receipt('Delivered'))).status).toBe(200);
    expect((await postSigned(receipt('Delivered'))).status).toBe(200);
    expect((await postSigned(receipt('Read'))).status).toBe(200);
    const typing = {
      ...base,
      id: 'typing-1',
      type: 'Event',
      text: undefined,
      events: [{ eventType: 'Typing', typing: { type: 'On', duration: 5000 } }],
    };
    expect((await postSigned(typing)).status).toBe(200);
    const receipts = (await events(['GenesysReceiptReceived'])).filter(
      (e) => e.data['guestId'] === 'guest-r',
    );
    expect(receipts.map((e) => e.data['status'])).toEqual(['Delivered', 'Read']);
    expect(receipts.every((e) => e.data['conversationRef'] === 'conv-r')).toBe(true);
    const typed = (await events(['AgentEventReceived'])).find(
      (e) => e.data['genesysMessageId'] === 'typing-1',
    );
    expect(typed?.data['events']).toEqual([
      { eventType: 'Typing', typingType: 'On', durationMs: 5000 },
    ]);
  });
});

describe('a signed body that is not a message', () => {
  async function refusal(sha256: string): Promise<EventRow | undefined> {
    return (await events(['AgentWebhookRefused'])).find((e) => e.data['bodySha256'] === sha256);
  }
  const hashOf = (body: string): string => createHash('sha256').update(body).digest('hex');

  it('that is not JSON is 400 and recorded by size and hash, not content', async () => {
    const body = 'not json at all 51d0';
    const response = await post(body, { 'x-hub-signature-256': sign(body) });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe('WEBHOOK_BODY_INVALID');
    expect(answer.error.message).toContain('is not JSON');
    const recorded = await refusal(hashOf(body));
    expect(recorded?.data).toMatchObject({ sizeBytes: body.length, status: 400 });
    expect(JSON.stringify(recorded)).not.toContain('51d0');
  });

  it('that is not a normalized message is 400 naming the field', async () => {
    const body = JSON.stringify({ id: 'x', type: 'Text', text: 'no channel' });
    const response = await post(body, { 'x-hub-signature-256': sign(body) });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: { problems: { field: string }[] } };
    expect(answer.error.problems.map((p) => p.field)).toContain('/channel');
    expect((await refusal(hashOf(body)))?.data['problemCount']).toBe(1);
  });

  it('with a message id or guest id the ledger cannot key by is 400 naming the field', async () => {
    // JSON escapes the NUL and the lone surrogate; parsed, they are in the ids themselves.
    for (const [message, field] of [
      [agentMessage('nul-\u0000-1', 'guest-a'), '/id'],
      [agentMessage('surrogate-1', 'guest-\ud800'), '/channel/to/id'],
    ] as const) {
      const body = JSON.stringify(message);
      const response = await post(body, { 'x-hub-signature-256': sign(body) });
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { error: { problems: { field: string }[] } };
      expect(answer.error.problems.map((p) => p.field)).toEqual([field]);
      expect((await refusal(hashOf(body)))?.data['problemCount']).toBe(1);
    }
    expect((await events()).some((e) => e.streamId.startsWith('agent-message-nul'))).toBe(false);
  });

  it('over the body limit is 413, recorded with its size and hash', async () => {
    const body = JSON.stringify(agentMessage('big-1', 'guest-a', { text: 'x'.repeat(5000) }));
    const response = await post(body, { 'x-hub-signature-256': sign(body) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'WEBHOOK_BODY_TOO_LARGE',
    );
    expect((await refusal(hashOf(body)))?.data).toMatchObject({
      sizeBytes: Buffer.byteLength(body),
      status: 413,
    });
    expect((await events()).some((e) => e.streamId === 'agent-message-big-1')).toBe(false);
  });

  it('sent again is recorded once', async () => {
    const body = '{"broken":';
    await post(body, { 'x-hub-signature-256': sign(body) });
    await post(body, { 'x-hub-signature-256': sign(body) });
    const rows = (await events(['AgentWebhookRefused'])).filter(
      (e) => e.data['bodySha256'] === hashOf(body),
    );
    expect(rows).toHaveLength(1);
  });
});
