import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PostgresDatabase } from '../../../src/adapters/postgres/postgres-database.js';
import type { PostgresSession } from '../../../src/adapters/postgres/postgres-session.js';
import { rejectionOf } from '../../support/failures.js';
import { postgresTestSchema, requirePostgres, TEST_POSTGRES_URL } from '../../support/postgres.js';

beforeAll(requirePostgres);

async function freshDatabase(): Promise<PostgresDatabase> {
  const { schema, drop } = postgresTestSchema();
  const database = PostgresDatabase.open({ url: TEST_POSTGRES_URL, schema });
  database.retain();
  onTestFinished(async () => {
    await database.release();
    await drop();
  });
  await database.ready();
  await database.query(`CREATE TABLE ${database.sqlSchema}.pair (id TEXT PRIMARY KEY, n INT)`);
  await database.query(`INSERT INTO ${database.sqlSchema}.pair VALUES ('a', 0), ('b', 0)`);
  return database;
}

function signal(): { promise: Promise<void>; fire: () => void } {
  let fire = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

describe('PostgreSQL transactions', () => {
  it('run again after the server broke a real deadlock between two of them', async () => {
    const database = await freshDatabase();
    const s = database.sqlSchema;
    const lockedA = signal();
    const lockedB = signal();
    let runs = 0;
    const bump = (tx: PostgresSession, id: string) =>
      tx.query(`UPDATE ${s}.pair SET n = n + 1 WHERE id = $1`, [id]);
    // Each locks one row, waits until the other holds the other row, then wants it too.
    const first = database.transaction(async (tx) => {
      runs += 1;
      await bump(tx, 'a');
      lockedA.fire();
      await lockedB.promise;
      await bump(tx, 'b');
    });
    const second = database.transaction(async (tx) => {
      runs += 1;
      await bump(tx, 'b');
      lockedB.fire();
      await lockedA.promise;
      await bump(tx, 'a');
    });
    await Promise.all([first, second]);
    // The victim of the deadlock was rolled back by the server and ran once more.
    expect(runs).toBe(3);
    expect(database.stats().transactionRetries).toBe(1);
    const rows = await database.query<{ id: string; n: number }>(
      `SELECT id, n FROM ${s}.pair ORDER BY id`,
    );
    expect(rows.rows).toEqual([
      { id: 'a', n: 2 },
      { id: 'b', n: 2 },
    ]);
  });

  it('give up after a bounded number of serialization failures, with the reason', async () => {
    const database = await freshDatabase();
    let runs = 0;
    const refused = await rejectionOf(
      database.transaction(async (tx) => {
        runs += 1;
        // What the server raises when a serializable transaction cannot be ordered.
        await tx.query(`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$`);
      }),
    );
    expect(runs).toBe(5);
    expect(refused.code).toBe('LEDGER_UNAVAILABLE');
    expect(refused.message).toContain('serialization failures kept recurring');
  });
});
