import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import {
  OpenMessagingTransport,
  type OpenMessagingOptions,
} from '../../../src/adapters/genesys/open-messaging/index.js';
import {
  startSandbox,
  type RunningSandbox,
  type SandboxOptions,
} from '../../../src/sandbox/index.js';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import type { TransportOutcome, TransportRequest } from '../../../src/application/ports/index.js';
import { hasErrorCode, type Guest, type TransmissionContent } from '../../../src/domain/index.js';
import { sandboxGenesys } from '../../support/transport-harness.js';

/**
 * The real SDK (purecloud-platform-client-v2) over real HTTP against the sandbox Genesys:
 * nothing here is mocked, so these tests also pin down how the SDK behaves.
 */

const guest: Guest = { id: 'guest-it-1', idType: 'Opaque', nickname: 'Ada' };
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Fixture {
  readonly sandbox: RunningSandbox;
  readonly transport: OpenMessagingTransport;
  readonly logger: InMemoryLogger;
}

const INTEGRATION = 'integration-it';
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const resource of open.splice(0).reverse()) await resource.close();
});

async function setup(
  sandboxOptions: SandboxOptions = {},
  transportOptions: Partial<OpenMessagingOptions> = {},
): Promise<Fixture> {
  const sandbox = await startSandbox({ integrationIds: [INTEGRATION], ...sandboxOptions });
  open.push(sandbox);
  const logger = new InMemoryLogger();
  const transport = new OpenMessagingTransport(
    { ...sandboxGenesys(sandbox.url, INTEGRATION), ...transportOptions },
    new SystemClock(),
    logger,
  );
  open.push(transport);
  return { sandbox, transport, logger };
}

function request(commandId: string, content: TransmissionContent): TransportRequest {
  return { commandId, kind: content.kind, conversationRef: content.guest.id, content, attempt: 1 };
}

function message(
  commandId: string,
  overrides: Partial<TransmissionContent & { kind: 'message' }> = {},
) {
  return request(commandId, {
    kind: 'message',
    guest,
    text: 'hello from the integration test',
    attachments: [],
    metadata: {},
    ...overrides,
  });
}

function failureOf(outcome: TransportOutcome) {
  if (outcome.ok) throw new Error('expected a failure, got a delivery');
  return outcome.failure;
}

function tokenRequests(sandbox: RunningSandbox): number {
  return sandbox.stats().requestsByEndpoint.token;
}

