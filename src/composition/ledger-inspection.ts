/**
 * What `gtx doctor` asks of a ledger beyond its events: which engine, the schema version it is
 * at against this program's, and whether a write could start (SQLite: the write lock; PostgreSQL:
 * the INSERT privilege on the events table). Opened apart from the ledger, read-only, and closed.
 */
import Database from 'better-sqlite3';
import type { LedgerInspection } from '../adapters/cli/cli-services.js';
import { PostgresDatabase } from '../adapters/postgres/postgres-database.js';
import { LATEST_POSTGRES_SCHEMA_VERSION } from '../adapters/postgres/postgres-migrations.js';
import { LATEST_SCHEMA_VERSION, schemaVersion } from '../adapters/sqlite/sqlite-migrations.js';
import { probeSqliteWritable } from '../adapters/sqlite/sqlite-write-probe.js';
import { ledgerLocationOf } from './ledger-files.js';

export async function inspectLedger(target: string): Promise<LedgerInspection> {
  const location = ledgerLocationOf(target);
  if (location.kind === 'sqlite') {
    const db = new Database(location.path, { readonly: true, fileMustExist: true });
    try {
      return {
        engine: 'sqlite',
        schemaVersion: schemaVersion(db),
        latestSchemaVersion: LATEST_SCHEMA_VERSION,
        writeProblem: probeSqliteWritable(location.path),
      };
    } finally {
      db.close();
    }
  }
  const database = PostgresDatabase.open({ url: location.url, schema: location.schema });
  database.retain();
  try {
    await database.ready();
    const privilege = await database.query<{ insert: boolean }>(
      `SELECT has_table_privilege(current_user, $1, 'INSERT') AS insert`,
      [`${database.sqlSchema}.events`],
    );
    return {
      engine: 'postgres',
      schemaVersion: database.stats().schemaVersion ?? 0,
      latestSchemaVersion: LATEST_POSTGRES_SCHEMA_VERSION,
      writeProblem:
        privilege.rows[0]?.insert === true
          ? null
          : `the role may not INSERT into ${database.settings.schema}.events`,
    };
  } finally {
    await database.release();
  }
}
