import { describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH } from '../../../../src/application/ledger/hash-chain.js';
import {
  checkExpectedVersion,
  decodeStoredRow,
  encodeAppendRequest,
  pageLimit,
  planAppend,
  type StoredRow,
} from '../../../../src/application/ledger/ledger-rows.js';
import type { AppendRequest } from '../../../../src/application/ports/event-store.port.js';
import { thrownBy } from '../../../support/failures.js';

const note = {
  type: 'NoteTaken',
  schemaVersion: 1,
  data: { b: 1, a: 2 },
  metadata: { commandId: 'c' },
};

describe('encodeAppendRequest', () => {
  it('stores data and metadata as canonical JSON', () => {
    expect(encodeAppendRequest({ streamId: 's', expectedVersion: 'any', events: [note] })).toEqual([
      {
        type: 'NoteTaken',
        schemaVersion: 1,
        dataJson: '{"a":2,"b":1}',
        metadataJson: '{"commandId":"c"}',
      },
    ]);
  });

  it.each([
    ['an empty stream id', { streamId: '', expectedVersion: 'any', events: [note] }],
    ['a negative expected version', { streamId: 's', expectedVersion: -1, events: [note] }],
    ['a fractional expected version', { streamId: 's', expectedVersion: 1.5, events: [note] }],
    ['no events', { streamId: 's', expectedVersion: 'any', events: [] }],
    ['an empty type', { streamId: 's', expectedVersion: 'any', events: [{ ...note, type: '' }] }],
    [
      'schema version 0',
      { streamId: 's', expectedVersion: 'any', events: [{ ...note, schemaVersion: 0 }] },
    ],
    [
      'metadata that is not strings',
      { streamId: 's', expectedVersion: 'any', events: [{ ...note, metadata: { n: 1 } }] },
    ],
    [
      'data that is not JSON',
      { streamId: 's', expectedVersion: 'any', events: [{ ...note, data: { x: Number.NaN } }] },
    ],
  ])('refuses %s', (_name, request) => {
    expect(thrownBy(() => encodeAppendRequest(request as unknown as AppendRequest)).code).toBe(
      'LEDGER_INVALID_EVENT',
    );
  });
});

describe('checkExpectedVersion', () => {
  it('accepts any, noStream on 0, and the exact version', () => {
    expect(() => {
      checkExpectedVersion('s', 'any', 7);
      checkExpectedVersion('s', 'noStream', 0);
      checkExpectedVersion('s', 3, 3);
    }).not.toThrow();
  });

  it('conflicts otherwise, with the details', () => {
    expect(
      thrownBy(() => {
        checkExpectedVersion('s', 'noStream', 2);
      }),
    ).toMatchObject({
      code: 'LEDGER_VERSION_CONFLICT',
      details: { streamId: 's', expected: 'noStream', actual: 2 },
    });
    expect(
      thrownBy(() => {
        checkExpectedVersion('s', 1, 2);
      }).code,
    ).toBe('LEDGER_VERSION_CONFLICT');
  });
});

describe('planAppend', () => {
  it('numbers rows after the head and chains them', () => {
    const encoded = encodeAppendRequest({
      streamId: 's',
      expectedVersion: 'any',
      events: [note, note],
    });
    const head = { position: 4, hash: 'c'.repeat(64) };
    const plan = planAppend(head, 's', 2, encoded, Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    expect(plan.rows.map((r) => [r.position, r.streamVersion, r.recordedAt])).toEqual([
      [5, 3, '2026-01-02T03:04:05.006Z'],
      [6, 4, '2026-01-02T03:04:05.006Z'],
    ]);
    expect(plan.rows[0]!.prevHash).toBe(head.hash);
    expect(plan.rows[1]!.prevHash).toBe(plan.rows[0]!.hash);
    expect(plan.rows[0]!.hash).toBe(chainHash(head.hash, plan.events[0]!));
    expect(plan.head).toEqual({ position: 6, hash: plan.rows[1]!.hash });
  });
});

describe('decodeStoredRow', () => {
  const row: StoredRow = {
    position: 9,
    streamId: 'notes',
    streamVersion: 1,
    type: 'NoteTaken',
    schemaVersion: 1,
    dataJson: '{"a":1}',
    metadataJson: '{}',
    recordedAt: '2026-01-01T00:00:00.000Z',
    prevHash: GENESIS_HASH,
    hash: 'd'.repeat(64),
  };

  it('reads a row back', () => {
    expect(decodeStoredRow(row)).toMatchObject({ position: 9, data: { a: 1 }, metadata: {} });
  });

  it.each([
    ['data that is not JSON', { dataJson: '{oops' }],
    ['metadata that is not JSON', { metadataJson: '' }],
    ['metadata that is not strings', { metadataJson: '{"a":1}' }],
    ['a transmission row of an unknown type', { streamId: 'transmission-x', type: 'Mystery' }],
    [
      'a transmission row of an unknown version',
      { streamId: 'transmission-x', type: 'TransmissionRequested', schemaVersion: 3 },
    ],
  ])('reports %s as corrupt at its position', (_name, change) => {
    expect(thrownBy(() => decodeStoredRow({ ...row, ...change }))).toMatchObject({
      code: 'LEDGER_CORRUPT',
      details: { position: 9 },
    });
  });
});

describe('pageLimit', () => {
  it('caps at the page size and treats nonsense as zero', () => {
    expect(pageLimit(5, 3)).toBe(3);
    expect(pageLimit(2.7, 3)).toBe(2);
    expect(pageLimit(0, 3)).toBe(0);
    expect(pageLimit(Number.NaN, 3)).toBe(0);
  });
});
