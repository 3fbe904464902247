import type { Command } from 'commander';
import { DEFAULT_FEED_NAME } from '../../../application/feed/analytics-feed.js';
import { computeLedgerStats, type LedgerStats } from '../../../application/feed/ledger-stats.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import { openCliLedger, resolveLedgerPath } from '../cli-ledger.js';
import { describeViolations } from '../outcome-format.js';
import type { CommandRegistrar } from '../run-cli.js';

/** The figures `gtx stats --json` prints; `report` holds the full delivery report. */
export function statsJson(stats: LedgerStats): Record<string, unknown> {
  const { report, feed } = stats;
  return {
    sent: report.requested,
    attempts: report.attempts,
    delivered: report.delivered,
    rejected: report.rejected,
    rejectedByCode: report.rejectedByCode,
    retried: report.retried,
    deadLettered: report.deadLettered,
    deadLetteredByReason: report.deadLetteredByReason,
    open: report.open,
    deliveryRate: report.deliveryRate,
    latencyMs: report.latencyMs,
    feed: {
      name: feed.name,
      checkpoint: feed.checkpoint,
      headPosition: feed.headPosition,
      lag: feed.lag,
      disabled: feed.state.disabled,
      disabledReason: feed.state.reason,
    },
    report,
  };
}

const ms = (value: number | null): string => (value === null ? '-' : String(value));

function describeStats(stats: LedgerStats): string[] {
  const { report, feed } = stats;
  const rate = report.deliveryRate === null ? '-' : `${(report.deliveryRate * 100).toFixed(1)}%`;
  return [
    `sent           ${String(report.requested)} (${String(report.attempts)} attempts, ${String(report.open)} still open)`,
    `delivered      ${String(report.delivered)}`,
    `rejected       ${String(report.rejected)}`,
    ...describeViolations(report.rejectedByCode, '  violations   '),
    `retried        ${String(report.retried)}`,
    `dead-lettered  ${String(report.deadLettered)}`,
    `delivery rate  ${rate}`,
    `latency ms     p50 ${ms(report.latencyMs.p50)}  p95 ${ms(report.latencyMs.p95)}  p99 ${ms(report.latencyMs.p99)}  max ${ms(report.latencyMs.max)}`,
    `feed ${feed.name}   checkpoint ${String(feed.checkpoint)} of ${String(feed.headPosition)}, lag ${String(feed.lag)} event(s)` +
      (feed.state.disabled ? `, DISABLED (${feed.state.reason ?? 'unknown'})` : ''),
  ];
}

async function stats(
  io: CliIo,
  services: CliServices,
  options: { ledger?: string; feed: string; json?: boolean },
): Promise<void> {
  const ledger = openCliLedger(services, io, options.ledger);
  const checkpoints = services.openCheckpoints(resolveLedgerPath(io, options.ledger));
  try {
    const result = await computeLedgerStats(ledger.events, checkpoints, options.feed);
    if (options.json === true) writeLine(io.stdout, JSON.stringify(statsJson(result)));
    else for (const line of describeStats(result)) writeLine(io.stdout, line);
  } finally {
    await checkpoints.close();
    await ledger.close();
  }
}

export const registerStats: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  program
    .command('stats')
    .description(
      'delivery figures, latency percentiles and the analytics feed lag, from the ledger',
    )
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--feed <name>', 'the feed whose lag to show', DEFAULT_FEED_NAME)
    .option('--json', 'print the figures as JSON')
    .action((options: { ledger?: string; feed: string; json?: boolean }) =>
      stats(io, services, options),
    );
};
