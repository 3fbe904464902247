import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { MasterKey } from '../../../../src/adapters/crypto/master-key.js';
import { InMemoryGuestKeyStore } from '../../../../src/adapters/memory/in-memory-guest-key-store.js';
import {
  createInMemoryLedger,
  type InMemoryLedger,
} from '../../../../src/adapters/memory/in-memory-work-queue.js';
import type { Ledger } from '../../../../src/application/ports/index.js';
import { message, pipelineHarness } from '../../../support/pipeline-harness.js';

/*
 * Two workers on one ledger, in virtual time. Worker A stops claiming and renewing while its
 * attempt hangs, as a paused or partitioned process would; B takes the work over once A's lease
 * ends, records A's attempt as interrupted and delivers. A's late outcome is refused by the
 * claim's fence: the ledger stays correct and A logs it without stopping.
 */
function pausedAfterFirstClaim(shared: InMemoryLedger): Ledger {
  const work = Object.create(shared.work) as InMemoryLedger['work'];
  let paused = false;
  work.claim = async (request) => {
    if (paused) return [];
    const claims = await shared.work.claim(request);
    paused = claims.length > 0;
    return claims;
  };
  work.renew = () => Promise.resolve(0);
  return { events: shared.events, work, close: () => Promise.resolve() };
}

describe('work taken over from a worker whose lease ended', () => {
  it('is resumed as interrupted by another worker, and the first worker cannot record over it', async () => {
    const clock = new VirtualClock();
    const shared = createInMemoryLedger(clock);
    const common = {
      clock,
      guestKeys: new InMemoryGuestKeyStore(),
      masterKey: MasterKey.generate(),
      pipeline: { leaseMs: 1_000, attemptTimeoutMs: 5_000, pollIntervalMs: 100 },
      retry: { baseDelayMs: 10, maxDelayMs: 10 },
    };
    const a = pipelineHarness({
      ...common,
      worker: 'A',
      ledger: () => pausedAfterFirstClaim(shared),
    });
    a.transport.hangNext(1);
    const submitted = a.transmitter.submit(message('m-1', 'conv-1'));
    await clock.advanceBy(10);
    const started = await shared.events.readStream('transmission-m-1');
    expect(started.map((e) => e.type)).toEqual([
      'TransmissionRequested',
      'TransmissionAttemptStarted',
    ]);

    const b = pipelineHarness({ ...common, worker: 'B', ledger: () => shared });
    // A waits for its own command, delivered by B, and hears of it through the ledger.
    const [outcome] = await a.settle([submitted], 60_000);
    expect(outcome).toMatchObject({ status: 'delivered', commandId: 'm-1' });
    expect(b.transport.delivered().map((r) => r.commandId)).toEqual(['m-1']);

    // A's hanging attempt times out after B's delivery: its failure must not be recorded.
    await clock.advanceBy(10_000);
    const stream = await shared.events.readStream('transmission-m-1');
    expect(stream.map((e) => e.type)).toEqual([
      'TransmissionRequested',
      'TransmissionAttemptStarted',
      'TransmissionAttemptFailed',
      'TransmissionAttemptStarted',
      'TransmissionDelivered',
    ]);
    expect(stream[2]?.data).toMatchObject({ code: 'ATTEMPT_INTERRUPTED' });
    expect(
      a.logger.records.filter((r) => r.message.startsWith('transmission taken over')),
    ).toHaveLength(1);
    expect(a.transmitter.pipelineFault()).toBeNull();
    await a.settle([a.transmitter.close(), b.transmitter.close()]);
  });
});
