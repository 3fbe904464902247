import type { TransmissionOutcome } from './transmission-outcome.js';

interface Waiter {
  resolve(outcome: TransmissionOutcome): void;
  reject(error: unknown): void;
}

export interface PendingOutcome {
  readonly promise: Promise<TransmissionOutcome>;
  /** Stop waiting: the outcome came another way. */
  cancel(): void;
}

/** Callers waiting for a transmission to become final, by command id. */
export class OutcomeRegistry {
  private readonly waiters = new Map<string, Set<Waiter>>();

  wait(commandId: string): PendingOutcome {
    let waiter: Waiter | undefined;
    const promise = new Promise<TransmissionOutcome>((resolve, reject) => {
      waiter = { resolve, reject };
    });
    const registered = waiter as Waiter;
    const set = this.waiters.get(commandId) ?? new Set<Waiter>();
    set.add(registered);
    this.waiters.set(commandId, set);
    return {
      promise,
      cancel: () => {
        set.delete(registered);
        if (set.size === 0 && this.waiters.get(commandId) === set) this.waiters.delete(commandId);
      },
    };
  }

  settle(outcome: TransmissionOutcome): void {
    const set = this.waiters.get(outcome.commandId);
    if (set === undefined) return;
    this.waiters.delete(outcome.commandId);
    for (const waiter of set) waiter.resolve(outcome);
  }

  rejectAll(error: unknown): void {
    const sets = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of sets) for (const waiter of set) waiter.reject(error);
  }

  isWaiting(commandId: string): boolean {
    return this.waiters.has(commandId);
  }

  size(): number {
    return this.waiters.size;
  }
}
