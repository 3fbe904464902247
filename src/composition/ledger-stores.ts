/**
 * Every store of one ledger, opened together by location: the events and work queue, the guest
 * keys and the feed checkpoints. The CLI's commands, the feed, replay and `gtx ledger copy`
 * open a ledger through here, so each engine is wired in one place.
 */
import { existsSync } from 'node:fs';
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
import { describeLedgerLocation, type LedgerLocation } from './ledger-location.js';

export interface LedgerStores {
  readonly location: LedgerLocation;
  readonly ledger: Ledger;
  readonly guestKeys: GuestKeyStore;
  readonly checkpoints: FeedCheckpointStore;
  /** For `gtx ledger copy`: rows exactly as stored, continuing the head. */
  importStoredRows(rows: readonly StoredRow[]): Promise<void>;
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
  throw new GtxError(
    'LEDGER_UNAVAILABLE',
    `${describeLedgerLocation(location)}: PostgreSQL ledgers are not wired yet`,
  );
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
    close: async () => {
      await checkpoints.close();
      await guestKeys.close();
      await ledger.close();
    },
  };
}
