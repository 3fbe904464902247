import { LedgerClosedError } from '../../application/errors.js';
import type { LeaderLock, Leadership } from '../../application/ports/leader-lock.port.js';

/** Who holds each name: shared by every lock made from one another, as one database would be. */
type Holders = Map<string, AbortController>;

/**
 * The leader lock's twin, for one process: locks made with `contender()` share their holders,
 * as processes on one database do, and `sever` ends a holder's leadership as a lost connection
 * would.
 */
export class InMemoryLeaderLock implements LeaderLock {
  private closed = false;
  private readonly mine = new Set<Leadership>();

  constructor(private readonly holders: Holders = new Map()) {}

  /** Another process on the same backend. */
  contender(): InMemoryLeaderLock {
    return new InMemoryLeaderLock(this.holders);
  }

  /** Ends the current leadership of `name`, as the holder's connection dying would. */
  sever(name: string): void {
    const holder = this.holders.get(name);
    this.holders.delete(name);
    holder?.abort(new Error(`the leadership of ${name} was lost`));
  }

  tryAcquire(name: string): Promise<Leadership | null> {
    if (this.closed) return Promise.reject(new LedgerClosedError());
    if (this.holders.has(name)) return Promise.resolve(null);
    const controller = new AbortController();
    this.holders.set(name, controller);
    const leadership: Leadership = {
      lost: controller.signal,
      release: () => {
        if (this.holders.get(name) === controller) this.holders.delete(name);
        this.mine.delete(leadership);
        if (!controller.signal.aborted) {
          controller.abort(new Error(`the leadership of ${name} was released`));
        }
        return Promise.resolve();
      },
    };
    this.mine.add(leadership);
    return Promise.resolve(leadership);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.mine].map((leadership) => leadership.release()));
  }
}
