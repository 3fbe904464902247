import { createHash } from 'node:crypto';
import { canonicalJson } from '../ledger/canonical-json.js';
import { readPages } from '../ledger/ledger-pages.js';
import type {
  AnalyticsEvent,
  AnalyticsSink,
  Clock,
  EventStore,
  FeedCheckpointStore,
  Logger,
  Random,
} from '../ports/index.js';
import { isoToEpochMs } from '../../domain/index.js';
import { SleepAbortedError } from '../timing.js';
import { AnalyticsEventMapper } from './analytics-mapper.js';
import { makeBatch } from './analytics-payload.js';
import { DEFAULT_RETRY, deliverWithRetry, type RetrySettings } from './batch-delivery.js';
import { FeedConfigError, SinkDeliveryError } from './feed-errors.js';

export interface ReplayFilters {
  /** Events recorded at or after this ISO time. */
  readonly since?: string;
  /** Events recorded before this ISO time. */
  readonly until?: string;
  /** Events at this position or later. */
  readonly fromPosition?: number;
  readonly streamId?: string;
  readonly guestId?: string;
  /** A ledger event type, e.g. TransmissionDelivered. */
  readonly type?: string;
}

export interface ReplayDependencies {
  readonly ledger: EventStore;
  readonly checkpoints: FeedCheckpointStore;
  readonly sink: AnalyticsSink;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}

export interface ReplayOptions {
  readonly filters: ReplayFilters;
  readonly batchSize?: number;
  /** Count what would be sent; send nothing, write no checkpoint. */
  readonly dryRun?: boolean;
  /** Continue after the last batch an earlier replay with the same target and filters sent. */
  readonly resume?: boolean;
  /** The feed name the batches carry; `analytics` by default. */
  readonly feed?: string;
  readonly retry?: Partial<RetrySettings>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (scanned: number, total: number) => void;
}

export interface ReplaySummary {
  /** The replay checkpoint's name: derived from the target and the filters. */
  readonly key: string;
  readonly target: string;
  readonly dryRun: boolean;
  /** Where a `--resume` picked up; null when the replay started from its filters. */
  readonly resumedFrom: number | null;
  /** Positions after this one were read… */
  readonly afterPosition: number;
  /** …up to the ledger's head when the replay started. */
  readonly headPosition: number;
  readonly scanned: number;
  readonly matched: number;
  readonly delivered: number;
  readonly batches: number;
  readonly retries: number;
  /** False when it was interrupted: run it again with `--resume`. */
  readonly completed: boolean;
}

export const DEFAULT_REPLAY_BATCH_SIZE = 100;
/** A replay is a command someone waits for: it gives up on a batch after this many attempts. */
export const DEFAULT_REPLAY_ATTEMPTS = 8;

/** The checkpoint name of a replay: the same target and filters resume the same replay. */
export function replayKey(target: string, filters: ReplayFilters): string {
  const digest = createHash('sha256').update(canonicalJson({ target, filters })).digest('hex');
  return `replay:${digest.slice(0, 24)}`;
}

interface CompiledFilters {
  readonly sinceMs: number | null;
  readonly untilMs: number | null;
  readonly afterPosition: number;
}

function compileFilters(filters: ReplayFilters): CompiledFilters {
  const time = (name: string, iso: string | undefined): number | null => {
    if (iso === undefined) return null;
    const ms = isoToEpochMs(iso) ?? Date.parse(iso);
    if (!Number.isFinite(ms))
      throw new FeedConfigError(name, `must be an ISO-8601 time (got ${JSON.stringify(iso)})`);
    return ms;
  };
  const from = filters.fromPosition ?? 1;
  if (!Number.isSafeInteger(from) || from < 1) {
    throw new FeedConfigError('--from-position', 'must be a positive integer');
  }
  const sinceMs = time('--since', filters.since);
  const untilMs = time('--until', filters.until);
  if (sinceMs !== null && untilMs !== null && untilMs <= sinceMs) {
    throw new FeedConfigError('--until', 'must be later than --since');
  }
  return { sinceMs, untilMs, afterPosition: from - 1 };
}

