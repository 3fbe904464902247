import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { TimedEventStore } from '../../src/adapters/http/metrics/timed-event-store.js';
import { InMemoryEventStore } from '../../src/adapters/memory/in-memory-event-store.js';
import { createInMemoryLedger } from '../../src/adapters/memory/in-memory-work-queue.js';
import { openSqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.js';
import type { Clock } from '../../src/application/ports/clock.port.js';
import type { EventStore } from '../../src/application/ports/event-store.port.js';
import { eventStoreContract } from '../../src/testing/contracts/event-store.contract.js';
import {
  appendTransmission,
  toNewEvent,
  transmission,
} from '../../src/testing/contracts/transmission-fixtures.js';
import { workQueueContract } from '../../src/testing/contracts/work-queue.contract.js';

const START = Date.UTC(2026, 2, 1, 8, 30, 0);

function manualClock(): Clock & { advance(ms: number): void } {
  let t = START;
  return {
    now: () => t,
    scheduler: asyncScheduler,
    advance: (ms) => {
      t += ms;
    },
  };
}

function tempLedgerPath(): { path: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'gtx-ledger-contract-'));
  return {
    path: join(dir, 'ledger.sqlite'),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

eventStoreContract(
  'InMemoryEventStore',
  () => {
    const clock = manualClock();
    return Promise.resolve({ store: new InMemoryEventStore(clock), clock, readsStoredRows: true });
  },
  { describe, it, expect },
);

// The service's metrics decorator is an event store too, and must keep what it decorates can do.
eventStoreContract(
  'TimedEventStore over InMemoryEventStore',
  () => {
    const clock = manualClock();
    const listener = { appended: () => undefined, appendFailed: () => undefined };
    return Promise.resolve({
      store: new TimedEventStore(new InMemoryEventStore(clock), listener),
      clock,
      readsStoredRows: true,
    });
  },
  { describe, it, expect },
);

eventStoreContract(
  'SqliteEventStore (temp file, page size 5)',
  () => {
    const clock = manualClock();
    const { path, cleanup } = tempLedgerPath();
    const { events } = openSqliteLedger({ path, clock, readPageSize: 5 });
    return Promise.resolve({
      store: events,
      clock,
      readPageSize: 5,
      readsStoredRows: true,
      cleanup,
    });
  },
  { describe, it, expect },
);

workQueueContract(
  'InMemoryWorkQueue',
  () => Promise.resolve({ ledger: createInMemoryLedger(manualClock()) }),
  { describe, it, expect },
);

workQueueContract(
  'SqliteWorkQueue (temp file, page size 5)',
  () => {
    const { path, cleanup } = tempLedgerPath();
    const ledger = openSqliteLedger({ path, clock: manualClock(), readPageSize: 5 });
    return Promise.resolve({ ledger, cleanup });
  },
  { describe, it, expect },
);

describe('both adapters', () => {
  async function script(ledger: EventStore, clock: ReturnType<typeof manualClock>): Promise<void> {
    await appendTransmission(ledger, 'm1', [transmission.requested('m1', 'conv-1')]);
    clock.advance(1234);
    await ledger.append({
      streamId: 'transmission-m1',
      expectedVersion: 1,
      events: [toNewEvent(transmission.started(1)), toNewEvent(transmission.delivered(1))],
    });
    clock.advance(1);
    await ledger.append({
      streamId: 'other',
      expectedVersion: 'any',
      events: [
        { type: 'X', schemaVersion: 2, data: { é: -0, b: [1e21, 0.1] }, metadata: { a: 'b' } },
      ],
    });
  }

  it('write the same hashes for the same events at the same times', async () => {
    const memoryClock = manualClock();
    const memory = createInMemoryLedger(memoryClock);
    const sqliteClock = manualClock();
    const { path, cleanup } = tempLedgerPath();
    const sqlite = openSqliteLedger({ path, clock: sqliteClock });
    try {
      await script(memory.events, memoryClock);
      await script(sqlite.events, sqliteClock);
      expect(await sqlite.events.head()).toEqual(await memory.events.head());
      expect(await sqlite.events.readAll({ afterPosition: 0, limit: 100 })).toEqual(
        await memory.events.readAll({ afterPosition: 0, limit: 100 }),
      );
      expect(await sqlite.work.counts()).toEqual(await memory.work.counts());
    } finally {
      await sqlite.close();
      await memory.close();
      await cleanup();
    }
  });
});
