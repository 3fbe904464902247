import type { LeaderLock, Leadership } from '../../application/ports/leader-lock.port.js';
import type { ContractTestApi } from './contract-test-api.js';
import { itWithFreshFixture } from './fresh-fixture.js';
import { codeOf } from './transmission-fixtures.js';

export interface LeaderLockFixture {
  /** Two contenders on one backend, as two processes on one database would be. */
  readonly first: LeaderLock;
  readonly second: LeaderLock;
  /**
   * Ends, from outside, the connection that holds the leadership of `name` (PostgreSQL:
   * `pg_terminate_backend` from another connection), as a crash or a network cut would.
   */
  sever(name: string): Promise<void>;
  readonly cleanup?: () => Promise<void>;
}

function whenLost(leadership: Leadership): Promise<void> {
  return new Promise((resolve) => {
    if (leadership.lost.aborted) resolve();
    else
      leadership.lost.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
  });
}

/**
 * A lock freed by a connection that died is freed when the server has ended that session, a
 * moment after the connection is gone: the contender asks again until it gets it.
 */
async function acquireSoon(lock: LeaderLock, name: string): Promise<Leadership | null> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const leadership = await lock.tryAcquire(name);
    if (leadership !== null) return leadership;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}

/**
 * Every LeaderLock adapter must pass this suite: one holder per name across contenders, free
 * again after a release or a close, and `lost` firing when the holder's connection dies, after
 * which another contender can lead.
 */
export function leaderLockContract(
  name: string,
  makeLocks: () => Promise<LeaderLockFixture>,
  t: ContractTestApi,
): void {
  const { describe, expect } = t;
  const it = itWithFreshFixture(t, makeLocks, async ({ first, second }) => {
    await first.close();
    await second.close();
  });

  describe(`LeaderLock contract: ${name}`, () => {
    it('gives a name to one holder at a time; other names stay free', async ({ first, second }) => {
      const leadership = await first.tryAcquire('feed');
      expect(leadership === null).toBe(false);
      expect(leadership?.lost.aborted).toBe(false);
      expect(await second.tryAcquire('feed')).toBe(null);
      expect(await first.tryAcquire('feed')).toBe(null);
      const other = await second.tryAcquire('replay');
      expect(other === null).toBe(false);
      await other?.release();
      await leadership?.release();
    });

    it('is free for another holder after a release, which ends the leadership', async ({
      first,
      second,
    }) => {
      const leadership = await first.tryAcquire('feed');
      await leadership?.release();
      expect(leadership?.lost.aborted).toBe(true);
      await leadership?.release();
      const next = await second.tryAcquire('feed');
      expect(next === null).toBe(false);
      await next?.release();
    });

    it('fires lost when the holder loses its connection, and another can then lead', async ({
      first,
      second,
      sever,
    }) => {
      const leadership = await first.tryAcquire('feed');
      if (leadership === null) throw new Error('the first contender could not lead');
      await sever('feed');
      await whenLost(leadership);
      expect(leadership.lost.aborted).toBe(true);
      const next = await acquireSoon(second, 'feed');
      expect(next === null).toBe(false);
      await next?.release();
      await leadership.release();
    });

    it('releases every leadership on close, then refuses with LEDGER_CLOSED', async ({
      first,
      second,
    }) => {
      const leadership = await first.tryAcquire('feed');
      await first.close();
      expect(leadership?.lost.aborted).toBe(true);
      const next = await second.tryAcquire('feed');
      expect(next === null).toBe(false);
      await next?.release();
      expect(await codeOf(first.tryAcquire('feed'))).toBe('LEDGER_CLOSED');
      await first.close();
    });
  });
}
