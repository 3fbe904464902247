import { asyncScheduler } from 'rxjs';
import type pg from 'pg';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PostgresDatabase } from '../../../src/adapters/postgres/postgres-database.js';
import { openPostgresLedger } from '../../../src/adapters/postgres/postgres-ledger.js';
import type { Clock } from '../../../src/application/ports/clock.port.js';
import { note } from '../../../src/testing/contracts/transmission-fixtures.js';
import { postgresTestSchema, requirePostgres, withAdmin } from '../../support/postgres.js';

/*
 * The chain check of schema version 4: one AFTER INSERT … FOR EACH STATEMENT trigger over all
 * the rows a statement stored. These tests write raw SQL as the schema's owner, past the event
 * store, because the trigger is what refuses a broken chain whoever writes it.
 */

const clock: Clock = { now: () => Date.UTC(2026, 2, 1, 12, 0, 0), scheduler: asyncScheduler };

beforeAll(requirePostgres);

interface RawRow {
  readonly position: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** A hash that is not any real row's, distinct per letter. */
const fakeHash = (letter: string): string => letter.repeat(64);

/** One multi-row INSERT of rows in their own streams (version 1 each), past the event store. */
function rawInsert(s: string, rows: readonly RawRow[]): [string, unknown[]] {
  const tuples = rows.map((_, i) => {
    const p = i * 3;
    return `($${p + 1}::bigint, 'raw-' || $${p + 1}, 1, 'Raw', 1, '{}', '{}',
      '2026-03-01T12:00:00.000Z', $${p + 2}, $${p + 3})`;
  });
  return [
    `INSERT INTO ${s}.events (global_position, stream_id, stream_version, event_type,
      schema_version, data, metadata, recorded_at, prev_hash, hash) VALUES ${tuples.join(', ')}`,
    rows.flatMap((row) => [row.position, row.prevHash, row.hash]),
  ];
}

/** The driver error of `sql`, or null when it was accepted. */
async function failureOf(
  session: pg.ClientBase,
  sql: string,
  values: unknown[] = [],
): Promise<{ code: string; message: string } | null> {
  try {
    await session.query(sql, values);
    return null;
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
}

interface ChainState {
  readonly count: number;
  readonly head: { position: string; hash: string } | undefined;
  readonly lastHash: string;
}

async function chainState(s: string): Promise<ChainState> {
  return withAdmin(async (admin) => {
    const count = await admin.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${s}.events`);
    const head = await admin.query<{ position: string; hash: string }>(
      `SELECT position, hash FROM ${s}.ledger_head`,
    );
    const last = await admin.query<{ hash: string }>(
      `SELECT hash FROM ${s}.events ORDER BY global_position DESC LIMIT 1`,
    );
    return {
      count: count.rows[0]?.n ?? -1,
      head: head.rows[0],
      lastHash: last.rows[0]?.hash ?? '',
    };
  });
}

/** A migrated schema holding two events appended by the event store; returns it quoted. */
async function ledgerWithTwoEvents(): Promise<string> {
  const fresh = postgresTestSchema();
  onTestFinished(fresh.drop);
  const database = PostgresDatabase.open({ url: fresh.url, schema: fresh.schema });
  const ledger = openPostgresLedger(database, clock);
  onTestFinished(() => ledger.close());
  await ledger.events.append({ streamId: 's', expectedVersion: 'any', events: [note(1), note(2)] });
  return `"${fresh.schema}"`;
}

describe('PostgreSQL chain check per INSERT statement', () => {
  it('refuses a multi-row INSERT with a gap in the middle, writing none of its rows', async () => {
    const s = await ledgerWithTwoEvents();
    const before = await chainState(s);
    const [sql, values] = rawInsert(s, [
      { position: 3, prevHash: before.lastHash, hash: fakeHash('a') },
      { position: 5, prevHash: fakeHash('a'), hash: fakeHash('b') },
      { position: 6, prevHash: fakeHash('b'), hash: fakeHash('c') },
    ]);
    const failure = await withAdmin((admin) => failureOf(admin, sql, values));
    expect(failure?.code).toBe('23514');
    expect(failure?.message).toBe(
      `events must continue the chain: next position 4, previous hash ${fakeHash('a')}`,
    );
    expect(await chainState(s)).toEqual(before);
  });

  it('refuses a multi-row INSERT whose middle row names the wrong previous hash', async () => {
    const s = await ledgerWithTwoEvents();
    const before = await chainState(s);
    const [sql, values] = rawInsert(s, [
      { position: 3, prevHash: before.lastHash, hash: fakeHash('a') },
      { position: 4, prevHash: fakeHash('a'), hash: fakeHash('b') },
      { position: 5, prevHash: fakeHash('a'), hash: fakeHash('c') },
    ]);
    const failure = await withAdmin((admin) => failureOf(admin, sql, values));
    expect(failure?.code).toBe('23514');
    expect(failure?.message).toBe(
      `events must continue the chain: next position 5, previous hash ${fakeHash('b')}`,
    );
    expect(await chainState(s)).toEqual(before);
  });

  it('refuses rows whose first does not follow the last stored row, whatever ledger_head says', async () => {
    const s = await ledgerWithTwoEvents();
    const before = await chainState(s);
    // A head moved by hand to a position and hash no stored row has.
    await withAdmin((admin) =>
      admin.query(`UPDATE ${s}.ledger_head SET position = 7, hash = $1`, [fakeHash('f')]),
    );
    const [sql, values] = rawInsert(s, [{ position: 8, prevHash: fakeHash('f'), hash: 'a' }]);
    const failure = await withAdmin((admin) => failureOf(admin, sql, values));
    expect(failure?.code).toBe('23514');
    expect(failure?.message).toBe(
      `events must continue the chain: next position 3, previous hash ${before.lastHash}`,
    );
    expect((await chainState(s)).count).toBe(2);
  });

  it('accepts a raw multi-row INSERT that continues the chain, and moves ledger_head to its last row', async () => {
    const s = await ledgerWithTwoEvents();
    const before = await chainState(s);
    // Listed out of order: the statement's rows are checked in position order.
    const [sql, values] = rawInsert(s, [
      { position: 4, prevHash: fakeHash('a'), hash: fakeHash('b') },
      { position: 3, prevHash: before.lastHash, hash: fakeHash('a') },
      { position: 5, prevHash: fakeHash('b'), hash: fakeHash('c') },
    ]);
    expect(await withAdmin((admin) => failureOf(admin, sql, values))).toBeNull();
    expect(await chainState(s)).toEqual({
      count: 5,
      head: { position: '5', hash: fakeHash('c') },
      lastHash: fakeHash('c'),
    });
  });

  it('leaves ledger_head alone for an INSERT that stores no row', async () => {
    const s = await ledgerWithTwoEvents();
    const before = await chainState(s);
    const empty = `INSERT INTO ${s}.events SELECT * FROM ${s}.events WHERE false`;
    expect(await withAdmin((admin) => failureOf(admin, empty))).toBeNull();
    expect(await chainState(s)).toEqual(before);
  });

  it('checks rows written by COPY the same way', async () => {
    const s = await ledgerWithTwoEvents();
    const before = await chainState(s);
    // COPY … FROM PROGRAM runs on the server (the test role is its superuser): no client stream.
    const copy = (rows: readonly RawRow[]): string => {
      const lines = rows
        .map((row) =>
          [row.position, `raw-${String(row.position)}`, 1, 'Raw', 1, '{}', '{}', 'at'].concat([
            row.prevHash,
            row.hash,
          ]),
        )
        .map((fields) => fields.join(','))
        .join('\\n');
      return `COPY ${s}.events (global_position, stream_id, stream_version, event_type,
        schema_version, data, metadata, recorded_at, prev_hash, hash)
        FROM PROGRAM 'printf ''${lines}\\n''' WITH (FORMAT csv)`;
    };
    const broken = await withAdmin((admin) =>
      failureOf(
        admin,
        copy([
          { position: 3, prevHash: before.lastHash, hash: fakeHash('a') },
          { position: 4, prevHash: fakeHash('e'), hash: fakeHash('b') },
        ]),
      ),
    );
    expect(broken?.code).toBe('23514');
    expect(broken?.message).toContain('next position 4, previous hash');
    expect(await chainState(s)).toEqual(before);
    const continued = await withAdmin((admin) =>
      failureOf(
        admin,
        copy([
          { position: 3, prevHash: before.lastHash, hash: fakeHash('a') },
          { position: 4, prevHash: fakeHash('a'), hash: fakeHash('b') },
        ]),
      ),
    );
    expect(continued).toBeNull();
    expect((await chainState(s)).head).toEqual({ position: '4', hash: fakeHash('b') });
  });

  it('checks a raw INSERT that waited for the head lock against what the holder left', async () => {
    const s = await ledgerWithTwoEvents();
    const before = await chainState(s);
    await withAdmin(async (first) => {
      await withAdmin(async (second) => {
        await first.query('BEGIN');
        const [sql3, values3] = rawInsert(s, [
          { position: 3, prevHash: before.lastHash, hash: fakeHash('a') },
        ]);
        await first.query(sql3, values3);
        // Row 4 continues row 3, which is not committed yet: its check waits for the head lock.
        const secondPid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
          .rows[0]?.pid;
        const [sql4, values4] = rawInsert(s, [
          { position: 4, prevHash: fakeHash('a'), hash: fakeHash('b') },
        ]);
        const waiting = failureOf(second, sql4, values4);
        await untilWaitingForLock(first, secondPid);
        await first.query('ROLLBACK');
        const failure = await waiting;
        // Row 3 never committed: row 4 leaves a gap after row 2.
        expect(failure?.code).toBe('23514');
        expect(failure?.message).toBe(
          `events must continue the chain: next position 3, previous hash ${before.lastHash}`,
        );
      });
    });
    expect(await chainState(s)).toEqual(before);
  });
});

/** Returns once the backend `pid` waits for a lock (polls pg_stat_activity). */
async function untilWaitingForLock(session: pg.ClientBase, pid: number | undefined): Promise<void> {
  for (;;) {
    const state = await session.query<{ waiting: boolean }>(
      `SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1`,
      [pid],
    );
    if (state.rows[0]?.waiting === true) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
