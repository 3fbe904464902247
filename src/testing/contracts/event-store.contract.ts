import type { Clock } from '../../application/ports/clock.port.js';
import type { EventStore, RecordedEvent } from '../../application/ports/event-store.port.js';
import { canonicalJson } from '../../application/ledger/canonical-json.js';
import {
  chainHash,
  chainHashOfStored,
  GENESIS_HASH,
  verifyChain,
} from '../../application/ledger/hash-chain.js';
import { readsStoredRows } from '../../application/ports/stored-row-reader.port.js';
import { epochMsToIso } from '../../domain/index.js';
import type { ContractTestApi } from './contract-test-api.js';
import { itWithFreshFixture } from './fresh-fixture.js';
import { appendTransmission, codeOf, note, transmission } from './transmission-fixtures.js';

export interface EventStoreFixture {
  readonly store: EventStore;
  /** The clock the store stamps events with; when given, `recordedAt` is checked against it. */
  readonly clock?: Clock;
  /** The adapter's `readAll` cap, when the fixture set one; the suite checks it is honoured. */
  readonly readPageSize?: number;
  /**
   * True when the store also implements `StoredRowReader` (the audit reads stored text through
   * it); the suite then requires it and checks it against `readAll`.
   */
  readonly readsStoredRows?: boolean;
  readonly cleanup?: () => Promise<void>;
}

async function readEverything(store: EventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readAll({ afterPosition: all.at(-1)?.position ?? 0, limit: 1000 });
    if (page.length === 0) return all;
    all.push(...page);
  }
}

/**
 * Every EventStore adapter must pass this suite. Each test gets a fresh, empty store from
 * `makeStore` and calls `cleanup` afterwards, so the suite needs no hooks from the runner.
 */
