import { FeedConfigError } from '../../application/feed/feed-errors.js';
import { LedgerCorruptError } from '../../application/errors.js';
import type { Clock, FeedCheckpoint, FeedCheckpointStore } from '../../application/ports/index.js';
import { epochMsToIso } from '../../domain/index.js';
import type { PostgresDatabase } from './postgres-database.js';
import { PostgresStoreConnection } from './postgres-store-connection.js';

interface CheckpointRow {
  readonly name: string;
  readonly position: string;
  readonly updatedAt: string;
}

/**
 * Feed and replay checkpoints in the `feed_checkpoints` table of the ledger's schema. A save is
 * one committed statement: a crash right after leaves the checkpoint at the last acknowledged
 * batch. Projection state, not audited history, so it is updated in place.
 */
export class PostgresFeedCheckpointStore implements FeedCheckpointStore {
  private readonly connection: PostgresStoreConnection;
  private readonly table: string;

  /** Retains `database` until closed. */
  constructor(
    database: PostgresDatabase,
    private readonly clock: Clock,
  ) {
    this.connection = new PostgresStoreConnection(database);
    this.table = this.connection.table('feed_checkpoints');
  }

  async load(name: string): Promise<number> {
    const result = await this.connection.query<{ position: string }>(
      `SELECT position FROM ${this.table} WHERE name = $1`,
      [name],
    );
    const row = result.rows[0];
    return row === undefined ? 0 : positionOf(row.position);
  }

  async save(name: string, position: number): Promise<void> {
    if (!Number.isSafeInteger(position) || position < 0) {
      throw new FeedConfigError('checkpoint position', 'must be an integer >= 0');
    }
    await this.connection.query(
      `INSERT INTO ${this.table} (name, position, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position,
         updated_at = excluded.updated_at`,
      [name, position, epochMsToIso(this.clock.now())],
    );
  }

  async list(): Promise<readonly FeedCheckpoint[]> {
    const result = await this.connection.query<CheckpointRow>(
      `SELECT name, position, updated_at AS "updatedAt" FROM ${this.table}`,
    );
    return result.rows
      .map((row) => ({
        name: row.name,
        position: positionOf(row.position),
        updatedAt: row.updatedAt,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

/** BIGINT arrives as text; every position the feed saves fits a safe integer. */
function positionOf(text: string): number {
  const position = Number(text);
  if (!Number.isSafeInteger(position)) {
    throw new LedgerCorruptError(0, `feed checkpoint position ${text} is not a safe integer`);
  }
  return position;
}
