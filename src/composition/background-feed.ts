import { writeLine, type CliIo } from '../adapters/cli/cli-io.js';
import { openFeedDependencies } from '../adapters/cli/feed-dependencies.js';
import { readSettings } from '../adapters/cli/cli-runtime.js';
import type { CliServices } from '../adapters/cli/cli-services.js';
import type { FeedProbe } from '../adapters/http/http-service.js';
import {
  AnalyticsFeed,
  DEFAULT_FEED_NAME,
  type FeedRunSummary,
} from '../application/feed/analytics-feed.js';
import { readFeedState } from '../application/feed/feed-stream.js';
import { asError, isGtxError } from '../domain/index.js';

export interface BackgroundFeed {
  readonly probe: FeedProbe;
  /** Stops the loop after its current batch; the checkpoint is already saved per batch. */
  stop(): Promise<void>;
}

/**
 * The analytics feed beside the service, when ANALYTICS_WEBHOOK_URL is set: its own ledger
 * connection and checkpoint, never awaited by a send. A fault ends only the feed, reported on
 * /readyz; sends go on.
 */
export async function startBackgroundFeed(
  services: CliServices,
  io: CliIo,
  ledgerPath: string,
): Promise<BackgroundFeed | null> {
  const settings = readSettings(io);
  if (settings.ANALYTICS_WEBHOOK_URL === undefined) return null;
  const opened = openFeedDependencies(services, io, ledgerPath, undefined);
  const { ledger, dependencies } = opened;
  const feed = new AnalyticsFeed(dependencies);
  const controller = new AbortController();
  let stoppedReason: string | null =
    (await readFeedState(ledger.events, DEFAULT_FEED_NAME)).reason ?? null;
  const running: Promise<FeedRunSummary | null> = feed.run({ signal: controller.signal }).then(
    (summary) => {
      if (summary.stoppedBecause === 'disabled') stoppedReason = 'the receiver answered 410 Gone';
      return summary;
    },
    (error: unknown) => {
      stoppedReason = isGtxError(error)
        ? `${error.code}: ${error.message}`
        : asError(error).message;
      writeLine(io.stderr, `gtx serve: analytics feed stopped: ${stoppedReason}`);
      return null;
    },
  );
  return {
    probe: {
      lag: async () => {
        const [head, checkpoint] = await Promise.all([
          ledger.events.head(),
          dependencies.checkpoints.load(DEFAULT_FEED_NAME),
        ]);
        return Math.max(0, head.position - checkpoint);
      },
      disabledReason: () => stoppedReason,
    },
    stop: async () => {
      controller.abort();
      await running;
      await opened.close();
    },
  };
}
