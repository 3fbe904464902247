import type {
  GuestSessionStore,
  StoredGuestSession,
} from '../../adapters/genesys/web-messaging/guest-session-store.js';
import type { ContractTestApi } from './contract-test-api.js';
import { itWithFreshFixture } from './fresh-fixture.js';

export interface GuestSessionStoreFixture {
  /** A fresh, empty store. */
  readonly store: GuestSessionStore;
  readonly cleanup?: () => Promise<void>;
}

function session(key: string, token: string, updatedAt = '2026-03-01T09:00:00.000Z') {
  return { key, token, updatedAt } satisfies StoredGuestSession;
}

/**
 * Every Web Messaging GuestSessionStore adapter must pass this suite: a saved token is found by
 * its key, saving again replaces it, and a deleted one is gone.
 */
export function guestSessionStoreContract(
  name: string,
  makeStore: () => Promise<GuestSessionStoreFixture>,
  t: ContractTestApi,
): void {
  const { describe, expect } = t;
  const it = itWithFreshFixture(t, makeStore, (fixture) => fixture.store.close());

  describe(`GuestSessionStore contract: ${name}`, () => {
    it('finds nothing for an unknown key', async ({ store }) => {
      expect(await store.find('a'.repeat(64))).toBe(null);
    });

    it('finds a saved session by its key; saving again replaces it', async ({ store }) => {
      await store.save(session('k1', 'token-1'));
      await store.save(session('k2', 'token-2'));
      expect(await store.find('k1')).toEqual(session('k1', 'token-1'));
      await store.save(session('k1', 'token-1b', '2026-03-01T10:00:00.000Z'));
      expect(await store.find('k1')).toEqual(session('k1', 'token-1b', '2026-03-01T10:00:00.000Z'));
      expect(await store.find('k2')).toEqual(session('k2', 'token-2'));
    });

    it('deletes a session, and deleting an unknown key is fine', async ({ store }) => {
      await store.save(session('k1', 'token-1'));
      await store.delete('k1');
      await store.delete('k-unknown');
      expect(await store.find('k1')).toBe(null);
    });

    it('counts the stored sessions of every key', async ({ store }) => {
      expect(await store.count()).toBe(0);
      await store.save(session('k1', 'token-1'));
      await store.save(session('k2', 'token-2'));
      await store.save(session('k1', 'token-1b'));
      expect(await store.count()).toBe(2);
      await store.delete('k2');
      expect(await store.count()).toBe(1);
    });
  });
}
