import { ContainerModule, type ServiceIdentifier } from 'inversify';
import { CLOCK } from '../../application/ports/clock.port.js';
import { EVENT_STORE } from '../../application/ports/event-store.port.js';
import { LEDGER, type Ledger } from '../../application/ports/ledger.port.js';
import { LOGGER } from '../../application/ports/logger.port.js';
import { TRANSMISSION_WORK_QUEUE } from '../../application/ports/work-queue.port.js';
import { PostgresDatabase } from './postgres-database.js';
import type { PostgresLedgerSettings } from './postgres-ledger-options.js';
import { openPostgresLedger } from './postgres-ledger.js';

/** The one pool of a container on its PostgreSQL ledger, shared by every store built on it. */
export const POSTGRES_DATABASE: ServiceIdentifier<PostgresDatabase> =
  Symbol.for('gtx.PostgresDatabase');

/**
 * Binds `POSTGRES_DATABASE` (opened, and migrating, when first asked for), and unless the caller
 * brings its own ledger, `LEDGER`, `EVENT_STORE` and `TRANSMISSION_WORK_QUEUE` on it. The pool
 * ends when the last store built on it is closed. `CLOCK` and `LOGGER` come from another module.
 */
export function postgresLedgerModule(
  settings: PostgresLedgerSettings,
  options: { readonly bindLedger: boolean },
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(POSTGRES_DATABASE)
      .toResolvedValue((logger) => PostgresDatabase.open(settings, { logger }), [LOGGER])
      .inSingletonScope();
    if (!options.bindLedger) return;
    bind(LEDGER)
      .toResolvedValue(
        (database: PostgresDatabase, clock) => openPostgresLedger(database, clock),
        [POSTGRES_DATABASE, CLOCK],
      )
      .inSingletonScope()
      .onDeactivation((ledger) => ledger.close());
    bind(EVENT_STORE)
      .toResolvedValue((ledger: Ledger) => ledger.events, [LEDGER])
      .inSingletonScope();
    bind(TRANSMISSION_WORK_QUEUE)
      .toResolvedValue((ledger: Ledger) => ledger.work, [LEDGER])
      .inSingletonScope();
  });
}
