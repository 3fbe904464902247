import { accessSync, constants, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { LedgerUnavailableError } from '../../application/errors.js';
import { isGtxError } from '../../domain/index.js';
import { migrate } from './sqlite-migrations.js';

export interface ConnectionSettings {
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly busyTimeoutMs: number;
}

const IN_MEMORY = ':memory:';

/**
 * Opens the ledger file, applies pragmas and migrations. Anything that stops that (a directory,
 * a file that is not SQLite, a path that cannot be written) becomes one `LedgerUnavailableError`
 * naming the path; the connection is closed, and migrations run in transactions, so a failed
 * open leaves no half-made schema behind.
 */
export function openConnection(settings: ConnectionSettings): Database.Database {
  checkPath(settings.path);
  let db: Database.Database;
  try {
    db = new Database(settings.path);
  } catch (error) {
    throw unavailable(settings.path, error);
  }
  try {
    configure(db, settings);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw unavailable(settings.path, error);
  }
}

function checkPath(path: string): void {
  if (path === IN_MEMORY) return;
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return;
  if (stats.isDirectory())
    throw new LedgerUnavailableError(`${path} is a directory, not a ledger file`);
  try {
    // SQLite would quietly open an unwritable file read-only and fail at the first append.
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new LedgerUnavailableError(`${path} cannot be read and written`, error);
  }
}

function configure(db: Database.Database, settings: ConnectionSettings): void {
  db.pragma(`busy_timeout = ${String(Math.max(0, Math.floor(settings.busyTimeoutMs)))}`);
  // The first read of the header: a file that is not a database fails here, untouched.
  db.pragma('user_version', { simple: true });
  // WAL lets readers run beside the one writer; in-memory databases stay in 'memory' mode.
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${settings.synchronous}`);
  db.pragma('foreign_keys = ON');
}

function unavailable(path: string, error: unknown): LedgerUnavailableError {
  return new LedgerUnavailableError(`cannot open ${path} as a ledger: ${reasonOf(error)}`, error);
}

function reasonOf(error: unknown): string {
  if (isGtxError(error) && error.code === 'LEDGER_UNAVAILABLE') {
    return error.message.replace(/^the ledger cannot be used: /, '');
  }
  return error instanceof Error ? error.message : String(error);
}

/** SQLite failures during use (disk full, lock timeout) are the ledger being unavailable. */
export function asLedgerError(error: unknown): Error {
  if (isGtxError(error)) return error;
  return new LedgerUnavailableError(error instanceof Error ? error.message : String(error), error);
}
