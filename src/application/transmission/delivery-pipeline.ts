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
  private readonly held = new Map<string, WorkClaim>();
  /** Releases still being written, so closing waits for them before the ledger closes. */
  private readonly releasing = new Set<Promise<void>>();
  private readonly closeController = new AbortController();
  private subscription: Subscription | null = null;
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
  }

  start(): void {
    if (this.subscription !== null) return;
    const retryWakes$ = new Subject<number>();
    const { scheduler } = this.deps.clock;
    const demand$ = merge(
      of(undefined),
      this.wake$,
      interval(this.config.pollIntervalMs, scheduler),
      retryWakes$.pipe(mergeMap((delayMs) => timer(delayMs, scheduler))),
    ).pipe(takeUntil(this.stopping$));
    const deliveries$ = defer(() => this.releaseGoneOwners()).pipe(
      concatMap(() => demand$),
      exhaustLatest(() => this.claimFreeSlots()),
      mergeMap((claims) => from(claims)),
      mergeMap((claim) => this.deliver(claim), this.config.concurrency),
    );
    const renewals$ = interval(Math.max(1, Math.floor(this.config.leaseMs / 3)), scheduler).pipe(
      takeUntil(this.stopping$),
      exhaustMap(() => this.renewClaims()),
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
    return this.held.size;
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
    if (!options.drain) {
      this.abandoned = true;
      this.subscription?.unsubscribe();
      this.closeController.abort();
      return;
    }
    this.stopping$.next();
    if (this.held.size === 0) {
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
    await Promise.all(this.releasing);
  }

  private claimFreeSlots(): Observable<readonly WorkClaim[]> {
    return defer(async () => {
      const free = this.config.concurrency - this.held.size;
      if (free <= 0) return [];
      const claims = await this.deps.work.claim({
        owner: this.deps.worker.id,
        limit: free,
        nowMs: this.deps.clock.now(),
        leaseMs: this.config.leaseMs,
      });
      // Work this worker already holds comes back when its own lease lapsed (a renewal that
      // failed): the attempt in flight goes on under the fresh claim instead of starting twice.
      const fresh = claims.filter((claim) => !this.held.has(claim.streamId));
      for (const claim of claims) this.held.set(claim.streamId, claim);
      return fresh;
    });
  }

  private deliver(claim: WorkClaim): Observable<RetrySchedule> {
    const record = (
      held: WorkClaim,
      loaded: LoadedTransmission,
      command: TransmissionCommand,
    ): Promise<LoadedTransmission> => this.record(held, loaded, command);
    const failure = (value: TransportFailure): TransmissionCommand => this.failureCommand(value);
    const nowMs = (): number => this.deps.clock.now();
    let final = false;
    return defer(() => this.load(claim)).pipe(
      map((loaded): DeliveryStep => ({ kind: 'ready', claim, loaded })),
      prepareDelivery({ record, failure, nowMs }),
      transmit({
        acquireSlot: () => this.deps.rateLimiter.acquire(this.closeController.signal),
        record,
        send: (request, signal) => this.deps.transport.send(request, signal),
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
        const held = this.held.get(claim.streamId) ?? claim;
        this.held.delete(claim.streamId);
        if (this.abandoned) return;
        if (!final) this.releaseClaim(held);
        this.wake();
      }),
    );
  }

  /** Work another worker took over is not a fault of this one; anything else stops it. */
  private lostWork(error: unknown, claim: WorkClaim): Observable<RetrySchedule> {
    if (hasErrorCode(error, 'WORK_CLAIM_LOST') || hasErrorCode(error, 'LEDGER_VERSION_CONFLICT')) {
      this.deps.logger.warn('transmission taken over by another worker; nothing recorded', {
        commandId: claim.commandId,
        code: error.code,
        worker: this.deps.worker.id,
      });
      return of({ streamId: claim.streamId, wakeAtMs: null, final: false });
    }
    throw error;
  }

  private releaseClaim(claim: WorkClaim): void {
    const released = this.deps.work
      .release(claim)
      .catch((error: unknown) => {
        // The lease ends by itself; a failed release only delays the next claim of this work.
        this.deps.logger.warn('could not release a work claim', {
          commandId: claim.commandId,
          code: isGtxError(error) ? error.code : null,
        });
      })
      .finally(() => this.releasing.delete(released));
    this.releasing.add(released);
  }

  private async releaseGoneOwners(): Promise<void> {
    const holders = await this.deps.work.holders(this.deps.clock.now());
    for (const owner of holders) {
      if (!this.deps.worker.isGone(owner)) continue;
      const released = await this.deps.work.releaseOwner(owner);
      this.deps.logger.info('resuming the work of a worker that has exited', { owner, released });
    }
  }

  private async renewClaims(): Promise<void> {
    if (this.held.size === 0) return;
    try {
      await this.deps.work.renew(this.deps.worker.id, this.deps.clock.now(), this.config.leaseMs);
    } catch (error) {
      // A missed renewal is survivable until the lease ends; the fence guards the rest.
      this.deps.logger.warn('could not renew work claims', {
        code: isGtxError(error) ? error.code : null,
      });
    }
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

  private async load(claim: WorkClaim): Promise<LoadedTransmission> {
    return loadOpenedTransmission(
      await this.deps.events.readStream(claim.streamId),
      this.deps.vault,
    );
  }

  /** Decides, appends under the claim, and tells waiters when the transmission became final. */
  private async record(
    claim: WorkClaim,
    loaded: LoadedTransmission,
    command: TransmissionCommand,
  ): Promise<LoadedTransmission> {
    const commandId = loaded.state.commandId ?? claim.commandId;
    const held = this.held.get(claim.streamId) ?? claim;
    const newEvents = decide(command, loaded.state);
    const appended = await this.deps.events.append({
      streamId: transmissionStreamId(commandId),
      expectedVersion: loaded.version,
      guard: { owner: held.owner, fence: held.fence },
      events: newEvents.map((event) => ({
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: event.data,
        metadata: { commandId, correlationId: commandId },
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
