/**
 * The sandbox answering as an agent (contract §9): each accepted guest message, sent with the
 * real SDK, gets a reply posted to a real loopback receiver in Genesys' Open NormalizedMessage
 * format, signed as Genesys signs (checked here with node:crypto on the exact bytes), retried as
 * Genesys retries, and, under the storm fault, delivered several times over. The middleware's
 * receipt for an agent message is recorded against it.
 */
import { createHash, createHmac } from 'node:crypto';
import platformClient from 'purecloud-platform-client-v2';
import { describe, expect, it } from 'vitest';
import {
  isSandboxSettingError,
  startSandbox,
  type RunningSandbox,
  type SandboxOptions,
} from '../../../src/sandbox/index.js';
import { paced, sandboxWith } from '../../support/sandbox-harness.js';
import { webhookReceiver, type ReceivedWebhook } from '../../support/webhook-receiver.js';

type InboundMessage = platformClient.Models.OpenInboundNormalizedMessage;
type ConversationsApi = InstanceType<typeof platformClient.ConversationsApi>;

const INTEGRATION = 'integration-1';
const SECRET = 'a-signature-secret-of-32-chars!!';
/** Something a guest may type that no reply may repeat. */
const GUEST_TEXT = 'my card is 4111 1111 1111 1111, password hunter2';
/** Retries in milliseconds, not seconds: the counts are what the tests assert. */
const QUICK_RETRIES = { backoffMs: 1, timeoutMs: 5_000 };

function served(options: SandboxOptions = {}): Promise<RunningSandbox> {
  return sandboxWith({
    integrationIds: [INTEGRATION],
    rateLimitPerMinute: paced().sandbox.rateLimitPerMinute,
    agentReplies: { delayMs: 0 },
    webhookDelivery: QUICK_RETRIES,
    ...options,
  });
}

async function loggedInApi(sandbox: RunningSandbox): Promise<ConversationsApi> {
  const client = new platformClient.ApiClientClass();
  client.config.live_reload_config = false;
  client.setGateway({ host: '127.0.0.1', protocol: 'http', port: sandbox.port });
  client.getHttpClient().setTimeout(5_000);
  await client.loginClientCredentialsGrant('sandbox-client', 'sandbox-secret');
  return new platformClient.ConversationsApi(client);
}

let sequence = 0;

function guestMessage(guestId: string, text = GUEST_TEXT): InboundMessage {
  sequence += 1;
  return {
    channel: {
      from: { id: guestId, idType: 'Email', nickname: 'Guest' },
      time: '2026-12-02T10:00:00.000Z',
      messageId: `guest-msg-${sequence}`,
    },
    text,
  };
}

function send(
  api: ConversationsApi,
  message: InboundMessage,
): Promise<platformClient.Models.OpenMessageNormalizedMessage> {
  return api.postConversationsMessageInboundOpenMessage(INTEGRATION, message);
}

