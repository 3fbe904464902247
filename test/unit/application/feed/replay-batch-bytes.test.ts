import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { SeededRandom } from '../../../../src/adapters/ids/random.js';
import { InMemoryAnalyticsSink } from '../../../../src/adapters/memory/in-memory-analytics-sink.js';
import { InMemoryEventStore } from '../../../../src/adapters/memory/in-memory-event-store.js';
import { InMemoryFeedCheckpointStore } from '../../../../src/adapters/memory/in-memory-feed-checkpoint-store.js';
import { InMemoryLogger } from '../../../../src/adapters/memory/in-memory-logger.js';
import { batchBody } from '../../../../src/application/feed/analytics-payload.js';
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
});
