import { hasErrorCode, isGtxError } from '../../domain/index.js';
import type {
  Clock,
  Logger,
  TransmissionWorkQueue,
  WorkClaim,
  WorkerIdentity,
} from '../ports/index.js';

/**
 * This worker's claims on the work queue: taking work for free slots, renewing the leases of
 * what it holds, giving claims back, and freeing the claims of workers that have exited. A
 * ledger that is unavailable for a while (locked by another process, a full disk) is waited out:
 * the next poll tries again.
 */
export class ClaimKeeper {
  private readonly held = new Map<string, WorkClaim>();
  /** Releases still being written, so closing waits for them before the ledger closes. */
  private readonly releasing = new Set<Promise<void>>();

  constructor(
    private readonly work: TransmissionWorkQueue,
    private readonly worker: WorkerIdentity,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly leaseMs: number,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** Claims up to `free` transmissions; returns the ones this worker did not already hold. */
  async take(free: number): Promise<readonly WorkClaim[]> {
    if (free <= 0) return [];
    const claims = await this.work
      .claim({
        owner: this.worker.id,
        limit: free,
        nowMs: this.clock.now(),
        leaseMs: this.leaseMs,
      })
      .catch((error: unknown) =>
        waitOut(this.logger, this.worker, error, 'could not claim work', []),
      );
    // Work this worker already holds comes back when its own lease lapsed (a renewal that
    // failed): the attempt in flight goes on under the fresh claim instead of starting twice.
    const fresh = claims.filter((claim) => !this.held.has(claim.streamId));
    for (const claim of claims) this.held.set(claim.streamId, claim);
    return fresh;
  }

  /** The newest claim on this transmission: the one its appends must be guarded by. */
  current(claim: WorkClaim): WorkClaim {
    return this.held.get(claim.streamId) ?? claim;
  }

  /**
   * The transmission is no longer worked on here. Unless it became final (its row left the
   * queue with the claim) or the worker stopped like a crash (claims are left to expire), the
   * claim is given back so the retry can go to whichever worker is free when it is due.
   */
  finish(claim: WorkClaim, release: boolean): void {
    const current = this.current(claim);
    this.held.delete(claim.streamId);
    if (!release) return;
    const released = this.work
      .release(current)
      .catch((error: unknown) => {
        // The lease ends by itself; a failed release only delays the next claim of this work.
        this.logger.warn('could not release a work claim', {
          commandId: current.commandId,
          code: isGtxError(error) ? error.code : null,
        });
      })
      .finally(() => this.releasing.delete(released));
    this.releasing.add(released);
  }

  async renew(): Promise<void> {
    if (this.held.size === 0) return;
    try {
      await this.work.renew(this.worker.id, this.clock.now(), this.leaseMs);
    } catch (error) {
      // A missed renewal is survivable until the lease ends; the fence guards the rest.
      this.logger.warn('could not renew work claims', {
        code: isGtxError(error) ? error.code : null,
      });
    }
  }

  /** Frees the claims of owners known to have exited, so their work resumes at once. */
  async releaseGoneOwners(): Promise<void> {
    const holders = await this.work
      .holders(this.clock.now())
      .catch((error: unknown) =>
        waitOut(this.logger, this.worker, error, 'could not read who holds work', []),
      );
    for (const owner of holders) {
      if (!this.worker.isGone(owner)) continue;
      const released = await this.work.releaseOwner(owner);
      this.logger.info('resuming the work of a worker that has exited', { owner, released });
    }
  }

  /** Resolves once every release already started has been written. */
  async settled(): Promise<void> {
    await Promise.all(this.releasing);
  }
}

/** A LEDGER_UNAVAILABLE answer is logged and `instead` returned; any other error is thrown. */
export function waitOut<T>(
  logger: Logger,
  worker: WorkerIdentity,
  error: unknown,
  message: string,
  instead: T,
): T {
  if (!hasErrorCode(error, 'LEDGER_UNAVAILABLE')) throw error;
  logger.warn(message, { code: error.code, worker: worker.id });
  return instead;
}
