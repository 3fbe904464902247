import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/adapters/clock/virtual-clock.js';
import { SeededRandom } from '../../../src/adapters/ids/random.js';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import { ScriptedTransport } from '../../../src/adapters/memory/scripted-transport.js';
import { FINAL_EVENT_TYPES, type TransmissionEventType } from '../../../src/domain/index.js';
import { createTransmitter } from '../../../src/main.js';
import { readLedger } from '../../reliability/support/reliability-kit.js';
import { message } from '../../support/pipeline-harness.js';
import { testDir } from '../../support/test-dir.js';

function start(
  path: string,
  clock: VirtualClock,
  transport: ScriptedTransport,
  concurrency: number,
) {
  return createTransmitter({
    ledger: { path },
    pipeline: { concurrency },
    rateLimit: { perMinute: 600_000, burst: 1_000 },
    adapters: { clock, transport, random: new SeededRandom(1), logger: new InMemoryLogger() },
  });
}

describe('crash and recovery', () => {
  it('resumes after a close without drain: every command final exactly once, order kept', async () => {
    const path = join(testDir('gtx-recovery-'), 'ledger.db');
    const conversations = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const commandIds = conversations.flatMap((c) => [0, 1, 2, 3, 4].map((i) => `${c}-${i}`));

    const clockA = new VirtualClock();
    const transportA = new ScriptedTransport({ clock: clockA, latencyMs: 50 });
    const first = start(path, clockA, transportA, 4);
    for (const id of commandIds) await first.accept(message(id, id.split('-')[0]!));
    await clockA.advanceBy(120);
    const interruptedIds: string[] = [];
    for (const id of commandIds) {
      if ((await first.status(id)).status === 'inFlight') interruptedIds.push(id);
    }
    await first.close({ drain: false });
    expect(transportA.delivered().length).toBeGreaterThan(0);
    expect(interruptedIds.length).toBeGreaterThan(2);

    const clockB = new VirtualClock(clockA.now() + 1_000);
    const transportB = new ScriptedTransport({ clock: clockB, latencyMs: 50 });
    // Fewer slots than interrupted attempts: resuming must not stop after the first batch.
    const second = start(path, clockB, transportB, 2);
    const done = await clockB
      .advanceUntil(() => false, 60_000)
      .then(async () => {
        const statuses = await Promise.all(commandIds.map((id) => second.status(id)));
        return statuses.every((s) => s.status === 'delivered');
      });
    expect(done).toBe(true);
    await second.close();

    const events = await readLedger(path);
    const finals = new Map<string, number>();
    for (const event of events) {
      if (FINAL_EVENT_TYPES.has(event.type as TransmissionEventType)) {
        finals.set(event.streamId, (finals.get(event.streamId) ?? 0) + 1);
      }
    }
    expect(finals.size).toBe(commandIds.length);
    expect([...finals.values()].every((count) => count === 1)).toBe(true);

    for (const id of interruptedIds) {
      const stream = events.filter((e) => e.streamId === `transmission-${id}`);
      expect(stream.map((e) => e.type)).toContain('TransmissionAttemptFailed');
      expect(stream.find((e) => e.type === 'TransmissionAttemptFailed')?.data).toMatchObject({
        code: 'ATTEMPT_INTERRUPTED',
      });
    }

    const sent = [...transportA.calls(), ...transportB.calls()].map((c) => c.request.commandId);
    for (const conversation of conversations) {
      const order = sent.filter((id) => id.startsWith(`${conversation}-`));
      const firstSends = order.filter((id, i) => order.indexOf(id) === i);
      expect(firstSends).toEqual([0, 1, 2, 3, 4].map((i) => `${conversation}-${i}`));
    }
  });
});
