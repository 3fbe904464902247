import { concatMap, from, map, of, type OperatorFunction } from 'rxjs';
import { isFinal } from '../../../domain/index.js';
import type { RateLimitHint } from '../../ports/index.js';
import {
  settled,
  type DeliveryStep,
  type FailureCommandFactory,
  type RecordCommand,
} from './delivery-steps.js';

export interface RecordOutcomeContext {
  readonly record: RecordCommand;
  readonly failure: FailureCommandFactory;
  readonly nowMs: () => number;
  /** The server's `inin-ratelimit-*` hints slow the client before a 429. */
  readonly applyHint: (hint: RateLimitHint) => void;
  /** A client-wide 429 pauses every conversation until then. */
  readonly pauseUntil: (untilMs: number) => void;
  readonly defaultRateLimitWaitMs: number;
  readonly onAttemptFinished?: (step: Extract<DeliveryStep, { kind: 'attempted' }>) => void;
}

/**
 * Records what the transport answered: a delivery, or a failure that the decider turns into a
 * retry time or a dead letter. A 429 for the whole client pauses the rate limiter; one scoped to
 * the conversation only delays this transmission, through its own retry time.
 */
export function recordOutcome(
  ctx: RecordOutcomeContext,
): OperatorFunction<DeliveryStep, DeliveryStep> {
  return concatMap((step) => {
    if (step.kind !== 'attempted') return of(step);
    ctx.onAttemptFinished?.(step);
    const { outcome, claim } = step;
    if (outcome.rateLimit !== undefined) ctx.applyHint(outcome.rateLimit);
    if (outcome.ok) {
      return from(
        ctx.record(claim, step.loaded, {
          type: 'RecordDelivery',
          genesysMessageId: outcome.genesysMessageId,
          genesysConversationId: outcome.genesysConversationId,
          correlationId: outcome.correlationId,
          nowMs: ctx.nowMs(),
        }),
      ).pipe(map((loaded) => settled({ claim, loaded }, 'final')));
    }
    if (outcome.failure.kind === 'rateLimited' && outcome.rateLimitScope !== 'conversation') {
      ctx.pauseUntil(ctx.nowMs() + (outcome.failure.retryAfterMs ?? ctx.defaultRateLimitWaitMs));
    }
    return from(ctx.record(claim, step.loaded, ctx.failure(outcome.failure))).pipe(
      map((loaded) => settled({ claim, loaded }, isFinal(loaded.state) ? 'final' : 'retryLater')),
    );
  });
}
