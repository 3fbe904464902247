import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import {
  httpFailure,
  InMemoryAnalyticsSink,
} from '../../../../src/adapters/memory/in-memory-analytics-sink.js';
import { InMemoryEventStore } from '../../../../src/adapters/memory/in-memory-event-store.js';
import { InMemoryFeedCheckpointStore } from '../../../../src/adapters/memory/in-memory-feed-checkpoint-store.js';
import { InMemoryLogger } from '../../../../src/adapters/memory/in-memory-logger.js';
import {
  AnalyticsFeed,
  type FeedRunSummary,
  type FeedSettings,
} from '../../../../src/application/feed/analytics-feed.js';
import { batchBody } from '../../../../src/application/feed/analytics-payload.js';
import { ANALYTICS_BATCH_SCHEMA } from '../../../../src/application/feed/analytics-schema.js';
import { recordFeedEnabled } from '../../../../src/application/feed/feed-stream.js';
import type { Random } from '../../../../src/application/ports/index.js';
import { hasErrorCode } from '../../../../src/domain/index.js';
import {
  NICKNAME,
  ScriptedRandom,
  SECRET_TEXT,
  seedTransmission,
} from '../../../support/feed/feed-fixtures.js';
import {
  appendTransmission,
  transmission,
} from '../../../../src/testing/contracts/transmission-fixtures.js';

function setup(settings: Partial<FeedSettings> = {}, random: Random = new ScriptedRandom([0.5])) {
  const clock = new VirtualClock();
  const ledger = new InMemoryEventStore(clock);
  const checkpoints = new InMemoryFeedCheckpointStore(clock);
  const sink = new InMemoryAnalyticsSink(clock);
  const logger = new InMemoryLogger();
  const feed = new AnalyticsFeed(
    { ledger, checkpoints, sink, clock, random, logger },
    { batchSize: 3, maxBatchWaitMs: 2_000, pollIntervalMs: 500, ...settings },
  );
  const controller = new AbortController();
  let summary: FeedRunSummary | null = null;
  let failure: unknown = null;
  const start = (): void => {
    feed.run({ signal: controller.signal }).then(
      (s) => (summary = s),
      (error: unknown) => (failure = error),
    );
  };
  const stop = async (): Promise<FeedRunSummary> => {
    controller.abort();
    await clock.advanceUntil(() => summary !== null || failure !== null, 1000);
    if (failure !== null) throw failure as Error;
    return summary!;
  };
  return {
    clock,
    ledger,
    checkpoints,
    sink,
    logger,
    feed,
    start,
    stop,
    result: () => summary,
    failure: () => failure,
  };
}

/** One event per transmission: a stream that was only requested. */
async function requestMany(ledger: InMemoryEventStore, count: number, from = 1): Promise<void> {
  for (let i = from; i < from + count; i++) {
    await seedTransmission(ledger, { commandId: `c${String(i)}`, outcome: 'requested' });
  }
}

/** Seeds `count` requested transmissions, scripts the sink's answers, then starts the feed. */
async function startFeed(
  t: ReturnType<typeof setup>,
  count: number,
  scriptSink: (sink: InMemoryAnalyticsSink) => unknown,
): Promise<void> {
  await requestMany(t.ledger, count);
  scriptSink(t.sink);
  t.start();
}

const positions = (sink: InMemoryAnalyticsSink) =>
  sink.accepted().map((batch) => batch.events.map((e) => e.position));

