import { setMaxListeners } from 'node:events';
import {
  catchError,
  concatMap,
  defer,
  EMPTY,
  exhaustMap,
  finalize,
  from,
  interval,
  map,
  merge,
  mergeMap,
  of,
  ReplaySubject,
  Subject,
  takeUntil,
  tap,
  timer,
  type Observable,
  type Subscription,
} from 'rxjs';
import {
  decide,
  evolve,
  hasErrorCode,
  isGtxError,
  transmissionStreamId,
  type RetryPolicyConfig,
  type TransmissionCommand,
  type TransportFailure,
} from '../../domain/index.js';
import type {
  Clock,
  EventStore,
  Logger,
  MessagingTransport,
  PersonalDataVault,
  Random,
  TransmissionWorkQueue,
  TransportOutcome,
  TransportRequest,
  WorkClaim,
  WorkerIdentity,
} from '../ports/index.js';
import type { RateLimiter } from '../rate-limit/rate-limiter.js';
import { sleep } from '../timing.js';
import type { DeliveryStep } from './operators/delivery-steps.js';
import { ClaimKeeper, waitOut } from './claim-keeper.js';
import { DeliveryTrace } from './delivery-trace.js';
import type { TraceFields } from '../tracing/trace-metadata.js';
import { exhaustLatest } from './operators/exhaust-latest.js';
import { prepareDelivery } from './operators/prepare-delivery.operator.js';
import { recordOutcome } from './operators/record-outcome.operator.js';
import { scheduleRetry, type RetrySchedule } from './operators/schedule-retry.operator.js';
import { transmit } from './operators/transmit.operator.js';
import type { OutcomeRegistry } from './outcome-registry.js';
import { outcomeFromEvents } from './transmission-outcome.js';
import { loadOpenedTransmission, type LoadedTransmission } from './transmission-stream.js';

export interface PipelineConfig {
  /** Conversations sent to at once; order within one conversation always holds. */
  readonly concurrency: number;
  /** How often the work queue is asked for due work when nothing wakes the pipeline. */
  readonly pollIntervalMs: number;
  /** One attempt is abandoned (and retried) after this long. */
  readonly attemptTimeoutMs: number;
  /**
   * How long a claim holds without renewal. A worker renews its claims every third of it; work
   * of a worker that stops renewing (paused, partitioned, killed) is taken over once it ends.
   */
  readonly leaseMs: number;
  readonly retry: RetryPolicyConfig;
}

export const DEFAULT_PIPELINE_CONFIG: PipelineConfig = {
  concurrency: 16,
  pollIntervalMs: 250,
  attemptTimeoutMs: 30_000,
  leaseMs: 60_000,
  retry: {
    maxAttempts: 6,
    baseDelayMs: 250,
    maxDelayMs: 30_000,
    deadlineMs: 10 * 60_000,
  },
};

export interface PipelineDependencies {
  readonly events: EventStore;
  readonly work: TransmissionWorkQueue;
  readonly worker: WorkerIdentity;
  readonly transport: MessagingTransport;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly rateLimiter: RateLimiter;
  readonly outcomes: OutcomeRegistry;
  /** Opens each request's sealed content just before it is sent. */
  readonly vault: PersonalDataVault;
}

export interface PipelineObserver {
  onAttemptFinished?(outcome: TransportOutcome, request: TransportRequest): void;
}

/**
 * Claims work from the queue and drives each claimed transmission through the delivery
 * operators: prepare (resume an interrupted attempt, abandon erased content), transmit (behind
 * the rate limiter), record the outcome, schedule the retry. Work is claimed only for free
 * slots, so nothing is buffered beyond what is in flight; the queue hands out one transmission
 * per conversation at a time, across every worker on the ledger, so order holds within it.
 */
export class DeliveryPipeline {
  private readonly wake$ = new Subject<void>();
  /** Replays, so a stop during start-up still ends the demand once it is subscribed. */
  private readonly stopping$ = new ReplaySubject<void>(1);
  private readonly claims: ClaimKeeper;
  private readonly closeController = new AbortController();
  private subscription: Subscription | null = null;
  /** Ends the work queue's push of "work may be claimable", when it has one. */
  private stopWorkWakes: (() => void) | null = null;
  private finished: Promise<void> = Promise.resolve();
  /** Set by a crash-like stop: claims are left to expire, as a killed process leaves them. */
  private abandoned = false;
  private fault: unknown = null;

