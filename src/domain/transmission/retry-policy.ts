import type { DeadLetterReason, FailureKind } from './events.js';

export interface RetryPolicyConfig {
  /** Attempts that count: rate-limit waits do not use one up. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** From the first attempt; past it the transmission is dead-lettered. */
  readonly deadlineMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyConfig = {
  maxAttempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  deadlineMs: 10 * 60_000,
};

export interface TransportFailure {
  readonly kind: FailureKind;
  readonly status: number | null;
  readonly code: string | null;
  readonly message: string | null;
  readonly retryAfterMs: number | null;
  readonly correlationId: string | null;
}

export type RetryDecision =
  | { readonly action: 'retry'; readonly delayMs: number }
  | { readonly action: 'giveUp'; readonly reason: DeadLetterReason; readonly detail: string };

export interface RetryInput {
  readonly failure: TransportFailure;
  /** Failures so far that count against maxAttempts, this one included. */
  readonly countedFailures: number;
  readonly elapsedMs: number;
  /** A number in [0, 1): the full-jitter draw, supplied from outside the domain. */
  readonly jitter: number;
}

export function countsAsAttempt(kind: FailureKind): boolean {
  return kind !== 'rateLimited';
}

/** Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). */
export function backoffDelayMs(
  countedFailures: number,
  jitter: number,
  config: RetryPolicyConfig,
): number {
  const exponent = Math.max(0, countedFailures - 1);
  const ceiling = Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** Math.min(exponent, 30));
  return Math.floor(clampUnit(jitter) * ceiling);
}

export function decideRetry(input: RetryInput, config: RetryPolicyConfig): RetryDecision {
  const { failure } = input;
  if (failure.kind === 'permanent') {
    return { action: 'giveUp', reason: 'permanentFailure', detail: describeFailure(failure) };
  }
  if (countsAsAttempt(failure.kind) && input.countedFailures >= config.maxAttempts) {
    return {
      action: 'giveUp',
      reason: 'attemptsExhausted',
      detail: `${input.countedFailures} attempts failed; last: ${describeFailure(failure)}`,
    };
  }
  const delayMs = retryDelayMs(input, config);
  if (input.elapsedMs + delayMs > config.deadlineMs) {
    return {
      action: 'giveUp',
      reason: 'deadlineExceeded',
      detail: `the next attempt would start after the ${config.deadlineMs} ms deadline; last: ${describeFailure(failure)}`,
    };
  }
  return { action: 'retry', delayMs };
}

function retryDelayMs(input: RetryInput, config: RetryPolicyConfig): number {
  const serverAsked = input.failure.retryAfterMs ?? 0;
  switch (input.failure.kind) {
    case 'rateLimited':
      return Math.max(serverAsked, config.baseDelayMs);
    case 'authExpired':
      // The transport has already logged in again; retry at once.
      return serverAsked;
    case 'transient':
      return Math.max(serverAsked, backoffDelayMs(input.countedFailures, input.jitter, config));
    case 'permanent':
      return 0;
  }
}

function describeFailure(failure: TransportFailure): string {
  const parts: string[] = [failure.kind];
  if (failure.status !== null) parts.push(`status ${failure.status}`);
  if (failure.code !== null) parts.push(failure.code);
  return parts.join(' ');
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 0.999_999 : value;
}
