import type { ServiceIdentifier } from 'inversify';
import type { SchedulerLike } from 'rxjs';

/** Time comes from here only, so tests can run the pipeline in virtual time. */
export interface Clock {
  now(): number;
  /** The RxJS scheduler every timer in the pipeline runs on; its `now()` agrees with `now()`. */
  readonly scheduler: SchedulerLike;
}

export const CLOCK: ServiceIdentifier<Clock> = Symbol.for('gtx.Clock');
