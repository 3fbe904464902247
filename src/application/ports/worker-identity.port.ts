import type { ServiceIdentifier } from 'inversify';

/** Who this worker is to the work queue, and which other workers are known to be gone. */
export interface WorkerIdentity {
  /** Unique to this running worker; never reused by a later one. */
  readonly id: string;
  /**
   * True only when the owner of a claim is certainly not running any more (a process on this
   * host that has exited), so its claims can be taken without waiting for their leases.
   * Unknown owners (other hosts) are never gone: their leases expire instead.
   */
  isGone(owner: string): boolean;
}

export const WORKER_IDENTITY: ServiceIdentifier<WorkerIdentity> = Symbol.for('gtx.WorkerIdentity');
