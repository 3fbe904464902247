import type { Database, Statement } from 'better-sqlite3';
import { FeedConfigError } from '../../application/feed/feed-errors.js';
import type { Clock, FeedCheckpoint, FeedCheckpointStore } from '../../application/ports/index.js';
import { epochMsToIso } from '../../domain/index.js';
import { asLedgerError } from './sqlite-connection.js';
import { SqliteStoreConnection } from './sqlite-store-connection.js';

export interface SqliteFeedCheckpointSettings {
  /** The ledger file: checkpoints live beside the events they point into. */
  readonly path: string;
  readonly busyTimeoutMs?: number;
}

/*
 * Its own table, created on first use: projection state, not audited history, so it is updated
 * in place (the events table stays append-only) and needs no ledger migration.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS feed_checkpoints (
  name TEXT PRIMARY KEY,
  position INTEGER NOT NULL CHECK (position >= 0),
  updated_at TEXT NOT NULL
)`;

/**
 * Feed and replay checkpoints in the ledger's SQLite file, on a connection of their own (WAL
 * lets it write beside the ledger's). A save is one committed statement: a crash right after
 * leaves the checkpoint at the last acknowledged batch.
 */
export class SqliteFeedCheckpointStore implements FeedCheckpointStore {
  private readonly db: Database;
  private readonly selectOne: Statement;
  private readonly upsert: Statement;
  private readonly selectAll: Statement;
  private readonly connection: SqliteStoreConnection;

  constructor(
    settings: SqliteFeedCheckpointSettings,
    private readonly clock: Clock,
  ) {
    this.connection = SqliteStoreConnection.open({ ...settings, synchronous: 'FULL' });
    this.db = this.connection.db;
    try {
      this.db.exec(SCHEMA);
      this.selectOne = this.db.prepare('SELECT position FROM feed_checkpoints WHERE name = ?');
      this.upsert = this.db.prepare(
        `INSERT INTO feed_checkpoints (name, position, updated_at) VALUES (@name, @position, @updatedAt)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      );
      this.selectAll = this.db.prepare(
        'SELECT name, position, updated_at AS updatedAt FROM feed_checkpoints ORDER BY name',
      );
    } catch (error) {
      this.db.close();
      throw asLedgerError(error);
    }
  }

  static open(settings: SqliteFeedCheckpointSettings, clock: Clock): SqliteFeedCheckpointStore {
    return new SqliteFeedCheckpointStore(settings, clock);
  }

  load(name: string): Promise<number> {
    return this.run(() => {
      const row = this.selectOne.get(name) as { position: number } | undefined;
      return row === undefined ? 0 : row.position;
    });
  }

  save(name: string, position: number): Promise<void> {
    if (!Number.isSafeInteger(position) || position < 0) {
      return Promise.reject(new FeedConfigError('checkpoint position', 'must be an integer >= 0'));
    }
    return this.run(() => {
      this.upsert.run({ name, position, updatedAt: epochMsToIso(this.clock.now()) });
    });
  }

  list(): Promise<readonly FeedCheckpoint[]> {
    return this.run(() =>
      (this.selectAll.all() as { name: string; position: number; updatedAt: string }[]).map(
        (row) => ({ name: row.name, position: row.position, updatedAt: row.updatedAt }),
      ),
    );
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private run<T>(work: () => T): Promise<T> {
    return this.connection.run(work);
  }
}
