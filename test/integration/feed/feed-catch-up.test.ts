import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { SeededRandom } from '../../../src/adapters/ids/random.js';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import { ScriptedTransport } from '../../../src/adapters/memory/scripted-transport.js';
import { WebhookAnalyticsSink } from '../../../src/adapters/sinks/webhook-analytics-sink.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { SqliteFeedCheckpointStore } from '../../../src/adapters/sqlite/sqlite-feed-checkpoint-store.js';
import {
  AnalyticsFeed,
  type FeedRunSummary,
} from '../../../src/application/feed/analytics-feed.js';
import type { AnalyticsBatchBody } from '../../../src/application/feed/analytics-payload.js';
import { createTransmitter } from '../../../src/main.js';
import { message } from '../../support/pipeline-harness.js';
import { WebhookReceiver } from '../../support/feed/webhook-receiver.js';
import { testDir } from '../../support/test-dir.js';

const SECRET = `whsec_${Buffer.from('catch-up-test-secret-0123456789ab').toString('base64')}`;
describe('the feed while its receiver is down', () => {
  it('never holds up sends, then catches up with nothing lost and nothing reordered', async () => {
    const dir = testDir('gtx-feed-catch-up-');
    const path = join(dir, 'ledger.db');
    const clock = new SystemClock();
    const receiver = await WebhookReceiver.start();
    onTestFinished(() => receiver.close());
    receiver.answerAll({ status: 503 });

    const transmitter = createTransmitter({
      ledger: { path },
      pipeline: { concurrency: 8 },
      rateLimit: { perMinute: 600_000, burst: 1_000 },
      adapters: {
        clock,
        transport: new ScriptedTransport({ clock, latencyMs: 1 }),
        random: new SeededRandom(1),
        logger: new InMemoryLogger(),
      },
    });
    onTestFinished(() => transmitter.close());

    // The feed: a loop of its own on its own connection to the same file.
    const ledger = openSqliteLedger({ path, clock });
    const checkpoints = SqliteFeedCheckpointStore.open({ path }, clock);
    const sink = new WebhookAnalyticsSink({ url: receiver.url, secret: SECRET }, clock);
    onTestFinished(async () => {
      await sink.close();
      await checkpoints.close();
      await ledger.close();
    });
    const feed = new AnalyticsFeed(
      {
        ledger: ledger.events,
        checkpoints,
        sink,
        clock,
        random: new SeededRandom(2),
        logger: new InMemoryLogger(),
      },
      {
        batchSize: 7,
        maxBatchWaitMs: 30,
        pollIntervalMs: 10,
        retry: { baseDelayMs: 5, maxDelayMs: 40, maxAttempts: Infinity },
      },
    );
    const controller = new AbortController();
    const running: Promise<FeedRunSummary> = feed.run({ signal: controller.signal });

    const conversations = ['a', 'b', 'c', 'd', 'e', 'f'];
    const inputs = conversations.flatMap((c) =>
      Array.from({ length: 10 }, (_, i) => message(`${c}-${String(i)}`, c)),
    );
    const sent = await transmitter.submitMany(inputs);
    expect(sent).toMatchObject({ total: 60, delivered: 60 });

    // Every send finished while the receiver refused everything: the feed was trying, held.
    await vi.waitFor(() => {
      expect(receiver.requests.length).toBeGreaterThan(1);
    });
    expect(receiver.accepted()).toEqual([]);
    expect(await checkpoints.load('analytics')).toBe(0);

    receiver.answerAll({ status: 200 });
    const head = (await ledger.events.head()).position;
    await vi.waitFor(
      async () => {
        expect(await checkpoints.load('analytics')).toBe(head);
      },
      { timeout: 20_000, interval: 20 },
    );
    controller.abort();
    const summary = await running;
    expect(summary).toMatchObject({ stoppedBecause: 'stopped', position: head, events: head });

    const webhook = new Webhook(SECRET);
    const positions = receiver.accepted().flatMap((request) => {
      const body = webhook.verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }) as AnalyticsBatchBody;
      return body.data.events.map((e) => e.position);
    });
    // Nothing lost, nothing twice, in ledger order.
    expect(positions).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    // Each conversation's deliveries reached analytics in the order they were sent.
    const delivered = receiver
      .accepted()
      .flatMap((r) => (JSON.parse(r.body) as AnalyticsBatchBody).data.events)
      .filter((e) => e.type === 'TransmissionDelivered');
    expect(delivered).toHaveLength(60);
    for (const c of conversations) {
      expect(
        delivered.filter((e) => e.conversation.conversationRef === c).map((e) => e.commandId),
      ).toEqual(Array.from({ length: 10 }, (_, i) => `${c}-${String(i)}`));
    }
  });
});
