import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import {
  startSandbox,
  type RunningSandbox,
  type SandboxOptions,
} from '../../../src/sandbox/index.js';
import {
  InMemoryGuestSessionStore,
  SqliteGuestSessionStore,
  UNSUPPORTED_BY_WEB_MESSAGING,
  WEB_MESSAGING_CODES,
  WebMessagingTransport,
  guestSessionKey,
  type GuestSessionStore,
  type WebMessagingOptions,
} from '../../../src/adapters/genesys/web-messaging/index.js';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import type { TransportOutcome, TransportRequest } from '../../../src/application/ports/index.js';
import type { Attachment, Metadata } from '../../../src/domain/index.js';
import { buildTransmitter } from '../../../src/main.js';
import { serveLocally } from '../../support/local-server.js';

async function sandboxWith(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = await startSandbox(options);
  onTestFinished(() => sandbox.close());
  return sandbox;
}

function transportFor(
  sandbox: RunningSandbox,
  options: Partial<WebMessagingOptions> = {},
  store: GuestSessionStore = new InMemoryGuestSessionStore(),
  logger = new InMemoryLogger(),
): WebMessagingTransport {
  const transport = new WebMessagingTransport(
    {
      environment: 'mypurecloud.com',
      url: sandbox.webMessaging.url,
      deploymentId: 'deployment-test',
      answerTimeoutMs: 5000,
      reconnectBaseDelayMs: 10,
      ...options,
    },
    store,
    new SystemClock(),
    logger,
  );
  onTestFinished(() => transport.close());
  return transport;
}

let counter = 0;

function message(
  guestId: string,
  extra: { text?: string; attachments?: readonly Attachment[]; metadata?: Metadata } = {},
): TransportRequest {
  counter += 1;
  return {
    commandId: `wm-cmd-${counter}`,
    kind: 'message',
    conversationRef: guestId,
    attempt: 1,
    content: {
      kind: 'message',
      guest: { id: guestId, idType: 'Opaque' },
      text: extra.text ?? `hello ${counter}`,
      attachments: extra.attachments ?? [],
      metadata: extra.metadata ?? {},
    },
  };
}

function failureOf(outcome: TransportOutcome) {
  if (outcome.ok) throw new Error('expected a failure');
  return outcome.failure;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gtx-wm-'));
}

function fileAttachment(bytes: Buffer, name = 'photo.png', mime = 'image/png'): Attachment {
  const path = join(tempDir(), name);
  writeFileSync(path, bytes);
  return { url: pathToFileURL(path).href, mime, filename: name, sizeBytes: bytes.length };
}

