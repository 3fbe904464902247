import { ROOT_CONTEXT, SpanKind, type Attributes, type Link } from '@opentelemetry/api';
import { epochMsToIso } from '../../domain/index.js';
import type {
  AnalyticsBatch,
  AnalyticsEvent,
  AnalyticsSink,
  Clock,
  EventStore,
  FeedCheckpointStore,
  Logger,
  Random,
  RecordedEvent,
  SinkFailure,
} from '../ports/index.js';
import { sleep, SleepAbortedError } from '../timing.js';
import { ATTRIBUTE, SPAN } from '../tracing/gtx-tracer.js';
import { inSpan, markFailed } from '../tracing/span-scope.js';
import { spanContextFromMetadata } from '../tracing/trace-metadata.js';
import { AnalyticsEventMapper } from './analytics-mapper.js';
import { makeBatch } from './analytics-payload.js';
import { DEFAULT_RETRY, deliverWithRetry, type RetrySettings } from './batch-delivery.js';
import { FeedConfigError, FeedDisabledError, SinkDeliveryError } from './feed-errors.js';
import { readFeedState, recordFeedDisabled } from './feed-stream.js';

export const DEFAULT_FEED_NAME = 'analytics';

export interface FeedSettings {
  /** Names the checkpoint and the `feed-<name>` stream. */
  readonly name: string;
  /** A batch goes out as soon as it holds this many events… */
  readonly batchSize: number;
  /** …or once its first event has waited this long for company. */
  readonly maxBatchWaitMs: number;
  /** How often an idle feed looks for new events. */
  readonly pollIntervalMs: number;
  readonly retry: RetrySettings;
}

export const DEFAULT_FEED_SETTINGS: FeedSettings = {
  name: DEFAULT_FEED_NAME,
  batchSize: 100,
  maxBatchWaitMs: 2_000,
  pollIntervalMs: 500,
  retry: DEFAULT_RETRY,
};

export interface FeedDependencies {
  readonly ledger: EventStore;
  readonly checkpoints: FeedCheckpointStore;
  readonly sink: AnalyticsSink;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}

export interface FeedBatchReport {
  readonly batchId: string;
  readonly firstPosition: number;
  readonly lastPosition: number;
  readonly count: number;
  readonly attempts: number;
}

export interface FeedRunOptions {
  /** Stops the feed: a wait or a request in progress ends, the checkpoint stays where it was. */
  readonly signal?: AbortSignal;
  /** Deliver what is in the ledger now, then return, instead of tailing it. */
  readonly once?: boolean;
  readonly onBatch?: (report: FeedBatchReport) => void;
  readonly onRetry?: (failure: SinkFailure, waitMs: number) => void;
}

export type FeedStopReason = 'caughtUp' | 'stopped' | 'disabled';

export interface FeedRunSummary {
  readonly feed: string;
  readonly target: string;
  readonly startPosition: number;
  /** The checkpoint when the run ended. */
  readonly position: number;
  readonly batches: number;
  readonly events: number;
  /** Ledger events passed over because they are not analytics (feed bookkeeping). */
  readonly skipped: number;
  readonly retries: number;
  readonly stoppedBecause: FeedStopReason;
}

export function checkFeedSettings(settings: FeedSettings): FeedSettings {
  const positiveInteger = (name: string, value: number): void => {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new FeedConfigError(name, 'must be a positive integer');
    }
  };
  positiveInteger('batchSize', settings.batchSize);
  positiveInteger('pollIntervalMs', settings.pollIntervalMs);
  if (!Number.isFinite(settings.maxBatchWaitMs) || settings.maxBatchWaitMs < 0) {
    throw new FeedConfigError('maxBatchWaitMs', 'must be a number of at least 0');
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(settings.name)) {
    throw new FeedConfigError('name', 'must be 1-64 letters, digits, dots, dashes or underscores');
  }
  return settings;
}

/**
 * The analytics feed: a projection that tails the ledger from its own checkpoint and hands
 * batches of analytics events to a sink. It is a loop of its own, never awaited by the delivery
 * pipeline: a slow or dead receiver delays analytics, never a send. The checkpoint moves only
 * after the sink accepted a batch, so a crash or a restart re-delivers (same batch id) and loses
 * nothing; a receiver that answers 410 Gone disables the feed, recorded in the ledger.
 */
export class AnalyticsFeed {
  private readonly settings: FeedSettings;
  private readonly mapper: AnalyticsEventMapper;
  private readonly logger: Logger;

  constructor(
    private readonly deps: FeedDependencies,
    settings: Partial<FeedSettings> = {},
  ) {
    this.settings = checkFeedSettings({ ...DEFAULT_FEED_SETTINGS, ...settings });
    this.mapper = new AnalyticsEventMapper(deps.ledger);
    this.logger = deps.logger.child({ feed: this.settings.name });
  }

  get name(): string {
    return this.settings.name;
  }

