import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { MasterKey } from '../../../../src/adapters/crypto/master-key.js';
import { InMemoryGuestKeyStore } from '../../../../src/adapters/memory/in-memory-guest-key-store.js';
import {
  createInMemoryLedger,
  type InMemoryLedger,
} from '../../../../src/adapters/memory/in-memory-work-queue.js';
import type { Ledger, TransmissionWorkQueue } from '../../../../src/application/ports/index.js';
import { message, pipelineHarness } from '../../../support/pipeline-harness.js';

/*
 * Two workers on one ledger, in virtual time, with a poll so slow it never comes: worker A
 * delivers only what it is woken for. Worker B takes commands in but never claims, so nothing
 * of B's own wakes A; only the work queue's "work may be claimable" push can. (B hears the
 * outcome through its outcome follower, on the poll: that is not what these tests are about.)
 */
const POLL_MS = 3_600_000;

/** Hides the queue's push, as an adapter that cannot push has none. */
function withoutWorkWakes(work: TransmissionWorkQueue): void {
  Object.defineProperty(work, 'onWorkAvailable', { value: undefined });
}

/** The shared ledger as a worker that takes commands in but claims nothing sees it. */
function intakeOnly(shared: InMemoryLedger): Ledger {
  const work = Object.create(shared.work) as TransmissionWorkQueue;
  work.claim = () => Promise.resolve([]);
  withoutWorkWakes(work);
  return { events: shared.events, work, close: () => Promise.resolve() };
}

/** The shared ledger with a queue that cannot push, as an adapter without it would be. */
function withoutPush(shared: InMemoryLedger): Ledger {
  const work = Object.create(shared.work) as TransmissionWorkQueue;
  withoutWorkWakes(work);
  return { events: shared.events, work, close: () => Promise.resolve() };
}

function twoWorkers(deliverer: (shared: InMemoryLedger) => Ledger) {
  const clock = new VirtualClock();
  const shared = createInMemoryLedger(clock);
  const common = {
    clock,
    guestKeys: new InMemoryGuestKeyStore(),
    masterKey: MasterKey.generate(),
    pipeline: { pollIntervalMs: POLL_MS },
  };
  const a = pipelineHarness({ ...common, worker: 'A', ledger: () => deliverer(shared) });
  const b = pipelineHarness({ ...common, worker: 'B', ledger: () => intakeOnly(shared) });
  return { clock, a, b };
}

describe('the delivery pipeline and the work queue push', () => {
  it('is woken by work another worker appended, without waiting for the poll', async () => {
    const { clock, a, b } = twoWorkers((shared) => shared);
    const submitted = b.transmitter.submit(message('m-1', 'conv-1'));
    await clock.advanceBy(100);
    expect(a.transport.delivered().map((r) => r.commandId)).toEqual(['m-1']);
    const [outcome] = await b.settle([submitted], 2 * POLL_MS);
    expect(outcome).toMatchObject({ status: 'delivered', commandId: 'm-1' });
    await a.settle([a.transmitter.close(), b.transmitter.close()]);
  });

  it('without the push, the same work waits for the poll', async () => {
    const { clock, a, b } = twoWorkers(withoutPush);
    const submitted = b.transmitter.submit(message('m-1', 'conv-1'));
    await clock.advanceBy(100);
    expect(a.transport.delivered()).toEqual([]);
    await clock.advanceBy(POLL_MS);
    expect(a.transport.delivered().map((r) => r.commandId)).toEqual(['m-1']);
    await b.settle([submitted], 2 * POLL_MS);
    await a.settle([a.transmitter.close(), b.transmitter.close()]);
  });

  it('stops listening when the pipeline stops', async () => {
    const { clock, a, b } = twoWorkers((shared) => shared);
    await a.settle([a.transmitter.close()]);
    b.transmitter.submit(message('m-2', 'conv-2')).catch(() => undefined);
    await clock.advanceBy(100);
    expect(a.transport.delivered()).toEqual([]);
    await b.settle([b.transmitter.close()]);
  });
});
