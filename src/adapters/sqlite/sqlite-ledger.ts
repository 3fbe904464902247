import { ledgerOf } from '../../application/ledger/ledger-pair.js';
import type { Clock } from '../../application/ports/clock.port.js';
import type { Ledger } from '../../application/ports/ledger.port.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { SQLITE_LEDGER_DEFAULTS, type SqliteLedgerSettings } from './sqlite-ledger-options.js';
import { SqliteWorkQueue } from './sqlite-work-queue.js';

export type SqliteLedgerOptions = SqliteLedgerSettings & { readonly clock: Clock };

/** The event store and the work queue on one SQLite file, sharing its connection. */
export interface SqliteLedger extends Ledger {
  readonly events: SqliteEventStore;
  readonly work: SqliteWorkQueue;
}

/**
 * Opens (creating and migrating when needed) a ledger file; throws `LedgerUnavailableError`.
 * Every writer of the file goes through here, so the work queue's projection is always kept.
 */
export function openSqliteLedger(options: SqliteLedgerOptions): SqliteLedger {
  const { clock, ...settings } = options;
  const events = SqliteEventStore.open(settings, clock);
  let work: SqliteWorkQueue;
  try {
    work = new SqliteWorkQueue(
      events,
      settings.readOnly === true,
      Math.max(1, settings.readPageSize ?? SQLITE_LEDGER_DEFAULTS.readPageSize),
    );
  } catch (error) {
    void events.close();
    throw error;
  }
  events.useInlineProjections([work]);
  return ledgerOf(events, work);
}
