import { buildDeliveryReport, type DeliveryReport } from '../reporting/delivery-report.js';
import type { EventStore, FeedCheckpointStore } from '../ports/index.js';
import { readFeedState, type FeedState } from './feed-stream.js';

export interface FeedLag {
  readonly name: string;
  readonly checkpoint: number;
  readonly headPosition: number;
  /** Ledger events after the feed's checkpoint: not yet accepted by the receiver. */
  readonly lag: number;
  readonly state: FeedState;
}

export interface LedgerStats {
  readonly report: DeliveryReport;
  readonly feed: FeedLag;
}

/**
 * Delivery figures and the feed's lag, computed from the ledger and the checkpoint table alone:
 * right after a restart, with no process having to be up.
 */
export async function computeLedgerStats(
  ledger: EventStore,
  checkpoints: FeedCheckpointStore,
  feedName: string,
): Promise<LedgerStats> {
  const report = await buildDeliveryReport(ledger);
  const head = await ledger.head();
  const checkpoint = await checkpoints.load(feedName);
  return {
    report,
    feed: {
      name: feedName,
      checkpoint,
      headPosition: head.position,
      lag: Math.max(0, head.position - checkpoint),
      state: await readFeedState(ledger, feedName),
    },
  };
}
