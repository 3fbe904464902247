import { describe, expect, it } from 'vitest';
import { createTestTransmitter } from '../../../../src/testing/test-transmitter.js';
import { transmissionStreamId } from '../../../../src/domain/index.js';

const MESSAGE = { id: 'm-1', guest: { id: 'guest-1' }, conversation: 'conv-1', text: 'hi' };
const REDRIVE = { commandId: 'm-1', reason: 'fixed', operator: 'ops' };

async function deadLettered() {
  const kit = createTestTransmitter();
  kit.transport.rejectNext(1);
  const first = await kit.runUntilSettled(kit.transmitter.submit(MESSAGE));
  expect(first.status).toBe('deadLettered');
  return kit;
}

describe('RedriveService (through the Transmitter)', () => {
  it('two redrives of the same dead letter at once re-open it once and send it once', async () => {
    const kit = await deadLettered();
    const results = await kit.runUntilSettled(
      Promise.all([kit.transmitter.redrive(REDRIVE), kit.transmitter.redrive(REDRIVE)]),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['alreadyRedriven', 'redriven']);
    const outcome = await kit.runUntilSettled(kit.transmitter.outcome('m-1'));
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 2 });
    const sent = kit.transport.calls().filter((call) => call.answer === 'deliver');
    expect(sent).toHaveLength(1);
    // Both attempts carried the command id, which becomes Genesys' channel.messageId.
    expect(kit.transport.calls().map((call) => call.request.commandId)).toEqual(['m-1', 'm-1']);
    const stream = await kit.ledger.events.readStream(transmissionStreamId('m-1'));
    expect(stream.filter((e) => e.type === 'TransmissionRedriven')).toHaveLength(1);
    await kit.close();
  });

  it('lists the dead letter until it is re-driven, and fails again as a new dead letter', async () => {
    const kit = await deadLettered();
    const listed = [];
    for await (const entry of kit.transmitter.deadLetters({ code: 'permanentFailure' })) {
      listed.push(entry.commandId);
    }
    expect(listed).toEqual(['m-1']);
    kit.transport.rejectNext(1);
    await kit.runUntilSettled(kit.transmitter.redrive(REDRIVE));
    const again = await kit.runUntilSettled(kit.transmitter.outcome('m-1'));
    expect(again).toMatchObject({ status: 'deadLettered', attempts: 2 });
    const entries = [];
    for await (const entry of kit.transmitter.deadLetters()) entries.push(entry);
    expect(entries).toMatchObject([{ commandId: 'm-1', redrives: 1, attempts: 2 }]);
    const second = await kit.runUntilSettled(kit.transmitter.redrive(REDRIVE));
    expect(second).toMatchObject({ status: 'redriven', redriveId: 'dead-letter-2' });
    await kit.close();
  });

  it('refuses bad input with REDRIVE_INPUT_INVALID naming the field, and unknown ids', async () => {
    const kit = await deadLettered();
    const codeOf = async (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (error: unknown) => error as { code: string; details: unknown },
      );
    expect(await codeOf(kit.transmitter.redrive({ ...REDRIVE, reason: '' }))).toMatchObject({
      code: 'REDRIVE_INPUT_INVALID',
      details: { field: 'reason' },
    });
    expect(
      await codeOf(kit.transmitter.redrive({ ...REDRIVE, operator: 'a\u001b[31mb' })),
    ).toMatchObject({ code: 'REDRIVE_INPUT_INVALID', details: { field: 'operator' } });
    expect(await codeOf(kit.transmitter.redrive({ ...REDRIVE, commandId: 'nope' }))).toMatchObject({
      code: 'COMMAND_UNKNOWN',
    });
    expect(() => kit.transmitter.deadLetters({ since: '03/01/2026' })).toThrow(
      expect.objectContaining({ code: 'REDRIVE_INPUT_INVALID' }) as Error,
    );
    await kit.close();
  });
});
