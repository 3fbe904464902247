import { makeBatch } from '../../src/application/feed/analytics-payload.js';
import type {
  AnalyticsBatch,
  AnalyticsEvent,
  AnalyticsSink,
} from '../../src/application/ports/index.js';
import { analyticsEvents } from '../support/feed/analytics-events.js';

/** The runner's functions, passed in so the suite works under vitest, jest and node:test. */
export interface SinkContractApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>): void;
  expect: (actual: unknown) => {
    toBe(expected: unknown): void;
    toEqual(expected: unknown): void;
    toContain(expected: unknown): void;
    toMatchObject(expected: object): void;
    not: { toContain(expected: unknown): void };
  };
}

/** A batch as the far side received it. */
export interface ReceivedBatch {
  readonly batchId: string;
  readonly replay: boolean;
  readonly events: readonly AnalyticsEvent[];
}

export interface SinkHarness {
  readonly sink: AnalyticsSink;
  /** What the far side has, grouped by batch, in arrival order. */
  received(): Promise<readonly ReceivedBatch[]>;
  /** From now on the far side fails (down, full, unwritable). */
  breakFarSide(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every AnalyticsSink adapter must pass this suite (webhook, NDJSON file, the in-memory twin):
 * batches arrive whole and in order, replays are marked, ids are stable, failures are values.
 */
export function analyticsSinkContract(
  name: string,
  makeSink: () => Promise<SinkHarness>,
  t: SinkContractApi,
): void {
  const { describe, it, expect } = t;

  async function withSink(body: (h: SinkHarness, events: AnalyticsEvent[]) => Promise<void>) {
    const harness = await makeSink();
    try {
      await body(harness, await analyticsEvents(4));
    } finally {
      await harness.close();
    }
  }

  const batch = (events: readonly AnalyticsEvent[], replay = false): AnalyticsBatch =>
    makeBatch('analytics', events, replay);

  describe(`AnalyticsSink contract: ${name}`, () => {
    it('delivers a batch whole: the same events, in order, under the batch id', () =>
      withSink(async (h, events) => {
        const b = batch(events.slice(0, 5));
        expect(await h.sink.deliver(b)).toMatchObject({ ok: true });
        const received = await h.received();
        expect(received).toEqual([{ batchId: b.id, replay: false, events: b.events }]);
      }));

    it('keeps the order of batches', () =>
      withSink(async (h, events) => {
        const batches = [
          batch(events.slice(0, 3)),
          batch(events.slice(3, 9)),
          batch(events.slice(9)),
        ];
        for (const b of batches) expect((await h.sink.deliver(b)).ok).toBe(true);
        const received = await h.received();
        expect(received.map((r) => r.batchId)).toEqual(batches.map((b) => b.id));
        expect(received.flatMap((r) => r.events.map((e) => e.position))).toEqual(
          events.map((e) => e.position),
        );
      }));

    it('marks replayed batches as replays', () =>
      withSink(async (h, events) => {
        await h.sink.deliver(batch(events.slice(0, 2), true));
        expect((await h.received())[0]?.replay).toBe(true);
      }));

    it('carries the same batch id and event ids when a batch is delivered again', () =>
      withSink(async (h, events) => {
        const b = batch(events.slice(0, 4));
        await h.sink.deliver(b);
        await h.sink.deliver(batch(events.slice(0, 4), true));
        const [first, second] = await h.received();
        expect(second?.batchId).toBe(first?.batchId);
        expect(second?.events.map((e) => e.id)).toEqual(first?.events.map((e) => e.id));
      }));

    it('reports a failing far side as a value, never a rejection', () =>
      withSink(async (h, events) => {
        await h.breakFarSide();
        const outcome = await h.sink.deliver(batch(events.slice(0, 2)));
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(typeof outcome.failure.detail).toBe('string');
      }));

    it('names its target without credentials', () =>
      withSink((h) => {
        expect(h.sink.target).not.toContain('whsec_');
        expect(h.sink.target).not.toContain('?');
        return Promise.resolve();
      }));
  });
}
