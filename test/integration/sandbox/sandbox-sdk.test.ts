import platformClient from 'purecloud-platform-client-v2';
import { describe, expect, it } from 'vitest';
import type { RunningSandbox, SandboxOptions } from '../../../src/sandbox/index.js';
import { requestToken, sandboxWith } from '../../support/sandbox-harness.js';

/**
 * The sandbox driven by the real SDK, configured the way the contract says (§1.5, §1.6, §2.1):
 * an independent client, live reload off, a plain-http gateway and extended responses.
 */

type InboundMessage = platformClient.Models.OpenInboundNormalizedMessage;
type InboundReceipt = platformClient.Models.OpenInboundNormalizedReceipt;
type NormalizedMessage = platformClient.Models.OpenMessageNormalizedMessage;
type Headers = Readonly<Record<string, string | undefined>>;

/** What extended responses resolve and reject with; the SDK's own types do not say so. */
interface Extended<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

interface GenesysError {
  readonly message: string;
  readonly code: string;
  readonly status: number;
  readonly contextId: string;
  readonly details: readonly { errorCode: string; fieldName: string }[];
  readonly errors: readonly unknown[];
}

interface NetworkError {
  readonly code?: string;
  readonly response?: { status: number; data: unknown };
}

const INTEGRATION = 'integration-1';
/** A sandbox serving INTEGRATION, closed when the test ends; `options` may name others. */
const served = (options: SandboxOptions = {}) =>
  sandboxWith({ integrationIds: [INTEGRATION], ...options });
function sdkClient(sandbox: RunningSandbox): InstanceType<typeof platformClient.ApiClientClass> {
  const client = new platformClient.ApiClientClass();
  client.config.live_reload_config = false;
  client.setGateway({ host: '127.0.0.1', protocol: 'http', port: sandbox.port });
  client.setReturnExtendedResponses(true);
  client.getHttpClient().setTimeout(5_000);
  return client;
}

async function loggedInApi(
  sandbox: RunningSandbox,
): Promise<InstanceType<typeof platformClient.ConversationsApi>> {
  const client = sdkClient(sandbox);
  await client.loginClientCredentialsGrant('sandbox-client', 'sandbox-secret');
  return new platformClient.ConversationsApi(client);
}

async function extended<T>(call: Promise<T>): Promise<Extended<T>> {
  return (await call) as unknown as Extended<T>;
}

/** What the call rejects with; a call that resolves fails the test. */
async function failureOf<T>(call: Promise<unknown>): Promise<T> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as T,
  );
}

/** An answered failure: the extended response the SDK rejects with. */
const rejection = <T = GenesysError>(call: Promise<unknown>): Promise<Extended<T>> =>
  failureOf<Extended<T>>(call);

/** A failure without an answer (reset, timeout): the SDK's network error. */
const networkFailure = (call: Promise<unknown>): Promise<NetworkError> =>
  failureOf<NetworkError>(call);

function guestMessage(guestId: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channel: {
      from: { id: guestId, idType: 'Email', nickname: 'Guest' },
      time: '2026-11-28T10:00:00.000Z',
      messageId: `msg-${guestId}-${Math.random().toString(36).slice(2)}`,
    },
    text: 'hello',
    ...overrides,
  };
}

function send(
  api: InstanceType<typeof platformClient.ConversationsApi>,
  body: InboundMessage,
  prefetchConversationId = true,
): Promise<NormalizedMessage> {
  return api.postConversationsMessageInboundOpenMessage(INTEGRATION, body, {
    prefetchConversationId,
  });
}

describe('POST /oauth/token', () => {
  it('grants a bearer token the sandbox remembers, for the configured lifetime', async () => {
    const sandbox = await served({ tokenLifetimeSeconds: 3600 });
    const client = sdkClient(sandbox);
    const before = Date.now();

    const authData = await client.loginClientCredentialsGrant('sandbox-client', 'sandbox-secret');

    expect(sandbox.issuedTokens()).toEqual([authData.accessToken]);
    expect(authData.tokenExpiryTime).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(sandbox.stats().tokensIssued).toBe(1);
  });

  it('refuses a wrong secret and an unknown client with 401 invalid_client', async () => {
    const sandbox = await served({ clients: [{ clientId: 'a', clientSecret: 'right' }] });

    for (const [id, secret] of [
      ['a', 'wrong'],
      ['nobody', 'right'],
    ] as const) {
      const error = await networkFailure(
        sdkClient(sandbox).loginClientCredentialsGrant(id, secret),
      );
      expect(error.response?.status).toBe(401);
      expect(error.response?.data).toMatchObject({ error: 'invalid_client' });
    }
    expect(sandbox.issuedTokens()).toEqual([]);
  });

  it('refuses any grant but client_credentials with 400 unsupported_grant_type', async () => {
    const sandbox = await served();
    const response = await requestToken(sandbox, 'grant_type=password');

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });
});

