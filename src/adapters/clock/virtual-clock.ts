import { VirtualAction, VirtualTimeScheduler, type SchedulerLike } from 'rxjs';
import type { Clock } from '../../application/ports/index.js';
import { GtxError } from '../../domain/index.js';

const DEFAULT_START = Date.UTC(2026, 0, 1);

/** A promise given to `runUntilSettled` was still pending when its virtual time ran out. */
export class VirtualTimeExhaustedError extends GtxError {
  constructor(maxMs: number) {
    super(
      'VIRTUAL_TIME_EXHAUSTED',
      `still pending after ${maxMs} ms of virtual time: is something waiting on real I/O?`,
      { details: { maxMs } },
    );
  }
}

/**
 * A clock whose time moves only when a test says so. Timers scheduled on its RxJS scheduler
 * fire in order as time is advanced, and between two timers the promise work they started
 * (ledger writes, transport answers) is allowed to settle, so async pipelines run in
 * virtual time without real sleeps.
 */
export class VirtualClock implements Clock {
  private readonly virtual = new VirtualTimeScheduler(VirtualAction, 0);
  readonly scheduler: SchedulerLike;
  private readonly startEpochMs: number;

  constructor(
    startEpochMs: number = DEFAULT_START,
    private readonly settleTurns = 8,
  ) {
    this.startEpochMs = startEpochMs;
    // The scheduler counts frames from zero; its now() must agree with the epoch clock.
    this.virtual.now = () => this.now();
    this.scheduler = this.virtual;
  }

  now(): number {
    return this.startEpochMs + this.virtual.frame;
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advanceBy(ms: number): Promise<void> {
    await this.advanceTo(this.virtual.frame + ms);
  }

  /** Advances in steps until `condition()` holds or `maxMs` of virtual time has passed. */
  async advanceUntil(condition: () => boolean, maxMs = 3_600_000, stepMs = 10): Promise<boolean> {
    const limit = this.virtual.frame + maxMs;
    await this.settle();
    while (!condition()) {
      if (this.virtual.frame >= limit) return false;
      await this.advanceTo(Math.min(limit, this.virtual.frame + stepMs));
    }
    return true;
  }

  /**
   * Advances virtual time until `promise` settles, then resolves or rejects as it did. Rejects
   * with a `VIRTUAL_TIME_EXHAUSTED` error when `maxMs` of virtual time pass first.
   */
  async runUntilSettled<T>(promise: Promise<T>, maxMs = 3_600_000): Promise<T> {
    let settled = false;
    const observed = promise.then(
      (value) => {
        settled = true;
        return value;
      },
      (error: unknown) => {
        settled = true;
        throw error;
      },
    );
    // Seen by advanceUntil; a rejection is rethrown below, never left unhandled.
    observed.catch(() => undefined);
    if (!(await this.advanceUntil(() => settled, maxMs))) {
      throw new VirtualTimeExhaustedError(maxMs);
    }
    return observed;
  }

  /** Lets pending promise callbacks and immediates run without moving time. */
  async settle(): Promise<void> {
    for (let turn = 0; turn < this.settleTurns; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  pendingTimers(): number {
    return this.virtual.actions.length;
  }

  private async advanceTo(targetFrame: number): Promise<void> {
    await this.settle();
    for (;;) {
      const next = this.virtual.actions[0];
      if (next === undefined || next.delay > targetFrame) break;
      this.virtual.maxFrames = next.delay;
      this.virtual.flush();
      await this.settle();
    }
    this.virtual.frame = Math.max(this.virtual.frame, targetFrame);
  }
}