describe('WebMessagingTransport against the sandbox', () => {
  it('sends text with custom attributes and records the echo id as the Genesys message id', async () => {
    const sandbox = await sandboxWith();
    const transport = transportFor(sandbox);
    const outcome = await transport.send(message('guest-a', { metadata: { orderId: '42' } }));
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.failure));
    const [received] = sandbox.webMessaging.received();
    expect(received?.genesysMessageId).toBe(outcome.genesysMessageId);
    expect(received?.message).toMatchObject({
      type: 'Text',
      channel: { metadata: { customAttributes: { orderId: '42' } } },
    });
    expect(received?.tracingId).toMatch(/^wm-cmd-\d+:1$/);
  });

  it('resumes the same session after a restart, with the token kept in the ledger file', async () => {
    const sandbox = await sandboxWith();
    const ledgerPath = join(tempDir(), 'ledger.db');
    const logger = new InMemoryLogger();
    const first = transportFor(
      sandbox,
      {},
      new SqliteGuestSessionStore({ path: ledgerPath }),
      logger,
    );
    expect((await first.send(message('guest-resume'))).ok).toBe(true);
    await first.close();
    const second = transportFor(
      sandbox,
      {},
      new SqliteGuestSessionStore({ path: ledgerPath }),
      logger,
    );
    expect((await second.send(message('guest-resume'))).ok).toBe(true);

    const [a, b] = sandbox.webMessaging.received();
    expect(a?.sessionId).toBeDefined();
    expect(b?.sessionId).toBe(a?.sessionId);
    expect(sandbox.webMessaging.sessions()).toEqual([
      expect.objectContaining({ sessionId: a?.sessionId, resumes: 1 }),
    ]);
    // The token is a credential: it is in the store, never in a log record.
    const store = new SqliteGuestSessionStore({ path: ledgerPath });
    onTestFinished(() => store.close());
    const stored = await store.find(guestSessionKey('deployment-test', 'guest-resume'));
    expect(stored?.token.length).toBeGreaterThan(0);
    expect(JSON.stringify(logger.records)).not.toContain(stored?.token ?? '?');
  });

  it('paces one guest to the server limit: a burst gets no 4029', async () => {
    const sandbox = await sandboxWith();
    const transport = transportFor(sandbox);
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => transport.send(message('guest-burst'))),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(sandbox.webMessaging.stats().rateLimited).toBe(0);
    expect(sandbox.webMessaging.received()).toHaveLength(5);
  });

  it('waits out a short 4029 for that guest only while other guests keep sending', async () => {
    const sandbox = await sandboxWith();
    const transport = transportFor(sandbox);
    // Open both sessions first so the scripted 4029 hits guest-slow's message.
    await transport.send(message('guest-slow'));
    await transport.send(message('guest-fast'));
    sandbox.webMessaging.script([{ answer: { kind: 'tooManyRequests', retryAfterSeconds: 1 } }]);
    const order: string[] = [];
    const slow = transport.send(message('guest-slow')).then((o) => {
      order.push('slow');
      return o;
    });
    const fast = transport.send(message('guest-fast')).then((o) => {
      order.push('fast');
      return o;
    });
    const [slowOutcome, fastOutcome] = await Promise.all([slow, fast]);
    expect(slowOutcome.ok && fastOutcome.ok).toBe(true);
    expect(order).toEqual(['fast', 'slow']);
    expect(sandbox.webMessaging.stats().rateLimited).toBe(1);
  });

  it('reports a long 4029 as rateLimited with retryAfterMs', async () => {
    const sandbox = await sandboxWith();
    const transport = transportFor(sandbox);
    sandbox.webMessaging.script([{ answer: { kind: 'tooManyRequests', retryAfterSeconds: 30 } }]);
    expect(failureOf(await transport.send(message('guest-429')))).toMatchObject({
      kind: 'rateLimited',
      status: 429,
      code: 'WEB_MESSAGING_RATE_LIMITED',
      retryAfterMs: 30_000,
    });
  });

  const mapped = Object.entries(WEB_MESSAGING_CODES)
    .map(([status, meaning]) => ({
      status: Number(status),
      kind: meaning.kind,
      code: meaning.code,
    }))
    .filter(({ status }) => status !== 4006 && status !== 4007);

  it.each(mapped)('maps error frame $status to $kind $code', async ({ status, kind, code }) => {
    const sandbox = await sandboxWith();
    const transport = transportFor(sandbox);
    sandbox.webMessaging.script([{ answer: { kind: 'error', code: status } }]);
    const failure = failureOf(await transport.send(message('guest-codes')));
    expect(failure).toMatchObject({ kind, status, code });
    if (kind === 'rateLimited') expect(failure.retryAfterMs).toBeGreaterThan(0);
    expect(sandbox.webMessaging.received()).toEqual([]);
  });

  it.each([4006, 4007])('starts a new session once after %i and delivers', async (code) => {
    const sandbox = await sandboxWith();
    const transport = transportFor(sandbox);
    expect((await transport.send(message('guest-gone'))).ok).toBe(true);
    sandbox.webMessaging.script([{ answer: { kind: 'error', code } }]);
    expect((await transport.send(message('guest-gone'))).ok).toBe(true);
    const [first, second] = sandbox.webMessaging.received();
    expect(second?.sessionId).not.toBe(first?.sessionId);
    expect(sandbox.webMessaging.sessions()).toHaveLength(2);
  });

  it('gives up after one new session when the server keeps saying 4007', async () => {
    const sandbox = await sandboxWith();
    const transport = transportFor(sandbox);
    sandbox.webMessaging.script([
      { answer: { kind: 'error', code: 4007 } },
      { answer: { kind: 'error', code: 4007 } },
    ]);
    expect(failureOf(await transport.send(message('guest-gone-twice')))).toMatchObject({
      kind: 'authExpired',
      code: 'WEB_MESSAGING_SESSION_NOT_FOUND',
    });
  });

  it('sends typing as an Event and refuses receipts as unsupported without sending', async () => {
    const sandbox = await sandboxWith();
    const transport = transportFor(sandbox);
    const guest = { id: 'guest-typing', idType: 'Opaque' as const };
    const typing = await transport.send({
      commandId: 'wm-typing-1',
      kind: 'typing',
      conversationRef: 'c',
      attempt: 1,
      content: { kind: 'typing', guest },
    });
    expect(typing.ok).toBe(true);
    const receipt = await transport.send({
      commandId: 'wm-receipt-1',
      kind: 'receipt',
      conversationRef: 'c',
      attempt: 1,
      content: { kind: 'receipt', guest, messageId: 'm', status: 'Delivered', reasons: [] },
    });
    expect(failureOf(receipt)).toMatchObject({
      kind: 'permanent',
      code: UNSUPPORTED_BY_WEB_MESSAGING,
    });
    expect(sandbox.webMessaging.received().map((r) => r.kind)).toEqual(['event']);
    expect(sandbox.webMessaging.received()[0]?.message).toEqual({
      type: 'Event',
      events: [{ eventType: 'Typing', typing: { type: 'On' } }],
    });
  });

  describe('session limits are checked before anything is sent', () => {
    const limited: SandboxOptions = {
      webMessaging: {
        maxCustomDataBytes: 20,
        allowedMedia: { fileTypes: ['image/*'], maxFileSizeKB: 1 },
        blockedExtensions: ['.exe'],
      },
    };

    it.each([
      [
        'custom attributes',
        { metadata: { note: 'x'.repeat(40) } },
        'WEB_MESSAGING_CUSTOM_DATA_TOO_LARGE',
      ],
      [
        'media type',
        { attachments: [fileAttachment(Buffer.alloc(10), 'a.pdf', 'application/pdf')] },
        'WEB_MESSAGING_MEDIA_TYPE_NOT_ALLOWED',
      ],
      [
        'file size',
        { attachments: [fileAttachment(Buffer.alloc(2000))] },
        'WEB_MESSAGING_FILE_TOO_LARGE',
      ],
      [
        'extension',
        { attachments: [fileAttachment(Buffer.alloc(10), 'run.exe', 'image/png')] },
        'WEB_MESSAGING_EXTENSION_BLOCKED',
      ],
    ] as const)('%s', async (_name, extra, code) => {
      const sandbox = await sandboxWith(limited);
      const transport = transportFor(sandbox);
      expect(failureOf(await transport.send(message('guest-limits', extra)))).toMatchObject({
        kind: 'permanent',
        code,
      });
      expect(sandbox.webMessaging.stats().accepted).toBe(0);
      expect(sandbox.webMessaging.uploads()).toEqual([]);
    });
  });

  describe('attachments', () => {
    it('uploads a file through the presigned URL and references it in onMessage', async () => {
      const sandbox = await sandboxWith();
      const transport = transportFor(sandbox);
      const bytes = randomBytes(3000);
      const outcome = await transport.send(
        message('guest-file', { attachments: [fileAttachment(bytes)] }),
      );
      expect(outcome.ok).toBe(true);
      const [upload] = sandbox.webMessaging.uploads();
      expect(upload?.bytes.equals(bytes)).toBe(true);
      expect(upload?.md5).toBe(createHash('md5').update(bytes).digest('base64'));
      expect(upload?.fileType).toBe('image/png');
      const [received] = sandbox.webMessaging.received();
      expect(received?.attachmentIds).toEqual([upload?.attachmentId]);
      expect(received?.message).toMatchObject({
        content: [{ contentType: 'Attachment', attachment: { id: upload?.attachmentId } }],
      });
    });

    it('fetches an http(s) attachment when loopback is allowed, checking size and sha256', async () => {
      const sandbox = await sandboxWith();
      const bytes = randomBytes(1500);
      const { port } = await serveLocally((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': bytes.length });
        response.end(bytes);
      });
      const url = `http://127.0.0.1:${port}/box.jpg`;
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const attachment: Attachment = {
        url,
        mime: 'image/jpeg',
        filename: 'box.jpg',
        sizeBytes: bytes.length,
        sha256,
      };
      const allowed = transportFor(sandbox, { allowLoopbackAttachments: true });
      expect((await allowed.send(message('guest-http', { attachments: [attachment] }))).ok).toBe(
        true,
      );
      expect(sandbox.webMessaging.uploads()[0]?.bytes.equals(bytes)).toBe(true);

      const wrongDigest = { ...attachment, sha256: 'a'.repeat(64) };
      expect(
        failureOf(await allowed.send(message('guest-http', { attachments: [wrongDigest] }))),
      ).toMatchObject({
        kind: 'permanent',
        code: 'ATTACHMENT_DIGEST_MISMATCH',
      });
      const wrongSize = { ...attachment, sizeBytes: bytes.length + 1 };
      expect(
        failureOf(await allowed.send(message('guest-http', { attachments: [wrongSize] }))),
      ).toMatchObject({
        code: 'ATTACHMENT_SIZE_MISMATCH',
      });
    });

    it('refuses private and loopback hosts unless configured for the sandbox', async () => {
      const sandbox = await sandboxWith();
      const transport = transportFor(sandbox);
      for (const url of [
        'https://127.0.0.1/a.png',
        'https://10.0.0.8/a.png',
        'https://localhost/a.png',
        'http://example.com/a.png',
      ]) {
        const attachment: Attachment = { url, mime: 'image/png', filename: 'a.png', sizeBytes: 10 };
        expect(
          failureOf(await transport.send(message('guest-ssrf', { attachments: [attachment] }))),
        ).toMatchObject({
          kind: 'permanent',
          code: 'ATTACHMENT_SOURCE_REFUSED',
        });
      }
      expect(sandbox.webMessaging.stats().framesReceived).toBeGreaterThan(0);
      expect(sandbox.webMessaging.uploads()).toEqual([]);
    });

    it('reports an UploadFailureEvent with its code', async () => {
      const sandbox = await sandboxWith();
      const transport = transportFor(sandbox);
      sandbox.webMessaging.script([
        { answer: { kind: 'uploadFailure', errorCode: 4003, errorMessage: 'malware found' } },
      ]);
      const outcome = await transport.send(
        message('guest-upfail', { attachments: [fileAttachment(randomBytes(50))] }),
      );
      expect(failureOf(outcome)).toMatchObject({
        kind: 'permanent',
        status: 4003,
        code: 'WEB_MESSAGING_FILE_CONTENT_INVALID',
      });
      expect(sandbox.webMessaging.received()).toEqual([]);
    });
  });

  it('keeps at most maxOpenSessions sockets, closing the least recently used', async () => {
    const sandbox = await sandboxWith();
    const transport = transportFor(sandbox, { maxOpenSessions: 2 });
    for (const guest of ['lru-1', 'lru-2', 'lru-3']) {
      expect((await transport.send(message(guest))).ok).toBe(true);
    }
    expect(transport.openConnections).toBe(2);
    await vi.waitFor(() => {
      expect(sandbox.webMessaging.sessions().filter((s) => s.connected)).toHaveLength(2);
    });
    // The evicted guest's session is resumed, not replaced, when it sends again.
    expect((await transport.send(message('lru-1'))).ok).toBe(true);
    expect(sandbox.webMessaging.sessions()).toHaveLength(3);
  });

  it('closes idle sockets and keeps their sessions', async () => {
    const sandbox = await sandboxWith();
    const transport = transportFor(sandbox, { idleTimeoutMs: 50, pingIntervalMs: 20 });
    expect((await transport.send(message('idle-guest'))).ok).toBe(true);
    await vi.waitFor(() => {
      expect(transport.openConnections).toBe(0);
      expect(sandbox.webMessaging.sessions()[0]?.connected).toBe(false);
    });
    expect((await transport.send(message('idle-guest'))).ok).toBe(true);
    expect(sandbox.webMessaging.sessions()).toEqual([expect.objectContaining({ resumes: 1 })]);
  });

  it('reconnects after dropped sockets through the pipeline with no message lost or doubled', async () => {
    const sandbox = await sandboxWith();
    const dir = tempDir();
    const transport = transportFor(sandbox);
    const transmitter = buildTransmitter({
      ledger: { path: join(dir, 'ledger.db') },
      privacy: { masterKey: randomBytes(32).toString('base64') },
      pipeline: { retry: { baseDelayMs: 20, maxDelayMs: 200 } },
      adapters: { transport, logger: new InMemoryLogger() },
    });
    onTestFinished(() => transmitter.close());
    transmitter.start();
    sandbox.webMessaging.script([
      { nth: 2, answer: { kind: 'drop' } },
      { nth: 5, answer: { kind: 'drop' } },
      { nth: 6, answer: { kind: 'drop' } },
    ]);
    const ids: string[] = [];
    const outcomes = Promise.all(
      ['ana', 'ben', 'cy'].flatMap((guest) =>
        [1, 2, 3].map((n) => {
          const id = `drop-${guest}-${n}`;
          ids.push(id);
          return transmitter.submit({
            id,
            guest: { id: `guest-${guest}`, idType: 'Opaque' },
            conversation: `conv-${guest}`,
            text: `message ${n}`,
          });
        }),
      ),
    );
    await vi.waitFor(() => {
      expect(sandbox.webMessaging.stats().dropped).toBeGreaterThanOrEqual(1);
    });
    sandbox.webMessaging.dropAllConnections();
    const results = await outcomes;
    expect(results.map((r) => r.status)).toEqual(ids.map(() => 'delivered'));
    const received = sandbox.webMessaging
      .received()
      .map((r) => (r.tracingId ?? '').split(':')[0] ?? '');
    // Every message exactly once: none lost, none doubled.
    expect([...received].sort()).toEqual([...ids].sort());
    // Within a conversation, the order of submission holds.
    for (const guest of ['ana', 'ben', 'cy']) {
      expect(received.filter((id) => id.startsWith(`drop-${guest}-`))).toEqual(
        [1, 2, 3].map((n) => `drop-${guest}-${n}`),
      );
    }
  });

  it('verify() checks the deployment with a throwaway session and echo', async () => {
    const sandbox = await sandboxWith({ webMessaging: { deploymentIds: ['known'] } });
    await expect(
      transportFor(sandbox, { deploymentId: 'known' }).verify(),
    ).resolves.toBeUndefined();
    await expect(transportFor(sandbox, { deploymentId: 'unknown' }).verify()).rejects.toMatchObject(
      {
        code: 'WEB_MESSAGING_UNAVAILABLE',
      },
    );
  });
});
