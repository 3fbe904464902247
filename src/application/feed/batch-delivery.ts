import type {
  AnalyticsBatch,
  AnalyticsSink,
  Clock,
  Logger,
  Random,
  SinkFailure,
  SinkOutcome,
} from '../ports/index.js';
import { sleep, SleepAbortedError } from '../timing.js';

export interface RetrySettings {
  /** The first backoff's ceiling; full jitter picks a wait in [0, ceiling). */
  readonly baseDelayMs: number;
  /** The largest ceiling, and the longest `Retry-After` honoured. */
  readonly maxDelayMs: number;
  /** Attempts per batch before giving up; `Infinity` for the live feed, which never drops. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetrySettings = {
  baseDelayMs: 500,
  maxDelayMs: 60_000,
  maxAttempts: Number.POSITIVE_INFINITY,
};

export interface DeliveryDeps {
  readonly sink: AnalyticsSink;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}

export type BatchResult =
  | { readonly delivered: true; readonly attempts: number }
  | { readonly delivered: false; readonly attempts: number; readonly failure: SinkFailure };

/**
 * How long to wait before attempt `attempt + 1`: the receiver's `Retry-After` for 429 and 503
 * when it gave one (capped), else full jitter: uniform in [0, min(max, base * 2^(attempt-1))).
 */
export function retryDelayMs(
  failure: SinkFailure,
  attempt: number,
  settings: RetrySettings,
  random: Random,
): number {
  if (
    (failure.kind === 'rateLimited' || failure.kind === 'unavailable') &&
    failure.retryAfterMs !== null
  ) {
    return Math.min(Math.max(0, failure.retryAfterMs), settings.maxDelayMs);
  }
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random.next() * ceiling);
}

/**
 * Delivers one batch, retrying until it is accepted, the receiver says it is gone (410), the
 * attempts run out, or `signal` aborts (a SleepAbortedError then). Waits run on the clock's
 * scheduler, so this runs in virtual time under test.
 */
export async function deliverWithRetry(
  deps: DeliveryDeps,
  batch: AnalyticsBatch,
  settings: RetrySettings,
  signal?: AbortSignal,
  onRetry?: (failure: SinkFailure, waitMs: number) => void,
): Promise<BatchResult> {
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted === true) throw new SleepAbortedError();
    const outcome: SinkOutcome = await deps.sink.deliver(batch, signal);
    if (outcome.ok) return { delivered: true, attempts: attempt };
    const { failure } = outcome;
    if (failure.kind === 'gone' || attempt >= settings.maxAttempts) {
      return { delivered: false, attempts: attempt, failure };
    }
    const waitMs = retryDelayMs(failure, attempt, settings, deps.random);
    deps.logger.warn('analytics batch not accepted; retrying', {
      batchId: batch.id,
      firstPosition: batch.firstPosition,
      lastPosition: batch.lastPosition,
      attempt,
      failure: failure.kind,
      status: failure.status,
      waitMs,
    });
    onRetry?.(failure, waitMs);
    await sleep(waitMs, deps.clock.scheduler, signal);
  }
}
