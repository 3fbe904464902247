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
import { parseLedgerLocation, type LedgerLocation } from '../adapters/config/ledger-location.js';
import { PostgresDatabase } from '../adapters/postgres/postgres-database.js';
import { PostgresFeedCheckpointStore } from '../adapters/postgres/postgres-feed-checkpoint-store.js';
import { PostgresGuestKeyStore } from '../adapters/postgres/postgres-guest-key-store.js';
import { openPostgresLedger } from '../adapters/postgres/postgres-ledger.js';
import type {
  AnalyticsSink,
  Clock,
  FeedCheckpointStore,
  Ledger,
} from '../application/ports/index.js';
import type { ForgettingGuestKeyStore } from '../adapters/cli/cli-services.js';
import { WebMessagingGuestSessionEraser } from '../adapters/genesys/web-messaging/guest-session-eraser.js';
import { PostgresGuestSessionStore } from '../adapters/genesys/web-messaging/postgres-guest-session-store.js';
import { SqliteGuestSessionStore } from '../adapters/genesys/web-messaging/sqlite-guest-session-store.js';
import type { GuestSessionEraser } from '../application/ports/guest-session-eraser.port.js';

/** A command's ledger: an absolute file path (resolved by the caller) or a postgres:// URL. */
export function ledgerLocationOf(target: string): LedgerLocation {
  return parseLedgerLocation(target, process.cwd());
}

/** Each store opened alone gets its own pool, ended when the store is closed. */
function database(location: Extract<LedgerLocation, { kind: 'postgres' }>): PostgresDatabase {
  return PostgresDatabase.open({ url: location.url, schema: location.schema });
}

export function openLedgerFile(
  target: string,
  clock: Clock,
  options: OpenLedgerOptions = {},
): Ledger {
  const location = ledgerLocationOf(target);
  // A database ledger's readers need no read-only mode: they never append.
  if (location.kind === 'postgres') return openPostgresLedger(database(location), clock);
  return openSqliteLedger({
    path: location.path,
    clock,
    ...(options.readOnly === true ? { readOnly: true } : {}),
  });
}

export function openCheckpointStore(target: string, clock: Clock): FeedCheckpointStore {
  const location = ledgerLocationOf(target);
  if (location.kind === 'postgres') {
    return new PostgresFeedCheckpointStore(database(location), clock);
  }
  return SqliteFeedCheckpointStore.open({ path: location.path }, clock);
}

export function openGuestKeyStore(target: string): ForgettingGuestKeyStore {
  const location = ledgerLocationOf(target);
  if (location.kind === 'postgres') {
    const store = new PostgresGuestKeyStore(database(location));
    // A deleted row leaves no WAL copy behind to empty, as SQLite's does.
    return Object.assign(store, { forgetDiagnostics: () => ({ walCheckpointed: true }) });
  }
  return SqliteGuestKeyStore.open({ path: location.path });
}

/** The Web Messaging session tokens kept beside the ledger, found through GENESYS_DEPLOYMENT_ID. */
export function openGuestSessionEraser(io: CliIo, target: string): GuestSessionEraser {
  const location = ledgerLocationOf(target);
  const store =
    location.kind === 'postgres'
      ? new PostgresGuestSessionStore(database(location))
      : new SqliteGuestSessionStore({ path: location.path });
  return new WebMessagingGuestSessionEraser(store, readSettings(io).GENESYS_DEPLOYMENT_ID);
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