  async run(options: FeedRunOptions = {}): Promise<FeedRunSummary> {
    const { name, batchSize, maxBatchWaitMs, pollIntervalMs } = this.settings;
    const { ledger, checkpoints, clock } = this.deps;
    const state = await readFeedState(ledger, name);
    if (state.disabled) throw new FeedDisabledError(name, state.reason ?? 'unknown');
    const startPosition = await checkpoints.load(name);
    const counts = { batches: 0, events: 0, skipped: 0, retries: 0 };
    let position = startPosition;
    let readCursor = startPosition;
    const pending: RecordedEvent[] = [];
    let firstSeenAt: number | null = null;
    const summary = (stoppedBecause: FeedStopReason): FeedRunSummary => ({
      feed: name,
      target: this.deps.sink.target,
      startPosition,
      position,
      ...counts,
      stoppedBecause,
    });
    this.logger.info('analytics feed started', { position, target: this.deps.sink.target });
    try {
      for (;;) {
        if (options.signal?.aborted === true) return summary('stopped');
        const room = batchSize - pending.length;
        const page = await ledger.readAll({ afterPosition: readCursor, limit: room });
        pending.push(...page);
        readCursor = page.at(-1)?.position ?? readCursor;
        if (pending.length === 0) {
          if (options.once === true) return summary('caughtUp');
          await sleep(pollIntervalMs, clock.scheduler, options.signal);
          continue;
        }
        if (pending.length < batchSize && options.once !== true) {
          firstSeenAt ??= clock.now();
          const waited = clock.now() - firstSeenAt;
          if (waited < maxBatchWaitMs) {
            const wait = Math.min(pollIntervalMs, maxBatchWaitMs - waited);
            await sleep(wait, clock.scheduler, options.signal);
            continue;
          }
        }
        const events: AnalyticsEvent[] = [];
        for (const recorded of pending) {
          const event = await this.mapper.map(recorded);
          if (event === null) counts.skipped += 1;
          else events.push(event);
        }
        const last = pending.at(-1)?.position ?? position;
        if (events.length > 0) {
          const batch = makeBatch(name, events, false);
          const result = await inSpan(
            SPAN.feedBatch,
            { kind: SpanKind.PRODUCER, attributes: batchAttributes(name, batch) },
            ROOT_CONTEXT,
            async (span) => {
              if (span.isRecording()) span.addLinks(commandLinks(pending));
              const delivery = await deliverWithRetry(
                this.deps,
                batch,
                this.settings.retry,
                options.signal,
                (failure, waitMs) => {
                  counts.retries += 1;
                  options.onRetry?.(failure, waitMs);
                },
              );
              span.setAttribute(ATTRIBUTE.batchAttempts, delivery.attempts);
              if (!delivery.delivered) {
                const { failure, attempts } = delivery;
                markFailed(span, new SinkDeliveryError(failure, attempts, batch.firstPosition));
              }
              return delivery;
            },
          );
          if (!result.delivered) {
            await this.disable(batch, result.failure);
            return summary('disabled');
          }
          counts.batches += 1;
          counts.events += events.length;
          options.onBatch?.({
            batchId: batch.id,
            firstPosition: batch.firstPosition,
            lastPosition: batch.lastPosition,
            count: events.length,
            attempts: result.attempts,
          });
        }
        await checkpoints.save(name, last);
        position = last;
        pending.length = 0;
        firstSeenAt = null;
      }
    } catch (error) {
      if (error instanceof SleepAbortedError) return summary('stopped');
      throw error;
    } finally {
      this.logger.info('analytics feed stopped', { position });
    }
  }

  private async disable(batch: AnalyticsBatch, failure: SinkFailure): Promise<void> {
    const reason = `receiver answered ${failure.status === null ? failure.kind : String(failure.status)} (${failure.kind})`;
    await recordFeedDisabled(this.deps.ledger, {
      feed: this.settings.name,
      reason,
      status: failure.status,
      target: this.deps.sink.target,
      position: batch.firstPosition,
      disabledAt: epochMsToIso(this.deps.clock.now()),
    });
    this.logger.error('analytics feed disabled: the receiver is gone', {
      status: failure.status,
      position: batch.firstPosition,
    });
  }
}

/** The most links one batch span carries: the SDK's default `OTEL_SPAN_LINK_COUNT_LIMIT`. */
const MAX_BATCH_LINKS = 128;

function batchAttributes(feed: string, batch: AnalyticsBatch): Attributes {
  return {
    [ATTRIBUTE.feedName]: feed,
    [ATTRIBUTE.batchId]: batch.id,
    [ATTRIBUTE.batchEvents]: batch.events.length,
    [ATTRIBUTE.batchFirstPosition]: batch.firstPosition,
    [ATTRIBUTE.batchLastPosition]: batch.lastPosition,
  };
}

/**
 * Links to the spans the batch's events were recorded in (their metadata's `traceparent`), one
 * per distinct span: from a batch to the intakes and attempts it reports, and back.
 */
function commandLinks(recorded: readonly RecordedEvent[]): Link[] {
  const links = new Map<string, Link>();
  for (const event of recorded) {
    if (links.size >= MAX_BATCH_LINKS) break;
    const spanContext = spanContextFromMetadata(event.metadata);
    if (spanContext === null) continue;
    const key = `${spanContext.traceId}-${spanContext.spanId}`;
    if (!links.has(key)) {
      const commandId = event.metadata.commandId;
      links.set(key, {
        context: spanContext,
        ...(commandId === undefined ? {} : { attributes: { [ATTRIBUTE.commandId]: commandId } }),
      });
    }
  }
  return [...links.values()];
}
