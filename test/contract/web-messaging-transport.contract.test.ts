import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import {
  InMemoryGuestSessionStore,
  WebMessagingTransport,
} from '../../src/adapters/genesys/web-messaging/index.js';
import { startSandbox, type WebMessagingScriptedAnswer } from '../../src/sandbox/index.js';
import { InMemoryLogger } from '../../src/adapters/memory/in-memory-logger.js';
import type { TransportRequest } from '../../src/application/ports/index.js';
import type { OutboundKind } from '../../src/domain/index.js';
import {
  messagingTransportContract,
  type InjectedFault,
  type TransportHarness,
} from '../../src/testing/contracts/messaging-transport.contract.js';
import { recordSends } from '../support/transport-harness.js';

/** The far side's answer for each fault the suite injects, as the sandbox scripts it on /v1. */
const answers: Record<InjectedFault, WebMessagingScriptedAnswer> = {
  badRequest: { kind: 'error', code: 400, body: 'The request could not be understood.' },
  // Longer than the transport waits in place, so the suite sees the rateLimited failure.
  rateLimited: { kind: 'tooManyRequests', retryAfterSeconds: 30 },
  serverError: { kind: 'error', code: 5000 },
  serverErrorEmptyBody: { kind: 'error', code: 503, body: '' },
  connectionReset: { kind: 'drop' },
  // The guest API has no bearer token: its "expired credential" is an expired session.
  unauthorized: { kind: 'expireSession' },
};

/**
 * Web Messaging uploads the attachment's bytes itself, so the suite's example https URL is
 * served from a local file of the declared size; everything else goes through unchanged.
 */
function withLocalAttachments(request: TransportRequest, dir: string): TransportRequest {
  const { content } = request;
  if (content.kind !== 'message' || content.attachments.length === 0) return request;
  const attachments = content.attachments.map((attachment, index) => {
    const path = join(dir, `${request.commandId}-${index}-${attachment.filename}`);
    writeFileSync(path, Buffer.alloc(attachment.sizeBytes, 7));
    return { ...attachment, url: pathToFileURL(path).href };
  });
  return { ...request, content: { ...content, attachments } };
}

async function makeHarness(): Promise<TransportHarness> {
  const sandbox = await startSandbox();
  const dir = mkdtempSync(join(tmpdir(), 'gtx-wm-contract-'));
  const transport = new WebMessagingTransport(
    {
      environment: 'mypurecloud.com',
      url: sandbox.webMessaging.url,
      deploymentId: 'deployment-contract',
      answerTimeoutMs: 5000,
      reconnectBaseDelayMs: 10,
    },
    new InMemoryGuestSessionStore(),
    new SystemClock(),
    new InMemoryLogger(),
  );
  const recorded = recordSends(transport, sandbox, (request) => withLocalAttachments(request, dir));
  return {
    transport: recorded.transport,
    unsupportedKinds: ['receipt'],
    failNext: (fault) => {
      sandbox.webMessaging.script([{ answer: answers[fault] }]);
    },
    accepted: () =>
      Promise.resolve(
        sandbox.webMessaging.received().map((received) => {
          const request = recorded.sent.find((r) =>
            received.tracingId?.startsWith(`${r.commandId}:`),
          );
          if (request === undefined) throw new Error('the sandbox accepted an unknown message');
          const kind: OutboundKind = received.kind === 'event' ? 'typing' : 'message';
          return { commandId: request.commandId, kind };
        }),
      ),
    close: recorded.close,
  };
}

messagingTransportContract(
  'WebMessagingTransport (ws) against the sandbox',
  makeHarness,
  { describe, it, expect },
  // An expired guest session is replaced by a new one; the guest API names no conversation.
  { expiredCredential: 'recovers', conversationIds: 'none' },
);
