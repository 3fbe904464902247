import type { QueryResult, QueryResultRow } from 'pg';

/** Something SQL can be sent to: the pool (one statement, auto-commit) or one transaction's client. */
export interface PostgresSession {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>>;
}

/** Runs `work` in one transaction (BEGIN … COMMIT), rolled back if it throws. */
export type TransactionRunner = <T>(work: (tx: PostgresSession) => Promise<T>) => Promise<T>;

/** `"schema"`: a schema name already checked against the settings' pattern, quoted for SQL. */
export function quoteSchema(schema: string): string {
  return `"${schema}"`;
}
