import { timer, type SchedulerLike } from 'rxjs';

export class SleepAbortedError extends Error {
  constructor() {
    super('the wait was aborted');
  }
}

/**
 * Waits on an RxJS scheduler (virtual in tests), so every wait in the application obeys the
 * injected clock. Rejects with SleepAbortedError when the signal aborts; leaves no listener.
 */
export function sleep(ms: number, scheduler: SchedulerLike, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new SleepAbortedError());
      return;
    }
    const onAbort = (): void => {
      subscription.unsubscribe();
      reject(new SleepAbortedError());
    };
    const subscription = timer(Math.max(0, ms), scheduler).subscribe(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
