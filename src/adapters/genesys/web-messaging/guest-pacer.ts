import type { Clock } from '../../../application/ports/index.js';
import { sleep, SleepAbortedError } from '../../../application/timing.js';

/**
 * Spaces one guest's `onMessage` frames (the server allows 2 per session per second) on the
 * Clock, and holds that guest alone when the server answers 4029 with `retryAfter`. Each caller
 * reserves the next free slot at once, so concurrent sends of one guest queue without a list.
 */
export class GuestPacer {
  private nextSlotMs = Number.NEGATIVE_INFINITY;
  private pausedUntilMs = 0;

  constructor(
    private readonly gapMs: number,
    private readonly clock: Clock,
  ) {}

  /** Resolves when the guest may send; rejects with SleepAbortedError on abort. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted === true) throw new SleepAbortedError();
      const now = this.clock.now();
      const slot = Math.max(now, this.pausedUntilMs, this.nextSlotMs);
      this.nextSlotMs = slot + this.gapMs;
      if (slot > now) await sleep(slot - now, this.clock.scheduler, signal);
      // A 4029 that arrived while we waited moves us behind the pause.
      if (this.clock.now() >= this.pausedUntilMs) return;
    }
  }

  /** The server said 4029 for this guest: nothing of theirs is sent before `untilMs`. */
  pauseUntil(untilMs: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, untilMs);
  }

  pausedUntil(): number {
    return this.pausedUntilMs;
  }
}
