import type { QueryResult, QueryResultRow } from 'pg';
import { LedgerClosedError } from '../../application/errors.js';
import type { PostgresDatabase } from './postgres-database.js';
import type { PostgresSession } from './postgres-session.js';

/**
 * A small store's hold on the ledger's database (guest keys, feed checkpoints, Web Messaging
 * sessions): it retains the pool while open, refuses work with LEDGER_CLOSED once closed, and
 * reports failures as coded ledger errors; closing is idempotent.
 */
export class PostgresStoreConnection {
  private closing: Promise<void> | null = null;

  constructor(private readonly database: PostgresDatabase) {
    database.retain();
  }

  /** A table of the ledger's schema, quoted for SQL: `"gtx".guest_keys`. */
  table(name: string): string {
    return `${this.database.sqlSchema}.${name}`;
  }

  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>> {
    if (this.closing !== null) return Promise.reject(new LedgerClosedError());
    return this.database.query<R>(text, values);
  }

  transaction<T>(work: (tx: PostgresSession) => Promise<T>): Promise<T> {
    if (this.closing !== null) return Promise.reject(new LedgerClosedError());
    return this.database.transaction(work);
  }

  close(): Promise<void> {
    this.closing ??= this.database.release();
    return this.closing;
  }
}
