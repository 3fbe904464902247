import { setMaxListeners } from 'node:events';
import {
  interval,
  mergeMap,
  Subject,
  defer,
  type Subscription,
  from,
  EMPTY,
  catchError,
} from 'rxjs';
import {
  decide,
  evolve,
  hasErrorCode,
  isGtxError,
  isFinal,
  transmissionStreamId,
  type RetryPolicyConfig,
  type TransmissionCommand,
  type TransportFailure,
} from '../../domain/index.js';
import type {
  Clock,
  EventLedger,
  Logger,
  MessagingTransport,
  OpenTransmission,
  PersonalDataVault,
  Random,
  TransportOutcome,
  TransportRequest,
} from '../ports/index.js';
import type { RateLimiter } from '../rate-limit/rate-limiter.js';
import { sleep, SleepAbortedError } from '../timing.js';
import type { OutcomeRegistry } from './outcome-registry.js';
import { outcomeFromEvents } from './transmission-outcome.js';
import { loadOpenedTransmission, type LoadedTransmission } from './transmission-stream.js';

export interface PipelineConfig {
  /** Conversations sent to at once; order within one conversation always holds. */
  readonly concurrency: number;
  /** How often the ledger is asked for due work when nothing wakes the pipeline. */
  readonly pollIntervalMs: number;
  /** One attempt is abandoned (and retried) after this long. */
  readonly attemptTimeoutMs: number;
  readonly retry: RetryPolicyConfig;
}

export const DEFAULT_PIPELINE_CONFIG: PipelineConfig = {
  concurrency: 16,
  pollIntervalMs: 250,
  attemptTimeoutMs: 30_000,
  retry: {
    maxAttempts: 6,
    baseDelayMs: 250,
    maxDelayMs: 30_000,
    deadlineMs: 10 * 60_000,
  },
};

export interface PipelineDependencies {
  readonly ledger: EventLedger;
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

const INTERRUPTED: TransportFailure = {
  kind: 'transient',
  status: null,
  code: 'ATTEMPT_INTERRUPTED',
  message: 'the process stopped before the outcome of this attempt was recorded',
  retryAfterMs: null,
  correlationId: null,
};

const ABORTED_BY_CLOSE: TransportFailure = {
  kind: 'transient',
  status: null,
  code: 'ATTEMPT_ABORTED',
  message: 'the transmitter closed before the attempt answered',
  retryAfterMs: null,
  correlationId: null,
};

function attemptTimedOut(timeoutMs: number): TransportFailure {
  return {
    kind: 'transient',
    status: null,
    code: 'ATTEMPT_TIMEOUT',
    message: `no answer within ${timeoutMs} ms`,
    retryAfterMs: null,
    correlationId: null,
  };
}

function contentErased(loaded: LoadedTransmission): boolean {
  const first = loaded.events[0];
  return first?.type === 'TransmissionRequested' && first.data.content.kind === 'erased';
}

/**
 * Takes open transmissions from the ledger and drives each to its next event. Work is pulled in
 * batches no larger than the free concurrency, so nothing is buffered beyond what is in flight;
 * a conversation with a transmission in flight is never fetched again, so order holds within it.
 */
export class DeliveryPipeline {
  private readonly work$ = new Subject<OpenTransmission>();
  private readonly inFlightConversations = new Set<string>();
  private readonly closeController = new AbortController();
  private readonly subscriptions: Subscription[] = [];
  private readonly idleWaiters = new Set<() => void>();
  private fetching = false;
  private fetchAgain = false;
  /**
   * Until this is set, fetches first resume attempts a previous process left without an
   * outcome: their conversations are blocked until the interruption is recorded.
   */
  private interruptedCleared = false;
  private running = false;
  /** Set by a crash-like close: outcomes that arrive after it are not recorded. */
  private discarding = false;
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
    if (this.running) return;
    this.running = true;
    this.subscriptions.push(
      this.work$
        .pipe(
          mergeMap(
            (open) =>
              defer(() => from(this.process(open))).pipe(
                catchError((error: unknown) => {
                  this.onUnexpected(error, open);
                  return EMPTY;
                }),
              ),
            this.config.concurrency,
          ),
        )
        .subscribe(),
      interval(this.config.pollIntervalMs, this.deps.clock.scheduler).subscribe(() => {
        this.wake();
      }),
    );
    this.wake();
  }

  /** Ask the ledger for work now: new commands were appended or a slot came free. */
  wake(): void {
    if (!this.running) return;
    if (this.fetching) {
      this.fetchAgain = true;
      return;
    }
    this.fetching = true;
    void this.fetchBatch()
      .catch((error: unknown) => {
        this.onFatal(error);
      })
      .finally(() => {
        this.fetching = false;
        if (this.fetchAgain) {
          this.fetchAgain = false;
          this.wake();
        }
      });
  }

