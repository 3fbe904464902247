import type { AppendResult, NewEvent } from '../../application/ports/event-store.port.js';
import type { Ledger } from '../../application/ports/ledger.port.js';
import type { ClaimRequest, WorkClaim } from '../../application/ports/work-queue.port.js';
import { transmissionStreamId, type TransmissionEvent } from '../../domain/index.js';
import type { ContractTestApi } from './contract-test-api.js';
import { itWithFreshFixture } from './fresh-fixture.js';
import {
  appendTransmission,
  codeOf,
  note,
  T0,
  toNewEvent,
  transmission,
} from './transmission-fixtures.js';

export interface WorkQueueFixture {
  /** A fresh, empty event store and the work queue kept by its appends. */
  readonly ledger: Ledger;
  readonly cleanup?: () => Promise<void>;
}

const LATER = T0 + 60_000;
const LEASE = 10_000;

/**
 * conv-a: two pending, in order. conv-b: a retry due only at LATER. conv-c: pending. conv-d: the
 * first delivered (gone), so the second is the head. conv-e: the head's attempt has no outcome
 * and nobody holds it (a worker died), which blocks the one behind it. Rejected and
 * dead-lettered ones are final.
 */
async function seed({ events }: Ledger): Promise<void> {
  await appendTransmission(events, 'a1', [transmission.requested('a1', 'conv-a')]);
  await appendTransmission(events, 'a2', [transmission.requested('a2', 'conv-a')]);
  await appendTransmission(events, 'b1', [
    transmission.requested('b1', 'conv-b'),
    transmission.started(1),
    transmission.failed(1, LATER),
  ]);
  await appendTransmission(events, 'c1', [transmission.requested('c1', 'conv-c')]);
  await appendTransmission(events, 'd1', [
    transmission.requested('d1', 'conv-d'),
    transmission.started(1),
    transmission.delivered(1),
  ]);
  await appendTransmission(events, 'd2', [transmission.requested('d2', 'conv-d')]);
  await appendTransmission(events, 'e1', [
    transmission.requested('e1', 'conv-e'),
    transmission.started(1),
  ]);
  await appendTransmission(events, 'e2', [transmission.requested('e2', 'conv-e')]);
  await appendTransmission(events, 'f1', [transmission.rejected('f1', 'conv-f')]);
  await appendTransmission(events, 'g1', [
    transmission.requested('g1', 'conv-g'),
    transmission.started(1),
    transmission.failed(1, null),
    transmission.deadLettered(1),
  ]);
}

const by = (owner: string, nowMs = T0, limit = 10): ClaimRequest => ({
  owner,
  nowMs,
  limit,
  leaseMs: LEASE,
});

/** Appends one event to the claimed stream, guarded by the claim's owner and fence. */
const appendUnder = (
  { events }: Ledger,
  claim: WorkClaim,
  expectedVersion: number,
  event: TransmissionEvent,
): Promise<AppendResult> =>
  events.append({
    streamId: claim.streamId,
    expectedVersion,
    guard: { owner: claim.owner, fence: claim.fence },
    events: [toNewEvent(event)],
  });

/**
 * Every TransmissionWorkQueue adapter must pass this suite: claims for several workers, leases,
 * fencing, and the projection kept by the event store's appends.
 */
