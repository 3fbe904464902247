/**
 * The "bare pg" side of benchmark 9: the ledger's event rows inserted with plain multi-row
 * INSERTs into a table with the same columns and indexes, no triggers, no chain-head row.
 */
import pg from 'pg';
import { POSTGRES_LEDGER_DEFAULTS } from '../../src/adapters/postgres/postgres-ledger-options.js';
import type { BenchSchema } from './postgres.js';

/** One events row, in column order: position, stream, version, type, schema version, data, metadata, time, hashes. */
export type EventRowValues = readonly unknown[];

const COLUMNS = `global_position, stream_id, stream_version, event_type, schema_version, data,
  metadata, recorded_at, prev_hash, hash`;
const WIDTH = 10;

/** The ledger's events table and its index as its first migration creates them, nothing else. */
const bareEventsTable = (s: string): string => `
CREATE SCHEMA ${s};
CREATE TABLE ${s}.events (
  global_position BIGINT PRIMARY KEY, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL,
  event_type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL,
  metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
  UNIQUE (stream_id, stream_version)
);
CREATE INDEX events_by_type ON ${s}.events (event_type, global_position);`;

function insertStatement(s: string, rows: number): string {
  const tuples = Array.from({ length: rows }, (_, row) => {
    const params = Array.from({ length: WIDTH }, (_, i) => `$${row * WIDTH + i + 1}`);
    return `(${params.join(', ')})`;
  });
  return `INSERT INTO ${s}.events (${COLUMNS}) VALUES ${tuples.join(', ')}`;
}

/** A pool as large as the ledger's (its default `poolSize`), on the benchmark server. */
export function barePool(schema: BenchSchema, applicationName: string): pg.Pool {
  return new pg.Pool({
    connectionString: schema.url,
    max: POSTGRES_LEDGER_DEFAULTS.poolSize,
    application_name: applicationName,
  });
}

export async function createBareTable(pool: pg.Pool, schema: BenchSchema): Promise<void> {
  await pool.query(bareEventsTable(schema.sql));
}

/** BEGIN, one INSERT of `rows`, COMMIT: the shape of one ledger append transaction. */
export async function insertCommitted(
  pool: pg.Pool,
  schema: BenchSchema,
  rows: readonly EventRowValues[],
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(insertStatement(schema.sql, rows.length), rows.flat());
    await client.query('COMMIT');
    client.release();
  } catch (error) {
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

/** Every row of `schema.events` in position order, as the values an INSERT takes back. */
export async function storedEventRows(
  pool: pg.Pool,
  schema: BenchSchema,
): Promise<EventRowValues[]> {
  const result = await pool.query<unknown[]>({
    text: `SELECT ${COLUMNS} FROM ${schema.sql}.events ORDER BY global_position`,
    rowMode: 'array',
  });
  return result.rows;
}

/** Average characters per row over every column, as stored. */
export function averageRowChars(rows: readonly EventRowValues[]): number {
  const total = rows.reduce<number>(
    (sum, row) => sum + row.reduce<number>((s, v) => s + String(v).length, 0),
    0,
  );
  return rows.length === 0 ? 0 : total / rows.length;
}
