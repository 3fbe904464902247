import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalRowEncoding,
  canonicalJson,
  chainHash,
  chainHashOfEncoded,
  chainHashOfStored,
  GENESIS_HASH,
  verifyChain,
  verifyChainAsync,
  type ChainFailureReason,
  type ChainRow,
} from '../../../../src/application/ledger/hash-chain.js';
import type { RecordedEvent } from '../../../../src/application/ports/event-store.port.js';

const base: ChainRow = {
  position: 1,
  streamId: 's-1',
  streamVersion: 1,
  type: 'NoteTaken',
  schemaVersion: 1,
  data: { b: 2, a: [1, 'x'] },
  metadata: { commandId: 'c-1' },
  recordedAt: '2026-03-01T09:00:00.000Z',
};

/** A valid chain of `count` rows over two interleaved streams. */
function chain(count: number, startHash = GENESIS_HASH, startPosition = 0): RecordedEvent[] {
  const rows: RecordedEvent[] = [];
  const versions = new Map<string, number>();
  let prev = startHash;
  for (let i = 1; i <= count; i += 1) {
    const streamId = `s-${i % 2}`;
    const streamVersion = (versions.get(streamId) ?? 0) + 1;
    versions.set(streamId, streamVersion);
    const row = { ...base, position: startPosition + i, streamId, streamVersion, data: { i } };
    const hash = chainHash(prev, row);
    rows.push({ ...row, hash });
    prev = hash;
  }
  return rows;
}

function rehash(rows: RecordedEvent[], from: number): RecordedEvent[] {
  let prev = from === 0 ? GENESIS_HASH : rows[from - 1]!.hash;
  return rows.map((row, index) => {
    if (index < from) return row;
    const hash = chainHash(prev, row);
    prev = hash;
    return { ...row, hash };
  });
}

/** What verifyChain answers for a chain broken at `position`, for `reason`. */
const brokenAt = (position: number, reason: ChainFailureReason) => ({
  ok: false,
  position,
  reason,
});

describe('hash chain', () => {
  it('genesis is 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('encodes exactly the chained fields, canonically', () => {
    const withExtras = { ...base, hash: 'ignored', extra: 1 } as ChainRow;
    expect(canonicalRowEncoding(withExtras)).toBe(
      '{"data":{"a":[1,"x"],"b":2},"metadata":{"commandId":"c-1"},"position":1,' +
        '"recordedAt":"2026-03-01T09:00:00.000Z","schemaVersion":1,"streamId":"s-1","streamVersion":1,' +
        '"type":"NoteTaken"}',
    );
  });

  it('is hex SHA-256 over the previous hash followed by the canonical row', () => {
    const expected = createHash('sha256')
      .update(GENESIS_HASH + canonicalRowEncoding(base))
      .digest('hex');
    expect(chainHash(GENESIS_HASH, base)).toBe(expected);
    expect(chainHash('f'.repeat(64), base)).not.toBe(expected);
  });

  it('hashes a row given as canonical data and metadata text exactly as chainHash does', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.dictionary(fc.string(), fc.string()),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.nat(),
        (data, metadata, streamId, type, position) => {
          const row = { ...base, data, metadata, streamId, type, position: position + 1 };
          const { data: _data, metadata: _metadata, ...rest } = row;
          expect(
            chainHashOfEncoded(GENESIS_HASH, rest, canonicalJson(data), canonicalJson(metadata)),
          ).toBe(chainHash(GENESIS_HASH, row));
        },
      ),
    );
  });

  it('hashes a row read as stored exactly as chainHash hashes it decoded, whatever its fields', () => {
    const text = fc.string({ unit: 'binary' });
    const number = fc.oneof(
      fc.nat(),
      fc.maxSafeNat(),
      fc.double({ noNaN: true }),
      fc.bigInt().map(Number),
    );
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.dictionary(fc.string(), fc.string()),
        fc.record({ streamId: text, type: text, recordedAt: text }),
        fc.record({ position: number, streamVersion: number, schemaVersion: number }),
        (data, metadata, texts, numbers) => {
          const row = { ...base, ...texts, ...numbers, data, metadata };
          const stored = {
            ...row,
            dataJson: canonicalJson(data),
            metadataJson: canonicalJson(metadata),
            prevHash: GENESIS_HASH,
            hash: '',
          };
          let expected: string;
          try {
            expected = chainHash(GENESIS_HASH, row);
          } catch (error) {
            // A lone surrogate or a non-finite number: refused the same way.
            expect(() => chainHashOfStored(GENESIS_HASH, stored)).toThrow((error as Error).message);
            return;
          }
          expect(chainHashOfStored(GENESIS_HASH, stored)).toBe(expected);
        },
      ),
    );
  });
});

