import type { Command } from 'commander';
import {
  replayAnalytics,
  type ReplayFilters,
  type ReplaySummary,
} from '../../../application/feed/analytics-replay.js';
import { writeLine, type CliIo } from '../cli-io.js';
import { resolveLedgerPath } from '../cli-ledger.js';
import { openFeedDependencies } from '../feed-dependencies.js';
import type { CliServices } from '../cli-services.js';
import { EXIT } from '../exit-codes.js';
import { showsTerminalProgress, startTerminalProgress, type Progress } from '../progress.js';
import { CliExit, type CommandRegistrar } from '../run-cli.js';
import { parsePositiveInteger, stopSignal } from './feed.js';

interface ReplayCliOptions {
  readonly to: string;
  readonly ledger?: string;
  readonly since?: string;
  readonly until?: string;
  readonly fromPosition?: number;
  readonly stream?: string;
  readonly guest?: string;
  readonly type?: string;
  readonly batchSize?: number;
  readonly dryRun?: boolean;
  readonly resume?: boolean;
  readonly json?: boolean;
}

/** The filters as the ledger stores them: `--guest` is a keyed hash on a pseudonymised ledger. */
async function filtersOf(
  io: CliIo,
  services: CliServices,
  options: ReplayCliOptions,
): Promise<ReplayFilters> {
  const guestId =
    options.guest === undefined
      ? undefined
      : await storedGuestId(io, services, resolveLedgerPath(io, options.ledger), options.guest);
  return {
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(options.until === undefined ? {} : { until: options.until }),
    ...(options.fromPosition === undefined ? {} : { fromPosition: options.fromPosition }),
    ...(options.stream === undefined ? {} : { streamId: options.stream }),
    ...(guestId === undefined ? {} : { guestId }),
    ...(options.type === undefined ? {} : { type: options.type }),
  };
}

async function storedGuestId(
  io: CliIo,
  services: CliServices,
  ledgerPath: string,
  guestId: string,
): Promise<string> {
  const lookup = services.openGuestLookup(io, ledgerPath);
  try {
    return await lookup.pseudonymiser.guestId(guestId);
  } finally {
    await lookup.close();
  }
}

function describeReplay(summary: ReplaySummary): string[] {
  const verb = summary.dryRun ? 'would deliver' : 'delivered';
  const lines = [
    `replay -> ${summary.target}${summary.dryRun ? ' (dry run)' : ''}`,
    `  positions ${String(summary.afterPosition + 1)}..${String(summary.headPosition)}` +
      (summary.resumedFrom === null ? '' : `, resumed after ${String(summary.resumedFrom)}`),
    `  matched ${String(summary.matched)}, ${verb} ${String(summary.dryRun ? summary.matched : summary.delivered)} ` +
      `in ${String(summary.batches)} batch(es), ${String(summary.retries)} retries`,
  ];
  if (!summary.completed) lines.push('  interrupted: run the same command with --resume to go on');
  return lines;
}

async function replay(io: CliIo, services: CliServices, options: ReplayCliOptions): Promise<void> {
  const opened = openFeedDependencies(services, io, options.ledger, options.to);
  const { signal, release } = stopSignal();
  // Started at the first progress report, once the total is known.
  const bar: { current: Progress | null } = { current: null };
  try {
    const summary = await replayAnalytics(opened.dependencies, {
      filters: await filtersOf(io, services, options),
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      dryRun: options.dryRun === true,
      resume: options.resume === true,
      signal,
      ...(showsTerminalProgress(io, options)
        ? {
            onProgress: (scanned: number, total: number) => {
              bar.current ??= startTerminalProgress(io, {
                label: 'replay',
                total,
                clock: services.clock,
              });
              bar.current?.update(scanned, total);
            },
          }
        : {}),
    });
    bar.current?.stop();
    bar.current = null;
    if (options.json === true) writeLine(io.stdout, JSON.stringify(summary));
    else for (const line of describeReplay(summary)) writeLine(io.stdout, line);
    if (!summary.completed) throw new CliExit(EXIT.usage);
  } finally {
    bar.current?.stop();
    release();
    await opened.close();
  }
}

export const registerReplay: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  program
    .command('replay')
    .description(
      're-deliver historical events to a sink (signed, marked webhook-replay: true); ' +
        'the live feed checkpoint is not touched',
    )
    .requiredOption('--to <url|file>', 'a webhook URL or an NDJSON file')
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--since <iso>', 'events recorded at or after this time')
    .option('--until <iso>', 'events recorded before this time')
    .option('--from-position <n>', 'events at this ledger position or later', parsePositiveInteger)
    .option('--stream <id>', 'one stream, e.g. transmission-<commandId>')
    .option(
      '--guest <id>',
      "one guest's events: the id as sent (on a pseudonymised ledger hashed with its key first, which needs the master key)",
    )
    .option('--type <type>', 'one event type, e.g. TransmissionDelivered')
    .option('--batch-size <n>', 'events per batch (default 100)', parsePositiveInteger)
    .option('--dry-run', 'count what would be delivered; send nothing')
    .option('--resume', 'continue an interrupted replay with the same target and filters')
    .option('--json', 'print the summary as JSON')
    .action((options: ReplayCliOptions) => replay(io, services, options));
};