  constructor(
    private readonly deps: PipelineDependencies,
    private readonly config: PipelineConfig,
    private readonly observer: PipelineObserver = {},
  ) {
    // Every attempt and every rate-limit wait listens on the close signal until it ends:
    // up to `concurrency` listeners at once is normal, not a leak.
    setMaxListeners(0, this.closeController.signal);
    this.claims = new ClaimKeeper(deps.work, deps.worker, deps.clock, deps.logger, config.leaseMs);
  }

  start(): void {
    if (this.subscription !== null) return;
    // Work appended or freed by other workers wakes this one at once; the poll stays the fallback.
    this.stopWorkWakes =
      this.deps.work.onWorkAvailable?.(() => {
        this.wake();
      }) ?? null;
    const retryWakes$ = new Subject<number>();
    const { scheduler } = this.deps.clock;
    const demand$ = merge(
      of(undefined),
      this.wake$,
      interval(this.config.pollIntervalMs, scheduler),
      retryWakes$.pipe(mergeMap((delayMs) => timer(delayMs, scheduler))),
    ).pipe(takeUntil(this.stopping$));
    const deliveries$ = defer(() => this.claims.releaseGoneOwners()).pipe(
      concatMap(() => demand$),
      exhaustLatest(() => this.claimFreeSlots()),
      mergeMap((claims) => from(claims)),
      mergeMap((claim) => this.deliver(claim), this.config.concurrency),
    );
    const renewals$ = interval(Math.max(1, Math.floor(this.config.leaseMs / 3)), scheduler).pipe(
      takeUntil(this.stopping$),
      exhaustMap(() => this.claims.renew()),
      mergeMap(() => EMPTY),
    );
    this.finished = new Promise((resolve) => {
      this.subscription = merge(deliveries$, renewals$).subscribe({
        next: (schedule: RetrySchedule) => {
          if (schedule.wakeAtMs !== null) {
            retryWakes$.next(Math.max(0, schedule.wakeAtMs - this.deps.clock.now()));
          }
        },
        error: (error: unknown) => {
          this.onFatal(error);
          resolve();
        },
        complete: resolve,
      });
    });
  }

  /** Ask the queue for work now: new commands were appended or a slot came free. */
  wake(): void {
    this.wake$.next();
  }

  inFlightCount(): number {
    return this.claims.size;
  }

  /** The fault that stopped the pipeline, if one did. */
  faultCause(): unknown {
    return this.fault;
  }

  /**
   * Stops taking work. With `drain`, in-flight attempts get until `timeoutMs` to answer and are
   * then aborted (recorded as failed, so they resume on the next start). Without it, this
   * behaves like a crash: nothing more is recorded and claims are left to expire.
   */
  async stop(options: { drain: boolean; timeoutMs: number }): Promise<void> {
    this.stopWorkWakes?.();
    this.stopWorkWakes = null;
    if (!options.drain) {
      this.abandoned = true;
      this.subscription?.unsubscribe();
      this.closeController.abort();
      return;
    }
    this.stopping$.next();
    if (this.claims.size === 0) {
      this.subscription?.unsubscribe();
    } else {
      const timedOut = sleep(options.timeoutMs, this.deps.clock.scheduler).then(
        () => 'timeout' as const,
      );
      if ((await Promise.race([this.finished, timedOut])) === 'timeout') {
        this.closeController.abort();
        await this.finished;
      }
    }
    await this.claims.settled();
  }

  private claimFreeSlots(): Observable<readonly WorkClaim[]> {
    return defer(() => this.claims.take(this.config.concurrency - this.claims.size));
  }

