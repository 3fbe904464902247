import type { ServiceIdentifier } from 'inversify';

/** Being the one process that runs something (a feed) for a while. */
export interface Leadership {
  /**
   * Aborted once this process is no longer the leader: its hold was lost (the database
   * connection died, so another process may now lead) or `release` was called. Whatever runs
   * under the leadership stops when it fires.
   */
  readonly lost: AbortSignal;
  /** Gives the leadership up, so another process can take it; safe to call more than once. */
  release(): Promise<void>;
}

/**
 * At most one holder per name across every process on the same backend. A holder that dies
 * (killed, partitioned from the database) loses the lock with its connection, and another
 * process's `tryAcquire` then succeeds.
 */
export interface LeaderLock {
  /** The leadership of `name`, or null when another holder has it now. Never waits. */
  tryAcquire(name: string): Promise<Leadership | null>;
  /** Releases every leadership this lock holds. */
  close(): Promise<void>;
}

export const LEADER_LOCK: ServiceIdentifier<LeaderLock> = Symbol.for('gtx.LeaderLock');
