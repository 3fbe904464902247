import type { ServiceIdentifier } from 'inversify';
import type { TransmissionStatus } from '../../domain/index.js';

/** A transmission that is not final yet, as the work queue's projection holds it. */
export interface OpenTransmission {
  readonly streamId: string;
  readonly commandId: string;
  readonly conversationRef: string;
  readonly status: Extract<TransmissionStatus, 'pending' | 'inFlight'>;
  readonly retryAtMs: number | null;
  /**
   * The order within its conversation: the position of the transmission's first event, or of
   * the redrive that re-opened it last.
   */
  readonly sequence: number;
}

/**
 * The right to advance one transmission until `leaseUntilMs`. `fence` grows with every claim
 * of the transmission, so an append guarded by an older claim is refused.
 */
export interface WorkClaim extends OpenTransmission {
  readonly owner: string;
  readonly fence: number;
  readonly leaseUntilMs: number;
}

export interface ClaimRequest {
  /** Who claims: one id per running worker (process), never reused. */
  readonly owner: string;
  readonly limit: number;
  readonly nowMs: number;
  readonly leaseMs: number;
}

export interface TransmissionCounts {
  readonly open: number;
  readonly rejected: number;
  readonly delivered: number;
  readonly deadLettered: number;
}

/** A transmission whose last event is a dead letter, as the projection holds it. */
export interface DeadLetteredTransmission {
  readonly streamId: string;
  readonly commandId: string;
  readonly conversationRef: string;
  /** Position of the dead letter (the stream's last event): the order of a listing. */
  readonly position: number;
}

export interface DeadLetterPageRequest {
  /** Dead letters after this position; 0 for the first page. */
  readonly afterPosition: number;
  readonly limit: number;
}

/**
 * The inline projection of transmission streams as work for any number of workers. Only the
 * oldest open transmission of a conversation can be claimed, and only while nobody holds a live
 * claim on it, so at most one transmission per conversation is in flight across all workers.
 * A claim whose lease expired can be taken by anyone: an attempt it had started is then
 * resumed as interrupted. The projection is written in the same transaction as the events.
 */
export interface TransmissionWorkQueue {
  /**
   * Claims up to `limit` conversation heads, oldest first: pending ones whose retry is due, and
   * in-flight ones whose holder's lease expired (or that a previous program left unclaimed).
   */
  claim(request: ClaimRequest): Promise<readonly WorkClaim[]>;
  /** Extends every live claim of `owner` to `nowMs + leaseMs`; returns how many it extended. */
  renew(owner: string, nowMs: number, leaseMs: number): Promise<number>;
  /** Gives the claim up (if still held), so the transmission can be claimed again when due. */
  release(claim: WorkClaim): Promise<void>;
  /** Ends every claim of an owner known to be gone, so its work is taken at once. */
  releaseOwner(owner: string): Promise<number>;
  /** Owners holding a claim whose lease has not expired by `nowMs`. */
  holders(nowMs: number): Promise<readonly string[]>;
  /** Transmissions by status; reads every transmission ever recorded (for reports). */
  counts(): Promise<TransmissionCounts>;
  /**
   * Transmissions still to do (`counts().open`) from the queue's open rows alone, so its cost
   * follows the backlog, not the ledger's length: what a metrics scrape asks every few seconds.
   */
  countOpen(): Promise<number>;
  /** Transmissions dead-lettered now (not re-driven since), oldest dead letter first. */
  listDeadLettered(page: DeadLetterPageRequest): Promise<readonly DeadLetteredTransmission[]>;
  /** Rebuilds the projection from the events, the source of truth (claims are dropped). */
  rebuild(): Promise<void>;
  /**
   * Optional: adapters that can push call `listener` when work may have become claimable (a new
   * transmission, one that became final, a released claim), from any worker on the ledger;
   * returns the unsubscribe. Polling stays the fallback, so a missed call only delays work.
   */
  onWorkAvailable?(listener: () => void): () => void;
  close(): Promise<void>;
}

export const TRANSMISSION_WORK_QUEUE: ServiceIdentifier<TransmissionWorkQueue> = Symbol.for(
  'gtx.TransmissionWorkQueue',
);
