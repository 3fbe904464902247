import { firstValueFrom, timer, type Subscription } from 'rxjs';
import { asError, isGtxError } from '../../domain/index.js';
import type { Clock, CommandSource, Logger, OutcomePublisher } from '../ports/index.js';
import { BrokerSourceFailedError } from './broker-errors.js';
import { DeliveryHandler, type IntakeTransmitter } from './delivery-handler.js';
import { emptyIntakeCounts, type IntakeCounts } from './intake-counts.js';
import { DEFAULT_INTAKE_SETTINGS, type IntakeSettings } from './intake-settings.js';
import { NoticePublication } from './notice-publication.js';

export interface IntakeDependencies {
  readonly source: CommandSource;
  readonly transmitter: IntakeTransmitter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where outcome notices go; none when not asked for. */
  readonly publisher?: OutcomePublisher | null;
}

export interface IntakeSummary extends IntakeCounts {
  /** Deliveries still unanswered when the drain timed out: the broker redelivers them. */
  readonly unansweredAtStop: number;
  /** Notices still waiting for a final outcome when the drain timed out. */
  readonly noticesLeft: number;
}

/**
 * Consumes commands from a broker into the ledger (see DeliveryHandler for what happens to each
 * delivery). `start` connects and checks the source; `stop` drains: no new deliveries, those in
 * flight are answered, notices in flight get the drain time, then the connections close.
 */
export class CommandIntake {
  private readonly counts = emptyIntakeCounts();
  private handler: DeliveryHandler | null = null;
  private readonly notices: NoticePublication | null;
  private readonly inFlight = new Set<Promise<void>>();
  private subscription: Subscription | null = null;
  private stopping: Promise<IntakeSummary> | null = null;
  private failure: Error | null = null;
  /** Set before the source is told to stop, so its completion is not taken for a failure. */
  private stopRequested = false;
  private settleFinished!: { resolve: () => void; reject: (error: Error) => void };
  /** Resolves when `stop` has drained; rejects when the source fails while running. */
  readonly finished: Promise<void>;

  constructor(
    private readonly deps: IntakeDependencies,
    private readonly settings: IntakeSettings = DEFAULT_INTAKE_SETTINGS,
  ) {
    this.finished = new Promise<void>((resolve, reject) => {
      this.settleFinished = { resolve, reject };
    });
    // Nobody may be listening yet; the rejection is still delivered to whoever awaits it.
    this.finished.catch(() => undefined);
    const publisher = deps.publisher ?? null;
    this.notices =
      publisher === null
        ? null
        : new NoticePublication(
            publisher,
            (commandId) => deps.transmitter.outcome(commandId),
            this.counts,
            deps.logger,
          );
  }

  /** Connects (source, then publisher) and starts consuming; rejects with BROKER_* errors. */
  async start(): Promise<void> {
    if (this.handler !== null) return;
    const { source, publisher, logger } = this.deps;
    await source.open();
    try {
      await publisher?.open();
    } catch (error) {
      await source.close();
      throw error;
    }
    // Built after open: the source knows its redelivery deadline only once it has looked.
    const handler = new DeliveryHandler(
      {
        transmitter: this.deps.transmitter,
        clock: this.deps.clock,
        logger,
        scheme: source.scheme,
        ackDeadlineMs: source.ackDeadlineMs,
        notices: this.notices,
        counts: this.counts,
      },
      this.settings,
    );
    this.handler = handler;
    this.subscription = source.deliveries().subscribe({
      next: (delivery) => {
        this.track(handler.handle(delivery));
      },
      error: (error: unknown) => {
        void this.failed(asError(error));
      },
      complete: () => {
        if (!this.stopRequested) {
          void this.failed(
            new BrokerSourceFailedError(source.description, 'the broker ended the subscription'),
          );
        }
      },
    });
    logger.info('broker intake started', {
      source: source.description,
      outcomesTo: publisher?.description ?? null,
    });
  }

  /** Drains and closes; idempotent. The transmitter is the caller's to close afterwards. */
  stop(): Promise<IntakeSummary> {
    this.stopRequested = true;
    this.stopping ??= this.drain().then(
      (summary) => {
        if (this.failure === null) this.settleFinished.resolve();
        else this.settleFinished.reject(this.failure);
        return summary;
      },
      (error: unknown) => {
        this.settleFinished.reject(this.failure ?? asError(error));
        throw error;
      },
    );
    return this.stopping;
  }

  /** The source, without credentials. */
  get description(): string {
    return this.deps.source.description;
  }

  snapshot(): IntakeCounts {
    return { ...this.counts };
  }

  /** Deliveries received and not yet answered. */
  unanswered(): number {
    return this.inFlight.size;
  }

  private async drain(): Promise<IntakeSummary> {
    const { source, publisher, clock, logger } = this.deps;
    try {
      await source.stop();
    } finally {
      this.subscription?.unsubscribe();
    }
    const timeout = firstValueFrom(timer(this.settings.drainTimeoutMs, clock.scheduler));
    if (this.inFlight.size > 0) await Promise.race([Promise.all([...this.inFlight]), timeout]);
    const unansweredAtStop = this.inFlight.size;
    const noticesLeft = (await this.notices?.settle(clock, this.settings.drainTimeoutMs)) ?? 0;
    await source.close();
    await publisher?.close();
    const summary = { ...this.counts, unansweredAtStop, noticesLeft };
    logger.info('broker intake stopped', { source: source.description, ...summary });
    return summary;
  }

  /** The source cannot go on: drain what is in flight, close, and report why. */
  private async failed(error: Error): Promise<void> {
    if (this.stopRequested) return;
    this.failure = error;
    this.deps.logger.error('broker intake failed', {
      source: this.deps.source.description,
      code: isGtxError(error) ? error.code : error.name,
    });
    // `finished` rejects with the source's error; the drain's own trouble is logged beside it.
    await this.stop().catch((drainError: unknown) => {
      this.deps.logger.warn('broker intake did not drain cleanly after failing', {
        code: isGtxError(drainError) ? drainError.code : asError(drainError).name,
      });
    });
  }

  private track(task: Promise<void>): void {
    const tracked = task.catch((error: unknown) => {
      // DeliveryHandler answers every delivery itself; reaching here is a bug, and the
      // unanswered delivery goes back to the broker when the connection closes.
      this.deps.logger.error('delivery handling failed', {
        code: isGtxError(error) ? error.code : asError(error).name,
      });
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