  private deliver(claim: WorkClaim): Observable<RetrySchedule> {
    const trace = new DeliveryTrace(claim.commandId);
    const record = (
      held: WorkClaim,
      loaded: LoadedTransmission,
      command: TransmissionCommand,
    ): Promise<LoadedTransmission> =>
      trace.record(command, loaded, (fields) => this.record(held, loaded, command, fields));
    const failure = (value: TransportFailure): TransmissionCommand => this.failureCommand(value);
    const nowMs = (): number => this.deps.clock.now();
    let final = false;
    return defer(() => this.load(claim, trace)).pipe(
      map((loaded): DeliveryStep => ({ kind: 'ready', claim, loaded })),
      prepareDelivery({ record, failure, nowMs }),
      transmit({
        acquireSlot: () => this.deps.rateLimiter.acquire(this.closeController.signal),
        record,
        send: (request, signal) => trace.send(() => this.deps.transport.send(request, signal)),
        nowMs,
        attemptTimeoutMs: this.config.attemptTimeoutMs,
        closeSignal: this.closeController.signal,
        scheduler: this.deps.clock.scheduler,
        logger: this.deps.logger,
      }),
      recordOutcome({
        record,
        failure,
        nowMs,
        applyHint: (hint) => {
          this.deps.rateLimiter.applyHint(hint);
        },
        pauseUntil: (untilMs) => {
          this.deps.rateLimiter.pauseUntil(untilMs);
        },
        defaultRateLimitWaitMs: this.config.retry.baseDelayMs,
        onAttemptFinished: (step) => this.observer.onAttemptFinished?.(step.outcome, step.request),
      }),
      scheduleRetry(),
      tap((schedule) => {
        final = schedule.final;
      }),
      catchError((error: unknown) => this.lostWork(error, claim)),
      finalize(() => {
        trace.finish();
        this.claims.finish(claim, !final && !this.abandoned);
        if (!this.abandoned) this.wake();
      }),
    );
  }

  /**
   * Work another worker took over is not a fault of this one, and neither is a ledger that is
   * unavailable for a while (locked by another process, a full disk): what could not be recorded
   * is resumed as interrupted when the transmission is claimed again. Anything else stops the
   * pipeline.
   */
  private lostWork(error: unknown, claim: WorkClaim): Observable<RetrySchedule> {
    const notRecorded = { streamId: claim.streamId, wakeAtMs: null, final: false };
    if (hasErrorCode(error, 'WORK_CLAIM_LOST') || hasErrorCode(error, 'LEDGER_VERSION_CONFLICT')) {
      this.deps.logger.warn('transmission taken over by another worker; nothing recorded', {
        commandId: claim.commandId,
        code: error.code,
        worker: this.deps.worker.id,
      });
      return of(notRecorded);
    }
    return of(
      waitOut(
        this.deps.logger,
        this.deps.worker,
        error,
        'could not record a transmission step',
        notRecorded,
      ),
    );
  }

  private failureCommand(failure: TransportFailure): TransmissionCommand {
    return {
      type: 'RecordFailure',
      failure,
      nowMs: this.deps.clock.now(),
      jitter: this.deps.random.next(),
      retryPolicy: this.config.retry,
    };
  }

  private async load(claim: WorkClaim, trace: DeliveryTrace): Promise<LoadedTransmission> {
    const recorded = await this.deps.events.readStream(claim.streamId);
    trace.continueFrom(recorded[0]?.metadata);
    return loadOpenedTransmission(recorded, this.deps.vault);
  }

  /** Decides, appends under the claim, and tells waiters when the transmission became final. */
  private async record(
    claim: WorkClaim,
    loaded: LoadedTransmission,
    command: TransmissionCommand,
    trace: TraceFields,
  ): Promise<LoadedTransmission> {
    const commandId = loaded.state.commandId ?? claim.commandId;
    const held = this.claims.current(claim);
    const newEvents = decide(command, loaded.state);
    const appended = await this.deps.events.append({
      streamId: transmissionStreamId(commandId),
      expectedVersion: loaded.version,
      guard: { owner: held.owner, fence: held.fence },
      events: newEvents.map((event) => ({
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: event.data,
        // Which worker recorded the step: with several workers on one ledger, an auditor (and
        // the scale-out tests) can tell whose attempt each one was.
        metadata: { commandId, correlationId: commandId, worker: held.owner, ...trace },
      })),
    });
    // The append succeeded at the expected version, so folding locally is what a re-read
    // would give, without reading and decrypting the stream again.
    const next: LoadedTransmission = {
      events: [...loaded.events, ...newEvents],
      state: newEvents.reduce(evolve, loaded.state),
      version: appended.streamVersion,
    };
    const outcome = outcomeFromEvents(next.events, false);
    if (outcome !== null) {
      this.deps.outcomes.settle(outcome);
      this.deps.logger.info('transmission final', {
        commandId,
        status: outcome.status,
        attempts: 'attempts' in outcome ? outcome.attempts : 0,
      });
    }
    return next;
  }

  private onFatal(error: unknown): void {
    if (this.fault !== null || this.abandoned) return;
    this.fault = error;
    this.deps.logger.error('delivery pipeline stopped by a fault', {
      code: isGtxError(error) ? error.code : null,
      error: error instanceof Error ? error.message : String(error),
    });
    this.deps.outcomes.rejectAll(error);
  }
}
