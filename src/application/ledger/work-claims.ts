import { WorkClaimLostError } from '../errors.js';
import type { AppendGuard } from '../ports/event-store.port.js';

/** Who holds an open transmission, as the work queue stores it. */
export interface ClaimHold {
  readonly owner: string | null;
  readonly fence: number;
  readonly leaseUntilMs: number | null;
}

/**
 * The fencing rule both work-queue adapters apply inside the append's transaction: an append
 * that names a claim lands only while that very claim (owner and fence) is the current one.
 * An unguarded append (a new request, an erasure) is always allowed.
 */
export function checkClaimGuard(
  streamId: string,
  guard: AppendGuard | undefined,
  hold: ClaimHold | null,
): void {
  if (guard === undefined) return;
  if (hold?.owner === guard.owner && hold.fence === guard.fence) return;
  throw new WorkClaimLostError(streamId, guard.owner, guard.fence, hold?.owner ?? null);
}

/** A hold is live until its lease ends; an unclaimed or expired one can be claimed. */
export function isLiveHold(hold: ClaimHold, nowMs: number): boolean {
  return hold.owner !== null && hold.leaseUntilMs !== null && hold.leaseUntilMs > nowMs;
}
