import type { BrokerDelivery, CommandSource } from '../../application/ports/index.js';
import type { ContractTestApi } from './contract-test-api.js';
import { itWithFreshFixture } from './fresh-fixture.js';

export interface CommandSourceHarness {
  /** A source on the harness' own queue or stream (not opened), at most `prefetch` unanswered. */
  makeSource(prefetch: number): CommandSource;
  /** Publishes one message; `messageId` is the publisher's id where the broker carries one. */
  publish(body: string, messageId?: string): Promise<void>;
  /** Bodies the broker dead-lettered or terminated, in order. */
  terminated(): Promise<readonly string[]>;
  /** The broker names every message itself (JetStream) instead of only what publishers name (AMQP). */
  readonly namesEveryMessage: boolean;
  /** Removes the queue or stream. */
  readonly cleanup?: () => Promise<void>;
}

/** Long enough for a real broker on loopback; no test asserts on how long anything took. */
const WAIT_MS = 10_000;
/** How long a test lets the broker show that nothing more comes. */
const QUIET_MS = 400;

const text = (delivery: BrokerDelivery): string => new TextDecoder().decode(delivery.body);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An opened source and what it has delivered so far. */
interface Receiving {
  readonly source: CommandSource;
  readonly received: BrokerDelivery[];
  readonly completed: () => boolean;
  /** Waits until `count` deliveries in all have arrived; fails after WAIT_MS. */
  until(count: number): Promise<BrokerDelivery[]>;
  close(): Promise<void>;
}

async function receive(harness: CommandSourceHarness, prefetch: number): Promise<Receiving> {
  const source = harness.makeSource(prefetch);
  await source.open();
  const received: BrokerDelivery[] = [];
  let completed = false;
  let failure: unknown = null;
  const subscription = source.deliveries().subscribe({
    next: (delivery) => received.push(delivery),
    error: (error: unknown) => {
      failure = error;
    },
    complete: () => {
      completed = true;
    },
  });
  return {
    source,
    received,
    completed: () => completed,
    until: async (count) => {
      for (let waited = 0; received.length < count; waited += 20) {
        if (failure !== null) throw failure as Error;
        if (waited > WAIT_MS) {
          throw new Error(
            `expected ${count} deliveries, got ${received.length} within ${WAIT_MS} ms`,
          );
        }
        await sleep(20);
      }
      return received;
    },
    close: async () => {
      subscription.unsubscribe();
      await source.close();
    },
  };
}

/**
 * Every CommandSource adapter must pass this suite against its real broker: deliveries in
 * order with a stable broker message id, ack, delayed nak, term (dead-lettered), unanswered
 * deliveries back to the broker at close, the prefetch bound, stop, and working().
 */