describe('verifyChain', () => {
  it('verifies a good chain and reports its extent and head', () => {
    const rows = chain(5);
    expect(verifyChain(rows)).toEqual({
      ok: true,
      count: 5,
      firstPosition: 1,
      lastPosition: 5,
      headHash: rows[4]!.hash,
    });
  });

  it('verifies nothing as an empty chain at the start hash', () => {
    expect(verifyChain([])).toEqual({
      ok: true,
      count: 0,
      firstPosition: null,
      lastPosition: null,
      headHash: GENESIS_HASH,
    });
  });

  it('names the first row whose data was changed', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2]!, data: { i: 99 } };
    expect(verifyChain(rows)).toMatchObject({
      ok: false,
      position: 3,
      reason: 'hashMismatch',
      count: 2,
    });
  });

  it('catches a rewrite that recomputed every later hash, by the digest taken before', () => {
    const rows = chain(5);
    const digest = { position: 4, hash: rows[3]!.hash };
    rows[1] = { ...rows[1]!, data: { i: -1 } };
    const rewritten = rehash(rows, 1);
    expect(verifyChain(rewritten).ok).toBe(true);
    expect(verifyChain(rewritten, GENESIS_HASH, { checkpoints: [digest] })).toMatchObject(
      brokenAt(4, 'checkpointMismatch'),
    );
  });

  it('reports a ledger cut off before a digest as truncated', () => {
    const rows = chain(5);
    const digest = { position: 5, hash: rows[4]!.hash };
    expect(verifyChain(rows.slice(0, 3), GENESIS_HASH, { checkpoints: [digest] })).toMatchObject(
      brokenAt(5, 'truncated'),
    );
  });

  it('reports a removed row as a position gap', () => {
    const rows = chain(5);
    rows.splice(2, 1);
    expect(verifyChain(rows)).toMatchObject(brokenAt(3, 'positionGap'));
  });

  it('reports a chain that does not start at 1 from genesis', () => {
    expect(verifyChain(chain(3).slice(1))).toMatchObject(brokenAt(1, 'positionGap'));
  });

  it('reports stream versions out of order, even with hashes recomputed', () => {
    const rows = chain(4);
    rows[2] = { ...rows[2]!, streamVersion: 3 };
    expect(verifyChain(rehash(rows, 2))).toMatchObject(brokenAt(3, 'streamVersionOutOfOrder'));
  });

  it('reports malformed rows', () => {
    const rows = chain(3);
    const badHash = [rows[0]!, { ...rows[1]!, hash: 'XYZ' }];
    expect(verifyChain(badHash)).toMatchObject(brokenAt(2, 'malformedRow'));
    const notJson = [{ ...rows[0]!, data: { n: Number.NaN } }];
    expect(verifyChain(notJson)).toMatchObject(brokenAt(1, 'malformedRow'));
    const badPosition = [{ ...rows[0]!, position: 1.5 }];
    expect(verifyChain(badPosition)).toMatchObject(brokenAt(1, 'malformedRow'));
  });

  it('continues from a head taken earlier, accepting streams first seen mid-way', () => {
    const rows = chain(6);
    const head = { position: 3, hash: rows[2]!.hash };
    expect(verifyChain(rows.slice(3), head)).toMatchObject({
      ok: true,
      count: 3,
      firstPosition: 4,
    });
    expect(verifyChain(rows.slice(4), head)).toMatchObject(brokenAt(4, 'positionGap'));
    expect(verifyChain(rows.slice(3), rows[2]!.hash)).toMatchObject({ ok: true, firstPosition: 4 });
  });

  it('stops reading at the first break', () => {
    const rows = chain(5);
    rows[1] = { ...rows[1]!, hash: 'a'.repeat(64) };
    let read = 0;
    function* counted(): Generator<RecordedEvent> {
      for (const row of rows) {
        read += 1;
        yield row;
      }
    }
    expect(verifyChain(counted()).ok).toBe(false);
    expect(read).toBe(2);
  });

  it('verifies async sources page by page', async () => {
    const rows = chain(7);
    async function* pages(): AsyncGenerator<RecordedEvent> {
      for (const row of rows) yield await Promise.resolve(row);
    }
    expect(await verifyChainAsync(pages())).toMatchObject({
      ok: true,
      count: 7,
      headHash: rows[6]!.hash,
    });
  });
});
