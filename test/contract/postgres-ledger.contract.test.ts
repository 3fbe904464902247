import { asyncScheduler } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../../src/adapters/postgres/postgres-database.js';
import { openPostgresLedger } from '../../src/adapters/postgres/postgres-ledger.js';
import type { Clock } from '../../src/application/ports/clock.port.js';
import { eventStoreContract } from '../../src/testing/contracts/event-store.contract.js';
import { workQueueContract } from '../../src/testing/contracts/work-queue.contract.js';
import { postgresTestSchema, requirePostgres } from '../support/postgres.js';

const START = Date.UTC(2026, 2, 1, 8, 30, 0);
const PAGE_SIZE = 5;

function manualClock(): Clock {
  return { now: () => START, scheduler: asyncScheduler };
}

/** A ledger on a fresh schema of the test server, the schema dropped after the test. */
function freshLedger() {
  const { url, schema, drop } = postgresTestSchema();
  const database = PostgresDatabase.open({ url, schema, readPageSize: PAGE_SIZE });
  const clock = manualClock();
  return { ledger: openPostgresLedger(database, clock), clock, cleanup: drop };
}

beforeAll(requirePostgres);

eventStoreContract(
  'PostgresEventStore (fresh schema, page size 5)',
  () => {
    const { ledger, clock, cleanup } = freshLedger();
    return Promise.resolve({
      store: ledger.events,
      clock,
      readPageSize: PAGE_SIZE,
      readsStoredRows: true,
      // The suite closes the store; the work queue built with it holds the pool until here.
      cleanup: async () => {
        await ledger.close();
        await cleanup();
      },
    });
  },
  { describe, it, expect },
);

workQueueContract(
  'PostgresWorkQueue (fresh schema, page size 5)',
  () => {
    const { ledger, cleanup } = freshLedger();
    return Promise.resolve({ ledger, cleanup });
  },
  { describe, it, expect },
);