describe('accepted inbound requests', () => {
  it('answers a message with the normalized message and a conversation stable per guest', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    const first = guestMessage('guest-a', { metadata: { ticket: '42' } });

    const answer = await extended(send(api, first));
    const again = await extended(send(api, guestMessage('guest-a')));
    const otherGuest = await extended(send(api, guestMessage('guest-b')));
    const withoutPrefetch = await extended(send(api, guestMessage('guest-a'), false));

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: expect.any(String) as unknown,
      channel: {
        id: INTEGRATION,
        platform: 'Open',
        type: 'Private',
        messageId: first.channel.messageId,
        to: { id: INTEGRATION },
        from: first.channel.from,
        time: first.channel.time,
      },
      type: 'Text',
      text: 'hello',
      metadata: { ticket: '42' },
      direction: 'Inbound',
      conversationId: expect.any(String) as unknown,
    });
    expect(again.body.conversationId).toBe(answer.body.conversationId);
    expect(otherGuest.body.conversationId).not.toBe(answer.body.conversationId);
    expect(withoutPrefetch.body.conversationId).toBeUndefined();
    expect(answer.headers['inin-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);

    const received = sandbox.received();
    expect(received.map((request) => request.messageId)).toEqual([
      first.channel.messageId,
      expect.any(String),
      expect.any(String),
      expect.any(String),
    ]);
    expect(received[0]).toMatchObject({
      endpoint: 'message',
      integrationId: INTEGRATION,
      body: first,
      genesysMessageId: answer.body.id,
      conversationId: answer.body.conversationId,
      copies: 1,
    });
    expect(received[3]?.conversationId).toBe(answer.body.conversationId);
  });

  it('maps attachments to content items of type Attachment', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    const attachment = {
      mediaType: 'Image',
      url: 'https://files.example/cat.png',
      mime: 'image/png',
      filename: 'cat.png',
    };
    const body = guestMessage('guest-a', { content: [{ attachment }] });
    delete body.text;

    const answer = await extended(send(api, body));

    expect(answer.body.content).toEqual([{ contentType: 'Attachment', attachment }]);
    expect(answer.body.text).toBeUndefined();
  });

  it('answers Delivered and Failed receipts with the normalized receipt', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    const delivered: InboundReceipt = {
      id: 'platform-msg-1',
      channel: { to: { id: 'guest-a', idType: 'Email' }, time: '2026-11-28T10:00:01Z' },
      status: 'Delivered',
      isFinalReceipt: true,
    };
    const failed: InboundReceipt = {
      id: 'platform-msg-2',
      channel: { to: { id: 'guest-a' }, time: '2026-11-28T10:00:02+01:00' },
      status: 'Failed',
      reasons: [{ code: 'GeneralError', message: 'the phone is off' }],
    };

    const deliveredAnswer = await extended(
      api.postConversationsMessageInboundOpenReceipt(INTEGRATION, delivered),
    );
    const failedAnswer = await extended(
      api.postConversationsMessageInboundOpenReceipt(INTEGRATION, failed),
    );

    expect(deliveredAnswer.status).toBe(200);
    expect(deliveredAnswer.body).toMatchObject({
      type: 'Receipt',
      status: 'Delivered',
      isFinalReceipt: true,
      direction: 'Inbound',
      channel: { id: INTEGRATION, messageId: 'platform-msg-1', to: { id: 'guest-a' } },
    });
    expect(failedAnswer.body).toMatchObject({ status: 'Failed', reasons: failed.reasons });
    expect(sandbox.received().map((request) => [request.endpoint, request.messageId])).toEqual([
      ['receipt', 'platform-msg-1'],
      ['receipt', 'platform-msg-2'],
    ]);
  });

  it('answers a typing event with the normalized event, in the guest conversation', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    const message = await extended(send(api, guestMessage('guest-a')));
    const event = {
      channel: { from: { id: 'guest-a', idType: 'Email' }, time: '2026-11-28T10:00:03Z' },
      events: [{ eventType: 'Typing', typing: { type: 'On', duration: 5000 } }],
    };

    const answer = await extended(api.postConversationsMessageInboundOpenEvent(INTEGRATION, event));

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ type: 'Event', events: event.events });
    expect(sandbox.received()[1]).toMatchObject({
      endpoint: 'event',
      messageId: null,
      conversationId: message.body.conversationId,
    });
  });

  it('accepts a duplicate channel.messageId again, with the same genesys id, and counts it', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    const body = guestMessage('guest-a');

    const first = await extended(send(api, body));
    const second = await extended(send(api, body));

    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(sandbox.received()).toHaveLength(1);
    expect(sandbox.received()[0]?.copies).toBe(2);
    expect(sandbox.stats()).toMatchObject({ accepted: 2, duplicates: 1 });
  });

  it('lists every copy in arrival order, duplicates included', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    const [a, b] = [guestMessage('guest-a'), guestMessage('guest-b')];

    for (const body of [a, b, a, a]) await extended(send(api, body));

    expect(sandbox.arrivals().map((copy) => [copy.messageId, copy.copy])).toEqual([
      [a.channel.messageId, 1],
      [b.channel.messageId, 1],
      [a.channel.messageId, 2],
      [a.channel.messageId, 3],
    ]);
    expect(sandbox.arrivals()[0]).toMatchObject({
      endpoint: 'message',
      integrationId: INTEGRATION,
    });
    sandbox.reset();
    expect(sandbox.arrivals()).toEqual([]);
  });
});

