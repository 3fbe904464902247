import type { PostgresDatabase } from '../../postgres/postgres-database.js';
import { PostgresStoreConnection } from '../../postgres/postgres-store-connection.js';
import type { GuestSessionStore, StoredGuestSession } from './guest-session-store.js';

/**
 * Guest session tokens in the `webmessaging_sessions` table of the ledger's PostgreSQL schema,
 * shared by every process on it, so whichever worker sends for a guest resumes its session. The
 * table is not part of the hash chain: a token is replaced when a session expires.
 */
export class PostgresGuestSessionStore implements GuestSessionStore {
  private readonly connection: PostgresStoreConnection;
  private readonly table: string;

  /** Retains `database` until closed. */
  constructor(database: PostgresDatabase) {
    this.connection = new PostgresStoreConnection(database);
    this.table = this.connection.table('webmessaging_sessions');
  }

  async find(key: string): Promise<StoredGuestSession | null> {
    const result = await this.connection.query<StoredGuestSession>(
      `SELECT session_key AS key, token, updated_at AS "updatedAt" FROM ${this.table}
       WHERE session_key = $1`,
      [key],
    );
    const row = result.rows[0];
    return row === undefined ? null : { key: row.key, token: row.token, updatedAt: row.updatedAt };
  }

  async save(session: StoredGuestSession): Promise<void> {
    await this.connection.query(
      `INSERT INTO ${this.table} (session_key, token, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (session_key) DO UPDATE SET token = excluded.token,
         updated_at = excluded.updated_at`,
      [session.key, session.token, session.updatedAt],
    );
  }

  async delete(key: string): Promise<void> {
    await this.connection.query(`DELETE FROM ${this.table} WHERE session_key = $1`, [key]);
  }

  async count(): Promise<number> {
    const result = await this.connection.query<{ sessions: string }>(
      `SELECT count(*) AS sessions FROM ${this.table}`,
    );
    return Number(result.rows[0]?.sessions ?? 0);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
