/**
 * The stores and sinks of a ledger file that the CLI commands, the feed and replay open: the
 * ledger itself, its feed checkpoints, its guest keys, and the analytics sink from settings.
 */
import type { CliIo } from '../adapters/cli/cli-io.js';
import { readSettings } from '../adapters/cli/cli-runtime.js';
import type { OpenLedgerOptions } from '../adapters/cli/cli-services.js';
import { ConfigurationError } from '../adapters/config/environment-settings.js';
import { openAnalyticsSink } from '../adapters/sinks/analytics-sinks.js';
import { SqliteFeedCheckpointStore } from '../adapters/sqlite/sqlite-feed-checkpoint-store.js';
import { SqliteGuestKeyStore } from '../adapters/sqlite/sqlite-guest-key-store.js';
import { openSqliteLedger } from '../adapters/sqlite/sqlite-ledger.js';
import type { AnalyticsSink, Clock, Ledger } from '../application/ports/index.js';

export function openLedgerFile(
  path: string,
  clock: Clock,
  options: OpenLedgerOptions = {},
): Ledger {
  return openSqliteLedger({
    path,
    clock,
    ...(options.readOnly === true ? { readOnly: true } : {}),
  });
}

export function openCheckpointStore(ledgerPath: string, clock: Clock): SqliteFeedCheckpointStore {
  return SqliteFeedCheckpointStore.open({ path: ledgerPath }, clock);
}

export function openGuestKeyStore(ledgerPath: string): SqliteGuestKeyStore {
  return SqliteGuestKeyStore.open({ path: ledgerPath });
}

/** The sink `--to` names, or ANALYTICS_WEBHOOK_URL; the secret always comes from settings. */
export function openSettingsSink(io: CliIo, to: string | undefined, clock: Clock): AnalyticsSink {
  const settings = readSettings(io);
  const target = to ?? settings.ANALYTICS_WEBHOOK_URL;
  if (target === undefined) {
    throw new ConfigurationError('ANALYTICS_WEBHOOK_URL', 'is not set (or pass --to URL|FILE)');
  }
  return openAnalyticsSink(
    {
      to: target,
      ...(settings.ANALYTICS_WEBHOOK_SECRET === undefined
        ? {}
        : { secret: settings.ANALYTICS_WEBHOOK_SECRET }),
      timeoutMs: settings.GTX_REQUEST_TIMEOUT_MS,
    },
    clock,
  );
}
