import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../../../src/application/ledger/hash-chain.js';
import {
  isOpenProjection,
  isTransmissionStream,
  projectAppended,
  projectStored,
  projectTransmission,
  readTransmissionEvent,
  type TransmissionProjection,
} from '../../../../src/application/ledger/transmission-projection.js';
import {
  CURRENT_SCHEMA_VERSION,
  upcast,
} from '../../../../src/application/ledger/transmission-upcasters.js';
import type { RecordedEvent } from '../../../../src/application/ports/event-store.port.js';
import { transmissionStreamId, type TransmissionEvent } from '../../../../src/domain/index.js';
import { transmission } from '../../../../src/testing/contracts/transmission-fixtures.js';
import { thrownBy } from '../../../support/failures.js';

const STREAM = transmissionStreamId('cmd-1');

function recorded(
  events: readonly TransmissionEvent[],
  firstPosition = 10,
  streamId = STREAM,
): RecordedEvent[] {
  return events.map((event, index) => ({
    position: firstPosition + index,
    streamId,
    streamVersion: index + 1,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: {},
    recordedAt: '2026-03-01T09:00:00.000Z',
    hash: GENESIS_HASH,
  }));
}

describe('transmission projection', () => {
  it('starts at the request: sequence is the first position, status pending', () => {
    const projection = projectTransmission(
      null,
      recorded([transmission.requested('cmd-1', 'conv-1')]),
    );
    expect(projection).toMatchObject({
      streamId: STREAM,
      commandId: 'cmd-1',
      conversationRef: 'conv-1',
      status: 'pending',
      retryAtMs: null,
      sequence: 10,
      attempts: 0,
      lastPosition: 10,
      lastVersion: 1,
    });
    expect(projection !== null && isOpenProjection(projection)).toBe(true);
  });

  it('follows attempts and retries, continuing from a stored projection', () => {
    const rows = recorded([
      transmission.requested('cmd-1', 'conv-1'),
      transmission.started(1),
      transmission.failed(1, Date.UTC(2026, 2, 1, 9, 5)),
      transmission.started(2),
      transmission.delivered(2),
    ]);
    const afterFailure = projectTransmission(null, rows.slice(0, 3));
    expect(afterFailure).toMatchObject({
      status: 'pending',
      attempts: 1,
      retryAtMs: Date.UTC(2026, 2, 1, 9, 5),
    });
    const inFlight = projectTransmission(afterFailure, rows.slice(3, 4));
    expect(inFlight).toMatchObject({
      status: 'inFlight',
      attempts: 2,
      retryAtMs: null,
      sequence: 10,
    });
    const done = projectTransmission(inFlight, rows.slice(4)) as TransmissionProjection;
    expect(done).toMatchObject({ status: 'delivered', lastPosition: 14, lastVersion: 5 });
    expect(isOpenProjection(done)).toBe(false);
  });

  it('ignores streams that are not transmissions', () => {
    expect(isTransmissionStream('notes-1')).toBe(false);
    expect(projectTransmission(null, recorded([transmission.started(1)], 1, 'notes-1'))).toBe(null);
  });

  it('refuses a lifecycle the domain cannot have', () => {
    const requested = projectTransmission(null, recorded([transmission.requested('cmd-1', 'c')]));
    const rejected = projectTransmission(null, recorded([transmission.rejected('cmd-1', 'c')]));
    const cases: [TransmissionProjection | null, TransmissionEvent][] = [
      [null, transmission.started(1)],
      [null, transmission.requested('someone-else', 'c')],
      [requested, transmission.requested('cmd-1', 'c')],
      [rejected, transmission.started(1)],
    ];
    for (const [current, event] of cases) {
      expect(thrownBy(() => projectTransmission(current, recorded([event]))).code).toBe(
        'INVALID_TRANSMISSION_EVENT',
      );
      expect(thrownBy(() => projectAppended(current, recorded([event]))).code).toBe(
        'LEDGER_INVALID_EVENT',
      );
      expect(thrownBy(() => projectStored(current, recorded([event]))).code).toBe('LEDGER_CORRUPT');
    }
  });

  it('reports an unreadable stored row as corrupt, naming its position', () => {
    const [row] = recorded([transmission.requested('cmd-1', 'c')], 7);
    try {
      readTransmissionEvent({ ...row!, type: 'TransmissionTeleported' });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'LEDGER_CORRUPT', details: { position: 7 } });
    }
  });
});

describe('upcast', () => {
  it('returns v1 events in the current shape', () => {
    const event = transmission.failed(2, null);
    expect(upcast(event.type, 1, event.data)).toEqual(event);
    expect(CURRENT_SCHEMA_VERSION).toBe(1);
  });

  it.each([
    ['an unknown type', 'TransmissionTeleported', 1, {}, 'unknown transmission event type'],
    ['an unknown version', 'TransmissionRequested', 2, {}, 'no schema version 2'],
    ['data that is not an object', 'TransmissionAttemptStarted', 1, [], 'not an object'],
    ['a missing field', 'TransmissionAttemptStarted', 1, { attempt: 1 }, 'startedAt'],
    ['a bad enum', 'TransmissionDeadLettered', 1, { reason: 'bored' }, 'reason'],
    [
      'a bad time',
      'TransmissionAttemptStarted',
      1,
      { attempt: 1, startedAt: 'yesterday' },
      'startedAt',
    ],
  ])('refuses %s', (_name, type, version, data, message) => {
    expect(() => upcast(type, version, data)).toThrow(message);
  });
});