function withinTime(filters: CompiledFilters, recordedAt: string): boolean {
  const at = isoToEpochMs(recordedAt);
  if (filters.sinceMs !== null && (at === null || at < filters.sinceMs)) return false;
  if (filters.untilMs !== null && (at === null || at >= filters.untilMs)) return false;
  return true;
}

/**
 * Re-delivers historical events to any sink, batches marked as a replay, without touching the
 * live feed's checkpoint. It reads up to the head as it was at the start, keeps a checkpoint of
 * its own (keyed by target and filters) after every accepted batch, and so resumes after an
 * interruption with `resume`.
 */
export async function replayAnalytics(
  deps: ReplayDependencies,
  options: ReplayOptions,
): Promise<ReplaySummary> {
  const filters = compileFilters(options.filters);
  const batchSize = options.batchSize ?? DEFAULT_REPLAY_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new FeedConfigError('--batch-size', 'must be a positive integer');
  }
  const retry: RetrySettings = {
    ...DEFAULT_RETRY,
    maxAttempts: DEFAULT_REPLAY_ATTEMPTS,
    ...options.retry,
  };
  const dryRun = options.dryRun === true;
  const key = replayKey(deps.sink.target, options.filters);
  const saved = options.resume === true ? await deps.checkpoints.load(key) : 0;
  const resumedFrom = options.resume === true ? saved : null;
  const afterPosition = Math.max(filters.afterPosition, saved);
  const headPosition = (await deps.ledger.head()).position;
  const mapper = new AnalyticsEventMapper(deps.ledger);
  const feed = options.feed ?? 'analytics';
  const counts = { scanned: 0, matched: 0, delivered: 0, batches: 0, retries: 0 };
  let batch: AnalyticsEvent[] = [];
  const total = Math.max(0, headPosition - afterPosition);
  const summary = (completed: boolean): ReplaySummary => ({
    key,
    target: deps.sink.target,
    dryRun,
    resumedFrom,
    afterPosition,
    headPosition,
    ...counts,
    completed,
  });

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    counts.batches += 1;
    if (dryRun) return;
    const replayBatch = makeBatch(feed, events, true);
    const result = await deliverWithRetry(deps, replayBatch, retry, options.signal, () => {
      counts.retries += 1;
    });
    if (!result.delivered) {
      if (options.signal?.aborted === true) throw new SleepAbortedError();
      throw new SinkDeliveryError(result.failure, result.attempts, replayBatch.firstPosition);
    }
    counts.delivered += events.length;
    await deps.checkpoints.save(key, replayBatch.lastPosition);
  };

  try {
    const pages = readPages(deps.ledger, {
      afterPosition,
      limit: Math.max(batchSize, 100),
      ...(options.filters.type === undefined ? {} : { types: [options.filters.type] }),
      ...(options.filters.streamId === undefined ? {} : { streamIds: [options.filters.streamId] }),
    });
    const timeFiltered = filters.sinceMs !== null || filters.untilMs !== null;
    // A page at a time, waiting only to send a batch or to look up a stream met mid-way.
    scan: for await (const page of pages) {
      for (const recorded of page) {
        if (recorded.position > headPosition) break scan;
        if (options.signal?.aborted === true) return summary(false);
        counts.scanned = recorded.position - afterPosition;
        options.onProgress?.(counts.scanned, total);
        if (timeFiltered && !withinTime(filters, recorded.recordedAt)) continue;
        const atOnce = mapper.mapAtOnce(recorded);
        const event = atOnce === undefined ? await mapper.map(recorded) : atOnce;
        if (event === null) continue;
        if (options.filters.guestId !== undefined && event.guestId !== options.filters.guestId) {
          continue;
        }
        counts.matched += 1;
        batch.push(event);
        if (batch.length >= batchSize) await flush();
      }
    }
    await flush();
    counts.scanned = total;
    options.onProgress?.(total, total);
    // Done: a later --resume with the same filters starts after what this run read.
    if (!dryRun) await deps.checkpoints.save(key, Math.max(afterPosition, headPosition));
    deps.logger.info('analytics replay finished', {
      key,
      matched: counts.matched,
      delivered: counts.delivered,
    });
    return summary(true);
  } catch (error) {
    if (error instanceof SleepAbortedError) return summary(false);
    throw error;
  }
}