describe('400 validation', () => {
  it('names every bad field of a message at once', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    const body = {
      channel: { from: { id: '', idType: 'Fax' }, time: 'yesterday' },
      text: 42,
      content: [{ attachment: { mediaType: 'Hologram', url: 'https://x' } }],
      metadata: { ok: 'yes', bad: 7 },
    } as unknown as InboundMessage;

    const answer = await rejection(send(api, body));

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'bad.request', status: 400, errors: [] });
    expect(answer.body.contextId).toBe(answer.headers['inin-correlation-id']);
    expect(answer.body.details.map((detail) => detail.fieldName).sort()).toEqual(
      [
        'channel.from.id',
        'channel.from.idType',
        'channel.time',
        'content[0].attachment.mediaType',
        'content[0].attachment.mime',
        'metadata.bad',
        'text',
      ].sort(),
    );
    expect(sandbox.received()).toEqual([]);
  });

  it('requires text or content, and the channel', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);

    const noText = await rejection(send(api, guestMessage('guest-a', { text: '' })));
    const noChannel = await rejection(send(api, { text: 'hi' } as unknown as InboundMessage));

    expect(noText.body.details).toEqual([
      { fieldName: 'text', errorCode: 'text.or.content.required' },
    ]);
    expect(noChannel.body.details).toEqual([{ fieldName: 'channel', errorCode: 'field.required' }]);
  });

  it('accepts only Delivered and Failed receipts, and known reason codes', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    const receipt = (status: string, extra: object = {}): InboundReceipt => ({
      id: 'platform-msg-1',
      channel: { to: { id: 'guest-a' }, time: '2026-11-28T10:00:00Z' },
      status,
      ...extra,
    });
    const post = (body: InboundReceipt) =>
      rejection(api.postConversationsMessageInboundOpenReceipt(INTEGRATION, body));

    const sent = await post(receipt('Sent'));
    const read = await post(receipt('Read'));
    const badReason = await post(receipt('Failed', { reasons: [{ code: 'Oops' }] }));

    expect(sent.body.details).toEqual([
      { fieldName: 'status', errorCode: 'unsupported.receipt.status' },
    ]);
    expect(read.body.details).toEqual([{ fieldName: 'status', errorCode: 'invalid.enum.value' }]);
    expect(badReason.body.details.map((detail) => detail.fieldName)).toEqual([
      'reasons[0].message',
      'reasons[0].code',
    ]);
  });

  it('accepts only Typing events', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    const event = {
      channel: { from: { id: 'guest-a', idType: 'Opaque' }, time: '2026-11-28T10:00:00Z' },
      events: [{ eventType: 'Presence' }],
    };

    const answer = await rejection(
      api.postConversationsMessageInboundOpenEvent(INTEGRATION, event),
    );

    expect(answer.body.details).toEqual([
      { fieldName: 'events[0].eventType', errorCode: 'invalid.enum.value' },
    ]);
  });

  it('refuses a body that is not JSON', async () => {
    const sandbox = await served();
    const client = sdkClient(sandbox);
    const { accessToken } = await client.loginClientCredentialsGrant(
      'sandbox-client',
      'sandbox-secret',
    );

    const response = await fetch(
      `${sandbox.url}/api/v2/conversations/messages/${INTEGRATION}/inbound/open/message`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: '{"channel":',
      },
    );

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'bad.request', details: [] });
  });
});

