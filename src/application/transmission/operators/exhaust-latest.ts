import { concatMap, defer, finalize, from, Subject, throttle } from 'rxjs';
import type { ObservableInput, OperatorFunction } from 'rxjs';

/**
 * Like `exhaustMap`, but a value that arrives while a projection runs is not lost: the latest
 * such value runs once when the current one ends. A burst of wake-ups during a fetch therefore
 * becomes exactly one more fetch, never a queue of them and never a missed one.
 */
export function exhaustLatest<T, R>(
  project: (value: T) => ObservableInput<R>,
): OperatorFunction<T, R> {
  return (source) =>
    defer(() => {
      const finished = new Subject<void>();
      return source.pipe(
        throttle(() => finished, { leading: true, trailing: true }),
        concatMap((value) =>
          from(project(value)).pipe(
            finalize(() => {
              finished.next();
            }),
          ),
        ),
      );
    });
}
