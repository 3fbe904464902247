import type { Database } from 'better-sqlite3';
import { LedgerClosedError } from '../../application/errors.js';
import { asLedgerError, openConnection } from './sqlite-connection.js';
import { SQLITE_LEDGER_DEFAULTS, type SqliteLedgerSettings } from './sqlite-ledger-options.js';

/**
 * The connection of a small store kept in the ledger file beside the events (guest keys, feed
 * checkpoints, Web Messaging sessions). Work runs as the ledger's does: asynchronously, refused
 * with LEDGER_CLOSED once closed, SQLite failures as coded ledger errors; closing is idempotent.
 */
export class SqliteStoreConnection {
  private closed = false;

  private constructor(readonly db: Database) {}

  /** Opens (creating and migrating when needed) the ledger file; throws `LedgerUnavailableError`. */
  static open(
    settings: Pick<SqliteLedgerSettings, 'path' | 'synchronous' | 'busyTimeoutMs'>,
  ): SqliteStoreConnection {
    return new SqliteStoreConnection(
      openConnection({
        path: settings.path,
        synchronous: settings.synchronous ?? SQLITE_LEDGER_DEFAULTS.synchronous,
        busyTimeoutMs: settings.busyTimeoutMs ?? SQLITE_LEDGER_DEFAULTS.busyTimeoutMs,
      }),
    );
  }

  run<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new LedgerClosedError());
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(asLedgerError(error));
    }
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
    return Promise.resolve();
  }
}
