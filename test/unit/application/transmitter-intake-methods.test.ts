/**
 * The two Transmitter methods the broker intake added: `outcome(commandId)` waits for the final
 * outcome of a command already in the ledger; `recordIntakeFailure` records a broker message
 * that is not a command once per broker message id.
 */
import { describe, expect, it } from 'vitest';
import { createTestTransmitter } from '../../../src/testing/test-transmitter.js';

describe('Transmitter.outcome', () => {
  it('resolves with the delivered outcome of an accepted command', async () => {
    await using kit = createTestTransmitter();
    await kit.runUntilSettled(
      kit.transmitter.accept({ id: 'out-1', guest: { id: 'g' }, text: 'hi' }),
    );
    const outcome = await kit.runUntilSettled(kit.transmitter.outcome('out-1'));
    expect(outcome).toMatchObject({ commandId: 'out-1', status: 'delivered', duplicate: false });
  });

  it('answers at once for a command that is already final', async () => {
    await using kit = createTestTransmitter();
    await kit.runUntilSettled(
      kit.transmitter.submit({ id: 'out-2', guest: { id: 'g' }, text: 'hi' }),
    );
    const outcome = await kit.transmitter.outcome('out-2');
    expect(outcome.status).toBe('delivered');
  });

  it('refuses a command the ledger does not hold with COMMAND_UNKNOWN', async () => {
    await using kit = createTestTransmitter();
    await expect(kit.transmitter.outcome('never-sent')).rejects.toMatchObject({
      code: 'COMMAND_UNKNOWN',
    });
  });
});

describe('Transmitter.recordIntakeFailure', () => {
  it('records once per broker message id: size, hash and problems, never the body', async () => {
    await using kit = createTestTransmitter();
    const failure = {
      source: 'nats',
      brokerMessageId: 'ORDERS:7',
      redeliveryCount: 0,
      body: new TextEncoder().encode('secret body text'),
      problems: [{ field: '', message: 'is not JSON' }],
    };
    const first = await kit.transmitter.recordIntakeFailure(failure);
    const again = await kit.transmitter.recordIntakeFailure({ ...failure, redeliveryCount: 1 });
    expect(first).toMatchObject({ streamId: 'intake-failure-nats:ORDERS:7', duplicate: false });
    expect(again).toMatchObject({ streamId: first.streamId, duplicate: true });
    const events = await kit.ledger.events.readStream(first.streamId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'CommandIntakeFailed',
      schemaVersion: 1,
      data: { sizeBytes: failure.body.byteLength, bodySha256: first.bodySha256, problemCount: 1 },
    });
    expect(JSON.stringify(events[0])).not.toContain('secret');
  });
});
