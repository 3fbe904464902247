import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { RateLimiter } from '../../../../src/application/rate-limit/rate-limiter.js';
import { SleepAbortedError } from '../../../../src/application/timing.js';

/** Acquires `count` slots in order and returns the virtual time each was granted at. */
async function grantTimes(
  clock: VirtualClock,
  limiter: RateLimiter,
  count: number,
): Promise<number[]> {
  const start = clock.now();
  const times: number[] = [];
  const all = Array.from({ length: count }, () =>
    limiter.acquire().then(() => times.push(clock.now() - start)),
  );
  await clock.runUntilSettled(Promise.all(all));
  return times.sort((a, b) => a - b);
}

describe('RateLimiter (GCRA)', () => {
  it('spaces calls evenly at the configured rate with burst 1', async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ ratePerMinute: 600, burst: 1, reserve: 1 }, clock);
    expect(await grantTimes(clock, limiter, 5)).toEqual([0, 100, 200, 300, 400]);
    expect(limiter.totalWaitMs()).toBe(100 + 200 + 300 + 400);
  });

  it('lets a burst through at once after an idle spell, then paces', async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ ratePerMinute: 600, burst: 3, reserve: 1 }, clock);
    expect(await grantTimes(clock, limiter, 5)).toEqual([0, 0, 0, 100, 200]);
  });

  it('never grants more than the rate in any window of a minute', async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ ratePerMinute: 120, burst: 1, reserve: 1 }, clock);
    const times = await grantTimes(clock, limiter, 300);
    for (let i = 0; i + 120 < times.length; i++)
      expect(times[i + 120]! - times[i]!).toBeGreaterThanOrEqual(60_000);
  });

  it('a 429 pause holds back slots that were already reserved', async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ ratePerMinute: 600, burst: 1, reserve: 1 }, clock);
    const times: number[] = [];
    const all = Array.from({ length: 3 }, () =>
      limiter.acquire().then(() => times.push(clock.now())),
    );
    const start = clock.now();
    await clock.advanceBy(1);
    limiter.pauseUntil(start + 5_000);
    await clock.runUntilSettled(Promise.all(all));
    expect(times[0]).toBe(start);
    expect(times.slice(1).every((t) => t >= start + 5_000)).toBe(true);
  });

  it('waits for the server window to reset when its hints say the budget is spent', async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ ratePerMinute: 6_000, burst: 1, reserve: 2 }, clock);
    limiter.applyHint({ allowed: 300, count: 298, resetMs: 7_000 });
    expect(await grantTimes(clock, limiter, 1)).toEqual([7_000]);
  });

  it('slows to the budget the hints leave instead of spending it into a 429', async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ ratePerMinute: 6_000, burst: 1, reserve: 1 }, clock);
    limiter.applyHint({ allowed: 300, count: 290, resetMs: 10_000 });
    const times = await grantTimes(clock, limiter, 3);
    expect(times[1]! - times[0]!).toBe(1_000);
    expect(times[2]! - times[1]!).toBe(1_000);
  });

  it('an abort while waiting rejects with SleepAbortedError', async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ ratePerMinute: 60, burst: 1, reserve: 1 }, clock);
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(SleepAbortedError);
  });
});
