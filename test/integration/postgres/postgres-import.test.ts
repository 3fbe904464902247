import { asyncScheduler } from 'rxjs';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PostgresDatabase } from '../../../src/adapters/postgres/postgres-database.js';
import {
  openPostgresLedger,
  type PostgresLedger,
} from '../../../src/adapters/postgres/postgres-ledger.js';
import { verifyChain } from '../../../src/application/ledger/hash-chain.js';
import { readAllPages } from '../../../src/application/ledger/ledger-pages.js';
import { storedRowOf, type StoredRow } from '../../../src/application/ledger/ledger-rows.js';
import type { Clock } from '../../../src/application/ports/clock.port.js';
import type { RecordedEvent } from '../../../src/application/ports/event-store.port.js';
import {
  appendTransmission,
  note,
  T0,
  transmission,
} from '../../../src/testing/contracts/transmission-fixtures.js';
import { rejectionOf } from '../../support/failures.js';
import { postgresTestSchema, requirePostgres, TEST_POSTGRES_URL } from '../../support/postgres.js';

beforeAll(requirePostgres);

/** A ledger on a fresh schema whose clock says `atMs`; closed and dropped after the test. */
function freshLedger(atMs: number): PostgresLedger {
  const { schema, drop } = postgresTestSchema();
  const clock: Clock = { now: () => atMs, scheduler: asyncScheduler };
  const ledger = openPostgresLedger(
    PostgresDatabase.open({ url: TEST_POSTGRES_URL, schema, readPageSize: 4 }),
    clock,
  );
  onTestFinished(async () => {
    await ledger.close();
    await drop();
  });
  return ledger;
}

async function everything(ledger: PostgresLedger): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const event of readAllPages(ledger.events)) all.push(event);
  return all;
}

async function sourceLedger(): Promise<StoredRow[]> {
  const source = freshLedger(T0);
  await source.events.append({ streamId: 'notes', expectedVersion: 'any', events: [note(1)] });
  await appendTransmission(source.events, 'a1', [transmission.requested('a1', 'conv-a')]);
  await appendTransmission(source.events, 'a2', [transmission.requested('a2', 'conv-a')]);
  await appendTransmission(source.events, 'b1', [
    transmission.requested('b1', 'conv-b'),
    transmission.started(1),
    transmission.delivered(1),
  ]);
  await source.events.append({ streamId: 'notes', expectedVersion: 1, events: [note(2)] });
  return (await everything(source)).map(storedRowOf);
}

describe('PostgresEventStore.importStoredRows', () => {
  it('stores rows exactly as given, in batches, and the work queue follows them', async () => {
    const rows = await sourceLedger();
    // The target's clock is elsewhere: imported rows keep the source's times and hashes.
    const target = freshLedger(T0 + 86_400_000);
    await target.events.importStoredRows(rows.slice(0, 3));
    await target.events.importStoredRows(rows.slice(3));
    const copied = await everything(target);
    expect(copied.map(storedRowOf)).toEqual(rows);
    expect(verifyChain(copied)).toMatchObject({ ok: true, count: rows.length });
    expect(await target.work.counts()).toEqual({
      open: 2,
      rejected: 0,
      delivered: 1,
      deadLettered: 0,
    });
    const claims = await target.work.claim({ owner: 'w', limit: 10, nowMs: T0, leaseMs: 1000 });
    expect(claims.map((claim) => claim.commandId)).toEqual(['a1']);
    // Appends go on from the imported head.
    const next = await target.events.append({
      streamId: 'notes',
      expectedVersion: 2,
      events: [note(3)],
    });
    expect(next.firstPosition).toBe(rows.length + 1);
    expect(verifyChain(await everything(target))).toMatchObject({ ok: true });
  });

  it('refuses rows that do not continue the head, or do not verify, writing nothing', async () => {
    const rows = await sourceLedger();
    const target = freshLedger(T0);
    const refusals = [
      rows.slice(1),
      [rows[0]!, rows[2]!],
      [rows[0]!, { ...rows[1]!, dataJson: rows[1]!.dataJson.replace('a1', 'zz') }],
      [{ ...rows[0]!, streamVersion: 2 }],
      [{ ...rows[0]!, dataJson: '{not json' }],
    ];
    for (const batch of refusals) {
      const refused = await rejectionOf(target.events.importStoredRows(batch));
      expect(refused.code).toBe('LEDGER_IMPORT_REFUSED');
      expect((await target.events.head()).position).toBe(0);
    }
    await target.events.importStoredRows(rows.slice(0, 2));
    const again = await rejectionOf(target.events.importStoredRows(rows.slice(0, 2)));
    expect(again.message).toContain('do not continue this ledger, whose head is position 2');
    expect((await target.events.head()).position).toBe(2);
    expect(await target.work.counts()).toMatchObject({ open: 1 });
  });
});
