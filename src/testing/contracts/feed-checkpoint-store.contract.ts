import type { Clock } from '../../application/ports/clock.port.js';
import type { FeedCheckpointStore } from '../../application/ports/feed-checkpoint-store.port.js';
import { epochMsToIso } from '../../domain/index.js';
import type { ContractTestApi } from './contract-test-api.js';
import { itWithFreshFixture } from './fresh-fixture.js';
import { codeOf } from './transmission-fixtures.js';

export interface FeedCheckpointStoreFixture {
  /** A fresh, empty store. */
  readonly store: FeedCheckpointStore;
  /** The clock the store stamps `updatedAt` with. */
  readonly clock: Clock;
  readonly cleanup?: () => Promise<void>;
}

/**
 * Every FeedCheckpointStore adapter must pass this suite: 0 for a checkpoint never saved, the
 * last save wins, every checkpoint listed by name with the time it moved, and a position that is
 * not an integer >= 0 refused without moving anything.
 */
export function feedCheckpointStoreContract(
  name: string,
  makeStore: () => Promise<FeedCheckpointStoreFixture>,
  t: ContractTestApi,
): void {
  const { describe, expect } = t;
  const it = itWithFreshFixture(t, makeStore, (fixture) => fixture.store.close());

  describe(`FeedCheckpointStore contract: ${name}`, () => {
    it('loads 0 for a checkpoint never saved, and lists none', async ({ store }) => {
      expect(await store.load('analytics')).toBe(0);
      expect(await store.list()).toEqual([]);
    });

    it('loads the last position saved', async ({ store }) => {
      await store.save('analytics', 0);
      expect(await store.load('analytics')).toBe(0);
      await store.save('analytics', 12);
      await store.save('analytics', 2 ** 40);
      expect(await store.load('analytics')).toBe(2 ** 40);
    });

    it('lists every checkpoint by name, with the time it was saved', async ({ store, clock }) => {
      await store.save('replay:b', 7);
      await store.save('analytics', 3);
      await store.save('replay:a', 5);
      const at = epochMsToIso(clock.now());
      expect(await store.list()).toEqual([
        { name: 'analytics', position: 3, updatedAt: at },
        { name: 'replay:a', position: 5, updatedAt: at },
        { name: 'replay:b', position: 7, updatedAt: at },
      ]);
    });

    it('refuses a position that is not an integer >= 0, moving nothing', async ({ store }) => {
      await store.save('analytics', 4);
      for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
        expect(await codeOf(store.save('analytics', bad))).toBe('FEED_CONFIG_INVALID');
      }
      expect(await store.load('analytics')).toBe(4);
    });
  });
}
