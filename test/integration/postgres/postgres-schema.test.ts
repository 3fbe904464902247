import { asyncScheduler } from 'rxjs';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PostgresDatabase } from '../../../src/adapters/postgres/postgres-database.js';
import { openPostgresLedger } from '../../../src/adapters/postgres/postgres-ledger.js';
import { LATEST_POSTGRES_SCHEMA_VERSION } from '../../../src/adapters/postgres/postgres-migrations.js';
import { GENESIS_HASH } from '../../../src/application/ledger/hash-chain.js';
import type { Clock } from '../../../src/application/ports/clock.port.js';
import { note } from '../../../src/testing/contracts/transmission-fixtures.js';
import { rejectionOf } from '../../support/failures.js';
import { postgresTestSchema, requirePostgres, withAdmin } from '../../support/postgres.js';

const clock: Clock = { now: () => Date.UTC(2026, 2, 1, 12, 0, 0), scheduler: asyncScheduler };

beforeAll(requirePostgres);

/** A fresh schema name, dropped when the test finishes. */
function freshSchema(): { url: string; schema: string } {
  const fresh = postgresTestSchema();
  onTestFinished(fresh.drop);
  return fresh;
}

/** A database handle that ends when the test finishes, whatever the test left it holding. */
function openDatabase(url: string, schema: string): PostgresDatabase {
  const database = PostgresDatabase.open({ url, schema });
  database.retain();
  onTestFinished(() => database.release());
  return database;
}

describe('PostgreSQL ledger schema', () => {
  it('is migrated once when several processes open a new schema at the same moment', async () => {
    const { url, schema } = freshSchema();
    const databases = Array.from({ length: 6 }, () => openDatabase(url, schema));
    await Promise.all(databases.map((database) => database.ready()));
    const applied = await withAdmin((admin) =>
      admin.query<{ version: number }>(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      ),
    );
    expect(applied.rows.map((row) => row.version)).toEqual(
      Array.from({ length: LATEST_POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1),
    );
    for (const database of databases) {
      expect(database.stats().schemaVersion).toBe(LATEST_POSTGRES_SCHEMA_VERSION);
    }
  });

  it('is refused when a newer program migrated it, and nothing is changed', async () => {
    const { url, schema } = freshSchema();
    await openDatabase(url, schema).ready();
    await withAdmin((admin) =>
      admin.query(
        `INSERT INTO "${schema}".schema_migrations (version, description) VALUES (99, 'future')`,
      ),
    );
    const newer = openDatabase(url, schema);
    const refused = await rejectionOf(newer.ready());
    expect(refused.code).toBe('LEDGER_UNAVAILABLE');
    expect(refused.message).toContain(
      `schema version 99 is newer than this program's ${LATEST_POSTGRES_SCHEMA_VERSION}; upgrade genesys-transmitter`,
    );
    expect(refused.message).toContain(`schema ${schema}`);
    const ledger = openPostgresLedger(newer, clock);
    expect((await rejectionOf(ledger.events.head())).code).toBe('LEDGER_UNAVAILABLE');
    await ledger.close();
  });

  describe('the events table', () => {
    async function ledgerWithTwoEvents(): Promise<string> {
      const { url, schema } = freshSchema();
      const ledger = openPostgresLedger(openDatabase(url, schema), clock);
      onTestFinished(() => ledger.close());
      await ledger.events.append({
        streamId: 's',
        expectedVersion: 'any',
        events: [note(1), note(2)],
      });
      return schema;
    }

    async function refusal(sql: string, values: unknown[] = []): Promise<string> {
      return withAdmin(async (admin) => {
        try {
          await admin.query(sql, values);
        } catch (error) {
          return (error as Error).message;
        }
        return 'the statement was accepted';
      });
    }

    it('refuses UPDATE, DELETE and TRUNCATE, even to its owner', async () => {
      const schema = await ledgerWithTwoEvents();
      const s = `"${schema}"`;
      expect(await refusal(`UPDATE ${s}.events SET data = '{}' WHERE global_position = 1`)).toBe(
        'events are append-only: UPDATE is not allowed',
      );
      expect(await refusal(`DELETE FROM ${s}.events WHERE global_position = 2`)).toBe(
        'events are append-only: DELETE is not allowed',
      );
      expect(await refusal(`TRUNCATE ${s}.events`)).toBe(
        'events are append-only: TRUNCATE is not allowed',
      );
      const count = await withAdmin((admin) =>
        admin.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${s}.events`),
      );
      expect(count.rows[0]?.n).toBe(2);
    });

    it('refuses a row that does not continue the chain, whoever writes it', async () => {
      const schema = await ledgerWithTwoEvents();
      const s = `"${schema}"`;
      const last = await withAdmin((admin) =>
        admin.query<{ hash: string }>(`SELECT hash FROM ${s}.events WHERE global_position = 2`),
      );
      const lastHash = last.rows[0]?.hash ?? '';
      const insert = `INSERT INTO ${s}.events (global_position, stream_id, stream_version,
        event_type, schema_version, data, metadata, recorded_at, prev_hash, hash)
        VALUES ($1, 'raw', 1, 'Raw', 1, '{}', '{}', '2026-03-01T12:00:00.000Z', $2, $3)`;
      const gap = await refusal(insert, [4, lastHash, 'f'.repeat(64)]);
      expect(gap).toContain('events must continue the chain: next position 3');
      const wrongPrevious = await refusal(insert, [3, GENESIS_HASH, 'f'.repeat(64)]);
      expect(wrongPrevious).toContain(`previous hash ${lastHash}`);
      // A row that does continue it is accepted, and moves the chain head on.
      expect(await refusal(insert, [3, lastHash, 'e'.repeat(64)])).toBe(
        'the statement was accepted',
      );
      const head = await withAdmin((admin) =>
        admin.query<{ position: string; hash: string }>(
          `SELECT position, hash FROM ${s}.ledger_head`,
        ),
      );
      expect(head.rows[0]).toEqual({ position: '3', hash: 'e'.repeat(64) });
    });
  });
});
