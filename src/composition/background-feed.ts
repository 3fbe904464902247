import { writeLine, type CliIo } from '../adapters/cli/cli-io.js';
import { openFeedDependencies } from '../adapters/cli/feed-dependencies.js';
import { readSettings } from '../adapters/cli/cli-runtime.js';
import type { CliServices } from '../adapters/cli/cli-services.js';
import { parseLedgerLocation } from '../adapters/config/ledger-location.js';
import type { FeedProbe } from '../adapters/http/http-service.js';
import { PostgresDatabase } from '../adapters/postgres/postgres-database.js';
import { PostgresLeaderLock } from '../adapters/postgres/postgres-leader-lock.js';
import {
  AnalyticsFeed,
  DEFAULT_FEED_NAME,
  type FeedRunSummary,
} from '../application/feed/analytics-feed.js';
import { readFeedState } from '../application/feed/feed-stream.js';
import type { LeaderLock } from '../application/ports/index.js';
import { asError, isGtxError } from '../domain/index.js';

export interface BackgroundFeed {
  readonly probe: FeedProbe;
  /** Stops the loop after its current batch; the checkpoint is already saved per batch. */
  stop(): Promise<void>;
}

/** How often a standby worker asks whether it may run the feed now. */
const STANDBY_RETRY_MS = 2000;

/**
 * Several workers on one PostgreSQL ledger run the feed in one of them at a time: the holder of
 * an advisory lock, which a dead worker's connection gives up. A SQLite file is one machine's,
 * and its worker runs the feed itself.
 */
function openLeaderLock(ledgerTarget: string, cwd: string): LeaderLock | null {
  const location = parseLedgerLocation(ledgerTarget, cwd);
  if (location.kind !== 'postgres') return null;
  return new PostgresLeaderLock(
    PostgresDatabase.open({ url: location.url, schema: location.schema }),
  );
}

function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The analytics feed beside the service, when ANALYTICS_WEBHOOK_URL is set: its own ledger
 * connection and checkpoint, never awaited by a send. A fault ends only the feed, reported on
 * /readyz; sends go on. With several workers it runs in the leader only; a standby takes over
 * when the leader's lock is gone.
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
  const lock = openLeaderLock(ledgerPath, io.cwd);
  const controller = new AbortController();
  let stoppedReason: string | null =
    (await readFeedState(ledger.events, DEFAULT_FEED_NAME)).reason ?? null;

  const runOnce = (signal: AbortSignal): Promise<FeedRunSummary | null> =>
    feed.run({ signal }).then(
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

  let leading = false;
  const lead = async (): Promise<void> => {
    if (lock === null) {
      leading = true;
      await runOnce(controller.signal);
      leading = false;
      return;
    }
    while (!controller.signal.aborted && stoppedReason === null) {
      let leadership;
      try {
        leadership = await lock.tryAcquire(DEFAULT_FEED_NAME);
      } catch (error) {
        dependencies.logger.warn('could not ask for the analytics feed leadership', {
          code: isGtxError(error) ? error.code : 'UNEXPECTED',
        });
        leadership = null;
      }
      if (leadership === null) {
        await waitOrAbort(STANDBY_RETRY_MS, controller.signal);
        continue;
      }
      leading = true;
      try {
        await runOnce(AbortSignal.any([controller.signal, leadership.lost]));
      } finally {
        leading = false;
        await leadership.release();
      }
    }
  };
  const running = lead();

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
      leading: () => leading,
    },
    stop: async () => {
      controller.abort();
      await running;
      await lock?.close();
      // Releases its hold on the trace SDK last: the feed may stop after the service.
      await opened.close();
    },
  };
}