  // Read through methods: these flags change while this object awaits, which narrowing ignores.
  private isRunning(): boolean {
    return this.running;
  }

  private isDiscarding(): boolean {
    return this.discarding;
  }

  inFlightCount(): number {
    return this.inFlightConversations.size;
  }

  /** The fault that stopped the pipeline, if one did. */
  faultCause(): unknown {
    return this.fault;
  }

  /**
   * Stops taking work. With `drain`, in-flight attempts get until `timeoutMs` to answer and are
   * then aborted (recorded as failed, so they resume on the next start). Without it, this
   * behaves like a crash: nothing more is recorded.
   */
  async stop(options: { drain: boolean; timeoutMs: number }): Promise<void> {
    this.running = false;
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    if (!options.drain) {
      this.discarding = true;
      this.closeController.abort();
      return;
    }
    if (this.inFlightConversations.size > 0) {
      const idle = new Promise<void>((resolve) => this.idleWaiters.add(resolve));
      const timedOut = sleep(options.timeoutMs, this.deps.clock.scheduler).then(
        () => 'timeout' as const,
      );
      if ((await Promise.race([idle, timedOut])) === 'timeout') {
        this.closeController.abort();
        await idle;
      }
    }
  }

  private async fetchBatch(): Promise<void> {
    const free = this.config.concurrency - this.inFlightConversations.size;
    if (!this.running || free <= 0) return;
    let batch = await this.interruptedBatch(free);
    if (batch.length === 0) {
      batch = await this.deps.ledger.nextWork({
        limit: free,
        dueByMs: this.deps.clock.now(),
        excludeConversations: this.inFlightConversations,
      });
    }
    for (const open of batch) {
      if (!this.isRunning()) return;
      if (this.inFlightConversations.has(open.conversationRef)) continue;
      this.inFlightConversations.add(open.conversationRef);
      this.work$.next(open);
    }
  }

  private async interruptedBatch(free: number): Promise<readonly OpenTransmission[]> {
    if (this.interruptedCleared) return [];
    // Our own attempts in flight look interrupted too; ask for enough to see past them.
    const candidates = await this.deps.ledger.interruptedWork(
      free + this.inFlightConversations.size,
    );
    const batch = candidates
      .filter((open) => !this.inFlightConversations.has(open.conversationRef))
      .slice(0, free);
    if (batch.length === 0) this.interruptedCleared = true;
    else this.fetchAgain = true;
    return batch;
  }

  private async process(open: OpenTransmission): Promise<void> {
    try {
      await this.advance(open);
    } finally {
      this.release(open.conversationRef);
    }
  }

  private release(conversationRef: string): void {
    this.inFlightConversations.delete(conversationRef);
    if (this.inFlightConversations.size === 0) {
      for (const resolve of this.idleWaiters) resolve();
      this.idleWaiters.clear();
    }
    this.wake();
  }

  private async advance(open: OpenTransmission): Promise<void> {
    let loaded = await this.load(open.streamId);
    if (isFinal(loaded.state)) return;
    if (contentErased(loaded)) {
      // The guest was forgotten before delivery: nothing of theirs is left to send.
      await this.record(loaded, { type: 'AbandonErased', nowMs: this.deps.clock.now() });
      return;
    }
    if (loaded.state.status === 'inFlight') {
      // Only a previous process leaves an attempt without an outcome: this one holds the
      // conversation while its attempt runs. Whether Genesys got it is unknown; the retry
      // reuses the same messageId.
      loaded = await this.record(loaded, this.failureCommand(INTERRUPTED));
      if (isFinal(loaded.state) || !this.isDue(loaded)) {
        this.scheduleWakeForRetry(loaded);
        return;
      }
    }
    if (!this.isDue(loaded)) {
      this.scheduleWakeForRetry(loaded);
      return;
    }
    try {
      await this.deps.rateLimiter.acquire(this.closeController.signal);
    } catch (error) {
      if (error instanceof SleepAbortedError) return;
      throw error;
    }
    if (this.isDiscarding()) return;
    loaded = await this.record(loaded, { type: 'StartAttempt', nowMs: this.deps.clock.now() });
    const request: TransportRequest = {
      ...this.requestFor(loaded),
      pace: () => this.deps.rateLimiter.acquire(this.closeController.signal),
    };
    const outcome = await this.attempt(request);
    if (this.isDiscarding()) return;
    this.observer.onAttemptFinished?.(outcome, request);
    if (outcome.rateLimit !== undefined) this.deps.rateLimiter.applyHint(outcome.rateLimit);
    if (outcome.ok) {
      await this.record(loaded, {
        type: 'RecordDelivery',
        genesysMessageId: outcome.genesysMessageId,
        genesysConversationId: outcome.genesysConversationId,
        correlationId: outcome.correlationId,
        nowMs: this.deps.clock.now(),
      });
      return;
    }
    // A client-wide limit pauses every conversation; a per-conversation one only delays this
    // transmission, through its own retry time.
    if (outcome.failure.kind === 'rateLimited' && outcome.rateLimitScope !== 'conversation') {
      const waitMs = outcome.failure.retryAfterMs ?? this.config.retry.baseDelayMs;
      this.deps.rateLimiter.pauseUntil(this.deps.clock.now() + waitMs);
    }
    const failed = await this.record(loaded, this.failureCommand(outcome.failure));
    this.scheduleWakeForRetry(failed);
  }

