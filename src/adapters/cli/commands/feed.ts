import { InvalidArgumentError, type Command } from 'commander';
import {
  AnalyticsFeed,
  DEFAULT_FEED_NAME,
  DEFAULT_FEED_SETTINGS,
  type FeedRunSummary,
} from '../../../application/feed/analytics-feed.js';
import { FeedDisabledError } from '../../../application/feed/feed-errors.js';
import { readFeedState, recordFeedEnabled } from '../../../application/feed/feed-stream.js';
import { epochMsToIso } from '../../../domain/index.js';
import { writeLine, type CliIo } from '../cli-io.js';
import { openCliLedger } from '../cli-ledger.js';
import { openFeedDependencies } from '../feed-dependencies.js';
import type { CliServices } from '../cli-services.js';
import type { CommandRegistrar } from '../run-cli.js';

export function parsePositiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('must be a positive integer');
  }
  return parsed;
}

/** An AbortSignal that SIGINT or SIGTERM aborts, and the function that stops listening. */
export function stopSignal(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const stop = (): void => {
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

interface RunOptions {
  readonly ledger?: string;
  readonly to?: string;
  readonly once?: boolean;
  readonly batchSize?: number;
  readonly maxWaitMs?: number;
  readonly name: string;
  readonly json?: boolean;
}

function describeRun(summary: FeedRunSummary): string {
  const why = {
    caughtUp: 'caught up',
    stopped: 'stopped',
    disabled: 'DISABLED: the receiver answered 410 Gone',
  }[summary.stoppedBecause];
  return (
    `feed ${summary.feed} -> ${summary.target}: ${String(summary.events)} event(s) in ` +
    `${String(summary.batches)} batch(es), ${String(summary.retries)} retr${summary.retries === 1 ? 'y' : 'ies'}; ` +
    `checkpoint ${String(summary.startPosition)} -> ${String(summary.position)} (${why})`
  );
}

async function runFeed(io: CliIo, services: CliServices, options: RunOptions): Promise<void> {
  const opened = openFeedDependencies(services, io, options.ledger, options.to);
  const { signal, release } = stopSignal();
  try {
    const feed = new AnalyticsFeed(opened.dependencies, {
      name: options.name,
      batchSize: options.batchSize ?? DEFAULT_FEED_SETTINGS.batchSize,
      maxBatchWaitMs: options.maxWaitMs ?? DEFAULT_FEED_SETTINGS.maxBatchWaitMs,
    });
    const summary = await feed.run({ signal, once: options.once === true });
    writeLine(io.stdout, options.json === true ? JSON.stringify(summary) : describeRun(summary));
    if (summary.stoppedBecause === 'disabled') {
      throw new FeedDisabledError(summary.feed, 'the receiver answered 410 Gone');
    }
  } finally {
    release();
    await opened.close();
  }
}

async function enableFeed(
  io: CliIo,
  services: CliServices,
  options: { ledger?: string; name: string; json?: boolean },
): Promise<void> {
  const ledger = openCliLedger(services, io, options.ledger);
  try {
    const state = await readFeedState(ledger.events, options.name);
    if (state.disabled) {
      await recordFeedEnabled(ledger.events, options.name, epochMsToIso(services.clock.now()));
    }
    const result = { feed: options.name, wasDisabled: state.disabled, enabled: true };
    writeLine(
      io.stdout,
      options.json === true
        ? JSON.stringify(result)
        : state.disabled
          ? `feed ${options.name} enabled again (it was disabled: ${state.reason ?? 'unknown'})`
          : `feed ${options.name} is already enabled`,
    );
  } finally {
    await ledger.close();
  }
}

export const registerFeed: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  const feed = program
    .command('feed')
    .description('the analytics feed: ledger events, batched, to a webhook or an NDJSON file');
  feed
    .command('run')
    .description('deliver ledger events from the feed checkpoint on (until SIGINT/SIGTERM)')
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--to <url|file>', 'a webhook URL or an NDJSON file (default ANALYTICS_WEBHOOK_URL)')
    .option('--once', 'deliver what is in the ledger now, then exit')
    .option('--batch-size <n>', 'events per batch (default 100)', parsePositiveInteger)
    .option(
      '--max-wait-ms <n>',
      'send a partial batch after this wait (default 2000)',
      parsePositiveInteger,
    )
    .option('--name <name>', 'the feed (its checkpoint and ledger stream)', DEFAULT_FEED_NAME)
    .option('--json', 'print the summary as JSON')
    .action((options: RunOptions) => runFeed(io, services, options));
  feed
    .command('enable')
    .description('enable a feed that a 410 Gone disabled (recorded in the ledger)')
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--name <name>', 'the feed', DEFAULT_FEED_NAME)
    .option('--json', 'print the result as JSON')
    .action((options: { ledger?: string; name: string; json?: boolean }) =>
      enableFeed(io, services, options),
    );
};