describe('OpenMessagingTransport against the sandbox', () => {
  it('delivers a message with attachments and metadata as Genesys expects it', async () => {
    const { sandbox, transport } = await setup();
    const before = Date.now();
    const outcome = await transport.send(
      message('cmd-happy-1', {
        attachments: [
          {
            url: 'https://files.example.com/cat.png',
            mime: 'image/png',
            filename: 'cat.png',
            sizeBytes: 2048,
            caption: 'the cat',
          },
          {
            url: 'https://files.example.com/report.pdf',
            mime: 'application/pdf',
            filename: 'report.pdf',
            sizeBytes: 4096,
            sha256: 'a'.repeat(64),
          },
        ],
        metadata: { orderId: '42', channel: 'shop' },
      }),
    );

    if (!outcome.ok) throw new Error(`expected a delivery: ${JSON.stringify(outcome.failure)}`);
    const [received] = sandbox.received();
    expect(received?.endpoint).toBe('message');
    expect(received?.messageId).toBe('cmd-happy-1');
    expect(outcome.genesysMessageId).toBe(received?.genesysMessageId);
    expect(outcome.genesysConversationId).toBe(received?.conversationId);
    expect(outcome.genesysConversationId).not.toBeNull();
    expect(outcome.correlationId).toMatch(/\S/);
    expect(outcome.rateLimit).toMatchObject({ allowed: 300, count: 1 });

    const body = received?.body as {
      channel: { from: unknown; time: string; messageId: string };
      text: string;
      content: { attachment: Record<string, unknown> }[];
      metadata: Record<string, string>;
    };
    expect(body.channel.from).toEqual({ id: 'guest-it-1', idType: 'Opaque', nickname: 'Ada' });
    expect(body.channel.messageId).toBe('cmd-happy-1');
    expect(body.channel.time).toMatch(ISO_UTC);
    expect(Date.parse(body.channel.time)).toBeGreaterThanOrEqual(before);
    expect(body.content.map((c) => c.attachment['mediaType'])).toEqual(['Image', 'File']);
    expect(body.content[0]?.attachment).toMatchObject({ mime: 'image/png', text: 'the cat' });
    expect(body.content[1]?.attachment).toMatchObject({ sha256: 'a'.repeat(64) });
    expect(body.metadata).toEqual({ orderId: '42', channel: 'shop' });
  });

  it('logs in once and reuses the token for later requests', async () => {
    const { sandbox, transport } = await setup();
    for (let i = 0; i < 3; i++)
      expect((await transport.send(message(`cmd-reuse-${i}`))).ok).toBe(true);
    expect(tokenRequests(sandbox)).toBe(1);
    expect(transport.loginCount).toBe(1);
  });

  it('sends a receipt and a typing event', async () => {
    const { sandbox, transport } = await setup();
    const receipt = await transport.send(
      request('cmd-receipt-1', {
        kind: 'receipt',
        guest,
        messageId: 'agent-message-7',
        status: 'Failed',
        reasons: [{ code: 'GeneralError', message: 'could not display' }],
      }),
    );
    const typing = await transport.send(request('cmd-typing-1', { kind: 'typing', guest }));
    expect(receipt.ok && typing.ok).toBe(true);

    const [receiptSeen, typingSeen] = sandbox.received();
    expect(receiptSeen).toMatchObject({ endpoint: 'receipt', messageId: 'agent-message-7' });
    expect(receiptSeen?.body).toMatchObject({
      id: 'agent-message-7',
      channel: { to: { id: 'guest-it-1', idType: 'Opaque' } },
      status: 'Failed',
      reasons: [{ code: 'GeneralError', message: 'could not display' }],
      isFinalReceipt: true,
    });
    expect(typingSeen).toMatchObject({ endpoint: 'event' });
    expect(typingSeen?.body).toMatchObject({
      channel: { from: { id: 'guest-it-1' } },
      events: [{ eventType: 'Typing', typing: { type: 'On' } }],
    });
  });

  it('reports a request Genesys refuses as permanent, with the Genesys message', async () => {
    const { sandbox, transport } = await setup();
    // A guest idType Genesys does not know: the sandbox validates the body as Genesys does.
    const outcome = await transport.send(
      message('cmd-bad-1', { guest: { id: 'g', idType: 'Nickname' as Guest['idType'] } }),
    );
    expect(failureOf(outcome)).toMatchObject({
      kind: 'permanent',
      status: 400,
      code: 'bad.request',
    });
    expect(failureOf(outcome).message).toContain('idType');
    expect(failureOf(outcome).message).not.toContain('hello from the integration test');
    expect(failureOf(outcome).correlationId).toMatch(/\S/);
    expect(sandbox.received()).toEqual([]);
  });

  it('reports a 429 as rateLimited with the Retry-After of the answer', async () => {
    const { transport } = await setup({ rateLimitPerMinute: 1 });
    expect((await transport.send(message('cmd-rl-1'))).ok).toBe(true);
    const outcome = await transport.send(message('cmd-rl-2'));
    const failure = failureOf(outcome);
    expect(failure).toMatchObject({ kind: 'rateLimited', status: 429 });
    expect(failure.retryAfterMs).toBeGreaterThan(0);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(outcome.rateLimit).toMatchObject({ allowed: 1 });
  });

  it('reads an HTTP-date Retry-After on a scripted 429', async () => {
    const { sandbox, transport } = await setup();
    const at = new Date(Date.now() + 120_000).toUTCString();
    sandbox.script([{ answer: { kind: 'status', status: 429, headers: { 'Retry-After': at } } }]);
    const failure = failureOf(await transport.send(message('cmd-rl-date')));
    expect(failure.kind).toBe('rateLimited');
    expect(failure.retryAfterMs).toBeGreaterThan(100_000);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('reports a 503 with a Genesys body as transient, honouring Retry-After', async () => {
    const { sandbox, transport } = await setup();
    sandbox.script([
      {
        answer: {
          kind: 'status',
          status: 503,
          body: {
            message: 'The service is unavailable.',
            code: 'service.unavailable',
            status: 503,
          },
          headers: { 'Retry-After': '2' },
        },
      },
    ]);
    expect(failureOf(await transport.send(message('cmd-503-1')))).toMatchObject({
      kind: 'transient',
      status: 503,
      code: 'service.unavailable',
      message: 'The service is unavailable.',
      retryAfterMs: 2000,
    });
  });

  it('keeps the status of a 503 with an empty body (extended responses on)', async () => {
    const { sandbox, transport } = await setup();
    sandbox.script([{ answer: { kind: 'status', status: 503 } }]);
    expect(failureOf(await transport.send(message('cmd-503-2')))).toMatchObject({
      kind: 'transient',
      status: 503,
      code: 'HTTP_503',
    });
  });

  it('reports a connection reset as transient', async () => {
    const { sandbox, transport } = await setup();
    sandbox.script([{ answer: { kind: 'reset' } }]);
    expect(failureOf(await transport.send(message('cmd-reset-1')))).toMatchObject({
      kind: 'transient',
      status: null,
      code: 'ECONNRESET',
    });
    expect((await transport.send(message('cmd-reset-2'))).ok).toBe(true);
  });

  it('reports a request timeout as transient', async () => {
    const { sandbox, transport } = await setup({}, { requestTimeoutMs: 300 });
    await transport.verifyCredentials();
    sandbox.script([{ answer: { kind: 'delay', ms: 2000 } }]);
    const started = Date.now();
    const failure = failureOf(await transport.send(message('cmd-timeout-1')));
    expect(failure).toMatchObject({ kind: 'transient', status: null, code: 'ECONNABORTED' });
    expect(failure.message).toContain('timeout of 300ms exceeded');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('answers ABORTED promptly when the caller aborts, and cancels the HTTP request', async () => {
    const { sandbox, transport } = await setup();
    await transport.verifyCredentials();
    sandbox.script([{ answer: { kind: 'delay', ms: 2000 } }]);
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 100);
    const started = Date.now();
    const failure = failureOf(await transport.send(message('cmd-abort-1'), controller.signal));
    expect(failure).toMatchObject({ kind: 'transient', code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(1000);

    const already = new AbortController();
    already.abort();
    expect(failureOf(await transport.send(message('cmd-abort-2'), already.signal)).code).toBe(
      'ABORTED',
    );
  });

  it('logs in again before a short-lived token expires, once for concurrent calls', async () => {
    const { sandbox, transport } = await setup({ tokenLifetimeSeconds: 1 });
    expect((await transport.send(message('cmd-exp-0'))).ok).toBe(true);
    // The 60 s margin is capped at half the 1 s lifetime: stale after 500 ms.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => transport.send(message(`cmd-exp-${i + 1}`))),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(tokenRequests(sandbox)).toBe(2);
  });

  it('after the server expires the token, concurrent 401s cause exactly one re-login and all succeed', async () => {
    let skewMs = 0;
    const { sandbox, transport } = await setup({
      tokenLifetimeSeconds: 3600,
      now: () => Date.now() + skewMs,
    });
    expect((await transport.send(message('cmd-skew-0'))).ok).toBe(true);
    // The server's clock jumps past the token's expiry while ours still trusts it.
    skewMs = 2 * 3_600_000;
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => transport.send(message(`cmd-skew-${i + 1}`))),
    );
    expect(outcomes.map((o) => o.ok)).toEqual(Array.from({ length: 8 }, () => true));
    expect(tokenRequests(sandbox)).toBe(2);
    expect(sandbox.stats().answersByStatus['401']).toBe(8);
    expect(sandbox.received()).toHaveLength(9);
  });

  it('a token revoked mid-batch causes exactly one re-login and every call succeeds', async () => {
    const { sandbox, transport } = await setup();
    await transport.verifyCredentials();
    // The third request of the batch revokes the token it carries (the shared one) and gets 401.
    sandbox.script([{ nth: 3, answer: { kind: 'revokeToken' } }]);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => transport.send(message(`cmd-revoke-${i}`))),
    );
    expect(outcomes.map((o) => o.ok)).toEqual(Array.from({ length: 10 }, () => true));
    expect(tokenRequests(sandbox)).toBe(2);
    expect(new Set(sandbox.received().map((r) => r.messageId)).size).toBe(10);
  });

  it('revokeAllTokens between batches: one re-login, no lost message', async () => {
    const { sandbox, transport } = await setup();
    expect((await transport.send(message('cmd-rev-0'))).ok).toBe(true);
    sandbox.revokeAllTokens();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, i) => transport.send(message(`cmd-rev-${i + 1}`))),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(tokenRequests(sandbox)).toBe(2);
  });

  it('retries a 401 only once: a second 401 is reported as authExpired', async () => {
    const { sandbox, transport } = await setup();
    await transport.verifyCredentials();
    sandbox.script([{ answer: { kind: 'revokeToken' } }, { answer: { kind: 'revokeToken' } }]);
    const failure = failureOf(await transport.send(message('cmd-401-twice')));
    expect(failure).toMatchObject({ kind: 'authExpired', status: 401 });
    expect(tokenRequests(sandbox)).toBe(2);
  });

  it('paces the re-send after a 401 through request.pace (found by the reliability suite)', async () => {
    const { sandbox, transport } = await setup();
    await transport.verifyCredentials();
    sandbox.script([{ answer: { kind: 'revokeToken' } }]);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let paced = 0;
    let sentBeforeRelease = -1;
    const sending = transport.send({
      ...message('cmd-401-paced'),
      pace: () => {
        paced += 1;
        sentBeforeRelease = sandbox.stats().requestsByEndpoint.message;
        release();
        return gate;
      },
    });
    expect((await sending).ok).toBe(true);
    expect(paced).toBe(1);
    expect(sentBeforeRelease).toBe(1);
    expect(sandbox.stats().requestsByEndpoint.message).toBe(2);

    const plain = await transport.send({
      ...message('cmd-200-unpaced'),
      pace: () => Promise.reject(new Error('pace must not be called without a 401')),
    });
    expect(plain.ok).toBe(true);

    sandbox.script([{ answer: { kind: 'revokeToken' } }]);
    const abandoned = await transport.send({
      ...message('cmd-401-abandoned'),
      pace: () => Promise.reject(new Error('closing')),
    });
    expect(failureOf(abandoned)).toMatchObject({ kind: 'authExpired', status: 401 });
    expect(sandbox.stats().requestsByEndpoint.message).toBe(4);
  });

  it('wrong credentials: verifyCredentials rejects with GENESYS_AUTH_FAILED, without the secret', async () => {
    const { sandbox, transport, logger } = await setup({}, { clientSecret: 'not-the-secret' });
    const error = await transport.verifyCredentials().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, 'GENESYS_AUTH_FAILED')).toBe(true);
    expect((error as Error).message).not.toContain('not-the-secret');
    expect((error as Error).message.split('\n')).toHaveLength(1);
    expect(JSON.stringify(logger.records)).not.toContain('not-the-secret');

    const failure = failureOf(await transport.send(message('cmd-wrong-creds')));
    expect(failure).toMatchObject({
      kind: 'authExpired',
      status: 401,
      code: 'GENESYS_AUTH_FAILED',
    });
    expect(sandbox.received()).toEqual([]);
  });

  it('an unreachable login host is transient, not an auth failure', async () => {
    const { sandbox, transport } = await setup();
    await sandbox.close();
    const failure = failureOf(await transport.send(message('cmd-unreachable')));
    expect(failure).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });
    const error = await transport.verifyCredentials().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, 'GENESYS_LOGIN_FAILED')).toBe(true);
  });

  it('never logs a token or the secret', async () => {
    const { sandbox, transport, logger } = await setup();
    await transport.send(message('cmd-log-1'));
    sandbox.revokeAllTokens();
    await transport.send(message('cmd-log-2'));
    sandbox.script([
      { answer: { kind: 'status', status: 400, body: { message: 'no', code: 'bad.request' } } },
    ]);
    await transport.send(message('cmd-log-3'));
    const logged = JSON.stringify(logger.records);
    expect(sandbox.issuedTokens()).toHaveLength(2);
    for (const token of sandbox.issuedTokens()) expect(logged).not.toContain(token);
    expect(logged).not.toContain('sandbox-secret');
    expect(logged).not.toContain('hello from the integration test');
  });

  it('refuses to send after close', async () => {
    const { transport } = await setup();
    await transport.close();
    await expect(transport.send(message('cmd-closed'))).rejects.toMatchObject({
      code: 'GENESYS_TRANSPORT_CLOSED',
    });
  });
});