export function eventStoreContract(
  name: string,
  makeStore: () => Promise<EventStoreFixture>,
  t: ContractTestApi,
): void {
  const { describe, expect } = t;
  const it = itWithFreshFixture(t, makeStore, (fixture) => fixture.store.close());

  describe(`EventStore contract: ${name}`, () => {
    describe('append and read', () => {
      it('round-trips events with their stream, versions, data, metadata and time', async ({
        store,
        clock,
      }) => {
        const result = await store.append({
          streamId: 'notes-1',
          expectedVersion: 'noStream',
          events: [note(1, { nested: { z: [1, 'two', null], a: true } }), note(2)],
        });
        expect(result).toEqual({
          streamId: 'notes-1',
          streamVersion: 2,
          firstPosition: 1,
          lastPosition: 2,
        });
        const events = await store.readStream('notes-1');
        expect(events.map((e) => [e.position, e.streamVersion, e.type, e.schemaVersion])).toEqual([
          [1, 1, 'NoteTaken', 1],
          [2, 2, 'NoteTaken', 1],
        ]);
        expect(events[0]?.data).toEqual({ n: 1, nested: { z: [1, 'two', null], a: true } });
        expect(events[1]?.metadata).toEqual({ correlationId: 'c-2' });
        if (clock !== undefined) expect(events[0]?.recordedAt).toBe(epochMsToIso(clock.now()));
        expect(/^[0-9a-f]{64}$/.test(events[0]?.hash ?? '')).toBe(true);
      });

      it('reads an unknown stream as empty', async ({ store }) => {
        expect(await store.readStream('nobody')).toEqual([]);
      });

      it('hands out copies: changing what was read or appended changes nothing stored', async ({
        store,
      }) => {
        const data = { n: 1, list: [1] };
        await store.append({
          streamId: 'notes-1',
          expectedVersion: 'any',
          events: [{ type: 'NoteTaken', schemaVersion: 1, data, metadata: {} }],
        });
        data.list.push(2);
        const [first] = await store.readStream('notes-1');
        (first?.data as { list: number[] }).list.push(3);
        expect((await store.readStream('notes-1'))[0]?.data).toEqual({ n: 1, list: [1] });
      });

      it('numbers positions 1, 2, 3… without gaps across streams, versions per stream', async ({
        store,
      }) => {
        for (let i = 0; i < 9; i += 1) {
          await store.append({
            streamId: `s-${i % 3}`,
            expectedVersion: 'any',
            events: [note(i)],
          });
        }
        const all = await readEverything(store);
        expect(all.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(all.map((e) => e.streamVersion)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
        expect((await store.readStream('s-1')).map((e) => e.position)).toEqual([2, 5, 8]);
      });

      it('refuses an empty append and events that are not JSON, writing nothing', async ({
        store,
      }) => {
        const empty = store.append({ streamId: 's', expectedVersion: 'any', events: [] });
        expect(await codeOf(empty)).toBe('LEDGER_INVALID_EVENT');
        const nan = store.append({
          streamId: 's',
          expectedVersion: 'any',
          events: [note(1), note(Number.NaN)],
        });
        expect(await codeOf(nan)).toBe('LEDGER_INVALID_EVENT');
        const hole = store.append({
          streamId: 's',
          expectedVersion: 'any',
          events: [{ type: 'NoteTaken', schemaVersion: 1, data: [1, undefined], metadata: {} }],
        });
        expect(await codeOf(hole)).toBe('LEDGER_INVALID_EVENT');
        expect((await store.head()).position).toBe(0);
      });

      it('refuses stream ids and types that no engine stores as given, writing nothing', async ({
        store,
      }) => {
        // A NUL, which PostgreSQL refuses in text, and unpaired surrogates, which would be stored
        // as U+FFFD and so make two different ids one stream.
        for (const unstorable of ['s\u0000', 's\ud800', '\udc00s']) {
          const asStream = store.append({
            streamId: unstorable,
            expectedVersion: 'any',
            events: [note(1)],
          });
          expect(await codeOf(asStream)).toBe('LEDGER_INVALID_EVENT');
          const asType = store.append({
            streamId: 's',
            expectedVersion: 'any',
            events: [note(1), { ...note(2), type: `Note${unstorable}` }],
          });
          expect(await codeOf(asType)).toBe('LEDGER_INVALID_EVENT');
        }
        // A surrogate pair is well-formed text, stored and read back as given.
        await store.append({ streamId: 's-😀', expectedVersion: 'noStream', events: [note(1)] });
        expect((await store.readStream('s-😀')).map((e) => e.streamId)).toEqual(['s-😀']);
        expect((await store.head()).position).toBe(1);
      });
    });

    describe('expected version', () => {
      it('noStream succeeds once, then conflicts', async ({ store }) => {
        await store.append({ streamId: 's', expectedVersion: 'noStream', events: [note(1)] });
        const again = store.append({
          streamId: 's',
          expectedVersion: 'noStream',
          events: [note(2)],
        });
        expect(await codeOf(again)).toBe('LEDGER_VERSION_CONFLICT');
      });

      it('a number must equal the current version; 0 means no stream', async ({ store }) => {
        await store.append({ streamId: 's', expectedVersion: 0, events: [note(1)] });
        await store.append({ streamId: 's', expectedVersion: 1, events: [note(2), note(3)] });
        expect(
          await codeOf(store.append({ streamId: 's', expectedVersion: 2, events: [note(4)] })),
        ).toBe('LEDGER_VERSION_CONFLICT');
        const result = await store.append({
          streamId: 's',
          expectedVersion: 3,
          events: [note(4)],
        });
        expect(result.streamVersion).toBe(4);
      });

      it('any always appends', async ({ store }) => {
        await store.append({ streamId: 's', expectedVersion: 'any', events: [note(1)] });
        const result = await store.append({
          streamId: 's',
          expectedVersion: 'any',
          events: [note(2)],
        });
        expect(result).toEqual({
          streamId: 's',
          streamVersion: 2,
          firstPosition: 2,
          lastPosition: 2,
        });
      });

      it('a conflict carries the stream, the expected and the actual version', async ({
        store,
      }) => {
        await store.append({ streamId: 's', expectedVersion: 'noStream', events: [note(1)] });
        try {
          await store.append({ streamId: 's', expectedVersion: 5, events: [note(2)] });
          expect('resolved').toBe('rejected');
        } catch (error) {
          expect((error as { details?: unknown }).details).toEqual({
            streamId: 's',
            expected: 5,
            actual: 1,
          });
        }
      });

      it('of concurrent appends to one stream, exactly one wins', async ({ store }) => {
        const attempts = Array.from({ length: 8 }, (_, i) =>
          store.append({ streamId: 'race', expectedVersion: 'noStream', events: [note(i)] }),
        );
        const codes = await Promise.all(attempts.map(codeOf));
        expect(codes.filter((c) => c === 'resolved').length).toBe(1);
        expect(codes.filter((c) => c === 'LEDGER_VERSION_CONFLICT').length).toBe(7);
        expect((await store.readStream('race')).length).toBe(1);
        expect((await store.head()).position).toBe(1);
      });

      it('a refused request leaves nothing behind, and others go on', async ({ store }) => {
        await store.append({ streamId: 'a', expectedVersion: 'noStream', events: [note(1)] });
        const results = await Promise.all([
          codeOf(store.append({ streamId: 'a', expectedVersion: 0, events: [note(2), note(3)] })),
          codeOf(
            store.append({
              streamId: 'b',
              expectedVersion: 'noStream',
              events: [note(4), note(5)],
            }),
          ),
        ]);
        expect(results).toEqual(['LEDGER_VERSION_CONFLICT', 'resolved']);
        const all = await readEverything(store);
        expect(all.map((e) => [e.streamId, e.position])).toEqual([
          ['a', 1],
          ['b', 2],
          ['b', 3],
        ]);
      });
    });

    describe('readAll', () => {
      it('pages after a position, filtered by types and stream ids', async ({
        store,
        readPageSize,
      }) => {
        for (let i = 1; i <= 12; i += 1) {
          await store.append({
            streamId: `s-${i % 2}`,
            expectedVersion: 'any',
            events: [{ ...note(i), type: i % 3 === 0 ? 'Fizz' : 'NoteTaken' }],
          });
        }
        const page = await store.readAll({ afterPosition: 4, limit: 3 });
        expect(page.map((e) => e.position)).toEqual([5, 6, 7]);
        expect((await store.readAll({ afterPosition: 12, limit: 10 })).length).toBe(0);
        const fizz = await store.readAll({ afterPosition: 0, limit: 100, types: ['Fizz'] });
        expect(fizz.map((e) => e.position)).toEqual([3, 6, 9, 12]);
        const odd = await store.readAll({ afterPosition: 3, limit: 100, streamIds: ['s-1'] });
        expect(odd.map((e) => e.position)).toEqual([5, 7, 9, 11]);
        const both = await store.readAll({
          afterPosition: 0,
          limit: 100,
          types: ['Fizz'],
          streamIds: ['s-0'],
        });
        expect(both.map((e) => e.position)).toEqual([6, 12]);
        expect((await store.readAll({ afterPosition: 0, limit: 100, types: [] })).length).toBe(0);
        expect((await store.readAll({ afterPosition: 0, limit: 0 })).length).toBe(0);
        if (readPageSize !== undefined) {
          const capped = await store.readAll({ afterPosition: 0, limit: 1_000_000 });
          expect(capped.length).toBe(Math.min(12, readPageSize));
        }
      });
    });

    describe('readStoredRows', () => {
      it('reads the rows readAll decodes, as stored, with the same filters and cap', async (fixture) => {
        const { store } = fixture;
        if (fixture.readsStoredRows !== true) {
          // A store of the caller's own need not read stored rows; the audit then decodes.
          expect(fixture.readsStoredRows ?? false).toBe(false);
          return;
        }
        if (!readsStoredRows(store)) throw new Error('the store does not implement readStoredRows');
        for (let i = 1; i <= 12; i += 1) {
          await store.append({
            streamId: `s-${i % 2}`,
            expectedVersion: 'any',
            events: [{ ...note(i), type: i % 3 === 0 ? 'Fizz' : 'NoteTaken' }],
          });
        }
        await appendTransmission(store, 'cmd-1', [transmission.requested('cmd-1', 'conv-1')]);
        const cases = [
          { afterPosition: 0, limit: 100 },
          { afterPosition: 4, limit: 3 },
          { afterPosition: 0, limit: 100, types: ['Fizz'] },
          { afterPosition: 3, limit: 100, streamIds: ['s-1'] },
          { afterPosition: 0, limit: 100, types: ['Fizz'], streamIds: ['s-0'] },
          { afterPosition: 0, limit: 100, types: [] },
          { afterPosition: 0, limit: 0 },
          { afterPosition: 0, limit: 1_000_000 },
        ];
        for (const options of cases) {
          const decoded = await store.readAll(options);
          const stored = await store.readStoredRows(options);
          expect(stored.map((row) => row.position)).toEqual(decoded.map((e) => e.position));
          stored.forEach((row, index) => {
            const event = decoded[index];
            expect(row).toEqual({
              position: event?.position,
              streamId: event?.streamId,
              streamVersion: event?.streamVersion,
              type: event?.type,
              schemaVersion: event?.schemaVersion,
              dataJson: canonicalJson(event?.data),
              metadataJson: canonicalJson(event?.metadata),
              recordedAt: event?.recordedAt,
              prevHash: event?.prevHash,
              hash: event?.hash,
            });
            expect(chainHashOfStored(row.prevHash, row)).toBe(row.hash);
          });
        }
      });

      it('says where each stream stood before a position, 0 for none', async (fixture) => {
        const { store } = fixture;
        if (fixture.readsStoredRows !== true) return;
        if (!readsStoredRows(store)) throw new Error('the store does not implement readStoredRows');
        // Positions: a1 1, b1 2, a2 3, a3 4, b2 5.
        await store.append({ streamId: 'a', expectedVersion: 'noStream', events: [note(1)] });
        await store.append({ streamId: 'b', expectedVersion: 'noStream', events: [note(2)] });
        await store.append({ streamId: 'a', expectedVersion: 1, events: [note(3), note(4)] });
        await store.append({ streamId: 'b', expectedVersion: 1, events: [note(5)] });
        const at = async (position: number, ids: readonly string[]) =>
          Object.fromEntries(await store.streamVersionsBefore(ids, position));
        expect(await at(4, ['a', 'b', 'none'])).toEqual({ a: 2, b: 1, none: 0 });
        expect(await at(1, ['a', 'b'])).toEqual({ a: 0, b: 0 });
        expect(await at(6, ['b', 'a'])).toEqual({ a: 3, b: 2 });
        expect(await at(6, [])).toEqual({});
      });
    });

    describe('hash chain and head', () => {
      it('the head of an empty store is position 0 and the genesis hash', async ({ store }) => {
        expect(await store.head()).toEqual({ position: 0, hash: GENESIS_HASH });
      });

      it('chains every row to the previous one, verifiably', async ({ store }) => {
        await store.append({ streamId: 'a', expectedVersion: 'any', events: [note(1), note(2)] });
        await appendTransmission(store, 'cmd-1', [transmission.requested('cmd-1', 'conv-1')]);
        await store.append({ streamId: 'a', expectedVersion: 'any', events: [note(3)] });
        const all = await readEverything(store);
        let prev = GENESIS_HASH;
        for (const row of all) {
          expect(row.hash).toBe(chainHash(prev, row));
          prev = row.hash;
        }
        const verified = verifyChain(all);
        expect(verified).toEqual({
          ok: true,
          count: 4,
          firstPosition: 1,
          lastPosition: 4,
          headHash: prev,
        });
        expect(await store.head()).toEqual({ position: 4, hash: prev });
      });
    });

    describe('close', () => {
      it('finishes appends already made, then refuses everything with LEDGER_CLOSED', async ({
        store,
      }) => {
        const pending = store.append({ streamId: 's', expectedVersion: 'any', events: [note(1)] });
        await store.close();
        expect((await pending).lastPosition).toBe(1);
        expect(
          await codeOf(store.append({ streamId: 's', expectedVersion: 'any', events: [note(2)] })),
        ).toBe('LEDGER_CLOSED');
        expect(await codeOf(store.readStream('s'))).toBe('LEDGER_CLOSED');
        expect(await codeOf(store.readAll({ afterPosition: 0, limit: 1 }))).toBe('LEDGER_CLOSED');
        expect(await codeOf(store.head())).toBe('LEDGER_CLOSED');
        await store.close();
      });
    });
  });
}
