import { concatMap, from, map, of, type OperatorFunction } from 'rxjs';
import { isFinal, type TransportFailure } from '../../../domain/index.js';
import type { LoadedTransmission } from '../transmission-stream.js';
import {
  settled,
  type DeliveryStep,
  type FailureCommandFactory,
  type RecordCommand,
} from './delivery-steps.js';

export const INTERRUPTED: TransportFailure = {
  kind: 'transient',
  status: null,
  code: 'ATTEMPT_INTERRUPTED',
  message: 'the worker stopped before the outcome of this attempt was recorded',
  retryAfterMs: null,
  correlationId: null,
};

export interface PrepareContext {
  readonly record: RecordCommand;
  readonly failure: FailureCommandFactory;
  readonly nowMs: () => number;
}

function contentErased(loaded: LoadedTransmission): boolean {
  const first = loaded.events[0];
  return first?.type === 'TransmissionRequested' && first.data.content.kind === 'erased';
}

function isDue(loaded: LoadedTransmission, nowMs: number): boolean {
  return loaded.state.retryAtMs === null || loaded.state.retryAtMs <= nowMs;
}

/**
 * Makes a freshly claimed transmission ready for an attempt: a final one is settled; a forgotten
 * guest's is abandoned; an attempt that an earlier holder left without an outcome is recorded
 * as interrupted (whether Genesys got it is unknown: the retry reuses the same messageId); one
 * whose retry is not due yet waits.
 */
export function prepareDelivery(ctx: PrepareContext): OperatorFunction<DeliveryStep, DeliveryStep> {
  return concatMap((step) => {
    if (step.kind !== 'ready') return of(step);
    if (isFinal(step.loaded.state)) return of(settled(step, 'final'));
    if (contentErased(step.loaded)) {
      return from(
        ctx.record(step.claim, step.loaded, { type: 'AbandonErased', nowMs: ctx.nowMs() }),
      ).pipe(map((loaded) => settled({ claim: step.claim, loaded }, 'final')));
    }
    const resumed =
      step.loaded.state.status === 'inFlight'
        ? from(ctx.record(step.claim, step.loaded, ctx.failure(INTERRUPTED)))
        : of(step.loaded);
    return resumed.pipe(
      map((loaded): DeliveryStep => {
        if (isFinal(loaded.state)) return settled({ claim: step.claim, loaded }, 'final');
        if (!isDue(loaded, ctx.nowMs()))
          return settled({ claim: step.claim, loaded }, 'retryLater');
        return { kind: 'ready', claim: step.claim, loaded };
      }),
    );
  });
}