describe('401 authentication', () => {
  const messagePath = `/api/v2/conversations/messages/${INTEGRATION}/inbound/open/message`;

  it('answers authentication.required without a bearer token', async () => {
    const sandbox = await served();

    const response = await fetch(`${sandbox.url}${messagePath}`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(401);
    const body = (await response.json()) as GenesysError;
    expect(body).toMatchObject({ code: 'authentication.required', status: 401, details: [] });
    expect(body.contextId).toBe(response.headers.get('inin-correlation-id'));
  });

  it('answers bad.credentials once the token has expired', async () => {
    let now = Date.parse('2026-11-28T10:00:00Z');
    const sandbox = await served({ tokenLifetimeSeconds: 60, now: () => now });
    const api = await loggedInApi(sandbox);
    expect((await extended(send(api, guestMessage('guest-a')))).status).toBe(200);

    now += 60_000;
    const answer = await rejection(send(api, guestMessage('guest-a')));

    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('bad.credentials');
    expect(sandbox.received()).toHaveLength(1);
  });

  it('answers bad.credentials once all tokens are revoked, until the client logs in again', async () => {
    const sandbox = await served();
    const client = sdkClient(sandbox);
    await client.loginClientCredentialsGrant('sandbox-client', 'sandbox-secret');
    const api = new platformClient.ConversationsApi(client);

    sandbox.revokeAllTokens();
    const revoked = await rejection(send(api, guestMessage('guest-a')));
    await client.loginClientCredentialsGrant('sandbox-client', 'sandbox-secret');
    const renewed = await extended(send(api, guestMessage('guest-a')));

    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe('bad.credentials');
    expect(renewed.status).toBe(200);
    expect(sandbox.issuedTokens()).toHaveLength(2);
  });
});

describe('413', () => {
  it('refuses a body above maxBodyBytes', async () => {
    const sandbox = await served({ maxBodyBytes: 2048 });
    const api = await loggedInApi(sandbox);

    const answer = await rejection(
      send(api, guestMessage('guest-a', { text: 'x'.repeat(200_000) })),
    );

    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'request.entity.too.large', status: 413 });
    expect(sandbox.received()).toEqual([]);
  });
});

