import { randomBytes } from 'node:crypto';
import { asyncScheduler } from 'rxjs';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { PostgresDatabase } from '../../../src/adapters/postgres/postgres-database.js';
import {
  openPostgresLedger,
  type PostgresLedger,
} from '../../../src/adapters/postgres/postgres-ledger.js';
import { verifyChain } from '../../../src/application/ledger/hash-chain.js';
import { readAllPages } from '../../../src/application/ledger/ledger-pages.js';
import type { Clock } from '../../../src/application/ports/clock.port.js';
import type { RecordedEvent } from '../../../src/application/ports/event-store.port.js';
import type { WorkClaim } from '../../../src/application/ports/work-queue.port.js';
import { transmissionStreamId } from '../../../src/domain/index.js';
import {
  appendTransmission,
  codeOf,
  note,
  T0,
  toNewEvent,
  transmission,
} from '../../../src/testing/contracts/transmission-fixtures.js';
import {
  postgresTestSchema,
  requirePostgres,
  terminateConnections,
  TEST_POSTGRES_URL,
} from '../../support/postgres.js';

/*
 * Several processes on one schema, each with a database handle (a pool) of its own, as separate
 * `gtx serve` instances would have.
 */

const clock: Clock = { now: () => Date.UTC(2026, 2, 1, 12, 0, 0), scheduler: asyncScheduler };
const LEASE = 60_000;

beforeAll(requirePostgres);

/** `count` ledgers on one fresh schema, each on its own pool; all closed, schema dropped after. */
async function processes(count: number, applicationName?: string): Promise<PostgresLedger[]> {
  const { schema, drop } = postgresTestSchema();
  onTestFinished(drop);
  const ledgers = Array.from({ length: count }, (_, i) => {
    const database = PostgresDatabase.open({
      url: TEST_POSTGRES_URL,
      schema,
      applicationName: `${applicationName ?? 'gtx-test'}-${i}`,
    });
    return openPostgresLedger(database, clock);
  });
  onTestFinished(async () => {
    await Promise.all(ledgers.map((ledger) => ledger.close()));
  });
  // One migrates, the others wait for it: open them one after the other to start from a schema.
  for (const ledger of ledgers) await ledger.ready();
  return ledgers;
}

async function everything(ledger: PostgresLedger): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const event of readAllPages(ledger.events)) all.push(event);
  return all;
}

const by = (owner: string, limit = 10, nowMs = T0) => ({ owner, limit, nowMs, leaseMs: LEASE });

