import { ContainerModule } from 'inversify';
import { CLOCK } from '../../application/ports/clock.port.js';
import { EVENT_STORE } from '../../application/ports/event-store.port.js';
import { LEDGER, type Ledger } from '../../application/ports/ledger.port.js';
import { TRANSMISSION_WORK_QUEUE } from '../../application/ports/work-queue.port.js';
import { openSqliteLedger } from './sqlite-ledger.js';
import { SQLITE_LEDGER_OPTIONS, type SqliteLedgerSettings } from './sqlite-ledger-options.js';

/**
 * Binds `EVENT_STORE` and `TRANSMISSION_WORK_QUEUE` to one SQLite file per container (one
 * connection, one group-commit queue). `CLOCK` must be bound by another module.
 */
export function sqliteLedgerModule(settings: SqliteLedgerSettings): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(SQLITE_LEDGER_OPTIONS).toConstantValue(settings);
    bind(LEDGER)
      .toResolvedValue(
        (options: SqliteLedgerSettings, clock) => openSqliteLedger({ ...options, clock }),
        [SQLITE_LEDGER_OPTIONS, CLOCK],
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
