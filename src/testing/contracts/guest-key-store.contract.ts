import type {
  GuestKeyStore,
  WrappedGuestKey,
} from '../../application/ports/guest-key-store.port.js';
import type { ContractTestApi } from './contract-test-api.js';
import { itWithFreshFixture } from './fresh-fixture.js';

export interface GuestKeyStoreFixture {
  /** A fresh, empty store. */
  readonly store: GuestKeyStore;
  readonly cleanup?: () => Promise<void>;
}

function key(keyId: string, guestIdHash: string): WrappedGuestKey {
  return {
    keyId,
    guestIdHash,
    wrapped: Buffer.from(`wrapped ${keyId}`).toString('base64'),
    createdAt: '2026-03-01T09:00:00.000Z',
  };
}

/**
 * Every GuestKeyStore adapter must pass this suite: one key per guest (the first written wins,
 * also when several writers race), found by guest and by id, and gone for good once forgotten.
 */
export function guestKeyStoreContract(
  name: string,
  makeStore: () => Promise<GuestKeyStoreFixture>,
  t: ContractTestApi,
): void {
  const { describe, expect } = t;
  const it = itWithFreshFixture(t, makeStore, (fixture) => fixture.store.close());

  describe(`GuestKeyStore contract: ${name}`, () => {
    it('finds nothing for an unknown guest or key id', async ({ store }) => {
      expect(await store.findByGuest('g-unknown')).toBe(null);
      expect(await store.findById('k-unknown')).toBe(null);
    });

    it('stores a key and finds it by guest and by id', async ({ store }) => {
      const stored = await store.createIfAbsent(key('k-1', 'g-1'));
      expect(stored).toEqual(key('k-1', 'g-1'));
      expect(await store.findByGuest('g-1')).toEqual(key('k-1', 'g-1'));
      expect(await store.findById('k-1')).toEqual(key('k-1', 'g-1'));
    });

    it('keeps the first key of a guest: a later one is not stored', async ({ store }) => {
      await store.createIfAbsent(key('k-1', 'g-1'));
      expect(await store.createIfAbsent(key('k-2', 'g-1'))).toEqual(key('k-1', 'g-1'));
      expect(await store.findById('k-2')).toBe(null);
    });

    it('of writers racing for one guest, every one gets the same key', async ({ store }) => {
      const keys = await Promise.all(
        Array.from({ length: 6 }, (_, i) => store.createIfAbsent(key(`k-${i}`, 'g-race'))),
      );
      const winner = await store.findByGuest('g-race');
      expect(winner === null).toBe(false);
      expect(keys.every((k) => k.keyId === winner?.keyId)).toBe(true);
    });

    it('forgets every key of a guest, and only that guest', async ({ store }) => {
      await store.createIfAbsent(key('k-1', 'g-1'));
      await store.createIfAbsent(key('k-2', 'g-2'));
      expect(await store.forget('g-1')).toEqual(['k-1']);
      expect(await store.findByGuest('g-1')).toBe(null);
      expect(await store.findById('k-1')).toBe(null);
      expect(await store.forget('g-1')).toEqual([]);
      expect(await store.findById('k-2')).toEqual(key('k-2', 'g-2'));
    });

    it('lists keys by key id, a page at a time, without the forgotten ones', async ({ store }) => {
      for (const [id, guest] of [
        ['k-3', 'g-3'],
        ['k-1', 'g-1'],
        ['K-0', 'g-0'],
        ['k-2', 'g-2'],
      ] as const) {
        await store.createIfAbsent(key(id, guest));
      }
      await store.forget('g-2');
      // Ordered by the ids' code units, so every engine pages the same way.
      expect(await store.list(null, 2)).toEqual([key('K-0', 'g-0'), key('k-1', 'g-1')]);
      expect(await store.list('k-1', 2)).toEqual([key('k-3', 'g-3')]);
      expect(await store.list('k-3', 2)).toEqual([]);
      expect(await store.list(null, 0)).toEqual([]);
    });

    it('rewraps a key only while it still holds the expected wrap', async ({ store }) => {
      await store.createIfAbsent(key('k-1', 'g-1'));
      await store.createIfAbsent(key('k-2', 'g-2'));
      const original = key('k-1', 'g-1').wrapped;
      expect(await store.rewrap('k-1', original, 'wrap-b')).toBe(true);
      expect(await store.findById('k-1')).toEqual({ ...key('k-1', 'g-1'), wrapped: 'wrap-b' });
      expect(await store.findByGuest('g-1')).toEqual({ ...key('k-1', 'g-1'), wrapped: 'wrap-b' });
      // A stale expectation (another rotation won) changes nothing.
      expect(await store.rewrap('k-1', original, 'wrap-c')).toBe(false);
      expect((await store.findById('k-1'))?.wrapped).toBe('wrap-b');
      expect(await store.findById('k-2')).toEqual(key('k-2', 'g-2'));
    });

    it('rewraps nothing for a forgotten or unknown key, and never recreates it', async ({
      store,
    }) => {
      await store.createIfAbsent(key('k-1', 'g-1'));
      await store.forget('g-1');
      expect(await store.rewrap('k-1', key('k-1', 'g-1').wrapped, 'wrap-b')).toBe(false);
      expect(await store.rewrap('k-unknown', 'x', 'wrap-b')).toBe(false);
      expect(await store.findById('k-1')).toBe(null);
      expect(await store.list(null, 10)).toEqual([]);
    });

    it('of rewraps racing from one expected wrap, exactly one wins', async ({ store }) => {
      await store.createIfAbsent(key('k-1', 'g-1'));
      const original = key('k-1', 'g-1').wrapped;
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => store.rewrap('k-1', original, `wrap-${i}`)),
      );
      expect(results.filter(Boolean).length).toBe(1);
      const winner = results.indexOf(true);
      expect((await store.findById('k-1'))?.wrapped).toBe(`wrap-${winner}`);
    });

    it('gives a forgotten guest a new key, not the old one back', async ({ store }) => {
      await store.createIfAbsent(key('k-1', 'g-1'));
      await store.forget('g-1');
      expect(await store.createIfAbsent(key('k-3', 'g-1'))).toEqual(key('k-3', 'g-1'));
    });
  });
}
