import type { FeedDependencies } from '../../application/feed/analytics-feed.js';
import type { Ledger } from '../../application/ports/index.js';
import type { CliIo } from './cli-io.js';
import { openCliLedger, resolveLedgerPath } from './cli-ledger.js';
import type { CliServices } from './cli-services.js';

/** What the analytics feed and a replay run on, opened together and closed together. */
export interface OpenedFeedDependencies {
  /** Also a `ReplayDependencies`: the two take the same parts. */
  readonly dependencies: FeedDependencies;
  readonly ledger: Ledger;
  close(): Promise<void>;
}

/**
 * Opens an existing ledger (`--ledger`, else GTX_LEDGER), its feed checkpoints and the sink
 * (`--to`, else ANALYTICS_WEBHOOK_URL), for `gtx feed run`, `gtx replay` and the feed beside
 * `gtx serve`.
 */
export function openFeedDependencies(
  services: CliServices,
  io: CliIo,
  ledgerOption: string | undefined,
  to: string | undefined,
): OpenedFeedDependencies {
  // Before anything that can span, released last so the final batch's spans are flushed.
  const tracing = services.holdTracing(io);
  const sink = services.openSink(io, to);
  const ledger = openCliLedger(services, io, ledgerOption);
  const checkpoints = services.openCheckpoints(resolveLedgerPath(io, ledgerOption));
  return {
    dependencies: {
      ledger: ledger.events,
      checkpoints,
      sink,
      clock: services.clock,
      random: services.random,
      logger: services.logger(io),
    },
    ledger,
    close: async () => {
      try {
        await sink.close();
        await checkpoints.close();
        await ledger.close();
      } finally {
        await tracing.release();
      }
    },
  };
}
