import { injectable } from 'inversify';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Clock } from '../../application/ports/index.js';

@injectable()
export class SystemClock implements Clock {
  readonly scheduler: SchedulerLike = asyncScheduler;

  now(): number {
    return Date.now();
  }
}