describe('PostgreSQL ledger, several processes on one schema', () => {
  it('appending at once from two pools gives one gapless chain that verifies', async () => {
    const [a, b] = await processes(2);
    const appends = [a!, b!].flatMap((ledger, writer) =>
      Array.from({ length: 60 }, (_, i) =>
        ledger.events.append({
          streamId: `w${writer}-s${i % 4}`,
          expectedVersion: 'any',
          events: i % 5 === 0 ? [note(i), note(i + 1000)] : [note(i)],
        }),
      ),
    );
    // A reader following "everything after the last position I saw" while both write.
    const appending = { done: false };
    const followed: number[] = [];
    const follower = (async () => {
      for (;;) {
        // A read that starts after the last append settled and finds nothing has read it all.
        const afterWrites = appending.done;
        const page = await b!.events.readAll({ afterPosition: followed.at(-1) ?? 0, limit: 50 });
        followed.push(...page.map((event) => event.position));
        if (afterWrites && page.length === 0) return;
      }
    })();
    const results = await Promise.all(appends).finally(() => {
      appending.done = true;
    });
    await follower;

    const total = results.reduce((sum, r) => sum + (r.lastPosition - r.firstPosition + 1), 0);
    expect(total).toBe(144);
    const positions = results.flatMap((r) =>
      Array.from({ length: r.lastPosition - r.firstPosition + 1 }, (_, i) => r.firstPosition + i),
    );
    expect(new Set(positions).size).toBe(total);
    const all = await everything(a!);
    expect(all.map((event) => event.position)).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    expect(verifyChain(all)).toMatchObject({ ok: true, count: total, lastPosition: total });
    expect(await a!.events.head()).toEqual(await b!.events.head());
    // Positions commit in order: following them never skipped one that committed late.
    expect(followed).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(a!.events.diagnostics().writeTransactions).toBeLessThan(60);
  });

  it('two work queues claiming at the same moment never take the same head', async () => {
    const [a, b] = await processes(2);
    for (let c = 0; c < 8; c += 1) {
      for (let n = 0; n < 3; n += 1) {
        await appendTransmission(a!.events, `c${c}-t${n}`, [
          transmission.requested(`c${c}-t${n}`, `conv-${c}`),
        ]);
      }
    }
    const [first, second] = await Promise.all([
      a!.work.claim(by('A', 100)),
      b!.work.claim(by('B', 100)),
    ]);
    const claimed = [...first, ...second].map((claim) => claim.commandId).sort();
    expect(claimed).toEqual(Array.from({ length: 8 }, (_, c) => `c${c}-t0`).sort());
  });

  it('deliver every conversation in order, one transmission of it in flight at a time', async () => {
    const ledgers = await processes(3);
    const [seeder] = ledgers;
    for (let n = 0; n < 4; n += 1) {
      for (let c = 0; c < 6; c += 1) {
        await appendTransmission(seeder!.events, `c${c}-t${n}`, [
          transmission.requested(`c${c}-t${n}`, `conv-${c}`),
        ]);
      }
    }
    const deliver = async (ledger: PostgresLedger, claim: WorkClaim): Promise<void> => {
      const guard = { owner: claim.owner, fence: claim.fence };
      const streamId = claim.streamId;
      await ledger.events.append({
        streamId,
        expectedVersion: 1,
        guard,
        events: [toNewEvent(transmission.started(1))],
      });
      await ledger.events.append({
        streamId,
        expectedVersion: 2,
        guard,
        events: [toNewEvent(transmission.delivered(1))],
      });
    };
    const worker = async (ledger: PostgresLedger, owner: string): Promise<void> => {
      for (;;) {
        const claims = await ledger.work.claim(by(owner, 2));
        if (claims.length === 0) {
          if ((await ledger.work.counts()).open === 0) return;
          continue;
        }
        await Promise.all(claims.map((claim) => deliver(ledger, claim)));
      }
    };
    await Promise.all(ledgers.map((ledger, i) => worker(ledger, `worker-${i}`)));

    expect(await seeder!.work.counts()).toMatchObject({ open: 0, delivered: 24 });
    // In commit order, each conversation's attempts never overlap, and go in request order.
    const conversationOf = new Map<string, string>();
    const inFlight = new Map<string, string>();
    const deliveredOrder = new Map<string, string[]>();
    for (const event of await everything(seeder!)) {
      if (event.type === 'TransmissionRequested') {
        conversationOf.set(
          event.streamId,
          (event.data as { conversationRef: string }).conversationRef,
        );
        continue;
      }
      const conversation = conversationOf.get(event.streamId)!;
      if (event.type === 'TransmissionAttemptStarted') {
        expect(inFlight.get(conversation)).toBeUndefined();
        inFlight.set(conversation, event.streamId);
      } else if (event.type === 'TransmissionDelivered') {
        expect(inFlight.get(conversation)).toBe(event.streamId);
        inFlight.delete(conversation);
        deliveredOrder.set(conversation, [
          ...(deliveredOrder.get(conversation) ?? []),
          event.streamId,
        ]);
      }
    }
    for (let c = 0; c < 6; c += 1) {
      expect(deliveredOrder.get(`conv-${c}`)).toEqual(
        Array.from({ length: 4 }, (_, n) => transmissionStreamId(`c${c}-t${n}`)),
      );
    }
  });

  it('refuses an outcome from a process whose claim another took over, writing nothing', async () => {
    const [a, b] = await processes(2);
    await appendTransmission(a!.events, 'm1', [transmission.requested('m1', 'conv-1')]);
    const [stale] = await a!.work.claim(by('A', 1, T0));
    // A's lease has ended: B takes the work over.
    const [current] = await b!.work.claim(by('B', 1, T0 + LEASE));
    expect(current?.fence).toBe((stale?.fence ?? 0) + 1);
    const head = await a!.events.head();
    const late = a!.events.append({
      streamId: stale!.streamId,
      expectedVersion: 1,
      guard: { owner: 'A', fence: stale!.fence },
      events: [toNewEvent(transmission.started(1))],
    });
    expect(await codeOf(late)).toBe('WORK_CLAIM_LOST');
    expect(await b!.events.head()).toEqual(head);
    await b!.events.append({
      streamId: current!.streamId,
      expectedVersion: 1,
      guard: { owner: 'B', fence: current!.fence },
      events: [toNewEvent(transmission.started(1))],
    });
    expect((await a!.events.head()).position).toBe(head.position + 1);
  });

  it("NOTIFY wakes the other process's listener, also after its connection was killed", async () => {
    const name = `gtx-listen-${randomBytes(4).toString('hex')}`;
    const [a, b] = await processes(2, name);
    let calls = 0;
    const unsubscribe = b!.work.onWorkAvailable(() => {
      calls += 1;
    });
    await vi.waitFor(() => {
      expect(b!.work.isListening()).toBe(true);
    });

    await appendTransmission(a!.events, 'm1', [transmission.requested('m1', 'conv-1')]);
    await vi.waitFor(() => {
      expect(calls).toBe(1);
    });
    const [claim] = await a!.work.claim(by('A', 1));
    await a!.work.release(claim!);
    await vi.waitFor(() => {
      expect(calls).toBe(2);
    });
    // A refused append notifies nothing: its savepoint, and the NOTIFY in it, are rolled back.
    // (Notifications arrive in commit order, so the next one would come after it.)
    const refused = a!.events.append({
      streamId: transmissionStreamId('m1'),
      expectedVersion: 0,
      events: [toNewEvent(transmission.requested('m1', 'conv-1'))],
    });
    expect(await codeOf(refused)).toBe('LEDGER_VERSION_CONFLICT');
    await appendTransmission(a!.events, 'm2', [transmission.requested('m2', 'conv-2')]);
    await vi.waitFor(() => {
      expect(calls).toBe(3);
    });

    // B's listener connection dies; it comes back by itself and calls once it is back.
    expect(await terminateConnections(`${name}-1 listener`)).toBe(1);
    await vi.waitFor(() => {
      expect(calls).toBe(4);
      expect(b!.work.isListening()).toBe(true);
    });
    await appendTransmission(a!.events, 'm3', [transmission.requested('m3', 'conv-3')]);
    await vi.waitFor(() => {
      expect(calls).toBe(5);
    });

    unsubscribe();
    await vi.waitFor(() => {
      expect(b!.work.isListening()).toBe(false);
    });
  });

  it('a listener unsubscribed and subscribed again at once still hears the next work', async () => {
    const [a, b] = await processes(2);
    b!.work.onWorkAvailable(() => undefined)();
    let calls = 0;
    const unsubscribe = b!.work.onWorkAvailable(() => {
      calls += 1;
    });
    onTestFinished(unsubscribe);
    await vi.waitFor(() => {
      expect(b!.work.isListening()).toBe(true);
    });
    await appendTransmission(a!.events, 'm1', [transmission.requested('m1', 'conv-1')]);
    await vi.waitFor(() => {
      expect(calls).toBe(1);
    });
  });
});
