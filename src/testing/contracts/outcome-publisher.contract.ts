import type { OutcomePublisher } from '../../application/ports/index.js';
import { OUTCOME_COMMAND_ID_HEADER, OUTCOME_STATUS_HEADER } from '../../application/ports/index.js';
import type { ContractTestApi } from './contract-test-api.js';
import { itWithFreshFixture } from './fresh-fixture.js';

export interface ReceivedNotice {
  /** Header names as published (`Gtx-Command-Id`, `Gtx-Outcome`); values as strings. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface OutcomePublisherHarness {
  readonly publisher: OutcomePublisher;
  /** What a subscriber of the subject or exchange has received so far, in order. */
  received(): Promise<readonly ReceivedNotice[]>;
  readonly cleanup?: () => Promise<void>;
}

const encoder = new TextEncoder();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every OutcomePublisher adapter must pass this suite against its real broker: a published
 * notice reaches a subscriber with its body and the command id and status headers.
 */
export function outcomePublisherContract(
  name: string,
  makeHarness: () => Promise<OutcomePublisherHarness>,
  t: ContractTestApi,
): void {
  const { describe, expect } = t;
  const it = itWithFreshFixture(t, makeHarness, (h) => h.publisher.close());

  async function receivedAtLeast(
    h: OutcomePublisherHarness,
    count: number,
  ): Promise<readonly ReceivedNotice[]> {
    for (let waited = 0; waited < 10_000; waited += 20) {
      const received = await h.received();
      if (received.length >= count) return received;
      await sleep(20);
    }
    return h.received();
  }

  describe(`OutcomePublisher contract: ${name}`, () => {
    it('publishes a notice with its body and the command id and status headers', async (h) => {
      await h.publisher.open();
      const body = '{"commandId":"cmd-1","status":"delivered"}';
      await h.publisher.publish({
        commandId: 'cmd-1',
        status: 'delivered',
        body: encoder.encode(body),
      });
      const received = await receivedAtLeast(h, 1);
      expect(received.length).toBe(1);
      expect(received[0]?.body).toBe(body);
      expect(received[0]?.headers[OUTCOME_COMMAND_ID_HEADER]).toBe('cmd-1');
      expect(received[0]?.headers[OUTCOME_STATUS_HEADER]).toBe('delivered');
    });

    it('publishes an intake failure without a command id header', async (h) => {
      await h.publisher.open();
      await h.publisher.publish({
        commandId: null,
        status: 'intakeFailed',
        body: encoder.encode('{"status":"intakeFailed"}'),
      });
      const received = await receivedAtLeast(h, 1);
      expect(received[0]?.headers[OUTCOME_STATUS_HEADER]).toBe('intakeFailed');
      expect(received[0]?.headers[OUTCOME_COMMAND_ID_HEADER]).toBe(undefined);
    });

    it('keeps the order of notices published one after another', async (h) => {
      await h.publisher.open();
      for (let i = 1; i <= 5; i++) {
        await h.publisher.publish({
          commandId: `cmd-${String(i)}`,
          status: 'rejected',
          body: encoder.encode(String(i)),
        });
      }
      const received = await receivedAtLeast(h, 5);
      expect(received.map((notice) => notice.body)).toEqual(['1', '2', '3', '4', '5']);
    });
  });
}
