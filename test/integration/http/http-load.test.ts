import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paced } from '../../support/sandbox-harness.js';
import { parseMetrics, startHarness, type ServiceHarness } from './service-harness.js';

interface EventJson {
  readonly position: number;
  readonly type: string;
  readonly streamId: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, string | undefined>;
}

let h: ServiceHarness;
beforeAll(async () => {
  h = await startHarness(
    { GTX_CONCURRENCY: '32', GTX_LOG_LEVEL: 'warn' },
    {
      // 1,000 commands plus retries within the test's time: 30,000 a minute, enforced by the sandbox.
      pace: { perMinute: 30_000 },
      sandboxOptions: {
        ...paced({ perMinute: 30_000 }).sandbox,
        faults: { serverError: 0.1 },
        seed: 7,
      },
    },
  );
});
afterAll(async () => {
  await h.close();
});

async function allEvents(): Promise<EventJson[]> {
  const events: EventJson[] = [];
  for (;;) {
    const response = await h.call(`/v1/events?after=${events.at(-1)?.position ?? 0}&limit=1000`);
    const page = (await response.json()) as { events: EventJson[]; hasMore: boolean };
    events.push(...page.events);
    if (!page.hasMore) return events;
  }
}

const CONVERSATIONS = 50;
const BATCHES = 10;
const PER_BATCH = 100;

describe('load through the HTTP intake', () => {
  it('takes 1,000 commands in 10 parallel batches; every one ends final, in order per conversation, and /metrics agrees with the ledger', async () => {
    const batches = Array.from({ length: BATCHES }, (_, b) =>
      Array.from({ length: PER_BATCH }, (_, i) => {
        const n = b * PER_BATCH + i;
        // Every 25th command is empty: the policies reject it.
        return {
          id: `load-${n}`,
          guest: { id: `guest-${n % CONVERSATIONS}` },
          ...(n % 25 === 0 ? {} : { text: `batch ${b} item ${i}` }),
        };
      }),
    );
    const responses = await Promise.all(batches.map((batch) => h.post('/v1/messages', batch)));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: BATCHES }, () => 207));
    const results = await Promise.all(
      responses.map(async (r) => (await r.json()) as { accepted: number; rejected: number }),
    );
    expect(results.reduce((sum, r) => sum + r.accepted, 0)).toBe(960);
    expect(results.reduce((sum, r) => sum + r.rejected, 0)).toBe(40);

    let metrics = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      metrics = parseMetrics(await (await h.call('/metrics')).text());
      if (metrics.get('gtx_pending_transmissions') === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(metrics.get('gtx_pending_transmissions')).toBe(0);

    const events = await allEvents();
    const finals = new Map<string, string[]>();
    const count = (type: string) => events.filter((e) => e.type === type).length;
    for (const event of events) {
      if (
        ['TransmissionDelivered', 'TransmissionRejected', 'TransmissionDeadLettered'].includes(
          event.type,
        )
      ) {
        finals.set(event.streamId, [...(finals.get(event.streamId) ?? []), event.type]);
      }
    }
    expect(finals.size).toBe(1000);
    expect([...finals.values()].every((types) => types.length === 1)).toBe(true);
    expect(count('TransmissionDelivered')).toBe(960);
    expect(count('TransmissionRejected')).toBe(40);
    const failed = events.filter((e) => e.type === 'TransmissionAttemptFailed');
    expect(failed.length).toBeGreaterThan(0);

    expect(metrics.get('gtx_commands_total{outcome="accepted"}')).toBe(
      count('TransmissionRequested'),
    );
    expect(metrics.get('gtx_commands_total{outcome="rejected"}')).toBe(40);
    expect(metrics.get('gtx_commands_total{outcome="delivered"}')).toBe(960);
    expect(metrics.get('gtx_commands_total{outcome="dead_lettered"}')).toBe(
      count('TransmissionDeadLettered'),
    );
    expect(metrics.get('gtx_attempts_total')).toBe(count('TransmissionAttemptStarted'));
    // Every step this worker recorded names it, and /metrics says which worker it is.
    const worker = h.service.runtime.transmitter.workerId;
    expect(metrics.get(`gtx_worker_info{worker="${worker}"}`)).toBe(1);
    const steps = events.filter((e) => e.type === 'TransmissionDelivered');
    expect(steps.every((e) => e.metadata['worker'] === worker)).toBe(true);
    expect(metrics.get('gtx_attempt_failures_total{kind="transient"}')).toBe(failed.length);
    expect(metrics.get('gtx_delivery_latency_seconds_count')).toBe(960);
    const latencySum = events
      .filter((e) => e.type === 'TransmissionDelivered')
      .reduce((sum, e) => sum + (e.data['latencyMs'] as number), 0);
    expect(metrics.get('gtx_delivery_latency_seconds_sum')).toBeCloseTo(latencySum / 1000, 6);
    expect(metrics.get('gtx_genesys_answers_total{result="ok"}')).toBe(960);
    expect(metrics.get('gtx_genesys_answers_total{result="5xx"}')).toBe(failed.length);
    expect(metrics.get('gtx_ledger_append_seconds_count{result="ok"}')).toBeGreaterThan(0);
    expect(
      metrics.get('gtx_http_requests_total{method="POST",route="/v1/messages",status="207"}'),
    ).toBe(BATCHES);
    expect(metrics.has('process_cpu_user_seconds_total')).toBe(true);
    expect(metrics.has('gtx_rate_limit_wait_seconds_total')).toBe(true);
    // The service kept to the pace the sandbox enforces: no 429 of the per-token window.
    expect(h.service.runtime.sandbox?.stats().rateLimitedByWindow).toBe(0);

    // Order within each conversation: the sandbox received each guest's texts in request order.
    const received = h.service.runtime.sandbox?.received() ?? [];
    const byGuest = new Map<string, number[]>();
    for (const request of received) {
      const body = request.body as { channel: { from: { id: string } }; text: string };
      const match = /batch (\d+) item (\d+)/.exec(body.text);
      if (match === null) continue;
      const n = Number(match[1]) * PER_BATCH + Number(match[2]);
      const guest = body.channel.from.id;
      byGuest.set(guest, [...(byGuest.get(guest) ?? []), n]);
    }
    expect([...byGuest.values()].reduce((sum, ns) => sum + ns.length, 0)).toBe(960);
    for (const ns of byGuest.values()) {
      const withinBatch = new Map<number, number[]>();
      for (const n of ns) {
        const batch = Math.floor(n / PER_BATCH);
        withinBatch.set(batch, [...(withinBatch.get(batch) ?? []), n]);
      }
      for (const seq of withinBatch.values()) expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
  }, 120_000);
});
