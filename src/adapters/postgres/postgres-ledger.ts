import { ledgerOf } from '../../application/ledger/ledger-pair.js';
import type { Clock } from '../../application/ports/clock.port.js';
import type { Ledger } from '../../application/ports/ledger.port.js';
import type { PostgresDatabase } from './postgres-database.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { PostgresWorkQueue } from './postgres-work-queue.js';

/** The event store and the work queue on one PostgreSQL schema, sharing its pool. */
export interface PostgresLedger extends Ledger {
  readonly events: PostgresEventStore;
  readonly work: PostgresWorkQueue;
  /** Resolves once the schema is migrated; rejects with the coded error that stopped it. */
  ready(): Promise<void>;
}

/**
 * The ledger on `database`, at once (the database migrates in the background and every
 * operation waits for it), so a synchronous composition root can build it. Every writer goes
 * through here, so the work queue's projection is always kept. Closing the ledger releases the
 * database; the pool ends when every store built on it is closed.
 */
export function openPostgresLedger(database: PostgresDatabase, clock: Clock): PostgresLedger {
  const events = new PostgresEventStore(database, clock);
  const work = new PostgresWorkQueue(database);
  events.useInlineProjections([work]);
  return { ...ledgerOf(events, work), ready: () => database.ready() };
}