describe('per-token rate limit', () => {
  it('announces the window in headers and answers 429 with Retry-After past the limit', async () => {
    let now = Date.parse('2026-11-28T10:00:00Z');
    const sandbox = await served({ rateLimitPerMinute: 3, now: () => now });
    const api = await loggedInApi(sandbox);

    const answers = [];
    for (let index = 0; index < 3; index += 1) {
      answers.push(await extended(send(api, guestMessage('guest-a'))));
      now += 1_000;
    }
    now += 17_500; // 20.5 s into the window
    const limited = await rejection(send(api, guestMessage('guest-a')));
    now += 40_000; // the window has reset
    const afterReset = await extended(send(api, guestMessage('guest-a')));

    expect(answers.map((answer) => answer.headers['inin-ratelimit-count'])).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(answers[0]?.headers['inin-ratelimit-allowed']).toBe('3');
    expect(answers.map((answer) => answer.headers['inin-ratelimit-reset'])).toEqual([
      '60',
      '59',
      '58',
    ]);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('40');
    expect(limited.body).toEqual({
      message: 'Rate limit exceeded the maximum. Retry the request in [40] seconds',
      code: 'too.many.requests.retry.after',
      status: 429,
      messageParams: {},
      contextId: limited.headers['inin-correlation-id'],
      details: [],
      errors: [],
    });
    expect(limited.headers['inin-ratelimit-count']).toBe('4');
    expect(afterReset.headers['inin-ratelimit-count']).toBe('1');
    expect(sandbox.received()).toHaveLength(4);
    expect(sandbox.stats()).toMatchObject({ rateLimited: 1, rateLimitedByWindow: 1 });
  });

  it('announces the window on answers that do not count too, without counting them', async () => {
    const sandbox = await served({ rateLimitPerMinute: 50, seed: 3 });
    const client = sdkClient(sandbox);
    const { accessToken } = await client.loginClientCredentialsGrant(
      'sandbox-client',
      'sandbox-secret',
    );
    const api = new platformClient.ConversationsApi(client);
    await extended(send(api, guestMessage('guest-a')));
    const url = `${sandbox.url}/api/v2/conversations/messages/${INTEGRATION}/inbound/open/message`;
    const bearer = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };

    sandbox.setFaults({ serverError: 1 });
    const injected = await fetch(url, { method: 'POST', headers: bearer, body: '{}' });
    sandbox.setFaults({});
    const missingToken = await fetch(url, { method: 'POST', body: '{}' });
    const notFound = await fetch(`${sandbox.url}/api/v2/nothing-here`, { headers: bearer });
    const token = await requestToken(sandbox);

    const rateHeaders = (response: Response) => [
      response.status,
      response.headers.get('inin-ratelimit-allowed'),
      response.headers.get('inin-ratelimit-count'),
      response.headers.get('inin-ratelimit-reset') === null ? 'no reset' : 'reset',
    ];
    expect([injected, missingToken, notFound, token].map(rateHeaders)).toEqual([
      [503, '50', '1', 'reset'],
      [401, '50', '0', 'reset'],
      [404, '50', '1', 'reset'],
      [200, '50', '0', 'reset'],
    ]);
    const next = await extended(send(api, guestMessage('guest-a')));
    expect(next.headers['inin-ratelimit-count']).toBe('2');
  });

  it('counts requests that end in 4xx toward the window', async () => {
    const sandbox = await served({ rateLimitPerMinute: 2 });
    const api = await loggedInApi(sandbox);

    const invalid = await rejection(send(api, guestMessage('guest-a', { text: '' })));
    await extended(send(api, guestMessage('guest-a')));
    const limited = await rejection(send(api, guestMessage('guest-a')));

    expect(invalid.status).toBe(400);
    expect(invalid.headers['inin-ratelimit-count']).toBe('1');
    expect(limited.status).toBe(429);
  });

  it('leaves out the allowed header when unlimited', async () => {
    const sandbox = await served({ rateLimitPerMinute: null });
    const api = await loggedInApi(sandbox);

    const answer = await extended(send(api, guestMessage('guest-a')));

    expect(answer.headers['inin-ratelimit-count']).toBe('1');
    expect(answer.headers['inin-ratelimit-allowed']).toBeUndefined();
  });
});

describe('scripted faults', () => {
  it('plays numbered and unnumbered answers in order and records none of them', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    sandbox.script([
      { nth: 3, answer: { kind: 'status', status: 502 } },
      {
        answer: { kind: 'status', status: 503, body: { message: 'busy' }, headers: { 'x-a': 'b' } },
      },
      { answer: { kind: 'reset' } },
    ]);

    const unavailable = await rejection<unknown>(send(api, guestMessage('guest-a')));
    const reset = await networkFailure(send(api, guestMessage('guest-a')));
    const badGateway = await rejection<unknown>(send(api, guestMessage('guest-a')));
    const normal = await extended(send(api, guestMessage('guest-a')));

    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toEqual({ message: 'busy' });
    expect(unavailable.headers['x-a']).toBe('b');
    expect(unavailable.headers['inin-correlation-id']).toBeDefined();
    expect(reset.code).toBe('ECONNRESET');
    expect(reset.response).toBeUndefined();
    expect(badGateway.status).toBe(502);
    expect(badGateway.body).toBe('');
    expect(normal.status).toBe(200);
    expect(sandbox.received()).toHaveLength(1);
    expect(sandbox.stats()).toMatchObject({
      connectionResets: 1,
      faultsInjected: { scripted: 3 },
      answersByStatus: { '200': 2, '502': 1, '503': 1 }, // the token grant and the message
    });
  });

  it('delays then answers normally, and records the request', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    sandbox.script([{ answer: { kind: 'delay', ms: 150 } }]);

    const started = performance.now();
    const answer = await extended(send(api, guestMessage('guest-a')));

    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(answer.status).toBe(200);
    expect(sandbox.received()).toHaveLength(1);
  });

  it('revokes the caller token and answers 401', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    sandbox.script([{ answer: { kind: 'revokeToken' } }]);

    const revoked = await rejection(send(api, guestMessage('guest-a')));
    const stillRevoked = await rejection(send(api, guestMessage('guest-a')));

    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe('bad.credentials');
    expect(stillRevoked.status).toBe(401);
    expect(sandbox.received()).toEqual([]);
  });

  it('a client timeout sees a delay longer than its timeout as ECONNABORTED', async () => {
    const sandbox = await served();
    const client = sdkClient(sandbox);
    await client.loginClientCredentialsGrant('sandbox-client', 'sandbox-secret');
    client.getHttpClient().setTimeout(100);
    sandbox.script([{ answer: { kind: 'delay', ms: 1_000 } }]);

    const error = await networkFailure(
      send(new platformClient.ConversationsApi(client), guestMessage('guest-a')),
    );

    expect(error.code).toBe('ECONNABORTED');
  });
});

