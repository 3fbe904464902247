import { LedgerUnavailableError } from '../../application/errors.js';
import type {
  GuestKeyStore,
  WrappedGuestKey,
} from '../../application/ports/guest-key-store.port.js';
import type { PostgresDatabase } from './postgres-database.js';
import { PostgresStoreConnection } from './postgres-store-connection.js';

interface KeyRow {
  readonly keyId: string;
  readonly guestIdHash: string;
  readonly wrapped: string;
  readonly createdAt: string;
}

const COLUMNS = `key_id AS "keyId", guest_id_hash AS "guestIdHash", wrapped,
  created_at AS "createdAt"`;

/**
 * Guest keys in the `guest_keys` table of the ledger's schema. A forgotten key's row is deleted
 * (PostgreSQL reclaims the space at the next vacuum); the events table is untouched.
 */
export class PostgresGuestKeyStore implements GuestKeyStore {
  private readonly connection: PostgresStoreConnection;
  private readonly table: string;

  /** Retains `database` until closed. */
  constructor(database: PostgresDatabase) {
    this.connection = new PostgresStoreConnection(database);
    this.table = this.connection.table('guest_keys');
  }

  async findByGuest(guestIdHash: string): Promise<WrappedGuestKey | null> {
    const result = await this.connection.query<KeyRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE guest_id_hash = $1`,
      [guestIdHash],
    );
    return toKey(result.rows[0]);
  }

  async findById(keyId: string): Promise<WrappedGuestKey | null> {
    const result = await this.connection.query<KeyRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE key_id = $1`,
      [keyId],
    );
    return toKey(result.rows[0]);
  }

  async createIfAbsent(key: WrappedGuestKey): Promise<WrappedGuestKey> {
    // One statement: of two processes creating a key for one guest at once, both get the winner's.
    const result = await this.connection.query<KeyRow>(
      `WITH inserted AS (
         INSERT INTO ${this.table} (key_id, guest_id_hash, wrapped, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (guest_id_hash) DO NOTHING
         RETURNING ${COLUMNS})
       SELECT * FROM inserted
       UNION ALL SELECT ${COLUMNS} FROM ${this.table} WHERE guest_id_hash = $2
       LIMIT 1`,
      [key.keyId, key.guestIdHash, key.wrapped, key.createdAt],
    );
    const stored = toKey(result.rows[0]);
    if (stored !== null) return stored;
    // The other writer's row is not visible to this statement's snapshot yet: read it now.
    const winner = await this.findByGuest(key.guestIdHash);
    if (winner === null) {
      throw new LedgerUnavailableError('the guest key vanished right after it was written');
    }
    return winner;
  }

  async list(afterKeyId: string | null, limit: number): Promise<readonly WrappedGuestKey[]> {
    // COLLATE "C": code-unit order, the same as the other engines, whatever the database's locale.
    const result = await this.connection.query<KeyRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE key_id COLLATE "C" > $1
       ORDER BY key_id COLLATE "C" LIMIT $2`,
      [afterKeyId ?? '', Math.max(0, Math.floor(limit))],
    );
    return result.rows.map((row) => toKey(row)).filter((k): k is WrappedGuestKey => k !== null);
  }

  async rewrap(keyId: string, expectedWrapped: string, newWrapped: string): Promise<boolean> {
    const result = await this.connection.query(
      `UPDATE ${this.table} SET wrapped = $1 WHERE key_id = $2 AND wrapped = $3`,
      [newWrapped, keyId, expectedWrapped],
    );
    return result.rowCount === 1;
  }

  async forget(guestIdHash: string): Promise<readonly string[]> {
    const result = await this.connection.query<{ keyId: string }>(
      `DELETE FROM ${this.table} WHERE guest_id_hash = $1 RETURNING key_id AS "keyId"`,
      [guestIdHash],
    );
    return result.rows.map((row) => row.keyId);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

function toKey(row: KeyRow | undefined): WrappedGuestKey | null {
  if (row === undefined) return null;
  return {
    keyId: row.keyId,
    guestIdHash: row.guestIdHash,
    wrapped: row.wrapped,
    createdAt: row.createdAt,
  };
}
