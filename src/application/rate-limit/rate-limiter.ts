import type { Clock, RateLimitHint } from '../ports/index.js';
import { sleep, SleepAbortedError } from '../timing.js';

export interface RateLimiterOptions {
  readonly ratePerMinute: number;
  /** How many calls may go at once after an idle spell; 1 spaces every call evenly. */
  readonly burst: number;
  /**
   * When the server's `inin-ratelimit-*` headers say this few calls are left in its window,
   * wait for the window to reset instead of spending them into a 429.
   */
  readonly reserve: number;
}

/**
 * A GCRA (generic cell rate algorithm) limiter: each caller reserves the next free slot at
 * once, so waiting needs no queue and no per-token timer. A 429 pauses every caller until
 * `Retry-After`; server hints slow the pace before a 429 happens.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private nextSlotMs = Number.NEGATIVE_INFINITY;
  private pausedUntilMs = 0;
  private hintedIntervalMs = 0;
  private hintedUntilMs = 0;
  private waitedMs = 0;

  constructor(
    private readonly options: RateLimiterOptions,
    private readonly clock: Clock,
  ) {
    this.intervalMs = 60_000 / options.ratePerMinute;
    this.toleranceMs = (Math.max(1, options.burst) - 1) * this.intervalMs;
  }

  /** Resolves when the caller may send; rejects with SleepAbortedError on abort. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted === true) throw new SleepAbortedError();
      const now = this.clock.now();
      const slot = this.reserveSlot(now);
      if (slot > now) {
        this.waitedMs += slot - now;
        await sleep(slot - now, this.clock.scheduler, signal);
      }
      // A 429 that arrived while we waited moves every reserved slot behind the pause.
      if (this.clock.now() >= this.pausedUntilMs) return;
    }
  }

  /** The server said 429: nobody sends before `untilMs`. */
  pauseUntil(untilMs: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, untilMs);
  }

  applyHint(hint: RateLimitHint): void {
    const now = this.clock.now();
    const remaining = hint.allowed - hint.count;
    if (remaining <= this.options.reserve) {
      this.pauseUntil(now + hint.resetMs);
      return;
    }
    const spreadMs = hint.resetMs / remaining;
    if (spreadMs > this.intervalMs) {
      this.hintedIntervalMs = spreadMs;
      this.hintedUntilMs = now + hint.resetMs;
    }
  }

  /** Total time callers have spent waiting for a slot: a metric. */
  totalWaitMs(): number {
    return this.waitedMs;
  }

  private reserveSlot(now: number): number {
    const interval =
      now < this.hintedUntilMs ? Math.max(this.intervalMs, this.hintedIntervalMs) : this.intervalMs;
    const earliest = Math.max(now, this.pausedUntilMs, this.nextSlotMs - this.toleranceMs);
    this.nextSlotMs = Math.max(earliest, this.nextSlotMs) + interval;
    return earliest;
  }
}
