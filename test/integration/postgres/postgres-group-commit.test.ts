import { asyncScheduler } from 'rxjs';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PostgresDatabase } from '../../../src/adapters/postgres/postgres-database.js';
import {
  openPostgresLedger,
  type PostgresLedger,
} from '../../../src/adapters/postgres/postgres-ledger.js';
import { verifyChain } from '../../../src/application/ledger/hash-chain.js';
import { readAllPages } from '../../../src/application/ledger/ledger-pages.js';
import type { Clock } from '../../../src/application/ports/clock.port.js';
import type { RecordedEvent } from '../../../src/application/ports/event-store.port.js';
import { codeOf, note } from '../../../src/testing/contracts/transmission-fixtures.js';
import { postgresTestSchema, requirePostgres, withAdmin } from '../../support/postgres.js';

/*
 * Group commit on PostgreSQL: the requests of one tick share one transaction, one
 * stream-version query and one INSERT; a statement refused there runs the batch again with a
 * savepoint per request, so only the request at fault is refused.
 */

const clock: Clock = { now: () => Date.UTC(2026, 2, 1, 12, 0, 0), scheduler: asyncScheduler };

beforeAll(requirePostgres);

async function freshLedger(): Promise<PostgresLedger & { schema: string }> {
  const { url, schema, drop } = postgresTestSchema();
  onTestFinished(drop);
  const ledger = openPostgresLedger(PostgresDatabase.open({ url, schema }), clock);
  onTestFinished(() => ledger.close());
  await ledger.ready();
  return { ...ledger, schema };
}

async function everything(ledger: PostgresLedger): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const event of readAllPages(ledger.events)) all.push(event);
  return all;
}

describe('PostgreSQL group commit', () => {
  it('stores the requests of one tick in one transaction, each stream numbered on', async () => {
    const ledger = await freshLedger();
    const before = ledger.events.diagnostics();
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        ledger.events.append({
          streamId: `s${String(i % 3)}`,
          expectedVersion: 'any',
          events: i % 4 === 0 ? [note(i), note(i + 100)] : [note(i)],
        }),
      ),
    );
    const after = ledger.events.diagnostics();
    expect(after.writeTransactions - before.writeTransactions).toBe(1);
    expect(after.separatedBatches).toBe(0);
    const all = await everything(ledger);
    expect(all.map((event) => event.position)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(verifyChain(all)).toMatchObject({ ok: true, count: 20 });
    for (const streamId of ['s0', 's1', 's2']) {
      const versions = all.filter((e) => e.streamId === streamId).map((e) => e.streamVersion);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
    }
    // Each result names the positions its own rows were stored at.
    for (const result of results) {
      const stored = all.filter(
        (e) => e.position >= result.firstPosition && e.position <= result.lastPosition,
      );
      expect(stored.every((e) => e.streamId === result.streamId)).toBe(true);
      expect(stored.at(-1)?.streamVersion).toBe(result.streamVersion);
    }
  });

  it('refuses only the request whose row PostgreSQL refuses, and stores the others gaplessly', async () => {
    const ledger = await freshLedger();
    // A row the request checks pass and the server refuses: a constraint of this test's own.
    await withAdmin((admin) =>
      admin.query(
        `ALTER TABLE "${ledger.schema}".events ADD CONSTRAINT refused_by_server
           CHECK (event_type <> 'RefusedByServer')`,
      ),
    );
    await ledger.events.append({
      streamId: 'taken',
      expectedVersion: 'noStream',
      events: [note(0)],
    });
    const [first, refusedByServer, conflict, last] = await Promise.all([
      codeOf(
        ledger.events.append({ streamId: 'a', expectedVersion: 'noStream', events: [note(1)] }),
      ),
      codeOf(
        ledger.events.append({
          streamId: 'b',
          expectedVersion: 'noStream',
          events: [{ ...note(2), type: 'RefusedByServer' }],
        }),
      ),
      codeOf(
        ledger.events.append({ streamId: 'taken', expectedVersion: 'noStream', events: [note(3)] }),
      ),
      codeOf(
        ledger.events.append({ streamId: 'c', expectedVersion: 'noStream', events: [note(4)] }),
      ),
    ]);
    expect([first, refusedByServer, conflict, last]).toEqual([
      'resolved',
      'LEDGER_UNAVAILABLE',
      'LEDGER_VERSION_CONFLICT',
      'resolved',
    ]);
    expect(ledger.events.diagnostics().separatedBatches).toBe(1);
    const all = await everything(ledger);
    expect(all.map((e) => [e.position, e.streamId])).toEqual([
      [1, 'taken'],
      [2, 'a'],
      [3, 'c'],
    ]);
    expect(verifyChain(all)).toMatchObject({ ok: true, count: 3 });
    expect(await ledger.events.readStream('b')).toEqual([]);
  });
});
