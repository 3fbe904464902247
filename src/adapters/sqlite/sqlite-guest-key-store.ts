import { existsSync } from 'node:fs';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { inject, injectable } from 'inversify';
import type {
  GuestKeyStore,
  WrappedGuestKey,
} from '../../application/ports/guest-key-store.port.js';
import { SqliteStoreConnection } from './sqlite-store-connection.js';
import { SQLITE_LEDGER_OPTIONS, type SqliteLedgerSettings } from './sqlite-ledger-options.js';

interface KeyRow {
  readonly key_id: string;
  readonly guest_id_hash: string;
  readonly wrapped: string;
  readonly created_at: string;
}

/** What the last `forget` did to the files: whether the WAL could be emptied at once. */
export interface ForgetDiagnostics {
  readonly walCheckpointed: boolean;
}

/**
 * Guest keys in the `guest_keys` table of the ledger's own SQLite file, on a connection of its
 * own. `secure_delete` overwrites a deleted key's bytes, and a TRUNCATE checkpoint after each
 * forget empties the WAL, so a forgotten key does not linger in either file.
 */
@injectable()
export class SqliteGuestKeyStore implements GuestKeyStore {
  private readonly db: Database;
  private readonly byGuest: Statement<[string], KeyRow>;
  private readonly byId: Statement<[string], KeyRow>;
  private readonly insert: Statement<[string, string, string, string]>;
  private readonly page: Statement<[string, number], KeyRow>;
  private readonly idsOfGuest: Statement<[string], { key_id: string }>;
  private readonly deleteGuest: Statement<[string]>;
  private readonly replaceWrapped: Statement<[string, string, string]>;
  private readonly connection: SqliteStoreConnection;
  private lastForget: ForgetDiagnostics = { walCheckpointed: true };

  constructor(@inject(SQLITE_LEDGER_OPTIONS) settings: SqliteLedgerSettings) {
    this.connection = SqliteStoreConnection.open(settings);
    this.db = this.connection.db;
    this.db.pragma('secure_delete = ON');
    const columns = 'key_id, guest_id_hash, wrapped, created_at';
    this.byGuest = this.db.prepare(`SELECT ${columns} FROM guest_keys WHERE guest_id_hash = ?`);
    this.byId = this.db.prepare(`SELECT ${columns} FROM guest_keys WHERE key_id = ?`);
    this.insert = this.db.prepare(
      `INSERT INTO guest_keys (${columns}) VALUES (?, ?, ?, ?) ON CONFLICT (guest_id_hash) DO NOTHING`,
    );
    // '' sorts before every key id, so it reads from the first.
    this.page = this.db.prepare(
      `SELECT ${columns} FROM guest_keys WHERE key_id > ? ORDER BY key_id LIMIT ?`,
    );
    this.idsOfGuest = this.db.prepare('SELECT key_id FROM guest_keys WHERE guest_id_hash = ?');
    this.deleteGuest = this.db.prepare('DELETE FROM guest_keys WHERE guest_id_hash = ?');
    this.replaceWrapped = this.db.prepare(
      'UPDATE guest_keys SET wrapped = ? WHERE key_id = ? AND wrapped = ?',
    );
  }

  static open(settings: SqliteLedgerSettings): SqliteGuestKeyStore {
    return new SqliteGuestKeyStore(settings);
  }

  /**
   * The guest keys in the ledger file at `path`, read without creating or migrating anything:
   * 0 for a file that does not exist yet or has no key table.
   */
  static countKeys(path: string): number {
    if (path === ':memory:' || !existsSync(path)) return 0;
    const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    try {
      const table = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'guest_keys'")
        .get();
      if (table === undefined) return 0;
      const row = db.prepare('SELECT COUNT(*) AS n FROM guest_keys').get() as { n: number };
      return row.n;
    } finally {
      db.close();
    }
  }

  findByGuest(guestIdHash: string): Promise<WrappedGuestKey | null> {
    return this.run(() => toKey(this.byGuest.get(guestIdHash)));
  }

  findById(keyId: string): Promise<WrappedGuestKey | null> {
    return this.run(() => toKey(this.byId.get(keyId)));
  }

  createIfAbsent(key: WrappedGuestKey): Promise<WrappedGuestKey> {
    return this.run(() => {
      this.insert.run(key.keyId, key.guestIdHash, key.wrapped, key.createdAt);
      const stored = toKey(this.byGuest.get(key.guestIdHash));
      if (stored === null) throw new Error('the guest key vanished right after it was written');
      return stored;
    });
  }

  list(afterKeyId: string | null, limit: number): Promise<readonly WrappedGuestKey[]> {
    return this.run(() =>
      this.page
        .all(afterKeyId ?? '', Math.max(0, Math.floor(limit)))
        .map((row) => toKey(row))
        .filter((key): key is WrappedGuestKey => key !== null),
    );
  }

  rewrap(keyId: string, expectedWrapped: string, newWrapped: string): Promise<boolean> {
    // secure_delete overwrites the replaced wrap's bytes, as it does a forgotten key's.
    return this.run(
      () => this.replaceWrapped.run(newWrapped, keyId, expectedWrapped).changes === 1,
    );
  }

  forget(guestIdHash: string): Promise<readonly string[]> {
    return this.run(() => {
      const ids = this.db
        .transaction(() => {
          const found = this.idsOfGuest.all(guestIdHash).map((row) => row.key_id);
          this.deleteGuest.run(guestIdHash);
          return found;
        })
        .immediate();
      if (ids.length > 0) {
        const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
        this.lastForget = { walCheckpointed: result?.busy === 0 };
      }
      return ids;
    });
  }

  /** Whether the last forget could empty the WAL (another reader may have held it open). */
  forgetDiagnostics(): ForgetDiagnostics {
    return this.lastForget;
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private run<T>(work: () => T): Promise<T> {
    return this.connection.run(work);
  }
}

function toKey(row: KeyRow | undefined): WrappedGuestKey | null {
  if (row === undefined) return null;
  return {
    keyId: row.key_id,
    guestIdHash: row.guest_id_hash,
    wrapped: row.wrapped,
    createdAt: row.created_at,
  };
}
