import { describe, expect, it } from 'vitest';
import { decide, fold, initialState, type TransmissionEvent } from '../../../src/domain/index.js';

const requested: TransmissionEvent = {
  type: 'TransmissionRequested',
  schemaVersion: 1,
  data: {
    commandId: 'c1',
    kind: 'message',
    guestId: 'g',
    conversationRef: 'conv',
    contentSha256: 'h',
    content: { kind: 'erased' },
    requestedAt: '2026-01-01T00:00:00.000Z',
  },
};

describe('AbandonErased', () => {
  it('given a pending transmission, dead-letters it as contentErased', () => {
    const events = decide(
      { type: 'AbandonErased', nowMs: Date.UTC(2026, 0, 1, 0, 1) },
      fold([requested]),
    );
    expect(events).toEqual([
      {
        type: 'TransmissionDeadLettered',
        schemaVersion: 1,
        data: {
          reason: 'contentErased',
          detail: 'the personal content was erased before delivery; it was not sent',
          attempts: 0,
          deadLetteredAt: '2026-01-01T00:01:00.000Z',
        },
      },
    ]);
    expect(fold([requested, ...events]).status).toBe('deadLettered');
  });

  it('refuses a transmission that is not open', () => {
    expect(() => decide({ type: 'AbandonErased', nowMs: 0 }, initialState)).toThrow(
      expect.objectContaining({ code: 'ILLEGAL_TRANSITION' }),
    );
  });
});
