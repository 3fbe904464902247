import type { Database, Statement } from 'better-sqlite3';
import { SqliteStoreConnection } from '../../sqlite/sqlite-store-connection.js';
import { type SqliteLedgerSettings } from '../../sqlite/sqlite-ledger-options.js';
import type { GuestSessionStore, StoredGuestSession } from './guest-session-store.js';

interface SessionRow {
  readonly session_key: string;
  readonly token: string;
  readonly updated_at: string;
}

/**
 * Guest session tokens in the `webmessaging_sessions` table of the ledger's SQLite file, on a
 * connection of its own. The table is not part of the hash chain: a token is replaced when a
 * session expires and deleted bytes are overwritten (`secure_delete`).
 */
export class SqliteGuestSessionStore implements GuestSessionStore {
  private readonly db: Database;
  private readonly byKey: Statement<[string], SessionRow>;
  private readonly upsert: Statement<[string, string, string]>;
  private readonly remove: Statement<[string]>;
  private readonly countAll: Statement<[], { readonly sessions: number }>;
  private readonly connection: SqliteStoreConnection;

  constructor(settings: SqliteLedgerSettings) {
    this.connection = SqliteStoreConnection.open(settings);
    this.db = this.connection.db;
    this.db.pragma('secure_delete = ON');
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS webmessaging_sessions (
         session_key TEXT PRIMARY KEY,
         token TEXT NOT NULL,
         updated_at TEXT NOT NULL
       ) STRICT`,
    );
    this.byKey = this.db.prepare(
      'SELECT session_key, token, updated_at FROM webmessaging_sessions WHERE session_key = ?',
    );
    this.upsert = this.db.prepare(
      `INSERT INTO webmessaging_sessions (session_key, token, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (session_key) DO UPDATE SET token = excluded.token, updated_at = excluded.updated_at`,
    );
    this.remove = this.db.prepare('DELETE FROM webmessaging_sessions WHERE session_key = ?');
    this.countAll = this.db.prepare('SELECT count(*) AS sessions FROM webmessaging_sessions');
  }

  find(key: string): Promise<StoredGuestSession | null> {
    return this.run(() => {
      const row = this.byKey.get(key);
      return row === undefined
        ? null
        : { key: row.session_key, token: row.token, updatedAt: row.updated_at };
    });
  }

  save(session: StoredGuestSession): Promise<void> {
    return this.run(() => {
      this.upsert.run(session.key, session.token, session.updatedAt);
    });
  }

  delete(key: string): Promise<void> {
    return this.run(() => {
      this.remove.run(key);
    });
  }

  count(): Promise<number> {
    return this.run(() => this.countAll.get()?.sessions ?? 0);
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private run<T>(work: () => T): Promise<T> {
    return this.connection.run(work);
  }
}