describe('AnalyticsFeed (virtual time)', () => {
  it('sends a batch as soon as it is full, and a partial one once it has waited long enough', async () => {
    const t = setup();
    await requestMany(t.ledger, 7);
    t.start();
    await t.clock.advanceBy(0);
    expect(positions(t.sink)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    await t.clock.advanceBy(1_999);
    expect(t.sink.calls()).toHaveLength(2);
    await t.clock.advanceBy(1);
    expect(positions(t.sink)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(await t.checkpoints.load('analytics')).toBe(7);
    const summary = await t.stop();
    expect(summary).toMatchObject({
      batches: 3,
      events: 7,
      position: 7,
      stoppedBecause: 'stopped',
    });
  });

  it('picks up events appended while it runs, timing a partial batch from its first event', async () => {
    const t = setup({ batchSize: 10 });
    t.start();
    await t.clock.advanceBy(1_000);
    expect(t.sink.calls()).toHaveLength(0);
    await requestMany(t.ledger, 2);
    await t.clock.advanceBy(500); // the next poll sees them: the wait starts now
    await requestMany(t.ledger, 1, 3);
    await t.clock.advanceBy(1_999);
    expect(t.sink.calls()).toHaveLength(0);
    await t.clock.advanceBy(1);
    expect(positions(t.sink)).toEqual([[1, 2, 3]]);
    await t.stop();
  });

  it('moves the checkpoint only after the sink accepted the batch', async () => {
    const t = setup({ retry: { baseDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: Infinity } });
    await startFeed(t, 3, (sink) => sink.failNext(2, httpFailure('serverError', 500)));
    await t.clock.advanceBy(0);
    expect(t.sink.calls()).toHaveLength(1);
    expect(await t.checkpoints.load('analytics')).toBe(0);
    await t.clock.advanceUntil(() => t.sink.calls().length === 2);
    expect(await t.checkpoints.load('analytics')).toBe(0);
    await t.clock.advanceUntil(() => t.sink.accepted().length === 1);
    expect(t.checkpoints.saves).toEqual([{ name: 'analytics', position: 3 }]);
    // The same batch each time: the same id on every retry.
    expect(new Set(t.sink.calls().map((c) => c.batch.id)).size).toBe(1);
    await t.stop();
  });

  it('honours Retry-After on 429 and 503 exactly', async () => {
    const t = setup();
    await startFeed(t, 3, (sink) =>
      sink
        .failNext(1, httpFailure('rateLimited', 429, 7_000))
        .failNext(1, httpFailure('unavailable', 503, 12_000)),
    );
    await t.clock.advanceUntil(() => t.sink.accepted().length === 1, 60_000, 1);
    const at = t.sink.calls().map((c) => c.at);
    expect(at[1]! - at[0]!).toBe(7_000);
    expect(at[2]! - at[1]!).toBe(12_000);
    await t.stop();
  });

  it('backs off with full jitter drawn from the Random port, the ceiling doubling', async () => {
    const t = setup(
      { retry: { baseDelayMs: 1_000, maxDelayMs: 3_000, maxAttempts: Infinity } },
      new ScriptedRandom([0.5, 0.25, 0.999, 0.1]),
    );
    await startFeed(t, 3, (sink) => sink.failNext(4, httpFailure('rejected', 400)));
    await t.clock.advanceUntil(() => t.sink.accepted().length === 1, 60_000, 1);
    const at = t.sink.calls().map((c) => c.at);
    const waits = at.slice(1).map((time, i) => time - at[i]!);
    // ceilings 1000, 2000, 3000 (capped), 3000: floor(random * ceiling)
    expect(waits).toEqual([500, 500, 2_997, 300]);
    await t.stop();
  });

  it('treats a redirect as a failure: retried, never disabling, checkpoint held', async () => {
    const t = setup();
    await startFeed(t, 3, (sink) => sink.failNext(1, httpFailure('redirect', 302)));
    await t.clock.advanceBy(0);
    expect(await t.checkpoints.load('analytics')).toBe(0);
    await t.clock.advanceUntil(() => t.sink.accepted().length === 1, 60_000);
    expect(t.sink.calls()[0]?.outcome).toMatchObject({ ok: false, failure: { kind: 'redirect' } });
    expect(await t.ledger.readStream('feed-analytics')).toEqual([]);
    expect(await t.checkpoints.load('analytics')).toBe(3);
    await t.stop();
  });

  it('disables itself on 410 Gone, records it in the ledger, and refuses to run until enabled', async () => {
    const t = setup();
    await startFeed(t, 4, (sink) => sink.failNext(1, httpFailure('gone', 410)));
    await t.clock.advanceUntil(() => t.result() !== null, 1_000);
    expect(t.result()).toMatchObject({ stoppedBecause: 'disabled', position: 0 });
    const [disabled] = await t.ledger.readStream('feed-analytics');
    expect(disabled).toMatchObject({
      type: 'AnalyticsFeedDisabled',
      position: 5,
      data: { feed: 'analytics', status: 410, position: 1, target: 'memory:analytics' },
    });
    expect(await t.checkpoints.load('analytics')).toBe(0);

    const again = await t.feed.run({ once: true }).catch((error: unknown) => error);
    expect(hasErrorCode(again, 'FEED_DISABLED')).toBe(true);

    await recordFeedEnabled(t.ledger, 'analytics', '2026-01-01T00:00:00.000Z');
    const resumed = t.feed.run({ once: true });
    await t.clock.advanceBy(0);
    const summary = await resumed;
    // Nothing lost: positions 1..4 delivered, the feed's own events (5, 6) passed over.
    expect(summary).toMatchObject({
      events: 4,
      skipped: 2,
      position: 6,
      stoppedBecause: 'caughtUp',
    });
    expect(positions(t.sink).flat()).toEqual([1, 2, 3, 4]);
  });

  it('stops on its signal during a backoff, leaving the checkpoint where it was', async () => {
    const t = setup();
    await startFeed(t, 3, (sink) => sink.failAll(httpFailure('unavailable', 503, 60_000)));
    await t.clock.advanceBy(10_000);
    const summary = await t.stop();
    expect(summary).toMatchObject({ stoppedBecause: 'stopped', position: 0, batches: 0 });
    expect(await t.checkpoints.load('analytics')).toBe(0);
  });

  it('maps events without personal content, with guest and conversation on every event', async () => {
    const t = setup({ batchSize: 100 });
    await seedTransmission(t.ledger, {
      commandId: 'a',
      guestId: 'g-1',
      outcome: 'retriedThenDelivered',
    });
    await seedTransmission(t.ledger, { commandId: 'b', outcome: 'rejected' });
    await seedTransmission(t.ledger, { commandId: 'c', outcome: 'deadLettered' });
    const summary = t.feed.run({ once: true });
    await t.clock.advanceBy(0);
    expect(await summary).toMatchObject({ events: 10, batches: 1 });
    const [batch] = t.sink.accepted();
    const json = JSON.stringify(batchBody(batch!));
    for (const personal of [SECRET_TEXT, NICKNAME, 'order-42', 'firstName', 'attachments']) {
      expect(json).not.toContain(personal);
    }
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(ANALYTICS_BATCH_SCHEMA);
    expect(validate(JSON.parse(json)), JSON.stringify(validate.errors)).toBe(true);

    const events = batch!.events;
    expect(events.slice(0, 5).map((e) => [e.type, e.status, e.attempt])).toEqual([
      ['TransmissionRequested', 'pending', null],
      ['TransmissionAttemptStarted', 'inFlight', 1],
      ['TransmissionAttemptFailed', 'retryScheduled', 1],
      ['TransmissionAttemptStarted', 'inFlight', 2],
      ['TransmissionDelivered', 'delivered', 2],
    ]);
    for (const e of events.slice(0, 5)) {
      expect(e).toMatchObject({ guestId: 'g-1', commandId: 'a', streamId: 'transmission-a' });
      expect(e.conversation.conversationRef).toBe('conv-a');
    }
    expect(events[4]).toMatchObject({
      latencyMs: 100,
      genesysMessageId: 'gm-a',
      conversation: { genesysConversationId: 'gc-conv-a' },
    });
    expect(events[2]?.error).toMatchObject({
      failureKind: 'transient',
      status: 503,
      retryable: true,
    });
    expect(events[5]).toMatchObject({
      status: 'rejected',
      error: { rejectionCodes: ['TEXT_TOO_MANY_BYTES', 'CONTENT_BLOCKED'] },
    });
    expect(events.at(-1)).toMatchObject({
      status: 'deadLettered',
      error: { reason: 'permanentFailure' },
    });
    expect(events.map((e) => e.id)).toEqual(
      events.map(
        (e) =>
          expect.stringMatching(new RegExp(`^evt_${String(e.position)}_[0-9a-f]{16}$`)) as unknown,
      ),
    );
  });

  it('maps a redrive as a new event type, pending again, without the operator or their reason', async () => {
    const t = setup({ batchSize: 100 });
    await appendTransmission(t.ledger, 'r', [
      transmission.requested('r', 'conv-r'),
      transmission.started(1),
      transmission.failed(1, null),
      transmission.deadLettered(1),
      transmission.redriven('dead-letter-1', 1),
      transmission.started(2),
      transmission.delivered(2),
    ]);
    const summary = t.feed.run({ once: true });
    await t.clock.advanceBy(0);
    expect(await summary).toMatchObject({ events: 7 });
    const [batch] = t.sink.accepted();
    const json = JSON.stringify(batchBody(batch!));
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(ANALYTICS_BATCH_SCHEMA);
    expect(validate(JSON.parse(json)), JSON.stringify(validate.errors)).toBe(true);
    expect(batch!.events[4]).toMatchObject({
      type: 'TransmissionRedriven',
      status: 'pending',
      attempt: null,
      error: null,
      commandId: 'r',
      conversation: { conversationRef: 'conv-r' },
    });
    expect(json).not.toContain('operator-1');
    expect(json).not.toContain('the far side is fixed');
  });

  it('starting mid-stream still names guest and conversation, with the same payload as before', async () => {
    const first = setup({ batchSize: 100 });
    await seedTransmission(first.ledger, { commandId: 'a', guestId: 'g-1' });
    const all = first.feed.run({ once: true });
    await first.clock.advanceBy(0);
    await all;
    const fromStart = first.sink.accepted()[0]!.events;

    await first.checkpoints.save('analytics', 1);
    // A fresh feed (an empty stream cache), as after a restart.
    const restarted = new AnalyticsFeed(
      {
        ledger: first.ledger,
        checkpoints: first.checkpoints,
        sink: first.sink,
        clock: first.clock,
        random: new ScriptedRandom([0]),
        logger: first.logger,
      },
      { batchSize: 100 },
    );
    const rest = restarted.run({ once: true });
    await first.clock.advanceBy(0);
    await rest;
    const fromMiddle = first.sink.accepted()[1]!.events;
    expect(fromMiddle).toEqual(fromStart.slice(1));
  });
});
