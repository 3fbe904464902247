import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdtempSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { LedgerUnavailableError } from '../../application/errors.js';
import { isGtxError } from '../../domain/index.js';
import { LATEST_SCHEMA_VERSION, migrate } from './sqlite-migrations.js';

export interface ConnectionSettings {
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly busyTimeoutMs: number;
  readonly readOnly?: boolean;
}

const IN_MEMORY = ':memory:';

/**
 * Opens the ledger file, applies pragmas and migrations. Anything that stops that (a directory,
 * a file that is not SQLite, a path that cannot be written) becomes one `LedgerUnavailableError`
 * naming the path; the connection is closed, and migrations run in transactions, so a failed
 * open leaves no half-made schema behind.
 */
export function openConnection(settings: ConnectionSettings): Database.Database {
  if (settings.readOnly === true) return openReadOnly(settings);
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

/**
 * A reader's connection: SQLite's own read-only mode, so nothing (not even a WAL switch or a
 * migration) writes to the file; a schema this program does not read exactly is refused.
 */
function openReadOnly(settings: ConnectionSettings): Database.Database {
  let db: Database.Database;
  try {
    db = openReadOnlyFile(settings.path);
  } catch (error) {
    throw unavailable(settings.path, error);
  }
  try {
    db.pragma(`busy_timeout = ${String(Math.max(0, Math.floor(settings.busyTimeoutMs)))}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== LATEST_SCHEMA_VERSION) {
      throw new LedgerUnavailableError(
        `its schema version ${String(version)} is not this program's ${String(LATEST_SCHEMA_VERSION)}; open it once with write access to migrate it, or use the matching genesys-transmitter`,
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw unavailable(settings.path, error);
  }
}

function openReadOnlyFile(path: string): Database.Database {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    // SQLite opens lazily: the first read is where a missing `-shm` shows.
    db.pragma('user_version', { simple: true });
    return db;
  } catch (error) {
    db?.close();
    // A WAL-mode file on a read-only file system cannot be opened in place when its `-shm`
    // file does not exist and cannot be created (and better-sqlite3 has no `immutable` URI).
    // A private snapshot, with its WAL, reads the same rows.
    if ((error as { code?: unknown }).code !== 'SQLITE_CANTOPEN' || !existsSync(path)) throw error;
    return openSnapshot(path);
  }
}

function openSnapshot(path: string): Database.Database {
  const dir = mkdtempSync(join(tmpdir(), 'gtx-ledger-snapshot-'));
  const copy = join(dir, basename(path));
  copyFileSync(path, copy);
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
  let db: Database.Database;
  try {
    db = new Database(copy, { readonly: true, fileMustExist: true });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // The snapshot lives as long as the connection: closing it removes the copy.
  const close = db.close.bind(db);
  db.close = () => {
    close();
    rmSync(dir, { recursive: true, force: true });
    return db;
  };
  return db;
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
