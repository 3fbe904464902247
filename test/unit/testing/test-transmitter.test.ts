import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { createInMemoryLedger } from '../../../src/adapters/memory/in-memory-work-queue.js';
import {
  createTestTransmitter,
  ScriptedTransport,
  startTestSandbox,
  VirtualClock,
} from '../../../src/testing/index.js';

const hello = (id: string, conversation = 'conv-1') => ({
  id,
  guest: { id: `guest-${conversation}` },
  conversation,
  text: `hello from ${id}`,
});

describe('createTestTransmitter', () => {
  it('runs a scripted 429, 429, 503, deliver in virtual time, honouring Retry-After', async () => {
    const kit = createTestTransmitter();
    kit.transport.rateLimitNext(2, 2_000).failNext(1, 503);
    const started = kit.clock.now();

    const outcome = await kit.runUntilSettled(kit.transmitter.submit(hello('m-1')));

    expect(outcome).toMatchObject({ status: 'delivered', commandId: 'm-1', attempts: 4 });
    const calls = kit.transport.calls();
    expect(calls.map((call) => call.answer)).toEqual([
      'rateLimited',
      'rateLimited',
      'serverError',
      'deliver',
    ]);
    const at = calls.map((call) => call.at - started);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(2_000);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(2_000);
    expect(kit.clock).toBeInstanceOf(VirtualClock);
    await kit.close();
  });

  it('dead-letters a 400 after one call and records it in the ledger it exposes', async () => {
    const kit = createTestTransmitter();
    kit.transport.rejectNext(1, 'no such guest');
    const outcome = await kit.runUntilSettled(kit.transmitter.submit(hello('m-2')));
    expect(outcome.status).toBe('deadLettered');
    expect(kit.transport.calls()).toHaveLength(1);
    const events = await kit.ledger.events.readStream('transmission-m-2');
    expect(events.at(-1)?.type).toBe('TransmissionDeadLettered');
    await kit.close();
  });

  it('times a hanging call out in virtual time', async () => {
    const kit = createTestTransmitter({ pipeline: { attemptTimeoutMs: 5_000 } });
    kit.transport.hangNext(1);
    const before = kit.clock.now();
    const outcome = await kit.runUntilSettled(kit.transmitter.submit(hello('m-3')));
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(kit.transport.calls()[0]?.answer).toBe('aborted');
    expect(kit.clock.now() - before).toBeGreaterThanOrEqual(5_000);
    await kit.close();
  });

  it('binds the twins it is given and returns those very objects', async () => {
    const clock = new VirtualClock(Date.UTC(2030, 0, 1));
    const ledger = createInMemoryLedger(clock);
    const transport = new ScriptedTransport({ clock, latencyMs: 40 });
    const kit = createTestTransmitter({ clock, ledger, transport });
    expect(kit.clock).toBe(clock);
    expect(kit.ledger).toBe(ledger);
    expect(kit.transport).toBe(transport);
    const outcome = await kit.runUntilSettled(kit.transmitter.submit(hello('m-4')));
    expect(outcome).toMatchObject({ status: 'delivered', latencyMs: 40 });
    expect((await ledger.events.readStream('transmission-m-4'))[0]?.recordedAt).toBe(
      '2030-01-01T00:00:00.000Z',
    );
    await kit.close();
  });

  it('can build the transmitter stopped, like buildTransmitter', async () => {
    const kit = createTestTransmitter({ start: false });
    const accepted = await kit.transmitter.accept(hello('m-5'));
    await kit.clock.advanceBy(60_000);
    expect(accepted.commandId).toBe('m-5');
    expect(kit.transport.calls()).toEqual([]);
    await kit.close();
  });

  it('closes transport and ledger on dispose', async () => {
    const transport = new ScriptedTransport({ clock: new VirtualClock() });
    {
      await using kit = createTestTransmitter({ transport });
      await kit.runUntilSettled(kit.transmitter.submit(hello('m-6')));
    }
    await expect(transport.send(transport.delivered()[0]!)).rejects.toThrow(/closed/);
  });

  it('rejects with VIRTUAL_TIME_EXHAUSTED when a promise never settles', async () => {
    const kit = createTestTransmitter();
    const never = new Promise<never>(() => undefined);
    await expect(kit.runUntilSettled(never, 1_000)).rejects.toMatchObject({
      code: 'VIRTUAL_TIME_EXHAUSTED',
    });
    await kit.close();
  });

  it('sends through the real SDK to a sandbox started on a free port', async () => {
    await using sandbox = await startTestSandbox();
    expect(sandbox.port).toBeGreaterThan(0);
    await using kit = createTestTransmitter({ genesys: sandbox.genesys });
    expect(kit.clock).toBeInstanceOf(SystemClock);
    sandbox.script([{ answer: { kind: 'status', status: 503 } }]);
    const outcome = await kit.runUntilSettled(kit.transmitter.submit(hello('m-7')));
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(sandbox.received().map((r) => r.messageId)).toEqual(['m-7']);
  });
});
