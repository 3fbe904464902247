import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { SeededRandom } from '../../../../src/adapters/ids/random.js';
import { InMemoryAnalyticsSink } from '../../../../src/adapters/memory/in-memory-analytics-sink.js';
import { InMemoryEventStore } from '../../../../src/adapters/memory/in-memory-event-store.js';
import { InMemoryFeedCheckpointStore } from '../../../../src/adapters/memory/in-memory-feed-checkpoint-store.js';
import { InMemoryLogger } from '../../../../src/adapters/memory/in-memory-logger.js';
import { AnalyticsEventMapper } from '../../../../src/application/feed/analytics-mapper.js';
import { batchBody } from '../../../../src/application/feed/analytics-payload.js';
import { readAllPages } from '../../../../src/application/ledger/ledger-pages.js';
import type { AnalyticsEvent } from '../../../../src/application/ports/index.js';
import {
  replayAnalytics,
  type ReplayOptions,
} from '../../../../src/application/feed/analytics-replay.js';
import { seedTransmission } from '../../../support/feed/feed-fixtures.js';

/**
 * Replay's output pinned byte for byte: the bodies, batch ids and checkpoints recorded in the
 * snapshot were produced before replay was reworked for speed (issue 18), so any change to what
 * a receiver gets (key order, a field, a batch cut, a checkpoint) fails here.
 */
async function ledgerOfEveryOutcome(): Promise<InMemoryEventStore> {
  const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00.000Z'));
  const ledger = new InMemoryEventStore(clock);
  const outcomes = ['delivered', 'retriedThenDelivered', 'rejected', 'deadLettered', 'requested'];
  for (const [i, outcome] of outcomes.entries()) {
    await seedTransmission(ledger, {
      commandId: `cmd-${String(i)}`,
      // Non-ASCII on purpose: the body's bytes and Content-Length must agree.
      guestId: i % 2 === 0 ? `gäst-${String(i)}` : `guest-${String(i)}`,
      outcome: outcome as 'delivered',
      latencyMs: 100 + i,
      at: `2026-01-0${String(i + 1)}T00:00:00.000Z`,
    });
    // A day per transmission: the time filters cut between them.
    await clock.advanceBy(86_400_000);
  }
  return ledger;
}

async function replayed(options: ReplayOptions): Promise<string> {
  const clock = new VirtualClock();
  const sink = new InMemoryAnalyticsSink(clock);
  const checkpoints = new InMemoryFeedCheckpointStore(clock);
  const summary = await replayAnalytics(
    {
      ledger: await ledgerOfEveryOutcome(),
      checkpoints,
      sink,
      clock,
      random: new SeededRandom(1),
      logger: new InMemoryLogger(),
    },
    options,
  );
  const lines = sink.calls().map((call) => JSON.stringify(batchBody(call.batch)));
  return [...lines, JSON.stringify({ summary, saves: checkpoints.saves })].join('\n') + '\n';
}

describe('replay output, byte for byte', () => {
  it('sends the same bodies and checkpoints for a whole-ledger replay', async () => {
    await expect(await replayed({ filters: {}, batchSize: 4 })).toMatchFileSnapshot(
      './__snapshots__/replay-all.ndjson',
    );
  });

  it('sends the same bodies when it starts mid-stream and filters by guest and time', async () => {
    const text = await replayed({
      filters: { fromPosition: 3, guestId: 'gäst-2', since: '2026-01-02T00:00:00.000Z' },
      batchSize: 2,
    });
    await expect(text).toMatchFileSnapshot('./__snapshots__/replay-filtered.ndjson');
  });

  it('starts mid-stream without a stream filter: the first event is looked up', async () => {
    const text = await replayed({
      filters: { fromPosition: 5, until: '2026-01-04T00:00:00.000Z' },
    });
    await expect(text).toMatchFileSnapshot('./__snapshots__/replay-mid-stream.ndjson');
  });

  it('across pages, sends what mapping row by row gives, in order, batch after batch', async () => {
    const clock = new VirtualClock();
    const ledger = new InMemoryEventStore(clock);
    // 50 interleaved transmissions (~150 rows): more than one page of 100.
    for (let i = 0; i < 50; i++) {
      await seedTransmission(ledger, {
        commandId: `p-${String(i)}`,
        outcome: i % 3 === 0 ? 'retriedThenDelivered' : 'delivered',
      });
    }
    const expected: AnalyticsEvent[] = [];
    const reference = new AnalyticsEventMapper(ledger);
    for await (const recorded of readAllPages(ledger, { afterPosition: 10 })) {
      const event = await reference.map(recorded);
      if (event !== null) expected.push(event);
    }
    const sink = new InMemoryAnalyticsSink(clock);
    const summary = await replayAnalytics(
      {
        ledger,
        checkpoints: new InMemoryFeedCheckpointStore(clock),
        sink,
        clock,
        random: new SeededRandom(1),
        logger: new InMemoryLogger(),
      },
      { filters: { fromPosition: 11 }, batchSize: 7 },
    );
    const sent = sink.calls().flatMap((call) => call.batch.events);
    expect(expected.length).toBeGreaterThan(100);
    expect(JSON.stringify(sent)).toBe(JSON.stringify(expected));
    expect(summary).toMatchObject({ matched: expected.length, delivered: expected.length });
    expect(sink.calls().every((call) => call.batch.events.length <= 7)).toBe(true);
  });
});
