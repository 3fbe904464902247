import { asyncScheduler } from 'rxjs';
import type pg from 'pg';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PostgresDatabase } from '../../../src/adapters/postgres/postgres-database.js';
import { openPostgresLedger } from '../../../src/adapters/postgres/postgres-ledger.js';
import {
  migratePostgres,
  POSTGRES_MIGRATIONS,
} from '../../../src/adapters/postgres/postgres-migrations.js';
import { storedRowValues } from '../../../src/adapters/postgres/postgres-rows.js';
import type { PostgresSession } from '../../../src/adapters/postgres/postgres-session.js';
import { eventStatements } from '../../../src/adapters/postgres/postgres-statements.js';
import { GENESIS_HASH, verifyChain } from '../../../src/application/ledger/hash-chain.js';
import { readAllPages } from '../../../src/application/ledger/ledger-pages.js';
import { encodeAppendRequest, planAppend } from '../../../src/application/ledger/ledger-rows.js';
import type { Clock } from '../../../src/application/ports/clock.port.js';
import type { RecordedEvent } from '../../../src/application/ports/event-store.port.js';
import { note } from '../../../src/testing/contracts/transmission-fixtures.js';
import { postgresTestSchema, requirePostgres, withAdmin } from '../../support/postgres.js';

const clock: Clock = { now: () => Date.UTC(2026, 2, 1, 12, 0, 0), scheduler: asyncScheduler };

beforeAll(requirePostgres);

/** BEGIN … COMMIT on one client, as the migrations expect of a transaction runner. */
function transactionsOn(client: pg.ClientBase) {
  return async <T>(work: (tx: PostgresSession) => Promise<T>): Promise<T> => {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  };
}

/** Whether the chain trigger on `schema`.events fires once per row (pg_trigger.tgtype bit 0). */
async function chainTriggerPerRow(admin: pg.ClientBase, schema: string): Promise<boolean> {
  const result = await admin.query<{ per_row: boolean }>(
    `SELECT (t.tgtype & 1) = 1 AS per_row FROM pg_trigger AS t
     JOIN pg_class AS c ON c.oid = t.tgrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = 'events' AND t.tgname = 'events_chain_continues'`,
    [schema],
  );
  expect(result.rows).toHaveLength(1);
  return result.rows[0]?.per_row === true;
}

describe('PostgreSQL schema version 4 (chain check per statement)', () => {
  it('migrates a version 3 schema holding rows, which the ledger then continues', async () => {
    const { url, schema, drop } = postgresTestSchema();
    onTestFinished(drop);
    const s = `"${schema}"`;
    const versionThree = POSTGRES_MIGRATIONS.filter((migration) => migration.version <= 3);
    await withAdmin(async (admin) => {
      expect(await migratePostgres(admin, transactionsOn(admin), schema, versionThree)).toBe(3);
      expect(await chainTriggerPerRow(admin, schema)).toBe(true);
      // Three genuine rows, stored through version 1's per-row trigger.
      const plan = planAppend(
        { position: 0, hash: GENESIS_HASH },
        'before-upgrade',
        0,
        encodeAppendRequest({
          streamId: 'before-upgrade',
          expectedVersion: 'noStream',
          events: [note(1), note(2), note(3)],
        }),
        clock.now(),
      );
      await admin.query(
        eventStatements(s).insertEvents(plan.rows.length),
        plan.rows.flatMap(storedRowValues),
      );
    });

    const ledger = openPostgresLedger(PostgresDatabase.open({ url, schema }), clock);
    onTestFinished(() => ledger.close());
    await ledger.ready();
    await withAdmin(async (admin) => {
      const applied = await admin.query<{ version: number }>(
        `SELECT version FROM ${s}.schema_migrations ORDER BY version`,
      );
      expect(applied.rows.map((row) => row.version)).toEqual([1, 2, 3, 4]);
      expect(await chainTriggerPerRow(admin, schema)).toBe(false);
    });

    const appended = await ledger.events.append({
      streamId: 'before-upgrade',
      expectedVersion: 3,
      events: [note(4), note(5)],
    });
    expect(appended).toMatchObject({ firstPosition: 4, lastPosition: 5, streamVersion: 5 });
    const all: RecordedEvent[] = [];
    for await (const event of readAllPages(ledger.events)) all.push(event);
    expect(all.map((event) => event.position)).toEqual([1, 2, 3, 4, 5]);
    expect(verifyChain(all)).toMatchObject({ ok: true, count: 5 });
    const head = await withAdmin((admin) =>
      admin.query<{ position: string; hash: string }>(
        `SELECT position, hash FROM ${s}.ledger_head`,
      ),
    );
    expect(head.rows[0]).toEqual({ position: '5', hash: all.at(-1)?.hash });
  });
});
