import type { MessagingTransport, TransportRequest } from '../../application/ports/index.js';
import type { OutboundKind, TransmissionContent } from '../../domain/index.js';
import type { ContractTestApi } from './contract-test-api.js';

export type InjectedFault =
  | 'badRequest'
  | 'rateLimited'
  | 'serverError'
  | 'serverErrorEmptyBody'
  | 'connectionReset'
  | 'unauthorized';

export interface TransportHarness {
  readonly transport: MessagingTransport;
  /** The far side answers the next request this way, once. */
  failNext(fault: InjectedFault): void;
  /** What the far side accepted, in order. */
  accepted(): Promise<readonly { commandId: string; kind: OutboundKind }[]>;
  /**
   * Kinds the far side has no way to carry (e.g. receipts over Web Messaging): the adapter
   * must answer them with a permanent failure and send nothing.
   */
  readonly unsupportedKinds?: readonly OutboundKind[];
  close(): Promise<void>;
}

/**
 * Where adapters of the port legitimately differ, the harness says which way its adapter goes,
 * so every run asserts one specific behaviour instead of accepting either.
 */
export interface TransportTraits {
  /**
   * After the far side refuses the credential as expired (a 401, an expired guest session):
   * `recovers` logs in again (or opens a new session) and delivers the message once;
   * `reportsAuthExpired` answers an `authExpired` failure and sends nothing.
   */
  readonly expiredCredential: 'recovers' | 'reportsAuthExpired';
  /**
   * `onePerGuest`: every delivery names a conversation, the same for one guest, another for the
   * next. `none`: the far side names no conversation, so every delivery's is null.
   */
  readonly conversationIds: 'onePerGuest' | 'none';
}

const guest = { id: 'guest-contract-1', idType: 'Opaque' as const, nickname: 'Ada' };

function request(commandId: string, content: TransmissionContent): TransportRequest {
  return { commandId, kind: content.kind, conversationRef: content.guest.id, content, attempt: 1 };
}

function message(commandId: string, guestId = guest.id): TransportRequest {
  return request(commandId, {
    kind: 'message',
    guest: { ...guest, id: guestId },
    text: 'hello from the contract suite',
    attachments: [
      {
        url: 'https://files.example.com/a.png',
        mime: 'image/png',
        filename: 'a.png',
        sizeBytes: 1024,
      },
    ],
    metadata: { orderId: '42' },
  });
}

/**
 * Every MessagingTransport adapter must pass this suite: a twin that passes it is a real test
 * double, and a team writing its own adapter can check it the same way.
 */
