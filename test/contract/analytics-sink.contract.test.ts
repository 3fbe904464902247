import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import {
  httpFailure,
  InMemoryAnalyticsSink,
} from '../../src/adapters/memory/in-memory-analytics-sink.js';
import { NdjsonFileSink } from '../../src/adapters/sinks/ndjson-file-sink.js';
import { WebhookAnalyticsSink } from '../../src/adapters/sinks/webhook-analytics-sink.js';
import type { AnalyticsBatchBody } from '../../src/application/feed/analytics-payload.js';
import type { AnalyticsEvent } from '../../src/application/ports/index.js';
import { WebhookReceiver } from '../support/feed/webhook-receiver.js';
import { analyticsSinkContract, type ReceivedBatch } from './analytics-sink.contract.js';

const SECRET = `whsec_${Buffer.from('contract-suite-secret-32-bytes!!').toString('base64')}`;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

analyticsSinkContract(
  'WebhookAnalyticsSink (loopback HTTP)',
  async () => {
    const receiver = await WebhookReceiver.start();
    const sink = new WebhookAnalyticsSink(
      { url: `${receiver.url}?token=query-secret`, secret: SECRET, timeoutMs: 5_000 },
      new SystemClock(),
    );
    return {
      sink,
      received: () =>
        Promise.resolve(
          receiver.accepted().map((r): ReceivedBatch => {
            const body = JSON.parse(r.body) as AnalyticsBatchBody;
            expect(r.headers['webhook-id']).toBe(body.data.batchId);
            return {
              batchId: body.data.batchId,
              replay: r.headers['webhook-replay'] === 'true',
              events: body.data.events,
            };
          }),
        ),
      breakFarSide: () => {
        receiver.answerAll({ status: 503 });
        return Promise.resolve();
      },
      close: async () => {
        await sink.close();
        await receiver.close();
      },
    };
  },
  { describe, it, expect },
);

analyticsSinkContract(
  'NdjsonFileSink',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'gtx-sink-contract-'));
    dirs.push(dir);
    const path = join(dir, 'analytics.ndjson');
    const sink = new NdjsonFileSink({ path });
    return Promise.resolve({
      sink,
      received: () => {
        const lines = readFileSync(path, 'utf8')
          .split('\n')
          .filter((line) => line !== '');
        const batches: { batchId: string; replay: boolean; events: AnalyticsEvent[] }[] = [];
        for (const line of lines) {
          const {
            batchId,
            replay,
            feed: _feed,
            payloadVersion: _v,
            ...event
          } = JSON.parse(line) as AnalyticsEvent & {
            batchId: string;
            replay: boolean;
            feed: string;
            payloadVersion: number;
          };
          const last = batches.at(-1);
          // A batch is one write: its lines are together. A re-delivery starts a new group.
          if (last?.batchId === batchId && last.events.at(-1)!.position < event.position) {
            last.events.push(event);
          } else batches.push({ batchId, replay, events: [event] });
        }
        return Promise.resolve(batches);
      },
      breakFarSide: () => {
        rmSync(path, { force: true });
        mkdirSync(path);
        return Promise.resolve();
      },
      close: () => sink.close(),
    });
  },
  { describe, it, expect },
);

analyticsSinkContract(
  'InMemoryAnalyticsSink (twin)',
  () => {
    const sink = new InMemoryAnalyticsSink(new SystemClock());
    return Promise.resolve({
      sink,
      received: () =>
        Promise.resolve(
          sink.accepted().map((b) => ({ batchId: b.id, replay: b.replay, events: b.events })),
        ),
      breakFarSide: () => {
        sink.failAll(httpFailure('unavailable', 503));
        return Promise.resolve();
      },
      close: () => sink.close(),
    });
  },
  { describe, it, expect },
);
