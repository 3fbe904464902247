import { map, type OperatorFunction } from 'rxjs';
import type { DeliveryStep } from './delivery-steps.js';

/** When the pipeline should look for this transmission again: now, later, or never. */
export interface RetrySchedule {
  readonly streamId: string;
  /** Null when the transmission is final (or the pipeline stopped): no wake-up needed. */
  readonly wakeAtMs: number | null;
  /** Final: its row left the work queue with its claim, so there is nothing to release. */
  readonly final: boolean;
}

/**
 * Turns a settled transmission into the time the pipeline must wake to claim it again. The claim
 * is given up in between, so the retry can go to whichever worker is free when it is due.
 */
export function scheduleRetry(): OperatorFunction<DeliveryStep, RetrySchedule> {
  return map((step) => {
    if (step.kind !== 'settled') {
      throw new Error(`delivery of ${step.claim.commandId} ended at step ${step.kind}`);
    }
    const retryAtMs = step.reason === 'retryLater' ? step.loaded.state.retryAtMs : null;
    return { streamId: step.claim.streamId, wakeAtMs: retryAtMs, final: step.reason === 'final' };
  });
}
