import type { ObservableInput } from 'rxjs';
import type { TransmissionCommand, TransportFailure } from '../../../domain/index.js';
import type { TransportOutcome, TransportRequest, WorkClaim } from '../../ports/index.js';
import type { LoadedTransmission } from '../transmission-stream.js';

/**
 * One claimed transmission on its way through the delivery operators. Each operator handles the
 * steps it knows and passes the others on, so a transmission that needs nothing more (final,
 * not due yet, erased) flows to the end as `settled`.
 */
export type DeliveryStep =
  | { readonly kind: 'ready'; readonly claim: WorkClaim; readonly loaded: LoadedTransmission }
  | {
      readonly kind: 'attempted';
      readonly claim: WorkClaim;
      readonly loaded: LoadedTransmission;
      readonly request: TransportRequest;
      readonly outcome: TransportOutcome;
    }
  | {
      readonly kind: 'settled';
      readonly claim: WorkClaim;
      readonly loaded: LoadedTransmission;
      /** Why nothing more happens now: final, waiting for its retry time, or stopped. */
      readonly reason: 'final' | 'retryLater' | 'stopped';
    };

export type ReadyStep = Extract<DeliveryStep, { kind: 'ready' }>;
export type AttemptedStep = Extract<DeliveryStep, { kind: 'attempted' }>;
export type SettledStep = Extract<DeliveryStep, { kind: 'settled' }>;

/** Decides and appends one command for the claimed transmission (guarded by the claim). */
export type RecordCommand = (
  claim: WorkClaim,
  loaded: LoadedTransmission,
  command: TransmissionCommand,
) => ObservableInput<LoadedTransmission>;

export interface FailureCommandFactory {
  (failure: TransportFailure): TransmissionCommand;
}

export function settled(
  step: { readonly claim: WorkClaim; readonly loaded: LoadedTransmission },
  reason: SettledStep['reason'],
): SettledStep {
  return { kind: 'settled', claim: step.claim, loaded: step.loaded, reason };
}