export function workQueueContract(
  name: string,
  makeLedger: () => Promise<WorkQueueFixture>,
  t: ContractTestApi,
): void {
  const { describe, expect } = t;
  const withFixture = itWithFreshFixture(t, makeLedger, (fixture) => fixture.ledger.close());
  const it = (title: string, body: (ledger: Ledger) => Promise<void>): void => {
    withFixture(title, (fixture) => body(fixture.ledger));
  };

  describe(`TransmissionWorkQueue contract: ${name}`, () => {
    it('claims the head of each conversation that is due or left in flight, oldest first', async (ledger) => {
      await seed(ledger);
      const claims = await ledger.work.claim(by('w1'));
      expect(claims.map((c) => [c.commandId, c.status])).toEqual([
        ['a1', 'pending'],
        ['c1', 'pending'],
        ['d2', 'pending'],
        ['e1', 'inFlight'],
      ]);
      expect(claims[0]).toEqual({
        streamId: transmissionStreamId('a1'),
        commandId: 'a1',
        conversationRef: 'conv-a',
        status: 'pending',
        retryAtMs: null,
        sequence: 1,
        owner: 'w1',
        fence: 1,
        leaseUntilMs: T0 + LEASE,
      });
    });

    it('hands a conversation to one worker at a time, and its retry only when due', async (ledger) => {
      await seed(ledger);
      expect((await ledger.work.claim(by('w1', T0, 1))).map((c) => c.commandId)).toEqual(['a1']);
      const second = await ledger.work.claim(by('w2', T0 + 1));
      expect(second.map((c) => c.commandId)).toEqual(['c1', 'd2', 'e1']);
      expect(await ledger.work.claim(by('w3', T0 + 2))).toEqual([]);
      // Every lease has ended by LATER: another worker takes the work over, with new fences.
      const third = await ledger.work.claim(by('w3', LATER));
      expect(third.map((c) => [c.commandId, c.owner, c.fence])).toEqual([
        ['a1', 'w3', 2],
        ['b1', 'w3', 1],
        ['c1', 'w3', 2],
        ['d2', 'w3', 2],
        ['e1', 'w3', 2],
      ]);
      expect(third[1]?.retryAtMs).toBe(LATER);
    });

    it('moves on to the next of a conversation as transmissions finish', async (ledger) => {
      await seed(ledger);
      const [a1] = await ledger.work.claim(by('w1', T0, 1));
      if (a1 === undefined) throw new Error('a1 was not claimed');
      await appendUnder(ledger, a1, 1, transmission.started(1));
      await appendUnder(ledger, a1, 2, transmission.delivered(1));
      const next = await ledger.work.claim(by('w2'));
      expect(next.map((c) => c.commandId)).toEqual(['a2', 'c1', 'd2', 'e1']);
    });

    it('refuses an append guarded by a claim that was taken over, writing nothing', async (ledger) => {
      await seed(ledger);
      const [old] = await ledger.work.claim(by('w1', T0, 1));
      const [current] = await ledger.work.claim(by('w2', T0 + LEASE, 1));
      if (old === undefined || current === undefined) throw new Error('a1 was not claimed');
      expect(current.fence).toBe(old.fence + 1);
      const head = await ledger.events.head();
      const late = appendUnder(ledger, old, 1, transmission.started(1));
      expect(await codeOf(late)).toBe('WORK_CLAIM_LOST');
      expect(await ledger.events.head()).toEqual(head);
      await appendUnder(ledger, current, 1, transmission.started(1));
      expect((await ledger.events.head()).position).toBe(head.position + 1);
    });

    it('release lets anyone claim the work again; a stale release changes nothing', async (ledger) => {
      await seed(ledger);
      const [a1] = await ledger.work.claim(by('w1', T0, 1));
      if (a1 === undefined) throw new Error('a1 was not claimed');
      await ledger.work.release({ ...a1, fence: a1.fence + 5 });
      expect((await ledger.work.claim(by('w2', T0, 1))).map((c) => c.commandId)).toEqual(['c1']);
      await ledger.work.release(a1);
      const again = await ledger.work.claim(by('w2', T0, 1));
      expect(again.map((c) => [c.commandId, c.fence])).toEqual([['a1', 2]]);
    });

    it('renew extends the live claims of one owner only', async (ledger) => {
      await seed(ledger);
      await ledger.work.claim(by('w1', T0, 2));
      await ledger.work.claim(by('w2', T0, 1));
      expect(await ledger.work.renew('w1', T0 + LEASE - 1, LEASE)).toBe(2);
      // w2's lease ended at T0 + LEASE; w1's now ends at T0 + 2 * LEASE - 1.
      expect(await ledger.work.renew('w2', T0 + LEASE, LEASE)).toBe(0);
      const taken = await ledger.work.claim(by('w3', T0 + LEASE));
      expect(taken.map((c) => c.commandId)).toEqual(['d2', 'e1']);
      expect(await ledger.work.holders(T0 + LEASE)).toEqual(['w1', 'w3']);
    });

    it('releaseOwner frees every claim of a worker that is gone', async (ledger) => {
      await seed(ledger);
      await ledger.work.claim(by('gone', T0, 3));
      expect(await ledger.work.holders(T0)).toEqual(['gone']);
      expect(await ledger.work.releaseOwner('gone')).toBe(3);
      expect(await ledger.work.holders(T0)).toEqual([]);
      expect((await ledger.work.claim(by('w2', T0, 3))).map((c) => c.commandId)).toEqual([
        'a1',
        'c1',
        'd2',
      ]);
    });

    it('counts open and final transmissions, ignoring other streams', async (ledger) => {
      await ledger.events.append({ streamId: 'notes', expectedVersion: 'any', events: [note(1)] });
      await seed(ledger);
      expect(await ledger.work.counts()).toEqual({
        open: 7,
        rejected: 1,
        delivered: 1,
        deadLettered: 1,
      });
      expect(await ledger.work.countOpen()).toBe(7);
    });

    it('rebuild gives the same answers, with every claim dropped', async (ledger) => {
      await seed(ledger);
      const counts = await ledger.work.counts();
      await ledger.work.claim(by('w1', T0, 2));
      await ledger.work.rebuild();
      expect(await ledger.work.counts()).toEqual(counts);
      expect(await ledger.work.countOpen()).toBe(counts.open);
      expect(await ledger.work.holders(T0)).toEqual([]);
      const claims = await ledger.work.claim(by('w2'));
      expect(claims.map((c) => [c.commandId, c.fence])).toEqual([
        ['a1', 1],
        ['c1', 1],
        ['d2', 1],
        ['e1', 1],
      ]);
    });

    it('refuses transmission events that break the lifecycle, writing nothing', async (ledger) => {
      const stream = transmissionStreamId('x1');
      const cases: NewEvent[][] = [
        [toNewEvent(transmission.started(1))],
        [toNewEvent(transmission.requested('other', 'conv-x'))],
        [
          toNewEvent(transmission.requested('x1', 'conv-x')),
          toNewEvent(transmission.requested('x1', 'conv-x')),
        ],
        [{ type: 'TransmissionTeleported', schemaVersion: 1, data: {}, metadata: {} }],
        [{ ...toNewEvent(transmission.requested('x1', 'conv-x')), schemaVersion: 9 }],
        [{ ...toNewEvent(transmission.requested('x1', 'conv-x')), data: { commandId: 'x1' } }],
      ];
      for (const events of cases) {
        expect(
          await codeOf(ledger.events.append({ streamId: stream, expectedVersion: 'any', events })),
        ).toBe('LEDGER_INVALID_EVENT');
      }
      await appendTransmission(ledger.events, 'x1', [transmission.rejected('x1', 'conv-x')]);
      const afterFinal = ledger.events.append({
        streamId: stream,
        expectedVersion: 1,
        events: [toNewEvent(transmission.started(1))],
      });
      expect(await codeOf(afterFinal)).toBe('LEDGER_INVALID_EVENT');
      expect((await ledger.events.head()).position).toBe(1);
      expect(await ledger.work.counts()).toEqual({
        open: 0,
        rejected: 1,
        delivered: 0,
        deadLettered: 0,
      });
    });

    it('lists what is dead-lettered now, oldest dead letter first, a page at a time', async (ledger) => {
      await seed(ledger);
      await appendTransmission(ledger.events, 'h1', [
        transmission.requested('h1', 'conv-h'),
        transmission.started(1),
        transmission.failed(1, null),
        transmission.deadLettered(1),
      ]);
      const all = await ledger.work.listDeadLettered({ afterPosition: 0, limit: 10 });
      expect(all.map((d) => [d.commandId, d.conversationRef])).toEqual([
        ['g1', 'conv-g'],
        ['h1', 'conv-h'],
      ]);
      expect(all[0]).toEqual({
        streamId: transmissionStreamId('g1'),
        commandId: 'g1',
        conversationRef: 'conv-g',
        position: 18,
      });
      const [first] = await ledger.work.listDeadLettered({ afterPosition: 0, limit: 1 });
      const rest = await ledger.work.listDeadLettered({
        afterPosition: first?.position ?? 0,
        limit: 10,
      });
      expect(rest.map((d) => d.commandId)).toEqual(['h1']);
    });

    it('a redrive re-opens a dead letter behind what its conversation already has open', async (ledger) => {
      await seed(ledger);
      await appendTransmission(ledger.events, 'g2', [transmission.requested('g2', 'conv-g')]);
      await ledger.events.append({
        streamId: transmissionStreamId('g1'),
        expectedVersion: 4,
        events: [toNewEvent(transmission.redriven('r-1', 1), 'g1')],
      });
      expect(await ledger.work.counts()).toEqual({
        open: 9,
        rejected: 1,
        delivered: 1,
        deadLettered: 0,
      });
      expect(await ledger.work.countOpen()).toBe(9);
      expect(await ledger.work.listDeadLettered({ afterPosition: 0, limit: 10 })).toEqual([]);
      const first = await ledger.work.claim(by('w1'));
      expect(first.map((c) => c.commandId)).toEqual(['a1', 'c1', 'd2', 'e1', 'g2']);
      const g2 = first.find((c) => c.commandId === 'g2');
      if (g2 === undefined) throw new Error('g2 was not claimed');
      await appendUnder(ledger, g2, 1, transmission.started(1));
      await appendUnder(ledger, g2, 2, transmission.delivered(1));
      const [g1] = await ledger.work.claim(by('w2'));
      // The re-opened transmission's place is its redrive's position, after g2's request.
      expect(g1).toMatchObject({
        commandId: 'g1',
        status: 'pending',
        retryAtMs: null,
        sequence: 20,
        fence: 1,
      });
      if (g1 === undefined) throw new Error('g1 was not claimed');
      await appendUnder(ledger, g1, 5, transmission.started(2));
      await appendUnder(ledger, g1, 6, transmission.delivered(2));
      expect((await ledger.work.counts()).delivered).toBe(3);
    });

    it('rebuild keeps a re-opened transmission in its redrive place', async (ledger) => {
      await seed(ledger);
      await ledger.events.append({
        streamId: transmissionStreamId('g1'),
        expectedVersion: 4,
        events: [toNewEvent(transmission.redriven('r-1', 1), 'g1')],
      });
      await appendTransmission(ledger.events, 'g2', [transmission.requested('g2', 'conv-g')]);
      await ledger.work.rebuild();
      const claims = await ledger.work.claim(by('w1'));
      expect(claims.map((c) => [c.commandId, c.sequence])).toEqual([
        ['a1', 1],
        ['c1', 6],
        ['d2', 10],
        ['e1', 11],
        ['g1', 19],
      ]);
    });

    it('refuses a redrive of what is not dead-lettered, writing nothing', async (ledger) => {
      await seed(ledger);
      const head = await ledger.events.head();
      for (const [commandId, version] of [
        ['f1', 1],
        ['a1', 1],
        ['d1', 3],
      ] as const) {
        const redrive = ledger.events.append({
          streamId: transmissionStreamId(commandId),
          expectedVersion: version,
          events: [toNewEvent(transmission.redriven('r-1', 0), commandId)],
        });
        expect(await codeOf(redrive)).toBe('LEDGER_INVALID_EVENT');
      }
      expect(await ledger.events.head()).toEqual(head);
      expect(await ledger.work.counts()).toEqual({
        open: 7,
        rejected: 1,
        delivered: 1,
        deadLettered: 1,
      });
    });

    it('refuses everything with LEDGER_CLOSED once closed', async (ledger) => {
      await ledger.close();
      expect(await codeOf(ledger.work.claim(by('w1')))).toBe('LEDGER_CLOSED');
      expect(await codeOf(ledger.work.renew('w1', T0, LEASE))).toBe('LEDGER_CLOSED');
      expect(await codeOf(ledger.work.releaseOwner('w1'))).toBe('LEDGER_CLOSED');
      expect(await codeOf(ledger.work.holders(T0))).toBe('LEDGER_CLOSED');
      expect(await codeOf(ledger.work.counts())).toBe('LEDGER_CLOSED');
      expect(await codeOf(ledger.work.countOpen())).toBe('LEDGER_CLOSED');
      expect(await codeOf(ledger.work.listDeadLettered({ afterPosition: 0, limit: 1 }))).toBe(
        'LEDGER_CLOSED',
      );
      expect(await codeOf(ledger.work.rebuild())).toBe('LEDGER_CLOSED');
      await ledger.close();
    });
  });
}
