/** The PostgreSQL server the benchmarks run against: one fresh schema per case, dropped after. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresDatabase } from '../../src/adapters/postgres/postgres-database.js';
import type { PostgresLedgerSettings } from '../../src/adapters/postgres/postgres-ledger-options.js';

export const BENCH_POSTGRES_URL =
  process.env.GTX_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchSchema {
  readonly url: string;
  /** `gtx_bench_<tag>_<random hex>`: nothing exists under it until something creates it. */
  readonly schema: string;
  /** The schema quoted for SQL. */
  readonly sql: string;
  /** `GTX_LEDGER` for a `gtx` process on this schema. */
  readonly ledgerUrl: string;
  /** Settings for `PostgresDatabase.open`; `applicationName` lets pg_stat_activity find them. */
  settings(extra?: Partial<PostgresLedgerSettings>): PostgresLedgerSettings;
  /** DROP SCHEMA … CASCADE; safe when it was never created. */
  drop(): Promise<void>;
}

export function benchSchema(tag: string): BenchSchema {
  const schema = `gtx_bench_${tag}_${randomBytes(4).toString('hex')}`;
  return {
    url: BENCH_POSTGRES_URL,
    schema,
    sql: `"${schema}"`,
    ledgerUrl: `${BENCH_POSTGRES_URL}?schema=${schema}`,
    settings: (extra = {}) => ({ url: BENCH_POSTGRES_URL, schema, ...extra }),
    drop: async () => {
      await withAdmin((admin) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    },
  };
}

/** `work` on a plain connection, outside any ledger; says what is missing when nobody answers. */
export async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({
    connectionString: BENCH_POSTGRES_URL,
    connectionTimeoutMillis: 5000,
  });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw new Error(
      `the PostgreSQL benchmarks need a server at ${BENCH_POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')} (set GTX_BENCH_POSTGRES_URL): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** Creates the ledger's tables and triggers in `schema` (its own migrations), then lets go. */
export async function migrateLedgerSchema(schema: BenchSchema): Promise<void> {
  const database = PostgresDatabase.open(schema.settings());
  database.retain();
  try {
    await database.ready();
  } finally {
    await database.release();
  }
}