export function commandSourceContract(
  name: string,
  makeHarness: () => Promise<CommandSourceHarness>,
  t: ContractTestApi,
): void {
  const { describe, expect } = t;
  const it = itWithFreshFixture(t, makeHarness, () => Promise.resolve());

  describe(`CommandSource contract: ${name}`, () => {
    it('delivers what was published, in order, with the broker message id', async (h) => {
      for (let i = 1; i <= 5; i++) await h.publish(`body-${String(i)}`, `message-${String(i)}`);
      const r = await receive(h, 10);
      try {
        const got = await r.until(5);
        expect(got.map(text)).toEqual(['body-1', 'body-2', 'body-3', 'body-4', 'body-5']);
        expect(got.map((d) => d.redeliveryCount)).toEqual([0, 0, 0, 0, 0]);
        const ids = got.map((d) => d.messageId);
        expect(new Set(ids).size).toBe(5);
        if (!h.namesEveryMessage) {
          expect(ids).toEqual(['message-1', 'message-2', 'message-3', 'message-4', 'message-5']);
        }
        for (const delivery of got) await delivery.ack();
      } finally {
        await r.close();
      }
    });

    it('says there is no broker message id when the broker has none', async (h) => {
      await h.publish('anonymous');
      const r = await receive(h, 1);
      try {
        const [delivery] = await r.until(1);
        expect(delivery?.messageId === null).toBe(!h.namesEveryMessage);
        await delivery?.ack();
      } finally {
        await r.close();
      }
    });

    it('does not deliver an acknowledged message again; an unanswered one comes back after close', async (h) => {
      await h.publish('acked', 'id-acked');
      await h.publish('unanswered', 'id-unanswered');
      const first = await receive(h, 10);
      let unansweredId: string | null | undefined;
      try {
        const [acked, unanswered] = await first.until(2);
        unansweredId = unanswered?.messageId ?? null;
        await acked?.ack();
      } finally {
        await first.close();
      }
      await h.publish('later', 'id-later');
      const second = await receive(h, 10);
      try {
        const got = await second.until(2);
        expect(got.map(text)).toEqual(['unanswered', 'later']);
        // No redelivery count here: JetStream takes back the delivery of the last message it
        // delivered when that one is handed back, so it may come again as a first delivery.
        expect(got[0]?.messageId).toBe(unansweredId);
        for (const delivery of got) await delivery.ack();
      } finally {
        await second.close();
      }
    });

    it('delivers a message again after a nak with a delay, with the same id', async (h) => {
      await h.publish('again', 'id-again');
      const r = await receive(h, 10);
      try {
        const [first] = await r.until(1);
        await first?.nak(200);
        const [, second] = await r.until(2);
        expect(second === undefined ? null : text(second)).toBe('again');
        expect(second?.messageId).toBe(first?.messageId);
        expect(second?.redeliveryCount).toBeGreaterThan(0);
        await second?.ack();
      } finally {
        await r.close();
      }
    });

    it('never delivers a terminated message again, and dead-letters it', async (h) => {
      await h.publish('poison', 'id-poison');
      await h.publish('fine', 'id-fine');
      const first = await receive(h, 10);
      try {
        const [poison, fine] = await first.until(2);
        await poison?.term('not a command');
        await fine?.ack();
      } finally {
        await first.close();
      }
      await h.publish('after', 'id-after');
      const second = await receive(h, 10);
      try {
        const [after] = await second.until(1);
        expect(after === undefined ? null : text(after)).toBe('after');
        await after?.ack();
        await sleep(QUIET_MS);
        expect(second.received.length).toBe(1);
      } finally {
        await second.close();
      }
      for (let waited = 0; (await h.terminated()).length === 0 && waited < WAIT_MS; waited += 50) {
        await sleep(50);
      }
      expect(await h.terminated()).toEqual(['poison']);
    });

    it('holds at most the prefetch unanswered at once', async (h) => {
      for (let i = 1; i <= 6; i++)
        await h.publish(`bounded-${String(i)}`, `id-bounded-${String(i)}`);
      const r = await receive(h, 2);
      try {
        await r.until(2);
        await sleep(QUIET_MS);
        expect(r.received.length).toBe(2);
        await r.received[0]?.ack();
        const got = await r.until(3);
        await sleep(QUIET_MS);
        expect(got.length).toBe(3);
        expect(got.map(text)).toEqual(['bounded-1', 'bounded-2', 'bounded-3']);
        for (const delivery of got.slice(1)) await delivery.ack();
      } finally {
        await r.close();
      }
    });

    it('completes its deliveries on stop; what was delivered can still be answered', async (h) => {
      await h.publish('in-hand', 'id-in-hand');
      await h.publish('not-yet', 'id-not-yet');
      const first = await receive(h, 1);
      try {
        const [inHand] = await first.until(1);
        await first.source.stop();
        expect(first.completed()).toBe(true);
        await inHand?.ack();
      } finally {
        await first.close();
      }
      const second = await receive(h, 10);
      try {
        const [next] = await second.until(1);
        expect(next === undefined ? null : text(next)).toBe('not-yet');
        await next?.ack();
        await sleep(QUIET_MS);
        expect(second.received.length).toBe(1);
      } finally {
        await second.close();
      }
    });

    it('keeps a delivery past the broker deadline while working() is sent', async (h) => {
      await h.publish('slow', 'id-slow');
      const r = await receive(h, 10);
      try {
        const [slow] = await r.until(1);
        const deadline = r.source.ackDeadlineMs;
        if (deadline !== null) {
          const beats = Math.max(1, Math.floor(deadline / 4));
          for (let elapsed = 0; elapsed < deadline * 2; elapsed += beats) {
            await slow?.working();
            await sleep(beats);
          }
        }
        expect(r.received.length).toBe(1);
        await slow?.ack();
      } finally {
        await r.close();
      }
    });
  });
}
