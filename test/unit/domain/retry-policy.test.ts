import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  backoffDelayMs,
  decideRetry,
  type RetryPolicyConfig,
  type TransportFailure,
} from '../../../src/domain/index.js';

const config: RetryPolicyConfig = {
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  deadlineMs: 60_000,
};

function failure(
  kind: TransportFailure['kind'],
  retryAfterMs: number | null = null,
): TransportFailure {
  return { kind, status: null, code: null, message: null, retryAfterMs, correlationId: null };
}

describe('retry policy', () => {
  it.each([
    [
      'permanent never retries',
      failure('permanent'),
      1,
      { action: 'giveUp', reason: 'permanentFailure' },
    ],
    [
      'transient retries with jittered backoff',
      failure('transient'),
      1,
      { action: 'retry', delayMs: 50 },
    ],
    [
      'transient honours a longer Retry-After',
      failure('transient', 3_000),
      1,
      { action: 'retry', delayMs: 3_000 },
    ],
    [
      'rate limit waits Retry-After',
      failure('rateLimited', 2_000),
      0,
      { action: 'retry', delayMs: 2_000 },
    ],
    ['auth expiry retries at once', failure('authExpired'), 1, { action: 'retry', delayMs: 0 }],
    [
      'the last attempt gives up',
      failure('transient'),
      4,
      { action: 'giveUp', reason: 'attemptsExhausted' },
    ],
    [
      'a rate limit never exhausts attempts',
      failure('rateLimited', 1_000),
      4,
      { action: 'retry', delayMs: 1_000 },
    ],
  ] as const)('%s', (_name, f, countedFailures, expected) => {
    expect(
      decideRetry({ failure: f, countedFailures, elapsedMs: 0, jitter: 0.5 }, config),
    ).toMatchObject(expected);
  });

  it('gives up when the next attempt would start after the deadline', () => {
    expect(
      decideRetry(
        {
          failure: failure('rateLimited', 5_000),
          countedFailures: 0,
          elapsedMs: 56_000,
          jitter: 0,
        },
        config,
      ),
    ).toMatchObject({ action: 'giveUp', reason: 'deadlineExceeded' });
  });

  it('backoff grows exponentially and is capped', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffDelayMs(n, 0.999_999, config))).toEqual([
      99, 199, 399, 799, 4_999,
    ]);
  });

  it('full jitter stays within [0, ceiling) for any draw, even out-of-range ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double(), (n, jitter) => {
        const delay = backoffDelayMs(n, jitter, config);
        return delay >= 0 && delay < config.maxDelayMs && Number.isInteger(delay);
      }),
    );
  });
});
