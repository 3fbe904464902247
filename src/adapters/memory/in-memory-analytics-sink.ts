import { firstValueFrom, timer } from 'rxjs';
import type {
  AnalyticsBatch,
  AnalyticsSink,
  Clock,
  SinkFailure,
  SinkOutcome,
} from '../../application/ports/index.js';

export interface SinkCall {
  readonly batch: AnalyticsBatch;
  readonly at: number;
  readonly outcome: SinkOutcome;
}

/**
 * The sink's twin for unit tests of the feed: answers follow a script (then `fallback`), every
 * call is recorded with its virtual time, and accepted batches are kept in order.
 */
export class InMemoryAnalyticsSink implements AnalyticsSink {
  readonly target = 'memory:analytics';
  private readonly script: SinkFailure[] = [];
  private readonly recorded: SinkCall[] = [];
  private fallback: SinkFailure | null = null;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly latencyMs = 0,
  ) {}

  /** The next `count` calls fail this way. */
  failNext(count: number, failure: SinkFailure): this {
    for (let i = 0; i < count; i++) this.script.push(failure);
    return this;
  }

  /** Every call fails this way until `recover()`: a receiver that is down. */
  failAll(failure: SinkFailure): this {
    this.fallback = failure;
    return this;
  }

  recover(): this {
    this.fallback = null;
    this.script.length = 0;
    return this;
  }

  calls(): readonly SinkCall[] {
    return this.recorded;
  }

  accepted(): readonly AnalyticsBatch[] {
    return this.recorded.filter((call) => call.outcome.ok).map((call) => call.batch);
  }

  async deliver(batch: AnalyticsBatch, signal?: AbortSignal): Promise<SinkOutcome> {
    if (this.closed) throw new Error('InMemoryAnalyticsSink is closed');
    const at = this.clock.now();
    if (this.latencyMs > 0) await firstValueFrom(timer(this.latencyMs, this.clock.scheduler));
    const failure = this.script.shift() ?? this.fallback;
    const outcome: SinkOutcome =
      signal?.aborted === true
        ? {
            ok: false,
            failure: { kind: 'network', status: null, retryAfterMs: null, detail: 'aborted' },
          }
        : failure === null
          ? { ok: true, status: 200 }
          : { ok: false, failure };
    this.recorded.push({ batch, at, outcome });
    return outcome;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** A failure as the webhook sink reports it for an HTTP status. */
export function httpFailure(
  kind: SinkFailure['kind'],
  status: number | null,
  retryAfterMs: number | null = null,
): SinkFailure {
  return { kind, status, retryAfterMs, detail: `scripted ${kind}` };
}