export function messagingTransportContract(
  name: string,
  makeHarness: () => Promise<TransportHarness>,
  t: ContractTestApi,
  traits: TransportTraits,
): void {
  const { describe, it, expect } = t;

  /** The conversation ids of two deliveries for one guest, then one for another guest. */
  async function deliverToTwoGuests(h: TransportHarness): Promise<(string | null)[]> {
    const outcomes = [
      await h.transport.send(message('contract-cmd-2')),
      await h.transport.send(message('contract-cmd-3')),
      await h.transport.send(message('contract-cmd-4', 'guest-contract-2')),
    ];
    return outcomes.map((outcome) => {
      if (!outcome.ok) throw new Error(`expected a delivery, got ${outcome.failure.kind}`);
      return outcome.genesysConversationId;
    });
  }

  async function withHarness(body: (harness: TransportHarness) => Promise<void>): Promise<void> {
    const harness = await makeHarness();
    try {
      await body(harness);
    } finally {
      await harness.close();
    }
  }

  describe(`MessagingTransport contract: ${name}`, () => {
    it('delivers a message and names the Genesys message', () =>
      withHarness(async (h) => {
        const outcome = await h.transport.send(message('contract-cmd-1'));
        expect(outcome.ok).toBe(true);
        if (!outcome.ok) return;
        expect(outcome.genesysMessageId.length).toBeGreaterThan(0);
        expect(await h.accepted()).toEqual([{ commandId: 'contract-cmd-1', kind: 'message' }]);
      }));

    if (traits.conversationIds === 'onePerGuest') {
      it('keeps one guest in one conversation and names another for the next guest', () =>
        withHarness(async (h) => {
          const [first, second, other] = await deliverToTwoGuests(h);
          expect(typeof first === 'string' && first.length).toBeGreaterThan(0);
          expect(second).toBe(first);
          expect(typeof other === 'string' && other.length).toBeGreaterThan(0);
          expect(other === first).toBe(false);
        }));
    } else {
      it('names no conversation', () =>
        withHarness(async (h) => {
          expect(await deliverToTwoGuests(h)).toEqual([null, null, null]);
        }));
    }

    it('sends receipts and typing events', () =>
      withHarness(async (h) => {
        const receipt = await h.transport.send(
          request('contract-receipt-1', {
            kind: 'receipt',
            guest,
            messageId: 'agent-message-1',
            status: 'Delivered',
            reasons: [],
          }),
        );
        const typing = await h.transport.send(
          request('contract-typing-1', { kind: 'typing', guest }),
        );
        const receiptSupported = !(h.unsupportedKinds ?? []).includes('receipt');
        if (receiptSupported) expect(receipt.ok).toBe(true);
        else expect(receipt.ok ? null : receipt.failure.kind).toBe('permanent');
        expect(typing.ok).toBe(true);
        expect((await h.accepted()).map((a) => a.kind)).toEqual(
          receiptSupported ? ['receipt', 'typing'] : ['typing'],
        );
      }));

    it('reports a rejected request as a permanent failure and nothing is accepted', () =>
      withHarness(async (h) => {
        h.failNext('badRequest');
        const outcome = await h.transport.send(message('contract-cmd-5'));
        expect(outcome.ok).toBe(false);
        if (outcome.ok) return;
        expect(outcome.failure).toMatchObject({ kind: 'permanent', status: 400 });
        expect(await h.accepted()).toEqual([]);
      }));

    it('reports a rate limit with how long to wait', () =>
      withHarness(async (h) => {
        h.failNext('rateLimited');
        const outcome = await h.transport.send(message('contract-cmd-6'));
        if (outcome.ok) throw new Error('expected a rate-limit failure');
        expect(outcome.failure).toMatchObject({ kind: 'rateLimited', status: 429 });
        expect(outcome.failure.retryAfterMs ?? 0).toBeGreaterThan(0);
      }));

    for (const fault of ['serverError', 'serverErrorEmptyBody', 'connectionReset'] as const) {
      it(`reports ${fault} as transient`, () =>
        withHarness(async (h) => {
          h.failNext(fault);
          const outcome = await h.transport.send(message(`contract-${fault}`));
          if (outcome.ok) throw new Error(`expected ${fault} to fail`);
          expect(outcome.failure.kind).toBe('transient');
          expect(await h.accepted()).toEqual([]);
        }));
    }

    if (traits.expiredCredential === 'recovers') {
      it('gets a fresh credential after an expired one and delivers the message once', () =>
        withHarness(async (h) => {
          h.failNext('unauthorized');
          const outcome = await h.transport.send(message('contract-cmd-7'));
          expect(outcome.ok).toBe(true);
          expect(await h.accepted()).toEqual([{ commandId: 'contract-cmd-7', kind: 'message' }]);
        }));
    } else {
      it('reports an expired credential as authExpired and sends nothing', () =>
        withHarness(async (h) => {
          h.failNext('unauthorized');
          const outcome = await h.transport.send(message('contract-cmd-7'));
          expect(outcome.ok ? 'delivered' : outcome.failure.kind).toBe('authExpired');
          expect(await h.accepted()).toEqual([]);
        }));
    }

    it('answers a call aborted before it started as a transient failure and sends nothing', () =>
      withHarness(async (h) => {
        const controller = new AbortController();
        controller.abort();
        const outcome = await h.transport.send(message('contract-cmd-8'), controller.signal);
        expect(outcome.ok ? 'delivered' : outcome.failure.kind).toBe('transient');
        expect(await h.accepted()).toEqual([]);
      }));
  });
}
