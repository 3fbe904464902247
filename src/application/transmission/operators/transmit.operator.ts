import {
  catchError,
  concatMap,
  defer,
  finalize,
  from,
  map,
  of,
  timeout,
  type ObservableInput,
  type OperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import type { TransportFailure } from '../../../domain/index.js';
import type { Logger, TransportOutcome, TransportRequest } from '../../ports/index.js';
import { SleepAbortedError } from '../../timing.js';
import type { LoadedTransmission } from '../transmission-stream.js';
import { settled, type DeliveryStep, type RecordCommand } from './delivery-steps.js';

export const ABORTED_BY_CLOSE: TransportFailure = {
  kind: 'transient',
  status: null,
  code: 'ATTEMPT_ABORTED',
  message: 'the transmitter closed before the attempt answered',
  retryAfterMs: null,
  correlationId: null,
};

export function attemptTimedOut(timeoutMs: number): TransportFailure {
  return {
    kind: 'transient',
    status: null,
    code: 'ATTEMPT_TIMEOUT',
    message: `no answer within ${timeoutMs} ms`,
    retryAfterMs: null,
    correlationId: null,
  };
}

const TRANSPORT_ERROR: TransportFailure = {
  kind: 'transient',
  status: null,
  code: 'TRANSPORT_ERROR',
  message: 'the transport raised an unexpected error',
  retryAfterMs: null,
  correlationId: null,
};

export interface TransmitContext {
  /** Waits for the client's rate limiter; rejects with SleepAbortedError when closing. */
  readonly acquireSlot: () => ObservableInput<void>;
  readonly record: RecordCommand;
  readonly send: (
    request: TransportRequest,
    signal: AbortSignal,
  ) => ObservableInput<TransportOutcome>;
  readonly nowMs: () => number;
  readonly attemptTimeoutMs: number;
  /** Aborted when the transmitter closes: attempts then answer ABORTED and are recorded so. */
  readonly closeSignal: AbortSignal;
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
}

/** The request the transport sends: the opened content of the transmission's request event. */
export function requestFor(loaded: LoadedTransmission): Omit<TransportRequest, 'pace'> {
  const first = loaded.events[0];
  if (first?.type !== 'TransmissionRequested') {
    throw new Error(
      `transmission ${loaded.state.commandId ?? '?'} has no TransmissionRequested event`,
    );
  }
  const { content } = first.data;
  if (content.kind === 'erased' || content.kind === 'unopened') {
    throw new Error(`transmission ${first.data.commandId} has no ${content.kind} content to send`);
  }
  return {
    commandId: first.data.commandId,
    kind: first.data.kind,
    conversationRef: first.data.conversationRef,
    content,
    attempt: loaded.state.attempts,
  };
}

/**
 * Sends a ready transmission behind the rate limiter: waits for a slot, records the attempt's
 * start (before the call, so a crash mid-call is seen as interrupted), then calls the transport
 * with the attempt timeout. Every answer becomes an outcome value; nothing here throws for a
 * failed send.
 */
export function transmit(ctx: TransmitContext): OperatorFunction<DeliveryStep, DeliveryStep> {
  return concatMap((step) => {
    if (step.kind !== 'ready') return of(step);
    return from(ctx.acquireSlot()).pipe(
      concatMap(() =>
        ctx.record(step.claim, step.loaded, { type: 'StartAttempt', nowMs: ctx.nowMs() }),
      ),
      concatMap((loaded) => {
        const request: TransportRequest = {
          ...requestFor(loaded),
          pace: () => toPromise(ctx.acquireSlot()),
        };
        return sendOnce(ctx, request).pipe(
          map((outcome): DeliveryStep => ({
            kind: 'attempted',
            claim: step.claim,
            loaded,
            request,
            outcome,
          })),
        );
      }),
      catchError((error: unknown) => {
        if (error instanceof SleepAbortedError) return of(settled(step, 'stopped'));
        throw error;
      }),
    );
  });
}

function sendOnce(ctx: TransmitContext, request: TransportRequest) {
  return defer(() => {
    const attempt = new AbortController();
    const onClose = (): void => {
      attempt.abort();
    };
    ctx.closeSignal.addEventListener('abort', onClose, { once: true });
    return from(ctx.send(request, attempt.signal)).pipe(
      catchError((error: unknown) => {
        ctx.logger.error('transport rejected instead of answering a failure', {
          commandId: request.commandId,
          error: error instanceof Error ? error.message : String(error),
        });
        return of<TransportOutcome>({ ok: false, failure: TRANSPORT_ERROR });
      }),
      timeout({
        first: ctx.attemptTimeoutMs,
        scheduler: ctx.scheduler,
        with: () =>
          of<TransportOutcome>({ ok: false, failure: attemptTimedOut(ctx.attemptTimeoutMs) }),
      }),
      map((outcome): TransportOutcome => {
        const abortedByClose =
          !outcome.ok && outcome.failure.code === 'ABORTED' && ctx.closeSignal.aborted;
        return abortedByClose ? { ok: false, failure: ABORTED_BY_CLOSE } : outcome;
      }),
      finalize(() => {
        ctx.closeSignal.removeEventListener('abort', onClose);
        // Ends the call on timeout, and on a crash-like stop that drops the attempt.
        attempt.abort();
      }),
    );
  });
}

function toPromise(input: ObservableInput<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    from(input).subscribe({ complete: resolve, error: reject });
  });
}
