import { join } from 'node:path';
import { asyncScheduler } from 'rxjs';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { SeededRandom } from '../../../src/adapters/ids/random.js';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import { WebhookAnalyticsSink } from '../../../src/adapters/sinks/webhook-analytics-sink.js';
import { parseWebhookSecret } from '../../../src/adapters/sinks/standard-webhooks.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { SqliteFeedCheckpointStore } from '../../../src/adapters/sqlite/sqlite-feed-checkpoint-store.js';
import { AnalyticsFeed } from '../../../src/application/feed/analytics-feed.js';
import {
  batchBody,
  makeBatch,
  type AnalyticsBatchBody,
} from '../../../src/application/feed/analytics-payload.js';
import { replayAnalytics } from '../../../src/application/feed/analytics-replay.js';
import type { Clock } from '../../../src/application/ports/index.js';
import { hasErrorCode } from '../../../src/domain/index.js';
import { analyticsEvents } from '../../support/feed/analytics-events.js';
import { seedTransmission } from '../../support/feed/feed-fixtures.js';
import { WebhookReceiver, type ReceivedRequest } from '../../support/feed/webhook-receiver.js';
import { testDir } from '../../support/test-dir.js';

const SECRET = `whsec_${Buffer.from('integration-test-secret-0123456789').toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.from('some-other-secret-0123456789abcdef').toString('base64')}`;

async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start();
  onTestFinished(() => r.close());
  return r;
}

function sink(url: string, clock: Clock = new SystemClock(), timeoutMs = 5_000) {
  const s = new WebhookAnalyticsSink({ url, secret: SECRET, timeoutMs }, clock);
  onTestFinished(() => s.close());
  return s;
}

function verify(request: ReceivedRequest, secret = SECRET): unknown {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });
}

const fixedClock = (epochMs: number): Clock => ({ now: () => epochMs, scheduler: asyncScheduler });