  private async attempt(request: TransportRequest): Promise<TransportOutcome> {
    const attemptController = new AbortController();
    const onClose = (): void => {
      attemptController.abort();
    };
    this.closeController.signal.addEventListener('abort', onClose, { once: true });
    const timeout = sleep(
      this.config.attemptTimeoutMs,
      this.deps.clock.scheduler,
      attemptController.signal,
    )
      .then((): TransportOutcome => {
        attemptController.abort();
        return { ok: false, failure: attemptTimedOut(this.config.attemptTimeoutMs) };
      })
      .catch((): TransportOutcome => ({ ok: false, failure: ABORTED_BY_CLOSE }));
    try {
      const sent = this.deps.transport
        .send(request, attemptController.signal)
        .catch((error: unknown): TransportOutcome => {
          this.deps.logger.error('transport rejected instead of answering a failure', {
            commandId: request.commandId,
            error: error instanceof Error ? error.message : String(error),
          });
          return {
            ok: false,
            failure: {
              ...INTERRUPTED,
              code: 'TRANSPORT_ERROR',
              message: 'the transport raised an unexpected error',
            },
          };
        });
      const outcome = await Promise.race([sent, timeout]);
      if (
        !outcome.ok &&
        outcome.failure.code === 'ABORTED' &&
        this.closeController.signal.aborted
      ) {
        return { ok: false, failure: ABORTED_BY_CLOSE };
      }
      return outcome;
    } finally {
      this.closeController.signal.removeEventListener('abort', onClose);
      attemptController.abort();
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

  private async load(streamId: string): Promise<LoadedTransmission> {
    return loadOpenedTransmission(await this.deps.ledger.readStream(streamId), this.deps.vault);
  }

  /** Decides, appends, and tells waiters when the transmission became final. */
  private async record(
    loaded: LoadedTransmission,
    command: TransmissionCommand,
  ): Promise<LoadedTransmission> {
    const commandId = loaded.state.commandId ?? '';
    const newEvents = decide(command, loaded.state);
    const appended = await this.deps.ledger.append({
      streamId: transmissionStreamId(commandId),
      expectedVersion: loaded.version,
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

  private requestFor(loaded: LoadedTransmission): TransportRequest {
    const first = loaded.events[0];
    if (first?.type !== 'TransmissionRequested') {
      throw new Error(
        `transmission ${loaded.state.commandId ?? '?'} has no TransmissionRequested event`,
      );
    }
    const { content } = first.data;
    if (content.kind === 'erased' || content.kind === 'unopened') {
      throw new Error(
        `transmission ${first.data.commandId} has no ${content.kind} content to send`,
      );
    }
    return {
      commandId: first.data.commandId,
      kind: first.data.kind,
      conversationRef: first.data.conversationRef,
      content,
      attempt: loaded.state.attempts,
    };
  }

  private isDue(loaded: LoadedTransmission): boolean {
    return loaded.state.retryAtMs === null || loaded.state.retryAtMs <= this.deps.clock.now();
  }

  private scheduleWakeForRetry(loaded: LoadedTransmission): void {
    const retryAtMs = loaded.state.retryAtMs;
    if (retryAtMs === null || isFinal(loaded.state)) return;
    const delay = Math.max(0, retryAtMs - this.deps.clock.now());
    void sleep(delay, this.deps.clock.scheduler, this.closeController.signal)
      .then(() => {
        this.wake();
      })
      .catch(() => undefined);
  }

  private onUnexpected(error: unknown, open: OpenTransmission): void {
    if (this.discarding) return;
    if (hasErrorCode(error, 'LEDGER_VERSION_CONFLICT')) {
      // Another process advanced this stream; it owns the attempt now.
      this.deps.logger.warn('transmission advanced elsewhere', { commandId: open.commandId });
      return;
    }
    this.onFatal(error);
  }

  private onFatal(error: unknown): void {
    if (this.fault !== null || this.discarding) return;
    this.fault = error;
    this.deps.logger.error('delivery pipeline stopped by a fault', {
      code: isGtxError(error) ? error.code : null,
      error: error instanceof Error ? error.message : String(error),
    });
    this.running = false;
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    this.deps.outcomes.rejectAll(error);
  }
}