/** The signature computed here, independently of the sandbox's code. */
function expectedSignature(webhook: ReceivedWebhook, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(webhook.raw).digest('base64')}`;
}

describe('agent replies on the outbound webhook', () => {
  it('posts each reply in the Open NormalizedMessage format, signed over the exact bytes', async () => {
    const receiver = await webhookReceiver();
    const attachment = {
      mediaType: 'Image' as const,
      url: 'https://files.example/agent.png',
      mime: 'image/png',
      filename: 'agent.png',
    };
    const sandbox = await served({
      outboundWebhook: { url: receiver.url, secret: SECRET },
      agentReplies: {
        delayMs: 0,
        text: 'Got {messageId}: {characters} characters, sha256 {sha256}, {attachments} files',
        attachment,
        originatingEntity: 'Bot',
        agentNickname: 'Ava',
      },
    });
    const api = await loggedInApi(sandbox);
    const message = guestMessage('guest@example.com');

    const accepted = await send(api, message);
    await sandbox.outboundSettled();

    expect(receiver.received).toHaveLength(1);
    const [webhook] = receiver.received as [ReceivedWebhook];
    expect(webhook.signature).toBe(expectedSignature(webhook));
    expect(webhook.signature).not.toBe(expectedSignature(webhook, `${SECRET}x`));
    expect(webhook.contentType).toBe('application/json');
    const guestTextSha256 = createHash('sha256').update(GUEST_TEXT).digest('hex').slice(0, 12);
    expect(webhook.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      channel: {
        id: INTEGRATION,
        platform: 'Open',
        type: 'Private',
        to: { id: 'guest@example.com' },
        from: { id: INTEGRATION, idType: 'Opaque', nickname: 'Ava' },
        time: expect.any(String) as unknown,
      },
      type: 'Text',
      text: `Got ${message.channel.messageId ?? ''}: ${GUEST_TEXT.length} characters, sha256 ${guestTextSha256}, 0 files`,
      content: [{ contentType: 'Attachment', attachment }],
      direction: 'Outbound',
      originatingEntity: 'Bot',
    });
    expect(String(webhook.json['text'])).not.toMatch(/4111|hunter2|password/);
    expect(sandbox.agentMessages()).toEqual([
      expect.objectContaining({
        id: webhook.json['id'],
        protocol: 'openMessaging',
        integrationId: INTEGRATION,
        guestId: 'guest@example.com',
        inReplyTo: accepted.id,
        originatingEntity: 'Bot',
        acknowledgements: [],
      }),
    ]);
    expect(sandbox.outboundDeliveries()).toEqual([
      expect.objectContaining({
        messageId: webhook.json['id'],
        type: 'Text',
        copy: 1,
        body: webhook.raw.toString('utf8'),
        signature: webhook.signature,
        outcome: 'delivered',
        attempts: [
          expect.objectContaining({ attempt: 1, answer: { kind: 'status', status: 200 } }),
        ],
      }),
    ]);
  });

  it('replies once to a guest message sent twice with the same messageId', async () => {
    const receiver = await webhookReceiver();
    const sandbox = await served({ outboundWebhook: { url: receiver.url, secret: SECRET } });
    const api = await loggedInApi(sandbox);
    const message = guestMessage('guest-twice');

    await send(api, message);
    await send(api, message);
    await sandbox.outboundSettled();

    expect(sandbox.received()[0]?.copies).toBe(2);
    expect(receiver.received).toHaveLength(1);
  });

  it("posts Genesys' Delivered receipt for a guest message when asked to", async () => {
    const receiver = await webhookReceiver();
    const sandbox = await served({
      outboundWebhook: { url: receiver.url, secret: SECRET },
      agentReplies: { delayMs: 0, receipts: true, reply: false },
    });
    const api = await loggedInApi(sandbox);
    const message = guestMessage('guest-r');

    const accepted = await send(api, message);
    await sandbox.outboundSettled();

    expect(receiver.received.map((webhook) => webhook.json)).toEqual([
      {
        id: accepted.id,
        channel: {
          id: INTEGRATION,
          platform: 'Open',
          type: 'Private',
          messageId: message.channel.messageId,
          to: { id: 'guest-r' },
          from: { id: INTEGRATION, idType: 'Opaque' },
          time: expect.any(String) as unknown,
        },
        type: 'Receipt',
        status: 'Delivered',
        isFinalReceipt: true,
        direction: 'Outbound',
      },
    ]);
    expect(receiver.received[0]?.signature).toBe(expectedSignature(receiver.received[0]!));
    expect(sandbox.outboundStats()).toMatchObject({ receiptsPosted: 1, agentMessages: 0 });
  });

  it('records the middleware receipt for an agent message it sent', async () => {
    const receiver = await webhookReceiver();
    const sandbox = await served({ outboundWebhook: { url: receiver.url, secret: SECRET } });
    const api = await loggedInApi(sandbox);
    await send(api, guestMessage('guest-ack'));
    await sandbox.outboundSettled();
    const agentMessageId = String(receiver.received[0]?.json['id']);

    const receipt = (id: string, status: 'Delivered' | 'Failed') =>
      api.postConversationsMessageInboundOpenReceipt(INTEGRATION, {
        id,
        channel: { to: { id: 'guest-ack' }, time: '2026-12-02T10:00:01.000Z' },
        status,
        ...(status === 'Failed' ? { reasons: [{ code: 'GeneralError', message: 'no' }] } : {}),
      });
    await receipt(agentMessageId, 'Delivered');
    await receipt('not-an-agent-message', 'Failed');
    await receipt(agentMessageId, 'Failed');

    expect(sandbox.agentMessages()[0]?.acknowledgements).toEqual([
      { status: 'Delivered', receivedAt: expect.any(String) as unknown },
      {
        status: 'Failed',
        reasons: [{ code: 'GeneralError', message: 'no' }],
        receivedAt: expect.any(String) as unknown,
      },
    ]);
    expect(sandbox.outboundStats().acknowledged).toBe(2);
    expect(sandbox.received().map((request) => request.endpoint)).toEqual([
      'message',
      'receipt',
      'receipt',
      'receipt',
    ]);
  });
});

describe('GET /__sandbox/outbound', () => {
  it('lists the agent messages, the deliveries and the stats, uncounted', async () => {
    const receiver = await webhookReceiver();
    const sandbox = await served({ outboundWebhook: { url: receiver.url, secret: SECRET } });
    const api = await loggedInApi(sandbox);
    await send(api, guestMessage('guest-control'));
    await sandbox.outboundSettled();
    const before = sandbox.stats();

    const response = await fetch(`${sandbox.url}/__sandbox/outbound`);
    const wrongMethod = await fetch(`${sandbox.url}/__sandbox/outbound`, { method: 'POST' });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      agentMessages: sandbox.agentMessages(),
      deliveries: sandbox.outboundDeliveries(),
      stats: sandbox.outboundStats(),
    });
    expect(sandbox.outboundDeliveries()).toHaveLength(1);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(sandbox.stats()).toEqual(before);
  });
});

describe('retries as Genesys retries', () => {
  it('retries 500 three times, then delivers on 200: 4 attempts with the same bytes', async () => {
    const receiver = await webhookReceiver((nth) => (nth <= 3 ? 500 : 200));
    const sandbox = await served({ outboundWebhook: { url: receiver.url, secret: SECRET } });
    const api = await loggedInApi(sandbox);

    await send(api, guestMessage('guest-500'));
    await sandbox.outboundSettled();

    expect(receiver.received).toHaveLength(4);
    const [first] = receiver.received as [ReceivedWebhook];
    for (const webhook of receiver.received) {
      expect(webhook.raw.equals(first.raw)).toBe(true);
      expect(webhook.signature).toBe(expectedSignature(first));
    }
    const [delivery] = sandbox.outboundDeliveries();
    expect(delivery?.outcome).toBe('delivered');
    expect(delivery?.attempts.map((attempt) => attempt.answer)).toEqual([
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 200 },
    ]);
    expect(sandbox.outboundStats()).toMatchObject({ attempts: 4, retries: 3, delivered: 1 });
  });

  it.each([400, 401, 404])('does not retry a %i', async (status) => {
    const receiver = await webhookReceiver(() => status);
    const sandbox = await served({ outboundWebhook: { url: receiver.url, secret: SECRET } });
    const api = await loggedInApi(sandbox);

    await send(api, guestMessage(`guest-${status}`));
    await sandbox.outboundSettled();

    expect(receiver.received).toHaveLength(1);
    expect(sandbox.outboundDeliveries()[0]).toMatchObject({
      outcome: 'refused',
      attempts: [{ attempt: 1, answer: { kind: 'status', status } }],
    });
    expect(sandbox.outboundStats()).toMatchObject({ retries: 0, refused: 1 });
  });

  it('retries 429 and 503 up to 5 times, then gives up', async () => {
    const receiver = await webhookReceiver((nth) => (nth % 2 === 0 ? 429 : 503));
    const sandbox = await served({ outboundWebhook: { url: receiver.url, secret: SECRET } });
    const api = await loggedInApi(sandbox);

    await send(api, guestMessage('guest-busy'));
    await sandbox.outboundSettled();

    expect(receiver.received).toHaveLength(6);
    const [delivery] = sandbox.outboundDeliveries();
    expect(delivery?.outcome).toBe('gaveUp');
    expect(delivery?.attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sandbox.outboundStats()).toMatchObject({ attempts: 6, retries: 5, gaveUp: 1 });
  });

  it('retries an attempt the receiver does not answer in time', async () => {
    const receiver = await webhookReceiver((nth) => (nth <= 2 ? 'never' : 204));
    const sandbox = await served({
      outboundWebhook: { url: receiver.url, secret: SECRET },
      webhookDelivery: { backoffMs: 1, timeoutMs: 200 },
    });
    const api = await loggedInApi(sandbox);

    await send(api, guestMessage('guest-slow-receiver'));
    await sandbox.outboundSettled();

    const [delivery] = sandbox.outboundDeliveries();
    expect(delivery?.attempts.map((attempt) => attempt.answer)).toEqual([
      { kind: 'timeout' },
      { kind: 'timeout' },
      { kind: 'status', status: 204 },
    ]);
    expect(delivery?.outcome).toBe('delivered');
    expect(new Set(receiver.received.map((webhook) => webhook.json['id'])).size).toBe(1);
    expect(sandbox.outboundStats()).toMatchObject({ timeouts: 2, retries: 2 });
  });

  it('retries when nothing listens at the webhook, then gives up', async () => {
    const closed = await startSandbox();
    const deadUrl = `${closed.url}/nobody`;
    await closed.close();
    const sandbox = await served({
      outboundWebhook: { url: deadUrl, secret: SECRET },
      webhookDelivery: { backoffMs: 1, maxRetries: 2 },
    });
    const api = await loggedInApi(sandbox);

    await send(api, guestMessage('guest-dead'));
    await sandbox.outboundSettled();

    const [delivery] = sandbox.outboundDeliveries();
    expect(delivery?.outcome).toBe('gaveUp');
    expect(delivery?.attempts.map((attempt) => attempt.answer.kind)).toEqual([
      'networkError',
      'networkError',
      'networkError',
    ]);
  });
});

describe('the retry storm fault', () => {
  it('delivers the same webhook 5 times, 3 of them at once, although each got a 2xx', async () => {
    // The first three answers wait until all three are in flight: sent one after another,
    // the first would never be answered and the test would record timeouts instead.
    let releaseBarrier: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => {
      releaseBarrier = resolve;
    });
    const receiver = await webhookReceiver(async (nth) => {
      if (nth === 3) releaseBarrier();
      if (nth <= 3) await barrier;
      return 200;
    });
    const sandbox = await served({
      outboundWebhook: { url: receiver.url, secret: SECRET },
      webhookDelivery: { backoffMs: 1, timeoutMs: 5_000, copies: 5, concurrentCopies: 3 },
    });
    const api = await loggedInApi(sandbox);

    await send(api, guestMessage('guest-storm'));
    await sandbox.outboundSettled();

    expect(receiver.received).toHaveLength(5);
    const ids = new Set(receiver.received.map((webhook) => webhook.json['id']));
    expect(ids.size).toBe(1);
    for (const webhook of receiver.received)
      expect(webhook.signature).toBe(expectedSignature(webhook));
    const deliveries = sandbox.outboundDeliveries();
    expect(deliveries.map((delivery) => delivery.copy).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(deliveries.every((delivery) => delivery.outcome === 'delivered')).toBe(true);
    expect(deliveries.every((delivery) => delivery.attempts.length === 1)).toBe(true);
  });
});

describe('the webhook setting', () => {
  it('refuses a secret of 15 characters or fewer at start, and at runtime', async () => {
    const start = startSandbox({
      outboundWebhook: { url: 'http://127.0.0.1:1/hook', secret: '15-characters!!' },
    });
    const refusal: unknown = await start.then(
      () => {
        throw new Error('expected startSandbox to refuse the secret');
      },
      (error: unknown) => error,
    );
    expect(isSandboxSettingError(refusal)).toBe(true);
    expect(refusal).toMatchObject({
      code: 'SANDBOX_SETTING_INVALID',
      setting: 'outboundWebhook.secret',
      message: expect.stringContaining('longer than 15 characters') as unknown,
    });

    const receiver = await webhookReceiver();
    const sandbox = await served({ outboundWebhook: { url: receiver.url, secret: SECRET } });
    expect(() => {
      sandbox.setOutboundWebhook({ url: receiver.url, secret: 'short' });
    }).toThrow(/outboundWebhook\.secret/);
    expect(() => {
      sandbox.setOutboundWebhook({ url: 'ftp://files.example/', secret: SECRET });
    }).toThrow(/not an http or https URL/);
    expect(sandbox.outboundWebhook()?.url).toBe(receiver.url);
  });

  it('refuses a reply template that names an unknown placeholder', async () => {
    await expect(startSandbox({ agentReplies: { text: 'You said: {text}' } })).rejects.toThrow(
      /unknown placeholder \{text\}/,
    );
  });

  it('takes a webhook set at runtime, for replies due from then on', async () => {
    const first = await webhookReceiver();
    const second = await webhookReceiver();
    const sandbox = await served();
    const api = await loggedInApi(sandbox);

    await send(api, guestMessage('guest-early'));
    await sandbox.outboundSettled();
    sandbox.setOutboundWebhook({ url: first.url, secret: SECRET });
    await send(api, guestMessage('guest-first'));
    await sandbox.outboundSettled();
    const otherSecret = 'another-secret-of-enough-length';
    sandbox.setOutboundWebhook({ url: second.url, secret: otherSecret });
    await send(api, guestMessage('guest-second'));
    await sandbox.outboundSettled();

    expect(sandbox.outboundStats().withoutWebhook).toBe(1);
    expect(first.received.map((webhook) => webhook.json['channel'])).toEqual([
      expect.objectContaining({ to: { id: 'guest-first' } }),
    ]);
    expect(second.received.map((webhook) => webhook.json['channel'])).toEqual([
      expect.objectContaining({ to: { id: 'guest-second' } }),
    ]);
    expect(second.received[0]?.signature).toBe(expectedSignature(second.received[0]!, otherSecret));
  });
});

describe('inbound answers while webhooks are pending', () => {
  it('answers guest messages at once while every webhook waits on a receiver that hangs', async () => {
    const receiver = await webhookReceiver(() => 'never');
    const sandbox = await served({
      outboundWebhook: { url: receiver.url, secret: SECRET },
      webhookDelivery: { timeoutMs: 60_000 },
    });
    const api = await loggedInApi(sandbox);

    for (let index = 0; index < 3; index++) await send(api, guestMessage(`guest-hang-${index}`));
    // Every inbound call resolved; the webhooks they caused are all still in flight.
    for (let tries = 0; tries < 200 && receiver.received.length < 3; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    expect(sandbox.received()).toHaveLength(3);
    expect(receiver.received).toHaveLength(3);
    expect(sandbox.outboundDeliveries().map((delivery) => delivery.outcome)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    await sandbox.close();
    expect(sandbox.outboundDeliveries().map((delivery) => delivery.outcome)).toEqual([
      'abandoned',
      'abandoned',
      'abandoned',
    ]);
  });
});