describe('WebhookAnalyticsSink against a loopback receiver', () => {
  it('signs as Standard Webhooks says: the reference implementation verifies it', async () => {
    const r = await receiver();
    const events = await analyticsEvents(2);
    const batch = makeBatch('analytics', events, false);
    expect(await sink(r.url).deliver(batch)).toEqual({ ok: true, status: 200 });
    const [request] = r.requests;
    expect(verify(request!)).toMatchObject({ data: { batchId: batch.id, count: events.length } });
    expect(request!.headers).toMatchObject({
      'webhook-id': batch.id,
      'x-source': 'genesys-transmitter',
      'content-type': 'application/json',
    });
    expect(request!.headers['webhook-replay']).toBeUndefined();
    expect(request!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('posts exactly the batch body, non-ASCII included, with its byte length', async () => {
    const r = await receiver();
    const path = join(testDir('gtx-webhook-body-'), 'ledger.db');
    const clock = new SystemClock();
    const ledger = openSqliteLedger({ path, clock }).events;
    const checkpoints = SqliteFeedCheckpointStore.open({ path }, clock);
    onTestFinished(async () => {
      await checkpoints.close();
      await ledger.close();
    });
    await seedTransmission(ledger, { commandId: 'umlaut', guestId: 'gäst-ü' });
    await replayAnalytics(
      {
        ledger,
        checkpoints,
        sink: sink(r.url),
        clock,
        random: new SeededRandom(1),
        logger: new InMemoryLogger(),
      },
      { filters: {} },
    );
    expect(r.requests).toHaveLength(1);
    const request = r.requests[0]!;
    const sent = JSON.parse(request.body) as AnalyticsBatchBody;
    const batch = makeBatch('analytics', sent.data.events, true);
    expect(request.body).toBe(JSON.stringify(batchBody(batch)));
    expect(request.body).toContain('gäst-ü');
    expect(Number(request.headers['content-length'])).toBe(Buffer.byteLength(request.body));
    expect(verify(request)).toBeTruthy();
  });

  it('fails verification for a wrong secret and for a timestamp outside the tolerance', async () => {
    const r = await receiver();
    const batch = makeBatch('analytics', await analyticsEvents(1), false);
    await sink(r.url).deliver(batch);
    expect(() => verify(r.requests[0]!, OTHER_SECRET)).toThrow(WebhookVerificationError);

    const tenMinutesAgo = fixedClock(Date.now() - 10 * 60_000);
    await sink(r.url, tenMinutesAgo).deliver(batch);
    expect(() => verify(r.requests[1]!)).toThrow(/timestamp/i);
    // The same request with the right time verifies: only the timestamp was wrong.
    await sink(r.url).deliver(batch);
    expect(verify(r.requests[2]!)).toBeTruthy();
  });

  it('marks a replay with webhook-replay: true, signed the same way', async () => {
    const r = await receiver();
    await sink(r.url).deliver(makeBatch('analytics', await analyticsEvents(1), true));
    expect(r.requests[0]!.headers['webhook-replay']).toBe('true');
    expect(verify(r.requests[0]!)).toMatchObject({ data: { replay: true } });
  });

  it('sorts answers: redirect not followed, 410 gone, Retry-After read, 4xx and 5xx', async () => {
    const r = await receiver();
    const s = sink(r.url);
    const batch = makeBatch('analytics', await analyticsEvents(1), false);
    r.answerNext(1, { status: 307, headers: { location: `${r.url}/elsewhere` } });
    expect(await s.deliver(batch)).toMatchObject({
      ok: false,
      failure: { kind: 'redirect', status: 307 },
    });
    expect(r.requests).toHaveLength(1);
    r.answerNext(1, { status: 410 });
    expect(await s.deliver(batch)).toMatchObject({ ok: false, failure: { kind: 'gone' } });
    r.answerNext(1, { status: 429, headers: { 'retry-after': '3' } });
    expect(await s.deliver(batch)).toMatchObject({
      ok: false,
      failure: { kind: 'rateLimited', retryAfterMs: 3_000 },
    });
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const dated = sink(r.url, fixedClock(now));
    r.answerNext(1, {
      status: 503,
      headers: { 'retry-after': new Date(now + 20_000).toUTCString() },
    });
    expect(await dated.deliver(batch)).toMatchObject({
      ok: false,
      failure: { kind: 'unavailable', retryAfterMs: 20_000 },
    });
    r.answerNext(1, { status: 500 });
    expect(await s.deliver(batch)).toMatchObject({ ok: false, failure: { kind: 'serverError' } });
    r.answerNext(1, { status: 400 });
    expect(await s.deliver(batch)).toMatchObject({ ok: false, failure: { kind: 'rejected' } });
  });

  it('gives up on a receiver that does not answer in time, and on a closed port', async () => {
    const r = await receiver();
    r.answerNext(1, { status: 200, hang: true });
    const batch = makeBatch('analytics', await analyticsEvents(1), false);
    expect(await sink(r.url, new SystemClock(), 200).deliver(batch)).toMatchObject({
      ok: false,
      failure: { kind: 'timeout' },
    });
    const url = r.url;
    await r.close();
    expect(await sink(url).deliver(batch)).toMatchObject({
      ok: false,
      failure: { kind: 'network' },
    });
  });

  it('refuses a secret that is not whsec_<base64> with a coded error', () => {
    for (const bad of ['not-a-secret', 'whsec_***', 'whsec_c2hvcnQ=']) {
      const error = (() => {
        try {
          parseWebhookSecret(bad);
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(hasErrorCode(error, 'WEBHOOK_SECRET_INVALID')).toBe(true);
      expect((error as Error).message).not.toContain(bad);
    }
  });

  it('keeps webhook-id stable across a retry and a replay of the same positions', async () => {
    const dir = testDir('gtx-webhook-ids-');
    const path = join(dir, 'ledger.db');
    const clock = new SystemClock();
    const ledger = openSqliteLedger({ path, clock }).events;
    const checkpoints = SqliteFeedCheckpointStore.open({ path }, clock);
    onTestFinished(async () => {
      await checkpoints.close();
      await ledger.close();
    });
    for (let i = 1; i <= 4; i++) await seedTransmission(ledger, { commandId: `w${String(i)}` });
    const r = await receiver();
    r.answerNext(1, { status: 503 });
    const deps = {
      ledger,
      checkpoints,
      sink: sink(r.url),
      clock,
      random: new SeededRandom(3),
      logger: new InMemoryLogger(),
    };
    const feed = new AnalyticsFeed(deps, {
      batchSize: 6,
      retry: { baseDelayMs: 10, maxDelayMs: 50, maxAttempts: Infinity },
    });
    expect(await feed.run({ once: true })).toMatchObject({ batches: 2, events: 12, retries: 1 });
    const live = r.requests.map((q) => String(q.headers['webhook-id']));
    expect(live).toHaveLength(3);
    expect(live[0]).toBe(live[1]);

    const replay = await replayAnalytics(deps, { filters: {}, batchSize: 6 });
    expect(replay).toMatchObject({ matched: 12, delivered: 12, batches: 2, completed: true });
    const replayed = r.requests.slice(3);
    expect(replayed.map((q) => q.headers['webhook-id'])).toEqual([live[1], live[2]]);
    expect(replayed.every((q) => q.headers['webhook-replay'] === 'true')).toBe(true);
    for (const request of r.requests) expect(verify(request)).toBeTruthy();
    // The replay has its own checkpoint; the live feed's did not move.
    expect(await checkpoints.load('analytics')).toBe(12);
    expect((await checkpoints.list()).map((c) => c.name)).toEqual(['analytics', replay.key]);
  });
});
