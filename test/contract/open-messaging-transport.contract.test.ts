import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { OpenMessagingTransport } from '../../src/adapters/genesys/open-messaging/index.js';
import {
  startSandbox,
  type ReceivedRequest,
  type ScriptedAnswer,
} from '../../src/sandbox/index.js';
import { InMemoryLogger } from '../../src/adapters/memory/in-memory-logger.js';
import type { TransportRequest } from '../../src/application/ports/index.js';
import type { OutboundKind } from '../../src/domain/index.js';
import {
  messagingTransportContract,
  type InjectedFault,
  type TransportHarness,
} from '../../src/testing/contracts/messaging-transport.contract.js';
import { recordSends, sandboxGenesys } from '../support/transport-harness.js';

/** The far side's answer for each fault the suite injects, as the sandbox scripts it. */
const answers: Record<InjectedFault, ScriptedAnswer> = {
  badRequest: {
    kind: 'status',
    status: 400,
    body: { message: 'The request could not be understood.', code: 'bad.request', status: 400 },
  },
  rateLimited: {
    kind: 'status',
    status: 429,
    headers: { 'Retry-After': '1' },
    body: {
      message: 'Rate limit exceeded the maximum. Retry the request in [1] seconds',
      code: 'too.many.requests.retry.after',
      status: 429,
    },
  },
  serverError: {
    kind: 'status',
    status: 503,
    body: { message: 'The service is unavailable.', code: 'service.unavailable', status: 503 },
  },
  serverErrorEmptyBody: { kind: 'status', status: 503 },
  connectionReset: { kind: 'reset' },
  unauthorized: { kind: 'revokeToken' },
};

const ENDPOINT_KIND: Record<ReceivedRequest['endpoint'], OutboundKind> = {
  message: 'message',
  receipt: 'receipt',
  event: 'typing',
};

/**
 * Receipts and typing events carry no command id on the wire, so the harness remembers what was
 * sent and pairs each request the sandbox accepted with it: a message by channel.messageId (the
 * command id), a receipt by the agent message id, a typing event by the guest.
 */
function wireKey(request: TransportRequest): string {
  const { content } = request;
  switch (content.kind) {
    case 'message':
      return request.commandId;
    case 'receipt':
      return content.messageId;
    case 'typing':
      return content.guest.id;
  }
}

function receivedKey(received: ReceivedRequest): string {
  if (received.endpoint !== 'event') return received.messageId ?? '';
  const body = received.body as { channel?: { from?: { id?: string } } };
  return body.channel?.from?.id ?? '';
}

async function makeHarness(): Promise<TransportHarness> {
  const sandbox = await startSandbox({ integrationIds: ['integration-contract'] });
  const transport = new OpenMessagingTransport(
    sandboxGenesys(sandbox.url, 'integration-contract'),
    new SystemClock(),
    new InMemoryLogger(),
  );
  const recorded = recordSends(transport, sandbox);
  return {
    transport: recorded.transport,
    failNext: (fault) => {
      sandbox.script([{ answer: answers[fault] }]);
    },
    accepted: () => {
      const unmatched = [...recorded.sent];
      const accepted = sandbox.received().map((received) => {
        const kind = ENDPOINT_KIND[received.endpoint];
        const key = receivedKey(received);
        const index = unmatched.findIndex((r) => r.kind === kind && wireKey(r) === key);
        const [request] = index === -1 ? [] : unmatched.splice(index, 1);
        if (request === undefined) throw new Error(`the sandbox accepted an unknown ${kind}`);
        return { commandId: request.commandId, kind };
      });
      return Promise.resolve(accepted);
    },
    close: recorded.close,
  };
}

messagingTransportContract(
  'OpenMessagingTransport (SDK) against the sandbox',
  makeHarness,
  { describe, it, expect },
  // A 401 makes the transport log in again and send once more; Genesys names the conversation.
  { expiredCredential: 'recovers', conversationIds: 'onePerGuest' },
);
