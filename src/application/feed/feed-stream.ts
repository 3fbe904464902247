import type { AppendResult, EventStore } from '../ports/index.js';

/**
 * The live feed's own history in the ledger: when it was disabled (its receiver answered 410
 * Gone) and enabled again. A stream per feed, `feed-<name>`, next to the transmission streams.
 */
export const FEED_DISABLED = 'AnalyticsFeedDisabled';
export const FEED_ENABLED = 'AnalyticsFeedEnabled';

export interface FeedDisabledData {
  readonly feed: string;
  readonly reason: string;
  readonly status: number | null;
  readonly target: string;
  /** The first position of the batch the receiver refused: the feed resumes there. */
  readonly position: number;
  readonly disabledAt: string;
}

export interface FeedState {
  readonly disabled: boolean;
  readonly reason: string | null;
  readonly since: string | null;
}

export function feedStreamId(feed: string): string {
  return `feed-${feed}`;
}

export async function readFeedState(ledger: EventStore, feed: string): Promise<FeedState> {
  const last = (await ledger.readStream(feedStreamId(feed))).at(-1);
  if (last?.type !== FEED_DISABLED) return { disabled: false, reason: null, since: null };
  const data = last.data as Partial<FeedDisabledData>;
  return {
    disabled: true,
    reason: typeof data.reason === 'string' ? data.reason : 'unknown',
    since: last.recordedAt,
  };
}

export function recordFeedDisabled(
  ledger: EventStore,
  data: FeedDisabledData,
): Promise<AppendResult> {
  return ledger.append({
    streamId: feedStreamId(data.feed),
    expectedVersion: 'any',
    events: [{ type: FEED_DISABLED, schemaVersion: 1, data, metadata: {} }],
  });
}

export function recordFeedEnabled(
  ledger: EventStore,
  feed: string,
  enabledAt: string,
): Promise<AppendResult> {
  return ledger.append({
    streamId: feedStreamId(feed),
    expectedVersion: 'any',
    events: [{ type: FEED_ENABLED, schemaVersion: 1, data: { feed, enabledAt }, metadata: {} }],
  });
}
