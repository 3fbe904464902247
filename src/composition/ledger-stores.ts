/**
 * Every store of one ledger, opened together by location: the events and work queue, the guest
 * keys and the feed checkpoints. The CLI's commands, the feed, replay and `gtx ledger copy`
 * open a ledger through here, so each engine is wired in one place.
 */
import { existsSync } from 'node:fs';
import { PostgresDatabase } from '../adapters/postgres/postgres-database.js';
import { PostgresFeedCheckpointStore } from '../adapters/postgres/postgres-feed-checkpoint-store.js';
import { PostgresGuestKeyStore } from '../adapters/postgres/postgres-guest-key-store.js';
import { openPostgresLedger } from '../adapters/postgres/postgres-ledger.js';
import { SqliteFeedCheckpointStore } from '../adapters/sqlite/sqlite-feed-checkpoint-store.js';
import { SqliteGuestKeyStore } from '../adapters/sqlite/sqlite-guest-key-store.js';
import { openSqliteLedger } from '../adapters/sqlite/sqlite-ledger.js';
import type { StoredRow } from '../application/ledger/ledger-rows.js';
import type {
  Clock,
  FeedCheckpointStore,
  GuestKeyStore,
  Ledger,
} from '../application/ports/index.js';
import { GtxError } from '../domain/index.js';
import type { LedgerLocation } from '../adapters/config/ledger-location.js';

export interface LedgerStores {
  readonly location: LedgerLocation;
  readonly ledger: Ledger;
  readonly guestKeys: GuestKeyStore;
  readonly checkpoints: FeedCheckpointStore;
  /** For `gtx ledger copy`: rows exactly as stored, continuing the head. */
  importStoredRows(rows: readonly StoredRow[]): Promise<void>;
  /** After the last import: brings the work queue up to the imported events. */
  finishImport(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  readonly readOnly?: boolean;
  /** A reader must not create an empty ledger at a typo: refuse a file that does not exist. */
  readonly mustExist?: boolean;
}

export function openLedgerStores(
  location: LedgerLocation,
  clock: Clock,
  options: OpenStoresOptions = {},
): LedgerStores {
  if (location.kind === 'sqlite') return openSqliteStores(location.path, clock, options);
  return openPostgresStores(location, clock);
}

/** Every store on one pool; the pool ends when the last of them is closed. */
function openPostgresStores(
  location: Extract<LedgerLocation, { kind: 'postgres' }>,
  clock: Clock,
): LedgerStores {
  const database = PostgresDatabase.open({ url: location.url, schema: location.schema });
  const ledger = openPostgresLedger(database, clock);
  const guestKeys = new PostgresGuestKeyStore(database);
  const checkpoints = new PostgresFeedCheckpointStore(database, clock);
  return {
    location,
    ledger,
    guestKeys,
    checkpoints,
    importStoredRows: (rows) => ledger.events.importStoredRows(rows),
    // The PostgreSQL import projects each page in its own transaction already.
    finishImport: () => Promise.resolve(),
    close: async () => {
      await checkpoints.close();
      await guestKeys.close();
      await ledger.close();
    },
  };
}

function openSqliteStores(path: string, clock: Clock, options: OpenStoresOptions): LedgerStores {
  if (options.mustExist === true && !existsSync(path)) {
    throw new GtxError('LEDGER_NOT_FOUND', `no ledger at ${path} (set --ledger or GTX_LEDGER)`);
  }
  const ledger = openSqliteLedger({
    path,
    clock,
    ...(options.readOnly === true ? { readOnly: true } : {}),
  });
  const guestKeys = SqliteGuestKeyStore.open({ path });
  const checkpoints = SqliteFeedCheckpointStore.open({ path }, clock);
  return {
    location: { kind: 'sqlite', path },
    ledger,
    guestKeys,
    checkpoints,
    importStoredRows: (rows) => ledger.events.importStoredRows(rows),
    finishImport: () => ledger.work.rebuild(),
    close: async () => {
      await checkpoints.close();
      await guestKeys.close();
      await ledger.close();
    },
  };
}