/** An HTTP status for answered failures, the error code for network failures. */
function failureOutcome(error: unknown): number | string {
  const failure = error as Partial<Extended<unknown>> & NetworkError;
  return failure.status ?? failure.code ?? 'unknown';
}

describe('seeded fault rates', () => {
  async function outcomes(seed: number, count: number): Promise<(number | string)[]> {
    const sandbox = await served({
      seed,
      faults: {
        serverError: 0.2,
        serverErrorEmptyBody: 0.2,
        rateLimited: 0.2,
        connectionReset: 0.1,
      },
    });
    const api = await loggedInApi(sandbox);
    const results: (number | string)[] = [];
    for (let index = 0; index < count; index += 1) {
      results.push(
        await send(api, guestMessage('guest-a')).then(
          (answer) => (answer as unknown as Extended<unknown>).status,
          (error: unknown) => failureOutcome(error),
        ),
      );
    }
    expect(sandbox.received()).toHaveLength(results.filter((result) => result === 200).length);
    return results;
  }

  it('gives the same sequence for the same seed, and a different one for another seed', async () => {
    const first = await outcomes(7, 40);
    const second = await outcomes(7, 40);
    const other = await outcomes(8, 40);

    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 502, 503, 429, 'ECONNRESET']));
  });

  it('injects each kind with its documented shape', async () => {
    const sandbox = await served({ retryAfterSeconds: 3 });
    const api = await loggedInApi(sandbox);

    sandbox.setFaults({ serverError: 1 });
    const serverError = await rejection(send(api, guestMessage('guest-a')));
    sandbox.setFaults({ serverErrorEmptyBody: 1 });
    const emptyBody = await rejection<unknown>(send(api, guestMessage('guest-a')));
    sandbox.setFaults({ rateLimited: 1 });
    const rateLimited = await rejection(send(api, guestMessage('guest-a')));
    sandbox.setFaults({ connectionReset: 1 });
    const reset = await networkFailure(send(api, guestMessage('guest-a')));
    sandbox.setFaults({ slow: 1, slowMs: 120 });
    const started = performance.now();
    const slow = await extended(send(api, guestMessage('guest-a')));
    const slowElapsed = performance.now() - started;

    expect(serverError.status).toBe(503);
    expect(serverError.body).toMatchObject({ status: 503, details: [], errors: [] });
    expect([502, 503]).toContain(emptyBody.status);
    expect(emptyBody.body).toBe('');
    expect(rateLimited.status).toBe(429);
    expect(rateLimited.headers['retry-after']).toBe('3');
    expect(rateLimited.body).toMatchObject({
      code: 'too.many.requests.retry.after',
      message: 'Rate limit exceeded the maximum. Retry the request in [3] seconds',
    });
    expect(reset.code).toBe('ECONNRESET');
    expect(slow.status).toBe(200);
    expect(slowElapsed).toBeGreaterThanOrEqual(110);
    expect(sandbox.received()).toHaveLength(1);
    expect(sandbox.stats().faultsInjected).toEqual({
      serverError: 1,
      serverErrorEmptyBody: 1,
      rateLimited: 1,
      connectionReset: 1,
      slow: 1,
      scripted: 0,
    });
  });

  it('revokes every token periodically', async () => {
    const sandbox = await served();
    const api = await loggedInApi(sandbox);
    sandbox.setFaults({ revokeTokensEveryMs: 50 });

    await new Promise((resolve) => setTimeout(resolve, 120));
    const answer = await rejection(send(api, guestMessage('guest-a')));

    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('bad.credentials');
  });
});

describe('integration ids', () => {
  it('answers 404 for an integration the sandbox was not told about', async () => {
    const sandbox = await served({ integrationIds: ['known'] });
    const api = await loggedInApi(sandbox);

    const answer = await rejection(
      api.postConversationsMessageInboundOpenMessage('unknown', guestMessage('guest-a')),
    );
    const known = await extended(
      api.postConversationsMessageInboundOpenMessage('known', guestMessage('guest-a')),
    );

    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('not.found');
    expect(known.status).toBe(200);
  });
});
